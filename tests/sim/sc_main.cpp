// The SystemC test binary's entry point: SystemC calls sc_main, which runs GoogleTest.
// gtest_discover_tests runs each test in its own process.
#include <gtest/gtest.h>

#include <systemc>

int sc_main(int argc, char* argv[]) {
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
