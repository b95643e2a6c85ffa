"""`doccheck explain`: the derivation a reader follows, the final formula, moments, verdicts and notes.

Asserted on torch 2.13's own sources (read, never imported) for Linear, Conv2d (with ``--at groups=2,...``),
LSTM, Embedding and BatchNorm2d, in text and JSON, plus the formula printer and the step reader.
Line numbers are looked up in the installed sources rather than hard-coded.
"""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import sympy

from doccheck.discover import module_file
from doccheck.explain import explain, main, parse_value, pretty, read_step

TORCH_NN = module_file("torch.nn")
pytestmark = pytest.mark.skipif(TORCH_NN is None, reason="torch's sources are not on sys.path")
MODULES = TORCH_NN.parent / "modules" if TORCH_NN is not None else None


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def lines_with(file: str, needle: str) -> list[int]:
    text = (MODULES / file).read_text(encoding="utf-8").splitlines()
    return [i for i, line in enumerate(text, 1) if needle in line]


def param(exp, name: str):
    return next(p for p in exp.params if p.name == name)


def steps(p) -> list[str]:
    return [s["text"] for s in p.derivation]


def in_order(haystack: list[str], needles: list[str]) -> None:
    """Every needle is a substring of some step, in this order."""
    position = -1
    for needle in needles:
        found = [i for i, text in enumerate(haystack) if needle in text and i > position]
        assert found, f"{needle!r} not found after step {position} in:\n" + "\n".join(haystack)
        position = found[0]


# --------------------------------------------------------------------------- the formula printer
@pytest.mark.parametrize("expr, text", [
    (sympy.sqrt(3) / 3, "1/√3"),
    (sympy.sqrt(6) / 6, "1/√6"),
    (2 * sympy.sqrt(2), "2·√2"),
    (sympy.Rational(1, 3), "1/3"),
])
def test_pretty_numbers(expr, text):
    assert pretty(expr) == text


def test_pretty_puts_radicals_under_one_root():
    x, g = sympy.Symbol("in_features", positive=True), sympy.Symbol("groups", positive=True)
    k0, k1 = sympy.Symbol("kernel_size[0]", positive=True), sympy.Symbol("kernel_size[1]", positive=True)
    assert pretty(sympy.sqrt(3) / (3 * sympy.sqrt(x))) == "1/√(3·in_features)"
    assert pretty(-1 / sympy.sqrt(x)) == "−1/√in_features"
    assert pretty(sympy.sqrt(6) / sympy.sqrt(x)) == "√(6/in_features)"
    assert pretty(sympy.sqrt(g) / (sympy.sqrt(x) * sympy.sqrt(k0) * sympy.sqrt(k1))) == \
        "√(groups/(in_features·kernel_size[0]·kernel_size[1]))"
    assert pretty(1 / (3 * x)) == "1/(3·in_features)"
    assert pretty((x, x / g)) == "(in_features, in_features/groups)"


def test_values_are_read_back_exactly():
    x = sympy.Symbol("in_features", positive=True)
    k = sympy.Symbol("kernel_size[0]", positive=True)
    symbols = {"in_features": x, "kernel_size[0]": k}
    assert parse_value("√3/(3·√in_features)", symbols) == sympy.sqrt(3) / (3 * sympy.sqrt(x))
    assert parse_value("in_features·kernel_size[0]", symbols) == x * k
    assert parse_value("1/√in_features", symbols) == 1 / sympy.sqrt(x)
    assert parse_value("not a formula (", symbols) is None


def test_step_reader():
    step = read_step("kaiming_uniform_: std = gain / sqrt(fan) = √3/(3·√in_features)", 124)
    assert (step.label, step.name, step.code, step.value_text) == ("kaiming_uniform_", "std", "gain / sqrt(fan)",
                                                                   "√3/(3·√in_features)")
    fan = read_step("kaiming_uniform_: fan_in = in_features, from the shape (out_features, in_features)", 1)
    assert (fan.name, fan.value_text, fan.shape_text) == ("fan_in", "in_features", "(out_features, in_features)")
    gain = read_step("kaiming_uniform_: calculate_gain('leaky_relu', √5) = √3/3", 1)
    assert gain.gain_call == {"nonlinearity": "leaky_relu", "param": "√5", "value": "√3/3"}
    assert read_step("bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0 = 1/√in_features", 2).code == \
        "1 / math.sqrt(fan_in) if fan_in > 0 else 0"


# --------------------------------------------------------------------------- Linear: the forum question
LINEAR_WEIGHT_STEPS = [
    "kaiming_uniform_: a = √5",
    "kaiming_uniform_: gain = calculate_gain('leaky_relu', a) = √(2/(1 + a²)) = 1/√3",
    "kaiming_uniform_: fan_in = in_features   (from the shape (out_features, in_features): "
    "fan_in = shape[1]·∏shape[2:])",
    "kaiming_uniform_: fan = fan_in = in_features   (mode = 'fan_in')",
    "kaiming_uniform_: std = gain/√fan = 1/√(3·in_features)",
    "kaiming_uniform_: bound = √3·std = gain·√(3/fan) = 1/√in_features",
    "kaiming_uniform_: weight ~ U(−bound, bound) = U(−1/√in_features, 1/√in_features)",
]


def test_linear_weight_derivation_in_reading_order():
    exp = explain("torch.nn.Linear")
    weight = param(exp, "weight")
    assert steps(weight) == LINEAR_WEIGHT_STEPS
    call_line = lines_with("linear.py", "init.kaiming_uniform_(self.weight, a=math.sqrt(5))")[0]
    assert {s["line"] for s in weight.derivation} == {call_line}
    assert weight.shape == "(out_features, in_features)"
    assert weight.effective == "U(−1/√in_features, 1/√in_features)"
    assert (weight.mean, weight.variance, weight.std) == ("0", "1/(3·in_features)", "1/√(3·in_features)")
    # the source line and the comment above it (which points at the same equivalence)
    assert weight.source[-1] == {"line": call_line, "text": "init.kaiming_uniform_(self.weight, a=math.sqrt(5))"}
    assert any("a=sqrt(5)" in s["text"] for s in weight.source[:-1])


def test_linear_answers_the_forum_question():
    weight = param(explain("torch.nn.Linear"), "weight")
    [claim] = weight.documented
    assert claim["verdict"] == "consistent"
    assert claim["bindings"] == ["k = 1/in_features"]
    assert claim["documented_in_code_symbols"] == "U(−1/√in_features, 1/√in_features)"
    notes = "\n".join(weight.notes)
    # the equivalence: kaiming_uniform_(a=√5) is U(±1/√fan_in), so docs and code agree
    assert "exactly what kaiming_uniform_(w, a=√5) gives" in notes
    assert "gain = √(2/(1 + a²)) = √(2/6) = 1/√3" in notes and "bound = gain·√(3/fan_in) = 1/√fan_in" in notes
    # the misreadings: a is not an activation slope; this is not He init for ReLU
    assert "a = √5 is not the negative slope" in notes
    assert "not He (Kaiming) initialization for ReLU" in notes and "U(−√(6/in_features), √(6/in_features))" in notes
    assert "this std is 1/√6 ≈ 0.408 × that" in notes
    # the effective gain and what it does to the signal (the forum's std 0.35 for inputs from U(0, 1))
    assert "effective gain std·√fan_in = 1/√3 ≈ 0.5774" in notes
    assert "Var(y) = fan_in·Var(w)·E[x²] + Var(bias) = E[x²]/3 + 1/(3·in_features)" in notes
    assert weight.analysis["effective_gain"] == "1/√3"
    assert weight.analysis["he_relu"] == "U(−√(6/in_features), √(6/in_features))"


def test_linear_bias_derivation():
    bias = param(explain("torch.nn.Linear"), "bias")
    assert steps(bias) == [
        "_calculate_fan_in_and_fan_out: fan_in = in_features   (from the shape (out_features, in_features): "
        "fan_in = shape[1]·∏shape[2:])",
        "bound = 1/√fan_in = 1/√in_features   (fan_in > 0)",
        "uniform_: a = −1/√in_features",
        "uniform_: b = 1/√in_features",
        "uniform_: bias ~ U(a, b) = U(−1/√in_features, 1/√in_features)",
    ]
    assert [s["line"] for s in bias.derivation] == [
        lines_with("linear.py", "fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)")[0],
        lines_with("linear.py", "bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0")[0],
        *[lines_with("linear.py", "init.uniform_(self.bias, -bound, bound)")[0]] * 3,
    ]
    assert bias.documented[0]["verdict"] == "consistent"
    assert bias.notes == []  # a 1-D tensor has no fans: no gain comparison


def test_linear_text_output():
    code, out, _ = run("torch.nn.Linear")
    assert code == 0
    for text in LINEAR_WEIGHT_STEPS:
        assert text in out
    assert re.search(r"line \d+ +kaiming_uniform_: bound = √3·std = gain·√\(3/fan\) = 1/√in_features", out)
    assert "effective    U(−1/√in_features, 1/√in_features)" in out
    assert "moments      mean 0 · variance 1/(3·in_features) · std 1/√(3·in_features)" in out
    assert "✓ consistent with the code" in out
    assert "│ init.kaiming_uniform_(self.weight, a=math.sqrt(5))" in out


def test_linear_json_is_the_same_content_as_data():
    code, out, _ = run("torch.nn.Linear", "--format", "json")
    assert code == 0
    data = json.loads(out)
    weight = next(p for p in data["params"] if p["name"] == "weight")
    derivation = weight["derivation"]
    assert [s["text"] for s in derivation] == LINEAR_WEIGHT_STEPS
    assert [s["name"] for s in derivation] == ["a", "gain", "fan_in", "fan", "std", "bound", "weight"]
    assert [s["value"] for s in derivation] == ["√5", "1/√3", "in_features", "in_features", "1/√(3·in_features)",
                                                "1/√in_features", "U(−1/√in_features, 1/√in_features)"]
    gain = derivation[1]
    assert (gain["code"], gain["inline"]) == ("calculate_gain('leaky_relu', a)", "√(2/(1 + a²))")
    assert derivation[3]["reason"] == "mode = 'fan_in'"
    assert derivation[5]["inline"] == "gain·√(3/fan)"
    assert all(s["label"] == "kaiming_uniform_" for s in derivation)
    assert weight["effective"] == "U(−1/√in_features, 1/√in_features)"
    assert weight["std"] == "1/√(3·in_features)"
    assert weight["documented"][0]["verdict"] == "consistent"
    assert weight["analysis"]["ratio_to_he_relu"] == "1/√6"


# --------------------------------------------------------------------------- Conv2d, groups and --at
CONV_BOUND = "√(groups/(in_channels·kernel_size[0]·kernel_size[1]))"


def test_conv2d_symbolic_derivation():
    exp = explain("torch.nn.Conv2d")
    weight = param(exp, "weight")
    assert weight.shape == "(out_channels, in_channels/groups, kernel_size[0], kernel_size[1])"
    assert weight.effective == f"U(−{CONV_BOUND}, {CONV_BOUND})"
    in_order(steps(weight), [
        "kaiming_uniform_: a = √5",
        "gain = calculate_gain('leaky_relu', a) = √(2/(1 + a²)) = 1/√3",
        "fan_in = in_channels·kernel_size[0]·kernel_size[1]/groups   (from the shape (out_channels, "
        "in_channels/groups, kernel_size[0], kernel_size[1])",
        "std = gain/√fan = √(groups/(3·in_channels·kernel_size[0]·kernel_size[1]))",
        f"bound = √3·std = gain·√(3/fan) = {CONV_BOUND}",
        f"weight ~ U(−bound, bound) = U(−{CONV_BOUND}, {CONV_BOUND})",
    ])
    kaiming_lines = set(lines_with("conv.py", "init.kaiming_uniform_("))
    assert {s["line"] for s in weight.derivation if s["label"] == "kaiming_uniform_"} <= kaiming_lines
    assert weight.documented[0]["verdict"] == "consistent"
    assert "k = groups/(C_in·kernel_size[0]·kernel_size[1])" in weight.documented[0]["bindings"][0]


def test_conv2d_at_groups_2():
    exp = explain("torch.nn.Conv2d", at={"groups": 2, "in_channels": 4, "out_channels": 8, "kernel_size": 3})
    weight, bias = param(exp, "weight"), param(exp, "bias")
    # fan_in = 4/2·3·3 = 18: the shape's second dimension is in_channels/groups
    assert weight.at["shape"] == "(8, 2, 3, 3)"
    assert weight.at["effective"] == "U(−1/√18, 1/√18) ≈ U(−0.2357, 0.2357)"
    assert weight.at["variance"] == "1/54 ≈ 0.01852"
    by_name = {s["name"]: s for s in weight.derivation}
    assert by_name["fan_in"]["value_at"] == "18"
    assert by_name["gain"]["value_at"] is None  # a constant reads the same at every point
    assert by_name["std"]["value_at"] == "1/√54 ≈ 0.1361"
    assert by_name["bound"]["value_at"] == "1/√18 ≈ 0.2357"
    assert bias.at["shape"] == "(8,)"
    assert bias.at["effective"] == weight.at["effective"]


def test_conv2d_at_in_text_with_a_tuple_kernel():
    code, out, _ = run("torch.nn.Conv2d", "--at", "groups=2,in_channels=4,out_channels=8,kernel_size=(3, 5)")
    assert code == 0
    assert "evaluated at groups = 2, in_channels = 4, out_channels = 8, kernel_size = (3, 5)" in out
    assert "shape (out_channels, in_channels/groups, kernel_size[0], kernel_size[1]) = (8, 2, 3, 5)" in out
    # fan_in = 2·3·5 = 30
    assert "= U(−1/√30, 1/√30) ≈ U(−0.1826, 0.1826)" in out
    assert re.search(r"fan_in = in_channels·kernel_size\[0\]·kernel_size\[1\]/groups .*\[= 30\]", out)


def test_at_rejects_unknown_arguments_and_bad_values():
    code, _, err = run("torch.nn.Conv2d", "--at", "group=2")
    assert code == 2 and "group is not an argument the code model uses" in err
    code, _, err = run("torch.nn.Conv2d", "--at", "groups=two")
    assert code == 2 and "not a number" in err


# --------------------------------------------------------------------------- LSTM, Embedding, BatchNorm2d
def test_lstm():
    exp = explain("torch.nn.LSTM")
    [every] = exp.params
    assert every.name == "*"  # created by setattr in a loop, names computed at run time
    assert every.effective == "U(−1/√hidden_size, 1/√hidden_size)"
    assert steps(every) == [
        "stdv = 1/√self.hidden_size = 1/√hidden_size   (self.hidden_size > 0)",
        "uniform_: a = −1/√hidden_size",
        "uniform_: b = 1/√hidden_size",
        "uniform_: each parameter ~ U(a, b) = U(−1/√hidden_size, 1/√hidden_size)",
    ]
    stdv_line = lines_with("rnn.py", "stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0")
    assert every.derivation[0]["line"] in stdv_line
    assert every.documented[0]["verdict"] == "consistent"
    assert any("4·hidden_size" in note for note in every.notes)
    code, out, _ = run("torch.nn.LSTM")
    assert "* (parameters created in a loop, under names computed at run time)" in out
    assert "uniform_: each parameter ~ U(a, b) = U(−1/√hidden_size, 1/√hidden_size)" in out


def test_embedding():
    exp = explain("torch.nn.Embedding")
    weight = param(exp, "weight")
    assert weight.shape == "(num_embeddings, embedding_dim)"
    assert weight.effective == "N(0, 1)"
    assert steps(weight) == ["normal_: weight ~ N(0, 1)"]
    assert weight.derivation[0]["line"] == lines_with("sparse.py", "init.normal_(self.weight)")[0]
    assert (weight.mean, weight.variance, weight.std) == ("0", "1", "1")
    assert weight.documented[0]["verdict"] == "consistent"
    assert any("not scaled by the fan" in note for note in weight.notes)
    code, out, _ = run("torch.nn.Embedding", "--format", "json")
    data = json.loads(out)
    assert data["params"][0]["derivation"][0]["text"] == "normal_: weight ~ N(0, 1)"


def test_batchnorm2d():
    exp = explain("torch.nn.BatchNorm2d")
    weight, bias = param(exp, "weight"), param(exp, "bias")
    assert (weight.shape, weight.effective) == ("(num_features,)", "constant 1")
    assert (bias.shape, bias.effective) == ("(num_features,)", "constant 0")
    assert steps(weight) == ["ones_: weight ~ constant 1"]
    assert steps(bias) == ["zeros_: bias ~ constant 0"]
    assert weight.derivation[0]["line"] == lines_with("batchnorm.py", "init.ones_(self.weight)")[0]
    assert bias.derivation[0]["line"] == lines_with("batchnorm.py", "init.zeros_(self.bias)")[0]
    assert (weight.mean, weight.variance, weight.std) == ("1", "0", "0")
    assert [c["verdict"] for c in weight.documented + bias.documented] == ["consistent", "consistent"]
    code, out, _ = run("torch.nn.BatchNorm2d")
    assert code == 0
    assert "ones_: weight ~ constant 1" in out and "zeros_: bias ~ constant 0" in out


# --------------------------------------------------------------------------- other layers and errors
def test_a_documented_mismatch_is_shown(tmp_path):
    path = Path(__file__).resolve().parent.parent / "fixtures" / "minilayers" / "dense.py"
    exp = explain(f"{path}::WideDense")
    weight = param(exp, "weight")
    assert weight.documented[0]["verdict"] == "mismatch"
    assert weight.documented[0]["documented_in_code_symbols"] == "U(−1/√out_features, 1/√out_features)"
    assert weight.effective == "U(−1/√in_features, 1/√in_features)"


def test_old_style_tensor_methods():
    path = Path(__file__).resolve().parent.parent / "fixtures" / "minilayers" / "oldstyle.py"
    weight = param(explain(f"{path}::OldLinear"), "weight")
    assert steps(weight)[-1] == ".uniform_: weight ~ U(from_, to) = U(−1/√in_features, 1/√in_features)"


def test_xavier_default_gain_is_shown():
    weight = param(explain("torch.nn.MultiheadAttention"), "in_proj_weight")
    assert "xavier_uniform_: std = gain·√(2/(fan_in + fan_out)) = 1/√(2·embed_dim)   (gain = 1)" in steps(weight)


def test_unknown_target_is_a_usage_error():
    code, _, err = run("torch.nn.NoSuchLayer")
    assert code == 2 and "not found" in err
