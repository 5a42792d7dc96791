#pragma once
// Small networks, arch configs and inputs shared by the functional-model tests.
#include <random>
#include <stdexcept>
#include <vector>

#include "pruning/functional/crossbar_model.h"
#include "pruning/functional/forward.h"
#include "pruning/xbar/mapping.h"

namespace reram::functional::test {

// A small residual/concat network with uneven sizes and every supported layer kind.
inline Network test_net(uint64_t seed) {
  json j = json::parse(R"({
    "name": "tiny", "input": {"channels": 3, "height": 9, "width": 7},
    "layers": [
      {"name": "conv1", "type": "conv", "out_channels": 6, "kernel": 3, "padding": 1, "bias": true},
      {"name": "relu1", "type": "relu"},
      {"name": "conv2", "type": "conv", "out_channels": 4, "kernel": 3, "stride": 2, "padding": 1, "groups": 2, "bias": true},
      {"name": "relu2", "type": "relu"},
      {"name": "conv3", "type": "conv", "out_channels": 4, "kernel": 1},
      {"name": "add", "type": "add", "inputs": ["relu2", "conv3"]},
      {"name": "mp", "type": "maxpool", "kernel": 2, "stride": 2, "ceil_mode": true, "input": "add"},
      {"name": "ap", "type": "avgpool", "kernel": 3, "stride": 2, "padding": 1, "input": "add"},
      {"name": "cat", "type": "concat", "inputs": ["mp", "ap"]},
      {"name": "flat", "type": "flatten"},
      {"name": "fc1", "type": "linear", "out_features": 11},
      {"name": "r6", "type": "relu6"},
      {"name": "fc2", "type": "linear", "out_features": 7}
    ]})");
  Network net = network_from_json(j, "test");
  randomize_weights(net, seed);
  std::mt19937_64 rng(seed + 7);
  std::uniform_real_distribution<float> u(-0.3f, 0.3f);
  for (auto& L : net.layers)
    if (L.params.count("bias"))
      for (auto& b : L.params["bias"].data) b = u(rng);
  return net;
}

inline ArchConfig make_arch(const json& extra) {
  json spec = {
      {"crossbar", {{"rows", 17}, {"cols", 24}, {"cell_bits", 2}, {"sign_encoding", "offset"}}},
      {"precision", {{"weight_bits", 5}, {"input_bits", 7}, {"dac_bits", 2}, {"adc_bits", 8}, {"activation_bits", 8}}},
      {"chip", {{"tiles", "auto"}}}};
  if (extra.is_object()) spec.merge_patch(extra);
  return arch_from_json(spec, "test-arch");
}

inline Acts random_images(const Shape& s, int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  Acts x(n, s.numel());
  for (int64_t i = 0; i < x.size(); ++i) x.data()[i] = d(rng);
  return x;
}

inline double mean_abs_diff(const MatrixXd& a, const MatrixXd& b) { return (a - b).cwiseAbs().mean(); }

// Input vectors of every mapped layer for a batch, taken from the float model.
inline std::vector<MatrixXf> layer_inputs(const FunctionalModel& fm, const Acts& x) {
  std::vector<MatrixXf> out(fm.layers().size());
  forward(fm.network(), x, [&](int li, const MatrixXf& v) -> MatrixXf {
    for (size_t m = 0; m < fm.layers().size(); ++m)
      if (fm.layers()[m].network_layer == li) {
        out[m] = v;
        return v * fm.layers()[m].m;
      }
    throw std::runtime_error("unmapped");
  });
  return out;
}

}  // namespace reram::functional::test
