#include "pruning/functional/forward.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "pruning/core/error.h"

namespace reram::functional {

MatrixXf layer_input_vectors(const Layer& L, const Acts& x) {
  if (L.kind == LayerKind::Linear) return x;
  if (L.kind != LayerKind::Conv) throw InputError("layer '" + L.name + "' is not a weight layer");
  const Shape& in = L.in_shapes.at(0);
  const Shape& out = L.out_shape;
  const int64_t C = in.c, H = in.h, W = in.w;
  const int64_t R = L.kernel_h, S = L.kernel_w;
  const int64_t P = out.h * out.w;
  const int64_t N = x.rows();
  const int64_t rows = C * R * S;
  MatrixXf v = MatrixXf::Zero(N * P, rows);
  for (int64_t n = 0; n < N; ++n) {
    const float* img = x.row(n).data();
    for (int64_t oh = 0; oh < out.h; ++oh) {
      for (int64_t ow = 0; ow < out.w; ++ow) {
        float* dst = v.row(n * P + oh * out.w + ow).data();
        for (int64_t c = 0; c < C; ++c) {
          const float* plane = img + c * H * W;
          for (int64_t r = 0; r < R; ++r) {
            const int64_t ih = oh * L.stride_h - L.pad_top + r * L.dilation_h;
            if (ih < 0 || ih >= H) continue;
            for (int64_t s = 0; s < S; ++s) {
              const int64_t iw = ow * L.stride_w - L.pad_left + s * L.dilation_w;
              if (iw < 0 || iw >= W) continue;
              dst[(c * R + r) * S + s] = plane[ih * W + iw];
            }
          }
        }
      }
    }
  }
  return v;
}

Acts vectors_to_acts(const MatrixXf& y, int64_t images, int64_t positions) {
  const int64_t K = y.cols();
  Acts out(images, K * positions);
  for (int64_t n = 0; n < images; ++n)
    for (int64_t p = 0; p < positions; ++p) {
      const float* src = y.row(n * positions + p).data();
      float* dst = out.row(n).data();
      for (int64_t k = 0; k < K; ++k) dst[k * positions + p] = src[k];
    }
  return out;
}

Acts apply_pool(const Layer& L, const Acts& x) {
  const Shape& in = L.in_shapes.at(0);
  const Shape& out = L.out_shape;
  const bool is_max = L.kind == LayerKind::MaxPool;
  const int64_t C = in.c, H = in.h, W = in.w;
  Acts y(x.rows(), out.numel());
  for (int64_t n = 0; n < x.rows(); ++n) {
    const float* img = x.row(n).data();
    float* dst = y.row(n).data();
    for (int64_t c = 0; c < C; ++c) {
      const float* plane = img + c * H * W;
      for (int64_t oh = 0; oh < out.h; ++oh) {
        for (int64_t ow = 0; ow < out.w; ++ow) {
          float acc = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
          int64_t count = 0;
          if (is_max) {
            for (int64_t r = 0; r < L.kernel_h; ++r) {
              const int64_t ih = oh * L.stride_h - L.pad_top + r * L.dilation_h;
              if (ih < 0 || ih >= H) continue;
              for (int64_t s = 0; s < L.kernel_w; ++s) {
                const int64_t iw = ow * L.stride_w - L.pad_left + s * L.dilation_w;
                if (iw < 0 || iw >= W) continue;
                acc = std::max(acc, plane[ih * W + iw]);
              }
            }
          } else {
            // PyTorch semantics: the window is clipped to input + padding for the
            // count_include_pad divisor, and to the input for the summed values.
            int64_t h0 = oh * L.stride_h - L.pad_top, w0 = ow * L.stride_w - L.pad_left;
            int64_t h1 = std::min<int64_t>(h0 + L.kernel_h, H + L.pad_bottom);
            int64_t w1 = std::min<int64_t>(w0 + L.kernel_w, W + L.pad_right);
            const int64_t padded = (h1 - h0) * (w1 - w0);
            h0 = std::max<int64_t>(h0, 0);
            w0 = std::max<int64_t>(w0, 0);
            h1 = std::min<int64_t>(h1, H);
            w1 = std::min<int64_t>(w1, W);
            for (int64_t ih = h0; ih < h1; ++ih)
              for (int64_t iw = w0; iw < w1; ++iw) acc += plane[ih * W + iw];
            count = L.count_include_pad ? padded : (h1 - h0) * (w1 - w0);
            acc = count > 0 ? acc / static_cast<float>(count) : 0.0f;
          }
          dst[(c * out.h + oh) * out.w + ow] = acc;
        }
      }
    }
  }
  return y;
}

Acts apply_global_avg_pool(const Layer& L, const Acts& x) {
  const Shape& in = L.in_shapes.at(0);
  const int64_t HW = in.h * in.w;
  Acts y(x.rows(), in.c);
  for (int64_t n = 0; n < x.rows(); ++n)
    for (int64_t c = 0; c < in.c; ++c) {
      double s = 0;
      const float* p = x.row(n).data() + c * HW;
      for (int64_t i = 0; i < HW; ++i) s += p[i];
      y(n, c) = static_cast<float>(s / static_cast<double>(HW));
    }
  return y;
}

namespace {

const NdArray& param(const Layer& L, const char* k) {
  auto it = L.params.find(k);
  if (it == L.params.end())
    throw InputError(std::string(to_string(L.kind)) + " '" + L.name + "' has no '" + k + "' parameter");
  return it->second;
}

using ConstImage = Eigen::Map<const MatrixXf>;  // one sample's C x positions values (MatrixXf is row-major)
using Image = Eigen::Map<MatrixXf>;

}  // namespace

Acts apply_batchnorm(const Layer& L, const Acts& x) {
  const Shape& in = L.in_shapes.at(0);
  const NdArray &g = param(L, "weight"), &b = param(L, "bias"), &m = param(L, "running_mean"),
                &v = param(L, "running_var");
  const int64_t HW = in.h * in.w;
  Acts y = x;
  for (int64_t c = 0; c < in.c; ++c) {
    const float a = static_cast<float>(g.data[c] / std::sqrt(static_cast<double>(v.data[c]) + L.eps));
    const float d = b.data[c] - a * m.data[c];
    y.middleCols(c * HW, HW).array() = y.middleCols(c * HW, HW).array() * a + d;
  }
  return y;
}

Acts apply_layernorm(const Layer& L, const Acts& x) {
  const Shape& in = L.in_shapes.at(0);
  const int64_t C = in.c, P = in.h * in.w;
  const NdArray &g = param(L, "weight"), &b = param(L, "bias");
  Acts y(x.rows(), x.cols());
  for (int64_t n = 0; n < x.rows(); ++n) {
    ConstImage a(x.row(n).data(), C, P);
    Image o(y.row(n).data(), C, P);
    for (int64_t p = 0; p < P; ++p) {
      double mean = 0, var = 0;
      for (int64_t c = 0; c < C; ++c) mean += a(c, p);
      mean /= double(C);
      for (int64_t c = 0; c < C; ++c) var += (a(c, p) - mean) * (a(c, p) - mean);
      const double inv = 1.0 / std::sqrt(var / double(C) + L.eps);  // biased variance, as torch
      for (int64_t c = 0; c < C; ++c)
        o(c, p) = static_cast<float>((a(c, p) - mean) * inv * g.data[size_t(c)] + b.data[size_t(c)]);
    }
  }
  return y;
}

Acts apply_softmax(const Layer& L, const Acts& x) {
  const Shape& in = L.in_shapes.at(0);
  const int64_t C = in.c, P = in.h * in.w, G = L.groups, per = C / G;
  Acts y(x.rows(), x.cols());
  for (int64_t n = 0; n < x.rows(); ++n) {
    ConstImage a(x.row(n).data(), C, P);
    Image o(y.row(n).data(), C, P);
    for (int64_t g = 0; g < G; ++g)
      for (int64_t p = 0; p < P; ++p) {
        float mx = -std::numeric_limits<float>::infinity();
        for (int64_t c = g * per; c < (g + 1) * per; ++c) mx = std::max(mx, a(c, p));
        double sum = 0;
        for (int64_t c = g * per; c < (g + 1) * per; ++c) sum += std::exp(double(a(c, p) - mx));
        for (int64_t c = g * per; c < (g + 1) * per; ++c)
          o(c, p) = static_cast<float>(std::exp(double(a(c, p) - mx)) / sum);
      }
  }
  return y;
}

Acts apply_matmul(const Layer& L, const Acts& a, const Acts& b) {
  const Shape &sa = L.in_shapes.at(0), &sb = L.in_shapes.at(1);
  const Shape& so = L.out_shape;
  const int64_t H = L.groups, m = sa.c / H, T = sa.h, T2 = sb.h, nb = sb.c / H;
  Acts y(a.rows(), so.numel());
  const float s = static_cast<float>(L.scale);
  for (int64_t n = 0; n < a.rows(); ++n) {
    ConstImage A(a.row(n).data(), sa.c, T);
    ConstImage B(b.row(n).data(), sb.c, T2);
    Image O(y.row(n).data(), so.c, T);
    for (int64_t h = 0; h < H; ++h) {
      if (L.transpose_b)  // scores: out_h (T2 x T) = B_h^T (T2 x m) A_h (m x T)
        O.middleRows(h * T2, T2).noalias() = s * (B.middleRows(h * m, m).transpose() * A.middleRows(h * m, m));
      else  // out_h (nb x T) = B_h (nb x T2) A_h (T2 x T)
        O.middleRows(h * nb, nb).noalias() = s * (B.middleRows(h * nb, nb) * A.middleRows(h * m, m));
    }
  }
  return y;
}

Acts apply_token_layer(const Layer& L, const Acts& x) {
  const Shape& in = L.in_shapes.at(0);
  const int64_t C = in.c, P = in.h * in.w;
  Acts y(x.rows(), L.out_shape.numel());
  for (int64_t n = 0; n < x.rows(); ++n) {
    ConstImage a(x.row(n).data(), C, P);
    if (L.kind == LayerKind::ClassToken) {
      Image o(y.row(n).data(), C, P + 1);
      const NdArray& t = param(L, "weight");
      for (int64_t c = 0; c < C; ++c) o(c, 0) = t.data[size_t(c)];
      o.rightCols(P) = a;
    } else if (L.kind == LayerKind::Embedding) {
      const NdArray& t = param(L, "weight");
      Image o(y.row(n).data(), L.out_features, P);
      for (int64_t p = 0; p < P; ++p) {
        const double id = std::round(double(a(0, p)));
        if (!(id >= 0 && id < double(L.vocab_size)))
          throw InputError("embedding '" + L.name + "': token id " + std::to_string(a(0, p)) +
                           " is outside the vocabulary of " + std::to_string(L.vocab_size));
        for (int64_t d = 0; d < L.out_features; ++d) o(d, p) = t.data[size_t(int64_t(id) * L.out_features + d)];
      }
    } else if (L.kind == LayerKind::SelectToken) {
      Eigen::Map<Eigen::VectorXf>(y.row(n).data(), C) = a.col(L.token_index);
    } else {  // slice
      Image o(y.row(n).data(), L.out_shape.c, P);
      o = a.middleRows(L.slice_start, L.slice_end - L.slice_start);
    }
  }
  return y;
}

Acts apply_gelu(const Acts& x) {
  return x.unaryExpr([](float v) { return static_cast<float>(0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)))); });
}

std::vector<int> argmax_rows(const MatrixXf& logits) {
  std::vector<int> out(static_cast<size_t>(logits.rows()));
  for (int64_t n = 0; n < logits.rows(); ++n) {
    int best = 0;
    for (int64_t k = 1; k < logits.cols(); ++k)
      if (logits(n, k) > logits(n, best)) best = static_cast<int>(k);
    out[static_cast<size_t>(n)] = best;
  }
  return out;
}

Acts forward(const Network& net, const Acts& input, const WeightLayerFn& weight_layer) {
  if (input.cols() != net.input.numel())
    throw InputError(net.name + ": input has " + std::to_string(input.cols()) +
                     " features per sample, the network expects " + net.input.str());
  // Activations by producer name; each is dropped after its last consumer to bound memory.
  std::map<std::string, Acts> acts;
  std::map<std::string, int> remaining;
  for (const auto& L : net.layers)
    for (const auto& i : L.inputs) ++remaining[i];
  acts["input"] = input;
  const int64_t N = input.rows();
  for (size_t li = 0; li < net.layers.size(); ++li) {
    const Layer& L = net.layers[li];
    std::vector<const Acts*> ins;
    for (const auto& i : L.inputs) {
      auto it = acts.find(i);
      if (it == acts.end())
        throw InputError(net.name + ": layer '" + L.name + "' reads '" + i + "' before it is computed");
      ins.push_back(&it->second);
    }
    const Acts& x = *ins.at(0);
    Acts y;
    switch (L.kind) {
      case LayerKind::Conv:
      case LayerKind::Linear: {
        const MatrixXf v = layer_input_vectors(L, x);
        MatrixXf out = weight_layer(static_cast<int>(li), v);
        const int64_t K = L.kind == LayerKind::Conv ? L.out_channels : L.out_features;
        if (out.rows() != v.rows() || out.cols() != K)
          throw Error("functional model: weight layer '" + L.name + "' returned a wrongly shaped result");
        auto b = L.params.find("bias");
        if (b != L.params.end()) {
          Eigen::Map<const Eigen::RowVectorXf> bias(b->second.data.data(), K);
          out.rowwise() += bias;
        }
        y = L.kind == LayerKind::Conv ? vectors_to_acts(out, N, L.out_shape.h * L.out_shape.w) : std::move(out);
        break;
      }
      case LayerKind::MaxPool:
      case LayerKind::AvgPool:
        y = apply_pool(L, x);
        break;
      case LayerKind::GlobalAvgPool:
        y = apply_global_avg_pool(L, x);
        break;
      case LayerKind::Relu:
        y = x.cwiseMax(0.0f);
        break;
      case LayerKind::Relu6:
        y = x.cwiseMax(0.0f).cwiseMin(6.0f);
        break;
      case LayerKind::BatchNorm:
        y = apply_batchnorm(L, x);
        break;
      case LayerKind::Add:
        y = x;
        for (size_t i = 1; i < ins.size(); ++i) y += *ins[i];
        break;
      case LayerKind::Concat: {
        int64_t total = 0;
        for (const Acts* a : ins) total += a->cols();
        y.resize(N, total);
        int64_t at = 0;
        for (const Acts* a : ins) {
          y.middleCols(at, a->cols()) = *a;
          at += a->cols();
        }
        break;
      }
      case LayerKind::Flatten:
      case LayerKind::Dropout:
      case LayerKind::Identity:
        y = x;
        break;
      case LayerKind::LayerNorm:
        y = apply_layernorm(L, x);
        break;
      case LayerKind::Gelu:
        y = apply_gelu(x);
        break;
      case LayerKind::Softmax:
        y = apply_softmax(L, x);
        break;
      case LayerKind::MatMul:
        y = apply_matmul(L, x, *ins.at(1));
        break;
      case LayerKind::Scale:
        y = x * static_cast<float>(L.scale);
        break;
      case LayerKind::AddConst: {
        const NdArray& c = param(L, "weight");
        y = x.rowwise() + Eigen::Map<const Eigen::RowVectorXf>(c.data.data(), x.cols());
        break;
      }
      case LayerKind::Slice:
      case LayerKind::ClassToken:
      case LayerKind::SelectToken:
      case LayerKind::Embedding:
        y = apply_token_layer(L, x);
        break;
    }
    for (const auto& i : L.inputs)
      if (--remaining[i] == 0) acts.erase(i);
    acts[L.name] = std::move(y);
  }
  return acts.at(net.layers.back().name);
}

}  // namespace reram::functional
