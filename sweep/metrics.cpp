#include "sweep/metrics.h"

#include <cmath>
#include <filesystem>

#include "pruning/cost/catalogue.h"

namespace fs = std::filesystem;

namespace reram::sweep {

namespace {

double num(const json& j, const std::string& key, double fallback = NAN) {
  if (j.is_object() && j.contains(key) && j[key].is_number()) return j[key].get<double>();
  return fallback;
}

void copy_num(json& out, const std::string& to, const json& from, const std::string& key) {
  double v = num(from, key);
  if (!std::isnan(v)) out[to] = v;
}

}  // namespace

const std::vector<std::string>& peripheral_components() {
  // What a crossbar needs around it to be read (conversion, drive, sampling, the ADC
  // multiplexer) and the index maps / gather / recombination of compacted mappings: the
  // catalogue's peripheral components.
  static const std::vector<std::string> c = [] {
    std::vector<std::string> v;
    for (const auto& k : cost::components())
      if (k.peripheral) v.push_back(k.name);
    return v;
  }();
  return c;
}

json mapping_metrics(const std::string& map_dir) {
  json out = json::object();
  if (fs::exists(map_dir + "/prune_report.json")) {
    json r = load_json_file(map_dir + "/prune_report.json");
    const json& t = r.contains("total") ? r["total"] : json::object();
    copy_num(out, "dense_crossbars", t, "dense_crossbars");
    copy_num(out, "occupied_crossbars", t, "occupied_crossbars");
    copy_num(out, "crossbar_compression", t, "compression");
    copy_num(out, "weight_sparsity", t, "weight_sparsity");
    copy_num(out, "index_bits", t, "index_bits");
    if (r.contains("total_prunable")) {
      copy_num(out, "prunable_crossbar_compression", r["total_prunable"], "compression");
      copy_num(out, "prunable_weight_sparsity", r["total_prunable"], "weight_sparsity");
    }
    if (r.contains("accuracy") && r["accuracy"].is_object())
      for (auto it = r["accuracy"].begin(); it != r["accuracy"].end(); ++it)
        if (it.value().is_number()) out["accuracy_software_" + it.key()] = it.value();
  } else if (fs::exists(map_dir + "/map_report.json")) {
    json r = load_json_file(map_dir + "/map_report.json");
    copy_num(out, "dense_crossbars", r, "dense_crossbars");
    copy_num(out, "occupied_crossbars", r, "crossbars");
    copy_num(out, "macs", r, "macs");
    copy_num(out, "weights", r, "weights");
    double d = num(r, "dense_crossbars"), o = num(r, "crossbars");
    if (o > 0) out["crossbar_compression"] = d / o;
    out["weight_sparsity"] = 0.0;
  } else {
    // No report: count from the manifest itself.
    json m = load_json_file(map_dir + "/mapping.json");
    double dense = 0, total = 0, kept = 0;
    if (m.contains("layers"))
      for (const auto& l : m["layers"]) {
        dense += num(l, "dense_crossbars", 0);
        total += num(l, "weights_total", 0);
        kept += num(l, "weights_kept", 0);
      }
    double occupied = m.contains("crossbars") && m["crossbars"].is_array() ? double(m["crossbars"].size()) : NAN;
    out["dense_crossbars"] = dense;
    out["occupied_crossbars"] = occupied;
    if (occupied > 0) out["crossbar_compression"] = dense / occupied;
    out["weight_sparsity"] = total > 0 ? 1.0 - kept / total : 0.0;
  }
  return out;
}

json sim_metrics(const json& r) {
  json out = json::object();
  for (const char* k : {"cycles", "latency_ns", "ops", "tops", "tops_per_w", "tops_per_mm2", "power_mw", "tiles_used",
                        "pes_used", "energy_per_image_pj"})
    copy_num(out, k, r, k);
  // Totals and breakdowns (component groups as the simulator reports them).
  for (const char* sec : {"energy_pj", "area_mm2"}) {
    if (!r.contains(sec)) continue;
    const json& s = r[sec];
    if (s.is_number()) {
      out[sec] = s;
      continue;
    }
    if (!s.is_object()) continue;
    for (auto it = s.begin(); it != s.end(); ++it) {
      if (!it.value().is_number()) continue;
      if (it.key() == "total")
        out[sec] = it.value();
      else
        out[std::string(sec) + "." + it.key()] = it.value();
    }
  }
  if (r.contains("compression") && r["compression"].is_object()) {
    const json& c = r["compression"];
    copy_num(out, "dense_crossbars", c, "dense_crossbars");
    copy_num(out, "occupied_crossbars", c, "occupied_crossbars");
    copy_num(out, "crossbar_compression", c, "compression_rate");
    copy_num(out, "weight_sparsity", c, "weight_sparsity");
  }
  // Peripheral and crossbar-array energy, dynamic plus leakage, per raw component.
  if (r.contains("components") && r["components"].is_object()) {
    const json& comps = r["components"];
    double peri = 0, xbar = 0;
    for (auto it = comps.begin(); it != comps.end(); ++it) {
      double e = num(it.value(), "dynamic_pj", 0) + num(it.value(), "leakage_pj", 0);
      for (const auto& p : peripheral_components())
        if (it.key() == p) peri += e;
      if (it.key() == "crossbar") xbar += e;
      out["energy_total_pj." + it.key()] = e;
    }
    out["peripheral_energy_pj"] = peri;
    out["crossbar_energy_pj"] = xbar;
  }
  return out;
}

json eval_metrics(const json& report) {
  // `reram eval` puts its figures under "result" (older layouts had them at the top).
  const json& r = report.contains("result") && report["result"].is_object() ? report["result"] : report;
  json out = json::object();
  // accuracy_float is the software accuracy of this point's (pruned, fine-tuned) weights;
  // accuracy_on_hardware runs the same weights through the crossbar model of the point's
  // arch (ADC, slices, cell levels).
  copy_num(out, "accuracy_software", r, "accuracy_float");
  for (const char* k : {"accuracy_quantized", "accuracy_on_hardware", "hardware_agrees_with_quantized"})
    copy_num(out, k, r, k);
  copy_num(out, "eval_samples", r, "samples");
  // Monte-Carlo trials (eval.trials > 1): accuracy_on_hardware is their mean.
  if (r.contains("trials") && r["trials"].is_object()) {
    const json& t = r["trials"];
    copy_num(out, "eval_trials", t, "n");
    copy_num(out, "accuracy_on_hardware_std", t, "std");
    if (t.contains("ci95") && t["ci95"].is_array() && t["ci95"].size() == 2) {
      out["accuracy_on_hardware_ci95_low"] = t["ci95"][0];
      out["accuracy_on_hardware_ci95_high"] = t["ci95"][1];
    }
  }
  return out;
}

json reference_metrics(const json& report) {
  const json& r = report.contains("result") && report["result"].is_object() ? report["result"] : report;
  json out = json::object();
  copy_num(out, "reference_accuracy", r, "accuracy_float");
  copy_num(out, "reference_accuracy_on_hardware", r, "accuracy_on_hardware");
  return out;
}

void add_derived_metrics(json& m) {
  // The headline accuracy: on the hardware model when evaluated, else the software
  // accuracy the pruning stage measured after fine-tuning (or after pruning).
  if (!m.contains("accuracy")) {
    for (const char* k :
         {"accuracy_on_hardware", "accuracy_software", "accuracy_software_finetuned", "accuracy_software_pruned"})
      if (m.contains(k) && m[k].is_number()) {
        m["accuracy"] = m[k];
        if (std::string(k) == "accuracy_on_hardware" && m.contains("accuracy_on_hardware_ci95_low")) {
          m["accuracy_ci95_low"] = m["accuracy_on_hardware_ci95_low"];
          m["accuracy_ci95_high"] = m["accuracy_on_hardware_ci95_high"];
        }
        break;
      }
  }
  // Loss against the unpruned network's software accuracy (the plan's reference stage).
  if (m.contains("accuracy") && m.contains("reference_accuracy"))
    m["accuracy_loss"] = num(m, "reference_accuracy") - num(m, "accuracy");
  double ops = num(m, "ops");
  if (std::isnan(ops) && !std::isnan(num(m, "macs"))) ops = 2 * num(m, "macs");
  double e = num(m, "energy_pj"), lat = num(m, "latency_ns"), area = num(m, "area_mm2");
  // ops / pJ = 1e12 ops / J = TOPS/W; ops / (ns * mm^2) = 1e9 ops/s/mm^2 = 1e-3 TOPS/mm^2.
  if (!m.contains("tops_per_w") && ops > 0 && e > 0) m["tops_per_w"] = ops / e;
  if (!m.contains("tops_per_mm2") && ops > 0 && lat > 0 && area > 0) m["tops_per_mm2"] = ops / lat / area * 1e-3;
  if (!m.contains("edp_pj_ns") && e > 0 && lat > 0) m["edp_pj_ns"] = e * lat;
  if (e > 0) {
    if (m.contains("peripheral_energy_pj")) m["peripheral_energy_share"] = num(m, "peripheral_energy_pj") / e;
    if (m.contains("crossbar_energy_pj")) m["crossbar_energy_share"] = num(m, "crossbar_energy_pj") / e;
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
  c["granularity"] = dense ? json("dense") : prune.value("granularity", json("crossbar"));
  c["optimizer"] = dense ? json(nullptr) : prune.value("optimizer", json("magnitude"));
  c["keep_crossbars"] = dense ? json(nullptr) : prune.value("keep_crossbars", json(nullptr));
  return c;
}

}  // namespace reram::sweep
