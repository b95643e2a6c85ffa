"""`doccheck verify`: the static evaluator against torch itself.

The oracle test runs the empirical check over every class doccheck resolves in torch 2.13's
``torch/nn/modules`` and requires agreement everywhere.  Chance failures are guarded inside verify: a
statistical test (coverage of a uniform's bounds, moments, Kolmogorov-Smirnov at the 0.1% level) that
rejects is redrawn once with independent seeds, and only a repeated rejection is a disagreement; seeds are
fixed, so a run is reproducible.  A deliberately wrong rule (an extra rules file given to knowledge.load) must
be caught, and without torch the command must say so and exit 2.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from doccheck.verify import (  # noqa: E402
    Options, main, ks_pvalue, ks_statistic, render_text, verify,
)

ROOT = Path(__file__).resolve().parent.parent
MODULES = Path(torch.__file__).resolve().parent / "nn" / "modules"
FAST = Options(samples=2048, max_draws=32)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def rules_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "wrong.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def torch_modules():
    started = time.perf_counter()
    result = verify([str(MODULES)], FAST)
    result.wall = time.perf_counter() - started
    return result


def by_name(result, short: str):
    return next(c for c in result.classes if c.qualname.rsplit(".", 1)[-1] == short)


# --------------------------------------------------------------------------- the oracle
def test_every_resolved_torch_module_agrees(torch_modules):
    result = torch_modules
    disagreeing = {c.qualname: [f"{combo.call}: {p.name} {[t.detail for t in p.tests if not t.ok]}"
                                for combo in c.combos for p in combo.params if p.status == "disagrees"]
                   for c in result.classes if c.status == "disagrees"}
    assert not disagreeing, disagreeing
    assert not result.findings
    counts = result.counts()
    assert counts["classes_resolved"] - counts["classes_without_parameters"] >= 30
    # every class with a resolved parameter agrees; a class without one is skipped only with a reason
    assert all(c.status == "agrees" for c in result.classes if c.static), [
        (c.qualname, c.status, c.reason) for c in result.classes if c.static and c.status != "agrees"]
    skipped = [c for c in result.classes if c.status == "skipped"]
    assert all(not c.static and c.reason for c in skipped)
    assert counts["classes_agree"] + len(skipped) == counts["classes_resolved"]
    # the static "no learnable parameter" is tested too: ReLU, MSELoss, Dropout, Identity, Module
    agree_without = {c.qualname.rsplit(".", 1)[-1] for c in result.classes if not c.static and c.status == "agrees"}
    assert {"ReLU", "MSELoss", "Dropout", "Identity", "Module", "Flatten"} <= agree_without
    assert counts["classes_without_parameters"] >= 100
    assert counts["samples"] > 1_000_000
    assert result.wall < 60, f"verify over torch.nn.modules took {result.wall:.1f} s"


def test_the_usual_layers_are_all_covered(torch_modules):
    names = {c.qualname.rsplit(".", 1)[-1] for c in torch_modules.classes}
    assert {"Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
            "ConvTranspose3d", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "Embedding", "EmbeddingBag",
            "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm", "RMSNorm", "InstanceNorm2d",
            "MultiheadAttention", "PReLU"} <= names
    # what is not tested is listed, with the reason: a lazy module is resolved statically (from its
    # initialize_parameters) but its parameters only exist after a forward call, which verify does not make
    not_tested = {u["qualname"].rsplit(".", 1)[-1]: u["reason"] for u in torch_modules.not_tested}
    assert "LazyLinear" in not_tested and "lazy module" in not_tested["LazyLinear"]
    assert "prod(kernel_size)" in not_tested["_ConvNd"]


def test_every_parameter_of_every_combination_was_tested(torch_modules):
    for c in torch_modules.classes:
        for combo in c.combos:
            assert combo.error is None, (c.qualname, combo.call, combo.error)
            for p in combo.params:
                assert p.status == "agrees", (c.qualname, combo.call, p.name, p.reason)
                assert p.tests, (c.qualname, combo.call, p.name)


def test_combinations_cover_groups_bias_shapes_and_kernels(torch_modules):
    conv = by_name(torch_modules, "Conv2d")
    calls = {combo.label: combo for combo in conv.combos}
    kwargs = [combo.kwargs for combo in conv.combos]
    assert any(k.get("groups", 1) > 1 for k in kwargs)
    assert any(k.get("bias") is False for k in kwargs) and any(k.get("bias", True) is True for k in kwargs)
    assert any(isinstance(k["kernel_size"], int) for k in kwargs)
    assert any(isinstance(k["kernel_size"], list) and len(set(k["kernel_size"])) == 2 for k in kwargs)
    assert all(k["in_channels"] != k["out_channels"] for k in kwargs)  # non-square everywhere
    assert "other sizes" in calls
    grouped = next(combo for combo in conv.combos if combo.kwargs.get("groups", 1) > 1)
    weight = next(p for p in grouped.params if p.name == "weight")
    in_channels, groups = grouped.kwargs["in_channels"], grouped.kwargs["groups"]
    assert f", {in_channels // groups}, " in weight.shape  # (out, in/groups, k0, k1) checked exactly
    assert any(t.test == "shape" and t.ok for t in weight.tests)
    assert any(t.test == "ks" and t.ok for t in weight.tests)
    without_bias = next(combo for combo in conv.combos if combo.kwargs.get("bias") is False)
    assert [p.name for p in without_bias.params] == ["weight"]


def test_recurrent_parameters_created_in_a_loop_are_all_checked(torch_modules):
    lstm = by_name(torch_modules, "LSTM")
    names = {p.name for combo in lstm.combos for p in combo.params}
    assert {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse", "weight_hr_l0",
            "weight_ih_l1"} <= names
    assert all(p.static_name == "*" for combo in lstm.combos for p in combo.params)


def test_constants_are_checked_exactly(torch_modules):
    bn = by_name(torch_modules, "BatchNorm2d")
    tests = [t for combo in bn.combos for p in combo.params for t in p.tests if t.test == "constant"]
    assert tests and all(t.ok for t in tests)
    prelu = by_name(torch_modules, "PReLU")  # constant `init`: the argument's value is substituted
    values = {combo.kwargs.get("init", 0.25) for combo in prelu.combos}
    assert len(values) > 1


# --------------------------------------------------------------------------- a wrong static result is caught
WRONG_KAIMING = '''
[[initializer]]
names = ["torch.nn.init.kaiming_uniform_"]
signature = "tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None"
let = ["bound = sqrt(6 / fan_in(tensor))"]
init = { family = "uniform", low = "-bound", high = "bound" }
'''

SWAPPED_FANS = '''
[fan]
min_dim = 2
fan_in = "shape[0] * prod(shape[2:])"
fan_out = "shape[1] * prod(shape[2:])"
'''


def test_a_wrong_rule_is_a_disagreement(tmp_path):
    rules = rules_file(tmp_path, WRONG_KAIMING)
    result = verify([str(MODULES / "linear.py")], Options(samples=2048, max_draws=32, rules_files=(rules,),
                                                          pattern="Linear"))
    linear = by_name(result, "Linear")
    assert linear.status == "disagrees"
    [finding] = [f for f in result.findings if f.object == "Linear.weight"]
    assert finding.code == "DC501"
    assert "U(-√6/√in_features, √6/√in_features)" in finding.message
    failed = {t.split(":")[0] for t in finding.derivation if "FAILED" in t}
    assert {"coverage", "variance", "ks"} <= failed  # samples never reach the wrong bound ±√(6/n)
    assert finding.line == next(i for i, line in enumerate(
        (MODULES / "linear.py").read_text().splitlines(), 1) if "init.kaiming_uniform_(self.weight" in line)
    # the bias does not use kaiming_uniform_: it still agrees
    assert all(p.status == "agrees" for combo in linear.combos for p in combo.params if p.name == "bias")


def test_swapped_fans_are_caught_only_because_shapes_are_not_square(tmp_path):
    rules = rules_file(tmp_path, SWAPPED_FANS)
    result = verify([str(MODULES / "linear.py")], Options(samples=2048, max_draws=32, rules_files=(rules,),
                                                          pattern="Linear"))
    objects = {f.object for f in result.findings}
    assert {"Linear.weight", "Linear.bias"} <= objects
    message = next(f.message for f in result.findings if f.object == "Linear.weight")
    assert "1/√out_features" in message


def test_a_wrong_constant_is_caught_exactly(tmp_path):
    rules = rules_file(tmp_path, '''
[[initializer]]
names = ["torch.nn.init.ones_"]
signature = "tensor"
init = { family = "constant", value = "2" }
''')
    result = verify([str(MODULES / "batchnorm.py")], Options(rules_files=(rules,), pattern="BatchNorm2d"))
    [finding] = result.findings
    assert finding.object == "BatchNorm2d.weight"
    assert any(t.startswith("constant: FAILED") for t in finding.derivation)


def test_cli_exit_codes_and_formats(tmp_path):
    code, out, _ = run(str(MODULES / "linear.py"), "--class", "Linear", "--samples", "1024")
    assert code == 0
    assert "torch.nn.modules.linear.Linear: ✓ agrees" in out
    assert "0 disagree" in out
    rules = rules_file(tmp_path, WRONG_KAIMING)
    code, out, _ = run(str(MODULES / "linear.py"), "--class", "Linear", "--samples", "1024", "--rules", rules,
                       "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["summary"]["classes_disagree"] == 1
    assert data["findings"][0]["code"] == "DC501" and data["findings"][0]["name"] == "empirical-mismatch"
    [linear] = data["classes"]
    assert linear["status"] == "disagrees" and linear["combos"]


def test_runs_are_reproducible():
    first = verify([str(MODULES / "linear.py")], Options(samples=512, pattern="Linear"))
    second = verify([str(MODULES / "linear.py")], Options(samples=512, pattern="Linear"))
    details = lambda r: [t.detail for c in r.classes for combo in c.combos for p in combo.params  # noqa: E731
                         for t in p.tests]
    assert details(first) == details(second)


def test_help_says_it_is_the_only_mode_that_imports_the_framework():
    from doccheck.cli import main as cli_main

    out = io.StringIO()
    with redirect_stdout(out):
        code = cli_main(["verify", "--help"])
    out = out.getvalue()
    assert code == 0
    assert "ONLY doccheck mode that imports the framework" in " ".join(out.split())


def test_the_check_is_in_the_catalogue():
    from doccheck.catalogue import get

    check = get("DC501")
    assert check.name == "empirical-mismatch" and check.rationale and check.bad and check.good


def test_without_torch_exit_2():
    script = ("import sys; sys.modules['torch'] = None\n"
              "from doccheck.cli import main\n"
              "sys.exit(main(['verify', 'fixtures/clean']))")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    assert "`torch` cannot be imported" in done.stderr
    assert "doccheck check" in done.stderr
    assert done.stdout == ""


# --------------------------------------------------------------------------- the statistics
def test_ks_statistic_and_pvalue():
    n = 4000
    grid = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    uniform = lambda x: x.clamp(0, 1)  # noqa: E731
    d = ks_statistic(grid, uniform)
    assert d == pytest.approx(0.5 / n)
    assert ks_pvalue(d, n) == 1.0
    shifted = ks_statistic(grid * 0.9, uniform)
    assert shifted == pytest.approx(0.1, abs=1e-3)
    assert ks_pvalue(shifted, n) < 1e-30
    # the 0.1% critical value of the Kolmogorov distribution is about 1.95/√n
    assert ks_pvalue(1.95 / n ** 0.5, n) == pytest.approx(1e-3, rel=0.1)


# --------------------------------------------------------------------------- what verify covers, and says it skips
COVER_LAYERS = '''\
import torch
from torch import nn


class Scale(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(features))


class Activation(nn.Module):
    def __init__(self, slope=0.5):
        super().__init__()
        self.slope = slope


class Plain:
    def __init__(self, n):
        self.n = n
'''

HIDDEN_BASE = '''\
import torch
from torch import nn


class Hidden(nn.Module):
    def __init__(self):
        super().__init__()
        self.secret = nn.Parameter(torch.zeros(3))


class Child(Hidden):
    def __init__(self, features):
        super().__init__()
        self.features = features
'''


def test_a_static_no_parameter_class_is_tested_and_the_rest_is_listed(tmp_path):
    pkg = tmp_path / "coververify"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "layers.py").write_text(COVER_LAYERS)
    (pkg / "broken.py").write_text("class Oops(:\n    pass\n")
    result = verify([str(pkg)], FAST)
    status = {c.qualname.rsplit(".", 1)[-1]: (c.status, c.reason) for c in result.classes}
    assert status["Scale"][0] == "agrees"
    assert status["Activation"] == ("agrees", "no learnable parameter, as the static model says")
    not_tested = {u["qualname"].rsplit(".", 1)[-1]: u["reason"] for u in result.not_tested}
    assert not_tested["Plain"] == "not a framework module"
    assert any(u["path"].endswith("broken.py") and "cannot be read" in u["reason"] for u in result.not_tested)
    text = render_text(result)
    assert "coververify.layers.Plain: not tested (not a framework module)" in text
    assert "2 not taken up" in text and "1 of the resolved create no parameter" in text


def test_a_wrong_static_no_parameter_is_a_disagreement(tmp_path, monkeypatch):
    # rules that wrongly call Hidden a module root: the static model then says Child creates no parameter
    pkg = tmp_path / "hiddenbase"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "layers.py").write_text(HIDDEN_BASE)
    rules = rules_file(tmp_path, '[framework]\nmodule_roots = ["hiddenbase.layers.Hidden"]\n')
    monkeypatch.syspath_prepend(str(tmp_path))  # verify imports the frameworks its rules name
    result = verify([str(pkg / "layers.py")], Options(samples=256, max_draws=2, rules_files=(rules,),
                                                      pattern="Child"))
    [child] = result.classes
    assert child.static == {} and child.status == "disagrees"
    [finding] = result.findings
    assert finding.code == "DC501" and finding.object == "Child.secret"
    assert "static model does not know" in finding.message
