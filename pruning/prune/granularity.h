#pragma once
// Pruning granularities (docs/pruning.md): each is a group
// structure over a layer's crossbar-view matrix M plus a compaction rule that turns a
// mask into the physical crossbars of the sparse mapping. Everything here is pure math
// over Eigen matrices (no torch, no files) so it is unit-tested in microseconds.
#include <Eigen/Dense>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pruning/core/int_math.h"
#include "pruning/core/registry.h"
#include "pruning/xbar/crossbar_view.h"

namespace reram::prune {

using MatrixXf = reram::MatrixXf;
using GroupIds = Eigen::Matrix<int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// The crossbar grid one layer is tiled onto: M's size, crossbar size in logical units
// (word lines x logical columns) and the order in which rows are tiled (input
// feature-map reorder permutes it in channel units; identity otherwise).
struct LayerGrid {
  int64_t rows = 0, cols = 0;      // M
  int64_t kernel_area = 1;         // rows per input channel
  int xbar_rows = 128;             // word lines per crossbar
  int xbar_cols = 32;              // logical columns per crossbar (bit lines / slices / sign)
  int ou_rows = 16, ou_cols = 4;   // the arch's operation unit in logical rows x logical columns
  int bitlines_per_weight = 1;     // bit lines of one logical column (slices x sign)
  std::vector<int64_t> row_order;  // tiling order of rows (empty = identity)
  // The granularity's own parameters (Granularity::params()), resolved: given or default.
  std::map<std::string, double> params;

  int64_t row_blocks() const { return (rows + xbar_rows - 1) / xbar_rows; }
  int64_t col_blocks() const { return (cols + xbar_cols - 1) / xbar_cols; }
  int64_t tiles() const { return row_blocks() * col_blocks(); }
  // Logical row at tiling position p.
  int64_t row_at(int64_t p) const { return row_order.empty() ? p : row_order[static_cast<size_t>(p)]; }
  // Tiling position of every row (inverse of row_order).
  std::vector<int64_t> positions() const;
};

// What a projection must meet: at most `value` occupied crossbars, or keep a `value`
// fraction of the layer's weights.
struct Budget {
  enum class Kind { Crossbars, Density } kind = Kind::Crossbars;
  double value = 0;
  static Budget crossbars(int64_t n) { return {Kind::Crossbars, static_cast<double>(n)}; }
  static Budget density(double d) { return {Kind::Density, d}; }
};

// One physical crossbar of a compacted layer: the logical rows on its word lines and
// the logical columns on its column slots (cells rows x cols hold M[r][c]).
struct XbarSlice {
  int row_block = 0, col_block = 0;
  std::vector<int64_t> rows, cols;
};

// The result of a compaction rule for one layer.
struct Compaction {
  std::vector<XbarSlice> crossbars;
  bool row_gather = false;     // word lines fed through an input gather
  bool col_recombine = false;  // outputs routed/accumulated through an output index map
  int64_t index_bits = 0;      // index memory
};

// A parameter a granularity declares: `reram prune --granularity-param NAME=VALUE`
// (sweep plans: "granularity_param": ["NAME=VALUE"]), checked against [min, max] (and to be
// a whole number when `integer`), recorded in the report's options, read in project() and
// compact() through Granularity::param(grid, NAME).
struct GranularityParam {
  std::string name;
  double default_value = 0, min = 0, max = 0;
  bool integer = false;
  std::string doc;
};

// A granularity: group structure + projection to a budget + compaction rule.
class Granularity {
 public:
  virtual ~Granularity() = default;
  virtual std::string name() const = 0;
  virtual std::string summary() const = 0;
  // Its parameters (none by default): declared here, nowhere else.
  virtual std::vector<GranularityParam> params() const { return {}; }
  // Parameter `name` as resolved in the grid, or its declared default (std::logic_error
  // for a name it does not declare).
  double param(const LayerGrid& g, const std::string& name) const;
  // The given values checked against params() (ConfigError naming the parameter) and
  // completed with the defaults, then against each other (check_params).
  std::map<std::string, double> resolve_params(const std::map<std::string, double>& given) const;
  // Checks between parameters (e.g. p < g), on the resolved values; ConfigError when not met.
  virtual void check_params(const std::map<std::string, double>& resolved) const { (void)resolved; }
  // Primary group of every cell (0..n-1), used for group-level noise in LGD and tests.
  virtual GroupIds groups(const LayerGrid& g) const = 0;
  // A 0/1 mask meeting the budget that keeps the highest-scoring groups. `score` holds a
  // non-negative importance per cell (|w|, w^2 or |w*grad|).
  virtual MatrixXf project(const MatrixXf& score, const LayerGrid& g, const Budget& b) const = 0;
  // The physical crossbars that store every cell the mask keeps (lossless by
  // construction: each kept cell is covered by exactly one crossbar).
  virtual Compaction compact(const MatrixXf& mask, const LayerGrid& g) const = 0;
  // Whether input feature-map reorder applies to this granularity.
  virtual bool reorder_applies() const { return false; }
};

// Registry (pruning/core/registry.h). granularity() throws ConfigError naming the
// registered names.
Registry<Granularity>& granularities();
inline const Granularity& granularity(const std::string& name) { return granularities().get(name); }
inline std::vector<std::string> granularity_names() { return granularities().names(); }
void register_granularity(std::unique_ptr<Granularity> g);

// ---- pure helpers (exposed for tests and optimisers) ----

// The group ids of a rule: cell (g.row_at(p), c) of the layer's matrix joins group
// rule(p, c), for every tiling position p (docs/pruning.md: rows in crossbar order after
// any input reorder) and column c. The body of most Granularity::groups().
template <class Rule>
GroupIds group_ids(const LayerGrid& g, Rule rule) {
  GroupIds id(g.rows, g.cols);
  for (int64_t p = 0; p < g.rows; ++p) {
    const int64_t r = g.row_at(p);
    for (int64_t c = 0; c < g.cols; ++c) id(r, c) = static_cast<int32_t>(rule(p, c));
  }
  return id;
}

// Sum of `score` over each group id (ids < 0 ignored).
std::vector<double> group_scores(const MatrixXf& score, const GroupIds& ids, int64_t n_groups);
// Indices of the k highest values (ties broken by lower index), in descending order.
std::vector<int64_t> top_k(const std::vector<double>& v, int64_t k);
// Greedy crossbar-unit selection: items live in buckets; a bucket's items are taken in
// descending score, `capacity` at a time (one crossbar's worth); units are chosen by
// their score sum, at most `units` in total. Returns the kept items per bucket.
std::vector<std::vector<int64_t>> select_units(const std::vector<std::vector<double>>& bucket_scores, int64_t capacity,
                                               int64_t units);
// Balanced projection of a vector split into consecutive groups of g: keeps exactly
// min(keep, group size) highest entries of every group. Returns a 0/1 vector.
std::vector<uint8_t> balanced_keep(const std::vector<double>& v, int g, int keep);
// Number of crossbars a mask compacts to under a granularity.
int64_t occupied(const Granularity& gr, const MatrixXf& mask, const LayerGrid& g);

// Reorder permutation (Liang et al.): input channels sorted by descending importance so
// that channels of similar importance share a row-block; returned in row units.
std::vector<int64_t> reorder_rows(const MatrixXf& score, int64_t kernel_area);

}  // namespace reram::prune
