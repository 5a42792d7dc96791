#pragma once
// The sweep engine: turns the points of a plan into stage tasks (net -> map|prune ->
// sim, eval) keyed by a hash of exactly the inputs that determine each artifact, runs
// the tasks as subprocesses of the `reram` binary on a local process pool, and writes
// one result file per point atomically (DIR/points/<id>/result.json), from which the
// results tables are rebuilt. Layout of DIR: docs/sweeps.md.
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sweep/plan.h"

namespace reram::sweep {

// One unit of work: a stage whose output directory is DIR/cache/<stage>/<key>/.
struct StageTask {
  std::string stage;              // net | train | ref | map | prune | sim | eval
  std::string key;                // content hash of `inputs`
  std::vector<std::string> deps;  // ids of tasks whose outputs it reads
  // Command line; "@OUT@" is replaced by the (temporary) output directory.
  std::vector<std::string> argv;
  std::vector<std::string> outputs;  // files the command must leave in its output dir
  json inputs;                       // everything the key hashes (written as inputs.json)
  int priority = 0;                  // lowest index of a point that needs it
  std::string id() const { return stage + "/" + key; }
};

// A point of the plan resolved against the base files: its arch, its tasks, its id.
struct PointJob {
  Point point;
  std::string id;                        // hash of every input of the point (directory name)
  json arch;                             // resolved arch config (null when resolution failed)
  std::string arch_file;                 // DIR/cache/arch/<hash>.json
  std::string map_task;                  // id of the map or prune task
  std::vector<std::string> final_tasks;  // sim (and eval) task ids
  std::vector<std::string> tasks;        // every task id the point needs, dependencies first
  std::string error;                     // set when the point cannot even be resolved
};

struct SweepOptions {
  std::string out_dir;
  int jobs = 1;
  bool retry_failed = false;  // re-run points recorded as failed
  bool progress = true;
  std::string reram_binary;   // "" = this process's executable
  double task_timeout_s = 0;  // 0 = none
  int limit_points = -1;      // run only the first N points (testing)
  // A Slurm array task runs only its chunk of points; the shared job runs only the stage
  // tasks several chunks need (points whose every task is then done get their result).
  bool restrict_points = false;
  std::vector<int> only_points;
  bool restrict_tasks = false;
  std::set<std::string> only_tasks;
  int threads_per_stage = 0;   // OMP/torch threads of each stage; 0 = cores / jobs
  bool collect_tables = true;  // rewrite results.csv/json during and after the run
  // When set, a stage whose command is the reram binary runs in a forked child that calls
  // this (argv as for exec, argv[1] the verb) instead of exec'ing the binary again: the
  // same isolation (one process per stage, fresh SystemC context, own logs) without
  // paying the binary's start-up (about 2 s with LibTorch linked) per stage.
  std::function<int(const std::vector<std::string>& argv)> fork_runner;
};

struct RunSummary {
  int total = 0, skipped = 0, ok = 0, failed = 0, not_run = 0;
  int tasks_run = 0, tasks_cached = 0;
  bool interrupted = false;
  double seconds = 0;
};

// Optional hooks, e.g. for tests: replace the command of a task before launch.
using CommandRewriter = std::function<std::vector<std::string>(const StageTask&, std::vector<std::string>)>;

class LocalRunner;

class Sweep {
 public:
  Sweep(Plan plan, SweepOptions opt);

  // Expands the plan, resolves each point's arch (in-process, load_arch with overrides),
  // writes the arch files and DIR/plan.json, and builds the task graph.
  void prepare();

  const Plan& plan() const { return plan_; }
  const std::string& out_dir() const { return opt_.out_dir; }  // absolute
  const std::vector<PointJob>& points() const { return points_; }
  const std::map<std::string, StageTask>& tasks() const { return tasks_; }

  std::string point_dir(const PointJob& p) const;
  std::string task_dir(const std::string& task_id) const;
  bool task_done(const std::string& task_id) const;
  // "ok", "failed" or "" (no result yet).
  std::string point_status(const PointJob& p) const;

  // Stage output directories being written by live processes (other hosts' count as live);
  // with `remove_stale`, those left by dead processes of this host are deleted.
  int stages_in_progress(bool remove_stale) const;

  // Runs every point without a result (and failed ones with retry_failed) on a pool of
  // `jobs` processes; writes point results as they finish and the tables at the end.
  RunSummary run_local();

  // Assembles and writes the result of a point whose tasks have all finished (or `error`).
  void write_point_result(const PointJob& p, const std::string& error, const json& timings);

  // Rebuilds DIR/results.json and DIR/results.csv from the point result files; returns
  // the rows.
  json collect() const;

  void set_command_rewriter(CommandRewriter r) { rewriter_ = std::move(r); }

 private:
  friend class LocalRunner;  // run_local's runner (engine.cpp)
  std::vector<std::string> stage_argv(const std::string& stage, const PointJob& p, const std::string& dep_dir) const;
  std::string add_task(StageTask t);
  // prepare()'s parts: the plan-wide tasks (random weights, training, reference
  // evaluation), returning the network's content key; one resolved point's stage tasks.
  json add_base_tasks();
  void add_point_tasks(PointJob& pj, const json& net_inputs, const std::string& arch_hash);

  Plan plan_;
  SweepOptions opt_;
  std::vector<PointJob> points_;
  std::map<std::string, StageTask> tasks_;
  CommandRewriter rewriter_;
  // The network every point starts from: the plan's, or the random-weights / training
  // stage's output (then base_tasks_ lists those stages).
  std::string net_file_, weights_file_;
  std::vector<std::string> base_tasks_;
  std::string ref_task_;  // reference eval of the unpruned network ("" without an eval stage)
};

// `reram <stage>` option flags from an options object: {"crossbar_budget": 0.3} ->
// ["--crossbar-budget", "0.3"]; true -> flag alone; false / null -> omitted; arrays repeat.
std::vector<std::string> options_to_flags(const json& options);

// The result rows as CSV (header from the union of the rows' keys, leading columns first).
std::string rows_to_csv(const json& rows);

// Path of the running executable (/proc/self/exe).
std::string self_executable();

// Whole file as a string ("" when it cannot be opened: callers read logs that may not exist yet).
std::string read_text(const std::string& path);
// The last n non-empty lines of a log ("" lines skipped; a line a progress bar rewrote
// with '\r' counts as what was shown last); none when the file cannot be read.
std::vector<std::string> last_lines(const std::string& path, int n);

}  // namespace reram::sweep
