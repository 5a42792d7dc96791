#include "pruning/functional/crossbar_model.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <map>

#include "pruning/core/error.h"
#include "pruning/core/int_math.h"

namespace reram::functional {

namespace {

// Small counter-based generator: every crossbar (and every read batch) gets its own
// stream from (seed, id, counter), so results do not depend on evaluation order.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t a, uint64_t b = 0)
      : s_(mix(seed ^ mix(a + 0x9e3779b97f4a7c15ULL) ^ mix(b * 0xbf58476d1ce4e5b9ULL + 1))) {}
  uint64_t next() { return mix(s_ += 0x9e3779b97f4a7c15ULL); }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  // n standard normals in float (read noise: billions of draws per study), by Box-Muller
  // on whole arrays so that Eigen vectorises log, sqrt, cos and sin.
  void fill_normals(float* out, int64_t n, Eigen::ArrayXf& u1, Eigen::ArrayXf& u2) {
    const int64_t half = (n + 1) / 2;
    if (u1.size() < half) {
      u1.resize(half);
      u2.resize(half);
    }
    for (int64_t i = 0; i < half; ++i) {
      u1[i] = static_cast<float>((next() >> 40) + 1) * 0x1.0p-24f;  // (0, 1]: log is finite
      u2[i] = static_cast<float>(next() >> 40) * 0x1.0p-24f;        // [0, 1)
    }
    const auto r = (-2.0f * u1.head(half).log()).sqrt();
    const auto a = 6.2831853f * u2.head(half);
    Eigen::Map<Eigen::ArrayXf>(out, half) = r * a.cos();
    Eigen::Map<Eigen::ArrayXf>(out + half, n - half) = (r * a.sin()).head(n - half);
  }
  double normal() {
    if (have_) {
      have_ = false;
      return spare_;
    }
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(6.283185307179586 * u2);
    have_ = true;
    return r * std::cos(6.283185307179586 * u2);
  }

 private:
  static uint64_t mix(uint64_t z) { return mix64(z); }
  uint64_t s_;
  double spare_ = 0.0;
  bool have_ = false;
};

// Stream tags of the non-idealities (each its own random stream under its seed:
// nonideal.{variation,fault,read_noise}_seed, each defaulting to nonideal.seed).
constexpr uint64_t kFaultStream = 0xfa17ULL;
constexpr uint64_t kVariationStream = 0xd2dULL;
constexpr uint64_t kReadNoiseStream = 0x5eedULL;
constexpr uint64_t kProgramStream = 0x960ULL;
constexpr uint64_t kDriftStream = 0xd71f7ULL;

void check_arch_for_model(const ArchConfig& a) {
  const auto& p = a.precision;
  const std::string w = a.source_file.empty() ? std::string("arch config") : a.source_file;
  auto bad = [&](const std::string& m) { throw ConfigError(w + ": " + m); };
  if (p.weight_bits < 2 || p.weight_bits > 24) bad("precision.weight_bits must be in [2, 24] for the functional model");
  if (p.input_bits < 1 || p.input_bits > 24) bad("precision.input_bits must be in [1, 24] for the functional model");
  if (p.dac_bits < 1) bad("precision.dac_bits must be at least 1");
  if (p.adc_bits < 1 || p.adc_bits > 30) bad("precision.adc_bits must be in [1, 30]");
  if (a.crossbar.cell_bits < 1 || a.crossbar.cell_bits > 16) bad("crossbar.cell_bits must be in [1, 16]");
  if (!(a.crossbar.g_min_us >= 0.0) || !(a.crossbar.g_max_us > a.crossbar.g_min_us))
    bad("crossbar.g_max_us must exceed crossbar.g_min_us >= 0 (on/off ratio > 1)");
  const auto& n = a.nonideal;
  if (!(n.variation_sigma >= 0.0)) bad("nonideal.variation_sigma must be >= 0");
  if (!(n.read_noise_sigma >= 0.0)) bad("nonideal.read_noise_sigma must be >= 0");
  if (!(n.stuck_on_rate >= 0.0 && n.stuck_on_rate <= 1.0)) bad("nonideal.stuck_on_rate must be in [0, 1]");
  if (!(n.stuck_off_rate >= 0.0 && n.stuck_off_rate <= 1.0)) bad("nonideal.stuck_off_rate must be in [0, 1]");
  if (n.stuck_on_rate + n.stuck_off_rate > 1.0) bad("nonideal.stuck_on_rate + stuck_off_rate must be <= 1");
  if (n.conductance_levels != 0 && n.conductance_levels < 2)
    bad("nonideal.conductance_levels must be 0 (2^cell_bits) or >= 2");
  if (!(n.ir_drop >= 0.0 && std::isfinite(n.ir_drop))) bad("nonideal.ir_drop must be a finite number >= 0");
  if (!(n.program_sigma >= 0.0) || !(n.write_verify_tolerance >= 0.0) || n.write_verify_max_pulses < 1)
    bad("nonideal.program_sigma and write_verify_tolerance must be >= 0, write_verify_max_pulses >= 1");
  if (!(n.drift_nu_mean >= 0.0) || !(n.drift_nu_sigma >= 0.0) || !(n.drift_t0_s > 0.0) || !(n.time_s >= 0.0))
    bad("nonideal.drift_nu_mean, drift_nu_sigma and time_s must be >= 0 and drift_t0_s > 0");
  if (n.adc_range != "full" && n.adc_range != "calibrated")
    bad("nonideal.adc_range must be 'full' or 'calibrated', got '" + n.adc_range + "'");
}

// Rounds a non-negative float below 2^22 to the nearest integer (ties to even) with
// plain adds, so the ADC loop vectorises on baseline x86-64 (no SSE4.1 roundps).
inline float round_small(float v) {
  constexpr float kMagic = 8388608.0f;  // 2^23
  return (v + kMagic) - kMagic;
}

// Bit planes of an integer-valued conductance matrix (ProgrammedCrossbar::gbits); left
// empty when any conductance is not a small non-negative integer (non-ideal devices).
void pack_conductance_bits(ProgrammedCrossbar& x) {
  x.gbits.clear();
  x.gbit_planes = 0;
  x.gbit_words = 0;
  const int64_t r = x.g.rows(), cp = x.g.cols();
  float top = 0.0f;
  for (int64_t e = 0; e < x.g.size(); ++e) {
    const float v = x.g.data()[e];
    if (!(v >= 0.0f) || v != std::floor(v) || v > 65535.0f) return;
    top = std::max(top, v);
  }
  int planes = 1;
  while ((int64_t{1} << planes) <= static_cast<int64_t>(top)) ++planes;
  const int64_t W = (r + 63) / 64;
  x.gbits.assign(static_cast<size_t>(cp * planes * W), 0);
  for (int64_t i = 0; i < r; ++i)
    for (int64_t p = 0; p < cp; ++p) {
      const auto v = static_cast<uint32_t>(x.g(i, p));
      for (int b = 0; b < planes; ++b)
        if ((v >> b) & 1u) x.gbits[static_cast<size_t>((p * planes + b) * W + i / 64)] |= uint64_t{1} << (i % 64);
    }
  x.gbit_planes = planes;
  x.gbit_words = W;
}

// Bit planes of the first nb input codes (rows of xi, r each): out[(v * bits + b) * W + w]
// holds bit b of codes 64 w .. 64 w + 63 of vector v.
void pack_input_bits(const MatrixXi& xi, int64_t nb, int64_t r, int bits, int64_t W, std::vector<uint64_t>& out) {
  out.assign(static_cast<size_t>(nb * bits * W), 0);
  uint64_t acc[32];
  for (int64_t v = 0; v < nb; ++v) {
    const int32_t* src = xi.row(v).data();
    uint64_t* dst = out.data() + v * bits * W;
    for (int64_t w = 0; w < W; ++w) {
      std::fill_n(acc, bits, uint64_t{0});
      const int64_t n = std::min<int64_t>(64, r - w * 64);
      for (int64_t j = 0; j < n; ++j) {
        const auto c = static_cast<uint32_t>(src[w * 64 + j]);
        for (int b = 0; b < bits; ++b) acc[b] |= static_cast<uint64_t>((c >> b) & 1u) << j;
      }
      for (int b = 0; b < bits; ++b) dst[b * W + w] = acc[b];
    }
  }
}

// One read from bit planes: y(v, p) = sum over the rows of `words` (word index, row mask)
// of chunk(v, i) * g(i, p), with the input chunk as d bit planes
// xbits[(v * d + a) * W + w]: sum_a sum_b 2^(a+b) popcount(x_a & g_b & mask). Integer
// exact, so equal to the float product whenever that one is exact (sums below 2^24).
struct BitReadArgs {
  const uint64_t* xbits;
  const ProgrammedCrossbar* x;
  int d;
  int64_t nb;
  const std::vector<std::pair<int64_t, uint64_t>>* words;
  bool all_rows;  // the read spans every row of the crossbar (no masks needed)
  float* y;       // nb x cp, row-major
};

inline __attribute__((always_inline)) void bit_plane_reads_body(const BitReadArgs& k) {
  const int64_t W = k.x->gbit_words, cp = k.x->g.cols();
  const int P = k.x->gbit_planes;
  const uint64_t* gb = k.x->gbits.data();
  for (int64_t v = 0; v < k.nb; ++v) {
    const uint64_t* xv = k.xbits + v * k.d * W;
    float* yrow = k.y + v * cp;
    for (int64_t p = 0; p < cp; ++p) {
      const uint64_t* gp = gb + p * P * W;
      int64_t acc = 0;
      for (int a = 0; a < k.d; ++a)
        for (int b = 0; b < P; ++b) {
          int64_t s = 0;
          for (const auto& [w, m] : *k.words) s += __builtin_popcountll(xv[a * W + w] & gp[b * W + w] & m);
          acc += s << (a + b);
        }
      yrow[p] = static_cast<float>(acc);
    }
  }
}
// The common case unrolled: 1-bit inputs, one read spans every row (no operation
// units), W words of rows and P conductance planes known at compile time.
template <int W, int P>
inline __attribute__((always_inline)) void bit_plane_reads_fixed(const BitReadArgs& k) {
  const int64_t cp = k.x->g.cols();
  const uint64_t* gb = k.x->gbits.data();
  for (int64_t v = 0; v < k.nb; ++v) {
    uint64_t xv[W];
    for (int w = 0; w < W; ++w) xv[w] = k.xbits[v * W + w];
    float* yrow = k.y + v * cp;
    const uint64_t* gp = gb;
    for (int64_t p = 0; p < cp; ++p, gp += P * W) {
      int64_t acc = 0;
      for (int b = 0; b < P; ++b) {
        int64_t s = 0;
        for (int w = 0; w < W; ++w) s += __builtin_popcountll(xv[w] & gp[b * W + w]);
        acc += s << b;
      }
      yrow[p] = static_cast<float>(acc);
    }
  }
}

inline __attribute__((always_inline)) void bit_plane_reads_dispatch(const BitReadArgs& k) {
  const bool whole = k.d == 1 && k.all_rows;
  const int64_t W = k.x->gbit_words;
  const int P = k.x->gbit_planes;
#define RERAM_BIT_READS_CASE(w_, p_) \
  if (W == (w_) && P == (p_)) return bit_plane_reads_fixed<(w_), (p_)>(k)
  if (whole) {
    RERAM_BIT_READS_CASE(1, 1);
    RERAM_BIT_READS_CASE(1, 2);
    RERAM_BIT_READS_CASE(1, 3);
    RERAM_BIT_READS_CASE(1, 4);
    RERAM_BIT_READS_CASE(2, 1);
    RERAM_BIT_READS_CASE(2, 2);
    RERAM_BIT_READS_CASE(2, 3);
    RERAM_BIT_READS_CASE(2, 4);
    RERAM_BIT_READS_CASE(4, 1);
    RERAM_BIT_READS_CASE(4, 2);
    RERAM_BIT_READS_CASE(4, 3);
    RERAM_BIT_READS_CASE(4, 4);
    RERAM_BIT_READS_CASE(8, 1);
    RERAM_BIT_READS_CASE(8, 2);
    RERAM_BIT_READS_CASE(8, 3);
    RERAM_BIT_READS_CASE(8, 4);
  }
#undef RERAM_BIT_READS_CASE
  bit_plane_reads_body(k);
}
__attribute__((target("popcnt"))) void bit_plane_reads_popcnt(const BitReadArgs& k) { bit_plane_reads_dispatch(k); }
void bit_plane_reads_generic(const BitReadArgs& k) { bit_plane_reads_dispatch(k); }
void bit_plane_reads(const BitReadArgs& k) {
  static const bool hw = __builtin_cpu_supports("popcnt");
  if (hw)
    bit_plane_reads_popcnt(k);
  else
    bit_plane_reads_generic(k);
}

// The 64-bit words (index, mask of the rows inside) of each read group of `group` rows.
using GroupWords = std::vector<std::vector<std::pair<int64_t, uint64_t>>>;
GroupWords read_group_words(int64_t r, int64_t group) {
  GroupWords out;
  for (int64_t g0 = 0; g0 < r; g0 += group) {
    const int64_t g1 = std::min(r, g0 + group);
    auto& gw = out.emplace_back();
    for (int64_t w = g0 / 64; w * 64 < g1; ++w) {
      const int64_t lo = std::max(g0, w * 64) - w * 64, hi = std::min(g1, w * 64 + 64) - w * 64;
      const uint64_t m = (hi == 64 ? ~uint64_t{0} : (uint64_t{1} << hi) - 1) & ~((uint64_t{1} << lo) - 1);
      gw.emplace_back(w, m);
    }
  }
  return out;
}

// Step t of the bit-serial input (d bits per step): bit planes t*d .. t*d + d - 1 of each
// of the nb vectors, from all steps' planes packed by pack_input_bits.
void step_bit_planes(const std::vector<uint64_t>& xbits, int64_t nb, int steps, int d, int t, int64_t W,
                     std::vector<uint64_t>& xstep) {
  xstep.resize(static_cast<size_t>(nb * d * W));
  for (int64_t v = 0; v < nb; ++v)
    std::copy_n(xbits.data() + (v * steps * d + t * d) * W, d * W, xstep.data() + v * d * W);
}

// The same step as floats: (code >> shift) & mask for each of the cnt input codes.
void step_chunk(const MatrixXi& xi, int64_t cnt, int shift, int32_t mask, MatrixXf& chunk) {
  const int32_t* src = xi.data();
  float* dch = chunk.data();
  for (int64_t e = 0; e < cnt; ++e) dch[e] = static_cast<float>((src[e] >> shift) & mask);
}

// A crossbar's word-line inputs from a row of input codes: dense mappings feed a crossbar
// from a contiguous range of rows (copied), others through the gather.
class RowGather {
 public:
  explicit RowGather(const std::vector<int64_t>& rows) : rows_(rows) {
    for (size_t i = 1; i < rows.size() && contiguous_; ++i) contiguous_ = rows[i] == rows[0] + static_cast<int64_t>(i);
  }
  void operator()(const MatrixXi& codes, int64_t v, int32_t* dst) const {
    const int32_t* src = codes.row(v).data();
    const int64_t r = static_cast<int64_t>(rows_.size());
    if (contiguous_)
      std::copy(src + rows_[0], src + rows_[0] + r, dst);
    else
      for (int64_t i = 0; i < r; ++i) dst[i] = src[rows_[static_cast<size_t>(i)]];
  }

 private:
  const std::vector<int64_t>& rows_;
  bool contiguous_ = true;
};

struct NoiseBuffers {
  Eigen::ArrayXf z, u1, u2;
};

// y += sigma * sqrt(var) * N(0, 1), one draw per output.
void add_read_noise(MatrixXf& y, const MatrixXf& var, float sigma, Rng& noise, NoiseBuffers& b) {
  if (b.z.size() < y.size()) b.z.resize(y.size());
  noise.fill_normals(b.z.data(), y.size(), b.u1, b.u2);
  Eigen::Map<Eigen::ArrayXf>(y.data(), y.size()) +=
      sigma * Eigen::Map<const Eigen::ArrayXf>(var.data(), var.size()).sqrt() * b.z.head(y.size());
}

struct AdcScale {
  double lsb;
  float inv_lsb, max_code_f;
  double adc_max;
};

// One read's column currents y (cnt values) through the ADC into the step-shifted sums:
// round to the nearest code, clip to [0, 2^adc_bits - 1] (the LSB is applied once in the
// shift-and-add); calibrating: the raw currents, no ADC.
inline void convert_and_accumulate(const float* yd, int64_t cnt, int shift, bool calibrating, bool float_acc,
                                   const AdcScale& k, MatrixXf& accf, MatrixXd& accd) {
  if (calibrating) {
    const double step_scale = std::ldexp(1.0, shift);
    double* ad = accd.data();
    for (int64_t e = 0; e < cnt; ++e) ad[e] += step_scale * static_cast<double>(yd[e]);
  } else if (float_acc) {
    const float step_scale = std::ldexp(1.0f, shift);
    float* ad = accf.data();
    for (int64_t e = 0; e < cnt; ++e)
      ad[e] += step_scale * round_small(std::min(std::max(yd[e] * k.inv_lsb, 0.0f), k.max_code_f));
  } else {
    const double step_scale = std::ldexp(1.0, shift);
    double* ad = accd.data();
    for (int64_t e = 0; e < cnt; ++e)
      ad[e] += step_scale * std::nearbyint(std::clamp(static_cast<double>(yd[e]) / k.lsb, 0.0, k.adc_max));
  }
}

// Calibration: the raw column reads of nb vectors, each weighted by its bit line's
// shift-and-add weight, into the crossbar's read_sum (drift compensation).
void add_read_sums(ProgrammedCrossbar& x, const MatrixXd& accd, int64_t nb) {
  for (int64_t p = 0; p < accd.cols(); ++p)
    x.read_sum += std::abs(x.column_weight[static_cast<size_t>(p)]) * accd.col(p).head(nb).sum();
}

struct ShiftAdd {
  int spc;             // physical columns per column slot
  double lsb;          // ADC LSB x the layer's drift compensation (1 while calibrating)
  double offset;       // offset-encoding code offset O (0 for differential)
  int64_t zero;        // input zero point
  const double* sumx;  // per vector: sum of its input codes
};

// Shift-and-add over slices (and the sign of differential pairs), then the digital
// corrections: offset * input sum (offset encoding) and zero point * weight sum.
template <class Acc>
void shift_and_add(const ProgrammedCrossbar& x, const Acc& acc, int64_t nb, MatrixXd& out, int64_t a,
                   const ShiftAdd& k) {
  const int64_t c = static_cast<int64_t>(x.cols.size());
  for (int64_t v = 0; v < nb; ++v) {
    double* orow = out.row(a + v).data();
    for (int64_t j = 0; j < c; ++j) {
      double val = 0.0;
      const auto* ar = acc.row(v).data() + j * k.spc;
      for (int q = 0; q < k.spc; ++q)
        val += static_cast<double>(ar[q]) * x.column_weight[static_cast<size_t>(j * k.spc + q)];
      val *= k.lsb;
      if (k.offset != 0.0) val -= k.offset * k.sumx[v];
      val -= static_cast<double>(k.zero) * x.wq_colsum[static_cast<size_t>(j)];
      orow[x.cols[static_cast<size_t>(j)]] += val;
    }
  }
}
}  // namespace

namespace {
double clock_seconds(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
}  // namespace
double cpu_seconds() { return clock_seconds(CLOCK_PROCESS_CPUTIME_ID); }
double thread_cpu_seconds() { return clock_seconds(CLOCK_THREAD_CPUTIME_ID); }

FunctionalModel::FunctionalModel(const Mapping& mapping, const ArchConfig& arch, HardwareOptions options)
    : arch_(arch), opt_(options), net_(mapping.network) {
  check_arch_for_model(arch_);
  const XbarGeometry want = XbarGeometry::from_arch(arch_);
  const XbarGeometry& g = mapping.geometry;
  if (g.rows != want.rows || g.cols != want.cols || g.cell_bits != want.cell_bits ||
      g.weight_bits != want.weight_bits || g.sign_encoding != want.sign_encoding)
    throw ConfigError("mapping was made for " + std::to_string(g.rows) + "x" + std::to_string(g.cols) + " crossbars, " +
                      std::to_string(g.cell_bits) + "-bit cells, " + std::to_string(g.weight_bits) + "-bit weights, " +
                      to_string(g.sign_encoding) + " encoding, but the arch config '" + arch_.name + "' has " +
                      std::to_string(want.rows) + "x" + std::to_string(want.cols) + ", " +
                      std::to_string(want.cell_bits) + "-bit cells, " + std::to_string(want.weight_bits) +
                      "-bit weights, " + to_string(want.sign_encoding) + " (re-map the network for this arch)");
  if (!net_.has_weights())
    throw InputError("mapping of '" + net_.name +
                     "' carries no weights (the functional model needs them: pass --weights)");

  const auto& ni = arch_.nonideal;
  const int64_t level_max = (int64_t{1} << arch_.crossbar.cell_bits) - 1;
  const int64_t levels = ni.conductance_levels > 0 ? ni.conductance_levels : level_max + 1;
  ideal_devices_ = ni.variation_sigma == 0.0 && ni.read_noise_sigma == 0.0 && ni.stuck_on_rate == 0.0 &&
                   ni.stuck_off_rate == 0.0 && ni.ir_drop == 0.0 && (levels - 1) % level_max == 0 &&
                   ni.program_sigma == 0.0 && !ni.drift_active();

  layer_of_network_.assign(net_.layers.size(), -1);
  for (size_t i = 0; i < mapping.layers.size(); ++i) {
    const MappedLayer& ml = mapping.layers[i];
    LayerModel lm;
    lm.network_layer = ml.network_layer;
    lm.name = ml.name;
    if (ml.network_layer < 0 || ml.network_layer >= static_cast<int>(net_.layers.size()) ||
        !net_.layers[static_cast<size_t>(ml.network_layer)].is_weight_layer())
      throw InputError("mapping layer '" + ml.name + "' does not refer to a conv/linear layer of the network");
    lm.m = expand_layer(mapping, static_cast<int>(i));
    const double max_abs = lm.m.size() ? static_cast<double>(lm.m.cwiseAbs().maxCoeff()) : 0.0;
    lm.wquant = make_weight_quant(max_abs, arch_.precision.weight_bits);
    lm.wq = quantize_weights(lm.m, lm.wquant);
    lm.iquant = make_input_quant(0.0, 1.0, arch_.precision.input_bits);  // until calibrate()
    layer_of_network_[static_cast<size_t>(ml.network_layer)] = static_cast<int>(i);
    layers_.push_back(std::move(lm));
  }
  for (int li : net_.weight_layer_indices())
    if (layer_of_network_[static_cast<size_t>(li)] < 0)
      throw InputError("weight layer '" + net_.layers[static_cast<size_t>(li)].name + "' is not in the mapping");

  // Every stored cell must live in exactly one crossbar, or the digital partial sums
  // would count it twice.
  std::vector<std::vector<char>> used(layers_.size());
  for (size_t i = 0; i < layers_.size(); ++i) used[i].assign(static_cast<size_t>(layers_[i].m.size()), 0);
  const int logical_cols = g.logical_cols();
  for (const PhysicalCrossbar& pc : mapping.crossbars) {
    if (pc.layer < 0 || pc.layer >= static_cast<int>(layers_.size()))
      throw InputError("crossbar " + std::to_string(pc.id) + " refers to mapping layer " + std::to_string(pc.layer) +
                       " which does not exist");
    LayerModel& lm = layers_[static_cast<size_t>(pc.layer)];
    if (static_cast<int64_t>(pc.rows.size()) > g.rows || static_cast<int64_t>(pc.cols.size()) > logical_cols)
      throw InputError("crossbar " + std::to_string(pc.id) + " holds more rows/columns than the crossbar has");
    for (int64_t r : pc.rows)
      for (int64_t c : pc.cols) {
        if (r < 0 || r >= lm.m.rows() || c < 0 || c >= lm.m.cols())
          throw InputError("crossbar " + std::to_string(pc.id) + " refers to a cell outside layer '" + lm.name + "'");
        char& u = used[static_cast<size_t>(pc.layer)][static_cast<size_t>(r * lm.m.cols() + c)];
        if (u)
          throw InputError("cell (" + std::to_string(r) + ", " + std::to_string(c) + ") of layer '" + lm.name +
                           "' is stored in two crossbars");
        u = 1;
      }
    ProgrammedCrossbar x;
    x.id = pc.id;
    x.mapped_layer = pc.layer;
    x.rows = pc.rows;
    x.cols = pc.cols;
    lm.crossbars.push_back(static_cast<int>(xbars_.size()));
    xbars_.push_back(std::move(x));
  }
  program_all(ni.time_s);
  set_adc_ranges();
}

void FunctionalModel::program_all(double time_s) {
  for (auto& x : xbars_) program_crossbar(x, layers_[static_cast<size_t>(x.mapped_layer)], time_s);
}

void FunctionalModel::program_crossbar(ProgrammedCrossbar& x, const LayerModel& lm, double time_s) {
  const auto& ni = arch_.nonideal;
  const int cb = arch_.crossbar.cell_bits;
  const int wb = arch_.precision.weight_bits;
  const int S = arch_.slices();
  const int sf = arch_.sign_factor();
  const bool offset = arch_.crossbar.sign_encoding == SignEncoding::Offset;
  const int64_t level_max = (int64_t{1} << cb) - 1;
  const int64_t levels = ni.conductance_levels > 0 ? ni.conductance_levels : level_max + 1;
  const int64_t O = int64_t{1} << (wb - 1);
  const double gmin_u =
      arch_.crossbar.g_min_us * static_cast<double>(level_max) / (arch_.crossbar.g_max_us - arch_.crossbar.g_min_us);
  const double gmax_u = gmin_u + static_cast<double>(level_max);
  const int64_t r = static_cast<int64_t>(x.rows.size()), c = static_cast<int64_t>(x.cols.size());
  const int64_t cp = c * S * sf;
  const int dac_max = (1 << arch_.precision.dac_bits) - 1;
  const int64_t group = std::min<int64_t>(arch_.ou_rows_eff(), std::max<int64_t>(r, 1));
  const double ir_span = static_cast<double>(arch_.crossbar.rows - 1 + arch_.crossbar.cols - 1);

  x.wq.resize(r, c);
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j) x.wq(i, j) = lm.wq(x.rows[static_cast<size_t>(i)], x.cols[static_cast<size_t>(j)]);
  x.wq_colsum.assign(static_cast<size_t>(c), 0.0);
  for (int64_t j = 0; j < c; ++j) x.wq_colsum[static_cast<size_t>(j)] = static_cast<double>(x.wq.col(j).sum());
  x.column_weight.resize(static_cast<size_t>(cp));
  for (int64_t p = 0; p < cp; ++p) {
    const int k = static_cast<int>((p / sf) % S), sgn = static_cast<int>(p % sf);
    x.column_weight[static_cast<size_t>(p)] = std::ldexp(sgn ? -1.0 : 1.0, k * cb);
  }
  x.g.resize(r, cp);
  x.g_squared.resize(r, cp);
  std::vector<double> col_group_sum(static_cast<size_t>(cp), 0.0);
  x.max_read = 0.0;
  x.stuck_cells = 0;
  x.program_pulses = x.program_capped = x.program_cells = 0;
  x.program_sq_error = 0.0;
  // Write-verify (docs/functional-model.md): each pulse lands at target + N(0, sd); with a
  // tolerance the cell is re-pulsed until within it or at the pulse limit.
  const double prog_sd = ni.program_sigma * static_cast<double>(level_max);
  const double prog_tol = ni.write_verify_tolerance * static_cast<double>(level_max);
  const int max_pulses = prog_tol > 0.0 ? ni.write_verify_max_pulses : 1;
  // Drift to time_s; the reference column's G_min cells drift by the mean exponent.
  const double drift_log_t = time_s > ni.drift_t0_s ? std::log(time_s / ni.drift_t0_s) : 0.0;
  const bool drifting = drift_log_t > 0.0 && (ni.drift_nu_mean > 0.0 || ni.drift_nu_sigma > 0.0);
  const double gmin_ref = gmin_u * std::exp(-ni.drift_nu_mean * drift_log_t);
  // One stream per non-ideality (tagged), per crossbar: changing one non-ideality's rate
  // or switching it on never changes another's draws.
  Rng fault_rng(ni.fault_seed_eff(), static_cast<uint64_t>(x.id) + 1, kFaultStream);
  Rng var_rng(ni.variation_seed_eff(), static_cast<uint64_t>(x.id) + 1, kVariationStream);
  Rng prog_rng(ni.program_seed_eff(), static_cast<uint64_t>(x.id) + 1, kProgramStream);
  Rng drift_rng(ni.drift_seed_eff(), static_cast<uint64_t>(x.id) + 1, kDriftStream);
  for (int64_t i = 0; i < r; ++i) {
    if (i % group == 0) std::fill(col_group_sum.begin(), col_group_sum.end(), 0.0);
    for (int64_t p = 0; p < cp; ++p) {
      const int64_t j = p / (S * sf);
      const int k = static_cast<int>((p / sf) % S), sgn = static_cast<int>(p % sf);
      const int64_t q = static_cast<int64_t>(x.wq(i, j));
      const int64_t stored = offset ? q + O : (sgn == 0 ? std::max<int64_t>(q, 0) : std::max<int64_t>(-q, 0));
      const int64_t s = (stored >> (k * cb)) & level_max;
      col_group_sum[static_cast<size_t>(p)] += static_cast<double>(s * dac_max);
      x.max_read = std::max(x.max_read, col_group_sum[static_cast<size_t>(p)]);
      // Limited levels: the nearest programmable level, expressed in nominal steps. The
      // integer numerator makes the value exact when (levels - 1) is a multiple of level_max.
      const int64_t lvl = std::llround(static_cast<double>(s * (levels - 1)) / static_cast<double>(level_max));
      const double nominal = static_cast<double>(lvl * level_max) / static_cast<double>(levels - 1);
      // One uniform and one normal per cell, always drawn, so that raising a fault rate
      // only adds faults of that kind (stuck-off from the bottom of [0, 1), stuck-on from
      // the top: nested fault sets) and leaves every other draw unchanged.
      const double u = fault_rng.uniform();
      const double z = var_rng.normal();
      double gcell;
      ++x.program_cells;
      // Drawn for every cell (stuck ones do not drift), so fault rates leave the exponents be.
      const double nu = drifting ? std::max(0.0, ni.drift_nu_mean + ni.drift_nu_sigma * drift_rng.normal()) : 0.0;
      if (u < ni.stuck_off_rate) {
        gcell = gmin_u;
        ++x.stuck_cells;
        x.program_pulses += max_pulses;  // a stuck cell never verifies
      } else if (u >= 1.0 - ni.stuck_on_rate) {
        gcell = gmax_u;
        ++x.stuck_cells;
        x.program_pulses += max_pulses;
      } else {
        double err = 0.0;
        int pulses = 1;
        if (prog_sd > 0.0) {
          err = prog_sd * prog_rng.normal();
          while (std::abs(err) > prog_tol && pulses < max_pulses) err = prog_sd * prog_rng.normal(), ++pulses;
          if (std::abs(err) > prog_tol && prog_tol > 0.0) ++x.program_capped;
        }
        x.program_pulses += pulses;
        const double programmed = std::max(0.0, gmin_u + nominal + err);
        x.program_sq_error += (programmed - gmin_u - nominal) * (programmed - gmin_u - nominal);
        gcell = programmed * (ni.variation_sigma > 0.0 ? std::exp(ni.variation_sigma * z) : 1.0);
        if (drifting) gcell *= std::exp(-nu * drift_log_t);
      }
      // First-order IR drop (docs/functional-model.md §6): the cell sees the wire resistance
      // of (i + p) segments in series, G' = G / (1 + G R_seg (i + p)); ir_drop is
      // G_max R_seg (rows - 1 + cols - 1), the relative excess resistance of a G_max cell at
      // the far corner. Static: the currents of the other cells on the wires are ignored.
      if (ni.ir_drop > 0.0 && ir_span > 0.0)
        gcell /= 1.0 + ni.ir_drop * (gcell / gmax_u) * static_cast<double>(i + p) / ir_span;
      x.g(i, p) = static_cast<float>(gcell - gmin_ref);
      x.g_squared(i, p) = static_cast<float>(gcell * gcell);
    }
  }
  pack_conductance_bits(x);
}

void FunctionalModel::set_adc_ranges() {
  const int dac_max = (1 << arch_.precision.dac_bits) - 1;
  const int64_t level_max = (int64_t{1} << arch_.crossbar.cell_bits) - 1;
  const bool calibrated = arch_.nonideal.adc_range == "calibrated" && calibrated_;
  for (auto& x : xbars_) {
    // "per_crossbar": the smallest resolution lossless for the reads this crossbar's stored
    // levels can produce (crossbar_max_reads, pruning/xbar/mapping.h), at LSB 1.
    x.adc_bits = arch_.precision.adc_bits_per_crossbar ? lossless_bits(x.max_read) : arch_.precision.adc_bits;
    const int64_t max_code = (int64_t{1} << x.adc_bits) - 1;
    // Full range: the largest read the crossbar can produce by design (all rows of one
    // read at the top DAC level on cells at the top level), whatever the mapping stores.
    const int64_t rows_per_read = std::min<int64_t>(arch_.ou_rows_eff(), arch_.crossbar.rows);
    const double full = static_cast<double>(rows_per_read * dac_max * level_max);
    const double range = arch_.precision.adc_bits_per_crossbar ? 0.0 : calibrated ? x.calibrated_max : full;
    x.lsb = std::max(1.0, range / static_cast<double>(max_code));
    x.lossless = ideal_devices_ && x.lsb == 1.0 && x.max_read <= static_cast<double>(max_code);
  }
}

int64_t FunctionalModel::lossless_crossbars() const {
  int64_t n = 0;
  for (const auto& x : xbars_) n += x.lossless ? 1 : 0;
  return n;
}

int FunctionalModel::mapped_layer_of(int network_layer) const {
  const int m = layer_of_network_.at(static_cast<size_t>(network_layer));
  if (m < 0)
    throw InputError("weight layer '" + net_.layers[static_cast<size_t>(network_layer)].name + "' is not mapped");
  return m;
}

void FunctionalModel::run_crossbar(ProgrammedCrossbar& x, const MatrixXi& codes, int64_t zero, MatrixXd& out,
                                   bool calibrating) {
  const int64_t n = codes.rows();
  const int64_t r = static_cast<int64_t>(x.rows.size()), c = static_cast<int64_t>(x.cols.size());
  if (r == 0 || c == 0 || n == 0) return;
  const int64_t cp = x.g.cols();
  const int spc = arch_.slices() * arch_.sign_factor();  // physical columns per column slot
  const int d = arch_.precision.dac_bits;
  const int steps = arch_.input_steps();
  const int32_t mask = (1 << d) - 1;
  const bool offset = arch_.crossbar.sign_encoding == SignEncoding::Offset;
  const double O = std::ldexp(1.0, arch_.precision.weight_bits - 1);
  const int64_t max_code_in = (int64_t{1} << arch_.precision.input_bits) - 1;
  const RowGather gather(x.rows);

  if (!calibrating && opt_.allow_lossless_shortcut && x.lossless) {
    // Every read is an integer in [0, max ADC code] with LSB 1, so the ADC is the
    // identity and shift-and-add reassembles exactly sum_i code_i * stored_ij.
    MatrixXi xs(n, r);
    for (int64_t v = 0; v < n; ++v) gather(codes, v, xs.row(v).data());
    const MatrixXd part = exact_int_product(xs.cast<float>(), zero, x.wq, max_code_in,
                                            (int64_t{1} << (arch_.precision.weight_bits - 1)) - 1);
    for (int64_t v = 0; v < n; ++v)
      for (int64_t j = 0; j < c; ++j) out(v, x.cols[static_cast<size_t>(j)]) += part(v, j);
    return;
  }

  const auto& ni = arch_.nonideal;
  const int adc_bits = x.adc_bits;
  const double adc_max = static_cast<double>((int64_t{1} << adc_bits) - 1);
  const float inv_lsb = static_cast<float>(1.0 / x.lsb);
  const float max_code_f = static_cast<float>(adc_max);
  const int64_t group = std::min<int64_t>(arch_.ou_rows_eff(), r);
  const bool noisy = ni.read_noise_sigma > 0.0;
  // ADC codes are integers below 2^adc_bits, shifted by at most 2^(steps*d - d) and summed
  // over steps and reads: float holds the sum exactly while it stays below 2^24.
  const int64_t reads = (r + group - 1) / group;
  const bool float_acc =
      !calibrating && adc_bits <= 22 && std::ldexp(adc_max * static_cast<double>(reads), steps * d) < 16777216.0;
  Rng noise(ni.read_noise_seed_eff() ^ kReadNoiseStream, static_cast<uint64_t>(x.id) + 1, ++read_counter_);

  // Ideal devices with 0/1 (or few-bit) input chunks: reads from bit planes and popcounts
  // (same values as the float product, several times faster); read noise needs the floats.
  const bool use_bits =
      opt_.allow_bit_planes && !noisy && !x.gbits.empty() && d * x.gbit_planes <= 8 && steps * d <= 32;
  const GroupWords group_words = use_bits ? read_group_words(r, group) : GroupWords{};
  std::vector<uint64_t> xbits, xstep;
  const int64_t W = x.gbit_words;

  const int64_t B = std::max<int64_t>(1, opt_.block_vectors);
  MatrixXi xi(B, r);
  MatrixXf chunk(B, r), chunk_sq, y(B, cp), var, accf;
  NoiseBuffers nbuf;  // read-noise draws
  MatrixXd accd;
  if (float_acc)
    accf.resize(B, cp);
  else
    accd.resize(B, cp);
  std::vector<double> sumx(static_cast<size_t>(B));
  for (int64_t a = 0; a < n; a += B) {
    const int64_t nb = std::min(B, n - a);
    if (nb != xi.rows()) {
      xi.resize(nb, r);
      chunk.resize(nb, r);
      y.resize(nb, cp);
      if (float_acc)
        accf.resize(nb, cp);
      else
        accd.resize(nb, cp);
    }
    for (int64_t v = 0; v < nb; ++v) {
      int32_t* dst = xi.row(v).data();
      gather(codes, a + v, dst);
      int64_t s = 0;
      for (int64_t i = 0; i < r; ++i) s += dst[i];
      sumx[static_cast<size_t>(v)] = static_cast<double>(s);
    }
    if (float_acc)
      accf.setZero();
    else
      accd.setZero();
    for (int t = 0; t < steps; ++t) {
      const int shift = t * d;
      if (use_bits) {
        if (t == 0) pack_input_bits(xi, nb, r, steps * d, W, xbits);
        step_bit_planes(xbits, nb, steps, d, t, W, xstep);
      } else {
        step_chunk(xi, nb * r, shift, mask, chunk);
      }
      if (noisy && d > 1) chunk_sq = chunk.cwiseProduct(chunk);  // 1-bit chunks are their own squares
      const MatrixXf& csq = d > 1 ? chunk_sq : chunk;
      for (int64_t g0 = 0; g0 < r; g0 += group) {
        const int64_t gl = std::min(group, r - g0);
        // One read: the rows of this operation unit driven with this input chunk.
        if (use_bits)
          bit_plane_reads({xstep.data(), &x, d, nb, &group_words[static_cast<size_t>(g0 / group)], gl == r, y.data()});
        else if (gl == r)
          y.noalias() = chunk * x.g;
        else
          y.noalias() = chunk.middleCols(g0, gl) * x.g.middleRows(g0, gl);
        if (noisy) {
          // Independent per-cell read noise sums to a Gaussian column noise of
          // std sigma * sqrt(sum_i (v_i g_i)^2).
          var.noalias() = csq.middleCols(g0, gl) * x.g_squared.middleRows(g0, gl);
          add_read_noise(y, var, static_cast<float>(ni.read_noise_sigma), noise, nbuf);
        }
        if (calibrating) x.calibrated_max = std::max(x.calibrated_max, static_cast<double>(y.maxCoeff()));
        convert_and_accumulate(y.data(), nb * cp, shift, calibrating, float_acc, {x.lsb, inv_lsb, max_code_f, adc_max},
                               accf, accd);
      }
    }
    // Shift-and-add, then the digital corrections (offset * input sum, zero point * weight sum).
    if (calibrating) add_read_sums(x, accd, nb);
    const double gain = (calibrating ? 1.0 : x.lsb) * layers_[static_cast<size_t>(x.mapped_layer)].drift_scale;
    const ShiftAdd sa{spc, gain, offset ? O : 0.0, zero, sumx.data()};
    if (float_acc)
      shift_and_add(x, accf, nb, out, a, sa);
    else
      shift_and_add(x, accd, nb, out, a, sa);
  }
}

MatrixXd FunctionalModel::quantized_layer_int(int ml, const MatrixXf& v) const {
  const LayerModel& lm = layers_.at(static_cast<size_t>(ml));
  const MatrixXf codes = quantize_inputs(v, lm.iquant);
  return exact_int_product(codes, lm.iquant.zero, lm.wq, lm.iquant.max_code(), lm.wquant.qmax());
}

MatrixXd FunctionalModel::hardware_layer_int(int ml, const MatrixXf& v) {
  LayerModel& lm = layers_.at(static_cast<size_t>(ml));
  const MatrixXi codes = quantize_inputs_int(v, lm.iquant);
  MatrixXd out = MatrixXd::Zero(v.rows(), lm.m.cols());
  for (int xi : lm.crossbars) run_crossbar(xbars_[static_cast<size_t>(xi)], codes, lm.iquant.zero, out, false);
  // Input bit density: every code is fed dac_bits at a time over input_steps reads.
  const int d = arch_.precision.dac_bits, steps = arch_.input_steps();
  const uint32_t mask = (1u << d) - 1;
  int64_t levels = 0;
  for (int64_t i = 0; i < codes.size(); ++i) {
    const uint32_t code = static_cast<uint32_t>(codes.data()[i]);
    if (d == 1)
      levels += __builtin_popcount(code);
    else
      for (int s = 0; s < steps; ++s) levels += (code >> (s * d)) & mask;
  }
  lm.input_level_sum += static_cast<double>(levels) / static_cast<double>(mask);
  lm.input_level_count += static_cast<int64_t>(codes.size()) * steps;
  return out;
}

namespace {
MatrixXf dequantize(const MatrixXd& ints, const LayerModel& lm) {
  const double s = lm.iquant.scale * lm.wquant.scale;
  return (ints.array() * s).cast<float>().matrix();
}
}  // namespace

Acts FunctionalModel::forward_float(const Acts& images) const {
  return forward(net_, images, [&](int li, const MatrixXf& v) -> MatrixXf {
    return v * layers_[static_cast<size_t>(mapped_layer_of(li))].m;
  });
}

Acts FunctionalModel::forward_quantized(const Acts& images) const {
  return forward(net_, images, [&](int li, const MatrixXf& v) -> MatrixXf {
    const int ml = mapped_layer_of(li);
    return dequantize(quantized_layer_int(ml, v), layers_[static_cast<size_t>(ml)]);
  });
}

Acts FunctionalModel::forward_hardware(const Acts& images) {
  return forward(net_, images, [&](int li, const MatrixXf& v) -> MatrixXf {
    const int ml = mapped_layer_of(li);
    return dequantize(hardware_layer_int(ml, v), layers_[static_cast<size_t>(ml)]);
  });
}

void FunctionalModel::calibrate(const Acts& images, int64_t batch_images) {
  if (images.rows() == 0) throw InputError("calibration needs at least one image");
  std::vector<double> lo(layers_.size(), 0.0), hi(layers_.size(), 0.0);
  const int64_t B = std::max<int64_t>(1, batch_images);
  for (int64_t a = 0; a < images.rows(); a += B) {
    const Acts batch = images.middleRows(a, std::min(B, images.rows() - a));
    forward(net_, batch, [&](int li, const MatrixXf& v) -> MatrixXf {
      const size_t ml = static_cast<size_t>(mapped_layer_of(li));
      if (v.size()) {
        lo[ml] = std::min(lo[ml], static_cast<double>(v.minCoeff()));
        hi[ml] = std::max(hi[ml], static_cast<double>(v.maxCoeff()));
      }
      return v * layers_[ml].m;
    });
  }
  for (size_t i = 0; i < layers_.size(); ++i)
    layers_[i].iquant = make_input_quant(lo[i], hi[i], arch_.precision.input_bits);
  calibrated_ = true;
  const auto& ni = arch_.nonideal;
  for (auto& lm : layers_) lm.drift_scale = 1.0;
  if (ni.drift_active() && ni.drift_compensation) {
    // Global drift compensation: the reads the calibration images give right after
    // programming (t0) against those at time_s, one factor per layer. The time_s pass is
    // the last, so a calibrated ADC range is the drifted one.
    // Every layer is fed the float reference's inputs in both passes, so that each factor
    // measures its own layer's drift only.
    program_all(ni.drift_t0_s);
    const std::vector<double> at_t0 = calibration_reads(images, B, true);
    program_all(ni.time_s);
    const std::vector<double> at_t = calibration_reads(images, B, true);
    for (size_t l = 0; l < layers_.size(); ++l) layers_[l].drift_scale = at_t[l] > 0.0 ? at_t0[l] / at_t[l] : 1.0;
  }
  if (ni.adc_range == "calibrated") calibration_reads(images, B, false);
  set_adc_ranges();
}

std::vector<double> FunctionalModel::calibration_reads(const Acts& images, int64_t B, bool float_inputs) {
  for (auto& x : xbars_) x.calibrated_max = 0.0, x.read_sum = 0.0;
  for (int64_t a = 0; a < images.rows(); a += B) {
    const Acts batch = images.middleRows(a, std::min(B, images.rows() - a));
    forward(net_, batch, [&](int li, const MatrixXf& v) -> MatrixXf {
      const int ml = mapped_layer_of(li);
      LayerModel& lm = layers_[static_cast<size_t>(ml)];
      const MatrixXi codes = quantize_inputs_int(v, lm.iquant);
      MatrixXd out = MatrixXd::Zero(v.rows(), lm.m.cols());
      for (int xi : lm.crossbars) run_crossbar(xbars_[static_cast<size_t>(xi)], codes, lm.iquant.zero, out, true);
      return float_inputs ? MatrixXf(v * lm.m) : dequantize(out, lm);
    });
  }
  std::vector<double> sums(layers_.size(), 0.0);
  for (const auto& x : xbars_) sums[static_cast<size_t>(x.mapped_layer)] += x.read_sum;
  return sums;
}

double FunctionalModel::bare_products_cpu_seconds(const Acts& images) {
  std::vector<MatrixXf> codes(layers_.size());
  forward(net_, images, [&](int li, const MatrixXf& v) -> MatrixXf {
    const size_t ml = static_cast<size_t>(mapped_layer_of(li));
    codes[ml] = quantize_inputs(v, layers_[ml].iquant);
    return v * layers_[ml].m;
  });
  const int steps = arch_.input_steps();
  double total = 0.0;
  MatrixXf y;
  for (const auto& x : xbars_) {
    const MatrixXf& c = codes[static_cast<size_t>(x.mapped_layer)];
    const int64_t r = static_cast<int64_t>(x.rows.size());
    if (r == 0 || x.cols.empty()) continue;
    MatrixXf chunk(c.rows(), r);
    for (int64_t v = 0; v < c.rows(); ++v)
      for (int64_t i = 0; i < r; ++i)
        chunk(v, i) = static_cast<float>(static_cast<int32_t>(c(v, x.rows[static_cast<size_t>(i)])) & 1);
    const int64_t group = std::min<int64_t>(arch_.ou_rows_eff(), r);
    double sink = 0.0;
    const double t0 = cpu_seconds();
    for (int t = 0; t < steps; ++t)
      for (int64_t g0 = 0; g0 < r; g0 += group) {
        const int64_t gl = std::min(group, r - g0);
        if (gl == r)
          y.noalias() = chunk * x.g;
        else
          y.noalias() = chunk.middleCols(g0, gl) * x.g.middleRows(g0, gl);
        sink += static_cast<double>(y(0, 0));
      }
    total += cpu_seconds() - t0;
    if (sink == -1.2345) total += 0.0;  // keeps the products observable
  }
  return total;
}

json FunctionalModel::summary() const {
  json layers = json::array();
  for (const auto& lm : layers_) {
    int64_t lossless = 0, stuck = 0;
    int bits_min = 99, bits_max = 0;
    double lsb_min = std::numeric_limits<double>::infinity(), lsb_max = 0.0;
    for (int xi : lm.crossbars) {
      const auto& x = xbars_[static_cast<size_t>(xi)];
      lossless += x.lossless ? 1 : 0;
      stuck += x.stuck_cells;
      lsb_min = std::min(lsb_min, x.lsb);
      lsb_max = std::max(lsb_max, x.lsb);
      bits_min = std::min(bits_min, x.adc_bits);
      bits_max = std::max(bits_max, x.adc_bits);
    }
    if (lm.crossbars.empty()) lsb_min = 0.0, bits_min = 0;
    layers.push_back({{"name", lm.name},
                      {"crossbars", lm.crossbars.size()},
                      {"input_range", {lm.iquant.lo, lm.iquant.hi}},
                      {"input_scale", lm.iquant.scale},
                      {"input_zero_point", lm.iquant.zero},
                      {"weight_scale", lm.wquant.scale},
                      {"adc_lsb_levels_min", lsb_min},
                      {"adc_lsb_levels_max", lsb_max},
                      {"adc_lossless_crossbars", lossless},
                      {"adc_bits_min", bits_min},
                      {"adc_bits_max", bits_max},
                      {"stuck_cells", stuck},
                      {"drift_scale", lm.drift_scale},
                      {"input_bit_density", lm.input_bit_density()}});
  }
  int64_t stuck = 0, cells = 0, pulses = 0, capped = 0;
  double sq = 0.0;
  std::map<int, int64_t> bits;
  for (const auto& x : xbars_) {
    stuck += x.stuck_cells, ++bits[x.adc_bits];
    cells += x.program_cells, pulses += x.program_pulses, capped += x.program_capped, sq += x.program_sq_error;
  }
  const auto& ni = arch_.nonideal;
  const double level_max = static_cast<double>((int64_t{1} << arch_.crossbar.cell_bits) - 1);
  const int64_t healthy = cells - stuck;
  // Residual programming error of the healthy cells, RMS, as a fraction of g_max - g_min.
  const json programming = {
      {"cells", cells},
      {"pulses", pulses},
      {"pulses_per_cell", cells ? static_cast<double>(pulses) / static_cast<double>(cells) : 0.0},
      {"cells_at_pulse_limit", capped},
      {"residual_error_rms", healthy ? std::sqrt(sq / static_cast<double>(healthy)) / level_max : 0.0},
      {"program_sigma", ni.program_sigma},
      {"write_verify_tolerance", ni.write_verify_tolerance},
      {"write_verify_max_pulses", ni.write_verify_max_pulses}};
  const json drift = {{"active", ni.drift_active()},   {"time_s", ni.time_s},
                      {"t0_s", ni.drift_t0_s},         {"nu_mean", ni.drift_nu_mean},
                      {"nu_sigma", ni.drift_nu_sigma}, {"compensation", ni.drift_compensation}};
  json hist = json::object();
  for (const auto& [b, n] : bits) hist[std::to_string(b)] = n;
  return {{"adc_range", arch_.nonideal.adc_range},
          {"adc_bits", arch_.precision.adc_bits_per_crossbar ? json("per_crossbar") : json(arch_.precision.adc_bits)},
          {"adc_bits_crossbars", hist},
          {"ideal_devices", ideal_devices_},
          {"lossless_shortcut_allowed", opt_.allow_lossless_shortcut},
          {"crossbars", xbars_.size()},
          {"adc_lossless_crossbars", lossless_crossbars()},
          {"stuck_cells", stuck},
          {"programming", programming},
          {"drift", drift},
          {"layers", layers}};
}

}  // namespace reram::functional
