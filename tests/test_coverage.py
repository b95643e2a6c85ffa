"""`doccheck coverage`: every parameter of every class that creates parameters, with its status.

The fixture package is written here: one class per status (a proven claim, a wrong
claim, an undocumented parameter, one the code model cannot follow), a class that
creates no parameter (absent from the inventory), and a subclass whose parameters
come from its base (present, although its own body creates nothing).
"""

from __future__ import annotations

import json
import textwrap

import pytest

from doccheck.cli import main
from doccheck.coverage import inventory
from doccheck.engine import Config

LAYERS = '''\
import math

import torch
from torch import nn
from torch.nn import init

from secret import mystery_init_


class Proven(nn.Module):
    """A dense layer.

    Attributes:
        weight: the weights, initialized from :math:`\\\\mathcal{U}(-\\\\sqrt{k}, \\\\sqrt{k})` where
            :math:`k = \\\\frac{1}{\\\\text{in\\\\_features}}`.
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))


class Wrong(nn.Module):
    """A bias.

    Attributes:
        bias: the bias, initialized to :math:`0`.
    """

    def __init__(self, features):
        super().__init__()
        self.bias = nn.Parameter(torch.empty(features))
        init.ones_(self.bias)


class Quiet(nn.Module):
    """A scale whose docstring says nothing about its values."""

    def __init__(self, features):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(features))
        self.shift = nn.Parameter(torch.empty(features))
        mystery_init_(self.shift)


class NoParameters(nn.Module):
    """Only a buffer."""

    def __init__(self, features):
        super().__init__()
        self.register_buffer("running", torch.zeros(features))


class Inherited(Quiet):
    """Its parameters come from the base class."""
'''


@pytest.fixture()
def package(tmp_path):
    pkg = tmp_path / "covlayers"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "layers.py").write_text(LAYERS)
    return pkg


def _by_object(entries):
    return {e.object: e for e in entries}


def test_inventory_lists_every_parameter_with_its_status(package):
    entries, summary = inventory([str(package)], Config())
    got = {name: e.status for name, e in _by_object(entries).items()}
    assert got == {"Proven.weight": "consistent", "Wrong.bias": "mismatch", "Quiet.scale": "undocumented",
                   "Quiet.shift": "unresolved", "Inherited.scale": "undocumented", "Inherited.shift": "unresolved"}
    entry = _by_object(entries)["Quiet.shift"]
    assert entry.effective is None and "mystery_init_" in entry.reason
    assert _by_object(entries)["Wrong.bias"].effective == "constant 1"
    assert _by_object(entries)["Quiet.scale"].effective == "constant 1"
    assert summary.parameters == 6 and summary.resolved == 4
    assert (summary.claims, summary.claims_proven) == (2, 1)


def test_json_has_the_documented_fields(package, capsys):
    assert main(["coverage", "--format", "json", str(package)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert all(set(item) == {"object", "path", "line", "status", "effective", "documented", "reason", "silenced"}
               for item in data)
    wrong = next(item for item in data if item["object"] == "Wrong.bias")
    assert wrong["status"] == "mismatch" and wrong["documented"] and wrong["path"].endswith("layers.py")
    assert wrong["line"] == LAYERS.splitlines().index("class Wrong(nn.Module):") + 1
    inherited = next(item for item in data if item["object"] == "Inherited.scale")
    assert inherited["line"] == LAYERS.splitlines().index("class Inherited(Quiet):") + 1
    unresolved = [item for item in data if item["status"] == "unresolved"]
    assert unresolved and all(item["reason"] for item in unresolved)
    assert all(item["reason"] is None for item in data if item["status"] != "unresolved")


def test_text_ends_with_the_summary(package, capsys):
    assert main(["coverage", str(package)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == ("doccheck coverage: 6 parameters (1 consistent, 1 mismatch, 2 undocumented, 2 unresolved); "
                       "66.7% resolved; 1 of 2 documented claims proven (50.0%)")
    assert len(out) == 7


def test_the_check_run_ends_with_a_count_of_unproven_claims(tmp_path, capsys):
    pkg = tmp_path / "unproven"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "layers.py").write_text(LAYERS.replace("Attributes:\n        bias: the bias, initialized to :math:`0`.",
                                                  "Attributes:\n        bias: the bias.")
                                   .replace('"""A scale whose docstring says nothing about its values."""',
                                            '"""A scale.\n\n    Attributes:\n        shift: initialized to '
                                            ':math:`0`.\n    """'))
    main(["--no-cache", "--format", "text", str(pkg)])
    err = capsys.readouterr().err
    assert ("doccheck: 1 documented initialization claim(s) not proven (1 unresolved, 0 unreadable); list every "
            "parameter with `doccheck coverage PATH`") in err


def test_no_line_when_every_claim_is_decided(package, capsys):
    main(["--no-cache", "--format", "text", str(package)])
    assert "not proven" not in capsys.readouterr().err


def test_coverage_of_a_missing_path_is_a_usage_error(tmp_path, capsys):
    assert main(["coverage", str(tmp_path / "nope")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_installed_torch_nn_is_at_least_95_percent_resolved_and_every_unresolved_says_why():
    torch = pytest.importorskip("torch")
    import os

    root = os.path.dirname(torch.__file__)
    entries, summary = inventory([os.path.join(root, "nn"), os.path.join(root, "ao", "nn")], Config())
    assert summary.parameters >= 190
    assert summary.resolved_percent >= 95.0, [(e.object, e.reason) for e in entries if e.effective is None]
    for entry in entries:
        if entry.status == "unresolved":
            assert entry.reason and entry.reason != "unresolved", entry
    by_name = {(e.object, e.path.rsplit("torch/", 1)[-1]): e for e in entries}
    # the three constructs of issue 12 this resolves: lazy modules, the caller's tensor, *kernel_size
    assert by_name[("LazyLinear.weight", "nn/modules/linear.py")].status == "consistent"
    assert by_name[("LayerNorm.weight", "ao/nn/quantized/modules/normalization.py")].effective == "argument `weight`"
    assert "prod(kernel_size)" in by_name[("_ConvNd.weight", "nn/modules/conv.py")].effective
