"""reram: crossbar-aware pruning and cycle-level simulation of ReRAM accelerators.

The compiled core is reram._reram (python/reram_module.cpp); docs/python.md lists the API.
"""
import os
import tempfile

from ._reram import (Arch, Error, Mapping, Network, __version__, evaluate, load_arch, load_mapping,  # noqa: F401
                     load_network, map, simulate)


def from_torch(module, example_input, name=None):
    """A reram Network (with its trained weights) from a PyTorch module, through an ONNX
    export of `module` on `example_input` (a tensor of the input's shape, batch 1)."""
    import torch  # Debian's python3-torch; imported only here

    with tempfile.TemporaryDirectory() as t:
        path = os.path.join(t, (name or type(module).__name__) + ".onnx")
        was_training = module.training
        module.eval()
        try:
            torch.onnx.export(module, example_input, path, opset_version=13, do_constant_folding=True)
        finally:
            module.train(was_training)
        return load_network(path)
