#pragma once
// The training options (reram train, fine-tuning after pruning, the optimisers' training
// phases) and their table (pruning/core/option_table.h): one row per option drives
// `reram train`'s flags, a recipe's "train" object, the checks and the reports' options.
#include <cstdint>
#include <string>
#include <vector>

#include "pruning/core/option_table.h"

namespace reram {

struct TrainOptions {
  int epochs = 10;
  int batch_size = 128;
  std::string optimizer = "sgd";  // sgd (with momentum) | adam
  double lr = 0.05;
  double momentum = 0.9;
  double weight_decay = 5e-4;
  std::string schedule = "cosine";  // cosine | step | multistep | constant
  int step_size = 10;               // step schedule: epochs per decay
  double gamma = 0.1;               // step / multistep schedule: decay factor
  std::vector<int> milestones;      // multistep schedule: epochs at which lr *= gamma (ascending)
  uint64_t seed = 1;                // init, shuffling, augmentation
  bool augment = false;             // random crop (pad augment_pad) + horizontal flip
  int augment_pad = 2;              // pixels of padding for the random crop (CIFAR recipes: 4)
  bool progress = true;             // one line per epoch on stderr (not an option: --quiet)
  int threads = 0;                  // LibTorch intra-op threads (0: one per core)

  json to_json() const;
};

// The rows, in --help order.
inline const std::vector<Option<TrainOptions>>& train_options() {
  using T = TrainOptions;
  static const std::vector<Option<T>> rows = {
      option("epochs", &T::epochs, "training epochs (0: evaluate only)").at_least(0),
      option("batch_size", &T::batch_size, "mini-batch size").at_least(1),
      option("lr", &T::lr, "initial learning rate").above(0),
      option("optimizer", &T::optimizer, "optimizer (sgd: with momentum)").one_of({"sgd", "adam"}),
      option("momentum", &T::momentum, "SGD momentum").at_least(0),
      option("weight_decay", &T::weight_decay, "L2 weight decay on conv/linear weights").at_least(0),
      option("schedule", &T::schedule, "learning-rate schedule").one_of({"cosine", "step", "multistep", "constant"}),
      option("step_size", &T::step_size, "step schedule: epochs per decay").at_least(1),
      option("gamma", &T::gamma, "step / multistep schedule: decay factor").above(0),
      option("milestones", &T::milestones,
             "multistep schedule: epochs at which the lr is multiplied by gamma, ascending, e.g. 82,123"),
      option("seed", &T::seed, "seed for init, shuffling and augmentation"),
      option("augment", &T::augment, "random crop (padded by augment_pad) + horizontal flip"),
      option("augment_pad", &T::augment_pad, "padding in pixels of the random crop").at_least(0).at_most(16),
      option("threads", &T::threads, "LibTorch intra-op threads (0: OMP_NUM_THREADS, else one per core)").at_least(0),
  };
  return rows;
}

inline json TrainOptions::to_json() const { return options_json(train_options(), *this); }

}  // namespace reram
