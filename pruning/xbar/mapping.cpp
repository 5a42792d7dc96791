#include "pruning/xbar/mapping.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "pruning/core/error.h"
#include "pruning/core/int_math.h"
#include "pruning/core/option_table.h"
#include "pruning/core/version.h"

namespace reram {

namespace {

// The stored fields of a mapped layer and of a physical crossbar besides the ones whose
// reading is checked against the network (name, shape, rows/cols ranges): one row each
// drives save_mapping and load_mapping (docs/mapping-format.md).
const std::vector<Option<MappedLayer>>& layer_fields() {
  using L = MappedLayer;
  static const std::vector<Option<L>> rows = {
      option("dense_crossbars", &L::dense_crossbars, "crossbars of the unpruned layer"),
      option("granularity", &L::granularity, "how it was pruned"),
      option("row_gather", &L::row_gather, "word lines fed through an input gather"),
      option("col_recombine", &L::col_recombine, "outputs routed through an output index map"),
      option("index_bits", &L::index_bits, "index memory of the compaction"),
      option("weights_total", &L::weights_total, "structural weights"),
      option("weights_kept", &L::weights_kept, "non-zero weights kept"),
      option("crossbars", &L::crossbars, "ids of its crossbars"),
  };
  return rows;
}

const std::vector<Option<PhysicalCrossbar>>& crossbar_fields() {
  using X = PhysicalCrossbar;
  static const std::vector<Option<X>> rows = {
      option("row_block", &X::row_block, "row in the layer's crossbar grid"),
      option("col_block", &X::col_block, "column in the layer's crossbar grid"),
      option("nonzeros", &X::nonzeros, "non-zero weights stored (-1: unknown)"),
      option("active_ous", &X::active_ous, "operation units holding a weight (-1: unknown)"),
      option("total_ous", &X::total_ous, "operation units of the used region (-1: unknown)"),
      option("tile", &X::tile, "placement: tile"),
      option("pe", &X::pe, "placement: PE of the tile"),
      option("slot", &X::slot, "placement: crossbar of the PE"),
  };
  return rows;
}

// Every field of `table` from the object `r` reads (required; JsonReader::fail on a wrong type).
template <class O>
void read_fields(JsonReader& r, const std::vector<Option<O>>& table, O& x) {
  for (const Option<O>& o : table)
    if (!o.set(x, r.raw(o.key))) r.fail(o.key, "has the wrong type");
}

}  // namespace

namespace {

std::vector<int64_t> iota_range(int64_t b, int64_t e) {
  std::vector<int64_t> v(static_cast<size_t>(e - b));
  for (int64_t i = b; i < e; ++i) v[static_cast<size_t>(i - b)] = i;
  return v;
}

// Index lists are stored as [begin, end) runs: compact for dense and most pruned maps.
json to_ranges(const std::vector<int64_t>& idx) {
  json out = json::array();
  size_t i = 0;
  while (i < idx.size()) {
    size_t j = i + 1;
    while (j < idx.size() && idx[j] == idx[j - 1] + 1) ++j;
    out.push_back({idx[i], idx[j - 1] + 1});
    i = j;
  }
  return out;
}

std::vector<int64_t> from_ranges(const json& r, const std::string& where) {
  std::vector<int64_t> out;
  if (!r.is_array()) throw InputError(where + ": index list must be an array of [begin, end] pairs");
  for (const auto& p : r) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number_integer() || !p[1].is_number_integer())
      throw InputError(where + ": index list must be an array of [begin, end] pairs");
    int64_t b = p[0].get<int64_t>(), e = p[1].get<int64_t>();
    if (b < 0 || e <= b)
      throw InputError(where + ": bad index range [" + std::to_string(b) + ", " + std::to_string(e) + "]");
    for (int64_t i = b; i < e; ++i) out.push_back(i);
  }
  return out;
}

std::string weights_sidecar(const std::string& path) {
  std::string base = path;
  if (base.size() > 5 && base.compare(base.size() - 5, 5, ".json") == 0) base.resize(base.size() - 5);
  return base + ".npz";
}

std::string basename(const std::string& p) {
  auto s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}
}  // namespace

XbarGeometry XbarGeometry::from_arch(const ArchConfig& a) {
  XbarGeometry g;
  g.rows = a.crossbar.rows;
  g.cols = a.crossbar.cols;
  g.cell_bits = a.crossbar.cell_bits;
  g.weight_bits = a.precision.weight_bits;
  g.sign_encoding = a.crossbar.sign_encoding;
  return g;
}

int64_t Mapping::dense_crossbars() const {
  int64_t n = 0;
  for (const auto& l : layers) n += l.dense_crossbars;
  return n;
}

double Mapping::weight_sparsity() const {
  int64_t total = 0, kept = 0;
  for (const auto& l : layers) {
    total += l.weights_total;
    kept += l.weights_kept;
  }
  return total ? 1.0 - static_cast<double>(kept) / static_cast<double>(total) : 0.0;
}

int64_t dense_crossbar_count(const LayerView& v, const XbarGeometry& g) {
  const int64_t xr = g.rows, lc = g.logical_cols();
  if (v.groups == 1) return ceil_div(v.rows, xr) * ceil_div(v.cols, lc);
  if (v.rows_per_group <= xr && v.cols_per_group <= lc) {
    int64_t per = std::min(xr / v.rows_per_group, lc / v.cols_per_group);
    return ceil_div(v.groups, per);
  }
  return v.groups * ceil_div(v.rows_per_group, xr) * ceil_div(v.cols_per_group, lc);
}

namespace {

// Dense tiling of one layer: the crossbar grid (block-diagonal packing for groups).
void tile_dense(Mapping& m, int li) {
  MappedLayer& L = m.layers[static_cast<size_t>(li)];
  const LayerView& v = L.view;
  const int64_t xr = m.geometry.rows, lc = m.geometry.logical_cols();
  auto add = [&](int rb, int cb, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    PhysicalCrossbar x;
    x.id = static_cast<int>(m.crossbars.size());
    x.layer = li;
    x.row_block = rb;
    x.col_block = cb;
    x.rows = iota_range(r0, r1);
    x.cols = iota_range(c0, c1);
    L.crossbars.push_back(x.id);
    m.crossbars.push_back(std::move(x));
  };
  if (v.groups == 1 || !(v.rows_per_group <= xr && v.cols_per_group <= lc)) {
    int64_t rb = ceil_div(v.rows_per_group, xr), cb = ceil_div(v.cols_per_group, lc);
    for (int64_t g = 0; g < v.groups; ++g)
      for (int64_t i = 0; i < rb; ++i)
        for (int64_t j = 0; j < cb; ++j) {
          int64_t r0 = g * v.rows_per_group + i * xr, c0 = g * v.cols_per_group + j * lc;
          add(static_cast<int>(g * rb + i), static_cast<int>(g * cb + j), r0,
              std::min(r0 + xr, (g + 1) * v.rows_per_group), c0, std::min(c0 + lc, (g + 1) * v.cols_per_group));
        }
  } else {
    // Several whole groups per crossbar along the diagonal: distinct rows and columns.
    int64_t per = std::min(xr / v.rows_per_group, lc / v.cols_per_group);
    for (int64_t b = 0; b * per < v.groups; ++b) {
      int64_t g0 = b * per, g1 = std::min<int64_t>(v.groups, g0 + per);
      add(static_cast<int>(b), static_cast<int>(b), g0 * v.rows_per_group, g1 * v.rows_per_group, g0 * v.cols_per_group,
          g1 * v.cols_per_group);
    }
  }
}

}  // namespace

Mapping map_dense(Network input, const ArchConfig& arch) {
  Mapping m;
  m.reram_version = version();
  m.network = std::move(input);
  m.network.fold_batchnorm();
  m.network.remove_inference_noops();
  m.geometry = XbarGeometry::from_arch(arch);
  for (int ni : m.network.weight_layer_indices()) {
    const Layer& layer = m.network.layers[static_cast<size_t>(ni)];
    MappedLayer L;
    L.name = layer.name;
    L.network_layer = ni;
    L.view = layer_view(layer);
    L.dense_crossbars = dense_crossbar_count(L.view, m.geometry);
    L.weights_total = L.view.rows_per_group * L.view.cols_per_group * L.view.groups;
    L.weights_kept = L.weights_total;
    m.layers.push_back(L);
    tile_dense(m, static_cast<int>(m.layers.size()) - 1);
  }
  if (m.network.has_weights()) {
    for (auto& L : m.layers) {  // every weight is one cell of M (off-group cells are structural zeros)
      const LayerMatrixView M(m.network.layers[static_cast<size_t>(L.network_layer)]);
      L.weights_kept = static_cast<int64_t>((M.matrix().array() != 0.0f).count());
    }
  }
  count_occupancy(m, arch.ou_rows_eff(), arch.ou_cols_eff());
  place_crossbars(m, arch);
  return m;
}

void place_crossbars(Mapping& m, const ArchConfig& arch) {
  const int per_pe = arch.pe.crossbars, per_tile = arch.tile.pes;
  int pe_global = 0;
  for (const auto& L : m.layers) {
    int slot = 0;
    for (int id : L.crossbars) {
      PhysicalCrossbar& x = m.crossbars[static_cast<size_t>(id)];
      x.slot = slot;
      x.pe = pe_global % per_tile;
      x.tile = pe_global / per_tile;
      if (++slot == per_pe) {
        slot = 0;
        ++pe_global;
      }
    }
    if (slot != 0) ++pe_global;  // the next layer starts on a fresh PE
  }
  m.pes_used = pe_global;
  m.tiles_used = static_cast<int>(ceil_div(pe_global, per_tile));
  m.arch = arch.to_json();
  if (!arch.chip.tiles_auto && m.tiles_used > arch.chip.tiles) {
    throw ConfigError(arch.source_file + ": network needs " + std::to_string(m.tiles_used) + " tiles (" +
                      std::to_string(m.crossbars.size()) + " crossbars, " + std::to_string(per_pe) + " per PE, " +
                      std::to_string(per_tile) + " PEs per tile) but chip.tiles is " + std::to_string(arch.chip.tiles) +
                      "; use --set chip.tiles=auto or a larger chip.tiles");
  }
}

void count_occupancy(Mapping& m, int ou_rows, int ou_cols) {
  if (!m.network.has_weights()) return;
  const int bpw = m.geometry.slices() * m.geometry.sign_factor();
  std::vector<float> column;
  for (size_t li = 0; li < m.layers.size(); ++li) {
    const MappedLayer& L = m.layers[li];
    const LayerMatrixView M(m.network.layers[static_cast<size_t>(L.network_layer)]);
    for (int id : L.crossbars) {
      PhysicalCrossbar& x = m.crossbars[static_cast<size_t>(id)];
      const int64_t nr = static_cast<int64_t>(x.rows.size()), nc = static_cast<int64_t>(x.cols.size());
      const int64_t our = ceil_div(nr, ou_rows), ouc = ceil_div(nc * bpw, ou_cols);
      // Rows held in order without gaps (every dense and most pruned crossbars) are read
      // straight from the column-major matrix; others are gathered first.
      const bool contiguous =
          nr > 0 && x.rows.back() - x.rows.front() == nr - 1 && std::is_sorted(x.rows.begin(), x.rows.end());
      column.resize(static_cast<size_t>(nr));
      std::vector<char> active(static_cast<size_t>(our * ouc), 0);
      int64_t nz = 0;
      for (int64_t j = 0; j < nc; ++j) {
        const int64_t c = x.cols[static_cast<size_t>(j)];
        const float* v = column.data();
        if (contiguous) {
          v = M.matrix().data() + c * M.matrix().rows() + x.rows.front();
        } else {
          for (int64_t i = 0; i < nr; ++i) column[static_cast<size_t>(i)] = M(x.rows[static_cast<size_t>(i)], c);
        }
        // Bit lines of logical column j: [j*bpw, (j+1)*bpw); the OU columns they touch.
        const int64_t oc0 = j * bpw / ou_cols, oc1 = ((j + 1) * bpw - 1) / ou_cols;
        for (int64_t orow = 0; orow < our; ++orow) {
          const int64_t i1 = std::min(nr, (orow + 1) * ou_rows);
          int64_t block_nz = 0;
          for (int64_t i = orow * ou_rows; i < i1; ++i) block_nz += v[i] != 0.0f;
          if (block_nz == 0) continue;
          nz += block_nz;
          for (int64_t oc = oc0; oc <= oc1; ++oc) active[static_cast<size_t>(orow * ouc + oc)] = 1;
        }
      }
      x.nonzeros = nz;
      x.total_ous = our * ouc;
      x.active_ous = std::count(active.begin(), active.end(), 1);
    }
  }
}

namespace {

// Calls f(crossbar id, held row i, bit line p, stored level) for every cell of every
// crossbar, with the weights quantised as the functional model quantises them
// (quantize_weights: symmetric per layer, round to nearest even, offset or differential
// encoding, cell_bits slices; bit line p = j * slices * sf + k * sf + sign, as
// FunctionalModel programs them). Returns false (and calls nothing) without weights.
template <class F>
bool for_each_stored_level(const Mapping& m, F f) {
  if (!m.network.has_weights()) return false;
  const XbarGeometry& g = m.geometry;
  const int cb = g.cell_bits, slices = g.slices(), sf = g.sign_factor();
  const int64_t level_max = (int64_t{1} << cb) - 1, qmax = (int64_t{1} << (g.weight_bits - 1)) - 1;
  const int64_t O = int64_t{1} << (g.weight_bits - 1);
  const int64_t bpw = int64_t{slices} * sf;
  for (const MappedLayer& L : m.layers) {
    const LayerMatrixView M(m.network.layers[static_cast<size_t>(L.network_layer)]);
    const double max_abs = M.matrix().size() ? static_cast<double>(M.matrix().cwiseAbs().maxCoeff()) : 0.0;
    const double inv = 1.0 / (max_abs > 0 ? max_abs / static_cast<double>(qmax) : 1.0);
    for (int id : L.crossbars) {
      const PhysicalCrossbar& x = m.crossbars[static_cast<size_t>(id)];
      for (size_t j = 0; j < x.cols.size(); ++j)
        for (size_t i = 0; i < x.rows.size(); ++i) {
          const double w = static_cast<double>(M(x.rows[i], x.cols[j]));
          const auto q = static_cast<int64_t>(
              std::clamp(std::nearbyint(w * inv), -static_cast<double>(qmax), static_cast<double>(qmax)));
          for (int s = 0; s < sf; ++s) {
            // Offset: one stored code q + O; differential: the positive and negative parts.
            const int64_t stored = sf == 1 ? q + O : (s == 0 ? std::max<int64_t>(q, 0) : std::max<int64_t>(-q, 0));
            for (int k = 0; k < slices; ++k)
              f(id, static_cast<int64_t>(i), static_cast<int64_t>(j) * bpw + int64_t{k} * sf + s,
                (stored >> (k * cb)) & level_max);
          }
        }
    }
  }
  return true;
}

}  // namespace

std::vector<double> crossbar_level_fractions(const Mapping& m) {
  std::vector<double> levels(m.crossbars.size(), 0.0);
  if (!for_each_stored_level(m, [&](int id, int64_t, int64_t, int64_t level) {
        levels[static_cast<size_t>(id)] += static_cast<double>(level);
      }))
    return {};
  const XbarGeometry& g = m.geometry;
  const double level_max = static_cast<double>((int64_t{1} << g.cell_bits) - 1);
  for (const PhysicalCrossbar& x : m.crossbars) {
    const double cells =
        static_cast<double>(x.rows.size()) * static_cast<double>(x.cols.size()) * g.slices() * g.sign_factor();
    double& v = levels[static_cast<size_t>(x.id)];
    v = cells > 0 ? v / (cells * level_max) : 0.0;
  }
  return levels;
}

std::vector<double> crossbar_max_reads(const Mapping& m, int ou_rows, int dac_bits) {
  const int64_t group = std::max(1, ou_rows);
  const double dac_max = static_cast<double>((int64_t{1} << dac_bits) - 1);
  const int64_t bpw = int64_t{m.geometry.slices()} * m.geometry.sign_factor();
  // The cells come column slot by column slot, rows in order: the level sums of one slot's
  // bit lines over one group of rows are complete when the slot or the group changes.
  std::vector<double> out(m.crossbars.size(), 0.0), sums(static_cast<size_t>(bpw), 0.0);
  int cur_id = -1;
  int64_t cur_j = -1, cur_g = -1;
  auto flush = [&] {
    if (cur_id < 0) return;
    double& o = out[static_cast<size_t>(cur_id)];
    for (double& v : sums) o = std::max(o, v * dac_max), v = 0.0;
  };
  if (!for_each_stored_level(m, [&](int id, int64_t i, int64_t p, int64_t level) {
        if (id != cur_id || p / bpw != cur_j || i / group != cur_g) {
          flush();
          cur_id = id, cur_j = p / bpw, cur_g = i / group;
        }
        sums[static_cast<size_t>(p % bpw)] += static_cast<double>(level);
      }))
    return {};
  flush();
  return out;
}

std::vector<int> crossbar_adc_bits(const Mapping& m, int ou_rows, int dac_bits) {
  std::vector<int> bits;
  for (double r : crossbar_max_reads(m, ou_rows, dac_bits)) bits.push_back(lossless_bits(r));
  return bits;
}

int lossless_bits(double max_read) {
  return std::max(1, static_cast<int>(std::ceil(std::log2(std::max(0.0, max_read) + 1.0) - 1e-12)));
}

namespace {
json geometry_json(const XbarGeometry& g) {
  return {{"rows", g.rows},
          {"cols", g.cols},
          {"cell_bits", g.cell_bits},
          {"weight_bits", g.weight_bits},
          {"sign_encoding", to_string(g.sign_encoding)},
          {"slices", g.slices()},
          {"logical_cols", g.logical_cols()}};
}
}  // namespace

void save_mapping(const Mapping& m, const std::string& path) {
  json j;
  j["format"] = "reram-mapping";
  j["format_version"] = m.format_version;
  j["reram_version"] = m.reram_version.empty() ? version() : m.reram_version;
  const auto& g = m.geometry;
  j["geometry"] = geometry_json(g);
  std::string weights;
  if (m.network.has_weights()) {
    std::string npz = weights_sidecar(path);
    write_npz_atomic(npz, weights_to_npz(m.network));
    weights = basename(npz);
  }
  j["network"] = network_to_json(m.network, weights);
  j["pruning"] = m.pruning;
  j["arch"] = m.arch;
  j["summary"] = {{"dense_crossbars", m.dense_crossbars()},
                  {"occupied_crossbars", m.occupied_crossbars()},
                  {"compression_rate",
                   m.occupied_crossbars() ? static_cast<double>(m.dense_crossbars()) / m.occupied_crossbars() : 0.0},
                  {"weight_sparsity", m.weight_sparsity()},
                  {"tiles_used", m.tiles_used},
                  {"pes_used", m.pes_used}};
  json layers = json::array();
  for (const auto& L : m.layers) {
    json l = {{"name", L.name},
              {"network_layer", L.network_layer},
              {"rows", L.view.rows},
              {"cols", L.view.cols},
              {"groups", L.view.groups},
              {"rows_per_group", L.view.rows_per_group},
              {"cols_per_group", L.view.cols_per_group},
              {"kernel_area", L.view.kernel_area},
              {"output_positions", L.view.output_positions}};
    l.update(options_json(layer_fields(), L));
    layers.push_back(std::move(l));
  }
  j["layers"] = layers;
  json xs = json::array();
  for (const auto& x : m.crossbars) {
    json j = {{"id", x.id}, {"layer", x.layer}, {"rows", to_ranges(x.rows)}, {"cols", to_ranges(x.cols)}};
    j.update(options_json(crossbar_fields(), x));
    xs.push_back(std::move(j));
  }
  j["crossbars"] = xs;
  write_file_atomic(path, j.dump() + "\n");
}

Mapping load_mapping(const std::string& path) {
  json j = load_json_file(path);
  JsonReader r(j, path);
  Mapping m;
  if (r.req<std::string>("format") != "reram-mapping") r.fail("format", "must be \"reram-mapping\"");
  m.format_version = r.req<int>("format_version");
  if (m.format_version != kMappingFormatVersion)
    r.fail("format_version", "is " + std::to_string(m.format_version) + "; this reram reads version " +
                                 std::to_string(kMappingFormatVersion));
  m.reram_version = r.req<std::string>("reram_version");
  {
    JsonReader g = r.child("geometry");
    m.geometry.rows = g.req<int>("rows");
    m.geometry.cols = g.req<int>("cols");
    m.geometry.cell_bits = g.req<int>("cell_bits");
    m.geometry.weight_bits = g.req<int>("weight_bits");
    std::string enc = g.req<std::string>("sign_encoding");
    if (enc == "offset")
      m.geometry.sign_encoding = SignEncoding::Offset;
    else if (enc == "differential")
      m.geometry.sign_encoding = SignEncoding::Differential;
    else
      g.fail("sign_encoding", "must be offset or differential");
    g.opt<int>("slices", 0);
    g.opt<int>("logical_cols", 0);
    g.finish();
    // Bit widths first: logical_cols() divides by the slice count (fuzzing: weight_bits 0
    // divided by zero).
    if (m.geometry.weight_bits < 1 || m.geometry.weight_bits > 64)
      g.fail("weight_bits", "must be in [1, 64] (got " + std::to_string(m.geometry.weight_bits) + ")");
    if (m.geometry.cell_bits < 1 || m.geometry.cell_bits > m.geometry.weight_bits)
      g.fail("cell_bits", "must be in [1, weight_bits] (got " + std::to_string(m.geometry.cell_bits) + ")");
    if (m.geometry.rows <= 0 || m.geometry.cols <= 0 || m.geometry.logical_cols() <= 0)
      g.fail("rows", "geometry is impossible");
  }
  m.network = network_from_json(r.raw("network"), path);
  m.pruning = r.opt<json>("pruning", json::object());
  m.arch = r.opt<json>("arch", json::object());
  r.opt<json>("summary", json::object());
  const json& layers = r.raw("layers");
  for (size_t i = 0; i < layers.size(); ++i) {
    JsonReader lr(layers[i], path + ": layers[" + std::to_string(i) + "]");
    MappedLayer L;
    L.name = lr.req<std::string>("name");
    L.network_layer = lr.req<int>("network_layer");
    if (L.network_layer < 0 || L.network_layer >= static_cast<int>(m.network.layers.size()) ||
        m.network.layers[static_cast<size_t>(L.network_layer)].name != L.name ||
        !m.network.layers[static_cast<size_t>(L.network_layer)].is_weight_layer())
      lr.fail("network_layer", "does not name conv/linear layer '" + L.name + "' of the embedded network");
    L.view = layer_view(m.network.layers[static_cast<size_t>(L.network_layer)]);
    for (const char* k :
         {"rows", "cols", "groups", "rows_per_group", "cols_per_group", "kernel_area", "output_positions"})
      lr.req<int64_t>(k);
    if (lr.req<int64_t>("rows") != L.view.rows || lr.req<int64_t>("cols") != L.view.cols)
      lr.fail("rows", "disagrees with the shape of layer '" + L.name + "'");
    read_fields(lr, layer_fields(), L);
    lr.finish();
    m.layers.push_back(std::move(L));
  }
  const json& xs = r.raw("crossbars");
  for (size_t i = 0; i < xs.size(); ++i) {
    std::string where = path + ": crossbars[" + std::to_string(i) + "]";
    JsonReader xr(xs[i], where);
    PhysicalCrossbar x;
    x.id = xr.req<int>("id");
    if (x.id != static_cast<int>(i)) xr.fail("id", "must equal its position in the list");
    x.layer = xr.req<int>("layer");
    if (x.layer < 0 || x.layer >= static_cast<int>(m.layers.size())) xr.fail("layer", "is out of range");
    read_fields(xr, crossbar_fields(), x);
    x.rows = from_ranges(xr.raw("rows"), where + ".rows");
    x.cols = from_ranges(xr.raw("cols"), where + ".cols");
    const LayerView& v = m.layers[static_cast<size_t>(x.layer)].view;
    if (static_cast<int64_t>(x.rows.size()) > m.geometry.rows)
      xr.fail("rows", "uses " + std::to_string(x.rows.size()) + " word lines; the crossbar has " +
                          std::to_string(m.geometry.rows));
    if (static_cast<int64_t>(x.cols.size()) > m.geometry.logical_cols())
      xr.fail("cols", "uses " + std::to_string(x.cols.size()) + " logical columns; the crossbar holds " +
                          std::to_string(m.geometry.logical_cols()));
    if (!x.rows.empty() && *std::max_element(x.rows.begin(), x.rows.end()) >= v.rows)
      xr.fail("rows", "index beyond the layer's rows");
    if (!x.cols.empty() && *std::max_element(x.cols.begin(), x.cols.end()) >= v.cols)
      xr.fail("cols", "index beyond the layer's columns");
    xr.finish();
    m.crossbars.push_back(std::move(x));
  }
  r.finish();
  for (const auto& L : m.layers)
    for (int id : L.crossbars)
      if (id < 0 || id >= static_cast<int>(m.crossbars.size()) ||
          m.layers[static_cast<size_t>(m.crossbars[static_cast<size_t>(id)].layer)].name != L.name)
        throw InputError(path + ": layer '" + L.name + "' lists crossbar " + std::to_string(id) +
                         " that is not its own");
  int max_tile = -1, pes = 0;
  for (const auto& x : m.crossbars) max_tile = std::max(max_tile, x.tile);
  m.tiles_used = max_tile + 1;
  {
    std::vector<std::pair<int, int>> seen;
    for (const auto& x : m.crossbars) seen.emplace_back(x.tile, x.pe);
    std::sort(seen.begin(), seen.end());
    pes = static_cast<int>(std::unique(seen.begin(), seen.end()) - seen.begin());
  }
  m.pes_used = pes;
  return m;
}

MatrixXf expand_layer(const Mapping& m, int li) {
  const MappedLayer& L = m.layers.at(static_cast<size_t>(li));
  MatrixXf W = layer_matrix(m.network.layers[static_cast<size_t>(L.network_layer)]);
  MatrixXf out = MatrixXf::Zero(L.view.rows, L.view.cols);
  for (int id : L.crossbars) {
    const PhysicalCrossbar& x = m.crossbars[static_cast<size_t>(id)];
    for (int64_t r : x.rows)
      for (int64_t c : x.cols)
        if (L.view.structural(r, c)) out(r, c) = W(r, c);
  }
  return out;
}

namespace {
// Cells of a layer's crossbars that hold a (structural) weight, per slice.
template <class Layer>
int64_t used_cells(const Mapping& m, const Layer& L) {
  int64_t used = 0;
  for (int id : L.crossbars) {
    const auto& x = m.crossbars[static_cast<size_t>(id)];
    if (L.view.groups == 1) {
      used += static_cast<int64_t>(x.rows.size() * x.cols.size());
    } else {
      for (int64_t r : x.rows)
        for (int64_t c : x.cols) used += L.view.structural(r, c);
    }
  }
  return used;
}

double total_utilization(const Mapping& m) {
  const auto& g = m.geometry;
  int64_t used = 0;
  for (const auto& L : m.layers) used += used_cells(m, L);
  const double cells = static_cast<double>(g.rows) * g.cols * static_cast<double>(m.crossbars.size());
  return cells > 0 ? used * static_cast<double>(g.slices() * g.sign_factor()) / cells : 0.0;
}
}  // namespace

json mapping_report(const Mapping& m) {
  json j;
  j["reram_version"] = version();
  j["network"] = m.network.name;
  j["network_file"] = m.network.source_file;
  const auto& g = m.geometry;
  j["geometry"] = geometry_json(g);
  j["crossbars"] = m.occupied_crossbars();
  j["dense_crossbars"] = m.dense_crossbars();
  j["tiles"] = m.tiles_used;
  j["pes"] = m.pes_used;
  j["weights"] = m.network.weight_count();
  j["macs"] = m.network.macs();
  const double cells = static_cast<double>(g.rows) * g.cols;
  const int bpw = g.slices() * g.sign_factor();
  json layers = json::array();
  int64_t used_total = 0;
  for (const auto& L : m.layers) {
    const int64_t used = used_cells(m, L) * bpw;
    used_total += used;
    int64_t n = static_cast<int64_t>(L.crossbars.size());
    layers.push_back({{"name", L.name},
                      {"rows", L.view.rows},
                      {"cols", L.view.cols},
                      {"groups", L.view.groups},
                      {"slices", g.slices()},
                      {"crossbars", n},
                      {"dense_crossbars", L.dense_crossbars},
                      {"utilization", n ? used / (cells * n) : 0.0},
                      {"weights", L.weights_total}});
  }
  j["layers"] = layers;
  j["utilization"] = m.crossbars.empty() ? 0.0 : used_total / (cells * static_cast<double>(m.crossbars.size()));
  j["warnings"] = mapping_warnings(m);
  j["arch"] = m.arch;
  return j;
}

std::vector<std::string> mapping_warnings(const Mapping& m) {
  std::vector<std::string> w;
  const auto& g = m.geometry;
  if (m.layers.empty() || m.crossbars.empty()) return w;
  int64_t max_rows = 0, max_cols = 0;
  for (const auto& L : m.layers) {
    max_rows = std::max<int64_t>(max_rows, L.view.rows);
    max_cols = std::max<int64_t>(max_cols, L.view.cols);
  }
  if (max_rows < g.rows && max_cols < g.logical_cols())
    w.push_back("the " + std::to_string(g.rows) + "x" + std::to_string(g.cols) + " crossbar (" +
                std::to_string(g.rows) + " rows x " + std::to_string(g.logical_cols()) +
                " weight columns) is larger than every layer (at most " + std::to_string(max_rows) + " rows, " +
                std::to_string(max_cols) + " columns): most of each crossbar stays empty");
  const double u = total_utilization(m);
  if (u < kLowUtilization) {
    std::ostringstream s;
    s << "the crossbars hold " << std::fixed << std::setprecision(u < 0.001 ? 4 : 1) << 100.0 * u
      << "% of their cells (below " << std::setprecision(0) << 100.0 * kLowUtilization
      << "%): the geometry wastes most of the array";
    w.push_back(s.str());
  }
  return w;
}

std::string mapping_table(const Mapping& m) {
  json r = mapping_report(m);
  std::ostringstream s;
  s << "network " << m.network.name << " on " << m.geometry.rows << "x" << m.geometry.cols << " crossbars ("
    << m.geometry.cell_bits << "-bit cells, " << m.geometry.weight_bits << "-bit weights, "
    << to_string(m.geometry.sign_encoding) << ", " << m.geometry.slices() << " slices)\n";
  s << std::left << std::setw(24) << "layer" << std::right << std::setw(9) << "rows" << std::setw(9) << "cols"
    << std::setw(7) << "groups" << std::setw(11) << "crossbars" << std::setw(13) << "utilization"
    << "\n";
  for (const auto& l : r["layers"]) {
    s << std::left << std::setw(24) << l["name"].get<std::string>() << std::right << std::setw(9)
      << l["rows"].get<int64_t>() << std::setw(9) << l["cols"].get<int64_t>() << std::setw(7) << l["groups"].get<int>()
      << std::setw(11) << l["crossbars"].get<int64_t>() << std::setw(12) << std::fixed << std::setprecision(1)
      << 100.0 * l["utilization"].get<double>() << "%\n";
  }
  s << "total: " << r["crossbars"].get<int64_t>() << " crossbars (dense " << r["dense_crossbars"].get<int64_t>()
    << "), " << m.pes_used << " PEs, " << m.tiles_used << " tiles, " << r["weights"].get<int64_t>()
    << " weights, utilization " << std::fixed << std::setprecision(1) << 100.0 * r["utilization"].get<double>()
    << "%\n";
  return s.str();
}

}  // namespace reram
