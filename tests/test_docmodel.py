"""Tests for doccheck.docmodel: docstrings from source, reST parsing, initialization claims."""

from __future__ import annotations

import ast
import importlib
import inspect
import statistics
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doccheck import knowledge as knowledge_mod
from doccheck.discover import module_file
from doccheck.docmodel import rst
from doccheck.docmodel.claims import has_init_wording, init_claims
from doccheck.docmodel.docsource import (
    DocString,
    class_docstring,
    docstring_from_text,
    function_docstring,
)
from doccheck.docmodel.latex import symbol as S
from doccheck.parse import load_module
from doccheck.project import Project

KNOWLEDGE = knowledge_mod.load()


def same(a, b) -> bool:
    return sympy.simplify(sympy.sympify(a) - sympy.sympify(b)) == 0


def params(claim) -> dict:
    return claim.distribution.param_dict


def locate(text: str, needle: str, after: str = "", occurrence: int = 1) -> tuple[int, int]:
    """(line, column), 1-based, of the `occurrence`-th `needle` after the first `after` in `text`."""
    index = text.index(after) if after else 0
    for _ in range(occurrence):
        index = text.index(needle, index + (1 if _ else 0))
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


# --------------------------------------------------------------------------- helpers for inline modules


def write_module(tmp_path: Path, source: str, name: str = "mod.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    return path


def load(tmp_path: Path, source: str, name: str = "mod.py", qualname: str = "mod"):
    path = write_module(tmp_path, source, name)
    project = Project(roots=[tmp_path], search_path=[])
    info = load_module(path, qualname)
    project.add(info, tmp_path)
    return project, info


def class_doc(tmp_path: Path, source: str, cls: str = "M") -> tuple[DocString, object]:
    project, info = load(tmp_path, source)
    doc = class_docstring(project, info, info.definitions[cls])
    assert doc is not None
    return doc, info


def claims_of(tmp_path: Path, source: str, cls: str = "M"):
    doc, info = class_doc(tmp_path, source, cls)
    return init_claims(doc, KNOWLEDGE), info


def at(text: str, line: int, column: int) -> str:
    return text.splitlines()[line - 1][column - 1:]


# =========================================================================== docsource


def test_plain_docstring_positions_and_cleandoc(tmp_path):
    doc, info = class_doc(tmp_path, '''
        import x


        class M:
            r"""Summary line.

                Indented block with \\frac and \\text.
            Last line.
            """
        ''')
    assert doc.text == "Summary line.\n\n    Indented block with \\frac and \\text.\nLast line."
    assert doc.raw and doc.escape_problems == []
    assert len(doc.offsets) == len(doc.text)
    assert doc.position(0) == doc.position(0).__class__(info.path, 5, 9)  # "S" of Summary
    for offset, ch in enumerate(doc.text):
        if ch != "\n":
            line, column = doc.offsets[offset]
            assert info.text.splitlines()[line - 1][column - 1] == ch
    # the character after the dedent margin
    assert at(info.text, *doc.offsets[doc.text.index("Indented")]).startswith("Indented block")


def test_implicit_concatenation_prefixes_and_quotes(tmp_path):
    project, info = load(tmp_path, '''
        class M:
            R'first ' u"second " \'\'\'third\'\'\' r"""\\fourth"""

        def f():
            "only"
            return 1

        def g():
            b"bytes are not docstrings"

        def h():
            f"f-strings are not docstrings"

        class Nested:
            def method(self):
                """Method
                doc."""
        ''')
    doc = class_docstring(project, info, info.definitions["M"])
    assert doc.text == "first second third\\fourth"
    assert not doc.raw  # the u"" and ''' literals are not raw
    assert at(info.text, *doc.offsets[doc.text.index("second")]).startswith('second " ')
    assert at(info.text, *doc.offsets[doc.text.index("\\fourth")]).startswith('\\fourth"""')
    assert function_docstring(project, info, info.definitions["f"], info.definitions["f"]).text == "only"
    assert function_docstring(project, info, info.definitions["g"], info.definitions["g"]) is None
    assert function_docstring(project, info, info.definitions["h"], info.definitions["h"]) is None
    nested = info.definitions["Nested"]
    method = nested.body.body[0]
    doc = function_docstring(project, info, method, nested)
    assert doc.text == "Method\ndoc."
    line, column = doc.offsets[doc.text.index("doc.")]
    assert at(info.text, line, column).startswith('doc."""')
    doc = function_docstring(project, info, method)  # the top-level statement is found when omitted
    assert doc is not None and doc.text == "Method\ndoc."


def test_non_raw_escapes_are_decoded_char_by_char(tmp_path):
    doc, info = class_doc(tmp_path, r'''
        class M:
            """Escapes: a\nb \x41 \u00e0 \N{GREEK SMALL LETTER BETA} \\ \' \
        joined.

            Math :math:`\frac{1}{2}` and :math:`\text{x}` and \beta and \012.
            """
        ''')
    assert not doc.raw
    text = doc.text
    assert text.startswith("Escapes: a\nb A à β \\ ' joined.")
    # "\n" is two source characters that became one character; the next one is after them
    nl = text.index("\n")
    assert at(info.text, *doc.offsets[nl]).startswith("\\nb")
    assert at(info.text, *doc.offsets[nl + 1]).startswith("b \\x41")
    assert at(info.text, *doc.offsets[text.index("A")]).startswith("\\x41")
    assert at(info.text, *doc.offsets[text.index("joined")]).startswith("joined.")
    problems = {name: offset for offset, name in doc.escape_problems}
    assert set(problems) == {"\\f", "\\t", "\\b", "\\012"}
    assert text[problems["\\f"]] == "\f"
    assert text[problems["\\b"]] == "\b"
    assert at(info.text, *doc.offsets[problems["\\f"]]).startswith("\\frac")
    # the tab from "\text" was expanded to spaces, as inspect.cleandoc does; the problem stays on the first
    assert text[problems["\\t"]] == " "
    assert at(info.text, *doc.offsets[problems["\\t"]]).startswith("\\text")
    real = {}
    exec(compile(info.text, info.path, "exec"), real)
    assert text == inspect.getdoc(real["M"])


def test_escape_problem_position_reported_in_file(tmp_path):
    doc, info = class_doc(tmp_path, r'''
        class M:
            """Weights.

            Attributes:
                weight: initialized from :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})`, where :math:`k = \frac{1}{n}`
            """
        ''')
    assert [name for _, name in doc.escape_problems] == ["\\f"]
    offset = doc.escape_problems[0][0]
    position = doc.position(offset)
    assert (position.line, position.column) == locate(info.text, "\\frac")
    assert position.path == info.path


PKG_NOTES = '''
    shared_notes = {
        "remote_note": r"""Remote text with :math:`x`.""",
    }
    '''

PKG_MOD = '''
    from pkg.notes import shared_notes

    local_notes = {
        "local_note": r"""Local text, :math:`\\mathcal{U}(0, 1)`.""",
        "other": "unused",
    }

    _tail = r"""

        Tail {kept} braces."""


    class M:
        __doc__ = (
            r"""Head {{literal}} stays doubled: only the next literal is formatted.

        {not_a_field}
        """
            + r"""
        Local: {local_note}
        Remote: {remote_note}
        {extra} {{escaped}}
        """.format(**shared_notes, **local_notes, extra="kw-" "value")
            + _tail
            + "%(pct)s and 100%%" % {"pct": "percent"}
        )

        def method(self):
            pass


    def make_doc():
        return " Computed."


    class Partial:
        __doc__ = r"""Known part.""" + make_doc()


    class Bad:
        __doc__ = str(42)


    class Override:
        """Original."""
        __doc__ = "Replaced."
        __doc__ += " Extended."
    '''


def make_package(tmp_path: Path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "notes.py").write_text(textwrap.dedent(PKG_NOTES))
    (pkg / "mod.py").write_text(textwrap.dedent(PKG_MOD))
    project = Project(roots=[tmp_path], search_path=[])
    info = project.module("pkg.mod")
    assert info is not None
    return project, info


def test_computed_doc_with_format_across_modules(tmp_path, monkeypatch):
    project, info = make_package(tmp_path)
    doc = class_docstring(project, info, info.definitions["M"])
    assert doc is not None and doc.complete
    monkeypatch.syspath_prepend(str(tmp_path))
    real = importlib.import_module("pkg.mod")
    assert doc.text == inspect.getdoc(real.M)
    text = doc.text
    assert "Head {{literal}} stays doubled" in text and "{not_a_field}" in text
    # a value written in this file keeps its own position
    assert at(info.text, *doc.offsets[text.index("Local text")]).startswith("Local text, :math:")
    math = text.index(":math:`\\mathcal{U}")
    assert at(info.text, *doc.offsets[math]).startswith(":math:`\\mathcal{U}(0, 1)`")
    # a value from another file maps to its placeholder
    remote = text.index("Remote text")
    assert at(info.text, *doc.offsets[remote]).startswith("{remote_note}")
    assert doc.offsets[remote] == doc.offsets[remote + 10]
    # {{ }} escapes and keyword values
    assert at(info.text, *doc.offsets[text.index("{escaped}")]).startswith("{{escaped}}")
    assert at(info.text, *doc.offsets[text.index("kw-value")]).startswith('kw-" "value"')
    # a module-level name concatenated with +; %-formatting
    assert at(info.text, *doc.offsets[text.index("Tail")]).startswith("Tail {kept}")
    assert at(info.text, *doc.offsets[text.index("percent")]).startswith('percent"')
    assert text.endswith("percent and 100%")


def test_computed_doc_partial_and_unevaluable(tmp_path):
    project, info = make_package(tmp_path)
    partial = class_docstring(project, info, info.definitions["Partial"])
    assert partial is not None and partial.text == "Known part." and partial.complete is False
    assert class_docstring(project, info, info.definitions["Bad"]) is None
    override = class_docstring(project, info, info.definitions["Override"])
    assert override.text == "Replaced. Extended."


def test_percent_formatting(tmp_path):
    project, info = load(tmp_path, '''
        class M:
            __doc__ = "A %(what)s doc, %d%% sure" % {"what": "formatted"}

        class N:
            __doc__ = "A %s and %s, 100%%" % ("one", "two")
        ''')
    # "%d" is not evaluated: the result is unknown rather than wrong
    assert class_docstring(project, info, info.definitions["M"]) is None
    doc = class_docstring(project, info, info.definitions["N"])
    assert doc.text == "A one and two, 100%"
    assert at(info.text, *doc.offsets[doc.text.index("two")]).startswith('two"')


def test_never_raises_on_odd_code(tmp_path):
    project, info = load(tmp_path, '''
        class A:
            __doc__ = undefined_name.format(**nothing)

        class B:
            __doc__ = "{unclosed".format()

        class C:
            __doc__ = "{0.attr} {missing}".format(1)

        class D: "one-line class docstring"

        class E:
            pass
        ''')
    assert class_docstring(project, info, info.definitions["A"]) is None
    assert class_docstring(project, info, info.definitions["B"]) is None
    c = class_docstring(project, info, info.definitions["C"])
    assert c is not None and c.complete is False and c.text == "{0.attr} {missing}"
    assert class_docstring(project, info, info.definitions["D"]).text == "one-line class docstring"
    assert class_docstring(project, info, info.definitions["E"]) is None
    # escapes Python itself rejects (the file would not compile): no docstring, no exception
    assert docstring_from_text('"""\\xZZ"""') is None
    assert docstring_from_text('"""\\N{NO SUCH NAME}"""') is None
    assert docstring_from_text('b"""bytes"""') is None
    assert class_docstring(None, info, info.definitions["E"]) is None
    assert class_docstring(project, None, info.definitions["A"]) is None


_PIECES = ["a", "Z", " ", "  ", "\t", "\n", "\n    ", "\n        ", "\n\n", "\\n", "\\t", "\\f", "\\\\", "\\x41",
           "\\u00e0", "\\\n", "\\frac", "\\text", "'", "{", "}", ":math:`k`", "é"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(st.sampled_from(_PIECES), max_size=25).map("".join), raw=st.booleans(),
       line=st.integers(1, 50), column=st.integers(1, 30))
def test_decoding_matches_python_and_cleandoc(body, raw, line, column):
    if raw and body.endswith("\\") or body.endswith('"'):
        body += "x"
    literal = ("r" if raw else "") + '"""' + body + '"""'
    expected = inspect.cleandoc(ast.literal_eval(literal))
    doc = docstring_from_text(literal, "f.py", line, column)
    if not expected:
        assert doc is None or doc.text == ""
        return
    assert doc is not None
    assert doc.text == expected
    assert len(doc.offsets) == len(doc.text)
    # every position lies inside the literal, in order of the source lines
    src_lines = literal.split("\n")
    for (ln, col) in doc.offsets:
        assert line <= ln < line + len(src_lines)
        width = len(src_lines[ln - line]) + (column - 1 if ln == line else 0)
        assert 1 <= col <= width + 1
    assert doc.offsets == sorted(doc.offsets)


# =========================================================================== rst


def test_rst_private_registry_sphinx_roles_and_directives(tmp_path, capfd):
    from docutils import nodes
    from docutils.parsers.rst import directives, roles, states

    roles_before = dict(roles._roles)
    directives_before = dict(directives._directives)
    cache_before = list(states.RSTState.nested_sm_cache)
    text = textwrap.dedent(r"""
        Summary with :class:`torch.Tensor`, :attr:`x`, :func:`f`, :meth:`m`, :ref:`r<t>`, :mod:`m`,
        :obj:`o`, :data:`d`, :exc:`E`, :doc:`/notes/x`, :term:`t` and :py:class:`P`.

        Args:
            x (int): the input. Default: ``1``

        .. note::
            A note with :math:`\gamma`.

        .. seealso:: :func:`other` and :math:`k = 1`

        .. versionadded:: 1.2
            Text with :math:`v`.

        .. deprecated:: 2.0

        .. testcode::

            import torch
            x = :math:`not parsed`

        .. code-block:: python
            :linenos:

            y = 2 *

        .. include:: ../does_not_exist.rst

        .. math::
            :label: eq1

            a = b

        .. unknown-directive:: arg
            :some-option: 1

            Body with :math:`u`.
        """).strip()
    result = rst.parse_docstring(text)
    assert result.error is None
    assert result.messages == []
    maths = [n.astext() for n in result.doctree.findall(nodes.math)]
    assert maths == ["\\gamma", "k = 1", "v", "u"]
    blocks = [n.astext() for n in result.doctree.findall(nodes.math_block)]
    assert blocks == ["a = b"]
    fields = [n.astext() for n in result.doctree.findall(nodes.field_name)]
    assert fields == ["param x", "type x"]
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
    assert dict(roles._roles) == roles_before
    assert dict(directives._directives) == directives_before
    assert list(states.RSTState.nested_sm_cache) == cache_before


def test_rst_messages_map_to_docstring_lines(tmp_path):
    doc, info = class_doc(tmp_path, r'''
        class M:
            r"""Summary.

            Args:
                x: first
                y: second with *unclosed emphasis

            Attributes:
                weight: fine

            A paragraph with an unclosed `interpreted role.
            """
        ''')
    result = rst.parse_docstring(doc)
    assert [m.level for m in result.messages] == [2, 2]
    first, second = result.messages
    assert first.text_line == 5 and doc.text.splitlines()[4].strip().startswith("y: second")
    position = doc.position(first.offset)
    assert (position.line, position.column) == locate(info.text, "y: second")
    assert (doc.position(second.offset).line, doc.position(second.offset).column) == locate(
        info.text, "A paragraph with")


def test_rst_parse_inside_a_sphinx_namespace_leaves_sphinx_registrations_alone():
    from docutils.parsers.rst import roles
    from sphinx.util.docutils import docutils_namespace

    calls = []

    def sphinx_like_role(name, rawtext, text, lineno, inliner, options=None, content=None):
        calls.append(name)
        return [], []

    text = "Uses :attr:`weight`, `default role text` and :math:`k`.\n\n.. default-role:: math\n"
    rst._CACHE.clear()
    with docutils_namespace():  # what Sphinx wraps every build in
        roles.register_local_role("attr", sphinx_like_role)
        roles._roles[""] = sphinx_like_role  # Sphinx's default_role
        result = rst.parse_docstring(text)
        assert roles._roles["attr"] is sphinx_like_role
        assert roles._roles[""] is sphinx_like_role  # docutils' own Parser.parse would have deleted it
    assert calls == []  # our parse never used Sphinx's handlers
    assert result.messages == [] and result.error is None


def test_rst_global_registry_flag(tmp_path):
    assert rst.USE_GLOBAL_REGISTRY is False
    script = textwrap.dedent("""
        from docutils.parsers.rst import roles, directives
        from doccheck.docmodel import rst
        rst.USE_GLOBAL_REGISTRY = True
        result = rst.parse_docstring(".. seealso:: :func:`f` and :math:`k`\\n\\nText :attr:`a`.")
        assert result.messages == [], result.messages
        assert "attr" in roles._roles and "seealso" in directives._directives
        print("ok")
        """)
    import subprocess

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=str(Path(__file__).resolve().parent.parent), check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok" and done.stderr == ""


def test_napoleon_line_map_skips_generated_lines():
    original = "Summary.\n\nAttributes:\n    weight (Tensor): the weights,\n        second line\n" \
               "    bias: the bias\n\nTensor appears here later."
    rest = rst.to_rest(original)
    line_map = rst.map_lines(original, rest)
    lines = rest.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(":vartype weight:"):
            assert line_map[index] in (3, 4)  # stays with the weight entry, not "Tensor appears here later."
        if line.startswith(":ivar bias:"):
            assert line_map[index] == 5
        if "second line" in line:
            assert line_map[index] == 4


# =========================================================================== claims: inline forms


def test_attributes_section_uniform_with_where_binding(tmp_path):
    claims, info = claims_of(tmp_path, r'''
        class M:
            r"""Affine map.

            Args:
                in_features: size of each input sample. Default: ``1``
                bias: If set to ``False``, no bias. Default: ``True``

            Shape:
                - Input: :math:`(*, H_\text{in})` where :math:`H_\text{in} = \text{in\_features}`.

            Attributes:
                weight: the learnable weights of shape :math:`(\text{out}, \text{in})`.
                    The values are initialized from :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})`, where
                    :math:`k = \frac{1}{\text{in\_features}}`
                bias: the bias. If :attr:`bias` is ``True``, the values are
                    initialized to zeros.
            """
        ''')
    assert [c.subject for c in claims] == ["weight", "bias"]
    weight, bias = claims
    assert weight.error is None and weight.distribution.family == "uniform"
    assert same(params(weight)["low"], -1 / sympy.sqrt(S("in_features")))
    assert same(params(weight)["high"], 1 / sympy.sqrt(S("in_features")))
    assert weight.text == r"\mathcal{U}(-\sqrt{k}, \sqrt{k}), k = \frac{1}{\text{in\_features}}"
    assert weight.derivation == ["k = 1/in_features"]
    assert (weight.position.line, weight.position.column) == locate(info.text, r":math:`\mathcal{U}")
    assert weight.position.path == info.path
    assert bias.distribution.family == "constant" and params(bias)["value"] == 0
    assert (bias.position.line, bias.position.column) == locate(info.text, "zeros.")
    assert bias.text == "initialized to zeros"


def test_note_all_weights_and_layer_index_k(tmp_path):
    claims, info = claims_of(tmp_path, r'''
        class M:
            r"""A recurrent layer.

            Here :math:`k = 2` is unrelated to the note below.

            Attributes:
                weight_ih_l[k]: the input-hidden weights of the :math:`\text{k}^{th}` layer,
                    for :math:`k = 0` of shape `(4*hidden_size, input_size)`.

            .. note::
                All the weights and biases are initialized from :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})`
                where :math:`k = \frac{1}{\text{hidden\_size}}`

            Note:
                Google-style notes work too: all weights and biases are
                sampled from :math:`\mathcal{N}(0, \sigma^2)` with :math:`\sigma = 3`.
            """
        ''')
    assert [c.subject for c in claims] == ["*", "*"]
    uniform, normal = claims
    assert same(params(uniform)["high"], 1 / sympy.sqrt(S("hidden_size")))
    assert uniform.derivation == ["k = 1/hidden_size"]
    assert (uniform.position.line, uniform.position.column) == locate(info.text, r":math:`\mathcal{U}")
    assert normal.distribution.family == "normal"
    assert params(normal)["mean"] == 0 and same(params(normal)["std"], 3)
    assert normal.derivation == ["sigma = 3"]


def test_greek_parameter_symbols(tmp_path):
    claims, info = claims_of(tmp_path, r'''
        class M:
            r"""Batch norm.

            .. math::
                y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \gamma + \beta

            :math:`\gamma` and :math:`\beta` are learnable parameter vectors. By default, the
            elements of :math:`\gamma` are set to 1 and the elements of :math:`\beta` are set to 0.
            The momentum is set to ``None`` or 0.1 (not a parameter).
            """
        ''')
    assert [(c.subject, c.distribution.family, params(c)["value"]) for c in claims] == [
        ("weight", "constant", 1), ("bias", "constant", 0)]
    assert (claims[0].position.line, claims[0].position.column) == locate(info.text, "1 and the elements")
    assert claims[1].text == "set to 0"


def test_args_for_weights_and_biases(tmp_path):
    claims, info = claims_of(tmp_path, r'''
        class M:
            r"""Layer norm.

            Args:
                eps: a value added to the denominator. Default: 1e-5
                elementwise_affine: a boolean value that when set to ``True``, this module
                    has learnable per-element affine parameters initialized to ones (for weights)
                    and zeros (for biases). Default: ``True``
                h_0: the initial hidden state, initialized to zeros.
            """
        ''')
    assert [(c.subject, params(c)["value"]) for c in claims] == [("weight", 1), ("bias", 0)]
    assert (claims[0].position.line, claims[0].position.column) == locate(info.text, "ones (for")
    assert (claims[1].position.line, claims[1].position.column) == locate(info.text, "zeros (for")
    assert claims[0].text == "initialized to ones (for weights)"


def test_binding_in_later_sentence_and_inside_the_role_and_aliases(tmp_path):
    claims, info = claims_of(tmp_path, r'''
        class M:
            r"""Several forms.

            Attributes:
                weight: sampled from :math:`\mathcal{N}(0, \sigma^2)`. Here
                    :math:`\sigma = \frac{1}{\sqrt{d}}` and :math:`d = C_\text{in} \times 2`.
                bias: initialized from :math:`\mathcal{U}(-a, a), \text{where } a = \sqrt{\frac{6}{H_\text{in}}}`
                scale: The values are initialized to 1.
                other: initialized with :math:`\mathcal{U}(-b, b)` and nothing binds b.
            """
        ''')
    weight, bias, scale, other = claims
    assert weight.subject == "weight" and weight.distribution.family == "normal"
    assert same(params(weight)["std"], 1 / sympy.sqrt(2 * S("in_channels")))
    assert weight.derivation == ["sigma = 1/√d", "d = 2·C_in", "C_in = in_channels"]
    assert weight.text == r"\mathcal{N}(0, \sigma^2), \sigma = \frac{1}{\sqrt{d}}, d = C_\text{in} \times 2"
    assert bias.subject == "bias" and same(params(bias)["high"], sympy.sqrt(6 / S("in_features")))
    assert bias.derivation == ["a = √6/√H_in", "H_in = in_features"]
    assert (bias.position.line, bias.position.column) == locate(info.text, r":math:`\mathcal{U}(-a, a)", "bias:")
    assert (weight.position.line, weight.position.column) == locate(info.text, r":math:`\mathcal{N}")
    assert bias.text == r"\mathcal{U}(-a, a), \text{where } a = \sqrt{\frac{6}{H_\text{in}}}"
    assert scale.subject == "scale" and params(scale)["value"] == 1 and scale.text == "initialized to 1"
    assert other.subject == "other" and params(other)["high"] == S("b") and other.error is None


def test_forward_formulas_shapes_and_defaults_make_no_claims(tmp_path):
    claims, _ = claims_of(tmp_path, r'''
        class M:
            r"""Applies :math:`y = x \gamma + \beta` where :math:`\gamma = W`.

            Args:
                bias: If set to ``False``, the layer will not learn an additive bias. Default: ``True``
                momentum: the value used for the running_mean. Can be set to ``None``. Default: 0.1
                h_0: initial hidden state; defaults to zeros if not provided.

            Shape:
                - Input: :math:`(N, C)` where :math:`C` is set to the number of channels.

            The running statistics are initialized the same way as done for batch normalization.
            When delta is set to 1, this loss is equivalent to another loss.
            All non-maximal values are set to zero.
            """
        ''')
    assert claims == []


def test_malformed_latex_and_non_distribution_heads_are_errors(tmp_path):
    claims, info = claims_of(tmp_path, r'''
        class M:
            r"""Broken.

            Attributes:
                weight: initialized from :math:`\mathcal{U}(-\sqrt{k}, ` where :math:`k = 1`
                bias: sampled from :math:`(a, b)`.
                scale: initialized from :math:`\mathcal{Q}(0, 1)`.
            """
        ''')
    assert [c.subject for c in claims] == ["weight", "bias", "scale"]
    for claim in claims:
        assert claim.distribution is None and claim.error
    assert "LaTeX" in claims[0].error
    assert claims[0].text == r"\mathcal{U}(-\sqrt{k}, "
    assert (claims[0].position.line, claims[0].position.column) == locate(info.text, r":math:`\mathcal{U}")
    assert "not a distribution" in claims[1].error
    assert "mathcal" in claims[2].error


def test_non_raw_docstring_with_form_feed(tmp_path):
    doc, info = class_doc(tmp_path, r'''
        class M:
            """Non-raw.

            Attributes:
                weight: initialized from :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})`, where :math:`k = \frac{1}{n}`
                bias: initialized from :math:`\mathcal{U}(-\frac{1}{2}, 1)`
            """
        ''')
    assert not doc.raw and [n for _, n in doc.escape_problems] == ["\\f", "\\f"]
    weight, bias = init_claims(doc, KNOWLEDGE)
    assert weight.distribution.family == "uniform" and weight.error
    assert "binding of k" in weight.error and "\\f" in weight.error and "not a raw string" in weight.error
    assert (weight.position.line, weight.position.column) == locate(info.text, r":math:`\mathcal{U}")
    assert bias.distribution is None and "\\f" in bias.error
    assert (bias.position.line, bias.position.column) == locate(info.text, r":math:`\mathcal{U}", "bias:")
    # napoleon/docutils did not split lines at the form feeds: no structural damage, no lost field
    assert rst.parse_docstring(doc).messages == []


def test_no_init_wording_means_no_docutils_parse(tmp_path):
    doc, _ = class_doc(tmp_path, r'''
        class M:
            r"""Applies a transformation :math:`y = xA^T + b`.

            Args:
                bias: If set to ``False``, the layer will not learn an additive bias.
                    Default: ``True``

            .. note::
                Something with :math:`\gamma` and :ref:`a link <x>`.
            """
        ''')
    assert not has_init_wording(doc.text)
    before = dict(rst.stats)
    assert init_claims(doc, KNOWLEDGE) == []
    assert rst.stats == before
    started = time.perf_counter()
    for _ in range(100):
        init_claims(doc, KNOWLEDGE)
    assert (time.perf_counter() - started) / 100 < 0.001


# =========================================================================== claims: real torch sources

TORCH_FILE = module_file("torch.nn.modules.linear")
needs_torch = pytest.mark.skipif(TORCH_FILE is None, reason="torch sources are not installed")


@pytest.fixture(scope="module")
def torch_project():
    return Project()


def torch_claims(project, module: str, cls: str):
    path = module_file(module)
    info = project.module(module)
    if info is None:
        info = load_module(path, module)
        project.add(info)
    doc = class_docstring(project, info, info.definitions[cls])
    assert doc is not None
    return init_claims(doc, KNOWLEDGE), info, doc


def assert_at(claim, info, needle, after, occurrence=1):
    assert claim.position.path == info.path
    assert (claim.position.line, claim.position.column) == locate(info.text, needle, after, occurrence)


U_ROLE = r":math:`\mathcal{U}"


@needs_torch
def test_torch_linear(torch_project):
    claims, info, _ = torch_claims(torch_project, "torch.nn.modules.linear", "Linear")
    assert [c.subject for c in claims] == ["weight", "bias"]
    bound = 1 / sympy.sqrt(S("in_features"))
    for n, claim in enumerate(claims, 1):
        assert claim.error is None and claim.distribution.family == "uniform"
        assert same(params(claim)["low"], -bound) and same(params(claim)["high"], bound)
        assert claim.derivation == ["k = 1/in_features"]
        assert claim.text == r"\mathcal{U}(-\sqrt{k}, \sqrt{k}), k = \frac{1}{\text{in\_features}}"
        assert_at(claim, info, U_ROLE, "class Linear(", n)
    # torch 2.13: linear.py lines 75 and 79
    assert [(c.position.line, c.position.column) for c in claims] == [(75, 30), (79, 17)]


@needs_torch
def test_torch_conv2d_computed_doc(torch_project):
    claims, info, doc = torch_claims(torch_project, "torch.nn.modules.conv", "Conv2d")
    assert not doc.raw and doc.complete
    assert "This operation may select a nondeterministic algorithm" not in doc.text  # not in Conv2d's notes
    assert "In some circumstances when given tensors on a CUDA device" in doc.text  # from torch._torch_docs
    assert "* :attr:`groups` controls the connections" in doc.text  # from convolution_notes
    assert [c.subject for c in claims] == ["weight", "bias"]
    k = S("groups") / (S("in_channels") * S("kernel_size[0]") * S("kernel_size[1]"))
    for n, claim in enumerate(claims, 1):
        assert claim.error is None and claim.distribution.family == "uniform"
        assert same(params(claim)["high"], sympy.sqrt(k)) and same(params(claim)["low"], -sympy.sqrt(k))
        assert claim.derivation[-1] == "C_in = in_channels"
        assert_at(claim, info, U_ROLE, "class Conv2d(", n)
        assert info.path.endswith("conv.py")
    # the notes pulled from torch/_torch_docs.py map to the placeholder in conv.py
    note = doc.text.index("In some circumstances")
    assert at(info.text, *doc.offsets[note]).startswith("{cudnn_reproducibility_note}")


@needs_torch
@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell"])
def test_torch_recurrent_all_weights(torch_project, cls):
    claims, info, _ = torch_claims(torch_project, "torch.nn.modules.rnn", cls)
    assert len(claims) == 1
    claim = claims[0]
    assert claim.subject == "*" and claim.error is None
    assert same(params(claim)["high"], 1 / sympy.sqrt(S("hidden_size")))
    assert same(params(claim)["low"], -1 / sympy.sqrt(S("hidden_size")))
    assert claim.derivation == ["k = 1/hidden_size"]
    assert_at(claim, info, U_ROLE, f"class {cls}(")
    line, column = claim.position.line, claim.position.column
    assert info.text.splitlines()[line - 1][:column - 1].strip() == \
        "All the weights and biases are initialized from"


@needs_torch
@pytest.mark.parametrize("cls", ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"])
def test_torch_batchnorm(torch_project, cls):
    claims, info, _ = torch_claims(torch_project, "torch.nn.modules.batchnorm", cls)
    assert [(c.subject, c.distribution.family, params(c)["value"]) for c in claims] == [
        ("weight", "constant", 1), ("bias", "constant", 0)]
    for claim in claims:
        assert claim.position.path == info.path
    text = info.text
    start = text.index(f"class {cls}(")
    assert at(text, claims[0].position.line, claims[0].position.column).startswith("1 and the elements of")
    assert at(text, claims[1].position.line, claims[1].position.column).startswith("0.")
    assert claims[0].position.line > text.count("\n", 0, start)


@needs_torch
def test_torch_syncbatchnorm_documents_uniform_gamma(torch_project):
    claims, info, _ = torch_claims(torch_project, "torch.nn.modules.batchnorm", "SyncBatchNorm")
    weight, bias = claims
    assert weight.subject == "weight" and weight.distribution.family == "uniform"
    assert params(weight)["low"] == 0 and params(weight)["high"] == 1
    assert bias.subject == "bias" and params(bias)["value"] == 0
    assert_at(weight, info, r":math:`\mathcal{U}(0, 1)`", "class SyncBatchNorm(")


@needs_torch
def test_torch_layernorm(torch_project):
    claims, info, _ = torch_claims(torch_project, "torch.nn.modules.normalization", "LayerNorm")
    assert [(c.subject, params(c)["value"]) for c in claims] == [
        ("weight", 1), ("bias", 0),  # Args: "initialized to ones (for weights) and zeros (for biases)"
        ("weight", 1), ("bias", 0),  # Attributes: "The values are initialized to 1." / "… to 0."
    ]
    after = "class LayerNorm("
    assert_at(claims[0], info, "ones (for weights)", after)
    assert_at(claims[1], info, "zeros (for biases)", after)
    assert_at(claims[2], info, "1.\n", after)
    assert_at(claims[3], info, "0.\n", after)


@needs_torch
@pytest.mark.parametrize("cls,expected", [("GroupNorm", [("weight", 1), ("bias", 0)]), ("RMSNorm", [("weight", 1)])])
def test_torch_groupnorm_rmsnorm(torch_project, cls, expected):
    claims, info, _ = torch_claims(torch_project, "torch.nn.modules.normalization", cls)
    assert [(c.subject, params(c)["value"]) for c in claims] == expected
    assert_at(claims[0], info, "ones (for weights)", f"class {cls}(")


@needs_torch
@pytest.mark.parametrize("cls", ["Embedding", "EmbeddingBag"])
def test_torch_embeddings(torch_project, cls):
    claims, info, _ = torch_claims(torch_project, "torch.nn.modules.sparse", cls)
    assert len(claims) == 1
    claim = claims[0]
    assert claim.subject == "weight" and claim.distribution.family == "normal"
    assert params(claim)["mean"] == 0 and params(claim)["std"] == 1
    assert claim.text == r"\mathcal{N}(0, 1)"
    assert_at(claim, info, r":math:`\mathcal{N}(0, 1)`", f"class {cls}(")


@needs_torch
def test_torch_classes_without_claims(torch_project):
    for module, cls in [("torch.nn.modules.linear", "Identity"), ("torch.nn.modules.activation", "ReLU"),
                        ("torch.nn.modules.normalization", "LocalResponseNorm"),
                        ("torch.nn.modules.loss", "HuberLoss"), ("torch.nn.modules.dropout", "Dropout"),
                        ("torch.nn.modules.pooling", "MaxPool2d")]:
        claims, _, _ = torch_claims(torch_project, module, cls)
        assert claims == [], (module, cls)


@needs_torch
def test_torch_linear_docmodel_is_fast(torch_project):
    info = torch_project.module("torch.nn.modules.linear")
    node = info.definitions["Linear"]
    class_docstring(torch_project, info, node)
    init_claims(class_docstring(torch_project, info, node), KNOWLEDGE)  # imports, position maps
    timings = []
    for _ in range(15):
        rst._CACHE.clear()
        started = time.perf_counter()
        doc = class_docstring(torch_project, info, node)
        claims = init_claims(doc, KNOWLEDGE)
        timings.append(time.perf_counter() - started)
        assert len(claims) == 2
    assert statistics.median(timings) < 0.05  # measured ≈ 5–10 ms; generous for slow CI machines


def test_torch_is_never_imported_by_docmodel():
    for name in ("doccheck.docmodel.docsource", "doccheck.docmodel.rst", "doccheck.docmodel.claims"):
        source = Path(importlib.import_module(name).__file__).read_text()
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert all(not a.name.startswith("torch") for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("torch")
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert not any("sympy" in ast.dump(n) for n in top), name  # sympy only inside functions
