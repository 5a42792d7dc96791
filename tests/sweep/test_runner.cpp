// The local runner on fake stage commands (shell one-liners standing in for `reram map`
// and `reram sim`): sharing of mappings across ADC points, failure isolation, resume.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "sweep/engine.h"

namespace fs = std::filesystem;
using namespace reram;
using namespace reram::sweep;

namespace {

std::string fresh_dir(const std::string& name) {
  std::string d = fs::temp_directory_path().string() + "/reram_test_sweep_" + name + "_" + std::to_string(getpid());
  fs::remove_all(d);
  return d;
}

Plan test_plan() {
  json j = {{"network", std::string(RERAM_SOURCE_DIR) + "/workloads/fmnist/lenet5.json"},
            {"arch", std::string(RERAM_SOURCE_DIR) + "/arch_configs/default.json"},
            {"axes", json::array({{{"key", "crossbar.rows"}, {"values", {64, 128}}},
                                  {{"key", "precision.adc_bits"}, {"values", {6, 8}}}})}};
  return plan_from_json(j, "");
}

std::string arg_after(const std::vector<std::string>& argv, const std::string& flag) {
  for (size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == flag) return argv[i + 1];
  return "";
}

// Fake stages: map writes a manifest whose crossbar count depends on the rows
// (1024 / rows occupied, 8 dense); sim writes energy = adc_bits * 10 pJ, and fails for
// rows 64 with adc_bits 6 when `fail` is set. Each invocation appends to a log.
CommandRewriter fake(const std::string& log, bool fail) {
  return [=](const StageTask& t, std::vector<std::string> argv) {
    json arch = load_json_file(arg_after(argv, "--arch"));
    int rows = arch["crossbar"]["rows"], adc = arch["precision"]["adc_bits"];
    std::string out = arg_after(argv, "-o");
    std::string script = "echo " + t.stage + " >> " + log + "; ";
    if (t.stage == "map") {
      json rep = {{"crossbars", 1024 / rows}, {"dense_crossbars", 8}, {"macs", 2500}};
      script += "echo '{}' > " + out + "; echo '" + rep.dump() + "' > " + arg_after(argv, "--report");
    } else {
      if (fail && rows == 64 && adc == 6)
        return std::vector<std::string>{"/bin/sh", "-c",
                                        script + "echo 'simulated failure: adc too coarse' >&2; exit 4"};
      // Same layout as a `reram sim` report (the parts the sweep reads).
      json s = {{"energy_pj", {{"total", adc * 10.0}, {"adc", adc * 3.0}, {"crossbar", 1.0}}},
                {"latency_ns", 1000.0},
                {"area_mm2", {{"total", 2.0}}},
                {"ops", 5000.0},
                {"components",
                 {{"adc", {{"dynamic_pj", adc * 3.0}, {"leakage_pj", adc * 1.0}}},
                  {"crossbar", {{"dynamic_pj", 1.0}, {"leakage_pj", 0.0}}}}}};
      script += "echo '" + s.dump() + "' > " + out;
    }
    return std::vector<std::string>{"/bin/sh", "-c", script};
  };
}

int count_lines(const std::string& path, const std::string& word) {
  std::ifstream in(path);
  std::string l;
  int n = 0;
  while (std::getline(in, l)) n += l == word;
  return n;
}

// A sweep into `dir` with `jobs` workers whose stages the tests fake (no real binary).
SweepOptions fake_options(const std::string& dir, int jobs) {
  SweepOptions o;
  o.out_dir = dir;
  o.jobs = jobs;
  o.progress = false;
  o.reram_binary = "/bin/false";
  return o;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh output directory `name`, its stage log (removed) and fake options with `jobs`.
struct FakeSweep {
  FakeSweep(const std::string& name, int jobs) : dir(fresh_dir(name)), log(dir + ".log"), o(fake_options(dir, jobs)) {
    fs::remove(log);
  }
  std::string dir, log;
  SweepOptions o;
};

// The test plan run locally with the fake stages (failing where `fail` says so).
RunSummary run_fake(const SweepOptions& o, const std::string& log, bool fail) {
  Sweep s(test_plan(), o);
  s.set_command_rewriter(fake(log, fail));
  s.prepare();
  return s.run_local();
}

}  // namespace

TEST(SweepRunner, SharesMappingsAcrossAdcPointsAndResumes) {
  FakeSweep f("share", 2);
  const std::string &dir = f.dir, &log = f.log;
  SweepOptions& o = f.o;
  {
    Sweep s(test_plan(), o);
    s.set_command_rewriter(fake(log, false));
    s.prepare();
    EXPECT_EQ(s.points().size(), 4u);
    RunSummary r = s.run_local();
    EXPECT_EQ(r.ok, 4);
    EXPECT_EQ(r.failed, 0);
    // Two crossbar sizes -> two mappings; four (rows, adc) -> four simulations.
    EXPECT_EQ(count_lines(log, "map"), 2);
    EXPECT_EQ(count_lines(log, "sim"), 4);
    EXPECT_EQ(r.tasks_run, 6);
  }
  json res = load_json_file(dir + "/results.json");
  ASSERT_EQ(res["rows"].size(), 4u);
  for (const auto& row : res["rows"]) {
    int rows = row["xbar_rows"], adc = row["adc_bits"];
    EXPECT_EQ(row["crossbar.rows"], rows);
    EXPECT_DOUBLE_EQ(row["occupied_crossbars"].get<double>(), 1024.0 / rows);
    EXPECT_DOUBLE_EQ(row["crossbar_compression"].get<double>(), 8.0 / (1024.0 / rows));
    EXPECT_DOUBLE_EQ(row["energy_pj"].get<double>(), adc * 10.0);
    EXPECT_DOUBLE_EQ(row["tops_per_w"].get<double>(), 5000.0 / (adc * 10.0));
    EXPECT_DOUBLE_EQ(row["edp_pj_ns"].get<double>(), adc * 10.0 * 1000.0);
    EXPECT_DOUBLE_EQ(row["peripheral_energy_share"].get<double>(), 0.4);
  }
  EXPECT_TRUE(fs::exists(dir + "/results.csv"));
  // Re-running does no work.
  {
    RunSummary r = run_fake(o, log, false);
    EXPECT_EQ(r.skipped, 4);
    EXPECT_EQ(r.tasks_run, 0);
    EXPECT_EQ(count_lines(log, "sim"), 4);
  }
  fs::remove_all(dir);
  fs::remove(log);
}

TEST(SweepRunner, FailedPointIsRecordedAndDoesNotStopOthers) {
  FakeSweep f("fail", 1);
  const std::string &dir = f.dir, &log = f.log;
  SweepOptions& o = f.o;
  RunSummary r = run_fake(o, log, true);
  EXPECT_EQ(r.ok, 3);
  EXPECT_EQ(r.failed, 1);
  json res = load_json_file(dir + "/results.json");
  int failed = 0;
  for (const auto& row : res["rows"])
    if (row["status"] == "failed") {
      ++failed;
      EXPECT_EQ(row["xbar_rows"], 64);
      EXPECT_EQ(row["adc_bits"], 6);
      EXPECT_NE(row["error"].get<std::string>().find("simulated failure"), std::string::npos);
      EXPECT_NE(row["error"].get<std::string>().find("status 4"), std::string::npos);
    }
  EXPECT_EQ(failed, 1);
  // Without --retry-failed the failure stands; with it (and the cause fixed) it is redone,
  // reusing the cached mapping.
  { EXPECT_EQ(run_fake(o, log, false).tasks_run, 0); }
  o.retry_failed = true;
  RunSummary r3 = run_fake(o, log, false);
  EXPECT_EQ(r3.ok, 1);
  EXPECT_EQ(r3.tasks_run, 1);
  EXPECT_EQ(r3.tasks_cached, 1);
  fs::remove_all(dir);
  fs::remove(log);
}

TEST(SweepRunner, UnresolvablePointFailsAloneAndAllBadIsAPlanError) {
  std::string dir = fresh_dir("bad");
  SweepOptions o;
  o.out_dir = dir;
  o.progress = false;
  o.reram_binary = "/bin/false";
  json j = {{"network", std::string(RERAM_SOURCE_DIR) + "/workloads/fmnist/lenet5.json"},
            {"arch", std::string(RERAM_SOURCE_DIR) + "/arch_configs/default.json"},
            {"axes", json::array({{{"key", "crossbar.rowz"}, {"values", {64}}}})}};
  Sweep bad(plan_from_json(j, ""), o);
  EXPECT_THROW(bad.prepare(), ConfigError);
  j["axes"] = json::array({{{"key", "crossbar.rows"}, {"values", {64, -5}}}});
  Sweep s(plan_from_json(j, ""), o);
  s.prepare();
  s.set_command_rewriter(fake(dir + ".log", false));
  RunSummary r = s.run_local();
  EXPECT_EQ(r.ok, 1);
  EXPECT_EQ(r.failed, 1);
  fs::remove_all(dir);
  fs::remove(dir + ".log");
}

// SIGKILL the sweep (no chance to clean up) after some points finished: those points
// keep their result files byte for byte, the re-run does only what is missing, and the
// stage directories the killed run left half-written are discarded.
TEST(SweepRunner, KilledSweepLosesNoFinishedPoint) {
  FakeSweep f("kill", 1);
  const std::string &dir = f.dir, &log = f.log;
  SweepOptions& o = f.o;
  auto slow = [=](const StageTask& t, std::vector<std::string> argv) {
    auto a = fake(log, false)(t, argv);
    a.back() = "sleep 0.3; " + a.back();
    return a;
  };
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Sweep s(test_plan(), o);
    s.set_command_rewriter(slow);
    s.prepare();
    s.run_local();
    _exit(0);
  }
  // Wait for two finished points, then kill.
  auto count_results = [&]() {
    int n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir + "/points", ec)) n += fs::exists(e.path() / "result.json");
    return n;
  };
  for (int i = 0; i < 600 && count_results() < 2; ++i) usleep(20000);
  kill(child, SIGKILL);
  int st = 0;
  waitpid(child, &st, 0);
  ASSERT_TRUE(WIFSIGNALED(st));
  usleep(100000);  // the stage child dies of PDEATHSIG
  std::map<std::string, std::string> before;
  for (const auto& e : fs::directory_iterator(dir + "/points"))
    if (fs::exists(e.path() / "result.json")) before[e.path().string()] = read_all((e.path() / "result.json").string());
  ASSERT_GE(before.size(), 2u);
  ASSERT_LT(before.size(), 4u) << "the sweep finished before it was killed";

  RunSummary r = run_fake(o, log, false);
  EXPECT_EQ(r.skipped, static_cast<int>(before.size()));
  EXPECT_EQ(r.ok, 4 - static_cast<int>(before.size()));
  EXPECT_EQ(r.failed, 0);
  for (const auto& [path, text] : before) EXPECT_EQ(read_all(path + "/result.json"), text) << path;
  json res = load_json_file(dir + "/results.json");
  ASSERT_EQ(res["rows"].size(), 4u);
  for (const auto& row : res["rows"]) EXPECT_EQ(row["status"], "ok");
  for (const char* st2 : {"map", "sim"})
    for (const auto& e : fs::directory_iterator(dir + "/cache/" + st2))
      EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  fs::remove_all(dir);
  fs::remove(log);
}
