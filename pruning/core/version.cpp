#include "pruning/core/version.h"

namespace reram {
std::string version() { return RERAM_VERSION; }
}  // namespace reram
