// `table`: fixed figures per action and per instance, whatever the other parameters
// (the published-figure configs isaac.json and puma.json use it).
#include "pruning/cost/cost_model.h"

namespace reram::cost {
namespace {

class TableModel : public CostModel {
 public:
  explicit TableModel(Params& p) {
    t_.energy_pj = p.real("energy_pj", 0.0, "pJ", "energy of one action");
    t_.leakage_mw = p.real("leakage_mw", 0.0, "mW", "static power of one instance");
    t_.area_mm2 = p.real("area_mm2", 0.0, "mm2", "area of one instance");
    p.note("note", "where the figures come from (free text)");
  }
  ComponentTech cost(const CostContext&) const override { return t_; }

 private:
  ComponentTech t_;
};

}  // namespace
}  // namespace reram::cost

RERAM_COST_MODEL(table, "table", "fixed energy per action, leakage and area, whatever the configuration", {},
                 TableModel)
