#include "sweep/engine.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "pruning/arch/arch_config.h"
#include "pruning/core/version.h"
#include "sweep/hash.h"
#include "sweep/metrics.h"

namespace fs = std::filesystem;

namespace reram::sweep {

namespace {

volatile sig_atomic_t g_interrupt = 0;
void on_signal(int) { g_interrupt = 1; }

// Value at a dotted path of a JSON object, null when absent.
json at_path(const json& j, const std::string& path) {
  const json* cur = &j;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(part)) return nullptr;
    cur = &(*cur)[part];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return *cur;
}

// Last non-empty lines of a log, joined, for one-line error messages.
std::string tail_lines(const std::string& path, int n) {
  std::string out;
  for (const auto& l : last_lines(path, n)) out += (out.empty() ? "" : " | ") + l;
  return out;
}

std::string fmt_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  long t = std::lround(s);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

std::string host_name() {
  char h[256] = {0};
  gethostname(h, sizeof h - 1);
  return h;
}

// Hash of a network description and the weights it references (own JSON format).
std::string network_hash(const std::string& path) {
  Hasher h;
  h.add_file(path);
  if (fs::path(path).extension() == ".json") {
    try {
      json j = load_json_file(path);
      if (j.is_object() && j.contains("weights") && j["weights"].is_string()) {
        fs::path w = fs::path(path).parent_path() / j["weights"].get<std::string>();
        if (fs::exists(w)) h.add(hash_file(w.string()));
      }
    } catch (const Error&) {
      // A malformed network fails in its stage with the stage's own message.
    }
  }
  return h.hex();
}

}  // namespace

std::vector<std::string> last_lines(const std::string& path, int n) {
  std::vector<std::string> lines;
  std::stringstream ss(read_text(path));
  std::string line;
  while (std::getline(ss, line)) {
    size_t cr = line.find_last_of('\r');
    if (cr != std::string::npos) line = line.substr(cr + 1);
    if (line.find_first_not_of(" \t") != std::string::npos) lines.push_back(line);
  }
  const size_t keep = static_cast<size_t>(std::max(0, n));
  if (lines.size() > keep) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(keep));
  return lines;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string self_executable() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot find the reram executable (/proc/self/exe): " + ec.message());
  return p.string();
}

std::vector<std::string> options_to_flags(const json& options) {
  std::vector<std::string> out;
  if (options.is_null()) return out;
  for (auto it = options.begin(); it != options.end(); ++it) {
    std::string flag = "--" + it.key();
    std::replace(flag.begin(), flag.end(), '_', '-');
    auto emit = [&](const json& v) {
      if (v.is_null()) return;
      if (v.is_boolean()) {
        if (v.get<bool>()) out.push_back(flag);
        return;
      }
      out.push_back(flag);
      out.push_back(value_str(v));
    };
    if (it.value().is_array()) {
      for (const json& v : it.value()) emit(v);
    } else if (it.value().is_object()) {
      throw ConfigError("option \"" + it.key() + "\" must be a scalar or an array of scalars");
    } else {
      emit(it.value());
    }
  }
  return out;
}

Sweep::Sweep(Plan plan, SweepOptions opt) : plan_(std::move(plan)), opt_(std::move(opt)) {
  if (opt_.out_dir.empty()) throw ConfigError("sweep: an output directory (-o DIR) is required");
  opt_.out_dir = fs::absolute(opt_.out_dir).lexically_normal().string();
  if (opt_.jobs < 1) throw ConfigError("sweep: --jobs must be at least 1");
  if (opt_.reram_binary.empty()) opt_.reram_binary = self_executable();
}

std::string Sweep::point_dir(const PointJob& p) const { return opt_.out_dir + "/points/" + p.id; }

std::string Sweep::task_dir(const std::string& task_id) const { return opt_.out_dir + "/cache/" + task_id; }

bool Sweep::task_done(const std::string& task_id) const { return fs::exists(task_dir(task_id) + "/task.json"); }

std::string Sweep::point_status(const PointJob& p) const {
  std::string f = point_dir(p) + "/result.json";
  if (!fs::exists(f)) return "";
  try {
    json r = load_json_file(f);
    return r.value("status", "");
  } catch (const Error&) {
    return "";  // a damaged result is redone
  }
}

std::string Sweep::add_task(StageTask t) {
  t.key = hash_json(t.inputs);
  std::string id = t.id();
  auto it = tasks_.find(id);
  if (it == tasks_.end()) {
    tasks_.emplace(id, std::move(t));
  } else {
    it->second.priority = std::min(it->second.priority, t.priority);
  }
  return id;
}

std::vector<std::string> Sweep::stage_argv(const std::string& stage, const PointJob& p,
                                           const std::string& dep_dir) const {
  const std::string& bin = opt_.reram_binary;
  std::vector<std::string> a;
  auto net_args = [&]() {
    a.insert(a.end(), {"--network", net_file_});
    if (!weights_file_.empty()) a.insert(a.end(), {"--weights", weights_file_});
  };
  if (stage == "net") {
    a = {bin,
         "sweep",
         "--make-random-weights",
         "--network",
         plan_.network,
         "--seed",
         std::to_string(plan_.random_weights_seed),
         "-o",
         "@OUT@/net.json"};
  } else if (stage == "train") {
    a = {bin, "train"};
    net_args();
    auto f = options_to_flags(plan_.train);
    a.insert(a.end(), f.begin(), f.end());
    a.insert(a.end(), {"-o", "@OUT@/weights.npz", "--report", "@OUT@/train_report.json", "--quiet"});
  } else if (stage == "map") {
    a = {bin, "map"};
    net_args();
    a.insert(a.end(),
             {"--arch", p.arch_file, "-o", "@OUT@/mapping.json", "--report", "@OUT@/map_report.json", "--quiet"});
  } else if (stage == "prune") {
    a = {bin, "prune"};
    net_args();
    a.insert(a.end(), {"--arch", p.arch_file});
    auto f = options_to_flags(p.point.prune);
    a.insert(a.end(), f.begin(), f.end());
    a.insert(a.end(), {"-o", "@OUT@/mapping.json", "--report", "@OUT@/prune_report.json", "--quiet"});
  } else if (stage == "sim") {
    a = {bin, "sim", "--mapping", dep_dir + "/mapping.json", "--arch", p.arch_file};
    auto f = options_to_flags(p.point.sim);
    a.insert(a.end(), f.begin(), f.end());
    a.insert(a.end(), {"-o", "@OUT@/sim.json", "--quiet"});
  } else if (stage == "ref") {
    // The unpruned network on the plan's base arch: its software accuracy is the reference
    // every point's accuracy loss is measured against.
    a = {bin, "eval"};
    net_args();
    a.insert(a.end(), {"--arch", plan_.arch});
    for (const auto& s : plan_.set) a.insert(a.end(), {"--set", s});
    auto f = options_to_flags(plan_.eval);
    a.insert(a.end(), f.begin(), f.end());
    a.insert(a.end(), {"-o", "@OUT@/eval.json"});
  } else if (stage == "eval") {
    a = {bin, "eval", "--mapping", dep_dir + "/mapping.json", "--arch", p.arch_file};
    auto f = options_to_flags(p.point.eval);
    a.insert(a.end(), f.begin(), f.end());
    a.insert(a.end(), {"-o", "@OUT@/eval.json"});
  }
  return a;
}

json Sweep::add_base_tasks() {
  // The network (and its weights) as content: editing a file invalidates what it fed.
  json net_inputs = {{"network", network_hash(plan_.network)}};
  if (!plan_.weights.empty()) net_inputs["weights"] = hash_file(plan_.weights);
  net_file_ = plan_.network;
  weights_file_ = plan_.weights;
  base_tasks_.clear();
  if (plan_.random_weights_seed >= 0) {
    StageTask t;
    t.stage = "net";
    t.inputs = {{"stage", "net"}, {"network", net_inputs["network"]}, {"seed", plan_.random_weights_seed}};
    t.outputs = {"net.json"};
    t.argv = stage_argv("net", PointJob{}, "");
    std::string id = add_task(t);
    base_tasks_.push_back(id);
    net_file_ = task_dir(id) + "/net.json";
    weights_file_.clear();  // the generated network carries its weights
    net_inputs = {{"random_weights", tasks_.at(id).key}};
  }
  if (!plan_.train.is_null()) {
    StageTask t;
    t.stage = "train";
    t.inputs = {{"stage", "train"}, {"net", net_inputs}, {"train", plan_.train}};
    t.outputs = {"weights.npz"};
    t.deps = base_tasks_;
    t.argv = stage_argv("train", PointJob{}, "");
    std::string id = add_task(t);
    base_tasks_.push_back(id);
    weights_file_ = task_dir(id) + "/weights.npz";
    net_inputs = {{"trained", tasks_.at(id).key}};
  }

  ref_task_.clear();
  if (!plan_.eval.is_null()) {
    StageTask t;
    t.stage = "ref";
    t.inputs = {{"stage", "ref"},
                {"net", net_inputs},
                {"arch_file", hash_file(plan_.arch)},
                {"set", plan_.set},
                {"eval", plan_.eval}};
    t.outputs = {"eval.json"};
    t.deps = base_tasks_;
    t.argv = stage_argv("ref", PointJob{}, "");
    ref_task_ = add_task(t);
  }

  return net_inputs;
}

void Sweep::add_point_tasks(PointJob& pj, const json& net_inputs, const std::string& arch_hash) {
  // Mapping: only the arch keys that change a mapping take part in its key.
  json map_arch = json::object();
  for (const auto& k : plan_.mapping_keys) map_arch[k] = at_path(pj.arch, k);
  StageTask m;
  m.priority = pj.point.index;
  if (!base_tasks_.empty()) m.deps.push_back(base_tasks_.back());
  if (pj.point.dense()) {
    m.stage = "map";
    m.inputs = {{"stage", "map"}, {"net", net_inputs}, {"arch", map_arch}};
  } else {
    // Pruning may also depend on the conductance range and device model (quantised,
    // noise-aware training), so the whole crossbar and nonideal sections count.
    map_arch["crossbar"] = at_path(pj.arch, "crossbar");
    map_arch["nonideal"] = at_path(pj.arch, "nonideal");
    m.stage = "prune";
    m.inputs = {{"stage", "prune"}, {"net", net_inputs}, {"arch", map_arch}, {"prune", pj.point.prune}};
  }
  m.outputs = {"mapping.json"};
  m.argv = stage_argv(m.stage, pj, "");
  pj.map_task = add_task(m);
  pj.tasks.insert(pj.tasks.end(), base_tasks_.begin(), base_tasks_.end());
  pj.tasks.push_back(pj.map_task);
  std::string map_dir = task_dir(pj.map_task);

  // With an evaluation the simulator prices crossbar reads and word-line drives at the
  // input bit density the functional model measured for each layer, so sim waits for eval.
  // A stage run on the point's mapping (eval, sim): keyed by the mapping, arch and options.
  auto on_mapping = [&](const char* stage, const json& options) {
    StageTask t;
    t.stage = stage;
    t.priority = pj.point.index;
    t.deps = {pj.map_task};
    t.inputs = {{"stage", stage}, {"mapping", pj.map_task}, {"arch", arch_hash}, {stage, options}};
    t.outputs = {std::string(stage) + ".json"};
    t.argv = stage_argv(stage, pj, map_dir);
    return t;
  };
  std::string eid;
  if (!pj.point.eval.is_null()) eid = add_task(on_mapping("eval", pj.point.eval));
  StageTask s = on_mapping("sim", pj.point.sim);
  if (!eid.empty()) {
    s.deps.push_back(eid);
    s.inputs["input_density_from"] = eid;
    auto o = std::find(s.argv.begin(), s.argv.end(), std::string("-o"));
    s.argv.insert(o, {"--input-density", task_dir(eid) + "/eval.json"});
  }
  std::string sid = add_task(s);
  pj.tasks.push_back(sid);
  pj.final_tasks.push_back(sid);
  if (!eid.empty()) {
    pj.tasks.push_back(eid);
    pj.final_tasks.push_back(eid);
    if (!ref_task_.empty()) {
      pj.tasks.push_back(ref_task_);
      pj.final_tasks.push_back(ref_task_);
    }
  }
}

void Sweep::prepare() {
  for (const char* d : {"cache/arch", "cache/net", "cache/train", "cache/ref", "cache/map", "cache/prune", "cache/sim",
                        "cache/eval", "points"})
    fs::create_directories(opt_.out_dir + "/" + d);

  std::vector<Point> pts = expand_plan(plan_);
  if (opt_.limit_points >= 0 && static_cast<int>(pts.size()) > opt_.limit_points) pts.resize(opt_.limit_points);
  if (opt_.restrict_points) {
    // A Slurm array task resolves only its own chunk (a 10,000-point plan costs seconds to
    // resolve, once per task otherwise).
    std::set<int> only(opt_.only_points.begin(), opt_.only_points.end());
    std::vector<Point> mine;
    for (auto& p : pts)
      if (only.count(p.index)) mine.push_back(std::move(p));
    pts = std::move(mine);
  }

  const json net_inputs = add_base_tasks();

  points_.clear();
  std::map<std::string, int> seen_ids;
  std::vector<std::string> errors;
  for (Point& pt : pts) {
    PointJob pj;
    pj.point = pt;
    try {
      ArchConfig a = load_arch(plan_.arch, pt.arch_set);
      pj.arch = a.to_json();
    } catch (const Error& e) {
      pj.error = e.what();
      errors.push_back(e.what());
    }
    json id_inputs = {{"net", net_inputs},   {"arch", pj.arch},
                      {"dense", pt.dense()}, {"prune", pt.dense() ? json(nullptr) : pt.prune},
                      {"sim", pt.sim},       {"eval", pt.eval}};
    if (!pj.error.empty()) id_inputs["arch_set"] = pt.arch_set;
    pj.id = hash_json(id_inputs);
    if (seen_ids.count(pj.id))
      std::cerr << "reram sweep: warning: point " << pt.index << " (" << pt.label() << ") is identical to point "
                << seen_ids[pj.id] << "; it shares its result\n";
    seen_ids.emplace(pj.id, pt.index);
    if (!pj.error.empty()) {
      points_.push_back(std::move(pj));
      continue;
    }
    std::string arch_hash = hash_json(pj.arch);
    pj.arch_file = opt_.out_dir + "/cache/arch/" + arch_hash + ".json";
    if (!fs::exists(pj.arch_file)) write_json_atomic(pj.arch_file, pj.arch);

    add_point_tasks(pj, net_inputs, arch_hash);
    points_.push_back(std::move(pj));
  }
  // Every point failing to resolve is a plan mistake, not a design-space finding.
  if (!opt_.restrict_points && !points_.empty() && errors.size() == points_.size())
    throw ConfigError((plan_.file.empty() ? std::string("plan") : plan_.file) +
                      ": no point resolves: " + errors.front());

  json manifest = {
      {"reram_version", version()}, {"plan_file", plan_.file}, {"plan", plan_.spec}, {"points", json::array()}};
  for (const auto& p : points_)
    manifest["points"].push_back(
        {{"index", p.point.index}, {"id", p.id}, {"label", p.point.label()}, {"tasks", p.tasks}, {"error", p.error}});
  // A worker that resolved only its chunk must not replace the whole plan's manifest.
  if (!opt_.restrict_points) write_json_atomic(opt_.out_dir + "/plan.json", manifest);
}

void Sweep::write_point_result(const PointJob& p, const std::string& error, const json& timings) {
  json r;
  r["reram_version"] = version();
  r["point_id"] = p.id;
  r["index"] = p.point.index;
  r["label"] = p.point.label();
  json settings = json::object();
  for (const auto& [k, v] : p.point.settings) settings[k] = v;
  r["settings"] = settings;
  r["config"] = {{"network", plan_.network},
                 {"train", plan_.train},
                 {"weights", plan_.weights},
                 {"random_weights_seed", plan_.random_weights_seed},
                 {"arch_file", plan_.arch},
                 {"arch_set", p.point.arch_set},
                 {"mapping", p.point.dense() ? "dense" : "pruned"},
                 {"prune", p.point.dense() ? json(nullptr) : p.point.prune},
                 {"sim", p.point.sim},
                 {"eval", p.point.eval},
                 {"arch", p.arch}};
  json tasks = json::object();
  for (const auto& t : p.tasks) tasks[t.substr(0, t.find('/'))] = t.substr(t.find('/') + 1);
  r["tasks"] = tasks;
  r["timings_s"] = timings;
  std::string err = error;
  json metrics = json::object();
  if (err.empty()) {
    try {
      metrics = mapping_metrics(task_dir(p.map_task));
      for (const auto& t : p.final_tasks) {
        std::string stage = t.substr(0, t.find('/'));
        if (stage == "sim") metrics.update(sim_metrics(load_json_file(task_dir(t) + "/sim.json")));
        if (stage == "eval") metrics.update(eval_metrics(load_json_file(task_dir(t) + "/eval.json")));
        if (stage == "ref") metrics.update(reference_metrics(load_json_file(task_dir(t) + "/eval.json")));
      }
      add_derived_metrics(metrics);
    } catch (const std::exception& e) {
      err = std::string("reading the stage outputs: ") + e.what();
    }
  }
  r["status"] = err.empty() ? "ok" : "failed";
  r["error"] = err;
  r["metrics"] = metrics;
  fs::create_directories(point_dir(p));
  if (!p.arch.is_null()) write_json_atomic(point_dir(p) + "/arch.json", p.arch);
  write_json_atomic(point_dir(p) + "/result.json", r);
}

namespace {

struct Running {
  pid_t pid = 0;
  std::string task_id;
  std::string tmp_dir;
  std::chrono::steady_clock::time_point start;
};

}  // namespace

int Sweep::stages_in_progress(bool remove_stale) const {
  int live = 0;
  std::string me = host_name();
  for (const char* st : {"net", "train", "ref", "map", "prune", "sim", "eval"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(opt_.out_dir + "/cache/" + st, ec)) {
      // .<key>.tmp.<host>.<pid>: a stage being written by process <pid> on <host>.
      std::string name = e.path().filename().string();
      size_t t = name.find(".tmp.");
      if (t == std::string::npos) continue;
      std::string rest = name.substr(t + 5);
      size_t dot = rest.rfind('.');
      std::string host = dot == std::string::npos ? rest : rest.substr(0, dot);
      long pid = dot == std::string::npos ? 0 : std::atol(rest.c_str() + dot + 1);
      bool alive = host != me || (pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM));
      if (alive) {
        ++live;
      } else if (remove_stale) {
        // Left by a killed sweep: its output never reached the cache, so it is redone.
        fs::remove_all(e.path(), ec);
      }
    }
  }
  return live;
}

// Sweep::run_local's runner: picks the points without a result, runs their remaining stage
// tasks on a pool of `jobs` processes (dependencies first, then point order), writes each
// point's result as its last task finishes and shows progress.
class LocalRunner {
 public:
  explicit LocalRunner(Sweep& sw) : sw_(sw), opt_(sw.opt_), t0_(Clock::now()), last_collect_(t0_) {}

  RunSummary run() {
    sum_.total =
        opt_.restrict_points ? static_cast<int>(opt_.only_points.size()) : static_cast<int>(sw_.points_.size());
    sw_.stages_in_progress(true);
    select_points();
    count_cached_tasks();
    finished_.assign(todo_.size(), false);
    // Threads per stage process: share the cores among the parallel jobs.
    unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    threads_ = std::to_string(opt_.threads_per_stage > 0 ? static_cast<unsigned>(opt_.threads_per_stage)
                                                         : std::max(1u, hw / static_cast<unsigned>(opt_.jobs)));
    struct sigaction sa {
    }, old_int{}, old_term{};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_interrupt = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    tty_ = isatty(STDERR_FILENO);
    // Points whose every task is cached are assembled straight away.
    for (size_t i = 0; i < todo_.size(); ++i)
      if (pending_[i].empty()) finish_point(i, "");
    instant_count_ = finished_count_;
    loop();
    if (g_interrupt) stop();
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    for (size_t i = 0; i < todo_.size(); ++i)
      if (!finished_[i]) ++sum_.not_run;
    if (opt_.collect_tables) sw_.collect();
    sum_.seconds = std::chrono::duration<double>(Clock::now() - t0_).count();
    return sum_;
  }

 private:
  using Clock = std::chrono::steady_clock;

  // Points to run, in index order.
  void select_points() {
    std::set<std::string> done_ids;  // a point id appears once even when two indices share it
    std::set<int> only(opt_.only_points.begin(), opt_.only_points.end());
    for (const auto& p : sw_.points_) {
      if (opt_.restrict_points && !only.count(p.point.index)) continue;
      std::string st = sw_.point_status(p);
      if (st == "ok" || (st == "failed" && !opt_.retry_failed) || done_ids.count(p.id)) {
        ++sum_.skipped;
        continue;
      }
      done_ids.insert(p.id);
      if (!p.error.empty()) {
        sw_.write_point_result(p, p.error, json::object());
        ++sum_.failed;
        continue;
      }
      todo_.push_back(&p);
    }
  }

  // Remaining tasks of each point; tasks already in the cache count as done.
  void count_cached_tasks() {
    pending_.resize(todo_.size());
    std::set<std::string> counted;
    for (size_t i = 0; i < todo_.size(); ++i)
      for (const auto& t : todo_[i]->tasks) {
        if (sw_.task_done(t)) {
          done_tasks_.insert(t);
          if (counted.insert(t).second) ++sum_.tasks_cached;
        } else {
          pending_[i].insert(t);
        }
      }
  }

  void show_progress(const std::string& last) {
    if (!opt_.progress) return;
    int done = finished_count_;
    int n = static_cast<int>(todo_.size());
    double el = std::chrono::duration<double>(Clock::now() - t0_).count();
    // Points assembled from the cache at start-up took no time: leave them out of the rate.
    int computed = done - instant_count_;
    double eta = computed > 0 ? el / computed * (n - done) : NAN;
    const int width = 30;
    int fill = n > 0 ? done * width / n : width;
    std::string bar = "[" + std::string(fill, '#') + std::string(width - fill, '-') + "]";
    char line[512];
    std::snprintf(line, sizeof line, "%s %d/%d points (%d failed, %d cached before) elapsed %s ETA %s", bar.c_str(),
                  done, n, sum_.failed, sum_.skipped, fmt_duration(el).c_str(),
                  done == n ? "0:00" : fmt_duration(eta).c_str());
    if (tty_) {
      std::cerr << "\r" << line << "\033[K" << std::flush;
      if (done == n) std::cerr << "\n";
    } else {
      std::cerr << line << (last.empty() ? "" : "  last: " + last) << "\n";
    }
  }

  void finish_point(size_t i, const std::string& error) {
    if (finished_[i]) return;
    finished_[i] = true;
    ++finished_count_;
    json tm = json::object();
    for (const auto& t : todo_[i]->tasks)
      if (timings_.count(t)) tm[t.substr(0, t.find('/'))] = timings_[t];
    sw_.write_point_result(*todo_[i], error, tm);
    if (sw_.point_status(*todo_[i]) == "ok")
      ++sum_.ok;
    else
      ++sum_.failed;
    show_progress(todo_[i]->point.label() + (sw_.point_status(*todo_[i]) == "ok" ? "" : " FAILED"));
  }

  // The next task whose dependencies are done, in point order.
  const StageTask* pick() {
    while (cursor_ < todo_.size() && finished_[cursor_]) ++cursor_;
    for (size_t i = cursor_; i < todo_.size(); ++i) {
      if (finished_[i]) continue;
      for (const auto& t : todo_[i]->tasks) {
        if (done_tasks_.count(t) || running_tasks_.count(t) || failed_tasks_.count(t)) continue;
        if (opt_.restrict_tasks && !opt_.only_tasks.count(t)) continue;
        const StageTask& st = sw_.tasks_.at(t);
        bool ready =
            std::all_of(st.deps.begin(), st.deps.end(), [&](const std::string& d) { return done_tasks_.count(d) > 0; });
        if (ready) return &st;
      }
    }
    return nullptr;
  }

  // Starts a stage process writing into a temporary directory beside its cache entry.
  void launch(const StageTask& t) {
    std::string final_dir = sw_.task_dir(t.id());
    std::string tmp =
        opt_.out_dir + "/cache/" + t.stage + "/." + t.key + ".tmp." + host_name() + "." + std::to_string(getpid());
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    write_json_atomic(tmp + "/inputs.json", t.inputs);
    std::vector<std::string> argv = t.argv;
    for (auto& a : argv) {
      size_t pos;
      while ((pos = a.find("@OUT@")) != std::string::npos) a.replace(pos, 5, tmp);
    }
    if (sw_.rewriter_) argv = sw_.rewriter_(t, argv);
    {
      std::ofstream cmd(tmp + "/command.txt");
      for (const auto& a : argv) cmd << a << "\n";
    }
    std::string out_log = tmp + "/stdout.log", err_log = tmp + "/stderr.log";
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    pid_t pid = fork();
    if (pid < 0) throw Error(std::string("sweep: fork failed: ") + std::strerror(errno));
    if (pid == 0) {
      // Own process group, so an interrupt or timeout stops the whole stage; and die with
      // the sweep when it is killed.
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      signal(SIGINT, SIG_DFL);
      signal(SIGTERM, SIG_DFL);
      int fo = open(out_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int fe = open(err_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int fi = open("/dev/null", O_RDONLY);
      if (fo >= 0) dup2(fo, STDOUT_FILENO);
      if (fe >= 0) dup2(fe, STDERR_FILENO);
      if (fi >= 0) dup2(fi, STDIN_FILENO);
      setenv("OMP_NUM_THREADS", threads_.c_str(), 0);
      if (opt_.fork_runner && argv[0] == opt_.reram_binary) {
        int rc = 1;
        try {
          rc = opt_.fork_runner(argv);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "reram %s: error: %s\n", argv.size() > 1 ? argv[1].c_str() : "", e.what());
        }
        std::cout.flush();
        std::cerr.flush();
        std::fflush(nullptr);
        _exit(rc);
      }
      execv(cargv[0], cargv.data());
      std::fprintf(stderr, "cannot execute %s: %s\n", cargv[0], std::strerror(errno));
      _exit(127);
    }
    running_.push_back({pid, t.id(), tmp, Clock::now()});
    running_tasks_.insert(t.id());
  }

  // A stage process ended: its output enters the cache, or its point fails.
  void complete(const Running& r, int status, bool timed_out) {
    running_tasks_.erase(r.task_id);
    const StageTask& t = sw_.tasks_.at(r.task_id);
    double secs = std::chrono::duration<double>(Clock::now() - r.start).count();
    std::string error;
    if (timed_out) {
      error = t.stage + " timed out after " + fmt_duration(secs);
    } else if (WIFSIGNALED(status)) {
      error = t.stage + " was killed by signal " + std::to_string(WTERMSIG(status));
    } else if (WEXITSTATUS(status) != 0) {
      error = t.stage + " exited with status " + std::to_string(WEXITSTATUS(status));
    } else {
      for (const auto& o : t.outputs)
        if (!fs::exists(r.tmp_dir + "/" + o)) error = t.stage + " succeeded but wrote no " + o;
    }
    json info = {{"stage", t.stage}, {"key", t.key},        {"inputs", t.inputs},
                 {"seconds", secs},  {"host", host_name()}, {"reram_version", version()}};
    std::string final_dir = sw_.task_dir(r.task_id);
    if (error.empty()) {
      write_json_atomic(r.tmp_dir + "/task.json", info);
      std::error_code ec;
      fs::rename(r.tmp_dir, final_dir, ec);
      if (ec) fs::remove_all(r.tmp_dir);  // another worker finished_ it first: keep theirs
      done_tasks_.insert(r.task_id);
      timings_[r.task_id] = secs;
      ++sum_.tasks_run;
      for (size_t i = 0; i < todo_.size(); ++i) {
        if (finished_[i] || !pending_[i].erase(r.task_id)) continue;
        if (pending_[i].empty()) finish_point(i, "");
      }
    } else {
      std::string tail = tail_lines(r.tmp_dir + "/stderr.log", 3);
      if (!tail.empty()) error += ": " + tail;
      std::string failed_dir = final_dir + ".failed";
      fs::remove_all(failed_dir);
      std::error_code ec;
      fs::rename(r.tmp_dir, failed_dir, ec);
      error += " (logs: " + (ec ? r.tmp_dir : failed_dir) + ")";
      failed_tasks_[r.task_id] = error;
      for (size_t i = 0; i < todo_.size(); ++i)
        if (!finished_[i] && pending_[i].count(r.task_id)) finish_point(i, error);
    }
  }

  void loop() {
    while (!g_interrupt) {
      while (static_cast<int>(running_.size()) < opt_.jobs) {
        const StageTask* t = pick();
        if (!t) break;
        launch(*t);
      }
      if (running_.empty()) break;
      // Keep the tables current while the sweep runs (every point's own result file is
      // already on disk; this is only for readers of results.csv during a long run).
      if (opt_.collect_tables && Clock::now() - last_collect_ > std::chrono::seconds(30)) {
        sw_.collect();
        last_collect_ = Clock::now();
      }
      int status = 0;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid > 0) {
        auto it = std::find_if(running_.begin(), running_.end(), [&](const Running& r) { return r.pid == pid; });
        if (it == running_.end()) continue;
        Running r = *it;
        running_.erase(it);
        complete(r, status, false);
        continue;
      }
      if (opt_.task_timeout_s > 0) {
        for (auto it = running_.begin(); it != running_.end();) {
          double el = std::chrono::duration<double>(Clock::now() - it->start).count();
          if (el > opt_.task_timeout_s) {
            kill(-it->pid, SIGKILL);
            waitpid(it->pid, &status, 0);
            Running r = *it;
            it = running_.erase(it);
            complete(r, status, true);
          } else {
            ++it;
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  void stop() {
    sum_.interrupted = true;
    for (auto& r : running_) kill(-r.pid, SIGTERM);
    for (auto& r : running_) {
      int st;
      waitpid(r.pid, &st, 0);
      fs::remove_all(r.tmp_dir);
    }
    if (opt_.progress && tty_) std::cerr << "\n";
    std::cerr << "reram sweep: interrupted; finished points are kept, re-run to continue\n";
  }

  Sweep& sw_;
  const SweepOptions& opt_;
  const Clock::time_point t0_;
  Clock::time_point last_collect_;
  RunSummary sum_;
  std::vector<const PointJob*> todo_;
  std::map<std::string, std::string> failed_tasks_;  // id -> error
  std::set<std::string> done_tasks_, running_tasks_;
  std::vector<std::set<std::string>> pending_;  // per point: tasks not done yet
  std::map<std::string, json> timings_;         // task id -> seconds
  std::vector<bool> finished_;
  int finished_count_ = 0, instant_count_ = 0;
  std::vector<Running> running_;
  size_t cursor_ = 0;
  std::string threads_;
  bool tty_ = false;
};

RunSummary Sweep::run_local() { return LocalRunner(*this).run(); }

json Sweep::collect() const {
  json rows = json::array();
  std::set<std::string> seen;
  for (const auto& p : points_) {
    std::string f = point_dir(p) + "/result.json";
    if (!fs::exists(f)) continue;
    json r;
    try {
      r = load_json_file(f);
    } catch (const Error&) {
      continue;
    }
    json row = json::object();
    row["index"] = p.point.index;
    row["point_id"] = p.id;
    row["status"] = r.value("status", "failed");
    row["error"] = r.value("error", "");
    row["label"] = p.point.label();
    for (const auto& [k, v] : p.point.settings) row[k] = v;
    for (const auto& [name, lab] : p.point.axis_labels) row[name] = lab;
    const json& cfg = r.contains("config") ? r["config"] : json::object();
    json cols = config_columns(cfg.value("arch", json(nullptr)), cfg.value("prune", json(nullptr)),
                               cfg.value("mapping", "dense") == "dense");
    for (auto it = cols.begin(); it != cols.end(); ++it)
      if (!row.contains(it.key())) row[it.key()] = it.value();
    if (r.contains("metrics"))
      for (auto it = r["metrics"].begin(); it != r["metrics"].end(); ++it) row[it.key()] = it.value();
    rows.push_back(row);
  }
  // The axes, so that readers (scripts/plot_sweep.py) can tell a compound axis' label
  // column from the settings it moves.
  json axes = json::array();
  for (const auto& a : plan_.axes) {
    std::set<std::string> keys;
    for (const auto& v : a.values)
      for (auto it = v.begin(); it != v.end(); ++it) keys.insert(it.key());
    bool compound = !(keys.size() == 1 && *keys.begin() == a.name);
    axes.push_back({{"name", a.name}, {"compound", compound}, {"settings", keys}, {"labels", a.labels}});
  }
  json out = {{"reram_version", version()},
              {"plan_file", plan_.file},
              {"plan_name", plan_.name},
              {"description", plan_.description},
              {"points_total", points_.size()},
              {"axes", axes},
              {"rows", rows}};
  write_json_atomic(opt_.out_dir + "/results.json", out);
  write_file_atomic(opt_.out_dir + "/results.csv", rows_to_csv(rows));
  return rows;
}

std::string rows_to_csv(const json& rows) {
  static const std::vector<std::string> lead = {"index", "point_id", "status", "label"};
  std::vector<std::string> cols(lead.begin(), lead.end());
  std::set<std::string> have(cols.begin(), cols.end());
  have.insert("error");
  // Settings first in the order they appear, then the rest sorted; error last.
  std::set<std::string> rest;
  for (const auto& r : rows)
    for (auto it = r.begin(); it != r.end(); ++it)
      if (!have.count(it.key())) {
        if (it.key().find('.') != std::string::npos) {
          cols.push_back(it.key());
          have.insert(it.key());
        } else {
          rest.insert(it.key());
        }
      }
  cols.insert(cols.end(), rest.begin(), rest.end());
  cols.push_back("error");
  auto cell = [](const json& v) -> std::string {
    std::string s;
    if (v.is_null()) return "";
    if (v.is_string())
      s = v.get<std::string>();
    else if (v.is_number_float()) {
      char b[64];
      std::snprintf(b, sizeof b, "%.10g", v.get<double>());
      s = b;
    } else
      s = v.dump();
    if (s.find_first_of(",\"\n\r") != std::string::npos) {
      std::string q = "\"";
      for (char c : s) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
      return q + "\"";
    }
    return s;
  };
  std::string out;
  for (size_t i = 0; i < cols.size(); ++i) out += (i ? "," : "") + cell(json(cols[i]));
  out += "\n";
  for (const auto& r : rows) {
    for (size_t i = 0; i < cols.size(); ++i) {
      if (i) out += ",";
      if (r.contains(cols[i])) out += cell(r[cols[i]]);
    }
    out += "\n";
  }
  return out;
}

}  // namespace reram::sweep
