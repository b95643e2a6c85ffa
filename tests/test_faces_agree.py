"""Every face gives the same answer on one configured project (issue: one answer on every face).

The project configures a symbol alias, an init helper as a rules file, a suppression comment and a baseline.
`doccheck check` is clean on it; so must be `sphinx-build -W`, `doccheck explain` (exit 0) and `doccheck
coverage` (no reported mismatch).  The same project with the configuration ignored shows what each setting
changes, so the test would fail if a face ignored it.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from doccheck import cli

pytestmark = pytest.mark.filterwarnings("ignore:The mapping interface for autodoc options")

LAYERS = '''\
import math

import torch
from torch import nn
from torch.nn import init

from facesagree_init import lecun_fill


class Aliased(nn.Module):
    r"""Weights drawn from :math:`\\mathcal{U}(-1/\\sqrt{d_{model}}, 1/\\sqrt{d_{model}})`.

    Attributes:
        weight: initialized from :math:`\\mathcal{U}(-1/\\sqrt{d_{model}}, 1/\\sqrt{d_{model}})`
    """

    def __init__(self, width):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(width, width))
        init.uniform_(self.weight, -1 / math.sqrt(width), 1 / math.sqrt(width))


class Helped(nn.Module):
    r"""A layer whose helper is described by the project's rules file.

    Attributes:
        weight: initialized from :math:`\\mathcal{N}(0, 1/\\text{n})`
    """

    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, n))
        lecun_fill(self.weight)


class Suppressed(nn.Module):  # doccheck: ignore[DC101]
    r"""A known wrong docstring, suppressed.

    Attributes:
        weight: initialized from :math:`\\mathcal{N}(0, 1)`
    """

    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, n))
        init.uniform_(self.weight, -1, 1)


class Baselined(nn.Module):
    r"""A known wrong docstring, in the baseline.

    Attributes:
        weight: initialized from :math:`\\mathcal{N}(0, 1)`
    """

    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, n))
        init.zeros_(self.weight)
'''

HELPER = '''\
def lecun_fill(tensor):
    """Fill `tensor` from N(0, 1/fan_in) (the rules file says so; doccheck never reads this body)."""
    raise NotImplementedError
'''

RULES = '''\
[[initializer]]
names = ["facesagree_init.lecun_fill"]
signature = "tensor"
target = "tensor"
let = ["std = 1 / sqrt(fan_in(tensor))"]
init = { family = "normal", mean = "0", std = "std" }
'''

CLASSES = ("Aliased", "Helped", "Suppressed", "Baselined")


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    (root / "docs").mkdir(parents=True)
    (root / "facesagree.py").write_text(LAYERS)
    (root / "facesagree_init.py").write_text(HELPER)
    (root / "initrules.toml").write_text(RULES)
    (root / "docs" / "conf.py").write_text(textwrap.dedent('''\
        import os
        import sys

        sys.path.insert(0, os.path.abspath(".."))
        extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "doccheck.sphinx"]
        project = "faces agree"
        '''))
    (root / "docs" / "index.rst").write_text("Layers\n======\n\n" + "".join(
        f".. autoclass:: facesagree.{name}\n\n" for name in CLASSES))
    monkeypatch.chdir(root)
    monkeypatch.setenv("DOCCHECK_CACHE_DIR", str(tmp_path / "cache"))
    # the baseline holds what the configured run still reports: Baselined's DC101 alone
    (root / "pyproject.toml").write_text(textwrap.dedent('''\
        [tool.doccheck]
        extend-select = ["DC103"]
        rules = ["initrules.toml"]
        symbol-aliases = { d_model = "width" }
        '''))
    assert cli.main(["check", "--write-baseline", "baseline.json", "--", "facesagree.py"]) == 0
    assert {file: [f["object"] for f in entries] for file, entries in
            json.loads((root / "baseline.json").read_text())["findings"].items()} == {
        "facesagree.py": ["Baselined.weight"]}
    with (root / "pyproject.toml").open("a") as handle:
        handle.write('baseline = "baseline.json"\n')
    return root


def _check(capsys, *args) -> tuple[int, set[tuple[str, str]]]:
    status = cli.main(["check", "--format", "json", "--no-cache", *args, "--", "facesagree.py"])
    return status, {(f["object"], f["code"]) for f in json.loads(capsys.readouterr().out)}


def test_the_configuration_changes_the_result(project, capsys):
    # without the configuration (and with DC103 asked for): the alias, the rules file and the baseline all matter
    status, found = _check(capsys, "--isolated", "--extend-select", "DC103")
    assert status == 1
    assert found == {("Aliased.weight", "DC103"), ("Helped.weight", "DC103"), ("Baselined.weight", "DC101")}


def test_check_is_clean(project, capsys):
    assert _check(capsys) == (0, set())


def test_sphinx_W_build_passes(project, capsys):
    from sphinx.cmd.build import build_main

    status = build_main(["-W", "-E", "-q", "-b", "html", str(project / "docs"), str(project / "out")])
    assert status == 0, capsys.readouterr().err


def test_sphinx_W_build_fails_when_the_configuration_is_gone(project, capsys):
    from sphinx.cmd.build import build_main

    (project / "pyproject.toml").write_text("[tool.doccheck]\n")
    status = build_main(["-W", "-E", "-q", "-b", "html", str(project / "docs"), str(project / "out")])
    err = capsys.readouterr().err
    assert status == 1 and "DC101" in err and "Baselined" in err and "Suppressed" not in err


@pytest.mark.parametrize("name", CLASSES)
def test_explain_exits_0_and_says_what_is_not_reported(project, capsys, name):
    status = cli.main(["explain", f"facesagree.py::{name}", "--format", "json"])
    explanation = json.loads(capsys.readouterr().out)
    assert status == 0 and explanation["findings"] == []
    verdicts = {claim["verdict"] for p in explanation["params"] for claim in p["documented"]}
    expected = {"Aliased": {"consistent"}, "Helped": {"consistent"}, "Suppressed": {"mismatch"},
                "Baselined": {"mismatch"}}[name]
    assert verdicts == expected
    assert [f["code"] for f in explanation["silenced"]] == (["DC101"] if expected == {"mismatch"} else [])


def test_explain_exits_1_on_a_reported_mismatch(project, capsys):
    assert cli.main(["explain", "--isolated", "facesagree.py::Baselined"]) == 1
    assert "reported     line" in capsys.readouterr().out


def test_coverage_reports_no_mismatch_that_check_does_not(project, capsys):
    assert cli.main(["coverage", "--format", "json", "facesagree.py"]) == 0
    entries = {e["object"]: e for e in json.loads(capsys.readouterr().out)}
    assert {name: (e["status"], e["silenced"]) for name, e in entries.items()} == {
        "Aliased.weight": ("consistent", False), "Helped.weight": ("consistent", False),
        "Suppressed.weight": ("mismatch", True), "Baselined.weight": ("mismatch", True)}


def test_coverage_without_the_configuration(project, capsys):
    assert cli.main(["coverage", "--isolated", "--format", "json", "facesagree.py"]) == 0
    entries = {e["object"]: e for e in json.loads(capsys.readouterr().out)}
    assert entries["Aliased.weight"]["status"] == "unresolved" and entries["Helped.weight"]["status"] == "unresolved"
    assert entries["Baselined.weight"]["silenced"] is False and entries["Suppressed.weight"]["silenced"] is True
