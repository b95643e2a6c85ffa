"""Claims that name a scheme ("initialized with Xavier uniform", "He normal initialization", ``xavier_uniform``)
are compared as the distribution the scheme gives the parameter's shape (rules/torch.toml ``[[scheme]]``)."""

from __future__ import annotations

import json

import pytest

from doccheck import cli

LAYER = '''\
import torch
from torch import nn
from torch.nn import init


class Layer(nn.Module):
    r"""A layer.

    Attributes:
        weight: initialized {claim}
    """

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty({shape}))
        {init}
'''


@pytest.mark.parametrize("claim, init, codes", [
    ("with Xavier uniform", "init.xavier_uniform_(self.weight)", set()),
    ("with Glorot-uniform initialization", "init.xavier_uniform_(self.weight)", set()),
    ("using ``xavier_normal``", "init.xavier_normal_(self.weight)", set()),
    ("with He normal", "init.kaiming_normal_(self.weight, nonlinearity='relu')", set()),
    ("with He uniform", "init.kaiming_uniform_(self.weight, nonlinearity='relu')", set()),
    ("with LeCun normal", "init.normal_(self.weight, 0, 1 / n_in ** 0.5)", set()),
    # wrong: the scheme's distribution differs from the code's
    ("with He normal", "init.xavier_normal_(self.weight)", {"DC101"}),
    ("with Xavier uniform", "init.kaiming_uniform_(self.weight, a=5 ** 0.5)", {"DC101"}),
    ("with LeCun uniform", "init.kaiming_uniform_(self.weight, nonlinearity='relu')", {"DC101"}),
])
def test_a_named_scheme_is_its_distribution(tmp_path, monkeypatch, capsys, claim, init, codes):
    (tmp_path / "layer.py").write_text(LAYER.format(claim=claim, init=init, shape="n_out, n_in"))
    monkeypatch.chdir(tmp_path)
    cli.main(["check", "--isolated", "--no-cache", "--format", "json", "--extend-select", "DC103", "--",
              "layer.py"])
    assert {f["code"] for f in json.loads(capsys.readouterr().out)} == codes


def test_a_scheme_without_a_known_shape_is_unresolved(tmp_path, monkeypatch, capsys):
    source = LAYER.format(claim="with Xavier uniform", init="init.xavier_uniform_(self.weight)",
                          shape="*sizes").replace("def __init__(self, n_in, n_out)", "def __init__(self, *sizes)")
    (tmp_path / "layer.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    cli.main(["check", "--isolated", "--no-cache", "--format", "json", "--extend-select", "DC103", "--",
              "layer.py"])
    found = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in found] == ["DC103"], found


def test_a_word_that_names_no_scheme_is_no_claim(tmp_path, monkeypatch, capsys):
    source = LAYER.format(claim="with care", init="init.xavier_uniform_(self.weight)", shape="n_out, n_in")
    (tmp_path / "layer.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["coverage", "--isolated", "--format", "json", "layer.py"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["status"] == "undocumented"
