#include "sweep/metrics.h"

#include <cmath>
#include <filesystem>

namespace fs = std::filesystem;

namespace reram::sweep {

namespace {

double num(const json& j, const std::string& key, double fallback = NAN) {
  if (j.is_object() && j.contains(key) && j[key].is_number()) return j[key].get<double>();
  return fallback;
}

// Peripheral circuits: what a crossbar needs around it to be read (conversion, drive,
// sampling) and the index maps of compacted mappings.
bool is_peripheral(const std::string& component) {
  for (const char* p : {"adc", "dac", "sample_hold", "s_h", "sh", "index", "mux"})
    if (component == p || component.rfind(std::string(p) + "_", 0) == 0) return true;
  return false;
}

}  // namespace

json mapping_metrics(const std::string& map_dir) {
  json out = json::object();
  std::string manifest = map_dir + "/mapping.json";
  json m = load_json_file(manifest);
  double dense = 0, total = 0, kept = 0, index_bits = 0;
  const json& layers = m.contains("layers") ? m["layers"] : json::array();
  for (const auto& l : layers) {
    dense += num(l, "dense_crossbars", 0);
    total += num(l, "weights_total", 0);
    kept += num(l, "weights_kept", 0);
    index_bits += num(l, "index_bits", 0);
  }
  double occupied = NAN;
  if (m.contains("crossbars") && m["crossbars"].is_array()) occupied = static_cast<double>(m["crossbars"].size());
  else if (m.contains("occupied_crossbars")) occupied = num(m, "occupied_crossbars");
  out["dense_crossbars"] = dense;
  out["occupied_crossbars"] = occupied;
  out["crossbar_compression"] = occupied > 0 ? dense / occupied : NAN;
  out["crossbars_saved_fraction"] = dense > 0 ? 1.0 - occupied / dense : NAN;
  out["weight_sparsity"] = total > 0 ? 1.0 - kept / total : 0.0;
  out["index_bits"] = index_bits;
  if (m.contains("tiles_used")) out["tiles_used"] = m["tiles_used"];
  if (m.contains("pes_used")) out["pes_used"] = m["pes_used"];
  if (m.contains("pruning") && m["pruning"].is_object()) {
    const json& p = m["pruning"];
    for (const char* k : {"accuracy", "accuracy_dense", "accuracy_before_finetune"})
      if (p.contains(k) && p[k].is_number()) out[std::string("prune_") + k] = p[k];
  }
  return out;
}

json sim_metrics(const json& r) {
  json out = json::object();
  // Totals may sit at the top level or under "totals"/"summary".
  const json* tot = &r;
  for (const char* k : {"totals", "summary", "total"})
    if (r.contains(k) && r[k].is_object()) {
      tot = &r[k];
      break;
    }
  for (const char* k : {"cycles", "latency_ns", "energy_pj", "area_mm2", "ops", "macs", "power_mw",
                        "leakage_energy_pj", "dynamic_energy_pj", "tops_per_w", "tops_per_mm2", "edp_pj_ns"}) {
    double v = num(*tot, k);
    if (std::isnan(v)) v = num(r, k);
    if (!std::isnan(v)) out[k] = v;
  }
  // Energy and area by component.
  for (const char* section : {"energy_pj_by_component", "energy_by_component", "area_mm2_by_component",
                              "area_by_component"}) {
    const json* sec = nullptr;
    if (tot->contains(section)) sec = &(*tot)[section];
    else if (r.contains(section)) sec = &r[section];
    if (!sec || !sec->is_object()) continue;
    bool energy = std::string(section).find("energy") != std::string::npos;
    for (auto it = sec->begin(); it != sec->end(); ++it) {
      double v = it.value().is_number() ? it.value().get<double>() : num(it.value(), energy ? "energy_pj" : "area_mm2");
      if (std::isnan(v)) continue;
      out[(energy ? "energy_pj." : "area_mm2.") + it.key()] = v;
    }
  }
  return out;
}

json eval_metrics(const json& r) {
  json out = json::object();
  for (const char* k : {"accuracy", "accuracy_software", "accuracy_hardware", "samples"}) {
    double v = num(r, k);
    if (!std::isnan(v)) out[k] = v;
  }
  return out;
}

void add_derived_metrics(json& m) {
  double ops = num(m, "ops");
  if (std::isnan(ops)) {
    double macs = num(m, "macs");
    if (!std::isnan(macs)) ops = 2 * macs;
  }
  double e = num(m, "energy_pj"), lat = num(m, "latency_ns"), area = num(m, "area_mm2");
  // ops / pJ = 1e12 ops / J = TOPS/W; ops / (ns * mm^2) = 1e9 ops/s/mm^2 = 1e-3 TOPS/mm^2.
  if (!m.contains("tops_per_w") && ops > 0 && e > 0) m["tops_per_w"] = ops / e;
  if (!m.contains("tops_per_mm2") && ops > 0 && lat > 0 && area > 0) m["tops_per_mm2"] = ops / lat / area * 1e-3;
  if (!m.contains("edp_pj_ns") && e > 0 && lat > 0) m["edp_pj_ns"] = e * lat;
  double peri = 0, xbar = 0;
  bool any = false;
  for (auto it = m.begin(); it != m.end(); ++it) {
    const std::string& k = it.key();
    if (k.rfind("energy_pj.", 0) != 0 || !it.value().is_number()) continue;
    std::string comp = k.substr(10);
    any = true;
    if (is_peripheral(comp)) peri += it.value().get<double>();
    if (comp == "crossbar") xbar += it.value().get<double>();
  }
  if (any && e > 0) {
    m["peripheral_energy_pj"] = peri;
    m["peripheral_energy_share"] = peri / e;
    m["crossbar_energy_share"] = xbar / e;
  }
}

json config_columns(const json& arch, const json& prune, bool dense) {
  json c = json::object();
  if (arch.is_object()) {
    auto get = [&](const char* sec, const char* key) -> json {
      if (arch.contains(sec) && arch[sec].is_object() && arch[sec].contains(key)) return arch[sec][key];
      return nullptr;
    };
    json rows = get("crossbar", "rows"), cols = get("crossbar", "cols");
    c["xbar_rows"] = rows;
    c["xbar_cols"] = cols;
    if (rows.is_number() && cols.is_number()) {
      c["xbar_cells"] = rows.get<double>() * cols.get<double>();
      c["aspect_ratio"] = rows.get<double>() / cols.get<double>();
    }
    c["cell_bits"] = get("crossbar", "cell_bits");
    c["ou_rows"] = get("crossbar", "ou_rows");
    c["ou_cols"] = get("crossbar", "ou_cols");
    c["sign_encoding"] = get("crossbar", "sign_encoding");
    c["weight_bits"] = get("precision", "weight_bits");
    c["input_bits"] = get("precision", "input_bits");
    c["dac_bits"] = get("precision", "dac_bits");
    c["adc_bits"] = get("precision", "adc_bits");
  }
  c["granularity"] = dense ? json("dense") : prune.value("granularity", json(nullptr));
  c["optimizer"] = dense ? json(nullptr) : prune.value("optimizer", json(nullptr));
  c["crossbar_budget"] = dense ? json(nullptr) : prune.value("crossbar_budget", json(nullptr));
  return c;
}

}  // namespace reram::sweep
