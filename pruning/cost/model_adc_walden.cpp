// `walden`: an ADC costed by a Walden figure of merit, energy = FOM x 2^bits per conversion
// (the technology-limited regime), area likewise per conversion step. The worked example
// of docs/extending.md: one file and one line in models.def.
#include <cmath>

#include "pruning/cost/physical.h"

namespace reram::cost {
namespace {

class WaldenAdc : public CostModel {
 public:
  explicit WaldenAdc(Params& p) {
    fom_fj_ = p.real("fom_fj_per_step", 5.0, "fJ", "Walden figure of merit: energy per conversion step", 0, 1e6, true);
    area_um2_ = p.real("area_um2_per_step", 4.0, "um2", "area per conversion step (2^bits steps)", 0, 1e9);
  }
  ComponentTech cost(const CostContext& ctx) const override {
    const double steps = std::ldexp(1.0, ctx.arch->precision.adc_bits);
    ComponentTech t;
    t.energy_pj = fom_fj_ * steps * 1e-3;
    t.area_mm2 = area_um2_ * steps / kUm2PerMm2;
    return t;
  }

 private:
  double fom_fj_, area_um2_;
};

}  // namespace
}  // namespace reram::cost

RERAM_COST_MODEL(walden, "walden", "ADC from a Walden figure of merit: energy and area per conversion step x 2^bits",
                 {"adc"}, WaldenAdc)
