// `digital`: logic whose energy and area are linear in its bit width (adders, comparators,
// muxes, registers, controllers), from NAND2-equivalent gates and flip-flops at the node.
// docs/cost-models.md, "Digital blocks".
#include <cmath>
#include <map>

#include "pruning/cost/physical.h"

namespace reram::cost {
namespace {

// Per component: width (from the config), gates per bit, flip-flops per bit, fixed
// gates, switching activity. Adders are ripple-carry (9 NAND2 per bit, NeuroSim's
// adder activity 0.15); the others are stated in docs/cost-models.md.
struct Shape {
  double width, gates_per_bit, dff_per_bit, fixed_gates, activity;
};

Shape default_shape(const ArchConfig& a, const std::string& c) {
  const double act = a.precision.activation_bits;
  if (c == "shift_add") return {double(shift_add_width_bits(a)), 9, 1, 0, 0.15};
  if (c == "tile_shift_add" || c == "output_recombine") return {act, 9, 1, 0, 0.15};
  if (c == "activation") return {act, 2, 0, 0, 0.5};  // ReLU: a sign test and a mux per bit
  if (c == "pooling") return {act, 6, 1, 0, 0.5};     // max: a comparator and a mux per bit, a register
  // Array multiplier ~10 w^2 NAND2 (w^2 AND + w(w-1) full adders), 2w-bit accumulator.
  if (c == "matmul") return {act, 10 * act + 18, 2, 0, 0.25};
  // exp by a piecewise-linear segment (a multiply-add) and the multiply by 1/sum, a running sum.
  if (c == "softmax") return {act, 20 * act + 9, 2, 200, 0.25};
  // mean and square sums, (x - mean) * rstd * gamma + beta: three multiplies, three adds.
  if (c == "normalization") return {act, 30 * act + 36, 3, 200, 0.25};
  if (c == "adc_mux") return {1, 1, 0, std::ceil(std::log2(std::max(2, a.crossbar.cols))), 0.5};  // one switch path
  if (c == "input_gather")
    return {double(a.precision.dac_bits), std::ceil(std::log2(std::max(2, a.crossbar.rows))), 0, 0, 0.5};
  if (c == "pe_controller") return {0, 0, 0, 500, 0.2};
  if (c == "tile_controller") return {0, 0, 0, 2000, 0.2};
  return {act, 9, 1, 0, 0.15};
}

class Digital : public CostModel {
 public:
  explicit Digital(Params& p) {
    width_ = p.real("width_bits", 0, "bits", "datapath width (0 = from the config, per component: docs/cost-models.md)",
                    0, 1024);
    gpb_ = p.real("gates_per_bit", -1, "NAND2", "gates per bit (-1 = per component default)", -1, 1e6);
    dff_ = p.real("dff_per_bit", -1, "", "flip-flops per bit (-1 = per component default)", -1, 1e3);
    fixed_ = p.real("fixed_gates", -1, "NAND2", "gates independent of width (-1 = per component default)", -1, 1e9);
    activity_ =
        p.real("activity", -1, "", "fraction of gates switching per action (-1 = per component default)", -1, 1);
  }
  ComponentTech cost(const CostContext& ctx) const override {
    const double nm = node_nm(ctx);
    Shape s = default_shape(*ctx.arch, ctx.component);
    if (width_ > 0) s.width = width_;
    if (gpb_ >= 0) s.gates_per_bit = gpb_;
    if (dff_ >= 0) s.dff_per_bit = dff_;
    if (fixed_ >= 0) s.fixed_gates = fixed_;
    if (activity_ >= 0) s.activity = activity_;
    const double gates = s.width * s.gates_per_bit + s.fixed_gates, dffs = s.width * s.dff_per_bit;
    ComponentTech t;
    t.energy_pj = (gates * s.activity * nand2_energy_fj(nm) + dffs * dff_energy_fj(nm)) * 1e-3;
    t.area_mm2 = (gates * nand2_area_um2(nm) + dffs * dff_area_um2(nm)) / kUm2PerMm2;
    t.leakage_mw = (gates + 6 * dffs) * nand2_leakage_nw(nm) * 1e-6;
    return t;
  }

 private:
  double width_, gpb_, dff_, fixed_, activity_;
};

}  // namespace
}  // namespace reram::cost

RERAM_COST_MODEL(digital, "digital", "logic linear in bit width: NAND2-equivalent gates and flip-flops at the node",
                 (std::vector<std::string>{"shift_add", "tile_shift_add", "output_recombine", "activation", "pooling",
                                           "matmul", "softmax", "normalization", "adc_mux", "input_gather",
                                           "pe_controller", "tile_controller"}),
                 Digital)
