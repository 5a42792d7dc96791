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
  const bool raw = t.has_raw_data();
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (raw) {
        out.f = from_raw<float>(t.raw_data(), n, where);
      } else {
        check_count(t.float_data(), n, where);
        out.f.assign(t.float_data().begin(), t.float_data().end());
      }
      break;
    case onnx::TensorProto::DOUBLE: {
      std::vector<double> d;
      if (raw) {
        d = from_raw<double>(t.raw_data(), n, where);
      } else {
        check_count(t.double_data(), n, where);
        d.assign(t.double_data().begin(), t.double_data().end());
      }
      out.f.assign(d.begin(), d.end());
      break;
    }
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16: {
      std::vector<uint16_t> h;
      if (raw) {
        h = from_raw<uint16_t>(t.raw_data(), n, where);
      } else {
        check_count(t.int32_data(), n, where);  // the 16 bits are stored in int32_data
        for (auto v : t.int32_data()) h.push_back(static_cast<uint16_t>(v));
      }
      out.f.reserve(n);
      for (auto v : h) {
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
    }
    case onnx::TensorProto::INT64:
      out.integer = true;
      if (raw) {
        out.i = from_raw<int64_t>(t.raw_data(), n, where);
      } else {
        check_count(t.int64_data(), n, where);
        out.i.assign(t.int64_data().begin(), t.int64_data().end());
      }
      break;
    case onnx::TensorProto::INT32: {
      out.integer = true;
      if (raw) {
        auto v = from_raw<int32_t>(t.raw_data(), n, where);
        out.i.assign(v.begin(), v.end());
      } else {
        check_count(t.int32_data(), n, where);
        out.i.assign(t.int32_data().begin(), t.int32_data().end());
      }
      break;
    }
    default:
      throw InputError(where + ": element type " + std::to_string(t.data_type()) +
                       " is not supported (float32/64/16, bfloat16, int32/64)");
  }
  return out;
}

}  // namespace reram
