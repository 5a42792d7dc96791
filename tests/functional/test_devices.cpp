// Devices over time and chips in numbers (docs/functional-model.md): ADCs sized per
// crossbar, conductance drift and its compensation, write-verify programming, and
// Monte-Carlo trials of chip instances.
#include <gtest/gtest.h>

#include <cmath>

#include "functional_test_util.h"
#include "pruning/core/error.h"
#include "pruning/functional/evaluate.h"

using namespace reram;
using namespace reram::functional;
using namespace reram::functional::test;

namespace {

// The largest read of any bit line of crossbar x over one read's rows, by brute force
// from its integer weight codes (independent of crossbar_max_reads).
double brute_max_read(const ProgrammedCrossbar& x, const ArchConfig& a) {
  const int cb = a.crossbar.cell_bits, S = a.slices(), wb = a.precision.weight_bits;
  const bool offset = a.crossbar.sign_encoding == SignEncoding::Offset;
  const int64_t r = x.wq.rows(), group = std::min<int64_t>(a.ou_rows_eff(), r);
  const double dac_max = (1 << a.precision.dac_bits) - 1;
  double best = 0;
  for (int64_t j = 0; j < x.wq.cols(); ++j)
    for (int sign = 0; sign < (offset ? 1 : 2); ++sign)
      for (int k = 0; k < S; ++k)
        for (int64_t g0 = 0; g0 < r; g0 += group) {
          double sum = 0;
          for (int64_t i = g0; i < std::min(r, g0 + group); ++i) {
            const auto q = static_cast<int64_t>(x.wq(i, j));
            const int64_t stored = offset ? q + (int64_t{1} << (wb - 1)) : std::max<int64_t>(sign ? -q : q, 0);
            sum += static_cast<double>((stored >> (k * cb)) & ((1 << cb) - 1));
          }
          best = std::max(best, sum * dac_max);
        }
  return best;
}

}  // namespace

// precision.adc_bits "per_crossbar": each crossbar's resolution is the smallest that holds
// its largest possible read, the mapping-side computation (which the simulator uses)
// agrees with the functional model, and the bit-serial path stays exact.
TEST(AdcSizing, PerCrossbarBitsAreLosslessMinimalAndExact) {
  int below_uniform = 0;
  for (std::string enc : {"offset", "differential"})
    for (int ou : {0, 5}) {
      ArchConfig a = make_arch(
          {{"crossbar", {{"sign_encoding", enc}, {"ou_rows", ou}}}, {"precision", {{"adc_bits", "per_crossbar"}}}});
      ASSERT_TRUE(a.precision.adc_bits_per_crossbar);
      EXPECT_EQ(a.precision.adc_bits, a.lossless_adc_bits());
      Network net = test_net(5);
      Mapping m = map_dense(net, a);
      HardwareOptions ho;
      ho.allow_lossless_shortcut = false;
      FunctionalModel fm(m, a, ho);
      fm.calibrate(random_images(net.input, 8, 1), 3);
      const std::vector<int> bits = crossbar_adc_bits(m, a.ou_rows_eff(), a.precision.dac_bits);
      ASSERT_EQ(bits.size(), fm.crossbars().size());
      for (const ProgrammedCrossbar& x : fm.crossbars()) {
        const double mr = brute_max_read(x, a);
        EXPECT_EQ(x.adc_bits, bits[static_cast<size_t>(x.id)]) << enc << " crossbar " << x.id;
        EXPECT_LE(mr, std::ldexp(1.0, x.adc_bits) - 1) << enc << " crossbar " << x.id;
        if (x.adc_bits > 1) {
          EXPECT_GT(mr, std::ldexp(1.0, x.adc_bits - 1) - 1) << enc << " crossbar " << x.id;
        }
        EXPECT_LE(x.adc_bits, a.precision.adc_bits);
        below_uniform += x.adc_bits < a.precision.adc_bits;
        EXPECT_TRUE(x.lossless);
      }
      const Acts x = random_images(net.input, 5, 2);
      const auto ins = layer_inputs(fm, x);
      for (size_t l = 0; l < ins.size(); ++l)
        EXPECT_EQ(mean_abs_diff(fm.quantized_layer_int(static_cast<int>(l), ins[l]),
                                fm.hardware_layer_int(static_cast<int>(l), ins[l])),
                  0.0)
            << enc << " layer " << l;
      EXPECT_EQ(fm.summary()["adc_bits"], "per_crossbar");
    }
  EXPECT_GT(below_uniform, 0);
}

TEST(AdcSizing, ConfigReadsWritesAndRejects) {
  ArchConfig a = make_arch({{"precision", {{"adc_bits", "per_crossbar"}}}});
  EXPECT_EQ(a.to_json()["precision"]["adc_bits"], "per_crossbar");
  EXPECT_EQ(arch_from_json(a.to_json(), "round trip").precision.adc_bits_per_crossbar, true);
  try {
    make_arch({{"precision", {{"adc_bits", "per_column"}}}});
    FAIL() << "accepted adc_bits \"per_column\"";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("per_crossbar"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("test-arch"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_arch({{"precision", {{"adc_bits", "per_crossbar"}}}, {"nonideal", {{"adc_range", "calibrated"}}}}),
               ConfigError);
}

namespace {

// Mean |hardware - exact| of every layer's integer outputs on `x`, through `fm`.
double layer_error(FunctionalModel& fm, const Acts& x) {
  const auto ins = layer_inputs(fm, x);
  double e = 0;
  for (size_t l = 0; l < ins.size(); ++l)
    e += mean_abs_diff(fm.quantized_layer_int(static_cast<int>(l), ins[l]),
                       fm.hardware_layer_int(static_cast<int>(l), ins[l]));
  return e;
}

json drift(double t, bool comp, double sigma = 0.02) {
  return {
      {"nonideal", {{"drift_nu_mean", 0.05}, {"drift_nu_sigma", sigma}, {"time_s", t}, {"drift_compensation", comp}}},
      {"precision", {{"adc_bits", "auto"}}}};
}

}  // namespace

// G(t) = G(t0) (t/t0)^-nu: the error grows with time for every seed, and the per-layer
// compensation removes most of it; with one exponent for every device it is exactly the
// inverse of the drift factor.
TEST(Drift, ErrorGrowsWithTimeAndCompensationRecoversIt) {
  Network net = test_net(6);
  const Acts calib = random_images(net.input, 16, 1), x = random_images(net.input, 8, 2);
  for (uint64_t seed : {1, 2, 3}) {
    double last_raw = -1, last_comp = -1;
    for (double t : {0.0, 1e2, 1e4, 1e6, 1e8}) {
      json raw = drift(t, false), comp = drift(t, true);
      raw["nonideal"]["seed"] = comp["nonideal"]["seed"] = seed;
      ArchConfig ar = make_arch(raw), ac = make_arch(comp);
      Mapping m = map_dense(net, ar);
      FunctionalModel fr(m, ar), fc(m, ac);
      fr.calibrate(calib);
      fc.calibrate(calib);
      const double er = layer_error(fr, x), ec = layer_error(fc, x);
      EXPECT_GE(er, last_raw) << "seed " << seed << " t " << t;
      EXPECT_GE(ec, last_comp) << "seed " << seed << " t " << t;
      if (t > 0) {
        EXPECT_LT(ec, 0.5 * er) << "seed " << seed << " t " << t;
      }
      last_raw = er, last_comp = ec;
    }
  }
  ArchConfig a = make_arch(drift(1e4, true, 0.0));
  FunctionalModel fm(map_dense(net, a), a);
  fm.calibrate(calib);
  for (const auto& lm : fm.layers()) EXPECT_NEAR(lm.drift_scale, std::pow(1e4, 0.05), 1e-6) << lm.name;
  EXPECT_EQ(fm.summary()["drift"]["active"], true);
}

// Write-verify: a tighter tolerance leaves a smaller residual error and costs more pulses;
// without verify every cell takes one pulse and keeps one draw's error.
TEST(Programming, TighterToleranceLowersErrorAndCostsPulses) {
  Network net = test_net(7);
  double last_err = 1e9, last_pulses = 0;
  for (double tol : {0.0, 0.05, 0.02, 0.01}) {
    ArchConfig a = make_arch(
        {{"nonideal", {{"program_sigma", 0.04}, {"write_verify_tolerance", tol}, {"write_verify_max_pulses", 50}}}});
    FunctionalModel fm(map_dense(net, a), a);
    const json p = fm.summary()["programming"];
    const double err = p["residual_error_rms"], pulses = p["pulses_per_cell"];
    if (tol == 0.0) {
      EXPECT_EQ(pulses, 1.0);
      EXPECT_NEAR(err, 0.04, 0.004);  // one N(0, sigma) draw (clipped at G = 0 rarely)
    } else {
      EXPECT_LE(err, tol);
      EXPECT_LT(err, last_err) << tol;
      EXPECT_GT(pulses, last_pulses) << tol;
      // The expected count of a truncated geometric: sum_{k<M} (1 - p)^k, p = P(|N| <= tol).
      const double pr = std::erf(tol / (0.04 * std::sqrt(2.0)));
      double expect = 0;
      for (int k = 0; k < 50; ++k) expect += std::pow(1 - pr, k);
      EXPECT_NEAR(pulses, expect, 0.03 * expect) << tol;
    }
    last_err = err, last_pulses = pulses;
  }
}

namespace {

// A data set labelled by the float model itself, so that accuracy starts at 100%.
Dataset self_labelled(const Network& net, const ArchConfig& a, int64_t n) {
  Dataset d;
  Acts x = random_images(net.input, n, 31);
  d.images = NdArray({n, net.input.c, net.input.h, net.input.w}, std::vector<float>(x.data(), x.data() + x.size()));
  FunctionalModel fm(map_dense(net, a), a);
  for (int p : argmax_rows(fm.forward_float(x))) d.labels.push_back(p);
  return d;
}

}  // namespace

// The 95% interval of 20 chip instances covers the mean of 100 other instances, for
// stuck-at faults and for device variation.
TEST(MonteCarlo, IntervalOf20TrialsCoversMeanOf100) {
  Network net = test_net(8);
  for (json ni : {json{{"stuck_off_rate", 0.04}, {"stuck_on_rate", 0.01}}, json{{"variation_sigma", 0.15}}}) {
    ArchConfig a20 = make_arch({{"nonideal", ni}}), a100 = a20;
    a100.nonideal.seed = 1000;
    const Dataset d = self_labelled(net, a20, 60);
    Mapping m = map_dense(net, a20);
    EvalOptions o;
    o.batch_images = 30;
    o.calibration_samples = 20;
    o.run_float = o.run_quantized = false;
    o.threads = 1;
    o.trials = 20;
    const json t20 = evaluate_on_hardware(m, a20, d, o)["trials"];
    o.trials = 100;
    const json r100 = evaluate_on_hardware(m, a100, d, o);
    const double mean100 = r100["trials"]["mean"];
    EXPECT_EQ(r100["accuracy_on_hardware"], mean100);
    EXPECT_GT(t20["std"].get<double>(), 0.0) << ni.dump();  // the trials differ
    EXPECT_LT(mean100, 1.0) << ni.dump();                   // and the faults cost accuracy
    EXPECT_LE(t20["ci95"][0].get<double>(), mean100) << ni.dump();
    EXPECT_GE(t20["ci95"][1].get<double>(), mean100) << ni.dump();
    EXPECT_EQ(t20["accuracy_on_hardware"].size(), 20u);
  }
}

TEST(MonteCarlo, TrialSeedsAndInterval) {
  ArchConfig a = make_arch({{"nonideal", {{"seed", 5}, {"fault_seed", 7}}}});
  EXPECT_EQ(trial_arch(a, 0).nonideal.seed, 5u);
  const ArchConfig t1 = trial_arch(a, 1), t2 = trial_arch(a, 2);
  EXPECT_NE(t1.nonideal.seed, 5u);
  EXPECT_NE(t1.nonideal.seed, t2.nonideal.seed);
  EXPECT_NE(*t1.nonideal.fault_seed, 7u);
  EXPECT_FALSE(t1.nonideal.variation_seed.has_value());  // still follows the (derived) seed
  const json i = interval95({1, 2, 3, 4, 5});
  EXPECT_DOUBLE_EQ(i["mean"].get<double>(), 3.0);
  EXPECT_NEAR(i["std"].get<double>(), std::sqrt(2.5), 1e-12);
  EXPECT_NEAR(i["ci95"][1].get<double>() - 3.0, 2.776 * std::sqrt(2.5) / std::sqrt(5.0), 1e-9);
  EXPECT_EQ(interval95({0.7})["std"], 0.0);
  // Large samples: the interval approaches the normal one.
  std::vector<double> big(200);
  for (size_t k = 0; k < big.size(); ++k) big[k] = static_cast<double>(k % 2);
  const json b = interval95(big);
  const double h = b["ci95"][1].get<double>() - b["mean"].get<double>();
  EXPECT_NEAR(h / (b["std"].get<double>() / std::sqrt(200.0)), 1.972, 0.002);
}
