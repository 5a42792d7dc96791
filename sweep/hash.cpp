#include "sweep/hash.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <vector>

namespace reram::sweep {

Hasher& Hasher::add(const std::string& bytes) {
  // Length prefix so that ("ab","c") and ("a","bc") differ.
  uint64_t n = bytes.size();
  for (int i = 0; i < 8; ++i) {
    h_ ^= (n >> (8 * i)) & 0xff;
    h_ *= 1099511628211ULL;
  }
  for (unsigned char c : bytes) {
    h_ ^= c;
    h_ *= 1099511628211ULL;
  }
  return *this;
}

Hasher& Hasher::add_json(const json& j) { return add(j.dump()); }

Hasher& Hasher::add_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file");
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::streamsize got = in.gcount();
    for (std::streamsize i = 0; i < got; ++i) {
      h_ ^= static_cast<unsigned char>(buf[static_cast<size_t>(i)]);
      h_ *= 1099511628211ULL;
    }
  }
  return *this;
}

std::string Hasher::hex() const {
  char s[17];
  std::snprintf(s, sizeof s, "%016llx", static_cast<unsigned long long>(h_));
  return s;
}

std::string hash_json(const json& j) { return Hasher().add_json(j).hex(); }

std::string hash_file(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::string> memo;
  std::lock_guard<std::mutex> lock(mu);
  auto it = memo.find(path);
  if (it != memo.end()) return it->second;
  std::string h = Hasher().add_file(path).hex();
  memo[path] = h;
  return h;
}

}  // namespace reram::sweep
