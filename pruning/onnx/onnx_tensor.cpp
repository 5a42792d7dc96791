#include "pruning/onnx/onnx_tensor.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "pruning/core/error.h"
#include "pruning/core/int_math.h"

namespace reram {

int64_t OnnxTensor::numel() const {
  int64_t n = 1;
  for (auto d : dims) n *= d;
  return n;
}

NdArray OnnxTensor::as_array() const {
  NdArray a;
  a.shape = dims;
  if (integer) {
    a.data.reserve(i.size());
    for (auto v : i) a.data.push_back(static_cast<float>(v));
  } else {
    a.data = f;
  }
  return a;
}

std::string OnnxTensor::shape_str() const {
  std::string s = "[";
  for (size_t k = 0; k < dims.size(); ++k) s += (k ? ", " : "") + std::to_string(dims[k]);
  return s + "]";
}

float half_to_float(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t man = h & 0x3ffu;
  float v;
  if (exp == 0) {
    v = std::ldexp(static_cast<float>(man), -24);  // zero or subnormal
  } else if (exp == 31) {
    v = man ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else {
    v = std::ldexp(static_cast<float>(man | 0x400u), static_cast<int>(exp) - 25);
  }
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  bits |= sign;
  std::memcpy(&v, &bits, 4);
  return v;
}

NdArray transpose2d(const NdArray& m) {
  int64_t a = m.shape.at(0), b = m.shape.at(1);
  NdArray t({b, a});
  for (int64_t r = 0; r < a; ++r)
    for (int64_t c = 0; c < b; ++c) t.data[static_cast<size_t>(c * a + r)] = m.data[static_cast<size_t>(r * b + c)];
  return t;
}

namespace {

template <class T>
std::vector<T> from_raw(const std::string& raw, size_t n, const std::string& where) {
  if (raw.size() != n * sizeof(T))
    throw InputError(where + ": raw_data has " + std::to_string(raw.size()) + " bytes, expected " +
                     std::to_string(n * sizeof(T)) + " for its shape");
  std::vector<T> v(n);
  if (n) std::memcpy(v.data(), raw.data(), n * sizeof(T));  // ONNX raw_data is little-endian, as is the host
  return v;
}

template <class Field>
void check_count(const Field& field, size_t n, const std::string& where) {
  if (static_cast<size_t>(field.size()) != n)
    throw InputError(where + ": has " + std::to_string(field.size()) + " values, expected " + std::to_string(n) +
                     " for its shape");
}

// The n elements of a tensor as T: from raw_data (stored as T) when present, else from
// its typed field (whose elements convert to T).
template <class T, class Field>
std::vector<T> elements(const onnx::TensorProto& t, const Field& field, size_t n, const std::string& where) {
  if (t.has_raw_data()) return from_raw<T>(t.raw_data(), n, where);
  check_count(field, n, where);
  std::vector<T> v;
  v.reserve(n);
  for (auto x : field) v.push_back(static_cast<T>(x));
  return v;
}

}  // namespace

OnnxTensor decode_tensor(const onnx::TensorProto& t, const std::string& where) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0)
    throw InputError(where +
                     ": uses external data files, which are not supported (save the model with weights inside)");
  OnnxTensor out;
  out.dims.assign(t.dims().begin(), t.dims().end());
  for (auto d : out.dims)
    if (d < 0) throw InputError(where + ": negative dimension");
  if (checked_count(out.dims.data(), out.dims.size(), kMaxFileElements) < 0)
    throw InputError(where + ": shape " + out.shape_str() + " is too large");
  const size_t n = static_cast<size_t>(out.numel());
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      out.f = elements<float>(t, t.float_data(), n, where);
      break;
    case onnx::TensorProto::DOUBLE: {
      const auto d = elements<double>(t, t.double_data(), n, where);
      out.f.assign(d.begin(), d.end());
      break;
    }
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16:
      // The 16 bits of each value are stored in int32_data when there is no raw_data.
      for (uint16_t v : elements<uint16_t>(t, t.int32_data(), n, where)) {
        if (t.data_type() == onnx::TensorProto::FLOAT16) {
          out.f.push_back(half_to_float(v));
        } else {
          uint32_t bits = static_cast<uint32_t>(v) << 16;
          float x;
          std::memcpy(&x, &bits, 4);
          out.f.push_back(x);
        }
      }
      break;
    case onnx::TensorProto::INT64:
      out.integer = true;
      out.i = elements<int64_t>(t, t.int64_data(), n, where);
      break;
    case onnx::TensorProto::INT32: {
      out.integer = true;
      const auto v = elements<int32_t>(t, t.int32_data(), n, where);
      out.i.assign(v.begin(), v.end());
      break;
    }
    default:
      throw InputError(where + ": element type " + std::to_string(t.data_type()) +
                       " is not supported (float32/64/16, bfloat16, int32/64)");
  }
  return out;
}

}  // namespace reram
