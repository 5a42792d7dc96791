// ONNX ModelProto -> Network. The supported operators and how each maps to a layer are
// documented in docs/onnx.md; everything else is an InputError naming operator, node and file.
#include "pruning/onnx/onnx_import.h"

#include <fcntl.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <onnx/onnx_pb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "pruning/core/error.h"
#include "pruning/core/file_io.h"
#include "pruning/onnx/importer.h"
#include "pruning/onnx/onnx_tensor.h"

namespace reram {

namespace onnx_import_detail {

// ---------------------------------------------------------------------------

std::string Importer::sanitize(const ::onnx::NodeProto& n, size_t index) {
  // Keep the characters that are safe in file names, JSON keys and npz keys.
  std::string s;
  for (char c : n.name()) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    char out = ok ? c : '_';
    if (out == '_' && !s.empty() && s.back() == '_') continue;
    s.push_back(out);
  }
  while (!s.empty() && (s.front() == '_' || s.front() == '.')) s.erase(s.begin());
  while (!s.empty() && (s.back() == '_' || s.back() == '.')) s.pop_back();
  if (s.empty()) s = n.op_type() + "_" + std::to_string(index);
  std::string name = s;
  for (int k = 2; name == "input" || names_.count(name); ++k) name = s + "_" + std::to_string(k);
  names_.insert(name);
  return name;
}

const Value& Importer::value(const ::onnx::NodeProto& n, const std::string& tensor) {
  auto it = values_.find(tensor);
  if (it != values_.end()) return it->second;
  auto init = initializers_.find(tensor);
  if (init != initializers_.end()) {
    Value v;
    v.kind = Value::Constant;
    v.constant = std::make_shared<OnnxTensor>(decode_tensor(*init->second, path_ + ": initializer '" + tensor + "'"));
    return values_[tensor] = std::move(v);
  }
  fail_node(n, "input '" + tensor + "' is neither the graph input, an initializer nor the output of an earlier node");
}

const Value* Importer::optional_input(const ::onnx::NodeProto& n, int i) {
  if (i >= n.input_size() || n.input(i).empty()) return nullptr;
  return &value(n, n.input(i));
}

const Value& Importer::activation_input(const ::onnx::NodeProto& n, int i) {
  const Value* v = optional_input(n, i);
  if (!v) fail_node(n, "input " + std::to_string(i) + " is missing");
  if (v->kind == Value::Pending) {
    if (v->step != Value::Scaled)
      fail_node(n, "input " + std::to_string(i) + " ('" + n.input(i) +
                       "') is an intermediate of a LayerNorm or GELU decomposition the importer does not recognise");
    v = &materialize(n.input(i));
  }
  if (v->kind != Value::Activation)
    fail_node(n, "input " + std::to_string(i) + " ('" + n.input(i) +
                     "') must be an activation computed from the network input, not a constant");
  return *v;
}

std::shared_ptr<OnnxTensor> Importer::constant_input(const ::onnx::NodeProto& n, int i, bool required) {
  if (i < n.input_size() && !n.input(i).empty() && !values_.count(n.input(i))) {
    // An initializer read once (the usual weight) is decoded without caching and its
    // protobuf payload released, so a large model is held in memory about once, not thrice.
    auto init = initializers_.find(n.input(i));
    if (init != initializers_.end() && uses_[n.input(i)] <= 1) {
      auto t = std::make_shared<OnnxTensor>(decode_tensor(*init->second, path_ + ": initializer '" + n.input(i) + "'"));
      std::string().swap(*init->second->mutable_raw_data());  // clear() would keep the capacity
      init->second->clear_float_data();
      init->second->clear_double_data();
      init->second->clear_int32_data();
      return t;
    }
  }
  const Value* v = optional_input(n, i);
  if (!v) {
    if (required) fail_node(n, "input " + std::to_string(i) + " is missing");
    return nullptr;
  }
  if (v->kind != Value::Constant)
    fail_node(n, "input " + std::to_string(i) + " ('" + n.input(i) +
                     "') must be a constant (initializer or Constant node); computed weights are not supported");
  return v->constant;
}

void Importer::check_attributes(const ::onnx::NodeProto& n, std::initializer_list<const char*> allowed) const {
  for (const auto& a : n.attribute()) {
    bool ok = false;
    for (const char* name : allowed) ok = ok || a.name() == name;
    if (!ok) fail_node(n, "unsupported attribute '" + a.name() + "'");
  }
}

const ::onnx::AttributeProto* Importer::attr(const ::onnx::NodeProto& n, const std::string& name) const {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t Importer::attr_int(const ::onnx::NodeProto& n, const std::string& name, int64_t fallback) const {
  const auto* a = attr(n, name);
  if (!a) return fallback;
  if (a->type() != ::onnx::AttributeProto::INT) fail_node(n, "attribute '" + name + "' must be an integer");
  return a->i();
}

float Importer::attr_float(const ::onnx::NodeProto& n, const std::string& name, float fallback) const {
  const auto* a = attr(n, name);
  if (!a) return fallback;
  if (a->type() != ::onnx::AttributeProto::FLOAT) fail_node(n, "attribute '" + name + "' must be a float");
  return a->f();
}

std::vector<int64_t> Importer::attr_ints(const ::onnx::NodeProto& n, const std::string& name) const {
  const auto* a = attr(n, name);
  if (!a) return {};
  if (a->type() != ::onnx::AttributeProto::INTS) fail_node(n, "attribute '" + name + "' must be a list of integers");
  return {a->ints().begin(), a->ints().end()};
}

std::string Importer::attr_string(const ::onnx::NodeProto& n, const std::string& name,
                                  const std::string& fallback) const {
  const auto* a = attr(n, name);
  if (!a) return fallback;
  if (a->type() != ::onnx::AttributeProto::STRING) fail_node(n, "attribute '" + name + "' must be a string");
  return a->s();
}

void Importer::only_first_output_used(const ::onnx::NodeProto& n) const {
  for (int i = 1; i < n.output_size(); ++i)
    if (!n.output(i).empty() && uses_.count(n.output(i)))
      fail_node(n,
                "output " + std::to_string(i) + " ('" + n.output(i) + "') is used; only the first output is supported");
}

Layer& Importer::add_layer(const ::onnx::NodeProto& n, size_t index, LayerKind kind, std::vector<std::string> inputs,
                           int rank) {
  Layer L;
  L.name = sanitize(n, index);
  L.kind = kind;
  L.inputs = std::move(inputs);
  net_.layers.push_back(std::move(L));
  Value v;
  v.kind = Value::Activation;
  v.layer = net_.layers.back().name;
  v.rank = rank;
  v.roles = rank == 4 ? "NCHW" : rank == 2 ? "NF" : std::string(static_cast<size_t>(rank), '?');
  values_[n.output(0)] = v;
  return net_.layers.back();
}

// Output shape of a layer built so far (needed for auto_pad SAME). Infers shapes on a
// parameter-free copy so that the weights are not copied.
Shape Importer::shape_of(const std::string& layer) const {
  if (layer == "input") return net_.input;
  Network tmp;
  tmp.name = net_.name;
  tmp.source_file = net_.source_file;
  tmp.input = net_.input;
  for (const auto& L : net_.layers) {
    Layer c = L;
    c.params.clear();
    tmp.layers.push_back(std::move(c));
    if (L.name == layer) break;
  }
  tmp.infer_shapes();
  return tmp.layers.back().out_shape;
}

// The tensor's values as a layer parameter; moved out when nothing else holds the tensor.
NdArray Importer::take(std::shared_ptr<OnnxTensor>& t) {
  if (t.use_count() != 1 || t->integer) return t->as_array();
  NdArray a;
  a.shape = t->dims;
  a.data = std::move(t->f);
  t.reset();
  return a;
}

// ---------------------------------------------------------------------------

void Importer::find_input() {
  std::vector<const ::onnx::ValueInfoProto*> inputs;
  for (const auto& in : graph_.input())
    if (!initializers_.count(in.name())) inputs.push_back(&in);
  if (inputs.size() != 1)
    throw InputError(path_ + ": the graph has " + std::to_string(inputs.size()) +
                     " non-constant inputs; only single-input networks are supported");
  const auto& vi = *inputs[0];
  const std::string where = path_ + ": graph input '" + vi.name() + "'";
  if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape())
    throw InputError(where + " has no tensor shape");
  int et = vi.type().tensor_type().elem_type();
  const bool ids = et == ::onnx::TensorProto::INT64 || et == ::onnx::TensorProto::INT32;
  if (et != ::onnx::TensorProto::FLOAT && et != ::onnx::TensorProto::DOUBLE && et != ::onnx::TensorProto::FLOAT16 &&
      !ids)
    throw InputError(where + " must be a floating-point tensor (or N x T integer token ids)");
  const auto& shape = vi.type().tensor_type().shape();
  if (ids && shape.dim_size() != 2) throw InputError(where + ": integer inputs must be N x T token ids");
  std::vector<int64_t> d;
  for (int i = 1; i < shape.dim_size(); ++i) {
    if (!shape.dim(i).has_dim_value() || shape.dim(i).dim_value() <= 0)
      throw InputError(where + ": dimension " + std::to_string(i) +
                       " must be a known positive size (only the batch dimension may be symbolic)");
    d.push_back(shape.dim(i).dim_value());
  }
  Value v;
  v.kind = Value::Activation;
  v.layer = "input";
  if (ids) {  // token ids, one per position: 1 x T x 1 (read by an embedding)
    net_.input = Shape{1, d[0], 1, false};
    v.rank = 2;
    v.roles = "NT";
    v.view = {1, d[0]};
  } else if (shape.dim_size() == 4) {
    net_.input = Shape{d[0], d[1], d[2], false};
    v.rank = 4;
    v.roles = "NCHW";
  } else if (shape.dim_size() == 2) {
    net_.input = Shape{d[0], 1, 1, true};
    v.rank = 2;
    v.roles = "NF";
  } else if (shape.dim_size() == 3) {  // embedded tokens N x T x D (e.g. BERT after its embeddings)
    net_.input = Shape{d[1], d[0], 1, false};
    v.rank = 3;
    v.roles = "NTD";
  } else {
    throw InputError(where + " has rank " + std::to_string(shape.dim_size()) +
                     "; expected N x C x H x W, N x T x D or N x F");
  }
  values_[vi.name()] = v;
}

// The nodes the single graph output depends on, in a topological order (stable with
// respect to the file's order, which ONNX requires to be topological already).
std::vector<size_t> Importer::compute_path_in_order() {
  if (graph_.output_size() != 1)
    throw InputError(path_ + ": the graph has " + std::to_string(graph_.output_size()) +
                     " outputs; only single-output networks are supported");
  std::map<std::string, size_t> producer;
  for (int i = 0; i < graph_.node_size(); ++i)
    for (const auto& o : graph_.node(i).output())
      if (!o.empty()) {
        if (producer.count(o) || initializers_.count(o))
          throw InputError(path_ + ": tensor '" + o + "' is produced more than once");
        producer[o] = static_cast<size_t>(i);
      }
  // Backward walk from the output.
  std::vector<char> needed(static_cast<size_t>(graph_.node_size()), 0);
  std::vector<std::string> stack{graph_.output(0).name()};
  std::set<std::string> seen;
  while (!stack.empty()) {
    std::string t = stack.back();
    stack.pop_back();
    if (!seen.insert(t).second) continue;
    auto it = producer.find(t);
    if (it == producer.end()) continue;
    size_t i = it->second;
    if (needed[i]) continue;
    needed[i] = 1;
    for (const auto& in : graph_.node(static_cast<int>(i)).input())
      if (!in.empty()) stack.push_back(in);
  }
  // Kahn's algorithm over the needed nodes, lowest file index first.
  std::vector<int> pending(needed.size(), 0);
  std::map<size_t, std::vector<size_t>> users;
  for (size_t i = 0; i < needed.size(); ++i) {
    if (!needed[i]) continue;
    std::set<size_t> deps;
    for (const auto& in : graph_.node(static_cast<int>(i)).input()) {
      if (in.empty()) continue;
      ++uses_[in];
      auto it = producer.find(in);
      if (it != producer.end()) deps.insert(it->second);
    }
    pending[i] = static_cast<int>(deps.size());
    for (size_t d : deps) users[d].push_back(i);
  }
  ++uses_[graph_.output(0).name()];
  std::set<size_t> ready;
  for (size_t i = 0; i < needed.size(); ++i)
    if (needed[i] && pending[i] == 0) ready.insert(i);
  std::vector<size_t> order;
  while (!ready.empty()) {
    size_t i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(i);
    for (size_t u : users[i])
      if (--pending[u] == 0) ready.insert(u);
  }
  size_t total = static_cast<size_t>(std::count(needed.begin(), needed.end(), 1));
  if (order.size() != total) throw InputError(path_ + ": the graph has a cycle");
  return order;
}

// ---------------------------------------------------------------------------

void Importer::spatial_attrs(const ::onnx::NodeProto& n, Layer& L, int kh, int kw, const std::string& input_layer) {
  L.kernel_h = kh;
  L.kernel_w = kw;
  auto strides = attr_ints(n, "strides");
  if (!strides.empty()) {
    if (strides.size() != 2) fail_node(n, "'strides' must have 2 values");
    L.stride_h = static_cast<int>(strides[0]);
    L.stride_w = static_cast<int>(strides[1]);
  }
  auto dil = attr_ints(n, "dilations");
  if (!dil.empty()) {
    if (dil.size() != 2) fail_node(n, "'dilations' must have 2 values");
    L.dilation_h = static_cast<int>(dil[0]);
    L.dilation_w = static_cast<int>(dil[1]);
  }
  std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  auto pads = attr_ints(n, "pads");
  if (auto_pad == "NOTSET") {
    if (!pads.empty()) {
      // ONNX order: [x1_begin, x2_begin, x1_end, x2_end] = [top, left, bottom, right].
      if (pads.size() != 4) fail_node(n, "'pads' must have 4 values");
      L.pad_top = static_cast<int>(pads[0]);
      L.pad_left = static_cast<int>(pads[1]);
      L.pad_bottom = static_cast<int>(pads[2]);
      L.pad_right = static_cast<int>(pads[3]);
    }
  } else if (auto_pad == "VALID") {
    L.pad_top = L.pad_left = L.pad_bottom = L.pad_right = 0;
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    // Output = ceil(in / stride); the odd pixel of padding goes at the end (UPPER) or
    // the beginning (LOWER).
    Shape x = shape_of(input_layer);
    if (x.flat) fail_node(n, "needs a C x H x W input");
    auto split = [&](int64_t in, int k, int s, int d, int& p0, int& p1) {
      int64_t out = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (out - 1) * s + (static_cast<int64_t>(k) - 1) * d + 1 - in);
      int64_t small = total / 2, big = total - small;
      p0 = static_cast<int>(auto_pad == "SAME_UPPER" ? small : big);
      p1 = static_cast<int>(auto_pad == "SAME_UPPER" ? big : small);
    };
    split(x.h, kh, L.stride_h, L.dilation_h, L.pad_top, L.pad_bottom);
    split(x.w, kw, L.stride_w, L.dilation_w, L.pad_left, L.pad_right);
  } else {
    fail_node(n, "unsupported auto_pad '" + auto_pad + "'");
  }
}

void Importer::conv(const ::onnx::NodeProto& n, size_t index) {
  check_attributes(n, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  const Value& x = activation_input(n, 0);
  auto w = constant_input(n, 1);
  auto b = constant_input(n, 2, false);
  if (w->dims.size() != 4)
    fail_node(n, "weight '" + n.input(1) + "' has rank " + std::to_string(w->dims.size()) +
                     "; only 2-D convolutions (4-D weights) are supported");
  if (x.roles != "NCHW") fail_node(n, "input must be N x C x H x W");
  auto ks = attr_ints(n, "kernel_shape");
  if (!ks.empty() && (ks.size() != 2 || ks[0] != w->dims[2] || ks[1] != w->dims[3]))
    fail_node(n, "kernel_shape does not match the weight shape " + w->shape_str());
  std::string in_layer = x.layer;
  Layer& L = add_layer(n, index, LayerKind::Conv, {in_layer}, 4);
  L.out_channels = w->dims[0];
  L.groups = static_cast<int>(attr_int(n, "group", 1));
  spatial_attrs(n, L, static_cast<int>(w->dims[2]), static_cast<int>(w->dims[3]), in_layer);
  // ONNX and the own format share the layout [K][C/g][kh][kw].
  L.params["weight"] = take(w);
  if (b) {
    if (b->numel() != L.out_channels)
      fail_node(n, "bias has " + std::to_string(b->numel()) + " values, expected " + std::to_string(L.out_channels));
    L.params["bias"] = NdArray({L.out_channels}, take(b).data);
    L.has_bias = true;
  }
}

void Importer::pool(const ::onnx::NodeProto& n, size_t index, LayerKind kind) {
  if (kind == LayerKind::MaxPool)
    check_attributes(n, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  else
    check_attributes(n, {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
  only_first_output_used(n);
  const Value& x = activation_input(n, 0);
  if (x.roles != "NCHW") fail_node(n, "input must be N x C x H x W");
  auto ks = attr_ints(n, "kernel_shape");
  if (ks.size() != 2) fail_node(n, "'kernel_shape' must have 2 values (2-D pooling)");
  for (auto d : attr_ints(n, "dilations"))
    if (d != 1) fail_node(n, "pooling with dilation is not supported");
  std::string in_layer = x.layer;
  Layer& L = add_layer(n, index, kind, {in_layer}, 4);
  spatial_attrs(n, L, static_cast<int>(ks[0]), static_cast<int>(ks[1]), in_layer);
  if (attr_ints(n, "strides").empty()) L.stride_h = L.stride_w = 1;  // ONNX default: stride 1
  L.ceil_mode = attr_int(n, "ceil_mode", 0) != 0;
  if (kind == LayerKind::AvgPool) L.count_include_pad = attr_int(n, "count_include_pad", 0) != 0;
}

void Importer::gemm(const ::onnx::NodeProto& n, size_t index) {
  check_attributes(n, {"alpha", "beta", "transA", "transB"});
  const Value& a = activation_input(n, 0);
  auto b = constant_input(n, 1);
  auto c = constant_input(n, 2, false);
  if (attr_float(n, "alpha", 1.0f) != 1.0f) fail_node(n, "alpha other than 1 is not supported");
  if (c && attr_float(n, "beta", 1.0f) != 1.0f) fail_node(n, "beta other than 1 is not supported");
  if (attr_int(n, "transA", 0) != 0) fail_node(n, "transA=1 is not supported");
  if (b->dims.size() != 2) fail_node(n, "B must be a 2-D matrix, got " + b->shape_str());
  bool trans_b = attr_int(n, "transB", 0) != 0;
  // transB=1: B is [out][in], the own layout; transB=0: B is [in][out].
  NdArray w = trans_b ? take(b) : transpose2d(take(b));
  if (token_tensor(a)) return token_linear(n, index, a, std::move(w), c);
  if (a.roles != "NF") fail_node(n, "input A must be N x F (flatten first)");
  int64_t out = w.shape[0];
  Layer& L = add_layer(n, index, LayerKind::Linear, {a.layer}, 2);
  L.out_features = out;
  L.params["weight"] = std::move(w);
  if (c) {
    L.params["bias"] = bias_vector(n, *c, out);
    L.has_bias = true;
  }
}

NdArray Importer::bias_vector(const ::onnx::NodeProto& n, const OnnxTensor& c, int64_t out) const {
  // C broadcasts to [N][out]; a per-output bias is [out] or [1][out], a scalar is repeated.
  bool per_out = c.numel() == out && (c.dims.size() == 1 || (c.dims.size() == 2 && c.dims[0] == 1));
  if (!per_out && c.numel() != 1)
    fail_node(n, "C of shape " + c.shape_str() + " is not a bias of " + std::to_string(out) + " outputs");
  NdArray bias({out});
  NdArray cv = c.as_array();
  for (int64_t i = 0; i < out; ++i) bias.data[static_cast<size_t>(i)] = cv.data[per_out ? static_cast<size_t>(i) : 0];
  return bias;
}

void Importer::matmul(const ::onnx::NodeProto& n, size_t index) {
  check_attributes(n, {});
  if (n.input_size() > 1) {
    const Value& bv = raw_input(n, 1);
    if (bv.kind == Value::Activation || bv.kind == Value::Pending) return activation_matmul(n, index);
  }
  const Value& a = activation_input(n, 0);
  auto b = constant_input(n, 1);
  if (token_tensor(a)) {
    if (b->dims.size() != 2) fail_node(n, "B must be a 2-D initializer, got " + b->shape_str());
    token_linear(n, index, a, transpose2d(take(b)), nullptr);
    matmul_layers_.insert(net_.layers.back().name);
    return;
  }
  if (a.roles != "NF") fail_node(n, "input A must be N x F (flatten first)");
  if (b->dims.size() != 2) fail_node(n, "B must be a 2-D initializer, got " + b->shape_str());
  Layer& L = add_layer(n, index, LayerKind::Linear, {a.layer}, 2);
  L.out_features = b->dims[1];
  L.params["weight"] = transpose2d(take(b));  // B is [in][out]
  matmul_layers_.insert(L.name);
}

void Importer::add(const ::onnx::NodeProto& n, size_t index) {
  check_attributes(n, {});
  if (n.input_size() < 2) fail_node(n, "needs at least two inputs");
  std::vector<const Value*> act;
  std::vector<int> consts;
  for (int i = 0; i < n.input_size(); ++i) {
    const Value* v = optional_input(n, i);
    if (!v) fail_node(n, "input " + std::to_string(i) + " is missing");
    if (v->kind == Value::Activation)
      act.push_back(v);
    else
      consts.push_back(i);
  }
  if (consts.empty()) {
    std::vector<std::string> ins;
    for (const Value* v : act) {
      if (v->rank != act[0]->rank) fail_node(n, "inputs have different ranks (broadcasting is not supported)");
      if (v->roles != act[0]->roles)
        fail_node(n, "inputs have different axis orders (" + act[0]->roles + " vs " + v->roles + ")");
      ins.push_back(v->layer);
    }
    Value like = *act[0];
    add_layer_like(n, index, LayerKind::Add, ins, like);
    return;
  }
  // activation + constant: only the bias of a MatMul that nothing else reads.
  if (n.op_type() == "Add" && act.size() == 1 && consts.size() == 1 && matmul_layers_.count(act[0]->layer)) {
    int ai = consts[0] == 0 ? 1 : 0;
    Layer& L = net_.layers[static_cast<size_t>(net_.index_of(act[0]->layer))];
    auto c = constant_input(n, consts[0]);
    const int64_t outs = L.kind == LayerKind::Conv ? L.out_channels : L.out_features;
    bool bias_shape = c->numel() == outs && (c->dims.size() == 1 || (c->dims.size() == 2 && c->dims[0] == 1));
    if (!L.has_bias && bias_shape && uses_[n.input(ai)] == 1) {
      L.params["bias"] = NdArray({outs}, c->as_array().data);
      L.has_bias = true;
      values_[n.output(0)] = *act[0];
      return;
    }
  }
  if (n.op_type() == "Add" && act.size() == 1 && consts.size() == 1 && token_tensor(*act[0])) {
    Value x = *act[0];
    return add_const(n, index, x, *constant_input(n, consts[0]));
  }
  fail_node(n,
            "adding a constant is supported only as the bias ([out]) of a MatMul whose output nothing else reads, "
            "or to a token sequence (a positional embedding)");
}

void Importer::clip(const ::onnx::NodeProto& n, size_t index) {
  const Value& x = activation_input(n, 0);
  double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
  if (opset_ < 11) {
    check_attributes(n, {"min", "max"});
    if (attr(n, "min")) lo = attr_float(n, "min", 0.0f);
    if (attr(n, "max")) hi = attr_float(n, "max", 0.0f);
  } else {
    check_attributes(n, {});
    auto scalar = [&](int i, double& dst) {
      auto t = constant_input(n, i, false);
      if (!t) return;
      if (t->numel() != 1) fail_node(n, "min/max must be scalars");
      dst = t->value(0);
    };
    scalar(1, lo);
    scalar(2, hi);
  }
  // float32 limits stand for "no bound" in some exporters.
  if (hi >= std::numeric_limits<float>::max()) hi = std::numeric_limits<double>::infinity();
  if (lo == 0.0 && hi == 6.0) {
    add_layer(n, index, LayerKind::Relu6, {x.layer}, x.rank);
  } else if (lo == 0.0 && std::isinf(hi)) {
    add_layer(n, index, LayerKind::Relu, {x.layer}, x.rank);
  } else {
    std::ostringstream os;
    os << "Clip to [" << lo << ", " << hi << "] is not supported (only [0, 6] as relu6 and [0, inf) as relu)";
    fail_node(n, os.str());
  }
}

void Importer::batchnorm(const ::onnx::NodeProto& n, size_t index) {
  check_attributes(n, {"epsilon", "momentum", "training_mode", "spatial", "is_test"});
  only_first_output_used(n);
  if (attr_int(n, "training_mode", 0) != 0) fail_node(n, "training_mode=1 is not supported (export in eval mode)");
  if (attr_int(n, "spatial", 1) != 1) fail_node(n, "spatial=0 is not supported");
  const Value& x = activation_input(n, 0);
  Layer& L = add_layer(n, index, LayerKind::BatchNorm, {x.layer}, x.rank);
  L.eps = attr_float(n, "epsilon", 1e-5f);
  const char* names[] = {"weight", "bias", "running_mean", "running_var"};
  int64_t c = -1;
  for (int i = 0; i < 4; ++i) {
    auto t = constant_input(n, i + 1);
    if (t->dims.size() != 1) fail_node(n, std::string(names[i]) + " must be 1-D, got " + t->shape_str());
    if (c >= 0 && t->numel() != c) fail_node(n, "scale, bias, mean and var have different lengths");
    c = t->numel();
    L.params[names[i]] = take(t);
  }
}

void Importer::reshape(const ::onnx::NodeProto& n, size_t index) {
  check_attributes(n, {"allowzero"});
  const Value& x = activation_input(n, 0);
  const Value* s = optional_input(n, 1);
  if (!s) fail_node(n, "the target shape is missing");
  if (token_tensor(x) || (x.roles == "NCHW" && shape_vec(n, *s).size() == 3)) return reshape_tokens(n, x);
  std::vector<SymDim> d = shape_vec(n, *s);
  bool allow_zero = attr_int(n, "allowzero", 0) != 0;
  auto what = [&] {
    std::string t = "[";
    for (size_t i = 0; i < d.size(); ++i)
      t += (i ? ", " : "") + (d[i].kind == SymDim::Known   ? std::to_string(d[i].value)
                              : d[i].kind == SymDim::Batch ? std::string("N")
                                                           : "?");
    return t + "]";
  };
  // Accepted: [N, -1], [0, -1], [n, -1], [N|0|n, F], [-1, F] (F checked against C*H*W).
  bool ok = d.size() == 2;
  int64_t features = -1;
  if (ok) {
    const SymDim &a = d[0], &b = d[1];
    bool a_batch =
        a.kind == SymDim::Batch || (a.kind == SymDim::Known && (a.value > 0 || (a.value == 0 && !allow_zero)));
    bool a_any = a.kind == SymDim::Known && a.value == -1;
    bool b_rest = b.kind == SymDim::Known && b.value == -1;
    bool b_feat = b.kind == SymDim::Known && b.value > 0;
    ok = (a_batch && (b_rest || b_feat)) || (a_any && b_feat);
    if (b_feat) features = b.value;
  }
  if (!ok) fail_node(n, "reshape to " + what() + " is not supported (only flattening to [N, -1] / [N, features])");
  Layer& L = add_layer(n, index, LayerKind::Flatten, {x.layer}, 2);
  if (features > 0) flatten_checks_.emplace_back(L.name, features);
}

void Importer::dropout(const ::onnx::NodeProto& n, size_t index) {
  check_attributes(n, {"ratio", "seed", "is_test"});
  only_first_output_used(n);
  const Value& x = activation_input(n, 0);
  double p = attr_float(n, "ratio", 0.5f);
  if (opset_ >= 12) {
    if (auto r = constant_input(n, 1, false)) p = r->value(0);
    if (auto t = constant_input(n, 2, false))
      if (t->value(0) != 0.0) fail_node(n, "training_mode=true is not supported");
  }
  Value like = x;
  Layer& L = add_layer_like(n, index, LayerKind::Dropout, {x.layer}, like);
  L.dropout_p = p;
}

void Importer::constant(const ::onnx::NodeProto& n) {
  if (n.attribute_size() != 1) fail_node(n, "must have exactly one value attribute");
  const auto& a = n.attribute(0);
  auto t = std::make_shared<OnnxTensor>();
  if (a.name() == "value") {
    *t = decode_tensor(a.t(), path_ + ": Constant node '" + n.name() + "'");
  } else if (a.name() == "value_float") {
    t->f = {a.f()};
  } else if (a.name() == "value_floats") {
    t->f.assign(a.floats().begin(), a.floats().end());
    t->dims = {static_cast<int64_t>(t->f.size())};
  } else if (a.name() == "value_int") {
    t->integer = true;
    t->i = {a.i()};
  } else if (a.name() == "value_ints") {
    t->integer = true;
    t->i.assign(a.ints().begin(), a.ints().end());
    t->dims = {static_cast<int64_t>(t->i.size())};
  } else {
    fail_node(n, "unsupported value attribute '" + a.name() + "'");
  }
  Value v;
  v.kind = Value::Constant;
  v.constant = t;
  values_[n.output(0)] = v;
}

// torch writes an all-zero Pad before some average pools (DenseNet); it is a no-op.
// Real padding would have to be folded into the consumer, which is not done.
void Importer::pad(const ::onnx::NodeProto& n) {
  check_attributes(n, {"mode", "pads", "value"});
  const Value& x = activation_input(n, 0);
  std::vector<int64_t> pads = attr_ints(n, "pads");
  if (opset_ >= 11) pads = constant_input(n, 1)->i;
  for (auto p : pads)
    if (p != 0) fail_node(n, "non-zero padding as a separate operator is not supported (pad inside the Conv/pool)");
  values_[n.output(0)] = x;
}

// Mean over H and W: global average pooling (then a flatten when the dims are dropped).
void Importer::reduce_mean(const ::onnx::NodeProto& n, size_t index) {
  check_attributes(n, {"axes", "keepdims"});
  const Value& raw = raw_input(n, 0);
  if (raw.kind == Value::Pending || token_tensor(raw)) {
    // The mean over a token's features: the first or the second step of a LayerNorm.
    std::vector<int64_t> ax = attr_ints(n, "axes");
    int r = raw.kind == Value::Pending ? raw.base->rank : raw.rank;
    if (ax.size() != 1 || (ax[0] != -1 && ax[0] != r - 1) || attr_int(n, "keepdims", 1) != 1)
      fail_node(n, "only the mean over the last axis with keepdims=1 (a LayerNorm) is supported on a token sequence");
    if (raw.kind == Value::Activation) {
      values_[n.output(0)] = pending(Value::Mean, raw);
      return;
    }
    if (raw.step != Value::Squared) fail_node(n, "is not part of a LayerNorm decomposition the importer recognises");
    values_[n.output(0)] = pending(Value::Var, *raw.base);
    return;
  }
  const Value& x = activation_input(n, 0);
  std::vector<int64_t> axes = attr_ints(n, "axes");
  for (auto& a : axes)
    if (a < 0) a += x.rank;
  std::sort(axes.begin(), axes.end());
  if (x.roles != "NCHW" || axes != std::vector<int64_t>{2, 3})
    fail_node(n, "only the mean over the spatial axes [2, 3] of an N x C x H x W tensor is supported");
  std::string in = x.layer;
  Layer& gap = add_layer(n, index, LayerKind::GlobalAvgPool, {in}, 4);
  if (attr_int(n, "keepdims", 1) == 0) {
    std::string gap_name = gap.name;
    Layer& flat = add_layer(n, index, LayerKind::Flatten, {gap_name}, 2);
    names_.erase(flat.name);
    flat.name = gap_name + "_flatten";
    for (int k = 2; flat.name == "input" || names_.count(flat.name); ++k)
      flat.name = gap_name + "_flatten_" + std::to_string(k);
    names_.insert(flat.name);
    values_[n.output(0)].layer = flat.name;
  }
}

std::vector<SymDim> Importer::shape_vec(const ::onnx::NodeProto& n, const Value& v) const {
  if (v.kind == Value::ShapeVec) return v.dims;
  if (v.kind == Value::Constant && v.constant->integer && v.constant->dims.size() <= 1) {
    std::vector<SymDim> d;
    for (auto x : v.constant->i) d.push_back({SymDim::Known, x});
    return d;
  }
  fail_node(n, "expected an integer shape vector (a constant or computed by Shape/Gather/Unsqueeze/Concat)");
}

void Importer::shape_op(const ::onnx::NodeProto& n) {
  check_attributes(n, {"start", "end"});
  const Value& x = activation_input(n, 0);
  Value v;
  v.kind = Value::ShapeVec;
  // The batch size is symbolic; the other dimensions are known.
  std::vector<int64_t> view = view_of(x);
  for (int i = 0; i < x.rank; ++i)
    v.dims.push_back(x.roles[size_t(i)] == 'N' ? SymDim{SymDim::Batch, 0} : SymDim{SymDim::Known, view[size_t(i)]});
  int64_t r = x.rank;
  int64_t start = attr_int(n, "start", 0), end = attr_int(n, "end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, start, r);
  v.dims = std::vector<SymDim>(v.dims.begin() + start, v.dims.begin() + end);
  values_[n.output(0)] = v;
}

void Importer::gather(const ::onnx::NodeProto& n, size_t index) {
  check_attributes(n, {"axis"});
  const Value& data = value(n, n.input(0));
  if (data.kind == Value::Activation) return gather_token(n, index, data);
  if (n.input_size() > 1 && value(n, n.input(1)).kind == Value::Activation) return embedding(n, index);
  std::vector<SymDim> d = shape_vec(n, data);
  if (attr_int(n, "axis", 0) != 0) fail_node(n, "only axis 0 of a shape vector is supported");
  auto idx = constant_input(n, 1);
  if (!idx->integer || idx->dims.size() > 1) fail_node(n, "indices must be an integer scalar or vector");
  Value v;
  v.kind = Value::ShapeVec;
  v.scalar = idx->dims.empty();
  for (auto i : idx->i) {
    if (i < 0) i += static_cast<int64_t>(d.size());
    if (i < 0 || i >= static_cast<int64_t>(d.size())) fail_node(n, "index out of range");
    v.dims.push_back(d[static_cast<size_t>(i)]);
  }
  values_[n.output(0)] = v;
}

void Importer::unsqueeze(const ::onnx::NodeProto& n) {
  check_attributes(n, {"axes"});
  const Value& data = value(n, n.input(0));
  if (data.kind == Value::Activation) unsupported(n);
  std::vector<int64_t> axes = attr_ints(n, "axes");
  if (opset_ >= 13) {
    auto a = constant_input(n, 1);
    axes = a->i;
  }
  bool scalar = data.kind == Value::ShapeVec ? data.scalar : data.constant->dims.empty();
  if (!scalar || axes != std::vector<int64_t>{0})
    fail_node(n, "only unsqueezing a scalar of a shape computation on axis 0 is supported");
  Value v;
  v.kind = Value::ShapeVec;
  v.dims = shape_vec(n, data);
  values_[n.output(0)] = v;
}

void Importer::concat(const ::onnx::NodeProto& n, size_t index) {
  check_attributes(n, {"axis"});
  if (!attr(n, "axis")) fail_node(n, "attribute 'axis' is required");
  int64_t axis = attr_int(n, "axis", 1);
  bool any_act = false, all_act = true;
  for (int i = 0; i < n.input_size(); ++i) {
    const Value* v = optional_input(n, i);
    if (!v) fail_node(n, "input " + std::to_string(i) + " is missing");
    any_act = any_act || v->kind == Value::Activation;
    all_act = all_act && v->kind == Value::Activation;
  }
  if (any_act) {
    if (!all_act) return class_token(n, index);
    int rank = values_.at(n.input(0)).rank;
    std::vector<std::string> ins;
    for (int i = 0; i < n.input_size(); ++i) {
      const Value& v = values_.at(n.input(i));
      if (v.rank != rank) fail_node(n, "inputs have different ranks");
      ins.push_back(v.layer);
    }
    if (axis < 0) axis += rank;
    if (axis != 1) fail_node(n, "only concatenation along the channel axis (1) is supported");
    if (ins.size() == 1) {  // torch.cat([x]) (DenseNet's first layer of a block) is x
      values_[n.output(0)] = values_.at(n.input(0));
      return;
    }
    add_layer(n, index, LayerKind::Concat, ins, rank);
    return;
  }
  // Shape arithmetic: 1-D integer vectors joined end to end.
  if (axis != 0 && axis != -1) fail_node(n, "shape vectors concatenate along axis 0");
  Value v;
  v.kind = Value::ShapeVec;
  for (int i = 0; i < n.input_size(); ++i) {
    auto d = shape_vec(n, values_.at(n.input(i)));
    v.dims.insert(v.dims.end(), d.begin(), d.end());
  }
  values_[n.output(0)] = v;
}

void Importer::convert(const ::onnx::NodeProto& n, size_t index) {
  const std::string& op = n.op_type();
  if (!n.domain().empty() && n.domain() != "ai.onnx") unsupported(n);
  if (n.output_size() < 1 || n.output(0).empty()) fail_node(n, "has no output");
  // Every supported operator but Constant reads input 0 (found by fuzzing: an Identity node
  // without inputs read past the end of the protobuf list).
  if (op != "Constant" && (n.input_size() < 1 || n.input(0).empty())) fail_node(n, "has no input");
  if (op == "Conv") return conv(n, index);
  if (op == "Gemm") return gemm(n, index);
  if (op == "MatMul") return matmul(n, index);
  if (op == "Relu") {
    check_attributes(n, {});
    Value x = activation_input(n, 0);
    add_layer_like(n, index, LayerKind::Relu, {x.layer}, x);
    return;
  }
  if (op == "Clip") return clip(n, index);
  if (op == "MaxPool") return pool(n, index, LayerKind::MaxPool);
  if (op == "AveragePool") return pool(n, index, LayerKind::AvgPool);
  if (op == "GlobalAveragePool") {
    check_attributes(n, {});
    const Value& x = activation_input(n, 0);
    if (x.rank != 4) fail_node(n, "input must be N x C x H x W");
    add_layer(n, index, LayerKind::GlobalAvgPool, {x.layer}, 4);
    return;
  }
  if (op == "BatchNormalization") return batchnorm(n, index);
  if (op == "Sum") return add(n, index);
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow" || op == "Equal") return binary(n, index);
  if (op == "Sqrt" || op == "Erf") return unary_pattern(n);
  if (op == "Transpose") return transpose(n);
  if (op == "Softmax") return softmax(n, index);
  if (op == "Slice") return slice(n, index);
  if (op == "Split") return split(n, index);
  if (op == "LayerNormalization") return layer_norm_op(n, index);
  if (op == "ConstantOfShape") return constant_of_shape(n);
  if (op == "Where") return where(n);
  if (op == "Expand") return expand(n);
  if (op == "Concat") return concat(n, index);
  if (op == "Flatten") {
    check_attributes(n, {"axis"});
    const Value& x = activation_input(n, 0);
    int64_t axis = attr_int(n, "axis", 1);
    if (axis < 0) axis += x.rank;
    if (axis != 1) fail_node(n, "only axis 1 (keep the batch dimension) is supported");
    add_layer(n, index, LayerKind::Flatten, {x.layer}, 2);
    return;
  }
  if (op == "Reshape") return reshape(n, index);
  if (op == "Dropout") return dropout(n, index);
  if (op == "Identity") {
    check_attributes(n, {});
    const Value& x = value(n, n.input(0));
    if (x.kind != Value::Activation) {
      Value copy = x;  // exporters alias deduplicated initializers through Identity
      values_[n.output(0)] = copy;
      return;
    }
    Value like = activation_input(n, 0);
    add_layer_like(n, index, LayerKind::Identity, {like.layer}, like);
    return;
  }
  if (op == "Constant") return constant(n);
  if (op == "Pad") return pad(n);
  if (op == "ReduceMean") return reduce_mean(n, index);
  if (op == "Shape") return shape_op(n);
  if (op == "Gather") return gather(n, index);
  if (op == "Unsqueeze") return unsqueeze(n);
  unsupported(n);
}

Network Importer::run() {
  // Opset of the default domain decides attribute-vs-input forms (Clip, Unsqueeze, Dropout).
  for (const auto& o : model_.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = o.version();
  if (opset_ == 0) throw InputError(path_ + ": the model declares no ONNX opset (not an ONNX model?)");
  if (opset_ < 7 || opset_ > 17)
    throw InputError(path_ + ": ONNX opset " + std::to_string(opset_) + " is not supported (7-17; tested 10-17)");
  if (!model_.has_graph() || graph_.node_size() == 0) throw InputError(path_ + ": the ONNX model has no graph nodes");

  std::string stem = path_.substr(path_.find_last_of('/') == std::string::npos ? 0 : path_.find_last_of('/') + 1);
  if (stem.size() > 5 && stem.compare(stem.size() - 5, 5, ".onnx") == 0) stem.resize(stem.size() - 5);
  net_.name = stem;
  net_.source_file = path_;

  for (auto& t : *graph_.mutable_initializer()) initializers_[t.name()] = &t;
  find_input();
  std::vector<size_t> order = compute_path_in_order();
  for (size_t i : order) convert(graph_.node(static_cast<int>(i)), i);

  const std::string& out = graph_.output(0).name();
  auto it = values_.find(out);
  if (it == values_.end() || it->second.kind != Value::Activation || it->second.layer == "input")
    throw InputError(path_ + ": the graph output '" + out + "' is not computed from the input by any supported layer");
  // Keep only the layers the output depends on (shape computations leave none behind,
  // but e.g. a Dropout mask or a dead branch could).
  std::set<std::string> live{it->second.layer};
  for (size_t k = net_.layers.size(); k-- > 0;)
    if (live.count(net_.layers[k].name))
      for (const auto& in : net_.layers[k].inputs) live.insert(in);
  std::vector<Layer> kept;
  for (auto& L : net_.layers)
    if (live.count(L.name)) kept.push_back(std::move(L));
  net_.layers = std::move(kept);
  if (net_.layers.back().name != it->second.layer)
    throw InputError(path_ + ": internal ordering error: the output layer is not last");

  net_.infer_shapes();
  for (const auto& [name, features] : flatten_checks_) {
    const Layer& L = net_.layer(name);
    if (L.in_shapes[0].numel() != features)
      throw InputError(path_ + ": layer '" + name + "': reshape to " + std::to_string(features) +
                       " features, but its input " + L.in_shapes[0].str() + " has " +
                       std::to_string(L.in_shapes[0].numel()));
  }
  return std::move(net_);
}

}  // namespace onnx_import_detail

Network import_onnx(const std::string& path) {
  require_regular_file(path);  // before open(): opening a FIFO would block
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw InputError(path + ": cannot open ONNX file (" + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw InputError(path + ": cannot read ONNX file (" + std::strerror(errno) + ")");
  }
  if (st.st_size == 0) {
    ::close(fd);
    throw InputError(path + ": empty file, not an ONNX model");
  }
  ::onnx::ModelProto model;
  bool ok;
  {
    // Zero-copy from the descriptor: no second in-memory copy of a large file.
    google::protobuf::io::FileInputStream in(fd, 1 << 20);
    ok = model.ParseFromZeroCopyStream(&in) && in.GetErrno() == 0;
  }
  ::close(fd);
  if (!ok) throw InputError(path + ": cannot parse as an ONNX model (truncated or corrupt protobuf)");
  onnx_import_detail::Importer imp(model, path);
  Network net = imp.run();
  for (const auto& L : net.layers)
    for (const auto& [name, a] : L.params)
      check_finite(a, path + ": initializer of layer '" + L.name + "' (" + name + ")");
  return net;
}

}  // namespace reram
