"""Sphinx extension: the effective initialization next to the docstring, and mismatches as warnings.

Usage, in a project's ``conf.py``::

    extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "doccheck.sphinx"]
    doccheck_annotate = True      # append an "Effective initialization" table to each layer's docstring
    doccheck_warn = True          # each selected finding on a documented class is a Sphinx warning
    doccheck_select = []          # codes/prefixes as for ``doccheck --select``; [] = doccheck's defaults
    doccheck_rules = []           # extra rules files (TOML), relative to the conf.py folder
    doccheck_config = None        # a configuration file (relative to conf.py); None: the one found from conf.py

The configuration is the one ``doccheck check`` reads (``[tool.doccheck]`` in the ``pyproject.toml`` found
from the conf.py folder upwards: rules files, symbol aliases, select/ignore, per-file ignores, baseline);
suppression comments are honoured.  ``doccheck_select`` and ``doccheck_rules`` only override it.

How it works.  autodoc has already imported every object it documents; for a
class, ``inspect.getsourcefile`` names its file and that file is analysed
statically by the same pipeline as ``doccheck check`` (``engine.check_file``
with one shared ``Project`` per build), so a docs build warns exactly where
the command line reports.  Nothing is imported by doccheck itself.  The
classes a file's run did not evaluate (no init claim in their docstring) are
evaluated on demand with ``codemodel.classes.evaluate_class`` for the table.
Results are cached per source file for the build (a new build, e.g. the next
test, starts afresh).

The handler for ``autodoc-process-docstring`` is connected with priority 600,
after napoleon (500), so what it appends is plain reST that napoleon never
sees.  It appends, for a class with at least one parameter whose distribution
is known:

* a rubric **Effective initialization** and a table (parameter, shape,
  distribution as ``:math:``, standard deviation, where the code decides it,
  what the docstring says);
* a ``warning`` admonition listing the selected findings, so the rendered
  page shows a wrong docstring too.

Each selected finding is also a Sphinx warning located at the docstring line
(``path/to/file.py:LINE``), of type ``doccheck`` and subtype the code, so
``sphinx-build -W`` fails on a wrong docstring and
``suppress_warnings = ["doccheck.DC101"]`` silences one kind.

Robustness: whatever goes wrong inside the extension — an engine bug, sympy,
an odd object — becomes one warning (type ``doccheck``, subtype ``internal``)
per source file or per class, and the build goes on with the docstring as it
was.  The docutils parsing the doc model does uses a private role/directive
lookup (see ``doccheck.docmodel.rst``), so docutils' process-wide registries,
which Sphinx fills with its own roles, are never touched during a build.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from doccheck.symbolic import as_sympy

__all__ = ["setup", "expr_latex", "shape_latex", "shape_rest", "distribution_latex", "distribution_rest", "std_latex",
           "symmetric_bound",
           "tex_name", "ClassReport", "Row", "block_lines"]

PRIORITY = 600  # napoleon connects with the default 500; run after it


# ============================================================================ LaTeX

_TEXT_SPECIALS = {"\\": r"\textbackslash{}", "_": r"\_", "#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&",
                  "{": r"\{", "}": r"\}", "^": r"\^{}", "~": r"\~{}"}
_INDEXED = re.compile(r"^(?P<base>[A-Za-z_][\w.]*)\[(?P<index>[^\]]+)\]$")


def _tex_text(text: str) -> str:
    return "".join(_TEXT_SPECIALS.get(ch, ch) for ch in text)


def tex_name(name: str) -> str:
    """A constructor argument as LaTeX: ``in_features`` -> ``\\text{in\\_features}``.

    One-letter names stay italic math variables (``k``); longer names are one
    upright word, never a product of letters; ``kernel_size[0]`` keeps its
    index: ``\\text{kernel\\_size}[0]``.
    """
    match = _INDEXED.match(name)
    if match:
        return f"{tex_name(match['base'])}[{_tex_text(match['index'])}]"
    if len(name) == 1 and name.isalpha():
        return name
    return r"\text{" + _tex_text(name) + "}"


_PRINTERS: dict[bool, Any] = {}


def _printer(inline: bool = False):
    """The LaTeX printer; ``inline`` writes short fractions as ``a / b`` (for shapes)."""
    if inline not in _PRINTERS:
        from sympy.printing.latex import LatexPrinter

        class DoccheckLatexPrinter(LatexPrinter):
            """sympy's LaTeX printer with constructor arguments as upright words."""

            def _print_Symbol(self, expr, style="plain"):
                return tex_name(expr.name)

            _print_Dummy = _print_Symbol

        _PRINTERS[inline] = DoccheckLatexPrinter({"mul_symbol": "dot", "fold_short_frac": inline})
    return _PRINTERS[inline]


def _has_fractional_power(expr) -> bool:
    import sympy

    return any(isinstance(node, sympy.Pow) and node.exp.is_Rational and not node.exp.is_Integer
               for node in sympy.preorder_traversal(expr))


def _radical(expr) -> str | None:
    """``√g/(√a·√b)`` -> ``\\sqrt{\\frac{g}{a \\cdot b}}``: one root over a fraction, as docs write it.

    Used when the expression has a fixed sign, its square has no roots left,
    and the root is not already simple (``1/√x`` and ``2·√x`` print well as
    they are).
    """
    import sympy

    if not _has_fractional_power(expr) or not expr.free_symbols:
        return None
    sign = 1 if expr.is_positive else -1 if expr.is_negative else 0
    if sign == 0:
        return None
    coeff, rest = expr.as_coeff_Mul()
    if coeff.is_Rational and isinstance(rest, sympy.Pow) and rest.base.is_Symbol and abs(rest.exp) == sympy.S.Half:
        return None  # c·√x or c/√x: already as simple as it gets
    square = sympy.factor(sympy.simplify(expr ** 2))
    if _has_fractional_power(square):
        return None
    numerator, denominator = sympy.fraction(square)
    printer = _printer()
    prefix = "-" if sign < 0 else ""
    if numerator == 1:
        return prefix + r"\frac{1}{\sqrt{" + printer.doprint(denominator) + "}}"
    return prefix + r"\sqrt{" + printer.doprint(square) + "}"


def expr_latex(value, inline: bool = False) -> str:
    """LaTeX for one symbolic value (a sympy expression, number or anything sympify accepts)."""
    import sympy

    try:
        expr = as_sympy(value)
    except (sympy.SympifyError, TypeError, ValueError):
        return r"\text{" + _tex_text(str(value)) + "}"
    if not inline:
        try:
            radical = _radical(expr)
        except Exception:  # a sympy corner case: fall back to the plain printing
            radical = None
        if radical is not None:
            return radical
    return _printer(inline).doprint(expr)


def shape_latex(shape: tuple | None) -> str | None:
    """``(out_features, in_features)`` as LaTeX; None for an unknown shape."""
    if shape is None:
        return None
    parts = [expr_latex(dim, inline=True) for dim in shape]
    return "(" + ", ".join(parts) + ")"


def _variance_latex(std) -> str:
    """The second argument of 𝒩(μ, σ²): ``σ^{2}`` for plain numbers and names, else σ² worked out."""
    import sympy

    std = as_sympy(std)
    if std == 1:
        return "1"
    if std.is_Symbol or std.is_Integer or std.is_Float:
        return expr_latex(std) + "^{2}"
    if std.is_Rational:
        return r"\left(" + expr_latex(std) + r"\right)^{2}"
    variance = sympy.simplify(std ** 2)
    if not _has_fractional_power(variance):
        return expr_latex(variance)
    return r"\left(" + expr_latex(std) + r"\right)^{2}"


def distribution_latex(dist) -> str:
    """A `doccheck.model.Distribution` as one LaTeX formula.

    uniform -> ``\\mathcal{U}(low, high)``, normal -> ``\\mathcal{N}(mean, std^2)``,
    trunc_normal -> ``\\mathcal{N}_{[a, b]}(mean, std^2)``, constant -> the value,
    and words (``\\text{…}``) for the structured families.
    """
    p = dist.param_dict
    family = dist.family
    if family == "uniform":
        return rf"\mathcal{{U}}\left({expr_latex(p['low'])}, {expr_latex(p['high'])}\right)"
    if family == "normal":
        return rf"\mathcal{{N}}\left({expr_latex(p['mean'])}, {_variance_latex(p['std'])}\right)"
    if family == "trunc_normal":
        return (rf"\mathcal{{N}}_{{[{expr_latex(p['a'])},\, {expr_latex(p['b'])}]}}"
                rf"\left({expr_latex(p['mean'])}, {_variance_latex(p['std'])}\right)")
    if family == "constant":
        return expr_latex(p["value"])
    if family == "orthogonal":
        return rf"\text{{orthogonal, gain }} {expr_latex(p['gain'])}"
    if family == "sparse":
        return (rf"\text{{sparse (zero fraction }} {expr_latex(p['sparsity'])}\text{{), else }}"
                rf"\mathcal{{N}}\left(0, {_variance_latex(p['std'])}\right)")
    if family == "eye":
        return r"\text{identity matrix}"
    if family == "dirac":
        return rf"\text{{Dirac delta, groups }} {expr_latex(p['groups'])}"
    if family == "uninitialized":
        return r"\text{uninitialized memory}"
    args = ", ".join(rf"\text{{{_tex_text(k)}}} = {expr_latex(v)}" for k, v in dist.params)
    return rf"\text{{{_tex_text(family)}}}\left({args}\right)"


def _math(latex: str) -> str:
    """An inline ``:math:`` role; backquotes cannot occur in LaTeX we produce, but never break the role."""
    return ":math:`" + latex.replace("`", "'") + "`"


def shape_rest(shape: tuple | None) -> str | None:
    """A table cell: the shape with each dimension as its own ``:math:`` (so a long shape can wrap)."""
    if shape is None:
        return None
    if not shape:
        return _math("()")
    parts = [expr_latex(dim, inline=True) for dim in shape]
    # the punctuation goes inside the math: a line may then break only at the spaces between dimensions
    return " ".join(_math(("(" if i == 0 else "") + part + (")" if i == len(parts) - 1 else ","))
                    for i, part in enumerate(parts))


def symmetric_bound(dist):
    """``a`` when the distribution is U(-a, a) with a long ``a`` worth naming once, else None."""
    import sympy

    if dist.family != "uniform":
        return None
    low, high = as_sympy(dist.param("low")), as_sympy(dist.param("high"))
    try:
        symmetric = sympy.simplify(low + high) == 0
    except Exception:  # noqa: BLE001
        return None
    if not symmetric or len(high.free_symbols) < 2:
        return None
    return high


def distribution_rest(dist) -> str:
    """A table cell: the distribution as reST (math for formulas, words for the structured families).

    A symmetric uniform whose bound involves several sizes is written as
    torch's docs write it, naming the bound once: U(-a, a), where a = ….
    """
    family = dist.family
    bound = symmetric_bound(dist)
    if bound is not None:
        return _math(r"\mathcal{U}\left(-a, a\right)") + ", where " + _math("a = " + expr_latex(bound))
    if family == "constant":
        return "constant " + _math(distribution_latex(dist))
    if family in ("eye", "uninitialized"):
        return {"eye": "identity matrix", "uninitialized": "uninitialized memory (never written)"}[family]
    return _math(distribution_latex(dist))


def std_latex(dist, shape: tuple | None = None) -> str | None:
    """The standard deviation of one entry as LaTeX, or None when it has no closed form here."""
    import sympy

    from doccheck.distributions import moments

    found = moments(dist, shape)
    if found is None:
        return None
    variance = sympy.simplify(found["variance"])
    return expr_latex(sympy.sqrt(variance))


# ============================================================================ reST output

_RST_SPECIALS = re.compile(r"([\\`*_|\[\]<>:])")


def _escape(text: str) -> str:
    """Plain text safe inside reST (no markup, references or substitutions)."""
    return _RST_SPECIALS.sub(r"\\\1", text)


def _literal(text: str) -> str:
    text = text.replace("`", "'")
    return f"``{text}``" if text.strip() else ""


@dataclass
class Row:
    """One parameter's line of the table, already rendered as reST cells."""

    name: str
    shape: str
    distribution: str
    std: str
    source: str
    docstring: str


@dataclass
class ClassReport:
    """What the extension shows and reports for one documented class."""

    name: str
    rows: list[Row] = field(default_factory=list)
    findings: list = field(default_factory=list)  # doccheck.model.Finding, selected
    resolved: bool = False  # at least one parameter's distribution is known


def block_lines(report: ClassReport) -> list[str]:
    """The reST appended to a class's docstring."""
    out = ["", ".. rubric:: Effective initialization", "",
           "Computed by doccheck from the source (the constructor and ``reset_parameters``), "
           "for any values of the constructor's arguments.", "",
           ".. list-table::", "   :header-rows: 1", "   :class: doccheck-init", "",
           "   * - Parameter", "     - Shape", "     - Distribution", "     - Std. dev.",
           "     - Decided at", "     - Docstring"]
    for row in report.rows:
        cells = [row.name, row.shape, row.distribution, row.std, row.source, row.docstring]
        out.append("   * - " + (cells[0] or "\\ "))
        out.extend("     - " + (cell or "\\ ") for cell in cells[1:])
    if report.findings:
        out += ["", ".. admonition:: The docstring disagrees with the code", "   :class: warning doccheck-findings", ""]
        for finding in report.findings:
            out.append(f"   * **{finding.code}** {_escape(finding.message)}")
    out.append("")
    return out


# ============================================================================ analysis


class _Failure:
    """An internal error while analysing a file or class: reported once, then the docstring is left alone."""

    def __init__(self, exc: BaseException, where: str):
        self.reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        self.where = where
        self.reported = False


@dataclass
class _FileAnalysis:
    path: Path
    root: Path | None
    info: Any  # doccheck.parse.ModuleInfo
    result: Any  # doccheck.engine.FileResult
    classes: dict[str, Any] = field(default_factory=dict)  # name -> ClassReport | None | _Failure
    reported: set = field(default_factory=set)  # findings already turned into warnings


class _State:
    """Per Sphinx application: the shared project, the rules and the per-file cache of one build."""

    def __init__(self) -> None:
        self.reset()

    def reset(self, *args) -> None:
        self.project = None
        self.knowledge = None
        self.config = None
        self.setup = None
        self.files: dict[str, _FileAnalysis | _Failure] = {}
        self.last_event: tuple[str, Any] | None = None

    # ---------------------------------------------------------------- engine
    def _setup_engine(self, app) -> None:
        if self.project is not None:
            return
        from doccheck.analysis import Options, Session, configure

        confdir = Path(str(app.confdir))
        rules = tuple(str((confdir / r).resolve()) for r in (app.config.doccheck_rules or []))
        select = tuple(str(code).strip().upper() for code in (app.config.doccheck_select or []) if str(code).strip())
        explicit = app.config.doccheck_config
        self.setup = configure([str(confdir)], Options(select=select, rules=rules, config_file=str(
            (confdir / explicit).resolve()) if explicit else None), find_files=False)
        self.config = self.setup.config
        session = Session(self.config)
        self.knowledge, self.project = session.knowledge, session.project

    def analyse_file(self, app, path: Path) -> _FileAnalysis | _Failure:
        key = str(path)
        cached = self.files.get(key)
        if cached is not None:
            return cached
        try:
            self._setup_engine(app)
            from doccheck import engine
            from doccheck.discover import module_name

            from doccheck.analysis import filter_findings

            config = self.setup.for_file(path)
            result = engine.check_file(path, self.project, self.knowledge, config)
            # what `doccheck check` would report: the per-file selection, then suppressions and the baseline
            result.findings = [f for f in result.findings if config.wants(f.code, f.path)]
            result.findings = filter_findings(engine.RunResult([result], result.findings, 0.0),
                                              self.setup.baseline).findings
            qualname, root = module_name(path)
            info = self.project.module(qualname)
            if info is None or str(Path(info.path).resolve()) != str(path.resolve()):
                info = None  # the file could not be parsed (DC002 in the result) or shadows another
            analysis: _FileAnalysis | _Failure = _FileAnalysis(path, root, info, result)
        except (Exception, *_limit_errors()) as exc:  # noqa: BLE001 — the build must go on
            analysis = _Failure(exc, f"while analysing {path}")
        self.files[key] = analysis
        return analysis

    def class_report(self, app, analysis: _FileAnalysis, name: str) -> ClassReport | None | _Failure:
        if name in analysis.classes:
            return analysis.classes[name]
        try:
            report = self._build_report(analysis, name)
        except (Exception, *_limit_errors()) as exc:  # noqa: BLE001
            report = _Failure(exc, f"while documenting {name} ({analysis.path})")
        analysis.classes[name] = report
        return report

    def _class_findings(self, analysis: _FileAnalysis, name: str, start: int, end: int) -> list:
        selected = []
        for finding in analysis.result.findings:
            mine = finding.object == name or finding.object.startswith(name + ".") or (
                not finding.object and start <= finding.line <= end)
            if mine and self.config.wants(finding.code, finding.path):
                selected.append(finding)
        return selected

    def _build_report(self, analysis: _FileAnalysis, name: str) -> ClassReport | None:
        import libcst as cst

        from doccheck.codemodel.classes import evaluate_class
        from doccheck.project import Definition

        info = analysis.info
        if info is None:
            return None
        chunk = next((c for c, n in info.classes() if n == name), None)
        if chunk is None:
            return None
        report = ClassReport(name)
        report.findings = self._class_findings(analysis, name, chunk.start, chunk.end)
        class_result = next((c for c in analysis.result.classes if c.name == name), None)
        if class_result is not None:
            code, verdicts = class_result.code, class_result.verdicts
        elif any(f.code == "DC000" for f in report.findings):
            return report  # the engine already failed on this class; its DC000 is the one report
        else:
            node = info.statement(chunk)
            if not isinstance(node, cst.ClassDef):
                return report
            try:
                code = _bounded(self.config, lambda: evaluate_class(
                    self.project, self.knowledge, Definition(info, node, f"{info.qualname}.{name}")))
            except _limit_errors() as exc:  # the budget ran out: as the CLI does, DC003 and no result
                from doccheck.model import Finding

                finding = Finding(str(analysis.path), chunk.keyword_line, 1, "DC003",
                                  f"{name}: analysis stopped in the code model: {exc} ran out")
                if self.config.wants(finding.code, finding.path):
                    report.findings.append(finding)
                return report
            verdicts = []
        if code is None:
            return report
        for param in code.params:
            report.rows.append(self._row(analysis, param, [v for v in verdicts if v.param is param]))
            report.resolved = report.resolved or param.distribution is not None
        return report

    def _row(self, analysis: _FileAnalysis, param, verdicts: list) -> Row:
        if param.name == "*":
            name = "all parameters (registered at run time)"
        else:
            name = _literal(param.name)
        shape = shape_rest(param.shape)
        if param.distribution is not None:
            distribution = distribution_rest(param.distribution)
            if symmetric_bound(param.distribution) is not None:
                std = r"a / \sqrt{3}"  # the a named in the distribution cell
            else:
                std = std_latex(param.distribution, param.shape)
            std_cell = _math(std) if std is not None else "—"
        else:
            distribution = "not determined: " + _escape(param.unresolved or "unresolved")
            std_cell = "—"
        where = param.decided_at or param.created_at
        source = _literal(f"{Path(where.path).name}:{where.line}") if where else "—"
        return Row(name, shape if shape is not None else ("varies" if param.name == "*" else "—"),
                   distribution, std_cell, source, self._verdict_cell(verdicts))

    @staticmethod
    def _verdict_cell(verdicts: list) -> str:
        if not verdicts:
            return "not stated"
        parts = []
        for verdict in verdicts:
            line = verdict.claim.position.line
            if verdict.status == "consistent":
                parts.append(f"✓ agrees (line {line})")
            elif verdict.status == "mismatch":
                documented = (" " + _math(distribution_latex(verdict.documented))) if verdict.documented else ""
                parts.append(f"✗ states{documented} (line {line})")
            elif verdict.status == "unresolved":
                parts.append(f"? cannot be checked (line {line})")
            elif verdict.status == "unreadable":
                parts.append(f"? unreadable claim (line {line})")
        return "; ".join(dict.fromkeys(parts)) or "not stated"


def _limit_errors() -> tuple[type[BaseException], ...]:
    """The engine's budget exception (a BaseException, so that ``except Exception`` never swallows it)."""
    try:
        from doccheck.limits import LimitExceeded
    except ImportError:  # an engine without budgets
        return ()
    return (LimitExceeded,)


def _bounded(config, work):
    """Run `work` under the engine's per-file time budget (as ``check_file`` does), when the engine has one."""
    try:
        from doccheck import limits
    except ImportError:
        return work()
    timeout = getattr(config, "timeout", None)
    what = f"the {timeout:g} s time budget per class" if timeout is not None else None
    with limits.deadline(timeout, what):
        return work()


# ============================================================================ Sphinx glue


def _logger():
    from sphinx.util import logging

    return logging.getLogger("doccheck.sphinx")


def _source_of(obj) -> tuple[Path, str] | None:
    """(source file, top-level class name) of an imported class, or None when doccheck cannot read it."""
    if not inspect.isclass(obj):
        return None
    qualname = getattr(obj, "__qualname__", "")
    if not qualname or "." in qualname or "<" in qualname:
        return None  # nested or local classes are not top-level definitions doccheck resolves
    try:
        source = inspect.getsourcefile(obj)
    except (TypeError, OSError):
        return None  # builtins, C extensions
    if not source or not source.endswith(".py"):
        return None
    path = Path(source)
    return (path, qualname) if path.is_file() else None


def _class_line(obj) -> int:
    """The line of the ``class`` statement (read through linecache; nothing is imported), or 1."""
    try:
        return inspect.getsourcelines(obj)[1] or 1
    except (OSError, TypeError, IndexError):
        return 1


def _report_failure(failure: _Failure, location: str | None) -> None:
    if failure.reported:
        return
    failure.reported = True
    _logger().warning("doccheck: internal error %s: %s (the docstring is shown as written)",
                      failure.where, failure.reason, type="doccheck", subtype="internal", location=location)


def _process_docstring(state: _State, app, what: str, name: str, obj, options, lines: list[str]) -> None:
    config = app.config
    if what != "class" or not (config.doccheck_annotate or config.doccheck_warn):
        return
    # with autoclass_content = "both" the event fires twice per class (class and __init__ docstrings)
    if state.last_event is not None and state.last_event[0] == name and state.last_event[1] is options:
        return
    state.last_event = (name, options)
    location = None
    try:
        source = _source_of(obj)
        if source is None:
            return
        path, class_name = source
        location = f"{path}:{_class_line(obj)}"
        analysis = state.analyse_file(app, path)
        if isinstance(analysis, _Failure):
            _report_failure(analysis, location)
            return
        report = state.class_report(app, analysis, class_name)
        if isinstance(report, _Failure):
            _report_failure(report, location)
            return
        if report is None:
            return
        if config.doccheck_warn:
            for finding in report.findings:
                key = (finding.path, finding.line, finding.code, finding.message)
                if key in analysis.reported:
                    continue
                analysis.reported.add(key)
                _logger().warning("doccheck %s: %s", finding.code, finding.message, type="doccheck",
                                  subtype=finding.code, location=f"{finding.path}:{finding.line}")
        if config.doccheck_annotate and report.resolved:
            block = block_lines(report)
            if lines and lines[-1].strip():
                lines.append("")
            lines.extend(block)
    except (Exception, *_limit_errors()) as exc:  # noqa: BLE001 — one warning, never a failed build
        _report_failure(_Failure(exc, f"while documenting {name}"), location)


def _add_static(app) -> None:
    """The stylesheet that keeps the table inside the body width (it scrolls rather than overflowing)."""
    if app.builder.format == "html":
        app.config.html_static_path.append(str(Path(__file__).parent / "static"))
        app.add_css_file("doccheck.css")


def setup(app) -> dict:
    app.setup_extension("sphinx.ext.autodoc")
    app.add_config_value("doccheck_annotate", True, "env", bool)
    app.add_config_value("doccheck_warn", True, "env", bool)
    app.add_config_value("doccheck_select", [], "env", (list, tuple))
    app.add_config_value("doccheck_rules", [], "env", (list, tuple))
    app.add_config_value("doccheck_config", None, "env", (str, type(None)))
    from doccheck import sphinx_mathml

    sphinx_mathml.register(app)  # offline math: MathML at build time unless conf.py chooses a renderer
    app.connect("builder-inited", _add_static)
    state = _State()
    app.connect("builder-inited", state.reset)

    def process_docstring(app, what, name, obj, options, lines):
        _process_docstring(state, app, what, name, obj, options, lines)

    app.connect("autodoc-process-docstring", process_docstring, priority=PRIORITY)
    from doccheck import __version__

    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
