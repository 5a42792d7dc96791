#!/usr/bin/python3
"""Export transformer encoders to ONNX with seeded random weights, plus an independent
count of their linear layers and (for the small models) torch's own outputs.

Models:
  vit_b_16      torchvision's ViT-B/16 (224x224x3, 12 layers, 768 wide, 12 heads)
  bert_base     BERT-base's encoder (12 layers, 768 wide, 12 heads, 3072 MLP, GELU) on
                128 embedded tokens (the input is the embedding output, N x 128 x 768),
                with a [CLS] classifier of 2 classes
  tiny_vit      a 2-layer ViT for 28x28x1 images (7x7 patches, 32 wide, 4 heads)
  tiny_encoder  one encoder layer written out by hand the way many code bases do it:
                q, k, v by Split, per-head views, x[:, 0] read by a classifier;
                on 16 embedded tokens of 32 features
  tiny_bert     token ids -> an embedding table (100 x 32) + learned positions + LayerNorm,
                one nn.TransformerEncoderLayer (GELU), [CLS] classifier; 16 tokens

For every model NAME this writes, in --out-dir:
  NAME.onnx             the export (opset --opset; 14 decomposes LayerNorm, 17 keeps it)
  NAME.reference.json   every weight matrix in forward order with its crossbar view
                        rows = inputs, cols = outputs, read off the torch modules and their
                        parameters (nn.MultiheadAttention's in_proj and out_proj included,
                        which torch applies without calling a Linear module)
  NAME.input.npy, NAME.output.npy   (tiny models) 4 random inputs and torch's outputs

Run with Debian's interpreter: /usr/bin/python3 scripts/export_transformers.py tiny_vit --out-dir out
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import torch
import torchvision
from torchvision.models.vision_transformer import VisionTransformer


class Bert(torch.nn.Module):
    """BERT-base's encoder stack and a [CLS] classifier on embedded tokens."""

    def __init__(self, layers=12, width=768, heads=12, mlp=3072, classes=2):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(width, heads, mlp, dropout=0.0, activation="gelu",
                                                 batch_first=True, layer_norm_eps=1e-12)
        self.encoder = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.classifier = torch.nn.Linear(width, classes)

    def forward(self, x):
        return self.classifier(self.encoder(x)[:, 0])


class TinyEncoder(torch.nn.Module):
    def __init__(self, width=32, heads=4, tokens=16, classes=10):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2, self.ln = (torch.nn.LayerNorm(width) for _ in range(3))
        self.qkv = torch.nn.Linear(width, 3 * width)
        self.proj = torch.nn.Linear(width, width)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(width, 2 * width), torch.nn.GELU(),
                                       torch.nn.Linear(2 * width, width))
        self.head = torch.nn.Linear(width, classes)

    def forward(self, x):
        n, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=-1)
        q, k, v = (y.view(n, t, self.heads, c // self.heads).transpose(1, 2) for y in (q, k, v))
        a = torch.softmax(q @ k.transpose(-2, -1) * (c // self.heads) ** -0.5, dim=-1)
        x = x + self.proj((a @ v).transpose(1, 2).reshape(n, t, c))
        x = x + self.mlp(self.ln2(x))
        return self.head(self.ln(x)[:, 0])


class TinyBert(torch.nn.Module):
    def __init__(self, vocab=100, width=32, tokens=16, classes=2):
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, width)
        self.pos = torch.nn.Parameter(0.02 * torch.randn(1, tokens, width))
        self.ln = torch.nn.LayerNorm(width, eps=1e-12)
        self.encoder = torch.nn.TransformerEncoderLayer(width, 4, 2 * width, dropout=0.0, activation="gelu",
                                                        batch_first=True)
        self.classifier = torch.nn.Linear(width, classes)

    def forward(self, ids):
        return self.classifier(self.encoder(self.ln(self.emb(ids) + self.pos))[:, 0])


def build(name):
    if name == "vit_b_16":
        return torchvision.models.vit_b_16(weights=None), torch.randn(1, 3, 224, 224)
    if name == "tiny_vit":
        m = VisionTransformer(image_size=28, patch_size=7, num_layers=2, num_heads=4, hidden_dim=32, mlp_dim=64,
                              num_classes=10)
        m.conv_proj = torch.nn.Conv2d(1, 32, kernel_size=7, stride=7)
        return m, torch.randn(4, 1, 28, 28)
    if name == "bert_base":
        return Bert(), torch.randn(1, 128, 768)
    if name == "tiny_encoder":
        return TinyEncoder(), torch.randn(4, 16, 32)
    if name == "tiny_bert":
        return TinyBert(), torch.randint(0, 100, (4, 16))
    raise SystemExit("unknown model '%s' (vit_b_16, bert_base, tiny_vit, tiny_encoder, tiny_bert)" % name)


def weight_matrices(model, example):
    """Conv2d / Linear / MultiheadAttention weights in the order the forward pass uses them."""
    order, hooks = [], []
    for name, mod in model.named_modules():
        if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear, torch.nn.MultiheadAttention)):
            hooks.append(mod.register_forward_hook(lambda m, i, o, name=name: order.append((name, m))))
    # With gradients on, nn.TransformerEncoderLayer takes its module-by-module path (its
    # fused inference path would call no hooks); the export traces that path too.
    with torch.enable_grad():
        model(example)
    for h in hooks:
        h.remove()
    out, seen = [], set()
    for name, mod in order:
        if name in seen:
            continue
        seen.add(name)
        if isinstance(mod, torch.nn.MultiheadAttention):
            # q, k and v in one [3E, E] matrix, then the output projection [E, E].
            e = mod.embed_dim
            assert list(mod.in_proj_weight.shape) == [3 * e, e]
            out.append({"module": name + ".in_proj", "kind": "linear", "rows": e, "cols": 3 * e, "groups": 1})
            out.append({"module": name + ".out_proj", "kind": "linear", "rows": e, "cols": e, "groups": 1})
            seen.add(name + ".out_proj")
        elif isinstance(mod, torch.nn.Conv2d):
            kh, kw = mod.kernel_size
            out.append({"module": name, "kind": "conv", "rows": mod.in_channels // mod.groups * kh * kw,
                        "cols": mod.out_channels, "groups": mod.groups})
        else:
            out.append({"module": name, "kind": "linear", "rows": mod.in_features, "cols": mod.out_features,
                        "groups": 1})
    return out


def export(name, out_dir, opset, seed):
    torch.manual_seed(seed)
    model, example = build(name)
    model.eval()
    path = os.path.join(out_dir, name + ".onnx")
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".onnx.tmp")
    os.close(fd)
    torch.onnx.export(model, example[:1], tmp, opset_version=opset, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"])
    os.replace(tmp, path)
    ref = {"model": name, "onnx_file": os.path.basename(path), "opset": opset, "seed": seed,
           "input_shape": list(example.shape[1:]), "torch_version": torch.__version__,
           "weight_layers": weight_matrices(model, example[:1])}
    if name.startswith("tiny"):
        with torch.no_grad():
            y = model(example)
        np.save(os.path.join(out_dir, name + ".input.npy"), example.numpy().astype(np.float32))  # ids as floats
        np.save(os.path.join(out_dir, name + ".output.npy"), y.numpy().astype(np.float32))
    with open(os.path.join(out_dir, name + ".reference.json.tmp"), "w") as f:
        json.dump(ref, f, indent=2)
    os.replace(os.path.join(out_dir, name + ".reference.json.tmp"), os.path.join(out_dir, name + ".reference.json"))
    print("wrote", path)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("models", nargs="+", help="vit_b_16, bert_base, tiny_vit, tiny_encoder, tiny_bert")
    p.add_argument("--out-dir", required=True)
    p.add_argument("--opset", type=int, default=14, help="ONNX opset, 13-17 (default 14)")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    torch.set_num_threads(1)
    for m in a.models:
        export(m, a.out_dir, a.opset, a.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
