// The option tables (pruning/core/option_table.h): reading, checking and writing options
// from one row per option.
#include <gtest/gtest.h>

#include "pruning/core/option_table.h"
#include "tests/common/error_of.h"

using namespace reram;

namespace {

struct Opts {
  int n = 3;
  double rate = 0.5;
  std::string mode = "a";
  bool flag = false;
  std::vector<int> steps;
  uint64_t seed = 1;
};

const std::vector<Option<Opts>>& table() {
  static const std::vector<Option<Opts>> rows = {
      option("n", &Opts::n, "count").at_least(1),
      option("rate", &Opts::rate, "rate").above(0).at_most(1),
      option("mode", &Opts::mode, "mode").one_of({"a", "b"}),
      option("flag", &Opts::flag, "switch"),
      option("steps", &Opts::steps, "epochs"),
      option("seed", &Opts::seed, "seed"),
  };
  return rows;
}

TEST(OptionTable, RowsKnowTheirFlagTypeAndConstraint) {
  EXPECT_EQ(table()[0].type, OptionType::Int);
  EXPECT_EQ(table()[1].type, OptionType::Double);
  EXPECT_EQ(table()[4].type, OptionType::IntList);
  EXPECT_EQ(option("batch_size", &Opts::n, "").flag(), "--batch-size");
  EXPECT_EQ(table()[0].constraint(), ">= 1");
  EXPECT_EQ(table()[1].constraint(), "> 0, <= 1");
  EXPECT_EQ(option("k", &Opts::n, "").at_least(0).at_most(16).constraint(), "0…16");
  EXPECT_EQ(table()[2].constraint(), "a | b");
  EXPECT_EQ(table()[3].constraint(), "");
}

TEST(OptionTable, JsonRoundTrip) {
  Opts o;
  json j = options_json(table(), o);
  EXPECT_EQ(j.dump(), R"({"flag":false,"mode":"a","n":3,"rate":0.5,"seed":1,"steps":[]})");
  Opts p;
  options_from_json(table(), p, json{{"n", 7}, {"rate", 1}, {"mode", "b"}, {"flag", true}, {"steps", {2, 5}}}, "f.json",
                    "");
  EXPECT_EQ(p.n, 7);
  EXPECT_EQ(p.rate, 1.0);  // an integer is a number
  EXPECT_EQ(p.mode, "b");
  EXPECT_TRUE(p.flag);
  EXPECT_EQ(p.steps, (std::vector<int>{2, 5}));
  options_from_json(table(), o, options_json(table(), p), "f.json", "");
  EXPECT_EQ(options_json(table(), o), options_json(table(), p));
}

TEST(OptionTable, KeptKeysStayAndBadInputNamesFileAndKey) {
  Opts o;
  options_from_json(table(), o, json{{"n", 9}, {"mode", "b"}}, "r.json", "train.",
                    [](const std::string& k) { return k == "n"; });
  EXPECT_EQ(o.n, 3);
  EXPECT_EQ(o.mode, "b");
  test::expect_mentions(test::error_of([&] {
                          options_from_json(table(), o, json{{"lr_max", 1}}, "r.json", "train.");
                        }),
                        {"r.json", "unknown option 'train.lr_max'"});
  for (const json& bad : {json{{"n", 1.5}}, json{{"n", "3"}}, json{{"flag", 1}}, json{{"steps", {1.5}}},
                          json{{"seed", -1}}, json{{"mode", 2}}})
    test::expect_mentions(test::error_of([&] { options_from_json(table(), o, bad, "r.json", "train."); }),
                          {"r.json", "has the wrong type"});
  EXPECT_NE(test::error_of([&] { options_from_json(table(), o, json::array(), "r.json", "train."); }).find("object"),
            std::string::npos);
}

TEST(OptionTable, ChecksNameTheFlagAndTheRange) {
  Opts o;
  EXPECT_NO_THROW(check_option_values(table(), o));
  o.n = 0;
  test::expect_mentions(test::error_of<ConfigError>([&] { check_option_values(table(), o); }),
                        {"--n must be >= 1, got 0"});
  o.n = 1;
  o.rate = 0;  // open at 0
  test::expect_mentions(test::error_of<ConfigError>([&] { check_option_values(table(), o); }),
                        {"--rate must be > 0, <= 1, got 0"});
  o.rate = 1;  // closed at 1
  EXPECT_NO_THROW(check_option_values(table(), o));
  o.mode = "c";
  test::expect_mentions(test::error_of<ConfigError>([&] { check_option_values(table(), o); }),
                        {"--mode: unknown value \"c\" (a | b)"});
}

}  // namespace

namespace {

TEST(OptionTable, IntegersOutOfTheMemberRangeAreWrongTypes) {
  Opts o;
  for (const json& bad : {json{{"n", 3000000000LL}}, json{{"n", -3000000000LL}}})
    reram::test::expect_mentions(reram::test::error_of([&] { options_from_json(table(), o, bad, "r.json", ""); }),
                                 {"'n' has the wrong type"});
  options_from_json(table(), o, json{{"seed", 12345678901234ULL}}, "r.json", "");
  EXPECT_EQ(o.seed, 12345678901234ULL);
}

}  // namespace
