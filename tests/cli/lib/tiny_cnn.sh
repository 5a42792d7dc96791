# Sourced by the prune CLI tests: make_tiny_cnn DIR C1 FC1 C3 BN writes DIR/net.json, a small
# Fashion-MNIST CNN: conv c1 (C1 filters, 5x5 stride 2) - relu - conv c2 (40, 3x3; followed
# by a batchnorm when BN is "bn") - relu - 2x2 maxpool, then when C3 is "c3" conv c3 (36, 3x3)
# - relu - maxpool, then flatten - linear fc1 (FC1) - relu - linear fc2 (10).
make_tiny_cnn() {
  local dir=$1 c1=$2 fc1=$3 c3=$4 bn=$5 c2bias="" bnl="" c3l=""
  if [ "$bn" = bn ]; then
    c2bias=', "bias": false'
    bnl='{"name": "b2", "type": "batchnorm"},'
  fi
  if [ "$c3" = c3 ]; then
    c3l='{"name": "c3", "type": "conv", "out_channels": 36, "kernel": 3, "padding": 1}, {"name": "r3", "type": "relu"},
  {"name": "p3", "type": "maxpool", "kernel": 2, "stride": 2},'
  fi
  cat >"$dir/net.json" <<JSON
{"name": "tiny", "input": {"channels": 1, "height": 28, "width": 28},
 "layers": [
  {"name": "c1", "type": "conv", "out_channels": $c1, "kernel": 5, "stride": 2, "padding": 2},
  {"name": "r1", "type": "relu"},
  {"name": "c2", "type": "conv", "out_channels": 40, "kernel": 3, "padding": 1$c2bias}, $bnl
  {"name": "r2", "type": "relu"},
  {"name": "p2", "type": "maxpool", "kernel": 2, "stride": 2}, $c3l
  {"name": "flat", "type": "flatten"},
  {"name": "fc1", "type": "linear", "out_features": $fc1},
  {"name": "r4", "type": "relu"},
  {"name": "fc2", "type": "linear", "out_features": 10}]}
JSON
}

# tiny_cnn_setup C1 FC1 C3 BN [TRAIN_ARGS...]: with RERAM and SRC set, makes the scratch
# directory $T (removed on exit), the net of make_tiny_cnn in it, and $T/w.npz from one
# epoch of `reram train` on Fashion-MNIST with TRAIN_ARGS (e.g. --train-limit 512).
tiny_cnn_setup() {
  T=$(mktemp -d)
  trap 'rm -rf "$T"' EXIT
  make_tiny_cnn "$T" "$1" "$2" "$3" "$4"
  shift 4
  "$RERAM" train --network "$T/net.json" --epochs 1 --quiet -o "$T/w.npz" "$@" >/dev/null
}
