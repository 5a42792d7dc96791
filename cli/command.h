#pragma once
// Subcommand registry of the `reram` CLI. Each cli/cmd_<verb>.cpp registers itself with
// a static RegisterCommand; main() dispatches. Commands parse their own options
// (Boost.Program_options), call the libraries, and write outputs atomically.
#include <boost/program_options.hpp>
#include <functional>
#include <string>
#include <vector>

#include "pruning/arch/arch_config.h"
#include "pruning/core/dataset.h"
#include "pruning/core/registry.h"
#include "pruning/graph/network.h"

namespace reram::cli {

namespace po = boost::program_options;

struct Command {
  std::string name;
  std::string summary;
  // argv[0] is the verb; returns the exit status. Throwing reram::Error prints
  // "reram <verb>: error: <message>" and exits 1.
  std::function<int(int argc, char** argv)> run;
};

Registry<Command>& commands();  // pruning/core/registry.h, one entry per verb

// Runs verb argv[0] with its arguments: its exit status; "reram VERB: error: ..." and 1 for
// a reram::Error, "internal error" and 2 for any other exception, 1 for an unknown verb.
int dispatch(int argc, char** argv);

struct RegisterCommand {
  RegisterCommand(std::string name, std::string summary, std::function<int(int, char**)> run);
};

// Parses argv with `desc`; prints help and returns false when --help was given.
// Unknown options and missing values are errors (thrown as ConfigError).
bool parse_options(int argc, char** argv, const po::options_description& desc, po::variables_map& vm,
                   const std::string& usage);

// A comma-separated list of numbers given to `flag` ("0.1,0.25" or "82,123"); a ConfigError
// naming the flag and the item that is not a number of that kind (int: whole numbers).
std::vector<double> parse_number_list(const std::string& text, const std::string& flag, bool integers = false);

// Common option groups.
void add_arch_options(po::options_description& desc);  // --arch, --set
// Loads --arch with the --set overrides; prints the config's warnings when `warn`.
ArchConfig arch_from_options(const po::variables_map& vm, bool warn = true);

// The --data help text shared by the commands.
extern const char* const kDataHelp;
// Loads a split of a --data source (docs/data.md) and checks it against `net`: image
// shape against the network input, labels against the network's outputs. InputError
// naming the data set otherwise.
Dataset load_data_for(const DataSource& src, const std::string& split, int64_t limit, const Network& net);

}  // namespace reram::cli
