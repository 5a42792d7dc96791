#include "sim/stats.h"

#include <sstream>

namespace reram::sim {

const std::vector<Statistic>& report_statistics() {
  static const std::vector<Statistic> s = {
      {"cycles", "cycles", "simulated clock cycles of the whole run (every image of the batch)", true},
      {"clock_ghz", "GHz", "digital clock the cycles count", false},
      {"latency_ns", "ns", "cycles / clock: the run's latency", true},
      {"energy_pj", "pJ", "dynamic energy per report group, `leakage` and `total`", true},
      {"energy_per_image_pj", "pJ", "energy_pj.total / batch", false},
      {"area_mm2", "mm²", "area per report group and `total` (instances × per-instance area)", true},
      {"components", "", "per catalogue component: instances, area_mm2, leakage_pj, dynamic_pj", false},
      {"power_mw", "mW", "energy_pj.total / latency_ns", true},
      {"ops", "ops",
       "multiply-accumulates × 2 of the mapped weight layers and of the attention products (matmul layers), over the "
       "batch",
       false},
      {"tops", "TOPS", "ops / latency", true},
      {"tops_per_w", "TOPS/W", "ops / energy", true},
      {"tops_per_mm2", "TOPS/mm²", "tops / area_mm2.total", true},
      {"crossbars", "", "occupied crossbars of the mapping", false},
      {"tiles_used", "", "tiles holding crossbars", false},
      {"pes_used", "", "PEs holding crossbars", false},
      {"compression", "",
       "dense_crossbars, occupied_crossbars, compression_rate, weight_sparsity, method (and the mapping's pruning "
       "record and accuracy when it has them)",
       false},
      {"layers", "", "one entry per mapped weight layer (fields below)", false},
      {"simulation_work", "",
       "Σ over layers of vectors × (crossbar_groups + packets_per_vector): the event-driven simulator's work, which "
       "scripts/bench_scale.sh fits its run time against",
       false},
      {"tiles", "", "per tile: tile, energy_pj, leakage_pj, area_mm2 of its blocks and PEs", false},
      {"resources", "",
       "busy cycles of the tile buffers, NoC links and off-chip link; noc_links_used; noc_packet_hops (the link "
       "grants the NoC made)",
       false},
      {"warnings", "", "questionable but legal settings (e.g. a lossy ADC)", false},
      {"chip_peak", "", "peak TOPS, TOPS/W and TOPS/mm² of the chip from the catalogue's peak rates", false},
      {"programming", "",
       "the one-time programming phase, apart from inference: cells, expected pulses (pulses_per_cell, "
       "accept_probability, write_verify), energy_pj and time_ns from the device's write parameters and the "
       "mapping's stored levels (level_fraction)",
       false},
      {"adc_sizing", "",
       "with precision.adc_bits \"per_crossbar\": uniform_adc_bits, crossbars_by_adc_bits, conversions, "
       "adc_energy_pj and adc_area_mm2 as sized, the same at the uniform lossless resolution "
       "(uniform_adc_energy_pj, uniform_adc_area_mm2) and the savings (adc_energy_saving, adc_area_saving, "
       "fractions)",
       false},
      {"dynamic_products", "",
       "networks with attention products (matmul layers): both implementations per layer and in total, digital "
       "(energy_pj, time_ns on tile.matmul_units) and crossbar (crossbars, cells_written, write/read energy_pj and "
       "ns), the crossbars_needed and the mode the simulated totals use (chip.dynamic_products)",
       false},
      {"inputs", "", "network, mapping, dataflow, batch, clocked, input_bit_density as given", false},
      {"reram_version", "", "the tool version that made the report", false},
      {"arch", "", "the fully resolved arch config", false},
      {"cost_models", "",
       "every component's cost model, parameters and resolved per-action energy, leakage, area and latency, and "
       "the values \"auto\" resolved to",
       false},
  };
  return s;
}

const std::vector<Statistic>& layer_statistics() {
  static const std::vector<Statistic> s = {
      {"name", "", "the mapped layer", false},
      {"cycles", "cycles", "cycle its last vector was delivered", false},
      {"vectors", "", "input vectors it processed (output positions × batch)", false},
      {"energy_pj", "pJ", "its dynamic energy per report group and `total`", false},
      {"crossbars", "", "its occupied crossbars", false},
      {"dense_crossbars", "", "its crossbars in the dense mapping", false},
      {"utilization", "", "used cells / cells of its crossbars", false},
      {"tiles", "", "tiles holding its crossbars", false},
      {"crossbar_groups", "", "lock-step groups of identical crossbars (one event each)", false},
      {"packets_per_vector", "", "partial-sum and output packets per vector", false},
  };
  return s;
}

std::string statistics_markdown() {
  std::ostringstream o;
  o << "| field | unit | meaning |\n|---|---|---|\n";
  for (const auto& s : report_statistics()) o << "| `" << s.key << "` | " << s.unit << " | " << s.description << " |\n";
  o << "| **`layers[]`** | | |\n";
  for (const auto& s : layer_statistics())
    o << "| `layers[].` `" << s.key << "` | " << s.unit << " | " << s.description << " |\n";
  return o.str();
}

}  // namespace reram::sim
