// precision.adc_bits "per_crossbar" in the simulator: every crossbar's conversions are
// charged at its own resolution, the ADC area is each crossbar's share at its resolution,
// and the report's adc_sizing compares with the uniform lossless resolution.
#include <gtest/gtest.h>

#include <cmath>

#include "sim_test_util.h"

namespace reram {
namespace {

ArchConfig physical(std::vector<std::string> sets) {
  sets.insert(sets.begin(), {"chip.tiles=auto", "precision.weight_bits=8", "precision.input_bits=8"});
  return load_arch(std::string(RERAM_SOURCE_DIR) + "/arch_configs/isaac_physical.json", sets);
}

double rel(double a, double b) { return std::abs(a - b) / std::max(1e-300, std::abs(b)); }

TEST(SimAdcSizing, EachCrossbarChargedAtItsOwnResolution) {
  Network net = simtest::small_cnn(8, 8);
  randomize_weights(net, 3);
  for (std::string adc : {"survey", "sar", "flash"}) {
    const ArchConfig u = physical({"precision.adc_bits=auto", "technology.adc.model=" + adc});
    const ArchConfig p = physical({"precision.adc_bits=per_crossbar", "technology.adc.model=" + adc});
    const Mapping m = map_dense(net, u);
    sim::SimOptions o;
    o.batch = 2;
    const json ru = sim::simulate(m, u, o), rp = sim::simulate(m, p, o);
    ASSERT_TRUE(rp.contains("adc_sizing")) << adc;
    EXPECT_FALSE(ru.contains("adc_sizing"));
    const json& s = rp["adc_sizing"];
    EXPECT_EQ(s["uniform_adc_bits"], u.precision.adc_bits);
    // The uniform figures are what the uniform chip is charged.
    EXPECT_LT(rel(s["uniform_adc_energy_pj"], ru["components"]["adc"]["dynamic_pj"]), 1e-6) << adc;
    EXPECT_LT(rel(s["uniform_adc_area_mm2"], ru["components"]["adc"]["area_mm2"]), 1e-6) << adc;
    // Independently: per crossbar, input steps x its bit lines x vectors conversions at the
    // figures of its own resolution (adc_share 1: no crossbar shares an ADC).
    const std::vector<int> bits = crossbar_adc_bits(m, p.ou_rows_eff(), p.precision.dac_bits);
    std::map<std::string, int64_t> vectors;
    for (const auto& l : rp["layers"]) vectors[l["name"]] = l["vectors"];
    double energy = 0, area = 0;
    std::map<std::string, int> hist;
    for (const PhysicalCrossbar& x : m.crossbars) {
      const int b = bits[static_cast<size_t>(x.id)];
      const ComponentTech t = p.adc_tech_at_bits(b);
      const double conversions = double(p.input_steps()) * double(x.cols.size()) * p.bitlines_per_weight() *
                                 double(vectors.at(m.layers[static_cast<size_t>(x.layer)].name));
      energy += conversions * t.energy_pj;
      area += t.area_mm2 * p.pe.adcs_per_crossbar;
      ++hist[std::to_string(b)];
    }
    EXPECT_LT(rel(s["adc_energy_pj"], energy), 1e-6) << adc;
    EXPECT_LT(rel(s["adc_area_mm2"], area), 1e-6) << adc;
    EXPECT_LT(rel(rp["components"]["adc"]["dynamic_pj"], energy), 1e-6) << adc;
    for (const auto& [b, n] : hist) EXPECT_EQ(s["crossbars_by_adc_bits"][b], n) << adc << " " << b;
    EXPECT_GT(hist.size(), 1u);  // the small conv's crossbar needs fewer bits than the others
    EXPECT_GT(s["adc_energy_saving"].get<double>(), 0.0) << adc;
    EXPECT_GT(s["adc_area_saving"].get<double>(), 0.0) << adc;
    // A converter's own conversion time (sar, flash: "auto") shortens with fewer bits.
    EXPECT_LE(rp["cycles"].get<int64_t>(), ru["cycles"].get<int64_t>()) << adc;
  }
}

// A table model's figures do not depend on the resolution: sizing saves nothing, and says so.
TEST(SimAdcSizing, TableModelSavesNothing) {
  Network net = simtest::small_cnn(8, 8);
  randomize_weights(net, 4);
  const ArchConfig p = simtest::isaac({"chip.tiles=4", "precision.adc_bits=per_crossbar"});
  const json r = sim::simulate(map_dense(net, p), p, sim::SimOptions{});
  EXPECT_EQ(r["adc_sizing"]["adc_energy_saving"].get<double>(), 0.0);
  EXPECT_EQ(r["adc_sizing"]["adc_area_saving"].get<double>(), 0.0);
}

TEST(SimAdcSizing, MappingWithoutWeightsIsAnError) {
  const ArchConfig p = simtest::isaac({"chip.tiles=4", "precision.adc_bits=per_crossbar"});
  const Network net = simtest::small_cnn(8, 8);  // no weights
  try {
    sim::simulate(map_dense(net, p), p, sim::SimOptions{});
    FAIL() << "simulated per-crossbar ADCs without weights";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("carries none"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace reram

namespace reram {
namespace {

// The programming phase: expected pulses follow the truncated geometric law, energy is
// V_w^2 G t per pulse (plus the verify read), and the report keeps it apart from inference.
TEST(SimProgramming, PulsesEnergyAndTime) {
  Network net = simtest::small_cnn(8, 8);
  randomize_weights(net, 5);
  const ArchConfig once = simtest::isaac({"chip.tiles=4"});
  const Mapping m = map_dense(net, once);
  const json p1 = sim::simulate(m, once, sim::SimOptions{})["programming"];
  double cells = 0, joules = 0;
  const std::vector<double> frac = crossbar_level_fractions(m);
  const double gmin = once.crossbar.g_min_us * 1e-6, gmax = once.crossbar.g_max_us * 1e-6;
  size_t max_rows = 0;
  for (const auto& x : m.crossbars) {
    const double c = double(x.rows.size()) * double(x.cols.size()) * once.bitlines_per_weight();
    cells += c;
    joules += c * (gmin + frac[static_cast<size_t>(x.id)] * (gmax - gmin)) * once.device.v_write * once.device.v_write *
              once.device.write_pulse_ns * 1e-9;
    max_rows = std::max(max_rows, x.rows.size());
  }
  EXPECT_EQ(p1["cells"].get<double>(), cells);
  EXPECT_EQ(p1["pulses_per_cell"].get<double>(), 1.0);
  EXPECT_EQ(p1["write_verify"], false);
  EXPECT_NEAR(p1["energy_pj"].get<double>(), joules * 1e12, 1e-6 * joules * 1e12);
  EXPECT_NEAR(p1["time_ns"].get<double>(), double(max_rows) * once.device.write_pulse_ns, 1e-9);

  const ArchConfig wv = simtest::isaac({"chip.tiles=4", "nonideal.program_sigma=0.04",
                                        "nonideal.write_verify_tolerance=0.02", "nonideal.write_verify_max_pulses=30"});
  const json p2 = sim::simulate(m, wv, sim::SimOptions{})["programming"];
  const double pr = std::erf(0.02 / (0.04 * std::sqrt(2.0)));
  double expect = 0;
  for (int k = 0; k < 30; ++k) expect += std::pow(1 - pr, k);
  EXPECT_NEAR(p2["pulses_per_cell"].get<double>(), expect, 1e-8 * expect);  // reports keep 9 digits
  EXPECT_NEAR(p2["accept_probability"].get<double>(), pr, 1e-8);
  const double verify = wv.device.v_read * wv.device.v_read * wv.device.verify_read_ns /
                        (wv.device.v_write * wv.device.v_write * wv.device.write_pulse_ns);
  EXPECT_NEAR(p2["energy_pj"].get<double>(), p1["energy_pj"].get<double>() * expect * (1 + verify),
              1e-6 * p2["energy_pj"].get<double>());
  // A word line waits for its slowest cell: more than the mean, at most the limit.
  const double row =
      p2["time_ns"].get<double>() / double(max_rows) / (wv.device.write_pulse_ns + wv.device.verify_read_ns);
  EXPECT_GT(row, expect);
  EXPECT_LE(row, 30.0);
}

}  // namespace
}  // namespace reram
