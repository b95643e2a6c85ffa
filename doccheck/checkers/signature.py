"""Documented arguments and defaults against the effective signature (DC201, DC301, DC302).

Per file: a text prefilter first ("efault" for DC201, an argument-section
header for DC301/DC302); then, per class or function whose own text passes,
Python's ``ast`` on that one top-level statement (cached per file; libcst only
for a class whose ``__doc__`` is computed, or to follow an inherited
``__init__`` through `Project.mro`).  Docstrings are read without napoleon or
docutils (`doccheck.docmodel.sections`).

The signature a docstring is held to:

* a function or method: its own, widened by its ``@overload`` siblings;
* a class: the effective ``__init__`` — its own (with ``@overload``
  variants: RNN's ``__init__(*args, **kwargs)`` is described by its
  overloads), else the first ``__init__`` along the method resolution order.
  An ``__init__(*args, **kwargs)`` that hands both to ``super().__init__`` is
  followed to the next ``__init__`` of the order.

Functions whose ``__doc__`` is replaced at module level by anything but a
``.format`` of itself, and docstrings attached at run time
(``_add_docstr``), are not statically visible and are skipped.
"""

from __future__ import annotations

import ast
import re
import weakref
from dataclasses import dataclass, field

from doccheck.checks import Check

DEFAULT_MISMATCH = Check(
    code="DC201",
    name="default-mismatch",
    summary="The docstring states a default the signature does not have.",
    rationale=(
        "\"Default: ``True``\" is read far more often than the signature, and it is the line that goes stale "
        "when a default changes in code review.  doccheck reads every default phrase of an argument's entry "
        "(\"Default: 1e-5\", \"Default ``2``\", \"Defaults to …\", \"(default: 1)\") and compares it, as a "
        "value, with the default of the effective signature — for a class, the `__init__` it really runs, "
        "inherited or described by `@overload`s.  Numbers compare as numbers (`1e-5` equals `0.00001`), quotes "
        "and literal markup are normalised, and a `None` default that the body replaces by a literal "
        "(`if eps is None: eps = 1e-5`) counts as that literal.  Phrases that are not one value (\"Default: 1 "
        "for 2-D inputs\", ranges, references to other arguments) are not judged."
    ),
    bad='''def smooth_l1(input, target, beta=1.0):
    """The smooth L1 loss.

    Args:
        input: the prediction
        target: the target
        beta (float): where the loss changes from L1 to L2. Default: 0.5
    """
''',
    good='''def smooth_l1(input, target, beta=1.0):
    """The smooth L1 loss.

    Args:
        input: the prediction
        target: the target
        beta (float): where the loss changes from L1 to L2. Default: 1.0
    """
''',
)

UNKNOWN_ARGUMENT = Check(
    code="DC301",
    name="documented-argument-missing",
    summary="The docstring documents an argument the signature does not accept.",
    rationale=(
        "An argument renamed or removed in code but still described in the docstring sends users to a "
        "keyword that raises `TypeError`.  Every name of an Args/Parameters/Keyword args entry (and "
        "`:param:` field) must be a parameter of the effective signature — including the parameters of "
        "`@overload` variants and of the base `__init__` that `**kwargs` are handed to.  A signature that "
        "accepts `**kwargs` doccheck cannot follow is not judged."
    ),
    bad='''from torch import nn


class Pool(nn.Module):
    """Max pooling.

    Args:
        kernel_size: size of the window
        stride: step of the window
    """

    def __init__(self, kernel_size, step=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.step = step or kernel_size
''',
    good='''from torch import nn


class Pool(nn.Module):
    """Max pooling.

    Args:
        kernel_size: size of the window
        step: step of the window
    """

    def __init__(self, kernel_size, step=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.step = step or kernel_size
''',
)

UNDOCUMENTED_ARGUMENT = Check(
    code="DC302",
    name="argument-undocumented",
    summary="A parameter of the signature is missing from a docstring that has an argument section.",
    rationale=(
        "Once a docstring lists its arguments, readers take the list as complete; a parameter left out is "
        "a feature nobody finds.  Only docstrings that have an Args/Parameters section are judged; "
        "`*args`/`**kwargs`, private names (`_x`) and the names in the ignore list (by default `self`, `cls`, "
        "`device`, `dtype`) are exempt.  Off by default: frameworks leave conventional parameters such as "
        "`input` or `inplace` undocumented on purpose, so this is a completeness audit rather than a bug "
        "detector."
    ),
    bad='''def dropout(input, p=0.5, inplace=False):
    """Zeroes random elements.

    Args:
        input: the tensor
        p: probability of an element to be zeroed
    """
''',
    good='''def dropout(input, p=0.5, inplace=False):
    """Zeroes random elements.

    Args:
        input: the tensor
        p: probability of an element to be zeroed
        inplace: do the operation in place
    """
''',
    default=False,
    level="warning",
)

CHECKS = (DEFAULT_MISMATCH, UNKNOWN_ARGUMENT, UNDOCUMENTED_ARGUMENT)

# parameters DC302 never asks for (Config.undocumented_ignore replaces this when set)
DEFAULT_UNDOCUMENTED_IGNORE = ("self", "cls", "device", "dtype")

# cheap tests on a file's, a class's or a function's text
DEFAULT_HINT = re.compile(r"[Dd]efault")
OVERLOAD_NAMES = ("overload", "_overload", "_overload_method")


# --------------------------------------------------------------------------- statements as ast


class _RecentFiles:
    """Per-file memo for the last few modules only: a run keeps every ModuleInfo alive (the project), and
    parsed statements of files long done would only cost memory.  Entries die with their module too."""

    def __init__(self, size: int = 8):
        self.size = size
        self.entries: dict[int, tuple] = {}  # id(info) -> (weakref to info, value), oldest first

    def get(self, info):
        entry = self.entries.get(id(info))
        if entry is not None and entry[0]() is info:
            return entry[1]
        return None

    def __setitem__(self, info, value) -> None:
        self.entries.pop(id(info), None)
        self.entries[id(info)] = (weakref.ref(info), value)
        while len(self.entries) > self.size:
            self.entries.pop(next(iter(self.entries)))

    def __contains__(self, info) -> bool:
        return self.get(info) is not None


_AST = _RecentFiles()


def chunk_ast(info, chunk):
    """The ``ast`` node of one top-level statement, with file line numbers (parsed once per file)."""
    per_file = _AST.get(info)
    if per_file is None:
        per_file = {}
        _AST[info] = per_file
    if chunk.start in per_file:
        return per_file[chunk.start]
    node = None
    tree = getattr(info, "ast_tree", None)  # the whole-file tree, when the parse stage keeps it
    if tree is not None:
        for stmt in tree.body:
            if stmt.lineno == chunk.keyword_line and isinstance(stmt, (ast.ClassDef, ast.FunctionDef,
                                                                         ast.AsyncFunctionDef)):
                node = stmt
                break
    if node is None:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # blank lines in front give file line numbers for free (ast.increment_lineno walks every node)
            parsed = ast.parse("\n" * (chunk.start - 1) + info.chunk_text(chunk))
        node = parsed.body[0] if parsed.body else None
    per_file[chunk.start] = node
    return node


def _decorator_names(node) -> list[str]:
    names = []
    for d in getattr(node, "decorator_list", []):
        target = d.func if isinstance(d, ast.Call) else d
        parts = []
        while isinstance(target, ast.Attribute):
            parts.insert(0, target.attr)
            target = target.value
        if isinstance(target, ast.Name):
            parts.insert(0, target.id)
        names.append(".".join(parts))
    return names


def is_overload(node) -> bool:
    return any(name.rsplit(".", 1)[-1] in OVERLOAD_NAMES for name in _decorator_names(node))


@dataclass
class Target:
    """A class, top-level function or method whose docstring may be checked."""

    kind: str  # "class" | "function" | "method"
    name: str  # "Linear", "dropout", "Module.register_buffer"
    node: ast.AST
    chunk: object
    owner: ast.ClassDef | None = None

    @property
    def raw_doc(self) -> str | None:
        return ast.get_docstring(self.node, clean=False)


def targets(info, chunk_filter=None, doc_filter=None):
    """Classes, top-level functions and methods of top-level classes, in file order.

    `chunk_filter(text)` decides on a top-level statement's text whether it is parsed at all;
    `doc_filter(raw docstring)` does the same on the literal docstrings the parse stage indexed
    (`Chunk.docstring`, `Chunk.methods`), so a class none of whose docstrings can matter is not
    parsed (a class with a computed ``__doc__`` always is).
    """
    for chunk in info.chunks:
        if chunk.kind not in ("class", "function"):
            continue
        if doc_filter is not None and _indexed(chunk) and not _may_matter(info, chunk, doc_filter):
            continue
        if chunk_filter is not None and not chunk_filter(info.chunk_text(chunk)):
            continue
        node = chunk_ast(info, chunk)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield Target("function", node.name, node, chunk)
        elif isinstance(node, ast.ClassDef):
            yield Target("class", node.name, node, chunk)
            for child in node.body:
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield Target("method", f"{node.name}.{child.name}", child, chunk, node)


def _indexed(chunk) -> bool:
    return hasattr(chunk, "docstring") and (chunk.kind == "function" or getattr(chunk, "methods", None) is not None)


def _may_matter(info, chunk, doc_filter) -> bool:
    if chunk.docstring is not None and doc_filter(chunk.docstring):
        return True
    if chunk.kind == "class":
        if any(doc is not None and doc_filter(doc) for doc in chunk.methods.values()):
            return True
        return "__doc__" in info.chunk_text(chunk)
    return False


def computes_doc(cls: ast.ClassDef) -> bool:
    for stmt in cls.body:
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets_ = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and t.id == "__doc__" for t in targets_):
                return True
    return False


_DOC_REASSIGNED = re.compile(r"^[ \t]*(?P<name>[A-Za-z_]\w*)\.__doc__[ \t]*(?:\+=|=(?!=))(?P<rhs>[^\n]*)", re.MULTILINE)


def replaced_docs(info) -> dict[str, bool]:
    """Top-level functions whose ``__doc__`` is assigned in the module: name -> only a .format of itself."""
    cached = _REPLACED.get(info)
    if cached is not None:
        return cached
    out: dict[str, bool] = {}
    if ".__doc__" in info.text:
        for m in _DOC_REASSIGNED.finditer(info.text):
            name = m.group("name")
            own_format = re.match(rf"\s*\(?\s*{re.escape(name)}\.__doc__\s*(?:or\s*['\"]{{2}}\s*\))?\s*\.format\(",
                                  m.group("rhs")) is not None
            out[name] = out.get(name, True) and own_format
    _REPLACED[info] = out
    return out


_REPLACED = _RecentFiles()


class DocView:
    """A target's docstring text (as ``inspect.getdoc`` gives it), positioned only when a finding needs it.

    Reading a literal docstring is ``inspect.cleandoc`` on the value Python's parser already decoded; the
    per-character file positions (`DocString`, `docstring_of`) are computed on the first `position` call.
    A class's computed ``__doc__`` is evaluated with positions right away.
    """

    def __init__(self, info, project, target, text: str, doc=None):
        self.info = info
        self.project = project
        self.target = target
        self.text = text
        self._doc = doc
        self._positioned = doc is not None
        self.complete = doc.complete if doc is not None else True

    @classmethod
    def of(cls, info, project, target) -> DocView | None:
        """The view of a target's docstring, shared by every checker that asks for it in this file."""
        per_file = _VIEWS.get(info)
        if per_file is None:
            per_file = _VIEWS[info] = {}
        key = id(target.node)
        if key not in per_file:
            per_file[key] = (target.node, cls._make(info, project, target))
        return per_file[key][1]

    @classmethod
    def _make(cls, info, project, target) -> DocView | None:
        if target.kind == "class" and computes_doc(target.node):
            doc = docstring_of(info, project, target)
            return cls(info, project, target, doc.text, doc) if doc is not None else None
        raw = target.raw_doc
        if raw is None:
            return None
        import inspect

        return cls(info, project, target, inspect.cleandoc(raw))

    @property
    def doc(self):
        """The positioned `DocString` (None when it cannot be built or reads differently)."""
        if not self._positioned:
            self._positioned = True
            doc = docstring_of(self.info, self.project, self.target)
            self._doc = doc if doc is not None and doc.text == self.text else None
        return self._doc

    def position(self, offset: int):
        from doccheck.model import Position

        doc = self.doc
        if doc is not None:
            return doc.position(offset)
        node = self.target.node
        first = node.body[0] if getattr(node, "body", None) else node
        return Position(self.info.path, first.lineno, first.col_offset + 1)

    @property
    def escape_problems(self) -> list:
        """Control characters Python made of escapes (only a non-raw literal with a backslash can have any)."""
        if self._doc is None and not self._positioned:
            segment = _literal_source(self.info, self.target)
            if segment is not None and (re.match(r"[A-Za-z]*", segment).group().lower().count("r")
                                        or "\\" not in segment):
                return []
        doc = self.doc
        return doc.escape_problems if doc is not None else []


_VIEWS = _RecentFiles()


def _literal_source(info, target) -> str | None:
    """The source text of a target's docstring literal (None when there is no plain literal)."""
    body = getattr(target.node, "body", None)
    if not body or not isinstance(body[0], ast.Expr) or not isinstance(body[0].value, ast.Constant) \
            or not isinstance(body[0].value.value, str):
        return None
    literal = body[0].value
    lines = info.lines
    if literal.end_lineno is None or literal.end_col_offset is None or literal.end_lineno > len(lines):
        return None
    first = lines[literal.lineno - 1]
    column = len(first.encode("utf-8")[:literal.col_offset].decode("utf-8", errors="replace"))
    if literal.lineno == literal.end_lineno:
        end_column = len(first.encode("utf-8")[:literal.end_col_offset].decode("utf-8", errors="replace"))
        return first[column:end_column]
    last = lines[literal.end_lineno - 1]
    end_column = len(last.encode("utf-8")[:literal.end_col_offset].decode("utf-8", errors="replace"))
    return "\n".join([first[column:], *lines[literal.lineno:literal.end_lineno - 1], last[:end_column]])


def docstring_of(info, project, target):
    """The target's docstring as a `DocString` (positions per character), or None.

    A plain literal is decoded from its own source text; an implicit concatenation or a class's
    computed ``__doc__`` goes through the libcst-based evaluator of `doccheck.docmodel.docsource`.
    """
    from doccheck.docmodel.docsource import (
        class_docstring,
        docstring_from_text,
        function_docstring,
    )

    node = target.node
    if target.kind == "class" and computes_doc(node):
        return class_docstring(project, info, info.statement(target.chunk))
    segment = _literal_source(info, target)
    if segment is None:
        return None
    literal = node.body[0].value
    column = len(info.lines[literal.lineno - 1].encode("utf-8")[:literal.col_offset].decode("utf-8", errors="replace"))
    if _single_literal(segment):
        doc = docstring_from_text(segment, info.path, literal.lineno, column + 1)
        if doc is not None:
            return doc
    # implicit concatenation ("a" "b"), or text Python decoded differently: the general evaluator
    import libcst as cst

    top = info.statement(target.chunk)
    if target.kind == "class":
        return class_docstring(project, info, top)
    func = top
    if target.kind == "method":
        func = None
        index = [c for c in target.owner.body if isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef))].index(node)
        methods = [s for s in top.body.body if isinstance(s, cst.FunctionDef)] if isinstance(top, cst.ClassDef) \
            else []
        if index < len(methods) and methods[index].name.value == node.name:
            func = methods[index]
    if func is None:
        return None
    return function_docstring(project, info, func, top)


_PREFIXED_QUOTE = re.compile(r"""[A-Za-z]{0,2}('''|\"\"\"|'|")""")


def _single_literal(segment: str) -> bool:
    """Is the docstring's source one string token (not an implicit concatenation ``"a" r"b"``)?"""
    m = _PREFIXED_QUOTE.match(segment)
    if m is None:
        return False
    quote = m.group(1)
    body = segment[m.end():]
    if len(body) < len(quote) or not body.endswith(quote):
        return False
    # a second occurrence of the quote inside: an escaped quote or a second literal; the full evaluator decides
    return quote not in body[:-len(quote)]


# --------------------------------------------------------------------------- signatures


@dataclass
class Param:
    name: str
    kind: str  # "positional", "keyword", "var", "varkw"
    default: ast.expr | None
    line: int = 0


@dataclass
class Signature:
    """The parameters a docstring is held to (the implementation's, widened by overloads and bases)."""

    params: list[Param]  # the implementation's (or the first overload's when that is the documented form)
    path: str
    line: int
    accepted: set[str] = field(default_factory=set)  # every explicit name any variant accepts
    call_names: set[str] = field(default_factory=set)  # a class's own forward/__call__ parameters
    handler: bool = False  # `(types, args, kwargs)`: the documented arguments travel inside args/kwargs
    open: bool = False  # accepts **kwargs / *args that could not be followed
    # (parameters, body, origin) per variant: overloads first, then the implementation, then the bases
    # **kwargs are handed to; origin is "file:line" or "Base.__init__, file:line"
    variants: list[tuple] = field(default_factory=list)
    body: list = field(default_factory=list)  # the implementation's statements (None-default resolution)
    where: str = ""  # "Base.__init__" when inherited

    def explicit(self) -> list[Param]:
        return [p for p in self.params if p.kind in ("positional", "keyword")]

    def default_of(self, name: str) -> tuple[Param | None, list]:
        """The first variant that declares `name` with a real default (overloads before the
        implementation, the implementation before bases)."""
        found = None
        for variant, body, origin in self.variants:
            for p in variant:
                if p.name != name or p.kind not in ("positional", "keyword"):
                    continue
                if found is None:
                    found = (p, body, origin)
                if p.default is not None and not (isinstance(p.default, ast.Constant) and p.default.value is ...):
                    return p, body, origin
        return found if found is not None else (None, [], "")


def _params(func, method: bool) -> list[Param]:
    a = func.args
    out = []
    positional = [*a.posonlyargs, *a.args]
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    skip_first = method and not any(n.rsplit(".", 1)[-1] == "staticmethod" for n in _decorator_names(func))
    for index, (arg, default) in enumerate(zip(positional, defaults)):
        if index == 0 and skip_first:
            continue
        out.append(Param(arg.arg, "positional", default, arg.lineno))
    if a.vararg is not None:
        out.append(Param(a.vararg.arg, "var", None, a.vararg.lineno))
    for arg, default in zip(a.kwonlyargs, a.kw_defaults):
        out.append(Param(arg.arg, "keyword", default, arg.lineno))
    if a.kwarg is not None:
        out.append(Param(a.kwarg.arg, "varkw", None, a.kwarg.lineno))
    return out


def _open(params: list[Param]) -> bool:
    return any(p.kind in ("var", "varkw") for p in params)


def function_signature(info, target) -> Signature | None:
    """A function's or method's signature with its @overload variants (same scope, same name)."""
    node = target.node
    if is_overload(node):
        return None  # the overload stubs themselves are not documented
    method = target.kind == "method"
    if method:
        siblings = [c for c in target.owner.body if isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and c.name == node.name]
    else:
        siblings = []
        for chunk in info.chunks:
            if chunk.kind == "function" and chunk.names == (node.name,):
                sibling = chunk_ast(info, chunk)
                if isinstance(sibling, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    siblings.append(sibling)
    return _signature(info.path, node, [s for s in siblings if s is not node and is_overload(s)], method)


def _decorator_aliases(impl, names: set[str]) -> set[str]:
    """Keyword aliases a decorator call declares for parameters: ``@ParamAliasDecorator({"x": ["input"]})``,
    ``@param_two_alias(["x", "input"], ["axis", "dim"])`` (paddle) — literal strings next to a parameter's
    name in the decorator's arguments; the wrapper accepts them as keywords, so documenting ``input`` is right."""
    out: set[str] = set()

    def strings(node) -> list[str] | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, (ast.List, ast.Tuple)) and all(isinstance(e, ast.Constant) and isinstance(e.value, str)
                                                           for e in node.elts):
            return [e.value for e in node.elts]
        return None

    for decorator in getattr(impl, "decorator_list", []):
        if not isinstance(decorator, ast.Call):
            continue
        for arg in decorator.args:
            if isinstance(arg, ast.Dict):
                for key, value in zip(arg.keys, arg.values):
                    aliases = strings(value)
                    if isinstance(key, ast.Constant) and key.value in names and aliases:
                        out.update(aliases)
            else:
                group = strings(arg)
                if group and len(group) > 1 and group[0] in names:
                    out.update(group[1:])
    return out


def _signature(path: str, impl, overloads: list, method: bool, where: str = "") -> Signature:
    own = _params(impl, method)
    file = path.rsplit("/", 1)[-1]
    prefix = f"{where}, " if where else ""
    variants = [(_params(o, method), [], f"{prefix}{file}:{o.lineno}") for o in overloads] + [
        (own, impl.body, f"{prefix}{file}:{impl.lineno}")]
    accepted = {p.name for v, _, _ in variants for p in v if p.kind in ("positional", "keyword")}
    if method and impl.args.args and impl.args.args[0].arg in ("self", "cls"):
        accepted.add(impl.args.args[0].arg)  # "self (_StridedShard): the placement" documents a real parameter
    accepted |= _decorator_aliases(impl, accepted)
    stars = {p.name for v, _, _ in variants for p in v if p.kind in ("var", "varkw")}
    documented_form = own
    if overloads and _open(own):
        # RNN: __init__(*args, **kwargs) implements the overloads; the first explicit overload is the documented form
        explicit = [v for v, _, _ in variants[:-1] if not _open(v)]
        documented_form = explicit[0] if explicit else own
    # overloads only add names: an implementation taking **kwargs may accept more than its overloads
    # declare (Module.to(*args, **kwargs) also takes memory_format); it is open until followed
    # a handler such as `def uniform_(types, args=(), kwargs=None, pg=None)` (__torch_function__ style)
    # receives the documented arguments inside plain `args`/`kwargs` parameters: as open as **kwargs
    handler = {"args", "kwargs"} <= {p.name for p in own if p.kind in ("positional", "keyword")}
    return Signature(documented_form, path, impl.lineno, accepted=accepted | stars, open=_open(own) or handler,
                     variants=variants, body=impl.body, where=where, handler=handler)


def _passes_through(impl) -> bool:
    """Does the body hand *args/**kwargs to ``super().__init__`` / ``Base.__init__``?"""
    a = impl.args
    names = {x.arg for x in (a.vararg, a.kwarg) if x is not None}
    for node in ast.walk(impl):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__":
            for arg in node.args:
                if isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name) and arg.value.id in names:
                    return True
            for kw in node.keywords:
                if kw.arg is None and isinstance(kw.value, ast.Name) and kw.value.id in names:
                    return True
    return False


_NOT_INIT_CLASSES = ("dataclass", "dataclasses.dataclass", "attr.s", "attrs.define", "define", "frozen")


_DATACLASS = ("dataclass", "dataclasses.dataclass")
_DATACLASS_TRANSFORM = ("dataclass_transform", "typing.dataclass_transform", "typing_extensions.dataclass_transform")


def _dataclass_signature(info, project, knowledge, target) -> Signature | None:
    """The ``__init__`` a dataclass gets from its fields: ``@dataclass`` on the class, or a base decorated with
    ``@dataclass_transform`` (PEP 681: its subclasses are dataclasses; Hugging Face's ``PreTrainedConfig``).

    Fields are the annotated class attributes (not ``ClassVar``) of the dataclass classes of the MRO, bases
    first, a redefinition keeping its place; a field's value is its default.  None when the class is no
    dataclass, writes its own ``__init__``, or its MRO cannot be followed.  The signature is open: such
    classes often accept more (``accept_kwargs``), and an argument it does not list is never called wrong.
    """
    node = target.node
    own_decorators = [n.rsplit(".", 1)[-1] if n.startswith("dataclasses.") else n for n in _decorator_names(node)]
    mro = _mro(info, project, knowledge, target)
    if mro is None:
        return None
    classes = [entry for entry in mro if not isinstance(entry, str)]
    transformed = any(any(n in _DATACLASS_TRANSFORM for n in _decorator_names(c.node)) for c in classes[1:])
    if not (transformed or any(n in _DATACLASS for n in own_decorators)):
        return None
    for entry in classes:
        if _init_defs(entry.node) is not None:
            return None  # an explicit __init__ (the class's or a base's) is the signature: not ours to build
    fields: dict[str, Param] = {}
    for entry in reversed(classes):
        is_dataclass = transformed or any(n.rsplit(".", 1)[-1] == "dataclass" for n in _decorator_names(entry.node))
        if not is_dataclass:
            continue
        for stmt in entry.node.body:
            if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
                continue
            annotation = ast.unparse(stmt.annotation)
            if "ClassVar" in annotation:
                continue
            default = stmt.value
            if isinstance(default, ast.Call) and ast.unparse(default.func).rsplit(".", 1)[-1] == "field":
                given = {k.arg: k.value for k in default.keywords}
                default = given.get("default", default)  # a default_factory stays code: undecided
            fields[stmt.target.id] = Param(stmt.target.id, "keyword", default, stmt.lineno)
    params = list(fields.values())
    where = f"{target.node.name} fields"
    origin = f"{where}, {info.path.rsplit('/', 1)[-1]}:{node.lineno}"
    return Signature(params, info.path, node.lineno, accepted=set(fields), open=True,
                     variants=[(params, [], origin)], body=[], where=where)


def class_signature(info, project, knowledge, target) -> Signature | None:
    """The effective ``__init__`` of a class (own, overloaded, inherited; **kwargs followed to the base)."""
    node = target.node
    dataclass_signature = _dataclass_signature(info, project, knowledge, target)
    if dataclass_signature is not None:
        return dataclass_signature
    if any(name in _NOT_INIT_CLASSES for name in _decorator_names(node)):
        return None
    own = _init_defs(node)
    mro = None
    signature = None
    index = 0
    if own is None:
        mro = _mro(info, project, knowledge, target)
        if mro is None:
            return None
        for index, definition in enumerate(mro[1:], start=1):
            if isinstance(definition, str):
                return None  # an external base (nn.Module, object, a compiled class): unknown signature
            base = definition.node
            inits = _init_defs(base)
            if inits is not None:
                impl, overloads = inits
                signature = _signature(definition.module.path, impl, overloads, True, f"{base.name}.__init__")
                break
        else:
            return None
    else:
        impl, overloads = own
        signature = _signature(info.path, impl, overloads, True)
    for child in node.body:
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and child.name in ("forward", "__call__"):
            signature.call_names |= {p.name for p in _params(child, True)}
    # **kwargs / *args handed to the next __init__: its parameters are accepted too
    while signature.open and _passes_through(impl):
        if mro is None:
            mro = _mro(info, project, knowledge, target)
            if mro is None:
                return signature
        following = None
        for position in range(index + 1, len(mro)):
            definition = mro[position]
            if isinstance(definition, str):
                return signature
            base = definition.node
            inits = _init_defs(base)
            if inits is not None:
                following = (definition, base, inits)
                index = position
                break
        if following is None:
            return signature
        definition, base, (impl, overloads) = following
        inherited = _signature(definition.module.path, impl, overloads, True, f"{base.name}.__init__")
        signature.variants.extend(inherited.variants)
        signature.accepted |= inherited.accepted
        signature.open = inherited.open
    return signature


def _init_defs(cls: ast.ClassDef):
    """(implementation, overloads) of the class's own ``__init__`` (else ``__new__``), or None."""
    for name in ("__init__", "__new__"):
        inits = [c for c in cls.body if isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef)) and c.name == name]
        if inits:
            break
    else:
        return None
    impls = [c for c in inits if not is_overload(c)]
    impl = impls[-1] if impls else inits[-1]
    return impl, [c for c in inits if c is not impl and is_overload(c)]


@dataclass(frozen=True)
class _Class:
    """A class we have the source of, in the order below (``ast`` node; nothing parsed with libcst)."""

    module: object  # ModuleInfo
    node: ast.ClassDef

    @property
    def qualname(self) -> str:
        return f"{self.module.qualname}.{self.node.name}"


MAX_MRO = 200


def _mro(info, project, knowledge, target) -> list | None:
    """The C3 method resolution order of a class: `_Class` entries, and qualified names (str) for classes
    without source or in ``knowledge.module_roots`` (nn.Module), which end a chain as `Project.mro` does.

    The same resolution rules as `doccheck.project.Project.mro` (imports, re-exports, star imports,
    ``Generic[T]`` subscripts), over the ``ast`` index of each module: following a base costs no libcst
    parse.  None for cyclic or inconsistent hierarchies.
    """
    roots = knowledge.module_roots
    memo: dict[str, list | None] = {}

    def linearize(entry, stack: tuple) -> list | None:
        if isinstance(entry, str):
            return [entry]
        key = entry.qualname
        if key in memo:
            return memo[key]
        if key in stack or len(stack) > MAX_MRO:
            return None
        bases = [base for b in entry.node.bases
                 if (base := _base(project, entry.module, b, roots)) not in ("object", "builtins.object")]
        sequences = []
        for base in bases:
            linear = linearize(base, (*stack, key))
            if linear is None:
                return None
            sequences.append(linear)
        merged = _c3([*sequences, bases])
        memo[key] = None if merged is None else [entry, *merged]
        return memo[key]

    try:
        return linearize(_Class(info, target.node), ())
    except RecursionError:
        return None


def _c3(sequences: list[list]) -> list | None:
    from doccheck.mro import c3_merge

    return c3_merge(sequences, lambda item: item if isinstance(item, str) else item.qualname)


def _base(project, module, expr, roots):
    """One base-class expression of a class in `module`: a `_Class`, or a qualified name (str)."""
    if isinstance(expr, ast.Subscript):  # Generic[T], Protocol[...]
        expr = expr.value
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.insert(0, expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return ast.unparse(expr)
    head = expr.id
    if head in module.definitions:
        qualname = ".".join([module.qualname, head, *parts])
    elif head in module.imports:
        qualname = ".".join([module.imports[head], *parts])
    else:
        return ".".join([head, *parts])  # a builtin (object, Exception) or a star import
    if qualname in roots:
        return qualname
    found = _resolve(project, qualname, 0)
    if isinstance(found, _Class) and found.qualname in roots:
        return found.qualname
    return found


def _resolve(project, qualname: str, depth: int):
    """``torch.nn.Linear`` -> the class in torch/nn/modules/linear.py, following re-exports; else the name."""
    if depth > 25:
        return qualname
    module_name, _, attr = qualname.rpartition(".")
    if not module_name:
        return qualname
    module = project.module(module_name)
    if module is None:
        return qualname
    return _resolve_in(project, module, attr, depth + 1) or qualname


def _resolve_in(project, module, name: str, depth: int):
    if depth > 25:
        return None
    if name in module.definitions:
        found = None
        for chunk in module.chunks:
            if chunk.kind == "class" and chunk.names and chunk.names[0] == name:
                node = chunk_ast(module, chunk)
                if isinstance(node, ast.ClassDef):
                    found = _Class(module, node)  # the last definition wins, as at run time
        return found
    target = module.imports.get(name)
    if target is not None:
        found = _resolve(project, target, depth + 1)
        return found if isinstance(found, _Class) else None
    for source in module.star_imports:
        other = project.module(source)
        if other is not None and other is not module:
            found = _resolve_in(project, other, name, depth + 1)
            if isinstance(found, _Class):
                return found
    return None


# --------------------------------------------------------------------------- None defaults


def resolved_none(body: list, name: str) -> ast.expr | None:
    """The literal a body assigns to `name` when it is None (``if x is None: x = 1e-5``)."""
    for stmt in body[:12]:
        if isinstance(stmt, ast.If) and _is_none_test(stmt.test, name) and len(stmt.body) == 1:
            inner = stmt.body[0]
            if isinstance(inner, ast.Assign) and len(inner.targets) == 1 and isinstance(inner.targets[0], ast.Name) \
                    and inner.targets[0].id == name:
                return inner.value
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and stmt.targets[0].id == name and isinstance(stmt.value, ast.IfExp) \
                and _is_none_test(stmt.value.test, name) and isinstance(stmt.value.orelse, ast.Name) \
                and stmt.value.orelse.id == name:
            return stmt.value.body
    return None


def _is_none_test(test, name: str) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == name
            and len(test.ops) == 1 and isinstance(test.ops[0], ast.Is) and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None)


# --------------------------------------------------------------------------- the checker


@dataclass
class _Doc:
    target: Target
    doc: DocView
    sections: object  # Sections


def run(info, project, knowledge, config, result) -> None:
    from doccheck.failures import internal_error
    from doccheck.parse import SourceError

    path = info.path
    want_defaults = config.wants(DEFAULT_MISMATCH.code, path)
    want_unknown = config.wants(UNKNOWN_ARGUMENT.code, path)
    want_undocumented = config.wants(UNDOCUMENTED_ARGUMENT.code, path)
    want_args = want_unknown or want_undocumented
    text = info.text
    has_default = want_defaults and DEFAULT_HINT.search(text) is not None
    has_args = want_args and _any_arg_section(text)
    if not has_default and not has_args:
        return

    def doc_filter(doc: str) -> bool:
        return (has_default and DEFAULT_HINT.search(doc) is not None) or (has_args and _any_arg_section(doc))

    def chunk_filter(chunk_text: str) -> bool:
        return doc_filter(chunk_text) or "__doc__" in chunk_text

    from doccheck import limits

    replaced = replaced_docs(info)
    class_docs: dict[int, _Doc | None] = {}
    for target in targets(info, chunk_filter, doc_filter):
        limits.check()
        try:
            _check_target(info, project, knowledge, config, result, target, replaced, class_docs,
                          want_defaults, want_unknown, want_undocumented)
        except SourceError as exc:
            from doccheck.model import Finding

            result.findings.append(Finding(path, exc.line, exc.column, "DC002", exc.message))
        except Exception as exc:
            result.findings.append(internal_error(path, target.node.lineno, "signature check", exc, config.debug))


def _any_arg_section(text: str) -> bool:
    from doccheck.docmodel.sections import ARG_SECTION_HINT

    return ARG_SECTION_HINT.search(text) is not None


def _read(info, project, target) -> _Doc | None:
    from doccheck.docmodel.sections import read_sections
    from doccheck.limits import MAX_DOCSTRING_CHARS

    doc = DocView.of(info, project, target)
    if doc is None or not doc.text or len(doc.text) > MAX_DOCSTRING_CHARS:
        return None  # a docstring beyond the limit is reported once, by the initialization check (DC003)
    return _Doc(target, doc, read_sections(doc.text))


def _check_target(info, project, knowledge, config, result, target, replaced, class_docs,
                  want_defaults, want_unknown, want_undocumented) -> None:
    from doccheck.docmodel.sections import ARG_SECTION_HINT

    if target.kind == "function" and target.name in replaced and not replaced[target.name]:
        return  # __doc__ replaced at run time by something else: not statically visible
    raw = target.raw_doc
    if raw is None and not (target.kind == "class" and computes_doc(target.node)):
        return
    if raw is not None and not (DEFAULT_HINT.search(raw) or ARG_SECTION_HINT.search(raw)):
        return
    read = _read(info, project, target)
    if target.kind == "class":
        class_docs[id(target.node)] = read
    if read is None or not read.sections.args:
        return  # no argument entry that could be read: nothing to hold the signature to
    if not read.doc.complete:
        return  # a computed __doc__ with parts doccheck could not evaluate
    if target.kind == "class":
        signature = class_signature(info, project, knowledge, target)
    else:
        signature = function_signature(info, target)
    if signature is None:
        return
    formatted = target.kind == "function" and target.name in replaced
    if want_defaults:
        _check_defaults(info, read, signature, result, knowledge)
    if want_unknown:
        _check_unknown(info, read, signature, result)
    if want_undocumented and not formatted and not _private(target.name):
        partner = None
        if target.kind == "class":
            partner = _init_doc(info, project, target)
        elif target.kind == "method" and target.node.name == "__init__":
            partner = class_docs.get(id(target.owner))
        _check_undocumented(info, read, partner, signature, result, config)


def _private(name: str) -> bool:
    """A private class, function or method (``_x``; ``__init__`` and other dunders are public)."""
    return any(part.startswith("_") and not (part.startswith("__") and part.endswith("__"))
               for part in name.split("."))


def _init_doc(info, project, target) -> _Doc | None:
    for child in target.node.body:
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and child.name == "__init__" \
                and not is_overload(child) and ast.get_docstring(child, clean=False):
            return _read(info, project, Target("method", f"{target.name}.__init__", child, target.chunk, target.node))
    return None


def _obj(target: Target, name: str) -> str:
    return f"{target.name}.{name}"


def _where(signature: Signature) -> str:
    file = signature.path.rsplit("/", 1)[-1]
    return f"{signature.where + ', ' if signature.where else ''}{file}:{signature.line}"


def _check_defaults(info, read: _Doc, signature: Signature, result, knowledge=None) -> None:
    from doccheck.docmodel.sections import code_value, defaults_in, same_value
    from doccheck.model import Finding

    doc = read.doc
    for entry in read.sections.args:
        phrases = None
        for name in entry.bare_names:
            if name.startswith("*") or "[" in name:
                continue
            param, body, origin = signature.default_of(name)
            if param is None or param.default is None:
                continue
            if phrases is None:
                phrases = defaults_in(entry.description, entry.start, entry.bare_names)
                if entry.type_start >= 0:  # Hugging Face's slot: ``eps (`float`, *optional*, defaults to 1e-5):``
                    phrases = defaults_in(entry.type, entry.type_start, entry.bare_names) + phrases
            if not phrases:
                break
            code = code_value(param.default)
            alternatives = [code]
            if code.kind == "none":
                resolved = resolved_none(body, name)
                if resolved is not None:
                    alternatives.append(code_value(resolved))
                else:
                    alternatives.append(None)  # a None sentinel the body resolves some other way: undecided
            verdicts = []
            for phrase in phrases:
                if phrase.value.kind in ("word", "str") and phrase.value.value in signature.accepted:
                    verdicts.append(None)  # "Default: ``log_dir``": another argument's value
                    continue
                results = [same_value(phrase.value, alt) if alt is not None else None for alt in alternatives]
                if knowledge is not None and any(
                        alt is not None and phrase.value.kind in ("str", "word") and alt.kind == "str"
                        and knowledge.equivalent(name, str(phrase.value.value), alt.value) for alt in alternatives):
                    results.append(True)  # two spellings of one value (rules: equivalent_values)
                verdicts.append(True if True in results else None if None in results else False)
            if True in verdicts or None in verdicts:
                continue
            phrase = phrases[0]
            at = doc.position(phrase.offset)
            shown = ast.unparse(param.default)
            if len(alternatives) > 1:
                shown += f", which the body replaces by {ast.unparse(resolved)}"
            documented = phrase.text.strip()
            message = (f"{_obj(read.target, name)}: documented default {documented}, but the signature's default "
                       f"is {shown} ({origin})")
            result.findings.append(Finding(at.path, at.line, at.column, DEFAULT_MISMATCH.code, message,
                                           _obj(read.target, name), documented, ast.unparse(param.default)))


def _check_unknown(info, read: _Doc, signature: Signature, result) -> None:
    from doccheck.model import Finding

    if signature.open:
        return
    doc = read.doc
    for entry in read.sections.args:
        for name, offset in zip(entry.names, entry.name_offsets):
            if name.startswith("*") or "[" in name or name in signature.accepted:
                continue
            if name in signature.call_names:
                continue  # a class docstring that documents how instances are called
            at = doc.position(offset)
            names = []
            for variant, _, _ in signature.variants:
                names += [p.name for p in variant if p.kind in ("positional", "keyword") and p.name not in names]
            accepted = ", ".join(names) or "no parameters"
            message = (f"{_obj(read.target, name)}: documented argument `{name}` is not a parameter of the "
                       f"signature ({_where(signature)} accepts {accepted})")
            result.findings.append(Finding(at.path, at.line, at.column, UNKNOWN_ARGUMENT.code, message,
                                           _obj(read.target, name), name, None))


def _check_undocumented(info, read: _Doc, partner: _Doc | None, signature: Signature, result, config) -> None:
    from doccheck.model import Finding

    sections = read.sections
    if not sections.has_args or signature.handler:
        return  # a handler's parameters are plumbing: its docstring documents what travels inside them
    chosen = getattr(config, "undocumented_ignore", None)
    ignore = set(DEFAULT_UNDOCUMENTED_IGNORE if chosen is None else chosen)
    documented = sections.arg_names()
    if partner is not None:
        documented |= partner.sections.arg_names()
    doc = read.doc
    header = sections.arg_sections[0][0]
    for param in signature.explicit():
        name = param.name
        if name in documented or name in ignore or name.startswith("_"):
            continue
        if sections.mentioned(doc.text, name) or (partner is not None and partner.sections.mentioned(
                partner.doc.text, name)):
            continue
        at = doc.position(header)
        message = (f"{_obj(read.target, name)}: parameter `{name}` ({_where(signature)}) is not documented in "
                   f"the argument section")
        result.findings.append(Finding(at.path, at.line, at.column, UNDOCUMENTED_ARGUMENT.code, message,
                                       _obj(read.target, name), None, name))
