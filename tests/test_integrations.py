"""Each integration against the real tool: pre-commit, lintrunner and the official SARIF 2.1.0 schema.

* pre-commit: ``validate-manifest`` on ``.pre-commit-hooks.yaml``; ``pre-commit try-repo`` on a
  temporary git repository holding a small layer package; and a real ``git commit`` through
  the installed hook, which must be blocked by a wrong docstring and let through once it is
  fixed.  The hook repository is a committed copy of this checkout's working tree, so the
  tests do not depend on the caller's uncommitted state.  pre-commit builds the hook's
  virtualenv with pip; to stay offline and fast the environment lets that virtualenv see the
  packages already installed here (``VIRTUALENV_SYSTEM_SITE_PACKAGES``) and tells pip to use
  no index — doccheck itself is still built and installed into the hook's own environment,
  which is what the tests run.
* lintrunner: the ``[[linter]]`` entry of ``.lintrunner.toml.example``, run by lintrunner.
* SARIF: the log validates against ``tests/data/sarif-schema-2.1.0.json`` (the official schema).
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"

HELPERS = '''\
import math

from torch.nn import init


def bias_uniform_(bias, weight):
    fan_in = weight.shape[1]
    bound = 1 / math.sqrt(fan_in)
    init.uniform_(bias, -bound, bound)
'''

BASE = '''\
import math

import torch
from torch import nn
from torch.nn import init

from mylayers.helpers import bias_uniform_


class AffineBase(nn.Module):
    """Creates ``weight`` and ``bias``; ``reset_parameters`` fills them."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        bias_uniform_(self.bias, self.weight)
'''


def subclass(bias_k: str) -> str:
    """The subclass in its own file; its docstring is right only for bias_k == 'in'."""
    return f'''\
from mylayers.base import AffineBase


class Projection(AffineBase):
    r"""A learned projection.

    Attributes:
        weight: the learnable weights, initialized from
            :math:`\\mathcal{{U}}(-\\sqrt{{k}}, \\sqrt{{k}})` where :math:`k = \\frac{{1}}{{\\text{{in\\_features}}}}`
        bias: the learnable bias, initialized from
            :math:`\\mathcal{{U}}(-\\sqrt{{k}}, \\sqrt{{k}})` where :math:`k = \\frac{{1}}{{\\text{{{bias_k}\\_features}}}}`
    """
'''


BROKEN, FIXED = subclass("out"), subclass("in")
DC101_LINE = ("mylayers/layers.py:11:13: DC101 Projection.bias: documented U(-1/√out_features, 1/√out_features), "
              "but the code initializes U(-1/√in_features, 1/√in_features) (helpers.py:9)")


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


PACKAGE = {"mylayers/__init__.py": "", "mylayers/helpers.py": HELPERS, "mylayers/base.py": BASE}


# ---------------------------------------------------------------------------- git and pre-commit plumbing


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("integrations")


@pytest.fixture(scope="module")
def tool_env(sandbox) -> dict[str, str]:
    """git with a private configuration; pre-commit with a private store, offline."""
    gitconfig = sandbox / "gitconfig"
    gitconfig.write_text("[user]\n\tname = doccheck tests\n\temail = tests@doccheck.invalid\n"
                         "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT")) and k not in (
        "PYTHONPATH", "SKIP", "VIRTUAL_ENV")}
    env.update({
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PRE_COMMIT_HOME": str(sandbox / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
        # offline: the hook's virtualenv sees the libraries installed here, so pip needs no index and
        # no isolated build environment (pip spells that PIP_NO_BUILD_ISOLATION=0)
        "VIRTUALENV_SYSTEM_SITE_PACKAGES": "1",
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    })
    return env


def sh(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def git(cwd: Path, env, *args: str) -> str:
    proc = sh(["git", *args], cwd, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout.strip()


def pre_commit(cwd: Path, env, *args: str) -> subprocess.CompletedProcess:
    return sh([sys.executable, "-m", "pre_commit", *args], cwd, env)


@pytest.fixture(scope="module")
def hook_repo(sandbox, tool_env) -> tuple[Path, str]:
    """A committed copy of this checkout (what pre-commit clones and pip installs)."""
    copy = sandbox / "doccheck-repo"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "doccheck", copy / "doccheck", ignore=ignore)
    shutil.copytree(REPO / "rules", copy / "rules", ignore=ignore)
    for name in ("pyproject.toml", ".pre-commit-hooks.yaml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, copy / name)
    git(copy, tool_env, "init", "-q")
    git(copy, tool_env, "add", "-A")
    git(copy, tool_env, "commit", "-q", "-m", "doccheck under test")
    return copy, git(copy, tool_env, "rev-parse", "HEAD")


def new_user_repo(root: Path, env, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    git(root, env, "init", "-q")
    write(root, files)
    git(root, env, "add", "-A")
    return root


# ---------------------------------------------------------------------------- pre-commit


def test_the_hook_manifest_is_valid(tool_env):
    proc = pre_commit(REPO, tool_env, "validate-manifest", str(REPO / ".pre-commit-hooks.yaml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_pre_commit_try_repo_fails_on_a_wrong_docstring_and_passes_when_fixed(sandbox, tool_env, hook_repo):
    repo, _ = hook_repo
    user = new_user_repo(sandbox / "try-repo-user", tool_env, {**PACKAGE, "mylayers/layers.py": BROKEN})
    # pre-commit passes only the changed file; its base class and init helper are read from disk
    proc = pre_commit(user, tool_env, "try-repo", str(repo), "doccheck", "--files", "mylayers/layers.py")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert re.search(r"^doccheck\.+Failed$", output, re.M), output
    assert DC101_LINE in output

    write(user, {"mylayers/layers.py": FIXED})
    git(user, tool_env, "add", "-A")
    proc = pre_commit(user, tool_env, "try-repo", str(repo), "doccheck", "--files", "mylayers/layers.py")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert re.search(r"^doccheck\.+Passed$", output, re.M), output


def test_the_installed_hook_blocks_a_commit_that_breaks_a_docstring(sandbox, tool_env, hook_repo):
    repo, rev = hook_repo
    config = textwrap.dedent(f"""\
        repos:
        -   repo: {repo}
            rev: {rev}
            hooks:
            -   id: doccheck
        """)
    user = new_user_repo(sandbox / "commit-user", tool_env, {**PACKAGE, ".pre-commit-config.yaml": config})
    proc = pre_commit(user, tool_env, "install")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    proc = sh(["git", "commit", "-m", "the base class"], user, tool_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^doccheck\.+Passed$", proc.stdout + proc.stderr, re.M)
    commits = git(user, tool_env, "rev-list", "--count", "HEAD")

    # a commit that adds only the subclass, whose docstring is wrong: blocked
    write(user, {"mylayers/layers.py": BROKEN})
    git(user, tool_env, "add", "mylayers/layers.py")
    proc = sh(["git", "commit", "-m", "a layer with a wrong docstring"], user, tool_env)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert re.search(r"^doccheck\.+Failed$", output, re.M) and DC101_LINE in output, output
    assert git(user, tool_env, "rev-list", "--count", "HEAD") == commits

    # fixed: the commit goes through
    write(user, {"mylayers/layers.py": FIXED})
    git(user, tool_env, "add", "mylayers/layers.py")
    proc = sh(["git", "commit", "-m", "a layer with a right docstring"], user, tool_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert git(user, tool_env, "rev-list", "--count", "HEAD") == str(int(commits) + 1)

    # what ran was the doccheck pip installed into the hook's own environment
    [python] = glob.glob(os.path.join(tool_env["PRE_COMMIT_HOME"], "repo*", "py_env-*", "bin", "python"))
    proc = sh([python, "-c", "import doccheck, doccheck.checkers, doccheck.cli; print(doccheck.__file__)"],
              user, tool_env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith(str(Path(python).parent.parent)), proc.stdout


def test_the_system_hook_runs_the_doccheck_of_the_current_environment(sandbox, tool_env, hook_repo):
    repo, _ = hook_repo
    user = new_user_repo(sandbox / "system-user", tool_env, {**PACKAGE, "mylayers/layers.py": BROKEN})
    env = dict(tool_env, PYTHONPATH=str(repo))
    proc = pre_commit(user, env, "try-repo", str(repo), "doccheck-system", "--files", "mylayers/layers.py")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1 and DC101_LINE in output, output


# ---------------------------------------------------------------------------- lintrunner


def lintrunner_config() -> str:
    """The [[linter]] entry documented in .lintrunner.toml.example, as a user would copy it."""
    text = (REPO / ".lintrunner.toml.example").read_text()
    return text[text.index("[[linter]]"):]


@pytest.fixture
def lintrunner(tool_env):
    exe = shutil.which("lintrunner", path=tool_env["PATH"])
    if exe is None:
        pytest.skip("lintrunner is not installed (pip install -e '.[test]' installs it)")
    return exe


def run_lintrunner(exe, user: Path, env) -> tuple[subprocess.CompletedProcess, list[dict]]:
    env = dict(env, PYTHONPATH=str(REPO))
    proc = sh([exe, "--all-files", "--output", "json", "--data-path", str(user.parent / "lintrunner-data")],
              user, env)
    messages = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return proc, messages


def test_lintrunner_reports_the_finding(sandbox, tool_env, lintrunner):
    user = new_user_repo(sandbox / "lintrunner-user", tool_env,
                         {**PACKAGE, "mylayers/layers.py": BROKEN, ".lintrunner.toml": lintrunner_config()})
    git(user, tool_env, "commit", "-q", "-m", "layers")
    proc, messages = run_lintrunner(lintrunner, user, tool_env)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # lintrunner's verdict: there are lint errors
    [message] = messages
    assert message["code"] == "DOCCHECK" and message["name"] == "DC101" and message["severity"] == "error"
    assert Path(message["path"]).resolve() == (user / "mylayers" / "layers.py").resolve()
    assert message["line"] == 11 and message["char"] == 13
    assert message["description"].startswith("Projection.bias: documented U(-1/√out_features")

    write(user, {"mylayers/layers.py": FIXED})
    proc, messages = run_lintrunner(lintrunner, user, tool_env)
    assert proc.returncode == 0 and messages == [], proc.stdout + proc.stderr


def test_lintrunner_shows_a_configuration_error_as_doccheck_wrote_it(sandbox, tool_env, lintrunner):
    user = new_user_repo(sandbox / "lintrunner-config", tool_env,
                         {**PACKAGE, "mylayers/layers.py": FIXED, ".lintrunner.toml": lintrunner_config(),
                          "pyproject.toml": '[tool.doccheck]\nselct = ["DC101"]\n'})
    git(user, tool_env, "commit", "-q", "-m", "layers")
    proc, messages = run_lintrunner(lintrunner, user, tool_env)
    [message] = messages
    assert message["path"] is None and message["code"] == "DOCCHECK"
    assert "selct: unknown key (did you mean 'select'?)" in message["description"]
    assert "exit" not in message["description"].lower()  # not lintrunner's "linter failed with exit code"


# ---------------------------------------------------------------------------- SARIF


def sarif(cwd: Path, *targets: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "doccheck", "--format", "sarif", "--select", "ALL", *targets],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def validate(log: dict) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


EXTERNAL = '''\
import torch
from torch import nn

from extlib.init import scaled_normal_


class Gate(nn.Module):
    r"""A gate.

    Attributes:
        weight: the gate weights, initialized from :math:`\\mathcal{N}(0, 1)`
    """

    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(dim, dim))
        scaled_normal_(self.weight, 0.5)
'''


@pytest.fixture
def sarif_project(tmp_path) -> Path:
    root = tmp_path / "first"
    write(root, {**PACKAGE, "mylayers/layers.py": BROKEN, "mylayers/gate.py": EXTERNAL,
                 "mylayers/broken.py": "def oops(:\n    pass\n"})
    return root


def test_sarif_validates_against_the_official_schema(sarif_project):
    from doccheck.catalogue import all_checks

    log = sarif(sarif_project, "mylayers")
    validate(log)
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.code for c in all_checks()]
    for rule, check in zip(rules, all_checks()):
        assert rule["shortDescription"]["text"] == check.summary
        assert check.rationale in rule["help"]["text"] and check.bad in rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] == check.level
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert {"DC002", "DC101", "DC103"} <= set(by_rule)
    mismatch = by_rule["DC101"]
    assert rules[mismatch["ruleIndex"]]["id"] == "DC101"
    location = mismatch["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "mylayers/layers.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 11, "startColumn": 13}
    assert mismatch["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "mylayers/helpers.py"
    assert by_rule["DC103"]["level"] == "note"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == sarif_project.resolve().as_uri() + "/"


def test_sarif_uris_and_fingerprints_are_stable(sarif_project, tmp_path):
    first = sarif(sarif_project, "mylayers")["runs"][0]["results"]
    # the same tree elsewhere, checked by an absolute path: same relative URIs, same fingerprints
    second_root = tmp_path / "second" / "checkout"
    shutil.copytree(sarif_project, second_root)
    second = sarif(second_root, str(second_root / "mylayers"))["runs"][0]["results"]
    assert first == second
    # unrelated edits move the lines: the fingerprints stay
    for name in ("mylayers/layers.py", "mylayers/helpers.py"):
        path = second_root / name
        path.write_text("# licence\n\n" + path.read_text())
    moved = sarif(second_root, "mylayers")["runs"][0]["results"]
    assert ({r["ruleId"]: r["partialFingerprints"] for r in moved}
            == {r["ruleId"]: r["partialFingerprints"] for r in first})
    assert next(r for r in moved if r["ruleId"] == "DC101")["locations"][0]["physicalLocation"]["region"][
        "startLine"] == 13


def test_sarif_without_findings_is_valid(tmp_path):
    write(tmp_path, {**PACKAGE, "mylayers/layers.py": FIXED})
    log = sarif(tmp_path, "mylayers")
    validate(log)
    assert log["runs"][0]["results"] == []
