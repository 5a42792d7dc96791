// Reading stage reports into result columns, and the sweet-spot selection checked against
// a brute-force scan of random rows.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "sweep/metrics.h"
#include "sweep/sweet_spot.h"

using namespace reram;
using namespace reram::sweep;

TEST(SweepMetrics, EvalReportLayoutAndReference) {
  // `reram eval -o` nests the figures under "result".
  json ev = {
      {"result",
       {{"accuracy_float", 0.91}, {"accuracy_quantized", 0.905}, {"accuracy_on_hardware", 0.88}, {"samples", 500}}}};
  json m = eval_metrics(ev);
  EXPECT_DOUBLE_EQ(m["accuracy_software"].get<double>(), 0.91);
  EXPECT_DOUBLE_EQ(m["accuracy_on_hardware"].get<double>(), 0.88);
  EXPECT_DOUBLE_EQ(m["eval_samples"].get<double>(), 500);
  json ref = reference_metrics({{"result", {{"accuracy_float", 0.93}, {"accuracy_on_hardware", 0.925}}}});
  m.update(ref);
  m["energy_pj"] = 100.0;
  m["latency_ns"] = 50.0;
  m["ops"] = 400.0;
  add_derived_metrics(m);
  // Headline accuracy is the hardware one; its loss is against the unpruned software accuracy.
  EXPECT_DOUBLE_EQ(m["accuracy"].get<double>(), 0.88);
  EXPECT_NEAR(m["accuracy_loss"].get<double>(), 0.93 - 0.88, 1e-12);
  EXPECT_DOUBLE_EQ(m["tops_per_w"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(m["edp_pj_ns"].get<double>(), 5000.0);
}

// Monte-Carlo trials (eval.trials): the interval reaches the results and the headline accuracy.
TEST(SweepMetrics, EvalTrialsCarryTheInterval) {
  json ev = {{"result",
              {{"accuracy_on_hardware", 0.85},
               {"samples", 100},
               {"trials", {{"n", 20}, {"mean", 0.85}, {"std", 0.02}, {"ci95", {0.84, 0.86}}}}}}};
  json m = eval_metrics(ev);
  EXPECT_DOUBLE_EQ(m["eval_trials"].get<double>(), 20);
  EXPECT_DOUBLE_EQ(m["accuracy_on_hardware_std"].get<double>(), 0.02);
  EXPECT_DOUBLE_EQ(m["accuracy_on_hardware_ci95_low"].get<double>(), 0.84);
  add_derived_metrics(m);
  EXPECT_DOUBLE_EQ(m["accuracy"].get<double>(), 0.85);
  EXPECT_DOUBLE_EQ(m["accuracy_ci95_high"].get<double>(), 0.86);
  json one = eval_metrics({{"result", {{"accuracy_on_hardware", 0.85}}}});
  add_derived_metrics(one);
  EXPECT_FALSE(one.contains("accuracy_ci95_low"));
}

TEST(SweepMetrics, PeripheralShareFromRawComponents) {
  json sim = {{"energy_pj", {{"total", 200.0}, {"adc", 90.0}}},
              {"components",
               {{"adc", {{"dynamic_pj", 80.0}, {"leakage_pj", 10.0}}},
                {"dac", {{"dynamic_pj", 20.0}}},
                {"index_memory", {{"dynamic_pj", 5.0}}},
                {"crossbar", {{"dynamic_pj", 40.0}}},
                {"tile_buffer", {{"dynamic_pj", 45.0}}}}}};
  json m = sim_metrics(sim);
  add_derived_metrics(m);
  EXPECT_DOUBLE_EQ(m["peripheral_energy_pj"].get<double>(), 115.0);
  EXPECT_DOUBLE_EQ(m["peripheral_energy_share"].get<double>(), 115.0 / 200.0);
  EXPECT_DOUBLE_EQ(m["crossbar_energy_share"].get<double>(), 40.0 / 200.0);
}

TEST(SweetSpot, MatchesBruteForceUnderTheBound) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 20; ++trial) {
    json rows = json::array();
    for (int i = 0; i < 30; ++i) {
      json r = {{"index", i},
                {"status", i % 7 == 3 ? "failed" : "ok"},
                {"label", "p" + std::to_string(i)},
                {"granularity", i < 5 ? "dense" : "crossbar"},
                {"tops_per_w", 1 + 10 * u(rng)},
                {"edp_pj_ns", 1e6 * (1 + u(rng))},
                {"accuracy", 0.80 + 0.12 * u(rng)},
                {"reference_accuracy", 0.92}};
      rows.push_back(r);
    }
    SweetSpotOptions o;
    o.max_accuracy_loss = 0.05;
    json rep = sweet_spot(rows, o);
    // Brute force: ok rows with accuracy >= 0.92 - 0.05.
    int best_eff = -1, best_edp = -1, n = 0;
    for (const auto& r : rows) {
      if (r["status"] != "ok" || r["accuracy"].get<double>() < 0.87 - 1e-12) continue;
      ++n;
      int i = r["index"];
      if (best_eff < 0 || r["tops_per_w"].get<double>() > rows[best_eff]["tops_per_w"].get<double>()) best_eff = i;
      if (best_edp < 0 || r["edp_pj_ns"].get<double>() < rows[best_edp]["edp_pj_ns"].get<double>()) best_edp = i;
    }
    if (n == 0) {
      continue;
    }
    EXPECT_EQ(rep["eligible"].get<int>(), n);
    EXPECT_EQ(rep["best_tops_per_w"]["index"].get<int>(), best_eff);
    EXPECT_EQ(rep["best_edp"]["index"].get<int>(), best_edp);
    EXPECT_DOUBLE_EQ(rep["reference_accuracy"].get<double>(), 0.92);
    std::string text = sweet_spot_text(rep);
    EXPECT_NE(text.find("p" + std::to_string(best_eff)), std::string::npos);
  }
}

TEST(SweetSpot, WithoutReferenceUsesBestDensePointAndRejectsImpossibleBound) {
  json rows = json::array({
      {{"index", 0}, {"status", "ok"}, {"granularity", "dense"}, {"tops_per_w", 1.0}, {"accuracy", 0.90}},
      {{"index", 1}, {"status", "ok"}, {"granularity", "crossbar"}, {"tops_per_w", 5.0}, {"accuracy", 0.70}},
      {{"index", 2}, {"status", "ok"}, {"granularity", "crossbar"}, {"tops_per_w", 3.0}, {"accuracy", 0.895}},
      {{"index", 3}, {"status", "ok"}, {"granularity", "crossbar"}, {"tops_per_w", 9.0}, {"accuracy", 0.95}},
  });
  SweetSpotOptions o;
  o.max_accuracy_loss = 0.01;
  json rep = sweet_spot(rows, o);
  // Reference 0.90 (dense); point 3 is above it, point 1 far below.
  EXPECT_DOUBLE_EQ(rep["reference_accuracy"].get<double>(), 0.90);
  EXPECT_EQ(rep["best_tops_per_w"]["index"].get<int>(), 3);
  EXPECT_EQ(rep["eligible"].get<int>(), 3);
  o.reference_accuracy = 2.0;
  EXPECT_THROW(sweet_spot(rows, o), Error);
}

TEST(SweetSpot, AlsoComparesWithTheDenseMappingOfTheSameShape) {
  auto row = [](int i, const char* gran, int rows, double eff, double acc) {
    return json{{"index", i},        {"status", "ok"},    {"granularity", gran}, {"xbar_rows", rows},
                {"xbar_cols", rows}, {"tops_per_w", eff}, {"accuracy", acc},     {"energy_pj", 100.0 / eff}};
  };
  json rows = json::array({row(0, "dense", 32, 1.0, 0.93), row(1, "dense", 64, 1.5, 0.925),
                           row(2, "crossbar", 64, 2.5, 0.92), row(3, "crossbar", 32, 2.0, 0.85)});
  SweetSpotOptions o;
  o.max_accuracy_loss = 0.02;
  json rep = sweet_spot(rows, o);
  EXPECT_EQ(rep["best_tops_per_w"]["index"].get<int>(), 2);
  EXPECT_EQ(rep["baseline"]["index"].get<int>(), 0);  // most accurate dense point
  ASSERT_TRUE(rep.contains("same_shape_dense"));
  EXPECT_EQ(rep["same_shape_dense"]["index"].get<int>(), 1);
  EXPECT_DOUBLE_EQ(rep["comparison_same_shape"]["tops_per_w"]["ratio"].get<double>(), 2.5 / 1.5);
  EXPECT_NE(sweet_spot_text(rep).find("same crossbar shape (point 1)"), std::string::npos);
}
