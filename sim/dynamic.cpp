#include "sim/dynamic.h"

#include <algorithm>
#include <cmath>

#include "pruning/core/int_math.h"
#include "pruning/cost/cell_write.h"

namespace reram::sim {

DynamicCost dynamic_cost(const Layer& l, const ArchConfig& a, int tiles) {
  DynamicCost d;
  const Shape& A = l.in_shapes.at(0);
  const int64_t H = std::max(1, l.groups), k = A.c / H, queries = A.h * A.w;
  const int64_t n = l.out_shape.c / H;  // outputs per head: key tokens (scores) or features (their use)
  d.macs = double(l.dynamic_macs());
  const double cycle_ns = 1.0 / a.chip.clock_ghz;
  d.digital_energy_pj = d.macs * a.tech("matmul").energy_pj;
  const double lanes = double(std::max(1, a.tile.matmul_units)) * std::max(1, tiles);
  d.digital_ns = std::ceil(d.macs / lanes) * cycle_ns;

  const int64_t R = a.crossbar.rows, C = a.crossbar.cols, bpw = a.bitlines_per_weight();
  const int64_t row_blocks = ceil_div(k, R), lines = n * bpw, col_blocks = ceil_div(lines, C);
  d.crossbars = H * row_blocks * col_blocks;
  d.cells_written = double(H) * k * lines;
  d.write_energy_pj = d.cells_written * a.tech("cell_write").energy_pj;
  // Crossbars are written in parallel, each its rows one after another.
  d.write_ns = cost::rows_write_ns(a, double(std::min(k, R)), std::min(lines, C));
  const double S = a.input_steps();
  d.drives = double(queries) * S * H * k * col_blocks;
  d.cell_reads = double(queries) * S * H * k * lines;
  d.conversions = double(queries) * S * H * lines * row_blocks;
  double per_conversion_pj = 0;
  for (const char* c : kPerConversion) per_conversion_pj += a.tech(c).energy_pj;
  d.read_energy_pj = d.drives * a.tech("dac").energy_pj + d.cell_reads * a.tech("crossbar").energy_pj +
                     d.conversions * per_conversion_pj;
  // One step: a read of the array, then its columns through the crossbar's ADCs.
  const double convs_per_step = std::ceil(double(std::min(lines, C)) / std::max(1, a.pe.adcs_per_crossbar));
  d.read_ns = double(queries) * S * (a.crossbar.read_latency_ns + convs_per_step * a.adc_latency_ns());
  return d;
}

json dynamic_products_report(const Network& net, const ArchConfig& a, const std::map<std::string, int>& home_tiles) {
  json layers = json::array();
  double de = 0, dn = 0, xe = 0, xn = 0;
  int64_t peak = 0;
  for (const Layer& l : net.layers) {
    if (l.kind != LayerKind::MatMul) continue;
    auto it = home_tiles.find(l.name);
    const DynamicCost d = dynamic_cost(l, a, it == home_tiles.end() ? 1 : it->second);
    de += d.digital_energy_pj, dn += d.digital_ns, xe += d.crossbar_energy_pj(), xn += d.crossbar_ns();
    peak = std::max(peak, d.crossbars);
    layers.push_back({{"name", l.name},
                      {"macs", d.macs},
                      {"digital", {{"energy_pj", d.digital_energy_pj}, {"time_ns", d.digital_ns}}},
                      {"crossbar",
                       {{"crossbars", d.crossbars},
                        {"cells_written", d.cells_written},
                        {"write_energy_pj", d.write_energy_pj},
                        {"write_ns", d.write_ns},
                        {"read_energy_pj", d.read_energy_pj},
                        {"read_ns", d.read_ns},
                        {"energy_pj", d.crossbar_energy_pj()},
                        {"time_ns", d.crossbar_ns()}}}});
  }
  if (layers.empty()) return json();
  return {{"mode", a.chip.dynamic_products},
          {"note",
           "both estimates per layer; the simulated totals use `mode`. time_ns: the layer's products alone "
           "(digital: all MACs over the home tiles' units; crossbar: write, then every query token)"},
          {"layers", layers},
          {"digital_energy_pj", de},
          {"digital_time_ns", dn},
          {"crossbar_energy_pj", xe},
          {"crossbar_time_ns", xn},
          {"crossbars_needed", peak}};
}

}  // namespace reram::sim
