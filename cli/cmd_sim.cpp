// `reram sim`: cycle-level simulation of a mapping (dense or pruned) on an architecture.
#include <iostream>

#include "cli/command.h"
#include "pruning/core/error.h"
#include "pruning/xbar/mapping.h"
#include "sim/simulate.h"

namespace reram::cli {
namespace {

int run_sim(int argc, char** argv) {
  po::options_description desc("reram sim options");
  desc.add_options()("help,h", "show this help")("mapping", po::value<std::string>(),
                                                 "mapping file (reram map / reram prune output)")(
      "network", po::value<std::string>(), "network (JSON or ONNX): map it densely first, instead of --mapping")(
      "weights", po::value<std::string>(), "weights .npz for --network (optional: only occupancy needs them)")(
      "batch", po::value<int>()->default_value(1), "images per run")(
      "dataflow", po::value<std::string>()->default_value("layer"),
      ("registered: " + sim::dataflows().list() + " (pipelined: the ISAAC-style inter-layer pipeline)").c_str())(
      "clocked", "reference mode: step every clock (slow; same cycle count)")(
      "input-density", po::value<std::string>(),
      "reram eval report (or JSON object layer -> density): measured input bit density per layer for the cost models")(
      "output,o", po::value<std::string>(), "report JSON to write")("quiet,q", "do not print the table");
  add_arch_options(desc);
  po::variables_map vm;
  if (!parse_options(
          argc, argv, desc, vm,
          "usage: reram sim (--mapping MAPPING.json | --network NET) --arch ARCH.json [--set k=v]... "
          "[--batch N] [--dataflow layer|pipelined] [--clocked] [--input-density EVAL.json] [-o REPORT.json]\n\n"
          "Cycle-level SystemC simulation: cycles, latency, energy and area per component and per layer,\n"
          "beside the mapping's crossbar compression (docs/simulator.md)."))
    return 0;
  if (vm.count("mapping") == vm.count("network"))
    throw ConfigError("sim: give exactly one of --mapping MAPPING.json or --network NET");
  ArchConfig arch = arch_from_options(vm);
  sim::SimOptions opt;
  opt.batch = vm["batch"].as<int>();
  opt.dataflow = vm["dataflow"].as<std::string>();
  opt.clocked = vm.count("clocked") > 0;
  if (vm.count("input-density")) {
    const std::string f = vm["input-density"].as<std::string>();
    json j = load_json_file(f);
    // A `reram eval` report holds it under result.input_bit_density; a plain object of
    // layer -> density is accepted too.
    if (j.is_object() && j.contains("result")) {
      if (!j["result"].is_object() || !j["result"].contains("input_bit_density"))
        throw InputError(f +
                         ": this reram eval report has no result.input_bit_density (it needs an evaluation through "
                         "the hardware model by a reram that measures it)");
      j = j["result"]["input_bit_density"];
    }
    if (!j.is_object())
      throw InputError(f + ": expected a reram eval report or an object of layer -> input bit density");
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!it.value().is_number()) throw InputError(f + ": input bit density of '" + it.key() + "' is not a number");
      opt.input_bit_density[it.key()] = it.value().get<double>();
    }
  }
  Mapping m;
  if (vm.count("mapping")) {
    opt.mapping_source = vm["mapping"].as<std::string>();
    m = load_mapping(opt.mapping_source);
  } else {
    Network net = load_network(vm["network"].as<std::string>());
    if (vm.count("weights")) load_weights_npz(net, vm["weights"].as<std::string>());
    opt.mapping_source = "dense:" + vm["network"].as<std::string>();
    m = map_dense(std::move(net), arch);  // no second copy of the weights (VGG-16: 553 MB)
    // What the simulator reads of the weights (each crossbar's non-zeros and active
    // operation units) is in the mapping now; only a data-dependent crossbar model reads
    // the weights themselves (each crossbar's conductances).
    if (!arch.tech_data_dependent("crossbar"))
      for (auto& l : m.network.layers) l.params.clear();
  }
  for (const auto& w : mapping_warnings(m)) std::cerr << "reram sim: warning: " << w << "\n";
  json report = sim::simulate(m, arch, opt);
  if (vm.count("output")) write_json_atomic(vm["output"].as<std::string>(), report);
  if (!vm.count("quiet")) std::cout << sim::report_table(report);
  return 0;
}

RegisterCommand reg("sim", "cycle-level simulation: energy, latency, area (+ compression)", run_sim);

}  // namespace
}  // namespace reram::cli

// libsystemc.so brings a main() that calls sc_main(); the reram CLI has its own main()
// (cli/main.cpp), which wins, but the library's reference to sc_main must still resolve.
// Never called: the simulator is driven through sim::simulate().
extern "C" int sc_main(int, char*[]) { return 1; }
