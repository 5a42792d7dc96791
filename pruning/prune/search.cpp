#include "pruning/prune/search.h"

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "pruning/core/error.h"
#include "pruning/core/json_util.h"
#include "pruning/core/version.h"
#include "pruning/train/trainer.h"

namespace reram {

namespace {

double float_accuracy(const Network& net, const PruneOptions& o, const Dataset& d) {
  TrainOptions t = o.train;
  t.progress = false;
  Trainer tr(net, t);
  return tr.evaluate(d);
}

// Per image: 1 where the network classifies it correctly.
std::vector<char> correct(const Network& net, const PruneOptions& o, const Dataset& d) {
  TrainOptions t = o.train;
  t.progress = false;
  Trainer tr(net, t);
  const std::vector<int> p = tr.predict(d);
  std::vector<char> c(p.size());
  for (size_t i = 0; i < p.size(); ++i) c[i] = p[i] == d.labels[i] ? 1 : 0;
  return c;
}

// Top-1 accuracy from per-image correctness (as Trainer::evaluate computes it).
double accuracy_of(const std::vector<char>& c) {
  int64_t n = 0;
  for (char x : c) n += x;
  return c.empty() ? 0.0 : static_cast<double>(n) / static_cast<double>(c.size());
}

// Standard error of the accuracy loss (dense minus pruned, both on the same images): the
// per-image difference is -1, 0 or 1.
double paired_loss_se(const std::vector<char>& dense, const std::vector<char>& pruned) {
  const double n = static_cast<double>(dense.size());
  double sum = 0, sq = 0;
  for (size_t i = 0; i < dense.size(); ++i) {
    const double d = dense[i] - pruned[i];
    sum += d;
    sq += d * d;
  }
  const double mean = sum / n;
  return n > 1 ? std::sqrt(std::max(0.0, sq / n - mean * mean) / (n - 1)) : 0.0;
}

std::string keep_tag(double keep) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6f", keep);
  return b;
}

bool file_exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

void check_search_options(const PruneOptions& opt, const Dataset& validation, const SearchOptions& s) {
  if (!(s.max_accuracy_loss >= 0) || s.max_accuracy_loss > 100)
    throw ConfigError("--max-accuracy-loss must be in 0..100 percentage points, got " +
                      std::to_string(s.max_accuracy_loss));
  if (s.steps < 1 || s.steps > 30) throw ConfigError("--search-steps must be in 1..30, got " + std::to_string(s.steps));
  if (!(s.confidence_z >= 0 && s.confidence_z <= 10))
    throw ConfigError("--search-confidence must be in 0..10 standard errors, got " + std::to_string(s.confidence_z));
  if (s.final_finetune_epochs < 0 || s.final_finetune_epochs > 1000)
    throw ConfigError("--search-final-epochs must be in 0..1000, got " + std::to_string(s.final_finetune_epochs));
  if (!(s.min_keep > 0 && s.min_keep < 1))
    throw ConfigError("--search-min-keep must be in (0, 1), got " + std::to_string(s.min_keep));
  if (validation.size() == 0) throw ConfigError("the search needs validation images (--validation-samples)");
  if (opt.keep_crossbars >= 0 || opt.weight_sparsity >= 0 || !opt.layer_ratios.empty())
    throw ConfigError(
        "--max-accuracy-loss searches the crossbar budget: it conflicts with --keep-crossbars, "
        "--weight-sparsity and --ratios");
}

// One budget pruned with `epochs` of fine-tuning, its state in `<state_dir>/<name>.json`
// (+ `.map.json`): a file made with the same inputs is reused.
struct BudgetRunner {
  const Network& net;
  const ArchConfig& arch;
  const PruneOptions& opt;
  const Dataset& train;
  const Dataset& validation;
  const Dataset* test;
  const SearchOptions& s;
  json inputs;  // everything a step's result depends on
  double bound;
  std::vector<char> dense_correct;  // the dense network on the validation images

  // Within the bound: validation accuracy minus z standard errors of the paired loss.
  bool holds(const json& row) const {
    return row["validation_accuracy"].get<double>() - s.confidence_z * row["validation_loss_se"].get<double>() >= bound;
  }

  // Returns the frontier row; `result` gets the mapping when the budget holds the bound.
  json evaluate(double keep, int epochs, const std::string& name, const std::string& label, PruneResult* result) const {
    json step_inputs = inputs;
    if (epochs != opt.finetune_epochs) step_inputs["options"]["finetune_epochs"] = epochs;
    const std::string state = s.state_dir.empty() ? "" : s.state_dir + "/" + name + ".json";
    const std::string map_path = s.state_dir.empty() ? "" : s.state_dir + "/" + name + ".map.json";
    if (!state.empty() && file_exists(state) && file_exists(map_path)) {
      json st = load_json_file(state);
      if (st.value("inputs", json()) == step_inputs) {
        // The bound may differ from the run that made the file: judge the step anew. (Files
        // written before the standard error was recorded get it from their mapping.)
        Mapping m;
        const bool need_se = !st["row"].contains("validation_loss_se");
        if (need_se) {
          m = load_mapping(map_path);
          st["row"]["validation_loss_se"] = paired_loss_se(dense_correct, correct(m.network, opt, validation));
        }
        st["row"]["within_bound"] = holds(st["row"]);
        if (result && st["row"]["within_bound"].get<bool>()) {
          result->mapping = need_se ? std::move(m) : load_mapping(map_path);
          result->report = st["prune_report"];
        }
        if (s.progress) std::fprintf(stderr, "%s: keep %.4f: reused from %s\n", label.c_str(), keep, state.c_str());
        return st["row"];
      }
    }
    const auto t0 = std::chrono::steady_clock::now();
    PruneOptions o = opt;
    o.keep_crossbars = keep;
    o.finetune_epochs = epochs;
    PruneResult r = prune_network(net, arch, o, &train, &validation);
    const json& acc = r.report["accuracy"];
    const double val = acc["finetuned"].is_number() ? acc["finetuned"].get<double>() : acc["pruned"].get<double>();
    const double tst = test ? float_accuracy(r.mapping.network, opt, *test) : -1.0;
    const json& tp = r.report["total_prunable"];
    json row = {{"keep_crossbars", keep},
                {"validation_accuracy", val},
                {"validation_loss_se", paired_loss_se(dense_correct, correct(r.mapping.network, opt, validation))},
                {"test_accuracy", test ? json(tst) : json(nullptr)},
                {"occupied_crossbars", tp["occupied_crossbars"]},
                {"dense_crossbars", tp["dense_crossbars"]},
                {"compression", tp["compression"]},
                {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()}};
    const bool ok = holds(row);
    row["within_bound"] = ok;
    if (!state.empty()) {
      save_mapping(r.mapping, map_path);  // first: a state file always has its mapping
      write_json_atomic(state, {{"inputs", step_inputs}, {"row", row}, {"prune_report", r.report}});
    }
    if (s.progress)
      std::fprintf(
          stderr, "%s: keep %.4f -> %.2fx, validation %.2f%% (loss se %.2f points) %s (bound %.2f%%%s)%s, %.0f s\n",
          label.c_str(), keep, tp["compression"].get<double>(), 100 * val,
          100 * row["validation_loss_se"].get<double>(), ok ? "holds" : "fails", 100 * bound,
          s.confidence_z > 0 ? (", " + std::to_string(s.confidence_z).substr(0, 4) + " se margin").c_str() : "",
          test ? (", test " + std::to_string(100 * tst).substr(0, 5) + "%").c_str() : "", row["seconds"].get<double>());
    if (result && ok) *result = std::move(r);
    return row;
  }
};

}  // namespace

SearchResult search_max_compression(const Network& net, const ArchConfig& arch, const PruneOptions& opt,
                                    const Dataset& train, const Dataset& validation, const Dataset* test,
                                    const SearchOptions& s) {
  check_search_options(opt, validation, s);
  if (!s.state_dir.empty()) ::mkdir(s.state_dir.c_str(), 0755);

  // Everything a step's result depends on: a state file made with other inputs is not reused.
  PruneOptions base = opt;
  base.train.progress = false;
  const json inputs = {{"reram_version", version()},    {"options", base.to_json()},
                       {"arch", arch.to_json()},        {"network", net.name},
                       {"train_samples", train.size()}, {"validation_samples", validation.size()},
                       {"data", train.source}};

  std::vector<char> dense_correct = correct(net, opt, validation);
  const double reference = accuracy_of(dense_correct);
  const double bound = reference - s.max_accuracy_loss / 100.0;
  const double reference_test = test ? float_accuracy(net, opt, *test) : -1.0;
  if (s.progress)
    std::fprintf(stderr, "search: dense validation accuracy %.2f%%, bound %.2f%% (-%.2f points), %d steps\n",
                 100 * reference, 100 * bound, s.max_accuracy_loss, s.steps + 1);

  std::map<double, json> points;  // keep -> frontier row
  std::map<double, PruneResult> feasible_results;
  const BudgetRunner runner{net, arch, opt, train, validation, test, s, inputs, bound, std::move(dense_correct)};
  auto run = [&](double keep, int step, int total) -> bool {
    PruneResult r;
    const json row = runner.evaluate(keep, opt.finetune_epochs, "keep_" + keep_tag(keep),
                                     "search step " + std::to_string(step) + "/" + std::to_string(total), &r);
    points[keep] = row;
    const bool ok = row["within_bound"].get<bool>();
    if (ok) feasible_results[keep] = std::move(r);
    return ok;
  };

  // Bisection in log(keep) between the lowest budget (tried first: if it holds, done) and
  // the dense network (within the bound by definition). Assumes accuracy falls as the
  // budget shrinks; every evaluated point is in the frontier, so a non-monotone curve shows.
  const int total = s.steps + 1;
  double lo = s.min_keep, hi = 1.0;
  if (!run(lo, 1, total)) {
    for (int i = 0; i < s.steps; ++i) {
      const double mid = std::sqrt(lo * hi);
      if (run(mid, i + 2, total))
        hi = mid;
      else
        lo = mid;
    }
  }

  SearchResult out;
  double best_keep = -1;
  double best_compression = 0;
  for (const auto& [keep, row] : points)
    if (row["within_bound"].get<bool>() && row["compression"].get<double>() > best_compression) {
      best_compression = row["compression"].get<double>();
      best_keep = keep;
    }
  if (best_keep < 0) {
    // No budget tried held the bound: the unpruned mapping is the answer.
    PruneOptions o = opt;
    o.keep_crossbars = 1.0;
    out.best = prune_network(net, arch, o, &train, &validation);
    best_keep = 1.0;
  } else {
    out.best = std::move(feasible_results.at(best_keep));
  }
  // The final stage: the chosen budget fine-tuned longer. It replaces the search's mapping
  // unless it falls below the bound (then the search's own mapping, which held, stays).
  json final_stage = nullptr;
  if (s.final_finetune_epochs > 0 && best_keep < 1.0) {
    PruneResult r;
    json row = runner.evaluate(best_keep, s.final_finetune_epochs,
                               "final_keep_" + keep_tag(best_keep) + "_ft" + std::to_string(s.final_finetune_epochs),
                               "final fine-tuning (" + std::to_string(s.final_finetune_epochs) + " epochs)", &r);
    row["finetune_epochs"] = s.final_finetune_epochs;
    row["used"] = row["within_bound"].get<bool>();
    if (row["used"].get<bool>()) out.best = std::move(r);
    final_stage = row;
  }
  json frontier = json::array();
  for (const auto& [keep, row] : points) frontier.push_back(row);
  out.search = {{"max_accuracy_loss_points", s.max_accuracy_loss},
                {"reference_validation_accuracy", reference},
                {"reference_test_accuracy", test ? json(reference_test) : json(nullptr)},
                {"bound_validation_accuracy", bound},
                {"confidence_z", s.confidence_z},
                {"steps", s.steps},
                {"min_keep", s.min_keep},
                {"validation_samples", validation.size()},
                {"chosen_keep_crossbars", best_keep},
                {"chosen", best_keep < 1.0 ? points.at(best_keep) : json(nullptr)},
                {"final_finetune_epochs", s.final_finetune_epochs},
                {"final", final_stage},
                {"frontier", frontier},
                {"state_dir", s.state_dir}};
  return out;
}

}  // namespace reram
