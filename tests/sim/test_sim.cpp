// Simulator tests: closed-form timing, clocked == event-driven, energy/area rules,
// ISAAC figures, sparse mappings and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>

#include "sim/model.h"
#include "sim/stats.h"
#include "sim_test_util.h"

namespace reram {
namespace {

using simtest::isaac;
using simtest::run;

int64_t cyc(double ns, double ghz) { return static_cast<int64_t>(std::ceil(ns * ghz - 1e-9)); }
int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// One linear layer on one crossbar: the whole run follows from the documented rules:
// input over the off-chip link, fetch from the tile buffer, 16 bit-serial steps of a
// read/convert pipeline, one shift-add cycle, activation unit, buffer write, off-chip out.
TEST(SimTiming, SingleCrossbarClosedForm) {
  ArchConfig a = isaac({"chip.tiles=4"});
  const int in = 100, out = 10;  // 10 x 8 slices = 80 bit lines: conversions do not divide evenly
  json r = run(simtest::linear_net(in, out), a);
  ASSERT_EQ(r["crossbars"].get<int>(), 1);
  const double ghz = a.chip.clock_ghz;
  const double off_bits_per_cycle = a.chip.offchip_bandwidth_gbps / ghz;
  int64_t arrive = static_cast<int64_t>(std::ceil(in * a.precision.input_bits / off_bits_per_cycle - 1e-9));
  int64_t fetch = a.tile.buffer_latency_cycles +
                  cdiv(int64_t(in) * a.precision.activation_bits,
                       std::min<int64_t>(a.tile.buffer_ports * a.tile.buffer_width_bits, a.tile.bus_width_bits));
  int64_t rd = cyc(a.crossbar.read_latency_ns, ghz);
  int64_t cv = cyc(out * 8 * a.pe.adc_latency_ns / a.pe.adcs_per_crossbar, ghz);
  ASSERT_EQ(rd, 120);
  ASSERT_EQ(cv, 75);  // 80 x 0.78125 ns = 62.5 ns -> 75 cycles
  int steps = a.precision.input_bits / a.precision.dac_bits;
  int64_t compute = steps * std::max(rd, cv) + std::min(rd, cv) + 1;  // + shift-and-add
  int64_t digital = 1, write = cdiv(out * a.precision.activation_bits, 512);
  int64_t off_out = static_cast<int64_t>(std::ceil(out * a.precision.activation_bits / off_bits_per_cycle - 1e-9));
  EXPECT_EQ(r["cycles"].get<int64_t>(), arrive + fetch + compute + digital + write + off_out);
}

// Halving the ADCs of a conversion-bound layer adds steps x (c_half - c_full) cycles.
TEST(SimTiming, HalvedAdcsConversionBound) {
  std::vector<std::string> base = {"chip.tiles=4", "crossbar.read_latency_ns=20"};
  auto with = [&](int adcs) {
    auto s = base;
    s.push_back("pe.adcs_per_crossbar=" + std::to_string(adcs));
    return isaac(s);
  };
  ArchConfig a2 = with(2), a1 = with(1);
  json r2 = run(simtest::linear_net(128, 16), a2), r1 = run(simtest::linear_net(128, 16), a1);
  int64_t c2 = cyc(64 * a2.pe.adc_latency_ns, 1.2), c1 = cyc(128 * a1.pe.adc_latency_ns, 1.2);
  int64_t rd = cyc(20, 1.2);
  ASSERT_GT(c2, rd);  // conversion-bound in both
  EXPECT_EQ(r1["cycles"].get<int64_t>() - r2["cycles"].get<int64_t>(), 16 * (c1 - c2));
}

// Read-bound layers gain from extra ADCs only in the pipeline fill (the last conversion).
TEST(SimTiming, ReadBoundExtraAdcsOnlyShortenFill) {
  json r1 = run(simtest::linear_net(128, 16), isaac({"chip.tiles=4"}));
  json r2 = run(simtest::linear_net(128, 16), isaac({"chip.tiles=4", "pe.adcs_per_crossbar=2"}));
  int64_t c1 = cyc(128 * 0.78125, 1.2), c2 = cyc(64 * 0.78125, 1.2), rd = cyc(100, 1.2);
  EXPECT_EQ(r1["cycles"].get<int64_t>() - r2["cycles"].get<int64_t>(), std::min(rd, c1) - std::min(rd, c2));
  EXPECT_GT(r2["area_mm2"]["adc"].get<double>(), 1.99 * r1["area_mm2"]["adc"].get<double>());
}

TEST(SimEnergy, DifferentialDoublesCrossbarArea) {
  Network n = simtest::linear_net(256, 32);
  json off = run(n, isaac({"chip.tiles=4"}));
  json dif = run(n, isaac({"chip.tiles=4", "crossbar.sign_encoding=differential"}));
  EXPECT_EQ(dif["crossbars"].get<int>(), 2 * off["crossbars"].get<int>());
  EXPECT_NEAR(dif["area_mm2"]["crossbar"].get<double>() / off["area_mm2"]["crossbar"].get<double>(), 2.0, 1e-9);
}

// Energy = actions x per-action energy: crossbar reads of a dense layer are
// positions x steps x rows x bit lines cell reads.
TEST(SimEnergy, CrossbarAndAdcActionsMatchCounts) {
  ArchConfig a = isaac({"chip.tiles=4"});
  json r = run(simtest::linear_net(100, 10), a);
  double cells = 16.0 * 100 * 80, conv = 16.0 * 80;
  EXPECT_NEAR(r["energy_pj"]["crossbar"].get<double>(), cells * a.tech("crossbar").energy_pj, 1e-6);
  EXPECT_NEAR(r["energy_pj"]["adc"].get<double>(), conv * a.tech("adc").energy_pj, 1e-6);
  EXPECT_NEAR(r["energy_pj"]["dac"].get<double>(), 16.0 * 100 * a.tech("dac").energy_pj, 1e-6);
  double sum = 0;
  for (auto it = r["energy_pj"].begin(); it != r["energy_pj"].end(); ++it)
    if (it.key() != "total") sum += it.value().get<double>();
  EXPECT_NEAR(sum, r["energy_pj"]["total"].get<double>(), 1e-6 * sum);
}

// The clocked reference mode steps every clock and must agree exactly.
struct ClockedCase {
  const char* name;
  int net;
  std::vector<std::string> sets;
  const char* dataflow;
  int batch;
  const char* arch = "isaac.json";
};

class SimClocked : public ::testing::TestWithParam<ClockedCase> {};

TEST_P(SimClocked, SameCyclesAsEventDriven) {
  const ClockedCase& c = GetParam();
  // Every case under both NoC models (flow, the default, and packet).
  for (const char* model : {"flow", "packet"}) {
    std::vector<std::string> sets = c.sets;
    sets.push_back(std::string("chip.noc.model=\"") + model + "\"");
    ArchConfig a = load_arch(std::string(RERAM_SOURCE_DIR) + "/arch_configs/" + c.arch, sets);
    Network n = c.net == 0   ? simtest::linear_net(300, 40)
                : c.net == 1 ? simtest::small_cnn()
                : c.net == 2 ? simtest::residual_net()
                             : simtest::chain_1x1(4, 1024, 256, 4);
    json ev = run(n, a, c.dataflow, false, c.batch);
    json ck = run(n, a, c.dataflow, true, c.batch);
    EXPECT_EQ(ev["cycles"].get<int64_t>(), ck["cycles"].get<int64_t>()) << model;
    ASSERT_EQ(ev["layers"].size(), ck["layers"].size());
    for (size_t i = 0; i < ev["layers"].size(); ++i)
      EXPECT_EQ(ev["layers"][i]["cycles"], ck["layers"][i]["cycles"]) << model;
    EXPECT_EQ(ev["energy_pj"]["total"], ck["energy_pj"]["total"]) << model;
    if (std::string(c.name).rfind("xbar32", 0) == 0) {
      EXPECT_GE(ev["tiles_used"].get<int>(), 20) << "not many tiles";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SimClocked,
    ::testing::Values(
        ClockedCase{"linear", 0, {"chip.tiles=4"}, "layer", 1},
        ClockedCase{"cnn_layer", 1, {"chip.tiles=4", "crossbar.read_latency_ns=20"}, "layer", 1},
        ClockedCase{"cnn_pipe", 1, {"chip.tiles=4", "tile.pes=1", "pe.crossbars=2"}, "pipelined", 2},
        ClockedCase{
            "res_pipe_adc",
            2,
            {"chip.tiles=8", "tile.pes=2", "pe.crossbars=2", "pe.adcs_per_crossbar=4", "crossbar.read_latency_ns=10"},
            "pipelined",
            1},
        ClockedCase{"res_mesh",
                    2,
                    {"chip.tiles=16", "tile.pes=1", "pe.crossbars=1", "chip.noc.topology=mesh",
                     "chip.noc.tiles_per_router=1", "precision.input_bits=4", "precision.dac_bits=2"},
                    "layer",
                    1},
        ClockedCase{"ou_layer",
                    1,
                    {"chip.tiles=4", "crossbar.ou_rows=32", "crossbar.ou_cols=24", "crossbar.read_latency_ns=10"},
                    "layer",
                    1},
        ClockedCase{"adc_shared_pipe",
                    2,
                    {"chip.tiles=8", "tile.pes=2", "pe.crossbars=4", "pe.adc_share=4", "pe.adcs_per_crossbar=2"},
                    "pipelined",
                    2},
        // 32x32 crossbars, one PE of two crossbars per tile: a layer spans tens of
        // tiles, partial sums and outputs cross the mesh (issue 14).
        ClockedCase{"xbar32_many_tiles",
                    0,
                    {"chip.tiles=\"auto\"", "crossbar.rows=32", "crossbar.cols=32", "tile.pes=1", "pe.crossbars=2"},
                    "layer",
                    2},
        ClockedCase{"xbar32_res_pipe",
                    2,
                    {"chip.tiles=\"auto\"", "crossbar.rows=32", "crossbar.cols=32", "tile.pes=1", "pe.crossbars=2"},
                    "pipelined",
                    1},
        ClockedCase{"puma_pipe", 1, {"chip.tiles=4"}, "pipelined", 2, "puma.json"},
        ClockedCase{"puma_res_layer", 2, {"chip.tiles=4"}, "layer", 1, "puma.json"},
        // NoC-bound: 16 Kbit output packets per vector on a mesh, several in flight.
        ClockedCase{"puma_noc_bound",
                    3,
                    {"chip.tiles=16", "chip.noc.topology=mesh", "chip.noc.tiles_per_router=1", "precision.input_bits=4",
                     "precision.dac_bits=1"},
                    "pipelined",
                    2,
                    "puma.json"}),
    [](const ::testing::TestParamInfo<ClockedCase>& i) { return std::string(i.param.name); });

// The flow model against the packet model on the same NoC-heavy cases: the same link work
// (busy cycles, grants) and energy, cycles within 5 %.
TEST(SimNocFlow, CloseToPacketModel) {
  struct Case {
    int net;
    std::vector<std::string> sets;
    const char* dataflow;
    const char* arch;
  };
  const std::vector<Case> cases = {
      {0,
       {"chip.tiles=\"auto\"", "crossbar.rows=32", "crossbar.cols=32", "tile.pes=1", "pe.crossbars=2"},
       "layer",
       "isaac.json"},
      {2,
       {"chip.tiles=\"auto\"", "crossbar.rows=32", "crossbar.cols=32", "tile.pes=1", "pe.crossbars=2"},
       "pipelined",
       "isaac.json"},
      {3,
       {"chip.tiles=16", "chip.noc.topology=mesh", "chip.noc.tiles_per_router=1", "precision.input_bits=4",
        "precision.dac_bits=1"},
       "pipelined",
       "puma.json"},
  };
  for (const auto& c : cases) {
    const std::string path = std::string(RERAM_SOURCE_DIR) + "/arch_configs/" + c.arch;
    std::vector<std::string> flow_sets = c.sets, packet_sets = c.sets;
    flow_sets.push_back("chip.noc.model=\"flow\"");
    packet_sets.push_back("chip.noc.model=\"packet\"");
    Network n = c.net == 0   ? simtest::linear_net(300, 40)
                : c.net == 2 ? simtest::residual_net()
                             : simtest::chain_1x1(4, 1024, 256, 4);
    json packet = run(n, load_arch(path, packet_sets), c.dataflow, false, 2);
    json flow = run(n, load_arch(path, flow_sets), c.dataflow, false, 2);
    ASSERT_GT(packet["resources"]["noc_packet_hops"].get<int64_t>(), 0);
    EXPECT_EQ(packet["resources"], flow["resources"]);
    EXPECT_EQ(packet["energy_pj"]["total"], flow["energy_pj"]["total"]);
    const double ratio = flow["cycles"].get<double>() / packet["cycles"].get<double>();
    EXPECT_NEAR(ratio, 1.0, 0.05) << c.arch << " " << c.dataflow;
  }
}

TEST(SimDataflow, PipelinedIsFasterThanLayerByLayer) {
  ArchConfig a = isaac({"chip.tiles=8"});
  json l = run(simtest::small_cnn(), a, "layer", false, 2);
  json p = run(simtest::small_cnn(), a, "pipelined", false, 2);
  EXPECT_LT(p["cycles"].get<int64_t>(), l["cycles"].get<int64_t>());
  EXPECT_EQ(p["energy_pj"]["crossbar"], l["energy_pj"]["crossbar"]);  // same work, different schedule
}

TEST(SimApi, RepeatedCallsInOneProcessAreIdentical) {
  ArchConfig a = isaac({"chip.tiles=4"});
  json r1 = run(simtest::small_cnn(), a);
  json r2 = run(simtest::small_cnn(), a);
  json r3 = run(simtest::small_cnn(), a, "layer", true);
  EXPECT_EQ(r1.dump(), r2.dump());
  EXPECT_EQ(r1["cycles"], r3["cycles"]);
}

TEST(SimReport, HasRequiredKeys) {
  json r = run(simtest::small_cnn(), isaac({"chip.tiles=4"}));
  for (const char* k : {"cycles", "latency_ns", "energy_pj", "area_mm2", "power_mw", "tops", "tops_per_w",
                        "tops_per_mm2", "crossbars", "compression", "layers", "arch", "reram_version"})
    EXPECT_TRUE(r.contains(k)) << k;
  for (const char* k : {"total", "crossbar", "dac", "adc", "sample_hold", "shift_add", "buffer", "noc", "activation",
                        "pooling", "index", "leakage"})
    EXPECT_TRUE(r["energy_pj"].contains(k)) << k;
  for (const char* k : {"dense_crossbars", "occupied_crossbars", "compression_rate", "weight_sparsity"})
    EXPECT_TRUE(r["compression"].contains(k)) << k;
  for (const auto& l : r["layers"])
    for (const char* k : {"cycles", "energy_pj", "crossbars", "dense_crossbars", "utilization"})
      EXPECT_TRUE(l.contains(k)) << k;
  EXPECT_GT(r["energy_pj"]["pooling"].get<double>(), 0.0);
  EXPECT_GT(r["energy_pj"]["activation"].get<double>(), 0.0);
}

// ISAAC: the model's peak tile/chip power and area, and peak TOPS, within 2%.
TEST(SimIsaac, PeakFiguresWithinTwoPercent) {
  json p = sim::chip_peak(isaac());
  EXPECT_NEAR(p["tile"]["peak_power_mw"].get<double>(), 330.0, 0.02 * 330.0);
  EXPECT_NEAR(p["tile"]["area_mm2"].get<double>(), 0.372, 0.02 * 0.372);
  EXPECT_NEAR(p["chip"]["peak_power_mw"].get<double>(), 65800.0, 0.02 * 65800.0);
  EXPECT_NEAR(p["chip"]["area_mm2"].get<double>(), 85.4, 0.02 * 85.4);
  EXPECT_NEAR(p["peak_tops"].get<double>(), 41.3, 0.02 * 41.3);
  EXPECT_EQ(p["chip"]["crossbars"].get<double>(), 16128.0);
}

// Sparse mapping: drop half the crossbars of a layer and mark it as needing an input
// gather and output recombination: fewer crossbar/ADC actions and less area, plus
// index, gather and recombination costs that a dense mapping does not have.
TEST(SimSparse, HalfTheCrossbarsShowsSavingsAndOverheads) {
  ArchConfig a = isaac({"chip.tiles=8"});
  Network n = simtest::linear_net(512, 32);  // 4 row blocks x 2 column blocks = 8 crossbars
  Mapping dense = map_dense(n, a);
  ASSERT_EQ(dense.crossbars.size(), 8u);
  Mapping sp = dense;
  MappedLayer& L = sp.layers[0];
  std::vector<PhysicalCrossbar> kept;
  for (const auto& x : sp.crossbars)
    if (x.row_block % 2 == 0) kept.push_back(x);
  L.crossbars.clear();
  for (size_t i = 0; i < kept.size(); ++i) {
    kept[i].id = static_cast<int>(i);
    L.crossbars.push_back(static_cast<int>(i));
  }
  sp.crossbars = kept;
  L.row_gather = true;
  L.col_recombine = true;
  L.granularity = "pim";
  place_crossbars(sp, a);
  sim::SimOptions o;
  json rd = sim::simulate(dense, a, o), rs = sim::simulate(sp, a, o);
  EXPECT_NEAR(rs["compression"]["compression_rate"].get<double>(), 2.0, 1e-9);
  EXPECT_NEAR(rs["energy_pj"]["crossbar"].get<double>(), 0.5 * rd["energy_pj"]["crossbar"].get<double>(), 1e-6);
  EXPECT_NEAR(rs["energy_pj"]["adc"].get<double>(), 0.5 * rd["energy_pj"]["adc"].get<double>(), 1e-6);
  EXPECT_NEAR(rs["area_mm2"]["crossbar"].get<double>(), 0.5 * rd["area_mm2"]["crossbar"].get<double>(), 1e-12);
  EXPECT_EQ(rd["energy_pj"]["index"].get<double>(), 0.0);
  EXPECT_GT(rs["energy_pj"]["index"].get<double>(), 0.0);
  EXPECT_GT(rs["energy_pj"]["input_gather"].get<double>(), 0.0);
  EXPECT_GT(rs["energy_pj"]["output_recombine"].get<double>(), 0.0);
  EXPECT_GT(rs["area_mm2"]["index"].get<double>(), 0.0);
}

// OU activation: all-zero operation units are skipped in time and energy.
TEST(SimSparse, SkippedOperationUnitsSaveTime) {
  ArchConfig a = isaac({"chip.tiles=4", "crossbar.ou_rows=16", "crossbar.ou_cols=16", "crossbar.read_latency_ns=10"});
  Mapping m = map_dense(simtest::linear_net(128, 16), a);
  Mapping half = m;
  ASSERT_EQ(half.crossbars.size(), 1u);
  half.crossbars[0].total_ous = 64;
  half.crossbars[0].active_ous = 32;
  sim::SimOptions o;
  json full = sim::simulate(m, a, o), h = sim::simulate(half, a, o);
  EXPECT_LT(h["cycles"].get<int64_t>(), full["cycles"].get<int64_t>());
  EXPECT_NEAR(h["energy_pj"]["adc"].get<double>(), 0.5 * full["energy_pj"]["adc"].get<double>(), 1e-6);
  EXPECT_GT(h["energy_pj"]["index"].get<double>(), 0.0);
}

TEST(SimErrors, GeometryMismatch) {
  Mapping m = map_dense(simtest::linear_net(100, 10), isaac({"chip.tiles=4"}));
  sim::SimOptions o;
  o.mapping_source = "m.json";
  try {
    sim::simulate(m, isaac({"chip.tiles=4", "crossbar.rows=64"}), o);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("m.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("128x128"), std::string::npos) << e.what();
  }
}

TEST(SimErrors, TooManyTilesUnlessAuto) {
  Network n = simtest::linear_net(4096, 512);  // 32 x 32 = 1024 crossbars = 11 tiles
  EXPECT_THROW(map_dense(n, isaac({"chip.tiles=2"})), ConfigError);
  Mapping m = map_dense(n, isaac({"chip.tiles=auto"}));
  EXPECT_THROW(sim::simulate(m, isaac({"chip.tiles=2"}), sim::SimOptions()), ConfigError);
  json r = sim::simulate(m, isaac({"chip.tiles=auto"}), sim::SimOptions());
  EXPECT_EQ(r["tiles_used"].get<int>(), 11);
}

TEST(SimErrors, CoarseAdcWarns) {
  json r = run(simtest::linear_net(100, 10), isaac({"chip.tiles=4", "precision.adc_bits=4"}));
  ASSERT_FALSE(r["warnings"].empty());
  EXPECT_NE(r["warnings"][0].get<std::string>().find("adc_bits"), std::string::npos);
}

TEST(SimErrors, BadOptions) {
  Mapping m = map_dense(simtest::linear_net(100, 10), isaac({"chip.tiles=4"}));
  sim::SimOptions o;
  o.dataflow = "diagonal";
  EXPECT_THROW(sim::simulate(m, isaac({"chip.tiles=4"}), o), ConfigError);
  o.dataflow = "layer";
  o.batch = 0;
  EXPECT_THROW(sim::simulate(m, isaac({"chip.tiles=4"}), o), ConfigError);
}

}  // namespace
}  // namespace reram

namespace reram {
namespace {

using simtest::isaac;
using simtest::run;

// Sharing ADCs through a mux (adc_share crossbars per ADC group) is the same, for the
// timing of one crossbar, as having adcs_per_crossbar / adc_share ADCs of its own.
TEST(SimTiming, AdcShareEqualsFewerAdcs) {
  std::vector<std::string> base = {"chip.tiles=4", "crossbar.read_latency_ns=20"};
  auto with = [&](std::vector<std::string> extra) {
    auto s = base;
    s.insert(s.end(), extra.begin(), extra.end());
    return isaac(s);
  };
  Network n = simtest::linear_net(200, 24);  // 2 row blocks x 2 column blocks (one with 8 of 16 columns)
  json shared = run(n, with({"pe.adcs_per_crossbar=2", "pe.adc_share=4"}));
  json half = run(n, with({"pe.adcs_per_crossbar=1", "pe.adc_share=2"}));
  json one = run(n, with({"pe.adcs_per_crossbar=1"}));
  EXPECT_EQ(shared["cycles"], half["cycles"]);
  EXPECT_GT(half["cycles"].get<int64_t>(), one["cycles"].get<int64_t>());
  // Half the ADC instances: half the ADC area, same conversions (same ADC energy).
  EXPECT_NEAR(half["area_mm2"]["adc"].get<double>(), 0.5 * one["area_mm2"]["adc"].get<double>(), 1e-12);
  EXPECT_NEAR(half["energy_pj"]["adc"].get<double>(), one["energy_pj"]["adc"].get<double>(), 1e-6);
}

// A dense workload that fills all 168 ISAAC tiles (168 1x1 convs of exactly one tile
// each), pipelined over a batch long enough to amortise the pipeline fill, reaches the
// published 41.3 TOPS within 10% (and never exceeds the model's own peak).
TEST(SimIsaac, FillTheChipReachesPeakWithinTenPercent) {
  ArchConfig a = isaac();
  Network n = load_network(std::string(RERAM_SOURCE_DIR) + "/tests/sim/data/isaac_fill.json");
  Mapping m = map_dense(n, a);
  ASSERT_EQ(m.crossbars.size(), 16128u);
  sim::SimOptions o;
  o.dataflow = "pipelined";
  o.batch = 32;
  o.include_arch = false;
  json r = sim::simulate(m, a, o);
  EXPECT_EQ(r["tiles_used"].get<int>(), 168);
  double tops = r["tops"].get<double>();
  EXPECT_GE(tops, 0.9 * 41.3);
  EXPECT_LE(tops, r["chip_peak"]["peak_tops"].get<double>() * (1 + 1e-9));
  // Independent of the simulator: the busiest crossbar does batch x 64 positions x
  // 16 input steps of one 100 ns read (120 cycles), so no run can be shorter.
  EXPECT_GE(r["cycles"].get<int64_t>(), int64_t{32} * 64 * 16 * 120);
}

// The report carries the pruning method and accuracy when the mapping records them.
TEST(SimReport, CompressionCarriesPruningRecord) {
  ArchConfig a = isaac({"chip.tiles=4"});
  Mapping m = map_dense(simtest::small_cnn(), a);
  m.pruning = {{"method", "column/lgd"}, {"accuracy", {{"top1", 0.875}}}};
  json r = sim::simulate(m, a, sim::SimOptions());
  EXPECT_EQ(r["compression"]["method"], "column/lgd");
  EXPECT_EQ(r["compression"]["accuracy"]["top1"].get<double>(), 0.875);
  json d = run(simtest::small_cnn(), a);
  EXPECT_EQ(d["compression"]["method"], "dense");
  EXPECT_FALSE(d["compression"].contains("accuracy"));
  // Area breakdown: same component keys as energy (less leakage) and a total that sums them.
  double sum = 0;
  for (auto it = r["area_mm2"].begin(); it != r["area_mm2"].end(); ++it) {
    if (it.key() == "total") continue;
    EXPECT_TRUE(r["energy_pj"].contains(it.key())) << it.key();
    sum += it.value().get<double>();
  }
  EXPECT_NEAR(sum, r["area_mm2"]["total"].get<double>(), 1e-9 * sum);
  for (const char* k :
       {"crossbar", "dac", "adc", "sample_hold", "shift_add", "buffer", "noc", "activation", "pooling", "index"})
    EXPECT_TRUE(r["area_mm2"].contains(k)) << k;
}

}  // namespace
}  // namespace reram

namespace reram {
namespace {

ArchConfig puma(std::vector<std::string> sets = {}) {
  return load_arch(std::string(RERAM_SOURCE_DIR) + "/arch_configs/puma.json", sets);
}

// Leakage = instances that exist x leakage power x simulated time. One 100x10 layer on
// PUMA occupies one crossbar of one core of one tile (one router): the instances are
// counted here by hand from the hardware description, not read from the simulator.
TEST(SimEnergy, LeakageOfTheBlocksThatExist) {
  ArchConfig a = puma({"chip.tiles=4"});
  json r = simtest::run(simtest::linear_net(100, 10), a);
  ASSERT_EQ(r["crossbars"].get<int>(), 1);
  auto lk = [&](const char* c) { return a.tech(c).leakage_mw; };
  double mw = 1 * lk("crossbar") + 128 * lk("dac") + 128 * lk("sample_hold") +
              0.25 * lk("adc") +  // 2 ADCs per 8 crossbars
              4 * lk("shift_add") + lk("input_register") + lk("output_register") + lk("pe_controller") +
              lk("tile_buffer") + lk("bus") + lk("router") + 2 * lk("activation") + lk("pooling") +
              lk("tile_shift_add") + lk("tile_output_register") + lk("tile_controller") + lk("offchip_link");
  ASSERT_GT(mw, 1.0);
  EXPECT_NEAR(r["energy_pj"]["leakage"].get<double>(), mw * r["latency_ns"].get<double>(),
              1e-6 * mw * r["latency_ns"].get<double>());
}

// The blocks (PE, tile, router, chip modules) count exactly the actions the layers do:
// per-layer energies add up to the chip's dynamic energy, and per-tile area to the
// area of everything but routers and the off-chip link.
TEST(SimEnergy, BlocksAndLayersAgree) {
  for (const char* df : {"layer", "pipelined"}) {
    ArchConfig a = isaac({"chip.tiles=16", "tile.pes=1", "pe.crossbars=1"});
    json r = run(simtest::residual_net(), a, df, false, 2);
    double layers = 0, tiles = 0;
    for (const auto& l : r["layers"]) layers += l["energy_pj"]["total"].get<double>();
    for (const auto& t : r["tiles"]) tiles += t["area_mm2"].get<double>();
    double dyn = r["energy_pj"]["total"].get<double>() - r["energy_pj"]["leakage"].get<double>();
    EXPECT_NEAR(layers, dyn, 1e-8 * dyn) << df;
    EXPECT_GT(r["tiles"].size(), 2u);
    double rest = r["area_mm2"]["noc"].get<double>() + r["area_mm2"]["offchip"].get<double>();
    EXPECT_NEAR(tiles + rest, r["area_mm2"]["total"].get<double>(), 1e-8 * r["area_mm2"]["total"].get<double>()) << df;
  }
}

}  // namespace
}  // namespace reram

namespace reram {
namespace {

// Back-to-back vectors on one crossbar: once the pipeline is full, every further vector
// costs exactly S reads/conversion slots of max(r, c) (the last conversion of one
// vector overlaps the first read of the next); input, fetch and output overlap it.
TEST(SimTiming, SteadyStateIntervalIsStepsTimesSlowerStage) {
  for (const char* lat : {"crossbar.read_latency_ns=100", "crossbar.read_latency_ns=20"}) {
    ArchConfig a = simtest::isaac({"chip.tiles=4", lat});
    Network n = simtest::linear_net(100, 10);
    int64_t r = static_cast<int64_t>(std::ceil(a.crossbar.read_latency_ns * a.chip.clock_ghz - 1e-9));
    int64_t c = static_cast<int64_t>(std::ceil(80 * a.pe.adc_latency_ns * a.chip.clock_ghz - 1e-9));
    int64_t c2 = simtest::run(n, a, "pipelined", false, 2)["cycles"].get<int64_t>();
    int64_t c5 = simtest::run(n, a, "pipelined", false, 5)["cycles"].get<int64_t>();
    EXPECT_EQ(c5 - c2, 3 * 16 * std::max(r, c)) << lat;
  }
}

// A buffer port that takes k cycles per access: the input fetch and the write-back take k
// times the accesses (SingleCrossbarClosedForm's terms), and the peak rate falls k-fold.
TEST(SimTiming, BufferAccessCyclesMultiplyBufferTime) {
  const int in = 100, out = 10;
  ArchConfig a1 = isaac({"chip.tiles=4"}), a4 = isaac({"chip.tiles=4", "tile.buffer_access_cycles=4"});
  json r1 = run(simtest::linear_net(in, out), a1), r4 = run(simtest::linear_net(in, out), a4);
  const int64_t width = int64_t{a1.tile.buffer_ports} * a1.tile.buffer_width_bits;
  ASSERT_LE(width, a1.tile.bus_width_bits * 4);  // the buffer, not the bus, bounds the slow fetch
  auto fetch = [&](int k) {
    return std::max(cdiv(int64_t(in) * a1.precision.activation_bits, width) * k,
                    cdiv(int64_t(in) * a1.precision.activation_bits, a1.tile.bus_width_bits));
  };
  auto write = [&](int k) { return cdiv(int64_t(out) * a1.precision.activation_bits, width) * k; };
  EXPECT_EQ(r4["cycles"].get<int64_t>() - r1["cycles"].get<int64_t>(), fetch(4) - fetch(1) + write(4) - write(1));
  EXPECT_GT(fetch(4), fetch(1));
  auto rate = [](const json& r) {  // peak power = instances x (energy x rate + leakage)
    const json& p = r["chip_peak"]["components"]["tile_buffer"];
    const json& c = r["cost_models"]["components"]["tile_buffer"];
    return (p["peak_power_mw"].get<double>() / p["instances"].get<double>() - c["leakage_mw"].get<double>()) /
           c["energy_pj"].get<double>();
  };
  EXPECT_NEAR(rate(r4), rate(r1) / 4, 1e-6 * rate(r1));
}

// A layer's two row blocks on two tiles: the second sends its partial sums to the home
// tile over a slow NoC (a hop takes longer than a vector's computation). The partial sums
// of several vectors are in flight at once, so the NoC adds its latency once, not once per
// vector: the steady-state interval stays the crossbars' (event-driven and clocked alike).
TEST(SimTiming, PartialSumsOfSeveralVectorsInFlight) {
  ArchConfig a = simtest::isaac({"chip.tiles=4", "tile.pes=1", "pe.crossbars=1", "chip.noc.hop_latency_cycles=3000"});
  Network n = simtest::linear_net(200, 10);  // 200 rows: two row blocks of 128-row crossbars
  int64_t r = static_cast<int64_t>(std::ceil(a.crossbar.read_latency_ns * a.chip.clock_ghz - 1e-9));
  int64_t c = static_cast<int64_t>(std::ceil(80 * a.pe.adc_latency_ns * a.chip.clock_ghz - 1e-9));
  ASSERT_GT(2 * a.chip.noc.hop_latency_cycles, 16 * std::max(r, c));
  for (bool clocked : {false, true}) {
    json j2 = simtest::run(n, a, "pipelined", clocked, 2), j5 = simtest::run(n, a, "pipelined", clocked, 5);
    ASSERT_EQ(j2["tiles_used"].get<int>(), 2);
    EXPECT_EQ(j5["cycles"].get<int64_t>() - j2["cycles"].get<int64_t>(), 3 * 16 * std::max(r, c)) << clocked;
  }
}

}  // namespace
}  // namespace reram

namespace reram {
namespace {

// Event-driven == clocked on sparse mappings too: half the crossbars of a layer dropped
// (gather + recombination), and skipped all-zero operation units.
TEST(SimClockedSparse, SameCyclesAsEventDriven) {
  ArchConfig a = simtest::isaac({"chip.tiles=8", "tile.pes=2", "pe.crossbars=2"});
  Mapping sp = map_dense(simtest::linear_net(512, 32), a);
  std::vector<PhysicalCrossbar> kept;
  for (const auto& x : sp.crossbars)
    if (x.row_block % 2 == 0) kept.push_back(x);
  sp.layers[0].crossbars.clear();
  for (size_t i = 0; i < kept.size(); ++i) {
    kept[i].id = static_cast<int>(i);
    sp.layers[0].crossbars.push_back(static_cast<int>(i));
  }
  sp.crossbars = kept;
  sp.layers[0].row_gather = sp.layers[0].col_recombine = true;
  place_crossbars(sp, a);
  ArchConfig ou =
      simtest::isaac({"chip.tiles=4", "crossbar.ou_rows=16", "crossbar.ou_cols=16", "crossbar.read_latency_ns=10"});
  Mapping om = map_dense(simtest::small_cnn(), ou);
  for (size_t i = 0; i < om.crossbars.size(); ++i) {
    auto& x = om.crossbars[i];
    int64_t total = ((int64_t(x.rows.size()) + 15) / 16) * ((int64_t(x.cols.size()) * 8 + 15) / 16);
    x.total_ous = total;
    x.active_ous = std::max<int64_t>(1, total - static_cast<int64_t>(i % 3));  // some crossbars skip OUs
  }
  for (auto [m, arch] : {std::pair<const Mapping*, const ArchConfig*>{&sp, &a}, {&om, &ou}})
    for (const char* df : {"layer", "pipelined"}) {
      sim::SimOptions o;
      o.dataflow = df;
      o.batch = 2;
      json ev = sim::simulate(*m, *arch, o);
      o.clocked = true;
      json ck = sim::simulate(*m, *arch, o);
      EXPECT_EQ(ev["cycles"], ck["cycles"]) << df;
      EXPECT_EQ(ev["layers"], ck["layers"]) << df;
      EXPECT_EQ(ev["energy_pj"], ck["energy_pj"]) << df;
    }
}

}  // namespace
}  // namespace reram

namespace reram {
namespace {

// Physical cost models (arch_configs/default.json): dense ResNet-18 at CIFAR-10 shapes on
// 32x32 ... 512x512 crossbars holds about the same cells at every size, so the crossbar
// arrays' total area stays within +-30% of their mean, while the periphery (DACs, S&H,
// ADCs, muxes: per crossbar, and fewer crossbars as they grow) falls with size.
TEST(SimPhysical, ArrayAreaStaysPeripheryFallsWithCrossbarSize) {
  Network n = load_network(std::string(RERAM_SOURCE_DIR) + "/workloads/cifar10/resnet18.json");
  std::vector<double> xbar, periphery;
  for (int s : {32, 64, 128, 256, 512}) {
    ArchConfig a =
        load_arch(std::string(RERAM_SOURCE_DIR) + "/arch_configs/default.json",
                  {"crossbar.rows=" + std::to_string(s), "crossbar.cols=" + std::to_string(s), "chip.tiles=\"auto\""});
    json r = simtest::run(n, a);
    const json& ar = r["area_mm2"];
    xbar.push_back(ar["crossbar"].get<double>());
    periphery.push_back(ar["dac"].get<double>() + ar["sample_hold"].get<double>() + ar["adc"].get<double>() +
                        ar["adc_mux"].get<double>());
  }
  double mean = 0;
  for (double x : xbar) mean += x / xbar.size();
  for (size_t i = 0; i < xbar.size(); ++i) {
    EXPECT_NEAR(xbar[i], mean, 0.3 * mean) << "size index " << i;
    if (i) {
      EXPECT_LT(periphery[i], periphery[i - 1]) << "size index " << i;
    }
  }
}

// The table model leaves the crossbar's energy per cell read fixed; crossbar_rc prices each
// crossbar's own conductances: a crossbar of all-g_max cells costs g_max / mean-g more.
TEST(SimPhysical, CrossbarEnergyFollowsTheWeightsItHolds) {
  ArchConfig a = load_arch(std::string(RERAM_SOURCE_DIR) + "/arch_configs/default.json", {"chip.tiles=4"});
  Network lo = simtest::linear_net(100, 10), hi = simtest::linear_net(100, 10);
  // Offset encoding stores q + 2^(bits-1): the most negative weight (q = -127) stores 1, the
  // most positive 255, i.e. every slice at level 0 except the lowest (1) or every slice at its top.
  lo.layers.back().params["weight"] = NdArray({10, 100}, std::vector<float>(1000, -1.0f));
  hi.layers.back().params["weight"] = NdArray({10, 100}, std::vector<float>(1000, 1.0f));
  json rl = simtest::run(lo, a), rh = simtest::run(hi, a);
  const double el = rl["energy_pj"]["crossbar"].get<double>(), eh = rh["energy_pj"]["crossbar"].get<double>();
  // hi: every cell at g_max; lo: slices 1..3 at g_min, slice 0 at level 1 of 3.
  const double gmin = a.crossbar.g_min_us, gmax = a.crossbar.g_max_us;
  const double g_lo = (3 * gmin + (gmin + (gmax - gmin) / 3)) / 4;
  EXPECT_NEAR(eh / el, gmax / g_lo, 1e-6 * gmax / g_lo);
}

}  // namespace
}  // namespace reram

namespace reram {
namespace {

// A measured input bit density (reram eval) prices the layer's cell reads and word-line
// drives: both are linear in it (crossbar_rc: d V^2 G t; driver: d (C V^2 + C Vdd^2 / 4)).
TEST(SimPhysical, MeasuredInputDensityPricesReadsAndDrives) {
  ArchConfig a = load_arch(std::string(RERAM_SOURCE_DIR) + "/arch_configs/default.json", {"chip.tiles=4"});
  Mapping m = map_dense(simtest::linear_net(100, 10), a);
  auto run = [&](std::map<std::string, double> d) {
    sim::SimOptions o;
    o.input_bit_density = std::move(d);
    return sim::simulate(m, a, o);
  };
  // The errors first: an exception thrown after SystemC has switched coroutine stacks in
  // this process trips ASan's stack bookkeeping (scripts/sanitize.sh, docs/reliability.md).
  EXPECT_THROW(run({{"nope", 0.5}}), InputError);
  EXPECT_THROW(run({{"fc", 1.5}}), InputError);
  json lo = run({{"fc", 0.1}}), hi = run({{"fc", 0.4}}), def = run({});
  for (const char* c : {"crossbar", "dac"}) {
    EXPECT_NEAR(hi["energy_pj"][c].get<double>(), 4 * lo["energy_pj"][c].get<double>(),
                1e-6 * hi["energy_pj"][c].get<double>())
        << c;
    EXPECT_NEAR(def["energy_pj"][c].get<double>(), 5 * lo["energy_pj"][c].get<double>(),
                1e-6 * def["energy_pj"][c].get<double>())
        << c;  // default 0.5
  }
  EXPECT_EQ(lo["energy_pj"]["adc"], def["energy_pj"]["adc"]);
  EXPECT_EQ(lo["inputs"]["input_bit_density"]["fc"], 0.1);
}

// The simulator's work measure (bench_scale fits its run time against it): per layer,
// vectors x (crossbar groups + packets per vector), summed; it doubles with the batch.
TEST(SimReport, SimulationWorkCountsGroupsAndPacketsPerVector) {
  Network n = simtest::linear_net(4096, 512);  // 11 tiles: partial sums cross the NoC
  Mapping m = map_dense(n, isaac({"chip.tiles=auto"}));
  sim::SimOptions o;
  json r1 = sim::simulate(m, isaac({"chip.tiles=auto"}), o);
  double sum = 0;
  for (const auto& l : r1["layers"])
    sum += l["vectors"].get<double>() * (l["crossbar_groups"].get<double>() + l["packets_per_vector"].get<double>());
  EXPECT_EQ(r1["simulation_work"].get<double>(), sum);
  EXPECT_GT(r1["layers"][0]["packets_per_vector"].get<int>(), 0);
  o.batch = 2;
  json r2 = sim::simulate(m, isaac({"chip.tiles=auto"}), o);
  EXPECT_EQ(r2["simulation_work"].get<double>(), 2 * sum);
}

}  // namespace
}  // namespace reram

namespace reram {
// Every field of a real report is declared in sim/stats.cpp with its unit and meaning, and
// every declared field is in the report; docs/simulator.md's table is the declaration's.
TEST(SimStats, EveryReportFieldIsDeclared) {
  // With weights and per-crossbar ADCs, so that the optional sections are there too.
  Network net = simtest::residual_net();
  randomize_weights(net, 1);
  const json r = run(net, simtest::isaac({"chip.tiles=8", "precision.adc_bits=per_crossbar"}), "layer", false, 1);
  std::set<std::string> in_report, declared;
  for (auto it = r.begin(); it != r.end(); ++it) in_report.insert(it.key());
  // And with attention (dynamic_products): the small ViT on the config with its units.
  const json rt = run(load_network(std::string(RERAM_SOURCE_DIR) + "/workloads/fmnist/vit_fmnist.json"),
                      load_arch(std::string(RERAM_SOURCE_DIR) + "/arch_configs/default.json", {}));
  for (auto it = rt.begin(); it != rt.end(); ++it) in_report.insert(it.key());
  for (const auto& s : sim::report_statistics()) declared.insert(s.key);
  EXPECT_EQ(in_report, declared);
  std::set<std::string> layer_report, layer_declared;
  for (auto it = r["layers"][0].begin(); it != r["layers"][0].end(); ++it) layer_report.insert(it.key());
  for (const auto& s : sim::layer_statistics()) layer_declared.insert(s.key);
  EXPECT_EQ(layer_report, layer_declared);
  std::ifstream in(std::string(RERAM_SOURCE_DIR) + "/docs/simulator.md");
  ASSERT_TRUE(in);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t b = doc.find("generated by `reram models --report-fields`"), e = doc.find("<!-- /report-fields -->");
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  const size_t first = doc.find('\n', b) + 1;
  EXPECT_EQ(doc.substr(first, e - first), sim::statistics_markdown())
      << "regenerate docs/simulator.md's table with: build/reram models --report-fields";
}
}  // namespace reram

namespace reram {
namespace {

int64_t output_bits(const sim::LayerWork& lw) {
  int64_t b = 0;
  for (const sim::Packet& p : lw.output_packets) b += p.bits;
  return b;
}

// chip.noc.output_delivery: with "all" a home tile sends each consumer tile all its output
// values; with "slice" only the channels the tile's crossbars read. A chain of 1x1 convs of
// 1024 channels: consumer row r reads channel r, so a tile needs the channels of the row
// blocks it holds (each row block's channels are read by every column block of it).
TEST(SimNoc, SliceDeliverySendsOnlyTheChannelsATileReads) {
  Network n = simtest::chain_1x1(2, 1024, 1024, 2);
  const std::vector<std::string> sets = {"chip.tiles=\"auto\"", "tile.pes=2", "pe.crossbars=2"};
  auto all_sets = sets, slice_sets = sets;
  all_sets.push_back("chip.noc.output_delivery=\"all\"");
  slice_sets.push_back("chip.noc.output_delivery=\"slice\"");
  const ArchConfig all = isaac(all_sets), slice = isaac(slice_sets);
  Mapping m = map_dense(n, all);
  std::vector<std::string> warn;
  sim::Workload wa = sim::build_workload(m, all, warn), ws = sim::build_workload(m, slice, warn);
  const sim::LayerWork& pa = wa.layers[0];
  const sim::LayerWork& ps = ws.layers[0];
  ASSERT_GT(wa.layers[1].tiles.size(), 2u);  // the consumer spans several tiles
  const int act = all.precision.activation_bits;
  std::map<int, std::set<int64_t>> rows_on_tile;  // consumer rows (= channels) per tile
  for (int id : m.layers[1].crossbars) {
    const PhysicalCrossbar& x = m.crossbars[size_t(id)];
    rows_on_tile[x.tile].insert(x.rows.begin(), x.rows.end());
  }
  int64_t want_all = 0, want_slice = 0;
  for (size_t k = 0; k < ps.home_tiles.size(); ++k)
    for (const auto& [dst, rows] : rows_on_tile) {
      if (dst == ps.home_tiles[k]) continue;  // values already on their tile stay put
      want_all += ps.home_values[k];
      for (int64_t c : ps.home_cols[k]) want_slice += rows.count(c);
    }
  EXPECT_EQ(output_bits(pa), want_all * act);
  EXPECT_EQ(output_bits(ps), want_slice * act);
  EXPECT_LT(output_bits(ps), output_bits(pa) / 2);
  // Fewer bits on the same links: no more cycles and less NoC energy.
  json ra = sim::simulate(m, all, {}), rs = sim::simulate(m, slice, {});
  EXPECT_LE(rs["cycles"].get<int64_t>(), ra["cycles"].get<int64_t>());
  EXPECT_LT(rs["energy_pj"]["noc"].get<double>(), ra["energy_pj"]["noc"].get<double>());
}

// Link cycles the packets of one list occupy, every packet on every link of its XY route
// (unicast), or each group's widest packet once per link it shares (Packet::group).
int64_t link_work(const std::vector<sim::Packet>& ps, const sim::NocGeometry& g, int link_bits, bool grouped) {
  std::map<std::tuple<int, int, int>, int64_t> shared;
  int64_t work = 0;
  for (const auto& p : ps) {
    const int64_t d = std::max<int64_t>(1, cdiv(p.bits, link_bits));
    for (const auto& [from, to] : g.route(p.src, p.dst)) {
      if (!grouped) {
        work += d;
        continue;
      }
      int64_t& m = shared[{p.group, from, to}];
      work += std::max<int64_t>(0, d - m);
      m = std::max(m, d);
    }
  }
  return work;
}

// Simulates `base` and `grouped` (the same mapping with grouped packets): the links do
// `saved` fewer cycles of work; against `reference` less NoC energy and no more cycles;
// event-driven and clocked runs of `grouped` agree.
void expect_grouped_run(const Mapping& m, const ArchConfig& base, const ArchConfig& grouped, int64_t saved,
                        const ArchConfig& reference) {
  json rb = sim::simulate(m, base, {}), rg = sim::simulate(m, grouped, {}), rr = sim::simulate(m, reference, {});
  EXPECT_EQ(rg["resources"]["noc_link_busy_cycles"].get<int64_t>(),
            rb["resources"]["noc_link_busy_cycles"].get<int64_t>() - saved);
  EXPECT_LT(rg["energy_pj"]["noc"].get<double>(), rr["energy_pj"]["noc"].get<double>());
  EXPECT_LE(rg["cycles"].get<int64_t>(), rr["cycles"].get<int64_t>());
  sim::SimOptions clocked;
  clocked.clocked = true;
  EXPECT_EQ(sim::simulate(m, grouped, clocked)["cycles"], rg["cycles"]);
}

// `multicast`: a home tile's values go once along the XY tree to the tiles that read any of
// them: the packets of `slice` (same source and destination) but each with all the home
// tile's values, one group per home tile, and each link does a home tile's copy once.
// Event-driven and clocked runs agree.
TEST(SimNoc, MulticastSendsOneCopyPerLinkAndHomeTile) {
  Network n = simtest::chain_1x1(2, 1024, 1024, 2);
  const std::vector<std::string> sets = {"chip.tiles=\"auto\"", "tile.pes=2", "pe.crossbars=2"};
  auto slice_sets = sets, all_sets = sets, mc_sets = sets;
  slice_sets.push_back("chip.noc.output_delivery=\"slice\"");
  all_sets.push_back("chip.noc.output_delivery=\"all\"");
  mc_sets.push_back("chip.noc.output_delivery=\"multicast\"");
  const ArchConfig slice = isaac(slice_sets), all = isaac(all_sets), mc = isaac(mc_sets);
  Mapping m = map_dense(n, slice);
  std::vector<std::string> warn;
  sim::Workload ws = sim::build_workload(m, slice, warn), wm = sim::build_workload(m, mc, warn);
  const sim::LayerWork& lm = wm.layers[0];
  const auto &ps = ws.layers[0].output_packets, &pm = lm.output_packets;
  ASSERT_EQ(ps.size(), pm.size());
  ASSERT_GT(lm.home_tiles.size(), 1u);
  const int act = slice.precision.activation_bits;
  for (size_t i = 0; i < ps.size(); ++i) {
    EXPECT_EQ(std::tie(ps[i].src, ps[i].dst), std::tie(pm[i].src, pm[i].dst));
    EXPECT_EQ(ps[i].group, -1);
    ASSERT_GE(pm[i].group, 0);
    EXPECT_EQ(lm.home_tiles[size_t(pm[i].group)], pm[i].src);
    EXPECT_EQ(pm[i].bits, lm.home_values[size_t(pm[i].group)] * act);
  }
  const sim::NocGeometry g = sim::noc_geometry(slice, ws.tiles_used);
  const int lb = slice.chip.noc.link_width_bits;
  const int64_t tree = link_work(pm, g, lb, true);
  ASSERT_LT(tree, link_work(pm, g, lb, false));  // the consumer's tiles share route prefixes
  // Every vector sends the same packets; against `all` (full values to every tile) less
  // NoC energy and no more cycles.
  expect_grouped_run(m, slice, mc, lm.positions * (link_work(ps, g, lb, false) - tree), all);
}

// `in_network` reduction: six row blocks on six tiles; their partial sums are added where
// their routes meet, so a link carries the column block's vector once, not once per tile.
TEST(SimNoc, InNetworkReductionCarriesOneVectorPerColumnBlockPerLink) {
  const std::vector<std::string> sets = {"chip.tiles=\"auto\"", "tile.pes=1", "pe.crossbars=1"};
  auto home_sets = sets, net_sets = sets;
  net_sets.push_back("chip.noc.reduction=\"in_network\"");
  const ArchConfig home = isaac(home_sets), in_net = isaac(net_sets);
  Mapping m = map_dense(simtest::linear_net(6 * 128, 10), home);
  std::vector<std::string> warn;
  sim::Workload wh = sim::build_workload(m, home, warn), wn = sim::build_workload(m, in_net, warn);
  const auto &ph = wh.layers[0].reduce_packets, &pn = wn.layers[0].reduce_packets;
  ASSERT_EQ(wh.tiles_used, 6);
  ASSERT_EQ(ph.size(), 5u);  // one column block: five tiles send to the home tile
  ASSERT_EQ(pn.size(), 5u);
  for (size_t i = 0; i < pn.size(); ++i) {
    EXPECT_EQ(std::tie(ph[i].src, ph[i].dst, ph[i].bits), std::tie(pn[i].src, pn[i].dst, pn[i].bits));
    EXPECT_EQ(pn[i].group, 0);
  }
  const sim::NocGeometry g = sim::noc_geometry(home, wh.tiles_used);
  const int lb = home.chip.noc.link_width_bits;
  const int64_t unicast = link_work(ph, g, lb, false), merged = link_work(pn, g, lb, true);
  ASSERT_LT(merged, unicast);
  ASSERT_EQ(wn.layers[0].positions, 1);  // one vector
  expect_grouped_run(m, home, in_net, unicast - merged, home);
}

// Both need the flow model: with the packet model the config is refused, naming the key.
TEST(SimNoc, MulticastAndInNetworkNeedTheFlowModel) {
  for (const char* key : {"output_delivery=\"multicast\"", "reduction=\"in_network\""}) {
    try {
      isaac({"chip.noc.model=\"packet\"", std::string("chip.noc.") + key});
      ADD_FAILURE() << key << " accepted with the packet model";
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(std::string(key).substr(0, std::string(key).find('='))), std::string::npos) << what;
      EXPECT_NE(what.find("flow"), std::string::npos) << what;
    }
  }
}

// A consumer on one tile reads every channel of its producer: both deliveries send the same.
TEST(SimNoc, SliceDeliveryEqualsAllOnOneConsumerTile) {
  Network n = simtest::small_cnn();
  json ra = simtest::run(n, isaac({"chip.tiles=8", "chip.noc.output_delivery=\"all\""}));
  json rs = simtest::run(n, isaac({"chip.tiles=8", "chip.noc.output_delivery=\"slice\""}));
  EXPECT_EQ(ra["cycles"], rs["cycles"]);
  EXPECT_EQ(ra["energy_pj"]["total"], rs["energy_pj"]["total"]);
}

}  // namespace
}  // namespace reram
