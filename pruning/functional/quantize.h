#pragma once
// Quantisation rules shared by the quantised float reference and the crossbar
// hardware model (docs/functional-model.md §2): weights symmetric per layer, layer
// inputs affine per layer (unsigned codes with a zero point) from calibration ranges.
#include <cstdint>

#include "pruning/xbar/crossbar_view.h"

namespace reram::functional {

using MatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixXi = Eigen::Matrix<int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Input (word-line) quantiser of one weight layer: x ~= scale * (code - zero), with
// code in [0, 2^bits - 1]. Zero is always exactly representable (code `zero`), so
// padded im2col taps and ReLU zeros are exact.
struct InputQuant {
  int bits = 8;
  double lo = 0.0, hi = 0.0;  // calibrated range (always contains 0)
  double scale = 1.0;
  int64_t zero = 0;
  int64_t max_code() const { return (int64_t{1} << bits) - 1; }
};
// Unsigned (zero = 0) when lo >= 0, otherwise affine with zero = round(-lo / scale).
InputQuant make_input_quant(double lo, double hi, int bits);
// Integer codes (stored exactly in float) of every element of v.
MatrixXf quantize_inputs(const MatrixXf& v, const InputQuant& q);
// The same codes as integers (the hardware model's word-line inputs).
MatrixXi quantize_inputs_int(const MatrixXf& v, const InputQuant& q);

// Weight quantiser of one layer: w ~= scale * q with integer |q| <= 2^(bits-1) - 1.
struct WeightQuant {
  int bits = 8;
  double scale = 1.0;
  int64_t qmax() const { return (int64_t{1} << (bits - 1)) - 1; }
};
WeightQuant make_weight_quant(double max_abs, int bits);
// Integer codes (stored exactly in float) of every weight.
MatrixXf quantize_weights(const MatrixXf& m, const WeightQuant& q);

// Exact integer product (codes - zero) * wq, evaluated in float when every partial sum
// provably fits in float's 24-bit mantissa and in double otherwise (exact up to 2^53).
MatrixXd exact_int_product(const MatrixXf& codes, int64_t zero, const MatrixXf& wq, int64_t max_abs_code,
                           int64_t max_abs_weight);

}  // namespace reram::functional
