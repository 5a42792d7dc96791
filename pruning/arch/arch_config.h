#pragma once
// The accelerator architecture: a JSON spec (arch_configs/*.json, every section
// optional, unknown keys rejected) resolved into validated parameters with units.
// Modules and the mapper are built from ArchConfig, never from JSON.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pruning/core/json_util.h"

namespace reram {

enum class SignEncoding { Offset, Differential };
const char* to_string(SignEncoding e);

struct CrossbarParams {
  int rows = 128;
  int cols = 128;
  int cell_bits = 2;
  SignEncoding sign_encoding = SignEncoding::Offset;
  int ou_rows = 0;  // operation unit; 0 = all rows at once
  int ou_cols = 0;  // 0 = all columns at once
  double read_latency_ns = 100.0;  // one read of the activated rows
  double g_min_us = 1.0;           // conductance range in microsiemens
  double g_max_us = 100.0;
};

struct PrecisionParams {
  int weight_bits = 16;
  int input_bits = 16;
  int dac_bits = 1;
  int adc_bits = 8;
  int activation_bits = 16;  // width of values stored in buffers / sent on the NoC
};

struct PeParams {
  int crossbars = 8;          // crossbars per PE (IMA)
  int adcs_per_crossbar = 1;  // may be fractional through sharing: see adc_share
  int adc_share = 1;          // crossbars sharing one group of ADCs through a mux (>=1)
  double adc_latency_ns = 0.78125;  // one conversion (1 / sample rate)
  int shift_add_units = 4;
  int input_register_bytes = 2048;
  int output_register_bytes = 256;
};

struct TileParams {
  int pes = 12;
  int64_t buffer_bytes = 65536;   // eDRAM / SRAM
  int buffer_ports = 2;
  int buffer_width_bits = 256;    // bits per port per access
  int buffer_latency_cycles = 1;
  int bus_width_bits = 384;       // buffer-to-PE bus
  int activation_units = 2;
  int pooling_units = 1;
  int shift_add_units = 1;
  int output_register_bytes = 3072;
};

struct NocParams {
  std::string topology = "cmesh";  // mesh | cmesh
  int tiles_per_router = 4;        // concentration (1 for mesh)
  int flit_bits = 32;
  int link_width_bits = 32;
  int hop_latency_cycles = 1;
};

struct ChipParams {
  int tiles = 168;
  bool tiles_auto = false;          // "auto": as many tiles as the mapping needs
  double clock_ghz = 1.2;           // digital clock
  int64_t global_buffer_bytes = 0;
  bool offchip_link = true;         // e.g. HyperTransport
  double offchip_bandwidth_gbps = 51.2;
  NocParams noc;
};

// Per-component technology figures. `energy_pj` is per action (the action of each
// component is listed in docs/config.md); leakage in mW; area in mm^2 per instance.
struct ComponentTech {
  double energy_pj = 0.0;
  double leakage_mw = 0.0;
  double area_mm2 = 0.0;
};

// Device and circuit non-idealities for the functional model (all off by default).
struct NonIdealParams {
  uint64_t seed = 1;
  // Each non-ideality draws from its own seeded stream; its seed defaults to `seed`, so one key
  // re-rolls everything and a per-effect key re-rolls only that effect.
  std::optional<uint64_t> variation_seed, fault_seed, read_noise_seed;
  uint64_t variation_seed_eff() const { return variation_seed.value_or(seed); }
  uint64_t fault_seed_eff() const { return fault_seed.value_or(seed); }
  uint64_t read_noise_seed_eff() const { return read_noise_seed.value_or(seed); }
  double variation_sigma = 0.0;   // lognormal sigma of device-to-device conductance
  double read_noise_sigma = 0.0;  // relative Gaussian read noise per read
  double stuck_on_rate = 0.0;
  double stuck_off_rate = 0.0;
  int conductance_levels = 0;     // 0 = 2^cell_bits
  double ir_drop = 0.0;           // first-order IR-drop coefficient (0 = off)
  std::string adc_range = "full"; // full | calibrated
};

struct ArchConfig {
  std::string name = "default";
  std::string source_file;
  double technology_nm = 32;
  CrossbarParams crossbar;
  PrecisionParams precision;
  PeParams pe;
  TileParams tile;
  ChipParams chip;
  std::map<std::string, ComponentTech> technology;  // by component name
  NonIdealParams nonideal;

  // Derived geometry.
  int slices() const;                 // ceil(weight_bits / cell_bits)
  int sign_factor() const;            // 1 offset, 2 differential
  int bitlines_per_weight() const;    // slices * sign_factor
  int logical_cols_per_xbar() const;  // floor(cols / bitlines_per_weight)
  int ou_rows_eff() const { return crossbar.ou_rows > 0 ? crossbar.ou_rows : crossbar.rows; }
  int ou_cols_eff() const { return crossbar.ou_cols > 0 ? crossbar.ou_cols : crossbar.cols; }
  int input_steps() const;            // ceil(input_bits / dac_bits)
  double cycle_ns() const { return 1.0 / chip.clock_ghz; }
  const ComponentTech& tech(const std::string& component) const;  // zeros when absent

  // Warnings about legal but questionable settings (e.g. an ADC too coarse to be lossless).
  std::vector<std::string> warnings() const;
  // The fully resolved config (every field, defaults applied) as JSON.
  json to_json() const;
};

// Component names accepted in the "technology" section.
const std::vector<std::string>& technology_components();

// Parses and validates a spec. `where` names the file for messages.
ArchConfig arch_from_json(const json& spec, const std::string& where);
// Loads a file, applies "section.key=value" overrides (repeatable; values are parsed
// as JSON when they parse, as strings otherwise), validates. Errors name key and file.
ArchConfig load_arch(const std::string& path, const std::vector<std::string>& overrides = {});
// Applies one override to a spec in place.
void apply_override(json& spec, const std::string& assignment, const std::string& where);

}  // namespace reram
