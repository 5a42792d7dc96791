#pragma once
// Batched forward pass of a Network in Eigen. Weight layers (conv, linear) are
// delegated to a callback that receives the crossbar-view input vectors (im2col rows
// in the (c, r, s) row order of pruning/xbar/crossbar_view.h), so that the float
// reference, the quantised reference and the crossbar hardware model share one
// executor for everything the digital units compute (pools, ReLU, add, concat, ...).
#include <functional>

#include "pruning/graph/network.h"
#include "pruning/xbar/crossbar_view.h"

namespace reram::functional {

// Activations of a batch: one image per row, features in (C, H, W) order (torch order).
using Acts = MatrixXf;

// The crossbar-view input vectors of a weight layer for a batch: conv -> (N*P) x (C*R*S)
// with P = H_out*W_out output positions (image-major, then row-major positions; padded
// taps are 0); linear -> N x in_features (the activations themselves).
MatrixXf layer_input_vectors(const Layer& layer, const Acts& x);

// Inverse layout of the weight-layer output: (N*P) x K -> N x (K*P) in (K, H, W) order.
Acts vectors_to_acts(const MatrixXf& y, int64_t images, int64_t positions);

// Computes the weight layer `layer_index` for input vectors `v` (rows of M) and returns
// vectors x cols of M *without* bias (bias is added by the executor).
using WeightLayerFn = std::function<MatrixXf(int layer_index, const MatrixXf& v)>;

// Runs the whole network on `input` (N x C*H*W of net.input) and returns the output of
// the last layer (N x features). Batchnorm layers that were not folded are applied in
// float; dropout and identity pass through.
Acts forward(const Network& net, const Acts& input, const WeightLayerFn& weight_layer);

// Non-weight layer operations (exposed for tests).
Acts apply_pool(const Layer& layer, const Acts& x);
Acts apply_global_avg_pool(const Layer& layer, const Acts& x);
Acts apply_batchnorm(const Layer& layer, const Acts& x);
Acts apply_layernorm(const Layer& layer, const Acts& x);
Acts apply_softmax(const Layer& layer, const Acts& x);
Acts apply_matmul(const Layer& layer, const Acts& a, const Acts& b);
Acts apply_gelu(const Acts& x);
// slice, class_token, select_token and embedding: moving values between channels and positions.
Acts apply_token_layer(const Layer& layer, const Acts& x);

// Index of the largest value of each row (first on ties).
std::vector<int> argmax_rows(const MatrixXf& logits);

}  // namespace reram::functional
