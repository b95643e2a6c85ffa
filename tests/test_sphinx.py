"""The Sphinx extension ``doccheck.sphinx`` on small test roots, and a build of the project's own ``docs/``.

Test roots live in ``tests/roots/test-*/``; each has its own layer module with a
distinct name, because autodoc imports a module once per process.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from docutils import nodes

pytest_plugins = ("sphinx.testing.fixtures",)

# Sphinx 9's own napoleon still reads autodoc options as a mapping; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:The mapping interface for autodoc options")

TESTS = Path(__file__).parent
ROOTS = TESTS / "roots"
REPO = TESTS.parent


@pytest.fixture
def build(make_app, tmp_path):
    """Build one test root (copied, so nothing is written into the repository) and return the app.

    ``make_app`` comes from ``sphinx.testing``; it is used directly rather than through
    ``@pytest.mark.sphinx`` so that no marker has to be registered for this module alone.
    """

    def run(root: str, **confoverrides):
        src = tmp_path / root
        shutil.copytree(ROOTS / f"test-{root}", src)
        app = make_app("html", srcdir=src, builddir=tmp_path / f"{root}-build", freshenv=True,
                       confoverrides=confoverrides)
        app.build()
        return app

    return run


def _warnings(app) -> str:
    from sphinx.util.console import strip_colors

    return strip_colors(app.warning.getvalue())


def _doccheck_warnings(app) -> list[str]:
    return [line for line in _warnings(app).splitlines() if "doccheck" in line and "WARNING" in line]


def _tables(app, docname: str = "index") -> list[nodes.table]:
    doctree = app.env.get_doctree(docname)
    return [t for t in doctree.findall(nodes.table) if "doccheck-init" in t.get("classes", [])]


def _class_tables(app, class_id: str) -> list[nodes.table]:
    """The doccheck tables inside the autodoc entry of one class."""
    doctree = app.env.get_doctree("index")
    for desc in doctree.findall(lambda n: n.tagname == "desc"):
        signature = desc.children[0]
        if class_id in signature.get("ids", []):
            return [t for t in desc.findall(nodes.table) if "doccheck-init" in t.get("classes", [])]
    raise AssertionError(f"{class_id} is not documented")


def _rows(table: nodes.table) -> list[list[str]]:
    """Each body row as the text of its cells; math cells as their LaTeX."""
    rows = []
    for row in table.findall(nodes.row):
        if isinstance(row.parent, nodes.thead):
            continue
        rows.append([cell.astext() for cell in row.findall(nodes.entry)])
    return rows


def _math_in(table: nodes.table) -> list[str]:
    return [m.astext() for m in table.findall(nodes.math)]


def _module_file(name: str) -> Path:
    """The file autodoc imported a root's module from: the first copy built in this process, as modules
    are imported once (so never assume the current test's copy)."""
    return Path(sys.modules[name].__file__)


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


# ---------------------------------------------------------------------------- LaTeX rendering


def _torch_class(qualname: str):
    from doccheck import knowledge as knowledge_module
    from doccheck.codemodel.classes import evaluate_class
    from doccheck.explain import resolve_target
    from doccheck.project import Project

    project = Project()
    return evaluate_class(project, knowledge_module.load(), resolve_target(qualname, project))


@pytest.mark.parametrize("qualname", ["torch.nn.Linear", "torch.nn.Conv2d", "torch.nn.ConvTranspose2d",
                                      "torch.nn.Embedding", "torch.nn.MultiheadAttention"])
def test_rendered_latex_reads_back_as_the_same_distribution(qualname):
    """The LaTeX shown in the docs, read by doccheck's own LaTeX reader, is provably the effective distribution."""
    import sympy

    from doccheck.docmodel.latex import parse_latex
    from doccheck.sphinx import distribution_latex, std_latex
    from doccheck.symbolic import equal

    code = _torch_class(qualname)
    checked = 0
    for param in code.params:
        dist = param.distribution
        if dist is None or dist.family not in ("uniform", "normal"):
            continue
        parsed = parse_latex(distribution_latex(dist))
        if dist.family == "uniform":
            assert type(parsed).__name__ == "DocUniform"
            assert equal(parsed.args[0], dist.param("low")) is True
            assert equal(parsed.args[1], dist.param("high")) is True
            expected_std = (dist.param("high") - dist.param("low")) / sympy.sqrt(12)
        else:
            assert type(parsed).__name__ == "DocNormal"
            assert equal(parsed.args[0], dist.param("mean")) is True
            assert equal(parsed.args[1], dist.param("std") ** 2) is True
            expected_std = dist.param("std")
        assert equal(parse_latex(std_latex(dist, param.shape)), expected_std) is True
        checked += 1
    assert checked >= 1


def test_latex_names_are_upright_words_with_escaped_underscores():
    import sympy

    from doccheck.model import Distribution
    from doccheck.sphinx import distribution_latex, shape_latex, tex_name

    assert tex_name("in_features") == r"\text{in\_features}"
    assert tex_name("kernel_size[0]") == r"\text{kernel\_size}[0]"
    assert tex_name("k") == "k"
    n = sympy.Symbol("in_features", positive=True)
    uniform = Distribution("uniform", (("low", -1 / sympy.sqrt(n)), ("high", 1 / sympy.sqrt(n))))
    assert distribution_latex(uniform) == (r"\mathcal{U}\left(- \frac{1}{\sqrt{\text{in\_features}}}, "
                                           r"\frac{1}{\sqrt{\text{in\_features}}}\right)")
    assert distribution_latex(Distribution("normal", (("mean", 0), ("std", sympy.Float(0.02))))) == \
        r"\mathcal{N}\left(0, 0.02^{2}\right)"
    assert distribution_latex(Distribution("normal", (("mean", 0), ("std", 1 / sympy.sqrt(n))))) == \
        r"\mathcal{N}\left(0, \frac{1}{\text{in\_features}}\right)"
    assert distribution_latex(Distribution("constant", (("value", sympy.Integer(1)),))) == "1"
    assert shape_latex((sympy.Symbol("out_features", positive=True), n)) == \
        r"(\text{out\_features}, \text{in\_features})"


# ---------------------------------------------------------------------------- the extension on test roots


def test_consistent_layer_gets_the_block_with_the_right_math_and_no_warning(build):
    app = build("doccheck-consistent")
    assert app.statuscode == 0
    assert _doccheck_warnings(app) == []

    dense = _class_tables(app, "dcsphinx_consistent.Dense")
    assert len(dense) == 1
    rows = _rows(dense[0])
    assert [r[0] for r in rows] == ["weight", "bias"]
    bound = r"\frac{1}{\sqrt{\text{in\_features}}}"
    math = _math_in(dense[0])
    assert rf"\mathcal{{U}}\left(- {bound}, {bound}\right)" in math
    assert r"\frac{1}{\sqrt{3 \cdot \text{in\_features}}}" in math  # the standard deviation
    assert r"(\text{out\_features}," in math and r"\text{in\_features})" in math  # the shape
    source = REPO / "tests/roots/test-doccheck-consistent/dcsphinx_consistent.py"
    weight_line = _line_of(source, "init.kaiming_uniform_(self.weight")
    assert rows[0][4] == f"dcsphinx_consistent.py:{weight_line}"
    assert rows[0][5].startswith("✓ agrees")

    # a class without init claims still gets its table (evaluated outside the CLI's claim prefilter)
    scale = _rows(_class_tables(app, "dcsphinx_consistent.Scale")[0])
    assert scale[0][0] == "gain" and scale[0][2] == "constant 1" and scale[0][5] == "not stated"
    # a class without parameters gets none
    assert _class_tables(app, "dcsphinx_consistent.NotALayer") == []

    html = (app.outdir / "index.html").read_text()
    assert html.count("Effective initialization") == 2
    assert "disagrees" not in html


def test_wrong_docstring_is_one_warning_at_the_docstring_line(build):
    app = build("doccheck-mismatch")
    warnings = _doccheck_warnings(app)
    source = _module_file("dcsphinx_mismatch")
    line = _line_of(source, r"initialized from :math:`\mathcal{U}")
    assert len(warnings) == 1, _warnings(app)
    assert warnings[0].startswith(f"{source}:{line}: WARNING: doccheck DC101: WideDense.weight: "
                                  "documented U(-1/√out_features, 1/√out_features), but the code initializes "
                                  "U(-1/√in_features, 1/√in_features)")
    assert warnings[0].endswith("[doccheck.DC101]")
    # the page shows it too: the verdict cell and the findings box
    rows = _rows(_class_tables(app, "dcsphinx_mismatch.WideDense")[0])
    assert rows[0][5].startswith("✗ states") and rows[1][5].startswith("✓ agrees")
    html = (app.outdir / "index.html").read_text()
    assert "The docstring disagrees with the code" in html and "DC101" in html


def test_wrong_docstring_fails_a_W_build_and_a_consistent_one_passes(tmp_path, capsys):
    from sphinx.cmd.build import build_main

    codes = {}
    for name in ("mismatch", "consistent"):
        src = tmp_path / name
        shutil.copytree(ROOTS / f"test-doccheck-{name}", src)
        codes[name] = build_main(["-W", "-E", "-q", "-b", "html", str(src), str(tmp_path / f"{name}-out")])
    err = capsys.readouterr().err
    assert codes == {"mismatch": 1, "consistent": 0}, err
    assert "DC101" in err


def test_doccheck_warn_off_keeps_the_block_without_warnings(build):
    app = build("doccheck-mismatch", doccheck_warn=False)
    assert _doccheck_warnings(app) == []
    assert len(_class_tables(app, "dcsphinx_mismatch.WideDense")) == 1


def test_doccheck_annotate_off_warns_without_the_block(build):
    app = build("doccheck-mismatch", doccheck_annotate=False)
    assert len(_doccheck_warnings(app)) == 1
    assert _tables(app) == []
    assert "Effective initialization" not in (app.outdir / "index.html").read_text()


def test_doccheck_select_leaves_out_unselected_codes(build):
    app = build("doccheck-mismatch", doccheck_select=["DC103"])
    assert _doccheck_warnings(app) == []
    html = (app.outdir / "index.html").read_text()
    assert "Effective initialization" in html and "disagrees" not in html


def test_unresolvable_layer_gets_no_block_and_no_warning(build):
    app = build("doccheck-unresolvable")
    assert app.statuscode == 0
    assert _doccheck_warnings(app) == []
    assert _tables(app) == []
    html = (app.outdir / "index.html").read_text()
    assert "A square map with weights from a QR decomposition." in html  # the docstring, as written
    assert "Effective initialization" not in html


def test_unresolvable_claim_is_reported_when_dc103_is_selected(build):
    app = build("doccheck-unresolvable", doccheck_select=["DC103"])
    warnings = _doccheck_warnings(app)
    assert len(warnings) == 1 and "DC103: QrOrthogonal.weight" in warnings[0], _warnings(app)
    assert _tables(app) == []


def test_engine_error_is_one_warning_and_the_build_completes(build, monkeypatch):
    import doccheck.engine

    calls = []

    def broken(*args, **kwargs):
        calls.append(args[0])
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(doccheck.engine, "check_file", broken)
    app = build("doccheck-consistent")
    warnings = _doccheck_warnings(app)
    assert len(calls) == 1  # analysed once per file (cached), though three classes come from it
    assert len(warnings) == 1, _warnings(app)
    assert "doccheck: internal error while analysing" in warnings[0]
    assert "RuntimeError: engine exploded" in warnings[0]
    assert "[doccheck.internal]" in warnings[0]
    html = (app.outdir / "index.html").read_text()
    assert "An affine map" in html and "Effective initialization" not in html


def test_code_model_error_is_one_warning_per_class_and_the_build_completes(build, monkeypatch):
    import doccheck.codemodel.classes

    def broken(*args, **kwargs):
        raise ZeroDivisionError("code model exploded")

    monkeypatch.setattr(doccheck.codemodel.classes, "evaluate_class", broken)
    app = build("doccheck-consistent")
    warnings = _doccheck_warnings(app)
    assert all("code model exploded" in w for w in warnings), _warnings(app)
    source = _module_file("dcsphinx_consistent")
    at = {name: f"{source}:{_line_of(source, f'class {name}')}: WARNING: doccheck"
          for name in ("Dense", "Scale", "NotALayer")}
    # Dense has claims: the engine's checkers report their failures as DC000 findings (one per checker that
    # needs the code model), and the extension adds nothing of its own for that class
    dense = [w for w in warnings if w.startswith(at["Dense"])]
    assert dense and all(" DC000: internal error in the " in w for w in dense)
    # Scale and NotALayer have no claims: only the extension evaluates them, one warning each
    for name in ("Scale", "NotALayer"):
        mine = [w for w in warnings if w.startswith(at[name])]
        assert len(mine) == 1 and f"internal error while documenting {name}" in mine[0]
    assert len(warnings) == len(dense) + 2
    assert "Effective initialization" not in (app.outdir / "index.html").read_text()


def test_rendering_error_is_one_warning_per_class(build, monkeypatch):
    import doccheck.sphinx

    def broken(report):
        raise ValueError("renderer exploded")

    monkeypatch.setattr(doccheck.sphinx, "block_lines", broken)
    app = build("doccheck-consistent")
    warnings = _doccheck_warnings(app)
    assert len(warnings) == 2 and all("renderer exploded" in w for w in warnings), _warnings(app)
    assert all("[doccheck.internal]" in w for w in warnings)
    assert app.statuscode == 0


@pytest.mark.parametrize("use_docutils", [False, True])
def test_sphinx_roles_still_render_cross_references_with_the_extension_on(make_app, tmp_path, monkeypatch,
                                                                          use_docutils):
    """doccheck's docstring parsing inside a build leaves Sphinx's roles and docutils' registries alone."""
    from docutils.parsers.rst import directives, roles

    from doccheck.docmodel import claims, rst

    monkeypatch.setattr(claims, "USE_DOCUTILS", use_docutils)
    original_parse = rst.parse_rest
    snapshots = []

    def watched(*args, **kwargs):
        before = (dict(roles._roles), set(directives._directives))
        result = original_parse(*args, **kwargs)
        after = (dict(roles._roles), set(directives._directives))
        snapshots.append((before, after))
        return result

    monkeypatch.setattr(rst, "parse_rest", watched)
    monkeypatch.setattr(rst, "_CACHE", {})  # parses are cached by text: start empty so this build parses
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-doccheck-xref", src)
    app = make_app("html", srcdir=src, freshenv=True)
    app.build()
    assert app.statuscode == 0
    assert _doccheck_warnings(app) == []

    html = (app.outdir / "index.html").read_text()
    for target in ("dcsphinx_xref.Encoder", "dcsphinx_xref.Projection", "dcsphinx_xref.Encoder.weight",
                   "dcsphinx_xref.Projection.weight"):
        assert re.search(rf'<a class="reference internal" href="#{re.escape(target)}"', html), target
    # :class:`Encoder` inside Projection's docstring, and the default role after the autodoc entries
    assert 'title="dcsphinx_xref.Encoder"><code class="xref py py-class' in html
    tail = html[html.index("After the classes"):]
    assert '<a class="reference internal" href="#dcsphinx_xref.Projection"' in tail.split("</p>")[0]
    # the doctree has Sphinx's pending references resolved, never doccheck's generic stand-in literals
    doctree = app.env.get_doctree("index")
    assert not [n for n in doctree.findall(nodes.literal) if "xref" in n.get("classes", [])
                and "py" not in n.get("classes", [])]
    assert len(_tables(app)) == 2
    if use_docutils:
        assert snapshots, "the doc model did not parse with docutils during the build"
        for before, after in snapshots:
            assert before[0] == after[0]  # roles._roles untouched
            assert after[1] - before[1] <= {"math", "note", "seealso", "warning"} | before[1]


def test_the_extension_declares_parallel_safety():
    import doccheck.sphinx

    class Recorder:
        def __init__(self):
            self.config_values = {}
            self.connected = []

        def setup_extension(self, name):
            assert name == "sphinx.ext.autodoc"

        def add_config_value(self, name, default, rebuild, types=()):
            self.config_values[name] = default

        def connect(self, event, handler, priority=500):
            self.connected.append((event, priority))

        def add_html_math_renderer(self, name, inline, block):
            self.renderers = [*getattr(self, "renderers", []), name]

    recorder = Recorder()
    metadata = doccheck.sphinx.setup(recorder)
    assert metadata["parallel_read_safe"] is True and metadata["parallel_write_safe"] is True
    assert recorder.config_values == {"doccheck_annotate": True, "doccheck_warn": True, "doccheck_select": [],
                                      "doccheck_rules": [], "doccheck_config": None}
    assert ("autodoc-process-docstring", doccheck.sphinx.PRIORITY) in recorder.connected
    assert doccheck.sphinx.PRIORITY > 500  # after napoleon
    assert recorder.renderers == ["mathml"] and ("config-inited", 500) in recorder.connected  # offline math


# ---------------------------------------------------------------------------- the project's own docs


def test_project_docs_build_offline_with_only_the_expected_warning(make_app, tmp_path):
    """docs/ builds (math as MathML, no CDN), autodocs torch.nn with the extension, warns only for SyncBatchNorm.

    The slowest test here (a few seconds: torch is imported and five torch files analysed); it runs in CI.
    """
    pytest.importorskip("torch")
    started = time.perf_counter()
    # sphinx.testing swaps alabaster for "basic" unless the theme is given explicitly
    app = make_app("html", srcdir=REPO / "docs", builddir=tmp_path / "build", freshenv=True,
                   confoverrides={"html_theme": "alabaster"})
    app.build()
    elapsed = time.perf_counter() - started
    warnings = [line for line in _warnings(app).splitlines() if "WARNING" in line or "ERROR" in line
                or "CRITICAL" in line]
    assert len(warnings) == 1, "\n".join(warnings)
    assert "batchnorm.py" in warnings[0]
    assert "doccheck DC101: SyncBatchNorm.weight: documented U(0, 1), but the code initializes constant 1" \
        in warnings[0]
    assert app.statuscode == 0
    assert elapsed < 60, f"docs build took {elapsed:.1f} s"

    out = Path(app.outdir)
    torch_page = (out / "torch.html").read_text()
    assert torch_page.count('<p class="rubric">Effective initialization</p>') == 7
    assert torch_page.count("The docstring disagrees with the code") == 1
    for name in ("Linear", "Conv2d", "ConvTranspose2d", "LSTM", "Embedding", "BatchNorm2d", "SyncBatchNorm"):
        assert f'id="torch.nn.{name}"' in torch_page
    # math is MathML written at build time: no MathJax, nothing fetched from a CDN
    assert "<math" in torch_page and "𝒰" in torch_page and "math-fallback" not in torch_page
    for page in out.glob("*.html"):
        text = page.read_text()
        assert not re.search(r"<script[^>]*mathjax", text, re.I), page.name
        assert not re.search(r'<script[^>]+src="https?://', text), page.name
        assert not re.search(r'<link[^>]+href="https?://', text), page.name

    # every registered check has its section on the rules page, with its examples
    from doccheck.catalogue import all_checks

    rules_page = (out / "rules.html").read_text()
    for check in all_checks():
        assert f'id="rule-{check.code.lower()}"' in rules_page
        assert f"{check.code} · {check.name}" in rules_page
    assert rules_page.count("doccheck-bad") >= len(all_checks())

    index = (out / "index.html").read_text()
    for page in ("usage", "sphinx-extension", "rules", "torch"):
        assert f'href="{page}.html"' in index
    assert sys.modules.get("doccheck.sphinx") is not None
