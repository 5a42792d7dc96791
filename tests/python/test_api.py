"""The Python module against the CLI (docs/python.md): every function, the error path, and
equal reports for the same inputs. Run by ctest (python.api) with PYTHONPATH=build/python."""
import json
import os
import subprocess
import tempfile

import pytest

import reram

SRC = os.environ["RERAM_SOURCE_DIR"]
BIN = os.environ["RERAM_BINARY"]
NET = os.path.join(SRC, "workloads/fmnist/lenet5.json")
WEIGHTS = os.path.join(SRC, "workloads/fmnist/lenet5.npz")
ARCH = os.path.join(SRC, "arch_configs/default.json")
SETS = {"chip.tiles": "auto", "precision.adc_bits": "auto", "crossbar.rows": 64, "crossbar.cols": 64}


def cli(*args):
    subprocess.run([BIN, *args], check=True, capture_output=True)


def set_flags():
    out = []
    for k, v in SETS.items():
        out += ["--set", f"{k}={json.dumps(v)}"]
    return out


@pytest.fixture(scope="module")
def setup():
    net = reram.load_network(NET, WEIGHTS)
    arch = reram.load_arch(ARCH, set=SETS)
    return net, arch, reram.map(net, arch)


def test_objects(setup):
    net, arch, m = setup
    assert net.name == "lenet5" and net.has_weights and "conv1" in net.layers
    assert arch.to_dict()["crossbar"]["rows"] == 64
    assert reram.load_arch(ARCH, set=["crossbar.rows=64"]).to_dict()["crossbar"]["rows"] == 64
    assert m.occupied_crossbars == m.dense_crossbars > 0
    w = net.weights()  # views into the network, not copies
    assert all(not a.flags["OWNDATA"] for a in w.values()) and w["conv1.weight"].shape == (6, 1, 5, 5)
    xs = m.crossbars()
    assert len(xs) == m.occupied_crossbars and len({x["id"] for x in xs}) == len(xs)
    assert all(len(x["rows"]) > 0 and len(x["cols"]) > 0 and not x["rows"].flags["OWNDATA"] for x in xs)
    assert {x["layer"] for x in xs} == {l["name"] for l in m.report()["layers"]}
    assert reram.__version__.startswith("0.")


def test_map_and_simulate_equal_the_cli(setup):
    net, arch, m = setup
    with tempfile.TemporaryDirectory() as t:
        cli("map", "--network", NET, "--weights", WEIGHTS, "--arch", ARCH, *set_flags(), "-q",
            "-o", f"{t}/m.json", "--report", f"{t}/map.json")
        with open(f"{t}/map.json") as f:
            want = json.load(f)
        got = m.report()
        for k in ("layers", "crossbars", "dense_crossbars", "tiles", "pes", "utilization", "macs"):
            assert got[k] == want[k], k
        cli("sim", "--mapping", f"{t}/m.json", "--arch", ARCH, *set_flags(), "--batch", "2", "-q", "-o", f"{t}/s.json")
        with open(f"{t}/s.json") as f:
            want = json.load(f)
        got = reram.simulate(m, arch, batch=2)
        for r in (want, got):
            r.pop("inputs")
        assert got == want
        # A saved mapping loads back to the same simulation.
        m.save(f"{t}/py.json")
        again = reram.simulate(reram.load_mapping(f"{t}/py.json"), arch, batch=2)
        again.pop("inputs")
        assert again == want


def test_evaluate_equals_the_cli(setup):
    net, arch, m = setup
    seen = []
    sets = dict(SETS, **{"nonideal.variation_sigma": 0.05})
    noisy = reram.load_arch(ARCH, set=sets)
    got = reram.evaluate(m, noisy, samples=100, calibration_samples=64, trials=3, threads=1,
                         progress=lambda k, n, acc: seen.append((k, n)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    with tempfile.TemporaryDirectory() as t:
        m.save(f"{t}/m.json")
        flags = []
        for k, v in sets.items():
            flags += ["--set", f"{k}={json.dumps(v)}"]
        cli("eval", "--mapping", f"{t}/m.json", "--arch", ARCH, *flags, "--samples", "100",
            "--calibration-samples", "64", "--trials", "3", "--threads", "1", "-q", "-o", f"{t}/e.json")
        with open(f"{t}/e.json") as f:
            want = json.load(f)["result"]
    for k in ("accuracy_float", "accuracy_quantized", "accuracy_on_hardware", "trials", "input_bit_density"):
        assert got[k] == want[k], k


def test_errors_carry_the_message():
    with pytest.raises(reram.Error, match="must be positive"):
        reram.load_arch(ARCH, set={"crossbar.rows": 0})
    with pytest.raises(reram.Error, match="nope.json"):
        reram.load_network(os.path.join(SRC, "nope.json"))
    arch = reram.load_arch(ARCH, set=SETS)
    m = reram.map(reram.load_network(NET), arch)  # no weights
    with pytest.raises(reram.Error, match="weights"):
        reram.evaluate(m, arch, samples=10)
    with pytest.raises(reram.Error, match="dataflow"):
        reram.simulate(m, arch, dataflow="diagonal")


def test_example_script_draws_the_plot():
    with tempfile.TemporaryDirectory() as t:
        r = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "scripts/python_crossbar_size.py"), f"{t}/cs.png"],
                           check=True, capture_output=True, text=True, env=dict(os.environ))
        assert os.path.getsize(f"{t}/cs.png") > 10000
        assert r.stdout.count("TOPS/W") == 4


def test_from_torch_brings_the_trained_weights():
    import numpy as np
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(4 * 8 * 8, 10))
    net = reram.from_torch(model, torch.zeros(1, 1, 8, 8), name="tiny")
    assert net.has_weights and len(net.layers) == 4
    w = net.weights()
    conv = [v for k, v in w.items() if k.endswith("weight") and v.ndim == 4][0]
    lin = [v for k, v in w.items() if k.endswith("weight") and v.ndim == 2][0]
    assert np.array_equal(conv, model[0].weight.detach().numpy())
    assert np.array_equal(lin, model[3].weight.detach().numpy())
    arch = reram.load_arch(ARCH, set=SETS)
    r = reram.simulate(reram.map(net, arch), arch)
    assert r["crossbars"] >= 2 and r["cycles"] > 0


def test_from_torch_transformer():
    import numpy as np
    import torch
    from torchvision.models.vision_transformer import VisionTransformer

    torch.manual_seed(0)
    model = VisionTransformer(image_size=16, patch_size=8, num_layers=1, num_heads=2, hidden_dim=16, mlp_dim=32,
                              num_classes=3)
    model.conv_proj = torch.nn.Conv2d(1, 16, kernel_size=8, stride=8)
    net = reram.from_torch(model, torch.zeros(1, 1, 16, 16), name="vit")
    with tempfile.TemporaryDirectory() as t:
        net.save(os.path.join(t, "vit.json"))
        kinds = [l["type"] for l in json.load(open(os.path.join(t, "vit.json")))["layers"]]
    assert "matmul" in kinds and "softmax" in kinds and "layernorm" in kinds, kinds
    # The q/k/v projection is a 1x1 conv holding torch's in_proj matrix.
    w = net.weights()
    qkv = [v for k, v in w.items() if k.endswith("weight") and v.shape == (48, 16, 1, 1)][0]
    assert np.array_equal(qkv[:, :, 0, 0], model.encoder.layers[0].self_attention.in_proj_weight.detach().numpy())
    arch = reram.load_arch(os.path.join(SRC, "arch_configs", "default.json"))
    r = reram.simulate(reram.map(net, arch), arch)
    assert r["dynamic_products"]["mode"] == "digital" and len(r["dynamic_products"]["layers"]) == 2


def test_prune_equals_the_cli():
    opts = dict(granularity="column", keep_crossbars=0.5, finetune_epochs=1, train_limit=256, test_limit=100,
                threads=1, seed=3)
    lines = []
    m, report = reram.prune(NET, ARCH, weights=WEIGHTS, set=SETS, progress=lines.append, **opts)
    assert any("fine-tune epoch 1/1" in x for x in lines), lines
    assert m.occupied_crossbars < m.dense_crossbars
    with tempfile.TemporaryDirectory() as t:
        flags = []
        for k, v in opts.items():
            flags += ["--" + k.replace("_", "-"), str(v)]
        cli("prune", "--network", NET, "--weights", WEIGHTS, "--arch", ARCH, *set_flags(), *flags, "--quiet",
            "-o", f"{t}/m.json", "--report", f"{t}/r.json")
        with open(f"{t}/r.json") as f:
            want = json.load(f)
        cli_map = reram.load_mapping(f"{t}/m.json")
    assert m.occupied_crossbars == cli_map.occupied_crossbars
    assert report["accuracy"] == want["accuracy"]
    # A Network object (saved for the CLI with its weights) prunes as its files do.
    m2, report2 = reram.prune(reram.load_network(NET, WEIGHTS), ARCH, set=SETS, **opts)
    assert m2.occupied_crossbars == m.occupied_crossbars and report2["accuracy"] == report["accuracy"]
    with pytest.raises(reram.Error, match="granularity"):
        reram.prune(NET, ARCH, weights=WEIGHTS, set=SETS, granularity="bogus", keep_crossbars=0.5)


def test_sweep_equals_the_cli():
    plan = {"name": "py", "network": NET, "arch": ARCH,
            "set": ["chip.tiles=\"auto\""], "axes": [{"key": "crossbar.rows", "values": [64, 128]}]}
    with tempfile.TemporaryDirectory() as t:
        with open(f"{t}/plan.json", "w") as f:
            json.dump(plan, f)
        rows, summary = reram.sweep(f"{t}/plan.json", f"{t}/py", jobs=2)
        assert summary["points"] == 2 and summary["failed"] == 0
        cli("sweep", "--plan", f"{t}/plan.json", "-o", f"{t}/cli", "--quiet")
        with open(f"{t}/cli/results.json") as f:
            want = json.load(f)
    got = rows["rows"] if isinstance(rows, dict) else rows
    want = want["rows"]
    assert [r["cycles"] for r in got] == [r["cycles"] for r in want]
    assert [r["energy_pj"] for r in got] == [r["energy_pj"] for r in want]
