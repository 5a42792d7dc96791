#pragma once
// The functional model of a mapped network on ReRAM crossbars (docs/functional-model.md):
// a float reference, a quantised float reference (exact integer dot products) and the
// hardware model (bit-serial DAC inputs, weight slices stored as conductances, per-column
// ADC, shift-and-add, digital partial-sum accumulation) with seeded device non-idealities.
#include <cstdint>
#include <vector>

#include "pruning/arch/arch_config.h"
#include "pruning/core/json_util.h"
#include "pruning/functional/forward.h"
#include "pruning/functional/quantize.h"
#include "pruning/xbar/mapping.h"

namespace reram::functional {

// Process CPU time in seconds (robust to a busy machine).
double cpu_seconds();
// CPU time of the calling thread in seconds.
double thread_cpu_seconds();

struct HardwareOptions {
  // Use one exact integer product for a crossbar whose ADC provably never rounds nor
  // clips (ideal devices, LSB = 1 and every column's largest possible read <= the
  // largest ADC code). Results are identical either way; off forces the bit-serial path.
  bool allow_lossless_shortcut = true;
  int64_t block_vectors = 256;  // input vectors processed together per crossbar
  // Ideal devices: compute each read from the conductances' bit planes with popcounts
  // instead of a float product (identical values; off forces the float product).
  bool allow_bit_planes = true;
};

// One physical crossbar as programmed: its slice conductances with non-idealities
// applied, in units of the nominal conductance step (G_max - G_min) / (2^cell_bits - 1).
struct ProgrammedCrossbar {
  int id = 0;
  int mapped_layer = 0;
  std::vector<int64_t> rows, cols;  // logical rows / columns of M (word lines / column slots)
  MatrixXf wq;                      // rows x cols integer weight codes
  // rows x physical columns: effective conductance minus the reference column's G_min,
  // so that (input chunk) * g is the baseline-corrected column read in level units.
  MatrixXf g;
  MatrixXf g_squared;                 // rows x physical columns of (effective G)^2 (read noise)
  std::vector<double> column_weight;  // per physical column: +-2^(slice*cell_bits)
  std::vector<double> wq_colsum;      // per column slot: sum of wq over the crossbar's rows
  double max_read = 0.0;              // largest ideal read of any column (level units)
  double lsb = 1.0;                   // ADC step (level units)
  int adc_bits = 8;                   // its ADC's resolution (precision.adc_bits, or its own: "per_crossbar")
  double calibrated_max = 0.0;        // largest read seen in calibration
  bool lossless = false;              // shortcut eligible
  int64_t stuck_cells = 0;
  // Programming (write-verify): pulses spent on its cells, cells that ended at the pulse
  // limit outside the tolerance, and the summed squared residual error of the healthy
  // cells (level units).
  int64_t program_pulses = 0, program_capped = 0, program_cells = 0;
  double program_sq_error = 0.0;
  double read_sum = 0.0;  // calibration: sum of |column weight| x raw column reads (drift compensation)
  // When every entry of g is a small non-negative integer (ideal devices), its bit planes:
  // gbits[(p * gbit_planes + b) * gbit_words + w] holds bit b of g(64 w .. 64 w + 63, p).
  // A read of 0/1 input bit planes is then a sum of popcounts, exactly the float product.
  std::vector<uint64_t> gbits;
  int gbit_planes = 0;
  int64_t gbit_words = 0;
};

// Per weight layer state shared by the references and the hardware model.
struct LayerModel {
  int network_layer = 0;
  std::string name;
  MatrixXf m;   // crossbar-view matrix as stored (cells in no crossbar are 0)
  MatrixXf wq;  // quantised m (integer codes)
  WeightQuant wquant;
  InputQuant iquant;
  std::vector<int> crossbars;  // indices into FunctionalModel::crossbars()
  // Word-line inputs the hardware model fed: the sum of their levels (each input step's
  // dac_bits chunk as a fraction of its top level) and how many were fed. Their ratio is
  // the layer's measured input bit density (the crossbar and driver cost models' `d`).
  double input_level_sum = 0.0;
  int64_t input_level_count = 0;
  // Global drift compensation: the factor its analog partial sums are scaled by (1: none).
  double drift_scale = 1.0;
  double input_bit_density() const { return input_level_count ? input_level_sum / double(input_level_count) : -1.0; }
};

// A mapping loaded onto a configured architecture. Build, calibrate(), then run.
class FunctionalModel {
 public:
  // Checks the mapping against the arch (crossbar geometry and weight bits must match)
  // and programs every crossbar (seeded by arch.nonideal.seed and the crossbar id).
  FunctionalModel(const Mapping& mapping, const ArchConfig& arch, HardwareOptions options = {});

  // Input ranges of every weight layer from the float model on `images`; with
  // nonideal.adc_range == "calibrated" also each crossbar's ADC range (largest read
  // observed on `images` through the hardware model with an unclipped ADC).
  void calibrate(const Acts& images, int64_t batch_images = 64);

  Acts forward_float(const Acts& images) const;
  Acts forward_quantized(const Acts& images) const;
  Acts forward_hardware(const Acts& images);

  // Integer outputs sum_i (code_i - zero) * wq_ij of one mapped layer for input vectors
  // `v` (rows of M): exactly, and as the crossbars compute them.
  MatrixXd quantized_layer_int(int mapped_layer, const MatrixXf& v) const;
  MatrixXd hardware_layer_int(int mapped_layer, const MatrixXf& v);

  const std::vector<LayerModel>& layers() const { return layers_; }
  std::vector<LayerModel>& layers() { return layers_; }
  const std::vector<ProgrammedCrossbar>& crossbars() const { return xbars_; }
  const ArchConfig& arch() const { return arch_; }
  const Network& network() const { return net_; }
  bool calibrated() const { return calibrated_; }
  int64_t lossless_crossbars() const;
  // Calibration and ADC facts for reports.
  json summary() const;

  // Keys the read-noise streams of the following forward_hardware calls to `stream`
  // (evaluation uses the batch index), so that a batch's noise does not depend on which
  // thread ran it or on what ran before.
  void set_read_stream(uint64_t stream) { read_counter_ = stream << 32; }

  // CPU seconds of only the partial-sum products the hardware model cannot avoid on
  // `images`: for every crossbar, input step and operation-unit read, one product of
  // the batch's input chunks (all vectors at once) with the crossbar's conductances.
  // Inputs are prepared outside the timed region (the benchmark's "bare products").
  double bare_products_cpu_seconds(const Acts& images);

 private:
  int mapped_layer_of(int network_layer) const;
  void program_crossbar(ProgrammedCrossbar& x, const LayerModel& lm, double time_s);
  void program_all(double time_s);
  // One calibration pass over `images` with unclipped ADCs: every crossbar's largest read
  // (calibrated_max) and, per mapped layer, the summed weighted reads (read_sum). Each
  // layer is fed the float reference's outputs (float_inputs) or the hardware's.
  std::vector<double> calibration_reads(const Acts& images, int64_t batch_images, bool float_inputs);
  void set_adc_ranges();
  void run_crossbar(ProgrammedCrossbar& x, const MatrixXi& codes, int64_t zero, MatrixXd& out, bool calibrating);

  ArchConfig arch_;
  HardwareOptions opt_;
  Network net_;
  std::vector<LayerModel> layers_;
  std::vector<ProgrammedCrossbar> xbars_;
  std::vector<int> layer_of_network_;  // network layer -> mapped layer (-1 none)
  bool calibrated_ = false;
  bool ideal_devices_ = true;
  uint64_t read_counter_ = 0;  // advances the read-noise stream per crossbar evaluation
};

}  // namespace reram::functional
