"""reram: crossbar-aware pruning and cycle-level simulation of ReRAM accelerators.

The compiled core is reram._reram (python/reram_module.cpp); docs/python.md lists the API.
"""
import json
import os
import subprocess
import tempfile

from ._reram import (Arch, Error, Mapping, Network, __version__, cli_binary, evaluate, load_arch,  # noqa: F401
                     load_mapping, load_network, map, simulate, sweep)


def _binary():
    return os.environ.get("RERAM_BINARY", cli_binary)


def prune(network, arch, weights=None, set=None, out=None, progress=None, **options):
    """Prunes with `reram prune` (run as a child process of the CLI: LibTorch stays out of
    this interpreter) and returns (Mapping, report dict).

    network: a Network (reram.load_network, reram.from_torch) or a file path; arch, weights:
    file paths; set: {"key": value} arch overrides as load_arch;
    options: `reram prune` options by name, e.g. granularity="column", optimizer="admm",
    keep_crossbars=0.25 or max_accuracy_loss=1.0, finetune_epochs=2, train_limit=10000
    (True for a flag). out: where to keep the mapping (default: a temporary file).
    progress: called with every progress line (one per pruning / fine-tuning epoch)."""
    with tempfile.TemporaryDirectory() as t:
        if isinstance(network, Network):  # its JSON description and weights, for the CLI
            path = os.path.join(t, "network.json")
            network.save(path)
            network = path
        return _prune(network, arch, weights, set, out, progress, options)


def _prune(network, arch, weights, set, out, progress, options):
    args = [_binary(), "prune", "--network", str(network), "--arch", str(arch)]
    if weights:
        args += ["--weights", str(weights)]
    for k, v in (set or {}).items():
        args += ["--set", f"{k}={json.dumps(v)}"]
    for k, v in options.items():
        flag = "--" + k.replace("_", "-")
        if v is True:
            args.append(flag)
        elif v is not False and v is not None:
            args += [flag, str(v)]
    with tempfile.TemporaryDirectory() as t:
        mapping = out or os.path.join(t, "pruned.map.json")
        report = os.path.join(t, "report.json")
        quiet = [] if progress else ["--quiet"]  # without --quiet it prints one line per epoch on stderr
        proc = subprocess.Popen(args + ["-o", mapping, "--report", report] + quiet, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        lines = []
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))
            if progress:
                progress(lines[-1])
        if proc.wait() != 0:
            raise Error(next((x for x in reversed(lines) if x.strip()), "reram prune failed"))
        with open(report) as f:
            return load_mapping(mapping), json.load(f)


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
