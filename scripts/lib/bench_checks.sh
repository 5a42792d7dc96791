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
