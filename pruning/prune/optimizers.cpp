// The registered optimisers: magnitude (one-shot / AGP), lgd (L0-constrained GD with the
// project's relaxed probabilistic projection) and admm (group sparsity ∩ conductance levels).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <random>

#include "pruning/core/error.h"
#include "pruning/prune/optimizer.h"

namespace reram::prune {

// ---- shared pieces ----

MatrixXf cell_scores(const MatrixXf& w, const MatrixXf* grad, const std::string& kind) {
  if (kind == "l1") return w.cwiseAbs();
  if (kind == "l2") return w.array().square().matrix();
  if (kind == "taylor") {
    if (!grad) throw ConfigError("taylor scores need gradients (training data)");
    return (w.array() * grad->array()).abs().matrix();
  }
  throw ConfigError("unknown score '" + kind + "' (l1, l2, taylor)");
}

MatrixXf project_plan(const Granularity& gr, const LayerPlan& p, const MatrixXf& score, const Budget& b) {
  MatrixXf s = score.cwiseProduct(p.structural);
  return gr.project(s, p.grid, b).cwiseProduct(p.structural);
}

Budget annealed_budget(const LayerPlan& p, double progress) {
  progress = std::clamp(progress, 0.0, 1.0);
  double w = 1.0 - std::pow(1.0 - progress, 3.0);  // AGP: fast early, gentle near the target
  if (p.target.kind == Budget::Kind::Crossbars) {
    double b = static_cast<double>(p.dense_crossbars) + (p.target.value - static_cast<double>(p.dense_crossbars)) * w;
    return Budget::crossbars(static_cast<int64_t>(std::ceil(b - 1e-9)));
  }
  return Budget::density(1.0 + (p.target.value - 1.0) * w);
}

namespace {

MatrixXf net_matrix(const Network& net, const LayerPlan& p) {
  return layer_matrix(net.layers[static_cast<size_t>(p.net_index)]);
}

void set_net_matrix(Network& net, const LayerPlan& p, const MatrixXf& m) {
  set_layer_matrix(net.layers[static_cast<size_t>(p.net_index)], m);
}

TrainOptions phase_options(const PruneOptions& o, int epochs) {
  TrainOptions t = o.train;
  t.epochs = std::max(1, epochs);
  return t;
}

// Trains the pruning phase, logging each epoch's wall time (the overhead benchmark
// compares it with a plain epoch of the same net).
// The optimiser's training phase: tr's epochs over `train` (progress, per-epoch times in the
// log), then the trained weights back into ctx.net (for lgd: the dense W).
void train_phase(PruneContext& ctx, Trainer& tr, const Dataset& train) {
  json secs = json::array(), cpu = json::array();
  for (int e = 0; e < tr.options().epochs; ++e) {
    const std::clock_t c0 = std::clock();
    EpochStats s = tr.train_epoch(train, e);
    cpu.push_back(static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
    secs.push_back(s.seconds);
    if (ctx.opt.train.progress)
      std::fprintf(stderr, "%s epoch %d/%d  loss %.4f  train_acc %.2f%%  time %.1fs\n", ctx.opt.optimizer.c_str(),
                   e + 1, tr.options().epochs, s.loss, 100 * s.train_accuracy, s.seconds);
  }
  ctx.log["epoch_seconds"] = secs;
  // Process CPU time: insensitive to other processes' load (the overhead benchmark).
  ctx.log["epoch_cpu_seconds"] = cpu;
  tr.export_weights(ctx.net);
}

const Dataset& need_train(const PruneContext& ctx, const std::string& who) {
  if (!ctx.train) throw ConfigError(who + " needs training data (--data)");
  return *ctx.train;
}

// Mean |w * grad| over a few batches, without changing the network (lr 0 on a copy).
std::vector<MatrixXf> taylor_scores(PruneContext& ctx) {
  const Dataset& train = need_train(ctx, "taylor scores");
  TrainOptions t = ctx.opt.train;
  t.epochs = 1;
  t.lr = 0.0;
  t.momentum = 0.0;
  t.weight_decay = 0.0;
  t.schedule = "constant";
  t.progress = false;
  Trainer tr(ctx.net, t);
  std::vector<MatrixXf> acc;
  for (auto& p : ctx.layers) acc.push_back(MatrixXf::Zero(p.grid.rows, p.grid.cols));
  tr.set_step_hook([&](Trainer& T, int64_t) {
    for (size_t i = 0; i < ctx.layers.size(); ++i) {
      const Layer& L = ctx.net.layers[static_cast<size_t>(ctx.layers[i].net_index)];
      MatrixXf w = weight_to_matrix(L, T.weight(ctx.layers[i].net_index));
      MatrixXf g = weight_to_matrix(L, T.grad(ctx.layers[i].net_index));
      acc[i] += (w.array() * g.array()).abs().matrix();
    }
  });
  tr.train_epoch(train.head(static_cast<int64_t>(ctx.opt.taylor_batches) * t.batch_size), 0);
  return acc;
}

// Final hard projection of the network's current weights onto the targets.
void hard_prune(PruneContext& ctx, const std::vector<MatrixXf>* scores = nullptr) {
  for (size_t i = 0; i < ctx.layers.size(); ++i) {
    auto& p = ctx.layers[i];
    MatrixXf m = net_matrix(ctx.net, p);
    MatrixXf s = scores ? (*scores)[i] : cell_scores(m, nullptr, ctx.opt.score == "l1" ? "l1" : "l2");
    p.mask = project_plan(ctx.gran, p, s, p.target);
    m = m.cwiseProduct(p.mask);
    if (ctx.opt.quantize) quantize_levels(m, ctx.arch.precision.weight_bits);
    set_net_matrix(ctx.net, p, m);
  }
}

// ---------------------------------------------------------------------------
// Magnitude: one-shot (rank groups by L1/L2/Taylor, prune to target) or iterative with
// the cubic AGP schedule (masks re-projected every project_every steps while training).
class Magnitude : public Optimizer {
 public:
  std::string name() const override { return "magnitude"; }
  std::string summary() const override {
    return "rank groups by L1/L2/Taylor score; one-shot or iterative (AGP cubic schedule)";
  }
  bool needs_training_data(const PruneOptions& o) const override { return o.schedule == "agp" || o.score == "taylor"; }
  void run(PruneContext& ctx) const override {
    if (ctx.opt.schedule == "oneshot") {
      if (ctx.opt.score == "taylor") {
        auto s = taylor_scores(ctx);
        hard_prune(ctx, &s);
      } else {
        hard_prune(ctx);
      }
      return;
    }
    if (ctx.opt.schedule != "agp") throw ConfigError("unknown schedule '" + ctx.opt.schedule + "' (oneshot, agp)");
    const Dataset& train = need_train(ctx, "the agp schedule");
    Trainer tr(ctx.net, phase_options(ctx.opt, ctx.opt.prune_epochs));
    const double total = static_cast<double>(tr.steps_per_epoch(train) * tr.options().epochs);
    const double horizon = std::max(1.0, ctx.opt.anneal_fraction * total);
    int projections = 0;
    tr.set_step_hook([&](Trainer& T, int64_t step) {
      if (step % ctx.opt.project_every != 0) return;
      ++projections;
      for (auto& p : ctx.layers) {
        const Layer& L = ctx.net.layers[static_cast<size_t>(p.net_index)];
        MatrixXf w = weight_to_matrix(L, T.weight(p.net_index));
        MatrixXf s = cell_scores(w, nullptr, ctx.opt.score == "l1" ? "l1" : "l2");
        p.mask = project_plan(ctx.gran, p, s, annealed_budget(p, static_cast<double>(step) / horizon));
        T.set_mask(p.net_index, matrix_to_weight(L, p.mask));
      }
    });
    train_phase(ctx, tr, train);
    ctx.log["agp_projections"] = projections;
    hard_prune(ctx);
  }
};

// LGD: SGD on the dense weights, and every project_every steps a projection onto "at
// most k groups" that is relaxed and probabilistic (RPP, the project's formulation,
// docs/pruning.md): the budget anneals cubically from dense to the target over
// anneal_fraction of the schedule, and every group's score is multiplied by
// exp(sigma_t * xi_g), xi_g ~ N(0,1), sigma_t = lgd_sigma * (1 - progress). A group
// below the cut survives a projection with a probability that rises with its norm.
// Where the projection acts (lgd_projection):
//   lazy  (default) the projected point W∘M is what the forward pass uses, and the
//         gradient taken there updates the dense W (straight-through; the lazy /
//         dual-averaging form of projected gradient descent): a pruned group keeps its
//         weights and its gradient, and re-enters when its norm climbs back over the cut.
//   eager the projection overwrites W (iterative hard thresholding); a zeroed group can
//         regrow only through the gradient steps before the next projection.
// The final projection is the granularity's hard top-k at the target.
class Lgd : public Optimizer {
 public:
  std::string name() const override { return "lgd"; }
  std::string summary() const override {
    return "L0-constrained gradient descent with relaxed probabilistic projection";
  }
  bool needs_training_data(const PruneOptions&) const override { return true; }
  void run(PruneContext& ctx) const override {
    const Dataset& train = need_train(ctx, "lgd");
    const bool lazy = ctx.opt.lgd_projection == "lazy";
    Trainer tr(ctx.net, phase_options(ctx.opt, ctx.opt.prune_epochs));
    const double total = static_cast<double>(tr.steps_per_epoch(train) * tr.options().epochs);
    const double horizon = std::max(1.0, ctx.opt.anneal_fraction * total);
    std::vector<GroupIds> ids;
    std::vector<int64_t> ngroups;
    for (auto& p : ctx.layers) {
      ids.push_back(ctx.gran.groups(p.grid));
      ngroups.push_back(static_cast<int64_t>(ids.back().maxCoeff()) + 1);
    }
    std::mt19937_64 rng(ctx.opt.seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    int projections = 0;
    double projection_seconds = 0;
    tr.set_step_hook([&](Trainer& T, int64_t step) {
      if (step % ctx.opt.project_every != 0) return;
      const auto t0 = std::chrono::steady_clock::now();
      ++projections;
      double progress = std::min(1.0, static_cast<double>(step) / horizon);
      double sigma = ctx.opt.lgd_sigma * (1.0 - progress);
      for (size_t i = 0; i < ctx.layers.size(); ++i) {
        auto& p = ctx.layers[i];
        const Layer& L = ctx.net.layers[static_cast<size_t>(p.net_index)];
        MatrixXf w = weight_to_matrix(L, T.weight(p.net_index));
        MatrixXf s = w.array().square().matrix();
        if (sigma > 0) {
          std::vector<float> noise(static_cast<size_t>(ngroups[i]));
          for (auto& n : noise) n = static_cast<float>(std::exp(sigma * normal(rng)));
          for (int64_t r = 0; r < s.rows(); ++r)
            for (int64_t c = 0; c < s.cols(); ++c) s(r, c) *= noise[static_cast<size_t>(ids[i](r, c))];
        }
        p.mask = project_plan(ctx.gran, p, s, annealed_budget(p, progress));
        if (lazy)
          T.set_forward_mask(p.net_index, matrix_to_weight(L, p.mask));
        else
          T.set_weight(p.net_index, matrix_to_weight(L, w.cwiseProduct(p.mask)));
      }
      projection_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    });
    train_phase(ctx, tr, train);  // ctx.net: the dense W (lazy) or the last projection plus steps (eager)
    ctx.log["lgd_projections"] = projections;
    ctx.log["lgd_projection_seconds"] = projection_seconds;  // inside the epoch times
    hard_prune(ctx);
  }
};

// ADMM: minimise loss s.t. W in S = (group-sparse at the target) ∩ (quantised
// conductance levels). W-step: SGD on loss + rho/2 ||W - Z + U||^2 (Trainer proximal
// term); Z-step: Z = Pi_S(W + U) (hard top-k of groups, then rounding of kept weights to
// levels); U-step: U += W - Z; rho grows by admm_rho_growth per update. Then hard prune
// and quantise; masked retraining (with optional noise) follows as fine-tuning.
class Admm : public Optimizer {
 public:
  std::string name() const override { return "admm"; }
  std::string summary() const override {
    return "ADMM onto group sparsity ∩ quantised conductance levels, then masked retraining";
  }
  bool needs_training_data(const PruneOptions&) const override { return true; }
  bool quantizes() const override { return true; }  // the constraint set includes the levels
  void run(PruneContext& ctx) const override {
    const Dataset& train = need_train(ctx, "admm");
    const int bits = ctx.arch.precision.weight_bits;
    Trainer tr(ctx.net, phase_options(ctx.opt, ctx.opt.prune_epochs));
    auto project_s = [&](const LayerPlan& p, const MatrixXf& v) {
      MatrixXf z = v.cwiseProduct(project_plan(ctx.gran, p, v.array().square().matrix(), p.target));
      quantize_levels(z, bits);
      return z;
    };
    double rho = ctx.opt.admm_rho;
    std::vector<MatrixXf> Z, U;
    for (auto& p : ctx.layers) {
      MatrixXf w = net_matrix(ctx.net, p);
      Z.push_back(project_s(p, w));
      U.push_back(MatrixXf::Zero(w.rows(), w.cols()));
      const Layer& L = ctx.net.layers[static_cast<size_t>(p.net_index)];
      tr.set_proximal(p.net_index, matrix_to_weight(L, Z.back() - U.back()), rho);
    }
    int64_t every =
        ctx.opt.admm_update_steps > 0 ? ctx.opt.admm_update_steps : std::max<int64_t>(1, tr.steps_per_epoch(train) / 4);
    json residuals = json::array();
    double update_seconds = 0;
    tr.set_step_hook([&](Trainer& T, int64_t step) {
      if (step % every != 0) return;
      const auto t0 = std::chrono::steady_clock::now();
      rho *= ctx.opt.admm_rho_growth;
      double num = 0, den = 0;
      for (size_t i = 0; i < ctx.layers.size(); ++i) {
        auto& p = ctx.layers[i];
        const Layer& L = ctx.net.layers[static_cast<size_t>(p.net_index)];
        MatrixXf w = weight_to_matrix(L, T.weight(p.net_index));
        Z[i] = project_s(p, w + U[i]);
        U[i] += w - Z[i];
        num += (w - Z[i]).squaredNorm();
        den += w.squaredNorm();
        T.set_proximal(p.net_index, matrix_to_weight(L, Z[i] - U[i]), rho);
      }
      residuals.push_back(std::sqrt(num / std::max(den, 1e-30)));
      update_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    });
    train_phase(ctx, tr, train);
    ctx.log["admm_relative_residuals"] = residuals;
    ctx.log["admm_final_rho"] = rho;
    ctx.log["admm_update_seconds"] = update_seconds;  // Z/U steps, inside the epoch times
    hard_prune(ctx);
  }
};

}  // namespace

namespace detail {
void register_builtin_optimizers() {
  register_optimizer(std::make_unique<Magnitude>());
  register_optimizer(std::make_unique<Lgd>());
  register_optimizer(std::make_unique<Admm>());
}
}  // namespace detail

Registry<Optimizer>& optimizers() {
  static Registry<Optimizer> r("optimizer", [](Registry<Optimizer>&) { detail::register_builtin_optimizers(); });
  return r;
}

void register_optimizer(std::unique_ptr<Optimizer> o) { optimizers().add(std::move(o)); }

}  // namespace reram::prune
