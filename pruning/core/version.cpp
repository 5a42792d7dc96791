#include "pruning/core/version.h"

#include "reram_version.h"  // generated at every build (cmake/version.cmake)

namespace reram {
std::string version() { return RERAM_VERSION; }
}  // namespace reram
