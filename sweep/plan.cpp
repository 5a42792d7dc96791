#include "sweep/plan.h"

#include <filesystem>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace reram::sweep {

namespace {

std::string abs_path(const std::string& plan_file, const std::string& rel) {
  fs::path p(rel);
  if (p.is_relative() && !plan_file.empty()) p = fs::path(plan_file).parent_path() / p;
  return fs::absolute(p).lexically_normal().string();
}

// "64x256" -> (64, 256)
std::pair<int, int> parse_shape(const json& v, const std::string& where) {
  if (!v.is_string()) throw ConfigError(where + ": crossbar.shape must be a string \"ROWSxCOLS\"");
  std::string s = v.get<std::string>();
  size_t x = s.find_first_of("xX");
  try {
    if (x == std::string::npos) throw std::invalid_argument("no x");
    size_t used1 = 0, used2 = 0;
    int r = std::stoi(s.substr(0, x), &used1);
    int c = std::stoi(s.substr(x + 1), &used2);
    if (used1 != x || used2 != s.size() - x - 1 || r <= 0 || c <= 0) throw std::invalid_argument("bad");
    return {r, c};
  } catch (const std::exception&) {
    throw ConfigError(where + ": crossbar.shape \"" + s + "\" is not of the form ROWSxCOLS (e.g. \"64x256\")");
  }
}

bool is_namespace(const std::string& key, const char* ns) {
  std::string n = std::string(ns) + ".";
  return key.compare(0, n.size(), n) == 0;
}

}  // namespace

std::string value_str(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string Point::label() const {
  std::string s;
  if (!label_parts.empty()) {
    for (const auto& part : label_parts) s += (s.empty() ? "" : " ") + part;
    return s;
  }
  for (const auto& [k, v] : settings) s += (s.empty() ? "" : " ") + k + "=" + value_str(v);
  return s.empty() ? "base" : s;
}

bool Point::dense() const {
  if (prune.is_null()) return true;
  auto it = prune.find("granularity");
  return it != prune.end() && it->is_string() && it->get<std::string>() == "dense";
}

const std::vector<std::string>& default_mapping_keys() {
  static const std::vector<std::string> keys = {
      "crossbar.rows",    "crossbar.cols",    "crossbar.cell_bits",    "crossbar.sign_encoding",
      "crossbar.ou_rows", "crossbar.ou_cols", "precision.weight_bits", "pe.crossbars",
      "tile.pes",         "chip.tiles"};
  return keys;
}

void apply_setting(Point& p, const std::string& key, const json& value, const std::string& where) {
  if (key == "prune") {
    if (value.is_null() || (value.is_string() && value.get<std::string>() == "dense")) {
      p.prune = nullptr;
    } else if (value.is_object()) {
      p.prune = value;
    } else {
      throw ConfigError(where + ": \"prune\" must be an object of prune options, null or \"dense\"");
    }
    return;
  }
  if (key == "eval") {
    if (value.is_null())
      p.eval = nullptr;
    else if (value.is_object())
      p.eval = value;
    else
      throw ConfigError(where + ": \"eval\" must be an object of eval options or null");
    return;
  }
  if (key == "sim") {
    if (!value.is_object()) throw ConfigError(where + ": \"sim\" must be an object of sim options");
    p.sim = value;
    return;
  }
  for (const char* ns : {"prune", "sim", "eval"}) {
    if (is_namespace(key, ns)) {
      std::string sub = key.substr(std::string(ns).size() + 1);
      if (sub.empty() || sub.find('.') != std::string::npos)
        throw ConfigError(where + ": setting \"" + key + "\" must be " + ns + ".<option>");
      json& target = std::string(ns) == "prune" ? p.prune : std::string(ns) == "sim" ? p.sim : p.eval;
      if (target.is_null()) target = json::object();
      target[sub] = value;
      return;
    }
  }
  if (key == "crossbar.shape") {
    auto [r, c] = parse_shape(value, where);
    p.arch_set.push_back("crossbar.rows=" + std::to_string(r));
    p.arch_set.push_back("crossbar.cols=" + std::to_string(c));
    return;
  }
  if (key.find('.') == std::string::npos || key.front() == '.' || key.back() == '.')
    throw ConfigError(where + ": setting \"" + key +
                      "\" is neither an arch key (section.key) nor prune.*, sim.*, eval.*, crossbar.shape");
  if (value.is_object() || value.is_array() || value.is_null())
    throw ConfigError(where + ": setting \"" + key + "\" needs a scalar value");
  p.arch_set.push_back(key + "=" + value.dump());
}

Plan plan_from_json(const json& j, const std::string& path) {
  std::string where = path.empty() ? std::string("plan") : path;
  if (!j.is_object()) throw ConfigError(where + ": a sweep plan must be a JSON object");
  Plan plan;
  plan.file = path.empty() ? "" : fs::absolute(path).lexically_normal().string();
  plan.spec = j;
  JsonReader r(j, where);
  plan.name = r.opt<std::string>("name", path.empty() ? "sweep" : fs::path(path).stem().string());
  plan.description = r.opt<std::string>("description", "");
  plan.network = abs_path(plan.file, r.req<std::string>("network"));
  if (r.has("weights")) plan.weights = abs_path(plan.file, r.req<std::string>("weights"));
  plan.random_weights_seed = r.opt<int64_t>("random_weights_seed", -1);
  if (!plan.weights.empty() && plan.random_weights_seed >= 0)
    throw ConfigError(where + ": give either \"weights\" or \"random_weights_seed\", not both");
  plan.arch = abs_path(plan.file, r.req<std::string>("arch"));
  plan.set = r.opt<std::vector<std::string>>("set", {});
  plan.train = r.has("train") ? r.raw("train") : json(nullptr);
  if (!plan.train.is_null() && !plan.train.is_object())
    throw ConfigError(where + ": \"train\" must be an object of `reram train` options or null");
  plan.prune = r.has("prune") ? r.raw("prune") : json(nullptr);
  if (!plan.prune.is_null() && !plan.prune.is_object())
    throw ConfigError(where + ": \"prune\" must be an object of `reram prune` options or null (dense)");
  plan.sim = r.has("sim") ? r.raw("sim") : json::object();
  if (!plan.sim.is_object()) throw ConfigError(where + ": \"sim\" must be an object of `reram sim` options");
  plan.eval = r.has("eval") ? r.raw("eval") : json(nullptr);
  if (!plan.eval.is_null() && !plan.eval.is_object())
    throw ConfigError(where + ": \"eval\" must be an object of `reram eval` options or null");
  plan.product = r.opt<bool>("product", true);
  plan.mapping_keys = r.opt<std::vector<std::string>>("mapping_keys", default_mapping_keys());

  if (r.has("axes")) {
    const json& axes = r.raw("axes");
    if (!axes.is_array()) throw ConfigError(where + ": \"axes\" must be an array of {\"key\"|\"name\", \"values\"}");
    std::set<std::string> names;
    for (size_t i = 0; i < axes.size(); ++i) {
      std::string aw = where + ": axes[" + std::to_string(i) + "]";
      JsonReader ar(axes[i], aw);
      Axis axis;
      bool has_key = ar.has("key");
      if (has_key == ar.has("name"))
        throw ConfigError(aw + ": give exactly one of \"key\" (one setting) or \"name\" (compound axis)");
      axis.name = has_key ? ar.req<std::string>("key") : ar.req<std::string>("name");
      if (!names.insert(axis.name).second) throw ConfigError(aw + ": axis \"" + axis.name + "\" appears twice");
      const json& values = ar.raw("values");
      ar.finish();
      if (!values.is_array() || values.empty()) throw ConfigError(aw + ": \"values\" must be a non-empty array");
      for (const json& v : values) {
        if (has_key) {
          if (v.is_object() || v.is_array())
            throw ConfigError(aw + ": values of axis \"" + axis.name +
                              "\" must be scalars (use \"name\" for a compound axis)");
          axis.values.push_back(json{{axis.name, v}});
          axis.labels.push_back(value_str(v));
        } else {
          if (!v.is_object() || v.empty())
            throw ConfigError(aw + ": values of compound axis \"" + axis.name + "\" must be objects {setting: value}");
          json settings = v;
          std::string label;
          if (settings.contains("label")) {
            if (!settings["label"].is_string()) throw ConfigError(aw + ": \"label\" must be a string");
            label = settings["label"].get<std::string>();
            settings.erase("label");
          } else {
            for (auto it = settings.begin(); it != settings.end(); ++it)
              label += (label.empty() ? "" : ",") + it.key() + "=" + value_str(it.value());
          }
          axis.values.push_back(settings);
          axis.labels.push_back(label);
        }
      }
      plan.axes.push_back(std::move(axis));
    }
  }
  if (r.has("points")) {
    const json& pts = r.raw("points");
    if (!pts.is_array()) throw ConfigError(where + ": \"points\" must be an array of {setting: value} objects");
    for (size_t i = 0; i < pts.size(); ++i) {
      if (!pts[i].is_object())
        throw ConfigError(where + ": points[" + std::to_string(i) + "] must be an object {setting: value}");
      plan.points.push_back(pts[i]);
    }
  }
  r.finish();
  if (!plan.product && plan.points.empty())
    throw ConfigError(where + ": \"product\" is false and there are no explicit \"points\": the plan has no points");
  return plan;
}

Plan load_plan(const std::string& path) { return plan_from_json(load_json_file(path), path); }

std::vector<Point> expand_plan(const Plan& plan) {
  std::string where = plan.file.empty() ? std::string("plan") : plan.file;
  Point base;
  base.arch_set = plan.set;
  base.prune = plan.prune;
  base.sim = plan.sim;
  base.eval = plan.eval;

  // Each combination is a list of (axis index, value index).
  std::vector<std::vector<std::pair<size_t, size_t>>> combos;
  if (plan.product && !plan.axes.empty()) {
    std::vector<size_t> idx(plan.axes.size(), 0);
    while (true) {
      std::vector<std::pair<size_t, size_t>> c;
      for (size_t a = 0; a < idx.size(); ++a) c.emplace_back(a, idx[a]);
      combos.push_back(c);
      // Last axis varies fastest.
      long a = static_cast<long>(idx.size()) - 1;
      while (a >= 0 && ++idx[static_cast<size_t>(a)] == plan.axes[static_cast<size_t>(a)].values.size()) {
        idx[static_cast<size_t>(a)] = 0;
        --a;
      }
      if (a < 0) break;
    }
  }

  std::vector<Point> points;
  auto finish_point = [&](Point p, const std::string& pw) {
    std::set<std::string> seen;
    for (const auto& s : p.settings)
      if (!seen.insert(s.first).second)
        throw ConfigError(pw + ": setting \"" + s.first + "\" is given twice (by two axes?)");
    p.index = static_cast<int>(points.size());
    points.push_back(std::move(p));
  };
  for (const auto& c : combos) {
    Point p = base;
    for (auto [a, v] : c) {
      const Axis& axis = plan.axes[a];
      const json& vals = axis.values[v];
      bool compound = !(vals.size() == 1 && vals.begin().key() == axis.name);
      if (compound) p.axis_labels.emplace_back(axis.name, axis.labels[v]);
      p.label_parts.push_back(axis.name + "=" + axis.labels[v]);
      for (auto it = vals.begin(); it != vals.end(); ++it) {
        apply_setting(p, it.key(), it.value(), where + ": axis \"" + axis.name + "\"");
        p.settings.emplace_back(it.key(), it.value());
      }
    }
    finish_point(std::move(p), where);
  }
  if (plan.points.empty() && plan.axes.empty()) finish_point(base, where);
  for (size_t i = 0; i < plan.points.size(); ++i) {
    Point p = base;
    std::string pw = where + ": points[" + std::to_string(i) + "]";
    for (auto it = plan.points[i].begin(); it != plan.points[i].end(); ++it) {
      apply_setting(p, it.key(), it.value(), pw);
      p.settings.emplace_back(it.key(), it.value());
    }
    finish_point(std::move(p), pw);
  }
  return points;
}

}  // namespace reram::sweep
