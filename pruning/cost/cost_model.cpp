#include "pruning/cost/cost_model.h"

#include <cmath>
#include <sstream>

#include "pruning/core/error.h"

namespace reram::cost {

// ---------------------------------------------------------------------------
// Registry: the built-in models are one line each in models.def.

#define RERAM_REGISTER_COST_MODEL(id) const ModelInfo& model_info_##id();
#include "pruning/cost/models.def"
#undef RERAM_REGISTER_COST_MODEL

Registry<ModelInfo>& cost_models() {
  static Registry<ModelInfo> registry("cost model", [](Registry<ModelInfo>& r) {
#define RERAM_REGISTER_COST_MODEL(id) r.add(model_info_##id().name, std::make_unique<ModelInfo>(model_info_##id()));
#include "pruning/cost/models.def"
#undef RERAM_REGISTER_COST_MODEL
  });
  return registry;
}

std::vector<const ModelInfo*> registered_models() {
  std::vector<const ModelInfo*> all;
  cost_models().each([&](const std::string&, const ModelInfo& m) { all.push_back(&m); });
  return all;
}

namespace {

bool fits(const ModelInfo& m, const std::string& component) {
  if (m.components.empty()) return true;
  for (const auto& c : m.components)
    if (c == component) return true;
  return false;
}

std::string fmt(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

const ModelInfo& find_model(const std::string& name, const std::string& component, const std::string& where) {
  std::string known;
  for (const ModelInfo* m : registered_models()) {
    if (!fits(*m, component)) continue;
    if (m->name == name) return *m;
    known += (known.empty() ? "" : ", ") + m->name;
  }
  for (const ModelInfo* m : registered_models())
    if (m->name == name)
      throw ConfigError(where + ": model '" + name + "' does not model a " + component + " (models for " + component +
                        ": " + known + ")");
  throw ConfigError(where + ": unknown model '" + name + "' (models for " + component + ": " + known + ")");
}

std::vector<ParamDecl> describe(const ModelInfo& m) {
  Params p(nullptr, m.name);
  m.make(p);
  return p.declarations();
}

std::string models_listing() {
  std::ostringstream s;
  s << "Cost models (technology.<component>.model; docs/cost-models.md has the equations):\n";
  for (const ModelInfo* m : registered_models()) {
    s << "\n" << m->name << ": " << m->description << "\n  components: ";
    if (m->components.empty()) s << "any";
    for (size_t i = 0; i < m->components.size(); ++i) s << (i ? ", " : "") << m->components[i];
    s << "\n";
    for (const ParamDecl& d : describe(*m)) {
      s << "  " << d.key;
      if (!d.unit.empty()) s << " [" << d.unit << "]";
      if (d.default_value.is_null())
        s << " (required)";
      else
        s << " = " << d.default_value.dump();
      if (!d.range.empty()) s << "  " << d.range;
      s << "\n      " << d.description << "\n";
    }
  }
  return s.str();
}

json models_json() {
  json out = json::array();
  for (const ModelInfo* m : registered_models()) {
    json params = json::array();
    for (const ParamDecl& d : describe(*m))
      params.push_back({{"key", d.key},
                        {"unit", d.unit},
                        {"default", d.default_value},
                        {"range", d.range},
                        {"description", d.description}});
    out.push_back(
        {{"name", m->name}, {"description", m->description}, {"components", m->components}, {"parameters", params}});
  }
  return out;
}

// ---------------------------------------------------------------------------
// Params

Params::Params(const json* entry, std::string where) : entry_(entry), where_(std::move(where)) {}

void Params::fail(const std::string& key, const std::string& what) const {
  throw ConfigError(where_ + "." + key + ": " + what);
}

double Params::real_impl(const std::string& key, const json& def, const std::string& unit,
                         const std::string& description, double lo, double hi, bool lo_open) {
  std::string range;
  if (std::isinf(hi))
    range = (lo_open ? "> " : ">= ") + fmt(lo);
  else
    range = std::string(lo_open ? "(" : "[") + fmt(lo) + ", " + fmt(hi) + "]";
  decls_.push_back({key, unit, description, def, range});
  double v = def.is_null() ? 0.0 : def.get<double>();
  if (entry_ != nullptr) {
    if (entry_->contains(key)) {
      const json& j = (*entry_)[key];
      if (!j.is_number()) fail(key, "must be a number (got " + j.dump() + ")");
      v = j.get<double>();
    } else if (def.is_null()) {
      fail(key, "is required by this model (" + description + ")");
    }
    if (!std::isfinite(v) || v < lo || (lo_open && v == lo) || v > hi)
      fail(key, "must be " + range + " (got " + fmt(v) + ")");
  }
  resolved_[key] = v;
  return v;
}

double Params::real(const std::string& key, double def, const std::string& unit, const std::string& description,
                    double lo, double hi, bool lo_open) {
  return real_impl(key, json(def), unit, description, lo, hi, lo_open);
}

double Params::required(const std::string& key, const std::string& unit, const std::string& description, double lo,
                        double hi, bool lo_open) {
  return real_impl(key, json(nullptr), unit, description, lo, hi, lo_open);
}

std::string Params::choice(const std::string& key, const std::string& def, const std::vector<std::string>& choices,
                           const std::string& description) {
  std::string all;
  for (const auto& c : choices) all += (all.empty() ? "" : " | ") + c;
  decls_.push_back({key, "", description, json(def), all});
  std::string v = def;
  if (entry_ != nullptr && entry_->contains(key)) {
    const json& j = (*entry_)[key];
    if (!j.is_string()) fail(key, "must be one of " + all + " (got " + j.dump() + ")");
    v = j.get<std::string>();
    bool ok = false;
    for (const auto& c : choices) ok = ok || c == v;
    if (!ok) fail(key, "must be one of " + all + " (got \"" + v + "\")");
  }
  resolved_[key] = v;
  return v;
}

void Params::note(const std::string& key, const std::string& description) {
  decls_.push_back({key, "", description, json(""), "text"});
  if (entry_ != nullptr && entry_->contains(key)) {
    const json& j = (*entry_)[key];
    if (!j.is_string()) fail(key, "must be a string");
    resolved_[key] = j;
  }
}

void Params::finish() const {
  if (entry_ == nullptr) return;
  for (auto it = entry_->begin(); it != entry_->end(); ++it) {
    if (it.key() == "model") continue;
    bool known = false;
    for (const auto& d : decls_) known = known || d.key == it.key();
    if (!known) {
      std::string all;
      for (const auto& d : decls_) all += (all.empty() ? "" : ", ") + d.key;
      fail(it.key(), "unknown parameter of this model (parameters: " + all + ")");
    }
  }
}

}  // namespace reram::cost
