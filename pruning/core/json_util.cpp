#include "pruning/core/json_util.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "pruning/core/file_io.h"

namespace reram {

json load_json_file(const std::string& path) {
  const std::string text = read_file(path);
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw InputError(path + ": malformed JSON at byte " + std::to_string(e.byte) + ": " + json_error_text(e));
  } catch (const json::exception& e) {  // a number beyond double's range (out_of_range.406)
    throw InputError(path + ": malformed JSON: " + json_error_text(e));
  }
}

std::string json_error_text(const json::exception& e) {
  std::string s = e.what();
  if (s.rfind("[json.exception.", 0) == 0) {
    size_t close = s.find("] ");
    if (close != std::string::npos) s = s.substr(close + 2);
  }
  return s;
}

JsonReader::JsonReader(const json& object, std::string where) : obj_(&object), where_(std::move(where)) {
  if (!object.is_object()) throw ConfigError(where_ + ": expected a JSON object, got " + object.type_name());
}

bool JsonReader::has(const std::string& key) const { return obj_->contains(key); }

const json& JsonReader::raw(const std::string& key) {
  if (!has(key)) fail(key, "is required but missing");
  used_.insert(key);
  return (*obj_)[key];
}

JsonReader JsonReader::child(const std::string& key) {
  used_.insert(key);
  static const json kEmpty = json::object();
  if (!has(key)) return JsonReader(kEmpty, where_ + (where_.find(": ") == std::string::npos ? ": " : ".") + key);
  const json& c = (*obj_)[key];
  if (!c.is_object()) fail(key, "must be an object");
  return JsonReader(c, where_ + (where_.find(": ") == std::string::npos ? ": " : ".") + key);
}

void JsonReader::finish() const {
  for (auto it = obj_->begin(); it != obj_->end(); ++it) {
    if (!used_.count(it.key())) throw ConfigError(where_ + ": unknown key '" + it.key() + "'");
  }
}

void JsonReader::fail(const std::string& key, const std::string& what) const {
  throw ConfigError(where_ + ": key '" + key + "' " + what);
}

void write_file_atomic(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path + ": cannot write (directory missing or not writable)");
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw InputError(path + ": write failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw InputError(path + ": cannot rename temporary file into place");
  }
}

void write_json_atomic(const std::string& path, const json& j, int indent) {
  write_file_atomic(path, j.dump(indent) + "\n");
}

std::string dir_of(const std::string& path) {
  auto p = path.find_last_of('/');
  return p == std::string::npos ? std::string() : path.substr(0, p);
}

std::string resolve_relative(const std::string& base_file, const std::string& rel) {
  if (rel.empty() || rel[0] == '/') return rel;
  std::string d = dir_of(base_file);
  return d.empty() ? rel : d + "/" + rel;
}

}  // namespace reram
