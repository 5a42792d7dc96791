#pragma once
// Decoding of ONNX TensorProto payloads (initializers, Constant values) into plain
// arrays. Internal to the ONNX importer; kept apart so the dtype handling is testable.
#include <cstdint>
#include <string>
#include <vector>

#include "pruning/core/npy.h"

namespace onnx {
class TensorProto;
}

namespace reram {

// A decoded ONNX tensor: floating types become float32 in `f`, integer types int64 in `i`.
struct OnnxTensor {
  std::vector<int64_t> dims;  // empty for a scalar
  bool integer = false;
  std::vector<float> f;
  std::vector<int64_t> i;

  int64_t numel() const;
  double value(size_t k) const { return integer ? static_cast<double>(i.at(k)) : static_cast<double>(f.at(k)); }
  NdArray as_array() const;  // float copy with the same shape
  std::string shape_str() const;
};

// Supports FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT64, INT32 from raw_data or the typed
// fields. External data, strings and other types are InputErrors prefixed by `where`.
OnnxTensor decode_tensor(const onnx::TensorProto& t, const std::string& where);

// IEEE half -> float (subnormals, infinities and NaN included).
float half_to_float(uint16_t h);

// [a][b] -> [b][a].
NdArray transpose2d(const NdArray& m);

}  // namespace reram
