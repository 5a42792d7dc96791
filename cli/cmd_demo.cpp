// `reram demo`: the main job on a bundled default. Maps the trained VGG-style
// Fashion-MNIST net densely, prunes it at column granularity to a quarter of its
// crossbars with a short fine-tune, simulates both mappings cycle-level and measures
// accuracy through the functional crossbar model: the tool's whole loop in a few minutes.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "pruning/core/error.h"
#include "pruning/core/version.h"
#include "pruning/functional/evaluate.h"
#include "pruning/prune/prune.h"
#include "pruning/xbar/mapping.h"
#include "sim/simulate.h"

namespace reram::cli {
namespace {

bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

// The source tree: --root, else the directory above the binary (build/reram), else the
// tree the binary was built from.
std::string find_root(const po::variables_map& vm) {
  if (vm.count("root")) return vm["root"].as<std::string>();
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    std::string exe(buf, static_cast<size_t>(n));
    std::string up = dir_of(dir_of(exe));
    if (exists(up + "/workloads/fmnist/vgg_fmnist.json")) return up;
  }
  return RERAM_SOURCE_DIR;
}

std::string fmt(double v, int prec) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(prec) << v;
  return s.str();
}

// The dense-versus-pruned table on stdout.
void print_table(const Network& net, const ArchConfig& arch, const std::string& granularity, const json& sim_dense,
                 const json& sim_pruned, const json& ev_dense, const json& ev_pruned) {
  auto num = [](const json& j, const char* k) { return j.contains(k) && j[k].is_number() ? j[k].get<double>() : -1.0; };
  struct Row {
    std::string name;
    std::string d, p;
  };
  const json& cd = sim_dense["compression"];
  const json& cp = sim_pruned["compression"];
  std::vector<Row> rows = {
      {"crossbars (occupied / dense)",
       fmt(num(cd, "occupied_crossbars"), 0) + " / " + fmt(num(cd, "dense_crossbars"), 0),
       fmt(num(cp, "occupied_crossbars"), 0) + " / " + fmt(num(cp, "dense_crossbars"), 0)},
      {"crossbar compression", fmt(num(cd, "compression_rate"), 2) + "x", fmt(num(cp, "compression_rate"), 2) + "x"},
      {"weight sparsity", fmt(100 * num(cd, "weight_sparsity"), 1) + " %",
       fmt(100 * num(cp, "weight_sparsity"), 1) + " %"},
      {"accuracy, float", fmt(100 * num(ev_dense, "accuracy_float"), 2) + " %",
       fmt(100 * num(ev_pruned, "accuracy_float"), 2) + " %"},
      {"accuracy, on crossbars", fmt(100 * num(ev_dense, "accuracy_on_hardware"), 2) + " %",
       fmt(100 * num(ev_pruned, "accuracy_on_hardware"), 2) + " %"},
      {"latency (us)", fmt(num(sim_dense, "latency_ns") / 1e3, 2), fmt(num(sim_pruned, "latency_ns") / 1e3, 2)},
      {"energy (uJ)", fmt(num(sim_dense["energy_pj"], "total") / 1e6, 3),
       fmt(num(sim_pruned["energy_pj"], "total") / 1e6, 3)},
      {"area (mm2)", fmt(num(sim_dense["area_mm2"], "total"), 3), fmt(num(sim_pruned["area_mm2"], "total"), 3)},
      {"TOPS/W", fmt(num(sim_dense, "tops_per_w"), 3), fmt(num(sim_pruned, "tops_per_w"), 3)},
  };
  std::cout << "\nreram " << version() << " demo: " << net.name << " on " << arch.name << " (" << arch.crossbar.rows
            << "x" << arch.crossbar.cols << " crossbars, " << arch.crossbar.cell_bits << "-bit cells, "
            << arch.precision.weight_bits << "-bit weights)\n\n";
  std::cout << std::left << std::setw(32) << "" << std::setw(20) << "dense"
            << "pruned (" << granularity << ")\n";
  for (const auto& r : rows) std::cout << std::left << std::setw(32) << r.name << std::setw(20) << r.d << r.p << "\n";
}

int run_demo(int argc, char** argv) {
  po::options_description desc("reram demo options");
  desc.add_options()("help,h", "show this help")(
      "root", po::value<std::string>(),
      "source tree holding workloads/ and arch_configs/ (default: found from the binary)")(
      "output,o", po::value<std::string>()->default_value("out/demo"), "directory for the mappings and reports")(
      "keep-crossbars", po::value<double>()->default_value(0.25), "crossbar budget of the pruned mapping")(
      "granularity", po::value<std::string>()->default_value("column"), "pruning granularity")(
      "finetune-epochs", po::value<int>()->default_value(1), "fine-tuning epochs after pruning")(
      "train-samples", po::value<int64_t>()->default_value(10000), "training images used for fine-tuning")(
      "test-samples", po::value<int64_t>()->default_value(2000), "test images for every accuracy")(
      "seed", po::value<uint64_t>()->default_value(1), "seed of every random choice")(
      "network", po::value<std::string>(),
      "network (.json or .onnx; default: the bundled VGG-style Fashion-MNIST net)")(
      "weights", po::value<std::string>(), "trained weights .npz of --network (default: the bundled net's)")(
      "data", po::value<std::string>()->default_value("fashion-mnist"), kDataHelp);
  po::variables_map vm;
  if (!parse_options(
          argc, argv, desc, vm,
          "usage: reram demo [-o DIR] [--network NET --weights W.npz] [--data DATA]\n\nPrunes the bundled VGG-style "
          "Fashion-MNIST net (or --network) at column granularity to "
          "25% of its crossbars,\nsimulates dense and pruned mappings on arch_configs/default.json and reports "
          "compression,\naccuracy (float and on the crossbar model), latency, energy and area side by side."))
    return 0;
  const auto t0 = std::chrono::steady_clock::now();
  const std::string root = find_root(vm), out = vm["output"].as<std::string>();
  const bool own_net = vm.count("network") > 0;
  if (vm.count("weights") && !own_net) throw InputError("--weights needs --network (the bundled net has its own)");
  const std::string net_path = own_net ? vm["network"].as<std::string>() : root + "/workloads/fmnist/vgg_fmnist.json",
                    arch_path = root + "/arch_configs/default.json";
  if (!own_net && !exists(net_path))
    throw InputError(net_path + ": bundled network not found (use --root to name the source tree)");
  if (::system(("mkdir -p '" + out + "'").c_str()) != 0) throw InputError(out + ": cannot create the output directory");

  std::cerr << "demo: network " << net_path << "\ndemo: arch " << arch_path << "\n";
  ArchConfig arch = load_arch(arch_path);
  // The default's 8-bit ADC cannot resolve every column sum: say so, since it explains the
  // gap between float and on-crossbar accuracy in the table.
  for (const auto& w : arch.warnings()) std::cerr << "demo: note: " << w << "\n";
  Network net = load_network(net_path);
  const std::string weights_path = vm.count("weights") ? vm["weights"].as<std::string>()
                                   : own_net           ? std::string()
                                                       : root + "/workloads/fmnist/vgg_fmnist.npz";
  if (!net.has_weights() && weights_path.empty())
    throw InputError(net_path + ": the demo needs trained weights: give --weights (reram train makes them)");
  if (!net.has_weights() || vm.count("weights")) {
    if (!own_net && !exists(weights_path))
      throw InputError(
          weights_path +
          ": trained weights of the bundled network not found (scripts/train_workloads.sh re-creates them)");
    load_weights_npz(net, weights_path);
  }
  const DataSource src = parse_data_source(vm["data"].as<std::string>());
  Dataset train = load_data_for(src, "train", vm["train-samples"].as<int64_t>(), net);
  Dataset test = load_data_for(src, "test", vm["test-samples"].as<int64_t>(), net);

  std::cerr << "demo: [1/4] dense mapping\n";
  Mapping dense = map_dense(net, arch);
  save_mapping(dense, out + "/dense.map.json");

  std::cerr << "demo: [2/4] pruning (" << vm["granularity"].as<std::string>() << ", magnitude, keep "
            << vm["keep-crossbars"].as<double>() << " of the crossbars, " << vm["finetune-epochs"].as<int>()
            << " fine-tuning epoch(s))\n";
  PruneOptions po_;
  po_.granularity = vm["granularity"].as<std::string>();
  po_.optimizer = "magnitude";
  po_.keep_crossbars = vm["keep-crossbars"].as<double>();
  po_.finetune_epochs = vm["finetune-epochs"].as<int>();
  po_.seed = vm["seed"].as<uint64_t>();
  po_.train.seed = po_.seed;
  po_.train.epochs = po_.finetune_epochs;
  po_.train.lr = 0.01;
  PruneResult pruned = prune_network(net, arch, po_, &train, &test);
  save_mapping(pruned.mapping, out + "/pruned.map.json");
  write_json_atomic(out + "/pruned.prune.json", pruned.report);

  std::cerr << "demo: [3/4] cycle-level simulation of both mappings\n";
  sim::SimOptions so;
  so.mapping_source = out + "/dense.map.json";
  json sim_dense = sim::simulate(dense, arch, so);
  so.mapping_source = out + "/pruned.map.json";
  json sim_pruned = sim::simulate(pruned.mapping, arch, so);
  write_json_atomic(out + "/dense.sim.json", sim_dense);
  write_json_atomic(out + "/pruned.sim.json", sim_pruned);

  std::cerr << "demo: [4/4] accuracy through the functional crossbar model (" << test.size() << " test images)\n";
  functional::EvalOptions eo;
  eo.calibration = &train;
  json ev_dense = functional::evaluate_on_hardware(dense, arch, test, eo);
  json ev_pruned = functional::evaluate_on_hardware(pruned.mapping, arch, test, eo);

  json summary = {{"reram_version", version()},
                  {"network", net_path},
                  {"weights", weights_path},
                  {"arch", arch.to_json()},
                  {"options",
                   {{"granularity", po_.granularity},
                    {"keep_crossbars", po_.keep_crossbars},
                    {"finetune_epochs", po_.finetune_epochs},
                    {"data", src.spec},
                    {"train_samples", train.size()},
                    {"test_samples", test.size()},
                    {"seed", po_.seed}}},
                  {"dense", {{"sim", sim_dense}, {"eval", ev_dense}}},
                  {"pruned", {{"sim", sim_pruned}, {"eval", ev_pruned}, {"prune", pruned.report}}}};
  write_json_atomic(out + "/summary.json", summary);

  print_table(net, arch, po_.granularity, sim_dense, sim_pruned, ev_dense, ev_pruned);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "\nreports in " << out << "/ (summary.json, *.sim.json, *.map.json); " << fmt(secs, 1) << " s\n";
  return 0;
}

RegisterCommand reg("demo", "run the whole loop on the bundled VGG-style Fashion-MNIST net (map, prune, sim, eval)",
                    run_demo);

}  // namespace
}  // namespace reram::cli
