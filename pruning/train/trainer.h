#pragma once
// The training backend: a LibTorch module built from a Network, behind this narrow
// pimpl header (no torch type here, so only pruning/train/*.cpp pay torch's compile
// time). Used by `reram train`, by fine-tuning after pruning, and by the lgd/admm
// optimisers through the step hook, masks and proximal terms.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pruning/core/dataset.h"
#include "pruning/graph/network.h"
#include "pruning/train/train_options.h"

namespace reram {

struct EpochStats {
  int epoch = 0;
  double loss = 0, train_accuracy = 0, test_accuracy = -1, seconds = 0;
};

class Trainer {
 public:
  // Builds the module; copies the network's weights when present, else seeded init.
  Trainer(const Network& net, const TrainOptions& opt);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // One epoch over `train` (seeded shuffle); `epoch` (0-based) drives the schedule over
  // options().epochs. Calls the step hook after every optimiser step.
  EpochStats train_epoch(const Dataset& train, int epoch);
  // Runs all epochs, evaluating on `test` after each (progress line per epoch).
  std::vector<EpochStats> fit(const Dataset& train, const Dataset& test);
  double evaluate(const Dataset& data);           // top-1 accuracy in [0, 1]
  std::vector<int> predict(const Dataset& data);  // argmax per sample
  // (Added by the training backend.) Eval-mode network outputs for images [N][C][H][W]
  // (already normalised): [N][outputs], or the last layer's shape with the batch first.
  NdArray infer(const NdArray& images);

  // Access to conv/linear weights by network layer index, in the layer's own shape.
  NdArray weight(int layer_index) const;
  NdArray grad(int layer_index) const;  // gradient of the last step (zeros before any)
  void set_weight(int layer_index, const NdArray& w);
  // A fixed 0/1 mask: weights and their gradients are multiplied by it after every step.
  void set_mask(int layer_index, const NdArray& mask);
  // A 0/1 mask applied in the forward pass only (straight-through): the loss and the
  // evaluation see W∘M, while the gradient of W∘M updates every entry of the dense W, so a
  // masked weight keeps learning and can re-enter at the next mask. weight() and
  // export_weights() give the dense W. Replaces the layer's previous forward mask.
  void set_forward_mask(int layer_index, const NdArray& mask);
  // Removes every mask (fixed and forward).
  void clear_masks();
  // Adds rho/2 * ||W - target||^2 to the loss for this layer (ADMM W-step); rho 0 removes it.
  void set_proximal(int layer_index, const NdArray& target, double rho);
  // Optional noise injection on weights in the forward pass (relative sigma; 0 = off).
  void set_weight_noise(double relative_sigma);
  // Called after every optimiser step with the global step count.
  void set_step_hook(std::function<void(Trainer&, int64_t step)> hook);

  // Copies every trained parameter (conv/linear/batchnorm) back into `net`.
  void export_weights(Network& net) const;
  const TrainOptions& options() const;
  int64_t steps_per_epoch(const Dataset& train) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace reram
