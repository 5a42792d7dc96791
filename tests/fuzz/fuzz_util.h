#pragma once
// Shared by the fuzz harnesses (tests/fuzz/fuzz_*.cpp, docs/reliability.md).
//
// Every reader of user files takes a path, so a harness writes the fuzzer's bytes to files
// in a private scratch directory and calls the reader. Inputs that stand for several files
// (a mapping manifest and its sidecar, a data set's files, an arch config and its --set
// overrides) are the files' contents joined by kPartSeparator.
//
// The contract under test: a reader either returns or throws reram::Error (the one-line
// message the CLI prints). Anything else (another exception, a crash, a sanitizer report,
// a hang, an allocation beyond libFuzzer's limit) is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "pruning/core/error.h"

namespace reram::fuzz {

inline constexpr std::string_view kPartSeparator = "\n--reram-fuzz-part--\n";

// The input split on kPartSeparator (one part when it does not occur).
inline std::vector<std::string> split_parts(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(kPartSeparator, start);
    if (at == std::string_view::npos) {
      parts.emplace_back(s.substr(start));
      return parts;
    }
    parts.emplace_back(s.substr(start, at - start));
    start = at + kPartSeparator.size();
  }
}

// A scratch directory for this process (removed at exit), under $TMPDIR or /tmp.
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* t = std::getenv("TMPDIR");
    std::string tmpl = std::string(t && *t ? t : "/tmp") + "/reram-fuzz-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) std::abort();
    std::string d(buf.data());
    static struct Cleanup {
      std::string d;
      ~Cleanup() {
        std::error_code ec;
        std::filesystem::remove_all(d, ec);
      }
    } cleanup{d};
    return d;
  }();
  return dir;
}

// Writes `content` to scratch_dir()/name and returns the path.
inline std::string write_scratch(const std::string& name, std::string_view content) {
  std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) std::abort();
  return path;
}

inline void remove_scratch(const std::string& name) { ::unlink((scratch_dir() + "/" + name).c_str()); }

// Runs a reader; reram::Error is the expected way to reject an input. With
// RERAM_FUZZ_VERBOSE set, prints "accepted" or the error (to check that seeds are valid).
template <class F>
void expect_value_or_error(F&& reader) {
  static const bool verbose = std::getenv("RERAM_FUZZ_VERBOSE") != nullptr;
  try {
    reader();
    if (verbose) std::fprintf(stderr, "accepted\n");
  } catch (const reram::Error& e) {
    if (verbose) std::fprintf(stderr, "rejected: %s\n", e.what());
  }
}

}  // namespace reram::fuzz
