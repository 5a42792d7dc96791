// ONNX import of transformer encoders (ViT, BERT): token-wise linear layers, attention
// products, softmax, LayerNorm and GELU (also in the decomposed forms torch exports),
// the class token, positional constants and the shape arithmetic around them. How each
// operator maps is documented in docs/onnx.md; the axis roles in importer.h.
#include <algorithm>
#include <cmath>
#include <set>

#include "pruning/core/error.h"
#include "pruning/onnx/importer.h"

namespace reram::onnx_import_detail {

namespace {

bool is_token_role(char r) { return r == 'T' || r == 'D' || r == 'h' || r == 'd' || r == 'K'; }

// The roles and dims without the batch axes ('N', '1').
void strip_batch(const std::string& roles, const std::vector<int64_t>& view, std::string& r, std::vector<int64_t>& v) {
  r.clear();
  v.clear();
  for (size_t i = 0; i < roles.size(); ++i)
    if (roles[i] != 'N' && roles[i] != '1') {
      r.push_back(roles[i]);
      v.push_back(view[i]);
    }
}

std::string dims_str(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}

bool same_activation(const Value& a, const Value& b) { return a.layer == b.layer && a.roles == b.roles; }

// A constant or a fully known shape vector as numbers, for constant folding.
struct Num {
  std::vector<int64_t> dims;
  std::vector<double> v;
  bool integer = true;
  bool from_shape = false;
};

}  // namespace

Layer& Importer::add_layer_like(const ::onnx::NodeProto& n, size_t index, LayerKind kind,
                                std::vector<std::string> inputs, const Value& like) {
  const Value copy = like;  // `like` may live in values_, which add_layer writes
  Layer& L = add_layer(n, index, kind, std::move(inputs), copy.rank);
  Value& v = values_[n.output(0)];
  v.roles = copy.roles;
  v.view = copy.view;
  return L;
}

std::vector<int64_t> Importer::view_of(const Value& v) const {
  if (!v.view.empty()) return v.view;
  const Shape s = shape_of(v.layer);
  if (v.roles == "NCHW") return {1, s.c, s.h, s.w};
  if (v.roles == "NF") return {1, s.numel()};
  if (v.roles == "NTD") return {1, s.h * s.w, s.c};
  throw InputError(path_ + ": internal error: no dims for the output of layer '" + v.layer + "'");
}

const Value& Importer::raw_input(const ::onnx::NodeProto& n, int i) {
  const Value* v = optional_input(n, i);
  if (!v) fail_node(n, "input " + std::to_string(i) + " is missing");
  return *v;
}

bool Importer::token_tensor(const Value& v) const {
  return v.kind == Value::Activation && std::any_of(v.roles.begin(), v.roles.end(), is_token_role);
}

Value Importer::pending(Value::Step step, const Value& base, double k) const {
  Value v;
  v.kind = Value::Pending;
  v.step = step;
  v.base = std::make_shared<Value>(base);
  v.rank = base.rank;
  v.k = k;
  return v;
}

// A constant scale that no later operator absorbed becomes a layer of its own.
const Value& Importer::materialize(const std::string& tensor) {
  Value& pv = values_.at(tensor);
  const Value base = *pv.base;
  const double k = pv.k;
  Layer L;
  do L.name = "scale_" + std::to_string(++scale_layers_);
  while (names_.count(L.name));
  names_.insert(L.name);
  L.kind = LayerKind::Scale;
  L.scale = k;
  L.inputs = {base.layer};
  net_.layers.push_back(std::move(L));
  Value v = base;
  v.layer = net_.layers.back().name;
  return values_[tensor] = v;
}

void Importer::transpose(const ::onnx::NodeProto& n) {
  check_attributes(n, {"perm"});
  const Value& raw = raw_input(n, 0);
  const bool scaled = raw.kind == Value::Pending && raw.step == Value::Scaled;
  const Value x = scaled ? *raw.base : activation_input(n, 0);
  std::vector<int64_t> perm = attr_ints(n, "perm"), view = view_of(x);
  if (perm.empty())
    for (int i = x.rank; i-- > 0;) perm.push_back(i);
  if (perm.size() != static_cast<size_t>(x.rank)) fail_node(n, "'perm' has the wrong length");
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i)
    if (sorted[i] != static_cast<int64_t>(i)) fail_node(n, "'perm' is not a permutation");
  Value y = x;
  y.view.resize(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    y.roles[i] = x.roles[static_cast<size_t>(perm[i])];
    y.view[i] = view[static_cast<size_t>(perm[i])];
  }
  if (y.roles.find('?') != std::string::npos) fail_node(n, "cannot follow the axes of this tensor");
  values_[n.output(0)] = scaled ? pending(Value::Scaled, y, raw.k) : y;
}

// Splits and merges of axes: H,W -> T (patches to tokens), D -> heads x head features and
// back; size-1 axes (the batch) come and go. Anything else would move data.
void Importer::reshape_tokens(const ::onnx::NodeProto& n, const Value& xin) {
  const Value x = xin;
  std::vector<SymDim> t = shape_vec(n, value(n, n.input(1)));
  const bool allow_zero = attr_int(n, "allowzero", 0) != 0;
  std::vector<int64_t> in = view_of(x), out;
  int64_t total = 1, known = 1;
  int infer = -1;
  for (auto d : in) total *= d;
  for (size_t i = 0; i < t.size(); ++i) {
    int64_t v = t[i].kind == SymDim::Batch ? 1 : t[i].value;
    if (t[i].kind == SymDim::Unknown) fail_node(n, "the target shape has a dimension the importer cannot resolve");
    if (v == 0 && !allow_zero) {
      if (i >= in.size()) fail_node(n, "0 in the target shape has no input dimension to copy");
      v = in[i];
    }
    if (v == -1) {
      if (infer >= 0) fail_node(n, "more than one -1 in the target shape");
      infer = static_cast<int>(i);
      v = 1;
    } else if (v <= 0) {
      fail_node(n, "invalid target dimension " + std::to_string(v));
    }
    out.push_back(v);
    known *= v;
  }
  if (infer >= 0) out[static_cast<size_t>(infer)] = known > 0 ? total / known : 0;
  int64_t prod = 1;
  for (auto d : out) prod *= d;
  if (prod != total) fail_node(n, "cannot reshape " + dims_str(in) + " to " + dims_str(out));
  auto fail = [&] {
    fail_node(n, "reshape of " + x.roles + " " + dims_str(in) + " to " + dims_str(out) +
                     " is not supported on a token sequence (only patches to tokens, features to heads and back)");
  };
  std::string roles(out.size(), '1');
  bool batch_seen = false;
  size_t i = 0, j = 0;
  while (i < in.size() || j < out.size()) {
    if (i < in.size() && in[i] == 1) {
      ++i;
      continue;
    }
    if (j < out.size() && out[j] == 1) {
      roles[j++] = batch_seen ? '1' : 'N';
      batch_seen = true;
      continue;
    }
    if (i >= in.size() || j >= out.size()) fail();
    std::string gi(1, x.roles[i]);
    std::vector<size_t> gj{j};
    int64_t pi = in[i++], pj = out[j++];
    while (pi != pj) {
      if (pi < pj) {
        if (i >= in.size()) fail();
        gi.push_back(x.roles[i]);
        pi *= in[i++];
      } else {
        if (j >= out.size()) fail();
        gj.push_back(j);
        pj *= out[j++];
      }
    }
    if (gi.size() == 1 && gj.size() == 1)
      roles[gj[0]] = gi[0] == 'C' ? 'D' : gi[0];
    else if (gi == "HW" && gj.size() == 1)
      roles[gj[0]] = 'T';
    else if ((gi == "D" || gi == "C") && gj.size() == 2)
      roles[gj[0]] = 'h', roles[gj[1]] = 'd';
    else if (gi == "hd" && gj.size() == 1)
      roles[gj[0]] = 'D';
    else
      fail();
  }
  std::string stripped;
  std::vector<int64_t> sv;
  strip_batch(roles, out, stripped, sv);
  if (stripped.find('T') == std::string::npos && stripped.find('h') == std::string::npos) fail();
  Value y = x;
  y.roles = roles;
  y.view = out;
  y.rank = static_cast<int>(out.size());
  values_[n.output(0)] = y;
}

// MatMul / Gemm of a token sequence with a constant matrix: the same linear map applied to
// every token, i.e. a 1x1 convolution over the C x T x 1 sequence.
void Importer::token_linear(const ::onnx::NodeProto& n, size_t index, const Value& xin, NdArray w,
                            std::shared_ptr<OnnxTensor> bias) {
  const Value x = xin;
  std::vector<int64_t> view = view_of(x);
  if (x.roles.back() != 'D')
    fail_node(n, "a token-wise linear layer needs the features on the last axis (axes " + x.roles + ")");
  if (w.shape.size() != 2 || w.shape[1] != view.back())
    fail_node(n, "weight " + w.shape_str() + " does not match " + std::to_string(view.back()) + " input features");
  const int64_t out = w.shape[0], in = w.shape[1];
  Layer& L = add_layer_like(n, index, LayerKind::Conv, {x.layer}, x);
  L.out_channels = out;
  L.params["weight"] = NdArray({out, in, 1, 1}, std::move(w.data));
  if (bias) {
    L.params["bias"] = bias_vector(n, *bias, out);
    L.has_bias = true;
  }
  Value& y = values_[n.output(0)];
  y.view = view;
  y.view.back() = out;
}

// MatMul of two activations: attention scores (Q K^T) or their use (P V), per head.
void Importer::activation_matmul(const ::onnx::NodeProto& n, size_t index) {
  double scale = 1.0;
  auto operand = [&](int i) -> Value {
    const Value& v = raw_input(n, i);
    if (v.kind == Value::Pending && v.step == Value::Scaled) {
      scale *= v.k;
      return *v.base;
    }
    if (!token_tensor(v))
      fail_node(n, "input " + std::to_string(i) +
                       " is not a token sequence (a product of two activations is "
                       "supported for attention only)");
    return v;
  };
  const Value a = operand(0), b = operand(1);
  std::string ra, rb;
  std::vector<int64_t> va, vb;
  strip_batch(a.roles, view_of(a), ra, va);
  strip_batch(b.roles, view_of(b), rb, vb);
  int64_t H = 1;
  if (ra.size() == 3 && rb.size() == 3 && ra[0] == 'h' && rb[0] == 'h') {
    H = va[0];
    if (vb[0] != H) fail_node(n, "the operands have " + std::to_string(H) + " and " + std::to_string(vb[0]) + " heads");
    ra.erase(0, 1), rb.erase(0, 1);
    va.erase(va.begin()), vb.erase(vb.begin());
  } else if (ra.size() == 2 && rb.size() == 2) {
    std::replace(ra.begin(), ra.end(), 'D', 'd');
    std::replace(rb.begin(), rb.end(), 'D', 'd');
  } else {
    fail_node(n, "operands " + a.roles + " x " + b.roles + " are not [heads x] tokens x features");
  }
  if (va[1] != vb[0]) fail_node(n, "inner dimensions differ: " + dims_str(va) + " x " + dims_str(vb));
  // The output keeps A's axes (batch and heads as ONNX has them); the last becomes the key
  // tokens (scores) or B's features (their use).
  Value like = a;
  like.view = view_of(a);
  const bool scores = ra == "Td" && rb == "dT";
  if (!scores && !(ra == "TK" && rb == "Td"))
    fail_node(n, "operand layouts " + a.roles + " x " + b.roles +
                     " are neither attention scores (tokens x features times features x tokens) nor their use "
                     "(scores times tokens x features)");
  like.roles.back() = scores ? 'K' : (H > 1 ? 'd' : 'D');
  like.view.back() = vb[1];
  Layer& L = add_layer_like(n, index, LayerKind::MatMul, {a.layer, b.layer}, like);
  L.groups = static_cast<int>(H);
  L.transpose_b = scores;
  L.scale = scale;
}

void Importer::softmax(const ::onnx::NodeProto& n, size_t index) {
  check_attributes(n, {"axis"});
  const Value x = activation_input(n, 0);
  int64_t axis = attr_int(n, "axis", opset_ >= 13 ? -1 : 1);
  if (axis < 0) axis += x.rank;
  // Before opset 13 Softmax flattens from `axis` on; on the last axis both forms agree.
  if (axis != x.rank - 1 || !token_tensor(x))
    fail_node(n, "only a softmax over the last axis of a token tensor is supported");
  std::vector<int64_t> view = view_of(x);
  const char last = x.roles.back();
  const size_t h = x.roles.find('h');
  if (last != 'K' && last != 'D') fail_node(n, "the softmax axis must be the attention keys or the features");
  Layer& L = add_layer_like(n, index, LayerKind::Softmax, {x.layer}, x);
  L.groups = last == 'K' && h != std::string::npos ? static_cast<int>(view[h]) : 1;
}

// `axis` (negative from the end) of x, checked to be its channels / features.
int64_t Importer::feature_axis(const ::onnx::NodeProto& n, const Value& x, int64_t axis, const char* what) const {
  if (axis < 0) axis += x.rank;
  if (axis < 0 || axis >= x.rank) fail_node(n, "axis out of range");
  const char role = x.roles[static_cast<size_t>(axis)];
  if (role != 'D' && role != 'C' && role != 'F')
    fail_node(n, std::string("only a ") + what + " of the channels / features is supported (axis " +
                     std::to_string(axis) + " of " + x.roles + ")");
  return axis;
}

void Importer::slice(const ::onnx::NodeProto& n, size_t index) {
  const Value x = activation_input(n, 0);
  std::vector<int64_t> starts, ends, axes, steps;
  auto ints = [&](int i) {
    std::vector<int64_t> r;
    if (i >= n.input_size() || n.input(i).empty()) return r;
    for (const SymDim& d : shape_vec(n, value(n, n.input(i)))) {
      if (d.kind != SymDim::Known) fail_node(n, "slice bounds must be known integers");
      r.push_back(d.value);
    }
    return r;
  };
  if (opset_ < 10) {
    check_attributes(n, {"starts", "ends", "axes"});
    starts = attr_ints(n, "starts"), ends = attr_ints(n, "ends"), axes = attr_ints(n, "axes");
  } else {
    check_attributes(n, {});
    starts = ints(1), ends = ints(2), axes = ints(3), steps = ints(4);
  }
  if (starts.size() != 1 || ends.size() != 1 || axes.size() > 1)
    fail_node(n, "only a slice along one axis is supported");
  for (auto s : steps)
    if (s != 1) fail_node(n, "only step 1 is supported");
  const int64_t axis = feature_axis(n, x, axes.empty() ? 0 : axes[0], "slice");
  std::vector<int64_t> view = view_of(x);
  const int64_t dim = view[static_cast<size_t>(axis)];
  auto clampi = [&](int64_t v) {
    if (v < 0) v += dim;
    return std::clamp<int64_t>(v, 0, dim);
  };
  int64_t s = clampi(starts[0]), e = clampi(ends[0]);
  Value like = x;
  like.view = view;
  like.view[static_cast<size_t>(axis)] = std::max<int64_t>(0, e - s);
  Layer& L = add_layer_like(n, index, LayerKind::Slice, {x.layer}, like);
  L.slice_start = s;
  L.slice_end = e;
}

// Split along the features (q, k, v from one projection): one slice layer per output.
void Importer::split(const ::onnx::NodeProto& n, size_t index) {
  check_attributes(n, {"axis", "split"});
  const Value x = activation_input(n, 0);
  std::vector<int64_t> view = view_of(x);
  const int64_t axis = feature_axis(n, x, attr_int(n, "axis", 0), "split");
  const int64_t dim = view[static_cast<size_t>(axis)], outs = n.output_size();
  std::vector<int64_t> sizes = attr_ints(n, "split");
  if (opset_ >= 13 && n.input_size() > 1 && !n.input(1).empty())
    for (const SymDim& d : shape_vec(n, value(n, n.input(1)))) {
      if (d.kind != SymDim::Known) fail_node(n, "split sizes must be known integers");
      sizes.push_back(d.value);
    }
  if (sizes.empty()) {
    if (outs <= 0 || dim % outs != 0)
      fail_node(n, std::to_string(dim) + " features do not split into " + std::to_string(outs) + " equal parts");
    sizes.assign(static_cast<size_t>(outs), dim / outs);
  }
  int64_t total = 0;
  for (auto v : sizes) {
    if (v <= 0) fail_node(n, "split sizes must be positive");
    total += v;
  }
  if (static_cast<int64_t>(sizes.size()) != outs || total != dim)
    fail_node(n, "split sizes do not add up to the " + std::to_string(dim) + " features over " + std::to_string(outs) +
                     " outputs");
  int64_t start = 0;
  for (int i = 0; i < outs; ++i) {
    Value like = x;
    like.view = view;
    like.view[static_cast<size_t>(axis)] = sizes[static_cast<size_t>(i)];
    ::onnx::NodeProto one = n;  // each output becomes its own slice layer
    one.clear_output();
    one.add_output(n.output(i));
    one.set_name(n.name() + (i ? "_" + std::to_string(i) : std::string()));
    Layer& L = add_layer_like(one, index, LayerKind::Slice, {x.layer}, like);
    L.slice_start = start;
    L.slice_end = start + sizes[static_cast<size_t>(i)];
    start = L.slice_end;
  }
}

// x[:, i] over the tokens: the class token read by the classifier head.
void Importer::gather_token(const ::onnx::NodeProto& n, size_t index, const Value& xin) {
  const Value x = xin;
  int64_t axis = attr_int(n, "axis", 0);
  if (axis < 0) axis += x.rank;
  if (axis < 0 || axis >= x.rank || x.roles[static_cast<size_t>(axis)] != 'T')
    fail_node(n, "gathering from an activation is supported along the token axis only");
  auto idx = constant_input(n, 1);
  if (!idx->integer || !idx->dims.empty()) fail_node(n, "the token index must be an integer scalar");
  std::vector<int64_t> view = view_of(x);
  int64_t i = idx->i.at(0), T = view[static_cast<size_t>(axis)];
  if (i < 0) i += T;
  Value like = x;
  like.roles.erase(static_cast<size_t>(axis), 1);
  like.view = view;
  like.view.erase(like.view.begin() + axis);
  std::string r;
  std::vector<int64_t> v;
  strip_batch(like.roles, like.view, r, v);
  if (r != "D") fail_node(n, "selecting a token must leave N x features, got axes " + like.roles);
  like.roles = "NF";
  like.view = {1, v[0]};
  like.rank = 2;
  Layer& L = add_layer_like(n, index, LayerKind::SelectToken, {x.layer}, like);
  L.token_index = i;
}

// Gather(table, token ids): an embedding lookup.
void Importer::embedding(const ::onnx::NodeProto& n, size_t index) {
  const Value ids = raw_input(n, 1);
  if (ids.roles != "NT") fail_node(n, "the indices of a table lookup must be the N x T token ids of the graph input");
  if (attr_int(n, "axis", 0) != 0) fail_node(n, "an embedding looks up rows (axis 0)");
  auto table = constant_input(n, 0);
  if (table->dims.size() != 2 || table->integer) fail_node(n, "the embedding table must be a 2-D float constant");
  Value like = ids;
  like.roles = "NTD";
  like.view = {1, ids.view.at(1), table->dims[1]};
  like.rank = 3;
  Layer& L = add_layer_like(n, index, LayerKind::Embedding, {ids.layer}, like);
  L.vocab_size = table->dims[0];
  L.out_features = table->dims[1];
  L.params["weight"] = take(table);
}

// Concat([class token, patches], token axis): a learned token prepended to the sequence.
void Importer::class_token(const ::onnx::NodeProto& n, size_t index) {
  if (n.input_size() != 2) fail_node(n, "concatenating activations with constants is supported for a class token only");
  const Value& c = raw_input(n, 0);
  const Value x = raw_input(n, 1);
  if (c.kind != Value::Constant || !token_tensor(x))
    fail_node(n,
              "concatenating activations with constants is supported for a class token (constant first, then "
              "the token sequence) only");
  int64_t axis = attr_int(n, "axis", 1);
  if (axis < 0) axis += x.rank;
  std::vector<int64_t> view = view_of(x);
  if (axis < 0 || axis >= x.rank || x.roles[static_cast<size_t>(axis)] != 'T')
    fail_node(n, "a constant can be concatenated along the token axis only");
  const size_t d_axis = x.roles.find('D');
  const int64_t D = d_axis == std::string::npos ? 0 : view[d_axis];
  if (D == 0 || c.constant->numel() != D)
    fail_node(
        n, "the class token " + c.constant->shape_str() + " must hold one token of " + std::to_string(D) + " features");
  Value like = x;
  like.view = view;
  like.view[static_cast<size_t>(axis)] += 1;
  Layer& L = add_layer_like(n, index, LayerKind::ClassToken, {x.layer}, like);
  L.params["weight"] = NdArray({D}, c.constant->as_array().data);
}

void Importer::layer_norm_op(const ::onnx::NodeProto& n, size_t index) {
  check_attributes(n, {"axis", "epsilon", "stash_type"});
  only_first_output_used(n);
  const Value x = activation_input(n, 0);
  int64_t axis = attr_int(n, "axis", -1);
  if (axis < 0) axis += x.rank;
  if (axis != x.rank - 1 || !token_tensor(x) || x.roles.back() != 'D')
    fail_node(n, "only a LayerNorm over the features (last axis) of a token sequence is supported");
  const int64_t D = view_of(x).back();
  auto g = constant_input(n, 1);
  auto b = constant_input(n, 2, false);
  if (g->numel() != D || (b && b->numel() != D))
    fail_node(n, "scale and bias must have " + std::to_string(D) + " values");
  Layer& L = add_layer_like(n, index, LayerKind::LayerNorm, {x.layer}, x);
  L.eps = attr_float(n, "epsilon", 1e-5f);
  L.params["weight"] = NdArray({D}, g->as_array().data);
  L.params["bias"] = b ? NdArray({D}, b->as_array().data) : NdArray({D});
}

void Importer::unary_pattern(const ::onnx::NodeProto& n) {
  check_attributes(n, {});
  const Value& x = raw_input(n, 0);
  if (n.op_type() == "Sqrt" && x.kind == Value::Pending && x.step == Value::VarEps) {
    values_[n.output(0)] = pending(Value::Std, *x.base, x.k);
    return;
  }
  if (n.op_type() == "Erf" && x.kind == Value::Pending && x.step == Value::Scaled &&
      std::abs(x.k * std::sqrt(2.0) - 1.0) < 1e-5) {
    values_[n.output(0)] = pending(Value::ErfHalf, *x.base);
    return;
  }
  fail_node(n, n.op_type() == "Sqrt" ? "Sqrt is supported only inside a LayerNorm decomposition"
                                     : "Erf is supported only inside a GELU decomposition (x/sqrt(2))");
}

void Importer::add_const(const ::onnx::NodeProto& n, size_t index, const Value& xin, const OnnxTensor& c) {
  const Value x = xin;
  std::vector<int64_t> view = view_of(x);
  const Shape s = shape_of(x.layer);
  const int64_t P = s.h * s.w;
  std::vector<int64_t> cd = c.dims;
  if (cd.size() > view.size()) fail_node(n, "constant " + c.shape_str() + " has more axes than the activation");
  cd.insert(cd.begin(), view.size() - cd.size(), 1);
  // Stride of each axis in the layer's C x positions layout (heads major within C).
  std::vector<int64_t> stride(view.size(), 0);
  int64_t inner = 1;
  for (size_t a = view.size(); a-- > 0;) {
    char r = x.roles[a];
    if (cd[a] != 1 && cd[a] != view[a])
      fail_node(n, "constant " + c.shape_str() + " does not broadcast to the activation " + dims_str(view));
    if (r == 'N' || r == '1') {
      if (cd[a] != 1) fail_node(n, "a constant that differs between samples is not supported");
    } else if (r == 'T') {
      stride[a] = 1;
    } else if (r == 'd' || r == 'K' || r == 'D') {
      stride[a] = P;
      inner = view[a];
    }
  }
  for (size_t a = 0; a < view.size(); ++a)
    if (x.roles[a] == 'h') stride[a] = inner * P;
  NdArray w({s.c, s.h, s.w});
  NdArray cv = c.as_array();
  std::vector<int64_t> at(view.size(), 0);
  for (int64_t k = 0; k < s.c * P; ++k) {
    int64_t dst = 0, src = 0;
    for (size_t a = 0; a < view.size(); ++a) {
      dst += at[a] * stride[a];
      src = src * cd[a] + (cd[a] == 1 ? 0 : at[a]);
    }
    w.data[static_cast<size_t>(dst)] = cv.data[static_cast<size_t>(src)];
    for (size_t a = view.size(); a-- > 0;)
      if (++at[a] < view[a])
        break;
      else
        at[a] = 0;
  }
  Layer& L = add_layer_like(n, index, LayerKind::AddConst, {x.layer}, x);
  L.params["weight"] = std::move(w);
}

// Elementwise Add / Sub / Mul / Div / Pow / Equal: constant folding, the steps of
// LayerNorm and GELU decompositions, constant scales, biases and residual adds.
void Importer::binary(const ::onnx::NodeProto& n, size_t index) {
  check_attributes(n, {});
  if (n.input_size() != 2) fail_node(n, "needs two inputs");
  const Value a = raw_input(n, 0), b = raw_input(n, 1);
  auto is_data = [](const Value& v) { return v.kind == Value::Activation || v.kind == Value::Pending; };
  if (!is_data(a) && !is_data(b)) return fold_constants(n);
  const std::string& op = n.op_type();
  if (binary_pattern(n, index, a, b, 0)) return;
  if ((op == "Add" || op == "Mul") && binary_pattern(n, index, b, a, 1)) return;
  if (op == "Add") {
    for (int i = 0; i < 2; ++i) {
      const Value& v = raw_input(n, i);
      if (v.kind == Value::Pending) activation_input(n, i);  // a pending scale becomes a layer, others fail
    }
    return add(n, index);
  }
  fail_node(n, op + " of these operands is not supported (supported: constant scales, LayerNorm and GELU "
                    "decompositions, biases, residual adds)");
}

// A LayerNorm's gamma (Mul) or beta (Add) folded into it: `a` the fresh LayerNorm output
// that nothing else reads, `b` a constant of its features.
bool Importer::fold_layernorm_param(const ::onnx::NodeProto& n, const Value& a, const Value& b, int ia,
                                    const char* param, std::set<std::string>& open) {
  if (a.kind != Value::Activation || !open.count(a.layer) || b.kind != Value::Constant || uses_[n.input(ia)] != 1)
    return false;
  const int64_t D = view_of(a).back();
  if (b.constant->numel() != D) return false;
  net_.layers[size_t(net_.index_of(a.layer))].params[param] = NdArray({D}, b.constant->as_array().data);
  open.erase(a.layer);
  values_[n.output(0)] = a;
  return true;
}

bool Importer::binary_pattern(const ::onnx::NodeProto& n, size_t index, const Value& a, const Value& b, int ia) {
  const std::string& op = n.op_type();
  auto pend = [](const Value& v, Value::Step s) { return v.kind == Value::Pending && v.step == s; };
  double k = 0;
  const bool b_scalar = b.kind == Value::Constant && b.constant->numel() == 1 && (k = b.constant->value(0), true);
  auto out = [&](Value v) { values_[n.output(0)] = std::move(v); };
  auto features = [&](const Value& v) { return view_of(v).back(); };
  const bool a_act = a.kind == Value::Activation;
  if (op == "Add") {
    if (pend(a, Value::Var) && b_scalar) return out(pending(Value::VarEps, *a.base, k)), true;
    if (pend(a, Value::ErfHalf) && b_scalar && k == 1.0) return out(pending(Value::OnePlusErf, *a.base)), true;
    if (fold_layernorm_param(n, a, b, ia, "bias", ln_open_bias_)) {
      ln_open_weight_.erase(a.layer);  // beta is the last step: no gamma after it
      return true;
    }
    return false;
  }
  if (op == "Mul" || op == "Div") {
    const bool scalable = a_act || pend(a, Value::Scaled);
    if (scalable && b_scalar) {
      if (op == "Div" && k == 0.0) fail_node(n, "division by zero");
      const double f = op == "Mul" ? k : 1.0 / k;
      const Value& base = a_act ? a : *a.base;
      return out(pending(Value::Scaled, base, a_act ? f : a.k * f)), true;
    }
  }
  if (op == "Mul") {
    if (fold_layernorm_param(n, a, b, ia, "weight", ln_open_weight_)) return true;
    if (pend(b, Value::OnePlusErf) && a_act && same_activation(a, *b.base))
      return out(pending(Value::GeluTimes2, a)), true;
    const bool half_x = pend(a, Value::Scaled) && std::abs(a.k - 0.5) < 1e-7;
    if ((pend(a, Value::GeluTimes2) && b_scalar && std::abs(k - 0.5) < 1e-7) ||
        (half_x && pend(b, Value::OnePlusErf) && same_activation(*a.base, *b.base))) {
      add_layer_like(n, index, LayerKind::Gelu, {a.base->layer}, *a.base);
      return true;
    }
    if (pend(a, Value::Centered) && pend(b, Value::Centered) && same_activation(*a.base, *b.base))
      return out(pending(Value::Squared, *a.base)), true;
    return false;
  }
  if (op == "Sub" && a_act && pend(b, Value::Mean) && same_activation(a, *b.base))
    return out(pending(Value::Centered, a)), true;
  if (op == "Pow" && pend(a, Value::Centered) && b_scalar && k == 2.0)
    return out(pending(Value::Squared, *a.base)), true;
  if (op == "Div" && pend(a, Value::Centered) && pend(b, Value::Std) && same_activation(*a.base, *b.base)) {
    const Value x = *a.base;
    if (x.roles.back() != 'D') fail_node(n, "a LayerNorm must normalise the features (last axis)");
    const int64_t D = features(x);
    Layer& L = add_layer_like(n, index, LayerKind::LayerNorm, {x.layer}, x);
    L.eps = b.k;
    L.params["weight"] = NdArray({D}, std::vector<float>(static_cast<size_t>(D), 1.0f));
    L.params["bias"] = NdArray({D});
    ln_open_weight_.insert(L.name);
    ln_open_bias_.insert(L.name);
    return true;
  }
  return false;
}

void Importer::fold_constants(const ::onnx::NodeProto& n) {
  auto num = [&](int i) {
    const Value& v = raw_input(n, i);
    Num r;
    if (v.kind == Value::ShapeVec) {
      r.from_shape = true;
      for (const SymDim& d : v.dims) {
        if (d.kind != SymDim::Known)
          fail_node(n, "arithmetic on the batch size or an unknown dimension is not supported");
        r.v.push_back(static_cast<double>(d.value));
      }
      if (!v.scalar) r.dims = {static_cast<int64_t>(r.v.size())};
    } else {
      r.dims = v.constant->dims;
      r.integer = v.constant->integer;
      for (size_t k = 0; k < static_cast<size_t>(v.constant->numel()); ++k) r.v.push_back(v.constant->value(k));
    }
    return r;
  };
  Num a = num(0), b = num(1);
  // numpy broadcasting
  std::vector<int64_t> dims(std::max(a.dims.size(), b.dims.size()), 1);
  auto padded = [&](const Num& x) {
    std::vector<int64_t> d = x.dims;
    d.insert(d.begin(), dims.size() - d.size(), 1);
    return d;
  };
  std::vector<int64_t> da = padded(a), db = padded(b);
  for (size_t k = 0; k < dims.size(); ++k) {
    if (da[k] != db[k] && da[k] != 1 && db[k] != 1) fail_node(n, "operand shapes do not broadcast");
    dims[k] = std::max(da[k], db[k]);
  }
  int64_t total = 1;
  for (auto d : dims) total *= d;
  const std::string& op = n.op_type();
  auto result = std::make_shared<OnnxTensor>();
  result->dims = dims;
  result->integer = (a.integer && b.integer) || op == "Equal";
  std::vector<int64_t> at(dims.size(), 0);
  for (int64_t e = 0; e < total; ++e) {
    int64_t ia = 0, ib = 0;
    for (size_t k = 0; k < dims.size(); ++k) {
      ia = ia * da[k] + (da[k] == 1 ? 0 : at[k]);
      ib = ib * db[k] + (db[k] == 1 ? 0 : at[k]);
    }
    double x = a.v[size_t(ia)], y = b.v[size_t(ib)], r = 0;
    if (op == "Add")
      r = x + y;
    else if (op == "Sub")
      r = x - y;
    else if (op == "Mul")
      r = x * y;
    else if (op == "Div") {
      if (y == 0 && result->integer) fail_node(n, "integer division by zero");
      r = result->integer ? std::trunc(x / y) : x / y;
    } else if (op == "Pow")
      r = std::pow(x, y);
    else
      r = x == y ? 1 : 0;  // Equal
    if (result->integer)
      result->i.push_back(static_cast<int64_t>(r));
    else
      result->f.push_back(static_cast<float>(r));
    for (size_t k = dims.size(); k-- > 0;)
      if (++at[k] < dims[k])
        break;
      else
        at[k] = 0;
  }
  Value v;
  if ((a.from_shape || b.from_shape) && result->integer && dims.size() <= 1 && op != "Equal") {
    v.kind = Value::ShapeVec;
    v.scalar = dims.empty();
    for (auto x : result->i) v.dims.push_back({SymDim::Known, x});
  } else {
    v.kind = Value::Constant;
    v.constant = result;
  }
  values_[n.output(0)] = v;
}

void Importer::constant_of_shape(const ::onnx::NodeProto& n) {
  check_attributes(n, {"value"});
  auto t = std::make_shared<OnnxTensor>();
  for (const SymDim& d : shape_vec(n, raw_input(n, 0))) {
    if (d.kind != SymDim::Known || d.value < 0) fail_node(n, "the shape must be known and non-negative");
    t->dims.push_back(d.value);
  }
  OnnxTensor fill;
  fill.f = {0.0f};
  if (const auto* a = attr(n, "value")) fill = decode_tensor(a->t(), path_ + ": ConstantOfShape '" + n.name() + "'");
  if (fill.numel() != 1) fail_node(n, "'value' must hold one element");
  t->integer = fill.integer;
  const int64_t total = t->numel();
  if (total > (int64_t(1) << 24)) fail_node(n, "the constant is too large");
  if (t->integer)
    t->i.assign(size_t(total), fill.i.at(0));
  else
    t->f.assign(size_t(total), fill.f.at(0));
  Value v;
  v.kind = Value::Constant;
  v.constant = t;
  values_[n.output(0)] = v;
}

void Importer::where(const ::onnx::NodeProto& n) {
  check_attributes(n, {});
  auto c = constant_input(n, 0);
  auto a = value(n, n.input(1)), b = value(n, n.input(2));
  auto vals = [&](const Value& v) {
    std::vector<int64_t> r;
    if (v.kind == Value::ShapeVec) {
      for (const SymDim& d : v.dims) r.push_back(d.kind == SymDim::Known ? d.value : 0);
    } else if (v.kind == Value::Constant && v.constant->integer) {
      r = v.constant->i;
    } else {
      fail_node(n, "Where is supported on integer constants (shape arithmetic) only");
    }
    return r;
  };
  std::vector<int64_t> x = vals(a), y = vals(b);
  const size_t len = static_cast<size_t>(c->numel());
  if (!c->integer || (x.size() != len && x.size() != 1) || (y.size() != len && y.size() != 1))
    fail_node(n, "Where is supported on equally long integer vectors only");
  Value v;
  v.kind = Value::ShapeVec;
  for (size_t k = 0; k < len; ++k) {
    int64_t r = c->i[k] ? x[x.size() == 1 ? 0 : k] : y[y.size() == 1 ? 0 : k];
    v.dims.push_back({SymDim::Known, r});
  }
  values_[n.output(0)] = v;
}

// Expand of a constant over the batch (the class token): the values stay as they are.
void Importer::expand(const ::onnx::NodeProto& n) {
  check_attributes(n, {});
  const Value& x = raw_input(n, 0);
  if (x.kind != Value::Constant) fail_node(n, "only expanding a constant is supported");
  std::vector<int64_t> dims = x.constant->dims;
  std::vector<SymDim> shape = shape_vec(n, raw_input(n, 1));
  if (shape.size() > dims.size()) dims.insert(dims.begin(), shape.size() - dims.size(), 1);
  for (size_t k = 0; k < shape.size(); ++k) {
    size_t a = dims.size() - shape.size() + k;
    int64_t want = shape[k].kind == SymDim::Known ? shape[k].value : 1;
    if (want != 1 && want != dims[a] && dims[a] != 1) fail_node(n, "shapes do not broadcast");
    if (want > 1 && dims[a] == 1) fail_node(n, "expanding a constant to more values is not supported");
  }
  Value v = x;
  v.constant = std::make_shared<OnnxTensor>(*x.constant);
  v.constant->dims = dims;
  values_[n.output(0)] = v;
}

}  // namespace reram::onnx_import_detail
