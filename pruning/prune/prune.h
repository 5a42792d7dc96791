#pragma once
// Crossbar-aware pruning of a whole network (docs/pruning.md): target allocation across
// layers, optional input feature-map reorder, an optimiser that finds the masks, masked
// fine-tuning, and the sparse crossbar mapping the simulator consumes.
#include <map>
#include <string>
#include <vector>

#include "pruning/arch/arch_config.h"
#include "pruning/core/dataset.h"
#include "pruning/graph/network.h"
#include "pruning/train/trainer.h"
#include "pruning/xbar/mapping.h"

namespace reram {

struct PruneOptions {
  std::string granularity = "crossbar";  // registered name (reram prune --help lists them)
  std::string optimizer = "magnitude";   // magnitude | lgd | admm
  std::string score = "l2";              // magnitude scores: l1 | l2 | taylor
  std::string schedule = "oneshot";      // magnitude: oneshot | agp (iterative, cubic)

  // Target: exactly one of keep_crossbars, weight_sparsity, layer_ratios.
  double keep_crossbars = -1;                  // at most this fraction of the dense crossbars of the prunable layers
  double weight_sparsity = -1;                 // fraction of weights removed in every prunable layer
  std::map<std::string, double> layer_ratios;  // per-layer crossbar keep ratio (unlisted: dense)
  std::string allocation = "uniform";          // uniform | score | sensitivity (needs sensitivity)
  json sensitivity;                            // a `reram prune --sensitivity` report, for allocation

  bool exclude_first = true;     // keep the first weight layer dense
  bool exclude_last = true;      // keep the last weight layer dense
  std::string reorder = "auto";  // auto (per layer, when it keeps more score) | on | off

  int finetune_epochs = 0;
  int prune_epochs = 2;     // training epochs of agp / lgd / admm before the hard prune
  TrainOptions train;       // fine-tuning and pruning-phase training options
  int taylor_batches = 20;  // batches averaged for Taylor scores

  // Granularity parameters.
  // Parameters a granularity declares itself (Granularity::params()), as given.
  std::map<std::string, double> granularity_params;

  // Optimiser parameters.
  int project_every = 16;               // lgd/agp: steps between projections
  double lgd_sigma = 0.5;               // lgd: initial log-normal group-score noise
  std::string lgd_projection = "lazy";  // lgd: lazy (forward pass, dense W kept) | eager (W overwritten)
  double anneal_fraction = 0.75;        // lgd/agp: share of the schedule spent annealing
  double admm_rho = 1e-3;               // admm: initial penalty
  double admm_rho_growth = 1.3;         // admm: factor per Z/U update
  int admm_update_steps = 0;            // admm: steps between Z/U updates (0: a quarter epoch)
  bool quantize = false;                // round kept weights to conductance levels (admm forces it)
  double noise_sigma = 0.0;             // relative weight noise during fine-tuning (device mismatch)
  uint64_t seed = 1;
  // Also time one plain training epoch of the same net and options (overhead benchmark).
  bool measure_plain_epoch = false;

  json to_json() const;
};

// The pruning options declared once (pruning/core/option_table.h): one row per scalar
// option (not the target, layer ratios, sensitivity, granularity parameters or the nested
// training options) drives `reram prune`'s flags, the checks and PruneOptions::to_json.
const std::vector<Option<PruneOptions>>& prune_options();

struct PruneResult {
  Mapping mapping;
  json report;
};

// Prunes `net` (with weights; batchnorm unfolded is fine) for `arch`. `train`/`test`
// may be null: then no training-based optimiser or fine-tuning, and no accuracy.
PruneResult prune_network(const Network& net, const ArchConfig& arch, const PruneOptions& opt, const Dataset* train,
                          const Dataset* test);

// Sensitivity analysis: every prunable layer alone pruned (one-shot magnitude, no
// fine-tuning) at each crossbar keep ratio; accuracy on `test` per point.
json sensitivity_analysis(const Network& net, const ArchConfig& arch, const PruneOptions& opt,
                          const std::vector<double>& ratios, const Dataset& test);

// Crossbar budgets per layer meeting a global budget (exposed for tests): every layer
// at least 1 and at most its dense count, the sum at most `total` when feasible.
std::vector<int64_t> allocate_uniform(const std::vector<int64_t>& dense, double keep);
// Greedy sensitivity-guided allocation: `acc[l][k]` is layer l's accuracy at
// ratios[k] (ascending); layers start at the lowest ratio and the layer with the best
// accuracy gain per extra crossbar moves up while the total stays within budget.
std::vector<double> allocate_sensitivity(const std::vector<int64_t>& dense, const std::vector<double>& ratios,
                                         const std::vector<std::vector<double>>& acc, double keep);

// Global ranking of normalised group scores: curves[l][b-1] is the score layer l's
// projection keeps with b crossbars (b = 1..dense_l), in units of the layer's mean score
// per dense crossbar (prune_network: kept share x dense_l). Every layer starts at one
// crossbar; the rest of `total` goes, step by step, to the layer and number of extra
// crossbars with the best gain per crossbar (looking ahead past flat stretches of
// step-shaped curves). Returns crossbars per layer.
std::vector<int64_t> allocate_by_score(const std::vector<std::vector<double>>& curves, int64_t total);

// Rounds every value to the nearest of 2^bits uniform levels over [-max|w|, max|w|]
// (the offset encoding maps that range linearly onto [G_min, G_max]); zeros stay zero.
void quantize_levels(MatrixXf& m, int bits);

}  // namespace reram
