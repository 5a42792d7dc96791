#include "sim/programming.h"

#include <algorithm>
#include <cmath>

namespace reram::sim {

using cost::accept_probability;

json programming_phase(const Mapping& m, const ArchConfig& a, const std::vector<double>& frac) {
  const auto& n = a.nonideal;
  const bool verify = n.write_verify_tolerance > 0.0;
  const double per_cell = expected_pulses_per_cell(a);
  const int bpw = a.bitlines_per_weight();
  double cells = 0.0, energy_j = 0.0, time_ns = 0.0, level_sum = 0.0;
  for (const PhysicalCrossbar& x : m.crossbars) {
    const double rows = static_cast<double>(x.rows.size());
    const int64_t lines = static_cast<int64_t>(x.cols.size()) * bpw;
    const double c = rows * static_cast<double>(lines);
    const double f = frac.empty() ? 0.5 : frac[static_cast<size_t>(x.id)];
    cells += c;
    level_sum += c * f;
    energy_j += c * cell_write_energy_pj(a, f) * 1e-12;
    time_ns = std::max(time_ns, rows_write_ns(a, rows, lines));
  }
  return {{"cells", cells},
          {"pulses", cells * per_cell},
          {"pulses_per_cell", per_cell},
          {"accept_probability", accept_probability(n)},
          {"write_verify", verify},
          {"energy_pj", energy_j * 1e12},
          {"time_ns", time_ns},
          {"level_fraction", frac.empty() ? json("nominal 0.5") : json(cells > 0 ? level_sum / cells : 0.0)}};
}

}  // namespace reram::sim
