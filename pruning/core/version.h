#pragma once
// The tool version recorded in every report and mapping.
#include <string>

namespace reram {
std::string version();
}
