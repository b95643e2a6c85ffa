"""Fuzzing every stage with hypothesis: any input ends in a documented outcome, never in a crash.

Targets and the only outcomes allowed:

* LaTeX reader (`parse_latex`) on random token strings and random well-formed formulas: a value or
  `LatexError`.
* Doc model (`init_claims` on a `DocString` built from a random Google/reST docstring made of realistic
  sections, roles, math and noise): a list of `Claim` — and no claim whose error is an internal error the
  doc model caught (that would be a crash wearing a DC102).
* Code model (`evaluate_class` on a random class body built from the init constructs: Parameter creation,
  register_parameter, reset_parameters with init.* calls, if/for/while/with/try, arithmetic, tuple
  unpacking, super calls, setattr loops, helpers), written to a throw-away package: a `ClassInit` or None,
  whose distributions can be printed and compared with a documented claim.
* Whole pipeline (`engine.run` on random truncations, byte flips, insertions, deletions and line swaps of
  real torch files, torch/nn/modules/*.py, placed in a shadow ``torch/nn/modules`` so that their relative
  imports resolve to the real torch): findings only, and never DC000 (DC002 for unparsable input is fine;
  DC003 only for a size limit, not for the time budget).

The CI run is short and reproducible (``derandomize=True``); ``scripts/fuzz_long.py`` runs the same
strategies and checks (the ``check_*`` functions and ``*_inputs`` strategies here) with many more examples.
"""

from __future__ import annotations

import ast
import itertools
import tempfile
import textwrap
from pathlib import Path

import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from doccheck import knowledge as knowledge_module

SITE = Path(sympy.__file__).resolve().parent.parent
TORCH_MODULES = SITE / "torch" / "nn" / "modules"

CI = settings(max_examples=200, deadline=None, derandomize=True, database=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.function_scoped_fixture])


def examples(n: int):
    return settings(CI, max_examples=n)


_KNOWLEDGE = None


def knowledge():
    global _KNOWLEDGE
    if _KNOWLEDGE is None:
        _KNOWLEDGE = knowledge_module.load()
    return _KNOWLEDGE


# ============================================================================ LaTeX

LATEX_TOKENS = [
    r"\frac", r"\tfrac", r"\dfrac", r"\sqrt", r"\mathcal", r"\mathcal{U}", r"\mathcal{N}", r"\text", r"\mathrm",
    r"\operatorname", r"\mathbf", r"\text{in\_features}", r"\text{out\_features}", r"\text{fan\_in}",
    r"\left", r"\right", r"\cdot", r"\times", r"\div", r"\pm", r"\pi", r"\gamma", r"\alpha", r"\sigma",
    r"\epsilon", r"\varepsilon", r"\prod", r"\sum", r"\log", r"\ln", r"\exp", r"\sin", r"\cos", r"\max",
    r"\min", r"\lfloor", r"\rfloor", r"\lceil", r"\rceil", r"\leq", r"\geq", r"\neq", r"\le", r"\ge", r"\in",
    r"\infty", r"\,", r"\;", r"\!", r"\ ", r"\\", r"\{", r"\}", r"\_", r"\begin{cases}", r"\end{cases}",
    r"\mid", r"\vert", r"\ldots", r"\dots", r"\quad", r"\mathbb{R}", r"\sim", r"\approx",
    "&", "{", "}", "(", ")", "[", "]", "|", "^", "_", "+", "-", "*", "/", "=", "<", ">", ",", ".", ";", ":",
    "!", "'", " ", "  ", "0", "1", "2", "3", "0.5", ".5", "1e-5", "1e999", "1e-999", "10^{10}", "2^{1000}",
    "999999999999999999999", "k", "n", "x", "in", "out", "C_{in}", r"C_\text{in}", "fan_in", "groups",
    "x[0]", "kernel\\_size[1]", "i", "e", "%", "#", "$", "~", "\x00", "\x0c", "\t", "\n", "é", "∞", "√", "·",
    "\\",
]


@st.composite
def latex_formulas(draw, depth: int = 0):
    """A well-formed formula of the subset docstrings use (deep, big and odd ones included)."""
    atoms = st.sampled_from(["k", "n", "x", "2", "0.5", "1e-5", r"\pi", r"\gamma", r"\text{in\_features}",
                             "C_{in}", r"C_\text{out}", "x[0]", r"\text{groups}", "1000000", "0"])
    if depth > 4 or draw(st.integers(0, 3)) == 0:
        return draw(atoms)
    a, b = draw(latex_formulas(depth + 1)), draw(latex_formulas(depth + 1))
    form = draw(st.sampled_from([
        r"\frac{%s}{%s}", r"\sqrt{%s}%s", "%s^{%s}", "(%s + %s)", "%s - %s", r"%s \cdot %s", "%s_{%s}",
        r"\mathcal{U}(%s, %s)", r"\mathcal{N}(%s, %s)", r"\sqrt[%s]{%s}", r"\prod_{i=0}^{%s} %s",
        r"\sum_{i=1}^{%s} %s", r"\left(%s\right)^{%s}", "%s = %s", r"\max(%s, %s)", r"\log{%s}%s",
        r"\exp(%s)%s", r"\lfloor %s \rfloor %s", "-%s%s", r"\frac{1}{%s}%s",
    ]))
    return form % (a, b)


latex_inputs = st.one_of(
    st.lists(st.one_of(st.sampled_from(LATEX_TOKENS), st.text(max_size=3)), max_size=40).map("".join),
    latex_formulas(),
    st.tuples(latex_formulas(), st.lists(st.sampled_from(LATEX_TOKENS), max_size=4), st.integers(0, 200)).map(
        lambda t: (t[0][:t[2]] + "".join(t[1]) + t[0][t[2]:])),  # a formula with tokens spliced in
    st.integers(1, 400).map(lambda n: "\\frac{1}{" * n + "n" + "}" * n),
    st.integers(1, 50).map(lambda n: "{" * n + "x" + "}" * n + "^{" * n + "2" + "}" * n),
)


def check_latex(text: str) -> None:
    from doccheck.docmodel.latex import LatexError, parse_latex
    from doccheck.symbolic import to_text

    try:
        value = parse_latex(text)
    except LatexError:
        return
    to_text(value)  # whatever is read can be shown in a message


@examples(300)
@given(latex_inputs)
def test_fuzz_latex(text):
    check_latex(text)


# ============================================================================ doc model

INIT_PHRASES = ["initialized from", "initialised from", "are initialized from", "sampled from", "drawn from",
                "set to", "initialized to", "initialized as", "initialized with", "is initialized to zero",
                "are initialized with ones", "initialized to :math:`0`", "Initialized from"]
MATH = st.one_of(latex_formulas(), st.sampled_from([
    r"\mathcal{U}(-\sqrt{k}, \sqrt{k})", r"\mathcal{N}(0, 1)", r"\mathcal{N}(0, \text{std}^2)",
    r"k = \frac{1}{\text{in\_features}}", r"k = \frac{groups}{C_\text{in} * \prod_{i=0}^{1}\text{kernel\_size}[i]}",
    r"\mathcal{U}(-\sqrt{k}, \sqrt{k}", r"\mathcal{U}(a, b)", "", r"\frac", "}{", r"\mathcal{N}(0, 0.02)",
]))
ROLE = st.builds(lambda name, body: f":{name}:`{body}`", st.sampled_from(["math", "math", "attr", "class", "func",
                                                                          "obj", "ref", "unknown"]), MATH)
WORD = st.sampled_from(["weight", "bias", "weights", "biases", "the", "learnable", "of", "module", "shape",
                        "where", "and", "all", "values", "parameters", "Tensor", "``True``", "Default:", "k",
                        "in_features", "(out, in)", ".", ",", ";", "e.g.", "i.e.", "*", "**", "|", "`", "``",
                        "_", "\\", "'", '"', "::", "->", "é", "\x0c", "\t", "1e-5", "0.02", "zero", "ones"])
SENTENCE = st.lists(st.one_of(WORD, WORD, ROLE, st.sampled_from(INIT_PHRASES), st.text(max_size=6)),
                    max_size=18).map(" ".join)
ENTRY = st.builds(lambda name, kind, text: f"{name}{kind}: {text}",
                  st.sampled_from(["weight", "bias", "weight_ih_l[k]", "in_proj_weight", "~Linear.weight",
                                   "running_mean", "*args", "x"]),
                  st.sampled_from(["", " (Tensor)", " (int, optional)", " (:class:`torch.Tensor`)", " ("]),
                  SENTENCE)
SECTION = st.sampled_from(["Args:", "Arguments:", "Attributes:", "Variables:", "Returns:", "Shape:",
                           "Examples::", "Example:", "Note:", "Notes:", ".. note::", ".. math::", ".. warning::",
                           "Parameters", "----------", ":ivar weight:", ":param bias:", ".. code-block:: python",
                           ">>> m = nn.Linear(20, 30)", "", "    ", "-", "* item", "1. item", "Keyword Args:"])
LINE = st.tuples(st.sampled_from(["", "", "    ", "        ", "\t", "  ", "            "]),
                 st.one_of(SECTION, ENTRY, SENTENCE, ROLE)).map("".join)
docstring_inputs = st.lists(LINE, max_size=25).map("\n".join)


def literal_of(text: str, raw: bool) -> str:
    if raw and '"""' not in text and not text.endswith(("\\", '"')) and "\x00" not in text:
        return 'r"""' + text + '"""'
    return repr(text)


def check_docstring(text: str, raw: bool = True, docutils: bool = False) -> None:
    from doccheck.docmodel import claims as claims_module
    from doccheck.docmodel.docsource import docstring_from_text
    from doccheck.model import Claim

    doc = docstring_from_text(literal_of(text, raw), "<fuzz>", 10, 5)
    if doc is None:
        return
    previous = claims_module.USE_DOCUTILS
    claims_module.USE_DOCUTILS = docutils
    try:
        claims = claims_module.init_claims(doc, knowledge())
    finally:
        claims_module.USE_DOCUTILS = previous
    assert isinstance(claims, list) and all(isinstance(c, Claim) for c in claims), claims
    for claim in claims:
        assert not (claim.error or "").startswith("internal error"), claim.error
        assert claim.position.line >= 10


@examples(200)
@given(docstring_inputs, st.booleans())
def test_fuzz_docstrings(text, raw):
    check_docstring(text, raw)


@examples(100)
@given(docstring_inputs)
def test_fuzz_docstrings_through_docutils(text):
    check_docstring(text, True, docutils=True)


# ============================================================================ code model

NAMES = ["n", "m", "k", "fan_in", "bound", "std", "gain", "a", "b", "i", "self.scale", "self.n"]
numbers = st.sampled_from(["0", "1", "2", "3", "5", "0.5", "0.02", "1e-5", "1e300", "math.pi", "-1", "10 ** 6",
                           "True", "None", "'fan_in'", "(2, 3)", "[]"])


def _compound(sub):
    return st.one_of(
        st.builds("({} {} {})".format, sub, st.sampled_from(["+", "-", "*", "/", "//", "%", "**"]), sub),
        st.builds("-{}".format, sub),
        st.builds("math.sqrt({})".format, sub), st.builds("math.log({})".format, sub),
        st.builds("max({}, {})".format, sub, sub), st.builds("int({})".format, sub),
        st.builds("({} if {} else {})".format, sub, sub, sub),
        st.builds("({} > {})".format, sub, sub), st.builds("({} and {})".format, sub, sub),
        st.builds("{}[0]".format, sub), st.builds("len({})".format, sub),
    )


EXPR = st.recursive(st.one_of(st.sampled_from(NAMES), numbers), _compound, max_leaves=8)


def expressions():
    return EXPR


TENSORS = st.sampled_from(["self.weight", "self.bias", "self.w0", "p", "self.weight.data", "self.weight[0]",
                           "self.weight.t()", "self.missing"])
SHAPES = st.sampled_from(["n, m", "m", "n", "n, m // k", "k, n, 3, 3", "3 * n", "n * (m + 1)", "*(n, m)", ""])
FACTORIES = st.builds(lambda fn, shape: f"torch.{fn}({shape})",
                      st.sampled_from(["empty", "zeros", "ones", "randn", "rand", "Tensor"]), SHAPES)


def _init_calls():
    expr = expressions()
    return st.one_of(
        st.builds("init.kaiming_uniform_({}, a={})".format, TENSORS, expr),
        st.builds("init.kaiming_normal_({}, mode='fan_out', nonlinearity='relu')".format, TENSORS),
        st.builds("init.uniform_({}, -{}, {})".format, TENSORS, expr, expr),
        st.builds("init.normal_({}, {}, {})".format, TENSORS, expr, expr),
        st.builds("init.normal_({}, std={})".format, TENSORS, expr),
        st.builds("init.trunc_normal_({}, std={}, a=-2, b=2)".format, TENSORS, expr),
        st.builds("init.constant_({}, {})".format, TENSORS, expr),
        st.builds("init.zeros_({})".format, TENSORS), st.builds("init.ones_({})".format, TENSORS),
        st.builds("init.xavier_uniform_({}, gain=init.calculate_gain('tanh'))".format, TENSORS),
        st.builds("init.xavier_normal_({})".format, TENSORS), st.builds("init.orthogonal_({})".format, TENSORS),
        st.builds("init.eye_({})".format, TENSORS), st.builds("init.dirac_({}, {})".format, TENSORS, expr),
        st.builds("init.sparse_({}, 0.1)".format, TENSORS),
        st.builds("{}.uniform_(-{}, {})".format, TENSORS, expr, expr),
        st.builds("{}.normal_(0, {})".format, TENSORS, expr), st.builds("{}.fill_({})".format, TENSORS, expr),
        st.builds("{}.zero_()".format, TENSORS), st.builds("{}.copy_(torch.eye({}))".format, TENSORS, expr),
        st.builds("fan_in, _ = init._calculate_fan_in_and_fan_out({})".format, TENSORS),
        st.builds("helper({}, {})".format, TENSORS, expr), st.builds("self._init({})".format, TENSORS),
    )


def _simple_statements():
    expr = expressions()
    return st.one_of(
        INIT_CALLS, INIT_CALLS,
        st.builds("{} = {}".format, st.sampled_from(NAMES), expr),
        st.builds("{}, {} = {}, {}".format, st.sampled_from(NAMES), st.sampled_from(NAMES), expr, expr),
        st.builds("{}, *rest = ({}, {}, {})".format, st.sampled_from(NAMES), expr, expr, expr),
        st.builds("{} += {}".format, st.sampled_from(NAMES), expr),
        st.builds("self.weight = nn.Parameter({})".format, FACTORIES),
        st.builds("self.bias = Parameter({})".format, FACTORIES),
        st.builds("self.w0 = nn.Parameter({}, requires_grad={})".format, FACTORIES, st.sampled_from(
            ["True", "False"])),
        st.builds("self.register_parameter({}, nn.Parameter({}))".format,
                  st.sampled_from(["'bias'", "'weight'", "name", "f'w{i}'", "'w' + str(i)"]), FACTORIES),
        st.just("self.register_parameter('bias', None)"), st.just("self.bias = None"),
        st.builds("setattr(self, {}, nn.Parameter({}))".format, st.sampled_from(["f'w{i}'", "'weight'", "name"]),
                  FACTORIES),
        st.builds("self.register_buffer('running_mean', {})".format, FACTORIES),
        st.builds("p = nn.Parameter({})".format, FACTORIES),
        st.just("super().__init__()"), st.just("super().reset_parameters()"), st.just("self.reset_parameters()"),
        st.just("super(Layer, self).__init__()"), st.just("nn.Module.__init__(self)"),
        st.just("self._reset()"), st.just("self.apply(self._init_weights)"),
        st.builds("self.n = {}".format, expr), st.builds("self.scale = {}".format, expr),
        st.just("pass"), st.just("return"), st.just("raise ValueError('bad')"), st.just("del a"),
        st.builds("assert {}".format, expr), st.just("global g"), st.just("x = [i for i in range(3)]"),
        st.just("f = lambda t: t"), st.just("import math as mth"), st.just("from torch.nn import init as I"),
        st.builds("print({})".format, expr),
    )


INIT_CALLS = None
SIMPLE_STATEMENTS = None


def simple_statements():
    global INIT_CALLS, SIMPLE_STATEMENTS
    if SIMPLE_STATEMENTS is None:
        INIT_CALLS = _init_calls()
        SIMPLE_STATEMENTS = _simple_statements()
    return SIMPLE_STATEMENTS


@st.composite
def blocks(draw, depth: int = 0) -> list[str]:
    """Statement lines (indented with 4 spaces per level), compound statements included."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4 if depth else 7))):
        choice = draw(st.integers(0, 9)) if depth < 2 else 0
        if choice <= 4:
            lines.append(draw(simple_statements()))
            continue
        header = draw(st.sampled_from([
            f"if {draw(expressions())}:", "if bias:", "if self.bias is not None:", "if mode == 'fan_in':",
            f"for i in range({draw(st.sampled_from(['3', 'n', 'k', '300', '0', '2, 10, 3']))}):",
            "for name, p in self.named_parameters():", "for w in [self.weight, self.bias]:",
            "for i, (a, b) in enumerate(zip(range(3), range(3))):",
            f"while {draw(expressions())}:", "with torch.no_grad():", "try:",
        ]))
        body = draw(blocks(depth + 1))
        lines.append(header)
        lines.extend("    " + line for line in body)
        if header.startswith("if") and draw(st.booleans()):
            lines.append("else:")
            lines.extend("    " + line for line in draw(blocks(depth + 1)))
        elif header == "try:":
            lines.append("except Exception:")
            lines.append("    pass")
    return lines


BASES = ["nn.Module", "nn.Module", "nn.Linear", "nn.modules.conv._ConvNd", "Base", "Base, nn.Module", "object",
         "nn.RNNBase"]


PRELUDE = """\
import math
import torch
import torch.nn as nn
from torch.nn import init
from torch.nn.parameter import Parameter


def helper(t, v):
    init.normal_(t, 0, v)


class Base(nn.Module):
    def __init__(self, *args, **kwargs):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(3, 3))

    def reset_parameters(self):
        init.ones_(self.weight)

"""


@st.composite
def class_sources(draw) -> str:
    signature = draw(st.sampled_from(["n, m=3, k: int = 2, bias=True, mode='fan_in', *args, **kwargs",
                                      "n", "n, m", "in_features, out_features, bias=True", "*args, **kwargs",
                                      "n=0, m=-1.5, k=None"]))
    lines = [f"class Layer({draw(st.sampled_from(BASES))}):"]
    for method, params in (("__init__", signature), ("reset_parameters", ""), ("_init", "t")):
        lines.append(f"    def {method}(self{', ' if params else ''}{params}):")
        lines.extend("        " + line for line in draw(blocks()))
        lines.append("")
    lines += ["    def _reset(self):", "        self.reset_parameters()", ""]
    return PRELUDE + "\n".join(lines)


class _Sandbox:
    """One throw-away package for all examples: each example is a new module, so no cache sees a stale one."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="doccheck-fuzz-"))
        (self.root / "fuzzpkg").mkdir()
        (self.root / "fuzzpkg" / "__init__.py").write_text("")
        self.counter = itertools.count()
        self.project = None

    def module(self, source: str):
        from doccheck.parse import load_module
        from doccheck.project import Project

        number = next(self.counter)
        if self.project is None or number % 200 == 0:  # a project as large as a real run's, not ever growing
            self.project = Project([self.root])
        name = f"m{number}"
        path = self.root / "fuzzpkg" / f"{name}.py"
        path.write_text(source)
        info = load_module(path, f"fuzzpkg.{name}")
        self.project.add(info, self.root)
        return info


_SANDBOX: _Sandbox | None = None


def sandbox() -> _Sandbox:
    global _SANDBOX
    if _SANDBOX is None:
        _SANDBOX = _Sandbox()
    return _SANDBOX


DOCUMENTED = [("uniform", r"\mathcal{U}(-\sqrt{k}, \sqrt{k})", "k = \\frac{1}{n}"),
              ("normal", r"\mathcal{N}(0, 1)", None)]


def check_class(source: str) -> None:
    from doccheck.codemodel.classes import evaluate_class
    from doccheck.compare import findings_for, judge
    from doccheck.distributions import formula
    from doccheck.model import Claim, ClassInit, Distribution, Position
    from doccheck.project import Definition
    from doccheck.symbolic import symbol, to_text

    try:
        ast.parse(source)
    except SyntaxError:
        assume(False)
    box = sandbox()
    info = box.module(source)
    node = info.definitions["Layer"]
    result = evaluate_class(box.project, knowledge(), Definition(info, node, f"{info.qualname}.Layer"))
    assert result is None or isinstance(result, ClassInit), result
    if result is None:
        return
    for param in result.params:
        if param.distribution is not None:
            formula(param.distribution)
        if param.shape is not None:
            to_text(param.shape)
        for step in param.steps:
            assert isinstance(step.text, str)
    n = symbol("n")
    claims = [Claim("weight", Distribution("uniform", (("low", -1 / sympy.sqrt(n)), ("high", 1 / sympy.sqrt(n)))),
                    "U(-1/sqrt(n), 1/sqrt(n))", Position(info.path, 1)),
              Claim("*", Distribution("normal", (("mean", sympy.Integer(0)), ("std", sympy.Integer(1)))),
                    "N(0, 1)", Position(info.path, 1)),
              Claim("bias", None, "?", Position(info.path, 1), error="unreadable")]
    findings_for(result, judge(result, claims, knowledge()))


@examples(150)
@given(class_sources())
def test_fuzz_class_bodies(source):
    check_class(source)


# ============================================================================ whole pipeline

TORCH_FILES = sorted(p.name for p in TORCH_MODULES.glob("*.py")) if TORCH_MODULES.is_dir() else []


# files whose docstrings make init claims: a mutation there goes through every stage
CLAIMING_FILES = [n for n in ("linear.py", "conv.py", "rnn.py", "sparse.py", "activation.py", "batchnorm.py",
                              "normalization.py", "transformer.py") if n in TORCH_FILES]
ALNUM = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
OPERATORS = [(b"+", b"-"), (b"*", b"/"), (b"**", b"*"), (b"//", b"/"), (b"sqrt", b"log"), (b"True", b"False"),
             (b"in_features", b"out_features"), (b"uniform", b"normal"), (b"0", b"1"), (b"5", b"3"), (b"(", b"[")]
INSERTS = [b"(", b")", b'"""', b"'''", b"\\", b"\n    ", b"\t", b"\x00", b"\xff\xfe", b"\r", b"\x0c",
           b"# -*- coding: latin-1 -*-\n", b" and ", b"**", b"`", b":math:`", b"initialized from ", b"\\frac{",
           b"}", b"\\mathcal{N}(0, ", b" ** 1000", b"[0]"]


@st.composite
def mutations(draw):
    """(torch file name, mutated bytes): truncations, byte flips, insertions, deletions, swaps of lines and of
    operators and identifiers (these mostly keep the file parsable, so the mutant goes through every stage)."""
    name = draw(st.sampled_from(CLAIMING_FILES) if CLAIMING_FILES and draw(st.booleans()) else
                st.sampled_from(TORCH_FILES))
    data = bytearray((TORCH_MODULES / name).read_bytes())
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "flip", "alnum", "alnum", "operator", "operator", "insert",
                                     "delete", "delete_line", "swap_lines", "duplicate"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip" and data:
            for _ in range(draw(st.integers(1, 8))):
                i = draw(st.integers(0, len(data) - 1))
                data[i] ^= draw(st.integers(1, 255))
        elif kind == "alnum" and data:
            for _ in range(draw(st.integers(1, 8))):
                i = draw(st.integers(0, len(data) - 1))
                if data[i] in ALNUM:
                    data[i] = draw(st.sampled_from(list(ALNUM)))
        elif kind == "operator":
            old, new = draw(st.sampled_from(OPERATORS))
            if draw(st.booleans()):
                old, new = new, old
            found = bytes(data).find(old, at)
            if found >= 0:
                data[found:found + len(old)] = new
        elif kind == "insert":
            data[at:at] = draw(st.one_of(st.binary(max_size=8), st.sampled_from(INSERTS)))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 200))]
        elif kind in ("delete_line", "swap_lines", "duplicate"):
            lines = bytes(data).split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            if kind == "delete_line":
                del lines[i]
            elif kind == "swap_lines":
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines[i:i] = lines[j:j + draw(st.integers(1, 20))]
            data = bytearray(b"\n".join(lines))
    return name, bytes(data)


_SHADOW: Path | None = None


def shadow_torch() -> Path:
    """A shadow ``torch/nn/modules`` package: the real torch answers every import the file does not define."""
    global _SHADOW
    if _SHADOW is None:
        _SHADOW = Path(tempfile.mkdtemp(prefix="doccheck-fuzz-torch-"))
        folder = _SHADOW / "torch" / "nn" / "modules"
        folder.mkdir(parents=True)
        for package in (_SHADOW / "torch", _SHADOW / "torch" / "nn", folder):
            (package / "__init__.py").write_text("")
    return _SHADOW


def check_mutation(name: str, data: bytes) -> None:
    from doccheck.engine import Config, run

    path = shadow_torch() / "torch" / "nn" / "modules" / name
    path.write_bytes(data)
    try:
        result = run([str(path)], Config(select=("ALL",), cache=False, jobs=1, timeout=30))
    finally:
        path.unlink()  # the next example sees the real torch file of that name, not this mutant
    assert result.files and all(f.path == str(path) for f in result.findings), result.findings
    for finding in result.findings:
        assert finding.code != "DC000", finding.message
        assert not (finding.code == "DC003" and "time budget" in finding.message), finding.message
        assert finding.line >= 1 and finding.column >= 1


@pytest.mark.skipif(not TORCH_FILES, reason="torch is not installed")
@examples(200)
@given(mutations())
def test_fuzz_mutated_torch_files(mutation):
    check_mutation(*mutation)
