#!/usr/bin/python3
"""Generates the bundled network descriptions under workloads/cifar10 and workloads/imagenet.

Each network is written in the project's own JSON format (docs/network-format.md).
Layer names follow the PyTorch module names of the reference definition
(torchvision where torchvision has the model), so a torchvision state_dict
exported to .npz ("<layer>.<param>" keys) loads without renaming.

  /usr/bin/python3 scripts/gen_workloads.py            # (re)write the files
  /usr/bin/python3 scripts/gen_workloads.py --check    # exit 1 if a committed file differs

Only the standard library is needed; the architectures are written out here by
hand from their published definitions (sources in workloads/README.md), and
scripts/check_workloads.py checks them against independent PyTorch models.
"""
import argparse
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Net:
    """Accumulates layers in topological order; `last` is the most recent layer name."""

    def __init__(self, name, channels, height, width):
        self.name = name
        self.description = ""
        self.input = {"channels": channels, "height": height, "width": width}
        self.layers = []
        self.last = "input"

    def _add(self, layer, src):
        names = {l["name"] for l in self.layers}
        if layer["name"] in names or layer["name"] == "input":
            raise ValueError("duplicate layer name " + layer["name"])
        # A layer that reads the previous layer carries no "input" key (format rule);
        # any other single producer is named explicitly.
        if src is not None and src != self.last:
            layer["input"] = src
        self.layers.append(layer)
        self.last = layer["name"]
        return layer["name"]

    def conv(self, name, out_channels, kernel, stride=1, padding=0, groups=1, bias=False, src=None):
        return self._add({"name": name, "type": "conv", "out_channels": out_channels,
                          "kernel": kernel, "stride": stride, "padding": padding,
                          "groups": groups, "dilation": 1, "bias": bias}, src)

    def bn(self, name, src=None):
        return self._add({"name": name, "type": "batchnorm"}, src)

    def relu(self, name, src=None):
        return self._add({"name": name, "type": "relu"}, src)

    def relu6(self, name, src=None):
        return self._add({"name": name, "type": "relu6"}, src)

    def maxpool(self, name, kernel, stride, padding=0, src=None):
        return self._add({"name": name, "type": "maxpool", "kernel": kernel, "stride": stride,
                          "padding": padding, "ceil_mode": False}, src)

    def avgpool(self, name, kernel, stride, padding=0, src=None):
        return self._add({"name": name, "type": "avgpool", "kernel": kernel, "stride": stride,
                          "padding": padding, "ceil_mode": False,
                          "count_include_pad": True}, src)

    def gap(self, name, src=None):
        return self._add({"name": name, "type": "globalavgpool"}, src)

    def flatten(self, name, src=None):
        return self._add({"name": name, "type": "flatten"}, src)

    def linear(self, name, out_features, bias=True, src=None):
        return self._add({"name": name, "type": "linear", "out_features": out_features,
                          "bias": bias}, src)

    def dropout(self, name, p, src=None):
        return self._add({"name": name, "type": "dropout", "p": p}, src)

    def add(self, name, a, b):
        return self._add({"name": name, "type": "add", "inputs": [a, b]}, None)

    def to_text(self):
        # One layer per line: readable diffs and greppable files.
        out = ["{",
               '  "format": "reram-network",',
               '  "format_version": 1,',
               '  "name": %s,' % json.dumps(self.name),
               '  "description": %s,' % json.dumps(self.description),
               '  "input": %s,' % json.dumps(self.input),
               '  "layers": [']
        for i, layer in enumerate(self.layers):
            out.append("    " + json.dumps(layer) + ("," if i + 1 < len(self.layers) else ""))
        out += ["  ]", "}"]
        return "\n".join(out) + "\n"


# ---------------------------------------------------------------- CIFAR-10 (3x32x32, 10 classes)

def vgg8_cifar():
    """VGG-8 of DNN+NeuroSim (neurosim/DNN_NeuroSim_V1.3, Inference_pytorch/models/VGG.py):
    conv3x3 128,128,M,256,256,M,512,512,M then FC 8192->1024->10; ReLU after every
    conv and the first FC; no batchnorm; no biases (QConv2d/QLinear default bias=False)."""
    n = Net("vgg8_cifar10", 3, 32, 32)
    idx = 0
    for v in [128, 128, "M", 256, 256, "M", 512, 512, "M"]:
        if v == "M":
            n.maxpool("features.%d" % idx, 2, 2)
            idx += 1
        else:
            n.conv("features.%d" % idx, v, 3, 1, 1)
            n.relu("features.%d" % (idx + 1))
            idx += 2
    n.flatten("flatten")
    n.linear("classifier.0", 1024, bias=False)
    n.relu("classifier.1")
    n.linear("classifier.2", 10, bias=False)
    return n


def basic_block(n, prefix, src, planes, stride, in_planes, sc_name):
    """ResNet basic block (two 3x3 convs); a 1x1 conv + BN projection shortcut when the
    shape changes (He et al. option B)."""
    n.conv(prefix + ".conv1", planes, 3, stride, 1, src=src)
    n.bn(prefix + ".bn1")
    n.relu(prefix + ".relu1")
    n.conv(prefix + ".conv2", planes, 3, 1, 1)
    main = n.bn(prefix + ".bn2")
    short = src
    if stride != 1 or in_planes != planes:
        n.conv(prefix + ".%s.0" % sc_name, planes, 1, stride, 0, src=src)
        short = n.bn(prefix + ".%s.1" % sc_name)
    n.add(prefix + ".add", main, short)
    return n.relu(prefix + ".relu2")


def resnet20_cifar():
    """He et al. 2016 (arXiv:1512.03385, sec. 4.2) ResNet-20: 3x3 conv 16, three stages of
    3 basic blocks (16, 32, 64 filters; stride 2 at stages 2 and 3), global average
    pooling, FC 10. Shortcuts: option B (1x1 conv + BN projection where the shape
    changes), because option A's zero-padded channels are not a crossbar layer."""
    n = Net("resnet20_cifar10", 3, 32, 32)
    n.conv("conv1", 16, 3, 1, 1)
    n.bn("bn1")
    x = n.relu("relu")
    in_planes = 16
    for stage, (planes, stride) in enumerate([(16, 1), (32, 2), (64, 2)], start=1):
        for b in range(3):
            s = stride if b == 0 else 1
            x = basic_block(n, "layer%d.%d" % (stage, b), x, planes, s, in_planes, "shortcut")
            in_planes = planes
    n.gap("avgpool")
    n.flatten("flatten")
    n.linear("linear", 10)
    return n


def resnet18_stages(n, x, shortcut):
    """ResNet-18's four stages of two BasicBlocks (64, 128, 256, 512 planes; stride 2 from
    the second stage on), the projection shortcut named `shortcut`."""
    in_planes = 64
    for stage, (planes, stride) in enumerate([(64, 1), (128, 2), (256, 2), (512, 2)], start=1):
        for b in range(2):
            x = basic_block(n, "layer%d.%d" % (stage, b), x, planes, stride if b == 0 else 1, in_planes, shortcut)
            in_planes = planes
    return x


def resnet18_cifar():
    """ResNet-18 adapted to CIFAR as in kuangliu/pytorch-cifar models/resnet.py: 3x3 stem,
    stride 1, no max-pool; torchvision-style stages [2,2,2,2] with 1x1 conv + BN
    shortcuts; avg_pool2d(4) over the 4x4 map; FC 512->10."""
    n = Net("resnet18_cifar10", 3, 32, 32)
    n.conv("conv1", 64, 3, 1, 1)
    n.bn("bn1")
    x = n.relu("relu")
    x = resnet18_stages(n, x, "shortcut")
    n.avgpool("avgpool", 4, 4)
    n.flatten("flatten")
    n.linear("linear", 10)
    return n


# ---------------------------------------------------------------- ImageNet (3x224x224, 1000 classes)

def classifier_4096(n, order):
    """torchvision's AlexNet/VGG classifier: two blocks of 4096-wide linear, ReLU and
    dropout 0.5 in the given order, then the 1000-way linear; modules classifier.0..6."""
    layers = order.split() * 2
    for i, kind in enumerate(layers):
        name = "classifier.%d" % i
        if kind == "linear":
            n.linear(name, 4096)
        elif kind == "relu":
            n.relu(name)
        else:
            n.dropout(name, 0.5)
    n.linear("classifier.%d" % len(layers), 1000)


def alexnet():
    """torchvision.models.alexnet. AdaptiveAvgPool2d((6,6)) sees a 6x6 map at 224x224
    input, so it is a 1x1/stride-1 average pool (the identity) here."""
    n = Net("alexnet", 3, 224, 224)
    n.conv("features.0", 64, 11, 4, 2, bias=True)
    n.relu("features.1")
    n.maxpool("features.2", 3, 2)
    n.conv("features.3", 192, 5, 1, 2, bias=True)
    n.relu("features.4")
    n.maxpool("features.5", 3, 2)
    n.conv("features.6", 384, 3, 1, 1, bias=True)
    n.relu("features.7")
    n.conv("features.8", 256, 3, 1, 1, bias=True)
    n.relu("features.9")
    n.conv("features.10", 256, 3, 1, 1, bias=True)
    n.relu("features.11")
    n.maxpool("features.12", 3, 2)
    n.avgpool("avgpool", 1, 1)
    n.flatten("flatten")
    classifier_4096(n, "drop linear relu")
    return n


def vgg16():
    """torchvision.models.vgg16 (configuration D, no batchnorm, conv biases).
    AdaptiveAvgPool2d((7,7)) sees a 7x7 map at 224x224: a 1x1/stride-1 pool."""
    n = Net("vgg16", 3, 224, 224)
    idx = 0
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M",
              512, 512, 512, "M", 512, 512, 512, "M"]:
        if v == "M":
            n.maxpool("features.%d" % idx, 2, 2)
            idx += 1
        else:
            n.conv("features.%d" % idx, v, 3, 1, 1, bias=True)
            n.relu("features.%d" % (idx + 1))
            idx += 2
    n.avgpool("avgpool", 1, 1)
    n.flatten("flatten")
    classifier_4096(n, "linear relu drop")
    return n


def imagenet_stem(n):
    n.conv("conv1", 64, 7, 2, 3)
    n.bn("bn1")
    n.relu("relu")
    return n.maxpool("maxpool", 3, 2, 1)


def imagenet_head(n):
    n.gap("avgpool")
    n.flatten("flatten")
    n.linear("fc", 1000)


def resnet18():
    """torchvision.models.resnet18: BasicBlock stages [2,2,2,2], downsample = 1x1 conv + BN."""
    n = Net("resnet18", 3, 224, 224)
    x = imagenet_stem(n)
    x = resnet18_stages(n, x, "downsample")
    imagenet_head(n)
    return n


def resnet50():
    """torchvision.models.resnet50 (ResNet v1.5: the stride sits on the 3x3 conv):
    Bottleneck stages [3,4,6,3], expansion 4, projection shortcut (1x1 conv + BN)
    on the first block of every stage."""
    n = Net("resnet50", 3, 224, 224)
    x = imagenet_stem(n)
    in_planes = 64
    for stage, (planes, blocks, stride) in enumerate(
            [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)], start=1):
        for b in range(blocks):
            s = stride if b == 0 else 1
            p = "layer%d.%d" % (stage, b)
            n.conv(p + ".conv1", planes, 1, 1, 0, src=x)
            n.bn(p + ".bn1")
            n.relu(p + ".relu1")
            n.conv(p + ".conv2", planes, 3, s, 1)
            n.bn(p + ".bn2")
            n.relu(p + ".relu2")
            n.conv(p + ".conv3", planes * 4, 1, 1, 0)
            main = n.bn(p + ".bn3")
            short = x
            if s != 1 or in_planes != planes * 4:
                n.conv(p + ".downsample.0", planes * 4, 1, s, 0, src=x)
                short = n.bn(p + ".downsample.1")
            n.add(p + ".add", main, short)
            x = n.relu(p + ".relu3")
            in_planes = planes * 4
    imagenet_head(n)
    return n


def mobilenetv2():
    """torchvision.models.mobilenet_v2 (width 1.0): inverted residual blocks
    (t, c, n, s) = (1,16,1,1) (6,24,2,2) (6,32,3,2) (6,64,4,2) (6,96,3,1) (6,160,3,2)
    (6,320,1,1); depthwise 3x3 convs (groups = channels), ReLU6, linear bottlenecks,
    residual add when stride 1 and in == out; 1x1 conv to 1280, global average pool,
    dropout 0.2, FC 1000."""
    n = Net("mobilenetv2", 3, 224, 224)
    n.conv("features.0.0", 32, 3, 2, 1)
    n.bn("features.0.1")
    x = n.relu6("features.0.2")
    c_in = 32
    idx = 1
    for t, c, reps, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                          (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for r in range(reps):
            stride = s if r == 0 else 1
            hidden = c_in * t
            p = "features.%d.conv" % idx
            k = 0
            first_src = x
            if t != 1:
                n.conv("%s.%d.0" % (p, k), hidden, 1, 1, 0, src=first_src)
                n.bn("%s.%d.1" % (p, k))
                n.relu6("%s.%d.2" % (p, k))
                k += 1
                first_src = None
            n.conv("%s.%d.0" % (p, k), hidden, 3, stride, 1, groups=hidden, src=first_src)
            n.bn("%s.%d.1" % (p, k))
            n.relu6("%s.%d.2" % (p, k))
            k += 1
            n.conv("%s.%d" % (p, k), c, 1, 1, 0)
            out = n.bn("%s.%d" % (p, k + 1))
            if stride == 1 and c_in == c:
                out = n.add("features.%d.add" % idx, out, x)
            x = out
            c_in = c
            idx += 1
    n.conv("features.%d.0" % idx, 1280, 1, 1, 0)
    n.bn("features.%d.1" % idx)
    n.relu6("features.%d.2" % idx)
    n.gap("avgpool")
    n.flatten("flatten")
    n.dropout("classifier.0", 0.2)
    n.linear("classifier.1", 1000)
    return n


WORKLOADS = {
    "cifar10/vgg8.json": vgg8_cifar,
    "cifar10/resnet20.json": resnet20_cifar,
    "cifar10/resnet18.json": resnet18_cifar,
    "imagenet/alexnet.json": alexnet,
    "imagenet/vgg16.json": vgg16,
    "imagenet/resnet18.json": resnet18,
    "imagenet/resnet50.json": resnet50,
    "imagenet/mobilenetv2.json": mobilenetv2,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="compare the committed files with freshly generated ones; exit 1 on a difference")
    ap.add_argument("--out", default=os.path.join(REPO, "workloads"),
                    help="workloads directory (default: the repository's)")
    args = ap.parse_args()
    bad = 0
    for rel, fn in WORKLOADS.items():
        net = fn()
        # The builder's docstring is the provenance; it travels inside the file.
        net.description = " ".join(fn.__doc__.split())
        text = net.to_text()
        path = os.path.join(args.out, rel)
        if args.check:
            try:
                with open(path) as f:
                    old = f.read()
            except OSError as e:
                print("MISSING %s (%s)" % (path, e.strerror))
                bad += 1
                continue
            if old != text:
                print("DIFFERS %s (regenerate with scripts/gen_workloads.py)" % path)
                bad += 1
            else:
                print("ok      %s" % path)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, path)
            print("wrote   %s (%d layers)" % (path, len(net.layers)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
