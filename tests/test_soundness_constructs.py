"""Constructs the code model follows exactly, each both ways (a true docstring proven, a wrong one reported), and
where it cannot, unresolved with the reason — never a definite answer from a path it did not take."""

from __future__ import annotations

import json

import pytest

from doccheck import cli

HEAD = '''\
import torch
from torch import nn
from torch.nn import init


class Layer(nn.Module):
    r"""A layer.

    Attributes:
        weight: initialized to {weight}
        bias: initialized to {bias}
    """

    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, n))
        self.bias = nn.Parameter(torch.empty(n))
'''

BODIES = {
    # a generator run to its end on one path: its yields, in order
    "generator": ('''        for p in self._weights():
            init.ones_(p)
        init.zeros_(self.bias)

    def _weights(self):
        yield self.weight
''', "ones", "zeros"),
    "yield from": ('''        for p in self._all():
            init.ones_(p)

    def _all(self):
        yield from [self.weight, self.bias]
''', "ones", "ones"),
    # named_parameters() gives the registered names: `"bias" in name` is decided
    "named_parameters": ('''        for name, p in self.named_parameters():
            if "bias" in name:
                init.zeros_(p)
            else:
                init.ones_(p)
''', "ones", "zeros"),
    # the registry Module.__setattr__ fills
    "_parameters": ('''        for _, p in self._parameters.items():
            init.ones_(p)
''', "ones", "ones"),
    "parameters() by dim": ('''        for p in self.parameters():
            if p.dim() > 1:
                init.ones_(p)
            else:
                init.zeros_(p)
''', "ones", "zeros"),
}

WRONG = {"ones": "zeros", "zeros": "ones"}


def _codes(tmp_path, monkeypatch, capsys, source) -> set[tuple[str, str]]:
    (tmp_path / "layer.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    cli.main(["check", "--isolated", "--no-cache", "--format", "json", "--extend-select", "DC103", "--", "layer.py"])
    return {(f["object"], f["code"]) for f in json.loads(capsys.readouterr().out)}


@pytest.mark.parametrize("construct", sorted(BODIES))
def test_true_docstring_is_proven(tmp_path, monkeypatch, capsys, construct):
    body, weight, bias = BODIES[construct]
    assert _codes(tmp_path, monkeypatch, capsys, HEAD.format(weight=weight, bias=bias) + body) == set()


@pytest.mark.parametrize("construct", sorted(BODIES))
def test_wrong_docstring_is_reported(tmp_path, monkeypatch, capsys, construct):
    body, weight, bias = BODIES[construct]
    source = HEAD.format(weight=WRONG[weight], bias=WRONG[bias]) + body
    assert _codes(tmp_path, monkeypatch, capsys, source) == {("Layer.weight", "DC101"), ("Layer.bias", "DC101")}


def test_a_generator_yielding_on_one_branch_is_unresolved(tmp_path, monkeypatch, capsys):
    body = '''        for p in self._weights(n):
            init.ones_(p)
        init.zeros_(self.bias)

    def _weights(self, n):
        if n > 3:
            yield self.weight
'''
    assert _codes(tmp_path, monkeypatch, capsys, HEAD.format(weight="ones", bias="zeros") + body) == {
        ("Layer.weight", "DC103")}


GETATTR = '''\
import torch
from torch import nn
from torch.nn import init


class Layer(nn.Module):
    r"""A layer.

    Attributes:
        weight: initialized from :math:`\\mathcal{{N}}(0, 1)`
    """

    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, n))
        {mark}
        if not getattr(self.weight, "{name}", False):
            init.normal_(self.weight, 0, 1)
'''


@pytest.mark.parametrize("mark, name, codes", [
    ("", "_is_hf_initialized", set()),  # a marker no tensor has by itself (rules/transformers.toml): the default
    ("self.weight._is_hf_initialized = True", "_is_hf_initialized", {("Layer.weight", "DC101")}),  # set: skipped
    ("", "_some_flag", {("Layer.weight", "DC103")}),  # any other attribute: not known, both ways followed
])
def test_getattr_with_a_default_on_a_tensor(tmp_path, monkeypatch, capsys, mark, name, codes):
    assert _codes(tmp_path, monkeypatch, capsys, GETATTR.format(mark=mark, name=name)) == codes


def test_parameters_registered_through_the_registry(tmp_path, monkeypatch, capsys):
    source = HEAD.format(weight="ones", bias="zeros").replace(
        "        self.bias = nn.Parameter(torch.empty(n))\n",
        '        self._parameters["bias"] = nn.Parameter(torch.empty(n))\n') + '''        init.ones_(self.weight)
        init.zeros_(self.bias)
'''
    assert _codes(tmp_path, monkeypatch, capsys, source) == set()
    wrong = source.replace("init.zeros_(self.bias)", "init.ones_(self.bias)")
    assert _codes(tmp_path, monkeypatch, capsys, wrong) == {("Layer.bias", "DC101")}


def test_a_conditional_expression_runs_each_branch_apart(tmp_path, monkeypatch, capsys):
    body = '''        init.ones_(self.weight) if n > 3 else init.zeros_(self.weight)
        init.zeros_(self.bias)
'''
    # which call runs depends on n: unresolved, never the second call's distribution
    assert _codes(tmp_path, monkeypatch, capsys, HEAD.format(weight="zeros", bias="zeros") + body) == {
        ("Layer.weight", "DC103")}


MIXIN = '''\
import torch
from torch import nn
from torch.nn import init


class _Base(nn.Module):
    def __init__(self, n):
        super(_Base, self).__init__()
        self.weight = nn.Parameter(torch.empty(n, n))
        init.ones_(self.weight)


class _Mixin(object):
    def extra(self):
        return 1


class Old(_Mixin, _Base):
    r"""The torch 1.x idiom: a mixin deriving from object first, two-argument super.

    Attributes:
        weight: initialized to {value}
    """

    def __init__(self, n):
        super(Old, self).__init__(n)


class Lower(nn.Module):
    r"""A base __init__ called through a lower-case module path.

    Attributes:
        weight: initialized to {value}
    """

    def __init__(self, n):
        nn.modules.module.Module.__init__(self)
        self.weight = nn.Parameter(torch.empty(n, n))
        init.ones_(self.weight)
'''


@pytest.mark.parametrize("value, codes", [
    ("ones", set()),
    ("zeros", {("Old.weight", "DC101"), ("Lower.weight", "DC101")}),  # `object` once ended the MRO: Old was silent
])
def test_a_mixin_deriving_from_object_and_two_argument_super(tmp_path, monkeypatch, capsys, value, codes):
    assert _codes(tmp_path, monkeypatch, capsys, MIXIN.format(value=value)) == codes


def test_a_parameter_stored_in_a_container_attribute_is_unresolved(tmp_path, monkeypatch, capsys):
    # (after helper B's finding) `self.groups["w"] = self.weight` was dropped: the loop over the empty dict
    # ran zero times and "uninitialized memory" was a wrong DC101
    body = '''        self.groups = {}
        self.groups["w"] = self.weight
        for p in self.groups.values():
            init.ones_(p)
        init.zeros_(self.bias)
'''
    for weight in ("ones", "zeros"):
        assert _codes(tmp_path, monkeypatch, capsys, HEAD.format(weight=weight, bias="zeros") + body) == {
            ("Layer.weight", "DC103")}
