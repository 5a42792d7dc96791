#include "pruning/xbar/crossbar_view.h"

#include <new>

#include "pruning/core/error.h"

namespace reram {

LayerView layer_view(const Layer& L) {
  LayerView v;
  if (L.kind == LayerKind::Conv) {
    int64_t C = L.in_channels();
    v.groups = L.groups;
    v.kernel_area = static_cast<int64_t>(L.kernel_h) * L.kernel_w;
    v.rows = C * v.kernel_area;
    v.cols = L.out_channels;
    v.rows_per_group = (C / L.groups) * v.kernel_area;
    v.cols_per_group = L.out_channels / L.groups;
    v.output_positions = L.out_shape.h * L.out_shape.w;
  } else if (L.kind == LayerKind::Linear) {
    v.rows = L.in_shapes.at(0).numel();
    v.cols = L.out_features;
    v.rows_per_group = v.rows;
    v.cols_per_group = v.cols;
  } else {
    throw InputError("layer '" + L.name + "' (" + to_string(L.kind) + ") has no crossbar view");
  }
  return v;
}

MatrixXf layer_matrix(const Layer& L) {
  LayerView v = layer_view(L);
  auto it = L.params.find("weight");
  if (it == L.params.end()) throw InputError("layer '" + L.name + "' has no weights");
  const NdArray& W = it->second;
  MatrixXf M = MatrixXf::Zero(v.rows, v.cols);
  if (L.kind == LayerKind::Linear) {
    for (int64_t o = 0; o < v.cols; ++o)
      for (int64_t i = 0; i < v.rows; ++i) M(i, o) = W.data[static_cast<size_t>(o * v.rows + i)];
    return M;
  }
  // W[K][C/g][kh][kw]: row-major, the (c_local, r, s) block of one output is contiguous.
  for (int64_t k = 0; k < v.cols; ++k) {
    int64_t g = k / v.cols_per_group;
    const float* src = W.data.data() + k * v.rows_per_group;
    for (int64_t j = 0; j < v.rows_per_group; ++j) M(g * v.rows_per_group + j, k) = src[j];
  }
  return M;
}

LayerMatrixView::LayerMatrixView(const Layer& L) {
  const LayerView v = layer_view(L);
  if (v.groups != 1) {
    owned_ = layer_matrix(L);
    new (&map_) Eigen::Map<const ColMatrixXf>(owned_.data(), owned_.rows(), owned_.cols());
    return;
  }
  auto it = L.params.find("weight");
  if (it == L.params.end()) throw InputError("layer '" + L.name + "' has no weights");
  const NdArray& W = it->second;
  if (static_cast<int64_t>(W.data.size()) != v.rows * v.cols)
    throw InputError("layer '" + L.name + "': weight has " + std::to_string(W.data.size()) + " values, expected " +
                     std::to_string(v.rows * v.cols));
  // Eigen's documented way to point a Map at other memory.
  new (&map_) Eigen::Map<const ColMatrixXf>(W.data.data(), v.rows, v.cols);
}

// Every weight of `layer` with its place in the crossbar matrix: f(row, col, index into the
// weight tensor). Linear [out][in]: row = in, col = out; conv [K][C/g][R][S]: col = k, row =
// its group's rows_per_group block (zero outside the block-diagonal).
template <class F>
void for_each_weight(const Layer& layer, const LayerView& v, F f) {
  if (layer.kind == LayerKind::Linear) {
    for (int64_t o = 0; o < v.cols; ++o)
      for (int64_t i = 0; i < v.rows; ++i) f(i, o, static_cast<size_t>(o * v.rows + i));
    return;
  }
  for (int64_t k = 0; k < v.cols; ++k) {
    const int64_t g = k / v.cols_per_group;
    for (int64_t j = 0; j < v.rows_per_group; ++j)
      f(g * v.rows_per_group + j, k, static_cast<size_t>(k * v.rows_per_group + j));
  }
}

MatrixXf weight_to_matrix(const Layer& layer, const NdArray& w) {
  LayerView v = layer_view(layer);
  if (w.numel() != v.rows_per_group * v.cols)
    throw InputError("layer '" + layer.name + "': weight has " + std::to_string(w.numel()) + " values, expected " +
                     std::to_string(v.rows_per_group * v.cols));
  MatrixXf m = MatrixXf::Zero(v.rows, v.cols);
  for_each_weight(layer, v, [&](int64_t r, int64_t c, size_t k) { m(r, c) = w.data[k]; });
  return m;
}

NdArray matrix_to_weight(const Layer& layer, const MatrixXf& m) {
  LayerView v = layer_view(layer);
  if (m.rows() != v.rows || m.cols() != v.cols)
    throw InputError("layer '" + layer.name + "': matrix is " + std::to_string(m.rows()) + "x" +
                     std::to_string(m.cols()) + ", crossbar view is " + std::to_string(v.rows) + "x" +
                     std::to_string(v.cols));
  NdArray w(layer.weight_shape());
  for_each_weight(layer, v, [&](int64_t r, int64_t c, size_t k) { w.data[k] = m(r, c); });
  return w;
}

void set_layer_matrix(Layer& L, const MatrixXf& M) { L.params["weight"] = matrix_to_weight(L, M); }

}  // namespace reram
