// `crossbar_rc`: a crossbar array from its cells and lines. Area from the cell footprint
// at the node; read energy from the conduction of the cells actually read (the mapping's
// stored conductances, an input bit density); read latency from the read pulse plus the
// settling of the word and bit lines' distributed RC to half an ADC LSB.
// docs/cost-models.md, "crossbar_rc".
#include <cmath>

#include "pruning/cost/physical.h"

namespace reram::cost {
namespace {

class CrossbarRc : public CostModel {
 public:
  explicit CrossbarRc(Params& p) {
    pulse_ns_ = p.real("read_pulse_ns", 10.0, "ns",
                       "width of the read pulse a cell conducts for (NeuroSim V1.4: 10 ns)", 0.0, 1e6, true);
    density_ = p.real("input_bit_density", 0.5, "", "fraction of driven word lines whose input bit is 1", 0.0, 1.0);
    nominal_g_ = p.real("nominal_g_fraction", 0.5, "",
                        "mean stored level (0 = g_min, 1 = g_max) assumed where the mapping has no weights", 0.0, 1.0);
  }
  bool data_dependent() const override { return true; }
  bool has_latency() const override { return true; }

  ComponentTech cost(const CostContext& ctx) const override {
    const ArchConfig& a = *ctx.arch;
    node_nm(ctx);
    const CrossbarLines l = crossbar_lines(a);
    ComponentTech t;
    t.area_mm2 = l.row_len_um * l.col_len_um / kUm2PerMm2;
    // One cell read: a driven cell conducts V^2 G for the pulse (only when its input bit is 1).
    const double f = ctx.g_fraction >= 0 ? ctx.g_fraction : nominal_g_;
    const double g_s = (a.crossbar.g_min_us + f * (a.crossbar.g_max_us - a.crossbar.g_min_us)) * 1e-6;
    const double v = a.device.v_read;
    const double d = ctx.input_density >= 0 ? ctx.input_density : density_;
    t.energy_pj = d * v * v * g_s * pulse_ns_ * 1e-9 * 1e12;
    // Settling of a distributed RC line (tau = R C / 2) to half an LSB of the ADC:
    // (adc_bits + 1) ln 2 time constants, word line then bit line.
    const double tau_ns = (l.r_row_ohm * l.c_row_ff + l.r_col_ohm * l.c_col_ff) * 0.5 * 1e-6;
    t.latency_ns = pulse_ns_ + (a.precision.adc_bits + 1) * std::log(2.0) * tau_ns;
    return t;
  }

 private:
  double pulse_ns_, density_, nominal_g_;
};

}  // namespace
}  // namespace reram::cost

RERAM_COST_MODEL(crossbar_rc, "crossbar_rc",
                 "cell area at the node; conduction energy of the stored conductances; RC settling + read pulse",
                 {"crossbar"}, CrossbarRc)
