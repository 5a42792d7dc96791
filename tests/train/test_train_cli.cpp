// End-to-end tests of `reram train`: a short run on a Fashion-MNIST subset writes weights
// that load back into the network and a report with per-epoch stats; bad options fail
// with a one-line error.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "pruning/core/dataset.h"
#include "pruning/core/json_util.h"
#include "pruning/graph/network.h"

namespace reram {
namespace {

bool have_fmnist() {
  std::string dir = resolve_dataset_dir("fashion-mnist");
  struct stat st;
  return ::stat((dir + "/t10k-labels-idx1-ubyte.gz").c_str(), &st) == 0 ||
         ::stat((dir + "/t10k-labels-idx1-ubyte").c_str(), &st) == 0;
}

struct TmpDir {
  std::string path;
  TmpDir() {
    char tmpl[] = "/tmp/reram_train_cli_XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TmpDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

// Runs a shell command; returns the exit status and captures stdout+stderr.
int run(const std::string& cmd, std::string& output) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  output.clear();
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) output.append(buf, n);
  int st = ::pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

const char* kNet = R"({"name": "cli_tiny", "input": {"channels": 1, "height": 28, "width": 28}, "layers": [
  {"name": "conv1", "type": "conv", "out_channels": 4, "kernel": 5, "stride": 2, "padding": 2},
  {"name": "bn1", "type": "batchnorm"},
  {"name": "relu1", "type": "relu"},
  {"name": "pool1", "type": "maxpool", "kernel": 2, "stride": 2},
  {"name": "flat", "type": "flatten"},
  {"name": "fc1", "type": "linear", "out_features": 10}]})";

TEST(TrainCli, ShortRunWritesWeightsAndReport) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  TmpDir tmp;
  std::ofstream(tmp.path + "/net.json") << kNet;
  std::string out;
  std::string base = std::string(RERAM_BINARY) + " train --network " + tmp.path +
                     "/net.json --data fashion-mnist --train-limit 300 --test-limit 200 --threads 1 --quiet";
  int rc = run(base + " --epochs 2 --batch-size 50 --lr 0.05 --schedule step --step-size 1 --gamma 0.5 --seed 5 -o " +
                   tmp.path + "/w.npz --report " + tmp.path + "/r.json",
               out);
  ASSERT_EQ(rc, 0) << out;
  json r = load_json_file(tmp.path + "/r.json");
  EXPECT_FALSE(r.at("reram_version").get<std::string>().empty());
  EXPECT_EQ(r.at("train_size").get<int>(), 300);
  EXPECT_EQ(r.at("test_size").get<int>(), 200);
  EXPECT_EQ(r.at("options").at("schedule").get<std::string>(), "step");
  EXPECT_EQ(r.at("options").at("seed").get<int>(), 5);
  ASSERT_EQ(r.at("epochs").size(), 2u);
  double acc = r.at("final_test_accuracy").get<double>();
  EXPECT_DOUBLE_EQ(acc, r.at("epochs")[1].at("test_accuracy").get<double>());
  EXPECT_GT(acc, 0.2);  // chance is 0.1

  // The weights load back into the network (shapes checked by the loader) and, evaluated
  // with --epochs 0, reproduce the reported test accuracy.
  Network net = network_from_json(json::parse(kNet), "net.json");
  load_weights_npz(net, tmp.path + "/w.npz");
  EXPECT_TRUE(net.has_weights());
  EXPECT_TRUE(net.layers[net.index_of("bn1")].params.count("running_var"));
  rc = run(base + " --epochs 0 --weights " + tmp.path + "/w.npz -o " + tmp.path + "/w0.npz --report " + tmp.path +
               "/r0.json",
           out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_DOUBLE_EQ(load_json_file(tmp.path + "/r0.json").at("final_test_accuracy").get<double>(), acc);
}

TEST(TrainCli, BadOptionsAreOneLineErrors) {
  TmpDir tmp;
  std::ofstream(tmp.path + "/net.json") << kNet;
  std::string out;
  std::string base = std::string(RERAM_BINARY) + " train --network " + tmp.path + "/net.json -o " + tmp.path + "/w.npz";
  EXPECT_NE(run(base + " --optimizer rmsprop --train-limit 10 --test-limit 10", out), 0);
  EXPECT_NE(out.find("rmsprop"), std::string::npos) << out;
  EXPECT_NE(run(base + " --schedule linear --train-limit 10 --test-limit 10", out), 0);
  EXPECT_NE(out.find("linear"), std::string::npos) << out;
  EXPECT_NE(run(base + " --data /nonexistent/dir", out), 0);
  EXPECT_NE(out.find("/nonexistent/dir"), std::string::npos) << out;
  struct stat st;
  EXPECT_NE(::stat((tmp.path + "/w.npz").c_str(), &st), 0);  // nothing written on failure
}

}  // namespace
}  // namespace reram
