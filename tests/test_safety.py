"""Safety and isolation: doccheck never runs the code it checks, never writes into it, never crashes on it.

* Isolation: an internal error in one stage for one file becomes a DC000 finding on that file (stage and a
  one-line reason; the traceback only with ``--debug``); the other files are still checked and the exit
  status says "findings" (1).  Usage errors exit 2 with a one-line message and no traceback.
* Static mode never imports or executes analysed code: a package whose import, class creation (class body,
  metaclass, ``__init_subclass__``, decorator) or constructor would write a marker file is analysed through
  the CLI in a subprocess — deeply enough to follow its base class and its init helper — and no marker
  appears and ``sys.modules`` gains none of its modules (nor torch, which it imports).
* Nothing is written into the analysed tree: a read-only copy (``chmod -R a-w``; root ignores permissions,
  so a full listing with modes, sizes, mtimes and content hashes is compared before and after) is checked
  with and without the cache, in every output format, and from inside the tree as the working directory.
* Deterministic output: runs in separate processes with different hash seeds, with and without the cache,
  give byte-identical text and JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from doccheck import cli

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "DOCCHECK_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(extra)
    return env


def doccheck(args: list[str], env: dict, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "doccheck", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=timeout)


# ---------------------------------------------------------------------------- isolation

LAYER = '''\
import torch
from torch import nn
from torch.nn import init


class {name}(nn.Module):
    r"""A layer.

    Attributes:
        weight: initialized from :math:`\\mathcal{{N}}(0, 1)`
    """

    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, n))
        init.uniform_(self.weight, -1, 1)
'''


@pytest.fixture
def three_files(tmp_path):
    folder = tmp_path / "lib"
    folder.mkdir()
    for name in ("alpha", "beta", "gamma"):
        (folder / f"{name}.py").write_text(LAYER.format(name=name.capitalize()))
    return folder


def _places(findings: list[dict]) -> set[tuple[str, str]]:
    """(file name, code) of every place reported, a copy listed in another finding's `duplicates` included."""
    return {(Path(place["path"]).name, f["code"]) for f in findings for place in [f, *f.get("duplicates", [])]}


def _file_of(value) -> str:
    """The analysed file an argument stands for: a path, a ModuleInfo (.path) or a Definition (.module.path)."""
    if isinstance(value, (str, Path)):
        return str(value)
    if isinstance(getattr(value, "path", None), str):
        return value.path
    return _file_of(value.module) if hasattr(value, "module") else ""


def _raise_for(name: str, original):
    def replacement(*args, **kwargs):
        if any(Path(_file_of(a)).name == f"{name}.py" for a in args):
            raise RuntimeError(f"injected failure\nwith a second line for {name}")
        return original(*args, **kwargs)

    return replacement


STAGES = {
    # stage name in the message -> (module, attribute) whose failure for beta.py is injected
    "parser": ("doccheck.parse", "load_module"),
    "doc model": ("doccheck.docmodel.docsource", "class_docstring"),
    "code model": ("doccheck.codemodel.classes", "evaluate_class"),
}


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_internal_error_in_one_file_is_a_finding_and_the_others_are_checked(three_files, monkeypatch, capsys,
                                                                           stage):
    import importlib

    module_name, attribute = STAGES[stage]
    module = importlib.import_module(module_name)
    monkeypatch.setattr(module, attribute, _raise_for("beta", getattr(module, attribute)))
    status = cli.main([str(three_files), "--format", "json", "--no-cache"])
    out, err = capsys.readouterr()
    findings = json.loads(out)
    assert _places(findings) == {("alpha.py", "DC101"), ("beta.py", "DC000"), ("gamma.py", "DC101")}, findings
    internal = next(f for f in findings if f["code"] == "DC000")
    assert internal["message"] == f"internal error in the {stage}: RuntimeError: injected failure"
    assert status == 1  # findings, not a crash
    assert "Traceback" not in err


def test_internal_error_in_the_comparison(three_files, monkeypatch, capsys):
    import doccheck.compare

    def judge(code, claims, knowledge):
        if "Beta" in code.name:
            raise ZeroDivisionError("injected")
        return original(code, claims, knowledge)

    original = doccheck.compare.judge
    monkeypatch.setattr(doccheck.compare, "judge", judge)
    # each file its own finding: this is about isolation, not about folding copies of one docstring
    assert cli.main([str(three_files), "--format", "json", "--no-cache", "--no-group-copies"]) == 1
    findings = json.loads(capsys.readouterr().out)
    assert [(Path(f["path"]).name, f["code"], f["line"]) for f in findings] == [
        ("alpha.py", "DC101", 10), ("beta.py", "DC000", 6), ("gamma.py", "DC101", 10)]
    assert findings[1]["message"] == "internal error in the comparison: ZeroDivisionError: injected"


def test_debug_shows_the_traceback_of_an_internal_error(three_files, monkeypatch, capsys):
    import doccheck.codemodel.classes as classes

    monkeypatch.setattr(classes, "evaluate_class", _raise_for("beta", classes.evaluate_class))
    assert cli.main([str(three_files), "--no-cache", "--debug"]) == 1
    out, err = capsys.readouterr()
    assert "DC000" in out and "Traceback" in err and "injected failure" in err


USAGE_ERRORS = {
    "missing path": (["/no/such/path/anywhere"], "no such file"),
    "unknown option": (["--no-such-option", "."], "unrecognized arguments"),
    "bad format": (["--format", "yaml", "."], "invalid choice"),
    "bad rules file": (["--rules", "{bad_rules}", "."], "bad_rules.toml"),
    "missing rules file": (["--rules", "/no/such/rules.toml", "."], "rules.toml"),
    "bad config": (["--config", "{bad_config}", "."], "pyproject.toml"),
    "missing config": (["--config", "/no/such/pyproject.toml", "."], "pyproject.toml"),
    "missing path list": (["@/no/such/list.txt"], "list.txt"),
    "explain: no such target": (["explain", "no_such_module_anywhere.Layer"], "no_such_module_anywhere"),
}


@pytest.mark.parametrize("case", sorted(USAGE_ERRORS))
def test_usage_errors_exit_2_with_a_message_and_no_traceback(tmp_path, case):
    args, expected = USAGE_ERRORS[case]
    bad_rules = tmp_path / "bad_rules.toml"
    bad_rules.write_text("[[initializer]]\nnames = 3\n")
    bad_config = tmp_path / "elsewhere" / "pyproject.toml"  # not in the working directory: only --config reads it
    bad_config.parent.mkdir()
    bad_config.write_text("[tool.doccheck]\nselect = 3\n")
    (tmp_path / "layer.py").write_text(LAYER.format(name="Layer"))  # something to check, so rules are needed
    args = [a.format(bad_rules=bad_rules, bad_config=bad_config) for a in args]
    proc = doccheck(args, env_for(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert proc.stderr.strip().splitlines()[-1].startswith(("doccheck: error:", "doccheck explain: error:"))


# ---------------------------------------------------------------------------- never imports or executes

def write_evil_package(root: Path, markers: Path) -> Path:
    """A package every part of which writes a marker file when Python imports or runs it."""
    markers.mkdir(parents=True, exist_ok=True)

    def mark(what: str) -> str:
        return f"open({str(markers / what)!r}, 'w').write('executed')"

    package = root / "evilpkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f"{mark('package-init')}\n")
    (package / "helpers.py").write_text(textwrap.dedent(f"""\
        from torch.nn import init
        {mark('helpers-module')}


        def fill(tensor):
            {mark('helper-called')}
            init.normal_(tensor, 0.0, 0.02)


        def register(cls):
            {mark('decorator')}
            return cls
        """))
    (package / "base.py").write_text(textwrap.dedent(f"""\
        from torch import nn
        {mark('base-module')}


        class Meta(type(nn.Module)):
            def __new__(mcls, name, bases, namespace, **kwargs):
                {mark('metaclass')}
                return super().__new__(mcls, name, bases, namespace, **kwargs)


        class Base(nn.Module, metaclass=Meta):
            {mark('base-class-body')}

            def __init_subclass__(cls, **kwargs):
                {mark('init-subclass')}
                super().__init_subclass__(**kwargs)

            def __init__(self):
                super().__init__()
                {mark('base-constructor')}
        """))
    (package / "layers.py").write_text(textwrap.dedent(f'''\
        import torch
        from torch import nn

        from .base import Base
        from .helpers import fill, register

        {mark('layers-module')}
        __import__("os").system({"touch " + str(markers / "os-system")!r})


        @register
        class Evil(Base):
            r"""A layer whose every part has a side effect.

            Attributes:
                weight: initialized from :math:`\\mathcal{{N}}(0, 1)`
            """

            {mark('class-body')}
            exec({mark('exec-in-class-body')!r})

            def __init__(self, n):
                super().__init__()
                {mark('constructor')}
                self.weight = nn.Parameter(torch.empty(n, n))
                fill(self.weight)
        '''))
    return package


def test_static_mode_never_imports_or_executes_the_analysed_code(tmp_path):
    markers = tmp_path / "markers"
    package = write_evil_package(tmp_path / "src", markers)
    runner = tmp_path / "runner.py"
    runner.write_text(textwrap.dedent("""\
        import json, sys
        before = set(sys.modules)
        from doccheck import cli
        statuses = [cli.main(args) for args in json.loads(sys.argv[1])]
        gained = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in ("evilpkg", "torch"))
        print("RESULT", json.dumps({"statuses": statuses, "gained": gained}))
        """))
    runs = [
        [str(package), "--select", "ALL", "--no-cache", "--format", "json"],  # a folder
        ["evilpkg", "--select", "ALL", "--no-cache"],  # a dotted name, resolved on sys.path without importing
        ["evilpkg.layers", "--select", "ALL"],  # cached
        ["evilpkg.layers", "--select", "ALL"],
        ["explain", f"{package / 'layers.py'}::Evil"],
        ["explain", "evilpkg.layers.Evil"],
    ]
    env = env_for(tmp_path, PYTHONPATH=os.pathsep.join([str(REPO), str(tmp_path / "src")]))
    proc = subprocess.run([sys.executable, str(runner), json.dumps(runs)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.rsplit("RESULT", 1)[1])
    assert result["gained"] == [], "analysed modules were imported"
    assert list(markers.iterdir()) == [], "analysed code was executed"
    # explain exits 1 too: the class has the finding `doccheck check` reports
    assert result["statuses"] == [1, 1, 1, 1, 1, 1], result
    # ... and the analysis did reach through the base class and the helper: the helper's N(0, 0.02²) is found
    findings = json.loads(proc.stdout.split("RESULT")[0].split("\n]\n")[0] + "\n]")
    assert [(f["code"], f["object"]) for f in findings] == [("DC101", "Evil.weight")], findings
    assert "0.02" in findings[0]["message"] or "1/50" in findings[0]["message"]
    assert not list((tmp_path / "src").rglob("__pycache__"))


# ---------------------------------------------------------------------------- never writes into the tree

def snapshot(root: Path) -> dict[str, tuple]:
    """Everything observable about a tree: every entry's type, mode, size, mtime and content hash."""
    entries = {}
    for path in sorted([root, *root.rglob("*")]):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(info.st_mode) else None
        entries[str(path.relative_to(root))] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), info.st_size,
                                                info.st_mtime_ns, digest)
    return entries


def make_read_only(root: Path) -> None:
    for path in sorted([root, *root.rglob("*")], reverse=True):  # children first: the folders stay traversable
        mode = stat.S_IMODE(path.lstat().st_mode)
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def test_a_read_only_tree_is_checked_and_left_exactly_as_it_was(tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES, tree / "fixtures", ignore=shutil.ignore_patterns("__pycache__"))
    write_evil_package(tree, tmp_path / "markers")
    make_read_only(tree)
    before = snapshot(tree)
    env = env_for(tmp_path, HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    outputs = []
    try:
        for args in (["--select", "ALL"], ["--select", "ALL"], ["--select", "ALL", "--no-cache", "--format", "json"],
                     ["--format", "sarif"], ["--format", "github"], ["--format", "lintrunner"],
                     ["--statistics", "--no-derivation"]):
            proc = doccheck(args, env, cwd=tree)  # no path: the working directory, which is the tree
            assert proc.returncode in (0, 1), proc.stderr[-2000:]
            assert '"DC000",' not in proc.stdout.replace('"id": "DC000",', "")  # SARIF lists every rule
            assert " DC000 " not in proc.stdout and "Traceback" not in proc.stderr
            outputs.append(proc.stdout)
        env_default_cache = {k: v for k, v in env.items() if k != "DOCCHECK_CACHE_DIR"}
        proc = doccheck(["fixtures", "evilpkg"], env_default_cache, cwd=tree)
        assert proc.returncode == 1, proc.stderr[-2000:]
        proc = doccheck(["explain", "fixtures/minilayers/dense.py::Dense"], env, cwd=tree)
        assert proc.returncode in (0, 1, 2) and "Traceback" not in proc.stderr
    finally:
        after = snapshot(tree)
        for path in sorted([tree, *tree.rglob("*")]):
            path.chmod(stat.S_IMODE(path.lstat().st_mode) | stat.S_IWUSR)
    assert after == before
    assert list((tmp_path / "markers").iterdir()) == []
    assert outputs[0] == outputs[1]  # cold and cached
    assert "DC101" in outputs[0] and "DC002" in outputs[0]
    # the cache went where it was told, never into the tree
    assert any((tmp_path / "cache").rglob("*.json")) and any((tmp_path / "xdg").rglob("*.json"))


# ---------------------------------------------------------------------------- deterministic output

@pytest.mark.parametrize("output", ["text", "json"])
def test_output_is_byte_identical_across_runs(tmp_path, output):
    write_evil_package(tmp_path / "src", tmp_path / "markers")
    targets = [str(FIXTURES / "minilayers"), str(FIXTURES / "broken"), str(tmp_path / "src" / "evilpkg")]
    runs = []
    for seed, cache in (("0", "--no-cache"), ("12345", None), ("777", None)):  # cold, filling the cache, cached
        args = ["--select", "ALL", "--format", output, *targets] + ([cache] if cache else [])
        proc = doccheck(args, env_for(tmp_path, PYTHONHASHSEED=seed))
        assert proc.returncode == 1, proc.stderr[-2000:]
        runs.append(proc.stdout.encode())
    assert runs[0] and all(run == runs[0] for run in runs[1:])


# ---------------------------------------------------------------------------- a damaged cache

DAMAGE = [
    lambda entry: "garbage{",
    lambda entry: "[1, 2, 3]",
    lambda entry: json.dumps({**entry, "deps": [1]}),
    lambda entry: json.dumps({**entry, "findings": [{"path": 1}]}),
    lambda entry: json.dumps({**entry, "findings": [{**entry["findings"][0], "related": [[1]]}]}
                             if entry["findings"] else {**entry, "findings": 7}),
    lambda entry: json.dumps({**entry, "classes": 5}),
    lambda entry: json.dumps({**entry, "classes": [["q", True]]}),
    lambda entry: json.dumps({k: v for k, v in entry.items() if k != "findings"}),
]


def test_a_damaged_cache_is_a_miss_never_a_crash(tmp_path):
    env = env_for(tmp_path)
    targets = [str(FIXTURES / "minilayers")]
    fresh = doccheck(targets + ["--no-cache"], env)
    assert fresh.returncode == 1 and doccheck(targets, env).stdout == fresh.stdout  # fills the cache
    entries = sorted((tmp_path / "cache").rglob("*.json"))
    assert len(entries) >= len(DAMAGE)
    for number, path in enumerate(entries):
        path.write_text(DAMAGE[number % len(DAMAGE)](json.loads(path.read_text())))
    damaged = doccheck(targets, env)
    assert (damaged.returncode, damaged.stdout) == (1, fresh.stdout), damaged.stderr[-2000:]
    assert doccheck(targets, env).stdout == fresh.stdout  # and the damaged entries were rewritten


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers inherit the injected crash only when forked")
def test_a_worker_killed_by_a_signal_costs_only_its_file(tmp_path, monkeypatch, capsys):
    # libcst's native parser (or an out-of-memory kill) can take a worker process down with a signal;
    # that must cost one file (a DC000), not the run
    import signal

    import doccheck.engine as engine

    folder = tmp_path / "lib"
    folder.mkdir()
    names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
    for name in names:
        (folder / f"{name}.py").write_text(LAYER.format(name=name.capitalize()))
    original = engine.check_file

    def check_file(path, *args, **kwargs):
        if Path(path).name == "gamma.py":
            os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would; SIGSEGV would be the same
        return original(path, *args, **kwargs)

    monkeypatch.setattr(engine, "check_file", check_file)  # forked workers inherit it
    monkeypatch.setattr(engine, "_jobs", lambda config, work: 2)
    status = cli.main([str(folder), "--format", "json", "--no-cache"])
    out, err = capsys.readouterr()
    assert status == 1, err
    findings = json.loads(out)
    assert _places(findings) == {(f"{name}.py", "DC000" if name == "gamma" else "DC101") for name in names}, findings
    crashed = next(f for f in findings if f["code"] == "DC000")
    assert "worker process" in crashed["message"]
