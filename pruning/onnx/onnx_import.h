#pragma once
// ONNX import (opsets 11-17) into the project's Network, with weights from initializers.
#include <string>

#include "pruning/graph/network.h"

namespace reram {

// Unsupported operators, unsupported attribute values, truncated or malformed files
// are InputErrors naming the operator, the node and the file.
Network import_onnx(const std::string& path);

}  // namespace reram
