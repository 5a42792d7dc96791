// The foundation bar: for ONNX exports of torchvision ResNet-18, AlexNet and SqueezeNet 1.1,
// `reram map` reports exactly the crossbar counts of the closed form
//     crossbars = ceil(rows / xbar_rows) * ceil(cols * slices * sign_factor / xbar_cols)
// per layer and in total. rows/cols come from scripts/export_onnx.py's reference JSON,
// which reads them off the torch modules (not off the ONNX file), and the sum is done here.
//
// The export (torch 1.13 + torchvision under /usr/bin/python3) takes ~20 s; it is cached
// in the build directory, keyed by the exporter script's contents, and shared by the test
// processes through a lock. Without torch the tests are skipped.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <tuple>

#include "tests/common/torch_export.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

const char* kModels = "resnet18 alexnet squeezenet1_1";

using reram::test::slurp;

std::string exported_models(std::string& why, bool& skip) {
  return reram::test::exported_models("export_onnx.py", kModels, "--opset 13 --seed 0", "onnx-torchvision", why, skip);
}

struct Geometry {
  const char* name;
  int rows, cols, weight_bits, cell_bits;
  const char* encoding;
};

void PrintTo(const Geometry& g, std::ostream* os) { *os << g.name; }

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

class TorchvisionCrossbars : public ::testing::TestWithParam<std::tuple<std::string, Geometry>> {};

TEST_P(TorchvisionCrossbars, ReramMapMatchesTheClosedForm) {
  std::string why;
  bool skip = false;
  std::string dir = exported_models(why, skip);
  if (skip) GTEST_SKIP() << why;
  ASSERT_FALSE(dir.empty()) << why;
  const auto& [model, g] = GetParam();

  json ref = json::parse(slurp(dir + "/" + model + ".reference.json"));
  const json& wl = ref.at("weight_layers");
  // Sanity of the reference itself (architecture facts, not results of the code under test).
  if (model == "resnet18") {
    ASSERT_EQ(wl.size(), 21u);  // the "21 weight layers"
  } else if (model == "alexnet") {
    ASSERT_EQ(wl.size(), 8u);  // 5 conv + 3 linear
  } else if (model == "squeezenet1_1") {
    ASSERT_EQ(wl.size(), 26u);  // conv1 + 8 fire modules x 3 + classifier conv
  }

  std::string out = ::testing::TempDir() + "/reram_tv_" + std::to_string(::getpid()) + "_" + model;
  fs::create_directories(out);
  // No -o: the mapping's weight sidecar (244 MB for AlexNet) is not needed for the counts.
  std::ostringstream cmd;
  cmd << RERAM_BINARY << " map --network " << dir << "/" << model << ".onnx --arch " << RERAM_SOURCE_DIR
      << "/arch_configs/default.json --set crossbar.rows=" << g.rows << " --set crossbar.cols=" << g.cols
      << " --set precision.weight_bits=" << g.weight_bits << " --set crossbar.cell_bits=" << g.cell_bits
      << " --set crossbar.sign_encoding=" << g.encoding << " --set chip.tiles=auto -q --report " << out << "/R.json > "
      << out << "/map.log 2>&1";
  ASSERT_EQ(std::system(cmd.str().c_str()), 0) << cmd.str() << "\n" << slurp(out + "/map.log");
  json rep = json::parse(slurp(out + "/R.json"));

  const int64_t slices = ceil_div(g.weight_bits, g.cell_bits);
  const int64_t sign = std::string(g.encoding) == "differential" ? 2 : 1;
  const json& layers = rep.at("layers");
  ASSERT_EQ(layers.size(), wl.size()) << "weight layers in the report vs in the torch model";
  int64_t total = 0;
  for (size_t i = 0; i < wl.size(); ++i) {
    const json& r = wl[i];
    const json& l = layers[i];
    // These models have no grouped convolutions: the view is rows x cols, one group.
    ASSERT_EQ(r.at("groups").get<int>(), 1) << r.at("module");
    int64_t rows = r.at("rows"), cols = r.at("cols");
    int64_t want = ceil_div(rows, g.rows) * ceil_div(cols * slices * sign, g.cols);
    total += want;
    EXPECT_EQ(l.at("rows").get<int64_t>(), rows) << r.at("module") << " = " << l.at("name");
    EXPECT_EQ(l.at("cols").get<int64_t>(), cols) << r.at("module") << " = " << l.at("name");
    EXPECT_EQ(l.at("crossbars").get<int64_t>(), want) << r.at("module") << " = " << l.at("name");
  }
  EXPECT_EQ(rep.at("crossbars").get<int64_t>(), total);
  EXPECT_EQ(rep.at("dense_crossbars").get<int64_t>(), total);
  fs::remove_all(out);
}

// 128x128 with 8-bit weights on 8-bit cells, offset: one bit line per weight (the issue's
// example). 64x256 with 2-bit cells, differential: 4 slices x 2 = 8 bit lines per weight,
// so the column term is exercised with slices > 1 and rows that rarely divide by 64.
const Geometry kGeometries[] = {{"g128x128_c8_offset", 128, 128, 8, 8, "offset"},
                                {"g64x256_c2_differential", 64, 256, 8, 2, "differential"}};

INSTANTIATE_TEST_SUITE_P(Models, TorchvisionCrossbars,
                         ::testing::Combine(::testing::Values("resnet18", "alexnet", "squeezenet1_1"),
                                            ::testing::ValuesIn(kGeometries)),
                         [](const auto& info) { return std::get<0>(info.param) + "_" + std::get<1>(info.param).name; });

}  // namespace
