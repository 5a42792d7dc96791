#pragma once
// Reading users' files: every reader checks the path first, so a directory, a FIFO or a
// device (/dev/zero, /dev/stdin) given where a file belongs is a one-line error instead of
// an obscure parse error, a blocked read or a read that never ends.
#include <string>

namespace reram {

// Throws InputError naming `path` when it does not exist or is not a regular file.
void require_regular_file(const std::string& path);

// The whole file (after require_regular_file).
std::string read_file(const std::string& path);

}  // namespace reram
