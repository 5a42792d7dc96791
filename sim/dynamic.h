#pragma once
// Attention's products of two activations (matmul layers) on the two implementations the
// config chooses between (chip.dynamic_products): the tile's digital MAC units, or
// crossbars written with the second operand (K^T or V) for every input and read with the
// first (docs/simulator.md, "Transformers"). Both are computed for the report.
#include <cstdint>
#include <map>
#include <string>

#include "pruning/arch/arch_config.h"
#include "pruning/core/json_util.h"
#include "pruning/graph/network.h"

namespace reram::sim {

// The components charged once per converted bit line of an operand crossbar (the report's
// estimate and the simulation both use this list).
inline constexpr const char* kPerConversion[] = {"sample_hold", "adc", "adc_mux", "shift_add"};

struct DynamicCost {
  double macs = 0;
  // Digital: every MAC on one of tile.matmul_units of the `tiles` home tiles.
  double digital_energy_pj = 0, digital_ns = 0;
  // Crossbars: per head, the operand's contraction dimension on the rows and its outputs
  // (times the bit lines of a value) on the columns, written row by row, then read by
  // every query token in input_steps() steps.
  int64_t crossbars = 0;
  double cells_written = 0, write_energy_pj = 0, write_ns = 0;
  double drives = 0, cell_reads = 0, conversions = 0;  // sample-and-hold and shift-add: one per conversion
  double read_energy_pj = 0, read_ns = 0;
  double crossbar_energy_pj() const { return write_energy_pj + read_energy_pj; }
  double crossbar_ns() const { return write_ns + read_ns; }
};

// `tiles`: home tiles sharing the digital work (>= 1).
DynamicCost dynamic_cost(const Layer& matmul, const ArchConfig& a, int tiles);

// {"mode", "layers": [{"name", "macs", "digital": {...}, "crossbar": {...}}], "digital_energy_pj",
// "crossbar_energy_pj", ...}; empty when the network has no matmul layer.
json dynamic_products_report(const Network& net, const ArchConfig& a, const std::map<std::string, int>& home_tiles);

}  // namespace reram::sim
