"""The command line: configuration, suppressions, baselines, @file lists, module-name targets,
machine formats and the terminal experience (colour, progress, summary).

Layer code is written into each test's temporary folder: a small package whose base class (in
its own file) creates the parameters and fills them in ``reset_parameters`` through an init
helper in a third file, and a subclass in ``layers.py`` whose docstring states the wrong bias
bound (1/out_features instead of 1/in_features) — so checking ``layers.py`` alone must still read
the two other files.  Most tests call ``doccheck.cli.main`` in-process; those about terminals,
imports and exit codes of the real command run it in a subprocess (terminals through real ptys).
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from doccheck.cli import main
from doccheck.model import Finding

REPO = Path(__file__).resolve().parent.parent

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

from toylayers.helpers import bias_uniform_


class AffineBase(nn.Module):
    """Shared implementation: creates ``weight`` and ``bias`` and fills them."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        bias_uniform_(self.bias, self.weight)
'''


def layer(name: str = "Projection", bias_k: str = "out", header: str | None = None, doc_extra: str = "") -> str:
    """A subclass of AffineBase; its documented bias bound is right only for bias_k='in'."""
    header = header or f"class {name}(AffineBase):"
    return f'''
{header}
    r"""A learned map.{doc_extra}

    Attributes:
        weight: the learnable weights, initialized from
            :math:`\\mathcal{{U}}(-\\sqrt{{k}}, \\sqrt{{k}})` where :math:`k = \\frac{{1}}{{\\text{{in\\_features}}}}`
        bias: the learnable bias, initialized from
            :math:`\\mathcal{{U}}(-\\sqrt{{k}}, \\sqrt{{k}})` where :math:`k = \\frac{{1}}{{\\text{{{bias_k}\\_features}}}}`
    """
'''


def layers_module(*classes: str) -> str:
    return "from toylayers.base import AffineBase\n\n" + "\n".join(classes)


TOY = {
    "toylayers/__init__.py": "",
    "toylayers/helpers.py": HELPERS,
    "toylayers/base.py": BASE,
    "toylayers/layers.py": layers_module(layer()),
}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A checkout with the toy package; `.git` marks where the search for pyproject.toml stops."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / ".git").mkdir()
    write(root, TOY)
    monkeypatch.chdir(root)
    return root


def dc(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    for name in ("NO_COLOR", "FORCE_COLOR", "CI", "TERM"):
        env.pop(name, None)
    env.update(extra)
    return env


def doccheck_proc(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "doccheck", *args], cwd=cwd, env=subprocess_env(**env),
                          capture_output=True, text=True, timeout=300)


# ---------------------------------------------------------------------------- basics


def test_a_file_checked_alone_resolves_its_base_class_and_helper_from_the_package(project, capsys):
    code, out, err = dc(capsys, "--no-derivation", "toylayers/layers.py")
    assert code == 1, err
    assert out.splitlines() == [
        "toylayers/layers.py:11:13: DC101 Projection.bias: documented U(-1/√out_features, 1/√out_features), "
        "but the code initializes U(-1/√in_features, 1/√in_features) (helpers.py:9)"]


def test_fixed_docstring_exits_0_silently(project, capsys):
    write(project, {"toylayers/layers.py": layers_module(layer(bias_k="in"))})
    assert dc(capsys, "toylayers/layers.py") == (0, "", "")


def test_exit_2_on_a_missing_path_without_traceback(project):
    proc = doccheck_proc("no/such/dir", cwd=project)
    assert proc.returncode == 2
    assert "no/such/dir" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_exit_2_on_a_bad_option(project):
    proc = doccheck_proc("--no-such-option", "toylayers", cwd=project)
    assert proc.returncode == 2
    assert "unrecognized arguments: --no-such-option" in proc.stderr


def test_exit_2_on_an_unknown_code(project, capsys):
    code, out, err = dc(capsys, "--select", "DC9", "toylayers")
    assert code == 2 and "--select: 'DC9' matches no check" in err


def test_other_commands_still_dispatch(capsys):
    code, out, _ = dc(capsys, "rules")
    assert code == 0 and re.search(r"^DC101 init-mismatch: ", out, re.M)
    code, out, _ = dc(capsys, "--version")
    assert code == 0 and out.startswith("doccheck ")


def test_json_format_is_unchanged(project, capsys):
    code, out, _ = dc(capsys, "--format", "json", "toylayers")
    assert code == 1
    [finding] = json.loads(out)
    assert finding["code"] == "DC101" and finding["object"] == "Projection.bias"
    assert finding["path"] == "toylayers/layers.py" and finding["derivation"]


# ---------------------------------------------------------------------------- @file path lists


def test_paths_from_a_file(project, capsys):
    (project / "paths.txt").write_text("\ntoylayers/layers.py\n\n  toylayers/base.py  \n")
    code, out, _ = dc(capsys, "--no-derivation", "@paths.txt")
    assert code == 1 and out.count("DC101") == 1


def test_an_empty_path_list_checks_nothing_not_the_current_folder(project, capsys):
    (project / "paths.txt").write_text("")
    assert dc(capsys, "@paths.txt") == (0, "", "")


def test_a_missing_path_list_is_a_usage_error(project, capsys):
    code, _, err = dc(capsys, "@missing.txt")
    assert code == 2 and "@missing.txt" in err


# ---------------------------------------------------------------------------- configuration


def pyproject(root: Path, body: str) -> Path:
    path = root / "pyproject.toml"
    path.write_text("[project]\nname = 'x'\n\n[tool.doccheck]\n" + textwrap.dedent(body))
    return path


def test_config_ignore(project, capsys):
    pyproject(project, 'ignore = ["DC101"]\n')
    assert dc(capsys, "toylayers")[0] == 0


def test_config_select_and_command_line_select_replaces_it(project, capsys):
    pyproject(project, 'select = ["DC103"]\n')
    assert dc(capsys, "toylayers")[0] == 0
    assert dc(capsys, "--select", "DC101", "toylayers")[0] == 1


def test_command_line_ignore_adds_to_config(project, capsys):
    pyproject(project, 'ignore = ["DC102"]\n')
    assert dc(capsys, "--ignore", "DC101", "toylayers")[0] == 0


@pytest.mark.parametrize("pattern, silenced", [
    ("toylayers/layers.py", True),
    ("layers.py", True),
    ("toylayers/*", True),
    ("toylayers", True),
    ("other/*", False),
    ("base.py", False),
])
def test_config_per_file_ignores(project, capsys, pattern, silenced):
    pyproject(project, f'per-file-ignores = {{ "{pattern}" = ["DC101"] }}\n')
    code, out, _ = dc(capsys, "toylayers/layers.py")
    assert (code, out == "") == ((0, True) if silenced else (1, False))


@pytest.mark.parametrize("pattern", ["toylayers/layers.py", "layers.py", "toylayers/"])
def test_config_exclude_applies_to_files_named_explicitly(project, capsys, pattern):
    # pre-commit and lintrunner name every changed file: exclusions must hold for them too
    pyproject(project, f'exclude = ["{pattern}"]\n')
    assert dc(capsys, "toylayers/layers.py") == (0, "", "")
    assert dc(capsys, "toylayers")[0] == 0


def test_command_line_exclude(project, capsys):
    assert dc(capsys, "--exclude", "layers.py", "toylayers") == (0, "", "")


def test_config_is_found_by_walking_up_from_the_target(project, capsys, monkeypatch, tmp_path):
    pyproject(project, 'ignore = ["DC101"]\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert dc(capsys, str(project / "toylayers" / "layers.py"))[0] == 0
    assert dc(capsys, "--isolated", str(project / "toylayers" / "layers.py"))[0] == 1


def test_a_pyproject_without_the_table_is_skipped(project, capsys, tmp_path):
    pyproject(project, 'ignore = ["DC101"]\n')
    (project / "toylayers" / "pyproject.toml").write_text("[project]\nname = 'inner'\n")
    assert dc(capsys, "toylayers/layers.py")[0] == 0


def test_the_search_stops_at_the_top_of_the_checkout(project, capsys, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.doccheck]\nignore = ["DC101"]\n')  # above proj/.git
    assert dc(capsys, "toylayers/layers.py")[0] == 1


def test_explicit_config_file(project, capsys):
    (project / "doccheck.toml").write_text('ignore = ["DC101"]\n')
    assert dc(capsys, "--config", "doccheck.toml", "toylayers")[0] == 0
    (project / "other.toml").write_text('[tool.doccheck]\nignore = ["DC101"]\n')
    assert dc(capsys, "--config", "other.toml", "toylayers")[0] == 0


def test_extend_select_adds_to_the_default(project, capsys):
    write(project, {"toylayers/ext.py": EXTLIB_LAYER})
    code, out, _ = dc(capsys, "--no-derivation", "toylayers/ext.py")
    assert code == 0 and "DC103" not in out  # DC103 is off by default; nothing else is proven wrong
    pyproject(project, 'extend-select = ["DC103"]\n')
    code, out, _ = dc(capsys, "--no-derivation", "toylayers/ext.py")
    # Mixer's D names no argument (unresolved, with the alias to add), Gate's helper has no rule
    assert code == 1 and "DC103 Gate.weight" in out and "DC103 Mixer.weight" in out and "DC101" not in out
    code, out, _ = dc(capsys, "--no-derivation", "--select", "DC102", "--extend-select", "DC103", "toylayers/ext.py")
    assert "DC103 Gate.weight" in out and "DC101" not in out


EXTLIB_LAYER = '''\
import math

import torch
from torch import nn
from torch.nn import init

from extlib.init import scaled_normal_


class Mixer(nn.Module):
    r"""Mixes tokens.

    Attributes:
        weight: the mixing matrix, initialized from :math:`\\mathcal{U}(-\\sqrt{k}, \\sqrt{k})`
            where :math:`k = \\frac{1}{D}`
    """

    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(dim, dim))
        init.uniform_(self.weight, -1 / math.sqrt(dim), 1 / math.sqrt(dim))


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

EXTLIB_RULES = '''\
[[initializer]]
names = ["extlib.init.scaled_normal_"]
signature = "tensor, scale"
init = { family = "normal", mean = "0", std = "scale" }
'''


def test_config_rules_and_symbol_aliases(project, capsys, monkeypatch):
    write(project, {"toylayers/ext.py": EXTLIB_LAYER, "tools/doccheck/extlib.toml": EXTLIB_RULES})
    code, out, _ = dc(capsys, "--no-derivation", "--select", "DC1", "toylayers/ext.py")
    # without configuration: D is no constructor argument (unresolved, never a DC101 by itself: D may be `dim`),
    # scaled_normal_ is unknown
    assert "DC103 Mixer.weight" in out and "documented symbol(s) D match no constructor argument" in out
    assert 'symbol-aliases = { D = "..." }' in out and "DC101" not in out
    assert "DC103 Gate.weight" in out
    pyproject(project, 'rules = ["tools/doccheck/extlib.toml"]\nsymbol-aliases = { D = "dim" }\n')
    monkeypatch.chdir(project / "toylayers")  # relative to the configuration file, not to the cwd
    code, out, _ = dc(capsys, "--no-derivation", "--select", "DC1", "ext.py")
    assert code == 1
    assert out.splitlines() == ["ext.py:28:52: DC101 Gate.weight: documented N(0, 1²), but the code initializes "
                                "N(0, (1/2)²) (ext.py:34)"]


@pytest.mark.parametrize("body, message", [
    ('selct = ["DC101"]\n', "selct: unknown key (did you mean 'select'?)"),
    ('per_file_ignores = {}\n', "per_file_ignores: unknown key (did you mean 'per-file-ignores'?)"),
    ('select = "DC101"\n', 'select: must be a list of strings'),
    ('ignore = ["DC9"]\n', "ignore: 'DC9' matches no check"),
    ('exclude = [1]\n', "exclude: must be a list of strings"),
    ('per-file-ignores = ["tests/*"]\n', "per-file-ignores: must be a table"),
    ('per-file-ignores = { "tests/*" = ["XYZ"] }\n', "per-file-ignores.'tests/*': 'XYZ' matches no check"),
    ('rules = ["missing.toml"]\n', "rules: 'missing.toml' does not exist"),
    ('symbol-aliases = { D = "not an argument" }\n', "symbol-aliases.D: 'not an argument' is not a constructor"),
    ('symbol-aliases = ["D"]\n', "symbol-aliases: must be a table"),
    ('baseline = 3\n', "baseline: must be a path"),
    ('select = [\n', "not valid TOML"),
])
def test_bad_configuration_exits_2_naming_the_key_and_the_file(project, body, message):
    path = pyproject(project, body)
    proc = doccheck_proc("toylayers", cwd=project)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert str(path) in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_a_bad_explicit_config(project, capsys):
    code, _, err = dc(capsys, "--config", "nope.toml", "toylayers")
    assert code == 2 and "nope.toml: no such configuration file" in err
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    code, _, err = dc(capsys, "--config", "pyproject.toml", "toylayers")
    assert code == 2 and "has no [tool.doccheck] table" in err


# ---------------------------------------------------------------------------- suppressions


@pytest.mark.parametrize("header, suppressed", [
    ("class Projection(AffineBase):  # doccheck: ignore[DC101]", True),
    ("class Projection(AffineBase):  # doccheck: ignore", True),
    ("class Projection(AffineBase):  # doccheck:ignore[DC102, DC101]", True),
    ("class Projection(AffineBase):  # doccheck: ignore[DC1]", True),
    ("class Projection(AffineBase):  # doccheck: ignore[DC102]", False),
    ("class Projection(AffineBase):  # doccheck: ignored", False),
    ("class Projection(\n    AffineBase,  # doccheck: ignore[DC101]\n):", True),
    ("class Projection(\n    AffineBase,\n):  # doccheck: ignore[DC101]", True),
    ("# doccheck: ignore[DC101]\nclass Projection(AffineBase):", False),  # the convention is the class line
])
def test_class_line_suppression(project, capsys, header, suppressed):
    write(project, {"toylayers/layers.py": layers_module(layer(header=header), layer("Readout"))})
    code, out, err = dc(capsys, "--no-derivation", "--statistics", "toylayers/layers.py")
    assert code == 1
    assert ("Projection.bias" not in out) == suppressed
    assert "Readout.bias" in out  # a comment on one class never silences another
    assert (", 1 suppressed" in err) == suppressed


def test_suppression_text_inside_a_docstring_does_nothing(project, capsys):
    write(project, {"toylayers/layers.py": layers_module(layer(doc_extra="  # doccheck: ignore"))})
    assert "Projection.bias" in dc(capsys, "toylayers/layers.py")[1]


def test_suppression_on_the_reported_line_of_an_unreadable_file(project, capsys):
    write(project, {"broken.py": "x = 1\ndef oops(:  # doccheck: ignore[DC002]\n    pass\n",
                    "broken2.py": "x = 1\ndef oops(:\n    pass\n"})
    code, out, _ = dc(capsys, "broken.py", "broken2.py")
    assert code == 1 and out.splitlines() == ["broken2.py:2:10: DC002 syntax error: invalid syntax"]


# ---------------------------------------------------------------------------- baseline


def test_baseline_fails_only_on_new_findings(project, capsys, monkeypatch):
    code, _, err = dc(capsys, "--write-baseline", "doccheck-baseline.json", "toylayers")
    assert code == 0 and "wrote 1 finding(s)" in err
    data = json.loads((project / "doccheck-baseline.json").read_text())
    [entry] = data["findings"]["toylayers/layers.py"]
    assert entry["code"] == "DC101" and entry["object"] == "Projection.bias" and len(entry["hash"]) == 16
    assert "line" not in entry
    assert dc(capsys, "--baseline", "doccheck-baseline.json", "toylayers") == (0, "", "")

    # unrelated edits move every line, in the file and in the helper the message points at
    for name in ("toylayers/layers.py", "toylayers/helpers.py"):
        path = project / name
        path.write_text("# a new licence header\n#\n#\n\n" + path.read_text())
    assert dc(capsys, "--baseline", "doccheck-baseline.json", "toylayers") == (0, "", "")

    # a new broken docstring is reported, the known one is not
    path = project / "toylayers" / "layers.py"
    path.write_text(path.read_text() + layer("Readout"))
    code, out, err = dc(capsys, "--no-derivation", "--statistics", "--baseline", "doccheck-baseline.json",
                        "toylayers")
    assert code == 1 and "Readout.bias" in out and "Projection.bias" not in out
    assert ", 1 in the baseline" in err

    # the baseline's paths are relative to its own folder, not to the current one
    monkeypatch.chdir(project / "toylayers")
    code, out, _ = dc(capsys, "--no-derivation", "--no-cache", "--baseline", "../doccheck-baseline.json", ".")
    assert code == 1 and "Readout.bias" in out and "Projection.bias" not in out

    # and it can come from the configuration
    pyproject(project, 'baseline = "doccheck-baseline.json"\n')
    code, out, _ = dc(capsys, "--no-derivation", "--no-cache", "layers.py")
    assert code == 1 and "Readout.bias" in out and "Projection.bias" not in out


def test_cached_results_keep_paths_relative_to_the_current_folder(project, capsys, monkeypatch):
    dc(capsys, "toylayers")
    monkeypatch.chdir(project / "toylayers")
    code, out, _ = dc(capsys, "--no-derivation", ".")
    assert out.startswith("layers.py:11:13: DC101 Projection.bias")


def test_a_changed_finding_is_new(project, capsys):
    dc(capsys, "--write-baseline", "b.json", "toylayers")
    # same object, different documented formula: a different finding
    write(project, {"toylayers/layers.py": layers_module(layer()).replace(
        "\\frac{1}{\\text{out\\_features}}", "\\frac{2}{\\text{out\\_features}}")})
    assert dc(capsys, "--baseline", "b.json", "toylayers")[0] == 1


@pytest.mark.parametrize("content, message", [
    (None, "no such baseline file"),
    ("not json", "cannot read the baseline"),
    ('{"findings": {}}', "not a doccheck baseline"),
])
def test_a_bad_baseline_is_a_usage_error(project, capsys, content, message):
    if content is not None:
        (project / "b.json").write_text(content)
    code, _, err = dc(capsys, "--baseline", "b.json", "toylayers")
    assert code == 2 and message in err


# ---------------------------------------------------------------------------- module names


SENTINEL_INIT = '''\
import pathlib
pathlib.Path({sentinel!r}).write_text("imported")
raise RuntimeError("toylayers must never be imported by doccheck")
'''


def test_a_module_name_target_is_resolved_without_importing_anything(tmp_path):
    site = tmp_path / "site"
    write(site, TOY)
    sentinel = tmp_path / "imported.txt"
    write(site, {"toylayers/__init__.py": SENTINEL_INIT.format(sentinel=str(sentinel))})
    work = tmp_path / "work"
    work.mkdir()
    probe = ("import json, sys\n"
             "from doccheck.cli import main\n"
             "code = main(['--format', 'json', '--isolated', 'toylayers', 'toylayers.layers'])\n"
             "mods = sorted(m for m in sys.modules if m.split('.')[0] in ('toylayers', 'torch'))\n"
             "print('\\n' + json.dumps({'code': code, 'mods': mods}))\n")
    env = subprocess_env()
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(site)])
    proc = subprocess.run([sys.executable, "-c", probe], cwd=work, env=env, capture_output=True, text=True,
                          timeout=300)
    head, _, last = proc.stdout.rpartition("\n\n")
    outcome = json.loads(last)
    assert outcome == {"code": 1, "mods": []}, proc.stderr
    assert not sentinel.exists()
    findings = json.loads(head)
    assert [(Path(f["path"]), f["object"]) for f in findings] == [(site / "toylayers" / "layers.py",
                                                                  "Projection.bias")]


def test_a_framework_module_name_is_read_not_imported(tmp_path):
    probe = ("import sys\n"
             "from doccheck.cli import main\n"
             "code = main(['--format', 'json', '--isolated', 'torch.nn.modules.linear'])\n"
             "print('IMPORTED' if 'torch' in sys.modules else 'NOT-IMPORTED', code)\n")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=subprocess_env(), capture_output=True,
                          text=True, timeout=300)
    assert proc.stdout.splitlines()[-1] in ("NOT-IMPORTED 0", "NOT-IMPORTED 1"), proc.stdout[-2000:] + proc.stderr


def test_an_unknown_module_name_is_a_usage_error(project, capsys):
    code, _, err = dc(capsys, "no_such_package_xyz.sub")
    assert code == 2 and "no such file, folder or importable module" in err


# ---------------------------------------------------------------------------- machine formats


LINTRUNNER_FIELDS = {"path", "line", "char", "code", "severity", "name", "original", "replacement", "description"}


def test_lintrunner_json_lines_and_exit_0(project, capsys):
    (project / "paths.txt").write_text("toylayers/layers.py\ntoylayers/base.py\n")
    code, out, _ = dc(capsys, "--format", "lintrunner", "@paths.txt")
    assert code == 0
    [message] = [json.loads(line) for line in out.splitlines()]
    assert set(message) == LINTRUNNER_FIELDS
    assert message["code"] == "DOCCHECK" and message["name"] == "DC101" and message["severity"] == "error"
    assert (message["path"], message["line"], message["char"]) == ("toylayers/layers.py", 11, 13)
    assert message["description"].startswith("Projection.bias: documented U(-1/√out_features")
    assert message["original"] is None and message["replacement"] is None


@pytest.mark.parametrize("args, text", [
    (["no/such/file.py"], "no/such/file.py"),
    (["--bogus", "toylayers"], "unrecognized arguments: --bogus"),
    (["--format=lintrunner", "--select", "DC9", "toylayers"], "'DC9' matches no check"),
])
def test_lintrunner_reports_its_own_errors_as_a_message_and_exits_0(project, args, text):
    if args[0] != "--format=lintrunner":
        args = ["--format", "lintrunner", *args]
    proc = doccheck_proc(*args, cwd=project)
    assert proc.returncode == 0, proc.stderr
    [message] = [json.loads(line) for line in proc.stdout.splitlines()]
    assert set(message) == LINTRUNNER_FIELDS
    assert message["path"] is None and message["code"] == "DOCCHECK" and message["severity"] == "error"
    assert text in message["description"]


def test_lintrunner_bad_configuration_is_a_message(project, capsys):
    pyproject(project, 'selct = ["DC101"]\n')
    code, out, _ = dc(capsys, "--format", "lintrunner", "toylayers")
    assert code == 0 and "selct: unknown key" in json.loads(out)["description"]


def test_github_annotations(project, capsys):
    code, out, _ = dc(capsys, "--format", "github", str(project / "toylayers"))
    assert code == 1
    [line] = out.splitlines()
    prefix = "::error file=toylayers/layers.py,line=11,col=13,title=DC101 init-mismatch::Projection.bias: documented"
    assert line.startswith(prefix)  # absolute paths inside the workspace become relative
    assert "%0A    doc: k = 1/out_features%0A" in line and "\n" not in line.rstrip("\n")


def test_github_escaping():
    from doccheck.formats import escape_data, escape_property

    assert escape_data("50% of a\r\nb") == "50%25 of a%0D%0Ab"
    assert escape_property("dir,a/b:c%.py") == "dir%2Ca/b%3Ac%25.py"
    assert escape_data("a:b,c") == "a:b,c"  # only properties escape ':' and ','


def test_github_errors_first_and_at_most_ten_per_level():
    from doccheck.formats import render_github

    notes = [Finding("a.py", i, 1, "DC103", f"note {i}", f"N{i}.weight") for i in range(1, 4)]
    errors = [Finding("b.py", i, 1, "DC101", f"error {i}", f"E{i}.weight") for i in range(1, 13)]
    lines = render_github(notes + errors).splitlines()
    kinds = [line.split(" ", 1)[0] for line in lines if line.startswith("::")]
    assert kinds == ["::error"] * 10 + ["::notice"] * 3
    rest = lines[len(kinds):]
    assert rest[0].startswith("doccheck: 2 more finding(s)")
    assert rest[1:] == ["  - b.py:11:1: DC101 error 11", "  - b.py:12:1: DC101 error 12"]  # never "::" first


# ---------------------------------------------------------------------------- terminal


def run_in_terminal(args: list[str], cwd: Path, stdout_tty: bool, stderr_tty: bool,
                    **env: str) -> tuple[int, str, str]:
    """Run doccheck with stdout/stderr on real pseudo-terminals (or pipes) and collect both."""
    parents, children = [], []
    for tty in (stdout_tty, stderr_tty):
        parent, child = pty.openpty() if tty else os.pipe()
        parents.append(parent)
        children.append(child)
    proc = subprocess.Popen([sys.executable, "-m", "doccheck", *args], cwd=cwd, env=subprocess_env(**env),
                            stdin=subprocess.DEVNULL, stdout=children[0], stderr=children[1])
    for child in children:
        os.close(child)
    chunks: dict[int, list[bytes]] = {fd: [] for fd in parents}
    open_fds = set(parents)
    deadline = time.monotonic() + 300
    while open_fds and time.monotonic() < deadline:
        ready, _, _ = select.select(list(open_fds), [], [], 1.0)
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the terminal's other side is closed
                data = b""
            if data:
                chunks[fd].append(data)
            else:
                open_fds.discard(fd)
    code = proc.wait(timeout=60)
    for fd in parents:
        os.close(fd)
    out, err = (b"".join(chunks[fd]).decode("utf-8").replace("\r\n", "\n") for fd in parents)
    return code, out, err


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_colour_on_a_terminal(project):
    code, out, err = run_in_terminal(["toylayers"], project, True, True)
    assert code == 1
    assert "\x1b[1;31mDC101\x1b[0m" in out and "\x1b[2m    doc: k = 1/out_features\x1b[0m" in out
    assert ANSI.sub("", out).startswith("toylayers/layers.py:11:13: DC101 Projection.bias: documented")


@pytest.mark.parametrize("args, env", [
    ([], {"NO_COLOR": "1"}),
    (["--color", "never"], {}),
    ([], {"TERM": "dumb"}),
])
def test_no_colour_on_a_terminal_when_asked(project, args, env):
    code, out, _ = run_in_terminal([*args, "toylayers"], project, True, False, **env)
    assert code == 1 and "DC101" in out and "\x1b[" not in out


def test_no_colour_in_a_pipe_unless_forced(project):
    plain = doccheck_proc("toylayers", cwd=project)
    assert plain.returncode == 1 and "DC101" in plain.stdout and "\x1b[" not in plain.stdout
    assert plain.stderr == ""  # quiet: no summary, no progress
    forced = doccheck_proc("toylayers", cwd=project, FORCE_COLOR="1")
    assert "\x1b[1;31mDC101\x1b[0m" in forced.stdout
    assert "\x1b[" not in doccheck_proc("toylayers", cwd=project, FORCE_COLOR="1", NO_COLOR="1").stdout
    assert "\x1b[" in doccheck_proc("--color", "always", "toylayers", cwd=project).stdout


SUMMARY = re.compile(r"^doccheck: 4 files, 1 class evaluated \(0 consistent, 1 with a mismatch, 0 unresolved\), "
                     r"findings: DC101: 1, \d+\.\d\d s$", re.M)


def test_summary_line_on_an_interactive_terminal(project):
    code, out, err = run_in_terminal(["toylayers"], project, False, True)
    assert code == 1 and "DC101" in out and "\x1b[" not in out  # stdout is a pipe: no colour there
    # a progress bar may have been drawn meanwhile; it is erased before the summary
    assert SUMMARY.search(err.split("\r\x1b[K")[-1]), err


def test_quiet_in_ci_even_on_a_terminal(project):
    code, out, err = run_in_terminal(["toylayers"], project, True, True, CI="true")
    assert code == 1 and err == ""


def test_statistics_in_a_pipe(project):
    proc = doccheck_proc("--statistics", "toylayers", cwd=project, CI="true")
    assert SUMMARY.search(proc.stderr), proc.stderr


def test_progress_bar_draws_on_a_terminal_and_erases_itself():
    from doccheck.terminal import Progress, interactive

    parent, child = pty.openpty()
    stream = os.fdopen(child, "w", encoding="utf-8")
    try:
        assert interactive(stream, env={}) and not interactive(stream, env={"CI": "true"})
        progress = Progress(stream, enabled=interactive(stream, env={}), delay=0, interval=0)
        progress(0, 4, "pkg/a.py")
        progress(2, 4, "pkg/c.py")
        progress(4, 4, None)
        stream.flush()
        time.sleep(0.05)
        written = os.read(parent, 65536).decode("utf-8")
    finally:
        stream.close()
        os.close(parent)
    assert written == ("\r\x1b[K[........................] 0/4 files pkg/a.py"
                       "\r\x1b[K[############............] 2/4 files pkg/c.py"
                       "\r\x1b[K")


def test_progress_bar_waits_before_showing_and_is_off_in_pipes():
    from doccheck.terminal import Progress, interactive

    read, write_fd = os.pipe()
    stream = os.fdopen(write_fd, "w")
    assert not interactive(stream, env={})
    Progress(stream, enabled=interactive(stream, env={}), delay=0)(1, 2, "x.py")
    parent, child = pty.openpty()
    tty = os.fdopen(child, "w")
    slow = Progress(tty, enabled=True, delay=60)  # a short run never shows a bar
    slow(1, 2, "x.py")
    slow(2, 2, None)
    stream.close()
    tty.close()
    assert os.read(read, 100) == b""
    try:
        shown = os.read(parent, 100)
    except OSError:  # EIO: closed with nothing written
        shown = b""
    assert shown == b""
    os.close(read)
    os.close(parent)


@pytest.mark.parametrize("listed, reported", [(None, set()), ('["device"]', set()), ("[]", {"f.device"}),
                                              ('["a"]', {"f.device"})])
def test_config_undocumented_ignore(project, capsys, listed, reported):
    write(project, {"funcs/__init__.py": "", "funcs/m.py": 'def f(a, device=None):\n    """Do.\n\n    Args:\n'
                                                            '        a: thing\n    """\n'})
    pyproject(project, 'extend-select = ["DC302"]\n' + (f"undocumented-ignore = {listed}\n" if listed else ""))
    code, out, _ = dc(capsys, "--no-cache", "--format", "json", "funcs")
    assert {f["object"] for f in json.loads(out) if f["code"] == "DC302"} == reported
    assert code == (1 if reported else 0)


def test_config_undocumented_ignore_must_be_strings(project, capsys):
    pyproject(project, 'undocumented-ignore = ["device", 3]\n')
    code, _, err = dc(capsys, "toylayers")
    assert code == 2 and "undocumented-ignore" in err


COPIED = '''def smooth(x, beta=1.0):
    """Smooth.

    Args:
        x: the input
        beta (float): where the loss changes. Default: 0.5
    """
'''


def test_copies_of_one_docstring_are_reported_once_with_the_other_places(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("b.py", "a.py", "c.py"):
        (tmp_path / name).write_text(COPIED)
    (tmp_path / "d.py").write_text(COPIED.replace("Default: 0.5", "Default: 0.25"))  # different text: its own
    # the same text pasted into a class of another name (transformers' "Copied from"): a copy too
    (tmp_path / "e.py").write_text("class Smooth:\n    def __init__" + COPIED[len("def smooth"):].replace("(x,", "(self, x,")
                                   .replace("\n    ", "\n        "))
    assert main(["--no-cache", "--format", "json", "."]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [(Path(d["path"]).name, [Path(p["path"]).name for p in d["duplicates"]]) for d in data] == \
        [("a.py", ["b.py", "c.py", "e.py"]), ("d.py", [])]
    assert data[0]["duplicates"][0]["line"] == 6
    assert main(["--no-cache", "."]) == 1
    text = capsys.readouterr().out.splitlines()
    assert len(text) == 2 and text[0].endswith("(also in 3 other places: b.py:6, c.py:6, e.py:7)"), text
    # one entry per place on request, and always in the formats that annotate each file
    assert main(["--no-cache", "--no-group-copies", "--format", "json", "."]) == 1
    assert len(json.loads(capsys.readouterr().out)) == 5
    assert main(["--no-cache", "--format", "github", "."]) == 1
    assert capsys.readouterr().out.count("::error") == 5
