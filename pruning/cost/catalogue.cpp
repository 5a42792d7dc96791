#include "pruning/cost/catalogue.h"

#include <stdexcept>

#include "pruning/arch/arch_config.h"

namespace reram::cost {

namespace {

using A = const ArchConfig&;
using P = const PeakContext&;

double one(A) { return 1.0; }
double none(A) { return 0.0; }
double per_clock(A, P p) { return 1.0 / p.cycle_ns; }
// Bits a buffer moves per ns: every port's access width, one access per buffer_access_cycles.
double buffer_rate(A a, P p) {
  return double(a.tile.buffer_ports) * a.tile.buffer_width_bits / (a.tile.buffer_access_cycles * p.cycle_ns);
}
double per_step(A, P p) { return 1.0 / p.step_ns; }
double xbars(A a) { return a.pe.crossbars; }
// Instances: the tile's count of a digital unit (tile.activation_units, ...).
std::function<double(A)> tile_units(int TileParams::*count) {
  return [count](A a) { return double(a.tile.*count); };
}

std::vector<ComponentInfo> build() {
  std::vector<ComponentInfo> c;
  auto add = [&c](std::string name, Level level, std::string group, std::string action, bool peripheral,
                  bool per_crossbar, std::function<double(A)> inst, std::function<double(A, P)> rate) {
    c.push_back({std::move(name), level, std::move(group), std::move(action), peripheral, per_crossbar, std::move(inst),
                 std::move(rate)});
  };
  // ---- per PE; per occupied crossbar: the array and its periphery ----
  add("crossbar", Level::Pe, "crossbar", "one cell read", false, true, xbars,
      [](A a, P p) { return double(a.crossbar.rows) * a.crossbar.cols / p.step_ns; });
  add(
      "dac", Level::Pe, "dac", "one word-line drive", true, true,
      [](A a) { return double(a.pe.crossbars) * a.crossbar.rows; }, per_step);
  add(
      "sample_hold", Level::Pe, "sample_hold", "one bit-line sample", true, true,
      [](A a) { return double(a.pe.crossbars) * a.crossbar.cols; }, per_step);
  add(
      "adc", Level::Pe, "adc", "one conversion", true, true,
      [](A a) { return double(a.pe.crossbars) * a.pe.adcs_per_crossbar / a.pe.adc_share; },
      [](A a, P) { return 1.0 / a.adc_latency_ns(); });
  add("adc_mux", Level::Pe, "adc_mux", "one bit line routed to an ADC", true, true, xbars,
      [](A a, P p) { return a.crossbar.cols / p.step_ns; });
  add(
      "shift_add", Level::Pe, "shift_add", "one shift-and-add of a conversion", false, false,
      [](A a) { return double(a.pe.shift_add_units); },
      [](A a, P p) { return double(a.pe.crossbars) * a.crossbar.cols / p.step_ns / a.pe.shift_add_units; });
  add("input_register", Level::Pe, "register", "one bit sent to the DACs", false, false, one,
      [](A a, P p) { return double(a.pe.crossbars) * a.crossbar.rows * a.precision.dac_bits / p.step_ns; });
  add("output_register", Level::Pe, "register", "one logical output value written", false, false, one,
      [](A a, P p) { return double(a.pe.crossbars) * a.logical_cols_per_xbar() / p.step_ns; });
  add("pe_controller", Level::Pe, "controller", "one crossbar activation", false, false, one,
      [](A a, P p) { return double(a.pe.crossbars) / p.step_ns; });
  // Sparse mappings only: they exist per crossbar of a compacted layer.
  add("index_memory", Level::Pe, "index", "one index bit read", true, false, none, per_clock);
  add("input_gather", Level::Pe, "input_gather", "one word line selected through the gather mux", true, false, none,
      per_clock);
  add("output_recombine", Level::Pe, "output_recombine", "one column output added into place", true, false, none,
      per_clock);
  // ---- per tile ----
  add("tile_buffer", Level::Tile, "buffer", "one bit read or written", false, false, one, buffer_rate);
  add("bus", Level::Tile, "bus", "one bit from the buffer to a PE", false, false, one,
      [](A a, P p) { return double(a.tile.bus_width_bits) / p.cycle_ns; });
  add("activation", Level::Tile, "activation", "one activation function", false, false,
      tile_units(&TileParams::activation_units), per_clock);
  add("pooling", Level::Tile, "pooling", "one input element of a pooling window", false, false,
      tile_units(&TileParams::pooling_units), per_clock);
  add("matmul", Level::Tile, "matmul", "one multiply-accumulate of two activations", false, false,
      tile_units(&TileParams::matmul_units), per_clock);
  add("softmax", Level::Tile, "softmax", "one softmax output value", false, false,
      tile_units(&TileParams::softmax_units), per_clock);
  add("normalization", Level::Tile, "normalization", "one LayerNorm output value", false, false,
      tile_units(&TileParams::norm_units), per_clock);
  // chip.dynamic_products = "crossbar": attention operands written into crossbars per input.
  add("cell_write", Level::Tile, "cell_write", "one cell of an attention operand written into a crossbar", false, false,
      none, per_clock);
  add("tile_shift_add", Level::Tile, "shift_add", "one partial-sum or residual add", false, false,
      tile_units(&TileParams::shift_add_units), per_clock);
  add("tile_output_register", Level::Tile, "register", "one output value", false, false, one,
      [](A a, P p) { return double(a.tile.activation_units) / p.cycle_ns; });
  add("tile_controller", Level::Tile, "controller", "none (static power only)", false, false, one, per_clock);
  // A router is shared by tiles_per_router tiles: each tile carries its share.
  add(
      "router", Level::Router, "noc", "one flit through one router", false, false,
      [](A a) { return a.chip.noc.topology == "mesh" ? 1.0 : 1.0 / a.chip.noc.tiles_per_router; },
      [](A a, P p) {  // every mesh port and every local port passes one flit per cycle
        int ports = 4 + (a.chip.noc.topology == "mesh" ? 1 : a.chip.noc.tiles_per_router);
        return ports / p.cycle_ns;
      });
  // ---- chip ----
  add(
      "global_buffer", Level::Chip, "buffer", "one bit read or written", false, false,
      [](A a) { return a.chip.global_buffer_bytes > 0 ? 1.0 : 0.0; }, buffer_rate);
  add(
      "offchip_link", Level::Chip, "offchip", "one bit", false, false,
      [](A a) { return a.chip.offchip_link ? 1.0 : 0.0; },
      [](A a, P) { return a.chip.offchip_bandwidth_gbps; });  // Gbit/s = bits per ns
  return c;
}

}  // namespace

const std::vector<ComponentInfo>& components() {
  static const std::vector<ComponentInfo> all = build();
  return all;
}

bool is_component(const std::string& name) {
  for (const auto& c : components())
    if (c.name == name) return true;
  return false;
}

const ComponentInfo& component(const std::string& name) {
  for (const auto& c : components())
    if (c.name == name) return c;
  throw std::logic_error("cost: '" + name + "' is not in the component catalogue");
}

std::string component_names() {
  std::string all;
  for (const auto& c : components()) all += (all.empty() ? "" : ", ") + c.name;
  return all;
}

}  // namespace reram::cost
