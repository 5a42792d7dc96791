# Sourced by CLI tests. expect_error NAME 'PATTERN[;;PATTERN...]' CMD...: CMD must exit
# non-zero with stderr holding one error line that contains every PATTERN. Needs $t (a
# scratch directory); sets fail=1 and prints FAIL on a miss, prints "ok" otherwise.
# EXPECT_ONE_LINE picks what "one line" means: strict (default: stderr is exactly one
# line), warnings (one line besides "warning" lines; patterns looked for in that line),
# no (any number of lines, e.g. progress before the error).
# Sourcing it also makes the scratch directory $t (removed on exit) unless the test has one,
# and starts fail at 0.
if [ -z "${t:-}" ]; then
  t=$(mktemp -d)
  trap 'rm -rf "$t"' EXIT
fi
fail=${fail:-0}
expect_error() {
  local name=$1 pats=$2; shift 2
  "$@" >"$t/out" 2>"$t/err"; local rc=$?
  if [ $rc -eq 0 ]; then echo "FAIL $name: exit 0"; fail=1; return; fi
  local mode=${EXPECT_ONE_LINE:-strict}
  if [ "$mode" = warnings ]; then grep -v warning "$t/err" >"$t/err.lines"; else cp "$t/err" "$t/err.lines"; fi
  if [ "$mode" != no ] && [ "$(wc -l <"$t/err.lines")" -ne 1 ]; then
    echo "FAIL $name: error is not one line:"; cat "$t/err"; fail=1; return
  fi
  local pat
  while IFS= read -r pat; do
    if ! grep -q -- "$pat" "$t/err.lines"; then echo "FAIL $name: error lacks '$pat':"; cat "$t/err"; fail=1; return; fi
  done < <(printf '%s\n' "${pats//;;/$'\n'}")
  echo "ok   $name: $(grep error "$t/err.lines" || cat "$t/err.lines")"
}
