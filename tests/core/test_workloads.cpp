// Every bundled network description (workloads/**/*.json) loads, infers shapes down
// to [classes], and matches an independent PyTorch model: torchvision for the
// ImageNet networks, the reference definitions in scripts/check_workloads.py for
// CIFAR-10. The PyTorch side needs /usr/bin/python3 with torch; without it those
// tests are skipped with a message.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "pruning/core/json_util.h"
#include "pruning/graph/network.h"

namespace fs = std::filesystem;

namespace {

const std::string kRoot = RERAM_SOURCE_DIR;
const std::string kPython = "/usr/bin/python3";

// Relative paths ("imagenet/resnet50.json") of every JSON under workloads/ that is a
// network description. A file that does not parse is kept, so that it fails loudly.
std::vector<std::string> find_workloads() {
  std::vector<std::string> out;
  const fs::path base = fs::path(kRoot) / "workloads";
  if (!fs::exists(base)) return out;
  for (const auto& e : fs::recursive_directory_iterator(base)) {
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;
    std::ifstream f(e.path());
    reram::json j = reram::json::parse(f, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || (j.is_object() && j.contains("layers")))
      out.push_back(fs::relative(e.path(), base).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string abs_path(const std::string& rel) { return kRoot + "/workloads/" + rel; }

// Output classes of a data set, by the directory the network sits in.
int64_t classes_for(const std::string& rel) {
  const std::string dir = rel.substr(0, rel.find('/'));
  if (dir == "cifar10" || dir == "fmnist") return 10;
  if (dir == "imagenet") return 1000;
  if (dir == "glue") return 2;  // BERT-base with a binary head (SST-2-like)
  return -1;
}

struct RunResult {
  int status = -1;  // exit status, -1 when the process did not exit normally
  std::string out;  // stdout
};

RunResult run(const std::string& cmd) {
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

std::string checker(const std::string& mode, const std::string& json_path, const std::string& extra = "") {
  return kPython + " " + quote(kRoot + "/scripts/check_workloads.py") + " " + mode + " " + quote(json_path) +
         (extra.empty() ? "" : " " + extra);
}

// The checker's exit codes 2 (no torch) and 3 (no reference model) are skips.
bool skip_reason(const RunResult& r, const std::string& rel, std::string* why) {
  if (r.status == 2)
    *why = "torch/torchvision not importable by " + kPython + "; PyTorch cross-check skipped";
  else if (r.status == 3)
    *why = "no independent reference model for " + rel;
  else
    return false;
  return true;
}

// RunResult R = run(COMMAND), or a skip of the test (with the reason) when the checker says
// it cannot check REL here.
#define RUN_CHECKER_OR_SKIP(R, REL, COMMAND)          \
  RunResult R = run(COMMAND);                         \
  if (std::string why_; skip_reason(R, REL, &why_)) { \
    GTEST_SKIP() << why_;                             \
  }

using Row = std::pair<int64_t, int64_t>;  // (weight elements, MACs) of one conv/linear layer

// Empty when the network's counts equal the reference's, else what differs.
std::string compare_counts(const reram::Network& net, const reram::json& ref) {
  std::ostringstream d;
  if (net.weight_count() != ref.at("weight_count").get<int64_t>())
    d << "weight_count " << net.weight_count() << " vs reference " << ref.at("weight_count") << "; ";
  if (net.macs() != ref.at("macs").get<int64_t>())
    d << "macs " << net.macs() << " vs reference " << ref.at("macs") << "; ";
  if (net.layers.back().out_shape.numel() != ref.at("classes").get<int64_t>())
    d << "classes " << net.layers.back().out_shape.numel() << " vs reference " << ref.at("classes") << "; ";
  // Per layer, as multisets: module registration order in PyTorch need not be the
  // topological order of the JSON (a projection shortcut may be registered last).
  std::vector<Row> mine, theirs;
  for (int i : net.weight_layer_indices()) {
    const auto& L = net.layers[static_cast<size_t>(i)];
    int64_t w = 1;
    for (auto e : L.weight_shape()) w *= e;
    mine.emplace_back(w, L.macs());
  }
  for (const auto& r : ref.at("layers")) theirs.emplace_back(r.at(0).get<int64_t>(), r.at(1).get<int64_t>());
  std::sort(mine.begin(), mine.end());
  std::sort(theirs.begin(), theirs.end());
  if (mine != theirs)
    d << "per-layer (weights, macs) differ: " << mine.size() << " weight layers vs reference " << theirs.size();
  return d.str();
}

class Workload : public ::testing::TestWithParam<std::string> {};

TEST_P(Workload, LoadsAndInfersToClassVector) {
  const std::string rel = GetParam();
  const int64_t classes = classes_for(rel);
  ASSERT_GT(classes, 0) << rel << ": unknown data-set directory; add it to classes_for()";
  reram::Network net = reram::load_network(abs_path(rel));
  ASSERT_FALSE(net.layers.empty());
  const reram::Shape out = net.layers.back().out_shape;
  EXPECT_TRUE(out.flat) << rel << ": output is " << out.str();
  EXPECT_EQ(out.numel(), classes) << rel << ": output is " << out.str();
  EXPECT_FALSE(net.weight_layer_indices().empty()) << rel;

  // Inference use folds batchnorm and drops dropout; crossbar counts must not change.
  const int64_t w = net.weight_count(), m = net.macs();
  net.fold_batchnorm();
  net.remove_inference_noops();
  net.infer_shapes();
  for (const auto& L : net.layers) {
    EXPECT_NE(L.kind, reram::LayerKind::BatchNorm) << rel << ": " << L.name << " not folded";
    EXPECT_NE(L.kind, reram::LayerKind::Dropout) << rel << ": " << L.name << " not removed";
  }
  EXPECT_EQ(net.weight_count(), w);
  EXPECT_EQ(net.macs(), m);
  EXPECT_EQ(net.layers.back().out_shape.numel(), classes);
}

TEST_P(Workload, CountsMatchPytorchReference) {
  const std::string rel = GetParam();
  RUN_CHECKER_OR_SKIP(r, rel, checker("reference", abs_path(rel)));
  ASSERT_EQ(r.status, 0) << "check_workloads.py reference failed for " << rel;
  reram::json ref = reram::json::parse(r.out);
  reram::Network net = reram::load_network(abs_path(rel));
  EXPECT_EQ(compare_counts(net, ref), "") << rel;
}

TEST_P(Workload, ForwardMatchesPytorchReference) {
  const std::string rel = GetParam();
  RUN_CHECKER_OR_SKIP(r, rel, checker("forward", abs_path(rel)));
  EXPECT_EQ(r.status, 0) << rel << ": " << r.out;
}

// Layer names follow the reference's module names, so its state_dict is a weights file.
TEST_P(Workload, ReferenceStateDictLoadsAsWeights) {
  const std::string rel = GetParam();
  reram::Network net = reram::load_network(abs_path(rel));
  // Beyond ~15 M float32 weights the npz is 60+ MB and slow to write: the name match of
  // the big networks is covered by ForwardMatchesPytorchReference instead.
  if (net.weight_count() > 15'000'000) GTEST_SKIP() << rel << ": too large for a quick npz round trip";
  const fs::path npz = fs::temp_directory_path() / ("reram_workload_sd_" + std::to_string(::getpid()) + ".npz");
  RUN_CHECKER_OR_SKIP(r, rel, checker("export-npz", abs_path(rel), "--out " + quote(npz.string())));
  ASSERT_EQ(r.status, 0);
  EXPECT_NO_THROW(reram::load_weights_npz(net, npz.string())) << rel;
  fs::remove(npz);
  EXPECT_TRUE(net.has_weights()) << rel;
  // Folding with real statistics must keep the graph consistent.
  EXPECT_NO_THROW(net.fold_batchnorm()) << rel;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param.substr(0, info.param.size() - 5);  // drop ".json"
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Bundled, Workload, ::testing::ValuesIn(find_workloads()), test_name);

TEST(Workloads, AllPublishedNetworksAreBundled) {
  const auto all = find_workloads();
  for (const char* want :
       {"cifar10/vgg8.json", "cifar10/resnet20.json", "cifar10/resnet18.json", "imagenet/alexnet.json",
        "imagenet/vgg16.json", "imagenet/resnet18.json", "imagenet/resnet50.json", "imagenet/mobilenetv2.json"})
    EXPECT_NE(std::find(all.begin(), all.end(), want), all.end()) << want << " missing";
}

TEST(Workloads, CommittedFilesEqualGeneratorOutput) {
  RunResult r = run(kPython + " " + quote(kRoot + "/scripts/gen_workloads.py") + " --check");
  EXPECT_EQ(r.status, 0) << r.out;
}

// The cross-checks must be able to fail: a network one change away from the
// reference is caught by both.
class MutatedWorkload : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() / ("reram_workload_" + std::to_string(::getpid()) + ".json");
    spec_ = reram::load_json_file(abs_path("cifar10/resnet20.json"));
  }
  void TearDown() override { fs::remove(tmp_); }
  void write() { reram::write_json_atomic(tmp_.string(), spec_); }
  reram::json& layer(const std::string& name) {
    for (auto& l : spec_["layers"])
      if (l["name"] == name) return l;
    throw std::runtime_error("no layer " + name);
  }
  fs::path tmp_;
  reram::json spec_;
};

// The forward check on the mutated spec must fail (exit 1).
#define EXPECT_FORWARD_CHECK_FAILS(TMP)                                                              \
  do {                                                                                               \
    RUN_CHECKER_OR_SKIP(r, "cifar10/resnet20", checker("forward", TMP, "--model cifar10/resnet20")); \
    EXPECT_EQ(r.status, 1) << r.out;                                                                 \
  } while (0)

TEST_F(MutatedWorkload, ForwardCheckCatchesAMissingRelu) {
  auto& ls = spec_["layers"];
  ls.erase(std::remove_if(ls.begin(), ls.end(), [](const reram::json& l) { return l["name"] == "layer2.1.relu1"; }),
           ls.end());
  write();
  EXPECT_FORWARD_CHECK_FAILS(tmp_.string());
}

TEST_F(MutatedWorkload, ForwardCheckCatchesAMiswiredShortcut) {
  layer("layer1.1.add")["inputs"] = {"layer1.1.bn2", "relu"};  // skips one block too far back
  write();
  EXPECT_FORWARD_CHECK_FAILS(tmp_.string());
}

TEST_F(MutatedWorkload, CountCheckCatchesAChangedKernel) {
  // Same weight-layer count and output, one conv 3x3 -> 5x5 (padding 2 keeps the shape).
  layer("layer3.2.conv1")["kernel"] = 5;
  layer("layer3.2.conv1")["padding"] = 2;
  write();
  RUN_CHECKER_OR_SKIP(r, "cifar10/resnet20", checker("reference", abs_path("cifar10/resnet20.json")));
  ASSERT_EQ(r.status, 0);
  reram::Network net = reram::load_network(tmp_.string());
  EXPECT_NE(compare_counts(net, reram::json::parse(r.out)), "");
}

}  // namespace
