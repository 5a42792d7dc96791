#!/usr/bin/python3
"""Generates the small ONNX files the ONNX importer tests use (tests/onnx/).

Run from anywhere with Debian's interpreter (torch 1.13, onnx 1.12, numpy):
    /usr/bin/python3 tests/data/onnx/make_test_models.py
It rewrites, in this directory, every *.onnx plus a NAME.npz of the values each
weight-bearing node was given (keys described below), so the tests compare the imported
parameters against what was written here, not against the importer's own output.
Deterministic (fixed seeds); files are a few KB each.
"""
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- tiny CNN exported by torch: BN, residual add, concat, grouped/dilated/non-square
# convs, pooling, x.view(x.size(0), -1), ReLU6 (Clip), Dropout ----
class TinyCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 4, 3, stride=1, padding=1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(4, eps=1e-3)
        self.conv2 = torch.nn.Conv2d(4, 4, 3, padding=2, dilation=2)
        self.bn2 = torch.nn.BatchNorm2d(4)
        self.conv3 = torch.nn.Conv2d(4, 2, (1, 3), stride=(1, 1), padding=(0, 1), groups=2)
        self.pool = torch.nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        self.mpool = torch.nn.MaxPool2d(2, stride=2)
        self.fc1 = torch.nn.Linear(6 * 2 * 2, 5)
        self.act = torch.nn.ReLU6()
        self.drop = torch.nn.Dropout(0.25)
        self.fc2 = torch.nn.Linear(5, 3)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))        # 4 x 8 x 8
        y = self.bn2(self.conv2(x))
        x = torch.relu(x + y)                           # residual add
        x = torch.cat([x, self.conv3(x)], dim=1)        # 6 x 8 x 8
        x = self.mpool(self.pool(x))                    # 6 x 4 x 4 -> 6 x 2 x 2
        x = x.view(x.size(0), -1)                       # Shape/Gather/Unsqueeze/Concat/Reshape
        x = self.drop(self.act(self.fc1(x)))
        return self.fc2(x)


def tiny_cnn(opset):
    torch.manual_seed(7)
    m = TinyCnn()
    with torch.no_grad():  # non-trivial running statistics
        for bn in (m.bn1, m.bn2):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
    m.eval()
    name = "tiny_cnn_op%d" % opset
    torch.onnx.export(m, torch.randn(1, 3, 8, 8), os.path.join(HERE, name + ".onnx"), opset_version=opset,
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    # Same seed for every opset, so one archive serves all. Keys: torch state_dict names ("conv1.weight", "bn1.running_var", ...).
    np.savez(os.path.join(HERE, "tiny_cnn.npz"),
             **{k: v.detach().numpy().astype(np.float32) for k, v in m.state_dict().items()
                if v.dtype.is_floating_point})
    return m


# ---- hand-built graphs ----
def rnd(rng, *shape):
    return rng.uniform(-1, 1, size=shape).astype(np.float32)


def save(model, name, arrays=None):
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name + ".onnx"))
    if arrays is not None:
        np.savez(os.path.join(HERE, name + ".npz"), **arrays)


def model(nodes, inputs, outputs, inits, opset=13, name="g"):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="reram-tests")


def fin(name, *dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(dims))


def gemm_models():
    """fc_a: Gemm transB=1 (B [4][6], raw float32); fc_b: Gemm transB=0 (B [4][3] stored as
    float64 in double_data, C [1][3] as float16 in int32_data). Keys NODE.B / NODE.C."""
    rng = np.random.default_rng(1)
    a_b, a_c = rnd(rng, 4, 6), rnd(rng, 4)
    b_b, b_c = rnd(rng, 4, 3), rnd(rng, 1, 3).astype(np.float16)
    inits = [numpy_helper.from_array(a_b, "a_B"), numpy_helper.from_array(a_c, "a_C"),
             helper.make_tensor("b_B", TensorProto.DOUBLE, [4, 3], b_b.astype(np.float64).ravel().tolist()),
             helper.make_tensor("b_C", TensorProto.FLOAT16, [1, 3], b_c.astype(np.float32).ravel().tolist())]
    nodes = [helper.make_node("Gemm", ["x", "a_B", "a_C"], ["h"], name="fc_a", transB=1),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("Gemm", ["r", "b_B", "b_C"], ["y"], name="fc_b", transB=0, alpha=1.0, beta=1.0)]
    m = model(nodes, [fin("x", "N", 6)], [fin("y", "N", 3)], inits)
    save(m, "gemm_transb", {"fc_a.B": a_b, "fc_a.C": a_c, "fc_b.B": b_b.astype(np.float64).astype(np.float32),
                            "fc_b.C": b_c.astype(np.float32)})
    # alpha != 1 must be refused.
    nodes[2] = helper.make_node("Gemm", ["r", "b_B", "b_C"], ["y"], name="fc_b", transB=0, alpha=0.5)
    save(model(nodes, [fin("x", "N", 6)], [fin("y", "N", 3)], inits), "gemm_alpha")


def matmul_model():
    """Flatten -> MatMul(B1 [16][5], float_data) + Add(bias [5]) -> Relu -> Dropout(0.3) -> Identity
    -> MatMul(B2 [5][2] from a Constant node), no bias. A dead branch with an unsupported op (Softmax) must be ignored.
    Keys mm1.B, mm1.bias, mm2.B."""
    rng = np.random.default_rng(2)
    b1, bias, b2 = rnd(rng, 16, 5), rnd(rng, 5), rnd(rng, 5, 2)
    inits = [helper.make_tensor("B1", TensorProto.FLOAT, [16, 5], b1.ravel().tolist()),
             numpy_helper.from_array(bias, "bias1"), numpy_helper.from_array(np.array(0.3, np.float32), "ratio")]
    nodes = [helper.make_node("Flatten", ["x"], ["f"], name="flat", axis=1),
             helper.make_node("MatMul", ["f", "B1"], ["m1"], name="mm1"),
             helper.make_node("Add", ["m1", "bias1"], ["a1"], name="bias_add"),
             helper.make_node("Relu", ["a1"], ["r1"], name=""),  # unnamed: becomes Relu_3
             helper.make_node("Dropout", ["r1", "ratio"], ["d1", "mask"], name="drop"),
             helper.make_node("Identity", ["d1"], ["i1"], name="ident"),
             helper.make_node("Constant", [], ["B2"], name="w2", value=numpy_helper.from_array(b2, "B2v")),
             helper.make_node("MatMul", ["i1", "B2"], ["y"], name="mm2"),
             helper.make_node("Softmax", ["f"], ["dead"], name="unused_softmax", axis=1)]
    m = model(nodes, [fin("x", "N", 1, 4, 4)], [fin("y", "N", 2)], inits)
    save(m, "matmul_add", {"mm1.B": b1, "mm1.bias": bias, "mm2.B": b2})


def clip_models():
    """Clip as relu6 with min/max attributes (opset 10), and an unsupported range (opset 13)."""
    rng = np.random.default_rng(3)
    w = rnd(rng, 3, 2, 1, 1)
    inits = [numpy_helper.from_array(w, "W")]
    nodes = [helper.make_node("Conv", ["x", "W"], ["c"], name="conv"),
             helper.make_node("Clip", ["c"], ["y"], name="clip6", min=0.0, max=6.0)]
    save(model(nodes, [fin("x", 1, 2, 4, 4)], [fin("y", 1, 3, 4, 4)], inits, opset=10), "clip_attr_op10")
    inits2 = inits + [numpy_helper.from_array(np.array(0, np.float32), "lo"),
                      numpy_helper.from_array(np.array(4, np.float32), "hi")]
    nodes2 = [helper.make_node("Conv", ["x", "W"], ["c"], name="conv"),
              helper.make_node("Clip", ["c", "lo", "hi"], ["y"], name="clip4")]
    save(model(nodes2, [fin("x", 1, 2, 4, 4)], [fin("y", 1, 3, 4, 4)], inits2), "clip_range_bad")


def auto_pad_model():
    """6x6 input: conv_same (3x3, stride 2, SAME_UPPER: total pad 1 -> top/left 0, bottom/right 1),
    pool_same (MaxPool 3x3 stride 1, SAME_LOWER: pads 1/1), conv_valid (2x2, VALID), gap."""
    rng = np.random.default_rng(4)
    w1, w2 = rnd(rng, 2, 1, 3, 3), rnd(rng, 2, 2, 2, 2)
    nodes = [helper.make_node("Conv", ["x", "W1"], ["a"], name="conv_same", auto_pad="SAME_UPPER", strides=[2, 2]),
             helper.make_node("MaxPool", ["a"], ["p"], name="pool_same", auto_pad="SAME_LOWER", kernel_shape=[3, 3]),
             helper.make_node("Conv", ["p", "W2"], ["v"], name="conv_valid", auto_pad="VALID"),
             helper.make_node("GlobalAveragePool", ["v"], ["y"], name="gap")]
    inits = [numpy_helper.from_array(w1, "W1"), numpy_helper.from_array(w2, "W2")]
    save(model(nodes, [fin("x", 1, 1, 6, 6)], [fin("y", 1, 2, 1, 1)], inits), "auto_pad")


def unsupported_models():
    rng = np.random.default_rng(5)
    w = rnd(rng, 4, 3)
    nodes = [helper.make_node("Einsum", ["x", "W"], ["y"], name="mix", equation="ij,jk->ik")]
    save(model(nodes, [fin("x", "N", 4)], [fin("y", "N", 3)], [numpy_helper.from_array(w, "W")]), "unsupported_einsum")
    # A reshape that neither flattens nor turns patches into tokens: [N, 4, -1] mixes C and H.
    shape = numpy_helper.from_array(np.array([0, 4, -1], np.int64), "shape")
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["y"], name="to3d")]
    save(model(nodes, [fin("x", "N", 2, 2, 2)], [fin("y", "N", 4, 2)], [shape]), "reshape_bad")
    # Token sequences (N x T x D): a softmax over the tokens, an Erf outside a GELU.
    nodes = [helper.make_node("Softmax", ["x"], ["y"], name="attn", axis=1)]
    save(model(nodes, [fin("x", 1, 4, 6)], [fin("y", 1, 4, 6)], []), "softmax_axis_bad")
    nodes = [helper.make_node("Erf", ["x"], ["y"], name="erf")]
    save(model(nodes, [fin("x", 1, 4, 6)], [fin("y", 1, 4, 6)], []), "erf_alone")
    # A Transpose whose perm repeats an axis (not a permutation).
    nodes = [helper.make_node("Transpose", ["x"], ["y"], name="swap", perm=[0, 2, 2])]
    save(model(nodes, [fin("x", 1, 4, 6)], [fin("y", 1, 6, 6)], []), "transpose_bad")


def main():
    for opset in (11, 13, 17):
        tiny_cnn(opset)
    gemm_models()
    matmul_model()
    clip_models()
    auto_pad_model()
    unsupported_models()
    # A truncated file: the first half of a valid model (cut inside the graph message).
    data = open(os.path.join(HERE, "tiny_cnn_op13.onnx"), "rb").read()
    open(os.path.join(HERE, "truncated.onnx"), "wb").write(data[: len(data) // 2])
    for f in sorted(os.listdir(HERE)):
        if f.endswith((".onnx", ".npz")):
            print("%-28s %6d bytes" % (f, os.path.getsize(os.path.join(HERE, f))))


if __name__ == "__main__":
    main()
