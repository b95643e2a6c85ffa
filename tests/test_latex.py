"""Tests for doccheck.docmodel.latex: LaTeX fragments from real docstrings -> sympy."""

import subprocess
import sys
import time

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doccheck.docmodel.latex import (
    MAX_DEPTH,
    MAX_LENGTH,
    DocNormal,
    DocUniform,
    LatexError,
    parse_latex,
    symbol,
)

S = symbol


def same(a, b) -> bool:
    return sympy.simplify(a - b) == 0


# --------------------------------------------------------------------------- API


def test_symbol_is_positive_and_cached():
    k = symbol("k")
    assert k.is_positive
    assert k is symbol("k")
    assert k == sympy.Symbol("k", positive=True)
    assert k != sympy.Symbol("k")


def test_distribution_classes_are_sympy_functions_with_unique_names():
    assert issubclass(DocUniform, sympy.Function)
    assert issubclass(DocNormal, sympy.Function)
    assert DocUniform.__name__ == "DocUniform" and DocNormal.__name__ == "DocNormal"
    assert str(DocUniform(0, 1)) == "DocUniform(0, 1)"


def test_latex_error_is_value_error_with_column():
    with pytest.raises(LatexError) as info:
        parse_latex(r"a + \foo")
    assert isinstance(info.value, ValueError)
    assert info.value.offset == 4 and info.value.column == 5
    assert "column 5" in str(info.value) and r"\foo" in str(info.value)


def test_module_import_does_not_import_sympy():
    code = (
        "import sys; import doccheck.docmodel.latex as m; "
        "assert 'sympy' not in sys.modules, 'sympy imported eagerly'; "
        "m.parse_latex('x'); assert 'sympy' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------ real PyTorch fragments


def test_uniform_sqrt_k():
    r = parse_latex(r"\mathcal{U}(-\sqrt{k}, \sqrt{k})")
    assert isinstance(r, DocUniform)
    assert r == DocUniform(-sympy.sqrt(S("k")), sympy.sqrt(S("k")))
    assert same(r.args[0], -sympy.sqrt(S("k")))


def test_k_equals_one_over_in_features():
    r = parse_latex(r"k = \frac{1}{\text{in\_features}}")
    assert isinstance(r, sympy.Eq)
    assert r.lhs == S("k")
    assert same(r.rhs, 1 / S("in_features"))


def test_conv_k_with_prod_and_multi_letter_groups():
    r = parse_latex(r"k = \frac{groups}{C_\text{in} * \prod_{i=0}^{1}\text{kernel\_size}[i]}")
    assert isinstance(r, sympy.Eq)
    assert r.lhs == S("k")
    expected = S("groups") / (S("C_in") * S("kernel_size[0]") * S("kernel_size[1]"))
    assert same(r.rhs, expected)
    names = {s.name for s in r.rhs.free_symbols}
    assert names == {"groups", "C_in", "kernel_size[0]", "kernel_size[1]"}


def test_normal_with_variance_as_written():
    r = parse_latex(r"\mathcal{N}(0, \text{std}^2)")
    assert isinstance(r, DocNormal)
    assert r.args == (sympy.Integer(0), S("std") ** 2)


def test_xavier_std():
    r = parse_latex(r"\text{gain} \times \sqrt{\frac{6}{\text{fan\_in} + \text{fan\_out}}}")
    expected = S("gain") * sympy.sqrt(6 / (S("fan_in") + S("fan_out")))
    assert same(r, expected)
    assert {s.name for s in r.free_symbols} == {"gain", "fan_in", "fan_out"}


def test_shape_tuple():
    r = parse_latex(r"(\text{out\_features}, \text{in\_features})")
    assert r == sympy.Tuple(S("out_features"), S("in_features"))


@pytest.mark.parametrize(
    "src, names",
    [
        (r"(N, C_{\text{in}}, H_{\text{in}}, W_{\text{in}})", ["N", "C_in", "H_in", "W_in"]),
        (r"(*, H_{in})", ["*", "H_in"]),
        (r"(\ast, H_{out})", ["*", "H_out"]),
        (r"(N, C, d_1, d_2, ..., d_K)", ["N", "C", "d_1", "d_2", "...", "d_K"]),
        (r"(N, C, d_1, \ldots, d_K)", ["N", "C", "d_1", "...", "d_K"]),
    ],
)
def test_shape_tuples(src, names):
    assert parse_latex(src) == sympy.Tuple(*(S(n) for n in names))


def test_single_parenthesised_is_not_a_tuple():
    assert parse_latex(r"(\text{in\_features})") == S("in_features")


def test_in_channels_over_groups():
    assert parse_latex(r"\frac{\text{in\_channels}}{\text{groups}}") == S("in_channels") / S("groups")


def test_uniform_one_over_sqrt_d():
    r = parse_latex(r"\mathcal{U}(-\frac{1}{\sqrt{d}}, \frac{1}{\sqrt{d}})")
    assert isinstance(r, DocUniform)
    lo, hi = r.args
    assert same(lo, -1 / sympy.sqrt(S("d")))
    assert same(hi, 1 / sympy.sqrt(S("d")))


def test_conv_output_size_formula():
    r = parse_latex(
        r"H_{out} = \left\lfloor\frac{H_{in}  + 2 \times \text{padding}[0] - \text{dilation}[0]"
        r" \times (\text{kernel\_size}[0] - 1) - 1}{\text{stride}[0]} + 1\right\rfloor"
    )
    expected = sympy.floor(
        (S("H_in") + 2 * S("padding[0]") - S("dilation[0]") * (S("kernel_size[0]") - 1) - 1)
        / S("stride[0]")
        + 1
    )
    assert r.lhs == S("H_out")
    assert same(r.rhs, expected)


# --------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "src, value",
    [
        ("1e-5", sympy.Rational(1, 100000)),
        ("1E-05", sympy.Rational(1, 100000)),
        ("0.5", sympy.Rational(1, 2)),
        (".25", sympy.Rational(1, 4)),
        ("2.5e-3", sympy.Rational(1, 400)),
        ("3", sympy.Integer(3)),
        (r"\frac12", sympy.Rational(1, 2)),
        (r"\sqrt[3]{8}", sympy.Integer(2)),
        (r"2^{10}", sympy.Integer(1024)),
        (r"-3 + 5", sympy.Integer(2)),
        (r"6 / 3 * 2", sympy.Integer(4)),
    ],
)
def test_numbers_are_exact(src, value):
    assert parse_latex(src) == value


def test_scientific_number_times_symbol():
    assert parse_latex("1e-5 x") == S("x") / 100000


# ------------------------------------------------------------------- identifiers


@pytest.mark.parametrize(
    "src, name",
    [
        (r"\text{in\_features}", "in_features"),
        (r"\mathrm{fan\_in}", "fan_in"),
        (r"\operatorname{gain}", "gain"),
        (r"\textit{std}", "std"),
        (r"\mathbf{W}", "W"),
        ("groups", "groups"),
        (r"fan\_in", "fan_in"),
        (r"C_\text{in}", "C_in"),
        ("C_{in}", "C_in"),
        (r"C_{\text{in}}", "C_in"),
        ("H_{out}", "H_out"),
        ("x_1", "x_1"),
        ("x[0]", "x[0]"),
        (r"\text{kernel\_size}[1]", "kernel_size[1]"),
        (r"\sigma_{w}", "sigma_w"),
        ("e", "e"),
        (r"C_{\text{out}_j}", "C_out_j"),
    ],
)
def test_identifiers_are_single_positive_symbols(src, name):
    r = parse_latex(src)
    assert r == S(name)
    assert r.is_positive


@pytest.mark.parametrize(
    "src, name",
    [
        (r"\gamma", "gamma"),
        (r"\beta", "beta"),
        (r"\sigma", "sigma"),
        (r"\alpha", "alpha"),
        (r"\epsilon", "epsilon"),
        (r"\varepsilon", "epsilon"),
        (r"\lambda", "lambda"),
        (r"\mu", "mu"),
    ],
)
def test_greek_letters(src, name):
    assert parse_latex(src) == S(name)


def test_pi_is_the_constant():
    assert parse_latex(r"\pi") is sympy.pi
    assert parse_latex(r"2\pi r") == 2 * sympy.pi * S("r")


def test_greek_in_formula():
    r = parse_latex(r"y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} * \gamma + \beta")
    expected = (S("x") - S("mu")) / sympy.sqrt(S("sigma") ** 2 + S("epsilon")) * S("gamma") + S("beta")
    assert r.lhs == S("y") and same(r.rhs, expected)


# ------------------------------------------------------------------- arithmetic


@pytest.mark.parametrize(
    "src, expected",
    [
        ("2k", 2 * S("k")),
        ("a b", S("a") * S("b")),
        (r"a \cdot b", S("a") * S("b")),
        (r"a \times b", S("a") * S("b")),
        ("a * b / c", S("a") * S("b") / S("c")),
        ("-a^2", -S("a") ** 2),
        ("a - -b", S("a") + S("b")),
        (r"x^{-1}", 1 / S("x")),
        (r"\sqrt{x}", sympy.sqrt(S("x"))),
        (r"\sqrt[3]{x}", S("x") ** sympy.Rational(1, 3)),
        (r"\left( \frac{a}{b} \right)^2", S("a") ** 2 / S("b") ** 2),
        (r"\exp(-x)", sympy.exp(-S("x"))),
        (r"\log(x)", sympy.log(S("x"))),
        (r"\ln{x}", sympy.log(S("x"))),
        (r"\tanh(x)", sympy.tanh(S("x"))),
        (r"\max(a, b)", sympy.Max(S("a"), S("b"))),
        (r"\min(a, 1)", sympy.Min(S("a"), 1)),
        (r"\lfloor x / 2 \rfloor", sympy.floor(S("x") / 2)),
        (r"\lceil x / 2 \rceil", sympy.ceiling(S("x") / 2)),
        (r"\sum_{i=0}^{2} x[i]", S("x[0]") + S("x[1]") + S("x[2]")),
        (r"\prod_{i=0}^{1} k_i", S("k_0") * S("k_1")),
        (r"\sum_{j=1}^{4} j", sympy.Integer(10)),
        (r"a \, b \; c \! \quad d~e", S("a") * S("b") * S("c") * S("d") * S("e")),
        (r"\displaystyle \frac{1}{n}.", 1 / S("n")),
        (r"\frac{1}{n},", 1 / S("n")),
    ],
)
def test_arithmetic(src, expected):
    assert same(parse_latex(src), expected)


def test_relations():
    assert parse_latex("a < b") == sympy.Lt(S("a"), S("b"), evaluate=False)
    assert parse_latex(r"a \leq b") == sympy.Le(S("a"), S("b"), evaluate=False)
    assert parse_latex("a >= b") == sympy.Ge(S("a"), S("b"), evaluate=False)
    r = parse_latex("a = a")  # must stay an equation, not collapse to True
    assert isinstance(r, sympy.Eq) and r.lhs == r.rhs == S("a")


@pytest.mark.parametrize(
    "src, cls, args",
    [
        ("U(a, b)", DocUniform, ("a", "b")),
        (r"\text{U}(a, b)", DocUniform, ("a", "b")),
        (r"\mathcal{U}[a, b]", DocUniform, ("a", "b")),
        (r"\mathcal{U}\left(a, b\right)", DocUniform, ("a", "b")),
        ("N(a, b)", DocNormal, ("a", "b")),
        (r"\mathcal{N}(\mu, \sigma^2)", DocNormal, None),
    ],
)
def test_distribution_heads(src, cls, args):
    r = parse_latex(src)
    assert isinstance(r, cls)
    if args is not None:
        assert r.args == tuple(S(a) for a in args)
    else:
        assert r.args == (S("mu"), S("sigma") ** 2)


def test_named_function_application_is_not_a_product():
    r = parse_latex(r"\text{Sigmoid}(x) = \frac{1}{1 + \exp(-x)}")
    assert r.lhs == sympy.Function("Sigmoid")(S("x"))
    assert same(r.rhs, 1 / (1 + sympy.exp(-S("x"))))
    # separated by a space it is a product, as is a single letter
    assert parse_latex(r"\text{gain} (a + b)") == S("gain") * (S("a") + S("b"))
    assert parse_latex("k(a + b)") == S("k") * (S("a") + S("b"))


def test_bare_N_with_one_argument_is_a_product():
    assert parse_latex("N(a + b)") == S("N") * (S("a") + S("b"))


def test_equation_with_distribution():
    r = parse_latex(r"W = \mathcal{N}(0, 1)")
    assert isinstance(r, sympy.Eq) and r.rhs == DocNormal(0, 1)


# ------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "src, fragment",
    [
        (r"\foo{x}", "unknown command"),
        (r"\mathcal{L}", "mathcal"),
        (r"\frac{1}{2", "unbalanced"),
        (r"\frac{1}{2}}", "unexpected '}'"),
        (r"(a, b", "unbalanced"),
        ("a)", "unexpected ')'"),
        ("", "empty"),
        ("   ", "empty"),
        (r"\left. \right.", "empty"),
        ("a +", "operand"),
        ("a *", "operand"),
        (r"a \times", "operand"),
        ("k =", "right-hand side"),
        ("x^", "superscript"),
        (r"\frac{1}", "argument"),
        (r"\sqrt", "argument"),
        (r"\lfloor x", "rfloor"),
        ("a = b = c", "chained"),
        ("x^23", "ambiguous"),
        ("a^{b}^{c}", "double superscript"),
        ("2 3", "two numbers"),
        (r"\mathcal{U}(a)", "two arguments"),
        (r"2 \mathcal{U}(0, 1)", "distribution"),
        ("(a, b) + 1", "tuple"),
        (r"\frac{1}{0}", "undefined"),
        (r"\prod_{i=0}^{n} x[i]", "integer"),
        (r"\prod x[i]", "bounds"),
        (r"\text{two words}", "single identifier"),
        (r"\mathcal{U}(0, 1) \text{ where } k = 1", "prose"),
        ("$x$", "unsupported character"),
        ("x\x0crac{1}{2}", "raw string"),
        (r"10^{10^{10}}", "out of range"),
        (r"999^{999}", "too large"),
        (r"\lfloor \exp(10^{5}) \rfloor", "too large"),
        ("1e999999", "too large"),
        (r"\sum_{i=0}^{10^{6}} i", "terms"),
        ("[a, b]", "not supported"),
        ("(*)", "tuple entry"),
        ("x...", "unexpected '.'"),
        (r"\frac groups 2", "ambiguous"),
        ("\text{in\\_features}", "raw string"),  # non-raw docstring: TAB + "ext"
        (r"\max(1, \sqrt{-1})", "comparable"),
    ],
)
def test_errors(src, fragment):
    with pytest.raises(LatexError) as info:
        parse_latex(src)
    assert fragment in str(info.value)
    assert info.value.column is not None


@pytest.mark.parametrize(
    "open_, close",
    [("(", ")"), ("{", "}"), (r"\frac{1}{", "}"), (r"\sqrt{", "}"), ("x^{", "}"), (r"\exp(", ")")],
)
def test_nesting_is_capped(open_, close):
    shallow = open_ * 20 + "x" + close * 20
    parse_latex(shallow)  # fine
    deep = open_ * (MAX_DEPTH + 5) + "x" + close * (MAX_DEPTH + 5)
    with pytest.raises(LatexError, match="nesting"):
        parse_latex(deep)


def test_deep_unbraced_chain_is_capped():
    with pytest.raises(LatexError, match="nesting"):
        parse_latex(r"\sqrt" * (MAX_DEPTH + 5) + " x")


def test_length_is_capped():
    with pytest.raises(LatexError, match="longer than"):
        parse_latex("x+" * MAX_LENGTH + "x")


def test_error_column_points_at_the_problem():
    src = r"\frac{a}{b} + \unknown"
    with pytest.raises(LatexError) as info:
        parse_latex(src)
    assert src[info.value.offset:].startswith(r"\unknown")


# ----------------------------------------------------------------- property test

ALPHABET = [
    "x", "k", "e", "i", "n", "groups", "0", "1", "2", "9", "1e-5", "0.5", " ",
    "+", "-", "*", "/", "^", "_", "=", "<", ",", ".", "|", "(", ")", "[", "]", "{", "}",
    r"\frac", r"\sqrt", r"\text{in\_features}", r"\text{", r"\_", r"\mathcal{U}", r"\mathcal{N}",
    r"\prod_{i=0}^{1}", r"\sum", r"\times", r"\cdot", r"\left(", r"\right)", r"\left", r"\right",
    r"\pi", r"\gamma", r"\exp", r"\log", r"\max", r"\lfloor", r"\rfloor", r"\lceil", r"\rceil",
    r"\infty", r"\leq", r"\,", "~", r"\foo", "C_", "[i]", r"\quad", "U", "N", r"\lvert", r"\rvert",
]


def _check_never_crashes(src: str) -> None:
    start = time.perf_counter()
    try:
        result = parse_latex(src)
    except LatexError:
        pass
    else:
        assert isinstance(result, sympy.Basic)
    assert time.perf_counter() - start < 1.0, src


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(ALPHABET), max_size=40).map("".join))
def test_random_token_strings_only_raise_latex_error(src):
    _check_never_crashes(src)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii"), max_size=60))
def test_random_ascii_only_raises_latex_error(src):
    _check_never_crashes(src)


@pytest.mark.parametrize(
    "src",
    [
        r"\prod_{i=0}^{999}\prod_{j=0}^{999} x",
        r"(2x)^{1000000}",
        r"\sqrt{2}^{99999}",
        r"\lfloor 9^{9^{9}} \rfloor",
        "9" * 4500,
        r"\frac{1}{" * 90 + "x" + "}" * 90,
        "(" * 99 + "x" + ")" * 99,
        "-" * 4000 + "x",
        r"\max(" + ", ".join(str(n) for n in range(800)) + ")",
    ],
)
def test_adversarial_inputs_are_fast(src):
    _check_never_crashes(src)
