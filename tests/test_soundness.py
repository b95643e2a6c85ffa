"""End to end (engine + CLI codes) for the soundness constructs of issue 12, item 1: on each construct a
true docstring gives no finding, a wrong one a DC101 where the code model resolves it, and a claim on a
construct it cannot model exactly is DC103 (unresolved, with the construct's line), never DC101."""

from __future__ import annotations

import textwrap

import pytest

from doccheck.engine import Config, run

HEADER = """\
import torch
from torch import nn
from torch.nn import init
from torch.nn.parameter import Parameter
"""

NORM_DOC = '''r"""A normalization.

    The elements of :math:`\\gamma` are {gamma} and the elements of :math:`\\beta` are set to 0.
    """'''

QUANT_NORM = """
class QuantNorm(nn.Module):
    {doc}

    def __init__(self, n, weight, bias):
        super().__init__()
        self.weight = Parameter(torch.empty(n))
        self.bias = Parameter(torch.empty(n))
        init.ones_(self.weight)
        init.zeros_(self.bias)
        self.weight = weight
        self.bias = bias
"""

QAT_NORM = """
class InitMixin:
    def _init_affine(self):
        init.ones_(self.weight)
        init.zeros_(self.bias)


class QatNorm(nn.modules.module.Module, InitMixin):
    {doc}

    def __init__(self, n, qconfig=None):
        super().__init__()
        if not qconfig:
            raise AssertionError("qconfig must be provided")
        self.qconfig = qconfig
        self.weight = Parameter(torch.empty(n))
        self.bias = Parameter(torch.empty(n))
        self.register_buffer("running_mean", torch.zeros(n))
        self._init_affine()
"""

LOOP_NORM = """
from elsewhere import helper_params


class LoopNorm(nn.Module):
    {doc}

    def __init__(self, n):
        super().__init__()
        self.weight = Parameter(torch.ones(n))
        self.bias = Parameter(torch.zeros(n))
        for p in helper_params(self):
            init.uniform_(p)
"""


def findings(tmp_path, source: str, gamma: str):
    package = tmp_path / "soundlib"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    path = package / "layers.py"
    path.write_text(HEADER + textwrap.dedent(source).replace("{doc}", NORM_DOC.format(gamma=gamma)))
    result = run([str(path)], Config(select=("DC1",), cache=False))
    return {(f.code, f.object): f for f in result.findings}


@pytest.mark.parametrize("source", [QUANT_NORM, LOOP_NORM], ids=["caller-tensor", "unknown-loop"])
def test_unmodelled_construct_is_unresolved_never_a_definite_result(tmp_path, source):
    for gamma in ("set to 1", "sampled from :math:`\\mathcal{U}(0, 1)`"):
        found = findings(tmp_path, source, gamma)
        name = source.split("class ")[-1].split("(")[0]
        assert (f"DC101", f"{name}.weight") not in found
        unresolved = found[("DC103", f"{name}.weight")]
        assert "line" in unresolved.message


def test_modelled_constructs_prove_a_true_docstring(tmp_path):
    assert findings(tmp_path, QAT_NORM, "set to 1") == {}


def test_modelled_constructs_catch_a_wrong_docstring(tmp_path):
    found = findings(tmp_path, QAT_NORM, "sampled from :math:`\\mathcal{U}(0, 1)`")
    assert set(found) == {("DC101", "QatNorm.weight")}
    assert found[("DC101", "QatNorm.weight")].effective == "constant 1"
