#include "pruning/arch/arch_config.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "pruning/arch/arch_fields.h"
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

ComponentTech ArchConfig::adc_tech_at_bits(int bits) const {
  auto it = technology.find("adc");
  ComponentTech t = tech("adc");
  if (it != technology.end() && it->second.impl && bits != precision.adc_bits) {
    ArchConfig at = *this;
    at.precision.adc_bits = bits;
    t = it->second.impl->cost({&at, "adc"});
    if (pe.adc_latency_auto) return t;
  }
  // At the config's own resolution, or with a given conversion time: pe.adc_latency_ns
  // (which "auto" resolved from the same model at precision.adc_bits).
  t.latency_ns = pe.adc_latency_ns;
  return t;
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

ComponentTech evaluate(const ArchConfig& a, const std::string& component) {
  return a.technology.at(component).impl->cost({&a, component});
}

// Resolves the "auto" values (ADC bits, crossbar read and ADC conversion latency) and
// evaluates every component's model at the config's operating point. An absent latency
// key means "auto" when the component's model computes a latency, else the old default.
void resolve_costs(ArchConfig& a, const arch::ReadContext& k, const std::string& where) {
  if (a.precision.adc_bits_auto || a.precision.adc_bits_per_crossbar) a.precision.adc_bits = a.lossless_adc_bits();
  if (a.precision.adc_bits_per_crossbar && a.nonideal.adc_range != "full")
    throw ConfigError(where +
                      ": precision.adc_bits \"per_crossbar\" sizes every ADC to be lossless at LSB 1; "
                      "nonideal.adc_range must be \"full\" with it (got \"" +
                      a.nonideal.adc_range + "\")");
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
  a.crossbar.read_latency_auto = latency_model("crossbar", "crossbar.read_latency_ns", k.read_latency_auto) &&
                                 (k.read_latency_auto || !k.read_latency_given);
  a.pe.adc_latency_auto =
      latency_model("adc", "pe.adc_latency_ns", k.adc_latency_auto) && (k.adc_latency_auto || !k.adc_latency_given);
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
void read_device(ArchConfig& a, JsonReader& r, arch::ReadContext& ctx) {
  JsonReader x = r.child("device");
  JsonReader xb = r.child("crossbar");
  auto& d = a.device;
  arch::read_fields(a, x, ctx, arch::section("device"));
  if (!(d.v_read > 0 && d.v_read <= 5))
    x.fail("v_read", "must be in (0, 5] volts (got " + std::to_string(d.v_read) + ")");
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
    arch::check_positive(xb, "g_min_us", c.g_min_us);
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

// The arch config, one section at a time: the keys from their field tables
// (arch_fields.cpp), then the checks that relate several keys.
void read_crossbar(ArchConfig& a, JsonReader& r, arch::ReadContext& ctx) {
  JsonReader x = r.child("crossbar");
  auto& c = a.crossbar;
  arch::read_fields(a, x, ctx, arch::section("crossbar"));
  if (c.ou_rows > c.rows)
    x.fail("ou_rows", "(" + std::to_string(c.ou_rows) + ") exceeds crossbar rows (" + std::to_string(c.rows) + ")");
  if (c.ou_cols > c.cols)
    x.fail("ou_cols", "(" + std::to_string(c.ou_cols) + ") exceeds crossbar cols (" + std::to_string(c.cols) + ")");
  if (c.cell_bits > 8) x.fail("cell_bits", "above 8 bits per cell is not supported");
  x.finish();
}

void read_precision(ArchConfig& a, JsonReader& r, arch::ReadContext& ctx) {
  JsonReader x = r.child("precision");
  auto& p = a.precision;
  arch::read_fields(a, x, ctx, arch::section("precision"));
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

void read_pe(ArchConfig& a, JsonReader& r, arch::ReadContext& ctx) {
  JsonReader x = r.child("pe");
  auto& p = a.pe;
  arch::read_fields(a, x, ctx, arch::section("pe"));
  if (p.adcs_per_crossbar > a.crossbar.cols) x.fail("adcs_per_crossbar", "exceeds the crossbar's columns");
  if (p.adc_share > p.crossbars) x.fail("adc_share", "exceeds the crossbars per PE");
  x.finish();
}

void read_tile(ArchConfig& a, JsonReader& r, arch::ReadContext& ctx) {
  JsonReader x = r.child("tile");
  arch::read_fields(a, x, ctx, arch::section("tile"));
  x.finish();
}

void read_chip(ArchConfig& a, JsonReader& r, arch::ReadContext& ctx) {
  JsonReader x = r.child("chip");
  arch::read_fields(a, x, ctx, arch::section("chip"));
  {
    JsonReader n = x.child("noc");
    arch::read_fields(a, n, ctx, arch::section("chip.noc"));
    if (a.chip.noc.topology == "mesh" && a.chip.noc.tiles_per_router != 1)
      n.fail("tiles_per_router", "must be 1 for a mesh (use cmesh for concentration)");
    if (a.chip.noc.model == "packet" && a.chip.noc.output_delivery == "multicast")
      n.fail("output_delivery", "\"multicast\" needs chip.noc.model = \"flow\" (the packet model has no multicast)");
    if (a.chip.noc.model == "packet" && a.chip.noc.reduction == "in_network")
      n.fail("reduction",
             "\"in_network\" needs chip.noc.model = \"flow\" (the packet model adds no partial sums on the way)");
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

void read_nonideal(ArchConfig& a, JsonReader& r, arch::ReadContext& ctx) {
  JsonReader x = r.child("nonideal");
  auto& n = a.nonideal;
  arch::read_fields(a, x, ctx, arch::section("nonideal"));
  if (n.stuck_on_rate < 0 || n.stuck_on_rate > 1) x.fail("stuck_on_rate", "must be in [0, 1]");
  if (n.stuck_off_rate < 0 || n.stuck_off_rate > 1) x.fail("stuck_off_rate", "must be in [0, 1]");
  if (n.stuck_on_rate + n.stuck_off_rate > 1) x.fail("stuck_off_rate", "plus stuck_on_rate exceeds 1");
  if (n.conductance_levels == 1) x.fail("conductance_levels", "must be 0 (2^cell_bits) or at least 2");
  x.finish();
}

}  // namespace

ArchConfig arch_from_json(const json& spec, const std::string& where) {
  ArchConfig a;
  a.source_file = where;
  arch::ReadContext ctx;
  JsonReader r(spec, where);
  arch::read_fields(a, r, ctx, arch::section(""));
  read_crossbar(a, r, ctx);
  read_precision(a, r, ctx);
  if (a.bitlines_per_weight() > a.crossbar.cols)
    r.fail("crossbar", "has " + std::to_string(a.crossbar.cols) + " columns, fewer than the " +
                           std::to_string(a.bitlines_per_weight()) + " bit lines one weight needs (slices x sign)");
  read_pe(a, r, ctx);
  read_tile(a, r, ctx);
  read_chip(a, r, ctx);
  read_device(a, r, ctx);
  read_technology(a, r, spec);
  read_nonideal(a, r, ctx);
  r.finish();
  resolve_costs(a, ctx, where);
  return a;
}

json ArchConfig::to_json() const {
  json j = arch::write_fields(*this, arch::section(""));
  for (const auto& sec : arch::sections()) {
    if (sec.path.empty() || sec.path.find('.') != std::string::npos || sec.fields.empty()) continue;
    j[sec.path] = arch::write_fields(*this, sec);
  }
  j["chip"]["noc"] = arch::write_fields(*this, arch::section("chip.noc"));
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
    for (const auto& sec : arch::sections()) {  // keys accepted but not written (crossbar.g_min_us)
      json* node = &s;
      std::stringstream path(sec.path);
      for (std::string part; std::getline(path, part, '.');) node = &(*node)[part];
      for (const auto& f : sec.fields) (*node)[f.key] = true;
    }
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
