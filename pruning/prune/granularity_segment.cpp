// The `segment` granularity: the worked example of docs/extending.md ("A granularity with
// a parameter"). One file plus one line in pruning/prune/granularities.def.
//
// A group is `segment_rows` consecutive word lines of one column inside one crossbar
// row-block (a column segment shorter than column grain's whole row-block): finer than
// crossbar grain, coarser than single weights. Projection: segments by descending score,
// taken while the crossbars they touch stay within the budget (as `unstructured` does for
// single weights). Compaction: every crossbar tile that keeps a segment stays (no index
// maps), so a segment frees hardware only when all segments of a tile go; what it adds is
// structure inside the crossbars (whole operation-unit rows of a column can be skipped).
#include <algorithm>
#include <cmath>

#include "pruning/prune/granularity_impl.h"

namespace reram::prune {
namespace {

class Segment : public Granularity {
 public:
  std::string name() const override { return "segment"; }
  std::string summary() const override {
    return "segment_rows word lines of one column in one row-block per group; frees tiles left empty";
  }
  std::vector<GranularityParam> params() const override {
    return {{"segment_rows", 16, 1, 4096, true, "word lines per group (clipped to the crossbar's rows)"}};
  }

  GroupIds groups(const LayerGrid& g) const override {
    const int64_t len = length(g), per_block = (g.xbar_rows + len - 1) / len;
    return group_ids(g, [&](int64_t p, int64_t c) {
      return ((p / g.xbar_rows) * per_block + (p % g.xbar_rows) / len) * g.cols + c;  // segment, then column
    });
  }

  MatrixXf project(const MatrixXf& s, const LayerGrid& g, const Budget& b) const override {
    const GroupIds id = groups(g);
    const int64_t n = id.maxCoeff() + 1;
    const std::vector<double> score = group_scores(s, id, n);
    // Each group's cells (tiling positions) and its tile.
    std::vector<int64_t> size(static_cast<size_t>(n), 0), tile(static_cast<size_t>(n), 0);
    for (int64_t p = 0; p < g.rows; ++p)
      for (int64_t c = 0; c < g.cols; ++c) {
        const size_t k = static_cast<size_t>(id(g.row_at(p), c));
        ++size[k];
        tile[k] = (p / g.xbar_rows) * g.col_blocks() + c / g.xbar_cols;
      }
    std::vector<uint8_t> keep(static_cast<size_t>(n), 0), touched(static_cast<size_t>(g.tiles()), 0);
    const double cells = static_cast<double>(g.rows * g.cols);
    int64_t used = 0, kept_cells = 0;
    const int64_t budget = static_cast<int64_t>(std::floor(b.value + 1e-9));
    for (int64_t k : top_k(score, n)) {
      const size_t i = static_cast<size_t>(k);
      if (b.kind == Budget::Kind::Density) {
        if (static_cast<double>(kept_cells + size[i]) > b.value * cells + 1e-9) continue;
        kept_cells += size[i];
      } else {
        if (score[i] <= 0) break;
        const size_t t = static_cast<size_t>(tile[i]);
        if (!touched[t]) {
          if (used == budget) continue;
          touched[t] = 1;
          ++used;
        }
      }
      keep[i] = 1;
    }
    MatrixXf m = MatrixXf::Zero(g.rows, g.cols);
    for (int64_t r = 0; r < g.rows; ++r)
      for (int64_t c = 0; c < g.cols; ++c) m(r, c) = keep[static_cast<size_t>(id(r, c))];
    return m;
  }

  Compaction compact(const MatrixXf& mask, const LayerGrid& g) const override { return detail::compact_tiles(mask, g); }

 private:
  int64_t length(const LayerGrid& g) const {
    return std::max<int64_t>(1, std::min<int64_t>(static_cast<int64_t>(param(g, "segment_rows")), g.xbar_rows));
  }
};

}  // namespace

std::unique_ptr<Granularity> make_granularity_segment() { return std::make_unique<Segment>(); }

}  // namespace reram::prune
