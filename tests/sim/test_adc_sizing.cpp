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
