#pragma once
// One registry shape for every pluggable kind (granularities, optimisers, CLI verbs): named
// implementations added once, looked up by name with an error that lists what exists, and
// listed in name order. The built-in entries are added on first use (`builtins`), so a
// static registration elsewhere and a lookup from a static initialiser both work.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pruning/core/error.h"

namespace reram {

template <class T>
class Registry {
 public:
  // `kind` names the entries in messages ("granularity"); `builtins` adds the built-in ones.
  Registry(std::string kind, std::function<void(Registry&)> builtins = nullptr)
      : kind_(std::move(kind)), builtins_(std::move(builtins)) {}

  // Adds the entry called `name`, replacing one of that name (a built-in never replaces
  // an entry added before the built-ins were).
  void add(const std::string& name, std::unique_ptr<T> entry) {
    if (adding_builtins_)
      table_.emplace(name, std::move(entry));
    else
      table_[name] = std::move(entry);
  }
  // Adds an entry that knows its own name (entry->name()).
  void add(std::unique_ptr<T> entry) {
    const std::string name = entry->name();
    add(name, std::move(entry));
  }
  bool has(const std::string& name) const {
    ensure();
    return table_.count(name) > 0;
  }
  // The entry called `name`; a ConfigError naming the registered ones otherwise.
  const T& get(const std::string& name) const {
    ensure();
    auto it = table_.find(name);
    if (it == table_.end()) throw ConfigError("unknown " + kind_ + " '" + name + "' (registered: " + list() + ")");
    return *it->second;
  }
  std::vector<std::string> names() const {
    ensure();
    std::vector<std::string> n;
    for (const auto& kv : table_) n.push_back(kv.first);
    return n;
  }
  // "a, b, c": the registered names, for messages and help texts.
  std::string list() const {
    std::string s;
    for (const auto& n : names()) s += (s.empty() ? "" : ", ") + n;
    return s;
  }
  // Every entry in name order.
  template <class F>
  void each(F f) const {
    ensure();
    for (const auto& kv : table_) f(kv.first, *kv.second);
  }

 private:
  void ensure() const {
    std::call_once(once_, [this] {
      if (!builtins_) return;
      Registry& self = const_cast<Registry&>(*this);
      self.adding_builtins_ = true;
      builtins_(self);
      self.adding_builtins_ = false;
    });
  }
  std::string kind_;
  std::function<void(Registry&)> builtins_;
  mutable std::once_flag once_;
  bool adding_builtins_ = false;
  std::map<std::string, std::unique_ptr<T>> table_;
};

}  // namespace reram
