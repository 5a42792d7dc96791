// NumPy arrays: the bytes are read as an .npy file and as an .npz archive.
#include "pruning/core/npy.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reram;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string npy = fuzz::write_scratch("a.npy", bytes);
  fuzz::expect_value_or_error([&] { read_npy(npy); });
  const std::string npz = fuzz::write_scratch("a.npz", bytes);
  fuzz::expect_value_or_error([&] { read_npz(npz); });
  return 0;
}
