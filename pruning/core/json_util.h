#pragma once
// Strict JSON reading (every key must be known) and atomic file output.
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "pruning/core/error.h"

namespace reram {

using json = nlohmann::json;

// Reads and parses a JSON file; a missing file or a syntax error is an InputError
// naming the file (and the byte offset of a syntax error).
json load_json_file(const std::string& path);
// nlohmann's message without its "[json.exception.type.id] " prefix.
std::string json_error_text(const json::exception& e);

// Reads a JSON object field by field. Every key read is recorded; finish() throws a
// ConfigError naming the first key that was never read ("unknown key"), so a
// misspelt key is never silently ignored. `where` names the file and the section
// (e.g. "arch_configs/isaac.json: crossbar") and prefixes every message.
class JsonReader {
 public:
  JsonReader(const json& object, std::string where);

  bool has(const std::string& key) const;
  // Required field of type T; missing or mistyped is a ConfigError.
  template <class T>
  T req(const std::string& key);
  // Optional field: `fallback` when absent; mistyped is a ConfigError.
  template <class T>
  T opt(const std::string& key, const T& fallback);
  // Raw access (marks the key as read); throws when missing.
  const json& raw(const std::string& key);
  // A nested object (marks the key as read). Missing -> an empty object.
  JsonReader child(const std::string& key);
  // Throws on any key that was not read.
  void finish() const;
  const std::string& where() const { return where_; }
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

 private:
  const json* obj_;
  std::string where_;
  mutable std::set<std::string> used_;
};

// Writes `content` to `path` through a temporary file in the same directory and a
// rename, so that an interrupted run leaves either the old file or the new one.
void write_file_atomic(const std::string& path, const std::string& content);
void write_json_atomic(const std::string& path, const json& j, int indent = 2);

// Directory part of a path ("" when none) and joining a relative path onto it.
std::string dir_of(const std::string& path);
std::string resolve_relative(const std::string& base_file, const std::string& rel);

// ---- template implementation ----
template <class T>
T JsonReader::req(const std::string& key) {
  if (!has(key)) fail(key, "is required but missing");
  used_.insert(key);
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    // nlohmann converts 1e12 or 2.5 to an int silently (overflowing): check the value the
    // user wrote against the target type first.
    const json& v = (*obj_)[key];
    using L = std::numeric_limits<T>;
    bool in_range = true;
    if (v.is_number_float()) {
      const double d = v.get<double>();
      in_range = std::isfinite(d) && d == std::floor(d) && d >= static_cast<double>(L::min()) &&
                 d <= static_cast<double>(L::max());
    } else if (v.is_number_unsigned()) {
      in_range = v.get<uint64_t>() <= static_cast<uint64_t>(L::max());
    } else if (v.is_number_integer()) {
      const int64_t i = v.get<int64_t>();
      in_range = i >= static_cast<int64_t>(L::min()) && (!std::is_signed_v<T> || i <= static_cast<int64_t>(L::max()));
    }
    if (!in_range)
      fail(key, "must be an integer in [" + std::to_string(L::min()) + ", " + std::to_string(L::max()) + "] (got " +
                    v.dump() + ")");
  }
  try {
    return (*obj_)[key].get<T>();
  } catch (const json::exception&) {
    fail(key, "has the wrong type (" + std::string((*obj_)[key].type_name()) + ")");
  }
}

template <class T>
T JsonReader::opt(const std::string& key, const T& fallback) {
  if (!has(key)) return fallback;
  return req<T>(key);
}

}  // namespace reram
