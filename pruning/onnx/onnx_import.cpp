// Placeholder until the ONNX importer lands (the onnx engineer replaces this file).
#include "pruning/onnx/onnx_import.h"

#include "pruning/core/error.h"

namespace reram {
Network import_onnx(const std::string& path) { throw InputError(path + ": ONNX import is not built yet"); }
}  // namespace reram
