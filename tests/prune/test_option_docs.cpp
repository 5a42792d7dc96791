// The option tables of the docs are the code's: docs/pruning.md's pruning options and
// docs/data.md's training options equal options_markdown() of the tables, so a new or
// changed option cannot leave the docs behind.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "pruning/prune/prune.h"

namespace reram {
namespace {

// The text between "<!-- NAME: ... -->\n" and "<!-- /NAME -->" of a doc.
std::string generated_block(const std::string& doc, const std::string& name) {
  std::ifstream in(std::string(RERAM_SOURCE_DIR) + "/" + doc);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const size_t b = text.find("<!-- " + name + ":"), e = text.find("<!-- /" + name + " -->");
  if (b == std::string::npos || e == std::string::npos) return "markers of " + name + " missing in " + doc;
  const size_t start = text.find("-->\n", b) + 4;
  return text.substr(start, e - start);
}

TEST(OptionDocs, PruningOptionsTableIsGenerated) {
  EXPECT_EQ(generated_block("docs/pruning.md", "prune-options"), options_markdown(prune_options(), PruneOptions()))
      << "regenerate it with: build/reram models --options prune";
}

TEST(OptionDocs, TrainingOptionsTableIsGenerated) {
  EXPECT_EQ(generated_block("docs/data.md", "train-options"), options_markdown(train_options(), TrainOptions()))
      << "regenerate it with: build/reram models --options train";
}

}  // namespace
}  // namespace reram
