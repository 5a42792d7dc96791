#pragma once
// Technology-node primitives shared by the physical cost models and the functional
// model: supply voltage, the wire width and resistance of crossbar lines, minimum
// transistor and gate figures, and node-to-node scaling of area, energy and delay.
// Sources and tables: docs/cost-models.md ("Technology").
#include <vector>

namespace reram::cost {

// Lowest and highest node the tables cover (nm); nodes in between are interpolated
// log-linearly between the two nearest table rows.
constexpr double kMinNodeNm = 7.0;
constexpr double kMaxNodeNm = 130.0;

// Throws a ConfigError naming `where` when `node_nm` is outside [7, 130] nm.
void check_node(double node_nm, const char* where);

double vdd_v(double node_nm);               // nominal supply voltage
double cell_wire_width_nm(double node_nm);  // crossbar line width F_cell (NeuroSim's wire table)
double wire_r_ohm_per_um(double width_nm);  // resistance of a line of that width (300 K)
constexpr double kWireCapFfPerUm = 0.2;     // line capacitance per length (NeuroSim)
// Gate capacitance per um of transistor width (NeuroSim V1.4 formula.cpp, 32 nm LSTP:
// ideal gate 8.375e-10 F/m + fringe 6.857e-10 F/m).
constexpr double kGateCapFfPerUm = 1.5232;

// The nodes NeuroSim V1.4 tabulates (nm, descending), and linear interpolation in nm of a
// per-node column `y` over the descending node column `x` (clamped at the ends).
const std::vector<double>& neurosim_nodes();
double lerp_nm(const std::vector<double>& x, const std::vector<double>& y, double nm);

// Stillmaker & Baas scaling, relative factors from node `from` to node `to`.
double area_scale(double from_nm, double to_nm);
double energy_scale(double from_nm, double to_nm);
double delay_scale(double from_nm, double to_nm);

// Digital primitives at a node (a NAND2 equivalent gate and a D flip-flop).
double min_transistor_area_um2(double node_nm);  // NeuroSim: 212.8 F^2 at F = node
double nand2_area_um2(double node_nm);           // 4 minimum transistors
double nand2_energy_fj(double node_nm);          // one output transition
double nand2_leakage_nw(double node_nm);
double dff_area_um2(double node_nm);   // a D flip-flop = 6 NAND2 equivalents
double dff_energy_fj(double node_nm);  // one clocked bit

}  // namespace reram::cost
