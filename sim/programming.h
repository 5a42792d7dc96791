#pragma once
// The one-time programming phase (docs/simulator.md, "Programming"): writing every held
// cell of the mapping with the device's pulses, with or without write-verify, reported
// apart from inference.
#include <vector>

#include "pruning/arch/arch_config.h"
#include "pruning/core/json_util.h"
#include "pruning/xbar/mapping.h"

namespace reram::sim {

// Expected pulses of one cell under write-verify (nonideal.program_sigma,
// write_verify_tolerance, write_verify_max_pulses; stuck cells take the limit):
// sum_{k < M} P(pulses > k).
double expected_pulses_per_cell(const ArchConfig& a);
// Expected pulses of the slowest of `n` cells written together (one word line):
// sum_{k < M} (1 - P(one cell done within k)^n).
double expected_row_pulses(const ArchConfig& a, int64_t n);

// {"cells", "pulses", "pulses_per_cell", "accept_probability", "write_verify", "energy_pj",
// "time_ns", "level_fraction" (mean stored level / top level; "nominal 0.5" without
// weights)}: every crossbar writes its held word lines one after another, all its bit
// lines at once, crossbars in parallel.
// `level_fractions`: crossbar_level_fractions(m) (empty without weights).
json programming_phase(const Mapping& m, const ArchConfig& a, const std::vector<double>& level_fractions);

}  // namespace reram::sim
