// `sram`: on-chip memories (buffers, registers, index memories) from their capacity: area
// from the cell and an array efficiency; energy per bit from bit-line swing, sense and
// periphery gates and the route across the array. docs/cost-models.md, "Memories".
#include <cmath>

#include "pruning/core/error.h"
#include "pruning/cost/physical.h"

namespace reram::cost {
namespace {

// Capacity in bits of one instance of each memory component, from the config.
double capacity_bits(const ArchConfig& a, const std::string& c) {
  if (c == "tile_buffer") return 8.0 * double(a.tile.buffer_bytes);
  if (c == "global_buffer") return 8.0 * double(a.chip.global_buffer_bytes);
  if (c == "input_register") return 8.0 * a.pe.input_register_bytes;
  if (c == "output_register") return 8.0 * a.pe.output_register_bytes;
  if (c == "tile_output_register") return 8.0 * a.tile.output_register_bytes;
  // index_memory: one index per row and per column of a crossbar.
  const int n = std::max(a.crossbar.rows, a.crossbar.cols);
  return double(a.crossbar.rows + a.crossbar.cols) * std::ceil(std::log2(std::max(2, n)));
}

class Sram : public CostModel {
 public:
  explicit Sram(Params& p) {
    cell_ = p.choice("cell", "sram", {"sram", "edram", "dff"}, "storage cell: 6T SRAM, 1T1C eDRAM or flip-flops");
    capacity_ = p.real("capacity_bits", 0, "bits", "capacity of one instance (0 = from the config)", 0, 1e12);
    efficiency_ = p.real("array_efficiency", 0.7, "", "cell area / total area", 0, 1, true);
    rows_ = p.real("bitline_rows", 256, "", "cells on one bit line of a subarray", 1, 1e6);
    swing_ = p.real("bitline_swing_v", 0.1, "V", "bit-line swing sensed on a read", 0, 5, true);
    periph_ =
        p.real("periphery_gates_per_bit", 10, "NAND2", "decoder, sense amplifier and I/O switching per bit", 0, 1e6);
  }
  ComponentTech cost(const CostContext& ctx) const override {
    const ArchConfig& a = *ctx.arch;
    const double nm = node_nm(ctx);
    const double bits = capacity_ > 0 ? capacity_ : capacity_bits(a, ctx.component);
    const double vdd = vdd_v(nm), f_um = nm * 1e-3;
    // Cell areas: 6T SRAM 146 F^2 and 1T1C eDRAM 60 F^2 (ITRS), a flip-flop 12 minimum
    // inverters (NeuroSim).
    double cell_um2 = cell_ == "sram" ? 146 * f_um * f_um : cell_ == "edram" ? 60 * f_um * f_um : dff_area_um2(nm);
    ComponentTech t;
    const double area_um2 = bits * cell_um2 / efficiency_;
    t.area_mm2 = area_um2 / kUm2PerMm2;
    double e_fj;
    if (cell_ == "dff") {
      e_fj = dff_energy_fj(nm) + 2 * nand2_energy_fj(nm);  // the flip-flop and its read mux
    } else {
      // Bit line: `rows` cell junctions (about a quarter of a minimum gate each) and its
      // wire, swung by bitline_swing_v from Vdd; then sense/periphery gates; then the data
      // crosses the array and back (2 x its side) at full swing, half the bits toggling.
      const double c_bl_ff = rows_ * (0.25 * kGateCapPerCellFf(nm) + kWireCapFfPerUm * std::sqrt(cell_um2));
      const double side_um = std::sqrt(area_um2);
      e_fj = c_bl_ff * swing_ * vdd + periph_ * 0.5 * nand2_energy_fj(nm) +
             2 * side_um * kWireCapFfPerUm * vdd * vdd * 0.5;
    }
    // A register of output values is written one value (activation_bits) per action.
    const bool per_value = ctx.component == "output_register" || ctx.component == "tile_output_register";
    t.energy_pj = e_fj * 1e-3 * (per_value ? a.precision.activation_bits : 1);
    // Leakage: a 32 nm low-standby-power SRAM cell leaks about 5.7 pW (CACTI 7, 64 KB
    // itrs-lstp array: 0.003 mW); eDRAM adds refresh, taken as equal; flip-flops 6 gates.
    const double cell_leak_nw = cell_ == "dff" ? 6 * nand2_leakage_nw(nm) : 0.0057 * energy_scale(32, nm);
    t.leakage_mw = bits * cell_leak_nw * 1e-6;
    return t;
  }

 private:
  // A minimum gate's capacitance (fF) at the node: 2F of width at 1.52 fF/um.
  static double kGateCapPerCellFf(double nm) { return 2 * nm * 1e-3 * kGateCapFfPerUm; }
  std::string cell_;
  double capacity_, efficiency_, rows_, swing_, periph_;
};

}  // namespace
}  // namespace reram::cost

RERAM_COST_MODEL(sram, "sram",
                 "on-chip memory from its capacity: cell area, bit-line, periphery and route energy per bit",
                 (std::vector<std::string>{"tile_buffer", "global_buffer", "input_register", "output_register",
                                           "tile_output_register", "index_memory"}),
                 Sram)
