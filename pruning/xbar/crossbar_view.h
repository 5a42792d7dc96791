#pragma once
// The crossbar view of a weight layer (docs/mapping-format.md): a matrix M with one
// row per input (word line) and one column per output (bit line group).
//   conv W[K][C/g][R][S]: rows = C*R*S, cols = K; row index = (c*R + r)*S + s with c the
//   absolute input channel; M is block-diagonal over groups (off-group cells are 0).
//   linear W[out][in]: rows = in, cols = out, M = W^T.
#include <Eigen/Dense>
#include <cstdint>

#include "pruning/graph/network.h"

namespace reram {

using MatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct LayerView {
  int64_t rows = 0;  // all groups
  int64_t cols = 0;
  int groups = 1;
  int64_t rows_per_group = 0;    // (C/g)*R*S
  int64_t cols_per_group = 0;    // K/g
  int64_t kernel_area = 1;       // R*S: rows per input channel
  int64_t output_positions = 1;  // H_out * W_out: input vectors per inference
  int group_of_row(int64_t r) const { return static_cast<int>(r / rows_per_group); }
  int group_of_col(int64_t c) const { return static_cast<int>(c / cols_per_group); }
  // Whether cell (r, c) can hold a weight (same group).
  bool structural(int64_t r, int64_t c) const { return group_of_row(r) == group_of_col(c); }
};

LayerView layer_view(const Layer& layer);
// M from the layer's "weight" (throws when absent).
MatrixXf layer_matrix(const Layer& layer);
// M (rows x cols of the crossbar view) from a weight tensor of the layer's shape, and back
// (off-group cells ignored).
MatrixXf weight_to_matrix(const Layer& layer, const NdArray& w);
NdArray matrix_to_weight(const Layer& layer, const MatrixXf& m);
// Writes M back into the layer's "weight" (inverse of layer_matrix; off-group cells ignored).
void set_layer_matrix(Layer& layer, const MatrixXf& m);

// M read-only and, where the layout allows, without a copy: a linear layer's W[out][in]
// and an ungrouped convolution's W[K][C][R][S] are M stored column by column, so they are
// mapped in place (VGG-16's first FC layer is 411 MB); grouped convolutions get the
// block-diagonal copy. Throws like layer_matrix when the layer has no weights.
class LayerMatrixView {
 public:
  using ColMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
  explicit LayerMatrixView(const Layer& layer);
  LayerMatrixView(const LayerMatrixView&) = delete;
  LayerMatrixView& operator=(const LayerMatrixView&) = delete;
  float operator()(int64_t r, int64_t c) const { return map_(r, c); }
  const Eigen::Map<const ColMatrixXf>& matrix() const { return map_; }

 private:
  ColMatrixXf owned_;
  Eigen::Map<const ColMatrixXf> map_{nullptr, 0, 0};
};

}  // namespace reram
