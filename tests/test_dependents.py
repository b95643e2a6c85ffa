"""--dependents (the pre-commit hooks pass it): a changed helper re-checks the modules that import it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from doccheck import cli
from doccheck.dependents import dependents

BLOCKS = '''\
import torch
from torch import nn

from {source} import scaled


class Block(nn.Module):
    r"""A block.

    Attributes:
        weight: initialized from :math:`\\mathcal{{U}}(-1, 1)`
    """

    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, n))
        scaled(self.weight)
'''

HELPER = '''\
from torch.nn import init


def scaled(tensor):
    init.uniform_(tensor, -{bound}, {bound})
'''


@pytest.fixture
def package(tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from pkg._init import scaled\n")  # a re-export in between
    (pkg / "_init.py").write_text(HELPER.format(bound=2))  # the change: ±2 where the docstring says ±1
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "blocks.py").write_text(BLOCKS.format(source=".."))  # relative: from .. import scaled
    (pkg / "direct.py").write_text(BLOCKS.format(source="pkg._init"))
    (pkg / "unrelated.py").write_text("import math\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCCHECK_CACHE_DIR", str(tmp_path / "cache"))
    return pkg


def test_the_importers_are_found_transitively_and_nothing_else(package):
    found = {p.relative_to(package.resolve()).as_posix() for p in dependents([package / "_init.py"])}
    assert found == {"__init__.py", "direct.py", "sub/blocks.py"}


def test_without_dependents_the_wrong_docstring_passes(package, capsys):
    assert cli.main(["check", "--isolated", "--no-cache", "--", "pkg/_init.py"]) == 0


def test_with_dependents_it_is_reported(package, capsys):
    assert cli.main(["check", "--isolated", "--no-cache", "--format", "json", "--dependents", "--",
                     "pkg/_init.py"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert {(Path(f["path"]).as_posix(), f["code"]) for f in found for _ in [0]} | {
        (Path(d["path"]).as_posix(), f["code"]) for f in found for d in f["duplicates"]} == {
        ("pkg/direct.py", "DC101"), ("pkg/sub/blocks.py", "DC101")}


def test_a_file_that_cannot_be_parsed_is_skipped_by_the_scan(package):
    (package / "broken.py").write_text("def (:\n")
    assert {p.name for p in dependents([package / "_init.py"])} == {"__init__.py", "direct.py", "blocks.py"}
