// The ADC models: `sar` (NeuroSim V1.4's SAR ADC), `flash` (2^b - 1 comparators) and
// `survey` (CiMLoop's envelope of published ADCs versus resolution, rate and node).
// docs/cost-models.md, "ADC".
#include <cmath>
#include <vector>

#include "pruning/core/error.h"
#include "pruning/cost/physical.h"

namespace reram::cost {
namespace {

// A per-node column of NeuroSim's tables, interpolated in nm.
double lerp(const std::vector<double>& y, double nm) { return lerp_nm(neurosim_nodes(), y, nm); }

// Channels a time-interleaved converter needs to deliver one conversion every
// `period_ns` when one channel takes `own_ns` (1 when the config asks for no rate).
double channels(const ArchConfig& a, double own_ns) {
  if (a.pe.adc_latency_auto) return 1.0;
  return std::max(1.0, std::ceil(own_ns / a.pe.adc_latency_ns - 1e-9));
}

// NeuroSim V1.4 SarADC.cpp (LSTP devices): power (a b + c) uW over (b + 1) bit cycles;
// area from its transistor count, A_N (269 + 109 (b - 1)) + A_P (209 + 73 (b - 1)), with
// minimum NMOS/PMOS areas A_N = A_P per node (CalculateGateArea, INV at W = 2F).
class SarAdc : public CostModel {
 public:
  explicit SarAdc(Params& p) {
    bit_ns_ = p.real("bit_cycle_ns", 1.0, "ns", "one successive-approximation step (NeuroSim: 1 ns)", 0.0, 1e6, true);
  }
  bool has_latency() const override { return true; }
  ComponentTech cost(const CostContext& ctx) const override {
    static const std::vector<double> a = {8.4483, 5.9869, 3.7506, 2.1691, 1.1294, 0.538, 0.3132, 0.1823, 0.1061};
    static const std::vector<double> c = {65.243, 37.462, 25.844, 16.693, 8.8998, 4.3753, 2.5681, 1.5073, 0.8847};
    static const std::vector<double> amin = {3.596, 1.724, 0.899, 0.431, 0.2179, 0.1030, 0.0898, 0.0422, 0.0274};
    const double nm = node_nm(ctx);
    const double b = ctx.arch->precision.adc_bits;
    ComponentTech t;
    t.latency_ns = (b + 1) * bit_ns_;
    const double power_uw = lerp(a, nm) * b + lerp(c, nm);
    t.energy_pj = power_uw * 1e-6 * t.latency_ns * 1e-9 * 1e12;
    const double n = channels(*ctx.arch, t.latency_ns);
    t.area_mm2 = n * lerp(amin, nm) * ((269 + 109 * (b - 1)) + (209 + 73 * (b - 1))) / kUm2PerMm2;
    if (n > 1) t.latency_ns = ctx.arch->pe.adc_latency_ns;
    return t;
  }

 private:
  double bit_ns_;
};

// A flash converter: 2^b - 1 comparators on a resistor ladder and a thermometer encoder;
// one comparison time per conversion.
class FlashAdc : public CostModel {
 public:
  explicit FlashAdc(Params& p) {
    cmp_gates_ = p.real("comparator_gates", 12, "NAND2", "switching of one comparator decision, in NAND2 transitions",
                        0, 1e6, true);
    cmp_tr_ =
        p.real("comparator_transistors", 20, "", "minimum transistors per comparator and ladder tap", 0, 1e6, true);
    cmp_ns_ =
        p.real("comparison_ns", 0.5, "ns", "one comparison at 32 nm (scaled with the node's delay)", 0, 1e6, true);
  }
  bool has_latency() const override { return true; }
  ComponentTech cost(const CostContext& ctx) const override {
    const double nm = node_nm(ctx);
    const int b = ctx.arch->precision.adc_bits;
    const double comparators = std::ldexp(1.0, b) - 1;
    ComponentTech t;
    // Comparators plus the encoder (b gates per thermometer code, half of them switching).
    t.energy_pj = (comparators * cmp_gates_ + 0.5 * comparators * b) * nand2_energy_fj(nm) * 1e-3;
    t.latency_ns = cmp_ns_ * delay_scale(32, nm);
    const double n = channels(*ctx.arch, t.latency_ns);
    t.area_mm2 =
        n * (comparators * cmp_tr_ * min_transistor_area_um2(nm) + comparators * b * nand2_area_um2(nm)) / kUm2PerMm2;
    if (n > 1) t.latency_ns = ctx.arch->pe.adc_latency_ns;
    return t;
  }

 private:
  double cmp_gates_, cmp_tr_, cmp_ns_;
};

// CiMLoop's ADC model (Accelergy ADC plug-in, adc_data/model.yaml): the best-case energy
// of the Murmann ADC survey at the resolution, the per-ADC rate f = 1 / pe.adc_latency_ns
// and the node; area from the survey's regression at its 10th percentile, over every
// converter (CiMLoop's coefficients) or over the single-channel SARs alone
// (scripts/fit_adc_survey.py).
class SurveyAdc : public CostModel {
 public:
  explicit SurveyAdc(Params& p) {
    p.note("note", "free text");
    sar_ =
        p.choice("architecture", "any", {"any", "sar"},
                 "converters the area regression is fitted over: every one (CiMLoop) or single-channel SARs") == "sar";
  }
  std::vector<std::string> warnings(const CostContext& ctx) const override {
    const int b = ctx.arch->precision.adc_bits;
    if (b >= 4 && b <= 20) return {};
    return {"technology.adc: the survey model covers 4 to 20 bits; precision.adc_bits=" + std::to_string(b) +
            (b < 4 ? " is costed as 4 bits" : " is outside its fit")};
  }
  ComponentTech cost(const CostContext& ctx) const override {
    const double T = node_nm(ctx);
    // The survey has no converters below 4 effective bits: fewer bits cost what 4 do.
    const double b = std::max(4, ctx.arch->precision.adc_bits);
    const double f = 1e9 / ctx.arch->pe.adc_latency_ns;  // conversions per second
    const double sndr = 6.0206 * b + 1.7609;
    const double foms = std::min(213.7807 - 2.87190 * std::log(f), 128.30683 + 3.220512 * std::min(std::ceil(b), 20.0));
    ComponentTech t;
    t.energy_pj = 1.0 / (2.0 * std::pow(10.0, (foms - sndr) / 10.0)) *
                  std::exp(26.04962 + 1.880037 * std::log(T) - 2.829126 * std::log(b) - 1.470202);
    // {intercept, ln T, ln f, ln energy_pj}
    static const double kAny[4] = {1.346192, 0.993279, 0.180715, 0.299124};
    static const double kSar[4] = {8.609757, 0.649636, -0.150737, 0.203739};
    const double* k = sar_ ? kSar : kAny;
    t.area_mm2 = std::exp(k[0] + k[1] * std::log(T) + k[2] * std::log(f) + k[3] * std::log(t.energy_pj)) / kUm2PerMm2;
    return t;
  }

 private:
  bool sar_ = false;
};

}  // namespace
}  // namespace reram::cost

RERAM_COST_MODEL(sar, "sar",
                 "successive-approximation ADC (NeuroSim V1.4): energy and area from bits and node, (b+1) bit cycles",
                 {"adc"}, SarAdc)
RERAM_COST_MODEL(flash, "flash", "flash ADC: 2^b - 1 comparators and an encoder, one comparison per conversion",
                 {"adc"}, FlashAdc)
RERAM_COST_MODEL(
    survey, "survey",
    "best-case envelope of published ADCs (CiMLoop): energy and area from bits, rate (pe.adc_latency_ns) and node",
    {"adc"}, SurveyAdc)
