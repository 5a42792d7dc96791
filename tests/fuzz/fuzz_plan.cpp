// Sweep plan (`reram sweep plan.json`): the bytes are the plan, parsed and expanded into its
// points. It sits in a scratch copy of the layout of workloads/sweeps/ (links to the
// repository's workloads and arch_configs) so that the shipped plans' relative paths resolve.
#include <filesystem>

#include "sweep/plan.h"
#include "tests/fuzz/fuzz_util.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reram;
  static const bool linked = [] {
    const fs::path src(RERAM_SOURCE_DIR), d(fuzz::scratch_dir());
    fs::create_directories(d / "w" / "sweeps");  // w/ stands for workloads/
    for (const char* w : {"fmnist", "cifar10", "imagenet"})
      fs::create_directory_symlink(src / "workloads" / w, d / "w" / w);
    fs::create_directory_symlink(src / "arch_configs", d / "arch_configs");
    return true;
  }();
  (void)linked;
  const std::string path = fuzz::write_scratch("w/sweeps/plan.json", {reinterpret_cast<const char*>(data), size});
  fuzz::expect_value_or_error([&] {
    sweep::Plan plan = sweep::load_plan(path);
    sweep::expand_plan(plan);
  });
  return 0;
}
