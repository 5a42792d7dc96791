#pragma once
// How many threads a command uses when the user does not say (`--threads 0`).

namespace reram {

// OMP_NUM_THREADS when it is set to a positive integer (sweeps set it to share the cores
// among their parallel stages), otherwise one per core (at least 1).
int default_thread_count();

}  // namespace reram
