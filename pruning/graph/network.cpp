#include "pruning/graph/network.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "pruning/core/error.h"

namespace reram {

namespace {

struct KindName {
  LayerKind kind;
  const char* name;
};
constexpr KindName kKinds[] = {
    {LayerKind::Conv, "conv"},
    {LayerKind::Linear, "linear"},
    {LayerKind::MaxPool, "maxpool"},
    {LayerKind::AvgPool, "avgpool"},
    {LayerKind::GlobalAvgPool, "globalavgpool"},
    {LayerKind::Relu, "relu"},
    {LayerKind::Relu6, "relu6"},
    {LayerKind::BatchNorm, "batchnorm"},
    {LayerKind::Add, "add"},
    {LayerKind::Concat, "concat"},
    {LayerKind::Flatten, "flatten"},
    {LayerKind::Dropout, "dropout"},
    {LayerKind::Identity, "identity"},
    {LayerKind::LayerNorm, "layernorm"},
    {LayerKind::Gelu, "gelu"},
    {LayerKind::Softmax, "softmax"},
    {LayerKind::MatMul, "matmul"},
    {LayerKind::Scale, "scale"},
    {LayerKind::Slice, "slice"},
    {LayerKind::ClassToken, "class_token"},
    {LayerKind::AddConst, "add_const"},
    {LayerKind::SelectToken, "select_token"},
    {LayerKind::Embedding, "embedding"},
};

int64_t pool_out(int64_t in, int k, int s, int p0, int p1, int d, bool ceil_mode) {
  int64_t eff = static_cast<int64_t>(d) * (k - 1) + 1;
  int64_t num = in + p0 + p1 - eff;
  if (num < 0) return 0;
  int64_t o = ceil_mode ? (num + s - 1) / s + 1 : num / s + 1;
  // PyTorch rule: the last window must start inside the input or left padding.
  if (ceil_mode && (o - 1) * s >= in + p0) --o;
  return o;
}

// Output shape of a matmul layer (see Layer::transpose_b).
Shape matmul_shape(const Layer& L, const std::string& at) {
  if (L.inputs.size() != 2) throw InputError(at + ": takes exactly two inputs");
  const Shape &a = L.in_shapes[0], &b = L.in_shapes[1];
  if (a.flat || b.flat || a.w != 1 || b.w != 1)
    throw InputError(at + ": needs two token sequences (C x T x 1), got " + a.str() + " and " + b.str());
  const int64_t H = L.groups;
  if (H <= 0 || a.c % H != 0 || b.c % H != 0)
    throw InputError(at + ": heads " + std::to_string(H) + " must divide both inputs' channels (" + a.str() + ", " +
                     b.str() + ")");
  const int64_t m = a.c / H;
  if (L.transpose_b) {
    if (b.c / H != m)
      throw InputError(at + ": A has " + std::to_string(m) + " channels per head, B " + std::to_string(b.c / H));
    return Shape{H * b.h, a.h, 1, false};
  }
  if (m != b.h)
    throw InputError(at + ": A has " + std::to_string(m) + " channels per head, B has " + std::to_string(b.h) +
                     " tokens; they must match");
  return Shape{b.c, a.h, 1, false};
}

void need_single(const Layer& L, const std::string& at) {
  if (L.inputs.size() != 1) throw InputError(at + ": takes exactly one input");
}
void need_spatial(const Layer& L, const std::string& at) {
  if (L.in_shapes[0].flat)
    throw InputError(at + ": needs a C x H x W input, got a flat vector of " + L.in_shapes[0].str());
}

// Output shape of a transformer layer (docs/network-format.md, "Transformers").
Shape transformer_shape(const Layer& L, const std::string& at) {
  const Shape& x = L.in_shapes[0];
  Shape y = x;
  switch (L.kind) {
    case LayerKind::LayerNorm:
    case LayerKind::Gelu:
    case LayerKind::Scale:
    case LayerKind::AddConst:
      need_single(L, at);
      break;
    case LayerKind::Softmax:
      need_single(L, at);
      if (L.groups <= 0 || x.c % L.groups != 0)
        throw InputError(at + ": groups " + std::to_string(L.groups) + " must be positive and divide the " +
                         std::to_string(x.c) + " channels");
      break;
    case LayerKind::MatMul:
      return matmul_shape(L, at);
    case LayerKind::Slice:
      need_single(L, at);
      if (L.slice_start < 0 || L.slice_end <= L.slice_start || L.slice_end > x.c)
        throw InputError(at + ": channels [" + std::to_string(L.slice_start) + ", " + std::to_string(L.slice_end) +
                         ") are not a non-empty range of the input's " + std::to_string(x.c));
      y.c = L.slice_end - L.slice_start;
      break;
    case LayerKind::ClassToken:
      need_single(L, at);
      need_spatial(L, at);
      y = Shape{x.c, x.h * x.w + 1, 1, false};
      break;
    case LayerKind::SelectToken:
      need_single(L, at);
      need_spatial(L, at);
      if (L.token_index < 0 || L.token_index >= x.h * x.w)
        throw InputError(at + ": token index " + std::to_string(L.token_index) + " is outside the input's " +
                         std::to_string(x.h * x.w) + " positions");
      y = Shape{x.c, 1, 1, true};
      break;
    case LayerKind::Embedding:
      need_single(L, at);
      need_spatial(L, at);
      if (x.c != 1) throw InputError(at + ": needs one token id per position (1 x T x 1), got " + x.str());
      if (L.vocab_size <= 0 || L.out_features <= 0)
        throw InputError(at + ": vocab_size and out_features must be positive");
      y = Shape{L.out_features, x.h, x.w, false};
      break;
    default:
      throw InputError(at + ": unknown layer kind");
  }
  return y;
}

// Parameter shapes, when present: each one expected by the kind, of its shape.
void check_params(const Layer& L, const std::string& at) {
  for (const auto& [pname, arr] : L.params) {
    std::vector<int64_t> want;
    if (pname == "weight" && L.is_weight_layer())
      want = L.weight_shape();
    else if (pname == "bias" && L.kind == LayerKind::Conv)
      want = {L.out_channels};
    else if (pname == "bias" && L.kind == LayerKind::Linear)
      want = {L.out_features};
    else
      for (const auto& [name, shape] : L.param_specs())
        if (name == pname) want = shape;
    if (want.empty()) throw InputError(at + ": unexpected parameter '" + pname + "'");
    if (arr.shape != want) {
      NdArray w(want);
      throw InputError(at + ": parameter '" + pname + "' has shape " + arr.shape_str() + ", expected " + w.shape_str());
    }
  }
}

}  // namespace

const char* to_string(LayerKind k) {
  for (const auto& kn : kKinds)
    if (kn.kind == k) return kn.name;
  return "?";
}

LayerKind layer_kind_from_string(const std::string& s, const std::string& where) {
  for (const auto& kn : kKinds)
    if (s == kn.name) return kn.kind;
  std::string all;
  for (const auto& kn : kKinds) all += std::string(all.empty() ? "" : ", ") + kn.name;
  throw InputError(where + ": unknown layer type '" + s + "' (known: " + all + ")");
}

std::string Shape::str() const {
  if (flat) return std::to_string(c);
  return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w);
}

std::vector<int64_t> Layer::weight_shape() const {
  if (kind == LayerKind::Conv) return {out_channels, in_channels() / groups, kernel_h, kernel_w};
  if (kind == LayerKind::Linear) return {out_features, in_shapes.empty() ? 0 : in_shapes[0].numel()};
  if (kind == LayerKind::BatchNorm) return {in_channels()};
  return {};
}

int64_t Layer::macs() const {
  if (kind == LayerKind::Conv)
    return out_shape.h * out_shape.w * out_channels * (in_channels() / groups) * kernel_h * kernel_w;
  if (kind == LayerKind::Linear) return out_features * (in_shapes.empty() ? 0 : in_shapes[0].numel());
  return 0;
}

int64_t Layer::dynamic_macs() const {
  if (kind != LayerKind::MatMul || in_shapes.size() < 2 || groups <= 0) return 0;
  // Every output value is a dot product over A's channels of one head.
  return out_shape.numel() * (in_shapes[0].c / groups);
}

std::vector<std::pair<std::string, std::vector<int64_t>>> Layer::param_specs() const {
  const int64_t c = in_channels();
  switch (kind) {
    case LayerKind::BatchNorm:
      return {{"weight", {c}}, {"bias", {c}}, {"running_mean", {c}}, {"running_var", {c}}};
    case LayerKind::LayerNorm:
      return {{"weight", {c}}, {"bias", {c}}};
    case LayerKind::ClassToken:
      return {{"weight", {c}}};
    case LayerKind::Embedding:
      return {{"weight", {vocab_size, out_features}}};
    case LayerKind::AddConst:
      return {{"weight", {c, in_shapes.empty() ? 0 : in_shapes[0].h, in_shapes.empty() ? 0 : in_shapes[0].w}}};
    default:
      return {};
  }
}

int Network::index_of(const std::string& n) const {
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i].name == n) return static_cast<int>(i);
  return -1;
}

const Layer& Network::layer(const std::string& n) const {
  int i = index_of(n);
  if (i < 0) throw InputError(source_file + ": no layer named '" + n + "'");
  return layers[static_cast<size_t>(i)];
}

void Network::infer_shapes() {
  const std::string where = source_file.empty() ? name : source_file;
  if (input.c <= 0 || input.h <= 0 || input.w <= 0)
    throw InputError(where + ": input shape " + input.str() + " must be positive");
  if (layers.empty()) throw InputError(where + ": network has no layers");
  std::map<std::string, Shape> known{{"input", input}};
  for (auto& L : layers) {
    const std::string at = where + ": layer '" + L.name + "' (" + to_string(L.kind) + ")";
    if (L.name.empty()) throw InputError(where + ": a layer has no name");
    if (L.name == "input" || known.count(L.name)) throw InputError(at + ": duplicate layer name");
    if (L.inputs.empty()) throw InputError(at + ": has no input");
    L.in_shapes.clear();
    for (const auto& in : L.inputs) {
      auto it = known.find(in);
      if (it == known.end()) throw InputError(at + ": input '" + in + "' is not an earlier layer");
      L.in_shapes.push_back(it->second);
    }
    const Shape& x = L.in_shapes[0];
    Shape y = x;
    auto need_single = [&] {
      if (L.inputs.size() != 1) throw InputError(at + ": takes exactly one input");
    };
    auto need_spatial = [&] {
      if (x.flat) throw InputError(at + ": needs a C x H x W input, got a flat vector of " + x.str());
    };
    switch (L.kind) {
      case LayerKind::Conv: {
        need_single();
        need_spatial();
        if (L.out_channels <= 0) throw InputError(at + ": out_channels must be positive");
        if (L.groups <= 0 || L.kernel_h <= 0 || L.kernel_w <= 0 || L.stride_h <= 0 || L.stride_w <= 0 ||
            L.dilation_h <= 0 || L.dilation_w <= 0 || L.pad_top < 0 || L.pad_left < 0 || L.pad_bottom < 0 ||
            L.pad_right < 0)
          throw InputError(at + ": kernel, stride, dilation and groups must be positive and padding non-negative");
        if (x.c % L.groups != 0 || L.out_channels % L.groups != 0)
          throw InputError(at + ": input channels " + std::to_string(x.c) + " and out_channels " +
                           std::to_string(L.out_channels) + " must both divide by groups " + std::to_string(L.groups));
        y.c = L.out_channels;
        y.h = pool_out(x.h, L.kernel_h, L.stride_h, L.pad_top, L.pad_bottom, L.dilation_h, false);
        y.w = pool_out(x.w, L.kernel_w, L.stride_w, L.pad_left, L.pad_right, L.dilation_w, false);
        break;
      }
      case LayerKind::Linear:
        need_single();
        if (!x.flat) throw InputError(at + ": needs a flat input (add a flatten layer), got " + x.str());
        if (L.out_features <= 0) throw InputError(at + ": out_features must be positive");
        y = Shape{L.out_features, 1, 1, true};
        break;
      case LayerKind::MaxPool:
      case LayerKind::AvgPool:
        need_single();
        need_spatial();
        if (L.kernel_h <= 0 || L.kernel_w <= 0 || L.stride_h <= 0 || L.stride_w <= 0)
          throw InputError(at + ": kernel and stride must be positive");
        if (2 * L.pad_top > L.kernel_h || 2 * L.pad_left > L.kernel_w)
          throw InputError(at + ": padding must be at most half the kernel");
        y.h = pool_out(x.h, L.kernel_h, L.stride_h, L.pad_top, L.pad_bottom, L.dilation_h, L.ceil_mode);
        y.w = pool_out(x.w, L.kernel_w, L.stride_w, L.pad_left, L.pad_right, L.dilation_w, L.ceil_mode);
        break;
      case LayerKind::GlobalAvgPool:
        need_single();
        need_spatial();
        y.h = y.w = 1;
        break;
      case LayerKind::Flatten:
        need_single();
        y = Shape{x.numel(), 1, 1, true};
        break;
      case LayerKind::BatchNorm:
      case LayerKind::Relu:
      case LayerKind::Relu6:
      case LayerKind::Dropout:
      case LayerKind::Identity:
        need_single();
        break;
      case LayerKind::Add:
        if (L.inputs.size() < 2) throw InputError(at + ": needs at least two inputs");
        for (size_t i = 1; i < L.in_shapes.size(); ++i)
          if (L.in_shapes[i] != x)
            throw InputError(at + ": input shapes differ (" + x.str() + " vs " + L.in_shapes[i].str() + " from '" +
                             L.inputs[i] + "')");
        break;
      default:  // transformer layers
        y = transformer_shape(L, at);
        break;
      case LayerKind::Concat:
        if (L.inputs.size() < 2) throw InputError(at + ": needs at least two inputs");
        y.c = 0;
        for (size_t i = 0; i < L.in_shapes.size(); ++i) {
          const Shape& s = L.in_shapes[i];
          if (s.h != x.h || s.w != x.w || s.flat != x.flat)
            throw InputError(at + ": spatial sizes differ (" + x.str() + " vs " + s.str() + " from '" + L.inputs[i] +
                             "')");
          y.c += s.c;
        }
        break;
    }
    if (y.h <= 0 || y.w <= 0 || y.c <= 0)
      throw InputError(at + ": output shape " + y.str() + " is empty (input " + x.str() + " too small)");
    L.out_shape = y;
    check_params(L, at);
    known[L.name] = y;
  }
}

std::vector<int> Network::consumers(int i) const {
  std::vector<int> out;
  const std::string& n = layers[static_cast<size_t>(i)].name;
  for (size_t j = 0; j < layers.size(); ++j)
    for (const auto& in : layers[j].inputs)
      if (in == n) {
        out.push_back(static_cast<int>(j));
        break;
      }
  return out;
}

namespace {
// Replaces every use of `from` as an input by `to`, and removes layer `idx`.
void bypass(Network& net, size_t idx) {
  const std::string from = net.layers[idx].name;
  const std::string to = net.layers[idx].inputs[0];
  for (auto& L : net.layers)
    for (auto& in : L.inputs)
      if (in == from) in = to;
  net.layers.erase(net.layers.begin() + static_cast<std::ptrdiff_t>(idx));
}
}  // namespace

void Network::fold_batchnorm() {
  for (size_t i = 0; i < layers.size();) {
    Layer& bn = layers[i];
    if (bn.kind != LayerKind::BatchNorm) {
      ++i;
      continue;
    }
    int p = index_of(bn.inputs[0]);
    if (p < 0 || !layers[static_cast<size_t>(p)].is_weight_layer() || consumers(p).size() != 1) {
      // Pre-activation batchnorm (after a concat or an add, as in DenseNet): nothing to fold
      // it into; it stays a per-channel scale-and-shift done digitally (the simulator
      // charges it to the activation units, the functional model applies it).
      ++i;
      continue;
    }
    Layer& w = layers[static_cast<size_t>(p)];
    if (w.params.count("weight")) {
      if (!bn.params.count("running_var") || !bn.params.count("running_mean"))
        throw InputError(source_file + ": batchnorm '" + bn.name + "' has no running statistics to fold into '" +
                         w.name + "'");
      int64_t k = w.kind == LayerKind::Conv ? w.out_channels : w.out_features;
      NdArray& W = w.params["weight"];
      int64_t per = W.numel() / k;
      if (!w.params.count("bias")) w.params["bias"] = NdArray({k});
      NdArray& b = w.params["bias"];
      const auto& mean = bn.params.at("running_mean").data;
      const auto& var = bn.params.at("running_var").data;
      std::vector<float> gamma(static_cast<size_t>(k), 1.0f), beta(static_cast<size_t>(k), 0.0f);
      if (bn.params.count("weight")) gamma = bn.params.at("weight").data;
      if (bn.params.count("bias")) beta = bn.params.at("bias").data;
      for (int64_t o = 0; o < k; ++o) {
        size_t u = static_cast<size_t>(o);
        double s = gamma[u] / std::sqrt(static_cast<double>(var[u]) + bn.eps);
        for (int64_t j = 0; j < per; ++j) W.data[static_cast<size_t>(o * per + j)] *= static_cast<float>(s);
        b.data[u] = static_cast<float>((b.data[u] - mean[u]) * s + beta[u]);
      }
    }
    // Folding always leaves a bias (the shifted mean), with or without weights.
    w.has_bias = true;
    bypass(*this, i);
  }
  infer_shapes();
}

void Network::remove_inference_noops() {
  for (size_t i = 0; i < layers.size();) {
    LayerKind k = layers[i].kind;
    if ((k == LayerKind::Dropout || k == LayerKind::Identity) && i + 1 < layers.size())
      bypass(*this, i);
    else
      ++i;
  }
  infer_shapes();
}

bool Network::has_weights() const {
  bool any = false;
  for (const auto& L : layers)
    if (L.is_weight_layer()) {
      if (!L.params.count("weight")) return false;
      any = true;
    } else if (L.kind != LayerKind::BatchNorm) {
      for (const auto& spec : L.param_specs())
        if (!L.params.count(spec.first)) return false;
    }
  return any;
}

std::vector<int> Network::weight_layer_indices() const {
  std::vector<int> out;
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i].is_weight_layer()) out.push_back(static_cast<int>(i));
  return out;
}

int64_t Network::weight_count() const {
  int64_t n = 0;
  for (const auto& L : layers)
    if (L.is_weight_layer()) {
      int64_t e = 1;
      for (auto d : L.weight_shape()) e *= d;
      n += e;
    }
  return n;
}

int64_t Network::macs() const {
  int64_t n = 0;
  for (const auto& L : layers) n += L.macs();
  return n;
}

void randomize_weights(Network& net, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (auto& L : net.layers) {
    if (L.kind == LayerKind::BatchNorm || L.kind == LayerKind::LayerNorm) {
      // Identity statistics and scale: weight and running_var 1, the rest 0.
      for (const auto& [name, shape] : L.param_specs()) {
        NdArray a(shape);
        if (name == "weight" || name == "running_var") std::fill(a.data.begin(), a.data.end(), 1.0f);
        L.params[name] = std::move(a);
      }
      continue;
    }
    if (L.kind == LayerKind::ClassToken || L.kind == LayerKind::AddConst || L.kind == LayerKind::Embedding) {
      std::normal_distribution<float> g(0.0f, 0.02f);  // ViT's initialisation of both
      NdArray a(L.param_specs().at(0).second);
      for (auto& v : a.data) v = g(rng);
      L.params["weight"] = std::move(a);
      continue;
    }
    if (!L.is_weight_layer()) continue;
    auto shape = L.weight_shape();
    NdArray w(shape);
    int64_t fan_in = w.numel() / shape[0];
    float bound = static_cast<float>(std::sqrt(6.0 / static_cast<double>(fan_in)));
    std::uniform_real_distribution<float> u(-bound, bound);
    for (auto& v : w.data) v = u(rng);
    L.params["weight"] = std::move(w);
    if (L.has_bias) L.params["bias"] = NdArray({shape[0]});
  }
}

}  // namespace reram
