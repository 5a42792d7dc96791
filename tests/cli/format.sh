#!/usr/bin/env bash
# Every tracked C++ file follows .clang-format (clang-format 14, installed by scripts/setup.sh).
# Fix with: clang-format -i $(git ls-files '*.cpp' '*.h')
set -u
src=$2
cf=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$cf" ]; then echo "SKIP: clang-format not installed (scripts/setup.sh installs it)"; exit 0; fi
cd "$src" || exit 1
if [ -d .git ] && command -v git >/dev/null; then
  mapfile -t files < <(git ls-files '*.cpp' '*.h')
else
  mapfile -t files < <(find cli pruning sim sweep tests -name '*.cpp' -o -name '*.h')
fi
[ ${#files[@]} -gt 50 ] || { echo "FAIL: found only ${#files[@]} C++ files under $src"; exit 1; }
out=$("$cf" --dry-run --Werror "${files[@]}" 2>&1)
if [ -n "$out" ]; then
  echo "FAIL: files differ from .clang-format:"; echo "$out" | grep -o '^[^:]*\.\(cpp\|h\)' | sort -u; exit 1
fi
echo "ok   ${#files[@]} files follow .clang-format"
