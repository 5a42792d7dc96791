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
