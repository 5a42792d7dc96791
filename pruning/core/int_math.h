#pragma once
// Integer helpers shared by the mapping, the pruning library and the simulator (one
// definition each, so every part counts the same way).
#include <cstdint>

namespace reram {

// ceil(a / b) for a >= 0, b > 0.
inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Bits of an index that tells n items apart: ceil(log2 n); 0 for n <= 1 (nothing to tell).
// A stored index field that must exist even then takes std::max<int64_t>(1, index_bits(n)).
inline int index_bits(int64_t n) {
  int b = 0;
  while (b < 62 && (int64_t{1} << b) < n) ++b;
  return b;
}

}  // namespace reram
