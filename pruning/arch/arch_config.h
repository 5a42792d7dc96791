#pragma once
// The accelerator architecture: a JSON spec (arch_configs/*.json, every section
// optional, unknown keys rejected) resolved into validated parameters with units.
// Modules and the mapper are built from ArchConfig, never from JSON.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pruning/core/json_util.h"
#include "pruning/cost/cost_model.h"

namespace reram {

enum class SignEncoding { Offset, Differential };
const char* to_string(SignEncoding e);

struct CrossbarParams {
  int rows = 128;
  int cols = 128;
  int cell_bits = 2;
  SignEncoding sign_encoding = SignEncoding::Offset;
  int ou_rows = 0;                 // operation unit; 0 = all rows at once
  int ou_cols = 0;                 // 0 = all columns at once
  double read_latency_ns = 100.0;  // one read of the activated rows (resolved)
  bool read_latency_auto = false;  // "auto": from the crossbar's cost model
  // Conductance range in microsiemens, derived from device.r_off_ohm / r_on_ohm (the
  // keys crossbar.g_min_us / g_max_us are accepted as another way to give them).
  double g_min_us = 1.0;
  double g_max_us = 100.0;
};

// The memristive device, shared by the cost models (conduction energy, cell area) and
// the functional model (conductance range).
struct DeviceParams {
  double r_on_ohm = 1e4;           // low-resistance state (g_max)
  double r_off_ohm = 1e6;          // high-resistance state (g_min)
  double v_read = 0.2;             // read voltage across a cell, volts
  std::string cell_type = "1t1r";  // 1t1r | 0t1r
  double cell_area_f2 = 0.0;  // 0 = by cell type: 1T1R 12F wide x 4F high (F = node), 0T1R 2F x 2F (F = line width)
  // Programming (write-verify, the simulator's programming phase).
  double v_write = 2.0;           // write pulse amplitude across a cell, volts
  double write_pulse_ns = 100.0;  // one write pulse
  double verify_read_ns = 10.0;   // one verify read after a pulse (at v_read; write-verify only)
  double cell_width_f() const;    // cell pitch along a word line, in F
  double cell_height_f() const;   // cell pitch along a bit line, in F
};

struct PrecisionParams {
  int weight_bits = 16;
  int input_bits = 16;
  int dac_bits = 1;
  int adc_bits = 8;            // resolved
  bool adc_bits_auto = false;  // "auto": the smallest lossless resolution (lossless_adc_bits())
  // "per_crossbar": each crossbar's ADC at the smallest resolution lossless for what it
  // stores (crossbar_adc_bits, pruning/xbar/mapping.h); adc_bits resolves as for "auto".
  bool adc_bits_per_crossbar = false;
  int activation_bits = 16;  // width of values stored in buffers / sent on the NoC
};

struct PeParams {
  int crossbars = 8;                // crossbars per PE (IMA)
  int adcs_per_crossbar = 1;        // may be fractional through sharing: see adc_share
  int adc_share = 1;                // crossbars sharing one group of ADCs through a mux (>=1)
  double adc_latency_ns = 0.78125;  // one conversion (1 / sample rate), resolved
  bool adc_latency_auto = false;    // "auto": the ADC cost model's conversion time
  int shift_add_units = 4;
  int input_register_bytes = 2048;
  int output_register_bytes = 256;
};

struct TileParams {
  int pes = 12;
  int64_t buffer_bytes = 65536;  // eDRAM / SRAM
  int buffer_ports = 2;
  int buffer_width_bits = 256;  // bits per port per access
  int buffer_latency_cycles = 1;
  int buffer_access_cycles = 1;  // clock cycles between two accesses of one port
  int bus_width_bits = 384;      // buffer-to-PE bus
  int activation_units = 2;
  int pooling_units = 1;
  int shift_add_units = 1;
  int output_register_bytes = 3072;
  // Transformer units (0: none; a network that needs one is an error naming the key).
  int matmul_units = 0;   // multiply-accumulates of two activations (attention)
  int softmax_units = 0;  // softmax, one value per cycle each
  int norm_units = 0;     // LayerNorm, one value per cycle each
};

struct NocParams {
  std::string topology = "cmesh";  // mesh | cmesh
  int tiles_per_router = 4;        // concentration (1 for mesh)
  int flit_bits = 32;
  int link_width_bits = 32;
  int hop_latency_cycles = 1;
  std::string model = "flow";  // flow (one reservation per link and transfer) | packet (hop by hop)
  // What a producer's home tile sends each tile of the consuming layer: "all" its output
  // values, or "slice": only those the tile's crossbars read, or "multicast": all its
  // values once along the XY tree to every tile that reads any (docs/simulator.md).
  std::string output_delivery = "slice";
  // Partial sums of a column block's row blocks: "home" (each tile sends its own to the
  // home tile) or "in_network" (added where their routes meet; flow model only).
  std::string reduction = "home";
};

struct ChipParams {
  int tiles = 168;
  bool tiles_auto = false;  // "auto": as many tiles as the mapping needs
  double clock_ghz = 1.2;   // digital clock
  int64_t global_buffer_bytes = 0;
  bool offchip_link = true;  // e.g. HyperTransport
  double offchip_bandwidth_gbps = 51.2;
  // Where attention's products of two activations run: "digital" (tile.matmul_units) or
  // "crossbar" (the second operand written into crossbars per input; docs/simulator.md).
  std::string dynamic_products = "digital";
  NocParams noc;
};

// One component's technology entry: its cost model (pruning/cost), the model's resolved
// parameters and its figures at the config's operating point.
struct TechEntry {
  std::string model = "table";
  json params = json::object();
  std::shared_ptr<const cost::CostModel> impl;
  ComponentTech nominal;
};

// Device and circuit non-idealities for the functional model (all off by default).
struct NonIdealParams {
  uint64_t seed = 1;
  // Each non-ideality draws from its own seeded stream; its seed defaults to `seed`, so one key
  // re-rolls everything and a per-effect key re-rolls only that effect.
  std::optional<uint64_t> variation_seed, fault_seed, read_noise_seed, program_seed, drift_seed;
  uint64_t variation_seed_eff() const { return variation_seed.value_or(seed); }
  uint64_t fault_seed_eff() const { return fault_seed.value_or(seed); }
  uint64_t read_noise_seed_eff() const { return read_noise_seed.value_or(seed); }
  uint64_t program_seed_eff() const { return program_seed.value_or(seed); }
  uint64_t drift_seed_eff() const { return drift_seed.value_or(seed); }
  double variation_sigma = 0.0;   // lognormal sigma of device-to-device conductance
  double read_noise_sigma = 0.0;  // relative Gaussian read noise per read
  double stuck_on_rate = 0.0;
  double stuck_off_rate = 0.0;
  int conductance_levels = 0;      // 0 = 2^cell_bits
  double ir_drop = 0.0;            // first-order IR-drop coefficient (0 = off), resolved
  bool ir_drop_wire = false;       // "wire": from the crossbar lines' resistance at the node (cost/physical.h)
  std::string adc_range = "full";  // full | calibrated
  // Programming: each pulse lands the cell at target + N(0, program_sigma) (fraction of
  // g_max - g_min); write-verify re-pulses until within write_verify_tolerance (0: no
  // verify, one pulse) or write_verify_max_pulses.
  double program_sigma = 0.0;
  double write_verify_tolerance = 0.0;
  int write_verify_max_pulses = 20;
  // Drift: G(t) = G(t0) (t / t0)^-nu, nu ~ N(drift_nu_mean, drift_nu_sigma) per device
  // (truncated at 0), evaluated at time_s (<= drift_t0_s: no drift).
  double drift_nu_mean = 0.0;
  double drift_nu_sigma = 0.0;
  double drift_t0_s = 1.0;
  double time_s = 0.0;
  bool drift_compensation = true;  // per-layer output scale calibrated on the calibration images
  bool drift_active() const { return (drift_nu_mean > 0.0 || drift_nu_sigma > 0.0) && time_s > drift_t0_s; }
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
  std::map<std::string, TechEntry> technology;  // by component name (absent: zero cost)
  NonIdealParams nonideal;
  DeviceParams device;

  // Derived geometry.
  int slices() const;                 // ceil(weight_bits / cell_bits)
  int sign_factor() const;            // 1 offset, 2 differential
  int bitlines_per_weight() const;    // slices * sign_factor
  int logical_cols_per_xbar() const;  // floor(cols / bitlines_per_weight)
  int ou_rows_eff() const { return crossbar.ou_rows > 0 ? crossbar.ou_rows : crossbar.rows; }
  int ou_cols_eff() const { return crossbar.ou_cols > 0 ? crossbar.ou_cols : crossbar.cols; }
  int input_steps() const;  // ceil(input_bits / dac_bits)
  double cycle_ns() const { return 1.0 / chip.clock_ghz; }
  int lossless_adc_bits() const;  // bits that resolve every column sum of one read
  double adc_latency_ns() const { return pe.adc_latency_ns; }
  // A component's figures at the config's operating point (zeros when it has no entry).
  const ComponentTech& tech(const std::string& component) const;
  // Its figures for a crossbar whose cells hold a mean conductance `g_fraction` of the way
  // from g_min to g_max (data-dependent models; the others return tech()).
  // and fed inputs of mean level `input_density` (< 0: the model's default).
  ComponentTech tech_at(const std::string& component, double g_fraction, double input_density = -1.0) const;
  bool tech_data_dependent(const std::string& component) const;
  // The ADC's figures with `bits` of resolution instead of precision.adc_bits (per-crossbar
  // ADC sizing). A model that ignores the resolution (table) returns tech("adc"); the
  // latency is the model's conversion time at `bits` when pe.adc_latency_ns is "auto",
  // else pe.adc_latency_ns.
  ComponentTech adc_tech_at_bits(int bits) const;
  // Every component's model, parameters and resolved figures, and the values "auto"
  // resolved to (reports record it).
  json costs_json() const;

  // Warnings about legal but questionable settings (e.g. an ADC too coarse to be lossless).
  std::vector<std::string> warnings() const;
  // The fully resolved config (every field, defaults applied) as JSON.
  json to_json() const;
};

// Parses and validates a spec. `where` names the file for messages.
ArchConfig arch_from_json(const json& spec, const std::string& where);
// Loads a file, applies "section.key=value" overrides (repeatable; values are parsed
// as JSON when they parse, as strings otherwise), validates. Errors name key and file.
ArchConfig load_arch(const std::string& path, const std::vector<std::string>& overrides = {});
// Applies one override to a spec in place.
void apply_override(json& spec, const std::string& assignment, const std::string& where);

}  // namespace reram
