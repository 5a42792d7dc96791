#pragma once
// Integer helpers shared by the mapping, the pruning library and the simulator (one
// definition each, so every part counts the same way).
#include <cstddef>
#include <cstdint>

namespace reram {

// The SplitMix64 finaliser: a bijective 64-bit mix, the seeded streams' hash.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// ceil(a / b) for a >= 0, b > 0.
inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Bits of an index that tells n items apart: ceil(log2 n); 0 for n <= 1 (nothing to tell).
// A stored index field that must exist even then takes std::max<int64_t>(1, index_bits(n)).
inline int index_bits(int64_t n) {
  int b = 0;
  while (b < 62 && (int64_t{1} << b) < n) ++b;
  return b;
}

// The element count of an array with these dimensions, or -1 when a dimension is negative
// or the count exceeds `limit` (checked before each multiplication, so it cannot overflow).
// Readers of user files use it before trusting a shape.
inline int64_t checked_count(const int64_t* dims, size_t rank, int64_t limit) {
  int64_t n = 1;
  for (size_t k = 0; k < rank; ++k) {
    if (dims[k] < 0) return -1;
    if (dims[k] != 0 && n > limit / dims[k]) return -1;
    n *= dims[k];
  }
  return n;
}

// Arrays read from users' files hold at most 2^36 elements (256 GiB of floats): any larger
// shape is a corrupt header, refused before anything is allocated.
inline constexpr int64_t kMaxFileElements = int64_t{1} << 36;

}  // namespace reram
