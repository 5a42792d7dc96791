#include "sweep/sweet_spot.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace reram::sweep {

namespace {

double num(const json& r, const std::string& k) {
  if (r.contains(k) && r[k].is_number()) return r[k].get<double>();
  return NAN;
}

std::string fmt(double v, int prec = 4) {
  if (std::isnan(v)) return "n/a";
  char b[64];
  std::snprintf(b, sizeof b, "%.*g", prec, v);
  return b;
}

std::string pct(double v) {
  if (std::isnan(v)) return "n/a";
  char b[64];
  std::snprintf(b, sizeof b, "%+.1f%%", v * 100);
  return b;
}

bool is_dense(const json& r) { return r.value("granularity", json("dense")) == json("dense"); }

}  // namespace

json sweet_spot(const json& rows, const SweetSpotOptions& opt) {
  json ok = json::array();
  for (const auto& r : rows)
    if (r.value("status", "") == "ok" && !std::isnan(num(r, "tops_per_w"))) ok.push_back(r);
  if (ok.empty()) throw Error("sweet spot: no finished point has an energy efficiency (tops_per_w) yet");

  bool have_acc = false;
  for (const auto& r : ok) have_acc = have_acc || !std::isnan(num(r, "accuracy"));
  double ref = opt.reference_accuracy;
  std::string ref_source = "given";
  if (have_acc && ref < 0) {
    // The plan's reference stage: software accuracy of the unpruned network.
    for (const auto& r : ok)
      if (!std::isnan(num(r, "reference_accuracy"))) {
        ref = num(r, "reference_accuracy");
        ref_source = "unpruned network, software (float) accuracy";
        break;
      }
  }
  if (have_acc && ref < 0) {
    double best_dense = -1, best_any = -1;
    for (const auto& r : ok) {
      double a = num(r, "accuracy");
      if (std::isnan(a)) continue;
      best_any = std::max(best_any, a);
      if (is_dense(r)) best_dense = std::max(best_dense, a);
    }
    ref = best_dense >= 0 ? best_dense : best_any;
    ref_source = best_dense >= 0 ? "most accurate dense (unpruned) point" : "most accurate point";
  }

  json eligible = json::array();
  for (const auto& r : ok) {
    if (have_acc) {
      double a = num(r, "accuracy");
      if (std::isnan(a) || ref - a > opt.max_accuracy_loss + 1e-12) continue;
    }
    eligible.push_back(r);
  }
  if (eligible.empty())
    throw Error("sweet spot: no point is within the accuracy-loss bound " + fmt(opt.max_accuracy_loss));

  const json* best_eff = nullptr;
  const json* best_edp = nullptr;
  for (const auto& r : eligible) {
    if (!best_eff || num(r, "tops_per_w") > num(*best_eff, "tops_per_w")) best_eff = &r;
    double e = num(r, "edp_pj_ns");
    if (!std::isnan(e) && (!best_edp || e < num(*best_edp, "edp_pj_ns"))) best_edp = &r;
  }

  // Baseline to explain the trade-off against.
  const json* base = nullptr;
  for (const auto& r : ok) {
    if (opt.baseline_index >= 0) {
      if (r.value("index", -1) == opt.baseline_index) base = &r;
      continue;
    }
    if (!is_dense(r)) continue;
    if (!base) {
      base = &r;
      continue;
    }
    double a = num(r, "accuracy"), b = num(*base, "accuracy");
    // Most accurate dense point; among equals (or without accuracy) the most common
    // textbook shape, 128x128, else the first.
    if (!std::isnan(a) && !std::isnan(b) && a > b)
      base = &r;
    else if ((std::isnan(a) || a == b) && num(r, "xbar_rows") == 128 && num(r, "xbar_cols") == 128 &&
             !(num(*base, "xbar_rows") == 128 && num(*base, "xbar_cols") == 128))
      base = &r;
  }
  if (!base) base = &ok[0];

  json report = {{"max_accuracy_loss", opt.max_accuracy_loss},
                 {"has_accuracy", have_acc},
                 {"reference_accuracy", have_acc ? json(ref) : json(nullptr)},
                 {"reference_source", have_acc ? json(ref_source) : json(nullptr)},
                 {"points_ok", ok.size()},
                 {"eligible", eligible.size()},
                 {"best_tops_per_w", *best_eff},
                 {"best_edp", best_edp ? *best_edp : json(nullptr)},
                 {"baseline", *base}};
  // Trade-off in numbers: best point versus baseline (and versus the dense point of the
  // same crossbar shape, which isolates what pruning bought from what the shape did).
  auto compare = [&](const json& a, const json& b) {
    json cmp = json::object();
    for (const char* k : {"occupied_crossbars", "crossbar_compression", "energy_pj", "energy_pj.crossbar",
                          "peripheral_energy_pj", "peripheral_energy_share", "latency_ns", "area_mm2", "tops_per_w",
                          "tops_per_mm2", "edp_pj_ns", "accuracy", "accuracy_loss"}) {
      double x = num(a, k), y = num(b, k);
      if (std::isnan(x) && std::isnan(y)) continue;
      cmp[k] = {{"best", std::isnan(x) ? json(nullptr) : json(x)},
                {"baseline", std::isnan(y) ? json(nullptr) : json(y)},
                {"ratio", (y != 0 && !std::isnan(x) && !std::isnan(y)) ? json(x / y) : json(nullptr)}};
    }
    return cmp;
  };
  json cmp = compare(*best_eff, *base);
  const json* same = nullptr;
  for (const auto& r : ok)
    if (is_dense(r) && num(r, "xbar_rows") == num(*best_eff, "xbar_rows") &&
        num(r, "xbar_cols") == num(*best_eff, "xbar_cols") && r.value("index", -1) != best_eff->value("index", -2) &&
        (!same || num(r, "accuracy") > num(*same, "accuracy")))
      same = &r;
  if (same && same->value("index", -1) != base->value("index", -2)) {
    report["same_shape_dense"] = *same;
    report["comparison_same_shape"] = compare(*best_eff, *same);
  }
  report["comparison"] = cmp;
  return report;
}

std::string sweet_spot_text(const json& rep) {
  std::ostringstream o;
  const json& best = rep["best_tops_per_w"];
  const json& base = rep["baseline"];
  o << "# Sweet spot\n\n";
  if (rep["has_accuracy"].get<bool>())
    o << "Eligible points: " << rep["eligible"] << " of " << rep["points_ok"] << " finished, accuracy within "
      << fmt(rep["max_accuracy_loss"].get<double>()) << " of the reference "
      << fmt(rep["reference_accuracy"].get<double>()) << " (" << rep["reference_source"].get<std::string>() << ").\n\n";
  else
    o << "No point has an accuracy (hardware-only sweep): all " << rep["eligible"]
      << " finished points are eligible.\n\n";
  auto line = [&](const char* title, const json& r) {
    o << "- **" << title << "**: point " << r.value("index", -1) << " (" << r.value("label", "")
      << "): " << fmt(num(r, "tops_per_w")) << " TOPS/W, EDP " << fmt(num(r, "edp_pj_ns")) << " pJ*ns, energy "
      << fmt(num(r, "energy_pj")) << " pJ, latency " << fmt(num(r, "latency_ns")) << " ns, area "
      << fmt(num(r, "area_mm2")) << " mm^2";
    if (!std::isnan(num(r, "accuracy"))) {
      o << ", accuracy " << fmt(num(r, "accuracy"));
      if (rep["has_accuracy"].get<bool>())
        o << " (loss " << fmt((rep["reference_accuracy"].get<double>() - num(r, "accuracy")) * 100, 3) << " points)";
    }
    o << "\n";
  };
  line("Best energy efficiency", best);
  if (!rep["best_edp"].is_null()) line("Best energy-delay product", rep["best_edp"]);
  line("Baseline", base);
  auto section = [&](const std::string& title, const json& table, const json& ref) {
    o << "\n## " << title << "\n\n| metric | best | baseline | best/baseline |\n|---|---|---|---|\n";
    for (auto it = table.begin(); it != table.end(); ++it) {
      const json& c = it.value();
      auto v = [](const json& x) { return x.is_null() ? std::string("n/a") : fmt(x.get<double>()); };
      o << "| " << it.key() << " | " << v(c["best"]) << " | " << v(c["baseline"]) << " | " << v(c["ratio"]) << " |\n";
    }
    // The story in one sentence: crossbars saved versus what the periphery costs.
    double xb = num(best, "energy_pj.crossbar"), xb0 = num(ref, "energy_pj.crossbar");
    double pe = num(best, "peripheral_energy_pj"), pe0 = num(ref, "peripheral_energy_pj");
    double oc = num(best, "occupied_crossbars"), oc0 = num(ref, "occupied_crossbars");
    double e = num(best, "energy_pj"), e0 = num(ref, "energy_pj");
    o << "\nThe best point occupies " << fmt(oc) << " crossbars against " << fmt(oc0) << " ("
      << pct(oc0 > 0 ? oc / oc0 - 1 : NAN) << "); crossbar-array energy changes by "
      << pct(xb0 > 0 ? xb / xb0 - 1 : NAN) << " (" << fmt(xb0) << " -> " << fmt(xb)
      << " pJ) while peripheral energy (ADC, DAC, sample-and-hold, index) changes by "
      << pct(pe0 > 0 ? pe / pe0 - 1 : NAN) << " (" << fmt(pe0) << " -> " << fmt(pe) << " pJ); peripheral share "
      << fmt(num(ref, "peripheral_energy_share") * 100, 3) << "% -> "
      << fmt(num(best, "peripheral_energy_share") * 100, 3) << "%; total energy " << pct(e0 > 0 ? e / e0 - 1 : NAN)
      << ".\n";
  };
  section("Trade-off: best efficiency vs baseline (point " + std::to_string(base.value("index", -1)) + ")",
          rep["comparison"], base);
  if (rep.contains("comparison_same_shape"))
    section("Trade-off: best efficiency vs the dense point of the same crossbar shape (point " +
                std::to_string(rep["same_shape_dense"].value("index", -1)) + ")",
            rep["comparison_same_shape"], rep["same_shape_dense"]);
  return o.str();
}

}  // namespace reram::sweep
