// Analogue periphery of a crossbar: `driver` (word-line drivers, 1-bit or multi-bit DACs)
// and `sample_hold_ktc` (a sample-and-hold sized by kT/C noise for the ADC resolution).
// docs/cost-models.md, "Drivers and DACs" and "Sample-and-hold".
#include <cmath>

#include "pruning/cost/physical.h"

namespace reram::cost {
namespace {

// One row's driver: it charges the word line (and, in a 1T1R array, the access
// transistors' gates along it) when the row's input is non-zero. A multi-bit DAC adds a
// ladder of 2^b - 1 unit elements, one switching per level step.
class Driver : public CostModel {
 public:
  explicit Driver(Params& p) {
    density_ =
        p.real("input_bit_density", 0.5, "", "mean input level per drive (1-bit: the fraction of 1 bits)", 0.0, 1.0);
    access_w_f_ =
        p.real("access_width_f", 4.0, "F", "width of a 1T1R access transistor, in F of the node", 0.0, 1e3, true);
    stages_ = p.real("driver_transistors", 8, "",
                     "minimum transistors of one 1-bit driver (two inverter stages, 2x sized)", 0.0, 1e6, true);
  }
  bool data_dependent() const override { return true; }
  ComponentTech cost(const CostContext& ctx) const override {
    const ArchConfig& a = *ctx.arch;
    const double nm = node_nm(ctx);
    const CrossbarLines l = crossbar_lines(a);
    const double density = ctx.input_density >= 0 ? ctx.input_density : density_;
    const bool one_t = a.device.cell_type == "1t1r";
    // 1T1R: the word line is the access transistors' gate line, driven to Vdd; 0T1R: the
    // line itself is driven to the read voltage.
    const double c_load_ff = l.c_row_ff + (one_t ? a.crossbar.cols * access_w_f_ * nm * 1e-3 * kGateCapFfPerUm : 0.0);
    const double v = one_t ? vdd_v(nm) : a.device.v_read;
    const double vdd = vdd_v(nm);
    // Charging the line: a 1-bit input drives it fully when its bit is 1; a b-bit DAC drives
    // it to a level k / (2^b - 1) of the swing from the same supply (C V v), so in both the
    // mean energy is density x C V^2, `density` being the mean input level. The driver's own
    // input capacitance is about a quarter of its load (fan-out of 4).
    double e_fj = density * (c_load_ff * v * v + 0.25 * c_load_ff * vdd * vdd);
    double area_um2 = stages_ * min_transistor_area_um2(nm);
    const int b = a.precision.dac_bits;
    if (b > 1) {
      // A b-bit DAC adds a ladder of 2^b - 1 unit elements (a switch and a unit source
      // each), all of which switch once per conversion.
      const double units = std::ldexp(1.0, b) - 1;
      e_fj += units * nand2_energy_fj(nm);
      area_um2 += units * 2 * min_transistor_area_um2(nm);
    }
    ComponentTech t;
    t.energy_pj = e_fj * 1e-3;
    t.area_mm2 = area_um2 / kUm2PerMm2;
    t.leakage_mw = stages_ * 0.25 * nand2_leakage_nw(nm) * 1e-6;
    return t;
  }

 private:
  double density_, access_w_f_, stages_;
};

// Holds one bit line's result for the ADC. The hold capacitor must keep kT/C noise
// below half an LSB of the ADC's full scale: C >= 4 kT 4^b / V_fs^2 (at least c_min_ff).
class SampleHoldKtc : public CostModel {
 public:
  explicit SampleHoldKtc(Params& p) {
    vfs_ = p.real("full_scale_v", 0.0, "V", "full-scale voltage held (0 = half the node's Vdd)", 0.0, 10.0);
    cmin_ = p.real("c_min_ff", 1.0, "fF", "smallest capacitor drawn", 0.0, 1e6);
    density_ = p.real("cap_density_ff_per_um2", 10.0, "fF/um2", "capacitor density (MOS capacitor)", 0.0, 1e6, true);
    temp_ = p.real("temperature_k", 300.0, "K", "operating temperature", 0.0, 1e4, true);
  }
  ComponentTech cost(const CostContext& ctx) const override {
    const double nm = node_nm(ctx);
    const double vfs = vfs_ > 0 ? vfs_ : 0.5 * vdd_v(nm);
    const double b = ctx.arch->precision.adc_bits;
    const double c_ff = std::max(cmin_, 4.0 * kBoltzmannJPerK * temp_ * std::pow(4.0, b) / (vfs * vfs) * 1e15);
    ComponentTech t;
    t.energy_pj = c_ff * vfs * vfs * 1e-3;                                          // fF V^2 = fJ
    t.area_mm2 = (c_ff / density_ + 2 * min_transistor_area_um2(nm)) / kUm2PerMm2;  // capacitor + switch
    return t;
  }

 private:
  double vfs_, cmin_, density_, temp_;
};

}  // namespace
}  // namespace reram::cost

RERAM_COST_MODEL(
    driver, "driver",
    "word-line driver (1-bit) or DAC (multi-bit): line and gate charging at the node, ladder for 2^b - 1 levels",
    {"dac"}, Driver)
RERAM_COST_MODEL(sample_hold_ktc, "sample_hold_ktc",
                 "sample-and-hold whose capacitor keeps kT/C noise below half an ADC LSB", {"sample_hold"},
                 SampleHoldKtc)
