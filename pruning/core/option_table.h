#pragma once
// Options declared once (issue 20): a table of the options of a struct O (training,
// pruning), one row per option with its snake_case key, type, default (the struct's), check
// and help. The table drives reading them from JSON (recipes, plans; unknown keys and wrong
// types are errors naming the file), their checks, `to_json` in reports, and the command
// line (cli/option_flags.h: one --flag per row, spelled with '-' for '_', help and default
// from the row).
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "pruning/core/error.h"
#include "pruning/core/json_util.h"

namespace reram {

enum class OptionType { Int, Double, String, Bool, IntList };

template <class O>
struct Option {
  std::string key;  // snake_case: the JSON key; the flag is --key with '-' for '_'
  OptionType type = OptionType::Double;
  std::string help;
  std::vector<std::string> choices;  // String: the accepted words (empty: any)
  double min = -std::numeric_limits<double>::infinity(), max = std::numeric_limits<double>::infinity();
  bool min_open = false;  // numbers: min < value (else min <= value)
  std::string spelling;   // the flag when it is not --key with '-' for '_' (e.g. "--noise")
  std::function<json(const O&)> get;
  std::function<bool(O&, const json&)> set;  // false (nothing set) for a value of the wrong type

  std::string flag() const {
    if (!spelling.empty()) return spelling;
    std::string f = "--" + key;
    for (char& c : f)
      if (c == '_') c = '-';
    return f;
  }
  // Builders for the table rows.
  Option at_least(double v) const {
    Option o = *this;
    o.min = v;
    return o;
  }
  Option above(double v) const {
    Option o = *this;
    o.min = v;
    o.min_open = true;
    return o;
  }
  Option at_most(double v) const {
    Option o = *this;
    o.max = v;
    return o;
  }
  Option spelled(std::string flag) const {
    Option o = *this;
    o.spelling = std::move(flag);
    return o;
  }
  Option one_of(std::vector<std::string> words) const {
    Option o = *this;
    o.choices = std::move(words);
    return o;
  }
  // The range or choices as --help and docs show them ("> 0", "0…16", "sgd | adam").
  std::string constraint() const {
    if (!choices.empty()) {
      std::string s;
      for (const auto& c : choices) s += (s.empty() ? "" : " | ") + c;
      return s;
    }
    auto num = [](double v) {
      std::string s = json(v).dump();
      return s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0 ? s.substr(0, s.size() - 2) : s;
    };
    const bool lo = std::isfinite(min), hi = std::isfinite(max);
    if (lo && hi) return min_open ? "> " + num(min) + ", <= " + num(max) : num(min) + "…" + num(max);
    if (lo) return (min_open ? "> " : ">= ") + num(min);
    if (hi) return "<= " + num(max);
    return "";
  }
};

namespace detail {
template <class T>
constexpr OptionType option_type() {
  if constexpr (std::is_same_v<T, bool>) return OptionType::Bool;
  if constexpr (std::is_integral_v<T>) return OptionType::Int;
  if constexpr (std::is_floating_point_v<T>) return OptionType::Double;
  if constexpr (std::is_same_v<T, std::string>) return OptionType::String;
  return OptionType::IntList;  // std::vector<int>
}
}  // namespace detail

// A row bound to the member `m` of O.
template <class O, class T>
Option<O> option(std::string key, T O::*m, std::string help) {
  Option<O> o;
  o.key = std::move(key);
  o.type = detail::option_type<T>();
  o.help = std::move(help);
  o.get = [m](const O& x) { return json(x.*m); };
  o.set = [m](O& x, const json& v) {
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) return false;
    } else if constexpr (std::is_integral_v<T>) {
      if (!v.is_number_integer()) return false;
      if (v.is_number_unsigned()) {
        if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<T>::max())) return false;
      } else {
        const int64_t i = v.get<int64_t>();
        if (i < 0 && std::is_unsigned_v<T>) return false;
        if (!std::is_unsigned_v<T> && (i < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
                                       i > static_cast<int64_t>(std::numeric_limits<T>::max())))
          return false;
      }
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!v.is_number()) return false;
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) return false;
    } else {
      if (!v.is_array()) return false;
      for (const json& e : v)
        if (!e.is_number_integer()) return false;
    }
    x.*m = v.get<T>();
    return true;
  };
  return o;
}

template <class O>
const Option<O>* find_option(const std::vector<Option<O>>& table, const std::string& key) {
  for (const Option<O>& o : table)
    if (o.key == key) return &o;
  return nullptr;
}

// Every row's value as one JSON object, in table order.
template <class O>
json options_json(const std::vector<Option<O>>& table, const O& x) {
  json j = json::object();
  for (const Option<O>& o : table) j[o.key] = o.get(x);
  return j;
}

// Sets the options an object gives (`where`: the file, for errors); keeps the
// current value of every key `keep(key)` is true for (e.g. given on the command line).
// InputError for an unknown key or a value of the wrong type.
// `prefix` names the object's keys in messages ("train." for a recipe's train options).
template <class O>
void options_from_json(const std::vector<Option<O>>& table, O& x, const json& obj, const std::string& where,
                       const std::string& prefix, const std::function<bool(const std::string&)>& keep = {}) {
  if (!obj.is_object()) throw InputError(where + ": '" + prefix + "' must be an object of options");
  for (const auto& [k, v] : obj.items()) {
    const Option<O>* o = find_option(table, k);
    if (!o) throw InputError(where + ": unknown option '" + prefix + k + "'");
    if (keep && keep(k)) continue;
    if (!o->set(x, v)) throw InputError(where + ": '" + prefix + k + "' has the wrong type (" + v.dump() + ")");
  }
}

// ConfigError naming the flag for the first value outside its row's range or choices.
template <class O>
void check_option_values(const std::vector<Option<O>>& table, const O& x) {
  for (const Option<O>& o : table) {
    const json v = o.get(x);
    if (!o.choices.empty()) {
      bool ok = false;
      for (const auto& c : o.choices) ok = ok || v == c;
      if (!ok) throw ConfigError(o.flag() + ": unknown value " + v.dump() + " (" + o.constraint() + ")");
    } else if (v.is_number()) {
      const double d = v.get<double>();
      if (d < o.min || (o.min_open && d <= o.min) || d > o.max)
        throw ConfigError(o.flag() + " must be " + o.constraint() + ", got " + v.dump());
    }
  }
}

// The table as markdown (docs/pruning.md, docs/data.md): one row per option with its key,
// flag, default (from `defaults`), range or choices and meaning.
template <class O>
std::string options_markdown(const std::vector<Option<O>>& table, const O& defaults) {
  std::string s = "| key | flag | default | range | meaning |\n|---|---|---|---|---|\n";
  for (const Option<O>& o : table) {
    const json d = o.get(defaults);
    std::string c = o.constraint();
    for (size_t p = 0; (p = c.find('|', p)) != std::string::npos; p += 2) c.replace(p, 1, "\\|");
    s += "| `" + o.key + "` | `" + o.flag() + "` | `" + (d.is_string() ? d.get<std::string>() : d.dump()) + "` | " + c +
         " | " + o.help + " |\n";
  }
  return s;
}

}  // namespace reram
