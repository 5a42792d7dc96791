#pragma once
// The cost-model layer: every hardware component gets its energy per action, leakage,
// area and latency from a model named in its technology entry
// (`"adc": {"model": "sar", ...parameters}`). A model is a class whose constructor
// declares and reads its parameters (Params, declared once: the same declarations parse
// the config, validate it, and drive `reram models` and docs/cost-models.md). Models are
// registered by one line in pruning/cost/models.def; docs/cost-models.md gives every
// model's equations, source and validity range.
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "pruning/core/json_util.h"
#include "pruning/core/registry.h"

namespace reram {

struct ArchConfig;

// What one component instance costs: energy of one action (docs/simulator.md lists what
// one action is), static power, area per instance, and the time one action takes
// (0 where the component's timing is set in clock cycles elsewhere).
struct ComponentTech {
  double energy_pj = 0.0;
  double leakage_mw = 0.0;
  double area_mm2 = 0.0;
  double latency_ns = 0.0;
};

namespace cost {

// What a model may know about the place it is evaluated at. `arch` is fully resolved
// except for the component costs themselves (precision, geometry, device, node, clock).
struct CostContext {
  const ArchConfig* arch = nullptr;
  std::string component;
  // Crossbar arrays: the mean stored conductance of the cells a crossbar holds, as a
  // fraction of the way from g_min to g_max; < 0 = the model's nominal assumption.
  double g_fraction = -1.0;
  // Crossbars and drivers: the measured mean word-line input level of the layer (`reram
  // eval`'s input_bit_density); < 0 = the model's input_bit_density parameter.
  double input_density = -1.0;
};

// One declared parameter of a model.
struct ParamDecl {
  std::string key, unit, description;
  json default_value;  // null = required
  std::string range;   // human-readable valid range, e.g. "> 0", "[0, 1]"
};

// Declares a model's parameters and reads them from its technology entry. Constructed
// over the entry (reading) or over nothing (describe mode: every parameter takes its
// default, so `reram models` can list the declarations).
class Params {
 public:
  Params(const json* entry, std::string where);
  // A real parameter in [lo, hi] (lo excluded when `lo_open`).
  double real(const std::string& key, double def, const std::string& unit, const std::string& description,
              double lo = 0.0, double hi = std::numeric_limits<double>::infinity(), bool lo_open = false);
  // A required real parameter (no default).
  double required(const std::string& key, const std::string& unit, const std::string& description, double lo = 0.0,
                  double hi = std::numeric_limits<double>::infinity(), bool lo_open = false);
  // One of `choices`.
  std::string choice(const std::string& key, const std::string& def, const std::vector<std::string>& choices,
                     const std::string& description);
  // Free text kept in the config for people (e.g. where a figure comes from).
  void note(const std::string& key, const std::string& description);

  const std::vector<ParamDecl>& declarations() const { return decls_; }
  const json& resolved() const { return resolved_; }
  const std::string& where() const { return where_; }
  bool describing() const { return entry_ == nullptr; }
  // Throws a ConfigError naming the first key of the entry no parameter declared.
  void finish() const;
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

 private:
  double real_impl(const std::string& key, const json& def, const std::string& unit, const std::string& description,
                   double lo, double hi, bool lo_open);
  const json* entry_;
  std::string where_;
  std::vector<ParamDecl> decls_;
  json resolved_ = json::object();
};

// A component cost model. Subclasses read their parameters in the constructor
// (through Params) and compute the component's figures for a context.
class CostModel {
 public:
  virtual ~CostModel() = default;
  virtual ComponentTech cost(const CostContext& ctx) const = 0;
  // True when the energy depends on the data a component holds or is fed
  // (CostContext::g_fraction, CostContext::input_density).
  virtual bool data_dependent() const { return false; }
  // True when the model computes the component's latency (crossbar read, ADC conversion).
  virtual bool has_latency() const { return false; }
  // Legal but questionable uses (outside the data the model was fitted on, ...).
  virtual std::vector<std::string> warnings(const CostContext&) const { return {}; }
};

struct ModelInfo {
  std::string name;
  std::string description;              // one line
  std::vector<std::string> components;  // components it can model (empty: any)
  std::function<std::unique_ptr<CostModel>(Params&)> make;
};

// The registry of cost models (pruning/core/registry.h): the built-in ones (one line each in
// pruning/cost/models.def) and any added at run time with cost_models().add(name, info).
Registry<ModelInfo>& cost_models();
// Every registered model, in name order.
std::vector<const ModelInfo*> registered_models();
// The model called `name`, or a ConfigError naming `where` and the known models.
const ModelInfo& find_model(const std::string& name, const std::string& component, const std::string& where);
// The parameter declarations of a model (describe mode), for listings and docs.
std::vector<ParamDecl> describe(const ModelInfo& m);
// The readable listing of `reram models` (every model, its components and parameters).
std::string models_listing();
json models_json();

}  // namespace cost
}  // namespace reram

// Defines the ModelInfo of one model (use once, at namespace scope, in the model's file);
// the matching line in pruning/cost/models.def registers it.
#define RERAM_COST_MODEL(id, name, description, components, Class)                                                   \
  namespace reram::cost {                                                                                            \
  const ModelInfo& model_info_##id() {                                                                               \
    static const ModelInfo info{name, description, components,                                                       \
                                [](Params& p) -> std::unique_ptr<CostModel> { return std::make_unique<Class>(p); }}; \
    return info;                                                                                                     \
  }                                                                                                                  \
  }
