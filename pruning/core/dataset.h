#pragma once
// Labelled image data sets for training and evaluation: Fashion-MNIST (IDX files),
// CIFAR-10 / CIFAR-100 (the official binary versions) and users' own arrays (.npz).
// docs/data.md describes the formats, where to put the files and the normalisation.
#include <cstdint>
#include <string>
#include <vector>

#include "pruning/core/npy.h"

namespace reram {

// Images as float [N][C][H][W], scaled to [0, 1] then normalised per channel with the
// training split's mean/std (`mean`, `std` hold them, one per channel); labels in
// [0, classes).
struct Dataset {
  NdArray images;
  std::vector<int> labels;
  std::vector<double> mean{0.0}, std{1.0};
  int classes = 0;
  std::string source;  // what it was loaded from (for reports and errors)
  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  // The first n samples (or all when n <= 0 or n >= size).
  Dataset head(int64_t n) const;
  // The last n samples (or all when n <= 0 or n >= size).
  Dataset tail(int64_t n) const;
};

// A parsed --data argument.
struct DataSource {
  std::string kind;  // "idx" (Fashion-MNIST layout), "cifar10", "cifar100", "npz"
  std::string path;  // directory (idx, cifar*) or file (npz)
  std::string spec;  // as given
};

// "fashion-mnist" (the Debian package's directory, or $RERAM_FASHION_MNIST_DIR), a
// directory of Fashion-MNIST IDX files, "cifar10:DIR", "cifar100:DIR" or "npz:FILE".
// Throws InputError for an unknown form or a missing path.
DataSource parse_data_source(const std::string& spec);

// Loads split "train" or "test"; `limit` > 0 keeps the first `limit` samples. The
// normalisation statistics always come from the whole training split. Malformed files
// are InputErrors naming the file and the problem.
Dataset load_dataset(const DataSource& src, const std::string& split, int64_t limit = -1);

// Fashion-MNIST IDX files (.gz or plain) from `dir` (kept for callers that only want it).
Dataset load_fashion_mnist(const std::string& dir, const std::string& split, int64_t limit = -1);
// Resolves "fashion-mnist" or a directory of IDX files to a directory.
std::string resolve_dataset_dir(const std::string& name);

}  // namespace reram
