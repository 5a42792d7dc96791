#pragma once
// A design-space sweep plan (format: docs/sweeps.md): the base network, weights and arch
// config, the options of each stage (prune / sim / eval), and the axes whose cartesian
// product (and/or an explicit list) gives the points.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "pruning/core/json_util.h"

namespace reram::sweep {

// One axis of the design space. Every value is an object of setting key -> value, so a
// compound axis (e.g. aspect ratio: rows and cols moving together) is one axis.
struct Axis {
  std::string name;                 // a setting key ("crossbar.rows") or a compound axis name
  std::vector<json> values;         // each an object {setting key: value}
  std::vector<std::string> labels;  // printable form of each value
};

// The parsed plan, with every path made absolute.
struct Plan {
  std::string file;  // the plan file ("" when built in memory)
  std::string name;
  std::string description;
  std::string network;               // network description (.json / .onnx)
  std::string weights;               // .npz; "" = the network's own (or none)
  int64_t random_weights_seed = -1;  // >= 0: seeded random weights (a structural study)
  std::string arch;                  // arch config file
  std::vector<std::string> set;      // base overrides "section.key=value"
  json train;                        // `reram train` options; null = use the weights as given
  json prune;                        // `reram prune` options; null = dense mapping (`reram map`)
  json sim;                          // `reram sim` options (object)
  json eval;                         // `reram eval` options; null = no accuracy stage
  std::vector<Axis> axes;
  std::vector<json> points;               // explicit points: {setting key: value}
  bool product = true;                    // include the cartesian product of the axes
  std::vector<std::string> mapping_keys;  // arch paths that change the mapping
  json spec;                              // the plan as written
};

// One point of the sweep before resolution: its settings and the stage options they give.
struct Point {
  int index = 0;
  std::vector<std::pair<std::string, json>> settings;  // in axis order
  // Compound axes of the product: (axis name, value label), e.g. ("pruning", "crossbar keep 0.5").
  std::vector<std::pair<std::string, std::string>> axis_labels;
  std::vector<std::string> label_parts;  // "axis=label" per axis (empty for explicit points)
  std::vector<std::string> arch_set;     // plan.set + this point's arch overrides
  json prune;                            // null = dense
  json sim;
  json eval;  // null = no accuracy
  // "crossbar.rows=64 precision.adc_bits=6"; a compound axis shows as name=label.
  std::string label() const;
  bool dense() const;
};

// The arch paths whose values change a mapping (crossbar geometry, placement, OU size).
// ADC/DAC resolution, technology tables, clocks and buffers are not among them, so a
// mapping is shared by points that differ only in those.
const std::vector<std::string>& default_mapping_keys();

Plan load_plan(const std::string& path);
// `where` names the plan in messages; relative paths resolve against `path`'s directory.
Plan plan_from_json(const json& j, const std::string& path);

// Applies one setting (an axis value's key) to a point: "prune.*", "sim.*", "eval.*",
// the whole "prune" / "eval" object (null disables), "crossbar.shape" ("RxC"), or an
// arch key (becomes a --set override).
void apply_setting(Point& p, const std::string& key, const json& value, const std::string& where);

// The points of the plan: the cartesian product of the axes (when `product`), then the
// explicit points, numbered from 0. Throws ConfigError for an empty plan.
std::vector<Point> expand_plan(const Plan& plan);

// Printable form of a setting value (strings without quotes).
std::string value_str(const json& v);

}  // namespace reram::sweep
