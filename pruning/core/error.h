#pragma once
// Typed errors for user input. Library code throws these and never exits; the
// CLI prints the message on one line and returns a non-zero status.
#include <stdexcept>
#include <string>

namespace reram {

// Any problem the user can fix: a bad file, a bad value, an impossible config.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A configuration value (arch config, plan, option) is unknown, mistyped or impossible.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// An input file (network, weights, mapping, data set) is missing, malformed or inconsistent.
class InputError : public Error {
 public:
  using Error::Error;
};

}  // namespace reram
