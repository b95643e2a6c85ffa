"""A constructor argument without a literal default may be a string (torch's RNNBase `mode`): comparing it with a
string literal is undecided, so every branch is followed and the raising one dropped — never "raises on every
path" — and a claim is proven where all surviving branches agree, reported where it is wrong."""

from __future__ import annotations

import json

import pytest

from doccheck import cli

LAYER = '''\
import math

import torch
from torch import nn
from torch.nn import init


class Cell(nn.Module):
    r"""A cell.

    Attributes:
        weight: initialized from :math:`\\mathcal{{U}}(-{bound}, {bound})`
    """

    def __init__(self, mode, hidden_size):
        super().__init__()
        if mode == "LSTM":
            gates = 4 * hidden_size
        elif mode == "GRU":
            gates = 3 * hidden_size
        else:
            raise ValueError("Unrecognized mode: " + mode)
        self.weight = nn.Parameter(torch.empty(gates, hidden_size))
        stdv = 1.0 / math.sqrt(hidden_size)
        {init}
'''


@pytest.mark.parametrize("bound, init, codes", [
    (r"1/\sqrt{hidden\_size}", "init.uniform_(self.weight, -stdv, stdv)", set()),  # proven on both branches
    (r"1/hidden\_size", "init.uniform_(self.weight, -stdv, stdv)", {"DC101"}),  # wrong on both
    # the branches disagree: unresolved (DC103), never a definite answer from one branch
    (r"1/\sqrt{hidden\_size}",
     "init.uniform_(self.weight, -stdv, stdv) if mode == \"LSTM\" else init.zeros_(self.weight)", {"DC103"}),
])
def test_a_string_argument_is_followed_on_every_branch(tmp_path, monkeypatch, capsys, bound, init, codes):
    (tmp_path / "cell.py").write_text(LAYER.format(bound=bound, init=init))
    monkeypatch.chdir(tmp_path)
    cli.main(["check", "--isolated", "--no-cache", "--format", "json", "--extend-select", "DC103", "--", "cell.py"])
    found = json.loads(capsys.readouterr().out)
    assert {f["code"] for f in found} == codes, found


def test_torch_rnnbase_is_resolved():
    import torch
    from pathlib import Path

    from doccheck.coverage import inventory
    from doccheck.engine import Config

    entries, _ = inventory([str(Path(torch.__file__).parent / "nn" / "modules" / "rnn.py")], Config())
    rnnbase = [e for e in entries if e.object.startswith("RNNBase.")]
    assert [(e.status, e.effective) for e in rnnbase] == [("undocumented", "U(-1/√hidden_size, 1/√hidden_size)")]
