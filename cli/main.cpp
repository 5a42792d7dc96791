// The `reram` command line: `reram <verb> [options]`. Each verb lives in cli/cmd_<verb>.cpp.
#include <malloc.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "pruning/core/error.h"
#include "pruning/core/version.h"

namespace reram::cli {

Registry<Command>& commands() {
  static Registry<Command> r("command");
  return r;
}

RegisterCommand::RegisterCommand(std::string name, std::string summary, std::function<int(int, char**)> run) {
  commands().add(name, std::make_unique<Command>(Command{name, std::move(summary), std::move(run)}));
}

int dispatch(int argc, char** argv) {
  const std::string verb = argv[0];
  if (!commands().has(verb)) {
    std::cerr << "reram: unknown command '" << verb << "' (see reram --help)\n";
    return 1;
  }
  try {
    return commands().get(verb).run(argc, argv);
  } catch (const Error& e) {
    std::cerr << "reram " << verb << ": error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "reram " << verb << ": internal error: " << e.what() << "\n";
    return 2;
  }
}

bool parse_options(int argc, char** argv, const po::options_description& desc, po::variables_map& vm,
                   const std::string& usage) {
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    if (vm.count("help")) {
      std::cout << usage << "\n\n" << desc << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw ConfigError(std::string(e.what()) + " (see reram " + argv[0] + " --help)");
  }
  return true;
}

void add_arch_options(po::options_description& desc) {
  desc.add_options()("arch", po::value<std::string>()->required(),
                     "architecture config (JSON), e.g. arch_configs/isaac.json")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override an arch key, e.g. --set crossbar.rows=64 (repeatable; every key: reram models --keys)");
}

ArchConfig arch_from_options(const po::variables_map& vm, bool warn) {
  std::vector<std::string> sets;
  if (vm.count("set")) sets = vm["set"].as<std::vector<std::string>>();
  ArchConfig a = load_arch(vm["arch"].as<std::string>(), sets);
  if (warn)
    for (const auto& w : a.warnings()) std::cerr << "reram: warning: " << w << "\n";
  return a;
}

std::vector<double> parse_number_list(const std::string& text, const std::string& flag, bool integers) {
  std::vector<double> out;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    size_t used = 0;
    double v = 0;
    try {
      v = integers ? static_cast<double>(std::stoi(item, &used)) : std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size())
      throw ConfigError(flag + ": '" + item + "' is not " + (integers ? "a whole number" : "a number"));
    out.push_back(v);
  }
  return out;
}

const char* const kDataHelp =
    "data set: 'fashion-mnist', a directory of Fashion-MNIST IDX files, cifar10:DIR, cifar100:DIR (the official binary "
    "versions) or npz:FILE (x_train, y_train, x_test, y_test); docs/data.md";

Dataset load_data_for(const DataSource& src, const std::string& split, int64_t limit, const Network& net) {
  Dataset d = load_dataset(src, split, limit);
  const auto& sh = d.images.shape;
  if (sh[1] != net.input.c || sh[2] != net.input.h || sh[3] != net.input.w)
    throw InputError(src.spec + ": " + split + " images are " + std::to_string(sh[1]) + "x" + std::to_string(sh[2]) +
                     "x" + std::to_string(sh[3]) + " but network '" + net.name + "' takes " + net.input.str());
  if (!net.layers.empty()) {
    const int64_t outputs = net.layers.back().out_shape.numel();
    if (outputs > 0 && d.classes > outputs)
      throw InputError(src.spec + ": labels go up to " + std::to_string(d.classes - 1) + " but network '" + net.name +
                       "' has " + std::to_string(outputs) + " outputs");
  }
  return d;
}

namespace {
void print_help() {
  std::cout << "reram " << version()
            << " - crossbar-aware pruning and cycle-level simulation of ReRAM accelerators\n\n"
               "usage: reram <command> [options]   (reram <command> --help for its options)\n\ncommands:\n";
  commands().each([](const std::string& name, const Command& c) {
    std::cout << "  " << std::left << std::setw(12) << name << c.summary << "\n";
  });
  std::cout << "\ndocs: README.md and docs/ in the source tree\n";
}
}  // namespace

}  // namespace reram::cli

int main(int argc, char** argv) {
  using namespace reram::cli;
  // Keep freed memory in the process for reuse instead of returning every large block to
  // the kernel and faulting it in again: a 32x32 VGG-16 run allocates and frees its
  // weight tensors and a million small structures, and spent a fifth of its time in
  // page faults (docs/simulator.md, "Speed").
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" || std::string(argv[1]) == "help") {
    print_help();
    return argc < 2 ? 1 : 0;
  }
  std::string verb = argv[1];
  if (verb == "--version" || verb == "version") {
    std::cout << "reram " << reram::version() << "\n";
    return 0;
  }
  return dispatch(argc - 1, argv + 1);
}
