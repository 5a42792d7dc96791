// Plan parsing and point expansion.
#include <gtest/gtest.h>

#include <filesystem>

#include "pruning/arch/arch_config.h"
#include "sweep/engine.h"
#include "sweep/hash.h"
#include "sweep/plan.h"

using namespace reram;
using namespace reram::sweep;

namespace {

json base_plan() {
  return json{{"network", std::string(RERAM_SOURCE_DIR) + "/workloads/fmnist/lenet5.json"},
              {"arch", std::string(RERAM_SOURCE_DIR) + "/arch_configs/default.json"}};
}

}  // namespace

TEST(SweepPlan, CartesianProductLastAxisFastest) {
  json j = base_plan();
  j["axes"] = json::array(
      {{{"key", "crossbar.rows"}, {"values", {32, 64, 128}}}, {{"key", "precision.adc_bits"}, {"values", {4, 8}}}});
  Plan p = plan_from_json(j, "");
  auto pts = expand_plan(p);
  ASSERT_EQ(pts.size(), 6u);
  EXPECT_EQ(pts[0].label(), "crossbar.rows=32 precision.adc_bits=4");
  EXPECT_EQ(pts[1].label(), "crossbar.rows=32 precision.adc_bits=8");
  EXPECT_EQ(pts[5].label(), "crossbar.rows=128 precision.adc_bits=8");
  EXPECT_EQ(pts[3].arch_set, (std::vector<std::string>{"crossbar.rows=64", "precision.adc_bits=8"}));
  for (size_t i = 0; i < pts.size(); ++i) EXPECT_EQ(pts[i].index, static_cast<int>(i));
  EXPECT_TRUE(pts[0].dense());
}

TEST(SweepPlan, CompoundAspectAxisAndShapeSugar) {
  json j = base_plan();
  j["set"] = {"chip.tiles=\"auto\""};
  j["axes"] = json::array({{{"name", "aspect"},
                            {"values",
                             {{{"label", "64x256"}, {"crossbar.rows", 64}, {"crossbar.cols", 256}},
                              {{"crossbar.rows", 256}, {"crossbar.cols", 64}}}}},
                           {{"key", "crossbar.shape"}, {"values", {"32x16"}}}});
  j["product"] = false;
  j["points"] = json::array({{{"crossbar.shape", "32x512"}}});
  Plan p = plan_from_json(j, "");
  ASSERT_EQ(p.axes[0].labels[0], "64x256");
  EXPECT_EQ(p.axes[0].labels[1], "crossbar.cols=64,crossbar.rows=256");
  auto pts = expand_plan(p);
  ASSERT_EQ(pts.size(), 1u);  // product off: only the explicit point
  EXPECT_EQ(pts[0].arch_set,
            (std::vector<std::string>{"chip.tiles=\"auto\"", "crossbar.rows=32", "crossbar.cols=512"}));
  j["product"] = true;
  pts = expand_plan(plan_from_json(j, ""));
  ASSERT_EQ(pts.size(), 3u);
  // Two axes both set rows: product with the shape axis would set crossbar.rows twice?
  // No: aspect sets crossbar.rows and the shape axis sets crossbar.shape -> both reach
  // arch_set; the later override wins, which the arch loader applies in order.
  EXPECT_EQ(pts[2].label(), "crossbar.shape=32x512");
}

TEST(SweepPlan, PruneNamespaceAndDenseBaseline) {
  json j = base_plan();
  j["prune"] = {{"optimizer", "magnitude"}, {"crossbar_budget", 0.5}};
  j["axes"] = json::array({{{"key", "prune.granularity"}, {"values", {"dense", "crossbar", "column"}}}});
  j["eval"] = {{"limit", 100}};
  auto pts = expand_plan(plan_from_json(j, ""));
  ASSERT_EQ(pts.size(), 3u);
  EXPECT_TRUE(pts[0].dense());
  EXPECT_FALSE(pts[1].dense());
  EXPECT_EQ(pts[2].prune["granularity"], "column");
  EXPECT_EQ(pts[2].prune["crossbar_budget"], 0.5);
  EXPECT_EQ(pts[2].eval["limit"], 100);
  EXPECT_TRUE(pts[2].arch_set.empty());
}

TEST(SweepPlan, ErrorsNameTheProblem) {
  auto err = [](json j) -> std::string {
    try {
      expand_plan(plan_from_json(j, "p.json"));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  json j = base_plan();
  j["axis"] = json::array();
  EXPECT_NE(err(j).find("axis"), std::string::npos);
  j = base_plan();
  j["axes"] = json::array({{{"key", "crossbar.rows"}, {"name", "x"}, {"values", {1}}}});
  EXPECT_NE(err(j).find("exactly one"), std::string::npos);
  j["axes"] = json::array({{{"key", "crossbar.shape"}, {"values", {"64by64"}}}});
  EXPECT_NE(err(j).find("ROWSxCOLS"), std::string::npos);
  j["axes"] = json::array({{{"key", "rows"}, {"values", {64}}}});
  EXPECT_NE(err(j).find("\"rows\""), std::string::npos);
  j["axes"] = json::array({{{"key", "crossbar.rows"}, {"values", json::array()}}});
  EXPECT_NE(err(j).find("non-empty"), std::string::npos);
  j["axes"] = json::array(
      {{{"key", "crossbar.rows"}, {"values", {64}}}, {{"name", "a"}, {"values", {{{"crossbar.rows", 32}}}}}});
  EXPECT_NE(err(j).find("given twice"), std::string::npos);
  j = base_plan();
  j.erase("arch");
  EXPECT_NE(err(j).find("arch"), std::string::npos);
  j = base_plan();
  j["product"] = false;
  EXPECT_NE(err(j).find("no points"), std::string::npos);
}

TEST(SweepPlan, RelativePathsResolveAgainstThePlanFile) {
  json j = {{"network", "../fmnist/lenet5.json"}, {"arch", "../../arch_configs/default.json"}};
  Plan p = plan_from_json(j, std::string(RERAM_SOURCE_DIR) + "/workloads/sweeps/x.json");
  EXPECT_EQ(p.network, std::string(RERAM_SOURCE_DIR) + "/workloads/fmnist/lenet5.json");
  EXPECT_EQ(p.arch, std::string(RERAM_SOURCE_DIR) + "/arch_configs/default.json");
}

TEST(SweepHash, EqualContentEqualHashOrderOfKeysIrrelevant) {
  json a = {{"x", 1}, {"y", {1, 2}}};
  json b = json::parse(R"({"y":[1,2],"x":1})");
  EXPECT_EQ(hash_json(a), hash_json(b));
  EXPECT_NE(hash_json(a), hash_json(json{{"x", 2}, {"y", {1, 2}}}));
  EXPECT_EQ(hash_json(a).size(), 16u);
  // Length prefixing: concatenations that spell the same bytes differ.
  EXPECT_NE(Hasher().add("ab").add("c").hex(), Hasher().add("a").add("bc").hex());
}

TEST(SweepFlags, OptionsBecomeCliFlags) {
  json o = {{"crossbar_budget", 0.5},
            {"granularity", "column"},
            {"finetune", true},
            {"skip", false},
            {"exclude", {"conv1", "fc3"}}};
  auto f = options_to_flags(o);
  std::vector<std::string> want = {"--crossbar-budget", "0.5",           "--exclude", "conv1", "--exclude", "fc3",
                                   "--finetune",        "--granularity", "column"};
  EXPECT_EQ(f, want);
}

TEST(SweepCsv, QuotesAndUnionOfColumns) {
  json rows = json::array({{{"index", 0},
                            {"point_id", "a"},
                            {"status", "ok"},
                            {"label", "x=1"},
                            {"energy_pj", 1.5},
                            {"crossbar.rows", 64},
                            {"error", ""}},
                           {{"index", 1},
                            {"point_id", "b"},
                            {"status", "failed"},
                            {"label", "x=2"},
                            {"error", "bad, \"very\""},
                            {"crossbar.rows", 32}}});
  std::string csv = rows_to_csv(rows);
  EXPECT_EQ(csv,
            "index,point_id,status,label,crossbar.rows,energy_pj,error\n"
            "0,a,ok,x=1,64,1.5,\n"
            "1,b,failed,x=2,32,,\"bad, \"\"very\"\"\"\n");
}

// Every shipped plan (design-space studies and the papers' reproduction packs) parses, its
// files exist and every point's arch overrides give a valid config.
TEST(SweepPlan, ShippedPlansResolve) {
  namespace fs = std::filesystem;
  int plans = 0;
  for (const char* dir : {"/workloads/sweeps", "/workloads/papers"})
    for (const auto& e : fs::recursive_directory_iterator(std::string(RERAM_SOURCE_DIR) + dir)) {
      if (e.path().extension() != ".json") continue;
      SCOPED_TRACE(e.path().string());
      ++plans;
      Plan p = load_plan(e.path().string());
      EXPECT_TRUE(fs::exists(p.network));
      EXPECT_TRUE(fs::exists(p.arch));
      if (!p.weights.empty()) {
        EXPECT_TRUE(fs::exists(p.weights));
      }
      const std::vector<Point> pts = expand_plan(p);
      EXPECT_FALSE(pts.empty());
      // Up to 100 points per plan, spread over it (the 1,000-point plan stays fast).
      const size_t step = std::max<size_t>(1, pts.size() / 100);
      for (size_t i = 0; i < pts.size(); i += step)
        EXPECT_NO_THROW(load_arch(p.arch, pts[i].arch_set)) << pts[i].label();
    }
  EXPECT_GE(plans, 18);
}
