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


# ---------------------------------------------------------------- the caller's tensor (issue 12, torch.ao norms)

def coverage_of(tmp_path, source: str, gamma: str = "set to 1"):
    from doccheck.coverage import inventory

    package = tmp_path / "soundlib"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    path = package / "layers.py"
    path.write_text(HEADER + textwrap.dedent(source).replace("{doc}", NORM_DOC.format(gamma=gamma)))
    entries, summary = inventory([str(path)], Config(cache=False))
    return {e.object: e for e in entries}, summary


def test_the_callers_tensor_is_resolved_as_that_argument(tmp_path):
    entries, summary = coverage_of(tmp_path, QUANT_NORM)
    weight, bias = entries["QuantNorm.weight"], entries["QuantNorm.bias"]
    assert weight.effective == "argument `weight`" and bias.effective == "argument `bias`"
    # resolved (the value is exact), but a claim about the values is never proven
    assert summary.resolved == 2
    assert weight.status == "unresolved" and "caller's argument `weight`" in weight.reason
    assert summary.claims_proven == 0


@pytest.mark.parametrize("gamma", ["set to 1", "set to 0", "sampled from :math:`\\mathcal{U}(0, 1)`"])
def test_a_claim_on_the_callers_tensor_is_never_a_mismatch(tmp_path, gamma):
    found = findings(tmp_path, QUANT_NORM, gamma)
    assert ("DC101", "QuantNorm.weight") not in found
    assert "the caller's argument `weight`" in found[("DC103", "QuantNorm.weight")].message


CALLER_THEN_INIT = """
class RefillNorm(nn.Module):
    {doc}

    def __init__(self, n, weight, bias):
        super().__init__()
        self.weight = Parameter(torch.empty(n))
        self.bias = Parameter(torch.empty(n))
        self.weight = weight
        self.bias = bias
        init.ones_(self.weight)
        init.zeros_(self.bias)
"""

CALLER_OR_INIT = """
class MaybeNorm(nn.Module):
    {doc}

    def __init__(self, n, weight, bias, use_given: int):
        super().__init__()
        self.weight = Parameter(torch.ones(n))
        self.bias = Parameter(torch.zeros(n))
        if use_given > 2:
            self.weight = weight
"""


def test_writing_into_the_callers_tensor_is_followed(tmp_path):
    # init.ones_ writes into the caller's tensor: the values are then ones, whatever was passed
    assert findings(tmp_path, CALLER_THEN_INIT, "set to 1") == {}
    found = findings(tmp_path, CALLER_THEN_INIT, "sampled from :math:`\\mathcal{U}(0, 1)`")
    assert set(found) == {("DC101", "RefillNorm.weight")}


def test_the_callers_tensor_on_one_branch_is_unresolved(tmp_path):
    for gamma in ("set to 1", "sampled from :math:`\\mathcal{U}(0, 1)`"):
        found = findings(tmp_path, CALLER_OR_INIT, gamma)
        assert ("DC101", "MaybeNorm.weight") not in found
        assert "depends on `use_given > 2`" in found[("DC103", "MaybeNorm.weight")].message


BRANCH_NEW_PARAMETER = """
class SwapNorm(nn.Module):
    {doc}

    def __init__(self, n, mode: int):
        super().__init__()
        self.weight = Parameter(torch.ones(n))
        self.bias = Parameter(torch.zeros(n))
        if mode > 2:
            self.weight = Parameter(torch.zeros(n))
"""


def test_a_parameter_replaced_on_one_branch_is_unresolved(tmp_path):
    # the joined state used to keep the first branch's tensor: "constant 0" (wrong when mode <= 2)
    for gamma in ("set to 1", "set to 0"):
        found = findings(tmp_path, BRANCH_NEW_PARAMETER, gamma)
        assert ("DC101", "SwapNorm.weight") not in found
        assert "depends on `mode > 2`" in found[("DC103", "SwapNorm.weight")].message


# ---------------------------------------------------------------- `*kernel_size` of unknown length (issue 12)

STARRED_CONV = """
import math


class StarConv(nn.Module):
    {doc}

    def __init__(self, in_channels, out_channels, kernel_size{kernel_default}, groups=1):
        super().__init__()
        if in_channels % groups != 0:
            raise ValueError("groups must divide in_channels")
        self.weight = Parameter({factory})
        self.bias = Parameter(torch.empty(out_channels))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(self.bias, -bound, bound)
"""

FACTORIES = {"display": "torch.empty((out_channels, in_channels // groups, *kernel_size))",
             "call": "torch.Tensor(out_channels, in_channels // groups, *kernel_size)"}


@pytest.mark.parametrize("form", sorted(FACTORIES))
def test_a_starred_kernel_size_gives_fan_in_with_its_product(tmp_path, form):
    source = STARRED_CONV.replace("{factory}", FACTORIES[form]).replace("{kernel_default}", "")
    entries, _ = coverage_of(tmp_path, source)
    bound = "√groups/(√in_channels·√prod(kernel_size))"
    assert entries["StarConv.weight"].effective == f"U(-{bound}, {bound})"
    assert entries["StarConv.bias"].effective == f"U(-{bound}, {bound})"  # fan_in > 0: sizes are positive
    found = findings(tmp_path, source, "set to 1")  # and beta "set to 0": both wrong
    assert set(found) == {("DC101", "StarConv.weight"), ("DC101", "StarConv.bias")}
    assert "prod(kernel_size)" in found[("DC101", "StarConv.weight")].message


def test_a_kernel_size_that_may_be_empty_of_size_zero_keeps_the_bias_unresolved(tmp_path):
    # kernel_size=0 by default: its elements may be 0, so `fan_in > 0` is not decided
    source = STARRED_CONV.replace("{factory}", FACTORIES["display"]).replace("{kernel_default}", "=0")
    entries, _ = coverage_of(tmp_path, source)
    assert entries["StarConv.bias"].status == "unresolved"
    assert "fan_in > 0" in entries["StarConv.bias"].reason


def test_only_the_known_ends_of_a_starred_shape_are_indexed(tmp_path):
    source = """
class EndConv(nn.Module):
    {doc}

    def __init__(self, out_channels, kernel_size):
        super().__init__()
        self.weight = Parameter(torch.empty((out_channels, *kernel_size)))
        self.bias = Parameter(torch.empty(out_channels))
        init.kaiming_uniform_(self.weight)
        init.constant_(self.bias, self.weight.shape[1])
"""
    entries, _ = coverage_of(tmp_path, source)
    # (out_channels, *kernel_size) may have a single dimension: fan_in is then an error in torch
    assert entries["EndConv.weight"].status == "unresolved"
    assert "may have fewer than 2" in entries["EndConv.weight"].reason
    assert entries["EndConv.bias"].status == "unresolved"  # shape[1] is an element of kernel_size, not known


# ---------------------------------------------------------------- lazy modules (issue 12)

LAZY_DOC = '''r"""A dense layer whose `in_features` is read from the first input.

    Attributes:
        weight: the learnable weights, initialized from :math:`\\mathcal{{U}}(-\\sqrt{{k}}, \\sqrt{{k}})` where
            :math:`k = \\frac{{1}}{{\\text{{{size}}}}}`
    """'''

LAZY_DENSE = """
import math
from torch.nn.modules.lazy import LazyModuleMixin
from torch.nn.parameter import UninitializedParameter


class LazyDense(LazyModuleMixin, nn.Module):
    {doc}

    def __init__(self, out_features):
        super().__init__()
        self.out_features = out_features
        self.weight = UninitializedParameter()
        self.bias = UninitializedParameter()

    def reset_parameters(self):
        if not self.has_uninitialized_params():
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.weight, -bound, bound)
            {bias_init}

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():
            {read_size}
            self.weight.materialize((self.out_features, self.in_features))
            self.bias.materialize((self.out_features,))
            self.reset_parameters()
"""


def lazy_findings(tmp_path, size="in_features", read_size="self.in_features = input.shape[-1]",
                  bias_init="init.zeros_(self.bias)"):
    source = LAZY_DENSE.replace("{read_size}", read_size).replace("{bias_init}", bias_init)
    package = tmp_path / "lazylib"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    path = package / "layers.py"
    path.write_text(HEADER + textwrap.dedent(source).replace("{doc}", LAZY_DOC.format(size=size)))
    result = run([str(path)], Config(select=("DC1",), cache=False))
    from doccheck.coverage import inventory

    entries, _ = inventory([str(path)], Config(cache=False))
    return {(f.code, f.object): f for f in result.findings}, {e.object: e for e in entries}


def test_a_lazy_module_is_what_initialize_parameters_leaves(tmp_path):
    found, entries = lazy_findings(tmp_path)
    assert found == {}
    assert entries["LazyDense.weight"].status == "consistent"
    assert entries["LazyDense.weight"].effective == "U(-1/√in_features, 1/√in_features)"
    assert entries["LazyDense.bias"].effective == "constant 0"


def test_a_wrong_docstring_on_a_lazy_module_is_reported(tmp_path):
    found, _ = lazy_findings(tmp_path, size="out_features")
    assert set(found) == {("DC101", "LazyDense.weight")}


def test_a_lazy_size_read_for_batched_and_unbatched_inputs_is_one_size(tmp_path):
    # the channel dimension is shape[1] of a batched input and shape[0] of an unbatched one: both in_features
    read = ("if input.dim() not in (2, 3):\n                raise ValueError('2-D or 3-D input')\n"
            "            self.in_features = input.shape[1] if input.dim() == 3 else input.shape[0]")
    found, entries = lazy_findings(tmp_path, read_size=read)
    assert found == {}
    assert entries["LazyDense.weight"].status == "consistent"
    found, _ = lazy_findings(tmp_path, size="out_features", read_size=read)
    assert set(found) == {("DC101", "LazyDense.weight")}


def test_a_lazy_init_that_depends_on_the_input_rank_is_unresolved(tmp_path):
    read = "self.in_features = input.shape[-1] if input.dim() != 2 else self.out_features"
    for size in ("in_features", "out_features"):
        found, entries = lazy_findings(tmp_path, size=size, read_size=read)
        assert ("DC101", "LazyDense.weight") not in found
        assert "depends on the rank of the first input" in found[("DC103", "LazyDense.weight")].message


def test_a_size_kept_under_a_name_the_docstring_does_not_use_matches_nothing(tmp_path):
    read = "self.in_features = input.shape[-1]\n            self.width = input.shape[-1]"
    found, entries = lazy_findings(tmp_path, read_size=read)
    assert found == {}  # in_features, the first attribute given the size, names it


def test_a_lazy_parameter_never_written_after_materialize_is_uninitialized(tmp_path):
    found, entries = lazy_findings(tmp_path, bias_init="pass")
    assert entries["LazyDense.bias"].effective == "uninitialized memory (never written)"
