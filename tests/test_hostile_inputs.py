"""Hostile and odd inputs (issue 11, items 6-9): each test is the attack, and the run survives it.

* The cache: cached == cold (a base-class module created later, sys.path, versions), internal errors never
  cached, crafted entries ignored, the cache directory private, no cache (with a message) without a home.
* One odd file never aborts the run: non-UTF-8 names, dangling and looping symlinks, a file deleted after
  discovery, 1,100 nested folders, paths over 4,096 characters, FIFOs named ``*.py``: each is a DC002 on
  that entry and the other files' findings are still reported.
* Pool workers die with the parent, even when it is killed with SIGKILL.
* Rules files, baselines and ``@file`` lists: malformed ones are usage errors naming the file and the entry;
  FIFOs and devices are never read (no hang, no memory exhaustion); a full disk leaves no ``.tmp`` behind.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from doccheck import cache as cache_module
from doccheck import cli, safeio

REPO = Path(__file__).resolve().parent.parent

WRONG = '''\
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


def findings_of(capsys, *args) -> tuple[int, list[dict], str]:
    status = cli.main([*args, "--format", "json"])
    out, err = capsys.readouterr()
    return status, json.loads(out), err


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A folder with one file whose docstring is wrong (DC101): the finding that must survive every attack."""
    monkeypatch.setenv("DOCCHECK_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "good.py").write_text(WRONG.format(name="Wrong"))
    return folder


def codes(findings, folder: Path | None = None) -> set[tuple[str, str]]:
    """(file name, code) of every place reported, a copy listed in another finding's `duplicates` included."""
    return {(Path(place["path"]).name, f["code"]) for f in findings for place in [f, *f.get("duplicates", [])]}


# ---------------------------------------------------------------------------- item 6: the cache


CHILD = '''\
from pkg.base import Base


class Child(Base):
    r"""A child.

    Attributes:
        weight: initialized to ones.
    """
'''
BASE = '''\
import torch
from torch import nn
from torch.nn import init


class Base(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, n))
        init.zeros_(self.weight)
'''


def test_a_base_class_module_created_later_invalidates_the_cached_result(tmp_path, monkeypatch, capsys):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "child.py").write_text(CHILD)
    monkeypatch.setenv("DOCCHECK_CACHE_DIR", str(tmp_path / "cache"))
    status, first, _ = findings_of(capsys, str(package / "child.py"))
    assert not any(f["code"] == "DC101" for f in first)  # the base class is not there: nothing proven wrong
    (package / "base.py").write_text(BASE)  # looked for in the first run, and not found
    status, cached, _ = findings_of(capsys, str(package / "child.py"))
    _, cold, _ = findings_of(capsys, str(package / "child.py"), "--no-cache")
    assert cached == cold
    assert any(f["code"] == "DC101" and f["object"] == "Child.weight" for f in cached), cached


def test_the_fingerprint_covers_sys_path_python_and_library_versions(monkeypatch):
    rules = [str(p) for p in sorted((REPO / "rules").glob("*.toml"))]
    before = cache_module.fingerprint("config", rules, ["/root"])
    monkeypatch.setattr(sys, "path", [*sys.path, "/elsewhere"])  # what PYTHONPATH does
    assert cache_module.fingerprint("config", rules, ["/root"]) != before
    monkeypatch.undo()
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    assert cache_module.fingerprint("config", rules, ["/root"]) != before
    monkeypatch.undo()
    assert cache_module.fingerprint("config", rules, ["/other-root"]) != before
    from importlib.metadata import version

    libraries = cache_module._libraries()
    for name in ("libcst", "docutils", "sympy"):  # the installed versions, read without importing them
        assert f"{name}-{version(name)}.dist-info" in libraries, libraries
    monkeypatch.setattr(cache_module, "_libraries", lambda: libraries.replace(version("libcst"), "0.0.1"))
    assert cache_module.fingerprint("config", rules, ["/root"]) != before


def test_an_internal_error_is_never_cached(tree, monkeypatch, capsys):
    from doccheck import parse

    original = parse.load_module

    def crash(path, *args, **kwargs):
        raise RuntimeError("a one-off crash")

    monkeypatch.setattr(parse, "load_module", crash)
    _, crashed, _ = findings_of(capsys, str(tree))
    assert codes(crashed) == {("good.py", "DC000")}
    monkeypatch.setattr(parse, "load_module", original)
    _, again, _ = findings_of(capsys, str(tree))
    assert codes(again) == {("good.py", "DC101")}


def _entries(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.rglob("*.json"))


def test_crafted_cache_entries_are_ignored(tree, tmp_path, capsys):
    cache_dir = tmp_path / "cache"
    _, honest, _ = findings_of(capsys, str(tree))
    [entry_file] = _entries(cache_dir)
    entry = json.loads(entry_file.read_text())
    good = str(tree / "good.py")
    assert entry["path"] == os.path.abspath(good) and entry["deps"][entry["path"]]
    forged_finding = dict(entry["findings"][0], message="forged", code="DC101")

    def attempt(mutate) -> list[dict]:
        forged = json.loads(json.dumps(entry))
        mutate(forged)
        entry_file.write_text(json.dumps(forged))
        _, result, _ = findings_of(capsys, str(tree))
        return result

    cases = {
        "a finding on /etc/shadow": lambda e: e["findings"].append(dict(forged_finding, path="/etc/shadow")),
        "hidden findings, hash of other content": lambda e: (e["findings"].clear(),
                                                             e["deps"].update({e["path"]: "0" * 64})),
        "injected finding, hash of other content": lambda e: (e["findings"].append(forged_finding),
                                                              e["deps"].update({e["path"]: "0" * 64})),
        "an entry for another path": lambda e: (e.update(path="/etc/shadow"), e["findings"].append(forged_finding)),
        "an entry of another fingerprint": lambda e: (e.update(key="0" * 32), e["findings"].append(forged_finding)),
        "a related position in a file never read": lambda e: e["findings"].append(
            dict(forged_finding, related=[["/etc/shadow", 1, 1]])),
        "a cached internal error": lambda e: e["findings"].append(dict(forged_finding, code="DC000")),
        "a mistyped field": lambda e: e["findings"].append(dict(forged_finding, line="1")),
    }
    for label, mutate in cases.items():
        result = attempt(mutate)
        assert result == honest, label
        assert all(f["message"] != "forged" and f["path"] != "/etc/shadow" for f in result), label
    # with the hash right and the findings on the file itself, the entry is believed: the directory must be trusted
    assert "must be trusted" in (REPO / "README.md").read_text()


def test_the_cache_directory_is_created_private(tree, tmp_path, capsys):
    findings_of(capsys, str(tree))
    for folder in [tmp_path / "cache", *(p for p in (tmp_path / "cache").rglob("*") if p.is_dir())]:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for entry in _entries(tmp_path / "cache"):
        assert stat.S_IMODE(entry.stat().st_mode) & 0o077 == 0, entry


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_a_cache_directory_of_another_user_is_not_used(tree, tmp_path, capsys):
    version_dir = tmp_path / "cache" / f"v{cache_module.__version__}"
    version_dir.mkdir(parents=True)
    os.chown(version_dir, 12345, 12345)
    status, result, err = findings_of(capsys, str(tree))
    assert codes(result) == {("good.py", "DC101")}
    assert not _entries(tmp_path / "cache")


def test_no_home_and_no_passwd_entry_runs_without_a_cache_and_says_so(tree, monkeypatch, capsys):
    import pwd

    for name in ("HOME", "XDG_CACHE_HOME", "DOCCHECK_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)

    def unknown(uid):
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.setattr(pwd, "getpwuid", unknown)
    status, result, err = findings_of(capsys, str(tree))
    assert status == 1 and codes(result) == {("good.py", "DC101")}
    assert "no cache: HOME is not set" in err and "DOCCHECK_CACHE_DIR" in err


# ---------------------------------------------------------------------------- item 7: one odd file


def test_a_file_name_that_is_not_utf8(tree, capsys, monkeypatch):
    odd = os.fsdecode(b"b\xff.py")
    (tree / odd).write_text(WRONG.format(name="Odd"))
    for attempt in ("cold", "cached"):
        status, result, _ = findings_of(capsys, str(tree))
        assert status == 1 and codes(result) == {("good.py", "DC101"), (odd, "DC101")}, attempt
    # a strict UTF-8 stdout (PYTHONIOENCODING=utf-8) shows the byte escaped instead of failing
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "doccheck", str(tree)], capture_output=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert b"b\\udcff.py:10:34: DC101" in proc.stdout and b"good.py:10:34: DC101" in proc.stdout


@pytest.mark.parametrize("kind", ["dangling", "self-loop"])
def test_broken_symlinks_are_findings(tree, capsys, kind):
    link = tree / "link.py"
    os.symlink("/nonexistent/nothing.py" if kind == "dangling" else "link.py", link)
    for args in ([str(tree)], [str(link), str(tree / "good.py")]):  # found in a folder, and named explicitly
        status, result, _ = findings_of(capsys, *args)
        assert status == 1 and codes(result) == {("good.py", "DC101"), ("link.py", "DC002")}
        [broken] = [f for f in result if f["code"] == "DC002"]
        assert "symbolic link" in broken["message"]


def test_a_file_deleted_between_discovery_and_reading(tree, capsys, monkeypatch):
    from doccheck import discover as discover_module

    (tree / "gone.py").write_text(WRONG.format(name="Gone"))
    original = discover_module.discover

    def discover_then_delete(*args, **kwargs):
        found = original(*args, **kwargs)
        (tree / "gone.py").unlink()
        return found

    monkeypatch.setattr(discover_module, "discover", discover_then_delete)
    status, result, _ = findings_of(capsys, str(tree))
    assert status == 1 and codes(result) == {("good.py", "DC101"), ("gone.py", "DC002")}
    assert "No such file" in next(f["message"] for f in result if f["code"] == "DC002")


def test_1100_nested_folders(tree, capsys):
    folder = tree
    for _ in range(1100):  # os.makedirs itself recurses per level
        folder = folder / "d"
        folder.mkdir()
    (folder / "deep.py").write_text(WRONG.format(name="Deep"))
    try:
        status, result, _ = findings_of(capsys, str(tree))
        assert status == 1 and codes(result) == {("good.py", "DC101"), ("deep.py", "DC101")}
    finally:  # bottom-up: pytest's own clean-up (shutil.rmtree) recurses per level
        (folder / "deep.py").unlink()
        while folder != tree:
            folder.rmdir()
            folder = folder.parent


def _long_folder(base: Path) -> Path:
    """A folder whose path is longer than 4,096 characters (made step by step, as no single call may name it)."""
    name = "x" * 200
    here = os.getcwd()
    try:
        os.chdir(base)
        for _ in range(22):
            os.mkdir(name)
            os.chdir(name)
        Path("long.py").write_text(WRONG.format(name="Long"))
    finally:
        os.chdir(here)
    return base.joinpath(*[name] * 22)


def test_paths_over_4096_characters_are_reported(tree, capsys):
    folder = _long_folder(tree)
    assert len(str(folder / "long.py")) > 4096
    status, result, _ = findings_of(capsys, str(tree))
    assert status == 1 and ("good.py", "DC101") in codes(result)
    [too_long] = [f for f in result if f["code"] == "DC002"]  # the first folder that cannot be listed
    assert "more than the system allows" in too_long["message"] and len(too_long["path"]) > 4096
    status, result, _ = findings_of(capsys, str(folder / "long.py"), str(tree / "good.py"))  # named explicitly
    assert status == 1 and codes(result) == {("good.py", "DC101"), ("long.py", "DC002")}


@pytest.mark.parametrize("named", [False, True])
def test_a_fifo_named_py_is_reported_and_never_opened_blocking(tree, tmp_path, named):
    os.mkfifo(tree / "pipe.py")
    args = [str(tree / "pipe.py"), str(tree / "good.py")] if named else [str(tree)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "DOCCHECK_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "doccheck", "--format", "json", *args], capture_output=True,
                          text=True, env=env, timeout=120)  # a blocking open would hang until the timeout
    result = json.loads(proc.stdout)
    assert proc.returncode == 1 and codes(result) == {("good.py", "DC101"), ("pipe.py", "DC002")}, proc.stderr
    assert "FIFO" in next(f["message"] for f in result if f["code"] == "DC002")


def test_a_device_named_on_the_command_line_is_reported(tree, capsys):
    status, result, _ = findings_of(capsys, "/dev/null", str(tree / "good.py"))
    assert status == 1 and codes(result) == {("good.py", "DC101"), ("null", "DC002")}
    assert "character device" in next(f["message"] for f in result if f["code"] == "DC002")


# ---------------------------------------------------------------------------- item 8: workers die with the parent


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killing_only_the_parent_leaves_no_worker_alive(tmp_path, sig):
    torch = pytest.importorskip("torch")
    tree = Path(torch.__file__).parent / "nn" / "modules"  # 28 files, seconds of work: the workers are busy
    env = {**os.environ, "PYTHONPATH": str(REPO), "DOCCHECK_CACHE_DIR": str(tmp_path / "cache")}
    parent = subprocess.Popen([sys.executable, "-m", "doccheck", "--no-cache", "--jobs", "2", "--select", "ALL",
                               str(tree)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and parent.poll() is None:
            time.sleep(0.05)
            workers = _children(parent.pid)
        assert len(workers) >= 2, "the pool never started"
        time.sleep(0.3)  # the workers are in their initializer or analysing
        os.kill(parent.pid, sig)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 5
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "workers outlived their parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        for worker in workers | _children(parent.pid):  # never leave one behind, even when the test fails
            if _alive(worker):
                os.kill(worker, signal.SIGKILL)


# ---------------------------------------------------------------------------- item 9: rules, baselines, @files

RULE = '''\
[[initializer]]
names = ["mylib.fill"]
signature = "tensor"
target = "tensor"
'''


@pytest.mark.parametrize("body, message", [
    ('framework = "torch"\n', "[framework] must be a table"),
    ("initializer = { names = 1 }\n", "initializer must be an array of tables"),
    ("[gain]\nrelu = [1]\n", "[gain]: relu must be a string"),
    ("[symbols]\nC = 1\n", "[symbols]: every value must be a string"),
    (RULE + 'let = ["x = = 1"]\ninit = { family = "normal", mean = "0", std = "1" }\n',
     "[[initializer]] ['mylib.fill']: 'let' entry 'x = = 1' is not valid Python"),
    (RULE + 'init = { family = "normal", mean = "0", std = "' + "(" * 1500 + "1" + ")" * 1500 + '" }\n',
     "[[initializer]] ['mylib.fill']: init.std"),
    (RULE + 'init = { family = "normal", mean = "0", std = "' + "-" * 1500 + '1" }\n',
     "[[initializer]] ['mylib.fill']: init.std '------"),
    (RULE + 'init = { family = "normal", mean = "0", std = "' + "(" * 60 + "1" + ")" * 60 + '" }\n',
     "is nested more than 50 deep"),
    (RULE + 'init = { family = "normal", mean = "0", std = "1 +" }\n', "init.std '1 +' is not valid Python"),
    (RULE.replace('"tensor"\ntarget', '"tensor, = 1"\ntarget'), "'signature'"),
])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_bad_rules_file_is_a_usage_error_naming_the_file_and_entry(tree, tmp_path, capsys, body, message, jobs):
    rules = tmp_path / "bad_rules.toml"
    rules.write_text(body)
    (tree / "other.py").write_text(WRONG.format(name="Other"))  # two files: two workers with --jobs 2
    status = cli.main([str(tree), "--rules", str(rules), "--no-cache", "--jobs", jobs])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert "bad_rules.toml" in err and message in err, err
    assert "internal error" not in err and "Traceback" not in err


def test_the_shipped_rules_pass_the_validation():
    from doccheck import knowledge

    loaded = knowledge._load.__wrapped__((), ())
    assert "torch.nn.init.kaiming_uniform_" in loaded.calls


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_a_baseline_or_path_list_that_is_not_a_regular_file(tree, tmp_path, special):
    source = "/dev/zero"
    if special == "fifo":
        source = str(tmp_path / "pipe")
        os.mkfifo(source)
    env = {**os.environ, "PYTHONPATH": str(REPO), "DOCCHECK_CACHE_DIR": str(tmp_path / "cache")}
    for args in (["--baseline", source, str(tree)], [f"@{source}"]):
        proc = subprocess.run([sys.executable, "-m", "doccheck", *args], capture_output=True, text=True, env=env,
                              timeout=60)  # a FIFO would hang, /dev/zero would eat memory
        assert proc.returncode == 2, (args, proc.stderr)
        assert "not a regular file" in proc.stderr and "internal error" not in proc.stderr


def test_an_oversized_baseline_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from doccheck import baseline

    big = tmp_path / "baseline.json"
    big.write_text('{"doccheck-baseline": 1, "findings": {}}' + " " * 2000)
    monkeypatch.setattr(baseline, "MAX_BASELINE_BYTES", 1000)
    with pytest.raises(baseline.BaselineError, match="too large"):
        baseline.Baseline(big)


def test_a_path_list_that_is_not_utf8_is_a_usage_error(tree, tmp_path, capsys):
    listing = tmp_path / "paths.txt"
    listing.write_bytes(str(tree / "good.py").encode() + b"\n\xff\xfe.py\n")
    status = cli.main([f"@{listing}"])
    out, err = capsys.readouterr()
    assert status == 2 and "not UTF-8" in err and "internal error" not in err


def test_a_name_with_a_line_separator_in_a_path_list_is_one_name(tree, tmp_path, capsys):
    odd = tree / "a\u2028b.py"
    odd.write_text(WRONG.format(name="Odd"))
    listing = tmp_path / "paths.txt"
    listing.write_text(f"{odd}\r\n{tree / 'good.py'}\n", encoding="utf-8")
    status, result, err = findings_of(capsys, f"@{listing}")
    assert status == 1 and codes(result) == {("good.py", "DC101"), ("a\u2028b.py", "DC101")}, err


def _full_disk(monkeypatch):
    """Every write through safeio fails as on a full disk, after the temporary file was created."""
    real_fdopen = os.fdopen

    class FullFile:
        def __init__(self, fd, mode):
            self.handle = real_fdopen(fd, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def fileno(self):
            return self.handle.fileno()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safeio.os, "fdopen", FullFile)


def test_a_full_disk_leaves_no_temporary_files(tree, tmp_path, monkeypatch, capsys):
    baseline_file = tmp_path / "baseline.json"
    cli.main([str(tree), "--write-baseline", str(baseline_file), "--no-cache"])
    capsys.readouterr()
    before = baseline_file.read_bytes()
    _full_disk(monkeypatch)
    status = cli.main([str(tree), "--write-baseline", str(baseline_file), "--no-cache"])
    _, err = capsys.readouterr()
    assert status == 2 and "No space left on device" in err and "internal error" not in err
    assert baseline_file.read_bytes() == before  # the old baseline is intact
    status, result, _ = findings_of(capsys, str(tree))  # the cache cannot be written either: still the findings
    assert status == 1 and codes(result) == {("good.py", "DC101")}
    monkeypatch.undo()
    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    assert not _entries(tmp_path / "cache")


def test_read_regular_bounds_and_refuses(tmp_path):
    small = tmp_path / "small"
    small.write_bytes(b"12345")
    assert safeio.read_regular(small, 5) == b"12345"
    with pytest.raises(OSError, match="too large"):
        safeio.read_regular(small, 4)
    with pytest.raises(OSError, match="not a regular file: a folder"):
        safeio.read_regular(tmp_path)
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(OSError, match="FIFO"):
        safeio.read_regular(tmp_path / "pipe")  # returns at once: opened non-blocking
    with pytest.raises(OSError, match="character device"):
        safeio.read_regular("/dev/zero")
    digest = hashlib.sha256(b"12345").hexdigest()
    assert cache_module.file_hash(str(small), {}) == digest and cache_module.file_hash("/dev/zero", {}) is None
