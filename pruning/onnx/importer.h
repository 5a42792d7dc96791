#pragma once
// Internal to the ONNX importer (onnx_import.cpp: CNN operators and the graph walk;
// onnx_transformer.cpp: attention, normalisation and the shape arithmetic around them).
#include <onnx/onnx_pb.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "pruning/graph/network.h"
#include "pruning/onnx/onnx_tensor.h"

namespace reram::onnx_import_detail {

using onnx_pb_node = ::onnx::NodeProto;

// One dimension of a shape computed inside the graph (the Shape->Gather->...->Reshape
// chain torch emits for x.view(x.size(0), -1)): the batch size, a dimension whose
// value the importer does not track, or a known integer.
struct SymDim {
  enum Kind { Known, Batch, Unknown } kind = Known;
  int64_t value = 0;
};

// What a tensor name stands for while the graph is converted.
// An activation's axes have roles. CNN tensors are "NCHW" or "NF" (batch, channels,
// height, width / flat features). Token tensors use N (batch), T (tokens), D (features
// of a token), h (heads), d (features of a head) and K (the key tokens of attention
// scores); a layer holds them as C x T x 1 with C = D, h*d or h*K head-major
// (docs/network-format.md), so a Transpose only permutes roles and a Reshape only
// splits or merges them.
struct Value {
  enum Kind { Activation, Constant, ShapeVec, Pending } kind = Activation;
  // Activation: the producing layer ("input" for the network input) and its rank
  // including the batch dimension (4 = N x C x H x W, 2 = N x F).
  std::string layer;
  int rank = 4;
  std::string roles;          // one character per axis (see above); rank == roles.size()
  std::vector<int64_t> view;  // the ONNX dims with the batch as 1; empty: derive from the layer
  // Constant.
  std::shared_ptr<OnnxTensor> constant;
  // ShapeVec: a 1-D integer vector (or a scalar when `scalar`).
  std::vector<SymDim> dims;
  bool scalar = false;
  // Pending: a step of a decomposed operator (LayerNorm, GELU) or a constant scale, kept
  // symbolic until the pattern completes; `base` is the activation it started from.
  enum Step { Scaled, Mean, Centered, Squared, Var, VarEps, Std, ErfHalf, OnePlusErf, GeluTimes2 } step = Scaled;
  std::shared_ptr<Value> base;
  double k = 1.0;  // Scaled: the factor; VarEps / Std: epsilon
};

class Importer {
 public:
  Importer(::onnx::ModelProto& model, std::string path)
      : model_(model), graph_(*model.mutable_graph()), path_(std::move(path)) {}

  Network run();

 private:
  ::onnx::ModelProto& model_;
  ::onnx::GraphProto& graph_;  // initializers used once are released after decoding
  std::string path_;
  int64_t opset_ = 0;
  Network net_;
  std::map<std::string, Value> values_;
  std::map<std::string, ::onnx::TensorProto*> initializers_;
  std::map<std::string, int> uses_;  // consumers of each tensor on the compute path (+1 for the graph output)
  std::set<std::string> names_;      // layer names taken
  // Linear layers made from MatMul (bias may still come from a following Add).
  std::set<std::string> matmul_layers_;
  // Reshape-to-flatten layers with an explicit feature count, checked after shape inference.
  std::vector<std::pair<std::string, int64_t>> flatten_checks_;

  // ---- helpers ----
  [[noreturn]] void fail_node(const ::onnx::NodeProto& n, const std::string& what) const {
    throw InputError(path_ + ": ONNX node '" + n.name() + "' (" + n.op_type() + "): " + what);
  }
  [[noreturn]] void unsupported(const ::onnx::NodeProto& n) const {
    std::string op = n.domain().empty() || n.domain() == "ai.onnx" ? n.op_type() : n.domain() + "." + n.op_type();
    throw InputError("unsupported ONNX operator '" + op + "' (node '" + n.name() + "') in " + path_);
  }
  std::string sanitize(const ::onnx::NodeProto& n, size_t index);
  const Value& value(const ::onnx::NodeProto& n, const std::string& tensor);
  const Value* optional_input(const ::onnx::NodeProto& n, int i);
  const Value& activation_input(const ::onnx::NodeProto& n, int i);
  std::shared_ptr<OnnxTensor> constant_input(const ::onnx::NodeProto& n, int i, bool required = true);
  static NdArray take(std::shared_ptr<OnnxTensor>& t);
  void check_attributes(const ::onnx::NodeProto& n, std::initializer_list<const char*> allowed) const;
  const ::onnx::AttributeProto* attr(const ::onnx::NodeProto& n, const std::string& name) const;
  int64_t attr_int(const ::onnx::NodeProto& n, const std::string& name, int64_t fallback) const;
  float attr_float(const ::onnx::NodeProto& n, const std::string& name, float fallback) const;
  std::vector<int64_t> attr_ints(const ::onnx::NodeProto& n, const std::string& name) const;
  std::string attr_string(const ::onnx::NodeProto& n, const std::string& name, const std::string& fallback) const;
  void only_first_output_used(const ::onnx::NodeProto& n) const;
  Layer& add_layer(const ::onnx::NodeProto& n, size_t index, LayerKind kind, std::vector<std::string> inputs, int rank);
  Shape shape_of(const std::string& layer) const;
  // A bias of `out` outputs from a constant: [out] or [1, out], or one value repeated.
  NdArray bias_vector(const ::onnx::NodeProto& n, const OnnxTensor& c, int64_t out) const;
  std::vector<SymDim> shape_vec(const ::onnx::NodeProto& n, const Value& v) const;

  void find_input();
  std::vector<size_t> compute_path_in_order();
  void convert(const ::onnx::NodeProto& n, size_t index);
  void conv(const ::onnx::NodeProto& n, size_t index);
  void pool(const ::onnx::NodeProto& n, size_t index, LayerKind kind);
  void spatial_attrs(const ::onnx::NodeProto& n, Layer& L, int kh, int kw, const std::string& input_layer);
  void gemm(const ::onnx::NodeProto& n, size_t index);
  void matmul(const ::onnx::NodeProto& n, size_t index);
  void add(const ::onnx::NodeProto& n, size_t index);
  void clip(const ::onnx::NodeProto& n, size_t index);
  void batchnorm(const ::onnx::NodeProto& n, size_t index);
  void reshape(const ::onnx::NodeProto& n, size_t index);
  void dropout(const ::onnx::NodeProto& n, size_t index);
  void constant(const ::onnx::NodeProto& n);
  void pad(const ::onnx::NodeProto& n);
  void reduce_mean(const ::onnx::NodeProto& n, size_t index);
  void shape_op(const ::onnx::NodeProto& n);
  void gather(const ::onnx::NodeProto& n, size_t index);
  void unsqueeze(const ::onnx::NodeProto& n);
  void concat(const ::onnx::NodeProto& n, size_t index);

  // ---- token sequences and attention (onnx_transformer.cpp) ----
  Layer& add_layer_like(const ::onnx::NodeProto& n, size_t index, LayerKind kind, std::vector<std::string> inputs,
                        const Value& like);
  std::vector<int64_t> view_of(const Value& v) const;
  const Value& raw_input(const ::onnx::NodeProto& n, int i);
  const Value& materialize(const std::string& tensor);
  bool token_tensor(const Value& v) const;
  void transpose(const ::onnx::NodeProto& n);
  void reshape_tokens(const ::onnx::NodeProto& n, const Value& x);
  void token_linear(const ::onnx::NodeProto& n, size_t index, const Value& x, NdArray w_out_in,
                    std::shared_ptr<OnnxTensor> bias);
  void activation_matmul(const ::onnx::NodeProto& n, size_t index);
  void softmax(const ::onnx::NodeProto& n, size_t index);
  void slice(const ::onnx::NodeProto& n, size_t index);
  void split(const ::onnx::NodeProto& n, size_t index);
  int64_t feature_axis(const ::onnx::NodeProto& n, const Value& x, int64_t axis, const char* what) const;
  void gather_token(const ::onnx::NodeProto& n, size_t index, const Value& x);
  void embedding(const ::onnx::NodeProto& n, size_t index);
  void class_token(const ::onnx::NodeProto& n, size_t index);
  void layer_norm_op(const ::onnx::NodeProto& n, size_t index);
  void unary_pattern(const ::onnx::NodeProto& n);
  void binary(const ::onnx::NodeProto& n, size_t index);
  bool binary_pattern(const ::onnx::NodeProto& n, size_t index, const Value& a, const Value& b, int ia);
  bool fold_layernorm_param(const ::onnx::NodeProto& n, const Value& a, const Value& b, int ia, const char* param,
                            std::set<std::string>& open);
  void add_const(const ::onnx::NodeProto& n, size_t index, const Value& x, const OnnxTensor& c);
  void fold_constants(const ::onnx::NodeProto& n);
  void constant_of_shape(const ::onnx::NodeProto& n);
  void where(const ::onnx::NodeProto& n);
  void expand(const ::onnx::NodeProto& n);
  Value pending(Value::Step step, const Value& base, double k = 1.0) const;
  // LayerNorm layers whose gamma / beta may still come from a following Mul / Add.
  std::set<std::string> ln_open_weight_, ln_open_bias_;
  int scale_layers_ = 0;
};

}  // namespace reram::onnx_import_detail
