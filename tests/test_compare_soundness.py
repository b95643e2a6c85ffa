"""A documented symbol that names no constructor argument proves nothing by itself (compare stays sound)."""

from __future__ import annotations

import json

import pytest

from doccheck import cli

LAYER = '''\
import math

import torch
from torch import nn
from torch.nn import init


class Layer(nn.Module):
    r"""A layer.

    Attributes:
        weight: initialized from :math:`{claim}`
    """

    def __init__(self, width):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(width, width))
        init.uniform_(self.weight, -1 / math.sqrt(width), 1 / math.sqrt(width))
'''


@pytest.mark.parametrize("claim, code", [
    # same family, a free symbol: d_model may be `width` (an alias away from proven): not a mismatch
    (r"\mathcal{U}(-1/\sqrt{d_{model}}, 1/\sqrt{d_{model}})", "DC103"),
    (r"\mathcal{U}(-2/\sqrt{d_{model}}, 2/\sqrt{d_{model}})", "DC103"),
    # another family is wrong whatever d_model stands for
    (r"\mathcal{N}(0, 1/d_{model})", "DC101"),
    # no free symbol: the formulas must agree as written
    (r"\mathcal{U}(-2/\sqrt{width}, 2/\sqrt{width})", "DC101"),
])
def test_a_free_documented_symbol(tmp_path, monkeypatch, capsys, claim, code):
    (tmp_path / "layer.py").write_text(LAYER.format(claim=claim))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "--isolated", "--no-cache", "--format", "json", "--extend-select", "DC103", "--",
                     "layer.py"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert {f["code"] for f in found} == {code}, found
    if code == "DC103":
        assert all("symbol-aliases = { d_model" in f["message"] for f in found)


def test_the_alias_then_proves_it(tmp_path, monkeypatch, capsys):
    (tmp_path / "layer.py").write_text(LAYER.format(claim=r"\mathcal{U}(-1/\sqrt{d_{model}}, 1/\sqrt{d_{model}})"))
    (tmp_path / "pyproject.toml").write_text('[tool.doccheck]\nsymbol-aliases = { d_model = "width" }\n'
                                             'extend-select = ["DC103"]\n')
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "--no-cache", "--", "layer.py"]) == 0
