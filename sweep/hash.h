#pragma once
// Content hashes that key the sweep's stage cache: a stage's artifact is reused exactly
// when the hash of everything that determines it is unchanged.
#include <cstdint>
#include <string>

#include "pruning/core/json_util.h"

namespace reram::sweep {

// 64-bit FNV-1a, streamed. Not cryptographic: it only has to tell apart the few thousand
// configurations of one study, and it is fast on weight files of hundreds of MB.
class Hasher {
 public:
  Hasher& add(const std::string& bytes);
  // Canonical JSON (nlohmann sorts object keys, so equal objects hash equally).
  Hasher& add_json(const json& j);
  // A file's bytes; a missing file is an InputError naming it.
  Hasher& add_file(const std::string& path);
  uint64_t value() const { return h_; }
  std::string hex() const;  // 16 lower-case hex digits

 private:
  uint64_t h_ = 1469598103934665603ULL;
};

std::string hash_json(const json& j);
// Hash of a file's content, memoised per path for the life of the process.
std::string hash_file(const std::string& path);

}  // namespace reram::sweep
