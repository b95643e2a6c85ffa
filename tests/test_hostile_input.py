"""Analysed content is untrusted (issue 11): it must never run, never become a command or option, never forge
output.  Each test below is an attack from the issue, used as the fixture.

* explain reads the code model's step text back with a whitelist parser, never sympify/eval: a string
  argument that tries to close the formula and call ``os.system`` stays a string.
* The package source calls no evaluator of text (eval, exec, sympify, parse_expr, ...) except at the few
  allow-listed sites below, each with the reason it is safe.
"""

from __future__ import annotations

import ast
import builtins
import json
import os
import re
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path

import pytest

from doccheck import cli

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "doccheck"


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "DOCCHECK_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "", "CI": ""}
    env.update(extra)
    return env


# ---------------------------------------------------------------------------- 1. explain evaluates nothing

EVIL_LAYER = '''\
import torch
from torch import nn
from torch.nn import init


class Evil(nn.Module):
    """A layer whose init argument is a string built to escape a formula.

    Args:
        n: size.
    """

    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, n))
        init.kaiming_uniform_(self.weight, a=") = __import__('os').system('id > PWNED')#", nonlinearity="relu")
        self.bias = nn.Parameter(torch.empty(n))
        init.uniform_(self.bias, ") = __import__('os').system('touch {marker}')#", 1)
'''


@pytest.fixture
def evil_layer(tmp_path, monkeypatch):
    marker = tmp_path / "ABSOLUTE_MARKER"
    (tmp_path / "evil.py").write_text(EVIL_LAYER.format(marker=marker))
    monkeypatch.chdir(tmp_path)
    return tmp_path, marker


@pytest.mark.parametrize("output", ["text", "json"])
def test_explain_on_the_hostile_layer_runs_nothing_and_exits_cleanly(evil_layer, capsys, output):
    folder, marker = evil_layer
    code = cli.main(["explain", "evil.py::Evil", "--format", output])
    out = capsys.readouterr().out
    assert code == 0
    assert not (folder / "PWNED").exists() and not marker.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["evil.py"]  # nothing written at all
    if output == "json":
        weight = next(p for p in json.loads(out)["params"] if p["name"] == "weight")
        assert weight["effective"] == "U(−√(6/n), √(6/n))"  # relu's gain: the string `a` plays no part
    assert "__import__('os').system('id > PWNED')" in out  # shown as the inert text it is


def test_explain_on_the_hostile_layer_in_a_subprocess_writes_no_file(tmp_path):
    (tmp_path / "evil.py").write_text(EVIL_LAYER.format(marker=tmp_path / "ABSOLUTE_MARKER"))
    proc = subprocess.run([sys.executable, "-m", "doccheck", "explain", "evil.py::Evil"], cwd=tmp_path,
                          env=env_for(tmp_path), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.py"]


def test_no_text_is_ever_parsed_by_sympy_or_eval_while_checking_and_explaining(evil_layer, monkeypatch, capsys):
    """Every string route into sympy (sympify, S, simplify or N of a str) ends in parse_expr: record it, and
    eval/exec, during real runs on the hostile layer, torch layers and the fixtures."""
    import sympy.parsing.sympy_parser as sympy_parser

    calls = []
    real_parse_expr, real_eval, real_exec = sympy_parser.parse_expr, builtins.eval, builtins.exec

    def recording(real, name):
        def wrapper(*args, **kwargs):
            callers = {frame.name for frame in traceback.extract_stack()}
            if "nsimplify" not in callers:  # sympy re-reads its own mpmath.identify text of a float there
                calls.append((name, args[:1]))
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(sympy_parser, "parse_expr", recording(real_parse_expr, "parse_expr"))
    monkeypatch.setattr(builtins, "eval", recording(real_eval, "eval"))
    monkeypatch.setattr(builtins, "exec", recording(real_exec, "exec"))
    for argv in (["explain", "evil.py::Evil"], ["explain", "torch.nn.Linear"], ["explain", "torch.nn.Conv2d"],
                 ["explain", "torch.nn.LSTM", "--at", "input_size=4,hidden_size=8"],
                 ["check", "--no-cache", "--jobs", "1", "--select", "ALL", "--", "evil.py",
                  str(REPO / "fixtures")]):
        cli.main(argv)
    capsys.readouterr()
    assert [call for call in calls if call[0] == "parse_expr"] == []
    # eval/exec also run the import machinery's code objects and dataclasses' generated methods: no call may
    # carry text from the analysed file
    assert [call for call in calls if "system(" in str(call[1])] == []


def test_the_formula_reader_builds_values_only_from_arithmetic():
    import sympy

    from doccheck.explain import parse_value, read_formula

    from doccheck.symbolic import to_text

    n = sympy.Symbol("n", positive=True)
    for value in (sympy.sqrt(6 / n), 1 / sympy.sqrt(3), sympy.Max(n, 2) / 3, -n ** 2 + sympy.Rational(1, 2)):
        assert parse_value(to_text(value), {"n": n}) == value, to_text(value)
    assert read_formula("Max(a, 2) + floor(b/3) - Mod(c, 2)**2", {}) is not None
    for hostile in ("__import__('os').system('true')", "'text'", "x.__class__", "(lambda: 1)()", "x[0]",
                    "sqrt(x, evaluate=False)", "open('f')", "9**9**9**9", "Max(*x)", "[1, 2]", "b'x'"):
        assert read_formula(hostile, {}) is None, hostile


# ---------------------------------------------------------------------------- the package evaluates no text

# A call to one of these parses and runs (or imports) text; the package may make one only at a site listed
# in ALLOWED, with the reason it cannot see analysed input.
EVALUATORS = {"eval", "exec", "compile", "__import__", "sympify", "parse_expr", "eval_expr", "lambdify", "S",
              "import_module", "literal_eval"}
SAFE_RECEIVERS = {"eval": {"self", "interpreter"}, "compile": {"re"}, "literal_eval": {"ast"}}
ALLOWED = {
    ("doccheck/symbolic.py", "sympify"): "as_sympy: strict=True on a bool/int/float only, never a str",
    ("doccheck/verify.py", "import_module"): "verify imports the analysed code by design (documented)",
    ("doccheck/docmodel/rst.py", "import_module"): "a docutils module named by doccheck's own constant table",
}


def _evaluator_calls(package: Path = PACKAGE):
    found = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name in EVALUATORS - {"import_module", "literal_eval"}:
                        found.append((relative, alias.name, node.lineno, "imported by name"))
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id in EVALUATORS:
                found.append((relative, func.id, node.lineno, ""))
            elif isinstance(func, ast.Attribute) and func.attr in EVALUATORS:
                receiver = func.value.id if isinstance(func.value, ast.Name) else ast.unparse(func.value)
                if receiver in SAFE_RECEIVERS.get(func.attr, set()):
                    continue  # the code model's own evaluator of syntax trees, regex compilation, ast's literals
                found.append((relative, func.attr, node.lineno, receiver))
    return found


def test_the_package_calls_no_evaluator_of_text_outside_the_allow_list():
    unexpected = [call for call in _evaluator_calls() if call[:2] not in ALLOWED]
    assert unexpected == []


def test_the_allow_listed_sympify_refuses_text():
    import sympy

    from doccheck.symbolic import as_sympy

    assert as_sympy(3) == 3 and as_sympy(0.5) == sympy.Float(0.5) and as_sympy((1, 2)) == sympy.Tuple(1, 2)
    for text in ("__import__('os')", ("1", 2), None, [1]):
        with pytest.raises(sympy.SympifyError):
            as_sympy(text)


def test_the_evaluator_scan_sees_an_eval_it_is_not_told_about(tmp_path):
    """The scan above is not vacuous: it reports the calls it exists for and passes the code model's own."""
    assert {"sympify", "import_module"} <= {name for _, name, _, _ in _evaluator_calls()}
    package = tmp_path / "doccheck"
    package.mkdir()
    (package / "bad.py").write_text(textwrap.dedent("""
        import re
        import sympy
        from sympy import sympify as convert
        eval(text)
        sympy.sympify(text)
        sympy.parsing.sympy_parser.parse_expr(text)
        self.eval(node)
        re.compile(text)
    """))
    found = [(name, line) for _, name, line, _ in _evaluator_calls(package)]
    assert found == [("sympify", 4), ("eval", 5), ("sympify", 6), ("parse_expr", 7)]


# ---------------------------------------------------------------------------- 2. file names stay file names

WRONG_LAYER = '''\
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


def _hook_entry(hook_id: str) -> list[str]:
    """The `entry` of one hook in .pre-commit-hooks.yaml, split as pre-commit splits it (shlex)."""
    import shlex

    lines = (REPO / ".pre-commit-hooks.yaml").read_text().splitlines()
    start = lines.index(f"- id: {hook_id}")
    entry = next(line for line in lines[start + 1:] if line.strip().startswith("entry:"))
    return shlex.split(entry.split(":", 1)[1])


def _console_script() -> str:
    script = Path(sys.executable).with_name("doccheck")
    if not script.exists():
        pytest.skip("the doccheck console script is not installed next to this Python")
    return str(script)


@pytest.fixture
def hostile_names(tmp_path):
    """An executable Python file named `verify` whose import writes a marker, and one named `--exclude=*.py`."""
    marker = tmp_path / "IMPORTED"
    verify = tmp_path / "verify"
    verify.write_text(f"#!/usr/bin/env python\nopen({str(marker)!r}, 'w').close()\n" + WRONG_LAYER.format(name="V"))
    verify.chmod(0o755)
    (tmp_path / "--exclude=*.py").write_text(WRONG_LAYER.format(name="X"))
    (tmp_path / "layer.py").write_text(WRONG_LAYER.format(name="L"))
    return tmp_path, marker


@pytest.mark.parametrize("hook", ["doccheck", "doccheck-system"])
def test_the_hooks_check_files_named_like_subcommands_and_options(hostile_names, hook):
    folder, marker = hostile_names
    entry = _hook_entry(hook)
    assert entry == ["doccheck", "check", "--dependents", "--"]  # the console script, never `python -m`
    # pre-commit: entry + args (none) + the file names, in the order it found them
    command = [_console_script(), *entry[1:], "verify", "--exclude=*.py", "layer.py"]
    proc = subprocess.run(command, cwd=folder, env=env_for(folder), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert not marker.exists()  # `verify` was analysed statically, not imported
    reported = {line.split(":", 1)[0] for line in proc.stdout.splitlines() if ": DC101 " in line}
    assert reported == {"verify", "--exclude=*.py", "layer.py"}


@pytest.mark.parametrize("argv", [["--", "verify"], ["check", "--", "verify"], ["check", "--", "--exclude=*.py"],
                                  ["check", "--", "--format=lintrunner", "layer.py"]])
def test_after_a_double_dash_every_argument_is_a_file(hostile_names, monkeypatch, capsys, argv):
    folder, marker = hostile_names
    monkeypatch.chdir(folder)
    (folder / "--format=lintrunner").write_text(WRONG_LAYER.format(name="F"))
    code = cli.main(argv)
    out = capsys.readouterr().out
    assert code == 1 and not marker.exists()
    assert {line.split(":", 1)[0] for line in out.splitlines() if ": DC101 " in line} == set(argv) - {"check", "--"}
    assert not out.lstrip().startswith("{")  # a file named --format=lintrunner did not switch the format


def test_the_lintrunner_example_runs_the_console_script_with_the_check_subcommand():
    text = (REPO / ".lintrunner.toml.example").read_text()
    command = text[text.index("command = ["):]
    assert "'-m'" not in command and command.split("[", 1)[1].split(",")[:2] == ["\n    'doccheck'", "\n    'check'"]


# ---------------------------------------------------------------------------- 3. python -m doccheck and cwd

def test_python_m_doccheck_never_imports_modules_from_the_working_directory(tmp_path):
    for name in ("tomllib", "sympy", "libcst", "docutils"):
        (tmp_path / f"{name}.py").write_text(f"open({str(tmp_path / ('MARKER_' + name))!r}, 'w').close()\n")
    (tmp_path / "layer.py").write_text(WRONG_LAYER.format(name="L"))
    (tmp_path / "pyproject.toml").write_text("[tool.doccheck]\nselect = ['DC1']\n")  # makes doccheck read TOML
    proc = subprocess.run([sys.executable, "-m", "doccheck", "check", "--no-cache", "--", "layer.py"], cwd=tmp_path,
                          env=env_for(tmp_path), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "DC101" in proc.stdout
    assert sorted(p.name for p in tmp_path.glob("MARKER_*")) == []


@pytest.mark.parametrize("first, safe, dropped", [("", False, True), (".", False, True), ("CWD", False, True),
                                                  ("/elsewhere", False, False), ("", True, False)])
def test_only_the_working_directory_entry_is_dropped(tmp_path, monkeypatch, first, safe, dropped):
    from doccheck.startup import drop_working_directory

    monkeypatch.chdir(tmp_path)
    entry = str(tmp_path) if first == "CWD" else first
    path = [entry, "/usr/lib/python3"]
    drop_working_directory(path, safe)
    assert path == (["/usr/lib/python3"] if dropped else [entry, "/usr/lib/python3"])


# ---------------------------------------------------------------------------- 4./5. forged commands, escapes

# Each function documents a default its signature does not have (DC201, which repeats the documented text);
# the texts try to end the line and start workflow commands, or to drive the terminal.
FORGING_DEFAULTS = [
    "x%0A::add-mask::secret",  # a literal %0A must stay literal: escape_data encodes the %
    "a\\u2028::stop-commands::token",
    "b\\r::error file=README.md,line=1::forged",
    "c\\x1b]0;window title\\x07\\x1b[2K\\x1b[1A",
    "d\\u202eevil\\u2066",
    "e\\x85::warning::next line",
    "f##[add-mask]secret",
]


def _forging_module(count: int) -> str:
    lines = ["def f{i}(n='ok'):", '    """Do.', "", "    Args:", "        n (str): size. Default: ``'{text}'``",
             '    """']
    out = []
    for i in range(count):
        text = FORGING_DEFAULTS[i % len(FORGING_DEFAULTS)]
        out.append("\n".join(lines).format(i=i, text=text) + "\n\n")
    return "".join(out)


@pytest.fixture
def forging_tree(tmp_path, monkeypatch):
    (tmp_path / "payload.py").write_text(_forging_module(14))  # more than GitHub's 10 annotations per level
    newline_name = "x\n::error file=README.md,line=1::forged.py"
    (tmp_path / newline_name).write_text(_forging_module(1))
    (tmp_path / "y\x1b[2Jz.py").write_text(_forging_module(1))
    monkeypatch.chdir(tmp_path)
    return tmp_path, ["payload.py", newline_name, "y\x1b[2Jz.py"]


def _github_property(line: str, name: str) -> str:
    properties = line.split(" ", 1)[1].split("::", 1)[0]
    value = dict(item.split("=", 1) for item in properties.split(","))[name]
    return value.replace("%3A", ":").replace("%2C", ",").replace("%0D", "\r").replace("%0A", "\n") \
        .replace("%25", "%")


def test_github_output_has_only_annotation_lines_for_real_findings(forging_tree, capsys):
    folder, names = forging_tree
    code = cli.main(["check", "--no-cache", "--format", "github", "--", *names])
    out = capsys.readouterr().out
    assert code == 1
    lines = out.split("\n")[:-1]
    assert lines == out.splitlines()  # no other line break (U+2028, NEL, CR) anywhere
    assert "\r" not in out and "\x1b" not in out
    commands = [line for line in lines if line.lstrip().startswith("::")]
    assert not any("##[" in line for line in lines if line not in commands)  # the runner's legacy commands
    assert len(commands) == 10  # one level (error), GitHub's limit; all others are plain lines
    for line in commands:
        assert re.match(r"::error file=[^,]*,line=\d+,col=\d+,title=DC(201 default-mismatch|001 docstring-syntax)::",
                        line)
    # every annotation's file is a real analysed file (its name sanitised), never README.md
    from doccheck.terminal import printable

    assert {_github_property(line, "file") for line in commands} <= {printable(n) for n in names}
    cli.main(["check", "--no-cache", "--format", "json", "--", *names])
    expected = json.loads(capsys.readouterr().out)
    assert sum(f["code"] == "DC201" for f in expected) >= 12
    rest = lines[len(commands):]
    assert rest[0].startswith(f"doccheck: {len(expected) - 10} more finding(s)")
    assert all(line.startswith("  - ") for line in rest[1:]) and len(rest) == len(expected) - 10 + 1
    # in an annotation the runner decodes %0A to a newline: a literal %0A is sent as %250A
    assert not any("x%0A::add-mask" in line for line in commands) and "x%250A::add-mask::secret" in commands[0]


def test_github_escapes_every_finding_not_only_the_first_ten():
    from doccheck.formats import render_github
    from doccheck.model import Finding

    findings = [Finding("a.py", i, 1, "DC201", f"f{i}.n: documented default ``'x\n::add-mask::s%'``")
                for i in range(1, 13)]
    lines = render_github(findings).splitlines()
    assert len(lines) == 10 + 1 + 2
    assert all("::add-mask::" not in line.split("::error", 1)[-1].split("::", 2)[0] for line in lines)
    assert not any(line.lstrip().startswith("::add-mask") for line in lines)
    # a newline inside the message is shown escaped (as in the text format), then % is encoded for the runner
    assert lines[0].endswith("``'x\\n::add-mask::s%25'``")
    assert lines[-1] == "  - a.py:12:1: DC201 f12.n: documented default ``'x\\n::add-mask::s%'``"


@pytest.mark.parametrize("colour", ["never", "always"])
def test_text_output_shows_control_characters_escaped(forging_tree, capsys, colour):
    folder, names = forging_tree
    code = cli.main(["check", "--no-cache", "--color", colour, "--", *names])
    out = capsys.readouterr().out
    assert code == 1
    without_colour = re.sub(r"\x1b\[[0-9;]*m", "", out)  # our own SGR colour codes, nothing else
    assert colour == "always" or without_colour == out
    for char in "\x1b\r\x85\x07\u2028\u202e\u2066":
        assert char not in without_colour, repr(char)
    cli.main(["check", "--no-cache", "--format", "json", "--", *names])
    expected = json.loads(capsys.readouterr().out)
    findings = [line for line in without_colour.splitlines() if re.match(r"[^ ].*:\d+:\d+: DC\d{3} ", line)]
    assert len(findings) == len(expected) == len(without_colour.splitlines()) - sum(
        len(f["derivation"]) for f in expected)  # one line per finding and step: nothing split or erased
    assert sum(f["code"] == "DC201" for f in expected) >= 12  # the forged defaults are reported, escaped
    assert any(line.startswith("x\\n::error file=README.md,line=1::forged.py:5:33: DC201") for line in findings)
    assert any(line.startswith("y\\x1b[2Jz.py:") for line in findings)
    assert "\\x1b]0;window title\\x07\\x1b[2K" in without_colour and "\\u2028::stop-commands" in without_colour


HOSTILE_EXPLAIN = '''\
import torch
from torch import nn
from torch.nn import init


class Loud(nn.Module):
    """A layer."""

    def __init__(self, n, mode="\\x1b]0;title\\x07\\x1b[2K\\u2028"):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, n))
        init.kaiming_uniform_(self.weight, a="\x1b[2J\x1b[H\u202e", nonlinearity="relu")  # raw ESC in the line
'''


def test_explain_output_shows_control_characters_escaped(tmp_path, monkeypatch, capsys):
    (tmp_path / "loud.py").write_text(HOSTILE_EXPLAIN)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["explain", "loud.py::Loud"]) == 0
    out = capsys.readouterr().out
    for char in "\x1b\x07\u2028\u202e":
        assert char not in out, repr(char)
    assert "\\x1b[2J\\x1b[H\\u202e" in out  # shown, escaped, on the source line and in the derivation
    assert "effective    U(−√(6/n), √(6/n))" in out


def test_error_messages_naming_a_file_are_escaped(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "--", "missing\x1b[2J.py"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "missing\\x1b[2J.py" in err


def test_the_shared_sanitiser():
    from doccheck.terminal import printable

    assert printable("a\x1b[2Jb\nc\r\u2028\u2029\u202e\u2066\x85\x00\udcff") == \
        "a\\x1b[2Jb\\nc\\r\\u2028\\u2029\\u202e\\u2066\\x85\\x00\\udcff"
    assert printable("U(−√(6/n), √(6/n)) · π ü 中 │ •\ttab") == "U(−√(6/n), √(6/n)) · π ü 中 │ •\ttab"


# ---------------------------------------------------------------------------- 6. SARIF URIs

# RFC 3986, section 3 and 4.1, written out from the ABNF (no IP literals: doccheck writes none)
_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_SEGMENT = rf"{_PCHAR}*"
_SEGMENT_NZ_NC = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}@]|{_PCT})+"
_QUERY = rf"(?:{_PCHAR}|[/?])*"
_AUTHORITY = rf"(?:(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*@)?(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*(?::\d*)?"
_PATH_ABEMPTY = rf"(?:/{_SEGMENT})*"
_PATH_ABSOLUTE = rf"/(?:{_PCHAR}+(?:/{_SEGMENT})*)?"
_URI = (rf"[A-Za-z][A-Za-z0-9+\-.]*:(?://{_AUTHORITY}{_PATH_ABEMPTY}|{_PATH_ABSOLUTE}|{_PCHAR}+(?:/{_SEGMENT})*|)"
        rf"(?:\?{_QUERY})?(?:#{_QUERY})?")
_RELATIVE_REF = (rf"(?://{_AUTHORITY}{_PATH_ABEMPTY}|{_PATH_ABSOLUTE}|{_SEGMENT_NZ_NC}(?:/{_SEGMENT})*|)"
                 rf"(?:\?{_QUERY})?(?:#{_QUERY})?")


def is_uri_reference(text: str) -> bool:
    return re.fullmatch(_URI, text) is not None or re.fullmatch(_RELATIVE_REF, text) is not None


def test_the_uri_reference_check_is_strict():
    for good in ("a%20b.py", "dir/x.py", "file:///tmp/a%20b.py", "m%C3%BCller.py", "../x.py"):
        assert is_uri_reference(good), good
    for bad in ("a b.py", "müller.py", "100%.py", "a#b#c.py", "x\ny.py", "[x].py", "q?x=1.py#a#b"):
        assert not is_uri_reference(bad), bad
    # valid references that do not name the file: c:d.py has the scheme c, q?x=1.py is q with a query
    assert is_uri_reference("c:d.py") and is_uri_reference("q?x=1.py")


SARIF_NAMES = {"a b.py": "a%20b.py", "q?x=1.py": "q%3Fx%3D1.py", "müller.py": "m%C3%BCller.py",
               "c:d.py": "c%3Ad.py", "x#y.py": "x%23y.py", "100%.py": "100%25.py", "[x].py": "%5Bx%5D.py"}


def test_sarif_artifact_uris_are_percent_encoded(tmp_path, monkeypatch, capsys):
    from urllib.parse import unquote

    folder = tmp_path / "sub dir"
    folder.mkdir()
    for name in SARIF_NAMES:
        (folder / name).write_text(WRONG_LAYER.format(name="L"))
    outside = tmp_path / "out side"
    outside.mkdir()
    (outside / "ü.py").write_text(WRONG_LAYER.format(name="L"))
    monkeypatch.chdir(folder)
    assert cli.main(["check", "--no-cache", "--format", "sarif", "--", *SARIF_NAMES, str(outside / "ü.py")]) == 1
    run = json.loads(capsys.readouterr().out)["runs"][0]
    uris = {}
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert is_uri_reference(location["uri"]), location["uri"]
        uris[location["uri"]] = location.get("uriBaseId")
    expected = {uri: "%SRCROOT%" for uri in SARIF_NAMES.values()}
    expected[(outside / "ü.py").as_uri()] = None
    assert uris == expected
    assert {unquote(uri) for uri in SARIF_NAMES.values()} == set(SARIF_NAMES)
    assert is_uri_reference(run["originalUriBaseIds"]["%SRCROOT%"]["uri"])
    assert (outside / "ü.py").as_uri().endswith("/out%20side/%C3%BC.py")


def test_sarif_uri_of_a_non_utf8_file_name_keeps_its_bytes(tmp_path):
    from doccheck.formats import relative_uri

    name = os.fsdecode(b"caf\xe9.py")  # latin-1 bytes: a lone surrogate in Python's str
    uri, relative = relative_uri(str(tmp_path / name), tmp_path)
    assert (uri, relative) == ("caf%E9.py", True) and is_uri_reference(uri)


# ---------------------------------------------------------------------------- 7. --jobs bounds

@pytest.mark.parametrize("value", ["1e20", "0", "-1", "abc", "", "1.5", str(10 ** 30), "100000"])
def test_jobs_out_of_range_is_a_usage_error(tmp_path, monkeypatch, capsys, value):
    (tmp_path / "layer.py").write_text(WRONG_LAYER.format(name="L"))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "--jobs", value, "--", "layer.py"]) == 2
    err = capsys.readouterr().err
    assert "--jobs" in err and "internal error" not in err and "Traceback" not in err


def test_jobs_never_starts_more_workers_than_files(tmp_path, monkeypatch, capsys):
    from doccheck import engine
    from doccheck.engine import Config, _jobs

    assert _jobs(Config(jobs=engine.max_jobs()), 3) == 3
    assert _jobs(Config(jobs=2), 28) == 2 and _jobs(Config(jobs=1), 0) == 1
    monkeypatch.setattr(engine, "max_jobs", lambda: 1000)
    assert _jobs(Config(jobs=1000), 28) == 28
    started = []
    import concurrent.futures

    real = concurrent.futures.ProcessPoolExecutor

    class Recording(real):
        def __init__(self, workers, *args, **kwargs):
            started.append(workers)
            super().__init__(workers, *args, **kwargs)

    monkeypatch.setattr(engine, "ProcessPoolExecutor", Recording, raising=False)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Recording)
    for i in range(3):
        (tmp_path / f"l{i}.py").write_text(WRONG_LAYER.format(name="L"))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "--no-cache", "--jobs", "1000", "--", "l0.py", "l1.py", "l2.py"]) == 1
    capsys.readouterr()
    assert started == [3]
