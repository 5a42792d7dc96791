// Interconnect: `wire_bus` (the tile's buffer-to-PE bus), `router` (a NoC router per flit,
// BookSim/Orion-style terms) and `serdes` (the off-chip link per bit).
// docs/cost-models.md, "Interconnect".
#include <cmath>

#include "pruning/cost/physical.h"

namespace reram::cost {
namespace {

// Energy of moving one bit over `len_um` of repeated full-swing wire, half the bits toggling.
double wire_bit_fj(double len_um, double nm) {
  const double v = vdd_v(nm);
  return len_um * kWireCapFfPerUm * v * v * 0.5;
}

class WireBus : public CostModel {
 public:
  explicit WireBus(Params& p) {
    len_ = p.real("length_um", 500, "um", "length the bus runs (floorplan: half a 1 mm tile edge)", 0, 1e6, true);
    pitch_ = p.real("pitch_f", 4, "F", "wire pitch in units of the node's crossbar line width", 0, 1e3, true);
  }
  ComponentTech cost(const CostContext& ctx) const override {
    const double nm = node_nm(ctx);
    const double width = ctx.arch->tile.bus_width_bits;
    ComponentTech t;
    t.energy_pj = wire_bit_fj(len_, nm) * 1e-3;
    // Wires plus a repeater (an inverter pair) every 100 um on each bit.
    const double wires_um2 = width * len_ * pitch_ * cell_wire_width_nm(nm) * 1e-3;
    const double rep_um2 = width * std::ceil(len_ / 100.0) * 2 * min_transistor_area_um2(nm);
    t.area_mm2 = (wires_um2 + rep_um2) / kUm2PerMm2;
    t.leakage_mw = width * std::ceil(len_ / 100.0) * 0.5 * nand2_leakage_nw(nm) * 1e-6;
    return t;
  }

 private:
  double len_, pitch_;
};

// Per flit and hop: a buffer write and read, the crossbar traversal and the outgoing link
// (BookSim2's power model terms, its 32 nm figures carried to other nodes).
class Router : public CostModel {
 public:
  explicit Router(Params& p) {
    depth_ = p.real("buffer_depth", 16, "flits", "input buffer depth per port", 1, 1e6);
    link_ = p.real("link_um", 1000, "um", "link length to the next router (about a tile edge)", 0, 1e6);
  }
  ComponentTech cost(const CostContext& ctx) const override {
    const ArchConfig& a = *ctx.arch;
    const double nm = node_nm(ctx);
    const double w = a.chip.noc.flit_bits;
    const double ports = 4 + (a.chip.noc.topology == "mesh" ? 1 : a.chip.noc.tiles_per_router);
    const double es = energy_scale(32, nm);
    // 32 nm: 0.57 fJ per bit per buffer entry (write and read each), 36 fJ per bit for the
    // crossbar of a 5-port, 32-bit router, growing with ports x width.
    const double buf_fj = 2 * depth_ * 0.57 * es;
    const double xbar_fj = 36.0 * es * (ports * w) / (5 * 32);
    ComponentTech t;
    t.energy_pj = w * (buf_fj + xbar_fj + wire_bit_fj(link_, nm)) * 1e-3;
    // Buffers as flip-flops; a matrix crossbar of ports x width lines at 4 line widths' pitch.
    const double buf_bits = ports * depth_ * w;
    const double side_um = ports * w * 4 * cell_wire_width_nm(nm) * 1e-3;
    t.area_mm2 = (buf_bits * dff_area_um2(nm) + side_um * side_um) / kUm2PerMm2;
    t.leakage_mw = buf_bits * 6 * nand2_leakage_nw(nm) * 1e-6;
    return t;
  }

 private:
  double depth_, link_;
};

class Serdes : public CostModel {
 public:
  explicit Serdes(Params& p) {
    e_ = p.real("energy_pj_per_bit", 5.0, "pJ", "energy per bit of the link (a SerDes of the 2010s: a few pJ/bit)", 0,
                1e6);
    a_ = p.real("area_mm2_per_gbps", 0.02, "mm2", "area per Gbit/s of bandwidth", 0, 1e6);
  }
  ComponentTech cost(const CostContext& ctx) const override {
    ComponentTech t;
    t.energy_pj = e_;
    t.area_mm2 = a_ * ctx.arch->chip.offchip_bandwidth_gbps;
    return t;
  }

 private:
  double e_, a_;
};

}  // namespace
}  // namespace reram::cost

RERAM_COST_MODEL(wire_bus, "wire_bus",
                 "a bus of repeated wires: energy per bit from its length, area from width x pitch", {"bus"}, WireBus)
RERAM_COST_MODEL(router, "router", "NoC router per flit: buffers, crossbar (ports x width) and link at the node",
                 {"router"}, Router)
RERAM_COST_MODEL(serdes, "serdes", "off-chip link: energy per bit and area per Gbit/s", {"offchip_link"}, Serdes)
