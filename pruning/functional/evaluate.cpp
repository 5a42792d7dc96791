#include "pruning/functional/evaluate.h"

#include <chrono>

#include "pruning/core/error.h"

namespace reram::functional {

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

json evaluate_on_hardware(const Mapping& mapping, const ArchConfig& arch, const Dataset& data, const EvalOptions& o) {
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
  int64_t ok_f = 0, ok_q = 0, ok_h = 0, agree = 0;
  double t_f = 0, t_q = 0, t_h = 0, cpu_h = 0;
  for (int64_t a = 0; a < n; a += B) {
    const int64_t nb = std::min(B, n - a);
    const Acts batch = images.middleRows(a, nb);
    std::vector<int> pq, ph;
    auto count = [&](const std::vector<int>& p, int64_t& ok) {
      for (int64_t i = 0; i < nb; ++i) ok += p[static_cast<size_t>(i)] == data.labels[static_cast<size_t>(a + i)] ? 1 : 0;
    };
    if (o.run_float) {
      auto s = clock::now();
      count(argmax_rows(model.forward_float(batch)), ok_f);
      t_f += std::chrono::duration<double>(clock::now() - s).count();
    }
    if (o.run_quantized) {
      auto s = clock::now();
      pq = argmax_rows(model.forward_quantized(batch));
      count(pq, ok_q);
      t_q += std::chrono::duration<double>(clock::now() - s).count();
    }
    if (o.run_hardware) {
      auto s = clock::now();
      const double c0 = cpu_seconds();
      ph = argmax_rows(model.forward_hardware(batch));
      cpu_h += cpu_seconds() - c0;
      count(ph, ok_h);
      t_h += std::chrono::duration<double>(clock::now() - s).count();
    }
    if (o.run_quantized && o.run_hardware)
      for (int64_t i = 0; i < nb; ++i) agree += pq[static_cast<size_t>(i)] == ph[static_cast<size_t>(i)] ? 1 : 0;
  }
  const double dn = static_cast<double>(n);
  json r;
  r["samples"] = n;
  r["calibration_samples"] = calib_set.size();
  r["calibration_source"] = o.calibration ? "separate" : "head of evaluated data";
  json times = {{"calibration", calib_s}};
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
