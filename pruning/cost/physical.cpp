#include "pruning/cost/physical.h"

#include <cmath>

namespace reram::cost {

double node_nm(const CostContext& ctx) {
  const double nm = ctx.arch->technology_nm;
  check_node(nm, (ctx.arch->source_file + ": technology." + ctx.component).c_str());
  return nm;
}

CrossbarLines crossbar_lines(const ArchConfig& a) {
  CrossbarLines l;
  const double node = a.technology_nm;
  const double wire_nm = cell_wire_width_nm(node);
  // NeuroSim V1.4 (SubArray.cpp): a 1T1R cell is drawn in the node's F (its transistor sets
  // the pitch), a 0T1R cell in the line width.
  l.f_nm = a.device.cell_type == "1t1r" ? node : wire_nm;
  l.cell_w_um = a.device.cell_width_f() * l.f_nm * 1e-3;
  l.cell_h_um = a.device.cell_height_f() * l.f_nm * 1e-3;
  l.row_len_um = a.crossbar.cols * l.cell_w_um;
  l.col_len_um = a.crossbar.rows * l.cell_h_um;
  const double r_um = wire_r_ohm_per_um(wire_nm);
  l.r_row_ohm = r_um * l.row_len_um;
  l.r_col_ohm = r_um * l.col_len_um;
  l.c_row_ff = kWireCapFfPerUm * l.row_len_um;
  l.c_col_ff = kWireCapFfPerUm * l.col_len_um;
  l.r_row_cell_ohm = r_um * l.cell_w_um;
  l.r_col_cell_ohm = r_um * l.cell_h_um;
  return l;
}

int shift_add_width_bits(const ArchConfig& a) {
  return a.precision.adc_bits + (a.input_steps() - 1) * a.precision.dac_bits + (a.slices() - 1) * a.crossbar.cell_bits;
}

}  // namespace reram::cost
