// Projections and compaction rules of every granularity on small matrices whose sizes do
// not divide the crossbar evenly. Reference values are computed independently here
// (brute force, direct sums), never copied from the implementation.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <set>

#include "pruning/prune/granularity.h"

using namespace reram;
using namespace reram::prune;

namespace {

MatrixXf random_matrix(int64_t r, int64_t c, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0.f, 1.f);
  MatrixXf m(r, c);
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j) m(i, j) = n(rng);
  return m;
}

LayerGrid uneven_grid() {
  LayerGrid g;
  g.rows = 5 * 9 + 0;  // 5 input channels of a 3x3 kernel
  g.cols = 23;
  g.kernel_area = 9;
  g.xbar_rows = 16;  // 45 rows -> 3 row-blocks (16, 16, 13)
  g.xbar_cols = 5;   // 23 cols -> 5 col-blocks (5,5,5,5,3)
  g.ou_rows = 4;
  g.ou_cols = 2;
  g.params = {{"g", 6}, {"fine_p", 2}};  // balanced and mixed: groups of 6 rows
  return g;
}

// Checks the compaction against the mask: each kept cell stored in exactly one crossbar,
// crossbar sizes within the geometry, rows/cols within a crossbar distinct.
void check_lossless(const Compaction& cp, const MatrixXf& mask, const LayerGrid& g, const std::string& what) {
  Eigen::MatrixXi cover = Eigen::MatrixXi::Zero(g.rows, g.cols);
  for (const auto& x : cp.crossbars) {
    ASSERT_LE(static_cast<int64_t>(x.rows.size()), g.xbar_rows) << what;
    ASSERT_LE(static_cast<int64_t>(x.cols.size()), g.xbar_cols) << what;
    ASSERT_EQ(std::set<int64_t>(x.rows.begin(), x.rows.end()).size(), x.rows.size()) << what;
    ASSERT_EQ(std::set<int64_t>(x.cols.begin(), x.cols.end()).size(), x.cols.size()) << what;
    for (int64_t r : x.rows)
      for (int64_t c : x.cols) {
        ASSERT_TRUE(r >= 0 && r < g.rows && c >= 0 && c < g.cols) << what;
        cover(r, c) += 1;
      }
  }
  for (int64_t r = 0; r < g.rows; ++r)
    for (int64_t c = 0; c < g.cols; ++c) {
      if (mask(r, c) != 0) {
        EXPECT_EQ(cover(r, c), 1) << what << " kept cell (" << r << "," << c << ") covered " << cover(r, c) << " times";
      }
    }
}

// y = x^T (W .* mask) computed through the crossbars: each crossbar multiplies the
// inputs its row list gathers and its column list routes partial sums to outputs.
Eigen::VectorXd through_crossbars(const Compaction& cp, const MatrixXf& w, const MatrixXf& mask,
                                  const Eigen::VectorXd& x) {
  Eigen::VectorXd y = Eigen::VectorXd::Zero(w.cols());
  for (const auto& xb : cp.crossbars)
    for (size_t j = 0; j < xb.cols.size(); ++j) {
      double partial = 0;  // one bit line
      for (size_t i = 0; i < xb.rows.size(); ++i)
        partial += x[xb.rows[i]] * static_cast<double>(w(xb.rows[i], xb.cols[j]) * mask(xb.rows[i], xb.cols[j]));
      y[xb.cols[j]] += partial;
    }
  return y;
}

}  // namespace

TEST(PruneMath, TopKExactWithTies) {
  std::vector<double> v = {0.5, 3, 1, 3, -2, 7, 1};
  EXPECT_EQ(top_k(v, 3), (std::vector<int64_t>{5, 1, 3}));
  EXPECT_EQ(top_k(v, 0).size(), 0u);
  EXPECT_EQ(top_k(v, 99).size(), v.size());
}

TEST(PruneMath, SelectUnitsMatchesBruteForce) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0.01, 1.0);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<std::vector<double>> buckets = {std::vector<double>(7), std::vector<double>(4), std::vector<double>(9)};
    for (auto& b : buckets)
      for (auto& x : b) x = u(rng);
    const int64_t cap = 3, units = 4;
    auto kept = select_units(buckets, cap, units);
    double got = 0;
    int64_t used = 0;
    for (size_t b = 0; b < buckets.size(); ++b) {
      for (int64_t i : kept[b]) got += buckets[b][static_cast<size_t>(i)];
      used += (static_cast<int64_t>(kept[b].size()) + cap - 1) / cap;
    }
    EXPECT_LE(used, units);
    // Brute force: n_b crossbars per bucket, each bucket keeps its best n_b*cap items.
    double best = 0;
    std::function<void(size_t, int64_t, double)> rec = [&](size_t b, int64_t left, double acc) {
      if (b == buckets.size()) {
        best = std::max(best, acc);
        return;
      }
      std::vector<double> s = buckets[b];
      std::sort(s.rbegin(), s.rend());
      int64_t maxn = (static_cast<int64_t>(s.size()) + cap - 1) / cap;
      for (int64_t n = 0; n <= std::min(left, maxn); ++n) {
        double add = 0;
        for (int64_t i = 0; i < std::min<int64_t>(n * cap, static_cast<int64_t>(s.size())); ++i)
          add += s[static_cast<size_t>(i)];
        rec(b + 1, left - n, acc + add);
      }
    };
    rec(0, units, 0);
    EXPECT_NEAR(got, best, 1e-9) << "trial " << trial;
  }
}

TEST(PruneMath, BalancedKeepsExactlyGMinusP) {
  std::vector<double> v = {5, 1, 4, 2, 9, 3, 8, 0.5, 7, 6, 0.1};  // 11 = 4 + 4 + 3
  auto k = balanced_keep(v, 4, 3);
  EXPECT_EQ((std::vector<uint8_t>(k.begin(), k.end())), (std::vector<uint8_t>{1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1}));
  auto k1 = balanced_keep(v, 4, 1);
  // Largest of each group: 5 (idx 0), 9 (idx 4), 7 (idx 8).
  EXPECT_EQ((std::vector<uint8_t>(k1.begin(), k1.end())), (std::vector<uint8_t>{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0}));
}

TEST(PruneMath, IndexWidth) {
  EXPECT_EQ(index_bits(1), 0);
  EXPECT_EQ(index_bits(2), 1);
  EXPECT_EQ(index_bits(23), 5);
  EXPECT_EQ(index_bits(32), 5);
  EXPECT_EQ(index_bits(33), 6);
}

TEST(PruneMath, ReorderGroupsChannelsByImportance) {
  MatrixXf s = MatrixXf::Zero(7, 2);  // 3 channels of 2 rows + 1 tail row
  s.row(2).setConstant(5);            // channel 1 strongest
  s.row(5).setConstant(1);            // channel 2 next
  auto order = reorder_rows(s, 2);
  EXPECT_EQ(order, (std::vector<int64_t>{2, 3, 4, 5, 0, 1, 6}));
}

TEST(Granularity, RegistryListsAllAndRejectsUnknown) {
  auto names = granularity_names();
  for (const char* n :
       {"unstructured", "filter", "channel", "crossbar", "column", "row", "pim", "balanced", "ou", "mixed"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  EXPECT_THROW(granularity("colum"), ConfigError);
}

TEST(Granularity, EveryGranularityMeetsBudgetAndCompactsLosslessly) {
  LayerGrid g = uneven_grid();
  MatrixXf w = random_matrix(g.rows, g.cols, 7);
  MatrixXf s = w.array().square();
  const int64_t dense = g.tiles();  // 15
  Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(g.rows, -1.0, 2.0);
  for (const auto& name : granularity_names()) {
    const Granularity& gr = granularity(name);
    for (int64_t budget : {dense, int64_t{9}, int64_t{4}, int64_t{1}}) {
      MatrixXf mask = gr.project(s, g, Budget::crossbars(budget));
      ASSERT_EQ(mask.rows(), g.rows);
      Compaction cp = gr.compact(mask, g);
      std::string what = name + " budget " + std::to_string(budget);
      EXPECT_LE(static_cast<int64_t>(cp.crossbars.size()), budget) << what;
      check_lossless(cp, mask, g, what);
      Eigen::VectorXd direct = ((w.array() * mask.array()).matrix().cast<double>().transpose() * x);
      Eigen::VectorXd routed = through_crossbars(cp, w, mask, x);
      EXPECT_LT((direct - routed).cwiseAbs().maxCoeff(), 1e-9) << what;
      if (budget == dense && name != "balanced" && name != "mixed") {
        EXPECT_EQ(mask.sum(), static_cast<float>(g.rows * g.cols)) << what << " keeps everything at the dense budget";
      }
    }
    // Density targets also compact losslessly.
    MatrixXf mask = gr.project(s, g, Budget::density(0.4));
    check_lossless(gr.compact(mask, g), mask, g, name + " density");
  }
}

// The worked example of docs/extending.md: a granularity with one parameter, declared in its
// own file (pruning/prune/granularity_segment.cpp) and registered by one line.
TEST(GranularitySegment, ItsParameterSetsTheGroupsAndIsChecked) {
  LayerGrid g = uneven_grid();  // 45 x 23 cells on 16-row, 5-column crossbars
  const Granularity& gr = granularity("segment");
  ASSERT_EQ(gr.params().size(), 1u);
  EXPECT_EQ(gr.groups(g).maxCoeff() + 1, 3 * 23);  // default 16 rows: one segment per row-block
  g.params = gr.resolve_params({{"segment_rows", 4}});
  const GroupIds id = gr.groups(g);
  EXPECT_EQ(id.maxCoeff() + 1, 3 * 4 * 23);  // four 4-row segments per row-block and column
  for (int64_t c = 0; c < 23; ++c)
    for (int64_t r = 0; r < 45; ++r) {
      EXPECT_EQ(id(r, c), id(r - r % 4, c)) << r;  // a segment is 4 consecutive rows
      if (r % 16 == 0 && r > 0) {
        EXPECT_NE(id(r, c), id(r - 1, c)) << "segments stop at row-blocks";
      }
    }
  MatrixXf s = random_matrix(g.rows, g.cols, 5).array().square();
  MatrixXf mask = gr.project(s, g, Budget::crossbars(6));
  Compaction cp = gr.compact(mask, g);
  EXPECT_LE(cp.crossbars.size(), 6u);
  check_lossless(cp, mask, g, "segment 4");
  EXPECT_THROW(gr.resolve_params({{"segment_rows", 0}}), ConfigError);
  EXPECT_THROW(gr.resolve_params({{"segment_rows", 2.5}}), ConfigError);
  try {
    gr.resolve_params({{"segment_row", 4}});
    ADD_FAILURE() << "unknown parameter accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("segment_rows"), std::string::npos) << e.what();
  }
  EXPECT_THROW(granularity("crossbar").resolve_params({{"segment_rows", 4}}), ConfigError);
}

TEST(Granularity, CrossbarKeepsExactTopKTiles) {
  LayerGrid g = uneven_grid();
  MatrixXf s = random_matrix(g.rows, g.cols, 11).array().abs();
  MatrixXf mask = granularity("crossbar").project(s, g, Budget::crossbars(6));
  // Independent tile sums.
  std::vector<std::pair<double, int>> tiles;
  for (int rb = 0; rb < 3; ++rb)
    for (int cb = 0; cb < 5; ++cb) {
      double sum = s.block(rb * 16, cb * 5, std::min(16, 45 - rb * 16), std::min(5, 23 - cb * 5)).cast<double>().sum();
      tiles.push_back({sum, rb * 5 + cb});
    }
  std::sort(tiles.rbegin(), tiles.rend());
  std::set<int> want;
  for (int i = 0; i < 6; ++i) want.insert(tiles[static_cast<size_t>(i)].second);
  for (int rb = 0; rb < 3; ++rb)
    for (int cb = 0; cb < 5; ++cb) {
      float v = mask(rb * 16, cb * 5);
      EXPECT_EQ(v != 0, want.count(rb * 5 + cb) == 1) << "tile " << rb << "," << cb;
    }
}

TEST(Granularity, ColumnCompactionCountsCeilPerRowBlock) {
  LayerGrid g = uneven_grid();
  MatrixXf mask = MatrixXf::Zero(g.rows, g.cols);
  // row-block 0: 7 columns -> 2 crossbars; row-block 1: 5 -> 1; row-block 2 (13 rows): 11 -> 3.
  for (int c = 0; c < 7; ++c) mask(3, c * 3) = 1;
  for (int c = 0; c < 5; ++c) mask(20, c) = 1;
  for (int c = 0; c < 11; ++c) mask(44, 22 - c) = 1;
  Compaction cp = granularity("column").compact(mask, g);
  EXPECT_EQ(cp.crossbars.size(), 6u);
  EXPECT_TRUE(cp.col_recombine);
  EXPECT_EQ(cp.index_bits, (7 + 5 + 11) * 5);  // one 5-bit output index per used column slot
  // The last row-block's crossbars hold its 13 rows only.
  EXPECT_EQ(cp.crossbars.back().rows.size(), 13u);
}

TEST(Granularity, RowCompactionPacksRowsPerColumnBlock) {
  LayerGrid g = uneven_grid();
  MatrixXf mask = MatrixXf::Zero(g.rows, g.cols);
  for (int r = 0; r < 17; ++r) mask(r * 2, 0) = 1;  // 17 rows in col-block 0 -> 2 crossbars
  for (int r = 0; r < 3; ++r) mask(r, 21) = 1;      // 3 rows in the last col-block -> 1
  Compaction cp = granularity("row").compact(mask, g);
  EXPECT_EQ(cp.crossbars.size(), 3u);
  EXPECT_TRUE(cp.row_gather);
  EXPECT_EQ(cp.crossbars[0].rows.size(), 16u);
  EXPECT_EQ(cp.crossbars[1].rows.size(), 1u);
  EXPECT_EQ(cp.crossbars[2].cols, (std::vector<int64_t>{20, 21, 22}));
}

TEST(Granularity, BalancedKeepsExactlyGMinusPPerGroup) {
  LayerGrid g = uneven_grid();
  g.params["p"] = 2;  // g = 6: keep 4 of every 6 rows (45 = 7*6 + 3: the tail keeps 3)
  MatrixXf s = random_matrix(g.rows, g.cols, 5).array().abs();
  MatrixXf mask = granularity("balanced").project(s, g, Budget::crossbars(100));
  for (int64_t cb = 0; cb < g.col_blocks(); ++cb) {
    int64_t c0 = cb * g.xbar_cols, w = std::min<int64_t>(g.xbar_cols, g.cols - c0);
    for (int64_t start = 0; start < g.rows; start += 6) {
      int64_t n = std::min<int64_t>(6, g.rows - start);
      int kept = 0;
      for (int64_t r = start; r < start + n; ++r) {
        bool row_kept = mask(r, c0) != 0;
        // A kept row is kept across the whole column-block (the word line is shared).
        for (int64_t c = c0; c < c0 + w; ++c) EXPECT_EQ(mask(r, c) != 0, row_kept);
        kept += row_kept;
      }
      EXPECT_EQ(kept, std::min<int64_t>(4, n)) << "col-block " << cb << " group at " << start;
    }
  }
}

TEST(Granularity, BalancedDerivesPFromBudget) {
  LayerGrid g = uneven_grid();
  MatrixXf s = random_matrix(g.rows, g.cols, 9).array().abs();
  // 5 col-blocks, budget 10 -> 2 crossbars of 16 rows = 32 rows per col-block:
  // q=4 keeps 7*4+3 = 31 <= 32, q=5 keeps 38 > 32.
  MatrixXf mask = granularity("balanced").project(s, g, Budget::crossbars(10));
  EXPECT_EQ(mask.col(0).sum(), 31.f);
}

TEST(Granularity, FilterKeepsWholeColumnsByNorm) {
  LayerGrid g = uneven_grid();
  MatrixXf s = random_matrix(g.rows, g.cols, 13).array().square();
  // 3 row-blocks: budget 7 -> floor(7/3)=2 column-blocks -> 10 columns.
  MatrixXf mask = granularity("filter").project(s, g, Budget::crossbars(7));
  std::vector<std::pair<double, int>> cs;
  for (int c = 0; c < g.cols; ++c) cs.push_back({s.col(c).cast<double>().sum(), c});
  std::sort(cs.rbegin(), cs.rend());
  for (int i = 0; i < g.cols; ++i) EXPECT_EQ(mask(0, cs[static_cast<size_t>(i)].second) != 0, i < 10);
  EXPECT_EQ(granularity("filter").compact(mask, g).crossbars.size(), 6u);
}

TEST(Granularity, UnstructuredDensityFreesFewCrossbars) {
  LayerGrid g = uneven_grid();
  MatrixXf s = random_matrix(g.rows, g.cols, 17).array().abs();
  MatrixXf mask = granularity("unstructured").project(s, g, Budget::density(0.25));
  EXPECT_EQ(static_cast<int64_t>(mask.sum()), std::llround(0.25 * g.rows * g.cols));
  // Random magnitudes spread over every tile: no crossbar is freed.
  EXPECT_EQ(occupied(granularity("unstructured"), mask, g), g.tiles());
}

TEST(Granularity, ReorderedRowsTileInPermutedOrder) {
  LayerGrid g = uneven_grid();
  MatrixXf s = random_matrix(g.rows, g.cols, 19).array().abs();
  g.row_order = reorder_rows(s, g.kernel_area);
  MatrixXf mask = granularity("crossbar").project(s, g, Budget::crossbars(5));
  Compaction cp = granularity("crossbar").compact(mask, g);
  ASSERT_FALSE(cp.crossbars.empty());
  // A crossbar of row-block 0 holds the first 16 rows of the permutation.
  for (const auto& x : cp.crossbars) {
    if (x.row_block == 0) {
      EXPECT_EQ(x.rows, std::vector<int64_t>(g.row_order.begin(), g.row_order.begin() + 16));
    }
  }
  check_lossless(cp, mask, g, "crossbar reordered");
}
