// ONNX import (`--network model.onnx`): the bytes are the .onnx file.
#include "pruning/onnx/onnx_import.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reram;
  const std::string path = fuzz::write_scratch("model.onnx", {reinterpret_cast<const char*>(data), size});
  fuzz::expect_value_or_error([&] { import_onnx(path); });
  return 0;
}
