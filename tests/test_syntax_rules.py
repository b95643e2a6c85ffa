"""DC001 (control-character escapes, malformed LaTeX) and DC004 (reST errors after napoleon)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from doccheck.checkers.syntax import latex_problems, math_fragments, math_runs
from doccheck.catalogue import get
from doccheck.docmodel import rst
from doccheck.engine import Config, run

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "fixtures" / "rules"
MARKER = re.compile(r"^[ \t]*#[ \t]*doccheck-expect:[ \t]*(DC001|DC004)[ \t]+(\S+)[ \t]*$", re.MULTILINE)


@pytest.fixture(scope="module")
def fixture_run():
    return run([str(RULES)], Config(select=("ALL",), cache=False, jobs=1))


def test_fixture_findings_equal_the_markers(fixture_run):
    want = {(p.name, m.group(1), m.group(2)) for p in RULES.glob("*.py") if p.name != "__init__.py"
            for m in MARKER.finditer(p.read_text())}
    got = {(Path(f.path).name, f.code, f.object) for f in fixture_run.findings if f.code in ("DC001", "DC004")}
    assert got == want, f"missed: {sorted(want - got)}; false alarms: {sorted(got - want)}"


def test_findings_point_at_the_problem(fixture_run):
    text = (RULES / "syntax.py").read_text().splitlines()

    def at(obj, code="DC001"):
        return [text[f.line - 1][f.column - 1:] for f in fixture_run.findings if f.object == obj and f.code == code]

    assert at("NotRaw")[0].startswith("\\frac")  # the escape, in the file
    assert at("OpenBrace")[0].startswith("{\\text{in\\_features}")  # the brace that never closes
    assert at("LeftAlone")[0].startswith("\\left(")
    assert sorted(at("DoubleScript")) == sorted(["^3`, and an environment closed by the wrong name:",
                                                 "\\end{cases}"])
    assert at("text_escape")[0].startswith("\\text{x}")
    assert at("Unclosed", "DC004")[0].startswith("r\"\"\"An inline literal") or at("Unclosed", "DC004")


@pytest.mark.parametrize("formula, problem", [
    (r"\frac{1}{\text{in\_features}", "unbalanced '{'"),
    (r"a}", "unmatched '}'"),
    (r"\left( a", "\\left without a matching \\right"),
    (r"a \right)", "\\right without a matching \\left"),
    (r"\left a \right)", "\\left without a delimiter"),
    (r"\begin{cases} a \end{array}", "\\end{array} without a matching \\begin"),
    (r"\begin{aligned} a &= b", "\\begin{aligned} without a matching \\end"),
    (r"x^", "'^' without an argument"),
    (r"x_{}^", "'^' without an argument"),
    (r"x^a^b", "double superscript"),
    (r"x^{a}_{b}^{c}", "double superscript"),
    (r"x_a_b", "double subscript"),
    (r"\frac{1}", "\\frac needs 2 arguments"),
    (r"\sqrt", "\\sqrt without its argument"),
    (r"\text", "\\text without its argument"),
    ("x \\", "lone backslash"),
    (r"a & b", "'&' outside an alignment environment"),
    (r"\mathcal{U}(-\sqrt{k}, \sqrt{k}", "'(' is never closed"),
    (r"(N, C, H", "'(' is never closed"),
    (r"N, C)", "closing bracket without an opening one"),
    (r"a \middle| b", "\\middle outside"),
])
def test_malformed(formula, problem):
    problems = latex_problems(formula)
    assert problems and problem in problems[0].message, problems


@pytest.mark.parametrize("formula", [
    r"\mathcal{U}(-\sqrt{k}, \sqrt{k})",
    r"(\text{out\_channels}, \frac{\text{in\_channels}}{\text{groups}}, \text{kernel\_size[0]})",
    r"[0, 1)",  # a half-open interval balances
    r"(0, \infty]",
    r"\{1, 2\}",  # escaped braces are characters
    r"\left\{ x \right.",  # a null delimiter
    r"\left\| x \right\|_2",
    r"\left\lfloor\frac{\texttt{in\_features}}{\texttt{div\_value}^{idx}}\right\rfloor",
    r"\odot \otimes \operatorname{softmax}(x)_i \foo{x} \unknowncommand",  # unsupported is not malformed
    r"\frac12 + \sqrt[3]{x}",
    r"x_i^2 + {x^2}^3 + x'^2 + f'(x)^2",
    r"\sum_{i=0}^{n} x_i \prod_{j} y_j",
    r"\begin{cases} x & \text{if } x > 0 \\ 0 & \text{otherwise} \end{cases}",
    r"W_\text{hi}|W_\text{hf}",
    r"y = \frac{x - \mathrm{E}[x]}{ \sqrt{\mathrm{Var}[x] + \epsilon}} * \gamma + \beta",
    r"\text{out}(N_i, C_{\text{out}_j}) = \text{bias}(C_{\text{out}_j}) + \sum_{k = 0}^{C_{\text{in}} - 1}",
    r"a \& b",
    "",
])
def test_renderable(formula):
    assert latex_problems(formula) == []


def test_adjacent_roles_balance_together():
    text = "of shape :math:`(\\text{a},`\n    :math:`\\text{b})` and :math:`(c` alone"
    runs = math_runs(text)
    assert [[f.text for f in run_] for run_ in runs] == [["(\\text{a},", "\\text{b})"], ["(c"]]
    assert [(f.offset, f.text, f.aligned) for f in math_fragments(".. math::\n\n    a = b\n\n    c = d\n\nafter")] \
        == [(11, "    a = b", True), (22, "    c = d", True)]


def _latex_findings(tmp_path, doc: str) -> list[str]:
    path = tmp_path / "m.py"
    path.write_text(f'def f():\n    r"""{doc}\n    """\n')
    return [f.message for f in run([str(path)], Config(select=("DC001",), cache=False, jobs=1)).findings]


@pytest.mark.parametrize("doc", [
    # several equations: Sphinx puts them in `aligned` (HTML and LaTeX), so `&` aligns them
    "Steps.\n\n    .. math::\n        x_0 &= a\n\n        x_1 &= b + c\n        + d\n",
    # one equation with a line break: Sphinx wraps it in `split`
    "Steps.\n\n    .. math::\n\n        v &= m v + g \\\\\n        w &= w - v\n",
    # the directive's argument is an equation of its own
    "Steps.\n\n    .. math:: x &= a\n\n        y &= b\n",
    # an environment of its own
    "Cases.\n\n    .. math::\n        y = \\begin{cases} 1 & x > 0 \\\\ 0 & \\text{else} \\end{cases}\n",
])
def test_ampersand_legal_where_sphinx_aligns(tmp_path, doc):
    assert _latex_findings(tmp_path, doc) == []


@pytest.mark.parametrize("doc, wanted", [
    # one equation, no line break: MathJax shows "Misplaced &"
    ("One.\n\n    .. math::\n        x &= a + b\n", "Misplaced &"),
    # :no-wrap: typesets the text as written, without an environment
    ("One.\n\n    .. math::\n        :no-wrap:\n\n        x &= a\n\n        y &= b\n", "'&' outside"),
    # a role is inline math: never aligned
    ("Inline :math:`x &= a \\\\ y &= b`.", "'&' outside"),
    # a raw docstring that doubles the backslash: a line break, then the letters "frac"
    ("Scaled by :math:`\\\\frac{1}{2}`.", "line break followed by the letters 'frac'"),
    ("Steps.\n\n    .. math::\n        y = \\\\sqrt{x}\n", "letters 'sqrt'"),
])
def test_ampersand_and_doubled_backslash_reported(tmp_path, doc, wanted):
    (message,) = _latex_findings(tmp_path, doc)
    assert wanted in message


def test_escapes_only_where_a_word_follows_a_tab(tmp_path):
    path = tmp_path / "tabs.py"
    path.write_text('def f():\n    """Columns are split on "\\t".\n\n    Also :math:`\\theta`.\n    """\n')
    result = run([str(path)], Config(select=("DC001",), cache=False, jobs=1))
    # the tab before a quote is on purpose; the one that ate the backslash of \\theta is not
    (finding,) = result.findings
    assert "`\\theta`" in finding.message and "control character" in finding.message
    assert path.read_text().splitlines()[finding.line - 1][finding.column - 1:].startswith("\\theta")


def test_raw_docstrings_are_never_decoded(tmp_path, monkeypatch):
    from doccheck.checkers import signature

    path = tmp_path / "raw.py"
    path.write_text('class A:\n    r"""Scaled by :math:`\\frac{1}{2}`."""\n')
    calls = []
    original = signature.docstring_of
    monkeypatch.setattr(signature, "docstring_of", lambda *a: calls.append(a) or original(*a))
    assert run([str(path)], Config(select=("DC001",), cache=False, jobs=1)).findings == []
    assert calls == []  # nothing to report: no positions computed


def test_rest_check_knows_sphinx_and_is_opt_in(fixture_run):
    assert get("DC001").default and not get("DC004").default
    objects = {f.object for f in fixture_run.findings if f.code == "DC004"}
    assert "Renderable" not in objects  # :class:, :func:, .. versionadded::, .. seealso:: are no errors
    before = rst.stats["docutils"]
    run([str(RULES / "syntax.py")], Config(cache=False, jobs=1))
    assert rst.stats["docutils"] == before  # the default selection never runs docutils


def test_default_run_imports_no_docutils_for_docstring_syntax():
    code = (
        "import sys\n"
        "from doccheck.engine import Config, run\n"
        f"r = run([{str(RULES / 'syntax.py')!r}], Config(select=('DC001',), cache=False, jobs=1))\n"
        "assert {f.object for f in r.findings} >= {'NotRaw', 'OpenBrace'}, r.findings\n"
        "heavy = [m for m in ('docutils', 'sphinx', 'sympy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_registry_entries():
    for code, name in (("DC001", "docstring-syntax"), ("DC004", "rest-syntax")):
        check = get(code)
        assert check.name == name and len(check.rationale) > 200 and check.bad != check.good


MARKDOWN_DOC = '''def dense(units, activation=None):
    """Just your regular densely-connected layer.

    Args:
        units: Positive integer.
        activation: Activation function to use.
            If you don't specify anything, no activation is applied.
    - a Markdown list
    continued without indentation

    Example:

    ```python
    >>> layer = Dense(3)
    ```
    """
'''
REST_DOC = MARKDOWN_DOC.replace("```python", "Code::").replace("    ```\n", "")


@pytest.mark.parametrize("fmt, markdown_findings", [("auto", 0), ("markdown", 0), ("rest", 1)])
def test_markdown_docstrings_are_not_parsed_as_rest(tmp_path, fmt, markdown_findings):
    (tmp_path / "md.py").write_text(MARKDOWN_DOC)
    (tmp_path / "rst.py").write_text(REST_DOC)
    result = run([str(tmp_path)], Config(select=("DC004",), cache=False, jobs=1, docstring_format=fmt))
    by_file = [Path(f.path).name for f in result.findings]
    assert by_file.count("md.py") == markdown_findings, result.findings
    # a reST docstring keeps its real error (the list that ends without a blank line) unless the project is Markdown
    assert by_file.count("rst.py") == (0 if fmt == "markdown" else 1), result.findings


def test_docstring_format_is_configurable(tmp_path):
    from doccheck.config import ConfigError, load

    (tmp_path / "pyproject.toml").write_text('[tool.doccheck]\ndocstring-format = "markdown"\n')
    assert load(tmp_path / "pyproject.toml").docstring_format == "markdown"
    (tmp_path / "pyproject.toml").write_text('[tool.doccheck]\ndocstring-format = "md"\n')
    with pytest.raises(ConfigError, match="docstring-format"):
        load(tmp_path / "pyproject.toml")
