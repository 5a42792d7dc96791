#!/bin/bash
# `reram map` on bad ONNX files: exit status 1 (an error, not a crash) and a one-line
# error naming the file (and, for an unsupported operator, the operator and the node).
# Usage: bash onnx_errors.sh RERAM_BINARY SOURCE_DIR
set -u
BIN=$1
SRC=$2
DATA=$SRC/tests/data/onnx
ARCH=$SRC/arch_configs/default.json
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0

# expect_error FILE PATTERN...: map FILE, require status 1 and exactly one error line
# that contains FILE and every PATTERN.
expect_error() {
  local file=$1
  shift
  "$BIN" map --network "$file" --arch "$ARCH" -q -o "$TMP/m.json" --report "$TMP/r.json" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  local errors
  errors=$(grep -c "error" "$TMP/err")
  if [ "$rc" -ne 1 ]; then
    echo "FAIL: $file: exit status $rc, expected 1"; cat "$TMP/err"; fail=1; return
  fi
  if [ "$errors" -ne 1 ]; then
    echo "FAIL: $file: expected one error line, got $errors:"; cat "$TMP/err"; fail=1; return
  fi
  local line
  line=$(grep "error" "$TMP/err")
  for p in "$file" "$@"; do
    if [[ "$line" != *"$p"* ]]; then
      echo "FAIL: $file: error line lacks '$p': $line"; fail=1; return
    fi
  done
  if [ -e "$TMP/m.json" ] || [ -e "$TMP/r.json" ]; then
    echo "FAIL: $file: outputs were written despite the error"; fail=1; return
  fi
  echo "ok: $line"
}

# A model cut in half (inside the graph message).
expect_error "$DATA/truncated.onnx"
# A truncation made here, at an odd offset of another model.
head -c 301 "$DATA/tiny_cnn_op17.onnx" >"$TMP/cut.onnx"
expect_error "$TMP/cut.onnx"
expect_error "$DATA/unsupported_einsum.onnx" "unsupported ONNX operator 'Einsum'" "node 'mix'"
expect_error "$DATA/reshape_bad.onnx" "to3d"
expect_error "$DATA/softmax_axis_bad.onnx" "node 'attn'" "only a softmax over the last axis"
expect_error "$DATA/erf_alone.onnx" "node 'erf'" "only inside a GELU"
expect_error "$DATA/transpose_bad.onnx" "node 'swap'" "'perm' is not a permutation"
expect_error "$TMP/missing.onnx"

# And a good file maps (so the failures above are about the files, not the command line).
if ! "$BIN" map --network "$DATA/tiny_cnn_op13.onnx" --arch "$ARCH" -q --report "$TMP/r.json" 2>"$TMP/err"; then
  echo "FAIL: tiny_cnn_op13.onnx did not map:"; cat "$TMP/err"; fail=1
elif ! grep -q '"crossbars"' "$TMP/r.json"; then
  echo "FAIL: tiny_cnn_op13.onnx: report has no crossbar count"; fail=1
fi
exit $fail
