"""A framework is a rules file: its own fan layout and gains, kept apart from torch's, in one run with torch."""

from __future__ import annotations

import json

import pytest

from doccheck import cli, knowledge

KFW_RULES = '''\
[framework]
name = "kfw"
module_roots = ["kfw.Layer"]
parameter_classes = ["kfw.Weight"]

[fan]
# kernels laid out (..., in, out), unlike torch's (out, in, ...)
min_dim = 2
fan_in = "shape[-2] * prod(shape[:-2])"
fan_out = "shape[-1] * prod(shape[:-2])"

[gain]
relu = "sqrt(2)"

[[factory]]
names = ["kfw.empty"]
signature = "*size"
init = { family = "uninitialized" }

[[initializer]]
names = ["kfw.he_uniform"]
signature = "tensor"
let = ["bound = calculate_gain('relu', None) * sqrt(3 / fan_in(tensor))"]
init = { family = "uniform", low = "-bound", high = "bound" }
'''

KFW_LAYER = '''\
import kfw


class Conv(kfw.Layer):
    r"""A convolution.

    Attributes:
        kernel: initialized from :math:`\\mathcal{{U}}(-\\sqrt{{{bound}}}, \\sqrt{{{bound}}})`
    """

    def __init__(self, k, c_in, c_out):
        super().__init__()
        self.kernel = kfw.Weight(kfw.empty(k, k, c_in, c_out))
        kfw.he_uniform(self.kernel)
'''

TORCH_LAYER = '''\
import math

import torch
from torch import nn
from torch.nn import init


class Dense(nn.Module):
    r"""A dense layer.

    Attributes:
        weight: initialized from :math:`\\mathcal{U}(-1/\\sqrt{in_features}, 1/\\sqrt{in_features})`
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
'''


def test_a_second_framework_keeps_torchs_tables(tmp_path):
    (tmp_path / "kfw.toml").write_text(KFW_RULES)
    both = knowledge.load((str(tmp_path / "kfw.toml"),))
    torch_only = knowledge.load()
    assert both.framework("torch").fan == torch_only.framework("torch").fan  # not overwritten
    assert both.framework("kfw").fan["fan_in"] == "shape[-2] * prod(shape[:-2])"
    assert both.framework_of_roots(["kfw.Layer"]) == "kfw" and both.framework_of_roots(["torch.nn.Module"]) == "torch"


@pytest.mark.parametrize("bound, codes", [
    ("6/(k^2 c_{in})", set()),  # fan_in = k²·c_in by kfw's layout: proven
    ("6/(k c_{in})", {("Conv.kernel", "DC101")}),  # wrong
    ("6/c_{out}", {("Conv.kernel", "DC101")}),  # torch's layout would read the fan from the wrong axis
])
def test_each_class_uses_its_own_frameworks_fan(tmp_path, monkeypatch, capsys, bound, codes):
    (tmp_path / "kfw.toml").write_text(KFW_RULES)
    (tmp_path / "conv.py").write_text(KFW_LAYER.format(bound=bound))
    (tmp_path / "dense.py").write_text(TORCH_LAYER)
    monkeypatch.chdir(tmp_path)
    status = cli.main(["check", "--isolated", "--no-cache", "--format", "json", "--extend-select", "DC103",
                       "--rules", "kfw.toml", "--", "conv.py", "dense.py"])
    found = {(f["object"], f["code"]) for f in json.loads(capsys.readouterr().out)}
    assert found == codes and status == (1 if codes else 0)


def test_explain_shows_the_frameworks_fan_and_no_torch_notes(tmp_path, monkeypatch, capsys):
    (tmp_path / "kfw.toml").write_text(KFW_RULES)
    (tmp_path / "conv.py").write_text(KFW_LAYER.format(bound="6/(k^2 c_{in})"))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["explain", "--isolated", "--rules", "kfw.toml", "--format", "json", "conv.py::Conv"]) == 0
    (kernel,) = json.loads(capsys.readouterr().out)["params"]
    assert any("fan_in = c_in·k²" in step["text"] for step in kernel["derivation"])
    assert kernel["notes"] == []  # the notes name torch's API; they are not written for another framework


def test_every_rule_carries_its_files_framework():
    loaded = knowledge.load()
    for qualname in ("torch.nn.init.xavier_uniform_", "torch.nn.init.kaiming_normal_", "torch.empty"):
        assert loaded.call(qualname).framework == "torch", qualname
    assert loaded.call("mlx.core.random.uniform").framework == "mlx"
