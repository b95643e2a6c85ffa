"""Findings do not depend on how they were computed: cache or not, one worker or two."""

import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

MODULES = Path(torch.__file__).parent / "nn" / "modules"
REPO = Path(__file__).resolve().parent.parent


def doccheck(*args, cache_dir):
    env = {"PATH": "/usr/bin:/bin", "DOCCHECK_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(REPO), "HOME": "/tmp"}
    return subprocess.run([sys.executable, "-m", "doccheck", "--select", "ALL", "--format", "json", *args],
                          capture_output=True, env=env, check=False)


def test_output_is_byte_identical_with_and_without_cache_and_with_one_or_two_workers(tmp_path):
    runs = {
        "1 worker, no cache": doccheck("--jobs", "1", "--no-cache", str(MODULES), cache_dir=tmp_path / "a"),
        "2 workers, filling the cache": doccheck("--jobs", "2", str(MODULES), cache_dir=tmp_path / "b"),
        "2 workers, from the cache": doccheck("--jobs", "2", str(MODULES), cache_dir=tmp_path / "b"),
        "1 worker, from the cache": doccheck("--jobs", "1", str(MODULES), cache_dir=tmp_path / "b"),
    }
    first = runs["1 worker, no cache"]
    assert first.returncode == 1 and b"SyncBatchNorm.weight" in first.stdout, first.stderr[-2000:]
    for label, proc in runs.items():
        assert proc.stdout == first.stdout, label
    assert any((tmp_path / "b").rglob("*.json"))


def test_an_edited_base_class_invalidates_its_subclasses_cached_results(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text(
        "import torch\nfrom torch import nn\nfrom torch.nn import init\n\n\n"
        "class Base(nn.Module):\n    def __init__(self, n):\n        super().__init__()\n"
        "        self.weight = nn.Parameter(torch.empty(n, n))\n        self.reset_parameters()\n\n"
        "    def reset_parameters(self):\n        init.ones_(self.weight)\n")
    (package / "child.py").write_text(
        "from pkg.base import Base\n\n\nclass Child(Base):\n    r\"\"\"A child.\n\n    Attributes:\n"
        "        weight: initialized to ones.\n    \"\"\"\n")
    cache = tmp_path / "cache"
    assert doccheck(str(package / "child.py"), cache_dir=cache).returncode == 0
    (package / "base.py").write_text((package / "base.py").read_text().replace("init.ones_", "init.zeros_"))
    again = doccheck(str(package / "child.py"), cache_dir=cache)
    assert again.returncode == 1 and b"Child.weight" in again.stdout
