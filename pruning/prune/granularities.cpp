// The registered granularities (docs/pruning.md §Granularities). Each one: a group
// structure, a projection onto a budget (crossbars or weight density), a compaction rule.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "pruning/core/error.h"
#include "pruning/prune/granularity.h"
#include "pruning/prune/granularity_impl.h"

namespace reram::prune {
namespace {

using detail::compact_columns;
using detail::compact_pim;
using detail::compact_retile;
using detail::compact_rows;
using detail::compact_tiles;

int64_t crossbar_budget(const Budget& b) { return static_cast<int64_t>(std::floor(b.value + 1e-9)); }

// Items in descending score order until their cells reach `density` of `total` cells.
std::vector<int64_t> keep_by_density(const std::vector<double>& scores, const std::vector<int64_t>& sizes,
                                     double density, int64_t total) {
  std::vector<int64_t> order = top_k(scores, static_cast<int64_t>(scores.size()));
  double want = density * static_cast<double>(total);
  std::vector<int64_t> kept;
  double have = 0;
  for (int64_t i : order) {
    if (have >= want - 1e-9) break;
    kept.push_back(i);
    have += static_cast<double>(sizes[static_cast<size_t>(i)]);
  }
  return kept;
}

// Re-runs `make` with a smaller internal budget until the compaction fits: a guard
// for rules whose projection cannot predict the compaction exactly (pim).
template <class F>
MatrixXf fit_budget(const Granularity& gr, const LayerGrid& g, int64_t budget, F make) {
  for (int64_t b = budget; b >= 0; --b) {
    MatrixXf m = make(b);
    if (occupied(gr, m, g) <= budget) return m;
  }
  return MatrixXf::Zero(g.rows, g.cols);
}

// Column-segment scores per row-block: S[rb][c].
std::vector<std::vector<double>> column_segment_scores(const MatrixXf& s, const LayerGrid& g) {
  std::vector<std::vector<double>> out(static_cast<size_t>(g.row_blocks()),
                                       std::vector<double>(static_cast<size_t>(g.cols), 0));
  for (int64_t p = 0; p < g.rows; ++p) {
    auto& v = out[static_cast<size_t>(p / g.xbar_rows)];
    int64_t r = g.row_at(p);
    for (int64_t c = 0; c < g.cols; ++c) v[static_cast<size_t>(c)] += s(r, c);
  }
  return out;
}

// Row-segment scores per column-block, indexed by tiling position: S[cb][p].
std::vector<std::vector<double>> row_segment_scores(const MatrixXf& s, const LayerGrid& g) {
  std::vector<std::vector<double>> out(static_cast<size_t>(g.col_blocks()),
                                       std::vector<double>(static_cast<size_t>(g.rows), 0));
  for (int64_t p = 0; p < g.rows; ++p) {
    int64_t r = g.row_at(p);
    for (int64_t c = 0; c < g.cols; ++c) out[static_cast<size_t>(c / g.xbar_cols)][static_cast<size_t>(p)] += s(r, c);
  }
  return out;
}

int64_t block_height(const LayerGrid& g, int64_t rb) {
  return std::min<int64_t>(g.xbar_rows, g.rows - rb * g.xbar_rows);
}
int64_t block_width(const LayerGrid& g, int64_t cb) {
  return std::min<int64_t>(g.xbar_cols, g.cols - cb * g.xbar_cols);
}

// Mask from kept column segments (per row-block lists of columns).
MatrixXf mask_from_column_segments(const LayerGrid& g, const std::vector<std::vector<int64_t>>& kept) {
  MatrixXf m = MatrixXf::Zero(g.rows, g.cols);
  for (size_t rb = 0; rb < kept.size(); ++rb)
    for (int64_t p = static_cast<int64_t>(rb) * g.xbar_rows; p < std::min<int64_t>(g.rows, (rb + 1) * g.xbar_rows);
         ++p) {
      int64_t r = g.row_at(p);
      for (int64_t c : kept[rb]) m(r, c) = 1;
    }
  return m;
}

// Column-grain projection shared by column, mixed and pim.
std::vector<std::vector<int64_t>> column_projection(const MatrixXf& s, const LayerGrid& g, const Budget& b) {
  auto seg = column_segment_scores(s, g);
  if (b.kind == Budget::Kind::Crossbars) return select_units(seg, g.xbar_cols, crossbar_budget(b));
  std::vector<double> flat;
  std::vector<int64_t> sizes;
  for (int64_t rb = 0; rb < g.row_blocks(); ++rb)
    for (int64_t c = 0; c < g.cols; ++c) {
      flat.push_back(seg[static_cast<size_t>(rb)][static_cast<size_t>(c)]);
      sizes.push_back(block_height(g, rb));
    }
  std::vector<std::vector<int64_t>> kept(seg.size());
  for (int64_t i : keep_by_density(flat, sizes, b.value, g.rows * g.cols))
    kept[static_cast<size_t>(i / g.cols)].push_back(i % g.cols);
  return kept;
}

// ---------------------------------------------------------------------------
// One weight per group; compaction frees only crossbars that became empty.
class Unstructured : public Granularity {
 public:
  std::string name() const override { return "unstructured"; }
  std::string summary() const override { return "one weight per group (baseline); frees only empty crossbars"; }
  GroupIds groups(const LayerGrid& g) const override {
    return group_ids(g, [&](int64_t p, int64_t c) { return g.row_at(p) * g.cols + c; });
  }
  MatrixXf project(const MatrixXf& s, const LayerGrid& g, const Budget& b) const override {
    std::vector<double> v(s.data(), s.data() + s.size());
    MatrixXf m = MatrixXf::Zero(g.rows, g.cols);
    if (b.kind == Budget::Kind::Density) {
      for (int64_t i : top_k(v, std::llround(b.value * static_cast<double>(v.size())))) m(i / g.cols, i % g.cols) = 1;
      return m;
    }
    // Largest magnitude prefix whose cells touch at most `budget` crossbar tiles.
    auto pos = g.positions();
    std::vector<uint8_t> touched(static_cast<size_t>(g.tiles()), 0);
    int64_t used = 0, budget = crossbar_budget(b);
    for (int64_t i : top_k(v, static_cast<int64_t>(v.size()))) {
      if (v[static_cast<size_t>(i)] <= 0) break;
      int64_t r = i / g.cols, c = i % g.cols;
      size_t t = static_cast<size_t>((pos[static_cast<size_t>(r)] / g.xbar_rows) * g.col_blocks() + c / g.xbar_cols);
      if (!touched[t]) {
        if (used == budget) break;
        touched[t] = 1;
        ++used;
      }
      m(r, c) = 1;
    }
    return m;
  }
  Compaction compact(const MatrixXf& mask, const LayerGrid& g) const override { return compact_tiles(mask, g); }
};

// One crossbar tile per group.
class CrossbarGrain : public Granularity {
 public:
  std::string name() const override { return "crossbar"; }
  std::string summary() const override { return "one crossbar tile per group; removes whole tiles"; }
  bool reorder_applies() const override { return true; }
  GroupIds groups(const LayerGrid& g) const override {
    return group_ids(g, [&](int64_t p, int64_t c) { return (p / g.xbar_rows) * g.col_blocks() + c / g.xbar_cols; });
  }
  MatrixXf project(const MatrixXf& s, const LayerGrid& g, const Budget& b) const override {
    std::vector<double> ts = group_scores(s, groups(g), g.tiles());
    std::vector<int64_t> kept;
    if (b.kind == Budget::Kind::Crossbars) {
      for (int64_t t : top_k(ts, crossbar_budget(b)))
        if (ts[static_cast<size_t>(t)] > 0) kept.push_back(t);
    } else {
      std::vector<int64_t> sizes;
      for (int64_t t = 0; t < g.tiles(); ++t)
        sizes.push_back(block_height(g, t / g.col_blocks()) * block_width(g, t % g.col_blocks()));
      kept = keep_by_density(ts, sizes, b.value, g.rows * g.cols);
    }
    MatrixXf m = MatrixXf::Zero(g.rows, g.cols);
    for (int64_t t : kept) {
      int64_t rb = t / g.col_blocks(), cb = t % g.col_blocks();
      for (int64_t p = rb * g.xbar_rows; p < rb * g.xbar_rows + block_height(g, rb); ++p)
        for (int64_t c = cb * g.xbar_cols; c < cb * g.xbar_cols + block_width(g, cb); ++c) m(g.row_at(p), c) = 1;
    }
    return m;
  }
  Compaction compact(const MatrixXf& mask, const LayerGrid& g) const override { return compact_tiles(mask, g); }
};

// One output channel (column of M) per group; kept columns are re-tiled.
class Filter : public Granularity {
 public:
  std::string name() const override { return "filter"; }
  std::string summary() const override { return "one output channel per group (baseline); re-tiles kept columns"; }
  GroupIds groups(const LayerGrid& g) const override {
    return group_ids(g, [](int64_t, int64_t c) { return c; });
  }
  MatrixXf project(const MatrixXf& s, const LayerGrid& g, const Budget& b) const override {
    std::vector<double> cs(static_cast<size_t>(g.cols));
    for (int64_t c = 0; c < g.cols; ++c) cs[static_cast<size_t>(c)] = s.col(c).sum();
    std::vector<int64_t> kept;
    if (b.kind == Budget::Kind::Crossbars) {
      int64_t kc = (crossbar_budget(b) / g.row_blocks()) * g.xbar_cols;
      for (int64_t c : top_k(cs, kc))
        if (cs[static_cast<size_t>(c)] > 0) kept.push_back(c);
    } else {
      kept = top_k(cs, std::llround(b.value * static_cast<double>(g.cols)));
    }
    MatrixXf m = MatrixXf::Zero(g.rows, g.cols);
    for (int64_t c : kept) m.col(c).setOnes();
    return m;
  }
  Compaction compact(const MatrixXf& mask, const LayerGrid& g) const override { return compact_retile(mask, g); }
};

// The R*S rows of one input channel per group; kept rows are re-tiled.
class Channel : public Granularity {
 public:
  std::string name() const override { return "channel"; }
  std::string summary() const override {
    return "the R*S rows of one input channel per group (baseline); re-tiles kept rows";
  }
  GroupIds groups(const LayerGrid& g) const override {
    return group_ids(g, [&](int64_t p, int64_t) { return g.row_at(p) / g.kernel_area; });
  }
  MatrixXf project(const MatrixXf& s, const LayerGrid& g, const Budget& b) const override {
    int64_t ka = std::max<int64_t>(1, g.kernel_area), nch = (g.rows + ka - 1) / ka;
    std::vector<double> cs(static_cast<size_t>(nch), 0.0);
    std::vector<int64_t> sizes(static_cast<size_t>(nch), 0);
    for (int64_t r = 0; r < g.rows; ++r) {
      cs[static_cast<size_t>(r / ka)] += s.row(r).sum();
      sizes[static_cast<size_t>(r / ka)]++;
    }
    std::vector<int64_t> kept;
    if (b.kind == Budget::Kind::Crossbars) {
      int64_t row_cap = (crossbar_budget(b) / g.col_blocks()) * g.xbar_rows, rows = 0;
      for (int64_t ch : top_k(cs, nch)) {
        if (cs[static_cast<size_t>(ch)] <= 0) break;
        if (rows + sizes[static_cast<size_t>(ch)] > row_cap) continue;  // a smaller tail channel may still fit
        kept.push_back(ch);
        rows += sizes[static_cast<size_t>(ch)];
      }
    } else {
      kept = keep_by_density(cs, sizes, b.value, g.rows);
    }
    MatrixXf m = MatrixXf::Zero(g.rows, g.cols);
    for (int64_t ch : kept)
      for (int64_t r = ch * ka; r < std::min(g.rows, (ch + 1) * ka); ++r) m.row(r).setOnes();
    return m;
  }
  Compaction compact(const MatrixXf& mask, const LayerGrid& g) const override { return compact_retile(mask, g); }
};

// Column segments (xbar_rows cells of one column in one row-block), packed per
// row-block with output recombination.
class ColumnGrain : public Granularity {
 public:
  std::string name() const override { return "column"; }
  std::string summary() const override { return "column segments per row-block, packed with output recombination"; }
  bool reorder_applies() const override { return true; }
  GroupIds groups(const LayerGrid& g) const override {
    return group_ids(g, [&](int64_t p, int64_t c) { return (p / g.xbar_rows) * g.cols + c; });
  }
  MatrixXf project(const MatrixXf& s, const LayerGrid& g, const Budget& b) const override {
    return mask_from_column_segments(g, column_projection(s, g, b));
  }
  Compaction compact(const MatrixXf& mask, const LayerGrid& g) const override { return compact_columns(mask, g); }
};

// Row segments (xbar_cols cells of one row in one column-block), packed per
// column-block through an input gather.
class RowGrain : public Granularity {
 public:
  std::string name() const override { return "row"; }
  std::string summary() const override { return "row segments per column-block, packed through an input gather"; }
  GroupIds groups(const LayerGrid& g) const override {
    return group_ids(g, [&](int64_t p, int64_t c) { return (c / g.xbar_cols) * g.rows + g.row_at(p); });
  }
  MatrixXf project(const MatrixXf& s, const LayerGrid& g, const Budget& b) const override {
    auto seg = row_segment_scores(s, g);
    std::vector<std::vector<int64_t>> kept;
    if (b.kind == Budget::Kind::Crossbars) {
      kept = select_units(seg, g.xbar_rows, crossbar_budget(b));
    } else {
      std::vector<double> flat;
      std::vector<int64_t> sizes;
      for (int64_t cb = 0; cb < g.col_blocks(); ++cb)
        for (int64_t p = 0; p < g.rows; ++p) {
          flat.push_back(seg[static_cast<size_t>(cb)][static_cast<size_t>(p)]);
          sizes.push_back(block_width(g, cb));
        }
      kept.resize(seg.size());
      for (int64_t i : keep_by_density(flat, sizes, b.value, g.rows * g.cols))
        kept[static_cast<size_t>(i / g.rows)].push_back(i % g.rows);
    }
    MatrixXf m = MatrixXf::Zero(g.rows, g.cols);
    for (size_t cb = 0; cb < kept.size(); ++cb)
      for (int64_t p : kept[cb])
        for (int64_t c = static_cast<int64_t>(cb) * g.xbar_cols; c < std::min<int64_t>(g.cols, (cb + 1) * g.xbar_cols);
             ++c)
          m(g.row_at(p), c) = 1;
    return m;
  }
  Compaction compact(const MatrixXf& mask, const LayerGrid& g) const override {
    return compact_rows(mask, g, index_bits(g.rows));
  }
};

// PIM-Prune style fine grain (project's formulation, docs/pruning.md): whole rows are
// removed (input gather) and the kept rows re-tiled, then column segments of the new
// row-blocks are pruned and packed (output recombination). The share of rows removed is
// chosen per layer from a fixed ladder to keep the largest total score.
class Pim : public Granularity {
 public:
  std::string name() const override { return "pim"; }
  std::string summary() const override {
    return "rows removed and re-tiled, then column segments packed (both index maps)";
  }
  bool reorder_applies() const override { return true; }
  GroupIds groups(const LayerGrid& g) const override { return ColumnGrain().groups(g); }
  MatrixXf project(const MatrixXf& s, const LayerGrid& g, const Budget& b) const override {
    std::vector<double> rs(static_cast<size_t>(g.rows));
    for (int64_t r = 0; r < g.rows; ++r) rs[static_cast<size_t>(r)] = s.row(r).sum();
    auto pos = g.positions();
    MatrixXf best = MatrixXf::Zero(g.rows, g.cols);
    double best_score = -1;
    static const double kLadder[] = {1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3};
    for (double f : kLadder) {
      int64_t keep_rows = std::max<int64_t>(1, std::llround(f * static_cast<double>(g.rows)));
      std::vector<int64_t> kept_rows = top_k(rs, keep_rows);
      // Kept rows keep their tiling order (reorder, when on, already sorted them).
      std::sort(kept_rows.begin(), kept_rows.end(),
                [&](int64_t a, int64_t b2) { return pos[static_cast<size_t>(a)] < pos[static_cast<size_t>(b2)]; });
      LayerGrid sub = g;
      sub.rows = static_cast<int64_t>(kept_rows.size());
      sub.row_order.clear();
      MatrixXf ss(sub.rows, g.cols);
      for (int64_t i = 0; i < sub.rows; ++i) ss.row(i) = s.row(kept_rows[static_cast<size_t>(i)]);
      auto make = [&](int64_t budget) {
        Budget bb = b.kind == Budget::Kind::Crossbars ? Budget::crossbars(budget) : b;
        if (b.kind == Budget::Kind::Density)
          bb.value = std::min(1.0, b.value * static_cast<double>(g.rows) / static_cast<double>(sub.rows));
        MatrixXf sm = mask_from_column_segments(sub, column_projection(ss, sub, bb));
        MatrixXf m = MatrixXf::Zero(g.rows, g.cols);
        for (int64_t i = 0; i < sub.rows; ++i) m.row(kept_rows[static_cast<size_t>(i)]) = sm.row(i);
        return m;
      };
      MatrixXf m = b.kind == Budget::Kind::Crossbars ? fit_budget(*this, g, crossbar_budget(b), make) : make(0);
      double kept = (m.array() * s.array()).sum();
      if (kept > best_score) {
        best_score = kept;
        best = m;
      }
    }
    return best;
  }
  Compaction compact(const MatrixXf& mask, const LayerGrid& g) const override { return compact_pim(mask, g); }
};

// Balanced along word lines (project's reading of Kang 2020): in every column-block,
// each group of g consecutive rows (the word lines one operation unit drives) keeps
// exactly g - p rows; kept rows are packed with a per-group index of log2(g) bits.
class Balanced : public Granularity {
 public:
  std::string name() const override { return "balanced"; }
  std::string summary() const override {
    return "g consecutive rows per column-block keep exactly g-p; rows packed, log2(g)-bit index";
  }
  std::vector<GranularityParam> params() const override {
    return {{"g", 16, 2, 4096, true, "rows per group (the word lines one operation unit drives)"},
            {"p", -1, -1, 4095, true, "rows pruned per group (-1: from the budget)"}};
  }
  void check_params(const std::map<std::string, double>& r) const override {
    if (r.at("p") >= r.at("g")) throw ConfigError("granularity balanced: p must be below g");
  }
  int group_rows(const LayerGrid& g) const { return static_cast<int>(param(g, "g")); }
  GroupIds groups(const LayerGrid& g) const override {
    const int G = group_rows(g);
    int64_t ng = (g.rows + G - 1) / G;
    return group_ids(g, [&](int64_t p, int64_t c) { return (c / g.xbar_cols) * ng + p / G; });
  }
  // Rows kept per group for a budget.
  int keep_per_group(const LayerGrid& g, const Budget& b) const {
    const int G = group_rows(g), P = static_cast<int>(param(g, "p"));
    if (P >= 0) return std::max(0, G - P);
    if (b.kind == Budget::Kind::Density) return static_cast<int>(std::llround(b.value * G));
    int64_t row_cap = (crossbar_budget(b) / g.col_blocks()) * g.xbar_rows;
    for (int q = G; q > 0; --q) {
      int64_t rows = 0;
      for (int64_t start = 0; start < g.rows; start += G) rows += std::min<int64_t>(q, g.rows - start);
      if (rows <= row_cap) return q;
    }
    return 0;
  }
  MatrixXf project(const MatrixXf& s, const LayerGrid& g, const Budget& b) const override {
    int q = keep_per_group(g, b);
    auto seg = row_segment_scores(s, g);
    MatrixXf m = MatrixXf::Zero(g.rows, g.cols);
    for (int64_t cb = 0; cb < g.col_blocks(); ++cb) {
      auto keep = balanced_keep(seg[static_cast<size_t>(cb)], group_rows(g), q);
      for (int64_t p = 0; p < g.rows; ++p)
        if (keep[static_cast<size_t>(p)])
          for (int64_t c = cb * g.xbar_cols; c < cb * g.xbar_cols + block_width(g, cb); ++c) m(g.row_at(p), c) = 1;
    }
    return m;
  }
  Compaction compact(const MatrixXf& mask, const LayerGrid& g) const override {
    return compact_rows(mask, g, index_bits(group_rows(g)));
  }
};

// Operation units (ou_rows x ou_cols cells activated together) per group. All-zero OUs
// are skipped by the simulator; crossbars whose OUs are all zero are removed.
class OuGrain : public Granularity {
 public:
  std::string name() const override { return "ou"; }
  std::string summary() const override {
    return "one operation unit per group; empty OUs skipped, empty crossbars removed";
  }
  std::vector<GranularityParam> params() const override {
    return {{"rows", 0, 0, 65536, true, "OU word lines (0: the arch's OU, else 16)"},
            {"cols", 0, 0, 65536, true, "OU bit lines (0: the arch's OU, else 16)"}};
  }
  // The OU in logical rows x logical columns: the parameters, else the grid's (the arch's).
  int64_t ou_rows(const LayerGrid& g) const {
    const double r = param(g, "rows");
    return r > 0 ? std::min<int64_t>(static_cast<int64_t>(r), g.xbar_rows) : g.ou_rows;
  }
  int64_t ou_cols(const LayerGrid& g) const {
    const double c = param(g, "cols");
    if (c <= 0) return g.ou_cols;
    return std::max<int64_t>(1, std::min<int64_t>(static_cast<int64_t>(c) / g.bitlines_per_weight, g.xbar_cols));
  }
  int64_t ous_per_tile_row(const LayerGrid& g) const { return (g.xbar_cols + ou_cols(g) - 1) / ou_cols(g); }
  int64_t ous_per_tile_col(const LayerGrid& g) const { return (g.xbar_rows + ou_rows(g) - 1) / ou_rows(g); }
  // OU id and tile of the cell at tiling position p, column c.
  int64_t ou_of(const LayerGrid& g, int64_t p, int64_t c) const {
    int64_t tile = (p / g.xbar_rows) * g.col_blocks() + c / g.xbar_cols;
    int64_t local = ((p % g.xbar_rows) / ou_rows(g)) * ous_per_tile_row(g) + (c % g.xbar_cols) / ou_cols(g);
    return tile * ous_per_tile_row(g) * ous_per_tile_col(g) + local;
  }
  GroupIds groups(const LayerGrid& g) const override {
    return group_ids(g, [&](int64_t p, int64_t c) { return ou_of(g, p, c); });
  }
  MatrixXf project(const MatrixXf& s, const LayerGrid& g, const Budget& b) const override {
    int64_t per_tile = ous_per_tile_row(g) * ous_per_tile_col(g), n = g.tiles() * per_tile;
    GroupIds id = groups(g);
    std::vector<double> os = group_scores(s, id, n);
    std::vector<int64_t> sizes(static_cast<size_t>(n), 0);
    for (int64_t r = 0; r < g.rows; ++r)
      for (int64_t c = 0; c < g.cols; ++c) sizes[static_cast<size_t>(id(r, c))]++;
    std::vector<uint8_t> keep(static_cast<size_t>(n), 0);
    if (b.kind == Budget::Kind::Density) {
      for (int64_t o : keep_by_density(os, sizes, b.value, g.rows * g.cols)) keep[static_cast<size_t>(o)] = 1;
    } else {
      std::vector<uint8_t> touched(static_cast<size_t>(g.tiles()), 0);
      int64_t used = 0, budget = crossbar_budget(b);
      for (int64_t o : top_k(os, n)) {
        if (os[static_cast<size_t>(o)] <= 0) break;
        size_t t = static_cast<size_t>(o / per_tile);
        if (!touched[t]) {
          if (used == budget) break;
          touched[t] = 1;
          ++used;
        }
        keep[static_cast<size_t>(o)] = 1;
      }
    }
    MatrixXf m = MatrixXf::Zero(g.rows, g.cols);
    for (int64_t r = 0; r < g.rows; ++r)
      for (int64_t c = 0; c < g.cols; ++c) m(r, c) = keep[static_cast<size_t>(id(r, c))] ? 1.f : 0.f;
    return m;
  }
  Compaction compact(const MatrixXf& mask, const LayerGrid& g) const override {
    Compaction out = compact_tiles(mask, g);
    // One activity bit per OU of every occupied crossbar.
    out.index_bits = static_cast<int64_t>(out.crossbars.size()) * ous_per_tile_row(g) * ous_per_tile_col(g);
    return out;
  }
};

// Mixed granularity (project's reading of Zhou & Chen 2025): column segments are
// classed by score. The lowest (most redundant) are removed whole as in `column`; of the
// kept ones, the lowest `fine_fraction` are pruned fine-grain and balanced (each g-row
// group of the segment keeps g - fine_p cells); the rest stay dense.
class Mixed : public Granularity {
 public:
  std::string name() const override { return "mixed"; }
  std::string summary() const override {
    return "column segments classed by score: removed / balanced fine-grain / dense";
  }
  bool reorder_applies() const override { return true; }
  std::vector<GranularityParam> params() const override {
    return {{"g", 16, 2, 4096, true, "rows per group of a fine-grain segment"},
            {"fine_fraction", 0.5, 0, 1, false, "share of the kept segments pruned fine-grain"},
            {"fine_p", 8, 0, 4095, true, "rows pruned per group of a fine-grain segment"}};
  }
  void check_params(const std::map<std::string, double>& r) const override {
    if (r.at("fine_p") >= r.at("g")) throw ConfigError("granularity mixed: fine_p must be below g");
  }
  GroupIds groups(const LayerGrid& g) const override { return ColumnGrain().groups(g); }
  MatrixXf project(const MatrixXf& s, const LayerGrid& g, const Budget& b) const override {
    const int G = static_cast<int>(param(g, "g")), fine_p = static_cast<int>(param(g, "fine_p"));
    const double fine_fraction = param(g, "fine_fraction");
    Budget bb = b;
    double fine_keep = 1.0 - static_cast<double>(fine_p) / G;
    // A density target counts the fine-grain cuts too.
    if (b.kind == Budget::Kind::Density) bb.value = std::min(1.0, b.value / (1.0 - fine_fraction * (1.0 - fine_keep)));
    auto kept = column_projection(s, g, bb);
    auto seg = column_segment_scores(s, g);
    // The medium class: the kept segments below the fine-fraction quantile.
    std::vector<double> ks;
    std::vector<std::pair<int64_t, int64_t>> ids;
    for (size_t rb = 0; rb < kept.size(); ++rb)
      for (int64_t c : kept[rb]) {
        ks.push_back(-seg[rb][static_cast<size_t>(c)]);  // top_k of the negated = lowest scores
        ids.emplace_back(static_cast<int64_t>(rb), c);
      }
    MatrixXf m = mask_from_column_segments(g, kept);
    int keep_cells = G - fine_p;
    for (int64_t i : top_k(ks, std::llround(fine_fraction * static_cast<double>(ks.size())))) {
      auto [rb, c] = ids[static_cast<size_t>(i)];
      std::vector<double> cell;
      std::vector<int64_t> rows;
      for (int64_t p = rb * g.xbar_rows; p < rb * g.xbar_rows + block_height(g, rb); ++p) {
        rows.push_back(g.row_at(p));
        cell.push_back(s(rows.back(), c));
      }
      auto keep = balanced_keep(cell, G, keep_cells);
      for (size_t k = 0; k < rows.size(); ++k)
        if (!keep[k]) m(rows[k], c) = 0;
    }
    return m;
  }
  Compaction compact(const MatrixXf& mask, const LayerGrid& g) const override {
    Compaction out = compact_columns(mask, g);
    // Fine-grain segments (some cells of a kept segment pruned) need a per-cell index.
    int w = index_bits(static_cast<int>(param(g, "g")));
    for (const auto& x : out.crossbars)
      for (int64_t c : x.cols) {
        int64_t nz = 0;
        for (int64_t r : x.rows) nz += mask(r, c) != 0;
        if (nz < static_cast<int64_t>(x.rows.size())) out.index_bits += nz * w;
      }
    return out;
  }
};

}  // namespace

// The granularities of their own files (granularities.def).
#define RERAM_GRANULARITY(id) std::unique_ptr<Granularity> make_granularity_##id();
#include "pruning/prune/granularities.def"
#undef RERAM_GRANULARITY

namespace detail {
void register_builtin_granularities() {
  register_granularity(std::make_unique<Unstructured>());
  register_granularity(std::make_unique<Filter>());
  register_granularity(std::make_unique<Channel>());
  register_granularity(std::make_unique<CrossbarGrain>());
  register_granularity(std::make_unique<ColumnGrain>());
  register_granularity(std::make_unique<RowGrain>());
  register_granularity(std::make_unique<Pim>());
  register_granularity(std::make_unique<Balanced>());
  register_granularity(std::make_unique<OuGrain>());
  register_granularity(std::make_unique<Mixed>());
#define RERAM_GRANULARITY(id) register_granularity(make_granularity_##id());
#include "pruning/prune/granularities.def"
#undef RERAM_GRANULARITY
}
}  // namespace detail

}  // namespace reram::prune
