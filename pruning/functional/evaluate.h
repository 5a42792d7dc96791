#pragma once
// Accuracy of a mapped network on the configured hardware: the library entry point of
// `reram eval` and of sweeps (their `accuracy_on_hardware` column).
#include <cstdint>
#include <functional>
#include <vector>

#include "pruning/arch/arch_config.h"
#include "pruning/core/dataset.h"
#include "pruning/core/json_util.h"
#include "pruning/functional/crossbar_model.h"
#include "pruning/xbar/mapping.h"

namespace reram::functional {

struct EvalOptions {
  int64_t batch_images = 64;
  // Images that set the input quantisation ranges and (adc_range "calibrated") the ADC
  // ranges. nullptr: the first `calibration_samples` images of the evaluated data.
  const Dataset* calibration = nullptr;
  int64_t calibration_samples = 256;
  bool run_float = true;
  bool run_quantized = true;
  bool run_hardware = true;
  HardwareOptions hardware;
  // > 0: before evaluating, run benchmark_batch on the first this many images and
  // report it under "benchmark".
  int64_t benchmark_images = 0;
  // Threads over batches (0: OMP_NUM_THREADS, else one per core). Results are identical
  // for every count.
  int threads = 0;
  // Monte-Carlo chip instances: trial 0 is the configured chip, trial k > 0 redraws every
  // non-ideality with seeds derived from the configured ones (trial_arch).
  int trials = 1;
  // Called after each trial k (1-based) of n with its accuracy (progress lines).
  std::function<void(int k, int n, double accuracy)> progress;
};

// The arch of Monte-Carlo trial `k`: every non-ideality seed (nonideal.seed and each
// per-effect seed given) replaced by a seed derived from it and k; k = 0 is `arch`.
ArchConfig trial_arch(const ArchConfig& arch, int k);

// Mean, sample standard deviation and two-sided 95% Student-t confidence interval of
// the mean of `xs` (for one value: its value, 0 and [value, value]).
json interval95(const std::vector<double>& xs);

// `requested` threads, or for 0 reram::default_thread_count() (OMP_NUM_THREADS, else one
// per core); throws ConfigError when negative.
int resolve_threads(int requested);

// Runs the float reference, the quantised float reference and the hardware model on
// every sample of `data`. Returns {"samples", "accuracy_float", "accuracy_quantized",
// "accuracy_on_hardware", "hardware_agrees_with_quantized" (fraction of equal
// predictions), "calibration_samples", "calibration_source", "model" (FunctionalModel
// summary), "threads", "time_s" (per model: seconds summed over batches; "wall": the
// whole run), "hardware_cpu_time_s" (CPU of the hardware model summed over threads),
// "input_bit_density", "benchmark" (when asked)}. Models that were not run are omitted.
// With options.trials > 1 also "trials": {"n", "seeds", "accuracy_on_hardware" (per
// trial), "mean", "std", "ci95"}, and accuracy_on_hardware is the mean over the trials.
json evaluate_on_hardware(const Mapping& mapping, const ArchConfig& arch, const Dataset& data,
                          const EvalOptions& options = {});

// Times one batch through the calibrated `model` twice: the bare partial-sum products
// (FunctionalModel::bare_products_cpu_seconds) and the full forward_hardware, both in
// CPU seconds. Returns {"images", "bare_products_cpu_s", "hardware_model_cpu_s",
// "ratio", "lossless_crossbars", "crossbars"}.
json benchmark_batch(FunctionalModel& model, const Acts& batch);

// The dataset's images as an N x (C*H*W) matrix (a copy); throws InputError when the
// sample shape does not match `expect`.
Acts dataset_images(const Dataset& data, const Shape& expect, const std::string& where);

}  // namespace reram::functional
