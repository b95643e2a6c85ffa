"""Pathological inputs and real trees: every one ends in findings, within bounds, never in a crash or a hang.

* Budgets: huge powers, long loops, deep nesting, huge files and docstrings, LaTeX that expands badly,
  cyclic and absurdly deep inheritance, symbolic proofs sympy cannot finish, a per-file time budget.
  Each input is a layer in a throw-away package; the run must finish within a stated time, produce
  the documented finding (DC003 for a stopped analysis, DC103/DC102/DC101/DC002 for one claim or
  statement) and never DC000.
* Crashes of native code (libcst's parser overflows its stack on deep expressions) run in a
  subprocess, so a segfault fails the test instead of killing the test run.
* A fixed set of real trees (torch/nn, sympy/core, docutils/parsers) through ``scripts/torture.py``
  in a subprocess: zero DC000, under 60 s, under a memory bound.  The full site-packages run is
  ``python scripts/torture.py`` (see its docstring).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sympy

from doccheck import limits
from doccheck.engine import Config, run

REPO = Path(__file__).resolve().parent.parent
SITE = Path(sympy.__file__).resolve().parent.parent

HEADER = """\
import math
import torch
from torch import nn
from torch.nn import init
"""

DOC = r'''    r"""A layer.

    Attributes:
        weight: the learnable weights, initialized from :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})`
            where :math:`k = \frac{1}{n}`
    """
'''


def layer(body: str, name: str = "Layer", base: str = "nn.Module", doc: str = DOC) -> str:
    body = textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8)
    return (f"class {name}({base}):\n{doc}    def __init__(self, n):\n        super().__init__()\n"
            f"        self.weight = nn.Parameter(torch.empty(n, n))\n{body}\n\n")


def write_package(root: Path, files: dict[str, str], package: str = "patho") -> Path:
    folder = root / package
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").write_text("")
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.parent != folder and not (path.parent / "__init__.py").exists():
            (path.parent / "__init__.py").write_text("")
        path.write_text(text)
    return folder


def check(target: Path, seconds: float, **config) -> list:
    """Run doccheck on `target`; assert it finishes within `seconds` and reports no internal error."""
    started = time.perf_counter()
    result = run([str(target)], Config(select=("ALL",), cache=False, jobs=1, **config))
    elapsed = time.perf_counter() - started
    internal = [f for f in result.findings if f.code == "DC000"]
    assert not internal, internal
    assert elapsed < seconds, f"took {elapsed:.1f} s (bound {seconds} s)"
    return result.findings


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def only(findings, code: str) -> list:
    return [f for f in findings if f.code == code]


# ---------------------------------------------------------------------------- budgets of the code model

HUGE_ARITHMETIC = {
    "power_tower": ("x = 2 ** 10 ** 10", "number too large"),
    "power_big_base": ("x = 7 ** 123456789", "number too large"),
    "power_negative": ("x = 3 ** -(10 ** 8)", "number too large"),
    "power_symbolic": ("x = n ** 10 ** 9", "exponent"),
    "math_pow": ("x = math.pow(10, 10 ** 9)", "number too large"),
    "power_of_root": ("x = math.sqrt(2) ** (10 ** 9)", "exponent"),
    "repeated_squaring": ("x = 3\nfor _ in range(64):\n    x = x * x", "number too large"),
}


@pytest.mark.parametrize("name", sorted(HUGE_ARITHMETIC))
def test_huge_exact_arithmetic_is_refused_not_computed(tmp_path, name):
    # Python's big integers cannot be interrupted: 2 ** 10 ** 10 must never be attempted.
    statement, reason = HUGE_ARITHMETIC[name]
    folder = write_package(tmp_path, {"layers.py": HEADER + layer(statement + "\ninit.uniform_(self.weight, -x, x)")})
    findings = check(folder, 30)
    unresolved = only(findings, "DC103")
    assert len(unresolved) == 1 and reason in unresolved[0].message, findings


def test_long_symbolic_loop_ends_within_the_node_budget(tmp_path):
    body = "x = 1\nfor i in range(200):\n    for j in range(200):\n        x = x * n + i\ninit.uniform_(self.weight, -x, x)"
    folder = write_package(tmp_path, {"layers.py": HEADER + layer(body)})
    findings = check(folder, 60)
    assert codes(findings) == ["DC103"], findings


def test_file_time_budget_stops_the_file_with_dc003(tmp_path):
    # ~20,000 symbolic steps of a few hundred microseconds each: seconds of work, well inside the node budget
    body = ("for i in range(200):\n    for j in range(200):\n        y = (n + i) ** 3 * (n - j)\n"
            "init.uniform_(self.weight, -y, y)")
    folder = write_package(tmp_path, {"slow.py": HEADER + layer(body), "fine.py": HEADER + layer(
        "init.uniform_(self.weight, -1, 1)")})
    findings = check(folder, 20, timeout=0.5)
    stopped = only(findings, "DC003")
    assert [Path(f.path).name for f in stopped] == ["slow.py"], findings
    assert "time budget" in stopped[0].message and "initialization check" in stopped[0].message
    # the other file was checked in full
    assert [Path(f.path).name for f in only(findings, "DC101")] == ["fine.py"]


def test_time_budget_reaches_into_sympy(monkeypatch):
    # bounded() stops third-party code (here a long sympy computation) at the deadline
    n = sympy.Symbol("n", positive=True)
    started = time.perf_counter()
    with pytest.raises(limits.LimitExceeded):
        with limits.bounded(0.5):
            sympy.simplify(sympy.expand((n + 1) ** 300) - (n + 1) ** 300)
    assert time.perf_counter() - started < 5
    assert sys.getprofile() is None


def test_deadlines_nest_and_never_extend():
    with limits.deadline(100):
        outer = limits.remaining()
        with limits.deadline(1000):
            assert limits.remaining() <= outer
        with limits.deadline(0):
            time.sleep(0.01)
            with pytest.raises(limits.LimitExceeded):
                limits.check()
    assert limits.remaining() is None
    limits.check()  # no deadline: never raises


def test_symbolic_proof_sympy_cannot_finish_is_unresolved(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "DEFAULT_COMPARISON_SECONDS", 1.0)
    n = sympy.Symbol("n")
    expanded = str(sympy.expand((n + 1) ** 200))
    doc = r'''    r"""A layer.

    Attributes:
        weight: initialized from :math:`\mathcal{U}(-(n + 1)^{200}, (n + 1)^{200})`
    """
'''
    folder = write_package(tmp_path, {"layers.py": HEADER + layer(
        f"x = {expanded}\ninit.uniform_(self.weight, -x, x)", doc=doc)})
    findings = check(folder, 30)
    assert codes(findings) == ["DC103"] and "within 1 s" in findings[0].message, findings


# ---------------------------------------------------------------------------- nesting and size

def test_deeply_nested_parentheses(tmp_path):
    body = "x = " + "(" * 190 + "n" + ")" * 190 + "\ninit.uniform_(self.weight, -x, x)"
    folder = write_package(tmp_path, {"layers.py": HEADER + layer(body)})
    findings = check(folder, 30)
    assert codes(findings) == ["DC101"], findings  # U(-n, n) is not U(-1/√n, 1/√n)


@pytest.mark.parametrize("terms", [2_000, 20_000])
def test_very_long_expressions(tmp_path, terms):
    body = "x = " + " + ".join(["n"] * terms) + "\ninit.uniform_(self.weight, -x, x)"
    folder = write_package(tmp_path, {"layers.py": HEADER + layer(body)})
    findings = check(folder, 60)
    assert findings and set(codes(findings)) <= {"DC002", "DC101", "DC103"}, findings


def test_deep_boolean_chain_does_not_crash_the_native_parser(tmp_path):
    # Python's parser accepts `a and a and ... and a` (a flat BoolOp); libcst nests it one level per
    # operand and its native parser overflows the C stack (SIGSEGV) at a few thousand operands.
    body = "x = " + " and ".join(["n"] * 8000) + "\ninit.uniform_(self.weight, -x, x)"
    folder = write_package(tmp_path, {"layers.py": HEADER + layer(body)})
    env = {**os.environ, "PYTHONPATH": str(REPO), "DOCCHECK_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "doccheck", "--select", "ALL", "--format", "json", str(folder)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])
    found = json.loads(proc.stdout)
    assert found and {f["code"] for f in found} <= {"DC002", "DC103"}, found


CLAIM_LINE = "weight: initialized from :math:`\\\\mathcal{U}(-1, 1)` and set to zero.\n"


def test_huge_docstring_is_reported_not_read(tmp_path):
    doc = '    """A layer.\n\n' + ("        " + CLAIM_LINE) * (limits.MAX_DOCSTRING_CHARS // 40)
    folder = write_package(tmp_path, {"layers.py": HEADER + layer("init.uniform_(self.weight, -1, 1)",
                                                                  doc=doc + '    """\n')})
    findings = check(folder, 60)
    assert codes(findings) == ["DC003"] and "docstring not read" in findings[0].message, findings


def test_docstring_of_thousands_of_claims_is_bounded_by_the_file_budget(tmp_path):
    # under the size limit, but every line is a claim: the doc model's work is cut at the file's deadline
    doc = '    """A layer.\n\n' + ("        " + CLAIM_LINE) * 2000 + '    """\n'
    folder = write_package(tmp_path, {"layers.py": HEADER + layer("init.uniform_(self.weight, -1, 1)", doc=doc)})
    findings = check(folder, 30, timeout=2)
    assert codes(findings) == ["DC003"] and "time budget" in findings[0].message, findings


def test_huge_file_is_reported_not_parsed(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 2000)
    folder = write_package(tmp_path, {"big.py": HEADER + layer("init.uniform_(self.weight, -1, 1)") + "#" * 3000,
                                      "small.py": HEADER + layer("init.uniform_(self.weight, -1, 1)")})
    findings = check(folder, 30)
    assert [(Path(f.path).name, f.code) for f in findings] == [("big.py", "DC003"), ("small.py", "DC101")]


# ---------------------------------------------------------------------------- LaTeX that expands badly

LATEX = {
    "prod_million": r"\prod_{i=0}^{1000000} n",
    "sum_million": r"\sum_{i=1}^{1000000} \frac{1}{i}",
    "nested_frac": "\\frac{1}{" * 500 + "n" + "}" * 500,
    "power_tower": "2^{2^{2^{2^{2^{2^{2}}}}}}",
    "huge_literal": "1" + "0" * 5000,
    "nested_sqrt": "\\sqrt{" * 300 + "n" + "}" * 300,
}


@pytest.mark.parametrize("name", sorted(LATEX))
def test_latex_that_expands_badly(tmp_path, name):
    doc = ('    r"""A layer.\n\n    Attributes:\n        weight: initialized from :math:`\\mathcal{U}(-k, k)` '
           f'where :math:`k = {LATEX[name]}`\n    """\n')
    folder = write_package(tmp_path, {"layers.py": HEADER + layer("init.uniform_(self.weight, -1, 1)", doc=doc)})
    findings = check(folder, 30)
    assert findings and set(codes(findings)) <= {"DC101", "DC102", "DC103"}, findings


# ---------------------------------------------------------------------------- inheritance

def test_cyclic_inheritance_is_reported(tmp_path):
    source = HEADER + layer("init.uniform_(self.weight, -1, 1)", name="A", base="B") + layer(
        "pass", name="B", base="A")
    folder = write_package(tmp_path, {"layers.py": source})
    findings = check(folder, 30)
    assert codes(findings) == ["DC103", "DC103"] and all("cyclic inheritance" in f.message for f in findings)


def test_absurdly_deep_inheritance_in_one_file(tmp_path):
    parts = [HEADER, layer("init.uniform_(self.weight, -1, 1)", name="C0")]
    parts += [f"class C{i}(C{i - 1}):\n    pass\n\n" for i in range(1, 300)]
    parts.append(layer("init.uniform_(self.weight, -1, 1)", name="Top", base="C299"))
    folder = write_package(tmp_path, {"layers.py": "".join(parts)})
    findings = check(folder, 60)
    top = [f for f in findings if f.object.startswith("Top.")]
    assert codes(top) == ["DC103"] and "deeper than" in top[0].message, findings


def test_absurdly_deep_inheritance_across_250_modules(tmp_path):
    files = {"chain/m0.py": HEADER + layer("init.uniform_(self.weight, -1, 1)", name="C0")}
    for i in range(1, 250):
        files[f"chain/m{i}.py"] = f"from .m{i - 1} import C{i - 1}\n\n\nclass C{i}(C{i - 1}):\n    pass\n"
    files["chain/top.py"] = HEADER + "from .m249 import C249\n\n\n" + layer(
        "init.uniform_(self.weight, -1, 1)", name="Top", base="C249")
    folder = write_package(tmp_path, files)
    findings = check(folder / "chain" / "top.py", 60)
    assert codes(findings) == ["DC103"] and "deeper than" in findings[0].message, findings


# ---------------------------------------------------------------------------- real trees

FIXED_SET = ["torch/nn", "sympy/core", "docutils/parsers"]
MEMORY_BOUND_MB = 1500


def test_torture_on_a_fixed_set_of_real_packages(tmp_path):
    targets = [str(SITE / t) for t in FIXED_SET if (SITE / t).is_dir()]
    assert targets, f"none of {FIXED_SET} under {SITE}"
    report = tmp_path / "report.json"
    env = {**os.environ, "PYTHONPATH": str(REPO), "DOCCHECK_CACHE_DIR": str(tmp_path / "cache")}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "torture.py"), "--json", str(report),
                           "--memory-mb", str(MEMORY_BOUND_MB), *targets],
                          capture_output=True, text=True, env=env, timeout=170)
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads(report.read_text())
    assert summary["files"] > 250
    assert summary["internal_errors"] == [], summary["internal_errors"]
    assert summary["failed_chunks"] == [], summary["failed_chunks"]
    assert summary["peak_rss_mb"] < MEMORY_BOUND_MB
    assert elapsed < 60, f"{elapsed:.1f} s"


# ---------------------------------------------------------------------------- huge numbers in messages

@pytest.mark.parametrize("value", [sympy.Integer(2) ** 20000, -sympy.Integer(3) ** 20000,
                                   sympy.Rational(1, 7 ** 9000), sympy.Rational(5 ** 8000, 3)],
                         ids=["2^20000", "-3^20000", "1/7^9000", "5^8000/3"])
def test_formulas_with_huge_numbers_can_be_printed(value):
    # Python refuses str() of integers with more than 4300 digits; findings must still print
    from doccheck.symbolic import to_text

    text = to_text(value)
    assert len(text) < 100 and "e" in text
    assert "n" in to_text(sympy.Symbol("n") * value)


def test_parameters_registered_in_loops_under_unknown_conditions_stay_fast(tmp_path):
    # thousands of parameters under computed names, each behind a condition the interpreter cannot decide:
    # every branch is joined, and each join must not cost time quadratic in the number of parameters
    body = ("for i in range(250):\n    for j in range(8):\n        if n > j:\n"
            "            self.register_parameter(f'w{i}_{j}', nn.Parameter(torch.empty(n)))\n"
            "            init.zeros_(self.weight)\ninit.uniform_(self.weight, -1, 1)")
    folder = write_package(tmp_path, {"layers.py": HEADER + layer(body)})
    check(folder, 30)


# ---------------------------------------------------------------------------- odd line breaks

@pytest.mark.parametrize("odd", ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"],
                         ids=["form-feed", "vt", "fs", "gs", "rs", "nel", "line-sep", "par-sep"])
def test_characters_that_str_splitlines_breaks_at_but_python_does_not(tmp_path, odd):
    # Python ends lines only at \n, \r\n and \r; str.splitlines() also at \f, \v, \x1c-\x1e, \x85,
    # U+2028/2029.  A form feed on its own line (page breaks, as in CPython's own sources) or one of these
    # in a comment or string must not shift the lines doccheck cuts statements from.
    alone = f"\n{odd}\n" if odd == "\x0c" else "\n"  # only a form feed may stand alone on a line
    source = (HEADER + f"{alone}# a comment with {odd} inside\nNAME = 'a string with {odd} inside'\n\n\n"
              + layer("init.uniform_(self.weight, -1, 1)"))
    folder = write_package(tmp_path, {"layers.py": source})
    findings = check(folder, 30)
    assert codes(findings) == ["DC101"], findings
    claim_line = next(i for i, line in enumerate(source.split("\n"), 1) if "initialized from" in line)
    assert findings[0].line == claim_line


def test_a_base_class_that_cannot_be_parsed_leaves_the_claim_unresolved(tmp_path):
    # Python accepts the base class, libcst cannot take it (here: past the nesting guard); the base is
    # only parsed when the subclass's constructor is followed, which must not end in an internal error
    base = ("class DeepBase(nn.Module):\n    def __init__(self, n):\n        super().__init__()\n"
            "        self.flag = " + " and ".join(["n"] * 3000) + "\n\n\n")
    source = HEADER + base + layer("init.uniform_(self.weight, -1, 1)", base="DeepBase")
    folder = write_package(tmp_path, {"layers.py": source})
    findings = check(folder, 60)
    assert codes(findings) == ["DC103"] and "cannot be parsed" in findings[0].message, findings
