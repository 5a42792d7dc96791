// Whole-network pruning without training data (one-shot magnitude): every granularity
// yields a mapping whose crossbars store exactly the masked weights (expand_layer), that
// meets the crossbar budget, and that survives save/load. Layer sizes are uneven.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <set>

#include "pruning/prune/granularity.h"
#include "pruning/prune/prune.h"

using namespace reram;

namespace {

Network small_net() {
  json j = json::parse(R"({
    "name": "uneven",
    "input": {"channels": 3, "height": 9, "width": 9},
    "layers": [
      {"name": "c1", "type": "conv", "out_channels": 5, "kernel": 3, "padding": 1, "bias": true},
      {"name": "r1", "type": "relu"},
      {"name": "c2", "type": "conv", "out_channels": 13, "kernel": 3, "padding": 1, "bias": false},
      {"name": "b2", "type": "batchnorm"},
      {"name": "r2", "type": "relu"},
      {"name": "c3", "type": "conv", "out_channels": 22, "kernel": 3, "padding": 1, "bias": false},
      {"name": "r3", "type": "relu"},
      {"name": "p3", "type": "maxpool", "kernel": 2, "stride": 2},
      {"name": "flat", "type": "flatten"},
      {"name": "fc1", "type": "linear", "out_features": 19, "bias": true},
      {"name": "r4", "type": "relu"},
      {"name": "fc2", "type": "linear", "out_features": 10, "bias": true}
    ]})");
  Network n = network_from_json(j, "test:uneven");
  n.infer_shapes();
  randomize_weights(n, 42);
  // Non-trivial batchnorm so folding changes the weights.
  for (auto& l : n.layers)
    if (l.kind == LayerKind::BatchNorm) {
      int64_t c = l.in_channels();
      NdArray g({c}), b({c}), mu({c}), var({c});
      for (int64_t i = 0; i < c; ++i) {
        g.data[static_cast<size_t>(i)] = 0.5f + 0.1f * static_cast<float>(i);
        var.data[static_cast<size_t>(i)] = 1.0f + 0.05f * static_cast<float>(i);
      }
      l.params["weight"] = g;
      l.params["bias"] = b;
      l.params["running_mean"] = mu;
      l.params["running_var"] = var;
    }
  return n;
}

ArchConfig small_arch() {
  // 24 x 36 crossbars, 8-bit weights on 2-bit cells: 9 logical columns per crossbar.
  return load_arch(
      std::string(RERAM_SOURCE_DIR) + "/arch_configs/default.json",
      {"crossbar.rows=24", "crossbar.cols=36", "precision.weight_bits=8", "crossbar.cell_bits=2", "chip.tiles=auto"});
}

}  // namespace

// A granularity's own parameter travels from the options into the grid and the report;
// one the granularity does not declare is an error naming it.
// The small net on the small arch, pruned without data.
class PruneNetwork : public ::testing::Test {
 protected:
  Network net = small_net();
  ArchConfig arch = small_arch();
  PruneResult prune(const PruneOptions& o) const { return prune_network(net, arch, o, nullptr, nullptr); }
};

TEST_F(PruneNetwork, GranularityParamsAreCheckedAndReported) {
  PruneOptions o;
  o.granularity = "segment";
  o.keep_crossbars = 0.4;
  o.train.progress = false;
  o.granularity_params = {{"segment_rows", 8}};
  PruneResult r = prune(o);
  EXPECT_EQ(r.report["options"]["granularity_params"]["segment_rows"].get<double>(), 8.0);
  o.granularity_params.clear();
  EXPECT_EQ(prune(o).report["options"]["granularity_params"]["segment_rows"],
            16.0);  // the declared default, recorded
  o.granularity = "column";
  o.granularity_params = {{"segment_rows", 8}};
  EXPECT_THROW(prune(o), ConfigError);
}

TEST_F(PruneNetwork, EveryGranularityIsLosslessAndMeetsTheBudget) {
  for (const auto& g : prune::granularity_names()) {
    PruneOptions o;
    o.granularity = g;
    o.keep_crossbars = 0.4;
    o.train.progress = false;
    PruneResult r = prune(o);
    const Mapping& m = r.mapping;
    int64_t dense = 0, occ = 0;
    for (size_t i = 0; i < m.layers.size(); ++i) {
      const auto& L = m.layers[i];
      MatrixXf stored = layer_matrix(m.network.layers[static_cast<size_t>(L.network_layer)]);
      MatrixXf expanded = expand_layer(m, static_cast<int>(i));
      EXPECT_EQ((stored - expanded).cwiseAbs().maxCoeff(), 0.0f) << g << " layer " << L.name;
      if (L.name != "c1" && L.name != "fc2") {
        dense += L.dense_crossbars;
        occ += static_cast<int64_t>(L.crossbars.size());
        EXPECT_EQ(L.granularity, g);
        // The count of non-zeros matches the report.
        EXPECT_EQ((stored.array() != 0).count(), L.weights_kept) << g;
      } else {
        EXPECT_EQ(L.granularity, "dense");
        EXPECT_EQ(static_cast<int64_t>(L.crossbars.size()), L.dense_crossbars);
      }
      for (int id : L.crossbars) {
        EXPECT_LE(static_cast<int>(m.crossbars[static_cast<size_t>(id)].rows.size()), 24);
        EXPECT_LE(static_cast<int>(m.crossbars[static_cast<size_t>(id)].cols.size()), 9);
        EXPECT_EQ(m.crossbars[static_cast<size_t>(id)].layer, static_cast<int>(i));
      }
    }
    EXPECT_LE(occ, static_cast<int64_t>(0.4 * static_cast<double>(dense))) << g;
    EXPECT_EQ(r.report["total_prunable"]["occupied_crossbars"].get<int64_t>(), occ) << g;
    EXPECT_EQ(m.pruning["granularity"], g);
  }
}

TEST_F(PruneNetwork, MappingRoundTripsThroughFiles) {
  PruneOptions o;
  o.granularity = "pim";
  o.keep_crossbars = 0.3;
  PruneResult r = prune(o);
  std::string path =
      (std::filesystem::temp_directory_path() / ("prune_rt_" + std::to_string(::getpid()) + ".json")).string();
  save_mapping(r.mapping, path);
  Mapping back = load_mapping(path);
  ASSERT_EQ(back.layers.size(), r.mapping.layers.size());
  for (size_t i = 0; i < back.layers.size(); ++i) {
    EXPECT_EQ(
        (expand_layer(back, static_cast<int>(i)) - expand_layer(r.mapping, static_cast<int>(i))).cwiseAbs().maxCoeff(),
        0.0f);
    EXPECT_EQ(back.layers[i].row_gather, r.mapping.layers[i].row_gather);
    EXPECT_EQ(back.layers[i].index_bits, r.mapping.layers[i].index_bits);
  }
  EXPECT_EQ(back.pruning["granularity"], "pim");
  std::filesystem::remove(path);
  std::filesystem::remove(path.substr(0, path.size() - 5) + ".npz");
}

TEST_F(PruneNetwork, UnstructuredAtSameSparsityFreesFewerCrossbars) {
  PruneOptions c;
  c.granularity = "column";
  c.keep_crossbars = 0.25;
  PruneResult rc = prune(c);
  double sparsity = rc.report["total_prunable"]["weight_sparsity"].get<double>();
  PruneOptions u;
  u.granularity = "unstructured";
  u.weight_sparsity = sparsity;
  PruneResult ru = prune(u);
  EXPECT_NEAR(ru.report["total_prunable"]["weight_sparsity"].get<double>(), sparsity, 0.02);
  EXPECT_GT(ru.report["total_prunable"]["occupied_crossbars"].get<int64_t>(),
            2 * rc.report["total_prunable"]["occupied_crossbars"].get<int64_t>());
}

TEST_F(PruneNetwork, RejectsBadTargets) {
  PruneOptions o;
  EXPECT_THROW(prune(o), ConfigError);  // no target
  o.keep_crossbars = 0.5;
  o.weight_sparsity = 0.5;
  EXPECT_THROW(prune(o), ConfigError);  // two targets
  o.weight_sparsity = -1;
  o.optimizer = "lgd";
  EXPECT_THROW(prune(o), ConfigError);  // lgd without data
  o.optimizer = "magnitude";
  o.layer_ratios = {{"nope", 0.5}};
  o.keep_crossbars = -1;
  EXPECT_THROW(prune(o), ConfigError);  // unknown layer
}

TEST_F(PruneNetwork, LayerRatiosPruneOnlyListedLayers) {
  PruneOptions o;
  o.granularity = "crossbar";
  o.layer_ratios = {{"c3", 0.5}};
  PruneResult r = prune(o);
  for (const auto& L : r.mapping.layers) {
    if (L.name == "c3") {
      EXPECT_LE(static_cast<int64_t>(L.crossbars.size()), L.dense_crossbars / 2);
    } else {
      EXPECT_EQ(static_cast<int64_t>(L.crossbars.size()), L.dense_crossbars) << L.name;
    }
  }
}

TEST(PruneAllocation, UniformMeetsGlobalBudgetWithOnePerLayer) {
  std::vector<int64_t> dense = {1, 3, 20, 36, 7};
  auto b = allocate_uniform(dense, 0.25);  // floor(0.25 * 67) = 16
  int64_t sum = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    EXPECT_GE(b[i], 1);
    EXPECT_LE(b[i], dense[i]);
    sum += b[i];
  }
  EXPECT_EQ(sum, 16);
  // floors 0,0,5,9,1 -> the two empty layers get 1 each (17), the largest gives one back.
  EXPECT_EQ(b, (std::vector<int64_t>{1, 1, 5, 8, 1}));
}

TEST(PruneAllocation, SensitivityGivesMoreToSensitiveLayers) {
  std::vector<int64_t> dense = {40, 40};
  std::vector<double> ratios = {0.1, 0.25, 0.5, 0.75};
  // Layer 0 collapses when pruned, layer 1 barely cares.
  std::vector<std::vector<double>> acc = {{0.2, 0.5, 0.85, 0.9}, {0.88, 0.89, 0.9, 0.9}};
  auto r = allocate_sensitivity(dense, ratios, acc, 0.35);  // 28 crossbars
  EXPECT_GT(r[0], r[1]);
  EXPECT_LE(std::floor(r[0] * 40) + std::floor(r[1] * 40), 28);
}

TEST(PruneQuantize, RoundsToUniformLevelsKeepingZeros) {
  MatrixXf m(1, 5);
  m << 1.0f, -1.0f, 0.0f, 0.26f, -0.49f;
  quantize_levels(m, 2);  // 4 levels over [-1, 1]: -1, -1/3, 1/3, 1
  EXPECT_FLOAT_EQ(m(0, 0), 1.0f);
  EXPECT_FLOAT_EQ(m(0, 1), -1.0f);
  EXPECT_FLOAT_EQ(m(0, 2), 0.0f);
  EXPECT_NEAR(m(0, 3), 1.0 / 3, 1e-6);
  EXPECT_NEAR(m(0, 4), -1.0 / 3, 1e-6);
}

// Independent of the pruned mapping's own stored weights: every cell the crossbars hold
// is either zero or exactly the dense (batchnorm-folded) weight of `map_dense`, the
// non-zeros are the reported kept count, and excluded layers are the dense matrices.
// Reorder on and off both, since reorder changes which rows share a crossbar.
TEST_F(PruneNetwork, ExpandedMappingIsTheMaskedDenseMatrix) {
  Mapping dense = map_dense(net, arch);
  for (const auto& g : prune::granularity_names())
    for (const char* reorder : {"on", "off"}) {
      PruneOptions o;
      o.granularity = g;
      o.keep_crossbars = 0.35;
      o.reorder = reorder;
      PruneResult r = prune(o);
      ASSERT_EQ(r.mapping.layers.size(), dense.layers.size());
      int64_t kept_total = 0, zeros_in_prunable = 0;
      for (size_t i = 0; i < dense.layers.size(); ++i) {
        MatrixXf d = expand_layer(dense, static_cast<int>(i));
        MatrixXf e = expand_layer(r.mapping, static_cast<int>(i));
        ASSERT_EQ(d.rows(), e.rows());
        ASSERT_EQ(d.cols(), e.cols());
        const bool prunable = dense.layers[i].name != "c1" && dense.layers[i].name != "fc2";
        int64_t nz = 0;
        for (int64_t a = 0; a < d.rows(); ++a)
          for (int64_t b = 0; b < d.cols(); ++b) {
            if (e(a, b) != 0) {
              ++nz;
              ASSERT_EQ(e(a, b), d(a, b)) << g << " " << reorder << " layer " << dense.layers[i].name;
            } else if (d(a, b) != 0) {
              ASSERT_TRUE(prunable) << g << " excluded layer " << dense.layers[i].name << " lost a weight";
              ++zeros_in_prunable;
            }
          }
        EXPECT_EQ(nz, r.mapping.layers[i].weights_kept) << g << " " << dense.layers[i].name;
        if (prunable) kept_total += nz;
      }
      EXPECT_GT(zeros_in_prunable, 0) << g << " pruned nothing";
      EXPECT_GT(kept_total, 0) << g << " kept nothing";
    }
}

// The report carries the kept-score share with and without input reorder for the
// granularities where reorder applies; `on`/`off` force it, `auto` picks the larger.
TEST_F(PruneNetwork, ReorderReportedWithAndWithout) {
  for (const char* mode : {"auto", "on", "off"}) {
    PruneOptions o;
    o.granularity = "column";
    o.keep_crossbars = 0.3;
    o.reorder = mode;
    PruneResult r = prune(o);
    int seen = 0;
    for (const auto& l : r.report["layers"]) {
      if (!l["prunable"].get<bool>()) continue;
      ASSERT_TRUE(l.contains("reorder_kept_score")) << l.dump();
      double without = l["reorder_kept_score"]["without"].get<double>();
      double with = l["reorder_kept_score"]["with"].get<double>();
      EXPECT_GT(without, 0.0);
      EXPECT_LE(without, 1.0 + 1e-9);
      EXPECT_LE(with, 1.0 + 1e-9);
      bool on = l["reorder"].get<bool>();
      const std::string m = mode;
      if (m == "on") {
        EXPECT_TRUE(on);
      } else if (m == "off") {
        EXPECT_FALSE(on);
      } else {
        EXPECT_EQ(on, with > without);
      }
      ++seen;
    }
    EXPECT_EQ(seen, 3);  // c2, c3, fc1
  }
  // Filter grain has no input reorder: no with/without entry.
  PruneOptions f;
  f.granularity = "filter";
  f.keep_crossbars = 0.3;
  // (Bind the result: a range-for over a member of a temporary reads freed memory.)
  const auto filtered = prune(f);
  for (const auto& l : filtered.report["layers"]) EXPECT_FALSE(l.contains("reorder_kept_score"));
}

// A budget below the smallest unit of a granularity empties the layer; the report says
// which layers (filter keeps whole columns: at least one crossbar per row-block).
TEST_F(PruneNetwork, WarnsWhenABudgetFitsNoGroup) {
  PruneOptions o;
  o.granularity = "filter";
  o.keep_crossbars = 0.2;
  PruneResult r = prune(o);
  std::set<std::string> empty;
  for (const auto& l : r.report["layers"])
    if (l["prunable"].get<bool>() && l["weights_kept"].get<int64_t>() == 0) empty.insert(l["layer"].get<std::string>());
  ASSERT_FALSE(empty.empty());
  ASSERT_EQ(r.report["warnings"].size(), empty.size());
  for (const auto& w : r.report["warnings"]) {
    bool named = false;
    for (const auto& n : empty) named |= w.get<std::string>().find("'" + n + "'") != std::string::npos;
    EXPECT_TRUE(named) << w;
  }
  o.granularity = "column";  // column segments always fit one crossbar: no warning
  EXPECT_TRUE(prune(o).report["warnings"].empty());
}

// Score allocation: on concave curves the greedy equals the brute-force optimum of the
// summed kept score; a step-shaped curve (nothing until 3 crossbars) is still reached.
TEST(PruneAllocation, ScoreAllocationMatchesBruteForceOnConcaveCurves) {
  std::vector<std::vector<double>> curves = {{1.0, 1.8, 2.4, 2.8, 3.0},  // diminishing gains
                                             {0.5, 0.9, 1.2},
                                             {2.0, 2.5, 2.7, 2.8}};
  for (int64_t total = 3; total <= 12; ++total) {
    auto b = allocate_by_score(curves, total);
    double got = 0;
    int64_t used = 0;
    for (size_t l = 0; l < 3; ++l) {
      ASSERT_GE(b[l], 1);
      ASSERT_LE(b[l], static_cast<int64_t>(curves[l].size()));
      got += curves[l][static_cast<size_t>(b[l] - 1)];
      used += b[l];
    }
    EXPECT_LE(used, total);
    double best = 0;
    for (int64_t x = 1; x <= 5; ++x)
      for (int64_t y = 1; y <= 3; ++y)
        for (int64_t z = 1; z <= 4; ++z)
          if (x + y + z <= total)
            best = std::max(best, curves[0][static_cast<size_t>(x - 1)] + curves[1][static_cast<size_t>(y - 1)] +
                                      curves[2][static_cast<size_t>(z - 1)]);
    EXPECT_NEAR(got, best, 1e-12) << "total " << total;
  }
  // Steps: layer 0 gains only at its third crossbar; with 2 spare crossbars it gets them.
  auto b = allocate_by_score({{0.0, 0.0, 3.0}, {1.0, 1.1}}, 4);
  EXPECT_EQ(b, (std::vector<int64_t>{3, 1}));
}

// Score allocation through prune_network meets the global budget.
TEST(PruneAllocation, ScoreAllocationMeetsTheGlobalBudget) {
  Network net = small_net();
  ArchConfig arch = small_arch();
  for (const char* g : {"crossbar", "column", "pim"}) {
    PruneOptions o;
    o.granularity = g;
    o.keep_crossbars = 0.3;
    o.allocation = "score";
    PruneResult r = prune_network(net, arch, o, nullptr, nullptr);
    auto& tp = r.report["total_prunable"];
    EXPECT_LE(tp["occupied_crossbars"].get<int64_t>(),
              static_cast<int64_t>(std::floor(0.3 * tp["dense_crossbars"].get<double>())))
        << g;
    EXPECT_GT(tp["occupied_crossbars"].get<int64_t>(), 0) << g;
  }
}
