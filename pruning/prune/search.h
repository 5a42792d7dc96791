#pragma once
// The most compressed crossbar budget within an accuracy bound (`reram prune
// --max-accuracy-loss P`): a bisection over the kept crossbar fraction, each step a full
// prune (+ fine-tuning) judged on a validation split held out of the training set; the
// test set only reports. docs/pruning.md "Maximum compression within an accuracy bound".
#include <string>

#include "pruning/prune/prune.h"

namespace reram {

struct SearchOptions {
  double max_accuracy_loss = 1.0;  // percentage points of validation accuracy below the dense net's
  int steps = 6;                   // bisection steps after the lowest budget was tried
  double min_keep = 0.02;          // the lowest kept fraction tried
  // > 0: the chosen budget is pruned once more with this many fine-tuning epochs (the
  // search's steps use the prune options' finetune_epochs): short fine-tuning to rank the
  // budgets, long fine-tuning for the one written, as NetAdapt (Yang et al., ECCV 2018) does.
  int final_finetune_epochs = 0;
  // A budget holds when its validation accuracy minus z standard errors of its loss (paired
  // with the dense network on the same images) is within the bound; 0: the plain comparison.
  // A larger z guards against a budget passing by the validation split's sampling error.
  double confidence_z = 0.0;
  // Directory of the search's state (one JSON per evaluated budget and the mappings of the
  // budgets within the bound): a rerun with the same inputs reuses every finished step.
  std::string state_dir;
  bool progress = true;
};

struct SearchResult {
  PruneResult best;  // the most compressed mapping within the bound (its prune report)
  json search;       // reference, bound, every evaluated budget (the frontier), the choice,
                     // and with final_finetune_epochs the final stage's accuracies
};

// `train`: the training images pruning and fine-tuning use; `validation`: held-out
// training images every decision is made on; `test` (may be null): reported only.
SearchResult search_max_compression(const Network& net, const ArchConfig& arch, const PruneOptions& opt,
                                    const Dataset& train, const Dataset& validation, const Dataset* test,
                                    const SearchOptions& s);

}  // namespace reram
