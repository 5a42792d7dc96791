#pragma once
// Labelled image data sets (Fashion-MNIST IDX files) for training and evaluation.
#include <cstdint>
#include <string>
#include <vector>

#include "pruning/core/npy.h"

namespace reram {

// Images as float [N][C][H][W], scaled to [0, 1] then normalised with the data set's
// mean/std (`mean`, `std` record it); labels in [0, classes).
struct Dataset {
  NdArray images;
  std::vector<int> labels;
  double mean = 0.0, std = 1.0;
  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  // The first n samples (or all when n <= 0 or n >= size).
  Dataset head(int64_t n) const;
};

// Loads Fashion-MNIST IDX files (.gz or plain) from `dir`; split is "train" or "test";
// `limit` > 0 keeps the first `limit` samples. Missing or malformed files are InputErrors.
Dataset load_fashion_mnist(const std::string& dir, const std::string& split, int64_t limit = -1);
// Resolves a --data argument: "fashion-mnist" (the Debian package's directory, or
// $RERAM_FASHION_MNIST_DIR) or a directory holding the IDX files.
std::string resolve_dataset_dir(const std::string& name);

}  // namespace reram
