#pragma once
// The sparse crossbar mapping: the one contract between pruning and the simulator.
// Lists every physical crossbar, the logical rows (word lines) and columns (bit-line
// groups of slices*sign_factor lines each) it holds, and where it is placed.
// File format: docs/mapping-format.md (JSON manifest + .npz weights sidecar).
#include <cstdint>
#include <string>
#include <vector>

#include "pruning/arch/arch_config.h"
#include "pruning/graph/network.h"
#include "pruning/xbar/crossbar_view.h"

namespace reram {

constexpr int kMappingFormatVersion = 1;

// The crossbar geometry a mapping was made for (must match the simulated arch).
struct XbarGeometry {
  int rows = 128, cols = 128, cell_bits = 2, weight_bits = 8;
  SignEncoding sign_encoding = SignEncoding::Offset;
  int slices() const { return (weight_bits + cell_bits - 1) / cell_bits; }
  int sign_factor() const { return sign_encoding == SignEncoding::Differential ? 2 : 1; }
  int logical_cols() const { return cols / (slices() * sign_factor()); }
  static XbarGeometry from_arch(const ArchConfig& a);
};

struct PhysicalCrossbar {
  int id = 0;
  int layer = 0;      // index into Mapping::layers
  int row_block = 0;  // position in the layer's crossbar grid (dense: the tile of M)
  int col_block = 0;
  std::vector<int64_t> rows;  // logical row of M for each used word line, in order
  std::vector<int64_t> cols;  // logical column of M for each used column slot, in order
  int64_t nonzeros = -1;      // non-zero weights stored (-1: unknown, no weights)
  // Operation units (ou_rows x ou_cols cells of the used region) holding at least one
  // non-zero weight; -1 when unknown (then every OU counts as active).
  int64_t active_ous = -1;
  int64_t total_ous = -1;
  // Placement.
  int tile = -1, pe = -1, slot = -1;
};

struct MappedLayer {
  std::string name;
  int network_layer = 0;  // index into Mapping::network.layers
  LayerView view;
  int64_t dense_crossbars = 0;  // crossbars of the unpruned layer on this geometry
  std::string granularity = "dense";
  bool row_gather = false;     // word lines fed through an input gather (index map)
  bool col_recombine = false;  // bit-line outputs routed/added through an output index map
  int64_t index_bits = 0;      // index memory the compaction needs
  int64_t weights_total = 0;   // structural weights (rows*cols/groups)
  int64_t weights_kept = 0;    // non-zero after pruning (== total when unknown)
  std::vector<int> crossbars;  // ids
};

struct Mapping {
  int format_version = kMappingFormatVersion;
  std::string reram_version;
  Network network;  // full graph (batchnorm folded); weights masked when present
  XbarGeometry geometry;
  std::vector<MappedLayer> layers;
  std::vector<PhysicalCrossbar> crossbars;
  int tiles_used = 0, pes_used = 0;
  json pruning = json::object();  // method, granularity, optimizer, accuracy, ... (empty when dense)
  json arch;                      // resolved arch config it was placed for

  int64_t dense_crossbars() const;
  int64_t occupied_crossbars() const { return static_cast<int64_t>(crossbars.size()); }
  double weight_sparsity() const;  // 1 - kept / total over all layers
};

// Dense mapping of every conv/linear layer (the network's batchnorm is folded first;
// grouped convs are packed block-diagonally, docs/mapping-format.md). Places crossbars.
Mapping map_dense(Network net, const ArchConfig& arch);  // by value: move a network you no longer need

// Crossbars a dense layer needs with this geometry (the closed form).
int64_t dense_crossbar_count(const LayerView& v, const XbarGeometry& g);

// Assigns tile / pe / slot: each layer starts on a fresh PE, PEs fill tiles in order.
// Throws ConfigError when the chip has too few tiles (unless chip.tiles_auto).
void place_crossbars(Mapping& m, const ArchConfig& arch);

// Fills nonzeros / active_ous of every crossbar from the network weights (no-op without).
void count_occupancy(Mapping& m, int ou_rows, int ou_cols);

// Per crossbar, the mean stored conductance level of the cells it holds (held rows x
// held bit lines), as a fraction of the top level: 0 = every cell at g_min, 1 = every
// cell at g_max. Weights are quantised as the functional model does (symmetric per layer,
// offset or differential encoding, cell_bits slices). Empty without weights.
std::vector<double> crossbar_level_fractions(const Mapping& m);

// Per crossbar, the largest ideal read any of its bit lines can produce: the sum over one
// read's rows (groups of `ou_rows` held rows) of stored level x top input level
// (2^dac_bits - 1), maximised over bit lines and groups; in level units (LSB 1). Weights
// quantised as crossbar_level_fractions. Empty without weights.
std::vector<double> crossbar_max_reads(const Mapping& m, int ou_rows, int dac_bits);
// The smallest ADC resolution that converts every read in [0, max_read] exactly at LSB 1:
// ceil(log2(max_read + 1)), at least 1.
int lossless_bits(double max_read);
// precision.adc_bits "per_crossbar": lossless_bits of each crossbar's crossbar_max_reads.
std::vector<int> crossbar_adc_bits(const Mapping& m, int ou_rows, int dac_bits);

// Writes PATH (manifest JSON) and, when the network has weights, PATH minus ".json"
// plus ".npz"; both atomically.
void save_mapping(const Mapping& m, const std::string& path);
Mapping load_mapping(const std::string& path);

// Expands the mapping back to each layer's matrix: cells stored in some crossbar keep
// their weight, every other cell is 0 (the lossless-compaction check).
MatrixXf expand_layer(const Mapping& m, int layer);

// Geometries that cannot be useful: a crossbar larger than every layer in both
// dimensions, or a mapping whose crossbars hold under `kLowUtilization` of their cells.
// One sentence per finding (empty when none); `reram map` and `reram sim` print them and
// the map report carries them.
constexpr double kLowUtilization = 0.10;
std::vector<std::string> mapping_warnings(const Mapping& m);

// The `reram map` report (per layer and totals).
json mapping_report(const Mapping& m);
std::string mapping_table(const Mapping& m);

}  // namespace reram
