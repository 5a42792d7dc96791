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

void set_layer_matrix(Layer& L, const MatrixXf& M) {
  LayerView v = layer_view(L);
  if (M.rows() != v.rows || M.cols() != v.cols)
    throw InputError("layer '" + L.name + "': matrix is " + std::to_string(M.rows()) + "x" + std::to_string(M.cols()) +
                     ", crossbar view is " + std::to_string(v.rows) + "x" + std::to_string(v.cols));
  NdArray W(L.weight_shape());
  if (L.kind == LayerKind::Linear) {
    for (int64_t o = 0; o < v.cols; ++o)
      for (int64_t i = 0; i < v.rows; ++i) W.data[static_cast<size_t>(o * v.rows + i)] = M(i, o);
  } else {
    for (int64_t k = 0; k < v.cols; ++k) {
      int64_t g = k / v.cols_per_group;
      float* dst = W.data.data() + k * v.rows_per_group;
      for (int64_t j = 0; j < v.rows_per_group; ++j) dst[j] = M(g * v.rows_per_group + j, k);
    }
  }
  L.params["weight"] = std::move(W);
}

}  // namespace reram
