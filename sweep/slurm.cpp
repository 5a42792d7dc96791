#include "sweep/slurm.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "pruning/core/version.h"

namespace fs = std::filesystem;

namespace reram::sweep {

namespace {

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+%@") ==
                        std::string::npos)
    return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string join_cmd(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + shell_quote(a);
  return s;
}

// The last n non-empty lines of a log, indented, one per line.
std::string tail(const std::string& path, int n) {
  std::string out;
  for (const auto& l : last_lines(path, n)) out += "    " + l + "\n";
  return out;
}

bool have_command(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "";
  p += ":/usr/sbin:/usr/bin";
  std::stringstream ss(p);
  std::string d;
  while (std::getline(ss, d, ':'))
    if (!d.empty() && access((d + "/" + name).c_str(), X_OK) == 0) return true;
  return false;
}

std::string job_id_of(const std::string& parsable) {
  // `sbatch --parsable` prints "jobid" or "jobid;cluster".
  std::string s = parsable.substr(0, parsable.find_first_of(";\n"));
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\r'; }), s.end());
  return s;
}

std::string submission_dir(const std::string& out_dir, const std::string& id) { return out_dir + "/slurm/" + id; }

}  // namespace

std::string run_capture(const std::vector<std::string>& argv, int* rc) {
  int fd[2];
  if (pipe(fd) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = fork();
  if (pid < 0) throw Error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    dup2(fd[1], STDOUT_FILENO);
    close(fd[0]);
    close(fd[1]);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execvp(a[0], a.data());
    std::fprintf(stderr, "cannot run %s: %s\n", a[0], std::strerror(errno));
    _exit(127);
  }
  close(fd[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  if (rc) *rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  return out;
}

namespace {

// The points still to do (in index order, one per distinct point id) in chunks of
// consecutive points, and the stage tasks not yet cached that several chunks need.
struct ChunkPlan {
  int points = 0;
  std::vector<std::vector<int>> chunks;
  std::vector<std::string> shared;
};

ChunkPlan plan_chunks(const Sweep& sw, const SweepOptions& so, const SlurmOptions& opt) {
  ChunkPlan cp;
  // Points still to do, in index order (one per distinct point id).
  std::vector<const PointJob*> todo;
  std::set<std::string> ids;
  for (const auto& p : sw.points()) {
    std::string st = sw.point_status(p);
    if (st == "ok" || (st == "failed" && !so.retry_failed) || !ids.insert(p.id).second) continue;
    todo.push_back(&p);
  }
  cp.points = static_cast<int>(todo.size());

  // Chunks of consecutive points (plans vary the last axis fastest, so neighbours tend to
  // share a mapping and the chunk computes it once).
  std::vector<std::vector<int>>& chunks = cp.chunks;
  for (size_t i = 0; i < todo.size(); i += static_cast<size_t>(opt.points_per_task)) {
    std::vector<int> c;
    for (size_t j = i; j < std::min(todo.size(), i + static_cast<size_t>(opt.points_per_task)); ++j)
      c.push_back(todo[j]->point.index);
    chunks.push_back(c);
  }
  // A stage task not yet in the cache that two chunks need goes to the shared job.
  std::map<std::string, std::set<size_t>> users;
  for (size_t c = 0, k = 0; c < chunks.size(); ++c)
    for (size_t j = 0; j < chunks[c].size(); ++j, ++k)
      for (const auto& t : todo[k]->tasks)
        if (!sw.task_done(t)) users[t].insert(c);
  for (const auto& [t, u] : users)
    if (u.size() > 1) cp.shared.push_back(t);
  return cp;
}

// The shared job's, the array's and the collect job's sbatch scripts in sub.dir.
void write_scripts(const Sweep& sw, const SweepOptions& so, const SlurmOptions& opt, const SlurmSubmission& sub,
                   const std::string& bin, size_t chunks, size_t shared) {
  const std::string& out = sw.out_dir();
  std::string name = sw.plan().name;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  // `extra`: more #SBATCH lines; all directives must come before the first command.
  auto header = [&](const std::string& job, const std::string& log, int cpus, const std::string& extra = "") {
    std::ostringstream s;
    s << "#!/bin/bash\n"
      << "# reram sweep, submission " << sub.id << " of " << out << " (written by reram " << version() << ").\n"
      << "# Every task writes its stage outputs and point results atomically into the sweep directory;\n"
      << "# re-submitting (`reram sweep --plan ... --backend slurm -o DIR`) skips what is finished.\n"
      << "#SBATCH --job-name=" << job << "\n"
      << "#SBATCH --output=" << sub.dir << "/logs/" << log << ".out\n"
      << "#SBATCH --error=" << sub.dir << "/logs/" << log << ".err\n"
      << "#SBATCH --cpus-per-task=" << cpus << "\n"
      << "#SBATCH --ntasks=1\n"
      << "#SBATCH --time=" << opt.time << "\n";
    if (!opt.partition.empty()) s << "#SBATCH --partition=" << opt.partition << "\n";
    for (const auto& a : opt.sbatch_args) s << "#SBATCH " << a << "\n";
    s << extra << "set -u\n";
    return s.str();
  };
  // Worker flags: the array task runs its points one stage at a time with all its CPUs as
  // threads; the shared job runs its independent stages side by side, one thread each.
  auto worker = [&](std::vector<std::string> a, int jobs, int threads) {
    a.insert(a.end(), {"--jobs", std::to_string(jobs), "--threads-per-stage", std::to_string(threads), "-o", out,
                       "--worker-submission", sub.id, "-q"});
    if (so.retry_failed) a.push_back("--retry-failed");
    if (so.task_timeout_s > 0) a.insert(a.end(), {"--task-timeout", std::to_string(so.task_timeout_s)});
    return a;
  };

  auto write_script = [&](const std::string& file, const std::string& text) {
    write_file_atomic(sub.dir + "/" + file, text);
    fs::permissions(sub.dir + "/" + file, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
  };
  if (shared > 0) {
    std::vector<std::string> a = worker({bin, "sweep", "--worker-shared"}, opt.cpus_per_point, 1);
    write_script("shared.sbatch", header("reram-" + name + "-shared", "shared_%j", opt.cpus_per_point) +
                                      "# The stage tasks several array tasks need (" + std::to_string(shared) +
                                      "), run once here.\nexec " + join_cmd(a) + "\n");
  }
  {
    std::ostringstream s;
    std::string arr = "0-" + std::to_string(chunks - 1);
    if (opt.max_concurrent > 0) arr += "%" + std::to_string(opt.max_concurrent);
    s << header("reram-" + name, "task_%A_%a", opt.cpus_per_point, "#SBATCH --array=" + arr + "\n");
    std::vector<std::string> a =
        worker({bin, "sweep", "--worker-chunk", "$SLURM_ARRAY_TASK_ID"}, 1, opt.cpus_per_point);
    std::string cmd = join_cmd(a);
    // $SLURM_ARRAY_TASK_ID must stay unquoted for the shell to expand it.
    size_t pos = cmd.find("'$SLURM_ARRAY_TASK_ID'");
    if (pos != std::string::npos) cmd.replace(pos, 22, "\"$SLURM_ARRAY_TASK_ID\"");
    s << "# Array task K runs the points of chunk K (" << chunks << " chunks of up to " << opt.points_per_task
      << " points; " << sub.dir << "/chunks.json).\nexec " << cmd << "\n";
    write_script("array.sbatch", s.str());
  }
  {
    std::vector<std::string> a = {bin, "sweep", "--collect", "-o", out};
    write_script("collect.sbatch",
                 header("reram-" + name + "-collect", "collect_%j", 1) +
                     "# Rebuilds results.csv / results.json (and plots) from whatever finished.\nexec " + join_cmd(a) +
                     "\n");
  }
}

}  // namespace

SlurmSubmission submit_slurm(const Sweep& sw, const SweepOptions& so, const SlurmOptions& opt) {
  if (opt.points_per_task < 1) throw ConfigError("--points-per-task must be at least 1");
  if (opt.cpus_per_point < 1) throw ConfigError("--cpus-per-point must be at least 1");
  if (opt.max_concurrent < 0) throw ConfigError("--max-concurrent must be 0 (no limit) or more");
  SlurmSubmission sub;
  const std::string& out = sw.out_dir();
  std::string bin = opt.reram_binary.empty() ? self_executable() : opt.reram_binary;

  const ChunkPlan cp = plan_chunks(sw, so, opt);
  const std::vector<std::vector<int>>& chunks = cp.chunks;
  const std::vector<std::string>& shared = cp.shared;
  sub.points = cp.points;
  if (chunks.empty()) return sub;
  sub.chunks = static_cast<int>(chunks.size());
  sub.shared_tasks = static_cast<int>(shared.size());

  // Submission directory: s001, s002, ...
  fs::create_directories(out + "/slurm");
  int n = 1;
  while (fs::exists(submission_dir(out, "s" + std::string(n < 10 ? "00" : n < 100 ? "0" : "") + std::to_string(n))))
    ++n;
  sub.id = "s" + std::string(n < 10 ? "00" : n < 100 ? "0" : "") + std::to_string(n);
  sub.dir = submission_dir(out, sub.id);
  fs::create_directories(sub.dir + "/logs");
  json cj = {{"reram_version", version()},
             {"submission", sub.id},
             {"created_unix", static_cast<int64_t>(std::time(nullptr))},
             {"chunks", chunks},
             {"shared_tasks", shared},
             {"retry_failed", so.retry_failed},
             {"options",
              {{"partition", opt.partition},
               {"time", opt.time},
               {"cpus_per_point", opt.cpus_per_point},
               {"max_concurrent", opt.max_concurrent},
               {"points_per_task", opt.points_per_task},
               {"sbatch_args", opt.sbatch_args}}}};
  write_json_atomic(sub.dir + "/chunks.json", cj);

  write_scripts(sw, so, opt, sub, bin, chunks.size(), shared.size());

  // Submit: shared -> array (afterok) -> collect (afterany).
  auto sbatch = [&](std::vector<std::string> args, const std::string& what) -> std::string {
    std::vector<std::string> argv = {"sbatch", "--parsable"};
    argv.insert(argv.end(), args.begin(), args.end());
    sub.commands.push_back(join_cmd(argv));
    if (opt.dry_run) return "";
    int rc = 0;
    std::string o = run_capture(argv, &rc);
    std::string id = job_id_of(o);
    if (rc != 0 || id.empty())
      throw Error("sbatch failed for the " + what + " job (exit " + std::to_string(rc) + "): " + join_cmd(argv) +
                  " (scripts are in " + sub.dir + ")");
    return id;
  };
  if (!opt.dry_run && !have_command("sbatch"))
    throw Error("--backend slurm: sbatch not found on PATH (use --dry-run to write the scripts only; they are in " +
                sub.dir + ")");
  if (!shared.empty()) sub.shared_job = sbatch({sub.dir + "/shared.sbatch"}, "shared");
  std::vector<std::string> aargs;
  if (!shared.empty()) {
    aargs.push_back("--dependency=afterok:" + (opt.dry_run ? std::string("<shared job id>") : sub.shared_job));
    aargs.push_back("--kill-on-invalid-dep=yes");
  }
  aargs.push_back(sub.dir + "/array.sbatch");
  sub.array_job = sbatch(aargs, "array");
  sub.collect_job = sbatch({"--dependency=afterany:" + (opt.dry_run ? std::string("<array job id>") : sub.array_job),
                            sub.dir + "/collect.sbatch"},
                           "collect");
  json jobs = {{"shared_job", sub.shared_job},
               {"array_job", sub.array_job},
               {"collect_job", sub.collect_job},
               {"dry_run", opt.dry_run},
               {"commands", sub.commands}};
  write_json_atomic(sub.dir + "/jobs.json", jobs);
  return sub;
}

std::vector<int> slurm_chunk_points(const std::string& out_dir, const std::string& id, int chunk) {
  std::string f = submission_dir(out_dir, id) + "/chunks.json";
  json j = load_json_file(f);
  const json& c = j.at("chunks");
  if (chunk < 0 || static_cast<size_t>(chunk) >= c.size())
    throw InputError(f + ": no chunk " + std::to_string(chunk) + " (" + std::to_string(c.size()) + " chunks)");
  return c[static_cast<size_t>(chunk)].get<std::vector<int>>();
}

std::vector<std::string> slurm_shared_tasks(const std::string& out_dir, const std::string& id) {
  return load_json_file(submission_dir(out_dir, id) + "/chunks.json")
      .at("shared_tasks")
      .get<std::vector<std::string>>();
}

std::string slurm_status(const Sweep& sw, const std::string& out_dir) {
  std::string root = out_dir + "/slurm";
  if (!fs::is_directory(root)) return "";
  std::vector<std::string> subs;
  for (const auto& e : fs::directory_iterator(root))
    if (fs::exists(e.path() / "jobs.json")) subs.push_back(e.path().filename().string());
  std::sort(subs.begin(), subs.end());
  std::map<int, const PointJob*> by_index;
  for (const auto& p : sw.points()) by_index[p.point.index] = &p;
  bool squeue = have_command("squeue");
  std::ostringstream o;
  for (const auto& id : subs) {
    std::string dir = submission_dir(out_dir, id);
    json jobs = load_json_file(dir + "/jobs.json");
    json cj = load_json_file(dir + "/chunks.json");
    const json& chunks = cj["chunks"];
    std::string array = jobs.value("array_job", ""), shared = jobs.value("shared_job", "");
    o << "slurm submission " << id << ": " << chunks.size() << " array tasks";
    if (jobs.value("dry_run", false)) {
      o << " (dry run: scripts in " << dir << ", not submitted)\n";
      continue;
    }
    o << ", jobs shared=" << (shared.empty() ? "-" : shared) << " array=" << array
      << " collect=" << jobs.value("collect_job", "") << "\n";
    // Array tasks still known to the queue: "<array>_<k> STATE".
    std::map<int, std::string> live;
    std::string shared_state;
    if (squeue) {
      std::string ids = array + (shared.empty() ? "" : "," + shared);
      int rc = 0;
      std::string q = run_capture({"squeue", "-h", "-r", "-j", ids, "-o", "%i %T"}, &rc);
      std::stringstream ss(q);
      std::string jid, st;
      while (ss >> jid >> st) {
        size_t us = jid.find('_');
        if (jid == shared) shared_state = st;
        if (us == std::string::npos || jid.substr(0, us) != array) continue;
        std::string k = jid.substr(us + 1);
        if (k.find_first_not_of("0123456789") != std::string::npos) {
          // A pending range such as "[2-5%2]": every task in it is pending.
          size_t a = k.find('['), dash = k.find('-'), end = k.find_first_of("%]");
          if (a != std::string::npos && dash != std::string::npos && end != std::string::npos) {
            int lo = std::atoi(k.c_str() + a + 1), hi = std::atoi(k.c_str() + dash + 1);
            for (int i = lo; i <= hi; ++i) live[i] = st;
          }
          continue;
        }
        live[std::atoi(k.c_str())] = st;
      }
    }
    int running = 0, pending = 0, finished = 0, unfinished = 0;
    std::ostringstream bad;
    for (size_t k = 0; k < chunks.size(); ++k) {
      auto it = live.find(static_cast<int>(k));
      if (it != live.end()) {
        (it->second == "RUNNING" || it->second == "COMPLETING" ? running : pending)++;
        continue;
      }
      int missing = 0;
      for (const auto& idx : chunks[k]) {
        auto p = by_index.find(idx.get<int>());
        if (p != by_index.end() && sw.point_status(*p->second).empty()) ++missing;
      }
      if (missing == 0) {
        ++finished;
        continue;
      }
      if (!squeue) continue;  // cannot tell pending from dead without the queue
      ++unfinished;
      std::string err = dir + "/logs/task_" + array + "_" + std::to_string(k) + ".err";
      bad << "  array task " << k << " (" << array << "_" << k << ") ended with " << missing << " of "
          << chunks[k].size() << " points unfinished (killed, cancelled or out of time?)";
      if (fs::exists(err))
        bad << "; stderr " << err << ", last lines:\n" << tail(err, 5);
      else
        bad << "; it never started (shared job failed or dependency never satisfied?)\n";
    }
    o << "  array tasks: running " << running << ", pending " << pending << ", done " << finished
      << ", ended unfinished " << unfinished;
    if (!shared.empty()) o << "; shared job " << (shared_state.empty() ? "finished" : shared_state);
    o << "\n" << bad.str();
    bool shared_unfinished = false;
    for (const auto& t : cj["shared_tasks"])
      shared_unfinished = shared_unfinished || !sw.task_done(t.get<std::string>());
    if (!shared.empty() && shared_state.empty() && shared_unfinished) {
      std::string err;
      for (const auto& e : fs::directory_iterator(dir + "/logs"))
        if (e.path().filename().string().rfind("shared_", 0) == 0 && e.path().extension() == ".err")
          err = e.path().string();
      std::string t = err.empty() ? "" : tail(err, 3);
      if (!t.empty()) o << "  shared job stderr (" << err << "), last lines:\n" << t;
    }
  }
  if (!squeue) o << "(squeue not found: running/pending counts unavailable)\n";
  return o.str();
}

}  // namespace reram::sweep
