// `reram map`: dense mapping of a network onto crossbars, PEs and tiles.
#include <iostream>

#include "cli/command.h"
#include "pruning/core/error.h"
#include "pruning/xbar/mapping.h"

namespace reram::cli {
namespace {

int run_map(int argc, char** argv) {
  po::options_description desc("reram map options");
  desc.add_options()("help,h", "show this help")("network", po::value<std::string>()->required(),
                                                 "network: own JSON format (docs/network-format.md) or .onnx")(
      "weights", po::value<std::string>(), "weights .npz (overrides the network file's own)");
  add_arch_options(desc);
  desc.add_options()("output,o", po::value<std::string>(),
                     "mapping file to write (JSON manifest + .npz weights beside it)")(
      "report", po::value<std::string>(), "report JSON to write (per layer and totals)")("quiet,q",
                                                                                         "do not print the table");
  po::variables_map vm;
  if (!parse_options(
          argc, argv, desc, vm,
          "usage: reram map --network NET.(json|onnx) --arch ARCH.json [--set k=v]... [-o MAPPING.json] "
          "[--report REPORT.json]\n\nUnrolls every conv/linear layer onto crossbars (docs/mapping-format.md) "
          "and places them on PEs and tiles."))
    return 0;
  ArchConfig arch = arch_from_options(vm, /*warn=*/false);  // ADC warnings matter to sim/eval
  Network net = load_network(vm["network"].as<std::string>());
  if (vm.count("weights")) load_weights_npz(net, vm["weights"].as<std::string>());
  Mapping m = map_dense(net, arch);
  if (vm.count("output")) save_mapping(m, vm["output"].as<std::string>());
  if (vm.count("report")) {
    json r = mapping_report(m);
    write_json_atomic(vm["report"].as<std::string>(), r);
  }
  for (const auto& w : mapping_warnings(m)) std::cerr << "reram map: warning: " << w << "\n";
  if (!vm.count("quiet")) std::cout << mapping_table(m);
  return 0;
}

RegisterCommand reg("map", "map a network densely onto crossbars (mapping + report)", run_map);

}  // namespace
}  // namespace reram::cli
