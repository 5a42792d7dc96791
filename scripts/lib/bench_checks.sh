# Sourced by the benchmark scripts: need_tools NAME BIN exits 2 with a one-line message
# naming the script when the reram binary BIN or /usr/bin/time (Debian package 'time') is
# missing.
need_tools() {
  if [[ ! -x "$2" ]]; then
    echo "$1: reram binary '$2' not found or not executable (build it, or pass its path)" >&2
    exit 2
  fi
  if [[ ! -x /usr/bin/time ]]; then
    echo "$1: /usr/bin/time is required (Debian package 'time')" >&2
    exit 2
  fi
}

# time_fields FILE: reads /usr/bin/time -v's report FILE into $wall and $cpu (seconds) and
# $kib (maximum resident set size). "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:01.23"
# becomes 1.230.
time_fields() {
  wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {
            n = split($2, p, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + p[k]; printf "%.3f", s }' "$1")"
  cpu="$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.3f", u + s}' "$1")"
  kib="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$1")"
}

# run_timed NAME WORK CMD...: runs CMD under /usr/bin/time -v (report in WORK/time.txt,
# output in WORK/stdout.txt and WORK/stderr.txt); when CMD fails, prints its stderr under
# "NAME: ... failed" and exits 1; then sets $wall, $cpu and $kib (time_fields).
run_timed() {
  local name=$1 work=$2
  shift 2
  if ! /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/stdout.txt" 2>"$work/stderr.txt"; then
    echo "$name: command failed: $*" >&2
    cat "$work/stderr.txt" >&2
    exit 1
  fi
  time_fields "$work/time.txt"
}
