// `reram sweep`: runs a design-space sweep plan (docs/sweeps.md) point by point on a
// local process pool with a shared, content-hashed stage cache; reports status, rebuilds
// the results tables and names the sweet spot.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/command.h"
#include "pruning/core/error.h"
#include "pruning/graph/network.h"
#include "sweep/engine.h"
#include "sweep/slurm.h"
#include "sweep/sweet_spot.h"

namespace fs = std::filesystem;

namespace reram::cli {
namespace {

// The plan of an existing sweep directory (as recorded by the run that made it).
sweep::Plan plan_of_dir(const std::string& dir) {
  std::string f = dir + "/plan.json";
  if (!fs::exists(f)) throw InputError(dir + ": not a sweep directory (no plan.json); give --plan");
  json m = load_json_file(f);
  return sweep::plan_from_json(m.at("plan"), m.value("plan_file", ""));
}

int make_random_weights(const po::variables_map& vm) {
  if (!vm.count("network") || !vm.count("output"))
    throw ConfigError("--make-random-weights needs --network NET and -o OUT.json");
  Network net = load_network(vm["network"].as<std::string>());
  randomize_weights(net, vm["seed"].as<uint64_t>());
  std::string out = vm["output"].as<std::string>();
  fs::create_directories(fs::absolute(out).parent_path());
  save_network(net, out);
  return 0;
}

// Runs `reram <verb> ...` in this (forked) process through the command registry, with
// the same messages and exit codes as main().
int run_in_process(const std::vector<std::string>& args) {
  if (args.size() < 2) return 2;
  std::vector<std::string> a(args.begin() + 1, args.end());
  std::vector<char*> av;
  for (auto& x : a) av.push_back(const_cast<char*>(x.c_str()));
  av.push_back(nullptr);
  return dispatch(static_cast<int>(a.size()), av.data());
}

// The plot script of the source tree, when this binary knows where that is.
std::string plot_script() {
#ifdef RERAM_SOURCE_DIR
  std::string p = std::string(RERAM_SOURCE_DIR) + "/scripts/plot_sweep.py";
  if (fs::exists(p)) return p;
#endif
  return "";
}

// Waits until none of `job_ids` is in the Slurm queue any more.
void wait_for_jobs(const std::vector<std::string>& job_ids, bool quiet) {
  std::string ids;
  for (const auto& j : job_ids)
    if (!j.empty()) ids += (ids.empty() ? "" : ",") + j;
  if (ids.empty()) return;
  auto t0 = std::chrono::steady_clock::now();
  std::string last;
  while (true) {
    int rc = 0;
    std::string q = sweep::run_capture({"squeue", "-h", "-r", "-j", ids, "-o", "%i %T"}, &rc);
    if (rc != 0 || q.find_first_not_of(" \n") == std::string::npos) break;
    if (!quiet) {
      int lines = 0;
      for (char c : q) lines += c == '\n';
      std::string now = std::to_string(lines) + " job(s)/task(s) in the queue";
      if (now != last) {
        long el = static_cast<long>(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        std::cerr << "reram sweep: waiting (" << el << " s): " << now << "\n";
        last = now;
      }
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

// `--status`: points done / failed / pending, stages in progress, the Slurm array tasks and
// every failure with its error.
void print_status(const sweep::Sweep& sw, const sweep::SweepOptions& so) {
  int ok = 0, failed = 0, pending = 0;
  for (const auto& p : sw.points()) {
    std::string st = sw.point_status(p);
    if (st == "ok")
      ++ok;
    else if (st == "failed")
      ++failed;
    else
      ++pending;
  }
  int running = sw.stages_in_progress(false);
  std::cout << "points: " << sw.points().size() << "  done: " << ok << "  failed: " << failed
            << "  pending: " << pending << "  stages in progress: " << running << "\n";
  std::cout << sweep::slurm_status(sw, fs::absolute(so.out_dir).lexically_normal().string());
  for (const auto& p : sw.points()) {
    if (sw.point_status(p) != "failed") continue;
    json r = load_json_file(sw.point_dir(p) + "/result.json");
    std::cout << "failed " << p.point.index << " (" << p.point.label() << "): " << r.value("error", "") << "\n";
  }
}

// `--timings`: wall seconds of every finished stage task (task.json), per stage.
void print_timings(const sweep::SweepOptions& so) {
  std::string root = fs::absolute(so.out_dir).string() + "/cache";
  std::printf("%-6s %6s %10s %10s %10s %12s\n", "stage", "tasks", "median_s", "mean_s", "max_s", "total_s");
  for (const char* st : {"net", "train", "ref", "map", "prune", "sim", "eval"}) {
    std::vector<double> t;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root + "/" + st, ec)) {
      if (!fs::exists(e.path() / "task.json")) continue;
      json j = load_json_file((e.path() / "task.json").string());
      if (j.contains("seconds") && j["seconds"].is_number()) t.push_back(j["seconds"].get<double>());
    }
    if (t.empty()) continue;
    std::sort(t.begin(), t.end());
    double sum = 0;
    for (double x : t) sum += x;
    double med = t.size() % 2 ? t[t.size() / 2] : (t[t.size() / 2 - 1] + t[t.size() / 2]) / 2;
    std::printf("%-6s %6zu %10.2f %10.2f %10.2f %12.1f\n", st, t.size(), med, sum / t.size(), t.back(), sum);
  }
}

// `--collect`: the result tables, then the plots when the plot script and Debian's python are there.
void collect_and_plot(const sweep::Sweep& sw, const sweep::SweepOptions& so) {
  json rows = sw.collect();
  std::cout << "wrote " << so.out_dir << "/results.csv and results.json (" << rows.size() << " rows)\n";
  std::string script = plot_script();
  bool any_ok = false;
  for (const auto& r : rows) any_ok = any_ok || r.value("status", "") == "ok";
  if (!script.empty() && any_ok && access("/usr/bin/python3", X_OK) == 0) {
    std::string dir = fs::absolute(so.out_dir).string();
    std::string cmd = "/usr/bin/python3 '" + script + "' '" + dir + "' > '" + dir + "/plots.log' 2>&1";
    int rc = std::system(cmd.c_str());
    std::cout << (rc == 0 ? "plots: " + so.out_dir + "/plots (notes in plots.log)\n"
                          : "plots: the plot script failed, see " + so.out_dir + "/plots.log\n");
  }
}

// `--sweet-spot`: the best-efficiency and best-EDP points within the accuracy bound.
void write_sweet_spot(const sweep::Sweep& sw, const sweep::SweepOptions& so, const sweep::SweetSpotOptions& ss) {
  json rows = sw.collect();
  json rep = sweep::sweet_spot(rows, ss);
  write_json_atomic(so.out_dir + "/sweet_spot.json", rep);
  std::string text = sweep::sweet_spot_text(rep);
  write_file_atomic(so.out_dir + "/sweet_spot.md", text);
  std::cout << text;
}

// `--status`, `--timings`, `--collect`, `--sweet-spot` on an existing sweep directory.
int run_reports(const po::variables_map& vm, const sweep::SweepOptions& so, const sweep::SweetSpotOptions& ss) {
  sweep::Plan plan = vm.count("plan") ? sweep::load_plan(vm["plan"].as<std::string>()) : plan_of_dir(so.out_dir);
  sweep::Sweep sw(plan, so);
  sw.prepare();
  if (vm.count("status")) print_status(sw, so);
  if (vm.count("timings")) print_timings(so);
  if (vm.count("collect")) collect_and_plot(sw, so);
  if (vm.count("sweet-spot")) write_sweet_spot(sw, so, ss);
  return 0;
}

// A Slurm worker: one array task (a chunk of points) or the shared job of a submission.
int run_worker(const po::variables_map& vm, sweep::SweepOptions so) {
  std::string id = vm["worker-submission"].as<std::string>();
  so.out_dir = fs::absolute(so.out_dir).lexically_normal().string();
  if (vm.count("worker-chunk")) {
    so.restrict_points = true;
    so.only_points = sweep::slurm_chunk_points(so.out_dir, id, vm["worker-chunk"].as<int>());
  } else if (vm.count("worker-shared")) {
    so.restrict_tasks = true;
    auto t = sweep::slurm_shared_tasks(so.out_dir, id);
    so.only_tasks.insert(t.begin(), t.end());
  } else {
    throw ConfigError("--worker-submission needs --worker-chunk K or --worker-shared");
  }
  so.collect_tables = false;  // the submission's collect job builds the tables once
  sweep::Sweep sw(plan_of_dir(so.out_dir), so);
  sw.prepare();
  sweep::RunSummary s = sw.run_local();
  std::cerr << "reram sweep worker (" << id
            << (vm.count("worker-chunk") ? " chunk " + std::to_string(vm["worker-chunk"].as<int>())
                                         : std::string(" shared"))
            << "): " << s.ok << " points done, " << s.skipped << " already finished, " << s.failed
            << " failed; stages run " << s.tasks_run << ", reused " << s.tasks_cached << "; " << s.seconds << " s\n";
  if (s.interrupted) return 130;
  // A failed shared stage fails only the points that need it (recorded as failed): the
  // array must still run, so the shared job succeeds.
  return vm.count("worker-chunk") && s.failed > 0 ? 3 : 0;
}

// Submits the sweep as a Slurm job array (docs/slurm.md) and, with --wait, waits for it.
int run_slurm(sweep::Sweep& sw, const sweep::SweepOptions& so, const sweep::SlurmOptions& sl,
              const po::variables_map& vm) {
  sweep::SlurmSubmission sub = sweep::submit_slurm(sw, so, sl);
  if (sub.chunks == 0) {
    std::cout << "reram sweep: every point of the plan is finished (" << sw.points().size()
              << "); nothing to submit (--retry-failed re-runs failed ones)\n";
    return 0;
  }
  std::cout << "reram sweep: " << sub.points << " points in " << sub.chunks << " array tasks, " << sub.shared_tasks
            << " shared stage tasks; scripts in " << sub.dir << "\n";
  for (const auto& c : sub.commands) std::cout << (sl.dry_run ? "  would run: " : "  ran: ") << c << "\n";
  if (sl.dry_run) return 0;
  std::cout << "jobs: shared " << (sub.shared_job.empty() ? "-" : sub.shared_job) << ", array " << sub.array_job
            << ", collect " << sub.collect_job << "\n";
  if (vm.count("wait")) {
    wait_for_jobs({sub.shared_job, sub.array_job, sub.collect_job}, vm.count("quiet") > 0);
    int ok = 0, failed = 0, pending = 0;
    for (const auto& p : sw.points()) {
      std::string st = sw.point_status(p);
      (st == "ok" ? ok : st == "failed" ? failed : pending)++;
    }
    std::cout << "points: " << sw.points().size() << "  done: " << ok << "  failed: " << failed
              << "  pending: " << pending << "\n"
              << sweep::slurm_status(sw, fs::absolute(so.out_dir).lexically_normal().string());
    return pending > 0 ? 4 : failed > 0 ? 3 : 0;
  }
  return 0;
}

const char* const kUsage =
    "usage: reram sweep --plan PLAN.json -o DIR [--jobs N]\n"
    "       reram sweep --plan PLAN.json -o DIR --backend slurm [--partition P] [--time HH:MM:SS]\n"
    "                   [--cpus-per-point N] [--max-concurrent K] [--points-per-task N] [--dry-run] [--wait]\n"
    "       reram sweep --status|--collect|--sweet-spot -o DIR\n\n"
    "Runs every point of a plan (prune or map -> sim -> eval), sharing work between points through\n"
    "a content-hashed cache under DIR/cache; re-running skips finished points. Results: DIR/results.csv,\n"
    "DIR/results.json, DIR/points/<id>/{result,arch}.json. Plots: /usr/bin/python3 scripts/plot_sweep.py DIR\n"
    "Plan format: docs/sweeps.md; clusters: docs/slurm.md.";

int run_sweep(int argc, char** argv) {
  sweep::SweepOptions so;
  sweep::SweetSpotOptions ss;
  sweep::SlurmOptions sl;
  std::string backend = "local";
  po::options_description desc("reram sweep options");
  desc.add_options()("help,h", "show this help")("plan", po::value<std::string>(), "sweep plan (JSON, docs/sweeps.md)")(
      "output,o", po::value(&so.out_dir), "sweep directory: cache, per-point results, results.csv/json")(
      "jobs,j", po::value(&so.jobs)->default_value(1), "stage processes to run at once")(
      "retry-failed", po::bool_switch(&so.retry_failed), "re-run points recorded as failed")(
      "task-timeout", po::value(&so.task_timeout_s)->default_value(0),
      "kill a stage after this many seconds (0: never)")("limit", po::value(&so.limit_points)->default_value(-1),
                                                         "run only the first N points")("quiet,q", "no progress bar")(
      "exec", "start every stage as a new reram process (default: fork this one, which skips start-up)")(
      "list", "print the points of the plan and exit")("status", "print done / failed / pending points of -o DIR")(
      "collect", "rebuild DIR/results.csv and results.json from the finished points")(
      "timings", "print the measured seconds per stage (count, median, mean, total) of -o DIR, for cost estimates")(
      "sweet-spot", "name the best-efficiency and best-EDP points within --max-accuracy-loss")(
      "max-accuracy-loss", po::value(&ss.max_accuracy_loss)->default_value(0.01),
      "sweet spot: allowed accuracy drop below the reference (absolute, 0.01 = 1 point)")(
      "reference-accuracy", po::value(&ss.reference_accuracy)->default_value(-1),
      "sweet spot: reference accuracy (default: the unpruned network's software accuracy from the plan's reference "
      "eval, else the most accurate dense point)")(
      "baseline", po::value(&ss.baseline_index)->default_value(-1),
      "sweet spot: index of the point to compare with (default: the most accurate dense point)")(
      "backend", po::value(&backend)->default_value("local"),
      "local (process pool) | slurm (job array, docs/slurm.md)")(
      "partition", po::value(&sl.partition), "slurm: partition")("time", po::value(&sl.time)->default_value("01:00:00"),
                                                                 "slurm: time limit per array task (HH:MM:SS)")(
      "cpus-per-point", po::value(&sl.cpus_per_point)->default_value(1), "slurm: CPUs of each array task")(
      "max-concurrent", po::value(&sl.max_concurrent)->default_value(0), "slurm: array throttle %K (0: none)")(
      "points-per-task", po::value(&sl.points_per_task)->default_value(1), "slurm: points run by one array task")(
      "sbatch-arg", po::value(&sl.sbatch_args)->composing(),
      "slurm: extra #SBATCH argument, e.g. --account=X (repeatable)")(
      "dry-run", po::bool_switch(&sl.dry_run),
      "slurm: write the batch scripts, print the sbatch commands, submit nothing")(
      "wait", "slurm: wait until the submitted jobs have left the queue, then print the status");
  po::options_description hidden;
  hidden.add_options()("make-random-weights", "internal stage: write NET with seeded random weights")(
      "network", po::value<std::string>(), "")("seed", po::value<uint64_t>()->default_value(1), "")(
      "worker-submission", po::value<std::string>(), "")("worker-chunk", po::value<int>(), "")("worker-shared", "")(
      "threads-per-stage", po::value(&so.threads_per_stage)->default_value(0), "");
  po::options_description all;
  all.add(desc).add(hidden);
  po::variables_map vm;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "-h" || std::string(argv[i]) == "--help") {
      // The worker options are internal: show only the public ones.
      std::cout << kUsage << "\n\n" << desc << "\n";
      return 0;
    }
  if (!parse_options(argc, argv, all, vm, kUsage)) return 0;
  if (vm.count("make-random-weights")) return make_random_weights(vm);
  so.progress = !vm.count("quiet");
  if (!vm.count("exec")) so.fork_runner = run_in_process;
  bool report_only = vm.count("status") || vm.count("collect") || vm.count("sweet-spot") || vm.count("timings");

  if (vm.count("list")) {
    if (!vm.count("plan")) throw ConfigError("--list needs --plan");
    sweep::Plan plan = sweep::load_plan(vm["plan"].as<std::string>());
    for (const auto& p : sweep::expand_plan(plan))
      std::cout << p.index << "\t" << (p.dense() ? "dense" : "pruned") << "\t" << p.label() << "\n";
    return 0;
  }
  if (so.out_dir.empty()) throw ConfigError("an output directory is required (-o DIR)");
  if (backend != "local" && backend != "slurm")
    throw ConfigError("--backend must be 'local' or 'slurm', not '" + backend + "'");

  if (vm.count("worker-submission")) return run_worker(vm, so);

  if (report_only) return run_reports(vm, so, ss);

  if (!vm.count("plan")) throw ConfigError("--plan PLAN.json is required (or --status/--collect/--sweet-spot)");
  sweep::Sweep sw(sweep::load_plan(vm["plan"].as<std::string>()), so);
  sw.prepare();
  if (backend == "slurm") return run_slurm(sw, so, sl, vm);
  sweep::RunSummary s = sw.run_local();
  std::cerr << "reram sweep: " << s.total << " points: " << s.ok << " done now, " << s.skipped << " already finished, "
            << s.failed << " failed, " << s.not_run << " not run; stages run " << s.tasks_run << ", reused from cache "
            << s.tasks_cached << "; " << s.seconds << " s\n"
            << "results: " << fs::absolute(so.out_dir).string() << "/results.csv\n";
  if (s.interrupted) return 130;
  return s.failed > 0 ? 3 : 0;
}

RegisterCommand reg("sweep", "run a design-space sweep plan in parallel (cache, resume, results, sweet spot)",
                    run_sweep);

}  // namespace
}  // namespace reram::cli
