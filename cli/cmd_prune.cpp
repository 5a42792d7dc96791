// `reram prune`: crossbar-aware pruning of a trained network into a sparse crossbar
// mapping (for `reram sim`) plus a PRUNE.json report; `--sensitivity` runs the per-layer
// sensitivity analysis instead (accuracy vs. crossbar keep ratio, printed and saved).
#ifdef RERAM_PRUNE_AVAILABLE

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>

#include "cli/command.h"
#include "cli/option_flags.h"
#include "pruning/core/dataset.h"
#include "pruning/core/json_util.h"
#include "pruning/prune/granularity.h"
#include "pruning/prune/optimizer.h"
#include "pruning/prune/prune.h"
#include "pruning/prune/search.h"

namespace reram::cli {
namespace {

std::vector<double> parse_list(const std::string& s) {
  std::vector<double> out = parse_number_list(s, "--sensitivity-ratios");
  if (out.empty()) throw ConfigError("--sensitivity-ratios is empty");
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i] <= 0 || out[i] > 1 || (i && out[i] <= out[i - 1]))
      throw ConfigError("--sensitivity-ratios must be ascending values in (0, 1]");
  return out;
}

std::map<std::string, double> load_ratios(const std::string& path) {
  json j = load_json_file(path);
  if (!j.is_object()) throw InputError(path + ": expected an object {\"layer\": keep_ratio, ...}");
  std::map<std::string, double> r;
  for (auto& [k, v] : j.items()) {
    if (!v.is_number()) throw InputError(path + ": ratio of '" + k + "' is not a number");
    r[k] = v.get<double>();
  }
  if (r.empty()) throw InputError(path + ": no layer ratios");
  return r;
}

std::string help_lists() {
  std::string s = "granularities:\n";
  for (auto& n : prune::granularity_names()) {
    const prune::Granularity& g = prune::granularity(n);
    s += "  " + n + ": " + g.summary() + "\n";
    for (const auto& p : g.params()) {
      std::ostringstream d;
      d << "      --granularity-param " << p.name << "=V: " << p.doc << " (default " << p.default_value << ", " << p.min
        << ".." << p.max << ")\n";
      s += d.str();
    }
  }
  s += "optimizers:\n";
  for (auto& n : prune::optimizer_names()) s += "  " + n + ": " + prune::optimizer(n).summary() + "\n";
  return s;
}

void print_table(const json& r) {
  std::printf("%-14s %8s %8s %8s %9s %10s %7s\n", "layer", "dense", "occupied", "compr.", "sparsity", "index_bits",
              "reorder");
  for (auto& l : r["layers"])
    std::printf("%-14s %8lld %8lld %7.2fx %8.1f%% %10lld %7s\n", l["layer"].get<std::string>().c_str(),
                static_cast<long long>(l["dense_crossbars"].get<int64_t>()),
                static_cast<long long>(l["occupied_crossbars"].get<int64_t>()), l["compression"].get<double>(),
                100 * l["weight_sparsity"].get<double>(), static_cast<long long>(l["index_bits"].get<int64_t>()),
                l.contains("reorder") ? (l["reorder"].get<bool>() ? "on" : "off")
                                      : (l["prunable"].get<bool>() ? "-" : "dense"));
  auto& tp = r["total_prunable"];
  auto& t = r["total"];
  std::printf("prunable layers: %lld -> %lld crossbars (%.2fx, %.1f%% kept), weight sparsity %.1f%%\n",
              static_cast<long long>(tp["dense_crossbars"].get<int64_t>()),
              static_cast<long long>(tp["occupied_crossbars"].get<int64_t>()), tp["compression"].get<double>(),
              100 * tp["crossbar_fraction"].get<double>(), 100 * tp["weight_sparsity"].get<double>());
  std::printf("all layers:      %lld -> %lld crossbars (%.2fx), weight sparsity %.1f%%\n",
              static_cast<long long>(t["dense_crossbars"].get<int64_t>()),
              static_cast<long long>(t["occupied_crossbars"].get<int64_t>()), t["compression"].get<double>(),
              100 * t["weight_sparsity"].get<double>());
  auto pct = [](const json& v) {
    return v.is_null() ? std::string("n/a") : std::to_string(100 * v.get<double>()).substr(0, 5) + "%";
  };
  auto& a = r["accuracy"];
  std::printf("accuracy: dense %s, pruned %s, fine-tuned %s\n", pct(a["dense"]).c_str(), pct(a["pruned"]).c_str(),
              pct(a["finetuned"]).c_str());
}

// Everything `reram prune` reads from its command line.
struct PruneArgs {
  PruneOptions o;
  SearchOptions search;
  int64_t validation_samples = 5000;
  std::vector<std::string> granularity_params;  // NAME=VALUE
  std::string network, weights, data = "fashion-mnist", out, report, ratios_file, sens_file,
                                sens_ratios = "0.1,0.25,0.5,0.75";
  std::string sens_split = "test";
  int64_t train_limit = 0, test_limit = 0, sens_samples = 5000;
  PruneArgs() {
    o.train.epochs = 1;
    o.train.lr = 0.01;
    o.train.schedule = "cosine";
  }
};

// Table rows with flags of their own: --include-first/--include-last switch them off.
const std::set<std::string> kOwnFlags = {"exclude_first", "exclude_last"};

// The option table of `reram prune`.
po::options_description prune_options(PruneArgs& a) {
  po::options_description desc("reram prune options");
  desc.add_options()("help,h", "show this help (lists granularities and optimizers)")(
      "network", po::value(&a.network)->required(), "network description (.json or .onnx)")(
      "weights", po::value(&a.weights), "trained weights (.npz) unless the network carries its own")(
      "keep-crossbars", po::value(&a.o.keep_crossbars),
      "keep at most this fraction of the prunable layers' dense crossbars")(
      "weight-sparsity", po::value(&a.o.weight_sparsity), "remove this fraction of weights in every prunable layer")(
      "ratios", po::value(&a.ratios_file), "JSON {layer: crossbar keep ratio}; unlisted layers stay dense")(
      "sensitivity-file", po::value(&a.sens_file), "a --sensitivity report used by --allocation sensitivity")(
      "include-first", "prune the first weight layer too (excluded by default)")(
      "include-last", "prune the last weight layer too (excluded by default)")(
      "lr", po::value(&a.o.train.lr)->default_value(a.o.train.lr), "learning rate of pruning and fine-tuning")(
      "batch-size", po::value(&a.o.train.batch_size)->default_value(a.o.train.batch_size), "mini-batch size")(
      "train-schedule", po::value(&a.o.train.schedule)->default_value(a.o.train.schedule),
      "lr schedule: cosine | step | constant")(
      "weight-decay", po::value(&a.o.train.weight_decay)->default_value(a.o.train.weight_decay), "weight decay")(
      "granularity-param", po::value(&a.granularity_params)->composing(),
      "NAME=VALUE: a parameter the granularity declares (repeatable; listed under its name below)")(
      "balance-g", po::value<double>(), "= --granularity-param g=V (balanced, mixed)")(
      "balance-p", po::value<double>(), "= --granularity-param p=V (balanced)")(
      "mixed-fine-fraction", po::value<double>(), "= --granularity-param fine_fraction=V (mixed)")(
      "mixed-fine-p", po::value<double>(), "= --granularity-param fine_p=V (mixed)")(
      "ou-rows", po::value<double>(), "= --granularity-param rows=V (ou)")("ou-cols", po::value<double>(),
                                                                           "= --granularity-param cols=V (ou)")(
      "data", po::value(&a.data)->default_value(a.data), (std::string(kDataHelp) + "; 'none': no data").c_str())(
      "train-limit", po::value(&a.train_limit)->default_value(0), "first N training images (0: all)")(
      "test-limit", po::value(&a.test_limit)->default_value(0), "first N test images (0: all)")(
      "threads", po::value(&a.o.train.threads)->default_value(0),
      "LibTorch intra-op threads for training (0: OMP_NUM_THREADS, else one per core)")("quiet",
                                                                                        "no per-epoch progress lines")(
      "measure-plain-epoch", "also time one plain training epoch (report: optimizer_log.plain_epoch_seconds)")(
      "sensitivity", "run the sensitivity analysis instead of pruning (-o gets the JSON)")(
      "sensitivity-ratios", po::value(&a.sens_ratios)->default_value(a.sens_ratios),
      "crossbar keep ratios of the analysis")("sensitivity-split",
                                              po::value(&a.sens_split)->default_value(a.sens_split),
                                              "data the analysis scores on: test (the --test-limit images) | "
                                              "train-tail (the last --sensitivity-samples training "
                                              "images, held out from fine-tuning when --train-limit leaves them out)")(
      "sensitivity-samples", po::value(&a.sens_samples)->default_value(a.sens_samples), "train-tail: number of images")(
      "max-accuracy-loss", po::value(&a.search.max_accuracy_loss),
      "search the smallest crossbar budget whose validation accuracy stays within P percentage points of the dense "
      "net's; -o gets that mapping, the report the frontier (docs/pruning.md)")(
      "validation-samples", po::value(&a.validation_samples)->default_value(a.validation_samples),
      "with --max-accuracy-loss: training images held out (the last N) to judge every budget")(
      "search-steps", po::value(&a.search.steps)->default_value(a.search.steps),
      "bisection steps after the lowest budget")("search-min-keep",
                                                 po::value(&a.search.min_keep)->default_value(a.search.min_keep),
                                                 "lowest kept crossbar fraction tried")(
      "search-confidence", po::value(&a.search.confidence_z)->default_value(0.0),
      "with --max-accuracy-loss: a budget holds when its validation accuracy minus Z standard errors of its loss "
      "(paired with the dense net) is within the bound; 0: plain comparison")(
      "search-final-epochs", po::value(&a.search.final_finetune_epochs)->default_value(0),
      "with --max-accuracy-loss: prune the chosen budget once more with N fine-tuning epochs (the steps use "
      "--finetune-epochs); -o gets it if it still holds the bound")(
      "search-dir", po::value(&a.search.state_dir), "state of the search, reused by a rerun (default: OUTPUT.search)")(
      "output,o", po::value(&a.out)->required(), "sparse mapping (.json + .npz), or the sensitivity JSON")(
      "report", po::value(&a.report), "PRUNE.json report");
  po::options_description method("pruning method options (the report's \"options\" keys, with '_' for '-')");
  add_option_flags(method, reram::prune_options(), a.o, kOwnFlags);
  desc.add(method);
  add_arch_options(desc);
  return desc;
}

// Flags into options, and the checks the option table cannot express.
void finish_options(PruneArgs& a, const po::variables_map& vm) {
  read_option_flags(vm, reram::prune_options(), a.o, kOwnFlags);
  a.o.exclude_first = !vm.count("include-first");
  a.o.exclude_last = !vm.count("include-last");
  a.o.train.progress = !vm.count("quiet");
  a.o.train.seed = a.o.seed;
  a.o.measure_plain_epoch = vm.count("measure-plain-epoch") > 0;
  if (!a.ratios_file.empty()) a.o.layer_ratios = load_ratios(a.ratios_file);
  for (const auto& kv : a.granularity_params) {
    const size_t eq = kv.find('=');
    char* end = nullptr;
    const double v = eq == std::string::npos ? 0.0 : std::strtod(kv.c_str() + eq + 1, &end);
    if (eq == std::string::npos || eq == 0 || end == kv.c_str() + eq + 1 || *end != '\0' || !std::isfinite(v))
      throw ConfigError("--granularity-param '" + kv + "' must look like NAME=NUMBER");
    a.o.granularity_params[kv.substr(0, eq)] = v;
  }
  // The older flags of three granularities' parameters, each one spelling of a parameter.
  for (const auto& [flag, param] : {std::pair<const char*, const char*>{"balance-g", "g"},
                                    {"balance-p", "p"},
                                    {"mixed-fine-fraction", "fine_fraction"},
                                    {"mixed-fine-p", "fine_p"},
                                    {"ou-rows", "rows"},
                                    {"ou-cols", "cols"}})
    if (vm.count(flag)) {
      if (a.o.granularity_params.count(param))
        throw ConfigError(std::string("--") + flag + " and --granularity-param " + param + " both given");
      a.o.granularity_params[param] = vm[flag].as<double>();
    }
  if (!a.sens_file.empty()) a.o.sensitivity = load_json_file(a.sens_file);
  if (a.o.train.threads < 0) throw ConfigError("--threads must be >= 0");
  if (a.sens_split != "test" && a.sens_split != "train-tail")
    throw ConfigError("--sensitivity-split must be test or train-tail, got '" + a.sens_split + "'");
  if (a.sens_samples < 1) throw ConfigError("--sensitivity-samples must be >= 1");
  if (a.train_limit < 0 || a.test_limit < 0) throw ConfigError("--train-limit/--test-limit must be >= 0");
}

// The data sets a run needs: test (or the training tail for a sensitivity analysis), training
// and, for the search, a validation split held out from training.
struct PruneData {
  bool have = false;
  Dataset train, test, validation;
};

PruneData load_prune_data(const PruneArgs& a, const po::variables_map& vm, const Network& net) {
  PruneData d;
  d.have = a.data != "none";
  if (d.have) {
    const DataSource src = parse_data_source(a.data);
    if (vm.count("sensitivity") && a.sens_split == "train-tail") {
      d.test = load_data_for(src, "train", -1, net).tail(a.sens_samples);
    } else {
      d.test = load_data_for(src, "test", a.test_limit, net);
    }
    bool need_train = !vm.count("sensitivity");
    if (need_train && vm.count("max-accuracy-loss")) {
      // Validation: the last N training images; pruning and fine-tuning use the others.
      Dataset all = load_data_for(src, "train", -1, net);
      if (a.validation_samples < 1 || a.validation_samples >= all.size())
        throw ConfigError("--validation-samples must be in 1.." + std::to_string(all.size() - 1) +
                          " (the training split has " + std::to_string(all.size()) + " images)");
      d.validation = all.tail(a.validation_samples);
      d.train = all.head(all.size() - a.validation_samples).head(a.train_limit);
    } else if (need_train) {
      d.train = load_data_for(src, "train", a.train_limit, net);
    }
  }
  return d;
}

// `--sensitivity`: accuracy of each layer pruned alone at each keep ratio.
int run_sensitivity(const PruneArgs& a, const Network& net, const ArchConfig& arch, const PruneData& d) {
  if (!d.have) throw ConfigError("--sensitivity needs test data (--data)");
  json s = sensitivity_analysis(net, arch, a.o, parse_list(a.sens_ratios), d.test);
  s["network_file"] = a.network;
  s["weights_file"] = a.weights;
  s["data_split"] = a.sens_split == "test" ? "test (first " + std::to_string(d.test.size()) + ")"
                                           : "train tail (last " + std::to_string(d.test.size()) + " training images)";
  write_json_atomic(a.out, s);
  std::printf("sensitivity (%s, dense accuracy %.2f%%): accuracy %% at crossbar keep ratio\n%-14s",
              s["granularity"].get<std::string>().c_str(), 100 * s["dense_accuracy"].get<double>(), "layer");
  for (double r : s["ratios"]) std::printf(" %7.2f", r);
  std::printf("\n");
  for (auto& l : s["layers"]) {
    std::printf("%-14s", l["layer"].get<std::string>().c_str());
    for (auto& acc : l["accuracy"]) std::printf(" %7.2f", 100 * acc.get<double>());
    std::printf("\n");
  }
  return 0;
}

// `--max-accuracy-loss`: the most compressed mapping within the bound, and the frontier.
int run_search(PruneArgs& a, const po::variables_map& vm, const Network& net, const ArchConfig& arch,
               const PruneData& d) {
  if (!d.have) throw ConfigError("--max-accuracy-loss needs data (--data)");
  if (a.search.state_dir.empty()) a.search.state_dir = a.out + ".search";
  a.search.progress = !vm.count("quiet");
  SearchResult sr = search_max_compression(net, arch, a.o, d.train, d.validation, &d.test, a.search);
  sr.best.report["network_file"] = a.network;
  sr.best.report["weights_file"] = a.weights;
  sr.best.report["output"] = a.out;
  sr.best.report["search"] = sr.search;
  save_mapping(sr.best.mapping, a.out);
  if (!a.report.empty()) write_json_atomic(a.report, sr.best.report);
  print_table(sr.best.report);
  std::printf(
      "\nsearch: dense validation %.2f%%, bound %.2f%% (-%.2f points, margin %g standard errors); budgets "
      "tried:\n",
      100 * sr.search["reference_validation_accuracy"].get<double>(),
      100 * sr.search["bound_validation_accuracy"].get<double>(), a.search.max_accuracy_loss, a.search.confidence_z);
  std::printf("  %-8s %-11s %-10s %-8s %-8s %s\n", "keep", "compression", "validation", "loss se", "test",
              "within bound");
  for (const auto& row : sr.search["frontier"])
    std::printf("  %-8.4f %-11.2f %-10.2f %-8.2f %-8.2f %s\n", row["keep_crossbars"].get<double>(),
                row["compression"].get<double>(), 100 * row["validation_accuracy"].get<double>(),
                100 * row["validation_loss_se"].get<double>(),
                row["test_accuracy"].is_number() ? 100 * row["test_accuracy"].get<double>() : -1.0,
                row["within_bound"].get<bool>() ? "yes" : "no");
  std::printf("chosen: keep %.4f\n", sr.search["chosen_keep_crossbars"].get<double>());
  const json& fin = sr.search["final"];
  if (fin.is_object())
    std::printf("final fine-tuning (%d epochs): validation %.2f%%, test %.2f%%: %s\n",
                fin["finetune_epochs"].get<int>(), 100 * fin["validation_accuracy"].get<double>(),
                fin["test_accuracy"].is_number() ? 100 * fin["test_accuracy"].get<double>() : -1.0,
                fin["used"].get<bool>() ? "written" : "below the bound, the search's mapping written");
  return 0;
}

int run_prune(int argc, char** argv) {
  PruneArgs a;
  po::options_description desc = prune_options(a);
  po::variables_map vm;
  if (!parse_options(argc, argv, desc, vm,
                     "usage: reram prune --network NET --weights W.npz --arch A.json --granularity G --optimizer O "
                     "--keep-crossbars X [--finetune-epochs N] -o MAPPING.json --report PRUNE.json\n" +
                         help_lists()))
    return 0;
  finish_options(a, vm);
  ArchConfig arch = arch_from_options(vm);
  Network net = load_network(a.network);
  if (!a.weights.empty()) load_weights_npz(net, a.weights);
  if (!net.has_weights()) throw InputError(a.network + ": no weights (give --weights W.npz)");
  PruneData d = load_prune_data(a, vm, net);
  if (vm.count("sensitivity")) return run_sensitivity(a, net, arch, d);
  if (vm.count("max-accuracy-loss")) return run_search(a, vm, net, arch, d);
  PruneResult res = prune_network(net, arch, a.o, d.have ? &d.train : nullptr, d.have ? &d.test : nullptr);
  res.report["network_file"] = a.network;
  res.report["weights_file"] = a.weights;
  res.report["output"] = a.out;
  save_mapping(res.mapping, a.out);
  if (!a.report.empty()) write_json_atomic(a.report, res.report);
  print_table(res.report);
  return 0;
}

RegisterCommand reg("prune", "crossbar-aware pruning into a sparse crossbar mapping (and sensitivity analysis)",
                    run_prune);

}  // namespace
}  // namespace reram::cli

#endif  // RERAM_PRUNE_AVAILABLE
