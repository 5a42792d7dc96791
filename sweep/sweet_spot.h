#pragma once
// The sweet-spot report of a finished sweep: the configuration with the best energy
// efficiency (TOPS/W) and the one with the best energy-delay product among the points
// whose accuracy loss stays within a bound, and the trade-off behind it in numbers
// (crossbars saved versus peripheral energy paid).
#include <string>

#include "pruning/core/json_util.h"

namespace reram::sweep {

struct SweetSpotOptions {
  double max_accuracy_loss = 0.01;  // absolute, in accuracy units (0.01 = one point)
  double reference_accuracy = -1;   // < 0: the rows' reference_accuracy (unpruned network), else the
                                    // best dense point's accuracy, else the best point's
  int baseline_index = -1;          // point to compare with; < 0: the most accurate dense point
};

// `rows` as in results.json. Returns {"best_tops_per_w": row, "best_edp": row, "eligible": n,
// "reference_accuracy": x, "baseline": row, "comparison": {...}}; throws when no row is usable.
json sweet_spot(const json& rows, const SweetSpotOptions& opt);
// The report as Markdown text.
std::string sweet_spot_text(const json& report);

}  // namespace reram::sweep
