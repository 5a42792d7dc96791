#pragma once
// The Slurm backend of `reram sweep` (docs/slurm.md): the points still to do become one job
// array (a chunk of points per array task, `%K` throttle); the stage tasks that several
// chunks need (training, random-weight networks, reference eval, mappings and pruned
// models shared across arch points) become an earlier job the array depends on
// (afterok), so nothing is computed twice; a last job (afterany) rebuilds the tables.
// Every task runs `reram sweep --worker ...` on the shared sweep directory, which writes
// stage outputs and point results atomically exactly as the local backend does.
#include <string>
#include <vector>

#include "sweep/engine.h"

namespace reram::sweep {

struct SlurmOptions {
  std::string partition;                 // "" = the cluster's default
  std::string time = "01:00:00";         // per array task (and for the shared job)
  int cpus_per_point = 1;                // --cpus-per-task of each array task
  int max_concurrent = 0;                // %K throttle; 0 = none
  int points_per_task = 1;               // points run one after another by one array task
  std::vector<std::string> sbatch_args;  // extra "#SBATCH" lines' arguments (site options)
  bool dry_run = false;                  // write the scripts, print the commands, submit nothing
  std::string reram_binary;              // the binary the tasks run ("" = this one)
};

struct SlurmSubmission {
  std::string id;  // DIR/slurm/<id>/
  std::string dir;
  int chunks = 0, points = 0, shared_tasks = 0;
  std::string shared_job, array_job, collect_job;  // Slurm job ids ("" = none / dry run)
  std::vector<std::string> commands;               // the sbatch commands, in order
};

// Writes DIR/slurm/<id>/{chunks.json, shared.sbatch, array.sbatch, collect.sbatch} for the
// points of `sw` (prepared) that have no result (and failed ones with retry_failed), then
// submits them unless dry_run. Returns with nothing submitted when every point is done.
SlurmSubmission submit_slurm(const Sweep& sw, const SweepOptions& so, const SlurmOptions& opt);

// Worker side: the points of chunk `chunk` of submission `id`, or (chunk < 0) the shared
// stage tasks of that submission.
std::vector<int> slurm_chunk_points(const std::string& out_dir, const std::string& id, int chunk);
std::vector<std::string> slurm_shared_tasks(const std::string& out_dir, const std::string& id);

// `--status` for a Slurm sweep: per submission, array tasks running / pending (squeue) and
// tasks that ended without finishing their points (killed, time limit), with the tail of
// their stderr. Empty when the directory never went through Slurm.
std::string slurm_status(const Sweep& sw, const std::string& out_dir);

// Runs a command and returns its standard output (exit status in *rc).
std::string run_capture(const std::vector<std::string>& argv, int* rc);

}  // namespace reram::sweep
