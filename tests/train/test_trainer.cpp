// Tests of the LibTorch training backend against an independent naive forward pass,
// plus weight round trips, masks, proximal terms, determinism and a short real training.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "pruning/core/error.h"
#include "pruning/graph/network.h"
#include "pruning/train/trainer.h"

namespace reram {
namespace {

// ---------------- naive reference forward (one sample, C x H x W) ----------------
struct Act {
  int64_t c = 0, h = 1, w = 1;
  std::vector<double> v;
  double& at(int64_t ci, int64_t y, int64_t x) { return v[(ci * h + y) * w + x]; }
  double at(int64_t ci, int64_t y, int64_t x) const { return v[(ci * h + y) * w + x]; }
};

Act make(int64_t c, int64_t h, int64_t w) {
  Act a;
  a.c = c, a.h = h, a.w = w;
  a.v.assign(c * h * w, 0.0);
  return a;
}

Act ref_layer(const Layer& l, const std::vector<const Act*>& in) {
  const Act& x = *in[0];
  switch (l.kind) {
    case LayerKind::Conv: {
      const NdArray& W = l.params.at("weight");
      int64_t K = l.out_channels, cg = x.c / l.groups, kg = K / l.groups;
      int64_t oh = (x.h + l.pad_top + l.pad_bottom - l.dilation_h * (l.kernel_h - 1) - 1) / l.stride_h + 1;
      int64_t ow = (x.w + l.pad_left + l.pad_right - l.dilation_w * (l.kernel_w - 1) - 1) / l.stride_w + 1;
      Act y = make(K, oh, ow);
      for (int64_t k = 0; k < K; ++k)
        for (int64_t oy = 0; oy < oh; ++oy)
          for (int64_t ox = 0; ox < ow; ++ox) {
            double s = l.has_bias ? l.params.at("bias").data[k] : 0.0;
            int64_t g = k / kg;
            for (int64_t c = 0; c < cg; ++c)
              for (int ky = 0; ky < l.kernel_h; ++ky)
                for (int kx = 0; kx < l.kernel_w; ++kx) {
                  int64_t iy = oy * l.stride_h - l.pad_top + ky * l.dilation_h;
                  int64_t ix = ox * l.stride_w - l.pad_left + kx * l.dilation_w;
                  if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
                  s += W.data[((k * cg + c) * l.kernel_h + ky) * l.kernel_w + kx] * x.at(g * cg + c, iy, ix);
                }
            y.at(k, oy, ox) = s;
          }
      return y;
    }
    case LayerKind::Linear: {
      const NdArray& W = l.params.at("weight");
      int64_t n = static_cast<int64_t>(x.v.size());
      Act y = make(l.out_features, 1, 1);
      for (int64_t o = 0; o < l.out_features; ++o) {
        double s = l.has_bias ? l.params.at("bias").data[o] : 0.0;
        for (int64_t i = 0; i < n; ++i) s += W.data[o * n + i] * x.v[i];
        y.v[o] = s;
      }
      return y;
    }
    case LayerKind::MaxPool:
    case LayerKind::AvgPool: {
      int64_t oh = (x.h + l.pad_top + l.pad_bottom - l.kernel_h) / l.stride_h + 1;
      int64_t ow = (x.w + l.pad_left + l.pad_right - l.kernel_w) / l.stride_w + 1;
      Act y = make(x.c, oh, ow);
      for (int64_t c = 0; c < x.c; ++c)
        for (int64_t oy = 0; oy < oh; ++oy)
          for (int64_t ox = 0; ox < ow; ++ox) {
            double best = -1e300, sum = 0;
            int cnt = 0;
            for (int ky = 0; ky < l.kernel_h; ++ky)
              for (int kx = 0; kx < l.kernel_w; ++kx) {
                int64_t iy = oy * l.stride_h - l.pad_top + ky, ix = ox * l.stride_w - l.pad_left + kx;
                if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
                best = std::max(best, x.at(c, iy, ix));
                sum += x.at(c, iy, ix);
                ++cnt;
              }
            y.at(c, oy, ox) = l.kind == LayerKind::MaxPool ? best : sum / cnt;  // padding not counted
          }
      return y;
    }
    case LayerKind::GlobalAvgPool: {
      Act y = make(x.c, 1, 1);
      for (int64_t c = 0; c < x.c; ++c) {
        double s = 0;
        for (int64_t i = 0; i < x.h * x.w; ++i) s += x.v[c * x.h * x.w + i];
        y.v[c] = s / static_cast<double>(x.h * x.w);
      }
      return y;
    }
    case LayerKind::Relu:
    case LayerKind::Relu6: {
      Act y = x;
      for (double& v : y.v) v = std::max(0.0, l.kind == LayerKind::Relu6 ? std::min(6.0, v) : v);
      return y;
    }
    case LayerKind::BatchNorm: {
      Act y = x;
      int64_t hw = x.h * x.w;
      for (int64_t c = 0; c < x.c; ++c)
        for (int64_t i = 0; i < hw; ++i) {
          double& v = y.v[c * hw + i];
          v = (v - l.params.at("running_mean").data[c]) / std::sqrt(l.params.at("running_var").data[c] + l.eps) *
                  l.params.at("weight").data[c] +
              l.params.at("bias").data[c];
        }
      return y;
    }
    case LayerKind::Add: {
      Act y = x;
      for (size_t k = 1; k < in.size(); ++k)
        for (size_t i = 0; i < y.v.size(); ++i) y.v[i] += in[k]->v[i];
      return y;
    }
    case LayerKind::Concat: {
      Act y = x;
      for (size_t k = 1; k < in.size(); ++k) {
        y.c += in[k]->c;
        y.v.insert(y.v.end(), in[k]->v.begin(), in[k]->v.end());
      }
      return y;
    }
    case LayerKind::Flatten: {
      Act y = x;
      y.c = x.c * x.h * x.w, y.h = y.w = 1;
      return y;
    }
    case LayerKind::Dropout:
    case LayerKind::Identity:
      return x;
    default:  // transformer layers: checked against the functional model in test_transformer.cpp
      break;
  }
  throw std::logic_error("unhandled kind");
}

std::vector<double> ref_forward(const Network& net, const NdArray& images, int64_t n) {
  int64_t per = net.input.numel();
  Act x = make(net.input.c, net.input.h, net.input.w);
  x.v.assign(images.data.begin() + n * per, images.data.begin() + (n + 1) * per);
  std::map<std::string, Act> acts{{"input", x}};
  for (const Layer& l : net.layers) {
    std::vector<const Act*> in;
    for (const std::string& s : l.inputs) in.push_back(&acts.at(s));
    acts[l.name] = ref_layer(l, in);
  }
  return acts.at(net.layers.back().name).v;
}

// ---------------- helpers ----------------
NdArray random_array(std::vector<int64_t> shape, std::mt19937_64& rng, double lo = -1, double hi = 1) {
  NdArray a(std::move(shape));
  std::uniform_real_distribution<double> u(lo, hi);
  for (float& v : a.data) v = static_cast<float>(u(rng));
  return a;
}

// Fills every parameter of `net` with seeded random values (batchnorm variances positive).
void fill_params(Network& net, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (Layer& l : net.layers) {
    if (l.is_weight_layer()) {
      l.params["weight"] = random_array(l.weight_shape(), rng, -0.5, 0.5);
      if (l.has_bias) l.params["bias"] = random_array({l.weight_shape()[0]}, rng, -0.5, 0.5);
    } else if (l.kind == LayerKind::BatchNorm) {
      int64_t c = l.in_channels();
      l.params["weight"] = random_array({c}, rng, 0.5, 1.5);
      l.params["bias"] = random_array({c}, rng, -0.5, 0.5);
      l.params["running_mean"] = random_array({c}, rng, -0.5, 0.5);
      l.params["running_var"] = random_array({c}, rng, 0.5, 2.0);
    }
  }
}

Network net_from(const char* text) {
  Network net = network_from_json(json::parse(text), "test");
  net.infer_shapes();
  return net;
}

// Images [N][1][8][8] whose label (4 classes) is the brightest quadrant: learnable by a
// small convnet in a few hundred steps.
Dataset synthetic(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0, 1);
  Dataset d;
  d.images = NdArray({n, 1, 8, 8});
  for (int64_t i = 0; i < n; ++i) {
    int label = static_cast<int>(rng() % 4);
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) {
        int q = (y / 4) * 2 + x / 4;
        d.images.data[(i * 8 + y) * 8 + x] = static_cast<float>(g(rng) * 0.5 + (q == label ? 1.0 : 0.0));
      }
    d.labels.push_back(label);
  }
  return d;
}

const char* kSmallNet = R"({"name": "small", "input": {"channels": 1, "height": 8, "width": 8}, "layers": [
  {"name": "conv1", "type": "conv", "out_channels": 4, "kernel": 3, "padding": 1, "bias": true},
  {"name": "bn1", "type": "batchnorm"},
  {"name": "relu1", "type": "relu"},
  {"name": "pool1", "type": "maxpool", "kernel": 2, "stride": 2},
  {"name": "flat", "type": "flatten"},
  {"name": "drop", "type": "dropout", "p": 0.2},
  {"name": "fc1", "type": "linear", "out_features": 4, "bias": true}]})";

TrainOptions quiet_options() {
  TrainOptions o;
  o.progress = false;
  o.threads = 1;
  o.batch_size = 32;
  o.epochs = 2;
  o.lr = 0.05;
  return o;
}

// kSmallNet with dropout off, so one training step is deterministic in its gradient.
Network small_net_without_dropout() {
  Network net = net_from(kSmallNet);
  for (Layer& l : net.layers)
    if (l.kind == LayerKind::Dropout) l.dropout_p = 0.0;
  return net;
}

// Plain SGD (no momentum, no weight decay, constant lr), batch 64: on 64 samples one
// epoch is one step W <- W - lr * grad, which the gradient tests check exactly.
TrainOptions plain_step_options() {
  TrainOptions o = quiet_options();
  o.momentum = 0;
  o.weight_decay = 0;
  o.schedule = "constant";
  o.batch_size = 64;
  return o;
}

bool same(const NdArray& a, const NdArray& b) { return a.shape == b.shape && a.data == b.data; }

// ---------------- tests ----------------
TEST(Trainer, ForwardMatchesNaiveReferenceOnBranchyGraph) {
  // Groups, stride, asymmetric padding, dilation, relu6, batchnorm (eval), add, concat,
  // max/avg pooling with padding, global average pooling and a linear head.
  Network net = net_from(R"({"name": "branchy", "input": {"channels": 2, "height": 7, "width": 6}, "layers": [
    {"name": "c1", "type": "conv", "out_channels": 4, "kernel": [3, 2], "stride": [2, 1], "padding": [1, 0, 0, 1], "groups": 2, "bias": true},
    {"name": "b1", "type": "batchnorm"},
    {"name": "r1", "type": "relu6"},
    {"name": "c2", "type": "conv", "out_channels": 4, "kernel": 3, "padding": 2, "dilation": 2},
    {"name": "cat", "type": "concat", "inputs": ["r1", "c2"]},
    {"name": "sum", "type": "add", "inputs": ["c2", "r1"]},
    {"name": "p1", "type": "maxpool", "input": "cat", "kernel": 2, "stride": 1},
    {"name": "p2", "type": "avgpool", "input": "sum", "kernel": 3, "stride": 2, "padding": 1},
    {"name": "g1", "type": "globalavgpool", "input": "p1"},
    {"name": "g2", "type": "globalavgpool", "input": "p2"},
    {"name": "cat2", "type": "concat", "inputs": ["g1", "g2"]},
    {"name": "id", "type": "identity"},
    {"name": "flat", "type": "flatten"},
    {"name": "fc", "type": "linear", "out_features": 3, "bias": true}]})");
  fill_params(net, 7);
  std::mt19937_64 rng(3);
  NdArray images = random_array({3, 2, 7, 6}, rng, -2, 2);
  Trainer t(net, quiet_options());
  NdArray out = t.infer(images);
  ASSERT_EQ(out.shape, (std::vector<int64_t>{3, 3}));
  for (int64_t n = 0; n < 3; ++n) {
    std::vector<double> ref = ref_forward(net, images, n);
    ASSERT_EQ(ref.size(), 3u);
    for (int k = 0; k < 3; ++k)
      EXPECT_NEAR(out.data[n * 3 + k], ref[k], 1e-4 * (1 + std::abs(ref[k]))) << n << "," << k;
  }
}

TEST(Trainer, FlattenOrderMatchesReference) {
  Network net = net_from(R"({"name": "chain", "input": {"channels": 1, "height": 5, "width": 6}, "layers": [
    {"name": "c1", "type": "conv", "out_channels": 3, "kernel": 3, "padding": 1},
    {"name": "r1", "type": "relu"},
    {"name": "p1", "type": "maxpool", "kernel": 2, "stride": 2},
    {"name": "flat", "type": "flatten"},
    {"name": "fc1", "type": "linear", "out_features": 5},
    {"name": "r2", "type": "relu"},
    {"name": "fc2", "type": "linear", "out_features": 2, "bias": false}]})");
  fill_params(net, 11);
  std::mt19937_64 rng(5);
  NdArray images = random_array({2, 1, 5, 6}, rng);
  Trainer t(net, quiet_options());
  NdArray out = t.infer(images);
  for (int64_t n = 0; n < 2; ++n) {
    std::vector<double> ref = ref_forward(net, images, n);
    for (int k = 0; k < 2; ++k) EXPECT_NEAR(out.data[n * 2 + k], ref[k], 1e-4 * (1 + std::abs(ref[k])));
  }
}

TEST(Trainer, WeightsRoundTripThroughTrainer) {
  Network net = net_from(kSmallNet);
  fill_params(net, 21);
  Trainer t(net, quiet_options());
  Network back = net;
  for (Layer& l : back.layers) l.params.clear();
  t.export_weights(back);
  for (size_t i = 0; i < net.layers.size(); ++i) {
    ASSERT_EQ(net.layers[i].params.size(), back.layers[i].params.size()) << net.layers[i].name;
    for (const auto& [k, v] : net.layers[i].params) EXPECT_TRUE(same(v, back.layers[i].params.at(k))) << k;
  }
  int fc = net.index_of("fc1");
  EXPECT_TRUE(same(t.weight(fc), net.layers[fc].params.at("weight")));
  std::mt19937_64 rng(1);
  NdArray w = random_array(net.layers[fc].weight_shape(), rng);
  t.set_weight(fc, w);
  EXPECT_TRUE(same(t.weight(fc), w));
  EXPECT_THROW(t.set_weight(fc, NdArray({4, 3})), InputError);
  EXPECT_THROW(t.weight(net.index_of("relu1")), InputError);
}

TEST(Trainer, SeededInitWhenNetworkHasNoWeightsAndBatchnormExportsRunningStats) {
  Network net = net_from(kSmallNet);
  Trainer a(net, quiet_options());
  Trainer b(net, quiet_options());
  int conv = net.index_of("conv1");
  NdArray w = a.weight(conv);
  EXPECT_TRUE(same(w, b.weight(conv)));
  EXPECT_GT(*std::max_element(w.data.begin(), w.data.end()), 0.0f);
  Dataset d = synthetic(64, 1);
  a.train_epoch(d, 0);
  Network out = net;
  a.export_weights(out);
  const Layer& bn = out.layers[out.index_of("bn1")];
  ASSERT_TRUE(bn.params.count("running_mean") && bn.params.count("running_var"));
  // Training mode moved the running statistics away from their (0, 1) start.
  EXPECT_NE(bn.params.at("running_mean").data[0], 0.0f);
  EXPECT_NE(bn.params.at("running_var").data[0], 1.0f);
}

TEST(Trainer, MasksStayEnforcedAfterSteps) {
  Network net = net_from(kSmallNet);
  TrainOptions o = quiet_options();
  o.weight_decay = 1e-3;
  Trainer t(net, o);
  Dataset d = synthetic(200, 2);
  int conv = net.index_of("conv1"), fc = net.index_of("fc1");
  std::mt19937_64 rng(4);
  std::map<int, NdArray> masks;
  for (int li : {conv, fc}) {
    NdArray m(net.layers[li].weight_shape());
    for (float& v : m.data) v = rng() % 2 ? 1.0f : 0.0f;
    masks[li] = m;
    t.set_mask(li, m);
  }
  NdArray before = t.weight(fc);
  t.train_epoch(d, 0);
  for (auto& [li, m] : masks) {
    NdArray w = t.weight(li), g = t.grad(li);
    int kept_changed = 0;
    for (size_t i = 0; i < m.data.size(); ++i) {
      if (m.data[i] == 0) {
        EXPECT_EQ(w.data[i], 0.0f);
        EXPECT_EQ(g.data[i], 0.0f);
      } else if (li == fc && w.data[i] != before.data[i]) {
        ++kept_changed;
      }
    }
    if (li == fc) {
      EXPECT_GT(kept_changed, 0);
    }
  }
  t.clear_masks();
  t.train_epoch(d, 1);
  NdArray w = t.weight(fc);
  int regrown = 0;
  for (size_t i = 0; i < w.data.size(); ++i) regrown += masks[fc].data[i] == 0 && w.data[i] != 0;
  EXPECT_GT(regrown, 0);
}

// A forward mask: the forward pass (training and inference) sees W∘M and the gradient
// is the one taken at W∘M, applied to every entry of the dense W (straight-through).
TEST(Trainer, ForwardMaskIsStraightThroughToTheDenseWeights) {
  Network net = small_net_without_dropout();
  fill_params(net, 12);
  TrainOptions o = plain_step_options();
  Dataset d = synthetic(64, 7);  // one step per epoch
  int conv = net.index_of("conv1"), fc = net.index_of("fc1");
  Trainer lazy(net, o), projected(net, o), dense(net, o);
  std::mt19937_64 rng(21);
  std::map<int, NdArray> masks, dense_w;
  for (int li : {conv, fc}) {
    NdArray m(net.layers[li].weight_shape());
    for (float& v : m.data) v = rng() % 3 ? 1.0f : 0.0f;
    masks[li] = m;
    dense_w[li] = lazy.weight(li);
    NdArray wm = dense_w[li];
    for (size_t i = 0; i < wm.data.size(); ++i) wm.data[i] *= m.data[i];
    lazy.set_forward_mask(li, m);
    projected.set_weight(li, wm);
  }
  EXPECT_TRUE(same(lazy.infer(d.images), projected.infer(d.images)));
  EXPECT_FALSE(same(lazy.infer(d.images), dense.infer(d.images)));
  EXPECT_TRUE(same(lazy.weight(fc), dense_w[fc]));  // the dense W is untouched
  lazy.train_epoch(d, 0);
  projected.train_epoch(d, 0);
  for (int li : {conv, fc}) {
    NdArray g = lazy.grad(li), gp = projected.grad(li), w = lazy.weight(li);
    int masked_moved = 0;
    for (size_t i = 0; i < g.data.size(); ++i) {
      EXPECT_NEAR(g.data[i], gp.data[i], 1e-5 + 1e-4 * std::fabs(gp.data[i]));
      EXPECT_NEAR(w.data[i], dense_w[li].data[i] - o.lr * g.data[i], 1e-6);
      masked_moved += masks[li].data[i] == 0 && w.data[i] != dense_w[li].data[i];
    }
    EXPECT_GT(masked_moved, 0) << "masked weights must keep learning";
  }
  lazy.clear_masks();
  Network exported = net;
  lazy.export_weights(exported);
  Trainer from_export(exported, o);
  EXPECT_TRUE(same(lazy.infer(d.images), from_export.infer(d.images)));  // no mask left
  EXPECT_THROW(lazy.set_forward_mask(fc, NdArray({2, 2})), InputError);
  EXPECT_THROW(lazy.set_forward_mask(net.index_of("relu1"), NdArray({2, 2})), InputError);
}

TEST(Trainer, ProximalTermAddsRhoTimesDistanceToGradient) {
  Network net = small_net_without_dropout();
  TrainOptions o = plain_step_options();
  Dataset d = synthetic(64, 3);  // one step per epoch
  int fc = net.index_of("fc1");
  Trainer plain(net, o), prox(net, o);
  NdArray w0 = plain.weight(fc);
  std::mt19937_64 rng(9);
  NdArray target = random_array(w0.shape, rng);
  const double rho = 0.7;
  prox.set_proximal(fc, target, rho);
  plain.train_epoch(d, 0);
  prox.train_epoch(d, 0);
  NdArray g0 = plain.grad(fc), g1 = prox.grad(fc);
  for (size_t i = 0; i < g0.data.size(); ++i)
    EXPECT_NEAR(g1.data[i] - g0.data[i], rho * (w0.data[i] - target.data[i]), 1e-5);
  // rho = 0 removes the term again.
  Trainer a(net, o), b(net, o);
  b.set_proximal(fc, target, rho);
  b.set_proximal(fc, target, 0.0);
  a.train_epoch(d, 0);
  b.train_epoch(d, 0);
  EXPECT_TRUE(same(a.weight(fc), b.weight(fc)));
}

TEST(Trainer, StepHookSeesEveryStep) {
  Network net = net_from(kSmallNet);
  TrainOptions o = quiet_options();
  o.batch_size = 30;
  Trainer t(net, o);
  Dataset d = synthetic(100, 4);  // 30+30+30+10 -> 4 steps
  std::vector<int64_t> seen;
  t.set_step_hook([&](Trainer&, int64_t step) { seen.push_back(step); });
  EXPECT_EQ(t.steps_per_epoch(d), 4);
  t.train_epoch(d, 0);
  t.train_epoch(d, 1);
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(Trainer, SameSeedSameWeightsDifferentSeedDifferent) {
  Network net = net_from(kSmallNet);
  TrainOptions o = quiet_options();
  o.augment = true;
  Dataset d = synthetic(160, 5);
  auto run = [&](uint64_t seed) {
    TrainOptions oo = o;
    oo.seed = seed;
    Trainer t(net, oo);
    t.fit(d, Dataset{});
    Network out = net;
    t.export_weights(out);
    return weights_to_npz(out);
  };
  NpzMap a = run(3), b = run(3), c = run(4);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [k, v] : a) EXPECT_TRUE(same(v, b.at(k))) << k;
  EXPECT_FALSE(same(a.at("fc1.weight"), c.at("fc1.weight")));
}

TEST(Trainer, WeightNoiseOnlyPerturbsTraining) {
  Network net = net_from(kSmallNet);
  fill_params(net, 8);
  Dataset d = synthetic(64, 6);
  Trainer clean(net, quiet_options()), noisy(net, quiet_options());
  noisy.set_weight_noise(0.3);
  NdArray a = clean.infer(d.images), b = noisy.infer(d.images);
  EXPECT_TRUE(same(a, b));  // inference is never noisy
  clean.train_epoch(d, 0);
  noisy.train_epoch(d, 0);
  int fc = net.index_of("fc1");
  EXPECT_FALSE(same(clean.weight(fc), noisy.weight(fc)));
  EXPECT_THROW(noisy.set_weight_noise(-1), ConfigError);
}

TEST(Trainer, RejectsMismatchedData) {
  Network net = net_from(kSmallNet);
  Trainer t(net, quiet_options());
  Dataset d = synthetic(10, 7);
  d.images.shape = {10, 1, 4, 16};
  EXPECT_THROW(t.evaluate(d), InputError);
  Dataset e = synthetic(10, 7);
  e.labels[3] = 9;  // the network has 4 outputs
  EXPECT_THROW(t.train_epoch(e, 0), InputError);
  TrainOptions bad = quiet_options();
  bad.optimizer = "rmsprop";
  EXPECT_THROW(Trainer(net, bad), ConfigError);
}

TEST(Trainer, LearnsFashionMnistSubset) {
  std::string dir = resolve_dataset_dir("fashion-mnist");
  struct stat st;
  if (::stat((dir + "/train-labels-idx1-ubyte.gz").c_str(), &st) != 0 &&
      ::stat((dir + "/train-labels-idx1-ubyte").c_str(), &st) != 0)
    GTEST_SKIP() << "Fashion-MNIST not installed in " << dir;
  Dataset train = load_fashion_mnist(dir, "train", 512);
  Dataset test = load_fashion_mnist(dir, "test", 500);
  Network net = net_from(R"({"name": "tiny", "input": {"channels": 1, "height": 28, "width": 28}, "layers": [
    {"name": "conv1", "type": "conv", "out_channels": 8, "kernel": 5, "stride": 2, "padding": 2},
    {"name": "bn1", "type": "batchnorm"},
    {"name": "relu1", "type": "relu"},
    {"name": "pool1", "type": "maxpool", "kernel": 2, "stride": 2},
    {"name": "flat", "type": "flatten"},
    {"name": "fc1", "type": "linear", "out_features": 10}]})");
  TrainOptions o = quiet_options();
  o.epochs = 4;
  o.batch_size = 64;
  Trainer t(net, o);
  std::vector<EpochStats> s = t.fit(train, test);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_LT(s.back().loss, s.front().loss);
  EXPECT_GT(s.back().test_accuracy, 0.5);  // chance is 0.1
  EXPECT_DOUBLE_EQ(t.evaluate(test), s.back().test_accuracy);
  std::vector<int> pred = t.predict(test);
  ASSERT_EQ(pred.size(), 500u);
}

}  // namespace
}  // namespace reram
