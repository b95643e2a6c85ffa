"""Layout independence: a copy of a framework package gives the framework's results.

A vendored or partial copy of torch/nn (no torch/__init__.py above it) is named as
the framework's package (`torch.nn.modules.rnn`), so the framework's rules apply
to it exactly as to the installed tree; an unrelated package that happens to be
called `nn` keeps its own names.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from doccheck.discover import Mount, framework_copy, module_name  # noqa: E402
from doccheck.engine import Config, run  # noqa: E402

NN = Path(torch.__file__).parent / "nn"
CODES = ("DC101", "DC401", "DC201")


def _keyed(findings, base: Path) -> set[tuple]:
    """Findings by what they say, with the file relative to the checked tree (the tree's location drops out)."""
    out = set()
    for f in findings:
        rel = Path(f.path).resolve().relative_to(base.resolve()).as_posix()
        out.add((f.code, f.object, rel, f.line, f.message))
    return out


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture(scope="module")
def installed():
    return run([str(NN)], Config(select=CODES, cache=False))


def test_a_full_copy_of_torch_nn_gives_exactly_the_installed_findings(installed, tmp_path_factory):
    copy = _copy(NN, tmp_path_factory.mktemp("vendored") / "nn")
    copied = run([str(copy)], Config(select=CODES, cache=False))
    assert _keyed(copied.findings, copy) == _keyed(installed.findings, NN)
    # without the mount, RNN/LSTM/GRU and the cells were "never written" (15 false DC101s)
    assert not [f for f in copied.findings if f.code == "DC101" and "never written" in f.message]
    assert module_name(copy / "modules" / "rnn.py") == ("torch.nn.modules.rnn", Mount("torch.nn", str(copy)))


def test_a_partial_copy_of_nn_modules_gives_the_installed_findings_of_those_files(installed, tmp_path_factory):
    copy = _copy(NN / "modules", tmp_path_factory.mktemp("partial") / "modules")
    copied = run([str(copy)], Config(select=CODES, cache=False))
    expected = {k for k in _keyed(installed.findings, NN / "..") if k[2].startswith("nn/modules/")}
    assert {(c, o, "nn/modules/" + r, line, m) for c, o, r, line, m in _keyed(copied.findings, copy)} == expected
    assert module_name(copy / "linear.py")[0] == "torch.nn.modules.linear"


def test_a_copy_inside_a_user_package_is_named_as_the_framework(tmp_path):
    vendored = tmp_path / "myproj" / "third_party"
    vendored.mkdir(parents=True)
    (tmp_path / "myproj" / "__init__.py").write_text("")
    (vendored / "__init__.py").write_text("")
    _copy(NN / "modules", vendored / "modules")
    qualname, root = module_name(vendored / "modules" / "conv.py")
    assert qualname == "torch.nn.modules.conv" and isinstance(root, Mount)


def test_a_user_package_called_nn_keeps_its_own_names(tmp_path):
    pkg = tmp_path / "nn"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    # same file names as torch/nn, different contents: not a copy
    (pkg / "functional.py").write_text("def my_relu(x):\n    return x\n\n\ndef my_gelu(x):\n    return x\n")
    (pkg / "init.py").write_text("def my_init_(t):\n    return t\n")
    assert framework_copy(str(pkg)) is None
    assert module_name(pkg / "functional.py") == ("nn.functional", tmp_path.resolve())


def test_a_user_package_with_files_torch_lacks_is_not_a_copy(tmp_path):
    pkg = tmp_path / "modules"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name in ("mine.py", "yours.py", "theirs.py"):
        (pkg / name).write_text("class Dense:\n    pass\n")
    shutil.copy(NN / "modules" / "linear.py", pkg / "linear.py")
    assert framework_copy(str(pkg)) is None


def test_the_installed_framework_is_not_a_copy_of_itself():
    assert framework_copy(str(NN)) is None
    assert module_name(NN / "modules" / "rnn.py")[0] == "torch.nn.modules.rnn"
