// `reram models`: the registered cost models and their parameters; with --arch, every
// component's model, parameters and resolved figures for that config.
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "pruning/arch/arch_fields.h"
#include "pruning/cost/catalogue.h"
#include "pruning/cost/cost_model.h"
#ifdef RERAM_PRUNE_AVAILABLE
#include "pruning/prune/prune.h"
#endif
#include "sim/stats.h"

namespace reram::cli {
namespace {

std::string costs_table(const ArchConfig& a) {
  const json c = a.costs_json();
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s (%s), %g nm: adc_bits %d (lossless %d), read %.4g ns, conversion %.4g ns\n\n",
                a.name.c_str(), a.source_file.c_str(), a.technology_nm, c["adc_bits"].get<int>(),
                c["lossless_adc_bits"].get<int>(), c["read_latency_ns"].get<double>(),
                c["adc_latency_ns"].get<double>());
  out += buf;
  std::snprintf(buf, sizeof buf, "%-20s %-16s %14s %12s %12s %11s  %s\n", "component", "model", "energy_pj",
                "leakage_mw", "area_mm2", "latency_ns", "one action");
  out += buf;
  for (const auto& k : cost::components()) {
    const json& e = c["components"][k.name];
    std::snprintf(buf, sizeof buf, "%-20s %-16s %14.6g %12.6g %12.6g %11.4g  %s\n", k.name.c_str(),
                  e["model"].get<std::string>().c_str(), e["energy_pj"].get<double>(), e["leakage_mw"].get<double>(),
                  e["area_mm2"].get<double>(), e["latency_ns"].get<double>(), k.action.c_str());
    out += buf;
  }
  return out;
}

int run_models(int argc, char** argv) {
  po::options_description desc("reram models options");
  desc.add_options()("help,h", "show this help")("json", "print JSON instead of the readable listing")(
      "keys", "list every arch-config key: default, unit, checks and meaning (docs/config.md's table)")(
      "report-fields", "list every field of a reram sim report: unit and meaning (docs/simulator.md's table)")(
      "options", po::value<std::string>(),
      "train | prune: list the training or pruning options (docs/data.md's and docs/pruning.md's tables)")(
      "arch", po::value<std::string>(), "architecture config (JSON): show its components' resolved costs")(
      "set", po::value<std::vector<std::string>>()->composing(), "override an arch key (repeatable)");
  po::variables_map vm;
  if (!parse_options(argc, argv, desc, vm,
                     "usage: reram models [--json] [--arch ARCH.json [--set k=v]...] | --keys | --report-fields\n\n"
                     "Lists the registered component cost models with their parameters (docs/cost-models.md).\n"
                     "With --arch: each component's model, parameters and resolved per-action energy, leakage,\n"
                     "area and latency for that config. With --keys: every arch-config key (what --set accepts)."))
    return 0;
  if (vm.count("keys")) {
    std::cout << arch::keys_markdown();
    return 0;
  }
  if (vm.count("options")) {
    const std::string which = vm["options"].as<std::string>();
#ifdef RERAM_PRUNE_AVAILABLE
    if (which == "train") {
      std::cout << options_markdown(train_options(), TrainOptions());
      return 0;
    }
    if (which == "prune") {
      std::cout << options_markdown(prune_options(), PruneOptions());
      return 0;
    }
#endif
    throw ConfigError("--options: '" + which + "' is not train or prune (or this build has no training backend)");
  }
  if (vm.count("report-fields")) {
    std::cout << sim::statistics_markdown();
    return 0;
  }
  const bool as_json = vm.count("json") > 0;
  if (vm.count("arch")) {
    ArchConfig a = arch_from_options(vm, /*warn=*/false);
    if (as_json)
      std::cout << a.costs_json().dump(2) << "\n";
    else
      std::cout << costs_table(a);
    return 0;
  }
  if (as_json)
    std::cout << cost::models_json().dump(2) << "\n";
  else
    std::cout << cost::models_listing();
  return 0;
}

RegisterCommand reg("models", "list the component cost models and their parameters (or a config's resolved costs)",
                    run_models);

}  // namespace
}  // namespace reram::cli
