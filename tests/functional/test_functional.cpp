// Functional crossbar model: float reference vs naive loops, hardware model vs the
// quantised reference (exact when lossless), lossy ADC vs an independent scalar model,
// non-idealities, calibration, config errors. Sizes deliberately do not divide evenly.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "functional_test_util.h"
#include "pruning/core/error.h"
#include "pruning/functional/crossbar_model.h"
#include "pruning/functional/evaluate.h"
#include "pruning/xbar/mapping.h"

using namespace reram;
using namespace reram::functional;
using namespace reram::functional::test;

namespace {

// ---- independent naive reference of the float network ----
using Tensor = std::vector<float>;  // one image, (C, H, W)

Tensor naive_conv(const Layer& L, const Tensor& x) {
  const Shape &in = L.in_shapes[0], &out = L.out_shape;
  const auto& W = L.params.at("weight");
  const int64_t cpg = in.c / L.groups, kpg = L.out_channels / L.groups;
  Tensor y(static_cast<size_t>(out.numel()), 0.0f);
  for (int64_t k = 0; k < out.c; ++k)
    for (int64_t oh = 0; oh < out.h; ++oh)
      for (int64_t ow = 0; ow < out.w; ++ow) {
        double s = L.params.count("bias") ? L.params.at("bias").data[k] : 0.0;
        const int64_t g = k / kpg;
        for (int64_t cc = 0; cc < cpg; ++cc)
          for (int r = 0; r < L.kernel_h; ++r)
            for (int t = 0; t < L.kernel_w; ++t) {
              const int64_t ih = oh * L.stride_h - L.pad_top + r, iw = ow * L.stride_w - L.pad_left + t;
              if (ih < 0 || iw < 0 || ih >= in.h || iw >= in.w) continue;
              const int64_t c = g * cpg + cc;
              s += static_cast<double>(W.data[((k * cpg + cc) * L.kernel_h + r) * L.kernel_w + t]) *
                   x[static_cast<size_t>((c * in.h + ih) * in.w + iw)];
            }
        y[static_cast<size_t>((k * out.h + oh) * out.w + ow)] = static_cast<float>(s);
      }
  return y;
}

Tensor naive_forward(const Network& net, const Tensor& input) {
  std::map<std::string, Tensor> a;
  a["input"] = input;
  for (const auto& L : net.layers) {
    const Tensor& x = a.at(L.inputs[0]);
    Tensor y;
    const Shape &in = L.in_shapes[0], &out = L.out_shape;
    switch (L.kind) {
      case LayerKind::Conv:
        y = naive_conv(L, x);
        break;
      case LayerKind::Linear: {
        const auto& W = L.params.at("weight");
        y.assign(static_cast<size_t>(L.out_features), 0.0f);
        for (int64_t o = 0; o < L.out_features; ++o) {
          double s = L.params.count("bias") ? L.params.at("bias").data[o] : 0.0;
          for (int64_t i = 0; i < in.numel(); ++i) s += static_cast<double>(W.data[o * in.numel() + i]) * x[i];
          y[o] = static_cast<float>(s);
        }
        break;
      }
      case LayerKind::Relu:
        for (float v : x) y.push_back(std::max(v, 0.0f));
        break;
      case LayerKind::Relu6:
        for (float v : x) y.push_back(std::min(std::max(v, 0.0f), 6.0f));
        break;
      case LayerKind::Add: {
        y = x;
        for (size_t i = 1; i < L.inputs.size(); ++i)
          for (size_t e = 0; e < y.size(); ++e) y[e] += a.at(L.inputs[i])[e];
        break;
      }
      case LayerKind::Concat:
        for (const auto& n : L.inputs) y.insert(y.end(), a.at(n).begin(), a.at(n).end());
        break;
      case LayerKind::MaxPool:
      case LayerKind::AvgPool: {
        y.assign(static_cast<size_t>(out.numel()), 0.0f);
        for (int64_t c = 0; c < out.c; ++c)
          for (int64_t oh = 0; oh < out.h; ++oh)
            for (int64_t ow = 0; ow < out.w; ++ow) {
              float m = -1e30f;
              double s = 0;
              int cnt = 0;
              for (int r = 0; r < L.kernel_h; ++r)
                for (int t = 0; t < L.kernel_w; ++t) {
                  const int64_t ih = oh * L.stride_h - L.pad_top + r, iw = ow * L.stride_w - L.pad_left + t;
                  if (ih < 0 || iw < 0 || ih >= in.h || iw >= in.w) continue;
                  const float v = x[static_cast<size_t>((c * in.h + ih) * in.w + iw)];
                  m = std::max(m, v);
                  s += v;
                  ++cnt;
                }
              y[static_cast<size_t>((c * out.h + oh) * out.w + ow)] =
                  L.kind == LayerKind::MaxPool ? m : static_cast<float>(s / cnt);
            }
        break;
      }
      default:
        y = x;
        break;
    }
    a[L.name] = y;
  }
  return a.at(net.layers.back().name);
}

}  // namespace

TEST(Functional, FloatForwardMatchesNaiveLoops) {
  Network net = test_net(3);
  Mapping m = map_dense(net, make_arch({}));
  FunctionalModel fm(m, make_arch({}));
  const Acts x = random_images(net.input, 5, 11);
  const Acts y = fm.forward_float(x);
  ASSERT_EQ(y.cols(), 7);
  for (int64_t n = 0; n < x.rows(); ++n) {
    Tensor in(x.row(n).data(), x.row(n).data() + x.cols());
    Tensor ref = naive_forward(m.network, in);
    for (int64_t k = 0; k < 7; ++k) EXPECT_NEAR(y(n, k), ref[static_cast<size_t>(k)], 1e-4) << "image " << n;
  }
}

TEST(Functional, GlobalAvgPoolAndBatchnorm) {
  json j = json::parse(R"({"name": "g", "input": {"channels": 2, "height": 3, "width": 5},
    "layers": [{"name": "bn", "type": "batchnorm"}, {"name": "gap", "type": "globalavgpool"}]})");
  Network net = network_from_json(j, "t");
  Layer& bn = net.layers[0];
  bn.params["weight"] = NdArray({2}, {2.0f, -1.0f});
  bn.params["bias"] = NdArray({2}, {0.5f, 1.0f});
  bn.params["running_mean"] = NdArray({2}, {1.0f, -2.0f});
  bn.params["running_var"] = NdArray({2}, {4.0f, 0.25f});
  Acts x = random_images(net.input, 2, 5);
  Acts y = forward(net, x, [](int, const MatrixXf& v) -> MatrixXf { return v; });
  ASSERT_EQ(y.cols(), 2);
  for (int n = 0; n < 2; ++n) {
    double m0 = x.row(n).head(15).mean(), m1 = x.row(n).tail(15).mean();
    EXPECT_NEAR(y(n, 0), 2.0 * (m0 - 1.0) / std::sqrt(4.0 + 1e-5) + 0.5, 1e-5);
    EXPECT_NEAR(y(n, 1), -1.0 * (m1 + 2.0) / std::sqrt(0.25 + 1e-5) + 1.0, 1e-5);
  }
}

TEST(Functional, InputQuantisationKeepsZeroExact) {
  InputQuant q = make_input_quant(-0.7, 2.3, 6);
  EXPECT_GT(q.zero, 0);
  MatrixXf v(1, 4);
  v << 0.0f, -0.7f, 2.3f, 5.0f;
  MatrixXf c = quantize_inputs(v, q);
  EXPECT_EQ(c(0, 0), static_cast<float>(q.zero));
  EXPECT_EQ(c(0, 1), 0.0f);
  EXPECT_EQ(c(0, 3), 63.0f);  // clipped
  EXPECT_NEAR(q.scale * (c(0, 2) - q.zero), 2.3, q.scale);
  InputQuant u = make_input_quant(0.0, 4.0, 3);
  EXPECT_EQ(u.zero, 0);
  EXPECT_DOUBLE_EQ(u.scale, 4.0 / 7.0);
}

// Lossless ADC (8 bits >= 17 rows x 3 x 3) and ideal devices: the bit-serial model must
// reproduce the quantised reference's integers exactly, for both sign encodings, with
// and without operation units, through the real path and through the shortcut.
class Exactness : public ::testing::TestWithParam<std::tuple<std::string, int, bool>> {};

TEST_P(Exactness, HardwareIntegersEqualQuantizedReference) {
  const auto [enc, ou_rows, shortcut] = GetParam();
  ArchConfig arch = make_arch({{"crossbar", {{"sign_encoding", enc}, {"ou_rows", ou_rows}}}});
  Network net = test_net(5);
  Mapping m = map_dense(net, arch);
  HardwareOptions ho;
  ho.allow_lossless_shortcut = shortcut;
  ho.block_vectors = 29;  // uneven blocks
  FunctionalModel fm(m, arch, ho);
  const Acts calib = random_images(net.input, 8, 1);
  fm.calibrate(calib, 3);
  EXPECT_EQ(fm.lossless_crossbars(), static_cast<int64_t>(fm.crossbars().size()));
  const Acts x = random_images(net.input, 6, 2);
  const auto ins = layer_inputs(fm, x);
  for (size_t l = 0; l < ins.size(); ++l) {
    MatrixXd q = fm.quantized_layer_int(static_cast<int>(l), ins[l]);
    MatrixXd h = fm.hardware_layer_int(static_cast<int>(l), ins[l]);
    ASSERT_EQ(q.rows(), h.rows());
    EXPECT_GT(q.cwiseAbs().maxCoeff(), 0.0);
    EXPECT_EQ(mean_abs_diff(q, h), 0.0) << "layer " << fm.layers()[l].name;
  }
  const Acts yq = fm.forward_quantized(x), yh = fm.forward_hardware(x);
  EXPECT_EQ(argmax_rows(yq), argmax_rows(yh));
  EXPECT_EQ((yq - yh).cwiseAbs().maxCoeff(), 0.0f);
  // Quantisation is a small perturbation of the float model.
  const Acts yf = fm.forward_float(x);
  EXPECT_LT((yq - yf).cwiseAbs().maxCoeff(), 0.25 * yf.cwiseAbs().maxCoeff());
}

INSTANTIATE_TEST_SUITE_P(Encodings, Exactness,
                         ::testing::Values(std::make_tuple("offset", 0, false), std::make_tuple("offset", 0, true),
                                           std::make_tuple("differential", 0, false),
                                           std::make_tuple("offset", 5, false),
                                           std::make_tuple("differential", 6, false)));

// A lossy ADC checked against an independent scalar model of the documented rule:
// reads of one operation unit, full-range LSB, round to nearest, clip to the code range.
TEST(Functional, LossyAdcMatchesScalarModel) {
  for (std::string enc : {"offset", "differential"}) {
    ArchConfig arch = make_arch({{"crossbar", {{"sign_encoding", enc}, {"ou_rows", 7}}},
                                 {"precision", {{"adc_bits", 3}, {"dac_bits", 2}, {"input_bits", 5}}}});
    json j = json::parse(R"({"name": "lin", "input": {"channels": 1, "height": 1, "width": 23},
      "layers": [{"name": "flat", "type": "flatten"}, {"name": "fc", "type": "linear", "out_features": 9, "bias": false}]})");
    Network net = network_from_json(j, "t");
    randomize_weights(net, 9);
    Mapping m = map_dense(net, arch);
    FunctionalModel fm(m, arch, HardwareOptions{false, 4});
    const Acts x = random_images(net.input, 10, 4).cwiseAbs();
    fm.calibrate(x);
    EXPECT_EQ(fm.lossless_crossbars(), 0);
    const auto ins = layer_inputs(fm, x);
    const MatrixXd h = fm.hardware_layer_int(0, ins[0]);
    const LayerModel& lm = fm.layers()[0];
    const MatrixXf codes = quantize_inputs(ins[0], lm.iquant);
    // Scalar model.
    const int cb = 2, wb = 5, d = 2, steps = 3, ou = 7, B = 3;
    const int S = (wb + cb - 1) / cb;
    const double lsb = std::max(1.0, ou * 3.0 * 3.0 / ((1 << B) - 1));
    MatrixXd ref = MatrixXd::Zero(h.rows(), h.cols());
    for (const auto& pc : m.crossbars) {
      for (int64_t v = 0; v < codes.rows(); ++v)
        for (size_t jj = 0; jj < pc.cols.size(); ++jj) {
          const int64_t col = pc.cols[jj];
          double total = 0;
          for (int sign = 0; sign < (enc == "offset" ? 1 : 2); ++sign)
            for (int k = 0; k < S; ++k)
              for (int t = 0; t < steps; ++t)
                for (size_t g0 = 0; g0 < pc.rows.size(); g0 += ou) {
                  double read = 0;
                  for (size_t i = g0; i < std::min(pc.rows.size(), g0 + ou); ++i) {
                    const int64_t q = static_cast<int64_t>(lm.wq(pc.rows[i], col));
                    int64_t stored = enc == "offset" ? q + (1 << (wb - 1))
                                                     : (sign == 0 ? std::max<int64_t>(q, 0) : std::max<int64_t>(-q, 0));
                    const int64_t s = (stored >> (k * cb)) & 3;
                    const int64_t chunk = (static_cast<int64_t>(codes(v, pc.rows[i])) >> (t * d)) & 3;
                    read += static_cast<double>(s * chunk);
                  }
                  const double code = std::min(std::nearbyint(read / lsb), double((1 << B) - 1));
                  total += (sign ? -1.0 : 1.0) * code * lsb * std::ldexp(1.0, k * cb + t * d);
                }
          double sumx = 0, sumw = 0;
          for (int64_t r : pc.rows) {
            sumx += codes(v, r);
            sumw += lm.wq(r, col);
          }
          if (enc == "offset") total -= (1 << (wb - 1)) * sumx;
          total -= static_cast<double>(lm.iquant.zero) * sumw;
          ref(v, col) += total;
        }
    }
    EXPECT_LT((h - ref).cwiseAbs().maxCoeff(), 1e-6) << enc;
    // ...and the loss is real: it differs from the exact integers.
    EXPECT_GT(mean_abs_diff(h, fm.quantized_layer_int(0, ins[0])), 0.5) << enc;
  }
}

TEST(Functional, CalibratedAdcRangeIsTighterAndMoreAccurate) {
  ArchConfig full = make_arch({{"precision", {{"adc_bits", 4}}}});
  ArchConfig cal = make_arch({{"precision", {{"adc_bits", 4}}}, {"nonideal", {{"adc_range", "calibrated"}}}});
  Network net = test_net(8);
  Mapping m = map_dense(net, full);
  FunctionalModel ff(m, full), fc(m, cal);
  const Acts x = random_images(net.input, 12, 6);
  ff.calibrate(x);
  fc.calibrate(x);
  double err_full = 0, err_cal = 0;
  const auto ins = layer_inputs(ff, x);
  for (size_t l = 0; l < ins.size(); ++l) {
    const MatrixXd q = ff.quantized_layer_int(static_cast<int>(l), ins[l]);
    err_full += mean_abs_diff(ff.hardware_layer_int(static_cast<int>(l), ins[l]), q);
    err_cal += mean_abs_diff(fc.hardware_layer_int(static_cast<int>(l), ins[l]), q);
  }
  for (size_t i = 0; i < fc.crossbars().size(); ++i) {
    EXPECT_LE(fc.crossbars()[i].calibrated_max, fc.crossbars()[i].max_read);
    EXPECT_LE(fc.crossbars()[i].lsb, ff.crossbars()[i].lsb);
  }
  EXPECT_LT(err_cal, err_full);
}

TEST(Functional, StuckAtFaultsGrowErrorMonotonically) {
  Network net = test_net(12);
  const Acts x = random_images(net.input, 8, 3);
  std::vector<double> err;
  for (double rate : {0.0, 0.01, 0.05, 0.1, 0.3}) {
    ArchConfig a = make_arch({{"nonideal", {{"seed", 42}, {"stuck_on_rate", rate / 2}, {"stuck_off_rate", rate / 2}}}});
    Mapping m = map_dense(net, a);
    FunctionalModel fm(m, a);
    fm.calibrate(x);
    int64_t cells = 0, stuck = 0;
    for (const auto& c : fm.crossbars()) {
      cells += c.g.size();
      stuck += c.stuck_cells;
    }
    EXPECT_NEAR(static_cast<double>(stuck) / cells, rate, 4 * std::sqrt(rate * (1 - rate) / cells) + 1e-12);
    err.push_back((fm.forward_hardware(x) - fm.forward_quantized(x)).cwiseAbs().mean());
  }
  EXPECT_EQ(err[0], 0.0);
  for (size_t i = 1; i < err.size(); ++i) EXPECT_GT(err[i], err[i - 1]) << "rate index " << i;
}

TEST(Functional, NonIdealitiesAreSeededAndChangeResults) {
  Network net = test_net(4);
  const Acts x = random_images(net.input, 4, 9);
  auto run = [&](const json& ni) {
    ArchConfig a = make_arch({{"nonideal", ni}});
    Mapping m = map_dense(net, a);
    FunctionalModel fm(m, a);
    fm.calibrate(x);
    return std::make_pair(fm.forward_hardware(x), fm.forward_quantized(x));
  };
  for (json ni : {json{{"variation_sigma", 0.1}}, json{{"read_noise_sigma", 0.05}}, json{{"conductance_levels", 3}},
                  json{{"ir_drop", 0.1}}}) {
    ni["seed"] = 5;
    auto [h1, q] = run(ni);
    auto [h2, q2] = run(ni);
    EXPECT_EQ((h1 - h2).cwiseAbs().maxCoeff(), 0.0f) << ni.dump();  // deterministic
    EXPECT_GT((h1 - q).cwiseAbs().maxCoeff(), 0.0f) << ni.dump();   // and it matters
    if (ni.contains("variation_sigma") || ni.contains("read_noise_sigma")) {
      ni["seed"] = 6;
      auto [h3, q3] = run(ni);
      EXPECT_GT((h1 - h3).cwiseAbs().maxCoeff(), 0.0f) << ni.dump();
    }
  }
  // 7 levels on 2-bit cells contain the 4 nominal ones exactly: still lossless.
  auto [h, q] = run(json{{"conductance_levels", 7}});
  EXPECT_EQ((h - q).cwiseAbs().maxCoeff(), 0.0f);
}

TEST(Functional, IrDropOnlyAttenuates) {
  Network net = test_net(4);
  ArchConfig ideal = make_arch({}), ir = make_arch({{"nonideal", {{"ir_drop", 0.2}}}});
  Mapping m = map_dense(net, ideal);
  FunctionalModel a(m, ideal), b(m, ir);
  for (size_t i = 0; i < a.crossbars().size(); ++i) {
    const auto &ga = a.crossbars()[i].g, &gb = b.crossbars()[i].g;
    // Effective g - g_min: attenuated cells are never larger than ideal ones.
    EXPECT_LE((gb - ga).maxCoeff(), 1e-6f);
    EXPECT_EQ(gb(0, 0), ga(0, 0));  // the cell next to both drivers is unaffected
  }
}

// The documented first-order IR-drop rule, cell by cell, recomputed from the ideal
// conductances: G' = G / (1 + ir_drop * (G / G_max) * (i + p) / (rows - 1 + cols - 1)).
TEST(Functional, IrDropFollowsSeriesResistanceRule) {
  Network net = test_net(4);
  const double kappa = 0.3;
  ArchConfig ideal = make_arch({}), ir = make_arch({{"nonideal", {{"ir_drop", kappa}}}});
  Mapping m = map_dense(net, ideal);
  FunctionalModel a(m, ideal), b(m, ir);
  // Level units: one nominal step (G_max - G_min) / 3 is 1; G_min = 1 uS, G_max = 100 uS.
  const double step_us = (100.0 - 1.0) / 3.0, gmin = 1.0 / step_us, gmax = 100.0 / step_us;
  const double span = 17 - 1 + 24 - 1;
  double worst = 0.0, biggest_loss = 0.0;
  for (size_t x = 0; x < a.crossbars().size(); ++x) {
    const auto &ga = a.crossbars()[x].g, &gb = b.crossbars()[x].g;
    for (int64_t i = 0; i < ga.rows(); ++i)
      for (int64_t p = 0; p < ga.cols(); ++p) {
        const double g = ga(i, p) + gmin;
        const double want = g / (1.0 + kappa * (g / gmax) * static_cast<double>(i + p) / span) - gmin;
        worst = std::max(worst, std::abs(gb(i, p) - want));
        biggest_loss = std::max(biggest_loss, ga(i, p) - want);
      }
  }
  EXPECT_LT(worst, 1e-5);
  EXPECT_GT(biggest_loss, 0.1);  // the rule bites somewhere
}

// Each non-ideality draws from its own stream: switching faults on changes exactly the
// stuck cells and leaves the variation of every other cell as it was.
TEST(Functional, NonIdealityStreamsAreIndependent) {
  Network net = test_net(3);
  ArchConfig v = make_arch({{"nonideal", {{"seed", 9}, {"variation_sigma", 0.2}}}});
  ArchConfig vf = make_arch(
      {{"nonideal", {{"seed", 9}, {"variation_sigma", 0.2}, {"stuck_off_rate", 0.05}, {"stuck_on_rate", 0.05}}}});
  Mapping m = map_dense(net, v);
  FunctionalModel a(m, v), b(m, vf);
  int64_t differ = 0, stuck = 0;
  for (size_t x = 0; x < a.crossbars().size(); ++x) {
    differ += (a.crossbars()[x].g.array() != b.crossbars()[x].g.array()).count();
    stuck += b.crossbars()[x].stuck_cells;
  }
  EXPECT_GT(stuck, 10);
  EXPECT_EQ(differ, stuck);
  // Fault sets are nested: the cells stuck off (g - G_min == 0 exactly; varied cells never
  // are) at a 5 % rate stay stuck off at 10 %, whatever the stuck-on rate does.
  ArchConfig more = make_arch(
      {{"nonideal", {{"seed", 9}, {"variation_sigma", 0.2}, {"stuck_off_rate", 0.1}, {"stuck_on_rate", 0.2}}}});
  FunctionalModel c(m, more);
  // Likewise stuck-on cells (g - G_min == 3 levels exactly) from 5 % to 20 %.
  int64_t off5 = 0, off10 = 0, lost_off = 0, on5 = 0, on20 = 0, lost_on = 0;
  for (size_t x = 0; x < b.crossbars().size(); ++x) {
    const auto &gb = b.crossbars()[x].g, &gc = c.crossbars()[x].g;
    off5 += (gb.array() == 0.0f).count();
    off10 += (gc.array() == 0.0f).count();
    lost_off += ((gb.array() == 0.0f) && (gc.array() != 0.0f)).count();
    on5 += (gb.array() == 3.0f).count();
    on20 += (gc.array() == 3.0f).count();
    lost_on += ((gb.array() == 3.0f) && (gc.array() != 3.0f)).count();
  }
  EXPECT_GT(off5, 5);
  EXPECT_GT(off10, off5);
  EXPECT_EQ(lost_off, 0);
  EXPECT_GT(on5, 5);
  EXPECT_GT(on20, on5);
  EXPECT_EQ(lost_on, 0);
}

// Read noise has the documented statistics: per read and column, zero mean and variance
// sigma^2 * sum_i (x_i g_i)^2 (g including G_min), plus the ADC's rounding (1/12 of an
// LSB^2 at LSB 1). One step, one slice, one read per column, so the error of every output
// is one noisy conversion; g and the variance are recomputed from the weight codes.
TEST(Functional, ReadNoiseHasDocumentedVariance) {
  const double sigma = 0.5;
  json spec = {
      {"crossbar", {{"rows", 17}, {"cols", 24}, {"cell_bits", 2}, {"sign_encoding", "offset"}}},
      {"precision", {{"weight_bits", 2}, {"input_bits", 1}, {"dac_bits", 1}, {"adc_bits", 12}, {"activation_bits", 8}}},
      {"chip", {{"tiles", "auto"}}},
      {"nonideal", {{"seed", 3}, {"read_noise_sigma", sigma}}}};
  ArchConfig arch = arch_from_json(spec, "noise-arch");
  json j = json::parse(R"({"name": "lin", "input": {"channels": 1, "height": 1, "width": 16},
    "layers": [{"name": "flat", "type": "flatten"}, {"name": "fc", "type": "linear", "out_features": 4, "bias": false}]})");
  Network net = network_from_json(j, "t");
  randomize_weights(net, 2);
  Mapping m = map_dense(net, arch);
  FunctionalModel fm(m, arch);
  ASSERT_EQ(fm.crossbars().size(), 1u);
  const int64_t n = 3000;
  std::mt19937_64 rng(17);
  MatrixXf v(n, 16);
  for (int64_t i = 0; i < v.size(); ++i) v.data()[i] = static_cast<float>(rng() & 1);
  const MatrixXd h = fm.hardware_layer_int(0, v), q = fm.quantized_layer_int(0, v);
  const LayerModel& lm = fm.layers()[0];
  const double gmin = 1.0 * 3.0 / 99.0;  // G_min in units of (G_max - G_min) / 3
  double sum = 0, sum_sq = 0, predicted = 0;
  for (int64_t a = 0; a < n; ++a)
    for (int64_t c = 0; c < 4; ++c) {
      double var = 0;
      for (int64_t i = 0; i < 16; ++i) {
        const double g = gmin + (lm.wq(i, c) + 2.0);  // offset encoding: level = q + 2^(b_w - 1)
        var += v(a, i) * g * g;
      }
      predicted += sigma * sigma * var + 1.0 / 12.0;
      const double e = h(a, c) - q(a, c);
      sum += e;
      sum_sq += e * e;
    }
  const double cnt = static_cast<double>(n * 4);
  const double mean = sum / cnt, var_emp = sum_sq / cnt - mean * mean;
  predicted /= cnt;
  EXPECT_GT(predicted, 4.0);  // noise well above the rounding
  EXPECT_NEAR(var_emp / predicted, 1.0, 0.05);
  EXPECT_LT(std::abs(mean), 4.0 * std::sqrt(predicted / cnt));
}

TEST(Functional, BadConfigsAreConfigErrors) {
  EXPECT_THROW(make_arch({{"precision", {{"adc_bits", 0}}}}), ConfigError);
  EXPECT_THROW(make_arch({{"crossbar", {{"g_min_us", 10.0}, {"g_max_us", 10.0}}}}), ConfigError);
  EXPECT_THROW(make_arch({{"nonideal", {{"variation_sigma", -0.1}}}}), ConfigError);
  EXPECT_THROW(make_arch({{"nonideal", {{"read_noise_sigma", -1.0}}}}), ConfigError);
  EXPECT_THROW(make_arch({{"nonideal", {{"stuck_on_rate", 1.5}}}}), ConfigError);
  EXPECT_THROW(make_arch({{"nonideal", {{"stuck_off_rate", -0.01}}}}), ConfigError);
  EXPECT_THROW(make_arch({{"nonideal", {{"adc_range", "auto"}}}}), ConfigError);
  // A mapping made for another geometry.
  Network net = test_net(1);
  Mapping m = map_dense(net, make_arch({}));
  EXPECT_THROW(FunctionalModel(m, make_arch({{"precision", {{"weight_bits", 6}}}})), ConfigError);
}

TEST(Functional, DoublyStoredCellIsRejected) {
  Network net = test_net(1);
  ArchConfig a = make_arch({});
  Mapping m = map_dense(net, a);
  PhysicalCrossbar dup = m.crossbars[0];
  dup.id = static_cast<int>(m.crossbars.size());
  m.crossbars.push_back(dup);
  m.layers[static_cast<size_t>(dup.layer)].crossbars.push_back(dup.id);
  EXPECT_THROW(FunctionalModel(m, a), InputError);
}

TEST(Functional, EvaluateReportsAllThreeAccuracies) {
  Network net = test_net(2);
  ArchConfig a = make_arch({});
  Mapping m = map_dense(net, a);
  Dataset d;
  const int64_t n = 21;
  Acts x = random_images(net.input, n, 13);
  d.images = NdArray({n, 3, 9, 7}, std::vector<float>(x.data(), x.data() + x.size()));
  // Labels from the float model itself on half the images, so accuracy is not trivial.
  FunctionalModel fm(m, a);
  auto pred = argmax_rows(fm.forward_float(x));
  for (int64_t i = 0; i < n; ++i)
    d.labels.push_back(i % 2 ? pred[static_cast<size_t>(i)] : (pred[static_cast<size_t>(i)] + 1) % 7);
  EvalOptions o;
  o.batch_images = 4;
  o.calibration_samples = 10;
  json r = evaluate_on_hardware(m, a, d, o);
  EXPECT_EQ(r["samples"], n);
  EXPECT_NEAR(r["accuracy_float"].get<double>(), 10.0 / 21.0, 1e-12);
  EXPECT_EQ(r["accuracy_on_hardware"], r["accuracy_quantized"]);  // lossless config
  EXPECT_EQ(r["hardware_agrees_with_quantized"], 1.0);
  EXPECT_EQ(r["model"]["adc_lossless_crossbars"], r["model"]["crossbars"]);
  Dataset wrong = d;
  wrong.images.shape = {n, 3, 7, 9};
  EXPECT_THROW(evaluate_on_hardware(m, a, wrong, o), InputError);
}

// Per-effect seeds: a new fault_seed moves the stuck cells and leaves every other cell's
// variation draw as it was; a new variation_seed does the reverse (no stuck cell moves).
TEST(Functional, PerEffectSeedsReRollOnlyTheirEffect) {
  Network net = test_net(3);
  auto cfg = [](json extra) {
    json n = {{"seed", 9}, {"variation_sigma", 0.2}, {"stuck_off_rate", 0.05}};
    for (auto& [k, v] : extra.items()) n[k] = v;
    return make_arch({{"nonideal", n}});
  };
  ArchConfig base = cfg(json::object()), nf = cfg({{"fault_seed", 123}}), nv = cfg({{"variation_seed", 123}});
  Mapping m = map_dense(net, base);
  FunctionalModel a(m, base), f(m, nf), v(m, nv);
  int64_t moved_faults = 0, varied_same = 0, healthy_both = 0, stuck_moved_by_var = 0, var_changed = 0;
  for (size_t x = 0; x < a.crossbars().size(); ++x) {
    const auto &ga = a.crossbars()[x].g.array(), &gf = f.crossbars()[x].g.array(), &gv = v.crossbars()[x].g.array();
    moved_faults += ((ga == 0.0f) != (gf == 0.0f)).count();
    auto healthy = (ga != 0.0f) && (gf != 0.0f);
    healthy_both += healthy.count();
    varied_same += (healthy && (ga == gf)).count();
    stuck_moved_by_var += ((ga == 0.0f) != (gv == 0.0f)).count();
    var_changed += ((ga != 0.0f) && (ga != gv)).count();
  }
  EXPECT_GT(moved_faults, 10);
  EXPECT_GT(healthy_both, 100);
  EXPECT_EQ(varied_same, healthy_both);
  EXPECT_EQ(stuck_moved_by_var, 0);
  EXPECT_GT(var_changed, 100);
}

// Reads from bit planes and popcounts (ideal devices) give exactly the float products'
// results: crossbars of more than 64 rows (two words, a partial last one), operation
// units not aligned to words, multi-bit DAC chunks, both sign encodings, lossy ADCs.
TEST(Functional, BitPlaneReadsEqualFloatProducts) {
  json j = json::parse(R"({"name": "lin", "input": {"channels": 1, "height": 1, "width": 150},
    "layers": [{"name": "flat", "type": "flatten"}, {"name": "fc", "type": "linear", "out_features": 13, "bias": false}]})");
  Network net = network_from_json(j, "t");
  randomize_weights(net, 21);
  int cases = 0;
  for (std::string enc : {"offset", "differential"})
    for (int ou : {0, 9, 70})
      for (int dac : {1, 2, 3})
        for (int cell : {1, 2, 3}) {
          ArchConfig arch =
              make_arch({{"crossbar",
                          {{"rows", 130}, {"cols", 16}, {"cell_bits", cell}, {"sign_encoding", enc}, {"ou_rows", ou}}},
                         {"precision", {{"weight_bits", 6}, {"input_bits", 7}, {"dac_bits", dac}, {"adc_bits", 5}}}});
          Mapping m = map_dense(net, arch);
          const Acts x = random_images(net.input, 9, 5).cwiseAbs();
          HardwareOptions on, off;
          on.allow_lossless_shortcut = off.allow_lossless_shortcut = false;
          off.allow_bit_planes = false;
          FunctionalModel a(m, arch, on), b(m, arch, off);
          a.calibrate(x);
          b.calibrate(x);
          ASSERT_FALSE(a.crossbars().front().gbits.empty());
          const auto ins = layer_inputs(a, x);
          const MatrixXd ha = a.hardware_layer_int(0, ins[0]), hb = b.hardware_layer_int(0, ins[0]);
          EXPECT_EQ(ha, hb) << enc << " ou " << ou << " dac " << dac << " cell " << cell;
          EXPECT_GT(ha.cwiseAbs().sum(), 0.0);
          ++cases;
        }
  EXPECT_EQ(cases, 54);
  // Non-ideal conductances are not integers: no bit planes, the float product is used.
  ArchConfig noisy = make_arch({{"nonideal", {{"variation_sigma", 0.1}, {"seed", 1}}}});
  FunctionalModel fm(map_dense(net, noisy), noisy);
  EXPECT_TRUE(fm.crossbars().front().gbits.empty());
}

// Threads over batches: the report is the same, bit for bit, for 1, 2 and 3 threads,
// also with read noise (its streams are keyed by the batch, not by the thread).
TEST(Functional, EvaluateIsIdenticalForAnyThreadCount) {
  Network net = test_net(4);
  Dataset d;
  const int64_t n = 23;
  Acts x = random_images(net.input, n, 17);
  d.images = NdArray({n, 3, 9, 7}, std::vector<float>(x.data(), x.data() + x.size()));
  for (int64_t i = 0; i < n; ++i) d.labels.push_back(static_cast<int>(i % 7));
  for (json ni : {json::object(), json{{"read_noise_sigma", 0.3}, {"seed", 5}}}) {
    ArchConfig a = make_arch({{"nonideal", ni}, {"precision", {{"adc_bits", 4}}}});
    Mapping m = map_dense(net, a);
    std::vector<json> reports;
    for (int t : {1, 2, 3}) {
      EvalOptions o;
      o.batch_images = 4;
      o.calibration_samples = 8;
      o.threads = t;
      json r = evaluate_on_hardware(m, a, d, o);
      EXPECT_EQ(r["threads"], t);
      r.erase("time_s");
      r.erase("threads");
      r.erase("hardware_cpu_time_s");
      reports.push_back(r);
    }
    EXPECT_EQ(reports[0], reports[1]) << ni.dump();
    EXPECT_EQ(reports[0], reports[2]) << ni.dump();
    EXPECT_FALSE(reports[0]["input_bit_density"].empty());
  }
  EXPECT_THROW(resolve_threads(-1), ConfigError);
  EXPECT_GE(resolve_threads(0), 1);
}
