#pragma once
// The simulator's plain-data side (no SystemC): timing parameters in clock cycles
// derived from the arch config, the per-layer work derived from the mapping, and the
// energy / area model (action counts x per-action energy + leakage x time).
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "pruning/arch/arch_config.h"
#include "pruning/cost/catalogue.h"
#include "pruning/xbar/mapping.h"

namespace reram::sim {

// Actions (or their energy) per component name (the catalogue, pruning/cost/catalogue.h,
// says what one action is).
using Actions = std::map<std::string, double>;

// Arch parameters the timing model needs, in digital clock cycles.
struct TimingParams {
  double cycle_ns = 1.0;
  int64_t read_cycles = 1;             // one crossbar read (t_xbar)
  double adc_ns = 1.0;                 // one conversion
  double adcs_per_xbar = 1.0;          // adcs_per_crossbar / adc_share (ADCs a crossbar sees)
  int input_steps = 1;                 // ceil(input_bits / dac_bits)
  int64_t sa_cycles = 1;               // shift-and-add after each conversion batch
  int64_t buffer_bits_per_access = 1;  // ports * width
  int64_t buffer_access_cycles = 1;    // cycles between two accesses of a port
  int64_t bus_bits_per_cycle = 1;
  int64_t buffer_latency = 1;
  int64_t link_bits_per_cycle = 1;
  int64_t flit_bits = 32;
  int64_t hop_latency = 1;
  bool noc_flow = false;  // chip.noc.model == "flow"
  double offchip_bits_per_cycle = 1;
  int64_t activation_bits = 16;
  // Cycles the tile buffer needs to move `bits` (its ports' accesses, each
  // buffer_access_cycles long), and with the bus to the PEs (the slower of the two).
  int64_t buffer_cycles(int64_t bits) const;
  int64_t fetch_cycles(int64_t bits) const;
  // Conversion time of `cols` bit lines on one crossbar's ADCs, in cycles (>= 1).
  int64_t conv_cycles(int64_t cols) const;
  // The same with conversions of `conv_ns` each (a crossbar's own ADC, "per_crossbar").
  int64_t conv_cycles(int64_t cols, double conv_ns) const;
};
TimingParams timing_params(const ArchConfig& a);

// Catalogue components numbered in name order, so that BlockRefs sort as they would by
// name: a BlockRef is a few integers (a million of them at 32x32 crossbars).
int component_id(const std::string& name);  // std::logic_error for a name not in the catalogue
const std::string& component_name(int id);

// One group of identical hardware blocks: a component of one PE, one tile, one router or
// the chip. The hardware model (hw.h) has one Block object per BlockRef.
struct BlockRef {
  enum Level { kPe = 0, kTile = 1, kRouter = 2, kChip = 3 };
  int level = kChip;
  int tile = -1, pe = -1, router = -1;
  int component = -1;  // component_id()
  const std::string& name() const { return component_name(component); }
  bool operator<(const BlockRef& o) const {
    return std::tie(level, tile, pe, router, component) < std::tie(o.level, o.tile, o.pe, o.router, o.component);
  }
};
using BlockActions = std::map<BlockRef, double>;

// Identical crossbars of one layer that work in lock-step on the same input vector:
// one event counted `count` times.
struct XbarGroup {
  int64_t count = 0;
  int64_t rows = 0;       // word lines driven per activation
  int64_t phys_cols = 0;  // bit lines converted per activation
  int64_t items = 1;      // activations per input step (active operation units; 1 without OUs)
  int64_t read_cycles = 1, conv_cycles = 1;
  int adc_bits = 0;  // its ADCs' resolution when sized per crossbar (0: precision.adc_bits)
};

// Data moved between two tiles for one vector.
struct Packet {
  int src = 0, dst = 0;
  int64_t bits = 0;
  // Packets of one group in one transfer carry the same data where their routes share a
  // link (a multicast, or partial sums added on the way): the flow model and the router
  // energy count a shared link once per group, with its widest packet. -1: no group.
  int group = -1;
};

// What one mapped weight layer does for each input vector.
struct LayerWork {
  int index = 0;  // mapping layer index
  std::string name;
  int64_t positions = 1;  // vectors per image
  std::vector<XbarGroup> groups;
  std::vector<int> tiles;                       // tiles holding its crossbars (sorted)
  std::vector<int64_t> fetch_bits;              // per tile in `tiles`: input bits fetched per vector
  std::vector<int> home_tiles;                  // tiles that reduce and activate outputs
  std::vector<int64_t> home_values;             // output values homed per vector, per home tile
  std::vector<std::vector<int64_t>> home_cols;  // per home tile: its logical output columns (sorted)
  std::vector<int64_t> home_digital_cycles;     // activation + pooling + residual-add time per vector, per home tile
  std::vector<Packet> reduce_packets;           // partial sums to home tiles, per vector
  std::vector<Packet> output_packets;           // outputs to consumer tiles, per vector
  int64_t offchip_out_bits = 0;                 // per vector, when the layer feeds the network output
  int64_t offchip_in_bits = 0;                  // per vector, fetched from off chip (reads the network input)
  // Producers whose outputs this layer reads: mapping layer index, or -1 = network input.
  std::vector<int> producers;
  std::vector<int64_t> producer_positions;  // vectors per image of each producer
  std::vector<std::vector<int64_t>> need;   // need[k][p]: last producer vector needed by vector p
  Actions actions_per_vector;               // per component, counted once per vector
  Actions energy_per_vector;                // their dynamic energy (pJ), per component
  BlockActions block_actions_per_vector;    // the same actions by the block performing them
  BlockActions block_energy_per_vector;     // and their energy (pJ)
  // For the report.
  int64_t crossbars = 0, dense_crossbars = 0;
  double utilization = 0;  // used cells / cells of its crossbars
  int64_t macs_per_image = 0;
};

struct Workload {
  std::vector<LayerWork> layers;
  int tiles_used = 0;
  std::vector<int> routers_used;
  int64_t pes_used = 0;
  BlockActions block_instances;  // blocks that exist and their instances (area, leakage)
  // Blocks whose instances are not alike (the ADCs under precision.adc_bits
  // "per_crossbar", each crossbar's at its own resolution): their summed area and leakage,
  // used instead of instances x the component's figures.
  BlockActions block_area_mm2, block_leakage_mw;
  std::map<int, int64_t> adc_bits_crossbars;  // "per_crossbar": crossbars per ADC resolution
  // Per crossbar id, its mean stored level as a fraction of the top level
  // (crossbar_level_fractions, computed once: data-dependent crossbar energy and the
  // programming phase read it); empty when the mapping has no weights.
  std::vector<double> level_fractions;
  // Attention products on both implementations (sim/dynamic.h); null without any.
  json dynamic_products;
  int64_t input_bits_per_image = 0;
  int64_t input_pixels_per_image = 1;
  std::vector<std::vector<int>> pe_crossbars;  // [tile][pe] -> occupied crossbars
  int64_t macs_per_image = 0;                  // weight layers plus the attention products (Layer::dynamic_macs)
};

// Builds the workload; checks the mapping against the arch (geometry, tiles).
// `warnings` collects legal-but-questionable findings.
// `input_density`: measured mean input level per mapped layer name (see SimOptions).
Workload build_workload(const Mapping& m, const ArchConfig& a, std::vector<std::string>& warnings,
                        const std::map<std::string, double>& input_density = {});

// NoC geometry: router of a tile and its (x, y) position in the router mesh.
struct NocGeometry {
  int tiles_per_router = 1, width = 1, routers = 1;
  int router_of(int tile) const { return tile / tiles_per_router; }
  int x(int router) const { return router % width; }
  int y(int router) const { return router / width; }
  // Directed router-to-router links of the XY route (as router index pairs).
  std::vector<std::pair<int, int>> route(int src_tile, int dst_tile) const;
};
NocGeometry noc_geometry(const ArchConfig& a, int tiles);

// One crossbar step at peak (max of read and conversion time of a full crossbar) and the
// clock period: what the catalogue's peak rates are measured against.
cost::PeakContext peak_context(const ArchConfig& a);

}  // namespace reram::sim
