#!/usr/bin/python3
"""Writes the fuzz seeds that are not plain repository files (tests/fuzz/seeds/X/):
inputs of several parts (joined by the harnesses' separator) and small data sets in the
exact binary formats. Run from the repository root with a built CLI:

    /usr/bin/python3 tests/fuzz/make_seeds.py build/reram

Deterministic (fixed seed); the output is committed, so ctest replays it and
scripts/fuzz.sh starts from it.
"""
import io
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

SEP = b"\n--reram-fuzz-part--\n"
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = os.path.join(root, "tests", "fuzz", "seeds")
reram = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build", "reram")
rng = np.random.default_rng(1)


def put(harness, name, *parts):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(SEP.join(parts))


def npz(**arrays):
    b = io.BytesIO()
    np.savez(b, **arrays)
    return b.getvalue()


# A small network with weights: conv + linear, as the JSON format and its weights.
net = {
    "format": "reram-network", "format_version": 1, "name": "seed",
    "input": {"channels": 1, "height": 6, "width": 6},
    "layers": [
        {"name": "conv1", "type": "conv", "out_channels": 3, "kernel": 3, "bias": True},
        {"name": "relu1", "type": "relu"},
        {"name": "flat", "type": "flatten"},
        {"name": "fc1", "type": "linear", "out_features": 4, "bias": True},
    ],
}
net_json = json.dumps(net, indent=1).encode()
weights = npz(**{"conv1.weight": rng.standard_normal((3, 1, 3, 3)).astype(np.float32),
                 "conv1.bias": rng.standard_normal(3).astype(np.float32),
                 "fc1.weight": rng.standard_normal((4, 48)).astype(np.float32),
                 "fc1.bias": rng.standard_normal(4).astype(np.float32)})
put("network", "small_with_weights", net_json, weights)
put("npy", "small_weights.npz", weights)
b = io.BytesIO(); np.save(b, rng.standard_normal((2, 3)).astype(np.float64)); put("npy", "small.npy", b.getvalue())
b = io.BytesIO(); np.save(b, np.arange(6, dtype=np.uint8).reshape(1, 2, 3)); put("npy", "small_u8.npy", b.getvalue())

# Arch configs with --set overrides.
with open(os.path.join(root, "arch_configs", "default.json"), "rb") as f:
    default = f.read()
put("arch", "default_with_sets", default,
    b"crossbar.rows=64\ncrossbar.cols=32\nprecision.adc_bits=auto\ntechnology.adc.model=survey\nchip.tiles=\"auto\"")
put("arch", "include_only", b'{"technology": {"include": "technology/physical.json"}}', b"crossbar.rows=16")

# Mappings (manifest + sidecar) of the small network, dense and pruned, from the CLI.
with tempfile.TemporaryDirectory() as t:
    np_path, w_path = os.path.join(t, "n.json"), os.path.join(t, "n.npz")
    open(np_path, "wb").write(net_json); open(w_path, "wb").write(weights)
    arch = os.path.join(root, "arch_configs", "default.json")
    for name, extra in (("dense_16x8", []), ("dense_8x8_ou", ["--set", "crossbar.ou_rows=4", "--set", "crossbar.ou_cols=4"])):
        os.makedirs(os.path.join(t, name))
        m = os.path.join(t, name, "map.json")  # the harness's file names: the manifest names its sidecar
        subprocess.run([reram, "map", "--network", np_path, "--weights", w_path, "--arch", arch, "--set",
                        "crossbar.rows=16" if name == "dense_16x8" else "crossbar.rows=8", "--set", "crossbar.cols=8",
                        "--set", "chip.tiles=\"auto\""] + extra + ["-q", "-o", m], check=True, stderr=subprocess.DEVNULL)
        put("mapping", name, open(m, "rb").read(), open(m[:-5] + ".npz", "rb").read())
        put("mapping", name + "_manifest_only", open(m, "rb").read())

# Data sets in their exact binary formats, a few records each.
def idx_images(n, h, w):
    return struct.pack(">IIII", 0x803, n, h, w) + rng.integers(0, 256, n * h * w, dtype=np.uint8).tobytes()
def idx_labels(n):
    return struct.pack(">II", 0x801, n) + rng.integers(0, 10, n, dtype=np.uint8).tobytes()
put("data", "idx", b"idx", idx_images(3, 4, 4), idx_labels(3), idx_images(2, 4, 4), idx_labels(2))
def cifar(n, hundred):
    recs = b""
    for _ in range(n):
        lab = bytes([rng.integers(0, 20), rng.integers(0, 100)]) if hundred else bytes([rng.integers(0, 10)])
        recs += lab + rng.integers(0, 256, 3072, dtype=np.uint8).tobytes()
    return recs
put("data", "cifar10", b"cifar10", cifar(2, False), cifar(1, False))
put("data", "cifar100", b"cifar100", cifar(2, True), cifar(1, True))
put("data", "npz_nhwc_u8", b"npz", npz(x_train=rng.integers(0, 256, (3, 4, 4, 1), dtype=np.uint8),
                                        y_train=np.array([0, 1, 2], dtype=np.int64),
                                        x_test=rng.integers(0, 256, (2, 4, 4, 1), dtype=np.uint8),
                                        y_test=np.array([1, 0], dtype=np.int64)))
put("data", "npz_nchw_f32", b"npz", npz(x_train=rng.random((3, 2, 4, 4)).astype(np.float32),
                                         y_train=np.array([0, 1, 1], dtype=np.int32),
                                         x_test=rng.random((1, 2, 4, 4)).astype(np.float32),
                                         y_test=np.array([1], dtype=np.int32)))
print("seeds in", out)
