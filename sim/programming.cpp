#include "sim/programming.h"

#include <algorithm>
#include <cmath>

namespace reram::sim {

namespace {

// Probability that one pulse lands within the tolerance: P(|N(0, sigma)| <= tol).
double accept_probability(const NonIdealParams& n) {
  if (n.write_verify_tolerance <= 0.0 || n.program_sigma <= 0.0) return 1.0;
  return std::erf(n.write_verify_tolerance / (n.program_sigma * std::sqrt(2.0)));
}

int pulse_limit(const NonIdealParams& n) { return n.write_verify_tolerance > 0.0 ? n.write_verify_max_pulses : 1; }

// P(one cell needs at most k pulses), k < the limit: healthy and accepted within k.
double done_within(const NonIdealParams& n, int k) {
  const double healthy = 1.0 - n.stuck_on_rate - n.stuck_off_rate;
  return healthy * (1.0 - std::pow(1.0 - accept_probability(n), k));
}

}  // namespace

double expected_pulses_per_cell(const ArchConfig& a) {
  double e = 0.0;
  for (int k = 0; k < pulse_limit(a.nonideal); ++k) e += 1.0 - done_within(a.nonideal, k);
  return e;
}

double expected_row_pulses(const ArchConfig& a, int64_t n) {
  double e = 0.0;
  for (int k = 0; k < pulse_limit(a.nonideal); ++k)
    e += 1.0 - std::pow(done_within(a.nonideal, k), static_cast<double>(n));
  return e;
}

json programming_phase(const Mapping& m, const ArchConfig& a, const std::vector<double>& frac) {
  const auto& n = a.nonideal;
  const auto& d = a.device;
  const bool verify = n.write_verify_tolerance > 0.0;
  const double per_cell = expected_pulses_per_cell(a);
  const double g_min = a.crossbar.g_min_us * 1e-6, g_max = a.crossbar.g_max_us * 1e-6;  // S
  // One pulse: V_w^2 G t_pulse; with write-verify also one read V_r^2 G t_verify (J per S).
  const double j_per_siemens =
      d.v_write * d.v_write * d.write_pulse_ns * 1e-9 + (verify ? d.v_read * d.v_read * d.verify_read_ns * 1e-9 : 0.0);
  const double pulse_ns = d.write_pulse_ns + (verify ? d.verify_read_ns : 0.0);
  const int bpw = a.bitlines_per_weight();
  double cells = 0.0, energy_j = 0.0, time_ns = 0.0, level_sum = 0.0;
  for (const PhysicalCrossbar& x : m.crossbars) {
    const double rows = static_cast<double>(x.rows.size());
    const int64_t lines = static_cast<int64_t>(x.cols.size()) * bpw;
    const double c = rows * static_cast<double>(lines);
    const double f = frac.empty() ? 0.5 : frac[static_cast<size_t>(x.id)];
    cells += c;
    level_sum += c * f;
    energy_j += c * per_cell * (g_min + f * (g_max - g_min)) * j_per_siemens;
    if (lines > 0) time_ns = std::max(time_ns, rows * expected_row_pulses(a, lines) * pulse_ns);
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
