#include "pruning/cost/technology.h"

#include <cmath>
#include <sstream>
#include <vector>

#include "pruning/core/error.h"

namespace reram::cost {

double lerp_nm(const std::vector<double>& x, const std::vector<double>& y, double nm) {
  if (nm >= x.front()) return y.front();
  if (nm <= x.back()) return y.back();
  for (size_t i = 1; i < x.size(); ++i)
    if (nm >= x[i]) return y[i - 1] + (y[i] - y[i - 1]) * (x[i - 1] - nm) / (x[i - 1] - x[i]);
  return y.back();
}

const std::vector<double>& neurosim_nodes() {
  static const std::vector<double> n = {130, 90, 65, 45, 32, 22, 14, 10, 7};
  return n;
}

namespace {

// NeuroSim V1.4 (Technology.cpp, Param.cpp): supply voltage and the Metal0 line width of
// each node.
const std::vector<double> kNsVdd = {1.3, 1.2, 1.1, 1.0, 0.9, 0.85, 0.8, 0.75, 0.7};
const std::vector<double> kNsWire = {175, 110, 105, 80, 56, 40, 32, 22, 20};

// Stillmaker & Baas 2017 as tabulated by Accelergy's hwcomponents (scaling/techscaling.py):
// relative area (the row "from 130 nm"), energy (its per-node polynomial in Vdd evaluated
// at 0.8 V), both interpolated linearly in the table position as hwcomponents does.
const std::vector<double> kSbNode = {130, 90, 65, 45, 32, 20, 16, 14, 10, 7};
// AREA_SCALING[from][to], read bilinearly in the two table positions as hwcomponents does.
const std::vector<std::vector<double>> kSbArea = {{1, 0.44, 0.23, 0.16, 0.072, 0.033, 0.03, 0.027, 0.016, 0.0092},
                                                  {2.3, 1, 0.53, 0.35, 0.16, 0.075, 0.067, 0.061, 0.036, 0.021},
                                                  {4.3, 1.9, 1, 0.66, 0.31, 0.14, 0.13, 0.12, 0.068, 0.039},
                                                  {6.4, 2.8, 1.5, 1, 0.46, 0.21, 0.19, 0.17, 0.1, 0.059},
                                                  {14, 6.1, 3.3, 2.2, 1, 0.46, 0.41, 0.38, 0.22, 0.13},
                                                  {30, 13, 7.1, 4.7, 2.2, 1, 0.89, 0.82, 0.48, 0.28},
                                                  {34, 15, 7.9, 5.3, 2.4, 1.1, 1, 0.91, 0.54, 0.31},
                                                  {37, 16, 8.7, 5.8, 2.7, 1.2, 1.1, 1, 0.59, 0.34},
                                                  {63, 28, 15, 9.8, 4.5, 2.1, 1.9, 1.7, 1, 0.58},
                                                  {110, 48, 25, 17, 7.8, 3.6, 3.2, 2.9, 1.7, 1}};

// Fractional table position of a node (linear in nm between table rows).
double position(double nm) {
  std::vector<double> idx(kSbNode.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = double(i);
  return lerp_nm(kSbNode, idx, nm);
}
const std::vector<double> kSbEnergy = {2.126, 1.315, 0.860, 0.693, 0.4569, 0.1532, 0.1203, 0.0962, 0.0816, 0.0654};

}  // namespace

void check_node(double nm, const char* where) {
  if (!(nm >= kMinNodeNm && nm <= kMaxNodeNm)) {
    std::ostringstream s;
    s << where << ": technology_nm=" << nm << " is outside the range the physical cost models cover (" << kMinNodeNm
      << " to " << kMaxNodeNm << " nm)";
    throw ConfigError(s.str());
  }
}

double vdd_v(double nm) { return lerp_nm(neurosim_nodes(), kNsVdd, nm); }
double cell_wire_width_nm(double nm) { return lerp_nm(neurosim_nodes(), kNsWire, nm); }

double wire_r_ohm_per_um(double w) {
  // Copper resistivity rises as lines narrow (surface and grain-boundary scattering);
  // NeuroSim's table (Param.cpp) gives resistivity and line aspect ratio by width band.
  struct Band {
    double min_nm, rho, ar;
  };
  static const std::vector<Band> t = {{175, 2.01e-8, 1.6}, {110, 2.20e-8, 1.6}, {105, 2.21e-8, 1.7}, {80, 2.37e-8, 1.7},
                                      {56, 2.63e-8, 1.8},  {40, 2.97e-8, 1.9},  {32, 3.25e-8, 2.0},  {22, 3.95e-8, 2.0},
                                      {20, 4.17e-8, 2.0},  {15, 4.98e-8, 2.0},  {12, 5.8e-8, 2.0},   {10, 6.61e-8, 2.0},
                                      {0, 7.87e-8, 3.0}};
  for (const Band& b : t)
    if (w >= b.min_nm) {
      const double wm = w * 1e-9;
      return b.rho / (wm * wm * b.ar) * 1e-6;  // ohm per metre -> per um
    }
  return 0.0;
}

double area_scale(double from, double to) {
  const double pf = position(from), pt = position(to);
  const size_t n = kSbNode.size() - 1;
  const size_t f0 = std::min(size_t(pf), n - 1), t0 = std::min(size_t(pt), n - 1);
  const double df = pf - double(f0), dt = pt - double(t0);
  auto at = [](size_t i, size_t j) { return kSbArea[i][j]; };
  return (1 - df) * ((1 - dt) * at(f0, t0) + dt * at(f0, t0 + 1)) +
         df * ((1 - dt) * at(f0 + 1, t0) + dt * at(f0 + 1, t0 + 1));
}
double energy_scale(double from, double to) {
  return lerp_nm(kSbNode, kSbEnergy, to) / lerp_nm(kSbNode, kSbEnergy, from);
}
double delay_scale(double from, double to) { return to / from; }

// Digital primitives, anchored at 32 nm on NeuroSim V1.4's gate models (formula.cpp,
// DFF.cpp, Adder.cpp, evaluated by the project: a minimum inverter 212.8 F^2, a
// ripple-carry adder bit = 9 NAND2 of 11.4F x 28F costing 2.04 fJ at 32 nm with NeuroSim's
// adder activity, a DFF 12 inverters costing 1.36 fJ per clocked bit) and carried to
// other nodes with the Stillmaker & Baas factors above.
double min_transistor_area_um2(double nm) { return 212.8 * (nm * 1e-3) * (nm * 1e-3); }
double nand2_area_um2(double nm) { return 11.4 * 28.0 * (nm * 1e-3) * (nm * 1e-3); }
double nand2_energy_fj(double nm) { return 2.04 / 9.0 / 0.15 * energy_scale(32, nm); }  // per transition
double nand2_leakage_nw(double nm) { return 0.1 * energy_scale(32, nm); }
double dff_area_um2(double nm) { return 12.0 * min_transistor_area_um2(nm); }
double dff_energy_fj(double nm) { return 1.36 * energy_scale(32, nm); }

}  // namespace reram::cost
