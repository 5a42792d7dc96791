#pragma once
// ONNX models exported by one of the project's scripts under Debian's torch, cached in the
// build directory (keyed by the script's contents) and shared by the test processes
// through a file lock. Without torch the tests that need them are skipped.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace reram::test {

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return "";
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

inline constexpr const char* kPython = "/usr/bin/python3";

inline bool have_torch() {
  std::string cmd = std::string(kPython) + " -c 'import torch, torchvision' >/dev/null 2>&1";
  return std::filesystem::exists(kPython) && std::system(cmd.c_str()) == 0;
}

// Directory holding NAME.onnx and NAME.reference.json for every name in `models`
// (space-separated), made by `scripts/<script> <models> <args> --out-dir DIR` on first
// use; "" with `why` set when the export failed, and `skip` set when it cannot run here.
inline std::string exported_models(const std::string& script, const std::string& models, const std::string& args,
                                   const std::string& cache_name, std::string& why, bool& skip) {
  namespace fs = std::filesystem;
  const std::string path = std::string(RERAM_SOURCE_DIR) + "/scripts/" + script;
  const std::string cache = fs::path(RERAM_BINARY).parent_path().string() + "/test-cache/" + cache_name;
  fs::create_directories(fs::path(cache).parent_path());
  // One exporter at a time; the others wait and reuse its result.
  int lock = ::open((cache + ".lock").c_str(), O_CREAT | O_RDWR, 0644);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
    why = "cannot lock " + cache + ".lock";
    return "";
  }
  const std::string stamp = cache + "/" + script + ".used";
  const std::string want = slurp(path) + "\n" + models + " " + args;
  bool fresh = slurp(stamp) == want;
  std::istringstream names(models);
  for (std::string m; names >> m;)
    fresh = fresh && fs::exists(cache + "/" + m + ".onnx") && fs::exists(cache + "/" + m + ".reference.json");
  if (!fresh && !have_torch()) {
    skip = true;
    why = std::string(kPython) + " with torch and torchvision is not available; cannot export the models";
    ::close(lock);
    return "";
  }
  if (!fresh) {
    fs::remove_all(cache);
    fs::create_directories(cache);
    std::string cmd = std::string(kPython) + " " + path + " " + models + " " + args + " --out-dir " + cache + " > " +
                      cache + "/export.log 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      why = "scripts/" + script + " failed: " + slurp(cache + "/export.log");
      fs::remove_all(cache);
      ::close(lock);
      return "";
    }
    std::ofstream(stamp, std::ios::binary) << want;
  }
  ::close(lock);
  return cache;
}

}  // namespace reram::test
