#include "sim/model.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <sstream>

#include "pruning/core/error.h"
#include "pruning/core/int_math.h"

namespace reram::sim {

namespace {
const std::vector<std::string>& names_in_order() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& c : cost::components()) v.push_back(c.name);
    std::sort(v.begin(), v.end());
    return v;
  }();
  return names;
}
}  // namespace

int component_id(const std::string& name) {
  const auto& v = names_in_order();
  const auto it = std::lower_bound(v.begin(), v.end(), name);
  if (it == v.end() || *it != name) throw std::logic_error("sim: '" + name + "' is not a catalogue component");
  return static_cast<int>(it - v.begin());
}

const std::string& component_name(int id) { return names_in_order().at(static_cast<size_t>(id)); }

namespace {

// Cycles covering `ns` (at least one); the epsilon keeps exact multiples exact.
int64_t to_cycles(double ns, double cycle_ns) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(ns / cycle_ns - 1e-9)));
}

}  // namespace

int64_t TimingParams::conv_cycles(int64_t cols) const { return conv_cycles(cols, adc_ns); }

int64_t TimingParams::buffer_cycles(int64_t bits) const {
  return ceil_div(bits, buffer_bits_per_access) * buffer_access_cycles;
}

int64_t TimingParams::fetch_cycles(int64_t bits) const {
  return std::max(buffer_cycles(bits), ceil_div(bits, bus_bits_per_cycle));
}

int64_t TimingParams::conv_cycles(int64_t cols, double conv_ns) const {
  // Conversions are serialised over the ADCs a crossbar sees (ceil(cols / adcs) rounds
  // of one conversion each), then rounded up to whole digital cycles.
  int64_t rounds = static_cast<int64_t>(std::ceil(static_cast<double>(cols) / adcs_per_xbar - 1e-9));
  return to_cycles(static_cast<double>(std::max<int64_t>(rounds, 1)) * conv_ns, cycle_ns);
}

TimingParams timing_params(const ArchConfig& a) {
  TimingParams t;
  t.cycle_ns = a.cycle_ns();
  t.read_cycles = to_cycles(a.crossbar.read_latency_ns, t.cycle_ns);
  t.adc_ns = a.pe.adc_latency_ns;
  t.adcs_per_xbar = static_cast<double>(a.pe.adcs_per_crossbar) / a.pe.adc_share;
  t.input_steps = a.input_steps();
  t.sa_cycles = 1;
  t.buffer_bits_per_access = int64_t{a.tile.buffer_ports} * a.tile.buffer_width_bits;
  t.buffer_access_cycles = a.tile.buffer_access_cycles;
  t.bus_bits_per_cycle = a.tile.bus_width_bits;
  t.buffer_latency = a.tile.buffer_latency_cycles;
  t.link_bits_per_cycle = a.chip.noc.link_width_bits;
  t.flit_bits = a.chip.noc.flit_bits;
  t.hop_latency = a.chip.noc.hop_latency_cycles;
  t.noc_flow = a.chip.noc.model == "flow";
  t.offchip_bits_per_cycle = a.chip.offchip_bandwidth_gbps / a.chip.clock_ghz;
  t.activation_bits = a.precision.activation_bits;
  return t;
}

NocGeometry noc_geometry(const ArchConfig& a, int tiles) {
  NocGeometry g;
  g.tiles_per_router = a.chip.noc.topology == "mesh" ? 1 : a.chip.noc.tiles_per_router;
  g.routers = static_cast<int>(ceil_div(std::max(tiles, 1), g.tiles_per_router));
  g.width = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(g.routers)) - 1e-9));
  if (g.width < 1) g.width = 1;
  return g;
}

std::vector<std::pair<int, int>> NocGeometry::route(int src_tile, int dst_tile) const {
  // Dimension-ordered (X then Y) routing between routers.
  std::vector<std::pair<int, int>> links;
  int r = router_of(src_tile), d = router_of(dst_tile);
  int x = this->x(r), y = this->y(r), dx = this->x(d), dy = this->y(d);
  while (x != dx) {
    int nx = x + (dx > x ? 1 : -1);
    links.emplace_back(y * width + x, y * width + nx);
    x = nx;
  }
  while (y != dy) {
    int ny = y + (dy > y ? 1 : -1);
    links.emplace_back(y * width + x, ny * width + x);
    y = ny;
  }
  return links;
}

// ---------------------------------------------------------------------------
// Peak rates and instance counts (docs/simulator.md, "Actions and peak rates").

cost::PeakContext peak_context(const ArchConfig& a) {
  TimingParams t = timing_params(a);
  cost::PeakContext p;
  p.cycle_ns = t.cycle_ns;
  // A fully occupied crossbar issues one read per max(read, conversion) time.
  p.step_ns = static_cast<double>(std::max(t.read_cycles, t.conv_cycles(a.crossbar.cols))) * t.cycle_ns;
  return p;
}

// ---------------------------------------------------------------------------

}  // namespace reram::sim
