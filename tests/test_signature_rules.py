"""DC201 (default-mismatch), DC301 (documented argument missing), DC302 (argument undocumented).

* the docstring reader (`doccheck.docmodel.sections`): sections, entries, default phrases, values;
* the effective signature: own, inherited along the MRO, ``@overload`` variants, ``**kwargs`` handed on;
* the fixtures in ``fixtures/rules/``: findings == ``# doccheck-expect:`` markers;
* the registry entries and the cost promises (no docutils, no sympy, no libcst for plain literals).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from doccheck.catalogue import get
from doccheck.docmodel.sections import (
    DocValue,
    code_value,
    defaults_in,
    read_sections,
    read_value,
    same_value,
)
from doccheck.engine import Config, run

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "fixtures" / "rules"
CODES = ("DC201", "DC301", "DC302")
MARKER = re.compile(r"^[ \t]*#[ \t]*doccheck-expect:[ \t]*(DC\d{3})[ \t]+(\S+)[ \t]*$", re.MULTILINE)


def markers(codes, files=None) -> set[tuple[str, str, str]]:
    out = set()
    for path in sorted(files or (p for p in RULES.glob("*.py") if p.name != "__init__.py")):
        for m in MARKER.finditer(path.read_text()):
            if m.group(1) in codes:
                out.add((path.name, m.group(1), m.group(2)))
    return out


@pytest.fixture(scope="module")
def fixture_run():
    return run([str(RULES)], Config(select=("ALL",), cache=False, jobs=1))


def found(result, codes) -> set[tuple[str, str, str]]:
    return {(Path(f.path).name, f.code, f.object) for f in result.findings if f.code in codes}


# --------------------------------------------------------------------------- sections


DOC = '''Summary line.

Args:
    in_features (int): size of each input sample
    bias (bool, optional): If set to ``False``, the layer will not learn an additive bias.
        Default: ``True``
    q, k, v: query, key and value
    *args: passed on
    ``eps``: added for stability. Default: 1e-5

Attributes:
    weight_ih_l[k]: the weights of layer k of shape `(hidden_size, input_size)`

Returns:
    a tensor
'''


def test_google_sections_entries_and_offsets():
    sections = read_sections(DOC)
    assert [e.names for e in sections.args] == [("in_features",), ("bias",), ("q", "k", "v"), ("*args",), ("eps",)]
    bias = sections.args[1]
    assert bias.type == "bool, optional"
    assert "Default: ``True``" in bias.description  # continuation lines belong to the entry
    for entry in sections.args:
        for name, offset in zip(entry.names, entry.name_offsets):
            assert DOC[offset:offset + len(name)] == name
    assert [e.names for e in sections.attributes] == [("weight_ih_l[k]",)]
    assert sections.has_args and not sections.loose
    assert sections.arg_names() == {"in_features", "bias", "q", "k", "v", "args", "eps"}


def test_numpy_and_field_styles_and_no_section():
    numpy = read_sections("Sum.\n\nParameters\n----------\na : int\n    The first.\nb : int, optional\n"
                          "    The second.  Default: 2\n\nReturns\n-------\nint\n")
    assert [e.names for e in numpy.args] == [("a",), ("b",)]
    assert defaults_in(numpy.args[1].description)[0].value == DocValue("num", Fraction(2), "2")
    fields = read_sections(":param a: first\n:param int b: second\n    more text\n:returns: sum\n")
    assert [(e.names, e.type) for e in fields.args] == [(("a",), ""), (("b",), "int")]
    assert not read_sections("Nothing here.\n\nExample::\n\n    f(a=1)\n").has_args
    # napoleon's section names are case-insensitive; a non-section line ending in a colon is not a header
    assert read_sections("parameters:\n    x: the input\n").arg_names() == {"x"}
    assert not read_sections("The inputs are as follows:\n    x: the input\n").has_args


def test_a_section_ends_at_the_next_header_or_dedent():
    sections = read_sections("Args:\n    x: the input\nReturns:\n    y: not an argument\n")
    assert sections.arg_names() == {"x"}


@pytest.mark.parametrize("text, expected", [
    ("Default: ``True``", ("bool", True)),
    ("Default: ``False``.", ("bool", False)),
    ("Default ``2``", ("num", Fraction(2))),
    ("Default: 1e-5", ("num", Fraction(1, 100000))),
    ("Default: 0.00001", ("num", Fraction(1, 100000))),
    ("Defaults to 1e-3.", ("num", Fraction(1, 1000))),
    ("(default: 1)", ("num", Fraction(1))),
    ("(default=0)", ("num", Fraction(0))),
    ("(default ``'mean'``)", ("str", "mean")),
    ("Default: 'mean'.", ("str", "mean")),
    ('Default: ``"mean"``', ("str", "mean")),
    ("Default: ``'zeros'``", ("str", "zeros")),
    ("Default: relu", ("word", "relu")),
    ("Default: ``None``, meaning no limit", ("none", None)),
    ("Default: None.", ("none", None)),
    ("Default: :obj:`None`", ("none", None)),
    ("Default: `True`", ("bool", True)),
    ("Default: -1", ("num", Fraction(-1))),
    ("Default: :math:`0.5`", ("num", Fraction(1, 2))),
    ("Default: :math:`10^{-5}`", ("num", Fraction(1, 100000))),
    ("Default: :math:`\\frac{1}{3}`", ("num", Fraction(1, 3))),
    ("Default: :math:`\\infty`", ("num", float("inf"))),
    ("Default: ``(1, 1)``", ("tuple", (DocValue("num", Fraction(1)), DocValue("num", Fraction(1))))),
    ("Default value is 0 (False).", ("num", Fraction(0))),
    ("Default: :attr:`kernel_size`", ("ref", "kernel_size")),
])
def test_default_phrases(text, expected):
    (phrase,) = defaults_in(text)
    assert (phrase.value.kind, phrase.value.value) == expected


@pytest.mark.parametrize("text", [
    "Default: 1 for 1-D inputs, 2 otherwise",  # not one value
    "Default: 0 or 1",
    "Default: 1, 2",
    "Default: 2 * n",
    "By default, the elements are set to 1",
    "adds the pg to the default \"\" tag",  # lower-case "default" without a colon is prose
    "the default behaviour",
    "Default: the same as the input",
    "(default: 1 unless the input is sparse)",
    "Default: :math:`\\sqrt{2}`",  # a formula that is no plain number is not read
    "Activation function to use. Default: hyperbolic tangent (`tanh`).",  # words of a sentence (keras)
    "Note that in most other utils and datasets, the default is actually \"THWC\".",  # torchvision Kinetics
    "Options: 'mrope' (interleaved; `mrope_section` defaults to (8, 12, 12))",  # another name's default (timm)
])
def test_phrases_that_are_not_one_readable_value(text):
    assert defaults_in(text) == []


@pytest.mark.parametrize("text, expected", [
    ("Default: tanh (hyperbolic tangent).", "tanh"),  # a word with an explanation is still a value
    ("Default: relu.", "relu"),
    ("The `eps` defaults to 1e-3.", Fraction(1, 1000)),  # the entry's own name
])
def test_default_phrases_that_read_as_values(text, expected):
    (phrase,) = defaults_in(text, 0, ("eps",))
    assert phrase.value.value == expected


def test_sections_follow_napoleons_indentation_rules():
    # torchvision's DatasetFolder: ` Attributes:` one space deeper than `Args:` ends Args (napoleon's
    # section indent is that of the first entry); it is not an argument named `Attributes`
    doc = ("Loader.\n\nArgs:\n    root (str): Root.\n    allow_empty(bool, optional): If True.\n"
           "        An error otherwise.\n\n Attributes:\n    classes (list): names.\n")
    sections = read_sections(doc)
    assert sections.arg_names() == {"root", "allow_empty"}
    assert [e.names for e in sections.attributes] == [("classes",)]
    # transformers/paddle: a `Returns:` indented into Args, at the entries' indentation
    doc = ("F.\n\nArgs:\n    xs_len (int): length\n    Returns:\n        mask (Tensor): a mask\n")
    assert read_sections(doc).arg_names() == {"xs_len"}
    # paddle's erase: ` Returns:` deeper than `Args:` but shallower than the entries
    doc = "F.\n\nArgs:\n     img (array): image.\n\n Returns:\n     array: Erased image.\n"
    assert read_sections(doc).arg_names() == {"img"}
    # a lower-case entry that happens to be a section name stays an argument
    doc = "F.\n\nArgs:\n    x: input\n    note:\n        a free-text note to attach\n"
    assert read_sections(doc).arg_names() == {"x", "note"}


def test_read_value_stops_at_sentence_end():
    value, end = read_value("Default: 0.1. More text", 9)
    assert value == DocValue("num", Fraction(1, 10), "0.1") and end == 12


@pytest.mark.parametrize("doc, code, verdict", [
    ("1e-5", "0.00001", True),
    ("0.1", "0.1", True),
    ("1", "1.0", True),  # numbers compare as numbers
    ("``1/3``", "1.0 / 3", True),  # arithmetic of literals in a signature is evaluated exactly
    ("``True``", "True", True),
    ("``False``", "True", False),
    ("``'zeros'``", "'zeros'", True),
    ('"zeros"', "'zeros'", True),
    ("reflect", "'reflect'", True),  # a bare word against a string
    ("``'reflect'``", "'zeros'", False),
    ("``None``", "None", True),
    ("``None``", "0", False),
    ("1", "(1, 1)", True),  # the scalar form of a uniform tuple
    ("1", "(1, 2)", False),
    ("``(1, 2)``", "(1, 2)", True),
    ("0", "False", True),  # Python's own bool/int equality is no finding
    ("relu", "F.relu", True),  # the documented name of a default callable
    ("relu", "torch.tanh", None),  # words are only compared with names they could be
    ("``inf``", "float('inf')", True),
    ("``inf``", "math.inf", True),
    ("2", "_pair(2)", None),  # no literal: undecided
])
def test_value_comparison(doc, code, verdict):
    (phrase,) = defaults_in(f"Default: {doc}")
    assert same_value(phrase.value, code_value(ast.parse(code, mode="eval").body)) is verdict


# --------------------------------------------------------------------------- fixtures


def test_fixture_findings_equal_the_markers(fixture_run):
    got = found(fixture_run, CODES)
    want = markers(CODES)
    assert got == want, f"missed: {sorted(want - got)}; false alarms: {sorted(got - want)}"


def test_no_internal_error_on_the_fixtures(fixture_run):
    assert not [f for f in fixture_run.findings if f.code in ("DC000", "DC002", "DC003")]


def test_messages_name_both_values_and_the_signature_that_was_used(fixture_run):
    by_object = {f.object: f for f in fixture_run.findings if f.code == "DC201"}
    bias = by_object["BiaslessGrid.bias"]
    # the inherited __init__ is the effective one
    assert "documented default ``False``" in bias.message and "default is True" in bias.message
    assert "GridBase.__init__, bases.py:" in bias.message
    assert (bias.documented, bias.effective) == ("``False``", "True")
    # a default reached through a mixin's **kwargs names the base that declares it
    assert "GridBase.__init__" in by_object["ScaledGrid.stride"].message
    assert "ScaleMixin.__init__" in by_object["ScaledGrid.scale"].message
    # the overload is the documented form of __init__(*args, **kwargs)
    assert "'tanh'" in by_object["Recurrent.nonlinearity"].message
    # the finding points at the documented value
    line = (RULES / "defaults.py").read_text().splitlines()[bias.line - 1]
    assert line[bias.column - 1:].startswith("``False``")


def test_unknown_argument_positions_and_message(fixture_run):
    (stride,) = [f for f in fixture_run.findings if f.object == "Window.stride"]
    line = (RULES / "arguments.py").read_text().splitlines()[stride.line - 1]
    assert line[stride.column - 1:].startswith("stride:")
    assert "accepts kernel_size, step, device, dtype" in stride.message


def test_defaults_and_arguments_are_on_by_default_and_the_audit_is_not():
    assert get("DC201").default and get("DC301").default
    assert not get("DC302").default
    result = run([str(RULES)], Config(cache=False, jobs=1))
    codes = {f.code for f in result.findings}
    assert {"DC201", "DC301"} <= codes and "DC302" not in codes


def test_the_ignore_list_is_configurable():
    """`Config.undocumented_ignore` (read with getattr: the field belongs to the configuration layer)
    replaces the default ignore list."""
    config = Config(select=("DC302",), cache=False, jobs=1)
    assert {f.object for f in run([str(RULES / "arguments.py")], config).findings} == {"Window.step",
                                                                                        "pool.ceil_mode"}
    object.__setattr__(config, "undocumented_ignore", ("ceil_mode", "step"))
    result = run([str(RULES / "arguments.py")], config)
    # the list replaces the default one: device and dtype are asked for now
    assert {f.object for f in result.findings} == {"Window.device", "Window.dtype", "pool.device"}


def test_registry_entries_document_each_rule():
    for code, name in (("DC201", "default-mismatch"), ("DC301", "documented-argument-missing"),
                       ("DC302", "argument-undocumented")):
        check = get(code)
        assert check is not None and check.name == name
        assert len(check.rationale) > 200 and check.bad and check.good and check.bad != check.good
        assert check.summary.endswith(".")


def test_signature_rules_never_run_docutils_napoleon_or_sympy():
    """The prefilter and the regex reader suffice: a run selecting only DC201/DC301/DC302 over the
    fixtures imports neither docutils, Sphinx nor sympy, and parses plain literal docstrings without libcst."""
    code = (
        "import sys\n"
        "from doccheck.engine import Config, run\n"
        f"r = run([{str(RULES / 'defaults.py')!r}, {str(RULES / 'arguments.py')!r}], "
        "Config(select=('DC201', 'DC301', 'DC302'), cache=False, jobs=1))\n"
        "assert r.findings, 'nothing found'\n"
        "heavy = [m for m in ('docutils', 'sphinx', 'sympy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_unchanged_files_are_not_parsed_when_nothing_can_matter(tmp_path):
    """A file without "Default" and without an argument section is not parsed beyond its index."""
    from doccheck import knowledge
    from doccheck.checkers import signature
    from doccheck.engine import FileResult
    from doccheck.parse import load_module
    from doccheck.project import Project

    path = tmp_path / "plain.py"
    path.write_text('class A:\n    """Nothing to check."""\n\n    def f(self, x=1):\n        """Also nothing."""\n')
    info = load_module(path, "plain")
    result = FileResult(str(path))
    signature.run(info, Project([tmp_path]), knowledge.load(), Config(select=("ALL",)), result)
    assert result.findings == [] and info not in signature._AST


def _defaults_found(tmp_path, source: str) -> list[str]:
    path = tmp_path / "m.py"
    path.write_text(source)
    return [f.object for f in run([str(path)], Config(select=("DC201",), cache=False, jobs=1)).findings]


def test_equivalent_values_are_data_and_only_for_their_argument(tmp_path):
    # torch_geometric's MessagePassing: (default: "add") for aggr="sum" — the resolver maps one to the other
    doc = '    """Pass.\n\n    Args:\n        {n}: the aggregation (default: :obj:`"add"`)\n    """\n'
    assert _defaults_found(tmp_path, "def f(aggr='sum'):\n" + doc.format(n="aggr")) == []
    assert _defaults_found(tmp_path, "def f(aggr='mean'):\n" + doc.format(n="aggr")) == ["f.aggr"]
    assert _defaults_found(tmp_path, "def f(mode='sum'):\n" + doc.format(n="mode")) == ["f.mode"]


def test_a_documented_range_for_a_scalar_factor_is_not_judged(tmp_path):
    doc = '    """Invert.\n\n    Args:\n        factor: a float or a range.\n            Defaults to `{d}`.\n    """\n'
    assert _defaults_found(tmp_path, "def f(factor=1.0):\n" + doc.format(d="(0, 1)")) == []  # keras RandomInvert
    assert _defaults_found(tmp_path, "def f(factor=0.5):\n" + doc.format(d="(-0.5, 0.5)")) == []
    assert _defaults_found(tmp_path, "def f(factor=1.0):\n" + doc.format(d="(0, 2)")) == ["f.factor"]
    assert _defaults_found(tmp_path, "def f(factor=1.0):\n" + doc.format(d="(2, 2)")) == ["f.factor"]


@pytest.mark.parametrize("documented, code, verdict", [
    ("Default: 0.3333333333333333.", "1.0 / 3.0", True),  # paddle rrelu: the float Python computes
    ("Default: 0.25", "1.0 / 3.0", False),
    ("Default: (0.75, 1.33)", "(3.0 / 4, 4.0 / 3)", None),  # paddle RandomResizedCrop: 4/3 rounded as written
    ("Default: (0.75, 1.34)", "(3.0 / 4, 4.0 / 3)", False),
    ("Default: 0.33", "1 / 3", None),
    ("Default: 0.5", "1 / 3", False),
    ("default is 'True'.", "True", True),  # paddle scatter_reduce: quotes around the constant
    ("default is 'True'.", "False", False),
    ("Default is 'skip_quant'.", "['skip_quant']", None),  # one pattern, or a list of them
    ("Default is 'other'.", "['skip_quant']", False),
])
def test_documented_numbers_and_constants_as_written(documented, code, verdict):
    from doccheck.docmodel.sections import code_value

    assert same_value(defaults_in(documented)[0].value, code_value(ast.parse(code, mode="eval").body)) is verdict


def _unknown_found(tmp_path, source: str) -> list[str]:
    path = tmp_path / "m.py"
    path.write_text(source)
    return [f.object for f in run([str(path)], Config(select=("DC301",), cache=False, jobs=1)).findings]


@pytest.mark.parametrize("decorator", ['@ParamAliasDecorator({"x": ["input"]})', '@param_one_alias(["x", "input"])'])
def test_keyword_aliases_declared_by_a_decorator_are_parameters(tmp_path, decorator):
    doc = '    """Pad.\n\n    Args:\n        x: the tensor\n        input: an alias for ``x``\n        inputs: a typo\n    """\n'
    assert _unknown_found(tmp_path, f"{decorator}\ndef pad(x, pad):\n{doc}") == ["pad.inputs"]
    assert _unknown_found(tmp_path, f"def pad(x, pad):\n{doc}") == ["pad.input", "pad.inputs"]


def test_a_remark_at_the_entries_indent_is_no_argument(tmp_path):
    doc = '    """Edit.\n\n    Args:\n        x: the input\n        NOTE: values must be positive.\n        y: a typo\n    """\n'
    assert _unknown_found(tmp_path, f"def edit(x):\n{doc}") == ["edit.y"]
