#!/usr/bin/python3
"""Checks a bundled network description against an independent PyTorch model.

  check_workloads.py reference NET.json [--model KEY]
      prints {"classes", "weight_count", "macs", "layers": [[weights, macs], ...]}
      counted on the reference PyTorch module (conv/linear weight elements, not
      biases; multiply-accumulates of one 1-image inference, measured by forward hooks)
  check_workloads.py export-npz NET.json --out W.npz [--model KEY] [--seed N]
      writes the seeded, randomly initialised reference model's state_dict as a
      weights file ("<module>.<param>" keys, num_batches_tracked dropped)
  check_workloads.py forward NET.json [--model KEY] [--seed N]
      builds a PyTorch module by interpreting NET.json, copies the reference
      model's parameters into it by layer name (every reference tensor must be
      used exactly once), runs both on one seeded random input in eval mode
      (random batchnorm statistics, so BN placement matters) and compares outputs.

Reference models: torchvision for the ImageNet networks; for the CIFAR-10 networks,
definitions written below from the papers / reference repositories, independent of
scripts/gen_workloads.py. KEY defaults to "<dir>/<stem>" of NET.json (e.g. imagenet/resnet50).

Exit status: 0 ok, 1 mismatch, 2 torch/torchvision not importable, 3 no reference
model for this network, 4 bad input.
"""
import argparse
import json
import os
import sys

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torchvision
except ImportError as e:  # the C++ test turns this into GTEST_SKIP
    print("torch/torchvision not importable: %s" % e, file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------- independent CIFAR-10 models

class NeuroSimVGG8(nn.Module):
    """DNN+NeuroSim V1.3 VGG-8 (models/VGG.py) with plain nn layers instead of QConv2d/QLinear
    (both default to bias=False there)."""

    def __init__(self):
        super().__init__()
        layers, c = [], 3
        for v in (128, 128, "M", 256, 256, "M", 512, 512, "M"):
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers += [nn.Conv2d(c, v, kernel_size=3, padding=1, bias=False), nn.ReLU()]
                c = v
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Linear(8192, 1024, bias=False), nn.ReLU(),
                                        nn.Linear(1024, 10, bias=False))

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.view(x.size(0), -1))


class CifarBasicBlock(nn.Module):
    """Basic block of kuangliu/pytorch-cifar and of He et al.'s CIFAR ResNets, option B shortcut."""

    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride, bias=False),
                                          nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    """stem 3x3 (stride 1, no max-pool), stages of basic blocks, average pool, linear."""

    def __init__(self, widths, blocks, pool_kernel):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        in_planes = widths[0]
        for i, (w, nb) in enumerate(zip(widths, blocks)):
            stride = 1 if i == 0 else 2
            layers = []
            for b in range(nb):
                layers.append(CifarBasicBlock(in_planes, w, stride if b == 0 else 1))
                in_planes = w
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*layers))
        self.nstages = len(widths)
        self.pool_kernel = pool_kernel
        self.linear = nn.Linear(widths[-1], 10)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        for i in range(self.nstages):
            out = getattr(self, "layer%d" % (i + 1))(out)
        if self.pool_kernel:
            out = F.avg_pool2d(out, self.pool_kernel)       # kuangliu ResNet18
        else:
            out = F.adaptive_avg_pool2d(out, 1)              # He et al.: global average pooling
        return self.linear(out.view(out.size(0), -1))


REFERENCES = {
    "cifar10/vgg8": lambda: NeuroSimVGG8(),
    "cifar10/resnet20": lambda: CifarResNet([16, 32, 64], [3, 3, 3], None),
    "cifar10/resnet18": lambda: CifarResNet([64, 128, 256, 512], [2, 2, 2, 2], 4),
    "imagenet/alexnet": lambda: torchvision.models.alexnet(num_classes=1000),
    "imagenet/vgg16": lambda: torchvision.models.vgg16(num_classes=1000),
    "imagenet/resnet18": lambda: torchvision.models.resnet18(num_classes=1000),
    "imagenet/resnet50": lambda: torchvision.models.resnet50(num_classes=1000),
    "imagenet/mobilenetv2": lambda: torchvision.models.mobilenet_v2(num_classes=1000),
}


# ---------------------------------------------------------------- counting on the reference

def count(model, shape):
    rows = []

    def hook(m, inp, out):
        w = m.weight.numel()
        if isinstance(m, nn.Conv2d):
            macs = out[0].numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        else:
            macs = m.in_features * m.out_features
        rows.append([w, macs])

    hs = [m.register_forward_hook(hook) for m in model.modules()
          if isinstance(m, (nn.Conv2d, nn.Linear))]
    # Shapes are all the hooks need: the meta device runs no arithmetic.
    model = model.to("meta").eval()
    with torch.no_grad():
        out = model(torch.zeros(1, *shape, device="meta"))
    for h in hs:
        h.remove()
    return {"classes": int(out.shape[1]), "weight_count": sum(r[0] for r in rows),
            "macs": sum(r[1] for r in rows), "layers": rows}


# ---------------------------------------------------------------- interpreting NET.json

def pair(v, what):
    if isinstance(v, int):
        return (v, v)
    if isinstance(v, list) and len(v) == 2:
        return tuple(v)
    raise ValueError("%s must be an int or [h, w], got %r" % (what, v))


def pad4(v):
    """-> (top, left, bottom, right)"""
    if isinstance(v, int):
        return (v, v, v, v)
    if isinstance(v, list) and len(v) == 2:
        return (v[0], v[1], v[0], v[1])
    if isinstance(v, list) and len(v) == 4:
        return tuple(v)
    raise ValueError("padding must be an int, [h, w] or [t, l, b, r], got %r" % (v,))


KNOWN = {
    "conv": {"out_channels", "kernel", "stride", "padding", "groups", "dilation", "bias"},
    "linear": {"out_features", "bias"},
    "batchnorm": {"eps"},
    "maxpool": {"kernel", "stride", "padding", "ceil_mode"},
    "avgpool": {"kernel", "stride", "padding", "ceil_mode", "count_include_pad"},
    "globalavgpool": set(), "relu": set(), "relu6": set(), "flatten": set(),
    "dropout": {"p"}, "identity": set(), "add": set(), "concat": set(),
}


class JsonNet(nn.Module):
    """Runs a NET.json graph with PyTorch ops; parameters are plain tensors keyed by layer name."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        inp = spec["input"]
        shapes = {"input": (inp["channels"], inp["height"], inp["width"])}
        self.mods = {}
        prev = "input"
        for L in spec["layers"]:
            t = L["type"]
            extra = set(L) - KNOWN[t] - {"name", "type", "input", "inputs"}
            if extra:
                raise ValueError("layer %s: unexpected keys %s" % (L["name"], sorted(extra)))
            srcs = L.get("inputs", [L["input"]] if "input" in L else [prev])
            L["_srcs"] = srcs
            s = shapes[srcs[0]]
            if t == "conv":
                pt, pl, pb, pr = pad4(L.get("padding", 0))
                m = nn.Conv2d(s[0], L["out_channels"], pair(L["kernel"], "kernel"),
                              pair(L.get("stride", 1), "stride"), 0,
                              pair(L.get("dilation", 1), "dilation"), L.get("groups", 1),
                              bias=L.get("bias", False))
                L["_pad"] = (pl, pr, pt, pb)
                self.mods[L["name"]] = m
            elif t == "linear":
                self.mods[L["name"]] = nn.Linear(int(torch.tensor(s).prod()), L["out_features"],
                                                 bias=L.get("bias", False))
            elif t == "batchnorm":
                bn = nn.BatchNorm2d if len(s) == 3 else nn.BatchNorm1d
                self.mods[L["name"]] = bn(s[0], eps=L.get("eps", 1e-5))
            # shape after this layer, by running the op on a dummy tensor (cheap at batch 1)
            with torch.no_grad():
                xs = [torch.zeros(1, *shapes[n]) for n in srcs]
                y = self._op(L, xs)
            shapes[L["name"]] = tuple(y.shape[1:])
            prev = L["name"]
        for k, m in self.mods.items():
            self.add_module(k.replace(".", "__"), m)

    def _op(self, L, xs):
        t, x = L["type"], xs[0]
        if t == "conv":
            return self.mods[L["name"]](F.pad(x, L["_pad"]))
        if t == "linear":
            return self.mods[L["name"]](x.reshape(x.shape[0], -1))
        if t == "batchnorm":
            return self.mods[L["name"]](x)
        if t == "relu":
            return F.relu(x)
        if t == "relu6":
            return F.relu6(x)
        if t in ("maxpool", "avgpool"):
            pt, pl, pb, pr = pad4(L.get("padding", 0))
            if (pt, pl) != (pb, pr):
                raise ValueError("asymmetric pooling padding not supported here")
            k = pair(L["kernel"], "kernel")
            st = pair(L.get("stride", L["kernel"]), "stride")
            if t == "maxpool":
                return F.max_pool2d(x, k, st, (pt, pl), ceil_mode=L.get("ceil_mode", False))
            return F.avg_pool2d(x, k, st, (pt, pl), ceil_mode=L.get("ceil_mode", False),
                                count_include_pad=L.get("count_include_pad", False))
        if t == "globalavgpool":
            return F.adaptive_avg_pool2d(x, 1)
        if t == "flatten":
            return x.reshape(x.shape[0], -1)
        if t in ("dropout", "identity"):
            return x
        if t == "add":
            y = xs[0]
            for z in xs[1:]:
                y = y + z
            return y
        if t == "concat":
            return torch.cat(xs, 1)
        raise ValueError("unknown layer type " + t)

    def forward(self, x):
        vals = {"input": x}
        for L in self.spec["layers"]:
            vals[L["name"]] = self._op(L, [vals[n] for n in L["_srcs"]])
        return vals[self.spec["layers"][-1]["name"]]


def copy_reference(ref, net):
    """Copies every reference tensor into the layer of the same name; both sides must match exactly."""
    sd = {k: v for k, v in ref.state_dict().items() if not k.endswith("num_batches_tracked")}
    used = set()
    for name, m in net.mods.items():
        for pname, t in list(m.state_dict().items()):
            if pname == "num_batches_tracked":
                continue
            key = name + "." + pname
            if key not in sd:
                raise KeyError("JSON layer %s has %s but the reference has no %s" % (name, pname, key))
            if tuple(sd[key].shape) != tuple(t.shape):
                raise ValueError("%s: shape %s in JSON, %s in reference"
                                 % (key, tuple(t.shape), tuple(sd[key].shape)))
            t.copy_(sd[key])
            used.add(key)
    missing = sorted(set(sd) - used)
    if missing:
        raise KeyError("reference tensors with no JSON layer: %s" % ", ".join(missing[:5]))


def randomize_bn(model, gen):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = m.num_features
            m.weight.data = torch.rand(n, generator=gen) + 0.5
            m.bias.data = torch.randn(n, generator=gen) * 0.1
            m.running_mean = torch.randn(n, generator=gen) * 0.1
            m.running_var = torch.rand(n, generator=gen) + 0.5


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["reference", "forward", "export-npz"])
    ap.add_argument("--out", help="output .npz (export-npz)")
    ap.add_argument("json")
    ap.add_argument("--model", help="reference key (default: <dir>/<stem> of the JSON path)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tol", type=float, default=1e-4, help="max |diff| / max |reference|")
    a = ap.parse_args()
    key = a.model or "%s/%s" % (os.path.basename(os.path.dirname(os.path.abspath(a.json))),
                                os.path.splitext(os.path.basename(a.json))[0])
    if key not in REFERENCES:
        print("no reference model for %s (known: %s)" % (key, ", ".join(sorted(REFERENCES))),
              file=sys.stderr)
        return 3
    try:
        with open(a.json) as f:
            spec = json.load(f)
    except (OSError, ValueError) as e:
        print("%s: %s" % (a.json, e), file=sys.stderr)
        return 4
    torch.manual_seed(a.seed)
    torch.set_num_threads(1)  # the machine is shared; results do not depend on it
    if a.mode == "reference":
        # Counting needs no weight values: skip the initialisers (seconds for VGG-16).
        for fn in ("kaiming_normal_", "kaiming_uniform_", "normal_", "uniform_",
                   "constant_", "zeros_", "ones_", "xavier_uniform_", "trunc_normal_"):
            setattr(nn.init, fn, lambda t, *args, **kw: t)
    ref = REFERENCES[key]()
    inp = spec["input"]
    shape = (inp["channels"], inp["height"], inp["width"])
    if a.mode == "reference":
        print(json.dumps(count(ref, shape)))
        return 0
    gen = torch.Generator().manual_seed(a.seed)
    randomize_bn(ref, gen)
    if a.mode == "export-npz":
        if not a.out:
            print("export-npz needs --out", file=sys.stderr)
            return 4
        import numpy as np
        np.savez(a.out, **{k: v.numpy() for k, v in ref.state_dict().items()
                           if not k.endswith("num_batches_tracked")})
        return 0
    try:
        net = JsonNet(spec)
        with torch.no_grad():
            copy_reference(ref, net)
    except (KeyError, ValueError, RuntimeError) as e:
        print("%s: structure differs from %s: %s" % (a.json, key, e), file=sys.stderr)
        return 1
    ref.eval()
    net.eval()
    x = torch.randn(1, *shape, generator=gen)
    with torch.no_grad():
        want = ref(x)
        got = net(x)
    if got.shape != want.shape:
        print("%s: output shape %s, reference %s" % (a.json, tuple(got.shape), tuple(want.shape)),
              file=sys.stderr)
        return 1
    err = (got - want).abs().max().item() / max(want.abs().max().item(), 1e-30)
    print("%s vs %s: relative max error %.3g (tol %.1g)" % (a.json, key, err, a.tol))
    return 0 if err <= a.tol else 1


if __name__ == "__main__":
    sys.exit(main())
