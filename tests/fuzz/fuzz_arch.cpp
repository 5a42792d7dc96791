// Arch config (`--arch a.json`) with `--set` overrides: part 0 is the config, part 1 (optional)
// one override per line. The scratch directory holds a copy of arch_configs/technology/ so
// that {"include": "technology/..."} sections resolve as they do for the shipped configs.
#include <filesystem>

#include "pruning/arch/arch_config.h"
#include "tests/fuzz/fuzz_util.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reram;
  static const bool copied = [] {
    fs::copy(fs::path(RERAM_SOURCE_DIR) / "arch_configs" / "technology", fuzz::scratch_dir() + "/technology",
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    return true;
  }();
  (void)copied;
  const auto parts = fuzz::split_parts(data, size);
  const std::string path = fuzz::write_scratch("arch.json", parts[0]);
  std::vector<std::string> overrides;
  if (parts.size() > 1) {
    std::string line;
    for (char c : parts[1]) {
      if (c == '\n') {
        overrides.push_back(line);
        line.clear();
      } else {
        line += c;
      }
    }
    if (!line.empty()) overrides.push_back(line);
  }
  fuzz::expect_value_or_error([&] { load_arch(path, overrides); });
  return 0;
}
