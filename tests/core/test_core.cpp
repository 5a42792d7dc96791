// Unit tests of the foundation: files, network graph, arch config, crossbar view, dense mapping.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>

#include "pruning/arch/arch_config.h"
#include "pruning/arch/arch_fields.h"
#include "pruning/core/dataset.h"
#include "pruning/core/error.h"
#include "pruning/core/npy.h"
#include "pruning/graph/network.h"
#include "pruning/xbar/mapping.h"
#include "tests/common/error_of.h"

using namespace reram;

namespace {

std::string tmp(const std::string& name) {
  return ::testing::TempDir() + "/reram_core_" + std::to_string(::getpid()) + "_" + name;
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

using test::error_of;

const char* kTinyNet = R"({
  "name": "tiny", "input": {"channels": 3, "height": 9, "width": 7},
  "layers": [
    {"name": "c1", "type": "conv", "out_channels": 10, "kernel": 3, "padding": 1, "bias": true},
    {"name": "bn1", "type": "batchnorm"},
    {"name": "r1", "type": "relu"},
    {"name": "dw", "type": "conv", "out_channels": 10, "kernel": [3, 1], "groups": 5, "padding": [1, 0]},
    {"name": "add", "type": "add", "inputs": ["dw", "r1"]},
    {"name": "p", "type": "maxpool", "kernel": 2, "ceil_mode": true},
    {"name": "d", "type": "dropout", "p": 0.3},
    {"name": "f", "type": "flatten"},
    {"name": "fc", "type": "linear", "out_features": 4}
  ]})";

ArchConfig arch_with(const std::vector<std::string>& sets) {
  std::string p = tmp("arch.json");
  write(p, "{\"name\": \"t\"}");
  return load_arch(p, sets);
}

// Direct convolution on one image (reference for folding and the crossbar view).
std::vector<double> conv_ref(const Layer& L, const std::vector<float>& x, const Shape& in) {
  const auto& W = L.params.at("weight").data;
  int64_t K = L.out_channels, Cg = in.c / L.groups, Kg = K / L.groups;
  int64_t Ho = L.out_shape.h, Wo = L.out_shape.w;
  std::vector<double> y(static_cast<size_t>(K * Ho * Wo), 0.0);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t oh = 0; oh < Ho; ++oh)
      for (int64_t ow = 0; ow < Wo; ++ow) {
        double s = L.params.count("bias") ? L.params.at("bias").data[static_cast<size_t>(k)] : 0.0;
        for (int64_t c = 0; c < Cg; ++c)
          for (int r = 0; r < L.kernel_h; ++r)
            for (int q = 0; q < L.kernel_w; ++q) {
              int64_t ih = oh * L.stride_h - L.pad_top + r, iw = ow * L.stride_w - L.pad_left + q;
              if (ih < 0 || iw < 0 || ih >= in.h || iw >= in.w) continue;
              int64_t cin = (k / Kg) * Cg + c;
              s += W[static_cast<size_t>(((k * Cg + c) * L.kernel_h + r) * L.kernel_w + q)] *
                   x[static_cast<size_t>((cin * in.h + ih) * in.w + iw)];
            }
        y[static_cast<size_t>((k * Ho + oh) * Wo + ow)] = s;
      }
  return y;
}

}  // namespace

TEST(Npy, RoundTripAndNpz) {
  NdArray a({2, 3, 5});
  for (size_t i = 0; i < a.data.size(); ++i) a.data[i] = 0.5f * static_cast<float>(i) - 3.0f;
  NdArray b = npy_decode(npy_encode(a), "mem");
  EXPECT_EQ(b.shape, a.shape);
  EXPECT_EQ(b.data, a.data);
  std::string p = tmp("w.npz");
  write_npz_atomic(p, {{"x.weight", a}, {"y", NdArray({1})}});
  NpzMap m = read_npz(p);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m.at("x.weight").data, a.data);
  EXPECT_EQ(m.at("y").shape, std::vector<int64_t>{1});
}

TEST(Npy, ReadsNumpyWrittenArchivesWhenNumpyIsPresent) {
  if (std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0)
    GTEST_SKIP() << "no /usr/bin/python3 with numpy";
  std::string p = tmp("np.npz");
  std::string cmd = "/usr/bin/python3 -c \"import numpy as np; np.savez_compressed('" + p +
                    "', a=np.arange(12, dtype=np.float64).reshape(3,4), b=np.array([1,2,3], dtype=np.int64))\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  NpzMap m = read_npz(p);
  EXPECT_EQ(m.at("a").shape, (std::vector<int64_t>{3, 4}));
  EXPECT_FLOAT_EQ(m.at("a").data[11], 11.0f);
  EXPECT_FLOAT_EQ(m.at("b").data[2], 3.0f);
  // And numpy reads ours.
  std::string q = tmp("ours.npz");
  NdArray a({2, 2}, {1, 2, 3, 4.5f});
  write_npz_atomic(q, {{"k", a}});
  std::string cmd2 = "/usr/bin/python3 -c \"import numpy as np; z=np.load('" + q +
                     "'); assert z['k'].dtype==np.float32 and z['k'].shape==(2,2) and z['k'][1,1]==4.5\"";
  EXPECT_EQ(std::system(cmd2.c_str()), 0);
}

TEST(Npy, TruncatedArchiveIsAnError) {
  std::string p = tmp("trunc.npz");
  write_npz_atomic(p, {{"a", NdArray({100})}});
  std::ifstream in(p, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), {});
  write(p, s.substr(0, s.size() / 2));
  EXPECT_NE(error_of([&] { read_npz(p); }).find(p), std::string::npos);
}

TEST(Json, MalformedFileNamesFileAndOffset) {
  std::string p = tmp("bad.json");
  write(p, "{\"name\": \"x\",, }");
  std::string e = error_of([&] { load_json_file(p); });
  EXPECT_NE(e.find(p), std::string::npos);
  EXPECT_NE(e.find("malformed"), std::string::npos);
  EXPECT_NE(error_of([&] { load_json_file(tmp("missing.json")); }).find("cannot open"), std::string::npos);
}

TEST(Network, ShapesInferredIncludingUnevenPooling) {
  Network n = network_from_json(json::parse(kTinyNet), "tiny.json");
  EXPECT_EQ(n.layer("c1").out_shape, (Shape{10, 9, 7, false}));
  EXPECT_EQ(n.layer("dw").out_shape, (Shape{10, 9, 7, false}));
  EXPECT_EQ(n.layer("p").out_shape, (Shape{10, 5, 4, false}));  // ceil(9/2), ceil(7/2)
  EXPECT_EQ(n.layer("f").out_shape, (Shape{200, 1, 1, true}));
  EXPECT_EQ(n.layer("fc").weight_shape(), (std::vector<int64_t>{4, 200}));
  EXPECT_EQ(n.layer("dw").weight_shape(), (std::vector<int64_t>{10, 2, 3, 1}));
  // MACs: c1 = 63 positions * 10 * 27; dw = 63 * 10 * 2 * 3; fc = 800.
  EXPECT_EQ(n.macs(), 63 * 10 * 27 + 63 * 10 * 6 + 800);
}

TEST(Network, JsonRoundTrip) {
  Network a = network_from_json(json::parse(kTinyNet), "tiny.json");
  json j1 = network_to_json(a);
  Network b = network_from_json(j1, "again.json");
  EXPECT_EQ(network_to_json(b), j1);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    EXPECT_EQ(a.layers[i].inputs, b.layers[i].inputs);
    EXPECT_EQ(a.layers[i].out_shape, b.layers[i].out_shape);
  }
}

TEST(Network, WeightsRoundTripThroughSidecar) {
  Network a = network_from_json(json::parse(kTinyNet), "tiny.json");
  randomize_weights(a, 7);
  std::string p = tmp("net.json");
  save_network(a, p);
  Network b = load_network(p);
  ASSERT_TRUE(b.has_weights());
  EXPECT_EQ(b.layer("fc").params.at("weight").data, a.layer("fc").params.at("weight").data);
}

TEST(Network, BadNetworksNameTheLayer) {
  auto bad = [](const std::string& layers) {
    std::string j = R"({"name":"b","input":{"channels":3,"height":8,"width":8},"layers":[)" + layers + "]}";
    return error_of([&] { network_from_json(json::parse(j), "b.json"); });
  };
  EXPECT_NE(bad(R"({"name":"c","type":"conv","out_channels":4,"kernel":3,"groups":2})").find("layer 'c'"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"c","type":"conv","out_channels":4,"kernel":3,"colour":1})").find("unknown key 'colour'"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"l","type":"linear","out_features":4})").find("flat input"), std::string::npos);
  EXPECT_NE(bad(R"({"name":"c","type":"conv","out_channels":4,"kernel":3},
                   {"name":"a","type":"add","inputs":["c","input"]})")
                .find("layer 'a'"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","type":"lstm"})").find("unknown layer type 'lstm'"), std::string::npos);
  EXPECT_NE(bad(R"({"name":"c","type":"conv","out_channels":4,"kernel":9})").find("empty"), std::string::npos);
}

TEST(Network, WeightShapeMismatchIsAnErrorNamingLayerAndFile) {
  Network a = network_from_json(json::parse(kTinyNet), "tiny.json");
  randomize_weights(a, 1);
  NpzMap w = weights_to_npz(a);
  w["c1.weight"] = NdArray({10, 4, 3, 3});  // 4 input channels, the input has 3
  std::string p = tmp("bad_w.npz");
  write_npz_atomic(p, w);
  Network b = network_from_json(json::parse(kTinyNet), "tiny.json");
  std::string e = error_of([&] { load_weights_npz(b, p); });
  EXPECT_NE(e.find("'c1'"), std::string::npos) << e;
  EXPECT_NE(e.find(p), std::string::npos) << e;
}

TEST(Network, BatchNormFoldingPreservesTheFunction) {
  Network n = network_from_json(json::parse(kTinyNet), "tiny.json");
  randomize_weights(n, 3);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.5f, 1.5f);
  Layer& bn = n.layers[1];
  for (const char* p : {"weight", "bias", "running_mean", "running_var"}) {
    NdArray a({10});
    for (auto& v : a.data) v = u(rng) - (std::string(p) == "running_var" ? 0.0f : 1.0f);
    bn.params[p] = a;
  }
  std::vector<float> x(3 * 9 * 7);
  for (auto& v : x) v = u(rng);
  Layer c1 = n.layer("c1");
  std::vector<double> y = conv_ref(c1, x, n.input);
  for (int64_t k = 0; k < 10; ++k)
    for (int64_t i = 0; i < 63; ++i) {
      auto& v = y[static_cast<size_t>(k * 63 + i)];
      v = (v - bn.params["running_mean"].data[k]) / std::sqrt(bn.params["running_var"].data[k] + bn.eps) *
              bn.params["weight"].data[k] +
          bn.params["bias"].data[k];
    }
  n.fold_batchnorm();
  EXPECT_EQ(n.index_of("bn1"), -1);
  EXPECT_EQ(n.layer("r1").inputs[0], "c1");
  std::vector<double> z = conv_ref(n.layer("c1"), x, n.input);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(z[i], y[i], 1e-4);
}

TEST(CrossbarView, MatrixMatchesConvolution) {
  Network n = network_from_json(json::parse(kTinyNet), "tiny.json");
  randomize_weights(n, 11);
  const Layer& dw = n.layer("dw");  // grouped: 5 groups of 2 in / 2 out channels, kernel 3x1
  LayerView v = layer_view(dw);
  EXPECT_EQ(v.rows, 10 * 3);
  EXPECT_EQ(v.cols, 10);
  EXPECT_EQ(v.rows_per_group, 6);
  EXPECT_EQ(v.cols_per_group, 2);
  EXPECT_EQ(v.output_positions, 63);
  MatrixXf M = layer_matrix(dw);
  // One output position computed as (im2col row) x M equals the direct convolution.
  std::vector<float> x(10 * 9 * 7);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i));
  Shape in{10, 9, 7, false};
  std::vector<double> y = conv_ref(dw, x, in);
  int64_t oh = 4, ow = 3;
  Eigen::RowVectorXf col(v.rows);
  for (int64_t c = 0; c < 10; ++c)
    for (int r = 0; r < 3; ++r) {
      int64_t ih = oh - 1 + r;
      col((c * 3 + r) * 1 + 0) = (ih < 0 || ih >= 9) ? 0.0f : x[static_cast<size_t>((c * 9 + ih) * 7 + ow)];
    }
  Eigen::RowVectorXf out = col * M;
  for (int64_t k = 0; k < 10; ++k) EXPECT_NEAR(out(k), y[static_cast<size_t>((k * 9 + oh) * 7 + ow)], 1e-4);
  // Off-group cells are structurally zero; set_layer_matrix inverts layer_matrix.
  EXPECT_EQ(M(0, 5), 0.0f);
  Layer copy = dw;
  set_layer_matrix(copy, M);
  EXPECT_EQ(copy.params["weight"].data, dw.params.at("weight").data);
}

TEST(Arch, DefaultsOverridesAndDerivedGeometry) {
  ArchConfig a = arch_with({"crossbar.rows=64", "crossbar.cols=256", "precision.weight_bits=8", "crossbar.cell_bits=3",
                            "crossbar.sign_encoding=differential"});
  EXPECT_EQ(a.crossbar.rows, 64);
  EXPECT_EQ(a.slices(), 3);  // ceil(8/3)
  EXPECT_EQ(a.bitlines_per_weight(), 6);
  EXPECT_EQ(a.logical_cols_per_xbar(), 42);  // floor(256/6)
  json r = a.to_json();
  EXPECT_EQ(r["crossbar"]["sign_encoding"], "differential");
  // The resolved config parses back to the same config.
  EXPECT_EQ(arch_from_json(r, "resolved").to_json(), r);
}

TEST(Arch, BadValuesNameKeyAndFile) {
  auto e = [](std::vector<std::string> s) { return error_of([&] { arch_with(s); }); };
  EXPECT_NE(e({"crossbar.rows=0"}).find("'rows'"), std::string::npos);
  EXPECT_NE(e({"crossbar.rows=-4"}).find("must be positive"), std::string::npos);
  EXPECT_NE(e({"crossbar.cell_bits=4", "precision.weight_bits=2"}).find("weight_bits"), std::string::npos);
  EXPECT_NE(e({"crossbar.ou_rows=129"}).find("ou_rows"), std::string::npos);
  EXPECT_NE(e({"crossbar.rows=\"many\""}).find("wrong type"), std::string::npos);
  EXPECT_NE(e({"crossbar.colums=3"}).find("unknown key 'crossbar.colums'"), std::string::npos);
  EXPECT_NE(e({"chip.noc.topology=torus"}).find("topology"), std::string::npos);
  EXPECT_NE(e({"crossbar.g_max_us=0.5"}).find("on/off"), std::string::npos);
  EXPECT_NE(e({"crossbar.cols=8", "precision.weight_bits=16", "crossbar.cell_bits=1"}).find("bit lines"),
            std::string::npos);
  std::string p = tmp("unknown.json");
  write(p, R"({"crossbar": {"rows": 64, "colour": 2}})");
  std::string m = error_of([&] { load_arch(p); });
  EXPECT_NE(m.find(p), std::string::npos);
  EXPECT_NE(m.find("unknown key 'colour'"), std::string::npos);
}

// A section {"include": FILE, ...} takes the file's keys it does not set itself.
TEST(Arch, SectionIncludeTakesTheFilesKeysItDoesNotSet) {
  const std::string dir = tmp("inc");
  ::mkdir(dir.c_str(), 0755);
  write(dir + "/xb.json", R"({"rows": 64, "cols": 32, "cell_bits": 1})");
  write(dir + "/a.json", R"({"crossbar": {"include": "xb.json", "cols": 16}})");
  ArchConfig a = load_arch(dir + "/a.json");
  EXPECT_EQ(a.crossbar.rows, 64);
  EXPECT_EQ(a.crossbar.cols, 16);
  EXPECT_EQ(a.crossbar.cell_bits, 1);
  EXPECT_EQ(load_arch(dir + "/a.json", {"crossbar.rows=128"}).crossbar.rows, 128);
  write(dir + "/b.json", R"({"crossbar": {"include": "nope.json"}})");
  EXPECT_NE(error_of([&] { load_arch(dir + "/b.json"); }).find(dir + "/nope.json"), std::string::npos);
  write(dir + "/c.json", R"({"crossbar": {"include": 3}})");
  EXPECT_NE(error_of([&] { load_arch(dir + "/c.json"); }).find("crossbar.include"), std::string::npos);
}

TEST(Arch, ShippedConfigsLoad) {
  for (const char* f : {"default.json", "isaac.json", "puma.json", "isaac_physical.json", "mnsim_like.json"}) {
    std::string p = std::string(RERAM_SOURCE_DIR) + "/arch_configs/" + f;
    if (!std::ifstream(p)) {
      ADD_FAILURE() << "missing " << p;
      continue;
    }
    EXPECT_NO_THROW(load_arch(p)) << p;
  }
}

// Every shipped config's resolved form parses back to itself, and every key in it comes
// from a field table (or is a technology entry): the tables are the one declaration.
TEST(ArchFields, ShippedConfigsRoundTripThroughTheTables) {
  for (const char* f : {"default.json", "isaac.json", "puma.json", "isaac_physical.json", "mnsim_like.json"}) {
    const json r = load_arch(std::string(RERAM_SOURCE_DIR) + "/arch_configs/" + f).to_json();
    EXPECT_EQ(arch_from_json(r, f).to_json(), r) << f;
    std::set<std::string> declared = {"technology"};
    for (const auto& s : arch::sections())
      for (const auto& fld : s.fields)
        if (fld.write) declared.insert(s.path.empty() ? fld.key : s.path + "." + fld.key);
    std::set<std::string> written;
    for (auto it = r.begin(); it != r.end(); ++it) {
      if (!it.value().is_object() || it.key() == "technology") {
        written.insert(it.key());
        continue;
      }
      for (auto k = it.value().begin(); k != it.value().end(); ++k) {
        if (k.value().is_object())
          for (auto n = k.value().begin(); n != k.value().end(); ++n)
            written.insert(it.key() + "." + k.key() + "." + n.key());
        else
          written.insert(it.key() + "." + k.key());
      }
    }
    EXPECT_EQ(written, declared) << f;
  }
}

// docs/config.md's key table is the field tables' own (reram models --keys).
TEST(ArchFields, ConfigDocTableIsGeneratedFromTheTables) {
  std::ifstream in(std::string(RERAM_SOURCE_DIR) + "/docs/config.md");
  ASSERT_TRUE(in);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string begin = "generated by `reram models --keys`", end = "<!-- /arch-keys -->";
  const size_t b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  const size_t first = doc.find('\n', b) + 1;
  EXPECT_EQ(doc.substr(first, e - first), arch::keys_markdown())
      << "regenerate docs/config.md's table with: build/reram models --keys";
}

// A bad value of any table-read key is an error naming the key (numbers: a string; words:
// an unknown word).
TEST(ArchFields, EveryKeyRejectsAWrongValue) {
  for (const auto& s : arch::sections())
    for (const auto& f : s.fields) {
      if (!f.write || f.key == "name") continue;  // free text
      const std::string path = s.path.empty() ? f.key : s.path + "." + f.key;
      const json v = f.write(ArchConfig());
      const std::string bad = v.is_string() ? "\"no_such_word\"" : "\"x\"";
      const std::string m = error_of([&] { arch_with({path + "=" + bad}); });
      EXPECT_NE(m.find(f.key), std::string::npos) << path << ": " << m;
    }
}

TEST(Arch, CoarseAdcWarns) {
  EXPECT_TRUE(arch_with({"precision.adc_bits=9", "crossbar.cell_bits=2"}).warnings().empty());
  auto w = arch_with({"precision.adc_bits=6"}).warnings();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("adc_bits=6"), std::string::npos);
}

// Crossbar count of one layer by walking the grid cell by cell (independent of the
// closed form): every structural cell lands in exactly one crossbar.
TEST(DenseMapping, TilesCoverEveryCellOnceWithUnevenSizes) {
  for (auto [rows, cols, cell, wbits, diff, groups] :
       std::vector<std::tuple<int, int, int, int, bool, int>>{{64, 64, 2, 8, false, 1},
                                                              {100, 96, 2, 8, true, 1},
                                                              {128, 128, 1, 8, false, 4},
                                                              {32, 256, 3, 8, false, 16}}) {
    std::string net = R"({"name":"u","input":{"channels":48,"height":5,"width":5},"layers":[
       {"name":"c","type":"conv","out_channels":80,"kernel":3,"groups":)" +
                      std::to_string(groups) + R"(},
       {"name":"f","type":"flatten"},{"name":"fc","type":"linear","out_features":37}]})";
    Network n = network_from_json(json::parse(net), "u.json");
    ArchConfig a =
        arch_with({"crossbar.rows=" + std::to_string(rows), "crossbar.cols=" + std::to_string(cols),
                   "crossbar.cell_bits=" + std::to_string(cell), "precision.weight_bits=" + std::to_string(wbits),
                   std::string("crossbar.sign_encoding=") + (diff ? "differential" : "offset"), "chip.tiles=auto"});
    Mapping m = map_dense(n, a);
    int lc = cols / (((wbits + cell - 1) / cell) * (diff ? 2 : 1));
    for (size_t li = 0; li < m.layers.size(); ++li) {
      const auto& L = m.layers[li];
      std::vector<int> covered(static_cast<size_t>(L.view.rows * L.view.cols), 0);
      for (int id : L.crossbars) {
        const auto& x = m.crossbars[static_cast<size_t>(id)];
        EXPECT_LE(static_cast<int>(x.rows.size()), rows);
        EXPECT_LE(static_cast<int>(x.cols.size()), lc);
        for (auto r : x.rows)
          for (auto c : x.cols)
            if (L.view.structural(r, c)) ++covered[static_cast<size_t>(r * L.view.cols + c)];
      }
      for (int64_t r = 0; r < L.view.rows; ++r)
        for (int64_t c = 0; c < L.view.cols; ++c)
          EXPECT_EQ(covered[static_cast<size_t>(r * L.view.cols + c)], L.view.structural(r, c) ? 1 : 0);
      EXPECT_EQ(static_cast<int64_t>(L.crossbars.size()), L.dense_crossbars);
    }
    // The ungrouped linear layer: ceil(1200... rows) by plain loops.
    int64_t fc_rows = 80 * 3 * 3, need_r = 0, need_c = 0;
    for (int64_t r = 0; r < fc_rows; r += rows) ++need_r;
    for (int64_t c = 0; c < 37; c += lc) ++need_c;
    EXPECT_EQ(m.layers[1].dense_crossbars, need_r * need_c);
  }
}

TEST(DenseMapping, DepthwiseIsPackedBlockDiagonally) {
  std::string net = R"({"name":"dw","input":{"channels":40,"height":6,"width":6},"layers":[
       {"name":"c","type":"conv","out_channels":40,"kernel":3,"groups":40}]})";
  Network n = network_from_json(json::parse(net), "dw.json");
  // 128 rows / 9 rows per group = 14 groups; 32 logical columns hold 32 groups -> 14 per crossbar.
  Mapping m = map_dense(n, arch_with({"crossbar.cell_bits=2", "precision.weight_bits=8"}));
  EXPECT_EQ(m.layers[0].dense_crossbars, 3);  // ceil(40 / 14)
  EXPECT_EQ(m.crossbars[0].rows.size(), 14u * 9u);
  EXPECT_EQ(m.crossbars[2].cols.size(), 40u - 28u);
}

TEST(DenseMapping, DifferentialDoublesColumnsAndPlacementCountsPes) {
  std::string net = R"({"name":"l","input":{"channels":1,"height":1,"width":1},"layers":[
       {"name":"f","type":"flatten"},{"name":"fc","type":"linear","out_features":100}]})";
  Network n = network_from_json(json::parse(net), "l.json");
  Mapping off = map_dense(n, arch_with({"precision.weight_bits=8", "crossbar.cell_bits=2"}));
  Mapping dif = map_dense(
      n, arch_with({"precision.weight_bits=8", "crossbar.cell_bits=2", "crossbar.sign_encoding=differential"}));
  EXPECT_EQ(off.occupied_crossbars(), 4);  // ceil(100 / 32)
  EXPECT_EQ(dif.occupied_crossbars(), 7);  // ceil(100 / 16)
  Mapping small = map_dense(n, arch_with({"precision.weight_bits=8", "crossbar.cell_bits=2", "pe.crossbars=3",
                                          "tile.pes=1", "chip.tiles=auto"}));
  EXPECT_EQ(small.pes_used, 2);
  EXPECT_EQ(small.tiles_used, 2);
  std::string e = error_of([&] {
    map_dense(n, arch_with({"precision.weight_bits=8", "crossbar.cell_bits=2", "pe.crossbars=1", "tile.pes=1",
                            "chip.tiles=3"}));
  });
  EXPECT_NE(e.find("needs 4 tiles"), std::string::npos) << e;
  EXPECT_NE(e.find("chip.tiles=auto"), std::string::npos) << e;
}

TEST(DenseMapping, SaveLoadRoundTripAndLosslessExpansion) {
  Network n = network_from_json(json::parse(kTinyNet), "tiny.json");
  randomize_weights(n, 9);
  Mapping m =
      map_dense(n, arch_with({"crossbar.rows=16", "crossbar.cols=16", "precision.weight_bits=8", "crossbar.cell_bits=4",
                              "crossbar.ou_rows=4", "crossbar.ou_cols=4", "chip.tiles=auto"}));
  std::string p = tmp("map.json");
  save_mapping(m, p);
  Mapping b = load_mapping(p);
  ASSERT_EQ(b.crossbars.size(), m.crossbars.size());
  for (size_t i = 0; i < m.crossbars.size(); ++i) {
    EXPECT_EQ(b.crossbars[i].rows, m.crossbars[i].rows);
    EXPECT_EQ(b.crossbars[i].cols, m.crossbars[i].cols);
    EXPECT_EQ(b.crossbars[i].active_ous, m.crossbars[i].active_ous);
    EXPECT_EQ(b.crossbars[i].tile, m.crossbars[i].tile);
  }
  EXPECT_EQ(b.tiles_used, m.tiles_used);
  for (size_t li = 0; li < b.layers.size(); ++li) {
    MatrixXf w = layer_matrix(b.network.layers[static_cast<size_t>(b.layers[li].network_layer)]);
    EXPECT_TRUE(expand_layer(b, static_cast<int>(li)).isApprox(w)) << b.layers[li].name;
  }
  // Random dense weights: every OU of an ungrouped layer holds a non-zero weight; the
  // block-diagonal crossbars of the grouped layer have all-zero OUs off the diagonal.
  for (const auto& x : b.crossbars) {
    const LayerView& v = b.layers[static_cast<size_t>(x.layer)].view;
    if (static_cast<int64_t>(x.cols.size()) <= v.cols_per_group)
      EXPECT_EQ(x.active_ous, x.total_ous);
    else
      EXPECT_LT(x.active_ous, x.total_ous);  // several groups on the diagonal
  }
}

TEST(DenseMapping, CorruptMappingIsAnError) {
  Network n = network_from_json(json::parse(kTinyNet), "tiny.json");
  Mapping m = map_dense(n, arch_with({}));
  std::string p = tmp("m.json");
  save_mapping(m, p);
  json j = load_json_file(p);
  j["crossbars"][0]["rows"] = json::array({json::array({0, 100000})});
  write(p, j.dump());
  EXPECT_NE(error_of([&] { load_mapping(p); }).find("crossbars[0]"), std::string::npos);
}

TEST(Dataset, FashionMnistLoadsWhenInstalled) {
  std::string dir = resolve_dataset_dir("fashion-mnist");
  if (!std::ifstream(dir + "/t10k-labels-idx1-ubyte.gz")) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  Dataset d = load_fashion_mnist(dir, "test", 100);
  EXPECT_EQ(d.size(), 100);
  EXPECT_EQ(d.images.shape, (std::vector<int64_t>{100, 1, 28, 28}));
  std::set<int> labels(d.labels.begin(), d.labels.end());
  EXPECT_GT(labels.size(), 5u);
  EXPECT_NE(error_of([&] { load_fashion_mnist(tmp("nodir"), "test"); }).find("not found"), std::string::npos);
}

TEST(Arch, PerNonIdealitySeedsDefaultToTheCommonSeed) {
  ArchConfig a = arch_with({"nonideal.seed=7"});
  EXPECT_EQ(a.nonideal.variation_seed_eff(), 7u);
  EXPECT_EQ(a.nonideal.fault_seed_eff(), 7u);
  EXPECT_EQ(a.nonideal.read_noise_seed_eff(), 7u);
  ArchConfig b = arch_with({"nonideal.seed=7", "nonideal.fault_seed=11"});
  EXPECT_EQ(b.nonideal.fault_seed_eff(), 11u);
  EXPECT_EQ(b.nonideal.variation_seed_eff(), 7u);
  EXPECT_EQ(b.to_json()["nonideal"]["fault_seed"], 11);
  EXPECT_EQ(b.to_json()["nonideal"]["read_noise_seed"], 7);
}

// ---- CIFAR binary and npz data sets, on files generated here in the exact formats ----
namespace {
// CIFAR records: label byte(s) then 1024 R, 1024 G, 1024 B. Pixel value of record i,
// channel c, position k: (i * 7 + c * 50 + k) % 256.
std::string cifar_records(int n, bool hundred, int label_base) {
  std::string b;
  for (int i = 0; i < n; ++i) {
    if (hundred) b.push_back(static_cast<char>(i % 20));
    b.push_back(static_cast<char>((label_base + i) % (hundred ? 100 : 10)));
    for (int c = 0; c < 3; ++c)
      for (int k = 0; k < 1024; ++k) b.push_back(static_cast<char>((i * 7 + c * 50 + k) % 256));
  }
  return b;
}
void write_bytes(const std::string& path, const std::string& b) { std::ofstream(path, std::ios::binary) << b; }
std::string make_cifar10(const std::string& name, int per_batch) {
  std::string dir = tmp(name);
  std::string sub = dir + "/cifar-10-batches-bin";
  (void)std::system(("mkdir -p " + sub).c_str());
  for (int k = 1; k <= 5; ++k)
    write_bytes(sub + "/data_batch_" + std::to_string(k) + ".bin", cifar_records(per_batch, false, k));
  write_bytes(sub + "/test_batch.bin", cifar_records(per_batch, false, 0));
  return dir;
}
}  // namespace

TEST(Dataset, Cifar10BinaryLoadsNormalisedPerChannel) {
  const std::string dir = make_cifar10("c10", 6);
  Dataset tr = load_dataset(parse_data_source("cifar10:" + dir), "train");
  Dataset te = load_dataset(parse_data_source("cifar10:" + dir), "test");
  EXPECT_EQ(tr.size(), 30);
  EXPECT_EQ(te.size(), 6);
  EXPECT_EQ(tr.images.shape, (std::vector<int64_t>{30, 3, 32, 32}));
  EXPECT_EQ(tr.classes, 10);
  EXPECT_EQ(tr.labels[0], 1);  // batch 1, record 0
  EXPECT_EQ(tr.labels[6], 2);  // batch 2, record 0
  ASSERT_EQ(tr.mean.size(), 3u);
  // Independent statistics of the generated pixels, per channel, over the 30 training records.
  for (int c = 0; c < 3; ++c) {
    double s = 0, s2 = 0;
    for (int i = 0; i < 6; ++i)
      for (int k = 0; k < 1024; ++k) {
        const double v = ((i * 7 + c * 50 + k) % 256) / 255.0;
        s += 5 * v, s2 += 5 * v * v;
      }
    const double m = s / 30720, sd = std::sqrt(s2 / 30720 - m * m);
    EXPECT_NEAR(tr.mean[c], m, 1e-7);  // pixels are stored as float
    EXPECT_NEAR(tr.std[c], sd, 1e-7);
    EXPECT_EQ(te.mean[c], tr.mean[c]);  // the test split uses the training statistics
    // Record 2, channel c, pixel (1, 3): normalised value.
    const double raw = ((2 * 7 + c * 50 + 35) % 256) / 255.0;
    EXPECT_NEAR(te.images.data[static_cast<size_t>(((2 * 3 + c) * 32 + 1) * 32 + 3)], (raw - m) / sd, 1e-5);
  }
  EXPECT_EQ(load_dataset(parse_data_source("cifar10:" + dir), "train", 8).size(), 8);
}

TEST(Dataset, Cifar100UsesFineLabels) {
  std::string dir = tmp("c100");
  (void)std::system(("mkdir -p " + dir).c_str());
  write_bytes(dir + "/train.bin", cifar_records(120, true, 0));
  write_bytes(dir + "/test.bin", cifar_records(5, true, 3));
  Dataset d = load_dataset(parse_data_source("cifar100:" + dir), "train");
  EXPECT_EQ(d.classes, 100);
  EXPECT_EQ(d.labels[99], 99);
  EXPECT_EQ(d.labels[101], 1);
  EXPECT_EQ(load_dataset(parse_data_source("cifar100:" + dir), "test").labels[0], 3);
}

TEST(Dataset, BadCifarFilesAreNamedErrors) {
  const std::string dir = make_cifar10("c10bad", 2);
  const std::string f = dir + "/cifar-10-batches-bin/test_batch.bin";
  auto err = [&] { return error_of([&] { load_dataset(parse_data_source("cifar10:" + dir), "test"); }); };
  write_bytes(f, cifar_records(2, false, 0).substr(0, 3073 + 100));  // truncated second record
  EXPECT_NE(err().find(f), std::string::npos);
  EXPECT_NE(err().find("not a whole number of 3073-byte records"), std::string::npos);
  std::string bad = cifar_records(2, false, 0);
  bad[3073] = 12;  // label of record 1
  write_bytes(f, bad);
  EXPECT_NE(err().find("record 1 has label 12"), std::string::npos);
  write_bytes(f, "");
  EXPECT_NE(err().find("empty file"), std::string::npos);
  std::remove(f.c_str());
  EXPECT_NE(err().find("'test_batch.bin' not found"), std::string::npos);
  EXPECT_NE(error_of([] { parse_data_source("cifar10:/nonexistent/dir"); }).find("not found"), std::string::npos);
  EXPECT_NE(error_of([] { parse_data_source("imagenet:/x"); }).find("unknown data set kind 'imagenet'"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_data_source("npz:"); }).find("no path"), std::string::npos);
}

TEST(Dataset, NpzInNhwcUint8AndNchwFloatAgree) {
  // The same images stored two ways: uint8 NHWC and float NCHW (already in [0, 1]).
  const int64_t n = 4, h = 5, w = 6, c = 3;
  NdArray u8({n, h, w, c}), f({n, c, h, w});
  u8.dtype = "u1";  // written as float32 by the project's writer; the loader sees its dtype
  for (int64_t i = 0; i < n; ++i)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int64_t ch = 0; ch < c; ++ch) {
          const float v = static_cast<float>((i * 31 + y * 7 + x * 3 + ch * 11) % 256);
          u8.data[static_cast<size_t>(((i * h + y) * w + x) * c + ch)] = v;
          f.data[static_cast<size_t>(((i * c + ch) * h + y) * w + x)] = v / 255.0f;
        }
  NdArray y({n}, {0, 1, 2, 1}), yt({2}, {2, 0});
  NdArray xt({2, c, h, w}), xtu({2, h, w, c});
  auto write_u8_npz = [&](const std::string& path, const NdArray& xtr, const NdArray& xte) {
    // An uint8 .npy by hand: the project's writer only writes float32.
    auto npy_u8 = [](const NdArray& a) {
      std::string shape = "(";
      for (auto d : a.shape) shape += std::to_string(d) + ", ";
      shape += ")";
      std::string header = "{'descr': '|u1', 'fortran_order': False, 'shape': " + shape + ", }";
      while ((10 + header.size() + 1) % 64) header += ' ';
      header += '\n';
      std::string b = "\x93NUMPY\x01";
      b.push_back('\0');
      b.push_back(static_cast<char>(header.size() & 0xff));
      b.push_back(static_cast<char>(header.size() >> 8));
      b += header;
      for (float v : a.data) b.push_back(static_cast<char>(static_cast<unsigned char>(v)));
      return b;
    };
    const std::string d = path + ".d";
    (void)std::system(("rm -rf " + d + " && mkdir -p " + d).c_str());
    write_bytes(d + "/x_train.npy", npy_u8(xtr));
    write_bytes(d + "/x_test.npy", npy_u8(xte));
    write_npy_atomic(d + "/y_train.npy", NdArray({n}, {0, 1, 2, 1}));
    write_npy_atomic(d + "/y_test.npy", NdArray({2}, {2, 0}));
    return std::system(("cd " + d + " && rm -f " + path + " && zip -q -0 " + path + " *.npy").c_str());
  };
  const std::string p1 = tmp("u8.npz"), p2 = tmp("f.npz");
  if (write_u8_npz(p1, u8, xtu) != 0) GTEST_SKIP() << "zip not installed";
  write_npz_atomic(p2, {{"x_train", f}, {"y_train", y}, {"x_test", xt}, {"y_test", yt}});
  Dataset a = load_dataset(parse_data_source("npz:" + p1), "train");
  Dataset b = load_dataset(parse_data_source("npz:" + p2), "train");
  EXPECT_EQ(a.images.shape, (std::vector<int64_t>{n, c, h, w}));
  EXPECT_EQ(b.images.shape, a.images.shape);
  EXPECT_EQ(a.classes, 3);
  EXPECT_EQ(a.labels, b.labels);
  for (size_t k = 0; k < a.images.data.size(); ++k) ASSERT_NEAR(a.images.data[k], b.images.data[k], 1e-5) << k;
  EXPECT_EQ(load_dataset(parse_data_source("npz:" + p2), "test").size(), 2);
  // Errors name the file and the array.
  write_npz_atomic(p2, {{"x_train", f}, {"y_train", NdArray({3}, {0, 1, 2})}, {"x_test", xt}, {"y_test", yt}});
  EXPECT_NE(error_of([&] {
              load_dataset(parse_data_source("npz:" + p2), "train");
            }).find("'y_train' has 3 labels for 4 images"),
            std::string::npos);
  write_npz_atomic(p2, {{"x_train", f}, {"y_train", NdArray({n}, {0, 1, -2, 1})}, {"x_test", xt}, {"y_test", yt}});
  EXPECT_NE(error_of([&] { load_dataset(parse_data_source("npz:" + p2), "train"); }).find("is not a label"),
            std::string::npos);
  write_npz_atomic(p2, {{"x_train", f}, {"y_train", y}, {"x_test", NdArray({2, c, h, w + 1})}, {"y_test", yt}});
  EXPECT_NE(error_of([&] { load_dataset(parse_data_source("npz:" + p2), "train"); }).find("but x_test images are"),
            std::string::npos);
  write_npz_atomic(p2, {{"x_train", f}, {"y_train", y}, {"y_test", yt}});
  EXPECT_NE(error_of([&] { load_dataset(parse_data_source("npz:" + p2), "test"); }).find("no array 'x_test'"),
            std::string::npos);
  write_npz_atomic(p2, {{"x_train", f}, {"y_train", y}, {"x_test", xt}, {"y_test", yt}, {"extra", yt}});
  EXPECT_NE(error_of([&] { load_dataset(parse_data_source("npz:" + p2), "test"); }).find("unknown array 'extra'"),
            std::string::npos);
}

// A pre-activation batchnorm (after a concat, as in DenseNet) has no conv to fold into:
// it stays in the network (applied digitally); the batchnorm after a conv is folded.
TEST(Network, PreActivationBatchnormStaysWhenNothingToFoldInto) {
  Network n = network_from_json(json::parse(R"({"name": "dense", "input": {"channels": 2, "height": 6, "width": 6},
    "layers": [{"name": "c1", "type": "conv", "out_channels": 4, "kernel": 3, "padding": 1},
               {"name": "bn1", "type": "batchnorm"},
               {"name": "c2", "type": "conv", "out_channels": 4, "kernel": 3, "padding": 1, "input": "bn1"},
               {"name": "cat", "type": "concat", "inputs": ["bn1", "c2"]},
               {"name": "bn2", "type": "batchnorm"},
               {"name": "r", "type": "relu"},
               {"name": "c3", "type": "conv", "out_channels": 3, "kernel": 1}]})"),
                                "dense.json");
  randomize_weights(n, 5);
  n.fold_batchnorm();
  EXPECT_EQ(n.index_of("bn1"), -1);  // folded into c1 (its only consumer is bn1)
  ASSERT_GE(n.index_of("bn2"), 0);   // after the concat: kept
  EXPECT_EQ(n.layer("bn2").inputs[0], "cat");
  EXPECT_EQ(n.layer("cat").inputs[0], "c1");
}
