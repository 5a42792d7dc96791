// The simulator on transformer layers: attention products, softmax and LayerNorm run on the
// tile's own units, counted exactly; a config without them is an error naming the key.
#include <gtest/gtest.h>

#include "tests/sim/sim_test_util.h"

using namespace reram;
using namespace reram::simtest;

namespace {

std::string vit_path() { return std::string(RERAM_SOURCE_DIR) + "/workloads/fmnist/vit_fmnist.json"; }
std::string default_path() { return std::string(RERAM_SOURCE_DIR) + "/arch_configs/default.json"; }

double actions(const json& r, const ArchConfig& a, const std::string& c) {
  return r.at("components").at(c).at("dynamic_pj").get<double>() / a.tech(c).energy_pj;
}

TEST(SimTransformer, DigitalUnitsCountEveryValue) {
  Network net = load_network(vit_path());
  ArchConfig a = load_arch(default_path(), {"chip.tiles=auto"});
  json r = run(net, a);
  double macs = 0, soft = 0, norm = 0, act = 0;
  for (const Layer& l : net.layers) {
    macs += double(l.dynamic_macs());
    if (l.kind == LayerKind::Softmax) soft += double(l.out_shape.numel());
    if (l.kind == LayerKind::LayerNorm) norm += double(l.out_shape.numel());
    if (l.kind == LayerKind::Gelu) act += double(l.out_shape.numel());
  }
  // 3 layers x 4 heads x 17 x 17 scores x 16 features, twice (scores and their use).
  EXPECT_EQ(macs, 3.0 * 2 * 4 * 17 * 17 * 16);
  EXPECT_NEAR(actions(r, a, "matmul"), macs, 1e-6 * macs);
  EXPECT_NEAR(actions(r, a, "softmax"), soft, 1e-6 * soft);
  EXPECT_NEAR(actions(r, a, "normalization"), norm, 1e-6 * norm);
  EXPECT_NEAR(actions(r, a, "activation"), act, 1e-6 * act);
  EXPECT_GT(r.at("components").at("matmul").at("area_mm2").get<double>(), 0.0);
  // The report's ops count the attention products beside the weight layers.
  EXPECT_EQ(r.at("ops").get<double>(), 2.0 * (double(net.macs()) + macs));
}

TEST(SimTransformer, FewerMatmulUnitsTakeLonger) {
  Network net = load_network(vit_path());
  json fast = run(net, load_arch(default_path(), {"chip.tiles=auto", "tile.matmul_units=64"}));
  json slow = run(net, load_arch(default_path(), {"chip.tiles=auto", "tile.matmul_units=1"}));
  EXPECT_GT(slow.at("cycles").get<double>(), fast.at("cycles").get<double>());
  // Same work, same energy per action: the dynamic energy does not depend on the unit count.
  EXPECT_NEAR(slow.at("components").at("matmul").at("dynamic_pj").get<double>(),
              fast.at("components").at("matmul").at("dynamic_pj").get<double>(), 1e-6);
}

TEST(SimTransformer, MissingUnitsNameTheKey) {
  Network net = load_network(vit_path());
  try {
    run(net, load_arch(default_path(), {"chip.tiles=auto", "tile.softmax_units=0"}));
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("needs tile.softmax_units > 0"), std::string::npos) << e.what();
  }
}

}  // namespace

namespace {

// chip.dynamic_products = "crossbar": each attention product writes its second operand
// (H heads x k rows x n outputs x the bit lines of a value) and reads it once per query
// token and input step; the report carries both implementations.
TEST(SimTransformer, CrossbarModeWritesTheOperandsAndReportsBoth) {
  Network net = load_network(vit_path());
  ArchConfig dig = load_arch(default_path(), {"chip.tiles=auto"});
  ArchConfig xb = load_arch(default_path(), {"chip.tiles=auto", "chip.dynamic_products=crossbar"});
  json rd = run(net, dig), rx = run(net, xb);
  const int bpw = xb.bitlines_per_weight();
  double cells = 0, reads = 0;
  for (const Layer& l : net.layers) {
    if (l.kind != LayerKind::MatMul) continue;
    const int64_t H = l.groups, k = l.in_shapes[0].c / H, n = l.out_shape.c / H, T = l.in_shapes[0].h;
    cells += double(H * k * n * bpw);
    reads += double(T) * xb.input_steps() * double(H * k * n * bpw);
  }
  EXPECT_NEAR(actions(rx, xb, "cell_write"), cells, 1e-6 * cells);
  EXPECT_FALSE(rd.at("components").contains("cell_write") &&
               rd.at("components").at("cell_write").value("dynamic_pj", 0.0) > 0);
  EXPECT_EQ(rx.at("components").at("matmul").at("dynamic_pj").get<double>(), 0.0);
  // Crossbar reads: the weight layers' plus the operands'.
  EXPECT_NEAR(actions(rx, xb, "crossbar") - actions(rd, dig, "crossbar"), reads, 1e-6 * reads);
  const json& d = rx.at("dynamic_products");
  EXPECT_EQ(d.at("mode"), "crossbar");
  EXPECT_EQ(rd.at("dynamic_products").at("crossbar_energy_pj"), d.at("crossbar_energy_pj"));
  EXPECT_EQ(d.at("layers").size(), 6u);
  EXPECT_GT(d.at("crossbar_energy_pj").get<double>(), d.at("digital_energy_pj").get<double>());
  EXPECT_GT(rx.at("cycles").get<double>(), rd.at("cycles").get<double>());
  EXPECT_GT(rx.at("area_mm2").at("total").get<double>(), rd.at("area_mm2").at("total").get<double>());
}

}  // namespace

namespace {

// A residual stream that starts at the network input (BERT on embedded tokens): the add
// and the LayerNorm after it run where the other operand is computed, not nowhere.
TEST(SimTransformer, ResidualFromTheInputIsHostedOnChip) {
  Network net = net_from(R"({"name": "enc", "input": {"channels": 8, "height": 4, "width": 1}, "layers": [
      {"name": "proj", "type": "conv", "out_channels": 8, "kernel": 1},
      {"name": "res", "type": "add", "inputs": ["input", "proj"]},
      {"name": "ln", "type": "layernorm"},
      {"name": "cls", "type": "select_token"},
      {"name": "head", "type": "linear", "out_features": 2}]})");
  ArchConfig a = load_arch(default_path(), {"chip.tiles=auto"});
  json r = run(net, a);
  EXPECT_NEAR(actions(r, a, "normalization"), 32.0, 1e-6);   // 4 tokens x 8 features
  EXPECT_NEAR(actions(r, a, "tile_shift_add"), 32.0, 1e-6);  // the residual add
}

}  // namespace

namespace {

// An embedding lookup happens before the chip: the embedded tokens (not the ids) come in
// through the off-chip link.
TEST(SimTransformer, EmbeddedTokensEnterThroughTheOffchipLink) {
  Network net = net_from(R"({"name": "emb", "input": {"channels": 1, "height": 4, "width": 1}, "layers": [
      {"name": "emb", "type": "embedding", "vocab_size": 50, "out_features": 8},
      {"name": "proj", "type": "conv", "out_channels": 8, "kernel": 1},
      {"name": "cls", "type": "select_token"},
      {"name": "head", "type": "linear", "out_features": 2}]})");
  ArchConfig a = load_arch(default_path(), {"chip.tiles=auto"});
  json r = run(net, a);
  const double in_bits = 8.0 * 4 * a.precision.input_bits, out_bits = 2.0 * a.precision.activation_bits;
  EXPECT_NEAR(actions(r, a, "offchip_link"), in_bits + out_bits, 1e-6);
}

}  // namespace
