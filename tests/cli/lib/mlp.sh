# Sourced by CLI tests: make_mlp DIR SEED writes DIR/net.json (a two-layer MLP,
# 512 -> 250 -> 10: 4 x 2 + 1 crossbars at 128x128 and 8-bit weights) and DIR/w.npz
# (seeded standard-normal weights, zero biases).
make_mlp() {
  cat >"$1/net.json" <<'J'
{"name":"mlp","input":{"channels":512,"height":1,"width":1},
 "layers":[{"name":"f","type":"flatten"},{"name":"fc1","type":"linear","out_features":250},{"name":"r1","type":"relu"},
           {"name":"fc2","type":"linear","out_features":10}]}
J
  /usr/bin/python3 - "$1" "$2" <<'P'
import sys, numpy as np
t = sys.argv[1]; r = np.random.default_rng(int(sys.argv[2]))
np.savez(t + "/w.npz", **{"fc1.weight": r.standard_normal((250, 512)).astype(np.float32), "fc1.bias": np.zeros(250, np.float32),
                          "fc2.weight": r.standard_normal((10, 250)).astype(np.float32), "fc2.bias": np.zeros(10, np.float32)})
P
}

# prune_mlp BIN DIR ARCH GRANULARITY OUT [ARGS...]: the MLP of DIR mapped densely to
# DIR/dense.json (once) and pruned by magnitude to half the crossbars of every layer at
# GRANULARITY into OUT (ARGS go to `reram prune`, e.g. --report).
prune_mlp() {
  local bin=$1 dir=$2 arch=$3 g=$4 out=$5
  shift 5
  [ -f "$dir/dense.json" ] || "$bin" map --network "$dir/net.json" --weights "$dir/w.npz" --arch "$arch" \
    -o "$dir/dense.json" >/dev/null 2>&1 || return 1
  "$bin" prune --network "$dir/net.json" --weights "$dir/w.npz" --arch "$arch" --granularity "$g" --optimizer magnitude \
    --keep-crossbars 0.5 --include-first --include-last --data none --quiet -o "$out" "$@" >/dev/null 2>&1
}
