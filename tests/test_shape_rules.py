"""DC401 shape-mismatch: documented parameter shapes against the code model's symbolic shapes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import sympy

from doccheck.checkers.shapes import _same_shape, documented_shapes, read_shape
from doccheck.catalogue import get
from doccheck.docmodel.sections import ShapeText, shapes_in
from doccheck.engine import Config, run
from doccheck.symbolic import symbol

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "fixtures" / "rules"
MARKER = re.compile(r"^[ \t]*#[ \t]*doccheck-expect:[ \t]*(DC401)[ \t]+(\S+)[ \t]*$", re.MULTILINE)
S = symbol


@pytest.fixture(scope="module")
def fixture_run():
    return run([str(RULES)], Config(select=("ALL",), cache=False, jobs=1))


def test_fixture_findings_equal_the_markers(fixture_run):
    want = {(p.name, m.group(1), m.group(2)) for p in RULES.glob("*.py") if p.name != "__init__.py"
            for m in MARKER.finditer(p.read_text())}
    got = {(Path(f.path).name, f.code, f.object) for f in fixture_run.findings if f.code == "DC401"}
    assert got == want and len(want) == 3


def test_messages_show_both_shapes_and_where_the_parameter_is_created(fixture_run):
    (swapped,) = [f for f in fixture_run.findings if f.object == "SwappedDense.weight"]
    assert swapped.documented == "(in_features, out_features)"
    assert swapped.effective == "(out_features, in_features)"
    assert "shapes.py:" in swapped.message and swapped.related
    line = (RULES / "shapes.py").read_text().splitlines()[swapped.line - 1]
    assert line[swapped.column - 1:].startswith(r"(\text{in\_features}")
    (bias,) = [f for f in fixture_run.findings if f.object == "WrongGroups.bias"]
    assert bias.documented == "(out_channels, 1)" and bias.effective == "(out_channels,)"


@pytest.mark.parametrize("text, math, expected", [
    (r"(\text{out\_features}, \text{in\_features})", True, (S("out_features"), S("in_features"))),
    (r"(\text{out\_features})", True, (S("out_features"),)),  # one element in parentheses: a 1-tuple
    (r"\text{normalized\_shape}", True, (S("normalized_shape"),)),  # a bare symbol: a 1-tuple
    (r"(\text{out\_channels}, \frac{\text{in\_channels}}{\text{groups}}, \text{kernel\_size[0]})", True,
     (S("out_channels"), S("in_channels") / S("groups"), S("kernel_size[0]"))),
    ("(4*hidden_size, input_size)", False, (4 * S("hidden_size"), S("input_size"))),
    ("(out_channels)", False, (S("out_channels"),)),
    ("(out_channels,)", False, (S("out_channels"),)),
    ("(:attr:`num_parameters`)", False, (S("num_parameters"),)),
    ("(in_channels // groups, kernel_size[1])", False, (S("in_channels") / S("groups"), S("kernel_size[1]"))),
])
def test_read_shape(text, math, expected):
    assert read_shape(ShapeText(text, math, 0)) == expected


@pytest.mark.parametrize("text, math", [
    (r"(N, *, H_{out})", True),  # not a parameter shape doccheck can read
    ("(*, H)", False),
    ("(the number of features)", False),
    (r"\mathcal{U}(0, 1)", True),
])
def test_unreadable_shapes_are_not_judged(text, math):
    assert read_shape(ShapeText(text, math, 0)) is None


def test_comparison():
    out, inp, groups = S("out_channels"), S("in_channels"), S("groups")
    assert _same_shape((out, inp / groups), (out, sympy.floor(inp / groups))) is True  # docs write // as a fraction
    assert _same_shape((out, inp * groups), (out, sympy.floor(inp / groups))) is False
    assert _same_shape((out,), (out, inp)) is False  # rank
    assert _same_shape((inp, out), (out, inp)) is False  # order
    assert _same_shape((2 * out,), (out + out,)) is True


def test_shape_phrases_and_split_roles():
    text = ("weight: the weights of the module of shape\n    :math:`(\\text{out}, \\frac{a}{b},`\n"
            "    :math:`\\text{k})`. Initialized from somewhere.")
    (entry, shapes), = documented_shapes("Attributes:\n    " + text.replace("\n", "\n    ") + "\n")
    assert entry.names == ("weight",)
    assert read_shape(shapes[0]) == (S("out"), S("a") / S("b"), S("k"))
    assert [s.text for s in shapes_in("a tensor of shape ``(a, b)`` and another")] == ["(a, b)"]
    assert [s.text for s in shapes_in("of shape `(a, b)`")] == ["(a, b)"]


def test_registry_entry():
    check = get("DC401")
    assert check.name == "shape-mismatch" and check.default
    assert len(check.rationale) > 200 and check.bad != check.good


def test_reuses_the_code_model_of_the_initialization_check(monkeypatch):
    """A class the initialization check evaluated is not evaluated again for its shapes."""
    from doccheck.codemodel import classes

    calls = []
    original = classes.evaluate_class

    def counting(project, knowledge, definition, *args, **kwargs):
        calls.append(definition.qualname)
        return original(project, knowledge, definition, *args, **kwargs)

    monkeypatch.setattr(classes, "evaluate_class", counting)
    dense = REPO / "fixtures" / "minilayers" / "dense.py"  # init claims and documented shapes
    run([str(dense)], Config(select=("DC401",), cache=False, jobs=1))
    assert calls  # the shape check evaluates what it needs on its own
    calls.clear()
    run([str(dense)], Config(select=("DC401", "DC101"), cache=False, jobs=1))
    assert calls and len(calls) == len(set(calls))  # each class once, whoever asked first


def test_the_fixture_layers_really_have_the_shapes_the_markers_say():
    pytest.importorskip("torch")
    sys.path.insert(0, str(RULES.parent))
    try:
        from rules import shapes
    finally:
        sys.path.remove(str(RULES.parent))
    assert tuple(shapes.SwappedDense(3, 5).weight.shape) == (5, 3)  # documented (in, out): wrong
    assert tuple(shapes.Dense(3, 5).weight.shape) == (5, 3)
    assert tuple(shapes.GroupedFilter(6, 4, 3, groups=2).weight.shape) == (4, 3, 3)
    assert tuple(shapes.WrongGroups(6, 4, 3, groups=2).weight.shape) == (4, 3, 3)  # documented 6*2: wrong
    assert tuple(shapes.WrongGroups(6, 4, 3).bias.shape) == (4,)  # documented (4, 1): wrong
