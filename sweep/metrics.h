#pragma once
// Reading the outputs of a point's stages (mapping manifest / report, simulation report,
// hardware-evaluation report) into one flat set of metrics with units in every name,
// and the derived figures of merit (TOPS/W, TOPS/mm^2, energy-delay product, peripheral
// share of energy).
#include <string>
#include <vector>

#include "pruning/core/json_util.h"

namespace reram::sweep {

// Mapping figures from a map/prune output directory: dense and occupied crossbars,
// crossbar compression, weight sparsity, per-layer granularity.
json mapping_metrics(const std::string& map_dir);
// Simulation figures from a `reram sim` report.
json sim_metrics(const json& sim_report);
// Accuracy figures from a `reram eval` report.
json eval_metrics(const json& eval_report);
// Reference figures (reference_accuracy = software accuracy of the unpruned network) from
// the `reram eval --network` report of the plan's base network.
json reference_metrics(const json& eval_report);
// Components counted as crossbar periphery (ADC, DAC, S&H, mux, index maps).
const std::vector<std::string>& peripheral_components();
// Adds the derived figures (needs ops, energy_pj, latency_ns, area_mm2 when present).
void add_derived_metrics(json& metrics);

// Config columns of a point from its resolved arch and prune options.
json config_columns(const json& arch, const json& prune, bool dense);

}  // namespace reram::sweep
