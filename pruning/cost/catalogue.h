#pragma once
// The component catalogue: every hardware component the simulator counts, with its level
// in the hierarchy, its report group, what one action is, how many instances one PE, tile
// or chip has, and its peak action rate. The one list the arch config, the simulator, the
// energy report and the sweep metrics read (docs/simulator.md, "Actions and peak rates").
#include <functional>
#include <string>
#include <vector>

namespace reram {

struct ArchConfig;

namespace cost {

enum class Level { Pe, Tile, Router, Chip };

// What the peak rates are measured against: one crossbar step (max of read and
// conversion time) and the digital clock period.
struct PeakContext {
  double step_ns = 1.0;
  double cycle_ns = 1.0;
};

struct ComponentInfo {
  std::string name;
  Level level = Level::Pe;
  std::string group;          // report group (energy_pj.<group>, area_mm2.<group>)
  std::string action;         // what one action is
  bool peripheral = false;    // part of a crossbar's periphery (the sweeps' peripheral share)
  bool per_crossbar = false;  // instances exist per occupied crossbar (the rest per PE / tile / chip)
  // Instances in one PE (level Pe), one tile (Tile, Router: a tile's share of its router)
  // or the chip (Chip), as configured; sparse-only components have 0 here.
  std::function<double(const ArchConfig&)> instances;
  // Actions per ns of one instance at peak.
  std::function<double(const ArchConfig&, const PeakContext&)> peak_rate_per_ns;
};

// Every component, in report order.
const std::vector<ComponentInfo>& components();
// The component called `name` (a std::logic_error for a name not in the catalogue: names
// come from the catalogue itself or are validated against it when read).
const ComponentInfo& component(const std::string& name);
bool is_component(const std::string& name);
// "a, b, c": every component name, for messages.
std::string component_names();

}  // namespace cost
}  // namespace reram
