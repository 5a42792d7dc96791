// The cost-model layer: each physical model against the reference values of the tools it
// follows (docs/cost-models.md "Check values"), the parameter declarations, the errors,
// and metamorphic properties of the physical default (arch_configs/default.json).
#include <gtest/gtest.h>

#include <cmath>

#include "pruning/arch/arch_config.h"
#include "pruning/core/error.h"
#include "pruning/cost/catalogue.h"
#include "pruning/cost/cost_model.h"
#include "pruning/cost/physical.h"
#include "pruning/cost/technology.h"

namespace reram {
namespace {

std::string root() { return RERAM_SOURCE_DIR; }
ArchConfig physical(std::vector<std::string> sets = {}) {
  return load_arch(root() + "/arch_configs/default.json", sets);
}

// Relative closeness: |a - b| <= tol * |b|.
::testing::AssertionResult near_rel(double a, double b, double tol = 0.05) {
  if (std::fabs(a - b) <= tol * std::fabs(b)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << a << " is not within " << tol * 100 << "% of " << b;
}

std::string at(double nm) { return "technology_nm=" + std::to_string(nm); }

// ---- reference values -------------------------------------------------------------

// NeuroSim V1.4 SarADC.cpp (LSTP, no column conduction): energy (fJ), area (um^2), latency.
TEST(CostSar, MatchesNeuroSimAtSeveralNodesAndResolutions) {
  struct Ref {
    double nm;
    int bits;
    double fj, um2, ns;
  };
  for (const Ref& r : {Ref{22, 4, 32.64, 105.47, 5}, Ref{22, 5, 42.39, 124.21, 6}, Ref{22, 8, 78.11, 180.45, 9},
                       Ref{32, 5, 87.28, 262.80, 6}, Ref{32, 8, 161.42, 381.77, 9}, Ref{65, 8, 502.64, 1575.19, 9}}) {
    ArchConfig a = physical({at(r.nm), "technology.adc.model=sar", "pe.adc_latency_ns=\"auto\"",
                             "precision.adc_bits=" + std::to_string(r.bits)});
    SCOPED_TRACE(std::to_string(r.nm) + " nm, " + std::to_string(r.bits) + " bits");
    EXPECT_TRUE(near_rel(a.tech("adc").energy_pj * 1e3, r.fj));
    EXPECT_TRUE(near_rel(a.tech("adc").area_mm2 * 1e6, r.um2));
    EXPECT_DOUBLE_EQ(a.adc_latency_ns(), r.ns);
  }
}

// A conversion period shorter than one SAR conversion needs interleaved channels.
TEST(CostSar, FasterThanOneChannelInterleaves) {
  ArchConfig one = physical({"technology.adc.model=sar", "pe.adc_latency_ns=\"auto\""});
  ArchConfig fast = physical({"technology.adc.model=sar", "pe.adc_latency_ns=0.78125"});
  EXPECT_DOUBLE_EQ(fast.tech("adc").energy_pj, one.tech("adc").energy_pj);
  EXPECT_DOUBLE_EQ(fast.tech("adc").area_mm2, 12 * one.tech("adc").area_mm2);  // ceil(9 / 0.78125)
}

// CiMLoop / Accelergy ADC plug-in (adc_data/model.yaml): energy (pJ) and area (um^2).
TEST(CostSurvey, MatchesTheSurveyFit) {
  struct Ref {
    double nm;
    int bits;
    double rate, pj, um2;
  };
  for (const Ref& r :
       {Ref{32, 4, 1e8, 0.924, 3274}, Ref{32, 8, 1e8, 1.714, 3939}, Ref{32, 10, 1e8, 3.31, 4796},
        Ref{32, 8, 1.28e9, 1.929, 6469}, Ref{32, 10, 1.28e9, 16.42, 12280}, Ref{22, 8, 1e8, 0.847, 2199}}) {
    ArchConfig a = physical({at(r.nm), "precision.adc_bits=" + std::to_string(r.bits),
                             "pe.adc_latency_ns=" + std::to_string(1e9 / r.rate)});
    SCOPED_TRACE(std::to_string(r.nm) + " nm, " + std::to_string(r.bits) + " bits, " + std::to_string(r.rate));
    EXPECT_TRUE(near_rel(a.tech("adc").energy_pj, r.pj));
    EXPECT_TRUE(near_rel(a.tech("adc").area_mm2 * 1e6, r.um2));
  }
}

// `"architecture": "sar"`: the same 10th-percentile area regression refitted over the
// survey's single-channel SAR converters (scripts/fit_adc_survey.py prints these values);
// the energy envelope is unchanged.
TEST(CostSurvey, SarAreaMatchesTheSingleChannelSarFit) {
  struct Ref {
    double nm;
    double rate, pj, um2;
  };
  for (const Ref& r : {Ref{32, 1.28e9, 1.929, 2525}, Ref{32, 1e8, 1.714, 3620}, Ref{22, 1e8, 0.847, 2458}}) {
    ArchConfig a = physical({at(r.nm), "precision.adc_bits=8", "pe.adc_latency_ns=" + std::to_string(1e9 / r.rate),
                             "technology.adc.architecture=sar"});
    ArchConfig any = physical({at(r.nm), "precision.adc_bits=8", "pe.adc_latency_ns=" + std::to_string(1e9 / r.rate)});
    SCOPED_TRACE(std::to_string(r.nm) + " nm, " + std::to_string(r.rate));
    EXPECT_TRUE(near_rel(a.tech("adc").energy_pj, r.pj));
    EXPECT_DOUBLE_EQ(a.tech("adc").energy_pj, any.tech("adc").energy_pj);
    EXPECT_TRUE(near_rel(a.tech("adc").area_mm2 * 1e6, r.um2));
  }
  EXPECT_THROW(physical({"technology.adc.architecture=pipeline"}), ConfigError);
}

// MNSIM 2.0 (Crossbar.py with SimConfig.ini defaults): read energy of a whole crossbar
// (rows x cols cells at V^2 G for 3.16 ns, G = 0.67 / R_HRS + 0.33 / R_LRS, V^2 = 0.1 x
// 0.15^2) and the cell array (1.44 um^2 per cell; MNSIM's further 1150 um^2 per row is its
// row driver, our `dac` component). crossbar_rc with MNSIM's device and read parameters.
TEST(CostCrossbar, MatchesMnsimWithItsDeviceParameters) {
  struct Ref {
    int rows, cols;
    double pj, um2;
  };
  for (const Ref& r : {Ref{128, 128, 3.922, 170793}, Ref{256, 256, 15.689, 388772}, Ref{64, 256, 3.922, 97193},
                       Ref{256, 64, 3.922, 317993}}) {
    ArchConfig a =
        physical({"technology_nm=130", "crossbar.rows=" + std::to_string(r.rows),
                  "crossbar.cols=" + std::to_string(r.cols), "device.r_on_ohm=10000", "device.r_off_ohm=1000000",
                  "device.v_read=0.15", "device.cell_area_f2=" + std::to_string(1.44 / (0.13 * 0.13)),
                  "technology.crossbar.read_pulse_ns=3.16", "technology.crossbar.input_bit_density=0.1",
                  "technology.crossbar.nominal_g_fraction=" + std::to_string((33.67 - 1.0) / 99.0)});
    SCOPED_TRACE(std::to_string(r.rows) + "x" + std::to_string(r.cols));
    const double cells = double(r.rows) * r.cols;
    EXPECT_TRUE(near_rel(a.tech("crossbar").energy_pj * cells, r.pj));
    EXPECT_TRUE(near_rel(a.tech("crossbar").area_mm2 * 1e6, r.um2 - 1150.0 * r.rows));
  }
}

// Stillmaker & Baas factors as Accelergy tabulates them, and NeuroSim's wire resistance.
TEST(CostTechnology, ScalingFactorsAndWireResistance) {
  EXPECT_TRUE(near_rel(cost::area_scale(32, 22), 0.550, 0.01));
  EXPECT_TRUE(near_rel(cost::energy_scale(32, 22), 0.446, 0.01));
  EXPECT_TRUE(near_rel(cost::delay_scale(32, 22), 0.6875, 0.01));
  EXPECT_TRUE(near_rel(cost::area_scale(65, 22), 0.168, 0.01));
  EXPECT_TRUE(near_rel(cost::energy_scale(65, 22), 0.237, 0.01));
  EXPECT_TRUE(near_rel(cost::area_scale(22, 7), 0.255, 0.01));
  EXPECT_TRUE(near_rel(cost::energy_scale(22, 7), 0.321, 0.01));
  EXPECT_TRUE(near_rel(cost::wire_r_ohm_per_um(cost::cell_wire_width_nm(22)), 9.77, 0.01));
  EXPECT_TRUE(near_rel(cost::wire_r_ohm_per_um(cost::cell_wire_width_nm(32)), 4.659, 0.01));
  EXPECT_TRUE(near_rel(cost::vdd_v(32), 0.9, 1e-9));
}

// ---- metamorphic properties of the physical default -------------------------------

TEST(CostPhysical, AdcEnergyRisesStrictlyWithBitsAndRate) {
  double prev = 0;
  for (int b = 4; b <= 10; ++b) {
    double e = physical({"precision.adc_bits=" + std::to_string(b)}).tech("adc").energy_pj;
    EXPECT_GT(e, prev) << b << " bits";
    prev = e;
  }
  // The survey's envelope is flat in the rate below its knee (about 1 GS/s at 8 bits) and
  // rises beyond it: never falls, and rises across the knee.
  prev = 0;
  for (double ns : {100.0, 10.0, 2.0, 1.0, 0.78125, 0.5, 0.25}) {  // rising sample rate
    double e = physical({"pe.adc_latency_ns=" + std::to_string(ns)}).tech("adc").energy_pj;
    EXPECT_GE(e, prev) << ns << " ns per conversion";
    prev = e;
  }
  for (double ns : {1.0, 0.78125, 0.5, 0.25})
    EXPECT_GT(physical({"pe.adc_latency_ns=" + std::to_string(ns / 1.5)}).tech("adc").energy_pj,
              physical({"pe.adc_latency_ns=" + std::to_string(ns)}).tech("adc").energy_pj)
        << ns;
}

TEST(CostPhysical, ReadLatencyNeverFallsWhenRowsOrColsGrow) {
  const std::vector<int> sizes = {16, 32, 64, 128, 256, 512, 1024};
  for (int r : sizes)
    for (size_t ci = 1; ci < sizes.size(); ++ci) {
      auto lat = [&](int rows, int cols) {
        return physical({"crossbar.rows=" + std::to_string(rows), "crossbar.cols=" + std::to_string(cols)})
            .crossbar.read_latency_ns;
      };
      EXPECT_GE(lat(r, sizes[ci]), lat(r, sizes[ci - 1])) << r << " rows";
      EXPECT_GE(lat(sizes[ci], r), lat(sizes[ci - 1], r)) << r << " cols";
    }
  // The lines' RC shows: a 1024x1024 read settles measurably slower than a 16x16 one.
  EXPECT_GT(physical({"crossbar.rows=1024", "crossbar.cols=1024"}).crossbar.read_latency_ns,
            physical({"crossbar.rows=16", "crossbar.cols=16"}).crossbar.read_latency_ns);
}

TEST(CostPhysical, EnergyAndAreaPerActionFallFrom65To32To22Nm) {
  ArchConfig n65 = physical({"technology_nm=65"}), n32 = physical({"technology_nm=32"}),
             n22 = physical({"technology_nm=22"});
  for (const auto& c : cost::components()) {
    if (c.name == "offchip_link" || c.name == "global_buffer") continue;  // per-bit link figures; no global buffer
    // A cell write is the device's pulses (V_w^2 G t), and its cells are the crossbar's area.
    if (c.name == "cell_write") continue;
    SCOPED_TRACE(c.name);
    // Two energies are not the node's: a cell read is V_read^2 G t of the device, and a
    // kT/C-sized sample costs 4 kT 4^b whatever the supply. Their areas still shrink.
    if (c.name != "crossbar" && c.name != "sample_hold") {
      EXPECT_LT(n32.tech(c.name).energy_pj, n65.tech(c.name).energy_pj);
      EXPECT_LT(n22.tech(c.name).energy_pj, n32.tech(c.name).energy_pj);
    }
    EXPECT_LT(n32.tech(c.name).area_mm2, n65.tech(c.name).area_mm2);
    EXPECT_LT(n22.tech(c.name).area_mm2, n32.tech(c.name).area_mm2);
  }
}

TEST(CostPhysical, CrossbarEnergyFollowsTheStoredConductance) {
  ArchConfig a = physical();
  const double lo = a.tech_at("crossbar", 0.0).energy_pj, hi = a.tech_at("crossbar", 1.0).energy_pj;
  // V^2 G t: the ratio of the energies is the ratio of the conductances.
  EXPECT_TRUE(near_rel(hi / lo, a.crossbar.g_max_us / a.crossbar.g_min_us, 1e-9));
  EXPECT_DOUBLE_EQ(a.tech_at("crossbar", -1.0).energy_pj, a.tech("crossbar").energy_pj);
  EXPECT_TRUE(a.tech_data_dependent("crossbar"));
  EXPECT_FALSE(a.tech_data_dependent("adc"));
}

TEST(CostPhysical, MultiBitDacCostsGrowWithResolution) {
  double prev_e = 0, prev_a = 0;
  for (int b = 1; b <= 4; ++b) {
    ArchConfig a = physical({"precision.dac_bits=" + std::to_string(b)});
    EXPECT_GT(a.tech("dac").energy_pj, prev_e) << b;
    EXPECT_GT(a.tech("dac").area_mm2, prev_a) << b;
    prev_e = a.tech("dac").energy_pj;
    prev_a = a.tech("dac").area_mm2;
  }
}

// ---- config plumbing ----------------------------------------------------------------

TEST(CostConfig, AutoAdcBitsResolveToTheLosslessResolution) {
  EXPECT_EQ(physical({"precision.adc_bits=\"auto\""}).precision.adc_bits, 9);  // 128 x 3 x 1 + 1 levels
  EXPECT_EQ(physical({"precision.adc_bits=\"auto\"", "crossbar.rows=32"}).precision.adc_bits, 7);
  ArchConfig a = physical({"precision.adc_bits=\"auto\""});
  EXPECT_EQ(a.to_json()["precision"]["adc_bits"], "auto");  // re-resolved when rows change
  EXPECT_EQ(a.costs_json()["adc_bits"], 9);
}

TEST(CostConfig, ResolvedConfigRoundTrips) {
  for (const char* f : {"default.json", "isaac.json", "isaac_physical.json", "puma.json"}) {
    ArchConfig a = load_arch(root() + "/arch_configs/" + f);
    json j = a.to_json();
    ArchConfig b = arch_from_json(j, "resolved");
    EXPECT_EQ(b.to_json(), j) << f;
    EXPECT_EQ(b.costs_json(), a.costs_json()) << f;
  }
}

TEST(CostConfig, TableConfigsKeepTheirFigures) {
  ArchConfig a = load_arch(root() + "/arch_configs/isaac.json");
  EXPECT_DOUBLE_EQ(a.tech("adc").energy_pj, 1.5625);
  EXPECT_DOUBLE_EQ(a.crossbar.read_latency_ns, 100.0);
  EXPECT_DOUBLE_EQ(a.adc_latency_ns(), 0.78125);
  EXPECT_FALSE(a.tech_data_dependent("crossbar"));
}

TEST(CostConfig, SwitchingModelDropsTheOldParameters) {
  ArchConfig a = load_arch(root() + "/arch_configs/isaac.json", {"technology.adc.model=sar"});
  EXPECT_EQ(a.technology.at("adc").model, "sar");
  EXPECT_TRUE(near_rel(a.tech("adc").energy_pj * 1e3, 161.42));
  // An explicit latency of the config stays: a 9 ns SAR interleaves to 0.78125 ns.
  EXPECT_DOUBLE_EQ(a.adc_latency_ns(), 0.78125);
}

std::string error_of(const std::vector<std::string>& sets) {
  try {
    physical(sets);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(CostConfig, BadModelsAndParametersAreNamedErrors) {
  std::string e = error_of({"technology.adc.model=sparkly"});
  EXPECT_NE(e.find("unknown model 'sparkly'"), std::string::npos) << e;
  EXPECT_NE(e.find("survey"), std::string::npos) << e;  // lists the known ones
  EXPECT_NE(e.find("default.json"), std::string::npos) << e;
  e = error_of({"technology.adc.model=crossbar_rc"});
  EXPECT_NE(e.find("does not model a adc"), std::string::npos) << e;
  e = error_of({"technology.crossbar.read_pulse_nss=3"});
  EXPECT_NE(e.find("read_pulse_nss"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown parameter"), std::string::npos) << e;
  e = error_of({"technology.crossbar.input_bit_density=1.5"});
  EXPECT_NE(e.find("input_bit_density: must be [0, 1] (got 1.5)"), std::string::npos) << e;
  e = error_of({"technology.crossbar.read_pulse_ns=\"fast\""});
  EXPECT_NE(e.find("must be a number"), std::string::npos) << e;
  e = error_of({"technology_nm=3"});
  EXPECT_NE(e.find("outside the range"), std::string::npos) << e;
  e = error_of({"device.cell_type=\"2t2r\""});
  EXPECT_NE(e.find("cell_type"), std::string::npos) << e;
  // "auto" needs a model that computes the latency.
  try {
    load_arch(root() + "/arch_configs/isaac.json", {"crossbar.read_latency_ns=\"auto\""});
    FAIL() << "no error";
  } catch (const ConfigError& x) {
    EXPECT_NE(std::string(x.what()).find("computes no latency"), std::string::npos) << x.what();
  }
}

TEST(CostConfig, EveryModelDescribesItsParameters) {
  for (const cost::ModelInfo* m : cost::registered_models()) {
    EXPECT_FALSE(m->description.empty()) << m->name;
    for (const auto& d : cost::describe(*m)) EXPECT_FALSE(d.description.empty()) << m->name << "." << d.key;
    for (const auto& c : m->components) EXPECT_TRUE(cost::is_component(c)) << m->name << ": " << c;
  }
  const std::string listing = cost::models_listing();
  for (const char* n : {"table", "crossbar_rc", "sar", "flash", "survey", "driver", "sram", "router"})
    EXPECT_NE(listing.find(n), std::string::npos) << n;
}

TEST(CostConfig, EveryComponentOfThePhysicalConfigsHasAPhysicalModel) {
  for (const char* f : {"default.json", "isaac_physical.json"}) {
    ArchConfig a = load_arch(root() + "/arch_configs/" + f);
    for (const auto& c : cost::components()) {
      ASSERT_TRUE(a.technology.count(c.name)) << f << ": " << c.name;
      EXPECT_NE(a.technology.at(c.name).model, "table") << f << ": " << c.name;
    }
  }
}

}  // namespace
}  // namespace reram

namespace reram {
namespace {

// nonideal.ir_drop "wire": the functional model's IR-drop coefficient from the line
// resistance the crossbar cost model uses, G_max (R_row,cell (cols - 1) + R_col,cell (rows - 1)).
TEST(CostConfig, WireIrDropFollowsTheLineResistance) {
  ArchConfig a = load_arch(std::string(RERAM_SOURCE_DIR) + "/arch_configs/default.json", {"nonideal.ir_drop=\"wire\""});
  const double r_um = cost::wire_r_ohm_per_um(56);                                    // 32 nm lines
  const double expect = 100e-6 * (r_um * 12 * 0.032 * 127 + r_um * 4 * 0.032 * 127);  // 1T1R 12F x 4F at F = 32 nm
  EXPECT_NEAR(a.nonideal.ir_drop, expect, 1e-12);
  EXPECT_EQ(a.to_json()["nonideal"]["ir_drop"], "wire");
  // Longer lines, more drop; a narrower node's lines resist more per um.
  EXPECT_GT(load_arch(std::string(RERAM_SOURCE_DIR) + "/arch_configs/default.json",
                      {"nonideal.ir_drop=\"wire\"", "crossbar.rows=512", "crossbar.cols=512"})
                .nonideal.ir_drop,
            a.nonideal.ir_drop);
}

}  // namespace
}  // namespace reram

namespace reram {
namespace {

// The worked example of docs/extending.md: a model added in one file plus one line.
TEST(CostWalden, EnergyAndAreaDoublePerBit) {
  auto adc = [](int b) {
    return load_arch(std::string(RERAM_SOURCE_DIR) + "/arch_configs/default.json",
                     {"technology.adc.model=walden", "technology.adc.fom_fj_per_step=2",
                      "precision.adc_bits=" + std::to_string(b)})
        .tech("adc");
  };
  EXPECT_DOUBLE_EQ(adc(8).energy_pj, 2e-3 * 256);
  EXPECT_DOUBLE_EQ(adc(9).energy_pj, 2 * adc(8).energy_pj);
  EXPECT_DOUBLE_EQ(adc(8).area_mm2, 4.0 * 256 / 1e6);
  EXPECT_NE(cost::models_listing().find("fom_fj_per_step"), std::string::npos);
}

}  // namespace
}  // namespace reram
