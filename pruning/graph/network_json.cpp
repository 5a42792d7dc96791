// The project's own network format (docs/network-format.md) and the weights sidecar.
#include <set>

#include "pruning/core/error.h"
#include "pruning/graph/network.h"
#include "pruning/onnx/onnx_import.h"

namespace reram {

namespace {

// An int or [h, w] -> (h, w).
std::pair<int, int> pair_field(JsonReader& r, const std::string& key, int fallback) {
  if (!r.has(key)) return {fallback, fallback};
  const json& v = r.raw(key);
  if (v.is_number_integer()) return {v.get<int>(), v.get<int>()};
  if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer())
    return {v[0].get<int>(), v[1].get<int>()};
  r.fail(key, "must be an integer or [h, w]");
}

// padding: int, [h, w] or [top, left, bottom, right].
void padding_field(JsonReader& r, Layer& L) {
  if (!r.has("padding")) return;
  const json& v = r.raw("padding");
  auto is_int = [](const json& x) { return x.is_number_integer(); };
  if (is_int(v)) {
    L.pad_top = L.pad_bottom = L.pad_left = L.pad_right = v.get<int>();
  } else if (v.is_array() && v.size() == 2 && is_int(v[0]) && is_int(v[1])) {
    L.pad_top = L.pad_bottom = v[0].get<int>();
    L.pad_left = L.pad_right = v[1].get<int>();
  } else if (v.is_array() && v.size() == 4 && is_int(v[0]) && is_int(v[1]) && is_int(v[2]) && is_int(v[3])) {
    L.pad_top = v[0].get<int>();
    L.pad_left = v[1].get<int>();
    L.pad_bottom = v[2].get<int>();
    L.pad_right = v[3].get<int>();
  } else {
    r.fail("padding", "must be an integer, [h, w] or [top, left, bottom, right]");
  }
}

json pair_json(int a, int b) { return a == b ? json(a) : json::array({a, b}); }

// A layer's padding: one number or [top, left] when symmetric, else [top, left, bottom, right].
json padding_json(const Layer& L) {
  if (L.pad_top == L.pad_bottom && L.pad_left == L.pad_right) return pair_json(L.pad_top, L.pad_left);
  return {L.pad_top, L.pad_left, L.pad_bottom, L.pad_right};
}

}  // namespace

Network network_from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  Network net;
  net.source_file = where;
  std::string fmt = r.opt<std::string>("format", "reram-network");
  if (fmt != "reram-network") r.fail("format", "must be \"reram-network\"");
  int fv = r.opt<int>("format_version", 1);
  if (fv != 1) r.fail("format_version", "is " + std::to_string(fv) + "; this reram reads version 1");
  net.name = r.req<std::string>("name");
  r.opt<std::string>("description", "");
  {
    JsonReader in = r.child("input");
    net.input.c = in.req<int64_t>("channels");
    net.input.h = in.req<int64_t>("height");
    net.input.w = in.req<int64_t>("width");
    in.finish();
  }
  std::string weights = r.opt<std::string>("weights", "");
  const json& layers = r.raw("layers");
  if (!layers.is_array()) r.fail("layers", "must be an array");
  std::string prev = "input";
  for (size_t i = 0; i < layers.size(); ++i) {
    std::string lw = where + ": layers[" + std::to_string(i) + "]";
    if (layers[i].is_object() && layers[i].contains("name") && layers[i]["name"].is_string())
      lw = where + ": layer '" + layers[i]["name"].get<std::string>() + "'";
    JsonReader lr(layers[i], lw);
    Layer L;
    L.name = lr.req<std::string>("name");
    L.kind = layer_kind_from_string(lr.req<std::string>("type"), lw);
    if (lr.has("input") && lr.has("inputs")) lr.fail("inputs", "conflicts with 'input'");
    if (lr.has("input"))
      L.inputs = {lr.req<std::string>("input")};
    else if (lr.has("inputs"))
      L.inputs = lr.req<std::vector<std::string>>("inputs");
    else
      L.inputs = {prev};
    switch (L.kind) {
      case LayerKind::Conv: {
        L.out_channels = lr.req<int64_t>("out_channels");
        std::tie(L.kernel_h, L.kernel_w) = pair_field(lr, "kernel", 0);
        if (!lr.has("kernel")) lr.fail("kernel", "is required but missing");
        std::tie(L.stride_h, L.stride_w) = pair_field(lr, "stride", 1);
        std::tie(L.dilation_h, L.dilation_w) = pair_field(lr, "dilation", 1);
        padding_field(lr, L);
        L.groups = lr.opt<int>("groups", 1);
        L.has_bias = lr.opt<bool>("bias", false);
        break;
      }
      case LayerKind::Linear:
        L.out_features = lr.req<int64_t>("out_features");
        L.has_bias = lr.opt<bool>("bias", true);
        break;
      case LayerKind::MaxPool:
      case LayerKind::AvgPool:
        if (!lr.has("kernel")) lr.fail("kernel", "is required but missing");
        std::tie(L.kernel_h, L.kernel_w) = pair_field(lr, "kernel", 0);
        std::tie(L.stride_h, L.stride_w) = pair_field(lr, "stride", 0);
        if (!lr.has("stride")) std::tie(L.stride_h, L.stride_w) = std::make_pair(L.kernel_h, L.kernel_w);
        padding_field(lr, L);
        L.ceil_mode = lr.opt<bool>("ceil_mode", false);
        if (L.kind == LayerKind::AvgPool) L.count_include_pad = lr.opt<bool>("count_include_pad", false);
        break;
      case LayerKind::BatchNorm:
        L.eps = lr.opt<double>("eps", 1e-5);
        break;
      case LayerKind::Dropout:
        L.dropout_p = lr.opt<double>("p", 0.5);
        break;
      case LayerKind::LayerNorm:
        L.eps = lr.opt<double>("eps", 1e-5);
        break;
      case LayerKind::Softmax:
        L.groups = lr.opt<int>("groups", 1);
        break;
      case LayerKind::MatMul:
        L.groups = lr.opt<int>("heads", 1);
        L.transpose_b = lr.opt<bool>("transpose_b", false);
        L.scale = lr.opt<double>("scale", 1.0);
        break;
      case LayerKind::Scale:
        L.scale = lr.req<double>("scale");
        break;
      case LayerKind::Slice:
        L.slice_start = lr.req<int64_t>("start");
        L.slice_end = lr.req<int64_t>("end");
        break;
      case LayerKind::SelectToken:
        L.token_index = lr.opt<int64_t>("index", 0);
        break;
      case LayerKind::Embedding:
        L.vocab_size = lr.req<int64_t>("vocab_size");
        L.out_features = lr.req<int64_t>("out_features");
        break;
      default:
        break;
    }
    lr.finish();
    prev = L.name;
    net.layers.push_back(std::move(L));
  }
  r.finish();
  net.infer_shapes();
  if (!weights.empty()) load_weights_npz(net, resolve_relative(where, weights));
  return net;
}

json network_to_json(const Network& net, const std::string& weights_file) {
  json j;
  j["format"] = "reram-network";
  j["format_version"] = 1;
  j["name"] = net.name;
  j["input"] = {{"channels", net.input.c}, {"height", net.input.h}, {"width", net.input.w}};
  if (!weights_file.empty()) j["weights"] = weights_file;
  json layers = json::array();
  std::string prev = "input";
  for (const auto& L : net.layers) {
    json l;
    l["name"] = L.name;
    l["type"] = to_string(L.kind);
    if (L.inputs.size() == 1) {
      if (L.inputs[0] != prev) l["input"] = L.inputs[0];
    } else {
      l["inputs"] = L.inputs;
    }
    switch (L.kind) {
      case LayerKind::Conv:
        l["out_channels"] = L.out_channels;
        l["kernel"] = pair_json(L.kernel_h, L.kernel_w);
        l["stride"] = pair_json(L.stride_h, L.stride_w);
        l["padding"] = padding_json(L);
        if (L.dilation_h != 1 || L.dilation_w != 1) l["dilation"] = pair_json(L.dilation_h, L.dilation_w);
        if (L.groups != 1) l["groups"] = L.groups;
        l["bias"] = L.has_bias;
        break;
      case LayerKind::Linear:
        l["out_features"] = L.out_features;
        l["bias"] = L.has_bias;
        break;
      case LayerKind::MaxPool:
      case LayerKind::AvgPool:
        l["kernel"] = pair_json(L.kernel_h, L.kernel_w);
        l["stride"] = pair_json(L.stride_h, L.stride_w);
        l["padding"] = padding_json(L);
        if (L.ceil_mode) l["ceil_mode"] = true;
        if (L.kind == LayerKind::AvgPool && L.count_include_pad) l["count_include_pad"] = true;
        break;
      case LayerKind::BatchNorm:
        l["eps"] = L.eps;
        break;
      case LayerKind::Dropout:
        l["p"] = L.dropout_p;
        break;
      case LayerKind::LayerNorm:
        l["eps"] = L.eps;
        break;
      case LayerKind::Softmax:
        if (L.groups != 1) l["groups"] = L.groups;
        break;
      case LayerKind::MatMul:
        l["heads"] = L.groups;
        l["transpose_b"] = L.transpose_b;
        if (L.scale != 1.0) l["scale"] = L.scale;
        break;
      case LayerKind::Scale:
        l["scale"] = L.scale;
        break;
      case LayerKind::Slice:
        l["start"] = L.slice_start;
        l["end"] = L.slice_end;
        break;
      case LayerKind::SelectToken:
        l["index"] = L.token_index;
        break;
      case LayerKind::Embedding:
        l["vocab_size"] = L.vocab_size;
        l["out_features"] = L.out_features;
        break;
      default:
        break;
    }
    layers.push_back(l);
    prev = L.name;
  }
  j["layers"] = layers;
  return j;
}

namespace {
bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}
}  // namespace

Network load_network(const std::string& path) {
  if (ends_with(path, ".onnx")) {
    Network n = import_onnx(path);
    n.source_file = path;
    n.infer_shapes();
    return n;
  }
  if (!ends_with(path, ".json")) throw InputError(path + ": unknown network file type (expected .json or .onnx)");
  return network_from_json(load_json_file(path), path);
}

void save_network(const Network& net, const std::string& json_path) {
  std::string weights;
  if (net.has_weights()) {
    std::string base = json_path;
    if (ends_with(base, ".json")) base.resize(base.size() - 5);
    std::string npz = base + ".npz";
    write_npz_atomic(npz, weights_to_npz(net));
    weights = npz.substr(npz.find_last_of('/') == std::string::npos ? 0 : npz.find_last_of('/') + 1);
  }
  write_json_atomic(json_path, network_to_json(net, weights));
}

void load_weights_npz(Network& net, const std::string& npz_path) {
  NpzMap arrays = read_npz(npz_path);
  std::set<std::string> used;
  for (auto& L : net.layers) {
    std::vector<std::string> names;
    if (L.is_weight_layer()) names = {"weight", "bias"};
    for (const auto& spec : L.param_specs()) names.push_back(spec.first);
    for (const auto& p : names) {
      auto it = arrays.find(L.name + "." + p);
      if (it == arrays.end()) {
        if (p == "weight" && L.is_weight_layer())
          throw InputError(npz_path + ": missing array '" + L.name + ".weight'");
        if (p == "bias" && L.is_weight_layer() && L.has_bias)
          throw InputError(npz_path + ": missing array '" + L.name + ".bias' (layer declares bias)");
        // Batchnorm's affine parameters are optional (torch's affine=False); the rest are not.
        bool optional = L.kind == LayerKind::BatchNorm && (p == "weight" || p == "bias");
        if (!L.is_weight_layer() && !optional)
          throw InputError(npz_path + ": missing array '" + L.name + "." + p + "'");
        continue;
      }
      used.insert(it->first);
      check_finite(it->second, npz_path + ": array '" + it->first + "'");
      L.params[p] = it->second;
      if (p == "bias" && L.is_weight_layer()) L.has_bias = true;
    }
  }
  for (const auto& [k, v] : arrays)
    if (!used.count(k)) throw InputError(npz_path + ": array '" + k + "' matches no parameter of the network");
  try {
    net.infer_shapes();
  } catch (const InputError& e) {
    throw InputError(std::string(e.what()) + " (weights from " + npz_path + ")");
  }
}

NpzMap weights_to_npz(const Network& net) {
  NpzMap out;
  for (const auto& L : net.layers)
    for (const auto& [p, arr] : L.params) out[L.name + "." + p] = arr;
  return out;
}

}  // namespace reram
