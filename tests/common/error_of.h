#pragma once
// The message of the error a call throws, for tests of one-line error messages.
#include <gtest/gtest.h>

#include <exception>
#include <initializer_list>
#include <string>

#include "pruning/core/error.h"

namespace reram::test {

// Message of the E (default: any reram::Error) thrown by f; a test failure, and "", when f
// throws nothing or an exception of another type.
template <class E = Error, class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected another kind of error, got: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected an error";
  return "";
}

// A test failure for every part that msg does not contain (the message is printed).
inline void expect_mentions(const std::string& msg, std::initializer_list<const char*> parts) {
  for (const char* p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "no '" << p << "' in: " << msg;
}

}  // namespace reram::test
