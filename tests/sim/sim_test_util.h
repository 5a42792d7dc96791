#pragma once
// Small networks and arch configs for the simulator tests.
#include <string>
#include <vector>

#include "pruning/arch/arch_config.h"
#include "pruning/graph/network.h"
#include "pruning/xbar/mapping.h"
#include "sim/simulate.h"

namespace reram::simtest {

inline std::string isaac_path() { return std::string(RERAM_SOURCE_DIR) + "/arch_configs/isaac.json"; }

inline ArchConfig isaac(std::vector<std::string> sets = {}) { return load_arch(isaac_path(), sets); }

inline Network net_from(const std::string& text) {
  Network n = network_from_json(json::parse(text), "test network");
  return n;
}

// One linear layer: `in` features -> `out` features on a flat input.
inline Network linear_net(int in, int out) {
  return net_from(R"({"name": "lin", "input": {"channels": )" + std::to_string(in) +
                  R"(, "height": 1, "width": 1}, "layers": [{"name": "flat", "type": "flatten"},
      {"name": "fc", "type": "linear", "out_features": )" +
                  std::to_string(out) + "}]}");
}

// conv(3x3) - relu - maxpool - conv - relu - flatten - linear: a small CNN with a pooling layer.
inline Network small_cnn(int c = 8, int hw = 8) {
  std::string s = R"({"name": "cnn", "input": {"channels": 3, "height": )" + std::to_string(hw) + R"(, "width": )" +
                  std::to_string(hw) + R"(}, "layers": [
      {"name": "c1", "type": "conv", "out_channels": )" +
                  std::to_string(c) + R"(, "kernel": 3, "padding": 1},
      {"name": "r1", "type": "relu"},
      {"name": "p1", "type": "maxpool", "kernel": 2, "stride": 2},
      {"name": "c2", "type": "conv", "out_channels": )" +
                  std::to_string(2 * c) + R"(, "kernel": 3, "padding": 1},
      {"name": "r2", "type": "relu"},
      {"name": "f", "type": "flatten"},
      {"name": "fc", "type": "linear", "out_features": 10}]})";
  return net_from(s);
}

// A residual block: conv - relu - conv + skip - relu - global pool - linear.
inline Network residual_net(int c = 16, int hw = 6) {
  std::string C = std::to_string(c), H = std::to_string(hw);
  return net_from(R"({"name": "res", "input": {"channels": )" + C + R"(, "height": )" + H + R"(, "width": )" + H + R"(},
    "layers": [
      {"name": "a", "type": "conv", "out_channels": )" +
                  C + R"(, "kernel": 3, "padding": 1},
      {"name": "ra", "type": "relu"},
      {"name": "b", "type": "conv", "out_channels": )" +
                  C + R"(, "kernel": 3, "padding": 1},
      {"name": "add", "type": "add", "inputs": ["b", "ra"]},
      {"name": "rb", "type": "relu"},
      {"name": "gp", "type": "globalavgpool"},
      {"name": "f", "type": "flatten"},
      {"name": "fc", "type": "linear", "out_features": 10}]})");
}

// 1x1 convs alternating a -> b -> a channels on an hw x hw map: large outputs per vector,
// so the output packets, not the crossbars, bound the pipeline.
inline Network chain_1x1(int layers, int a, int b, int hw) {
  std::string s = R"({"name": "chain", "input": {"channels": )" + std::to_string(a) + R"(, "height": )" +
                  std::to_string(hw) + R"(, "width": )" + std::to_string(hw) + R"(}, "layers": [)";
  for (int i = 0; i < layers; ++i)
    s += std::string(i ? "," : "") + R"({"name": "c)" + std::to_string(i) + R"(", "type": "conv", "out_channels": )" +
         std::to_string(i % 2 == 0 ? b : a) + R"(, "kernel": 1, "bias": false})";
  return net_from(s + "]}");
}

inline json run(const Network& n, const ArchConfig& a, const std::string& dataflow = "layer", bool clocked = false,
                int batch = 1) {
  Mapping m = map_dense(n, a);
  sim::SimOptions o;
  o.dataflow = dataflow;
  o.clocked = clocked;
  o.batch = batch;
  return sim::simulate(m, a, o);
}

}  // namespace reram::simtest
