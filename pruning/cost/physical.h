#pragma once
// Shared helpers of the physical cost models: the node the config is at, the crossbar's
// line geometry (used by the crossbar, driver and sample-and-hold models and by the
// functional model's IR drop), and unit conversions.
#include "pruning/arch/arch_config.h"
#include "pruning/cost/cost_model.h"
#include "pruning/cost/technology.h"

namespace reram::cost {

constexpr double kBoltzmannJPerK = 1.380649e-23;
constexpr double kUm2PerMm2 = 1e6;

// technology_nm of the config, checked against the range the tables cover.
double node_nm(const CostContext& ctx);

// The crossbar's word line (along a row, across `cols` cells) and bit line (along a
// column, across `rows` cells): lengths, resistance and capacitance.
struct CrossbarLines {
  double f_nm = 0;                      // feature size the cell is drawn in (node for 1T1R, line width for 0T1R)
  double cell_w_um = 0, cell_h_um = 0;  // cell pitch along a word line / a bit line
  double row_len_um = 0, col_len_um = 0;
  double r_row_ohm = 0, r_col_ohm = 0;  // whole line
  double c_row_ff = 0, c_col_ff = 0;
  double r_row_cell_ohm = 0, r_col_cell_ohm = 0;  // one cell's segment
};
CrossbarLines crossbar_lines(const ArchConfig& a);

// The accumulator width a shift-and-add unit needs: one conversion shifted over every
// input step and weight slice.
int shift_add_width_bits(const ArchConfig& a);

}  // namespace reram::cost
