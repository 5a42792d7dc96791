#pragma once
// The one-time programming phase (docs/simulator.md, "Programming"): writing every held
// cell of the mapping with the device's pulses, with or without write-verify, reported
// apart from inference.
#include <vector>

#include "pruning/arch/arch_config.h"
#include "pruning/core/json_util.h"
#include "pruning/cost/cell_write.h"
#include "pruning/xbar/mapping.h"

namespace reram::sim {

// The pulse and write-energy formulas live in pruning/cost/cell_write.h.
using cost::cell_write_energy_pj;
using cost::expected_pulses_per_cell;
using cost::expected_row_pulses;
using cost::rows_write_ns;

// {"cells", "pulses", "pulses_per_cell", "accept_probability", "write_verify", "energy_pj",
// "time_ns", "level_fraction" (mean stored level / top level; "nominal 0.5" without
// weights)}: every crossbar writes its held word lines one after another, all its bit
// lines at once, crossbars in parallel.
// `level_fractions`: crossbar_level_fractions(m) (empty without weights).
json programming_phase(const Mapping& m, const ArchConfig& a, const std::vector<double>& level_fractions);

}  // namespace reram::sim
