"""DC005: where the framework is not installed (pre-commit's own environment), a claim is not passed in silence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

LAYER = '''\
from torch import nn


class Dense(nn.Linear):
    r"""A dense layer.

    Attributes:
        weight: initialized from :math:`\\mathcal{N}(0, 1)`
    """
'''


@pytest.fixture
def site_without_torch(tmp_path) -> Path:
    """A copy (by symbolic links) of the site-packages that holds torch, without torch."""
    torch = pytest.importorskip("torch")
    packages = Path(torch.__file__).resolve().parent.parent
    site = tmp_path / "site"
    site.mkdir()
    for entry in packages.iterdir():
        if entry.name == "torch" or entry.name.startswith(("torch-", "torch_")):
            continue
        (site / entry.name).symlink_to(entry)
    return site


def _run(tmp_path, site: Path | None) -> subprocess.CompletedProcess:
    (tmp_path / "blocks.py").write_text(LAYER)
    env = {**os.environ, "DOCCHECK_CACHE_DIR": str(tmp_path / "cache")}
    if site is None:
        command = [sys.executable, "-m", "doccheck"]
        env["PYTHONPATH"] = str(REPO)
    else:  # -S: no site-packages of the interpreter, only the copy without torch
        command = [sys.executable, "-S", "-m", "doccheck"]
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(site)])
    return subprocess.run([*command, "check", "--", "blocks.py"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)


def test_without_the_framework_the_claim_is_a_notice(tmp_path, site_without_torch):
    proc = _run(tmp_path, site_without_torch)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("blocks.py:4:1: DC005 Dense: derives from torch.nn.Linear, but `torch` is not "
                                  "installed where doccheck runs"), proc.stdout
    assert "additional_dependencies" in proc.stdout and "DC101" not in proc.stdout


def test_with_the_framework_the_claim_is_checked(tmp_path):
    proc = _run(tmp_path, None)
    assert proc.returncode == 1 and "DC101 Dense.weight" in proc.stdout and "DC005" not in proc.stdout, proc.stdout
