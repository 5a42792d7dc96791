// Network description (`--network net.json`) and its weights (`--weights w.npz`): part 0 is
// the JSON, part 1 (optional) the .npz loaded into it.
#include "pruning/graph/network.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reram;
  const auto parts = fuzz::split_parts(data, size);
  const std::string net_path = fuzz::write_scratch("net.json", parts[0]);
  const std::string w_path = parts.size() > 1 ? fuzz::write_scratch("net.npz", parts[1]) : "";
  fuzz::expect_value_or_error([&] {
    Network net = load_network(net_path);
    if (!w_path.empty()) load_weights_npz(net, w_path);
  });
  return 0;
}
