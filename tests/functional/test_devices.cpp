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
      ArchConfig a = make_arch({{"crossbar", {{"sign_encoding", enc}, {"ou_rows", ou}}},
                                {"precision", {{"adc_bits", "per_crossbar"}}}});
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
        if (x.adc_bits > 1) EXPECT_GT(mr, std::ldexp(1.0, x.adc_bits - 1) - 1) << enc << " crossbar " << x.id;
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
