#include "pruning/functional/evaluate.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <thread>

#include "pruning/core/error.h"
#include "pruning/core/int_math.h"
#include "pruning/core/threads.h"

namespace reram::functional {

int resolve_threads(int requested) {
  if (requested < 0) throw ConfigError("threads must be >= 0 (0: one per core), got " + std::to_string(requested));
  return requested > 0 ? requested : default_thread_count();
}

Acts dataset_images(const Dataset& data, const Shape& expect, const std::string& where) {
  const auto& sh = data.images.shape;
  if (sh.size() != 4 || sh[1] != expect.c || sh[2] != expect.h || sh[3] != expect.w)
    throw InputError(where + ": data samples have shape " + data.images.shape_str() + " but the network input is " +
                     expect.str());
  const int64_t n = sh[0];
  const int64_t f = expect.numel();
  return Eigen::Map<const MatrixXf>(data.images.data.data(), n, f);
}

json benchmark_batch(FunctionalModel& model, const Acts& batch) {
  const double bare = model.bare_products_cpu_seconds(batch);
  const double t0 = cpu_seconds();
  const Acts y = model.forward_hardware(batch);
  const double full = cpu_seconds() - t0;
  return {{"images", batch.rows()},
          {"bare_products_cpu_s", bare},
          {"hardware_model_cpu_s", full},
          {"ratio", bare > 0.0 ? full / bare : 0.0},
          {"lossless_crossbars", model.lossless_crossbars()},
          {"crossbars", model.crossbars().size()},
          {"output_checksum", static_cast<double>(y.sum())}};
}

namespace {

// run_batch(model, index) for every batch: on `model` itself with one thread; else each
// thread works on its own copy of the calibrated model (the hardware model keeps per-run
// state: read-noise counters and input statistics), taking the next batch index.
template <class F>
void for_each_batch(FunctionalModel& model, int threads, int64_t batches, F run_batch) {
  if (threads <= 1) {
    for (int64_t bi = 0; bi < batches; ++bi) run_batch(model, bi);
    return;
  }
  std::atomic<int64_t> next{0};
  std::vector<std::exception_ptr> errors(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      try {
        FunctionalModel fm = model;
        for (int64_t bi; (bi = next.fetch_add(1)) < batches;) run_batch(fm, bi);
      } catch (...) {
        errors[static_cast<size_t>(t)] = std::current_exception();
        next = batches;
      }
    });
  for (auto& th : pool) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

ArchConfig trial_arch(const ArchConfig& arch, int k) {
  if (k == 0) return arch;
  auto derive = [k](uint64_t s) { return mix64(s + 0x9e3779b97f4a7c15ULL * (static_cast<uint64_t>(k) + 1)); };
  ArchConfig a = arch;
  auto& n = a.nonideal;
  n.seed = derive(n.seed);
  for (auto* s : {&n.variation_seed, &n.fault_seed, &n.read_noise_seed, &n.program_seed, &n.drift_seed})
    if (*s) *s = derive(**s);
  return a;
}

json interval95(const std::vector<double>& xs) {
  const size_t n = xs.size();
  double mean = 0.0, ss = 0.0;
  for (double x : xs) mean += x;
  mean = n ? mean / static_cast<double>(n) : 0.0;
  for (double x : xs) ss += (x - mean) * (x - mean);
  const double sd = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : 0.0;
  // t_{0.975, df}: the table to 30 degrees of freedom, then the Cornish-Fisher expansion.
  static const double kT[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                              2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                              2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  const double df = static_cast<double>(n) - 1.0, z = 1.959964;
  const double t =
      n < 2      ? 0.0
      : df <= 30 ? kT[n - 2]
                 : z + (z * z * z + z) / (4 * df) + (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * df * df);
  const double h = n > 1 ? t * sd / std::sqrt(static_cast<double>(n)) : 0.0;
  return {{"n", n}, {"mean", mean}, {"std", sd}, {"ci95", {mean - h, mean + h}}};
}

namespace {

// Monte-Carlo: trial 0 as configured (with the float and quantised references), then the
// hardware model alone on each further chip instance.
json evaluate_trials(const Mapping& mapping, const ArchConfig& arch, const Dataset& data, const EvalOptions& o) {
  EvalOptions first = o;
  first.trials = 1;
  json r = evaluate_on_hardware(mapping, arch, data, first);
  EvalOptions rest = first;
  rest.run_float = rest.run_quantized = false;
  rest.benchmark_images = 0;
  std::vector<double> acc = {r["accuracy_on_hardware"].get<double>()};
  json seeds = json::array({arch.nonideal.seed});
  if (o.progress) o.progress(1, o.trials, acc.front());
  for (int k = 1; k < o.trials; ++k) {
    const ArchConfig ak = trial_arch(arch, k);
    acc.push_back(evaluate_on_hardware(mapping, ak, data, rest)["accuracy_on_hardware"].get<double>());
    seeds.push_back(ak.nonideal.seed);
    if (o.progress) o.progress(k + 1, o.trials, acc.back());
  }
  json t = interval95(acc);
  t["seeds"] = seeds;
  t["accuracy_on_hardware"] = acc;
  r["trials"] = t;
  r["accuracy_on_hardware_trial0"] = acc.front();
  r["accuracy_on_hardware"] = t["mean"];
  return r;
}

}  // namespace

json evaluate_on_hardware(const Mapping& mapping, const ArchConfig& arch, const Dataset& data, const EvalOptions& o) {
  if (o.trials < 1) throw ConfigError("trials must be at least 1 (got " + std::to_string(o.trials) + ")");
  if (o.trials > 1 && o.run_hardware) return evaluate_trials(mapping, arch, data, o);
  using clock = std::chrono::steady_clock;
  if (data.size() == 0) throw InputError("evaluation data set is empty");
  FunctionalModel model(mapping, arch, o.hardware);
  json bench;
  const Network& net = model.network();
  const Dataset calib_set = o.calibration ? *o.calibration : data.head(o.calibration_samples);
  const Acts calib = dataset_images(calib_set, net.input, "calibration data");
  const Acts images = dataset_images(data, net.input, "evaluation data");

  auto t0 = clock::now();
  model.calibrate(calib, o.batch_images);
  const double calib_s = std::chrono::duration<double>(clock::now() - t0).count();
  if (o.benchmark_images > 0) bench = benchmark_batch(model, images.topRows(std::min(o.benchmark_images, data.size())));

  const int64_t n = data.size();
  const int64_t B = std::max<int64_t>(1, o.batch_images);
  const int64_t batches = (n + B - 1) / B;
  const int threads = static_cast<int>(std::min<int64_t>(resolve_threads(o.threads), batches));
  // Every batch is evaluated on its own (read noise keyed by the batch index, input
  // statistics kept per batch) and the results are combined in batch order, so the
  // report is the same bit for bit whatever the thread count.
  struct BatchResult {
    int64_t ok_f = 0, ok_q = 0, ok_h = 0, agree = 0;
    double t_f = 0, t_q = 0, t_h = 0, cpu_h = 0;
    std::vector<std::pair<double, int64_t>> input_levels;  // per mapped layer: sum, count
  };
  std::vector<BatchResult> results(static_cast<size_t>(batches));
  auto run_batch = [&](FunctionalModel& fm, int64_t bi) {
    BatchResult& br = results[static_cast<size_t>(bi)];
    const int64_t a = bi * B, nb = std::min(B, n - a);
    const Acts batch = images.middleRows(a, nb);
    std::vector<int> pq, ph;
    auto count = [&](const std::vector<int>& p, int64_t& ok) {
      for (int64_t i = 0; i < nb; ++i)
        ok += p[static_cast<size_t>(i)] == data.labels[static_cast<size_t>(a + i)] ? 1 : 0;
    };
    if (o.run_float) {
      auto s = clock::now();
      count(argmax_rows(fm.forward_float(batch)), br.ok_f);
      br.t_f = std::chrono::duration<double>(clock::now() - s).count();
    }
    if (o.run_quantized) {
      auto s = clock::now();
      pq = argmax_rows(fm.forward_quantized(batch));
      count(pq, br.ok_q);
      br.t_q = std::chrono::duration<double>(clock::now() - s).count();
    }
    if (o.run_hardware) {
      for (auto& lm : fm.layers()) lm.input_level_sum = 0.0, lm.input_level_count = 0;
      fm.set_read_stream(static_cast<uint64_t>(bi) + 1);
      auto s = clock::now();
      const double c0 = thread_cpu_seconds();
      ph = argmax_rows(fm.forward_hardware(batch));
      br.cpu_h = thread_cpu_seconds() - c0;
      count(ph, br.ok_h);
      br.t_h = std::chrono::duration<double>(clock::now() - s).count();
      for (const auto& lm : fm.layers()) br.input_levels.emplace_back(lm.input_level_sum, lm.input_level_count);
    }
    if (o.run_quantized && o.run_hardware)
      for (int64_t i = 0; i < nb; ++i) br.agree += pq[static_cast<size_t>(i)] == ph[static_cast<size_t>(i)] ? 1 : 0;
  };
  auto t_all = clock::now();
  for_each_batch(model, threads, batches, run_batch);
  const double wall_s = std::chrono::duration<double>(clock::now() - t_all).count();
  int64_t ok_f = 0, ok_q = 0, ok_h = 0, agree = 0;
  double t_f = 0, t_q = 0, t_h = 0, cpu_h = 0;
  for (auto& lm : model.layers()) lm.input_level_sum = 0.0, lm.input_level_count = 0;
  for (const BatchResult& br : results) {
    ok_f += br.ok_f, ok_q += br.ok_q, ok_h += br.ok_h, agree += br.agree;
    t_f += br.t_f, t_q += br.t_q, t_h += br.t_h, cpu_h += br.cpu_h;
    for (size_t l = 0; l < br.input_levels.size(); ++l) {
      model.layers()[l].input_level_sum += br.input_levels[l].first;
      model.layers()[l].input_level_count += br.input_levels[l].second;
    }
  }
  const double dn = static_cast<double>(n);
  json r;
  r["samples"] = n;
  r["calibration_samples"] = calib_set.size();
  r["calibration_source"] = o.calibration ? "separate" : "head of evaluated data";
  r["threads"] = threads;
  // Per model: seconds summed over batches (over threads when there are several); "wall":
  // the whole evaluation after calibration.
  json times = {{"calibration", calib_s}, {"wall", wall_s}};
  if (o.run_float) {
    r["accuracy_float"] = static_cast<double>(ok_f) / dn;
    times["float"] = t_f;
  }
  if (o.run_quantized) {
    r["accuracy_quantized"] = static_cast<double>(ok_q) / dn;
    times["quantized"] = t_q;
  }
  if (o.run_hardware) {
    r["accuracy_on_hardware"] = static_cast<double>(ok_h) / dn;
    times["hardware"] = t_h;
    r["hardware_cpu_time_s"] = cpu_h;
  }
  if (o.run_quantized && o.run_hardware) r["hardware_agrees_with_quantized"] = static_cast<double>(agree) / dn;
  r["time_s"] = times;
  r["model"] = model.summary();
  // Measured input bit density per weight layer (mean word-line input level over the
  // evaluated images): `reram sim --input-density` feeds it to the cost models.
  json density = json::object();
  for (const auto& lm : model.layers())
    if (lm.input_bit_density() >= 0) density[lm.name] = lm.input_bit_density();
  if (o.run_hardware) r["input_bit_density"] = density;
  if (!bench.is_null()) r["benchmark"] = bench;
  return r;
}

}  // namespace reram::functional
