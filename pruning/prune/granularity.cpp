// Pure helpers shared by the granularities, the compaction primitives and the registry.
#include "pruning/prune/granularity.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <sstream>

#include "pruning/core/error.h"
#include "pruning/prune/granularity_impl.h"

namespace reram::prune {

std::vector<int64_t> LayerGrid::positions() const {
  std::vector<int64_t> pos(static_cast<size_t>(rows));
  for (int64_t p = 0; p < rows; ++p) pos[static_cast<size_t>(row_at(p))] = p;
  return pos;
}

std::vector<double> group_scores(const MatrixXf& score, const GroupIds& ids, int64_t n_groups) {
  std::vector<double> s(static_cast<size_t>(n_groups), 0.0);
  for (int64_t r = 0; r < score.rows(); ++r)
    for (int64_t c = 0; c < score.cols(); ++c) {
      int32_t g = ids(r, c);
      if (g >= 0) s[static_cast<size_t>(g)] += score(r, c);
    }
  return s;
}

std::vector<int64_t> top_k(const std::vector<double>& v, int64_t k) {
  std::vector<int64_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  k = std::max<int64_t>(0, std::min<int64_t>(k, static_cast<int64_t>(v.size())));
  auto cmp = [&](int64_t a, int64_t b) { return v[a] > v[b] || (v[a] == v[b] && a < b); };
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), cmp);
  idx.resize(static_cast<size_t>(k));
  return idx;
}

std::vector<std::vector<int64_t>> select_units(const std::vector<std::vector<double>>& bucket_scores, int64_t capacity,
                                               int64_t units) {
  struct Unit {
    double sum;
    size_t bucket, chunk;
  };
  std::vector<std::vector<int64_t>> order(bucket_scores.size());
  std::vector<Unit> all;
  for (size_t b = 0; b < bucket_scores.size(); ++b) {
    const auto& v = bucket_scores[b];
    order[b] = top_k(v, static_cast<int64_t>(v.size()));
    for (size_t start = 0, ch = 0; start < v.size(); start += static_cast<size_t>(capacity), ++ch) {
      double s = 0;
      for (size_t i = start; i < std::min(v.size(), start + static_cast<size_t>(capacity)); ++i) s += v[order[b][i]];
      // A unit holding only zero scores would spend a crossbar on nothing.
      if (s > 0) all.push_back({s, b, ch});
    }
  }
  // Within a bucket the chunk sums never increase, and ties go to the lower chunk, so
  // this order never takes a chunk before the one in front of it.
  std::stable_sort(all.begin(), all.end(), [](const Unit& a, const Unit& b) {
    if (a.sum != b.sum) return a.sum > b.sum;
    if (a.bucket != b.bucket) return a.bucket < b.bucket;
    return a.chunk < b.chunk;
  });
  std::vector<int64_t> taken(bucket_scores.size(), 0);
  for (int64_t u = 0; u < std::min<int64_t>(units, static_cast<int64_t>(all.size())); ++u)
    taken[all[static_cast<size_t>(u)].bucket]++;
  std::vector<std::vector<int64_t>> kept(bucket_scores.size());
  for (size_t b = 0; b < bucket_scores.size(); ++b) {
    int64_t n = std::min<int64_t>(taken[b] * capacity, static_cast<int64_t>(order[b].size()));
    kept[b].assign(order[b].begin(), order[b].begin() + n);
  }
  return kept;
}

std::vector<uint8_t> balanced_keep(const std::vector<double>& v, int g, int keep) {
  std::vector<uint8_t> out(v.size(), 0);
  for (size_t start = 0; start < v.size(); start += static_cast<size_t>(g)) {
    size_t end = std::min(v.size(), start + static_cast<size_t>(g));
    std::vector<double> sub(v.begin() + static_cast<long>(start), v.begin() + static_cast<long>(end));
    for (int64_t i : top_k(sub, keep)) out[start + static_cast<size_t>(i)] = 1;
  }
  return out;
}

int64_t occupied(const Granularity& gr, const MatrixXf& mask, const LayerGrid& g) {
  return static_cast<int64_t>(gr.compact(mask, g).crossbars.size());
}

std::vector<int64_t> reorder_rows(const MatrixXf& score, int64_t kernel_area) {
  int64_t ka = std::max<int64_t>(1, kernel_area);
  int64_t channels = score.rows() / ka;
  std::vector<double> cs(static_cast<size_t>(channels), 0.0);
  for (int64_t r = 0; r < channels * ka; ++r) cs[static_cast<size_t>(r / ka)] += score.row(r).sum();
  std::vector<int64_t> order = top_k(cs, channels);
  std::vector<int64_t> rows;
  rows.reserve(static_cast<size_t>(score.rows()));
  for (int64_t ch : order)
    for (int64_t k = 0; k < ka; ++k) rows.push_back(ch * ka + k);
  for (int64_t r = channels * ka; r < score.rows(); ++r) rows.push_back(r);  // tail rows keep their place
  return rows;
}

// ---- compaction primitives ----
namespace detail {

static std::vector<int64_t> block_rows(const LayerGrid& g, int64_t rb) {
  std::vector<int64_t> rows;
  for (int64_t p = rb * g.xbar_rows; p < std::min(g.rows, (rb + 1) * g.xbar_rows); ++p) rows.push_back(g.row_at(p));
  return rows;
}
static std::vector<int64_t> block_cols(const LayerGrid& g, int64_t cb) {
  std::vector<int64_t> cols;
  for (int64_t c = cb * g.xbar_cols; c < std::min(g.cols, (cb + 1) * g.xbar_cols); ++c) cols.push_back(c);
  return cols;
}

Compaction compact_tiles(const MatrixXf& mask, const LayerGrid& g) {
  Compaction out;
  for (int64_t rb = 0; rb < g.row_blocks(); ++rb) {
    auto rows = block_rows(g, rb);
    for (int64_t cb = 0; cb < g.col_blocks(); ++cb) {
      auto cols = block_cols(g, cb);
      bool any = false;
      for (int64_t r : rows) {
        for (int64_t c : cols)
          if (mask(r, c) != 0) {
            any = true;
            break;
          }
        if (any) break;
      }
      if (any) out.crossbars.push_back({static_cast<int>(rb), static_cast<int>(cb), rows, cols});
    }
  }
  return out;
}

// `v` cut into consecutive pieces of at most `size` elements (one crossbar's worth each).
static std::vector<std::vector<int64_t>> chunks(const std::vector<int64_t>& v, int64_t size) {
  std::vector<std::vector<int64_t>> out;
  for (size_t s = 0; s < v.size(); s += static_cast<size_t>(size))
    out.emplace_back(v.begin() + static_cast<long>(s),
                     v.begin() + static_cast<long>(std::min(v.size(), s + static_cast<size_t>(size))));
  return out;
}

// The columns with a kept cell in `rows`, packed xbar_cols at a time into crossbars on
// those rows (row-block rb); each crossbar's index: rows x row_bits + columns x col_bits.
static void pack_kept_columns(const MatrixXf& mask, const LayerGrid& g, int64_t rb, const std::vector<int64_t>& rows,
                              int row_bits, int col_bits, Compaction& out) {
  std::vector<int64_t> kept;
  for (int64_t c = 0; c < g.cols; ++c)
    if (std::any_of(rows.begin(), rows.end(), [&](int64_t r) { return mask(r, c) != 0; })) kept.push_back(c);
  int ch = 0;
  for (std::vector<int64_t>& cols : chunks(kept, g.xbar_cols)) {
    out.index_bits += static_cast<int64_t>(rows.size()) * row_bits + static_cast<int64_t>(cols.size()) * col_bits;
    out.crossbars.push_back({static_cast<int>(rb), ch++, rows, std::move(cols)});
  }
}

Compaction compact_columns(const MatrixXf& mask, const LayerGrid& g) {
  Compaction out;
  out.col_recombine = true;
  int w = index_bits(g.cols);
  for (int64_t rb = 0; rb < g.row_blocks(); ++rb) {
    pack_kept_columns(mask, g, rb, block_rows(g, rb), 0, w, out);
  }
  return out;
}

Compaction compact_rows(const MatrixXf& mask, const LayerGrid& g, int row_index_bits) {
  Compaction out;
  out.row_gather = true;
  for (int64_t cb = 0; cb < g.col_blocks(); ++cb) {
    auto cols = block_cols(g, cb);
    std::vector<int64_t> kept;  // rows in tiling order with a kept cell in this column block
    for (int64_t p = 0; p < g.rows; ++p) {
      const int64_t r = g.row_at(p);
      if (std::any_of(cols.begin(), cols.end(), [&](int64_t c) { return mask(r, c) != 0; })) kept.push_back(r);
    }
    int ch = 0;
    for (std::vector<int64_t>& rows : chunks(kept, g.xbar_rows)) {
      out.index_bits += static_cast<int64_t>(rows.size()) * row_index_bits;
      out.crossbars.push_back({ch++, static_cast<int>(cb), std::move(rows), cols});
    }
  }
  return out;
}

static std::vector<int64_t> kept_rows_in_order(const MatrixXf& mask, const LayerGrid& g) {
  std::vector<int64_t> rows;
  for (int64_t p = 0; p < g.rows; ++p) {
    int64_t r = g.row_at(p);
    if ((mask.row(r).array() != 0).any()) rows.push_back(r);
  }
  return rows;
}

Compaction compact_retile(const MatrixXf& mask, const LayerGrid& g) {
  Compaction out;
  std::vector<int64_t> rows = kept_rows_in_order(mask, g), cols;
  for (int64_t c = 0; c < g.cols; ++c)
    if ((mask.col(c).array() != 0).any()) cols.push_back(c);
  for (size_t rs = 0, rb = 0; rs < rows.size(); rs += static_cast<size_t>(g.xbar_rows), ++rb)
    for (size_t cs = 0, cb = 0; cs < cols.size(); cs += static_cast<size_t>(g.xbar_cols), ++cb) {
      XbarSlice x;
      x.row_block = static_cast<int>(rb);
      x.col_block = static_cast<int>(cb);
      x.rows.assign(rows.begin() + static_cast<long>(rs),
                    rows.begin() + static_cast<long>(std::min(rows.size(), rs + static_cast<size_t>(g.xbar_rows))));
      x.cols.assign(cols.begin() + static_cast<long>(cs),
                    cols.begin() + static_cast<long>(std::min(cols.size(), cs + static_cast<size_t>(g.xbar_cols))));
      out.crossbars.push_back(std::move(x));
    }
  return out;
}

Compaction compact_pim(const MatrixXf& mask, const LayerGrid& g) {
  Compaction out;
  out.row_gather = true;
  out.col_recombine = true;
  std::vector<int64_t> rows = kept_rows_in_order(mask, g);
  int rw = index_bits(g.rows), cw = index_bits(g.cols);
  for (size_t rs = 0, rb = 0; rs < rows.size(); rs += static_cast<size_t>(g.xbar_rows), ++rb) {
    std::vector<int64_t> brow(
        rows.begin() + static_cast<long>(rs),
        rows.begin() + static_cast<long>(std::min(rows.size(), rs + static_cast<size_t>(g.xbar_rows))));
    pack_kept_columns(mask, g, static_cast<int64_t>(rb), brow, rw, cw, out);
  }
  return out;
}

}  // namespace detail

// ---- parameters ----
namespace {
std::string fmt_num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
}  // namespace

double Granularity::param(const LayerGrid& g, const std::string& name) const {
  auto it = g.params.find(name);
  if (it != g.params.end()) return it->second;
  for (const auto& p : params())
    if (p.name == name) return p.default_value;
  throw std::logic_error("granularity " + this->name() + " has no parameter '" + name + "'");
}

std::map<std::string, double> Granularity::resolve_params(const std::map<std::string, double>& given) const {
  const std::vector<GranularityParam> decl = params();
  std::map<std::string, double> out;
  for (const auto& p : decl) out[p.name] = p.default_value;
  for (const auto& [k, v] : given) {
    auto it = std::find_if(decl.begin(), decl.end(), [&](const GranularityParam& p) { return p.name == k; });
    if (it == decl.end()) {
      std::string names;
      for (const auto& p : decl) names += (names.empty() ? "" : ", ") + p.name;
      throw ConfigError("granularity " + name() + " has no parameter '" + k + "' (" +
                        (names.empty() ? std::string("it has none") : "it has: " + names) + ")");
    }
    if (!(v >= it->min && v <= it->max) || (it->integer && v != std::floor(v)))
      throw ConfigError("granularity parameter " + k + " must be " + (it->integer ? "a whole number " : "") + "in [" +
                        fmt_num(it->min) + ", " + fmt_num(it->max) + "], got " + fmt_num(v));
    out[k] = v;
  }
  check_params(out);
  return out;
}

// ---- registry ----
Registry<Granularity>& granularities() {
  static Registry<Granularity> r("granularity",
                                 [](Registry<Granularity>&) { detail::register_builtin_granularities(); });
  return r;
}

void register_granularity(std::unique_ptr<Granularity> g) { granularities().add(std::move(g)); }

}  // namespace reram::prune
