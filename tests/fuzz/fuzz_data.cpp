// Data sets (`--data`): part 0 names the format ("idx", "cifar10", "cifar100" or "npz"),
// the next parts are its files: idx: train images, train labels, test images, test labels;
// cifar10: a training batch (written as data_batch_1..5) and test_batch; cifar100: train.bin
// and test.bin; npz: the archive. Both splits are loaded.
#include <filesystem>

#include "pruning/core/dataset.h"
#include "tests/fuzz/fuzz_util.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reram;
  const auto parts = fuzz::split_parts(data, size);
  auto part = [&](size_t i) -> std::string_view { return i < parts.size() ? std::string_view(parts[i]) : ""; };
  const std::string kind = parts[0];
  const std::string dir = fuzz::scratch_dir() + "/data";
  fs::remove_all(dir);
  fs::create_directory(dir);
  std::string spec;
  if (kind == "idx") {
    const char* names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                           "t10k-labels-idx1-ubyte"};
    for (size_t i = 0; i < 4; ++i) fuzz::write_scratch(std::string("data/") + names[i], part(i + 1));
    spec = dir;
  } else if (kind == "cifar10") {
    for (int b = 1; b <= 5; ++b) fuzz::write_scratch("data/data_batch_" + std::to_string(b) + ".bin", part(1));
    fuzz::write_scratch("data/test_batch.bin", part(2));
    spec = "cifar10:" + dir;
  } else if (kind == "cifar100") {
    fuzz::write_scratch("data/train.bin", part(1));
    fuzz::write_scratch("data/test.bin", part(2));
    spec = "cifar100:" + dir;
  } else if (kind == "npz") {
    spec = "npz:" + fuzz::write_scratch("data/d.npz", part(1));
  } else {
    return 0;
  }
  fuzz::expect_value_or_error([&] {
    DataSource src = parse_data_source(spec);
    load_dataset(src, "train");
    load_dataset(src, "test");
  });
  return 0;
}
