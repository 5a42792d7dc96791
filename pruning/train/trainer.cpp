// The only translation unit that includes LibTorch: the Trainer's module is not a
// torch::nn::Module tree but a list of per-layer parameter tensors interpreted by one
// generic forward over the Network graph, so any graph the parser accepts trains
// without a per-architecture class, and parameters map 1:1 onto network layers.
#include "pruning/train/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <sstream>
#include <thread>

#include "pruning/core/error.h"
#include "pruning/core/threads.h"

namespace reram {

namespace {

std::vector<int64_t> to_sizes(const std::vector<int64_t>& s) { return s; }

torch::Tensor from_nd(const NdArray& a) {
  return torch::from_blob(const_cast<float*>(a.data.data()), to_sizes(a.shape), torch::kFloat).clone();
}

NdArray to_nd(const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kFloat).contiguous();
  NdArray a;
  a.shape.assign(c.sizes().begin(), c.sizes().end());
  a.data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  return a;
}

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream os;
  os << "[";
  for (int64_t i = 0; i < t.dim(); ++i) os << (i ? "," : "") << t.size(i);
  os << "]";
  return os.str();
}

// Learnable and running state of one network layer (undefined tensors when unused).
struct LayerState {
  torch::Tensor weight, bias;               // conv/linear; batchnorm gamma/beta
  torch::Tensor running_mean, running_var;  // batchnorm buffers
  torch::Tensor mask;                       // fixed 0/1 mask on `weight`
  torch::Tensor forward_mask;               // 0/1 mask in the forward pass only (straight-through)
  torch::Tensor prox_target;                // ADMM W-step target
  double rho = 0.0;
};

// Fans-in for the Kaiming-uniform init that randomize_weights() also uses.
int64_t fan_in(const Layer& l) {
  if (l.kind == LayerKind::Conv) return (l.in_channels() / std::max(1, l.groups)) * l.kernel_h * l.kernel_w;
  return l.in_shapes.empty() ? 1 : l.in_shapes[0].numel();
}

}  // namespace

struct Trainer::Impl {
  Network net;
  TrainOptions opt;
  std::vector<LayerState> st;
  std::vector<std::vector<int>> producers;  // per layer; -1 = the network input
  std::vector<int> weight_layers;
  std::unique_ptr<torch::optim::Optimizer> optim;
  double noise_sigma = 0.0;
  std::function<void(Trainer&, int64_t)> hook;
  int64_t global_step = 0;
  int64_t outputs = 0;

  void check_weight_layer(int i, const char* what) const {
    if (i < 0 || i >= static_cast<int>(net.layers.size()) || !net.layers[i].is_weight_layer())
      throw InputError(std::string("Trainer::") + what + ": layer index " + std::to_string(i) +
                       " is not a conv/linear layer of network '" + net.name + "'");
  }

  void check_shape(int i, const NdArray& a, const char* what) const {
    const torch::Tensor& w = st[i].weight;
    std::vector<int64_t> ws(w.sizes().begin(), w.sizes().end());
    if (a.shape != ws || a.numel() != static_cast<int64_t>(a.data.size()))
      throw InputError(std::string("Trainer::") + what + ": layer '" + net.layers[i].name + "' expects shape " +
                       shape_of(w) + ", got " + a.shape_str());
  }

  torch::Tensor param_in(const Layer& l, const std::string& key, std::vector<int64_t> shape) const {
    auto it = l.params.find(key);
    if (it == l.params.end()) return {};
    if (it->second.shape != shape)
      throw InputError("network '" + net.name + "': layer '" + l.name + "' parameter '" + key + "' has shape " +
                       it->second.shape_str() + ", expected " + NdArray(shape).shape_str());
    return from_nd(it->second);
  }
  // The parameter when the layer has it, else a tensor of `shape` filled with `fill`.
  torch::Tensor param_or(const Layer& l, const std::string& key, std::vector<int64_t> shape, double fill) const {
    torch::Tensor t = param_in(l, key, shape);
    return t.defined() ? t : torch::full(shape, fill, torch::kFloat);
  }

  void build() {
    torch::manual_seed(opt.seed);
    std::map<std::string, int> index;
    st.resize(net.layers.size());
    producers.resize(net.layers.size());
    for (size_t i = 0; i < net.layers.size(); ++i) {
      const Layer& l = net.layers[i];
      // A layer without explicit inputs reads the previous layer (or the network input).
      if (l.inputs.empty()) {
        producers[i].push_back(static_cast<int>(i) - 1);
      } else {
        for (const std::string& in : l.inputs) {
          if (in == "input") {
            producers[i].push_back(-1);
            continue;
          }
          auto it = index.find(in);
          if (it == index.end())
            throw InputError("network '" + net.name + "': layer '" + l.name + "' reads unknown or later layer '" + in +
                             "'");
          producers[i].push_back(it->second);
        }
      }
      index[l.name] = static_cast<int>(i);

      LayerState& s = st[i];
      if (l.is_weight_layer()) {
        weight_layers.push_back(static_cast<int>(i));
        std::vector<int64_t> ws = l.weight_shape();
        s.weight = param_in(l, "weight", ws);
        if (!s.weight.defined()) {
          double bound = std::sqrt(6.0 / static_cast<double>(std::max<int64_t>(1, fan_in(l))));
          s.weight = torch::empty(ws, torch::kFloat).uniform_(-bound, bound);
        }
        if (l.has_bias) {
          int64_t nb = ws[0];
          s.bias = param_or(l, "bias", {nb}, 0.0);
        }
      } else if (l.kind == LayerKind::BatchNorm) {
        const int64_t c = l.in_channels();
        s.weight = param_or(l, "weight", {c}, 1.0);
        s.bias = param_or(l, "bias", {c}, 0.0);
        s.running_mean = param_or(l, "running_mean", {c}, 0.0);
        s.running_var = param_or(l, "running_var", {c}, 1.0);
      } else if (l.kind == LayerKind::LayerNorm) {
        const int64_t c = l.in_channels();
        s.weight = param_or(l, "weight", {c}, 1.0);
        s.bias = param_or(l, "bias", {c}, 0.0);
      } else if (l.kind == LayerKind::ClassToken || l.kind == LayerKind::AddConst || l.kind == LayerKind::Embedding) {
        std::vector<int64_t> shape = l.param_specs().at(0).second;
        s.weight = param_in(l, "weight", shape);
        if (!s.weight.defined()) s.weight = torch::randn(shape) * 0.02;  // N(0, 0.02), as randomize_weights
      }
      if (s.weight.defined()) s.weight.set_requires_grad(true);
      if (s.bias.defined()) s.bias.set_requires_grad(true);
    }
    outputs = net.layers.back().out_shape.numel();

    // Weight decay regularises conv/linear weights only; batchnorm affine parameters
    // and biases are left free (decaying gamma fights the normalisation).
    std::vector<torch::Tensor> decayed, free;
    for (size_t i = 0; i < st.size(); ++i) {
      if (!st[i].weight.defined()) continue;
      (net.layers[i].is_weight_layer() ? decayed : free).push_back(st[i].weight);
      if (st[i].bias.defined()) free.push_back(st[i].bias);
    }
    if (opt.optimizer == "sgd") {
      std::vector<torch::optim::OptimizerParamGroup> groups;
      groups.emplace_back(decayed,
                          std::make_unique<torch::optim::SGDOptions>(
                              torch::optim::SGDOptions(opt.lr).momentum(opt.momentum).weight_decay(opt.weight_decay)));
      groups.emplace_back(free, std::make_unique<torch::optim::SGDOptions>(
                                    torch::optim::SGDOptions(opt.lr).momentum(opt.momentum).weight_decay(0)));
      optim = std::make_unique<torch::optim::SGD>(groups, torch::optim::SGDOptions(opt.lr));
    } else if (opt.optimizer == "adam") {
      std::vector<torch::optim::OptimizerParamGroup> groups;
      groups.emplace_back(decayed, std::make_unique<torch::optim::AdamOptions>(
                                       torch::optim::AdamOptions(opt.lr).weight_decay(opt.weight_decay)));
      groups.emplace_back(free, std::make_unique<torch::optim::AdamOptions>(torch::optim::AdamOptions(opt.lr)));
      optim = std::make_unique<torch::optim::Adam>(groups, torch::optim::AdamOptions(opt.lr));
    } else {
      throw ConfigError("unknown optimizer '" + opt.optimizer + "' (sgd | adam)");
    }
  }

  // Max/avg pooling take symmetric padding only; asymmetric padding (from ONNX
  // pads) is applied explicitly first, with -inf for max so padding never wins.
  static bool symmetric(const Layer& l) { return l.pad_top == l.pad_bottom && l.pad_left == l.pad_right; }

  // The weight the forward pass uses: W, or W∘M under a forward mask. The mask is
  // straight-through: the loss sees W∘M, the gradient reaches every entry of the dense W
  // (W + (W∘M − W) detached; exact, the mask being 0/1).
  static torch::Tensor effective_weight(const LayerState& s) {
    if (!s.forward_mask.defined()) return s.weight;
    if (!torch::GradMode::is_enabled()) return s.weight * s.forward_mask;
    return s.weight + (s.weight * s.forward_mask - s.weight).detach();
  }

  torch::Tensor run_layer(size_t i, const std::vector<torch::Tensor>& in, bool train) {
    const Layer& l = net.layers[i];
    LayerState& s = st[i];
    const torch::Tensor& x = in[0];
    switch (l.kind) {
      case LayerKind::Conv: {
        torch::Tensor w = effective_weight(s);
        if (train && noise_sigma > 0) w = w * (1.0 + noise_sigma * torch::randn_like(w));
        torch::Tensor xi = x;
        std::vector<int64_t> pad = {l.pad_top, l.pad_left};
        if (!symmetric(l)) {
          xi = torch::constant_pad_nd(x, {l.pad_left, l.pad_right, l.pad_top, l.pad_bottom}, 0.0);
          pad = {0, 0};
        }
        return torch::conv2d(xi, w, s.bias, {l.stride_h, l.stride_w}, pad, {l.dilation_h, l.dilation_w}, l.groups);
      }
      case LayerKind::Linear: {
        torch::Tensor w = effective_weight(s);
        if (train && noise_sigma > 0) w = w * (1.0 + noise_sigma * torch::randn_like(w));
        torch::Tensor xi = x.dim() > 2 ? x.flatten(1) : x;
        return torch::linear(xi, w, s.bias);
      }
      case LayerKind::MaxPool: {
        torch::Tensor xi = x;
        std::vector<int64_t> pad = {l.pad_top, l.pad_left};
        if (!symmetric(l)) {
          xi = torch::constant_pad_nd(x, {l.pad_left, l.pad_right, l.pad_top, l.pad_bottom},
                                      -std::numeric_limits<double>::infinity());
          pad = {0, 0};
        }
        return torch::max_pool2d(xi, {l.kernel_h, l.kernel_w}, {l.stride_h, l.stride_w}, pad,
                                 {l.dilation_h, l.dilation_w}, l.ceil_mode);
      }
      case LayerKind::AvgPool: {
        if (symmetric(l))
          return torch::avg_pool2d(x, {l.kernel_h, l.kernel_w}, {l.stride_h, l.stride_w}, {l.pad_top, l.pad_left},
                                   l.ceil_mode, l.count_include_pad);
        // Asymmetric: window sum over the zero-padded input divided by the window size,
        // or by the count of real pixels in it when padding is not counted.
        std::vector<int64_t> p = {l.pad_left, l.pad_right, l.pad_top, l.pad_bottom};
        torch::Tensor sum = torch::avg_pool2d(torch::constant_pad_nd(x, p, 0.0), {l.kernel_h, l.kernel_w},
                                              {l.stride_h, l.stride_w}, {0, 0}, l.ceil_mode, true);
        if (l.count_include_pad) return sum;
        torch::Tensor ones = torch::ones({1, 1, x.size(2), x.size(3)}, x.options());
        torch::Tensor cnt = torch::avg_pool2d(torch::constant_pad_nd(ones, p, 0.0), {l.kernel_h, l.kernel_w},
                                              {l.stride_h, l.stride_w}, {0, 0}, l.ceil_mode, true);
        return sum / cnt;
      }
      case LayerKind::GlobalAvgPool:
        return x.mean({2, 3}, /*keepdim=*/true);
      case LayerKind::Relu:
        return torch::relu(x);
      case LayerKind::Relu6:
        return torch::clamp(x, 0.0, 6.0);
      case LayerKind::BatchNorm:
        return torch::batch_norm(x, s.weight, s.bias, s.running_mean, s.running_var, train, 0.1, l.eps, false);
      case LayerKind::Add: {
        torch::Tensor y = in[0];
        for (size_t k = 1; k < in.size(); ++k) y = y + in[k];
        return y;
      }
      case LayerKind::Concat:
        return torch::cat(in, 1);
      case LayerKind::Flatten:
        return x.flatten(1);
      case LayerKind::Dropout:
        return torch::dropout(x, l.dropout_p, train);
      case LayerKind::Identity:
        return x;
      default:
        return run_transformer_layer(l, s, in);
    }
    throw InputError("network '" + net.name + "': layer '" + l.name + "' has an unsupported kind");
  }

  // Token sequences are N x C x T x 1 tensors (docs/network-format.md).
  static torch::Tensor run_transformer_layer(const Layer& l, const LayerState& s,
                                             const std::vector<torch::Tensor>& in) {
    const torch::Tensor& x = in[0];
    const int64_t N = x.size(0);
    switch (l.kind) {
      case LayerKind::LayerNorm: {  // over the channels at each position
        torch::Tensor t = x.movedim(1, -1);
        return torch::layer_norm(t, {t.size(-1)}, s.weight, s.bias, l.eps).movedim(-1, 1);
      }
      case LayerKind::Gelu:
        return torch::gelu(x);
      case LayerKind::Softmax: {
        const int64_t C = x.size(1), G = l.groups;
        return x.reshape({N, G, C / G, -1}).softmax(2).reshape(x.sizes());
      }
      case LayerKind::MatMul: {
        const torch::Tensor& b = in[1];
        const int64_t H = l.groups;
        torch::Tensor A = x.reshape({N, H, x.size(1) / H, x.size(2)});  // N H m T
        torch::Tensor B = b.reshape({N, H, b.size(1) / H, b.size(2)});  // N H m|nb T2
        torch::Tensor o = l.transpose_b ? torch::matmul(B.transpose(-1, -2), A) : torch::matmul(B, A);
        if (l.scale != 1.0) o = o * l.scale;
        return o.reshape({N, -1, x.size(2), 1});
      }
      case LayerKind::Scale:
        return x * l.scale;
      case LayerKind::Slice:
        return x.slice(1, l.slice_start, l.slice_end);
      case LayerKind::ClassToken: {
        torch::Tensor seq = x.reshape({N, x.size(1), -1});
        torch::Tensor tok = s.weight.reshape({1, -1, 1}).expand({N, x.size(1), 1});
        return torch::cat({tok, seq}, 2).unsqueeze(3);
      }
      case LayerKind::AddConst:
        return x + s.weight.unsqueeze(0);
      case LayerKind::SelectToken:
        return x.reshape({N, x.size(1), -1}).select(2, l.token_index);
      case LayerKind::Embedding: {
        torch::Tensor ids = x.reshape({N, -1}).round().to(torch::kLong);
        if (ids.numel() > 0 && (ids.min().item<int64_t>() < 0 || ids.max().item<int64_t>() >= l.vocab_size))
          throw InputError("embedding '" + l.name + "': a token id is outside the vocabulary of " +
                           std::to_string(l.vocab_size));
        return torch::embedding(s.weight, ids).permute({0, 2, 1}).unsqueeze(3);  // N x D x T x 1
      }
      default:
        throw InputError("layer '" + l.name + "' has an unsupported kind");
    }
  }

  // Runs two blank samples through the graph once and checks every activation against
  // the shape inference, so a disagreement (e.g. a pooling rounding rule) is reported
  // at construction, naming the layer, instead of silently training another network.
  void check_shapes() {
    torch::NoGradGuard ng;
    const Shape& in = net.input;
    torch::Tensor x = torch::zeros({2, in.c, in.h, in.w});
    std::vector<torch::Tensor> act(net.layers.size()), ins;
    for (size_t i = 0; i < net.layers.size(); ++i) {
      ins.clear();
      for (int p : producers[i]) ins.push_back(p < 0 ? x : act[p]);
      act[i] = run_layer(i, ins, false);
      const Shape& s = net.layers[i].out_shape;
      std::vector<int64_t> want = s.flat ? std::vector<int64_t>{2, s.c} : std::vector<int64_t>{2, s.c, s.h, s.w};
      std::vector<int64_t> got(act[i].sizes().begin(), act[i].sizes().end());
      if (got != want)
        throw InputError("network '" + net.name + "': layer '" + net.layers[i].name + "' computes " + shape_of(act[i]) +
                         " per batch of 2 but shape inference says " + s.str());
    }
  }

  torch::Tensor forward(const torch::Tensor& x, bool train) {
    std::vector<torch::Tensor> act(net.layers.size());
    // Drop an activation as soon as its last consumer ran, to bound memory.
    std::vector<int> last_use(net.layers.size(), -1);
    for (size_t i = 0; i < net.layers.size(); ++i)
      for (int p : producers[i])
        if (p >= 0) last_use[p] = static_cast<int>(i);
    std::vector<torch::Tensor> in;
    for (size_t i = 0; i < net.layers.size(); ++i) {
      in.clear();
      for (int p : producers[i]) in.push_back(p < 0 ? x : act[p]);
      act[i] = run_layer(i, in, train);
      for (int p : producers[i])
        if (p >= 0 && last_use[p] == static_cast<int>(i) && p != static_cast<int>(net.layers.size()) - 1)
          act[p] = torch::Tensor();
    }
    return act.back();
  }

  // Zero-copy view of a data set's images, checked against the network input.
  torch::Tensor images_of(const NdArray& images, const char* what) const {
    const Shape& in = net.input;
    if (images.shape.size() != 4 || images.shape[1] != in.c || images.shape[2] != in.h || images.shape[3] != in.w)
      throw InputError(std::string("Trainer::") + what + ": images have shape " + images.shape_str() +
                       " but network '" + net.name + "' takes " + in.str());
    if (images.numel() != static_cast<int64_t>(images.data.size()))
      throw InputError(std::string("Trainer::") + what + ": image array size does not match its shape");
    return torch::from_blob(const_cast<float*>(images.data.data()), to_sizes(images.shape), torch::kFloat);
  }

  torch::Tensor labels_of(const Dataset& d, const char* what) const {
    if (d.size() != (d.images.shape.empty() ? 0 : d.images.shape[0]))
      throw InputError(std::string("Trainer::") + what + ": " + std::to_string(d.size()) + " labels for " +
                       d.images.shape_str() + " images");
    std::vector<int64_t> l(d.labels.begin(), d.labels.end());
    for (int64_t v : l)
      if (v < 0 || v >= outputs)
        throw InputError(std::string("Trainer::") + what + ": label " + std::to_string(v) + " outside the " +
                         std::to_string(outputs) + " outputs of network '" + net.name + "'");
    return torch::tensor(l, torch::kLong);
  }

  double lr_at(int epoch, double frac) const {
    if (opt.schedule == "constant") return opt.lr;
    if (opt.schedule == "step") return opt.lr * std::pow(opt.gamma, std::floor(epoch / std::max(1, opt.step_size)));
    if (opt.schedule == "multistep") {
      int passed = 0;
      for (int m : opt.milestones) passed += epoch >= m ? 1 : 0;
      return opt.lr * std::pow(opt.gamma, passed);
    }
    // cosine, annealed per step over all epochs
    double t = (epoch + frac) / std::max(1, opt.epochs);
    return opt.lr * 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, t)));
  }

  // Random crop from an augment_pad-pixel padded image plus horizontal flip, per sample. Padding
  // uses the normalised value of a black pixel so it looks like real background.
  torch::Tensor augment(const torch::Tensor& batch, const std::vector<double>& pad_value, std::mt19937_64& rng) const {
    int64_t n = batch.size(0), h = batch.size(2), w = batch.size(3);
    const int64_t p = opt.augment_pad;
    torch::Tensor padded;
    if (std::all_of(pad_value.begin(), pad_value.end(), [&](double v) { return v == pad_value[0]; })) {
      padded = torch::constant_pad_nd(batch, {p, p, p, p}, pad_value[0]);
    } else {  // one pad value per channel
      std::vector<float> pv(pad_value.begin(), pad_value.end());
      torch::Tensor t = torch::from_blob(pv.data(), {1, static_cast<int64_t>(pv.size()), 1, 1}, torch::kFloat).clone();
      padded = torch::constant_pad_nd(batch - t, {p, p, p, p}, 0.0) + t;
    }
    torch::Tensor out = torch::empty_like(batch);
    std::uniform_int_distribution<int> off(0, static_cast<int>(2 * p)), coin(0, 1);
    for (int64_t i = 0; i < n; ++i) {
      int oy = off(rng), ox = off(rng);
      torch::Tensor crop = padded[i].narrow(1, oy, h).narrow(2, ox, w);
      if (coin(rng)) crop = crop.flip({2});
      out[i].copy_(crop);
    }
    return out;
  }

  void apply_masks_to_weights() {
    torch::NoGradGuard ng;
    for (LayerState& s : st)
      if (s.mask.defined()) s.weight.mul_(s.mask);
  }

  int64_t steps(int64_t n) const {
    int64_t bs = std::max(1, opt.batch_size);
    int64_t k = (n + bs - 1) / bs;
    // A last batch of one sample is dropped: batchnorm cannot train on it.
    if (n > 1 && n % bs == 1) --k;
    return k;
  }
};

Trainer::Trainer(const Network& net, const TrainOptions& opt) : impl_(std::make_unique<Impl>()) {
  impl_->net = net;
  impl_->opt = opt;
  check_option_values(train_options(), opt);  // ranges and choices of the table
  if (opt.schedule == "multistep") {
    if (opt.milestones.empty()) throw ConfigError("the multistep schedule needs milestones (epochs, ascending)");
    for (size_t i = 0; i < opt.milestones.size(); ++i)
      if (opt.milestones[i] < 1 || (i > 0 && opt.milestones[i] <= opt.milestones[i - 1]))
        throw ConfigError("multistep milestones must be positive and ascending");
  }
  if (impl_->net.layers.empty()) throw InputError("network '" + net.name + "' has no layers");
  // LibTorch's intra-op threads: OMP_NUM_THREADS when set (sweeps share the cores among
  // their stages this way), otherwise one per core.
  const int threads = opt.threads > 0 ? opt.threads : default_thread_count();
  torch::set_num_threads(threads);
  impl_->net.infer_shapes();
  impl_->build();
  impl_->check_shapes();
}

Trainer::~Trainer() = default;

const TrainOptions& Trainer::options() const { return impl_->opt; }

int64_t Trainer::steps_per_epoch(const Dataset& train) const { return impl_->steps(train.size()); }

EpochStats Trainer::train_epoch(const Dataset& train, int epoch) {
  Impl& m = *impl_;
  auto t0 = std::chrono::steady_clock::now();
  torch::Tensor images = m.images_of(train.images, "train_epoch");
  torch::Tensor labels = m.labels_of(train, "train_epoch");
  int64_t n = train.size();
  EpochStats es;
  es.epoch = epoch;
  if (n == 0) return es;

  // Shuffle and augmentation depend only on (seed, epoch), so an epoch is reproducible
  // whatever ran before it.
  std::mt19937_64 rng(m.opt.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch) + 1);
  std::vector<int64_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), rng);
  torch::Tensor perm_t = torch::from_blob(perm.data(), {n}, torch::kLong);
  torch::manual_seed(m.opt.seed + 7919ull * static_cast<uint64_t>(epoch + 1));  // dropout, weight noise

  int64_t bs = std::max(1, m.opt.batch_size);
  int64_t nsteps = m.steps(n);
  std::vector<double> pad_value;  // the normalised value of a black pixel, per channel
  for (size_t c = 0; c < train.mean.size(); ++c)
    pad_value.push_back((0.0 - train.mean[c]) / (train.std[c] == 0 ? 1.0 : train.std[c]));
  if (pad_value.empty()) pad_value.push_back(0.0);
  double loss_sum = 0;
  int64_t correct = 0, seen = 0;
  for (int64_t b = 0; b < nsteps; ++b) {
    int64_t lo = b * bs, hi = std::min(n, lo + bs);
    if (b == nsteps - 1) hi = n > 1 && n % bs == 1 ? n - 1 : hi;
    torch::Tensor idx = perm_t.narrow(0, lo, hi - lo);
    torch::Tensor x = images.index_select(0, idx);
    torch::Tensor y = labels.index_select(0, idx);
    if (m.opt.augment) x = m.augment(x, pad_value, rng);

    double lr = m.lr_at(epoch, static_cast<double>(b) / nsteps);
    for (auto& g : m.optim->param_groups()) g.options().set_lr(lr);

    for (LayerState& s : m.st) {
      if (s.weight.defined() && s.weight.grad().defined()) s.weight.mutable_grad().zero_();
      if (s.bias.defined() && s.bias.grad().defined()) s.bias.mutable_grad().zero_();
    }
    torch::Tensor out = m.forward(x, true).reshape({x.size(0), -1});
    torch::Tensor loss = torch::cross_entropy_loss(out, y);
    loss.backward();
    {
      torch::NoGradGuard ng;
      for (LayerState& s : m.st) {
        if (!s.weight.defined() || !s.weight.grad().defined()) continue;
        torch::Tensor g = s.weight.mutable_grad();
        // d/dW of rho/2 ||W - target||^2, added in place instead of through autograd.
        if (s.rho > 0) g.add_(s.weight, s.rho).sub_(s.prox_target, s.rho);
        if (s.mask.defined()) g.mul_(s.mask);
      }
    }
    m.optim->step();
    m.apply_masks_to_weights();
    ++m.global_step;

    loss_sum += loss.item<double>() * static_cast<double>(hi - lo);
    correct += out.argmax(1).eq(y).sum().item<int64_t>();
    seen += hi - lo;
    if (m.hook) m.hook(*this, m.global_step);
  }
  es.loss = loss_sum / std::max<int64_t>(1, seen);
  es.train_accuracy = static_cast<double>(correct) / std::max<int64_t>(1, seen);
  es.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return es;
}

std::vector<EpochStats> Trainer::fit(const Dataset& train, const Dataset& test) {
  std::vector<EpochStats> all;
  for (int e = 0; e < impl_->opt.epochs; ++e) {
    auto t0 = std::chrono::steady_clock::now();
    EpochStats s = train_epoch(train, e);
    if (test.size() > 0) s.test_accuracy = evaluate(test);
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (impl_->opt.progress) {
      std::fprintf(stderr, "epoch %d/%d  loss %.4f  train_acc %.2f%%", e + 1, impl_->opt.epochs, s.loss,
                   100 * s.train_accuracy);
      if (s.test_accuracy >= 0) std::fprintf(stderr, "  test_acc %.2f%%", 100 * s.test_accuracy);
      std::fprintf(stderr, "  lr %.5f  time %.1fs\n", impl_->lr_at(e, 0.0), s.seconds);
      std::fflush(stderr);
    }
    all.push_back(s);
  }
  return all;
}

NdArray Trainer::infer(const NdArray& images) {
  torch::NoGradGuard ng;
  torch::Tensor x = impl_->images_of(images, "infer");
  std::vector<torch::Tensor> parts;
  const int64_t chunk = 500;
  for (int64_t lo = 0; lo < x.size(0); lo += chunk)
    parts.push_back(impl_->forward(x.narrow(0, lo, std::min(chunk, x.size(0) - lo)), false));
  if (parts.empty()) {
    NdArray empty;
    empty.shape = {0, impl_->outputs};
    return empty;
  }
  return to_nd(torch::cat(parts, 0));
}

std::vector<int> Trainer::predict(const Dataset& data) {
  torch::NoGradGuard ng;
  torch::Tensor x = impl_->images_of(data.images, "predict");
  std::vector<int> out;
  out.reserve(data.size());
  const int64_t chunk = 500;
  for (int64_t lo = 0; lo < x.size(0); lo += chunk) {
    torch::Tensor xb = x.narrow(0, lo, std::min(chunk, x.size(0) - lo));
    torch::Tensor a = impl_->forward(xb, false).reshape({xb.size(0), -1}).argmax(1).contiguous();
    const int64_t* p = a.data_ptr<int64_t>();
    out.insert(out.end(), p, p + a.numel());
  }
  return out;
}

double Trainer::evaluate(const Dataset& data) {
  if (data.size() == 0) return 0.0;
  impl_->labels_of(data, "evaluate");  // validates label range and count
  std::vector<int> pred = predict(data);
  int64_t correct = 0;
  for (size_t i = 0; i < pred.size(); ++i) correct += pred[i] == data.labels[i];
  return static_cast<double>(correct) / static_cast<double>(pred.size());
}

NdArray Trainer::weight(int layer_index) const {
  impl_->check_weight_layer(layer_index, "weight");
  return to_nd(impl_->st[layer_index].weight);
}

NdArray Trainer::grad(int layer_index) const {
  impl_->check_weight_layer(layer_index, "grad");
  const torch::Tensor& w = impl_->st[layer_index].weight;
  if (!w.grad().defined()) return to_nd(torch::zeros_like(w));
  return to_nd(w.grad());
}

void Trainer::set_weight(int layer_index, const NdArray& w) {
  impl_->check_weight_layer(layer_index, "set_weight");
  impl_->check_shape(layer_index, w, "set_weight");
  torch::NoGradGuard ng;
  impl_->st[layer_index].weight.copy_(torch::from_blob(const_cast<float*>(w.data.data()), to_sizes(w.shape)));
}

void Trainer::set_mask(int layer_index, const NdArray& mask) {
  impl_->check_weight_layer(layer_index, "set_mask");
  impl_->check_shape(layer_index, mask, "set_mask");
  LayerState& s = impl_->st[layer_index];
  s.mask = (from_nd(mask) != 0).to(torch::kFloat);
  torch::NoGradGuard ng;
  s.weight.mul_(s.mask);
  if (s.weight.grad().defined()) s.weight.mutable_grad().mul_(s.mask);
}

void Trainer::set_forward_mask(int layer_index, const NdArray& mask) {
  impl_->check_weight_layer(layer_index, "set_forward_mask");
  impl_->check_shape(layer_index, mask, "set_forward_mask");
  impl_->st[layer_index].forward_mask = (from_nd(mask) != 0).to(torch::kFloat);
}

void Trainer::clear_masks() {
  for (LayerState& s : impl_->st) s.mask = s.forward_mask = torch::Tensor();
}

void Trainer::set_proximal(int layer_index, const NdArray& target, double rho) {
  impl_->check_weight_layer(layer_index, "set_proximal");
  LayerState& s = impl_->st[layer_index];
  if (rho < 0) throw ConfigError("Trainer::set_proximal: rho must be >= 0");
  if (rho == 0) {
    s.rho = 0;
    s.prox_target = torch::Tensor();
    return;
  }
  impl_->check_shape(layer_index, target, "set_proximal");
  if (s.prox_target.defined()) {
    s.prox_target.copy_(torch::from_blob(const_cast<float*>(target.data.data()), to_sizes(target.shape)));
  } else {
    s.prox_target = from_nd(target);
  }
  s.rho = rho;
}

void Trainer::set_weight_noise(double relative_sigma) {
  if (relative_sigma < 0) throw ConfigError("Trainer::set_weight_noise: sigma must be >= 0");
  impl_->noise_sigma = relative_sigma;
}

void Trainer::set_step_hook(std::function<void(Trainer&, int64_t)> hook) { impl_->hook = std::move(hook); }

void Trainer::export_weights(Network& net) const {
  const Impl& m = *impl_;
  if (net.layers.size() != m.net.layers.size())
    throw InputError("Trainer::export_weights: network '" + net.name + "' has " + std::to_string(net.layers.size()) +
                     " layers, the trained one " + std::to_string(m.net.layers.size()));
  for (size_t i = 0; i < net.layers.size(); ++i) {
    Layer& l = net.layers[i];
    if (l.name != m.net.layers[i].name || l.kind != m.net.layers[i].kind)
      throw InputError("Trainer::export_weights: layer " + std::to_string(i) + " is '" + l.name +
                       "', the trained network has '" + m.net.layers[i].name + "'");
    const LayerState& s = m.st[i];
    if (!s.weight.defined()) continue;
    l.params["weight"] = to_nd(s.weight);
    if (s.bias.defined()) l.params["bias"] = to_nd(s.bias);
    if (s.running_mean.defined()) l.params["running_mean"] = to_nd(s.running_mean);
    if (s.running_var.defined()) l.params["running_var"] = to_nd(s.running_var);
  }
}

}  // namespace reram
