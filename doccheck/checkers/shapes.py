"""Documented parameter shapes against the code's symbolic shapes (DC401).

An ``Attributes:`` entry (or ``:ivar:`` field) of a class docstring that names
a learnable parameter and says "of shape …" — in ``:math:`` (also split over
adjacent roles: ``:math:`(a,` :math:`b)```), in literal markup or in plain
text — is compared element by element with the shape the code model derives
for that parameter (`doccheck.codemodel.classes.evaluate_class`), after
renaming documented symbols to constructor arguments (``knowledge.symbol_aliases``,
``ClassInit.symbols``).  ``(out_features)`` and a bare ``\\text{normalized\\_shape}``
are 1-tuples; ``\\frac{\\text{in\\_channels}}{\\text{groups}}`` equals the code's
``in_channels // groups``.

Cheap first: a file and a class must mention "shape" and have an attribute
section before anything is parsed; the code model of a class the
initialization check already evaluated is reused from the file's results.
A documented shape that cannot be read, or that uses a symbol no
constructor argument matches, is not judged.
"""

from __future__ import annotations

import re

from doccheck.checks import Check

SHAPE_MISMATCH = Check(
    code="DC401",
    name="shape-mismatch",
    summary="The docstring states a parameter shape the code does not create.",
    rationale=(
        "Parameter shapes in docstrings are what people rely on to load, slice and port weights: a weight "
        "documented as `(in_features, out_features)` that the code creates as `(out_features, in_features)` "
        "makes every such script silently wrong.  doccheck derives each learnable parameter's shape "
        "symbolically from the constructor and compares it, dimension by dimension, with the shape stated in "
        "the class's Attributes section (in `:math:`, literal markup or plain text)."
    ),
    bad='''import torch
from torch import nn


class Dense(nn.Module):
    r"""A dense layer.

    Attributes:
        weight: the learnable weights of shape :math:`(\\text{in\\_features}, \\text{out\\_features})`
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(out_features, in_features))
''',
    good='''import torch
from torch import nn


class Dense(nn.Module):
    r"""A dense layer.

    Attributes:
        weight: the learnable weights of shape :math:`(\\text{out\\_features}, \\text{in\\_features})`
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(out_features, in_features))
''',
)

CHECKS = (SHAPE_MISMATCH,)

_FILE_HINT = re.compile(r"shape", re.IGNORECASE)
_ATTRIBUTE_HINT = re.compile(r"^[ \t]*(?:Attributes[ \t]*:?[ \t]*$|:(?:ivar|var|cvar)\b)", re.MULTILINE)
_ROLE = re.compile(r":(?P<role>[A-Za-z][\w:.+-]*):`(?P<body>[^`]*)`")


def run(info, project, knowledge, config, result) -> None:
    from doccheck.checkers.signature import DocView, computes_doc, targets
    from doccheck.failures import internal_error
    from doccheck.parse import SourceError

    path = info.path
    if not config.wants(SHAPE_MISMATCH.code, path):
        return
    if not _FILE_HINT.search(info.text) or not _ATTRIBUTE_HINT.search(info.text):
        return

    def chunk_filter(text: str) -> bool:
        return _ATTRIBUTE_HINT.search(text) is not None or "__doc__" in text

    def doc_filter(doc: str) -> bool:
        return _ATTRIBUTE_HINT.search(doc) is not None and _FILE_HINT.search(doc) is not None

    from doccheck import limits

    for target in targets(info, chunk_filter, doc_filter):
        if target.kind != "class":
            continue
        limits.check()
        raw = target.raw_doc
        if raw is None and not computes_doc(target.node):
            continue
        if raw is not None and not (_ATTRIBUTE_HINT.search(raw) and _FILE_HINT.search(raw)):
            continue
        try:
            doc = DocView.of(info, project, target)
            if doc is None or not doc.complete or len(doc.text) > limits.MAX_DOCSTRING_CHARS:
                continue
            _check_class(info, project, knowledge, config, result, target, doc)
        except SourceError as exc:
            from doccheck.model import Finding

            result.findings.append(Finding(path, exc.line, exc.column, "DC002", exc.message))
        except Exception as exc:
            result.findings.append(internal_error(path, target.node.lineno, "shape check", exc, config.debug))


def documented_shapes(text: str):
    """(attribute entry, [ShapeText]) for every attribute entry of a docstring that states a shape."""
    from doccheck.docmodel.sections import read_sections, shapes_in

    out = []
    for entry in read_sections(text).attributes:
        shapes = shapes_in(_join_adjacent_math(entry.description), entry.start)
        if shapes:
            out.append((entry, shapes))
    return out


def _join_adjacent_math(text: str) -> str:
    """``:math:`(a,`\\n    :math:`b)``` -> one role, with the same length (offsets stay valid for the first part)."""
    def merge(m: re.Match) -> str:
        gap = m.group("gap")
        # replace "`<gap>:math:`" by spaces of the same length so the first role's body continues
        return " " * (len(gap) + len(":math:`") + 1)

    return re.sub(r"`(?P<gap>\s+):math:`", lambda m: merge(m) if "\n\n" not in m.group("gap") else m.group(),
                  text)


def _check_class(info, project, knowledge, config, result, target, doc) -> None:
    found = documented_shapes(doc.text)
    if not found:
        return
    code = _class_model(info, project, knowledge, config, result, target)
    if code is None or not code.params:
        return
    by_name = {p.name: p for p in code.params}
    from doccheck.model import Finding

    for entry, shapes in found:
        for name in entry.names:
            param = by_name.get(name)
            if param is None or param.shape is None:
                continue
            verdicts = []
            for shape in shapes:
                documented = read_shape(shape)
                if documented is None:
                    verdicts.append((None, shape, None))
                    continue
                mapped = _to_code_symbols(documented, code, knowledge)
                if mapped is None:
                    verdicts.append((None, shape, None))
                    continue
                verdicts.append((_same_shape(mapped, tuple(param.shape)), shape, mapped))
            if not verdicts or any(v is not False for v, _, _ in verdicts):
                continue
            _, shape, mapped = verdicts[0]
            at = doc.position(shape.offset)
            effective = _show(tuple(param.shape))
            documented_text = _show(mapped)
            where = ""
            if param.created_at is not None:
                where = f" ({param.created_at.path.rsplit('/', 1)[-1]}:{param.created_at.line})"
            obj = f"{target.name}.{name}"
            result.findings.append(Finding(
                at.path, at.line, at.column, SHAPE_MISMATCH.code,
                f"{obj}: documented shape {documented_text}, but the code creates {effective}{where}",
                obj, documented_text, effective,
                related=(param.created_at,) if param.created_at is not None else ()))


def _class_model(info, project, knowledge, config, result, target):
    """The class's code model: from the initialization check's results when it ran, else evaluated here."""
    qualname = f"{info.qualname}.{target.name}"
    for cls in getattr(result, "classes", ()):
        if cls.qualname == qualname and cls.code is not None:
            return cls.code
    from doccheck.codemodel.classes import evaluate_class
    from doccheck.project import Definition

    definition = Definition(info, info.statement(target.chunk), qualname)
    code = evaluate_class(project, knowledge, definition)
    if code is None or (code.problem and not code.params):
        return None
    return code


# --------------------------------------------------------------------------- reading shapes


def read_shape(shape) -> tuple | None:
    """A documented shape as a tuple of sympy expressions (None when it cannot be read)."""
    text = shape.text.strip()
    if not text:
        return None
    if shape.math:
        from doccheck.docmodel.latex import LatexError, parse_latex

        try:
            value = parse_latex(text)
        except (LatexError, RecursionError):
            return None
        except Exception:  # sympy on odd input: unreadable, not a crash
            return None
    else:
        value = _plain_shape(text)
        if value is None:
            return None
    import sympy

    if isinstance(value, sympy.Tuple):
        items = tuple(value)
    elif isinstance(value, tuple):
        items = value
    else:
        items = (value,)
    if not items or not all(_dimension(i) for i in items):
        return None
    return items


_DIMENSION_SYMBOL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])?$")


def _dimension(item) -> bool:
    """A size expression: numbers and argument-like symbols under + - * / and powers (no `*` wildcard,
    no distribution, no function)."""
    import sympy

    if not isinstance(item, sympy.Expr) or item.find(lambda e: e.is_Function):
        return False
    return all(_DIMENSION_SYMBOL.match(s.name) for s in item.free_symbols)


def _plain_shape(text: str):
    """``(4*hidden_size, input_size)`` / ``(:attr:`num_parameters`)`` as sympy (Python expression syntax)."""
    import ast

    text = _ROLE.sub(lambda m: m.group("body").lstrip("~").rsplit(".", 1)[-1], text)
    text = text.replace("``", "").replace("`", "").replace("\\_", "_")
    if re.search(r"[^\w\s(),*+/\-\[\].]", text):
        return None
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    try:
        if isinstance(node, ast.Tuple):
            return tuple(_expr(e) for e in node.elts)
        return (_expr(node),)
    except ValueError:
        return None


def _expr(node):
    import ast

    import sympy

    from doccheck.symbolic import symbol

    if isinstance(node, ast.Name):
        return symbol(node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return sympy.Integer(node.value)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and isinstance(node.slice, ast.Constant) \
            and isinstance(node.slice.value, int):
        return symbol(f"{node.value.id}[{node.slice.value}]")
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv)):
        a, b = _expr(node.left), _expr(node.right)
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        return a / b
    raise ValueError("not a shape expression")


def _to_code_symbols(items: tuple, code, knowledge) -> tuple | None:
    """Rename documented symbols to the constructor's; None when one matches no argument."""
    mapping = {}
    for item in items:
        for sym in item.free_symbols:
            name = knowledge.symbol_aliases.get(sym.name, sym.name)
            target = code.symbols.get(name)
            if target is None:
                return None
            if target != sym:
                mapping[sym] = target
    if not mapping:
        return items
    return tuple(i.xreplace(mapping) for i in items)


def _same_shape(documented: tuple, effective: tuple) -> bool | None:
    from doccheck import limits

    try:
        with limits.bounded(limits.DEFAULT_COMPARISON_SECONDS, "the time budget of one shape comparison"):
            return _compare_shapes(documented, effective)
    except limits.LimitExceeded:
        limits.check()  # the file's own budget is spent: let the engine report it
        return None  # only this comparison's budget: undecided


def _compare_shapes(documented: tuple, effective: tuple) -> bool | None:
    import sympy

    if len(documented) != len(effective):
        return False
    undecided = False
    for a, b in zip(documented, effective):
        if not isinstance(b, sympy.Expr):
            return None
        if not a.has(sympy.floor, sympy.ceiling):
            # docs write in_channels // groups as a fraction: compare without the code's floor
            b = b.replace(lambda e: isinstance(e, sympy.floor), lambda e: e.args[0])
        try:
            difference = sympy.cancel(a - b)
            if difference != 0 and not difference.is_number:
                difference = sympy.simplify(difference)
        except Exception:
            return None
        if difference == 0:
            continue
        if difference.free_symbols or difference.is_number:
            # a non-zero expression in independent positive sizes: different for some sizes
            if difference.is_number and difference.is_zero is None:
                undecided = True
                continue
            return False
        undecided = True
    return None if undecided else True


def _show(shape: tuple) -> str:
    inner = ", ".join(str(s) for s in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
