// `reram train`: trains (or fine-tunes) a network on a data set (docs/data.md) with the LibTorch
// backend and writes its weights as .npz, plus an optional per-epoch JSON report.
#ifdef RERAM_TRAIN_AVAILABLE

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "cli/option_flags.h"
#include "pruning/core/dataset.h"
#include "pruning/core/json_util.h"
#include "pruning/core/npy.h"
#include "pruning/core/version.h"
#include "pruning/train/trainer.h"

namespace reram::cli {
namespace {

// A training recipe (docs/data.md "Recipes"): {"format": "reram-recipe", "name",
// "description", "network", "data", "train": {options}, "reference": {...}}. Its train
// options fill every option not given on the command line.
json load_recipe(const std::string& path, const po::variables_map& vm, TrainOptions& t) {
  json r = load_json_file(path);
  if (!r.is_object() || r.value("format", "") != "reram-recipe")
    throw InputError(path + ": not a training recipe (\"format\": \"reram-recipe\" expected)");
  for (const auto& [k, v] : r.items())
    if (k != "format" && k != "name" && k != "description" && k != "network" && k != "data" && k != "train" &&
        k != "reference")
      throw InputError(path + ": unknown key '" + k + "'");
  if (!r.contains("network") || !r["network"].is_string()) throw InputError(path + ": 'network' (a path) is missing");
  if (!r.contains("train") || !r["train"].is_object())
    throw InputError(path + ": 'train' (an object of options) is missing");
  options_from_json(train_options(), t, r["train"], path, "train.",
                    [&](const std::string& key) { return flag_given(vm, train_options(), key); });
  return r;
}

// The checks of the options that can fail before any file is read.
void check_train_options(const TrainOptions& t, int64_t train_limit, int64_t test_limit) {
  if (train_limit < 0 || test_limit < 0) throw ConfigError("--train-limit/--test-limit must be >= 0");
  check_option_values(train_options(), t);  // checked again by the Trainer; here before the data set is read
}

// What a run used and measured, for the --report file.
struct TrainRun {
  std::string network, recipe_path, weights, out;
  json recipe;
  bool started_from_weights = false;
  int64_t train_limit = 0, test_limit = 0;
  double initial_accuracy = -1, final_accuracy = 0, wall = 0;
};

json train_report(const TrainRun& run, const Network& net, const TrainOptions& t, const DataSource& src,
                  const Dataset& train, const Dataset& test, const std::vector<EpochStats>& stats) {
  json r;
  r["reram_version"] = version();
  r["command"] = "train";
  r["network"] = run.network;
  r["network_name"] = net.name;
  if (!run.recipe.is_null()) r["recipe"] = {{"file", run.recipe_path}, {"contents", run.recipe}};
  r["initial_weights"] = !run.weights.empty() ? run.weights : run.started_from_weights ? "network" : "seeded_init";
  r["data"] = src.spec;
  r["data_dir"] = src.path;
  r["normalisation"] = {{"mean", train.mean}, {"std", train.std}};
  r["train_size"] = train.size();
  r["test_size"] = test.size();
  r["output"] = run.out;
  r["options"] = t.to_json();
  r["options"]["train_limit"] = run.train_limit;
  r["options"]["test_limit"] = run.test_limit;
  json ep = json::array();
  for (const EpochStats& s : stats)
    ep.push_back({{"epoch", s.epoch + 1},
                  {"loss", s.loss},
                  {"train_accuracy", s.train_accuracy},
                  {"test_accuracy", s.test_accuracy},
                  {"seconds", s.seconds}});
  r["epochs"] = ep;
  if (run.initial_accuracy >= 0) r["initial_test_accuracy"] = run.initial_accuracy;
  r["final_test_accuracy"] = run.final_accuracy;
  r["wall_seconds"] = run.wall;
  return r;
}

int run_train(int argc, char** argv) {
  TrainOptions t;
  std::string network, weights, data = "fashion-mnist", out, report, recipe_path;
  int64_t train_limit = 0, test_limit = 0;
  po::options_description desc("reram train options");
  desc.add_options()("help,h", "show this help")(
      "recipe", po::value(&recipe_path),
      "training recipe (.json: network, options, reference accuracy; workloads/cifar10/*.recipe.json); "
      "options given on the command line override it")("network", po::value(&network),
                                                       "network description (.json or .onnx); optional with --recipe")(
      "weights", po::value(&weights), "start from these weights (.npz) instead of the network's own or a seeded init")(
      "from-scratch", "ignore the network's own weights and start from a seeded init")(
      "data", po::value(&data)->default_value(data), kDataHelp)(
      "train-limit", po::value(&train_limit)->default_value(0), "use only the first N training images (0: all)")(
      "test-limit", po::value(&test_limit)->default_value(0), "use only the first N test images (0: all)")(
      "quiet", "no per-epoch progress lines")("output,o", po::value(&out)->required(), "trained weights (.npz)")(
      "report", po::value(&report), "per-epoch statistics and resolved options (.json)");
  po::options_description training("training options (also a recipe's \"train\" keys, with '_' for '-')");
  add_option_flags(training, train_options(), t);
  desc.add(training);
  po::variables_map vm;
  if (!parse_options(
          argc, argv, desc, vm,
          "usage: reram train (--network NET.json | --recipe R.json) --data DATA [--epochs N] -o weights.npz"))
    return 0;
  read_option_flags(vm, train_options(), t);
  json recipe;
  if (vm.count("recipe")) {
    recipe = load_recipe(recipe_path, vm, t);
    if (!vm.count("network")) network = resolve_relative(recipe_path, recipe.at("network").get<std::string>());
  }
  if (network.empty()) throw ConfigError("give --network (or a --recipe that names one)");
  if (t.schedule == "multistep" && t.milestones.empty())
    throw ConfigError("the multistep schedule needs milestones (--milestones, epochs, ascending)");
  t.progress = !vm.count("quiet");
  check_train_options(t, train_limit, test_limit);
  auto t0 = std::chrono::steady_clock::now();
  if (vm.count("from-scratch") && !weights.empty()) throw ConfigError("--from-scratch conflicts with --weights");
  Network net = load_network(network);
  if (vm.count("from-scratch"))
    for (Layer& l : net.layers) l.params.clear();
  if (!weights.empty()) load_weights_npz(net, weights);
  const bool started_from_weights = net.has_weights();
  const DataSource src = parse_data_source(data);
  Dataset train = load_data_for(src, "train", train_limit, net);
  Dataset test = load_data_for(src, "test", test_limit, net);

  Trainer trainer(net, t);
  double initial_accuracy = started_from_weights ? trainer.evaluate(test) : -1;
  if (t.progress && started_from_weights) std::fprintf(stderr, "initial test_acc %.2f%%\n", 100 * initial_accuracy);
  std::vector<EpochStats> stats = trainer.fit(train, test);
  double final_accuracy = stats.empty() ? initial_accuracy : stats.back().test_accuracy;
  if (stats.empty()) final_accuracy = trainer.evaluate(test);
  trainer.export_weights(net);
  write_npz_atomic(out, weights_to_npz(net));
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (!report.empty()) {
    TrainRun run;
    run.network = network;
    run.recipe_path = recipe_path;
    run.weights = weights;
    run.out = out;
    run.recipe = recipe;
    run.started_from_weights = started_from_weights;
    run.train_limit = train_limit;
    run.test_limit = test_limit;
    run.initial_accuracy = initial_accuracy;
    run.final_accuracy = final_accuracy;
    run.wall = wall;
    write_json_atomic(report, train_report(run, net, t, src, train, test, stats));
  }
  std::printf("%s: test accuracy %.2f%% after %d epochs (%.0f s); weights -> %s\n", net.name.c_str(),
              100 * final_accuracy, t.epochs, wall, out.c_str());
  return 0;
}

RegisterCommand reg("train", "train or fine-tune a network (LibTorch; Fashion-MNIST, CIFAR, npz; recipes)", run_train);

}  // namespace
}  // namespace reram::cli

#endif  // RERAM_TRAIN_AVAILABLE
