// Sparse crossbar mapping (`reram sim --mapping m.json`): part 0 is the manifest, part 1
// (optional) its weight sidecar m.npz.
#include "pruning/xbar/mapping.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reram;
  const auto parts = fuzz::split_parts(data, size);
  const std::string path = fuzz::write_scratch("map.json", parts[0]);
  if (parts.size() > 1)
    fuzz::write_scratch("map.npz", parts[1]);
  else
    fuzz::remove_scratch("map.npz");
  fuzz::expect_value_or_error([&] {
    Mapping m = load_mapping(path);
    mapping_warnings(m);
  });
  return 0;
}
