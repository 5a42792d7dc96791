#include "pruning/core/dataset.h"

#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <sys/stat.h>

#include "pruning/core/error.h"

namespace reram {

namespace {

bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

// Reads a whole file, inflating it when it is gzip-compressed.
std::string read_maybe_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw InputError(path + ": cannot open file");
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  int err = 0;
  const char* msg = gzerror(f, &err);
  gzclose(f);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) throw InputError(path + ": read error: " + msg);
  return out;
}

uint32_t be32(const std::string& s, size_t o) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(s[o])) << 24) |
         (static_cast<uint32_t>(static_cast<unsigned char>(s[o + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(s[o + 2])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(s[o + 3]));
}

std::string find_idx(const std::string& dir, const std::string& stem) {
  for (const char* ext : {".gz", ""}) {
    std::string p = dir + "/" + stem + ext;
    if (exists(p)) return p;
  }
  throw InputError(dir + ": Fashion-MNIST file '" + stem + "(.gz)' not found (install dataset-fashion-mnist)");
}

}  // namespace

Dataset Dataset::head(int64_t n) const {
  if (n <= 0 || n >= size()) return *this;
  Dataset d;
  d.mean = mean;
  d.std = std;
  d.labels.assign(labels.begin(), labels.begin() + n);
  d.images.shape = images.shape;
  d.images.shape[0] = n;
  int64_t per = images.numel() / images.shape[0];
  d.images.data.assign(images.data.begin(), images.data.begin() + n * per);
  return d;
}

std::string resolve_dataset_dir(const std::string& name) {
  if (name == "fashion-mnist" || name == "fashion_mnist") {
    if (const char* env = std::getenv("RERAM_FASHION_MNIST_DIR")) return env;
    return "/usr/share/datasets/fashion-mnist";
  }
  if (!exists(name)) throw InputError(name + ": data set directory not found (use 'fashion-mnist' or a directory of IDX files)");
  return name;
}

Dataset load_fashion_mnist(const std::string& dir, const std::string& split, int64_t limit) {
  if (split != "train" && split != "test") throw ConfigError("data split must be 'train' or 'test', got '" + split + "'");
  std::string prefix = split == "train" ? "train" : "t10k";
  std::string ip = find_idx(dir, prefix + "-images-idx3-ubyte");
  std::string lp = find_idx(dir, prefix + "-labels-idx1-ubyte");
  std::string img = read_maybe_gz(ip), lab = read_maybe_gz(lp);
  if (img.size() < 16 || be32(img, 0) != 0x00000803) throw InputError(ip + ": not an IDX image file");
  if (lab.size() < 8 || be32(lab, 0) != 0x00000801) throw InputError(lp + ": not an IDX label file");
  int64_t n = be32(img, 4), h = be32(img, 8), w = be32(img, 12);
  if (static_cast<int64_t>(be32(lab, 4)) != n) throw InputError(lp + ": label count differs from " + ip);
  if (static_cast<int64_t>(img.size()) < 16 + n * h * w) throw InputError(ip + ": truncated");
  if (static_cast<int64_t>(lab.size()) < 8 + n) throw InputError(lp + ": truncated");
  if (limit > 0 && limit < n) n = limit;
  Dataset d;
  // Fashion-MNIST training-set statistics of pixel/255.
  d.mean = 0.2860;
  d.std = 0.3530;
  d.images.shape = {n, 1, h, w};
  d.images.data.resize(static_cast<size_t>(n * h * w));
  for (int64_t i = 0; i < n * h * w; ++i) {
    double v = static_cast<unsigned char>(img[static_cast<size_t>(16 + i)]) / 255.0;
    d.images.data[static_cast<size_t>(i)] = static_cast<float>((v - d.mean) / d.std);
  }
  d.labels.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int l = static_cast<unsigned char>(lab[static_cast<size_t>(8 + i)]);
    if (l > 9) throw InputError(lp + ": label " + std::to_string(l) + " out of range");
    d.labels[static_cast<size_t>(i)] = l;
  }
  return d;
}

}  // namespace reram
