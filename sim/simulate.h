#pragma once
// Library entry point of the cycle-level simulator (no SystemC in this header, so the
// sweep and the CLI can call it without the SystemC headers).
//
// One process, several simulations: every simulate() call elaborates a fresh SystemC
// design. SystemC 2.3 cannot re-elaborate in a used kernel context, so simulate()
// retires the old context (it is deliberately leaked, a few kB) and installs a new one
// before elaborating; tests/sim check that two calls in one process give identical
// reports. Calls are not thread-safe (SystemC keeps one global context).
#include <map>
#include <string>
#include <vector>

#include "pruning/arch/arch_config.h"
#include "pruning/core/json_util.h"
#include "pruning/core/registry.h"
#include "pruning/xbar/mapping.h"

namespace reram::sim {

struct SimOptions {
  int batch = 1;                   // images per run
  std::string dataflow = "layer";  // "layer" (one layer after another) | "pipelined" (ISAAC style)
  bool clocked = false;            // reference mode: every waiting process steps every clock
  bool include_arch = true;        // copy the resolved arch config into the report
  std::string mapping_source;      // file the mapping came from (for messages and the report)
  // Measured mean word-line input level per mapped layer name (reram eval's
  // input_bit_density): prices crossbar reads and word-line drives of that layer; layers
  // without an entry use the cost models' input_bit_density parameter.
  std::map<std::string, double> input_bit_density;
};

// A dataflow: how a layer's vectors wait for their producers (docs/simulator.md).
struct Dataflow {
  std::string name, summary;
  bool layer_barrier = true;  // a layer's first vector waits for the previous layer's last
};
// The registered dataflows (pruning/core/registry.h): layer and pipelined.
Registry<Dataflow>& dataflows();

// Simulates one mapping on one architecture. Throws InputError / ConfigError for a
// mapping that does not fit the arch (crossbar geometry, tile count) or bad options.
// The report is described in docs/simulator.md; it is a pure function of the inputs.
json simulate(const Mapping& mapping, const ArchConfig& arch, const SimOptions& opt);

// Human-readable summary of a report (per component and per layer).
std::string report_table(const json& report);

// Figures of the whole configured chip at peak rate, independent of any workload:
// per-component peak power (actions at their peak rate + leakage) and area of one
// PE, one tile and the chip; peak TOPS (2 ops per MAC) of all crossbars.
json chip_peak(const ArchConfig& arch);

}  // namespace reram::sim
