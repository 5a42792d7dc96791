#include "pruning/functional/quantize.h"

#include <algorithm>
#include <cmath>

namespace reram::functional {

InputQuant make_input_quant(double lo, double hi, int bits) {
  InputQuant q;
  q.bits = bits;
  q.lo = std::min(lo, 0.0);
  q.hi = std::max(hi, 0.0);
  const double levels = static_cast<double>(q.max_code());
  if (q.hi - q.lo <= 0.0) {
    q.scale = 1.0;
    q.zero = 0;
    return q;
  }
  if (q.lo >= 0.0) {
    q.scale = q.hi / levels;
    q.zero = 0;
  } else {
    q.scale = (q.hi - q.lo) / levels;
    q.zero = std::clamp<int64_t>(std::llround(-q.lo / q.scale), 0, q.max_code());
  }
  return q;
}

namespace {
// Input codes round(v / scale) + zero, clipped to [0, max code], in double arithmetic, so
// the float and the integer versions give identical codes.
template <class Out>
void quantize_into(const MatrixXf& v, const InputQuant& q, Out* d) {
  const double inv = 1.0 / q.scale;
  const double maxc = static_cast<double>(q.max_code());
  const double z = static_cast<double>(q.zero);
  const float* s = v.data();
  const int64_t n = v.size();
  for (int64_t i = 0; i < n; ++i)
    d[i] = static_cast<Out>(std::clamp(std::nearbyint(static_cast<double>(s[i]) * inv) + z, 0.0, maxc));
}
}  // namespace

MatrixXf quantize_inputs(const MatrixXf& v, const InputQuant& q) {
  MatrixXf out(v.rows(), v.cols());
  quantize_into(v, q, out.data());
  return out;
}

MatrixXi quantize_inputs_int(const MatrixXf& v, const InputQuant& q) {
  MatrixXi out(v.rows(), v.cols());
  quantize_into(v, q, out.data());
  return out;
}

WeightQuant make_weight_quant(double max_abs, int bits) {
  WeightQuant q;
  q.bits = bits;
  q.scale = max_abs > 0.0 ? max_abs / static_cast<double>(q.qmax()) : 1.0;
  return q;
}

MatrixXf quantize_weights(const MatrixXf& m, const WeightQuant& q) {
  MatrixXf out(m.rows(), m.cols());
  const double inv = 1.0 / q.scale;
  const double qm = static_cast<double>(q.qmax());
  for (int64_t i = 0; i < m.size(); ++i)
    out.data()[i] = static_cast<float>(std::clamp(std::nearbyint(static_cast<double>(m.data()[i]) * inv), -qm, qm));
  return out;
}

MatrixXd exact_int_product(const MatrixXf& codes, int64_t zero, const MatrixXf& wq, int64_t max_abs_code,
                           int64_t max_abs_weight) {
  // Every partial sum is bounded by rows * max|code - zero| * max|w|; float adds integers
  // exactly while that stays below 2^24.
  const double bound =
      static_cast<double>(codes.cols()) * static_cast<double>(max_abs_code) * static_cast<double>(max_abs_weight);
  MatrixXf shifted = codes.array() - static_cast<float>(zero);
  if (bound < 16777216.0) {
    MatrixXf p = shifted * wq;
    return p.cast<double>();
  }
  MatrixXd a = shifted.cast<double>();
  MatrixXd b = wq.cast<double>();
  return a * b;
}

}  // namespace reram::functional
