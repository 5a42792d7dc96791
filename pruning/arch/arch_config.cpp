#include "pruning/arch/arch_config.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "pruning/core/error.h"
#include "pruning/cost/catalogue.h"
#include "pruning/cost/physical.h"

namespace reram {

const char* to_string(SignEncoding e) { return e == SignEncoding::Offset ? "offset" : "differential"; }

// Cell footprint by type (NeuroSim V1.4: 1T1R 12F wide x 4F high, 0T1R 2F x 2F); a
// given cell_area_f2 scales both sides alike.
double DeviceParams::cell_width_f() const {
  double w = cell_type == "1t1r" ? 12.0 : 2.0, h = cell_type == "1t1r" ? 4.0 : 2.0;
  return cell_area_f2 > 0 ? w * std::sqrt(cell_area_f2 / (w * h)) : w;
}
double DeviceParams::cell_height_f() const {
  double w = cell_type == "1t1r" ? 12.0 : 2.0, h = cell_type == "1t1r" ? 4.0 : 2.0;
  return cell_area_f2 > 0 ? h * std::sqrt(cell_area_f2 / (w * h)) : h;
}

int ArchConfig::slices() const { return (precision.weight_bits + crossbar.cell_bits - 1) / crossbar.cell_bits; }
int ArchConfig::sign_factor() const { return crossbar.sign_encoding == SignEncoding::Differential ? 2 : 1; }
int ArchConfig::bitlines_per_weight() const { return slices() * sign_factor(); }
int ArchConfig::logical_cols_per_xbar() const { return crossbar.cols / bitlines_per_weight(); }
int ArchConfig::input_steps() const { return (precision.input_bits + precision.dac_bits - 1) / precision.dac_bits; }

const ComponentTech& ArchConfig::tech(const std::string& component) const {
  static const ComponentTech zero;
  auto it = technology.find(component);
  return it == technology.end() ? zero : it->second.nominal;
}

ComponentTech ArchConfig::tech_at(const std::string& component, double g_fraction, double input_density) const {
  auto it = technology.find(component);
  if (it == technology.end() || !it->second.impl || !it->second.impl->data_dependent()) return tech(component);
  return it->second.impl->cost({this, component, g_fraction, input_density});
}

bool ArchConfig::tech_data_dependent(const std::string& component) const {
  auto it = technology.find(component);
  return it != technology.end() && it->second.impl && it->second.impl->data_dependent();
}

int ArchConfig::lossless_adc_bits() const {
  // A column sums up to ou_rows products of a (2^cell_bits - 1) conductance level and a
  // (2^dac_bits - 1) input level; resolving every sum exactly needs this many bits.
  double max_sum =
      static_cast<double>(ou_rows_eff()) * ((1 << crossbar.cell_bits) - 1) * ((1 << precision.dac_bits) - 1);
  return std::max(1, static_cast<int>(std::ceil(std::log2(max_sum + 1))));
}

json ArchConfig::costs_json() const {
  json comps = json::object();
  for (const auto& c : cost::components()) {
    auto it = technology.find(c.name);
    const ComponentTech& t = tech(c.name);
    json e = {{"model", it == technology.end() ? "table" : it->second.model},
              {"energy_pj", t.energy_pj},
              {"leakage_mw", t.leakage_mw},
              {"area_mm2", t.area_mm2},
              {"latency_ns", t.latency_ns},
              {"action", c.action}};
    if (it != technology.end()) e["params"] = it->second.params;
    comps[c.name] = e;
  }
  return {{"components", comps},
          {"adc_bits", precision.adc_bits},
          {"lossless_adc_bits", lossless_adc_bits()},
          {"read_latency_ns", crossbar.read_latency_ns},
          {"adc_latency_ns", pe.adc_latency_ns},
          {"g_min_us", crossbar.g_min_us},
          {"g_max_us", crossbar.g_max_us},
          {"ir_drop", nonideal.ir_drop}};
}

std::vector<std::string> ArchConfig::warnings() const {
  std::vector<std::string> w;
  for (const auto& [name, t] : technology) {
    for (const auto& m : t.impl->warnings({this, name})) w.push_back(m);
  }
  const int lossless = lossless_adc_bits();
  if (precision.adc_bits < lossless) {
    std::ostringstream s;
    s << "precision.adc_bits=" << precision.adc_bits << " is below the " << lossless
      << " bits needed to resolve a column sum of " << ou_rows_eff() << " rows x " << crossbar.cell_bits
      << "-bit cells x " << precision.dac_bits << "-bit inputs; conversions are lossy (accuracy: see reram eval)";
    w.push_back(s.str());
  }
  return w;
}

namespace {

template <class T>
void positive(const JsonReader& r, const std::string& key, T v) {
  if (!(v > 0)) r.fail(key, "must be positive (got " + std::to_string(v) + ")");
}
template <class T>
void non_negative(const JsonReader& r, const std::string& key, T v) {
  if (v < 0) r.fail(key, "must not be negative (got " + std::to_string(v) + ")");
}

// A number, or "auto" (resolved later from a cost model). Absent: `fallback`, not auto.
double num_or_auto(JsonReader& r, const std::string& key, double fallback, bool& is_auto) {
  is_auto = false;
  if (!r.has(key)) return fallback;
  const json& v = r.raw(key);
  if (v.is_string()) {
    if (v.get<std::string>() != "auto")
      r.fail(key, "must be a number or \"auto\" (got \"" + v.get<std::string>() + "\")");
    is_auto = true;
    return fallback;
  }
  if (!v.is_number()) r.fail(key, "must be a number or \"auto\" (got " + v.dump() + ")");
  return v.get<double>();
}

// Builds a component's cost model from its technology entry.
TechEntry read_tech(const json& entry, const std::string& component, const std::string& where) {
  if (!entry.is_object()) throw ConfigError(where + ": must be an object");
  TechEntry t;
  if (entry.contains("model")) {
    if (!entry["model"].is_string()) throw ConfigError(where + ".model: must be a string");
    t.model = entry["model"].get<std::string>();
  }
  const cost::ModelInfo& info = cost::find_model(t.model, component, where);
  cost::Params p(&entry, where);
  t.impl = info.make(p);
  p.finish();
  t.params = p.resolved();
  return t;
}

// Latency keys as given in the config: a number, "auto", or absent.
struct LatencyKeys {
  bool read_given = false, read_auto = false, adc_given = false, adc_auto = false;
};

ComponentTech evaluate(const ArchConfig& a, const std::string& component) {
  return a.technology.at(component).impl->cost({&a, component});
}

// Resolves the "auto" values (ADC bits, crossbar read and ADC conversion latency) and
// evaluates every component's model at the config's operating point. An absent latency
// key means "auto" when the component's model computes a latency, else the old default.
void resolve_costs(ArchConfig& a, const LatencyKeys& k, const std::string& where) {
  if (a.precision.adc_bits_auto) a.precision.adc_bits = a.lossless_adc_bits();
  if (a.nonideal.ir_drop_wire) {
    // The functional model's kappa = G_max R_seg (rows - 1 + cols - 1) from the same line
    // resistance the crossbar cost model uses: the far corner's excess resistance.
    cost::check_node(a.technology_nm, (where + ": nonideal.ir_drop \"wire\"").c_str());
    const cost::CrossbarLines l = cost::crossbar_lines(a);
    a.nonideal.ir_drop = a.crossbar.g_max_us * 1e-6 *
                         (l.r_row_cell_ohm * (a.crossbar.cols - 1) + l.r_col_cell_ohm * (a.crossbar.rows - 1));
  }
  // A component without an entry costs nothing: a table model of zeros.
  for (const auto& c : cost::components())
    if (!a.technology.count(c.name))
      a.technology[c.name] = read_tech(json::object(), c.name, where + ": technology." + c.name);
  auto latency_model = [&](const char* comp, const char* key, bool is_auto) {
    auto it = a.technology.find(comp);
    bool has = it != a.technology.end() && it->second.impl->has_latency();
    if (is_auto && !has)
      throw ConfigError(where + ": " + key + " is \"auto\" but technology." + comp + " uses model '" +
                        (it == a.technology.end() ? std::string("table") : it->second.model) +
                        "', which computes no latency; give a number or a physical model");
    return has;
  };
  a.crossbar.read_latency_auto =
      latency_model("crossbar", "crossbar.read_latency_ns", k.read_auto) && (k.read_auto || !k.read_given);
  a.pe.adc_latency_auto = latency_model("adc", "pe.adc_latency_ns", k.adc_auto) && (k.adc_auto || !k.adc_given);
  // The ADC first (the crossbar's settling time does not depend on it, but a sample-and-
  // hold or mux model may read the conversion rate).
  if (a.pe.adc_latency_auto) a.pe.adc_latency_ns = evaluate(a, "adc").latency_ns;
  if (a.crossbar.read_latency_auto) a.crossbar.read_latency_ns = evaluate(a, "crossbar").latency_ns;
  for (auto& [name, t] : a.technology) {
    t.nominal = evaluate(a, name);
    const ComponentTech& n = t.nominal;
    for (double v : {n.energy_pj, n.leakage_mw, n.area_mm2, n.latency_ns})
      if (!std::isfinite(v) || v < 0)
        throw ConfigError(where + ": technology." + name + " (model '" + t.model +
                          "') gives a negative or non-finite figure at this configuration");
  }
  if (!(a.crossbar.read_latency_ns > 0) || !std::isfinite(a.crossbar.read_latency_ns))
    throw ConfigError(where + ": crossbar.read_latency_ns resolved to a non-positive value");
  if (!(a.pe.adc_latency_ns > 0) || !std::isfinite(a.pe.adc_latency_ns))
    throw ConfigError(where + ": pe.adc_latency_ns resolved to a non-positive value");
}

// The device section, and the conductance range it implies. crossbar.g_min_us /
// g_max_us are another way to give r_off_ohm / r_on_ohm (giving both is an error).
void read_device(ArchConfig& a, JsonReader& r) {
  JsonReader x = r.child("device");
  JsonReader xb = r.child("crossbar");
  auto& d = a.device;
  d.r_on_ohm = x.opt("r_on_ohm", d.r_on_ohm);
  d.r_off_ohm = x.opt("r_off_ohm", d.r_off_ohm);
  d.v_read = x.opt("v_read", d.v_read);
  d.cell_type = x.opt("cell_type", d.cell_type);
  d.cell_area_f2 = x.opt("cell_area_f2", d.cell_area_f2);
  if (d.cell_type != "1t1r" && d.cell_type != "0t1r")
    x.fail("cell_type", "must be \"1t1r\" or \"0t1r\" (got \"" + d.cell_type + "\")");
  if (!(d.v_read > 0 && d.v_read <= 5))
    x.fail("v_read", "must be in (0, 5] volts (got " + std::to_string(d.v_read) + ")");
  non_negative(x, "cell_area_f2", d.cell_area_f2);
  positive(x, "r_on_ohm", d.r_on_ohm);
  if (!(d.r_off_ohm > d.r_on_ohm) || !std::isfinite(d.r_off_ohm))
    x.fail("r_off_ohm", "must exceed r_on_ohm (on/off ratio > 1)");
  auto& c = a.crossbar;
  c.g_min_us = 1e6 / d.r_off_ohm;
  c.g_max_us = 1e6 / d.r_on_ohm;
  bool gmin = xb.has("g_min_us"), gmax = xb.has("g_max_us");
  if (gmin && x.has("r_off_ohm")) xb.fail("g_min_us", "and device.r_off_ohm give the same quantity; keep one");
  if (gmax && x.has("r_on_ohm")) xb.fail("g_max_us", "and device.r_on_ohm give the same quantity; keep one");
  if (gmin) c.g_min_us = xb.opt("g_min_us", c.g_min_us);
  if (gmax) c.g_max_us = xb.opt("g_max_us", c.g_max_us);
  if (gmin || gmax) {
    positive(xb, "g_min_us", c.g_min_us);
    if (c.g_max_us <= c.g_min_us) xb.fail("g_max_us", "must exceed g_min_us (on/off ratio > 1)");
    d.r_off_ohm = 1e6 / c.g_min_us;
    d.r_on_ohm = 1e6 / c.g_max_us;
  }
  x.finish();
}

// A section given as a string is a path to a JSON file (relative to the including file).
// A section object with an "include" key takes every key of that file it does not set
// itself: {"include": "technology/physical.json", "adc": {...}} replaces one entry.
void inline_subfiles(json& spec, const std::string& where) {
  if (!spec.is_object()) return;
  for (auto it = spec.begin(); it != spec.end(); ++it) {
    if (it.value().is_object() && it.value().contains("include")) {
      json& sec = it.value();
      if (!sec["include"].is_string())
        throw ConfigError(where + ": " + it.key() + ".include must be a path to a JSON file");
      const std::string path = resolve_relative(where, sec["include"].get<std::string>());
      json base = load_json_file(path);
      if (!base.is_object()) throw ConfigError(path + ": an included section must be a JSON object");
      inline_subfiles(base, path);
      sec.erase("include");
      for (auto b = base.begin(); b != base.end(); ++b)
        if (!sec.contains(b.key())) sec[b.key()] = b.value();
    }
    if (it.value().is_string() && it.key() != "name" && it.key() != "description") {
      std::string v = it.value().get<std::string>();
      if (v.size() > 5 && v.compare(v.size() - 5, 5, ".json") == 0) {
        std::string path = resolve_relative(where, v);
        json sub = load_json_file(path);
        inline_subfiles(sub, path);
        it.value() = sub;
      }
    }
  }
}

// The arch config, one section at a time (docs/config.md).
void read_crossbar(ArchConfig& a, JsonReader& r, LatencyKeys& lat) {
  JsonReader x = r.child("crossbar");
  auto& c = a.crossbar;
  c.rows = x.opt("rows", c.rows);
  c.cols = x.opt("cols", c.cols);
  c.cell_bits = x.opt("cell_bits", c.cell_bits);
  std::string enc = x.opt<std::string>("sign_encoding", to_string(c.sign_encoding));
  if (enc == "offset")
    c.sign_encoding = SignEncoding::Offset;
  else if (enc == "differential")
    c.sign_encoding = SignEncoding::Differential;
  else
    x.fail("sign_encoding", "must be \"offset\" or \"differential\" (got \"" + enc + "\")");
  c.ou_rows = x.opt("ou_rows", c.ou_rows);
  c.ou_cols = x.opt("ou_cols", c.ou_cols);
  lat.read_given = x.has("read_latency_ns");
  c.read_latency_ns = num_or_auto(x, "read_latency_ns", c.read_latency_ns, lat.read_auto);
  // Another way to give device.r_off_ohm / r_on_ohm (read with the device section).
  if (x.has("g_min_us")) x.raw("g_min_us");
  if (x.has("g_max_us")) x.raw("g_max_us");
  positive(x, "rows", c.rows);
  positive(x, "cols", c.cols);
  positive(x, "cell_bits", c.cell_bits);
  non_negative(x, "ou_rows", c.ou_rows);
  non_negative(x, "ou_cols", c.ou_cols);
  positive(x, "read_latency_ns", c.read_latency_ns);
  if (c.ou_rows > c.rows)
    x.fail("ou_rows", "(" + std::to_string(c.ou_rows) + ") exceeds crossbar rows (" + std::to_string(c.rows) + ")");
  if (c.ou_cols > c.cols)
    x.fail("ou_cols", "(" + std::to_string(c.ou_cols) + ") exceeds crossbar cols (" + std::to_string(c.cols) + ")");
  if (c.cell_bits > 8) x.fail("cell_bits", "above 8 bits per cell is not supported");
  x.finish();
}

void read_precision(ArchConfig& a, JsonReader& r) {
  JsonReader x = r.child("precision");
  auto& p = a.precision;
  p.weight_bits = x.opt("weight_bits", p.weight_bits);
  p.input_bits = x.opt("input_bits", p.input_bits);
  p.dac_bits = x.opt("dac_bits", p.dac_bits);
  if (x.has("adc_bits") && x.raw("adc_bits").is_string()) {
    if (x.raw("adc_bits").get<std::string>() != "auto") x.fail("adc_bits", "must be a positive integer or \"auto\"");
    p.adc_bits_auto = true;
  } else {
    p.adc_bits = x.opt("adc_bits", p.adc_bits);
  }
  p.activation_bits = x.opt("activation_bits", p.activation_bits);
  for (auto [k, v] : {std::pair<const char*, int>{"weight_bits", p.weight_bits},
                      {"input_bits", p.input_bits},
                      {"dac_bits", p.dac_bits},
                      {"adc_bits", p.adc_bits},
                      {"activation_bits", p.activation_bits}})
    positive(x, k, v);
  if (p.weight_bits > 32) x.fail("weight_bits", "above 32 is not supported");
  if (p.input_bits > 32) x.fail("input_bits", "above 32 is not supported");
  if (p.adc_bits > 24) x.fail("adc_bits", "above 24 is not supported");
  if (p.dac_bits > p.input_bits)
    x.fail("dac_bits",
           "(" + std::to_string(p.dac_bits) + ") exceeds input_bits (" + std::to_string(p.input_bits) + ")");
  if (a.crossbar.cell_bits > p.weight_bits)
    x.fail("weight_bits", "(" + std::to_string(p.weight_bits) + ") is below crossbar.cell_bits (" +
                              std::to_string(a.crossbar.cell_bits) + ")");
  x.finish();
}

void read_pe(ArchConfig& a, JsonReader& r, LatencyKeys& lat) {
  JsonReader x = r.child("pe");
  auto& p = a.pe;
  p.crossbars = x.opt("crossbars", p.crossbars);
  p.adcs_per_crossbar = x.opt("adcs_per_crossbar", p.adcs_per_crossbar);
  p.adc_share = x.opt("adc_share", p.adc_share);
  lat.adc_given = x.has("adc_latency_ns");
  p.adc_latency_ns = num_or_auto(x, "adc_latency_ns", p.adc_latency_ns, lat.adc_auto);
  p.shift_add_units = x.opt("shift_add_units", p.shift_add_units);
  p.input_register_bytes = x.opt("input_register_bytes", p.input_register_bytes);
  p.output_register_bytes = x.opt("output_register_bytes", p.output_register_bytes);
  positive(x, "crossbars", p.crossbars);
  positive(x, "adcs_per_crossbar", p.adcs_per_crossbar);
  positive(x, "adc_share", p.adc_share);
  positive(x, "adc_latency_ns", p.adc_latency_ns);
  positive(x, "shift_add_units", p.shift_add_units);
  positive(x, "input_register_bytes", p.input_register_bytes);
  positive(x, "output_register_bytes", p.output_register_bytes);
  if (p.adcs_per_crossbar > a.crossbar.cols) x.fail("adcs_per_crossbar", "exceeds the crossbar's columns");
  if (p.adc_share > p.crossbars) x.fail("adc_share", "exceeds the crossbars per PE");
  x.finish();
}

void read_tile(ArchConfig& a, JsonReader& r) {
  JsonReader x = r.child("tile");
  auto& t = a.tile;
  t.pes = x.opt("pes", t.pes);
  t.buffer_bytes = x.opt("buffer_bytes", t.buffer_bytes);
  t.buffer_ports = x.opt("buffer_ports", t.buffer_ports);
  t.buffer_width_bits = x.opt("buffer_width_bits", t.buffer_width_bits);
  t.buffer_latency_cycles = x.opt("buffer_latency_cycles", t.buffer_latency_cycles);
  t.bus_width_bits = x.opt("bus_width_bits", t.bus_width_bits);
  t.activation_units = x.opt("activation_units", t.activation_units);
  t.pooling_units = x.opt("pooling_units", t.pooling_units);
  t.shift_add_units = x.opt("shift_add_units", t.shift_add_units);
  t.output_register_bytes = x.opt("output_register_bytes", t.output_register_bytes);
  positive(x, "pes", t.pes);
  positive(x, "buffer_bytes", t.buffer_bytes);
  positive(x, "buffer_ports", t.buffer_ports);
  positive(x, "buffer_width_bits", t.buffer_width_bits);
  non_negative(x, "buffer_latency_cycles", t.buffer_latency_cycles);
  positive(x, "bus_width_bits", t.bus_width_bits);
  positive(x, "activation_units", t.activation_units);
  positive(x, "pooling_units", t.pooling_units);
  positive(x, "shift_add_units", t.shift_add_units);
  positive(x, "output_register_bytes", t.output_register_bytes);
  x.finish();
}

void read_chip(ArchConfig& a, JsonReader& r) {
  JsonReader x = r.child("chip");
  auto& c = a.chip;
  if (x.has("tiles") && x.raw("tiles").is_string()) {
    if (x.raw("tiles").get<std::string>() != "auto") x.fail("tiles", "must be a positive integer or \"auto\"");
    c.tiles_auto = true;
    c.tiles = 0;
  } else {
    c.tiles = x.opt("tiles", c.tiles);
    positive(x, "tiles", c.tiles);
  }
  c.clock_ghz = x.opt("clock_ghz", c.clock_ghz);
  c.global_buffer_bytes = x.opt("global_buffer_bytes", c.global_buffer_bytes);
  c.offchip_link = x.opt("offchip_link", c.offchip_link);
  c.offchip_bandwidth_gbps = x.opt("offchip_bandwidth_gbps", c.offchip_bandwidth_gbps);
  positive(x, "clock_ghz", c.clock_ghz);
  non_negative(x, "global_buffer_bytes", c.global_buffer_bytes);
  positive(x, "offchip_bandwidth_gbps", c.offchip_bandwidth_gbps);
  {
    JsonReader n = x.child("noc");
    auto& q = c.noc;
    q.topology = n.opt("topology", q.topology);
    q.tiles_per_router = n.opt("tiles_per_router", q.tiles_per_router);
    q.flit_bits = n.opt("flit_bits", q.flit_bits);
    q.link_width_bits = n.opt("link_width_bits", q.link_width_bits);
    q.hop_latency_cycles = n.opt("hop_latency_cycles", q.hop_latency_cycles);
    q.model = n.opt("model", q.model);
    if (q.model != "packet" && q.model != "flow")
      n.fail("model", "must be \"packet\" or \"flow\" (got \"" + q.model + "\")");
    if (q.topology != "mesh" && q.topology != "cmesh")
      n.fail("topology", "must be \"mesh\" or \"cmesh\" (got \"" + q.topology + "\")");
    positive(n, "tiles_per_router", q.tiles_per_router);
    if (q.topology == "mesh" && q.tiles_per_router != 1)
      n.fail("tiles_per_router", "must be 1 for a mesh (use cmesh for concentration)");
    positive(n, "flit_bits", q.flit_bits);
    positive(n, "link_width_bits", q.link_width_bits);
    positive(n, "hop_latency_cycles", q.hop_latency_cycles);
    n.finish();
  }
  x.finish();
}

void read_technology(ArchConfig& a, JsonReader& r, const json& spec) {
  JsonReader x = r.child("technology");
  const json& t = r.has("technology") ? spec["technology"] : json::object();
  for (auto it = t.begin(); it != t.end(); ++it) {
    if (!cost::is_component(it.key()))
      throw ConfigError(x.where() + ": unknown component '" + it.key() + "' (known: " + cost::component_names() + ")");
    x.raw(it.key());
    a.technology[it.key()] = read_tech(it.value(), it.key(), x.where() + "." + it.key());
  }
  x.finish();
}

void read_nonideal(ArchConfig& a, JsonReader& r) {
  JsonReader x = r.child("nonideal");
  auto& n = a.nonideal;
  n.seed = x.opt<uint64_t>("seed", n.seed);
  if (x.has("variation_seed")) n.variation_seed = x.opt<uint64_t>("variation_seed", 0);
  if (x.has("fault_seed")) n.fault_seed = x.opt<uint64_t>("fault_seed", 0);
  if (x.has("read_noise_seed")) n.read_noise_seed = x.opt<uint64_t>("read_noise_seed", 0);
  n.variation_sigma = x.opt("variation_sigma", n.variation_sigma);
  n.read_noise_sigma = x.opt("read_noise_sigma", n.read_noise_sigma);
  n.stuck_on_rate = x.opt("stuck_on_rate", n.stuck_on_rate);
  n.stuck_off_rate = x.opt("stuck_off_rate", n.stuck_off_rate);
  n.conductance_levels = x.opt("conductance_levels", n.conductance_levels);
  if (x.has("ir_drop") && x.raw("ir_drop").is_string()) {
    if (x.raw("ir_drop").get<std::string>() != "wire") x.fail("ir_drop", "must be a number >= 0 or \"wire\"");
    n.ir_drop_wire = true;
  } else {
    n.ir_drop = x.opt("ir_drop", n.ir_drop);
  }
  n.adc_range = x.opt("adc_range", n.adc_range);
  non_negative(x, "variation_sigma", n.variation_sigma);
  non_negative(x, "read_noise_sigma", n.read_noise_sigma);
  non_negative(x, "conductance_levels", n.conductance_levels);
  non_negative(x, "ir_drop", n.ir_drop);
  if (n.stuck_on_rate < 0 || n.stuck_on_rate > 1) x.fail("stuck_on_rate", "must be in [0, 1]");
  if (n.stuck_off_rate < 0 || n.stuck_off_rate > 1) x.fail("stuck_off_rate", "must be in [0, 1]");
  if (n.stuck_on_rate + n.stuck_off_rate > 1) x.fail("stuck_off_rate", "plus stuck_on_rate exceeds 1");
  if (n.conductance_levels == 1) x.fail("conductance_levels", "must be 0 (2^cell_bits) or at least 2");
  if (n.adc_range != "full" && n.adc_range != "calibrated")
    x.fail("adc_range", "must be \"full\" or \"calibrated\" (got \"" + n.adc_range + "\")");
  x.finish();
}

}  // namespace

ArchConfig arch_from_json(const json& spec, const std::string& where) {
  ArchConfig a;
  a.source_file = where;
  LatencyKeys lat;
  JsonReader r(spec, where);
  a.name = r.opt<std::string>("name", "unnamed");
  r.opt<std::string>("description", "");
  a.technology_nm = r.opt<double>("technology_nm", a.technology_nm);
  positive(r, "technology_nm", a.technology_nm);
  read_crossbar(a, r, lat);
  read_precision(a, r);
  if (a.bitlines_per_weight() > a.crossbar.cols)
    r.fail("crossbar", "has " + std::to_string(a.crossbar.cols) + " columns, fewer than the " +
                           std::to_string(a.bitlines_per_weight()) + " bit lines one weight needs (slices x sign)");
  read_pe(a, r, lat);
  read_tile(a, r);
  read_chip(a, r);
  read_device(a, r);
  read_technology(a, r, spec);
  read_nonideal(a, r);
  r.finish();
  resolve_costs(a, lat, where);
  return a;
}

json ArchConfig::to_json() const {
  json j;
  j["name"] = name;
  j["technology_nm"] = technology_nm;
  const auto& c = crossbar;
  j["crossbar"] = {{"rows", c.rows},
                   {"cols", c.cols},
                   {"cell_bits", c.cell_bits},
                   {"sign_encoding", to_string(c.sign_encoding)},
                   {"ou_rows", c.ou_rows},
                   {"ou_cols", c.ou_cols},
                   {"read_latency_ns", c.read_latency_auto ? json("auto") : json(c.read_latency_ns)}};
  const auto& p = precision;
  j["precision"] = {{"weight_bits", p.weight_bits},
                    {"input_bits", p.input_bits},
                    {"dac_bits", p.dac_bits},
                    {"adc_bits", p.adc_bits_auto ? json("auto") : json(p.adc_bits)},
                    {"activation_bits", p.activation_bits}};
  j["pe"] = {{"crossbars", pe.crossbars},
             {"adcs_per_crossbar", pe.adcs_per_crossbar},
             {"adc_share", pe.adc_share},
             {"adc_latency_ns", pe.adc_latency_auto ? json("auto") : json(pe.adc_latency_ns)},
             {"shift_add_units", pe.shift_add_units},
             {"input_register_bytes", pe.input_register_bytes},
             {"output_register_bytes", pe.output_register_bytes}};
  const auto& t = tile;
  j["tile"] = {{"pes", t.pes},
               {"buffer_bytes", t.buffer_bytes},
               {"buffer_ports", t.buffer_ports},
               {"buffer_width_bits", t.buffer_width_bits},
               {"buffer_latency_cycles", t.buffer_latency_cycles},
               {"bus_width_bits", t.bus_width_bits},
               {"activation_units", t.activation_units},
               {"pooling_units", t.pooling_units},
               {"shift_add_units", t.shift_add_units},
               {"output_register_bytes", t.output_register_bytes}};
  j["chip"] = {{"clock_ghz", chip.clock_ghz},
               {"global_buffer_bytes", chip.global_buffer_bytes},
               {"offchip_link", chip.offchip_link},
               {"offchip_bandwidth_gbps", chip.offchip_bandwidth_gbps},
               {"noc",
                {{"topology", chip.noc.topology},
                 {"tiles_per_router", chip.noc.tiles_per_router},
                 {"flit_bits", chip.noc.flit_bits},
                 {"link_width_bits", chip.noc.link_width_bits},
                 {"hop_latency_cycles", chip.noc.hop_latency_cycles},
                 {"model", chip.noc.model}}}};
  if (chip.tiles_auto)
    j["chip"]["tiles"] = "auto";
  else
    j["chip"]["tiles"] = chip.tiles;
  j["device"] = {{"r_on_ohm", device.r_on_ohm},
                 {"r_off_ohm", device.r_off_ohm},
                 {"v_read", device.v_read},
                 {"cell_type", device.cell_type},
                 {"cell_area_f2", device.cell_area_f2}};
  json tech = json::object();
  for (const auto& c : cost::components()) {
    auto it = technology.find(c.name);
    json e = {{"model", "table"}, {"energy_pj", 0.0}, {"leakage_mw", 0.0}, {"area_mm2", 0.0}};
    if (it != technology.end()) {
      e = it->second.params;
      e["model"] = it->second.model;
    }
    tech[c.name] = e;
  }
  j["technology"] = tech;
  const auto& n = nonideal;
  j["nonideal"] = {{"seed", n.seed},
                   {"variation_seed", n.variation_seed_eff()},
                   {"fault_seed", n.fault_seed_eff()},
                   {"read_noise_seed", n.read_noise_seed_eff()},
                   {"variation_sigma", n.variation_sigma},
                   {"read_noise_sigma", n.read_noise_sigma},
                   {"stuck_on_rate", n.stuck_on_rate},
                   {"stuck_off_rate", n.stuck_off_rate},
                   {"conductance_levels", n.conductance_levels},
                   {"ir_drop", n.ir_drop_wire ? json("wire") : json(n.ir_drop)},
                   {"adc_range", n.adc_range}};
  return j;
}

void apply_override(json& spec, const std::string& assignment, const std::string& where) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError(where + ": --set '" + assignment + "' must look like section.key=value");
  std::string path = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  // The schema: every key the resolved config has (technology components included).
  static const json schema = [] {
    json s = ArchConfig().to_json();
    s["crossbar"]["g_min_us"] = 0.0;  // another way to give device.r_off_ohm / r_on_ohm
    s["crossbar"]["g_max_us"] = 0.0;
    return s;
  }();
  const json* s = &schema;
  json* node = &spec;
  std::stringstream ss(path);
  std::string part, so_far;
  std::vector<std::string> parts;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& k = parts[i];
    so_far += (so_far.empty() ? "" : ".") + k;
    bool top_string = i == 0 && (k == "name" || k == "description");
    // A model's parameters are checked by the model itself when the config is read.
    bool model_param = i == 2 && parts[0] == "technology";
    if (!top_string && !model_param && (!s->is_object() || !s->contains(k)))
      throw ConfigError(where + ": --set " + path + ": unknown key '" + so_far + "'");
    if (!node->is_object()) *node = json::object();
    if (i + 1 == parts.size()) {
      // A JSON value, or else a bare word (a string). Parsed without exceptions: this runs
      // for every override, and throwing through SystemC's coroutine stacks confuses ASan.
      json v = json::parse(value, nullptr, /*allow_exceptions=*/false);
      if (v.is_discarded()) {
        char* end = nullptr;
        const double d = std::strtod(value.c_str(), &end);
        if (!value.empty() && end == value.c_str() + value.size() && !std::isfinite(d))
          throw ConfigError(where + ": --set " + path + "=" + value + ": number overflow (beyond double's range)");
        v = value;
      }
      // Choosing another model for a component starts its entry afresh: the old
      // model's parameters do not apply to the new one.
      if (model_param && k == "model" && node->value("model", json("table")) != v) *node = json::object();
      (*node)[k] = v;
      // The conductance range has two spellings; an override of one replaces the other.
      static const std::map<std::string, std::pair<const char*, const char*>> twin = {
          {"crossbar.g_min_us", {"device", "r_off_ohm"}},
          {"crossbar.g_max_us", {"device", "r_on_ohm"}},
          {"device.r_off_ohm", {"crossbar", "g_min_us"}},
          {"device.r_on_ohm", {"crossbar", "g_max_us"}}};
      auto tw = twin.find(path);
      if (tw != twin.end() && spec.contains(tw->second.first) && spec[tw->second.first].is_object())
        spec[tw->second.first].erase(tw->second.second);
    } else {
      if (!top_string && !model_param) s = &(*s)[k];
      node = &(*node)[k];
    }
  }
}

ArchConfig load_arch(const std::string& path, const std::vector<std::string>& overrides) {
  json spec = load_json_file(path);
  if (!spec.is_object()) throw ConfigError(path + ": an arch config must be a JSON object");
  inline_subfiles(spec, path);
  for (const auto& o : overrides) apply_override(spec, o, path);
  return arch_from_json(spec, path);
}

}  // namespace reram
