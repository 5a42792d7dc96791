#include "pruning/arch/arch_config.h"

#include <cmath>
#include <sstream>

#include "pruning/core/error.h"

namespace reram {

const char* to_string(SignEncoding e) { return e == SignEncoding::Offset ? "offset" : "differential"; }

const std::vector<std::string>& technology_components() {
  // What each component's per-action energy means is documented in docs/simulator.md.
  static const std::vector<std::string> names = {
      "crossbar",        "dac",          "sample_hold",     "adc",        "adc_mux",    "shift_add",
      "input_register",  "output_register", "pe_controller", "tile_buffer", "bus",       "router",
      "activation",      "pooling",      "tile_shift_add",  "tile_output_register", "tile_controller",
      "index_memory",    "input_gather", "output_recombine", "global_buffer", "offchip_link"};
  return names;
}

int ArchConfig::slices() const { return (precision.weight_bits + crossbar.cell_bits - 1) / crossbar.cell_bits; }
int ArchConfig::sign_factor() const { return crossbar.sign_encoding == SignEncoding::Differential ? 2 : 1; }
int ArchConfig::bitlines_per_weight() const { return slices() * sign_factor(); }
int ArchConfig::logical_cols_per_xbar() const { return crossbar.cols / bitlines_per_weight(); }
int ArchConfig::input_steps() const { return (precision.input_bits + precision.dac_bits - 1) / precision.dac_bits; }

const ComponentTech& ArchConfig::tech(const std::string& component) const {
  static const ComponentTech zero;
  auto it = technology.find(component);
  return it == technology.end() ? zero : it->second;
}

std::vector<std::string> ArchConfig::warnings() const {
  std::vector<std::string> w;
  // A column sums up to ou_rows products of a (2^cell_bits - 1) conductance level and a
  // (2^dac_bits - 1) input level; resolving every sum exactly needs this many ADC bits.
  double max_sum = static_cast<double>(ou_rows_eff()) * ((1 << crossbar.cell_bits) - 1) * ((1 << precision.dac_bits) - 1);
  int lossless = static_cast<int>(std::ceil(std::log2(max_sum + 1)));
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

ComponentTech read_tech(JsonReader r) {
  ComponentTech t;
  t.energy_pj = r.opt<double>("energy_pj", 0.0);
  t.leakage_mw = r.opt<double>("leakage_mw", 0.0);
  t.area_mm2 = r.opt<double>("area_mm2", 0.0);
  r.opt<std::string>("note", "");
  non_negative(r, "energy_pj", t.energy_pj);
  non_negative(r, "leakage_mw", t.leakage_mw);
  non_negative(r, "area_mm2", t.area_mm2);
  r.finish();
  return t;
}

// A section given as a string is a path to a JSON file (relative to the including file).
void inline_subfiles(json& spec, const std::string& where) {
  if (!spec.is_object()) return;
  for (auto it = spec.begin(); it != spec.end(); ++it) {
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

}  // namespace

ArchConfig arch_from_json(const json& spec, const std::string& where) {
  ArchConfig a;
  a.source_file = where;
  JsonReader r(spec, where);
  a.name = r.opt<std::string>("name", "unnamed");
  r.opt<std::string>("description", "");
  a.technology_nm = r.opt<double>("technology_nm", a.technology_nm);
  positive(r, "technology_nm", a.technology_nm);
  {
    JsonReader x = r.child("crossbar");
    auto& c = a.crossbar;
    c.rows = x.opt("rows", c.rows);
    c.cols = x.opt("cols", c.cols);
    c.cell_bits = x.opt("cell_bits", c.cell_bits);
    std::string enc = x.opt<std::string>("sign_encoding", to_string(c.sign_encoding));
    if (enc == "offset") c.sign_encoding = SignEncoding::Offset;
    else if (enc == "differential") c.sign_encoding = SignEncoding::Differential;
    else x.fail("sign_encoding", "must be \"offset\" or \"differential\" (got \"" + enc + "\")");
    c.ou_rows = x.opt("ou_rows", c.ou_rows);
    c.ou_cols = x.opt("ou_cols", c.ou_cols);
    c.read_latency_ns = x.opt("read_latency_ns", c.read_latency_ns);
    c.g_min_us = x.opt("g_min_us", c.g_min_us);
    c.g_max_us = x.opt("g_max_us", c.g_max_us);
    positive(x, "rows", c.rows);
    positive(x, "cols", c.cols);
    positive(x, "cell_bits", c.cell_bits);
    non_negative(x, "ou_rows", c.ou_rows);
    non_negative(x, "ou_cols", c.ou_cols);
    positive(x, "read_latency_ns", c.read_latency_ns);
    positive(x, "g_min_us", c.g_min_us);
    if (c.ou_rows > c.rows) x.fail("ou_rows", "(" + std::to_string(c.ou_rows) + ") exceeds crossbar rows (" + std::to_string(c.rows) + ")");
    if (c.ou_cols > c.cols) x.fail("ou_cols", "(" + std::to_string(c.ou_cols) + ") exceeds crossbar cols (" + std::to_string(c.cols) + ")");
    if (c.g_max_us <= c.g_min_us) x.fail("g_max_us", "must exceed g_min_us (on/off ratio > 1)");
    if (c.cell_bits > 8) x.fail("cell_bits", "above 8 bits per cell is not supported");
    x.finish();
  }
  {
    JsonReader x = r.child("precision");
    auto& p = a.precision;
    p.weight_bits = x.opt("weight_bits", p.weight_bits);
    p.input_bits = x.opt("input_bits", p.input_bits);
    p.dac_bits = x.opt("dac_bits", p.dac_bits);
    p.adc_bits = x.opt("adc_bits", p.adc_bits);
    p.activation_bits = x.opt("activation_bits", p.activation_bits);
    for (auto [k, v] : {std::pair<const char*, int>{"weight_bits", p.weight_bits}, {"input_bits", p.input_bits},
                        {"dac_bits", p.dac_bits}, {"adc_bits", p.adc_bits}, {"activation_bits", p.activation_bits}})
      positive(x, k, v);
    if (p.weight_bits > 32) x.fail("weight_bits", "above 32 is not supported");
    if (p.input_bits > 32) x.fail("input_bits", "above 32 is not supported");
    if (p.adc_bits > 24) x.fail("adc_bits", "above 24 is not supported");
    if (p.dac_bits > p.input_bits) x.fail("dac_bits", "(" + std::to_string(p.dac_bits) + ") exceeds input_bits (" + std::to_string(p.input_bits) + ")");
    if (a.crossbar.cell_bits > p.weight_bits)
      x.fail("weight_bits", "(" + std::to_string(p.weight_bits) + ") is below crossbar.cell_bits (" +
                                std::to_string(a.crossbar.cell_bits) + ")");
    x.finish();
  }
  if (a.bitlines_per_weight() > a.crossbar.cols)
    r.fail("crossbar", "has " + std::to_string(a.crossbar.cols) + " columns, fewer than the " +
                           std::to_string(a.bitlines_per_weight()) + " bit lines one weight needs (slices x sign)");
  {
    JsonReader x = r.child("pe");
    auto& p = a.pe;
    p.crossbars = x.opt("crossbars", p.crossbars);
    p.adcs_per_crossbar = x.opt("adcs_per_crossbar", p.adcs_per_crossbar);
    p.adc_share = x.opt("adc_share", p.adc_share);
    p.adc_latency_ns = x.opt("adc_latency_ns", p.adc_latency_ns);
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
  {
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
  {
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
  {
    JsonReader x = r.child("technology");
    const json& t = r.has("technology") ? spec["technology"] : json::object();
    for (auto it = t.begin(); it != t.end(); ++it) {
      bool known = false;
      for (const auto& n : technology_components()) known = known || n == it.key();
      if (!known) {
        std::string all;
        for (const auto& n : technology_components()) all += (all.empty() ? "" : ", ") + n;
        throw ConfigError(x.where() + ": unknown component '" + it.key() + "' (known: " + all + ")");
      }
      a.technology[it.key()] = read_tech(x.child(it.key()));
    }
    x.finish();
  }
  {
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
    n.ir_drop = x.opt("ir_drop", n.ir_drop);
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
  r.finish();
  return a;
}

json ArchConfig::to_json() const {
  json j;
  j["name"] = name;
  j["technology_nm"] = technology_nm;
  const auto& c = crossbar;
  j["crossbar"] = {{"rows", c.rows},         {"cols", c.cols},
                   {"cell_bits", c.cell_bits}, {"sign_encoding", to_string(c.sign_encoding)},
                   {"ou_rows", c.ou_rows},   {"ou_cols", c.ou_cols},
                   {"read_latency_ns", c.read_latency_ns}, {"g_min_us", c.g_min_us}, {"g_max_us", c.g_max_us}};
  const auto& p = precision;
  j["precision"] = {{"weight_bits", p.weight_bits}, {"input_bits", p.input_bits}, {"dac_bits", p.dac_bits},
                    {"adc_bits", p.adc_bits}, {"activation_bits", p.activation_bits}};
  j["pe"] = {{"crossbars", pe.crossbars}, {"adcs_per_crossbar", pe.adcs_per_crossbar}, {"adc_share", pe.adc_share},
             {"adc_latency_ns", pe.adc_latency_ns}, {"shift_add_units", pe.shift_add_units},
             {"input_register_bytes", pe.input_register_bytes}, {"output_register_bytes", pe.output_register_bytes}};
  const auto& t = tile;
  j["tile"] = {{"pes", t.pes}, {"buffer_bytes", t.buffer_bytes}, {"buffer_ports", t.buffer_ports},
               {"buffer_width_bits", t.buffer_width_bits}, {"buffer_latency_cycles", t.buffer_latency_cycles},
               {"bus_width_bits", t.bus_width_bits}, {"activation_units", t.activation_units},
               {"pooling_units", t.pooling_units}, {"shift_add_units", t.shift_add_units},
               {"output_register_bytes", t.output_register_bytes}};
  j["chip"] = {{"clock_ghz", chip.clock_ghz}, {"global_buffer_bytes", chip.global_buffer_bytes},
               {"offchip_link", chip.offchip_link}, {"offchip_bandwidth_gbps", chip.offchip_bandwidth_gbps},
               {"noc", {{"topology", chip.noc.topology}, {"tiles_per_router", chip.noc.tiles_per_router},
                        {"flit_bits", chip.noc.flit_bits}, {"link_width_bits", chip.noc.link_width_bits},
                        {"hop_latency_cycles", chip.noc.hop_latency_cycles}}}};
  if (chip.tiles_auto) j["chip"]["tiles"] = "auto";
  else j["chip"]["tiles"] = chip.tiles;
  json tech = json::object();
  for (const auto& n : technology_components()) {
    const ComponentTech& ct = this->tech(n);
    tech[n] = {{"energy_pj", ct.energy_pj}, {"leakage_mw", ct.leakage_mw}, {"area_mm2", ct.area_mm2}};
  }
  j["technology"] = tech;
  const auto& n = nonideal;
  j["nonideal"] = {{"seed", n.seed}, {"variation_seed", n.variation_seed_eff()}, {"fault_seed", n.fault_seed_eff()},
                   {"read_noise_seed", n.read_noise_seed_eff()}, {"variation_sigma", n.variation_sigma}, {"read_noise_sigma", n.read_noise_sigma},
                   {"stuck_on_rate", n.stuck_on_rate}, {"stuck_off_rate", n.stuck_off_rate},
                   {"conductance_levels", n.conductance_levels}, {"ir_drop", n.ir_drop}, {"adc_range", n.adc_range}};
  return j;
}

void apply_override(json& spec, const std::string& assignment, const std::string& where) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError(where + ": --set '" + assignment + "' must look like section.key=value");
  std::string path = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  // The schema: every key the resolved config has (technology components included).
  static const json schema = ArchConfig().to_json();
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
    if (!top_string && (!s->is_object() || !s->contains(k)))
      throw ConfigError(where + ": --set " + path + ": unknown key '" + so_far + "'");
    if (!node->is_object()) *node = json::object();
    if (i + 1 == parts.size()) {
      json v;
      try {
        v = json::parse(value);
      } catch (const json::parse_error&) {
        v = value;  // a bare word is a string
      }
      (*node)[k] = v;
    } else {
      if (!top_string) s = &(*s)[k];
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
