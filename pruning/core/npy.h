#pragma once
// NumPy .npy / .npz reading and writing, so weights and mappings can be read from Python.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace reram {

// A dense float32 array with a row-major shape (the only dtype the project writes;
// float64, float16-free integer and bool arrays are converted on reading).
struct NdArray {
  std::vector<int64_t> shape;
  std::vector<float> data;
  std::string dtype = "f4";  // as read: NumPy kind and size ("f4", "f8", "u1", "i8", ...)

  NdArray() = default;
  NdArray(std::vector<int64_t> s, std::vector<float> d) : shape(std::move(s)), data(std::move(d)) {}
  explicit NdArray(std::vector<int64_t> s);  // zero-filled
  int64_t numel() const;
  std::string shape_str() const;
};

using NpzMap = std::map<std::string, NdArray>;

NdArray read_npy(const std::string& path);
void write_npy_atomic(const std::string& path, const NdArray& a);
// Reads stored (np.savez) and deflated (np.savez_compressed) archives.
NpzMap read_npz(const std::string& path);
// Writes an uncompressed archive (np.load reads it) atomically.
void write_npz_atomic(const std::string& path, const NpzMap& arrays);

// Throws InputError "<what> holds a non-finite value (nan) at index i" when any
// element is NaN or infinite.
void check_finite(const NdArray& a, const std::string& what);

// In-memory forms (used by the above and by tests).
std::string npy_encode(const NdArray& a);
NdArray npy_decode(const std::string& bytes, const std::string& where);

}  // namespace reram
