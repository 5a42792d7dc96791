// `cell_write`: one cell written with the device's pulses (and verify reads), at the mean
// stored level; its latency is one cell's expected pulses. Costs the attention operands
// written into crossbars per input (chip.dynamic_products = "crossbar").
// docs/cost-models.md, "Cell writes".
#include "pruning/cost/cell_write.h"
#include "pruning/cost/physical.h"

namespace reram::cost {
namespace {

class CellWrite : public CostModel {
 public:
  explicit CellWrite(Params& p) {
    level_ = p.real("level_fraction", 0.5, "", "mean stored level between g_min (0) and g_max (1)", 0.0, 1.0);
  }
  ComponentTech cost(const CostContext& ctx) const override {
    const ArchConfig& a = *ctx.arch;
    ComponentTech t;
    t.energy_pj = cell_write_energy_pj(a, level_);
    t.latency_ns = rows_write_ns(a, 1.0, 1);
    return t;
  }

 private:
  double level_;
};

}  // namespace
}  // namespace reram::cost

RERAM_COST_MODEL(cell_write, "cell_write",
                 "one cell programmed by the device's write pulses (device.v_write, write_pulse_ns; write-verify)",
                 (std::vector<std::string>{"cell_write"}), CellWrite)
