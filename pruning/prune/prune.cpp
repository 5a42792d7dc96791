// Whole-network pruning: targets, allocation, reorder, optimiser, fine-tuning, mapping, report.
#include "pruning/prune/prune.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <set>
#include <utility>

#include "pruning/core/error.h"
#include "pruning/core/version.h"
#include "pruning/prune/optimizer.h"

namespace reram {

using prune::Budget;
using prune::LayerPlan;

const std::vector<Option<PruneOptions>>& prune_options() {
  using P = PruneOptions;
  static const std::vector<Option<P>> rows = {
      option("granularity", &P::granularity, "pruning granularity (listed below)"),
      option("optimizer", &P::optimizer, "pruning optimiser (listed below)"),
      option("score", &P::score, "magnitude scores").one_of({"l1", "l2", "taylor"}),
      option("schedule", &P::schedule, "magnitude: one shot, or agp (cubic, over prune_epochs)")
          .one_of({"oneshot", "agp"}),
      option("allocation", &P::allocation,
             "crossbar budget per layer: uniform, score (global ranking of kept-score share per crossbar) or "
             "sensitivity (with --sensitivity-file)")
          .one_of({"uniform", "score", "sensitivity"}),
      option("exclude_first", &P::exclude_first, "keep the first weight layer dense; --include-first prunes it")
          .spelled("--include-first"),
      option("exclude_last", &P::exclude_last, "keep the last weight layer dense; --include-last prunes it")
          .spelled("--include-last"),
      option("reorder", &P::reorder, "input feature-map reorder").one_of({"auto", "on", "off"}),
      option("finetune_epochs", &P::finetune_epochs, "masked fine-tuning epochs").at_least(0),
      option("prune_epochs", &P::prune_epochs, "training epochs of agp / lgd / admm").at_least(0),
      option("taylor_batches", &P::taylor_batches, "batches averaged for Taylor scores").at_least(1),
      option("project_every", &P::project_every, "lgd/agp: steps between projections").at_least(1),
      option("lgd_sigma", &P::lgd_sigma, "lgd: initial group-score noise").at_least(0),
      option("lgd_projection", &P::lgd_projection,
             "lgd: lazy (the forward pass uses the projection, the dense weights keep learning) or eager (weights "
             "overwritten)")
          .one_of({"lazy", "eager"}),
      option("anneal_fraction", &P::anneal_fraction, "lgd/agp: share of the schedule spent annealing")
          .above(0)
          .at_most(1),
      option("admm_rho", &P::admm_rho, "admm: initial penalty").above(0),
      option("admm_rho_growth", &P::admm_rho_growth, "admm: penalty growth per update").at_least(1),
      option("admm_update_steps", &P::admm_update_steps, "admm: steps between Z/U updates (0: a quarter epoch)")
          .at_least(0),
      option("quantize", &P::quantize, "round kept weights to conductance levels (always on for admm)"),
      option("noise_sigma", &P::noise_sigma, "relative weight noise during fine-tuning (device mismatch)")
          .at_least(0)
          .spelled("--noise"),
      option("seed", &P::seed, "seed for LGD noise and shuffling"),
  };
  return rows;
}

json PruneOptions::to_json() const {
  json j = options_json(prune_options(), *this);
  j["train"] = train.to_json();  // the fine-tuning options (finetune_epochs sets their epochs)
  if (keep_crossbars >= 0) j["keep_crossbars"] = keep_crossbars;
  if (weight_sparsity >= 0) j["weight_sparsity"] = weight_sparsity;
  if (!layer_ratios.empty()) j["layer_ratios"] = layer_ratios;
  // The selected granularity's own parameters, resolved (given values and defaults).
  j["granularity_params"] = granularity_params;  // as given when unknown or invalid (check_options rejects it)
  if (prune::granularities().has(granularity)) {
    try {
      j["granularity_params"] = prune::granularity(granularity).resolve_params(granularity_params);
    } catch (const ConfigError&) {
    }
  }
  return j;
}

void quantize_levels(MatrixXf& m, int bits) {
  float wmax = m.cwiseAbs().maxCoeff();
  if (wmax <= 0 || bits <= 0) return;
  const double levels = std::ldexp(1.0, bits) - 1.0;  // steps between 2^bits levels
  const double step = 2.0 * wmax / levels;
  for (int64_t i = 0; i < m.size(); ++i) {
    float& w = m.data()[i];
    if (w == 0.0f) continue;  // pruned cells are not stored at all
    double k = std::round((static_cast<double>(w) + wmax) / step);
    w = static_cast<float>(std::clamp(k, 0.0, levels) * step - wmax);
  }
}

std::vector<int64_t> allocate_uniform(const std::vector<int64_t>& dense, double keep) {
  int64_t total_dense = 0;
  for (int64_t d : dense) total_dense += d;
  const int64_t total = static_cast<int64_t>(std::floor(keep * static_cast<double>(total_dense) + 1e-9));
  std::vector<int64_t> b(dense.size());
  int64_t sum = 0;
  for (size_t i = 0; i < dense.size(); ++i) {
    b[i] =
        std::clamp<int64_t>(static_cast<int64_t>(std::floor(keep * static_cast<double>(dense[i]) + 1e-9)), 1, dense[i]);
    sum += b[i];
  }
  // Spare crossbars go to the layers that rounding cut most; an excess (layers forced
  // to 1) is taken from the largest budgets.
  while (sum < total) {
    int best = -1;
    double best_frac = -1;
    for (size_t i = 0; i < b.size(); ++i) {
      if (b[i] >= dense[i]) continue;
      double frac = keep * static_cast<double>(dense[i]) - static_cast<double>(b[i]);
      if (frac > best_frac) {
        best_frac = frac;
        best = static_cast<int>(i);
      }
    }
    if (best < 0) break;
    ++b[static_cast<size_t>(best)];
    ++sum;
  }
  while (sum > total) {
    auto it = std::max_element(b.begin(), b.end());
    if (*it <= 1) break;  // infeasible: every layer already at one crossbar
    --*it;
    --sum;
  }
  return b;
}

std::vector<double> allocate_sensitivity(const std::vector<int64_t>& dense, const std::vector<double>& ratios,
                                         const std::vector<std::vector<double>>& acc, double keep) {
  int64_t total_dense = 0;
  for (int64_t d : dense) total_dense += d;
  const double total = keep * static_cast<double>(total_dense);
  auto cost = [&](size_t l, size_t k) {
    return std::max(1.0, std::floor(ratios[k] * static_cast<double>(dense[l]) + 1e-9));
  };
  std::vector<size_t> at(dense.size(), 0);
  double used = 0;
  for (size_t l = 0; l < dense.size(); ++l) used += cost(l, 0);
  while (true) {
    int best = -1;
    double best_gain = -1e300;
    for (size_t l = 0; l < dense.size(); ++l) {
      if (at[l] + 1 >= ratios.size()) continue;
      double extra = cost(l, at[l] + 1) - cost(l, at[l]);
      if (used + extra > total + 1e-9) continue;
      double gain = (acc[l][at[l] + 1] - acc[l][at[l]]) / std::max(extra, 0.5);
      if (gain > best_gain) {
        best_gain = gain;
        best = static_cast<int>(l);
      }
    }
    if (best < 0) break;
    used += cost(static_cast<size_t>(best), at[static_cast<size_t>(best)] + 1) -
            cost(static_cast<size_t>(best), at[static_cast<size_t>(best)]);
    ++at[static_cast<size_t>(best)];
  }
  std::vector<double> out;
  for (size_t l = 0; l < dense.size(); ++l) out.push_back(ratios[at[l]]);
  return out;
}

std::vector<int64_t> allocate_by_score(const std::vector<std::vector<double>>& curves, int64_t total) {
  std::vector<int64_t> b(curves.size(), 1);
  int64_t left = total - static_cast<int64_t>(curves.size());
  while (left > 0) {
    int best = -1;
    int64_t best_j = 0;
    double best_gain = 0;
    for (size_t l = 0; l < curves.size(); ++l) {
      const int64_t have = b[l], room = std::min<int64_t>(left, static_cast<int64_t>(curves[l].size()) - have);
      for (int64_t j = 1; j <= room; ++j) {
        double gain = (curves[l][static_cast<size_t>(have + j - 1)] - curves[l][static_cast<size_t>(have - 1)]) /
                      static_cast<double>(j);
        if (gain > best_gain + 1e-12) {
          best_gain = gain;
          best = static_cast<int>(l);
          best_j = j;
        }
      }
    }
    if (best < 0) break;  // nothing left to gain
    b[static_cast<size_t>(best)] += best_j;
    left -= best_j;
  }
  return b;
}

namespace {

void check_options(const PruneOptions& o, bool have_train) {
  prune::granularity(o.granularity);  // throws for unknown names
  const prune::Optimizer& opt = prune::optimizer(o.optimizer);
  int targets = (o.keep_crossbars >= 0) + (o.weight_sparsity >= 0) + (!o.layer_ratios.empty());
  if (targets != 1)
    throw ConfigError("give exactly one target: --keep-crossbars, --weight-sparsity or --ratios (got " +
                      std::to_string(targets) + ")");
  if (o.keep_crossbars >= 0 && (o.keep_crossbars <= 0 || o.keep_crossbars > 1))
    throw ConfigError("--keep-crossbars must be in (0, 1], got " + std::to_string(o.keep_crossbars));
  if (o.weight_sparsity >= 0 && o.weight_sparsity >= 1)
    throw ConfigError("--weight-sparsity must be in [0, 1), got " + std::to_string(o.weight_sparsity));
  for (auto& kv : o.layer_ratios)
    if (kv.second <= 0 || kv.second > 1) throw ConfigError("ratio of layer '" + kv.first + "' must be in (0, 1]");
  check_option_values(prune_options(), o);  // ranges and choices of the table
  if (o.allocation == "score" && o.keep_crossbars < 0) throw ConfigError("score allocation needs --keep-crossbars");
  if (o.allocation == "sensitivity" && (o.sensitivity.is_null() || o.keep_crossbars < 0))
    throw ConfigError("sensitivity allocation needs --sensitivity-file and --keep-crossbars");
  prune::granularity(o.granularity).resolve_params(o.granularity_params);
  if (opt.needs_training_data(o) && !have_train)
    throw ConfigError("optimizer '" + o.optimizer + "' (score " + o.score + ", schedule " + o.schedule +
                      ") needs training data (--data)");
}

double accuracy(const Network& net, const PruneOptions& o, const Dataset* test) {
  if (!test) return -1;
  TrainOptions t = o.train;
  t.progress = false;
  Trainer tr(net, t);
  return tr.evaluate(*test);
}

prune::LayerGrid make_grid(const LayerView& v, const XbarGeometry& geo, const ArchConfig& arch, const PruneOptions& o) {
  prune::LayerGrid g;
  g.rows = v.rows;
  g.cols = v.cols;
  g.kernel_area = v.kernel_area;
  g.xbar_rows = geo.rows;
  g.xbar_cols = geo.logical_cols();
  const int bpw = geo.slices() * geo.sign_factor();
  int ou_r = arch.crossbar.ou_rows > 0 ? arch.crossbar.ou_rows : 16;
  int ou_c = arch.crossbar.ou_cols > 0 ? arch.crossbar.ou_cols : 16;
  g.ou_rows = std::min(ou_r, geo.rows);
  g.ou_cols = std::max(1, std::min(ou_c / bpw, g.xbar_cols));
  g.bitlines_per_weight = bpw;
  g.params = prune::granularity(o.granularity).resolve_params(o.granularity_params);
  return g;
}

struct Plan {
  std::vector<LayerPlan> layers;
  json excluded = json::array();
};

Plan plan_layers(const Network& net, const ArchConfig& arch, const PruneOptions& o) {
  const XbarGeometry geo = XbarGeometry::from_arch(arch);
  if (geo.logical_cols() < 1)
    throw ConfigError(arch.source_file + ": a " + std::to_string(geo.cols) + "-column crossbar holds no " +
                      std::to_string(geo.slices() * geo.sign_factor()) + "-bit-line weight");
  std::vector<int> wl = net.weight_layer_indices();
  if (wl.empty()) throw InputError(net.source_file + ": network has no conv/linear layer to prune");
  Plan plan;
  std::set<std::string> names;
  for (size_t k = 0; k < wl.size(); ++k) {
    const Layer& L = net.layers[static_cast<size_t>(wl[k])];
    names.insert(L.name);
    std::string why;
    if (k == 0 && o.exclude_first) why = "first layer";
    if (k + 1 == wl.size() && o.exclude_last) why = "last layer";
    if (L.kind == LayerKind::Conv && L.groups > 1) why = "grouped convolution (not pruned)";
    if (!o.layer_ratios.empty() && !o.layer_ratios.count(L.name) && why.empty()) why = "not in the ratios file";
    if (!why.empty()) {
      plan.excluded.push_back({{"layer", L.name}, {"reason", why}});
      continue;
    }
    LayerPlan p;
    p.net_index = wl[k];
    p.name = L.name;
    LayerView v = layer_view(L);
    p.grid = make_grid(v, geo, arch, o);
    p.structural = MatrixXf::Zero(v.rows, v.cols);
    for (int64_t r = 0; r < v.rows; ++r)
      for (int64_t c = 0; c < v.cols; ++c) p.structural(r, c) = v.structural(r, c) ? 1.f : 0.f;
    p.dense_crossbars = dense_crossbar_count(v, geo);
    plan.layers.push_back(std::move(p));
  }
  for (auto& kv : o.layer_ratios)
    if (!names.count(kv.first)) throw ConfigError("ratios: no weight layer named '" + kv.first + "'");
  if (plan.layers.empty()) throw ConfigError("no prunable layer left after exclusions");
  // Targets.
  if (o.keep_crossbars >= 0) {
    std::vector<int64_t> dense;
    for (auto& p : plan.layers) dense.push_back(p.dense_crossbars);
    std::vector<int64_t> b;
    if (o.allocation == "sensitivity") {
      std::vector<double> ratios = o.sensitivity.at("ratios").get<std::vector<double>>();
      std::vector<std::vector<double>> acc;
      for (auto& p : plan.layers) {
        bool found = false;
        for (auto& l : o.sensitivity.at("layers"))
          if (l.at("layer").get<std::string>() == p.name) {
            acc.push_back(l.at("accuracy").get<std::vector<double>>());
            found = true;
          }
        if (!found) throw ConfigError("sensitivity file has no layer '" + p.name + "'");
      }
      auto r = allocate_sensitivity(dense, ratios, acc, o.keep_crossbars);
      for (size_t i = 0; i < dense.size(); ++i)
        b.push_back(std::clamp<int64_t>(static_cast<int64_t>(std::floor(r[i] * static_cast<double>(dense[i]) + 1e-9)),
                                        1, dense[i]));
    } else if (o.allocation == "score") {
      // Kept L2 score of every layer at every crossbar count (with the reorder the
      // reorder mode would allow), ranked globally.
      const prune::Granularity& gr = prune::granularity(o.granularity);
      std::vector<std::vector<double>> curves;
      int64_t total_dense = 0;
      for (auto& p : plan.layers) {
        total_dense += p.dense_crossbars;
        MatrixXf m = layer_matrix(net.layers[static_cast<size_t>(p.net_index)]);
        MatrixXf sc = m.array().square().matrix().cwiseProduct(p.structural);
        const double tot = std::max(static_cast<double>(sc.sum()), 1e-30);
        LayerPlan q = p;
        std::vector<int64_t> order = gr.reorder_applies() && o.reorder != "off"
                                         ? prune::reorder_rows(sc, p.grid.kernel_area)
                                         : std::vector<int64_t>{};
        std::vector<double> c;
        for (int64_t n = 1; n <= p.dense_crossbars; ++n) {
          q.grid.row_order.clear();
          double kept = o.reorder == "on" && !order.empty()
                            ? 0.0
                            : (prune::project_plan(gr, q, sc, Budget::crossbars(n)).array() * sc.array()).sum();
          if (!order.empty()) {
            q.grid.row_order = order;
            kept = std::max(
                kept,
                static_cast<double>((prune::project_plan(gr, q, sc, Budget::crossbars(n)).array() * sc.array()).sum()));
          }
          // Normalised by the layer's mean score per dense crossbar (a crossbar of average
          // importance in its layer is worth 1): kept shares alone would favour small layers.
          c.push_back(kept / tot * static_cast<double>(p.dense_crossbars));
        }
        curves.push_back(std::move(c));
      }
      b = allocate_by_score(
          curves, static_cast<int64_t>(std::floor(o.keep_crossbars * static_cast<double>(total_dense) + 1e-9)));
    } else {
      b = allocate_uniform(dense, o.keep_crossbars);
    }
    for (size_t i = 0; i < b.size(); ++i) plan.layers[i].target = Budget::crossbars(b[i]);
  } else if (o.weight_sparsity >= 0) {
    for (auto& p : plan.layers) p.target = Budget::density(1.0 - o.weight_sparsity);
  } else {
    for (auto& p : plan.layers) {
      double r = o.layer_ratios.at(p.name);
      p.target = Budget::crossbars(std::clamp<int64_t>(
          static_cast<int64_t>(std::floor(r * static_cast<double>(p.dense_crossbars) + 1e-9)), 1, p.dense_crossbars));
    }
  }
  return plan;
}

// Input feature-map reorder: on, off, or per layer when the reordered projection of the
// dense weights keeps more score (the proxy for "where it helps"). Both kept-score
// shares are recorded whatever the mode, so every report shows with and without.
void choose_reorder(const Network& net, const PruneOptions& o, const prune::Granularity& gr,
                    std::vector<LayerPlan>& layers) {
  for (auto& p : layers) {
    p.reorder = false;
    p.grid.row_order.clear();
    p.kept_score_plain = p.kept_score_reordered = -1;
    if (!gr.reorder_applies()) continue;
    MatrixXf m = layer_matrix(net.layers[static_cast<size_t>(p.net_index)]);
    MatrixXf s = m.array().square().matrix().cwiseProduct(p.structural);
    const double total = std::max(static_cast<double>(s.sum()), 1e-30);
    std::vector<int64_t> order = prune::reorder_rows(s, p.grid.kernel_area);
    double plain = (prune::project_plan(gr, p, s, p.target).array() * s.array()).sum();
    LayerPlan q = p;
    q.grid.row_order = order;
    double re = (prune::project_plan(gr, q, s, q.target).array() * s.array()).sum();
    p.kept_score_plain = plain / total;
    p.kept_score_reordered = re / total;
    if (o.reorder == "on" || (o.reorder == "auto" && re > plain)) {
      p.grid.row_order = order;
      p.reorder = true;
    }
  }
}

// Masked fine-tuning of `net` for opt.finetune_epochs: pruned weights stay exactly zero
// (and on the conductance levels with opt.quantize). Returns the per-epoch log.
json finetune_masked(Network& net, const ArchConfig& arch, const PruneOptions& opt,
                     const std::vector<LayerPlan>& layers, const Dataset& train) {
  json ft_log = json::array();
  TrainOptions t = opt.train;
  t.epochs = opt.finetune_epochs;
  Trainer tr(net, t);
  for (auto& p : layers)
    tr.set_mask(p.net_index, matrix_to_weight(net.layers[static_cast<size_t>(p.net_index)], p.mask));
  if (opt.noise_sigma > 0) tr.set_weight_noise(opt.noise_sigma);
  for (int e = 0; e < t.epochs; ++e) {
    EpochStats s = tr.train_epoch(train, e);
    if (opt.train.progress)
      std::fprintf(stderr, "fine-tune epoch %d/%d  loss %.4f  train_acc %.2f%%  time %.1fs\n", e + 1, t.epochs, s.loss,
                   100 * s.train_accuracy, s.seconds);
    ft_log.push_back(
        {{"epoch", s.epoch}, {"loss", s.loss}, {"train_accuracy", s.train_accuracy}, {"seconds", s.seconds}});
  }
  tr.set_weight_noise(0.0);
  tr.export_weights(net);
  for (auto& p : layers) {
    Layer& L = net.layers[static_cast<size_t>(p.net_index)];
    MatrixXf m = layer_matrix(L).cwiseProduct(p.mask);
    if (opt.quantize) quantize_levels(m, arch.precision.weight_bits);
    set_layer_matrix(L, m);
  }
  return ft_log;
}

// The sparse mapping: dense mapping of the folded network, then each pruned layer's
// crossbars replaced by its compaction (placed, occupancy counted).
Mapping sparse_mapping(const Network& net, const ArchConfig& arch, const prune::Granularity& gran,
                       const std::map<std::string, const LayerPlan*>& by_name) {
  Mapping m = map_dense(net, arch);
  std::vector<PhysicalCrossbar> xbars;
  for (size_t li = 0; li < m.layers.size(); ++li) {
    MappedLayer& L = m.layers[li];
    std::vector<int> ids;
    auto it = by_name.find(L.name);
    if (it == by_name.end()) {
      for (int id : L.crossbars) {
        PhysicalCrossbar x = m.crossbars[static_cast<size_t>(id)];
        x.id = static_cast<int>(xbars.size());
        ids.push_back(x.id);
        xbars.push_back(std::move(x));
      }
      L.crossbars = ids;
      continue;
    }
    const LayerPlan& p = *it->second;
    Layer& nl = m.network.layers[static_cast<size_t>(L.network_layer)];
    MatrixXf w = layer_matrix(nl).cwiseProduct(p.mask);  // folding keeps zeros; this makes it exact
    set_layer_matrix(nl, w);
    prune::Compaction cp = gran.compact(p.mask, p.grid);
    for (auto& s : cp.crossbars) {
      PhysicalCrossbar x;
      x.id = static_cast<int>(xbars.size());
      x.layer = static_cast<int>(li);
      x.row_block = s.row_block;
      x.col_block = s.col_block;
      x.rows = s.rows;
      x.cols = s.cols;
      ids.push_back(x.id);
      xbars.push_back(std::move(x));
    }
    L.crossbars = ids;
    L.granularity = gran.name();
    L.row_gather = cp.row_gather;
    L.col_recombine = cp.col_recombine;
    L.index_bits = cp.index_bits;
    L.weights_kept = (w.array() != 0).count();
  }
  m.crossbars = std::move(xbars);
  count_occupancy(m, arch.ou_rows_eff(), arch.ou_cols_eff());
  place_crossbars(m, arch);
  return m;
}

// The report's per-layer rows, and the crossbar and weight totals over the prunable
// layers and over all of them.
struct LayerTotals {
  json rows = json::array();
  int64_t prunable_dense = 0, prunable_occupied = 0, dense = 0, occupied = 0;
  int64_t prunable_index_bits = 0, prunable_kept = 0, prunable_total = 0;
};

LayerTotals layer_rows(const Mapping& m, const std::map<std::string, const LayerPlan*>& by_name) {
  LayerTotals t;
  json& layers = t.rows;
  int64_t &pd = t.prunable_dense, &po = t.prunable_occupied, &ad = t.dense, &ao = t.occupied;
  int64_t &pbits = t.prunable_index_bits, &pkept = t.prunable_kept, &ptotal = t.prunable_total;
  for (const auto& L : m.layers) {
    auto it = by_name.find(L.name);
    bool pr = it != by_name.end();
    int64_t occ = static_cast<int64_t>(L.crossbars.size());
    json l = {
        {"layer", L.name},
        {"prunable", pr},
        {"granularity", L.granularity},
        {"dense_crossbars", L.dense_crossbars},
        {"occupied_crossbars", occ},
        {"compression", occ > 0 ? static_cast<double>(L.dense_crossbars) / static_cast<double>(occ) : 0.0},
        {"weights_total", L.weights_total},
        {"weights_kept", L.weights_kept},
        {"weight_sparsity",
         L.weights_total > 0 ? 1.0 - static_cast<double>(L.weights_kept) / static_cast<double>(L.weights_total) : 0.0},
        {"index_bits", L.index_bits},
        {"row_gather", L.row_gather},
        {"col_recombine", L.col_recombine}};
    if (pr) {
      const LayerPlan& p = *it->second;
      l["reorder"] = p.reorder;
      if (p.kept_score_plain >= 0)
        l["reorder_kept_score"] = {{"without", p.kept_score_plain}, {"with", p.kept_score_reordered}};
      if (p.target.kind == Budget::Kind::Crossbars)
        l["budget_crossbars"] = static_cast<int64_t>(p.target.value);
      else
        l["target_density"] = p.target.value;
      pd += L.dense_crossbars;
      po += occ;
      pbits += L.index_bits;
      pkept += L.weights_kept;
      ptotal += L.weights_total;
    }
    ad += L.dense_crossbars;
    ao += occ;
    layers.push_back(l);
  }
  return t;
}

// Runs the optimiser on ctx. Overhead benchmark (opt.measure_plain_epoch): one plain epoch
// of the same net and options right before and right after the pruning phase; their mean
// brackets the pruning epochs in time, so slow drifts of the machine's load cancel.
void run_optimizer(prune::PruneContext& ctx, const PruneOptions& opt, const Dataset* train) {
  const Network dense_net = opt.measure_plain_epoch ? ctx.net : Network{};
  auto plain_epoch = [&]() {
    TrainOptions t = opt.train;
    t.epochs = std::max(1, opt.prune_epochs);
    t.progress = false;
    Trainer plain(dense_net, t);
    const std::clock_t c0 = std::clock();
    double wall = plain.train_epoch(*train, 0).seconds;
    return std::pair<double, double>{wall, static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC};
  };
  std::pair<double, double> plain_before{0, 0};
  if (opt.measure_plain_epoch && train) {
    {  // untimed warm-up (allocator, kernel selection) so the first timed epoch is not penalised
      TrainOptions t = opt.train;
      t.progress = false;
      Trainer warm(dense_net, t);
      warm.train_epoch(train->head(10 * static_cast<int64_t>(std::max(1, t.batch_size))), 0);
    }
    plain_before = plain_epoch();
  }
  prune::optimizer(opt.optimizer).run(ctx);
  if (opt.measure_plain_epoch && train) {
    auto plain_after = plain_epoch();
    ctx.log["plain_epoch_seconds_before"] = plain_before.first;
    ctx.log["plain_epoch_seconds_after"] = plain_after.first;
    ctx.log["plain_epoch_seconds"] = 0.5 * (plain_before.first + plain_after.first);
    ctx.log["plain_epoch_cpu_seconds_before"] = plain_before.second;
    ctx.log["plain_epoch_cpu_seconds_after"] = plain_after.second;
    ctx.log["plain_epoch_cpu_seconds"] = 0.5 * (plain_before.second + plain_after.second);
  }
}

// A budget below the granularity's smallest unit (e.g. `filter` keeps whole columns, so
// it needs at least one crossbar per row-block) leaves the layer empty: say so loudly.
json empty_layer_warnings(const std::vector<LayerPlan>& layers, const prune::Granularity& gran) {
  json warnings = json::array();
  for (auto& p : layers)
    if (p.mask.size() > 0 && p.mask.maxCoeff() == 0.0f) {
      std::string w = "layer '" + p.name + "': granularity " + gran.name() + " fits no group in its budget (" +
                      (p.target.kind == Budget::Kind::Crossbars
                           ? std::to_string(static_cast<int64_t>(p.target.value)) + " crossbars"
                           : "density " + std::to_string(p.target.value)) +
                      "); the whole layer is pruned";
      std::fprintf(stderr, "reram: warning: %s\n", w.c_str());
      warnings.push_back(w);
    }
  return warnings;
}

}  // namespace

PruneResult prune_network(const Network& net_in, const ArchConfig& arch, const PruneOptions& opt_in,
                          const Dataset* train, const Dataset* test) {
  PruneOptions opt = opt_in;
  if (prune::optimizer(opt.optimizer).quantizes()) opt.quantize = true;
  check_options(opt, train != nullptr);
  if (!net_in.has_weights()) throw InputError(net_in.source_file + ": pruning needs weights (--weights)");
  const prune::Granularity& gran = prune::granularity(opt.granularity);
  Network net = net_in;
  Plan plan = plan_layers(net, arch, opt);
  choose_reorder(net, opt, gran, plan.layers);

  json acc;
  acc["dense"] = test ? json(accuracy(net, opt, test)) : json(nullptr);

  prune::PruneContext ctx{net, arch, opt, gran, plan.layers, train, test};
  run_optimizer(ctx, opt, train);
  const json warnings = empty_layer_warnings(plan.layers, gran);
  acc["pruned"] = test ? json(accuracy(net, opt, test)) : json(nullptr);

  // Masked fine-tuning (ADMM's masked retraining); pruned weights stay exactly zero.
  json ft_log = json::array();
  if (opt.finetune_epochs > 0 && train) {
    ft_log = finetune_masked(net, arch, opt, plan.layers, *train);
    acc["finetuned"] = test ? json(accuracy(net, opt, test)) : json(nullptr);
  } else {
    acc["finetuned"] = nullptr;
  }

  PruneResult res;
  std::map<std::string, const LayerPlan*> by_name;
  for (auto& p : plan.layers) by_name[p.name] = &p;
  Mapping m = sparse_mapping(net, arch, gran, by_name);

  // Report.
  const LayerTotals tot = layer_rows(m, by_name);
  const int64_t pd = tot.prunable_dense, po = tot.prunable_occupied, ad = tot.dense, ao = tot.occupied;
  const int64_t pbits = tot.prunable_index_bits, pkept = tot.prunable_kept, ptotal = tot.prunable_total;
  const json& layers = tot.rows;
  auto ratio = [](int64_t a, int64_t b) { return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0; };
  int reordered = 0;
  for (auto& p : plan.layers) reordered += p.reorder;
  json r;
  r["reram_version"] = version();
  r["network"] = net_in.name;
  r["network_file"] = net_in.source_file;
  r["options"] = opt.to_json();
  r["arch"] = arch.to_json();
  r["geometry"] = {{"rows", m.geometry.rows},
                   {"cols", m.geometry.cols},
                   {"cell_bits", m.geometry.cell_bits},
                   {"weight_bits", m.geometry.weight_bits},
                   {"logical_cols", m.geometry.logical_cols()}};
  r["excluded"] = plan.excluded;
  r["layers"] = layers;
  r["total_prunable"] = {{"dense_crossbars", pd},
                         {"occupied_crossbars", po},
                         {"compression", ratio(pd, po)},
                         {"crossbar_fraction", ratio(po, pd)},
                         {"weight_sparsity", ptotal > 0 ? 1.0 - ratio(pkept, ptotal) : 0.0},
                         {"index_bits", pbits}};
  r["total"] = {{"dense_crossbars", ad},
                {"occupied_crossbars", ao},
                {"compression", ratio(ad, ao)},
                {"crossbar_fraction", ratio(ao, ad)},
                {"weight_sparsity", m.weight_sparsity()},
                {"index_bits",
                 [&] {
                   int64_t b = 0;
                   for (auto& L : m.layers) b += L.index_bits;
                   return b;
                 }()},
                {"tiles", m.tiles_used},
                {"pes", m.pes_used}};
  r["accuracy"] = acc;
  r["warnings"] = warnings;
  r["optimizer_log"] = ctx.log;
  r["finetune_log"] = ft_log;
  r["reorder_layers"] = reordered;
  r["data"] = {{"train_samples", train ? train->size() : 0}, {"test_samples", test ? test->size() : 0}};

  m.pruning = {{"method", gran.name() + "/" + opt.optimizer},
               {"granularity", gran.name()},
               {"optimizer", opt.optimizer},
               {"score", opt.score},
               {"schedule", opt.schedule},
               {"keep_crossbars", opt.keep_crossbars >= 0 ? json(opt.keep_crossbars) : json(nullptr)},
               {"weight_sparsity_target", opt.weight_sparsity >= 0 ? json(opt.weight_sparsity) : json(nullptr)},
               {"accuracy", acc},
               {"reorder", opt.reorder},
               {"reorder_layers", reordered},
               {"quantized", opt.quantize},
               {"exclude_first", opt.exclude_first},
               {"exclude_last", opt.exclude_last},
               {"compression_prunable", ratio(pd, po)}};
  res.mapping = std::move(m);
  res.report = std::move(r);
  return res;
}

json sensitivity_analysis(const Network& net, const ArchConfig& arch, const PruneOptions& opt_in,
                          const std::vector<double>& ratios, const Dataset& test) {
  PruneOptions opt = opt_in;
  opt.optimizer = "magnitude";
  opt.schedule = "oneshot";
  if (opt.score == "taylor") opt.score = "l2";
  opt.weight_sparsity = -1;
  opt.layer_ratios.clear();
  opt.keep_crossbars = 1.0;
  check_options(opt, false);
  const prune::Granularity& gran = prune::granularity(opt.granularity);
  Plan plan = plan_layers(net, arch, opt);
  double dense_acc = accuracy(net, opt, &test);
  json layers = json::array();
  for (auto& base : plan.layers) {
    json accs = json::array(), xb = json::array();
    for (double r : ratios) {
      Network n = net;
      std::vector<LayerPlan> one{base};
      one[0].target = Budget::crossbars(
          std::clamp<int64_t>(static_cast<int64_t>(std::floor(r * static_cast<double>(base.dense_crossbars) + 1e-9)), 1,
                              base.dense_crossbars));
      choose_reorder(n, opt, gran, one);
      prune::PruneContext ctx{n, arch, opt, gran, one, nullptr, &test};
      prune::optimizer("magnitude").run(ctx);
      accs.push_back(accuracy(n, opt, &test));
      xb.push_back(static_cast<int64_t>(gran.compact(one[0].mask, one[0].grid).crossbars.size()));
    }
    layers.push_back({{"layer", base.name},
                      {"dense_crossbars", base.dense_crossbars},
                      {"accuracy", accs},
                      {"occupied_crossbars", xb}});
  }
  return {{"reram_version", version()},
          {"network", net.name},
          {"network_file", net.source_file},
          {"granularity", gran.name()},
          {"ratios", ratios},
          {"dense_accuracy", dense_acc},
          {"test_samples", test.size()},
          {"options", opt.to_json()},
          {"arch", arch.to_json()},
          {"layers", layers}};
}

}  // namespace reram
