// Transformers from ONNX to crossbars: the importer, the functional model and the trainer
// against torch's own outputs, and the crossbar counts of ViT-B/16 and BERT-base against an
// independent count of their weight matrices (scripts/export_transformers.py reads them
// off the torch modules and parameters, not off the ONNX file).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "pruning/core/error.h"
#include "pruning/core/npy.h"
#include "pruning/functional/forward.h"
#include "pruning/graph/network.h"
#include "pruning/train/trainer.h"
#include "pruning/xbar/crossbar_view.h"
#include "tests/common/torch_export.h"

using namespace reram;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The small models at two opsets: 14 decomposes LayerNorm into ReduceMean/Sub/Pow/Sqrt/Div,
// 17 exports LayerNormalization.
std::string small_models(int opset, std::string& why, bool& skip) {
  return test::exported_models("export_transformers.py", "tiny_vit tiny_encoder tiny_bert",
                               "--opset " + std::to_string(opset) + " --seed 0",
                               "transformers-op" + std::to_string(opset), why, skip);
}

functional::Acts as_acts(const NdArray& a) {
  functional::Acts x(a.shape.at(0), a.numel() / a.shape.at(0));
  for (int64_t i = 0; i < x.size(); ++i) x.data()[i] = a.data[size_t(i)];
  return x;
}

functional::Acts float_forward(const Network& net, const functional::Acts& x) {
  std::vector<MatrixXf> m(net.layers.size());
  for (size_t i = 0; i < net.layers.size(); ++i)
    if (net.layers[i].is_weight_layer()) m[i] = layer_matrix(net.layers[i]);
  return functional::forward(net, x, [&](int li, const MatrixXf& v) -> MatrixXf { return v * m[size_t(li)]; });
}

double max_abs_diff(const functional::Acts& got, const NdArray& want) {
  EXPECT_EQ(got.size(), want.numel());
  double d = 0;
  for (int64_t i = 0; i < got.size() && i < want.numel(); ++i)
    d = std::max(d, double(std::abs(got.data()[i] - want.data[size_t(i)])));
  return d;
}

class TinyVit : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    bool skip = false;
    std::string why;
    dir_ = small_models(GetParam(), why, skip);
    if (skip) GTEST_SKIP() << why;
    ASSERT_FALSE(dir_.empty()) << why;
    net_ = load_network(dir_ + "/tiny_vit.onnx");
    x_ = read_npy(dir_ + "/tiny_vit.input.npy");
    y_ = read_npy(dir_ + "/tiny_vit.output.npy");
  }
  std::string dir_;
  Network net_;
  NdArray x_, y_;
};

TEST_P(TinyVit, ImportsTheTransformerLayers) {
  std::map<std::string, int> kinds;
  for (const auto& L : net_.layers) ++kinds[to_string(L.kind)];
  // 2 encoder layers: 2 attention products and 1 softmax each, 2 LayerNorms each + the final one.
  EXPECT_EQ(kinds["matmul"], 4);
  EXPECT_EQ(kinds["softmax"], 2);
  EXPECT_EQ(kinds["layernorm"], 5);
  EXPECT_EQ(kinds["gelu"], 2);
  EXPECT_EQ(kinds["class_token"], 1);
  EXPECT_EQ(kinds["add_const"], 1);
  EXPECT_EQ(kinds["select_token"], 1);
  // Patch embedding + (qkv, out, mlp0, mlp1) x 2 as 1x1 convs, the head as a linear layer.
  EXPECT_EQ(kinds["conv"], 9);
  EXPECT_EQ(kinds["linear"], 1);
  for (const auto& L : net_.layers)
    if (L.kind == LayerKind::MatMul) {
      EXPECT_EQ(L.groups, 4) << L.name;
      EXPECT_EQ(L.in_shapes[0].h, 17) << L.name;  // 16 patches + the class token
    }
}

TEST_P(TinyVit, FunctionalForwardMatchesTorch) {
  functional::Acts y = float_forward(net_, as_acts(x_));
  EXPECT_LT(max_abs_diff(y, y_), 2e-5);
}

TEST_P(TinyVit, TrainerForwardMatchesTorch) {
  TrainOptions opt;
  opt.threads = 1;
  Trainer t(net_, opt);
  NdArray y = t.infer(x_);
  EXPECT_LT(max_abs_diff(as_acts(y), y_), 2e-5);
}

TEST_P(TinyVit, JsonRoundTripKeepsTheFunction) {
  const std::string path = ::testing::TempDir() + "/tiny_vit_" + std::to_string(::getpid()) + ".json";
  save_network(net_, path);
  Network back = load_network(path);
  EXPECT_EQ(back.layers.size(), net_.layers.size());
  EXPECT_LT(max_abs_diff(float_forward(back, as_acts(x_)), y_), 2e-5);
  fs::remove(path);
  fs::remove(path.substr(0, path.size() - 5) + ".npz");
}

INSTANTIATE_TEST_SUITE_P(Opsets, TinyVit, ::testing::Values(14, 17),
                         [](const auto& info) { return "op" + std::to_string(info.param); });

// The small exports at opset 14 (skipped without torch).
class SmallModels : public ::testing::Test {
 protected:
  void SetUp() override {
    bool skip = false;
    std::string why;
    dir = small_models(14, why, skip);
    if (skip) GTEST_SKIP() << why;
    ASSERT_FALSE(dir.empty()) << why;
  }
  std::string dir;
};

// One encoder layer as hand-written code bases spell it: q, k, v from a Split, per-head
// views with the batch axis kept, 4-D attention products, x[:, 0] into the head; the
// input is 16 embedded tokens (N x T x D).
TEST_F(SmallModels, TinyEncoderSplitAndFourDimensionalAttentionMatchTorch) {
  Network net = load_network(dir + "/tiny_encoder.onnx");
  EXPECT_EQ(net.input, (Shape{32, 16, 1, false}));
  int slices = 0;
  for (const auto& L : net.layers) slices += L.kind == LayerKind::Slice;
  EXPECT_EQ(slices, 3);
  NdArray x = read_npy(dir + "/tiny_encoder.input.npy"), y = read_npy(dir + "/tiny_encoder.output.npy");
  // The graph input is N x T x D (token-major); the network's C x T x 1 is channel-major.
  NdArray xc({4, 32, 16});
  for (int n = 0; n < 4; ++n)
    for (int t = 0; t < 16; ++t)
      for (int c = 0; c < 32; ++c) xc.data[size_t((n * 32 + c) * 16 + t)] = x.data[size_t((n * 16 + t) * 32 + c)];
  EXPECT_LT(max_abs_diff(float_forward(net, as_acts(xc)), y), 2e-5);
  TrainOptions opt;
  opt.threads = 1;
  Trainer t(net, opt);
  xc.shape = {4, 32, 16, 1};
  EXPECT_LT(max_abs_diff(as_acts(t.infer(xc)), y), 2e-5);
}

// Token ids through an embedding table (ONNX Gather of a constant by the integer graph
// input), learned positions, LayerNorm, torch's nn.TransformerEncoderLayer.
TEST_F(SmallModels, TinyBertEmbeddingLookupAndEncoderLayerMatchTorch) {
  Network net = load_network(dir + "/tiny_bert.onnx");
  EXPECT_EQ(net.input, (Shape{1, 16, 1, false}));
  ASSERT_EQ(net.layers.front().kind, LayerKind::Embedding);
  EXPECT_EQ(net.layers.front().vocab_size, 100);
  NdArray ids = read_npy(dir + "/tiny_bert.input.npy"), y = read_npy(dir + "/tiny_bert.output.npy");
  ids.shape = {4, 1, 16, 1};  // token ids, one per position
  EXPECT_LT(max_abs_diff(float_forward(net, as_acts(ids)), y), 2e-5);
  TrainOptions opt;
  opt.threads = 1;
  Trainer t(net, opt);
  EXPECT_LT(max_abs_diff(as_acts(t.infer(ids)), y), 2e-5);
  // An id outside the table is an error naming the layer, not a read out of bounds.
  functional::Acts bad = as_acts(ids);
  bad(0, 3) = 100;
  try {
    float_forward(net, bad);
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("outside the vocabulary of 100"), std::string::npos) << e.what();
  }
}

// The bar: crossbar counts of the vit_b_16 export (and BERT-base's encoder) equal
// the closed form over an independent list of their weight matrices.
class BigTransformer : public ::testing::TestWithParam<std::string> {};

TEST_P(BigTransformer, CrossbarCountsMatchTheWeightMatrices) {
  bool skip = false;
  std::string why;
  const std::string dir = test::exported_models("export_transformers.py", "vit_b_16 bert_base", "--opset 14 --seed 0",
                                                "transformers-big", why, skip);
  if (skip) GTEST_SKIP() << why;
  ASSERT_FALSE(dir.empty()) << why;
  const std::string model = GetParam();
  json ref = json::parse(test::slurp(dir + "/" + model + ".reference.json"));
  const json& wl = ref.at("weight_layers");
  ASSERT_EQ(wl.size(), 1u + 12u * 4u + (model == "vit_b_16" ? 1u : 0u))
      << "ViT: patch embedding, 12 x (in_proj, out_proj, mlp x 2), head; BERT: 12 x 4 + classifier";
  const std::string out = ::testing::TempDir() + "/reram_tr_" + std::to_string(::getpid()) + "_" + model;
  fs::create_directories(out);
  std::ostringstream cmd;
  cmd << RERAM_BINARY << " map --network " << dir << "/" << model << ".onnx --arch " << RERAM_SOURCE_DIR
      << "/arch_configs/default.json --set chip.tiles=auto -q --report " << out << "/R.json > " << out
      << "/map.log 2>&1";
  ASSERT_EQ(std::system(cmd.str().c_str()), 0) << cmd.str() << "\n" << test::slurp(out + "/map.log");
  json rep = json::parse(test::slurp(out + "/R.json"));
  const json& layers = rep.at("layers");
  ASSERT_EQ(layers.size(), wl.size());
  // default.json: 128 x 128 crossbars, 8-bit weights on 2-bit cells, offset: 4 columns a weight.
  auto ceil_div = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
  int64_t total = 0;
  for (size_t i = 0; i < wl.size(); ++i) {
    int64_t rows = wl[i].at("rows"), cols = wl[i].at("cols");
    int64_t want = ceil_div(rows, 128) * ceil_div(cols * 4, 128);
    total += want;
    EXPECT_EQ(layers[i].at("rows").get<int64_t>(), rows) << wl[i].at("module");
    EXPECT_EQ(layers[i].at("cols").get<int64_t>(), cols) << wl[i].at("module");
    EXPECT_EQ(layers[i].at("crossbars").get<int64_t>(), want) << wl[i].at("module");
  }
  EXPECT_EQ(rep.at("crossbars").get<int64_t>(), total);
  fs::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Models, BigTransformer, ::testing::Values("vit_b_16", "bert_base"));

// ---- the layer kinds on their own, against hand-computed values ----

Network one_layer(const json& layer, const json& input) {
  json j = {{"format", "reram-network"},
            {"format_version", 1},
            {"name", "t"},
            {"input", input},
            {"layers", json::array({layer})}};
  return network_from_json(j, "test.json");
}

TEST(TransformerLayers, MatMulScoresAndApplyPerHead) {
  // Two heads of 2 features, 3 tokens; a[c][t] = 3c + t + 1 (channel-major).
  Network net = one_layer({{"name", "scores"},
                           {"type", "matmul"},
                           {"inputs", {"input", "input"}},
                           {"heads", 2},
                           {"transpose_b", true},
                           {"scale", 0.5}},
                          {{"channels", 4}, {"height", 3}, {"width", 1}});
  EXPECT_EQ(net.layers[0].out_shape, (Shape{6, 3, 1, false}));
  functional::Acts x(1, 12);
  for (int i = 0; i < 12; ++i) x(0, i) = float(i + 1);
  functional::Acts s = functional::apply_matmul(net.layers[0], x, x);
  for (int h = 0; h < 2; ++h)
    for (int j = 0; j < 3; ++j)
      for (int i = 0; i < 3; ++i) {
        double v = 0;
        for (int m = 0; m < 2; ++m) v += x(0, (h * 2 + m) * 3 + i) * x(0, (h * 2 + m) * 3 + j);
        EXPECT_FLOAT_EQ(s(0, (h * 3 + j) * 3 + i), float(0.5 * v)) << h << j << i;
      }
  // Their use: out_h[n][i] = sum_j P_h[j][i] V_h[n][j] with P = the scores (6 x 3), V = x.
  Layer apply;
  apply.name = "apply";
  apply.kind = LayerKind::MatMul;
  apply.groups = 2;
  apply.in_shapes = {Shape{6, 3, 1, false}, Shape{4, 3, 1, false}};
  apply.out_shape = Shape{4, 3, 1, false};
  functional::Acts o = functional::apply_matmul(apply, s, x);
  for (int h = 0; h < 2; ++h)
    for (int n = 0; n < 2; ++n)
      for (int i = 0; i < 3; ++i) {
        double v = 0;
        for (int j = 0; j < 3; ++j) v += s(0, (h * 3 + j) * 3 + i) * x(0, (h * 2 + n) * 3 + j);
        EXPECT_NEAR(o(0, (h * 2 + n) * 3 + i), v, 1e-3 * std::abs(v)) << h << n << i;
      }
}

TEST(TransformerLayers, ShapeErrorsNameTheLayer) {
  json in = {{"channels", 6}, {"height", 4}, {"width", 1}};
  auto err = [&](const json& layer) {
    try {
      one_layer(layer, in);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(err({{"name", "s"}, {"type", "softmax"}, {"groups", 4}}).find("layer 's' (softmax): groups 4"),
            std::string::npos);
  EXPECT_NE(err({{"name", "m"}, {"type", "matmul"}, {"inputs", {"input", "input"}}, {"heads", 4}}).find("heads 4"),
            std::string::npos);
  EXPECT_NE(err({{"name", "x"}, {"type", "slice"}, {"start", 4}, {"end", 9}}).find("not a non-empty range"),
            std::string::npos);
  EXPECT_NE(err({{"name", "t"}, {"type", "select_token"}, {"index", 4}}).find("outside the input's 4 positions"),
            std::string::npos);
  EXPECT_NE(err({{"name", "t"}, {"type", "layernorm"}, {"epsilon", 1}}).find("epsilon"), std::string::npos);
}

TEST(TransformerLayers, SoftmaxAndLayerNormPerPosition) {
  Network net =
      one_layer({{"name", "s"}, {"type", "softmax"}, {"groups", 2}}, {{"channels", 4}, {"height", 2}, {"width", 1}});
  functional::Acts x(1, 8);
  x << 1, 2, 3, 4, 5, 6, 7, 8;  // a[c][t]
  functional::Acts y = functional::apply_softmax(net.layers[0], x);
  // Group 0 = channels 0,1; position 0 holds 1 and 3.
  EXPECT_NEAR(y(0, 0), 1.0 / (1.0 + std::exp(2.0)), 1e-6);
  EXPECT_NEAR(y(0, 0) + y(0, 2), 1.0, 1e-6);
  EXPECT_NEAR(y(0, 5) + y(0, 7), 1.0, 1e-6);
  Network ln = one_layer({{"name", "n"}, {"type", "layernorm"}}, {{"channels", 4}, {"height", 2}, {"width", 1}});
  randomize_weights(ln, 1);  // identity scale and shift
  functional::Acts z = functional::apply_layernorm(ln.layers[0], x);
  for (int p = 0; p < 2; ++p) {
    double mean = 0, sq = 0;
    for (int c = 0; c < 4; ++c) mean += z(0, c * 2 + p) / 4.0;
    for (int c = 0; c < 4; ++c) sq += z(0, c * 2 + p) * z(0, c * 2 + p) / 4.0;
    EXPECT_NEAR(mean, 0.0, 1e-6);
    EXPECT_NEAR(sq, 1.0, 1e-4);
  }
}

}  // namespace
