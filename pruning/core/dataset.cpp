#include "pruning/core/dataset.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "pruning/core/error.h"
#include "pruning/core/file_io.h"
#include "pruning/core/int_math.h"

namespace reram {

namespace {

bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

// Reads a whole file, inflating it when it is gzip-compressed.
std::string read_maybe_gz(const std::string& path) {
  require_regular_file(path);
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

namespace {
// Images [first, first + n) with their labels; the statistics, classes and source stay.
Dataset rows(const Dataset& s, int64_t first, int64_t n) {
  Dataset d;
  d.mean = s.mean;
  d.std = s.std;
  d.classes = s.classes;
  d.source = s.source;
  d.labels.assign(s.labels.begin() + first, s.labels.begin() + first + n);
  d.images.shape = s.images.shape;
  d.images.shape[0] = n;
  const int64_t per = s.images.numel() / s.images.shape[0];
  d.images.data.assign(s.images.data.begin() + first * per, s.images.data.begin() + (first + n) * per);
  return d;
}
}  // namespace

Dataset Dataset::head(int64_t n) const { return n <= 0 || n >= size() ? *this : rows(*this, 0, n); }

Dataset Dataset::tail(int64_t n) const { return n <= 0 || n >= size() ? *this : rows(*this, size() - n, n); }

std::string resolve_dataset_dir(const std::string& name) {
  if (name == "fashion-mnist" || name == "fashion_mnist") {
    if (const char* env = std::getenv("RERAM_FASHION_MNIST_DIR")) return env;
    return "/usr/share/datasets/fashion-mnist";
  }
  if (!exists(name))
    throw InputError(name + ": data set directory not found (use 'fashion-mnist' or a directory of IDX files)");
  return name;
}

Dataset load_fashion_mnist(const std::string& dir, const std::string& split, int64_t limit) {
  if (split != "train" && split != "test")
    throw ConfigError("data split must be 'train' or 'test', got '" + split + "'");
  std::string prefix = split == "train" ? "train" : "t10k";
  std::string ip = find_idx(dir, prefix + "-images-idx3-ubyte");
  std::string lp = find_idx(dir, prefix + "-labels-idx1-ubyte");
  std::string img = read_maybe_gz(ip), lab = read_maybe_gz(lp);
  if (img.size() < 16 || be32(img, 0) != 0x00000803) throw InputError(ip + ": not an IDX image file");
  if (lab.size() < 8 || be32(lab, 0) != 0x00000801) throw InputError(lp + ": not an IDX label file");
  int64_t n = be32(img, 4), h = be32(img, 8), w = be32(img, 12);
  if (static_cast<int64_t>(be32(lab, 4)) != n) throw InputError(lp + ": label count differs from " + ip);
  const int64_t dims[3] = {n, h, w};
  const int64_t cells = checked_count(dims, 3, kMaxFileElements);  // n*h*w can overflow int64
  if (cells < 0 || static_cast<int64_t>(img.size()) < 16 + cells)
    throw InputError(ip + ": truncated (the header claims " + std::to_string(n) + " images of " + std::to_string(h) +
                     "x" + std::to_string(w) + ")");
  if (static_cast<int64_t>(lab.size()) < 8 + n) throw InputError(lp + ": truncated");
  if (limit > 0 && limit < n) n = limit;
  Dataset d;
  // Fashion-MNIST training-set statistics of pixel/255.
  d.mean = {0.2860};
  d.std = {0.3530};
  d.classes = 10;
  d.source = dir;
  d.images.shape = {n, 1, h, w};
  d.images.data.resize(static_cast<size_t>(n * h * w));
  for (int64_t i = 0; i < n * h * w; ++i) {
    double v = static_cast<unsigned char>(img[static_cast<size_t>(16 + i)]) / 255.0;
    d.images.data[static_cast<size_t>(i)] = static_cast<float>((v - d.mean[0]) / d.std[0]);
  }
  d.labels.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int l = static_cast<unsigned char>(lab[static_cast<size_t>(8 + i)]);
    if (l > 9) throw InputError(lp + ": label " + std::to_string(l) + " out of range");
    d.labels[static_cast<size_t>(i)] = l;
  }
  return d;
}

namespace {

// Per-channel mean and standard deviation of [N][C][H][W] values.
void channel_stats(const NdArray& x, std::vector<double>& mean, std::vector<double>& sd) {
  const int64_t n = x.shape[0], c = x.shape[1], hw = x.shape[2] * x.shape[3];
  mean.assign(static_cast<size_t>(c), 0.0);
  sd.assign(static_cast<size_t>(c), 1.0);
  for (int64_t ch = 0; ch < c; ++ch) {
    double s = 0.0, s2 = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const float* p = x.data.data() + (i * c + ch) * hw;
      for (int64_t k = 0; k < hw; ++k) {
        s += p[k];
        s2 += static_cast<double>(p[k]) * p[k];
      }
    }
    const double cnt = static_cast<double>(n * hw);
    const double m = cnt > 0 ? s / cnt : 0.0;
    const double var = cnt > 0 ? std::max(0.0, s2 / cnt - m * m) : 0.0;
    mean[static_cast<size_t>(ch)] = m;
    sd[static_cast<size_t>(ch)] = var > 1e-12 ? std::sqrt(var) : 1.0;  // constant channel: centre only
  }
}

void normalise(Dataset& d) {
  const int64_t n = d.images.shape[0], c = d.images.shape[1], hw = d.images.shape[2] * d.images.shape[3];
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch) {
      float* p = d.images.data.data() + (i * c + ch) * hw;
      const double m = d.mean[static_cast<size_t>(ch)], sd = d.std[static_cast<size_t>(ch)];
      for (int64_t k = 0; k < hw; ++k) p[k] = static_cast<float>((p[k] - m) / sd);
    }
}

// ---- CIFAR-10 / CIFAR-100 binary version: records of label byte(s) + 3072 pixel bytes
// (1024 red, 1024 green, 1024 blue, each 32x32 row-major).
constexpr int64_t kCifarPixels = 3 * 32 * 32;

std::string cifar_file(const std::string& dir, const std::string& sub, const std::string& name) {
  for (const std::string& d : {dir, dir + "/" + sub}) {
    for (const char* ext : {"", ".gz"})
      if (exists(d + "/" + name + ext)) return d + "/" + name + ext;
  }
  throw InputError(dir + ": CIFAR file '" + name + "' not found (in the directory or its '" + sub +
                   "' subdirectory; docs/data.md says where the files go)");
}

// Appends the records of one file (raw pixels scaled to [0, 1]) to `d`.
void read_cifar_file(const std::string& path, bool hundred, Dataset& d, int64_t limit) {
  const std::string b = read_maybe_gz(path);
  const int64_t lab = hundred ? 2 : 1, rec = lab + kCifarPixels;
  if (b.empty()) throw InputError(path + ": empty file");
  if (static_cast<int64_t>(b.size()) % rec != 0)
    throw InputError(path + ": " + std::to_string(b.size()) + " bytes is not a whole number of " + std::to_string(rec) +
                     "-byte records (" + (hundred ? "coarse and fine label" : "label") +
                     " + 32x32x3 pixels): wrong format or truncated file");
  int64_t n = static_cast<int64_t>(b.size()) / rec;
  if (limit > 0) n = std::min(n, limit - d.size());
  const int64_t base = d.size();
  d.images.data.resize(static_cast<size_t>((base + n) * kCifarPixels));
  for (int64_t i = 0; i < n; ++i) {
    const auto* r = reinterpret_cast<const unsigned char*>(b.data() + i * rec);
    const int label = r[lab - 1];  // CIFAR-100: the fine label (second byte)
    const int classes = hundred ? 100 : 10;
    if (hundred && r[0] >= 20)
      throw InputError(path + ": record " + std::to_string(i) + " has coarse label " + std::to_string(r[0]) +
                       " (CIFAR-100 has 20)");
    if (label >= classes)
      throw InputError(path + ": record " + std::to_string(i) + " has label " + std::to_string(label) +
                       " (expected 0.." + std::to_string(classes - 1) + ")");
    d.labels.push_back(label);
    float* dst = d.images.data.data() + (base + i) * kCifarPixels;
    for (int64_t k = 0; k < kCifarPixels; ++k) dst[k] = static_cast<float>(r[lab + k] / 255.0);
  }
  d.images.shape = {d.size(), 3, 32, 32};
}

Dataset load_cifar_raw(const std::string& dir, bool hundred, const std::string& split, int64_t limit) {
  Dataset d;
  d.classes = hundred ? 100 : 10;
  d.images.shape = {0, 3, 32, 32};
  const std::string sub = hundred ? "cifar-100-binary" : "cifar-10-batches-bin";
  std::vector<std::string> files;
  if (hundred)
    files = {split == "train" ? "train.bin" : "test.bin"};
  else if (split == "test")
    files = {"test_batch.bin"};
  else
    files = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"};
  for (const auto& f : files) {
    if (limit > 0 && d.size() >= limit) break;
    read_cifar_file(cifar_file(dir, sub, f), hundred, d, limit);
  }
  return d;
}

// ---- npz: x_train, y_train, x_test, y_test.
const NdArray& npz_key(const NpzMap& z, const std::string& key, const std::string& path) {
  auto it = z.find(key);
  if (it == z.end())
    throw InputError(path + ": no array '" + key + "' (a data set .npz holds x_train, y_train, x_test, y_test)");
  return it->second;
}

// Images of one split as [N][C][H][W] in [0, 1] (uint8 / 255) or as stored (float).
NdArray npz_images(const NdArray& x, const std::string& path, const std::string& key) {
  if (x.dtype != "u1" && x.dtype != "f4" && x.dtype != "f8")
    throw InputError(path + ": '" + key + "' has dtype " + x.dtype + " (uint8 or float images expected)");
  const auto& s = x.shape;
  auto chan = [](int64_t v) { return v == 1 || v == 3 || v == 4; };
  int64_t n, c, h, w;
  bool nhwc = false;
  if (s.size() == 3) {
    n = s[0], c = 1, h = s[1], w = s[2];
  } else if (s.size() == 4) {
    nhwc = chan(s[3]) && !chan(s[1]);
    n = s[0], c = nhwc ? s[3] : s[1], h = nhwc ? s[1] : s[2], w = nhwc ? s[2] : s[3];
  } else {
    throw InputError(path + ": '" + key + "' has shape " + x.shape_str() +
                     " (N x H x W, N x C x H x W or N x H x W x C expected)");
  }
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0)
    throw InputError(path + ": '" + key + "' is empty (shape " + x.shape_str() + ")");
  NdArray out({n, c, h, w});
  const float scale = x.dtype == "u1" ? 1.0f / 255.0f : 1.0f;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t xx = 0; xx < w; ++xx) {
          const int64_t src = nhwc ? ((i * h + y) * w + xx) * c + ch : ((i * c + ch) * h + y) * w + xx;
          const float v = x.data[static_cast<size_t>(src)];
          if (!std::isfinite(v)) throw InputError(path + ": '" + key + "' holds a non-finite value");
          out.data[static_cast<size_t>(((i * c + ch) * h + y) * w + xx)] = v * scale;
        }
  return out;
}

std::vector<int> npz_labels(const NdArray& y, int64_t n, const std::string& path, const std::string& key) {
  if (y.shape.size() != 1 && !(y.shape.size() == 2 && y.shape[1] == 1))
    throw InputError(path + ": '" + key + "' has shape " + y.shape_str() + " (one integer label per image expected)");
  if (y.shape[0] != n)
    throw InputError(path + ": '" + key + "' has " + std::to_string(y.shape[0]) + " labels for " + std::to_string(n) +
                     " images");
  std::vector<int> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const float v = y.data[static_cast<size_t>(i)];
    if (!(v >= 0.0f) || v != std::floor(v) || v > 1e6f)
      throw InputError(path + ": '" + key + "'[" + std::to_string(i) + "] = " + std::to_string(v) +
                       " is not a label (a non-negative integer)");
    out[static_cast<size_t>(i)] = static_cast<int>(v);
  }
  return out;
}

Dataset load_npz_split(const std::string& path, const std::string& split, int64_t limit, Dataset* train_stats) {
  const NpzMap z = read_npz(path);
  for (const auto& [k, v] : z)
    if (k != "x_train" && k != "y_train" && k != "x_test" && k != "y_test")
      throw InputError(path + ": unknown array '" + k + "' (a data set .npz holds x_train, y_train, x_test, y_test)");
  NdArray xs[2] = {npz_images(npz_key(z, "x_train", path), path, "x_train"),
                   npz_images(npz_key(z, "x_test", path), path, "x_test")};
  std::vector<int> ys[2] = {npz_labels(npz_key(z, "y_train", path), xs[0].shape[0], path, "y_train"),
                            npz_labels(npz_key(z, "y_test", path), xs[1].shape[0], path, "y_test")};
  if (!std::equal(xs[0].shape.begin() + 1, xs[0].shape.end(), xs[1].shape.begin() + 1))
    throw InputError(path + ": x_train images are " + xs[0].shape_str() + " but x_test images are " +
                     xs[1].shape_str());
  int classes = 0;
  for (const auto& y : ys)
    for (int l : y) classes = std::max(classes, l + 1);
  Dataset d;
  d.classes = classes;
  channel_stats(xs[0], d.mean, d.std);
  if (train_stats) *train_stats = d;
  const int k = split == "train" ? 0 : 1;
  d.images = std::move(xs[k]);
  d.labels = std::move(ys[k]);
  return d.head(limit);
}

}  // namespace

DataSource parse_data_source(const std::string& spec) {
  DataSource s;
  s.spec = spec;
  auto after = [&](const std::string& prefix) { return spec.substr(prefix.size()); };
  if (spec.rfind("cifar10:", 0) == 0)
    s.kind = "cifar10", s.path = after("cifar10:");
  else if (spec.rfind("cifar100:", 0) == 0)
    s.kind = "cifar100", s.path = after("cifar100:");
  else if (spec.rfind("npz:", 0) == 0)
    s.kind = "npz", s.path = after("npz:");
  else if (spec.rfind("fashion-mnist:", 0) == 0)
    s.kind = "idx", s.path = after("fashion-mnist:");
  else {
    const auto colon = spec.find(':');
    if (colon != std::string::npos && colon > 0 && spec.find('/') > colon)
      throw InputError("--data '" + spec + "': unknown data set kind '" + spec.substr(0, colon) +
                       "' (fashion-mnist, cifar10:DIR, cifar100:DIR, npz:FILE or a directory of IDX files)");
    s.kind = "idx";
    s.path = resolve_dataset_dir(spec);
    return s;
  }
  if (s.path.empty()) throw InputError("--data '" + spec + "': no path after '" + s.kind + ":'");
  if (!exists(s.path))
    throw InputError(s.path + ": " + (s.kind == "npz" ? "data set file" : "data set directory") +
                     " not found (--data " + spec + ")");
  return s;
}

Dataset load_dataset(const DataSource& src, const std::string& split, int64_t limit) {
  if (split != "train" && split != "test")
    throw ConfigError("data split must be 'train' or 'test', got '" + split + "'");
  Dataset d;
  if (src.kind == "idx") {
    d = load_fashion_mnist(src.path, split, limit);
  } else if (src.kind == "cifar10" || src.kind == "cifar100") {
    const bool hundred = src.kind == "cifar100";
    // Statistics from the whole training split (CIFAR-10: 0.4914 0.4822 0.4465 /
    // 0.2470 0.2435 0.2616 on the real files).
    Dataset stats = split == "train" && limit <= 0 ? Dataset{} : load_cifar_raw(src.path, hundred, "train", -1);
    d = load_cifar_raw(src.path, hundred, split, limit);
    channel_stats(split == "train" && limit <= 0 ? d.images : stats.images, d.mean, d.std);
    normalise(d);
  } else if (src.kind == "npz") {
    d = load_npz_split(src.path, split, limit, nullptr);
    normalise(d);
  } else {
    throw InputError("unknown data set kind '" + src.kind + "'");
  }
  d.source = src.spec;
  if (d.size() == 0) throw InputError(src.path + ": the " + split + " split holds no samples");
  return d;
}

}  // namespace reram
