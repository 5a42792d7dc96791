// `reram eval`: accuracy of a mapped network on the configured crossbar hardware
// (float reference, quantised reference and the functional hardware model).
#ifdef RERAM_FUNCTIONAL_AVAILABLE

#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "pruning/core/dataset.h"
#include "pruning/core/error.h"
#include "pruning/core/json_util.h"
#include "pruning/core/version.h"
#include "pruning/functional/evaluate.h"
#include "pruning/xbar/mapping.h"

namespace reram::cli {
namespace {

int run_eval(int argc, char** argv);
RegisterCommand reg("eval", "accuracy of a mapped network on crossbar hardware (quantisation, ADC, non-idealities)",
                    run_eval);

// The readable summary of one evaluation.
void print_result(const json& r, const Mapping& m, const ArchConfig& arch, int64_t images) {
  auto pct = [&](const char* k) {
    char b[64];
    std::snprintf(b, sizeof b, "%.2f %%", 100.0 * r[k].get<double>());
    return std::string(b);
  };
  std::cout << "network " << m.network.name << " on " << arch.name << ", " << images << " test images\n";
  if (r.contains("accuracy_float")) std::cout << "  float accuracy           " << pct("accuracy_float") << "\n";
  if (r.contains("accuracy_quantized")) std::cout << "  quantised accuracy       " << pct("accuracy_quantized") << "\n";
  if (r.contains("trials")) {
    const json& t = r["trials"];
    char b[160];
    std::snprintf(b, sizeof b, "%.2f %% mean of %d trials, std %.2f, 95%% interval [%.2f, %.2f] %%",
                  100 * t["mean"].get<double>(), t["n"].get<int>(), 100 * t["std"].get<double>(),
                  100 * t["ci95"][0].get<double>(), 100 * t["ci95"][1].get<double>());
    std::cout << "  hardware accuracy        " << b << "\n";
  } else {
    std::cout << "  hardware accuracy        " << pct("accuracy_on_hardware") << "\n";
  }
  if (r.contains("hardware_agrees_with_quantized"))
    std::cout << "  hw == quantised preds    " << pct("hardware_agrees_with_quantized") << "\n";
  std::cout << "  ADC-lossless crossbars   " << r["model"]["adc_lossless_crossbars"] << " of "
            << r["model"]["crossbars"] << " (adc_range " << arch.nonideal.adc_range << ")\n";
  char b[160];
  std::snprintf(b, sizeof b, "%.2f s wall on %d thread(s), %.2f s CPU", r["time_s"]["wall"].get<double>(),
                r["threads"].get<int>(), r["hardware_cpu_time_s"].get<double>());
  std::cout << "  evaluation time          " << b << "\n";
  if (r.contains("benchmark")) {
    const json& k = r["benchmark"];
    std::snprintf(b, sizeof b, "%lld images: bare products %.3f s CPU, full hardware model %.3f s CPU, ratio %.2f",
                  static_cast<long long>(k["images"].get<int64_t>()), k["bare_products_cpu_s"].get<double>(),
                  k["hardware_model_cpu_s"].get<double>(), k["ratio"].get<double>());
    std::cout << "  benchmark                " << b << "\n";
  }
}

int run_eval(int argc, char** argv) {
  std::string mapping_path, network_path, weights, data = "fashion-mnist", out;
  int64_t samples = 0, calib_samples = 256, batch = 64;
  int threads = 0, trials = 1;
  uint64_t random_seed = 0;
  po::options_description desc("reram eval options");
  desc.add_options()("help,h", "show this help")("mapping", po::value(&mapping_path),
                                                 "mapping manifest (.json; its .npz weights sidecar is read)")(
      "network", po::value(&network_path), "instead of --mapping: a network (.json/.onnx), mapped densely on --arch")(
      "weights", po::value(&weights),
      "weights .npz (keys of the mapping's network, batchnorm folded; or of --network)")(
      "random-weights", po::value(&random_seed),
      "with --network: seeded random weights (smoke tests and benchmarks; accuracy is chance)");
  add_arch_options(desc);
  desc.add_options()("data", po::value(&data)->default_value(data), kDataHelp)(
      "samples", po::value(&samples)->default_value(0), "evaluate the first N test images (0: all)")(
      "calibration-samples", po::value(&calib_samples)->default_value(calib_samples),
      "training images that set input and (adc_range=calibrated) ADC ranges")(
      "batch", po::value(&batch)->default_value(batch), "images per batch")(
      "threads", po::value(&threads)->default_value(0),
      "threads over batches (0: OMP_NUM_THREADS, else one per core); results are identical for every count")(
      "no-shortcut", "never use the exact one-product path for lossless crossbars (same results, slower)")(
      "no-bit-planes", "compute crossbar reads as float products, not from bit planes (same results, slower)")(
      "skip-float", "do not run the float and quantised references")(
      "trials", po::value(&trials)->default_value(1),
      "Monte-Carlo chip instances: redraw every enabled non-ideality N times (seeds derived from nonideal.*seed) "
      "and report mean, std and 95% interval of the hardware accuracy")(
      "benchmark", po::value<int64_t>(),
      "first time N images twice: bare partial-sum products vs the full hardware model (CPU s, ratio)")(
      "output,o", po::value(&out), "result JSON (accuracies, resolved arch, model summary)")(
      "quiet,q", "print nothing but errors");
  po::variables_map vm;
  if (!parse_options(argc, argv, desc, vm,
                     "usage: reram eval (--mapping M.json [--weights W.npz] | --network NET [--weights W.npz]) "
                     "--arch A.json [--set k=v]... --data DATA [--samples N] [-o EVAL.json]\n\n"
                     "Runs the float reference, the quantised reference and the crossbar hardware model\n"
                     "(docs/functional-model.md) on the data set's test images and prints their accuracies."))
    return 0;
  if (vm.count("mapping") == vm.count("network")) throw ConfigError("give exactly one of --mapping and --network");
  if (samples < 0) throw ConfigError("--samples must be >= 0");
  if (calib_samples <= 0) throw ConfigError("--calibration-samples must be positive");
  if (batch <= 0) throw ConfigError("--batch must be positive");
  if (trials < 1) throw ConfigError("--trials must be at least 1 (got " + std::to_string(trials) + ")");
  if (vm.count("random-weights") && (vm.count("mapping") || vm.count("weights")))
    throw ConfigError("--random-weights needs --network and conflicts with --weights");

  const ArchConfig arch = arch_from_options(vm);
  Mapping m;
  if (vm.count("mapping")) {
    m = load_mapping(mapping_path);
    if (!weights.empty()) load_weights_npz(m.network, weights);
  } else {
    Network net = load_network(network_path);
    if (!weights.empty()) load_weights_npz(net, weights);
    if (vm.count("random-weights")) randomize_weights(net, random_seed);
    m = map_dense(net, arch);
  }

  const DataSource src = parse_data_source(data);
  const std::string dir = src.path;
  const Dataset test = load_data_for(src, "test", samples, m.network);
  const Dataset calib = load_data_for(src, "train", calib_samples, m.network);
  functional::EvalOptions o;
  o.batch_images = batch;
  o.threads = functional::resolve_threads(threads);
  o.calibration = &calib;
  o.hardware.allow_lossless_shortcut = !vm.count("no-shortcut");
  o.hardware.allow_bit_planes = !vm.count("no-bit-planes");
  if (vm.count("skip-float")) o.run_float = o.run_quantized = false;
  if (vm.count("benchmark")) o.benchmark_images = vm["benchmark"].as<int64_t>();
  o.trials = trials;
  if (!vm.count("quiet"))
    o.progress = [](int k, int n, double acc) {
      std::fprintf(stderr, "trial %d/%d: hardware accuracy %.2f %%\n", k, n, 100.0 * acc);
    };
  json r = functional::evaluate_on_hardware(m, arch, test, o);
  r["calibration_source"] = src.spec + " train split (first " + std::to_string(calib.size()) + ")";

  json report;
  report["reram_version"] = version();
  report["inputs"] = {{"mapping", mapping_path},
                      {"network", vm.count("network") ? network_path : m.network.source_file},
                      {"weights", weights},
                      {"random_weights_seed", vm.count("random-weights") ? json(random_seed) : json(nullptr)},
                      {"data", src.spec},
                      {"data_dir", dir},
                      {"samples", test.size()},
                      {"calibration_samples", calib.size()},
                      {"batch", batch},
                      {"threads", o.threads},
                      {"trials", trials},
                      {"lossless_shortcut", o.hardware.allow_lossless_shortcut},
                      {"bit_planes", o.hardware.allow_bit_planes}};
  report["arch"] = arch.to_json();
  report["result"] = r;
  if (!out.empty()) write_json_atomic(out, report);
  if (!vm.count("quiet")) print_result(r, m, arch, test.size());
  return 0;
}

}  // namespace
}  // namespace reram::cli

#endif  // RERAM_FUNCTIONAL_AVAILABLE
