#pragma once
// Writing cells: the expected pulses of (write-verify) programming and the energy and time
// they take, from the device parameters (docs/simulator.md, "Programming"). Shared by the
// one-time programming phase and the `cell_write` cost model (attention operands written
// into crossbars per input).
#include <cstdint>

#include "pruning/arch/arch_config.h"

namespace reram::cost {

// P(|N(0, program_sigma)| <= write_verify_tolerance): one pulse lands within tolerance.
double accept_probability(const NonIdealParams& n);
// Expected pulses of one cell: sum_{k < M} P(pulses > k) (stuck cells take the limit M).
double expected_pulses_per_cell(const ArchConfig& a);
// Expected pulses of the slowest of `n` cells written together (one word line).
double expected_row_pulses(const ArchConfig& a, int64_t n);
// Energy of writing one cell to the stored level `level_fraction` (0 = g_min, 1 = g_max).
double cell_write_energy_pj(const ArchConfig& a, double level_fraction);
// Time of writing `rows` word lines of `lines` cells, one word line after another.
double rows_write_ns(const ArchConfig& a, double rows, int64_t lines);

}  // namespace reram::cost
