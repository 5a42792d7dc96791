#!/usr/bin/python3
"""Export torchvision models to ONNX with seeded random weights, plus an independent
crossbar-view reference computed from the torch modules.

For every model NAME this writes, in --out-dir:
  NAME.onnx             the ONNX export (BatchNormalization kept unless --fold-bn)
  NAME.reference.json   per conv/linear module, in forward execution order: the weight
                        shape, groups, and the crossbar view rows = (C/g)*R*S, cols = K
                        (linear: rows = in_features, cols = out_features), computed from
                        the torch module's own attributes (not from the ONNX file).

Run with Debian's interpreter: /usr/bin/python3 scripts/export_onnx.py resnet18 --out-dir out
"""
import argparse
import json
import os
import sys
import tempfile

import torch
import torchvision


def weight_layers(model, example):
    """Conv2d / Linear modules in the order the forward pass runs them."""
    order = []
    hooks = []
    for name, mod in model.named_modules():
        if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
            hooks.append(mod.register_forward_hook(
                lambda m, i, o, name=name: order.append((name, m, tuple(i[0].shape)))))
    with torch.no_grad():
        model(example)
    for h in hooks:
        h.remove()
    seen = set()
    layers = []
    for name, mod, in_shape in order:
        if name in seen:  # a module called twice maps to one set of weights; record once
            continue
        seen.add(name)
        w = mod.weight
        if isinstance(mod, torch.nn.Conv2d):
            kh, kw = mod.kernel_size
            c, k, g = mod.in_channels, mod.out_channels, mod.groups
            rows, cols = (c // g) * kh * kw, k
            assert list(w.shape) == [k, c // g, kh, kw], (name, w.shape)
            entry = {"module": name, "kind": "conv", "groups": g,
                     "in_channels": c, "out_channels": k, "kernel": [kh, kw],
                     "stride": list(mod.stride), "padding": list(mod.padding),
                     "dilation": list(mod.dilation)}
        else:
            rows, cols = mod.in_features, mod.out_features
            assert list(w.shape) == [cols, rows], (name, w.shape)
            entry = {"module": name, "kind": "linear", "groups": 1,
                     "in_features": rows, "out_features": cols}
        entry.update({"weight_shape": list(w.shape), "has_bias": mod.bias is not None,
                      "rows": rows, "cols": cols, "input_shape": list(in_shape[1:])})
        layers.append(entry)
    return layers


def export(name, out_dir, opset, seed, size, fold_bn):
    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(weights=None).eval()
    example = torch.randn(1, 3, size, size)
    onnx_path = os.path.join(out_dir, name + ".onnx")
    # PRESERVE on an eval-mode model exports inference-mode BatchNormalization nodes
    # instead of letting the exporter fuse them into the convolutions.
    mode = torch.onnx.TrainingMode.EVAL if fold_bn else torch.onnx.TrainingMode.PRESERVE
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".onnx.tmp")
    os.close(fd)
    torch.onnx.export(model, example, tmp, opset_version=opset, training=mode,
                      do_constant_folding=fold_bn, input_names=["input"],
                      output_names=["logits"])
    os.replace(tmp, onnx_path)
    ref = {
        "model": name, "onnx_file": os.path.basename(onnx_path), "opset": opset, "seed": seed,
        "input_shape": [1, 3, size, size], "batchnorm_folded": fold_bn,
        "torch_version": torch.__version__, "torchvision_version": torchvision.__version__,
        "weight_layers": weight_layers(model, example),
    }
    ref_path = os.path.join(out_dir, name + ".reference.json")
    with open(ref_path + ".tmp", "w") as f:
        json.dump(ref, f, indent=2)
    os.replace(ref_path + ".tmp", ref_path)
    return onnx_path, ref_path


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("models", nargs="+", help="torchvision model names, e.g. resnet18 alexnet squeezenet1_1")
    p.add_argument("--out-dir", required=True)
    p.add_argument("--opset", type=int, default=13, help="ONNX opset, 11-17 (default 13)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random weights and example input")
    p.add_argument("--input-size", type=int, default=224)
    p.add_argument("--fold-bn", action="store_true",
                   help="let the exporter fold BatchNormalization into the convolutions")
    a = p.parse_args()
    if not 11 <= a.opset <= 17:
        p.error("--opset must be between 11 and 17")
    for m in a.models:
        if not callable(getattr(torchvision.models, m, None)):
            p.error("unknown torchvision model '%s'" % m)
    os.makedirs(a.out_dir, exist_ok=True)
    torch.set_num_threads(1)
    for m in a.models:
        onnx_path, ref_path = export(m, a.out_dir, a.opset, a.seed, a.input_size, a.fold_bn)
        print("wrote %s and %s" % (onnx_path, ref_path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
