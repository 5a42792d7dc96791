// The workload: what every mapped layer does per input vector (crossbar groups, fetches,
// packets, dependencies, action counts; docs/simulator.md), built from the mapping and the
// arch config in stages, one member function each.
#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <tuple>

#include "pruning/core/error.h"
#include "pruning/core/int_math.h"
#include "sim/dynamic.h"
#include "sim/model.h"

namespace reram::sim {

namespace {

// Counts `n` actions per vector of layer `lw` on block `r` (and in the layer's
// per-component breakdown), each costing `e_pj`.
void add_action(LayerWork& lw, const BlockRef& r, double n, double e_pj) {
  lw.actions_per_vector[r.name()] += n;
  lw.energy_per_vector[r.name()] += n * e_pj;
  if (n != 0.0) {
    lw.block_actions_per_vector[r] += n;
    lw.block_energy_per_vector[r] += n * e_pj;
  }
}

BlockRef tile_block(int tile, const std::string& c) {
  BlockRef r;
  r.level = BlockRef::kTile;
  r.tile = tile;
  r.component = component_id(c);
  return r;
}

BlockRef chip_block(const std::string& c) {
  BlockRef r;
  r.component = component_id(c);
  return r;
}

BlockRef router_block(int router) {
  BlockRef r;
  r.level = BlockRef::kRouter;
  r.router = router;
  static const int id = component_id("router");
  r.component = id;
  return r;
}

// A stored index field: at least 1 bit, even for one item.
int64_t index_width(int64_t range) { return std::max<int64_t>(1, index_bits(range)); }

BlockRef pe_block(int tile, int pe, int component) {
  BlockRef r;
  r.level = BlockRef::kPe;
  r.tile = tile;
  r.pe = pe;
  r.component = component;
  return r;
}
BlockRef pe_block(int tile, int pe, const std::string& c) { return pe_block(tile, pe, component_id(c)); }

// The per-crossbar actions of one layer, summed per PE and per component in crossbar order
// (the sums add_action would make, crossbar by crossbar), then written into the layer.
class PeActions {
 public:
  enum Slot {
    kCrossbar,
    kDac,
    kSampleHold,
    kAdc,
    kAdcMux,
    kShiftAdd,
    kInputRegister,
    kOutputRegister,
    kPeController,
    kInputGather,
    kIndexMemory,
    kOutputRecombine,
    kSlots
  };
  struct Sums {
    double n[kSlots] = {}, e[kSlots] = {};
    bool nonzero[kSlots] = {};
  };
  explicit PeActions(const ArchConfig& a) : a_(a) {
    for (int s = 0; s < kSlots; ++s) id_[s] = component_id(kName[s]);
  }
  Sums& of(int tile, int pe) {
    if (tile != last_tile_ || pe != last_pe_ || !last_) {
      last_ = &pes_[{tile, pe}];
      last_tile_ = tile;
      last_pe_ = pe;
    }
    return *last_;
  }
  // The component's energy per action (its tech entry, looked up once).
  double per_action(Slot s) {
    if (!known_[s]) {
      per_action_[s] = a_.tech(kName[s]).energy_pj;
      known_[s] = true;
    }
    return per_action_[s];
  }
  void add(Sums& pe, Slot s, double n, double e_pj) {
    used_[s] = true;
    n_[s] += n;
    e_[s] += n * e_pj;
    if (n != 0.0) {
      pe.nonzero[s] = true;
      pe.n[s] += n;
      pe.e[s] += n * e_pj;
    }
  }
  void write(LayerWork& lw) const {
    for (int s = 0; s < kSlots; ++s) {
      if (!used_[s]) continue;
      lw.actions_per_vector[kName[s]] += n_[s];
      lw.energy_per_vector[kName[s]] += e_[s];
    }
    for (const auto& [at, sums] : pes_)
      for (int s = 0; s < kSlots; ++s) {
        if (!sums.nonzero[s]) continue;
        const BlockRef r = pe_block(at.first, at.second, id_[s]);
        lw.block_actions_per_vector[r] += sums.n[s];
        lw.block_energy_per_vector[r] += sums.e[s];
      }
  }

 private:
  static constexpr const char* kName[kSlots] = {"crossbar",      "dac",          "sample_hold",    "adc",
                                                "adc_mux",       "shift_add",    "input_register", "output_register",
                                                "pe_controller", "input_gather", "index_memory",   "output_recombine"};
  const ArchConfig& a_;
  int id_[kSlots] = {};
  double per_action_[kSlots] = {};
  bool known_[kSlots] = {};
  double n_[kSlots] = {}, e_[kSlots] = {};
  bool used_[kSlots] = {};
  std::map<std::pair<int, int>, Sums> pes_;
  Sums* last_ = nullptr;
  int last_tile_ = -1, last_pe_ = -1;
};

// Which weight layer computes each network layer's output: a weight layer itself; a
// non-weight layer runs on the home tiles of the weight layer feeding its first input
// computed on chip (-1: only the network input).
struct Hosts {
  std::map<std::string, int> mapped;  // weight layer name -> mapping index
  std::map<std::string, int> host;
};

Hosts compute_hosts(const Mapping& m) {
  Hosts h;
  for (size_t i = 0; i < m.layers.size(); ++i) h.mapped[m.layers[i].name] = static_cast<int>(i);
  for (const Layer& l : m.network.layers) {
    auto it = h.mapped.find(l.name);
    if (it != h.mapped.end()) {
      h.host[l.name] = it->second;
    } else if (l.is_weight_layer()) {
      throw InputError("mapping: weight layer '" + l.name + "' of the network has no mapped crossbars");
    } else {
      // The first input computed on chip (a residual stream that starts at the network
      // input, as in BERT, runs where its other operand is computed).
      int host = -1;
      for (const std::string& in : l.inputs)
        if (in != "input" && h.host.at(in) >= 0) {
          host = h.host.at(in);
          break;
        }
      h.host[l.name] = host;
    }
  }
  return h;
}

// The last (raster-order) vector of every producer weight layer (or pixel of the network
// input, key -1) that output pixel (iy, ix) of layer `name` depends on.
void trace(const Network& net, const Hosts& h, const std::string& name, int64_t iy, int64_t ix,
           std::map<int, int64_t>& out) {
  auto bump = [&](int k, int64_t v) {
    auto it = out.find(k);
    if (it == out.end() || it->second < v) out[k] = v;
  };
  if (name == "input") {
    int64_t W = net.input.flat ? 1 : net.input.w;
    bump(-1, iy * W + ix);
    return;
  }
  const Layer& l = net.layer(name);
  auto mi = h.mapped.find(name);
  if (mi != h.mapped.end()) {
    bump(mi->second, iy * l.out_shape.w + ix);
    return;
  }
  auto clampi = [](int64_t v, int64_t hi) { return std::max<int64_t>(0, std::min(v, hi)); };
  switch (l.kind) {
    case LayerKind::MaxPool:
    case LayerKind::AvgPool: {
      const Shape& in = l.in_shapes[0];
      int64_t y = clampi(iy * l.stride_h - l.pad_top + int64_t(l.kernel_h - 1) * l.dilation_h, in.h - 1);
      int64_t x = clampi(ix * l.stride_w - l.pad_left + int64_t(l.kernel_w - 1) * l.dilation_w, in.w - 1);
      trace(net, h, l.inputs[0], y, x, out);
      return;
    }
    case LayerKind::GlobalAvgPool:
    case LayerKind::Flatten: {
      const Shape& in = l.in_shapes[0];
      trace(net, h, l.inputs[0], in.h - 1, in.w - 1, out);
      return;
    }
    case LayerKind::MatMul:  // a query token needs every key / value token
      trace(net, h, l.inputs[0], iy, ix, out);
      trace(net, h, l.inputs[1], l.in_shapes[1].h - 1, l.in_shapes[1].w - 1, out);
      return;
    case LayerKind::ClassToken: {  // token p is input position p - 1 (token 0 is the constant)
      const Shape& in = l.in_shapes[0];
      int64_t p = std::max<int64_t>(0, iy * l.out_shape.w + ix - 1);
      trace(net, h, l.inputs[0], p / in.w, p % in.w, out);
      return;
    }
    case LayerKind::SelectToken: {
      const Shape& in = l.in_shapes[0];
      trace(net, h, l.inputs[0], l.token_index / in.w, l.token_index % in.w, out);
      return;
    }
    default:
      for (size_t i = 0; i < l.inputs.size(); ++i) {
        const Shape& in = l.in_shapes[i];
        trace(net, h, l.inputs[i], std::min(iy, in.h - 1), std::min(ix, in.w - 1), out);
      }
  }
}

class WorkloadBuilder {
 public:
  WorkloadBuilder(const Mapping& m, const ArchConfig& a, std::vector<std::string>& warnings)
      : m(m),
        a(a),
        warnings(warnings),
        t(timing_params(a)),
        net(m.network),
        bpw(a.bitlines_per_weight()),
        S(a.input_steps()),
        ou(a.ou_rows_eff() < a.crossbar.rows || a.ou_cols_eff() < a.crossbar.cols),
        act_bits(a.precision.activation_bits) {}

  Workload build(const std::map<std::string, double>& input_density) {
    read_densities(input_density);
    check_placement();
    hosts = compute_hosts(m);
    w.input_bits_per_image = net.input.numel() * a.precision.input_bits;
    w.input_pixels_per_image = net.input.flat ? 1 : net.input.h * net.input.w;
    w.pe_crossbars.assign(static_cast<size_t>(w.tiles_used), std::vector<int>(static_cast<size_t>(a.tile.pes), 0));
    for (const auto& x : m.crossbars) w.pe_crossbars[static_cast<size_t>(x.tile)][static_cast<size_t>(x.pe)] += 1;
    w.level_fractions = crossbar_level_fractions(m);
    size_adcs();
    count_instances();
    crossbar_energies();
    w.layers.resize(m.layers.size());
    for (size_t li = 0; li < m.layers.size(); ++li) weight_layer(li);
    digital_work();
    data_movement();
    router_actions();
    return std::move(w);
  }

 private:
  // Every action is counted twice: per component (the layer's breakdown) and by the block
  // that performs it (which the energy model reads back), at its component's energy.
  void act(LayerWork& lw, const BlockRef& r, double n) const { add_action(lw, r, n, a.tech(r.name()).energy_pj); }

  // Measured input bit densities per mapped layer (< 0: the models' default).
  void read_densities(const std::map<std::string, double>& input_density) {
    layer_density.assign(m.layers.size(), -1.0);
    for (const auto& [name, d] : input_density) {
      size_t li = 0;
      while (li < m.layers.size() && m.layers[li].name != name) ++li;
      if (li == m.layers.size())
        throw InputError("input bit density given for layer '" + name + "', which the mapping does not have");
      if (!(d >= 0.0 && d <= 1.0))
        throw InputError("input bit density of layer '" + name + "' must be in [0, 1] (got " + std::to_string(d) + ")");
      layer_density[li] = d;
    }
  }

  // The mapping must have been made and placed for this arch.
  void check_placement() {
    XbarGeometry g = XbarGeometry::from_arch(a);
    const XbarGeometry& mg = m.geometry;
    if (g.rows != mg.rows || g.cols != mg.cols || g.cell_bits != mg.cell_bits || g.weight_bits != mg.weight_bits ||
        g.sign_encoding != mg.sign_encoding) {
      std::ostringstream s;
      s << "mapping was made for " << mg.rows << "x" << mg.cols << " crossbars, " << mg.cell_bits << "-bit cells, "
        << mg.weight_bits << "-bit weights, " << to_string(mg.sign_encoding) << " encoding but the arch config ("
        << a.source_file << ") has " << g.rows << "x" << g.cols << ", " << g.cell_bits << "-bit cells, "
        << g.weight_bits << "-bit weights, " << to_string(g.sign_encoding) << "; re-map for this arch";
      throw InputError(s.str());
    }
    int max_tile = -1;
    for (const auto& x : m.crossbars) {
      if (x.tile < 0 || x.pe < 0 || x.slot < 0)
        throw InputError("mapping: crossbar " + std::to_string(x.id) + " is not placed (tile/pe/slot missing)");
      if (x.pe >= a.tile.pes || x.slot >= a.pe.crossbars)
        throw InputError("mapping: crossbar " + std::to_string(x.id) + " is placed on PE " + std::to_string(x.pe) +
                         " slot " + std::to_string(x.slot) + " but the arch config (" + a.source_file + ") has " +
                         std::to_string(a.tile.pes) + " PEs per tile and " + std::to_string(a.pe.crossbars) +
                         " crossbars per PE; re-map for this arch");
      max_tile = std::max(max_tile, x.tile);
      pes.insert({x.tile, x.pe});
    }
    w.tiles_used = max_tile + 1;
    w.pes_used = static_cast<int64_t>(pes.size());
    if (!a.chip.tiles_auto && w.tiles_used > a.chip.tiles)
      throw ConfigError("the mapping uses " + std::to_string(w.tiles_used) + " tiles but chip.tiles is " +
                        std::to_string(a.chip.tiles) + " in " + a.source_file +
                        "; use --set chip.tiles=auto or a larger chip.tiles");
    for (const auto& s : a.warnings()) warnings.push_back(s);
  }

  // Blocks that exist: per occupied crossbar its array, DACs, S&H, ADCs and mux; per
  // used PE its shift-and-add units, registers and controller; per used tile its buffer,
  // bus, digital units, output register and controller; every used router; the chip's.
  void count_instances() {
    using cost::Level;
    for (const cost::ComponentInfo& c : cost::components()) {
      if (c.level != Level::Pe) continue;
      const double n = c.instances(a);
      const int id = component_id(c.name);
      if (c.per_crossbar) {
        // n / crossbars per PE for each of its crossbars (added one by one, as a walk over
        // the crossbars would, so the sums do not depend on how they are counted).
        const double each = n / a.pe.crossbars;
        for (size_t tile = 0; tile < w.pe_crossbars.size(); ++tile)
          for (size_t pe = 0; pe < w.pe_crossbars[tile].size(); ++pe) {
            const int k = w.pe_crossbars[tile][pe];
            if (k == 0) continue;
            double v = 0;
            for (int i = 0; i < k; ++i) v += each;
            w.block_instances[pe_block(static_cast<int>(tile), static_cast<int>(pe), id)] += v;
          }
      } else if (n > 0) {
        for (const auto& [tile, pe] : pes) w.block_instances[pe_block(tile, pe, id)] += n;
      }
    }
    std::set<int> routers;
    ng = noc_geometry(a, a.chip.tiles_auto ? w.tiles_used : a.chip.tiles);
    for (int tile = 0; tile < w.tiles_used; ++tile) routers.insert(ng.router_of(tile));
    w.routers_used.assign(routers.begin(), routers.end());
    for (const cost::ComponentInfo& c : cost::components()) {
      const double n = c.instances(a);
      if (c.level == Level::Tile)
        for (int tile = 0; tile < w.tiles_used; ++tile) w.block_instances[tile_block(tile, c.name)] += n;
      if (c.level == Level::Chip && n > 0) w.block_instances[chip_block(c.name)] += n;
    }
    for (int r : routers) w.block_instances[router_block(r)] = 1.0;
  }

  // precision.adc_bits "per_crossbar": each crossbar's ADCs at the smallest resolution
  // lossless for what it stores; crossbars sharing ADCs through a mux (pe.adc_share) share
  // the largest of theirs.
  void size_adcs() {
    if (!a.precision.adc_bits_per_crossbar) return;
    const std::vector<int> own = crossbar_adc_bits(m, a.ou_rows_eff(), a.precision.dac_bits);
    if (own.empty())
      throw InputError(std::string("precision.adc_bits \"per_crossbar\" in ") + a.source_file +
                       " sizes each crossbar's ADC from the weights it stores, but the mapping of '" + net.name +
                       "' carries none (map or prune with weights)");
    std::map<std::tuple<int, int, int>, int> shared;
    for (const PhysicalCrossbar& x : m.crossbars) {
      int& b = shared[{x.tile, x.pe, x.slot / a.pe.adc_share}];
      b = std::max(b, own[static_cast<size_t>(x.id)]);
    }
    xbar_adc_bits.resize(m.crossbars.size());
    for (const PhysicalCrossbar& x : m.crossbars) {
      const int b = shared[{x.tile, x.pe, x.slot / a.pe.adc_share}];
      xbar_adc_bits[static_cast<size_t>(x.id)] = b;
      ++w.adc_bits_crossbars[b];
      if (!adc_at_bits.count(b)) adc_at_bits[b] = a.adc_tech_at_bits(b);
    }
    // Each crossbar's share of its PE's ADCs, at its resolution (area and leakage).
    const double each = cost::component("adc").instances(a) / a.pe.crossbars;
    const int id = component_id("adc");
    for (const PhysicalCrossbar& x : m.crossbars) {
      const ComponentTech& t = adc_at_bits[xbar_adc_bits[static_cast<size_t>(x.id)]];
      w.block_area_mm2[pe_block(x.tile, x.pe, id)] += each * t.area_mm2;
      w.block_leakage_mw[pe_block(x.tile, x.pe, id)] += each * t.leakage_mw;
    }
  }

  void crossbar_energies() {
    // The crossbar's energy per cell read may depend on the conductances each crossbar
    // holds (a data-dependent model, e.g. crossbar_rc).
    if (a.tech_data_dependent("crossbar")) {
      const std::vector<double>& frac = w.level_fractions;
      xbar_energy.resize(m.crossbars.size());
      for (size_t i = 0; i < m.crossbars.size(); ++i)
        xbar_energy[i] = a.tech_at("crossbar", frac.empty() ? -1.0 : frac[i],
                                   layer_density[static_cast<size_t>(m.crossbars[i].layer)])
                             .energy_pj;
    }
  }

  // One weight layer: its crossbars' actions and groups, its input fetch, the reduction of
  // its partial sums on the home tiles.
  void weight_layer(size_t li) {
    const MappedLayer& L = m.layers[li];
    const Layer& nl = net.layers[static_cast<size_t>(L.network_layer)];
    LayerWork& lw = w.layers[li];
    lw.index = static_cast<int>(li);
    lw.name = L.name;
    lw.positions = std::max<int64_t>(1, L.view.output_positions);
    lw.crossbars = static_cast<int64_t>(L.crossbars.size());
    lw.dense_crossbars = L.dense_crossbars;
    lw.macs_per_image = nl.macs();
    w.macs_per_image += lw.macs_per_image;
    std::map<std::pair<int, int>, int64_t> rows_of_tile_rb;  // (tile, row block) -> word lines
    std::map<int, std::vector<const PhysicalCrossbar*>> by_cb;
    crossbar_actions(li, lw, rows_of_tile_rb, by_cb);
    input_fetch(lw, nl, rows_of_tile_rb);
    reduction(lw, by_cb);
  }

  void crossbar_actions(size_t li, LayerWork& lw, std::map<std::pair<int, int>, int64_t>& rows_of_tile_rb,
                        std::map<int, std::vector<const PhysicalCrossbar*>>& by_cb) {
    const MappedLayer& L = m.layers[li];
    std::map<std::tuple<int64_t, int64_t, int64_t, int>, int64_t> group_count;
    const double dac_energy = a.tech_at("dac", -1.0, layer_density[li]).energy_pj;  // one word-line drive
    double used_cells = 0;
    bool ou_index = false;
    const int64_t row_index_bits = index_width(L.view.rows), col_index_bits = index_width(L.view.cols);
    // Each crossbar's per-vector actions, summed per PE in crossbar order (one map update
    // per PE and component instead of one per crossbar: a 32x32 VGG-16 has a million
    // crossbars) and per component, then written into the layer's tables below.
    PeActions acc(a);
    for (int id : L.crossbars) {
      const PhysicalCrossbar& x = m.crossbars[static_cast<size_t>(id)];
      PeActions::Sums& pe = acc.of(x.tile, x.pe);
      auto pe_add = [&](PeActions::Slot s, double n) { acc.add(pe, s, n, acc.per_action(s)); };
      int64_t nr = static_cast<int64_t>(x.rows.size()), lc = static_cast<int64_t>(x.cols.size()), pc = lc * bpw;
      used_cells += double(nr) * pc;
      int64_t rows = nr, cols = pc, items = 1;
      if (ou) {
        int64_t our = a.ou_rows_eff(), ouc = a.ou_cols_eff();
        int64_t total = ceil_div(nr, our) * ceil_div(pc, ouc);
        items = x.active_ous >= 0 ? x.active_ous : total;
        rows = std::min(our, nr);
        cols = std::min(ouc, pc);
        if (items < total) {  // skipped all-zero OUs: the controller looks up which OUs to fire
          ou_index = true;
          pe_add(PeActions::kIndexMemory, double(int64_t(S) * items * index_width(total)));
        }
      }
      if (nr == 0 || pc == 0) items = 0;
      const int adc_bits = xbar_adc_bits.empty() ? 0 : xbar_adc_bits[static_cast<size_t>(id)];
      group_count[{rows, cols, items, adc_bits}] += 1;
      // Per-vector actions of this crossbar (S input steps, `items` activations each).
      double fires = double(S) * items;
      acc.add(pe, PeActions::kCrossbar, fires * rows * cols,
              xbar_energy.empty() ? acc.per_action(PeActions::kCrossbar) : xbar_energy[static_cast<size_t>(id)]);
      acc.add(pe, PeActions::kDac, fires * rows, dac_energy);
      pe_add(PeActions::kSampleHold, fires * cols);
      if (adc_bits)
        acc.add(pe, PeActions::kAdc, fires * cols, adc_at_bits[adc_bits].energy_pj);
      else
        pe_add(PeActions::kAdc, fires * cols);
      pe_add(PeActions::kAdcMux, fires * cols);
      pe_add(PeActions::kShiftAdd, fires * cols);
      pe_add(PeActions::kInputRegister, double(S) * nr * a.precision.dac_bits);
      pe_add(PeActions::kOutputRegister, double(S) * lc);
      pe_add(PeActions::kPeController, fires);
      // Sparse overheads: the input gather selects each held word line through an index
      // lookup; output recombination adds each held column into place, also indexed.
      if (L.row_gather) {
        pe_add(PeActions::kInputGather, double(nr));
        pe_add(PeActions::kIndexMemory, double(nr * row_index_bits));
      }
      if (L.col_recombine) {
        pe_add(PeActions::kOutputRecombine, double(lc));
        pe_add(PeActions::kIndexMemory, double(lc * col_index_bits));
      }
      auto& r = rows_of_tile_rb[{x.tile, x.row_block}];
      r = std::max(r, nr);
      by_cb[x.col_block].push_back(&x);
    }
    acc.write(lw);
    lw.utilization = lw.crossbars ? used_cells / (double(lw.crossbars) * a.crossbar.rows * a.crossbar.cols) : 0.0;
    for (const auto& [key, count] : group_count) {
      auto [rows, cols, items, adc_bits] = key;
      if (items == 0) continue;  // an all-zero crossbar never fires
      XbarGroup gr;
      gr.count = count;
      gr.rows = rows;
      gr.phys_cols = cols;
      gr.items = items;
      gr.read_cycles = t.read_cycles;
      gr.adc_bits = adc_bits;
      gr.conv_cycles = adc_bits ? t.conv_cycles(cols, adc_at_bits[adc_bits].latency_ns) : t.conv_cycles(cols);
      lw.groups.push_back(gr);
    }
    // Sparse overheads exist as hardware: one index memory, gather mux and
    // recombination adder per crossbar of a layer that needs them.
    if (L.row_gather || L.col_recombine || ou_index)
      for (int id : L.crossbars) {
        const PhysicalCrossbar& x = m.crossbars[static_cast<size_t>(id)];
        w.block_instances[pe_block(x.tile, x.pe, "index_memory")] += 1.0;
        if (L.row_gather) w.block_instances[pe_block(x.tile, x.pe, "input_gather")] += 1.0;
        if (L.col_recombine) w.block_instances[pe_block(x.tile, x.pe, "output_recombine")] += 1.0;
      }
  }

  void input_fetch(LayerWork& lw, const Layer& nl, const std::map<std::pair<int, int>, int64_t>& rows_of_tile_rb) {
    // Input fetch: each tile reads the new inputs of the row blocks it holds. A sliding
    // window reuses all but stride/kernel of its columns (the rest stay in the input register).
    double fresh = 1.0;
    if (nl.kind == LayerKind::Conv && lw.positions > 1)
      fresh = std::min(1.0, double(nl.stride_w) / std::max(1, nl.kernel_w));
    std::map<int, int64_t> tile_rows;
    for (const auto& [k, r] : rows_of_tile_rb) tile_rows[k.first] += r;
    for (const auto& [tile, r] : tile_rows) {
      lw.tiles.push_back(tile);
      int64_t bits = static_cast<int64_t>(std::ceil(r * fresh - 1e-9)) * act_bits;
      lw.fetch_bits.push_back(bits);
      act(lw, tile_block(tile, "tile_buffer"), double(bits));
      act(lw, tile_block(tile, "bus"), double(bits));
    }
  }

  void reduction(LayerWork& lw, std::map<int, std::vector<const PhysicalCrossbar*>>& by_cb) {
    // Partial-sum reduction: row blocks of a column block are added on the tile holding
    // the first row block (its "home"); other tiles send their partial sums there.
    std::map<int, int64_t> home_values;
    std::map<int, std::set<int64_t>> home_cols;
    std::map<std::pair<int, int>, int64_t> reduce_bits;
    const bool in_network = a.chip.noc.reduction == "in_network";
    for (auto& [cb, xs] : by_cb) {
      std::sort(xs.begin(), xs.end(), [](const PhysicalCrossbar* p, const PhysicalCrossbar* q) {
        return std::tie(p->row_block, p->id) < std::tie(q->row_block, q->id);
      });
      int home = xs.front()->tile;
      std::set<int64_t> distinct;
      int64_t summed = 0;
      std::map<int, int64_t> per_tile_cols;
      for (const auto* x : xs) {
        distinct.insert(x->cols.begin(), x->cols.end());
        summed += static_cast<int64_t>(x->cols.size());
        per_tile_cols[x->tile] = std::max<int64_t>(per_tile_cols[x->tile], static_cast<int64_t>(x->cols.size()));
      }
      home_values[home] += static_cast<int64_t>(distinct.size());
      home_cols[home].insert(distinct.begin(), distinct.end());
      act(lw, tile_block(home, "tile_shift_add"), double(summed - static_cast<int64_t>(distinct.size())));
      for (const auto& [tile, cols] : per_tile_cols) {
        if (tile == home) continue;
        if (in_network)  // one packet per column block: the group that is added on the way
          lw.reduce_packets.push_back({tile, home, cols * act_bits, cb});
        else
          reduce_bits[{tile, home}] += cols * act_bits;
      }
    }
    for (const auto& [k, bits] : reduce_bits) lw.reduce_packets.push_back({k.first, k.second, bits});
    for (const auto& [tile, v] : home_values) {
      lw.home_tiles.push_back(tile);
      lw.home_values.push_back(v);
      lw.home_cols.emplace_back(home_cols[tile].begin(), home_cols[tile].end());
      act(lw, tile_block(tile, "tile_output_register"), double(v));
      act(lw, tile_block(tile, "tile_buffer"), double(v * act_bits));  // outputs written to the home buffer
    }
  }

  // Non-weight layers run on their host's home tiles.
  void digital_work() {
    std::vector<double> act_ops(w.layers.size(), 0), pool_ops(w.layers.size(), 0), add_ops(w.layers.size(), 0);
    std::vector<double> mm_ops(w.layers.size(), 0), sm_ops(w.layers.size(), 0), norm_ops(w.layers.size(), 0);
    std::vector<DynamicCost> on_xbars(w.layers.size());
    for (const Layer& l : net.layers) {
      int h = hosts.host.at(l.name);
      if (l.is_weight_layer() || h < 0) continue;
      double n = double(l.out_shape.numel());
      if (l.kind == LayerKind::MatMul && a.chip.dynamic_products == "crossbar") {
        add_dynamic(on_xbars[static_cast<size_t>(h)], dynamic_cost(l, a, 1));
        continue;
      }
      require_units(l);
      switch (l.kind) {
        case LayerKind::Relu:
        case LayerKind::Relu6:
        case LayerKind::BatchNorm:
        case LayerKind::Gelu:
        case LayerKind::Scale:
          act_ops[h] += n;
          break;  // an unfolded batchnorm: a scale-and-shift per value
        case LayerKind::MatMul:
          mm_ops[h] += double(l.dynamic_macs());
          break;
        case LayerKind::Softmax:
          sm_ops[h] += n;
          break;
        case LayerKind::LayerNorm:
          norm_ops[h] += n;
          break;
        case LayerKind::AddConst:
          add_ops[h] += n;
          break;
        case LayerKind::MaxPool:
        case LayerKind::AvgPool:
          pool_ops[h] += n * l.kernel_h * l.kernel_w;
          break;
        case LayerKind::GlobalAvgPool:
          pool_ops[h] += double(l.in_shapes[0].numel());
          break;
        case LayerKind::Add:
          add_ops[h] += n * double(l.inputs.size() - 1);
          break;
        default:
          break;
      }
    }
    std::map<std::string, int> mm_tiles;
    for (const Layer& l : net.layers)
      if (l.kind == LayerKind::MatMul && hosts.host.at(l.name) >= 0)
        mm_tiles[l.name] = std::max<int>(1, int(w.layers[size_t(hosts.host.at(l.name))].home_tiles.size()));
    w.dynamic_products = dynamic_products_report(net, a, mm_tiles);
    // The attention products are operations of the inference too (TOPS counts them).
    for (const Layer& l : net.layers) w.macs_per_image += l.dynamic_macs();
    for (size_t li = 0; li < w.layers.size(); ++li) {
      LayerWork& lw = w.layers[li];
      double P = double(lw.positions);
      double av = act_ops[li] / P, pv = pool_ops[li] / P, dv = add_ops[li] / P;
      double mv = mm_ops[li] / P, sv = sm_ops[li] / P, nv = norm_ops[li] / P;
      int64_t total = 0;
      for (int64_t v : lw.home_values) total += v;
      if (lw.home_tiles.empty()) {  // no crossbar left in the layer: nowhere to place the work
        act(lw, chip_block("activation"), av);
        act(lw, chip_block("pooling"), pv);
        act(lw, chip_block("tile_shift_add"), dv);
        act(lw, chip_block("matmul"), mv);
        act(lw, chip_block("softmax"), sv);
        act(lw, chip_block("normalization"), nv);
      }
      for (size_t k = 0; k < lw.home_tiles.size(); ++k) {
        // Each home tile activates, pools and adds its share of the outputs.
        double share = total ? double(lw.home_values[k]) / double(total) : 1.0 / double(lw.home_tiles.size());
        act(lw, tile_block(lw.home_tiles[k], "activation"), av * share);
        act(lw, tile_block(lw.home_tiles[k], "pooling"), pv * share);
        act(lw, tile_block(lw.home_tiles[k], "tile_shift_add"), dv * share);
        act(lw, tile_block(lw.home_tiles[k], "matmul"), mv * share);
        act(lw, tile_block(lw.home_tiles[k], "softmax"), sv * share);
        act(lw, tile_block(lw.home_tiles[k], "normalization"), nv * share);
        auto cycles = [&](double ops, int units) {
          return units > 0 ? ceil_div(static_cast<int64_t>(std::ceil(ops * share - 1e-9)), units) : int64_t(0);
        };
        int64_t c = cycles(av, a.tile.activation_units) + cycles(pv, a.tile.pooling_units) +
                    cycles(dv, a.tile.shift_add_units) + cycles(mv, a.tile.matmul_units) +
                    cycles(sv, a.tile.softmax_units) + cycles(nv, a.tile.norm_units);
        c += dynamic_on_crossbars(lw, lw.home_tiles[k], on_xbars[li], P, share);
        lw.home_digital_cycles.push_back(std::max<int64_t>(1, c));
      }
    }
  }

  static void add_dynamic(DynamicCost& sum, const DynamicCost& d) {
    sum.drives += d.drives, sum.cell_reads += d.cell_reads, sum.conversions += d.conversions;
    sum.cells_written += d.cells_written, sum.write_ns += d.write_ns, sum.read_ns += d.read_ns;
    sum.crossbars = std::max(sum.crossbars, d.crossbars);
  }

  // chip.dynamic_products = "crossbar": one home tile's share of the host's attention
  // products, per vector of the host: the operand writes and the reads on their crossbars
  // (charged to the same periphery components as the weight crossbars), and the cycles they
  // take (every home tile runs its share in parallel). The crossbars themselves are added
  // to the chip's area once, for the largest product (they are reused layer by layer).
  int64_t dynamic_on_crossbars(LayerWork& lw, int tile, const DynamicCost& d, double P, double share) {
    if (d.crossbars == 0) return 0;
    if (a.tech("cell_write").energy_pj <= 0)
      throw ConfigError(a.source_file +
                        ": chip.dynamic_products = \"crossbar\" needs a technology entry for "
                        "cell_write (e.g. {\"model\": \"cell_write\"})");
    act(lw, tile_block(tile, "cell_write"), d.cells_written / P * share);
    act(lw, tile_block(tile, "dac"), d.drives / P * share);
    act(lw, tile_block(tile, "crossbar"), d.cell_reads / P * share);
    for (const char* c : kPerConversion) act(lw, tile_block(tile, c), d.conversions / P * share);
    if (d.crossbars > dynamic_crossbars_) {
      for (const cost::ComponentInfo& c : cost::components())
        if (c.per_crossbar)
          w.block_instances[chip_block(c.name)] +=
              double(d.crossbars - dynamic_crossbars_) * c.instances(a) / a.pe.crossbars;
      dynamic_crossbars_ = d.crossbars;
    }
    return static_cast<int64_t>(std::ceil((d.write_ns + d.read_ns) / P * a.chip.clock_ghz - 1e-9));
  }

  // A transformer layer on a config without the unit it needs is an error naming the key.
  void require_units(const Layer& l) const {
    struct Unit {
      LayerKind kind;
      const char* key;
      int TileParams::*count;
    };
    static const Unit units[] = {{LayerKind::MatMul, "matmul_units", &TileParams::matmul_units},
                                 {LayerKind::Softmax, "softmax_units", &TileParams::softmax_units},
                                 {LayerKind::LayerNorm, "norm_units", &TileParams::norm_units}};
    for (const Unit& u : units)
      if (u.kind == l.kind && a.tile.*u.count <= 0)
        throw ConfigError(a.source_file + ": layer '" + l.name + "' (" + to_string(l.kind) + ") needs tile." + u.key +
                          " > 0; the config has none (arch_configs/default.json has them)");
  }

  // chip.noc.output_delivery = "slice": per tile of `consumer`, which of the producer's
  // output columns (its channels) the tile's crossbars read: a logical row r of the
  // consumer's matrix reads channel r / (rows / producer columns) (conv rows are channel-major
  // C x R x S; a linear layer after a flatten reads C x H x W). Empty when the rows are not a
  // whole multiple of the producer's columns (e.g. after a concat): then every value travels.
  std::map<int, std::vector<char>> channels_read(int producer, int consumer) const {
    const int64_t pc = m.layers[static_cast<size_t>(producer)].view.cols;
    const MappedLayer& L = m.layers[static_cast<size_t>(consumer)];
    std::map<int, std::vector<char>> need;
    if (a.chip.noc.output_delivery == "all" || pc <= 0 || L.view.rows % pc != 0) return need;
    const int64_t per_channel = L.view.rows / pc;
    for (int id : L.crossbars) {
      const PhysicalCrossbar& x = m.crossbars[static_cast<size_t>(id)];
      auto& v = need[x.tile];
      v.resize(static_cast<size_t>(pc), 0);
      for (int64_t r : x.rows) v[static_cast<size_t>(r / per_channel)] = 1;
    }
    return need;
  }

  // Data movement and dependencies.
  void data_movement() {
    // `fraction`: the share of the producer's outputs that travels (a slice of them);
    // `need`: the channels each destination reads (channels_read; empty: all of them).
    // With `multicast` every packet of a home tile carries all its values (the group of
    // the home tile: one copy per link of the XY tree); the consumer keeps what it reads.
    const bool multicast = a.chip.noc.output_delivery == "multicast";
    auto send_outputs = [&](int producer, const std::vector<int>& dst_tiles, double fraction = 1.0,
                            const std::map<int, std::vector<char>>& need = {}) {
      LayerWork& p = w.layers[static_cast<size_t>(producer)];
      auto to_bits = [&](int64_t values) {
        return static_cast<int64_t>(std::ceil(double(values) * fraction - 1e-9)) * act_bits;
      };
      for (size_t k = 0; k < p.home_tiles.size(); ++k)
        for (int dst : dst_tiles) {
          int64_t values = p.home_values[k];
          if (auto it = need.find(dst); it != need.end()) {
            values = 0;
            for (int64_t c : p.home_cols[k]) values += it->second[static_cast<size_t>(c)];
            if (values == 0) continue;  // the tile reads none of this home's channels
          }
          act(p, tile_block(dst, "tile_buffer"), double(to_bits(values)));  // written into the consumer's buffer
          if (dst == p.home_tiles[k]) continue;
          if (multicast)
            p.output_packets.push_back({p.home_tiles[k], dst, to_bits(p.home_values[k]), static_cast<int>(k)});
          else
            p.output_packets.push_back({p.home_tiles[k], dst, to_bits(values)});
        }
    };
    for (size_t li = 0; li < w.layers.size(); ++li) {
      LayerWork& lw = w.layers[li];
      const MappedLayer& L = m.layers[li];
      const Layer& nl = net.layers[static_cast<size_t>(L.network_layer)];
      const std::string in = nl.inputs.empty() ? std::string("input") : nl.inputs[0];
      int ph = in == "input" ? -1 : hosts.host.at(in);
      if (ph >= 0 && ph != static_cast<int>(li)) send_outputs(ph, lw.tiles, 1.0, channels_read(ph, int(li)));
      if (ph < 0) {
        // What reaches the chip: the input, or what the layers before the first weight layer
        // made of it off chip (an embedding lookup: the embedded tokens).
        const int64_t bits =
            nl.in_shapes.empty() ? w.input_bits_per_image : nl.in_shapes[0].numel() * int64_t(a.precision.input_bits);
        lw.offchip_in_bits = ceil_div(bits, lw.positions);
        act(lw, chip_block("offchip_link"), double(lw.offchip_in_bits));
      }
      // Dependencies: for every output pixel, the last input pixel of its window.
      const Shape& ins = nl.in_shapes.empty() ? net.input : nl.in_shapes[0];
      int64_t Wo = std::max<int64_t>(1, nl.out_shape.w);
      std::map<int, std::vector<int64_t>> need;
      for (int64_t p = 0; p < lw.positions; ++p) {
        int64_t y = p / Wo, x = p % Wo;
        int64_t iy, ix;
        if (nl.kind == LayerKind::Conv) {
          iy = std::min<int64_t>(ins.h - 1, y * nl.stride_h - nl.pad_top + int64_t(nl.kernel_h - 1) * nl.dilation_h);
          ix = std::min<int64_t>(ins.w - 1, x * nl.stride_w - nl.pad_left + int64_t(nl.kernel_w - 1) * nl.dilation_w);
          iy = std::max<int64_t>(0, iy);
          ix = std::max<int64_t>(0, ix);
        } else {
          iy = ins.h - 1;
          ix = ins.w - 1;
        }
        std::map<int, int64_t> out;
        trace(net, hosts, in, iy, ix, out);
        for (const auto& [k, v] : out) {
          auto& vec = need[k];
          vec.resize(static_cast<size_t>(lw.positions), -1);
          vec[static_cast<size_t>(p)] = v;
        }
      }
      for (auto& [k, vec] : need) {
        if (k == static_cast<int>(li)) continue;
        lw.producers.push_back(k);
        lw.producer_positions.push_back(k < 0 ? (net.input.flat ? 1 : net.input.h * net.input.w)
                                              : w.layers[static_cast<size_t>(k)].positions);
        // Raster order: a later vector never needs less than an earlier one.
        for (size_t p = 1; p < vec.size(); ++p) vec[p] = std::max(vec[p], vec[p - 1]);
        lw.need.push_back(std::move(vec));
      }
    }
    // The inputs of residual adds / concats computed elsewhere travel to the host's home tiles.
    // So does the second operand of an attention product (K or V: every token of it), even
    // from the same host: its values sit on the home tiles of other column blocks. Each
    // home tile receives all of it (an upper bound when the heads are split over tiles).
    for (const Layer& l : net.layers) {
      const bool mm = l.kind == LayerKind::MatMul;
      if (l.is_weight_layer() || (l.kind != LayerKind::Add && l.kind != LayerKind::Concat && !mm)) continue;
      int h = hosts.host.at(l.name);
      if (h < 0) continue;
      for (size_t i = 0; i < l.inputs.size(); ++i) {
        int q = l.inputs[i] == "input" ? -1 : hosts.host.at(l.inputs[i]);
        if (q < 0 || (q == h && !(mm && i == 1))) continue;
        const MappedLayer& qm = m.layers[static_cast<size_t>(q)];
        const Layer& ql = net.layers[static_cast<size_t>(qm.network_layer)];
        double frac = mm ? std::min(1.0, double(l.in_shapes[i].c) / double(std::max<int64_t>(1, ql.out_shape.c))) : 1.0;
        send_outputs(q, w.layers[static_cast<size_t>(h)].home_tiles, frac);
      }
    }
    // The network output leaves through the off-chip link.
    if (!net.layers.empty()) {
      int h = hosts.host.at(net.layers.back().name);
      if (h >= 0) {
        LayerWork& lw = w.layers[static_cast<size_t>(h)];
        int64_t v = 0;
        for (int64_t x : lw.home_values) v += x;
        lw.offchip_out_bits = v * act_bits;
        act(lw, chip_block("offchip_link"), double(lw.offchip_out_bits));
      }
    }
  }

  // Router actions: one per flit per router traversed.
  void router_actions() {
    for (auto& lw : w.layers) {
      lw.actions_per_vector["router"] += 0.0;  // every layer reports its NoC energy, even none
      lw.energy_per_vector["router"] += 0.0;
      for (const auto* ps : {&lw.reduce_packets, &lw.output_packets}) {
        // A group's packets share a link's traversal (Packet::group): its widest one counts.
        std::map<std::tuple<int, int, int>, double> shared;  // (group, from, to) -> flits
        for (const auto& p : *ps) {
          double flits = double(ceil_div(p.bits, t.flit_bits));
          if (p.group < 0) {
            act(lw, router_block(ng.router_of(p.src)), flits);
            for (const auto& link : ng.route(p.src, p.dst)) act(lw, router_block(link.second), flits);
            continue;
          }
          double& src = shared[{p.group, -1, ng.router_of(p.src)}];
          src = std::max(src, flits);
          for (const auto& [from, to] : ng.route(p.src, p.dst)) {
            double& f = shared[{p.group, from, to}];
            f = std::max(f, flits);
          }
        }
        for (const auto& [key, flits] : shared) act(lw, router_block(std::get<2>(key)), flits);
      }
    }
  }

  const Mapping& m;
  const ArchConfig& a;
  std::vector<std::string>& warnings;
  const TimingParams t;
  const Network& net;
  const int bpw, S;
  const bool ou;
  const int64_t act_bits;
  std::vector<double> layer_density;
  std::set<std::pair<int, int>> pes;  // (tile, PE) holding crossbars
  Hosts hosts;
  int64_t dynamic_crossbars_ = 0;  // crossbars added for attention operands (dynamic_products = "crossbar")
  NocGeometry ng;
  std::vector<double> xbar_energy;           // per crossbar id: energy of one cell read
  std::vector<int> xbar_adc_bits;            // per crossbar id: its ADCs' resolution ("per_crossbar")
  std::map<int, ComponentTech> adc_at_bits;  // the ADC's figures per resolution
  Workload w;
};

}  // namespace

Workload build_workload(const Mapping& m, const ArchConfig& a, std::vector<std::string>& warnings,
                        const std::map<std::string, double>& input_density) {
  return WorkloadBuilder(m, a, warnings).build(input_density);
}

}  // namespace reram::sim
