#pragma once
// The network graph: layers in topological order with inferred shapes and
// optional parameters. Everything else (mapping, pruning, training, simulation,
// the functional model) works on this one type.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pruning/core/json_util.h"
#include "pruning/core/npy.h"

namespace reram {

enum class LayerKind {
  Conv,    // 2-D convolution (stride, padding, dilation, groups)
  Linear,  // fully connected; input must be flat
  MaxPool,
  AvgPool,
  GlobalAvgPool,  // output C x 1 x 1
  Relu,
  Relu6,
  BatchNorm,  // folded into the preceding conv by fold_batchnorm() when it can be
  Add,        // element-wise sum of two or more inputs (residual)
  Concat,     // channel concatenation
  Flatten,    // C x H x W -> flat vector of C*H*W (torch order)
  Dropout,    // identity at inference
  Identity,
  // Transformer layers. A token sequence is a C x T x 1 activation (C features per token,
  // T tokens); a token-wise linear layer is a 1x1 conv over it (docs/network-format.md).
  LayerNorm,    // per position, over the C channels; params weight, bias [C]; eps
  Gelu,         // x * Phi(x), the erf form
  Softmax,      // per position, over each of `groups` equal blocks of channels
  MatMul,       // product of two activations, per head (attention scores and their use)
  Scale,        // multiplies by the constant `scale`
  Slice,        // channels [slice_start, slice_end)
  ClassToken,   // prepends a learned token (param weight [C]) to the H*W positions
  AddConst,     // adds a learned constant of the activation's shape (param weight [C][H][W])
  SelectToken,  // the token at position `token_index`, as a flat vector of C
  Embedding,    // token ids (1 x T x 1) -> rows of a table (param weight [vocab_size][out_features])
};

const char* to_string(LayerKind k);
// Throws InputError for an unknown name.
LayerKind layer_kind_from_string(const std::string& s, const std::string& where);

// Activation shape without the batch dimension. A flat vector has h = w = 1, flat = true.
struct Shape {
  int64_t c = 0, h = 1, w = 1;
  bool flat = false;
  int64_t numel() const { return c * h * w; }
  std::string str() const;
  bool operator==(const Shape& o) const { return c == o.c && h == o.h && w == o.w && flat == o.flat; }
  bool operator!=(const Shape& o) const { return !(*this == o); }
};

struct Layer {
  std::string name;
  LayerKind kind = LayerKind::Identity;
  std::vector<std::string> inputs;  // producer layer names; "input" is the network input

  // conv and pooling
  int64_t out_channels = 0;  // conv
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int dilation_h = 1, dilation_w = 1;
  int groups = 1;
  bool ceil_mode = false;          // pooling output size rounding
  bool count_include_pad = false;  // average pooling
  // linear
  int64_t out_features = 0;
  bool has_bias = false;  // conv / linear
  // batchnorm
  double eps = 1e-5;
  // dropout (recorded, ignored at inference)
  double dropout_p = 0.5;
  // matmul: A (C = heads*M, T tokens) times B per head: transpose_b: A_h B_h^T (B has
  // heads*M channels, T2 tokens; out heads*T2 x T); else A_h B_h (M = T2; out B.c x T).
  // `groups` holds the head count (matmul) or the softmax blocks.
  bool transpose_b = false;
  double scale = 1.0;                      // matmul, scale
  int64_t slice_start = 0, slice_end = 0;  // slice
  int64_t token_index = 0;                 // select_token
  int64_t vocab_size = 0;                  // embedding (out_features: the features of a token)

  // Inferred by Network::infer_shapes().
  std::vector<Shape> in_shapes;
  Shape out_shape;

  // Parameters by name. conv: "weight" [K][C/g][kh][kw], "bias" [K];
  // linear: "weight" [out][in], "bias" [out];
  // batchnorm: "weight" (gamma), "bias" (beta), "running_mean", "running_var" [C].
  std::map<std::string, NdArray> params;

  bool is_weight_layer() const { return kind == LayerKind::Conv || kind == LayerKind::Linear; }
  int64_t in_channels() const { return in_shapes.empty() ? 0 : in_shapes[0].c; }
  // Expected parameter shapes (after shape inference).
  std::vector<int64_t> weight_shape() const;
  // Multiply-accumulates for one inference (weight layers; 0 otherwise).
  int64_t macs() const;
  // Multiply-accumulates of a product of two activations (matmul; 0 otherwise).
  int64_t dynamic_macs() const;
  // Learned parameters of a non-weight layer (layernorm, class_token, add_const,
  // batchnorm) with their expected shapes; empty for other kinds.
  std::vector<std::pair<std::string, std::vector<int64_t>>> param_specs() const;
};

struct Network {
  std::string name;
  Shape input;                // C x H x W
  std::vector<Layer> layers;  // topological order; the last layer is the output
  std::string source_file;    // where it was loaded from (for reports)

  // Index of a layer by name, or -1.
  int index_of(const std::string& layer_name) const;
  const Layer& layer(const std::string& layer_name) const;

  // Infers and checks every shape; an inconsistency is an InputError naming the layer.
  void infer_shapes();
  // Folds each batchnorm into the conv/linear feeding it (the producer must have no
  // other consumer), then removes it. Without weights the structure is still folded. A
  // batchnorm with nothing to fold into (pre-activation, after a concat or an add) stays:
  // a per-channel scale-and-shift done digitally.
  void fold_batchnorm();
  // Removes dropout and identity layers, rewiring their consumers.
  void remove_inference_noops();

  bool has_weights() const;  // every weight layer has "weight"
  std::vector<int> weight_layer_indices() const;
  int64_t weight_count() const;  // parameters of conv/linear weights (not biases)
  int64_t macs() const;
  // Layers that read the output of layer `i`.
  std::vector<int> consumers(int i) const;
};

// ---- own JSON format (docs/network-format.md) ----
// Parses a network description; `where` names the file in error messages. The
// "weights" key (an .npz path relative to the file) is loaded when present.
Network network_from_json(const json& j, const std::string& where);
json network_to_json(const Network& net, const std::string& weights_file = "");

// Loads a network from .json (own format) or .onnx (by extension), infers shapes.
// Batchnorm is NOT folded here (training wants it); call fold_batchnorm() for inference use.
Network load_network(const std::string& path);
// Writes NET.json and, when the network has weights, NET.npz beside it (atomically).
void save_network(const Network& net, const std::string& json_path);

// ---- weights ----
// Keys are "<layer>.<param>" (e.g. "conv1.weight"). Shapes are checked against the
// layers; a missing or extra array is an InputError naming it and the file.
void load_weights_npz(Network& net, const std::string& npz_path);
NpzMap weights_to_npz(const Network& net);
// Fills every weight layer with seeded random (Kaiming-uniform) weights and zero biases,
// and every batchnorm with identity statistics (gamma 1, beta 0, mean 0, var 1).
void randomize_weights(Network& net, uint64_t seed);

}  // namespace reram
