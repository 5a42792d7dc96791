#!/usr/bin/python3
"""Are the maximum-compression search's validation images closer to the training images than
the test images are? (docs/pruning.md, "Maximum compression within an accuracy bound"):
exact duplicates (hashes) and the Euclidean distance (pixels / 255) from each of the last
N training images (the validation split) and each of the first N test images to its nearest
neighbour among the first 60,000 - N training images (the images pruning trains on).

usage: /usr/bin/python3 scripts/split_distance.py [--holdout 5000] [--dir DIR]
Long: about 6 minutes on one core (two 5,000 x 55,000 distance matrices).
"""
import argparse
import gzip
import hashlib
import os

import numpy as np


def images(path):
    raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    if int.from_bytes(raw[0:4], "big") != 0x803:
        raise SystemExit("%s: not an IDX image file" % path)
    n = int.from_bytes(raw[4:8], "big")
    return np.frombuffer(raw, np.uint8, offset=16).reshape(n, -1)


def nearest(query, pool, pool_sq):
    out = []
    for i in range(0, len(query), 500):
        q = query[i:i + 500]
        d = (q ** 2).sum(1)[:, None] + pool_sq[None, :] - 2 * q @ pool.T
        out.append(np.sqrt(np.maximum(d.min(1), 0)))
    return np.concatenate(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--holdout", type=int, default=5000)
    ap.add_argument("--dir", default=os.environ.get("RERAM_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
    a = ap.parse_args()
    train = images(os.path.join(a.dir, "train-images-idx3-ubyte.gz"))
    test = images(os.path.join(a.dir, "t10k-images-idx3-ubyte.gz"))
    k = a.holdout
    if not 0 < k < len(train) or k > len(test):
        raise SystemExit("--holdout must be in 1..%d" % min(len(train) - 1, len(test)))
    fit, val, tst = train[:-k], train[-k:], test[:k]
    hashes = {hashlib.md5(x.tobytes()).hexdigest() for x in fit}
    pool = fit.astype(np.float32) / 255
    pool_sq = (pool ** 2).sum(1)
    print("| split | images | exact duplicates in the training pool | median NN distance | NN < 1 | NN < 2 | NN < 3 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, x in (("validation (last %d training)" % k, val), ("test (first %d)" % k, tst)):
        dup = sum(hashlib.md5(r.tobytes()).hexdigest() in hashes for r in x)
        d = nearest(x.astype(np.float32) / 255, pool, pool_sq)
        print("| %s | %d | %d | %.3f | %.1f %% | %.1f %% | %.1f %% |" % (
            name, len(x), dup, np.median(d), 100 * (d < 1).mean(), 100 * (d < 2).mean(), 100 * (d < 3).mean()))


if __name__ == "__main__":
    main()
