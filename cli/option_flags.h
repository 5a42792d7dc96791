#pragma once
// The command line of an option table (pruning/core/option_table.h): one --flag per row,
// its help with the row's range or choices and its default from the options given; reading
// the flags back into the options; whether the user gave a flag.
#include <set>
#include <string>
#include <vector>

#include "cli/command.h"
#include "pruning/core/option_table.h"

namespace reram::cli {

// How a default shows in --help ("0.05", "sgd", "82,123").
inline std::string flag_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string s;
    for (const json& e : v) s += (s.empty() ? "" : ",") + e.dump();
    return s;
  }
  return v.dump();
}

template <class O>
void add_option_flags(po::options_description& desc, const std::vector<Option<O>>& table, const O& defaults,
                      const std::set<std::string>& skip = {}) {
  for (const Option<O>& o : table) {
    if (skip.count(o.key)) continue;
    const std::string name = o.flag().substr(2), constraint = o.constraint();
    const std::string help = o.help + (constraint.empty() ? "" : " (" + constraint + ")");
    po::typed_value<std::string>* v = po::value<std::string>();
    const json d = o.get(defaults);
    if (o.type == OptionType::Bool)
      v->implicit_value("true");  // --augment alone means true
    else if (!(d.is_array() && d.empty()))
      v->default_value(flag_text(d));
    desc.add_options()(name.c_str(), v, help.c_str());
  }
}

// The JSON value of a flag's text for its row; ConfigError naming the flag when it does not
// parse as the row's type.
template <class O>
json flag_json(const Option<O>& o, const std::string& text) {
  auto bad = [&](const char* what) { return ConfigError(o.flag() + ": '" + text + "' is not " + what); };
  switch (o.type) {
    case OptionType::String:
      return text;
    case OptionType::Bool:
      if (text == "true" || text == "1") return true;
      if (text == "false" || text == "0") return false;
      throw bad("true or false");
    case OptionType::IntList: {
      json a = json::array();
      for (double v : parse_number_list(text, o.flag(), true)) a.push_back(static_cast<int64_t>(v));
      return a;
    }
    case OptionType::Int: {
      size_t used = 0;
      int64_t v = 0;
      try {
        v = std::stoll(text, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != text.size()) throw bad("a whole number");
      return v;
    }
    case OptionType::Double: {
      const std::vector<double> v = parse_number_list(text, o.flag());
      if (v.size() != 1) throw bad("a number");
      return v[0];
    }
  }
  throw bad("a value");
}

// Sets every option whose flag is in `vm` (given, or its default), but for `skip` (the rows
// add_option_flags left to flags of their own).
template <class O>
void read_option_flags(const po::variables_map& vm, const std::vector<Option<O>>& table, O& x,
                       const std::set<std::string>& skip = {}) {
  for (const Option<O>& o : table) {
    if (skip.count(o.key)) continue;
    const std::string name = o.flag().substr(2);
    if (!vm.count(name)) continue;
    const std::string text = vm[name].as<std::string>();
    if (!o.set(x, flag_json(o, text))) throw ConfigError(o.flag() + ": '" + text + "' is out of range");
  }
}

// Whether the user gave the flag of `key` (not only its default).
template <class O>
bool flag_given(const po::variables_map& vm, const std::vector<Option<O>>& table, const std::string& key) {
  const Option<O>* o = find_option(table, key);
  if (!o) return false;
  const std::string name = o->flag().substr(2);
  return vm.count(name) && !vm[name].defaulted();
}

}  // namespace reram::cli
