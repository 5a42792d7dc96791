#!/usr/bin/env bash
# Fuzzes every reader of user files with libFuzzer + ASan + UBSan (docs/reliability.md).
#   scripts/fuzz.sh [SECONDS] [HARNESS...]
# SECONDS per harness (default 1800); harnesses: onnx network npy arch mapping plan data
# (default: all). PARALLEL harnesses run at once (default 1: one core each). Builds
# build-fuzz (clang, -DRERAM_FUZZ=ON, readers only: no LibTorch, no SystemC objects), starts
# each harness from its seeds (the repository's files and tests/fuzz/seeds/X) plus the
# corpus it grew before (build-fuzz/corpus/X), and writes results/fuzz/RUN/: one log per
# harness, the inputs that crashed, hung or leaked (crashes/X/), and summary.md, the table
# docs/reliability.md quotes (seconds, executions, executions per second, corpus, findings).
# Exits non-zero when any harness found something. A finding, once fixed, goes into
# tests/fuzz/regressions/X/ so that ctest replays it for good.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
secs="${1:-1800}"
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(onnx network npy arch mapping plan data)
parallel="${PARALLEL:-1}"
bdir="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (sudo apt-get install clang: libFuzzer comes with it)" >&2; exit 1; }
CC=clang CXX=clang++ cmake -S "$root" -B "$bdir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRERAM_FUZZ=ON \
  -DRERAM_SANITIZE=address,undefined -DRERAM_BUILD_TESTS=OFF -DRERAM_WITH_TORCH=OFF >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
cmake --build "$bdir" -j"$(nproc)" --target "${targets[@]}"

run="$root/results/fuzz/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$run"
seeds() {  # the seed files and directories of harness $1: seed_paths.txt, seeds/ and regressions/
  awk -v h="$1" -v root="$root" '$1 == h { print root "/" $2 }' "$root/tests/fuzz/seed_paths.txt"
  [ -d "$root/tests/fuzz/seeds/$1" ] && echo "$root/tests/fuzz/seeds/$1"
  [ -d "$root/tests/fuzz/regressions/$1" ] && echo "$root/tests/fuzz/regressions/$1"
  return 0
}
fuzz_one() {
  local h=$1 corpus="$bdir/corpus/$1" crashes="$run/crashes/$1" seedcopy
  mkdir -p "$corpus" "$crashes"
  # libFuzzer reads seed directories, not single files: copy the seed files into one.
  seedcopy="$bdir/seeds/$h"; rm -rf "$seedcopy"; mkdir -p "$seedcopy"
  for s in $(seeds "$h"); do
    if [ -d "$s" ]; then find "$s" -maxdepth 1 -type f -exec cp {} "$seedcopy/" \;; else cp "$s" "$seedcopy/"; fi
  done
  # Each harness's scratch files go under one directory removed afterwards: processes that
  # libFuzzer ends on a finding or a timeout never run their own clean-up.
  local scratch="$bdir/tmp/$h"
  rm -rf "$scratch"; mkdir -p "$scratch"
  echo "fuzzing $h for ${secs}s ($(ls "$seedcopy" | wc -l) seeds, corpus $(ls "$corpus" | wc -l) inputs)"
  set +e
  ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    TMPDIR="$scratch" "$bdir/tests/fuzz/fuzz_$h" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2560 \
    -max_len=1048576 -close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$crashes/" -fork=1 \
    -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 "$corpus" "$seedcopy" >"$run/$h.log" 2>&1
  set -e
  rm -rf "$scratch"
  echo "done $h"
}
i=0
for h in "${harnesses[@]}"; do
  fuzz_one "$h" &
  i=$((i + 1))
  if [ $((i % parallel)) -eq 0 ]; then wait; fi
done
wait

found=0
{
  echo "| reader | seconds | executions | executions/s | corpus | findings |"
  echo "|---|---:|---:|---:|---:|---:|"
  for h in "${harnesses[@]}"; do
    log="$run/$h.log"
    # -fork=1 prints per-job lines "#N: cov: ... exec/s: E ..."; the last one carries the totals.
    execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    execs=${execs:-0}
    n=$(find "$run/crashes/$h" -type f | wc -l)
    found=$((found + n))
    echo "| $h | $secs | $execs | $((execs / secs)) | $(ls "$bdir/corpus/$h" | wc -l) | $n |"
  done
} | tee "$run/summary.md"
echo "fuzz.sh: results in $run (commit: $(git -C "$root" describe --always --dirty))"
[ "$found" -eq 0 ]
