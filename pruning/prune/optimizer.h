#pragma once
// Optimisers that find the pruning masks (docs/pruning.md §Optimisers): an interface
// with registered implementations (magnitude, lgd, admm), each driving a Granularity.
#include <memory>
#include <string>
#include <vector>

#include "pruning/prune/granularity.h"
#include "pruning/prune/prune.h"
#include "pruning/xbar/crossbar_view.h"

namespace reram::prune {

// One prunable weight layer: where it is, its crossbar grid and its target.
struct LayerPlan {
  int net_index = 0;  // index in the working (unfolded) network
  std::string name;
  LayerGrid grid;
  MatrixXf structural;  // 1 where M can hold a weight (grouped convs), else 0
  int64_t dense_crossbars = 0;
  Budget target;
  bool reorder = false;
  // Share of the dense layer's L2 score the one-shot projection keeps without and with
  // input reorder (-1 where reorder does not apply): the "with and without" report.
  double kept_score_plain = -1, kept_score_reordered = -1;
  MatrixXf mask;  // the optimiser's result
};

// Everything an optimiser works on. It must leave `net`'s weights masked (and quantised
// when opt.quantize) and fill every plan's mask.
struct PruneContext {
  Network& net;
  const ArchConfig& arch;
  const PruneOptions& opt;
  const Granularity& gran;
  std::vector<LayerPlan>& layers;
  const Dataset* train;
  const Dataset* test;
  json log = json::object();  // optimiser details for the report
};

// Finds masks for every plan (see PruneContext).
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;
  virtual std::string summary() const = 0;
  virtual bool needs_training_data(const PruneOptions& o) const = 0;
  // Whether its result lies on the quantised conductance levels by construction (the
  // kept weights are then always rounded to them, as --quantize does).
  virtual bool quantizes() const { return false; }
  virtual void run(PruneContext& ctx) const = 0;
};

Registry<Optimizer>& optimizers();  // pruning/core/registry.h
// ConfigError for unknown names.
inline const Optimizer& optimizer(const std::string& name) { return optimizers().get(name); }
inline std::vector<std::string> optimizer_names() { return optimizers().names(); }
void register_optimizer(std::unique_ptr<Optimizer> o);

// ---- shared pieces ----
// Per-cell importance: |w| (l1), w^2 (l2) or |w * grad| (taylor, grad required).
MatrixXf cell_scores(const MatrixXf& w, const MatrixXf* grad, const std::string& kind);
// The granularity's projection restricted to structural cells.
MatrixXf project_plan(const Granularity& gr, const LayerPlan& p, const MatrixXf& score, const Budget& b);
// The budget `fraction` of the way (cubic, AGP) from dense to the plan's target.
Budget annealed_budget(const LayerPlan& p, double progress);
// Crossbar-view matrix of a layer-shaped weight array and back: weight_to_matrix and
// matrix_to_weight of pruning/xbar/crossbar_view.h.

namespace detail {
void register_builtin_optimizers();
}

}  // namespace reram::prune
