#include "pruning/cost/cell_write.h"

#include <cmath>

namespace reram::cost {

namespace {

int pulse_limit(const NonIdealParams& n) { return n.write_verify_tolerance > 0.0 ? n.write_verify_max_pulses : 1; }

// P(one cell needs at most k pulses), k < the limit: healthy and accepted within k.
double done_within(const NonIdealParams& n, int k) {
  const double healthy = 1.0 - n.stuck_on_rate - n.stuck_off_rate;
  return healthy * (1.0 - std::pow(1.0 - accept_probability(n), k));
}

double pulse_ns(const ArchConfig& a) {
  return a.device.write_pulse_ns + (a.nonideal.write_verify_tolerance > 0.0 ? a.device.verify_read_ns : 0.0);
}

}  // namespace

double accept_probability(const NonIdealParams& n) {
  if (n.write_verify_tolerance <= 0.0 || n.program_sigma <= 0.0) return 1.0;
  return std::erf(n.write_verify_tolerance / (n.program_sigma * std::sqrt(2.0)));
}

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

double cell_write_energy_pj(const ArchConfig& a, double f) {
  const auto& d = a.device;
  const bool verify = a.nonideal.write_verify_tolerance > 0.0;
  const double g_min = a.crossbar.g_min_us * 1e-6, g_max = a.crossbar.g_max_us * 1e-6;  // S
  // One pulse: V_w^2 G t_pulse; with write-verify also one read V_r^2 G t_verify (J per S).
  const double j_per_siemens =
      d.v_write * d.v_write * d.write_pulse_ns * 1e-9 + (verify ? d.v_read * d.v_read * d.verify_read_ns * 1e-9 : 0.0);
  return expected_pulses_per_cell(a) * (g_min + f * (g_max - g_min)) * j_per_siemens * 1e12;
}

double rows_write_ns(const ArchConfig& a, double rows, int64_t lines) {
  return lines > 0 ? rows * expected_row_pulses(a, lines) * pulse_ns(a) : 0.0;
}

}  // namespace reram::cost
