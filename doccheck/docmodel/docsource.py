"""Docstrings read from the source text, with a file position for every character.

Nothing is imported or executed.  A docstring is either the first statement of
a class or function body (a string literal, possibly an implicit concatenation
``"a" "b"``), or — for classes — an assignment ``__doc__ = <expr>`` in the class
body, evaluated statically:

* ``+`` concatenation of evaluable operands;
* ``template.format(**mapping, key=value, *positional)`` with dict literals
  defined at module level, here or in another module (followed through
  ``Project.resolve_in``), ``{{`` / ``}}`` escapes;
* ``template % mapping`` / ``template % (a, b)`` with ``%(name)s`` and ``%s``;
* names and ``mapping["key"]`` subscripts that lead to such literals.

Every character of the resulting text keeps the (line, column) where it was
written.  A character that comes from a substituted value keeps its own
position when the value is written in the same file, otherwise it gets the
position of the ``{placeholder}`` that pulled it in.

The value is dedented exactly like :func:`inspect.cleandoc` (what ``help()``,
Sphinx and napoleon see), with the character map carried through.  Non-raw
literals are decoded escape by escape so that ``\\n`` (two source characters)
becomes one character with one position; escapes that Python turned into
control characters (``\\f`` in ``\\frac``, ``\\t`` in ``\\text``…) are recorded.

Every public function returns ``None`` rather than raising on odd user code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from doccheck.model import Position

MAX_DEPTH = 30  # names/dicts followed while evaluating one docstring
MAX_CHARS = 2_000_000  # a docstring larger than this is not evaluated

__all__ = ["DocString", "class_docstring", "function_docstring", "docstring_from_text"]


@dataclass
class DocString:
    """A docstring as ``inspect.getdoc`` would return it, mapped to its source."""

    text: str
    path: str
    offsets: list[tuple[int, int]]  # one (line, column), both 1-based, per character of text
    raw: bool  # every literal that contributed was a raw string
    escape_problems: list[tuple[int, str]] = field(default_factory=list)  # (offset in text, "\\f")
    complete: bool = True  # False when parts of a computed __doc__ could not be evaluated

    def position(self, offset: int) -> Position:
        """The file position of the character at `offset` (clamped to the text)."""
        if not self.offsets:
            return Position(self.path, 1, 1)
        offset = min(max(offset, 0), len(self.offsets) - 1)
        line, column = self.offsets[offset]
        return Position(self.path, line, column)

    def line_start(self, text_line: int) -> int:
        """Offset in `text` of the first character of 1-based line `text_line` of the text."""
        if text_line <= 1:
            return 0
        index = -1
        for _ in range(text_line - 1):
            index = self.text.find("\n", index + 1)
            if index < 0:
                return len(self.text)
        return index + 1


# --------------------------------------------------------------------------- text with positions


@dataclass
class _Text:
    """Evaluated string: characters, their positions, problems, provenance."""

    chars: list[str]
    pos: list[tuple[int, int]]
    probs: list[str | None]
    raw: bool
    path: str
    complete: bool = True

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def __add__(self, other: _Text) -> _Text:
        return _Text(self.chars + other.chars, self.pos + other.pos, self.probs + other.probs,
                     self.raw and other.raw, self.path, self.complete and other.complete)

    def moved(self, position: tuple[int, int], path: str) -> _Text:
        """The same characters, all mapped to one position of another file."""
        return _Text(list(self.chars), [position] * len(self.chars), list(self.probs), self.raw, path,
                     self.complete)


def _empty(path: str, raw: bool = True, complete: bool = True) -> _Text:
    return _Text([], [], [], raw, path, complete)


def _plain(value: str, position: tuple[int, int], path: str) -> _Text:
    return _Text(list(value), [position] * len(value), [None] * len(value), True, path)


_LITERAL_RE = re.compile(r"([A-Za-z]*)('''|\"\"\"|'|\")", re.S)
_SIMPLE_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
                   "t": "\t", "v": "\v"}
_CONTROL_ESCAPES = {"a", "b", "f", "r", "t", "v"}
# LaTeX commands that a non-raw "\n..." silently turns into a newline
_LATEX_N_COMMANDS = {"nabla", "nu", "neq", "ne", "not", "neg", "ni", "nmid", "nleq", "ngeq", "nolimits", "newline",
                     "nonumber", "notin", "nearrow", "nexists", "nparallel", "nsubseteq", "nsim", "natural",
                     "normalsize", "nleftarrow", "nrightarrow"}
_HEX = set("0123456789abcdefABCDEF")


class _Undecodable(ValueError):
    """A literal Python itself would reject (or a bytes/f-string: not a str)."""


def decode_literal(source: str, line: int, column: int, path: str = "") -> _Text:
    """Decode one string literal token, mapping each value character to its (line, column).

    `line`/`column` (1-based) are where the token (its prefix) starts in the file.
    Raises `_Undecodable` for bytes, f-strings and escapes Python refuses.
    """
    m = _LITERAL_RE.match(source)
    if m is None or not source.endswith(m.group(2)) or len(source) < len(m.group(0)) + len(m.group(2)):
        raise _Undecodable("not a string literal")
    prefix = m.group(1).lower()
    if "b" in prefix or "f" in prefix or not set(prefix) <= {"r", "u"}:
        raise _Undecodable("not a plain str literal")
    raw = "r" in prefix
    quote = m.group(2)
    start, end = len(m.group(0)), len(source) - len(quote)

    # position of every source character
    if "\r" in source:
        src_pos: list[tuple[int, int]] = []
        ln, col = line, column
        i = 0
        while i < len(source):
            src_pos.append((ln, col))
            ch = source[i]
            if ch == "\n" or (ch == "\r" and not source.startswith("\r\n", i)):
                ln, col = ln + 1, 1
            else:
                col += 1
            i += 1
    else:  # the common case, line by line (docstrings are long: this loop is hot)
        src_pos = []
        for k, segment in enumerate(source.split("\n")):
            first = column if k == 0 else 1
            src_pos.extend([(line + k, first + j) for j in range(len(segment) + 1)])
        del src_pos[len(source):]
    if (raw or "\\" not in source[start:end]) and "\r" not in source:
        # nothing to decode: every character stands for itself
        return _Text(list(source[start:end]), src_pos[start:end], [None] * (end - start), raw, path)

    chars: list[str] = []
    pos: list[tuple[int, int]] = []
    probs: list[str | None] = []

    def emit(ch: str, at: int, problem: str | None = None) -> None:
        chars.append(ch)
        pos.append(src_pos[at])
        probs.append(problem)

    i = start
    while i < end:
        ch = source[i]
        if ch == "\r":  # the tokenizer turns \r\n and \r into \n inside literals
            emit("\n", i)
            i += 2 if source.startswith("\r\n", i) else 1
            continue
        if ch != "\\" or raw:  # raw literals keep every character
            emit(ch, i)
            i += 1
            continue
        # non-raw escape
        if i + 1 >= end:
            raise _Undecodable("backslash at the end of a literal")
        nxt = source[i + 1]
        if nxt in "\r\n":  # backslash-newline: line continuation, no character
            i += 2
            if nxt == "\r" and source.startswith("\n", i):
                i += 1
            continue
        if nxt in _SIMPLE_ESCAPES:
            problem = None
            if nxt in _CONTROL_ESCAPES:
                problem = "\\" + nxt
            elif nxt == "n":
                word = re.match(r"[A-Za-z]*", source[i + 1:end]).group()
                if word in _LATEX_N_COMMANDS:
                    problem = "\\n"
            emit(_SIMPLE_ESCAPES[nxt], i, problem)
            i += 2
            continue
        if nxt in "01234567":
            j = i + 1
            while j < end and j < i + 4 and source[j] in "01234567":
                j += 1
            value = chr(int(source[i + 1:j], 8))
            problem = "\\" + source[i + 1:j] if unicodedata.category(value) == "Cc" else None
            emit(value, i, problem)
            i = j
            continue
        if nxt in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[nxt]
            digits = source[i + 2:i + 2 + width]
            if len(digits) != width or not set(digits) <= _HEX:
                raise _Undecodable(f"truncated \\{nxt} escape")
            code = int(digits, 16)
            if code > 0x10FFFF:
                raise _Undecodable("escape out of range")
            value = chr(code)
            problem = "\\" + source[i + 1:i + 2 + width] if unicodedata.category(value) == "Cc" else None
            emit(value, i, problem)
            i += 2 + width
            continue
        if nxt == "N":
            close = source.find("}", i + 2, end)
            if not source.startswith("{", i + 2) or close < 0:
                raise _Undecodable("malformed \\N escape")
            try:
                value = unicodedata.lookup(source[i + 3:close])
            except KeyError as exc:
                raise _Undecodable("unknown \\N name") from exc
            emit(value, i)
            i = close + 1
            continue
        # an unknown escape keeps the backslash (Python warns but keeps it)
        emit("\\", i)
        i += 1
    return _Text(chars, pos, probs, raw, path)


# --------------------------------------------------------------------------- cleandoc with positions


def _cleandoc(t: _Text) -> _Text:
    """inspect.cleandoc (Python 3.11), carrying positions and problem marks."""
    chars: list[str] = []
    pos: list[tuple[int, int]] = []
    probs: list[str | None] = []
    column = 0
    if "\t" not in t.chars:  # nothing to expand: copy in one go (docstrings are long)
        chars, pos, probs = list(t.chars), list(t.pos), list(t.probs)
    for ch, p, problem in zip(t.chars, t.pos, t.probs) if chars == [] else ():
        if ch == "\t":  # str.expandtabs(8)
            width = 8 - column % 8
            chars.extend(" " * width)
            pos.extend([p] * width)
            probs.extend([problem] + [None] * (width - 1))
            column += width
            continue
        chars.append(ch)
        pos.append(p)
        probs.append(problem)
        column = 0 if ch in "\n\r" else column + 1

    # split into lines of indexes (the "\n" characters are separators)
    lines: list[tuple[int, int]] = []  # [start, end) in chars
    newline_after: list[int | None] = []
    start = 0
    for index, ch in enumerate(chars):
        if ch == "\n":
            lines.append((start, index))
            newline_after.append(index)
            start = index + 1
    lines.append((start, len(chars)))
    newline_after.append(None)

    def content(a: int, b: int) -> int:
        k = a
        while k < b and chars[k].isspace():
            k += 1
        return b - k

    margin = None
    for a, b in lines[1:]:
        rest = content(a, b)
        if rest:
            indent = (b - a) - rest
            margin = indent if margin is None else min(margin, indent)
    kept: list[tuple[int, int]] = []
    for n, (a, b) in enumerate(lines):
        if n == 0:
            a = b - content(a, b)
        elif margin is not None:
            a = min(a + margin, b)
        kept.append((a, b))
    # leading and trailing empty lines go
    first, last = 0, len(kept) - 1
    while last >= 0 and kept[last][0] >= kept[last][1]:
        last -= 1
    while first <= last and kept[first][0] >= kept[first][1]:
        first += 1

    out = _Text([], [], [], t.raw, t.path, t.complete)
    dropped_problem: str | None = None
    for n in range(first, last + 1):
        a, b = kept[n]
        if n > first:
            nl = newline_after[n - 1]
            out.chars.append("\n")
            out.pos.append(pos[nl])
            out.probs.append(probs[nl])
        # a problem on a stripped character moves to the next kept one
        original_a = lines[n][0]
        for k in range(original_a, a):
            dropped_problem = dropped_problem or probs[k]
        for k in range(a, b):
            out.chars.append(chars[k])
            out.pos.append(pos[k])
            out.probs.append(probs[k] or dropped_problem)
            dropped_problem = None
    return out


def _finish(t: _Text | None, path: str) -> DocString | None:
    if t is None or len(t.chars) > MAX_CHARS:
        return None
    cleaned = _cleandoc(t)
    if not cleaned.chars and not t.chars:
        return None
    problems = [(i, p) for i, p in enumerate(cleaned.probs) if p]
    return DocString(text=cleaned.text, path=path, offsets=cleaned.pos, raw=t.raw, escape_problems=problems,
                     complete=t.complete)


def docstring_from_text(source: str, path: str = "<string>", line: int = 1, column: int = 1) -> DocString | None:
    """A DocString from one literal's source text (e.g. ``r'''...'''``), for tests and tools."""
    try:
        return _finish(decode_literal(source, line, column, path), path)
    except Exception:
        return None


# --------------------------------------------------------------------------- static evaluation

_LINES: dict[int, tuple[str, list[str]]] = {}


def _file_lines(module) -> list[str]:
    cached = _LINES.get(id(module))
    if cached is None or cached[0] is not module.text:
        cached = (module.text, [line.rstrip("\r") for line in module.text.split("\n")])
        if len(_LINES) > 256:
            _LINES.clear()
        _LINES[id(module)] = cached
    return cached[1]


def _checked_position(module, node: cst.CSTNode, toplevel: cst.CSTNode) -> tuple[int, int]:
    """`module.position`, verified against the file text (and corrected on the same or a nearby line).

    The node's first source line must be written at the reported place; when it
    is not (a position shortcut that got a column wrong), the nearest occurrence
    on the reported line, then on the lines around it, is used instead.
    """
    line, column = module.position(node, toplevel)
    if isinstance(node, cst.SimpleString):
        code = node.value
    else:
        code = cst.Module(body=[]).code_for_node(node)
    first = code.split("\n", 1)[0].rstrip("\r").strip()
    if not first:
        return line, column
    lines = _file_lines(module)
    if 1 <= line <= len(lines) and lines[line - 1].startswith(first, column - 1):
        return line, column
    for delta in (0, -1, 1, -2, 2, -3, 3):
        candidate = line + delta
        if not 1 <= candidate <= len(lines):
            continue
        text = lines[candidate - 1]
        hits = [m.start() for m in re.finditer(re.escape(first), text)]
        if hits:
            best = min(hits, key=lambda h: abs(h + 1 - column))
            return candidate, best + 1
    return line, column


class _Evaluator:
    def __init__(self, project, module, toplevel: cst.CSTNode):
        self.project = project
        self.module = module
        self.toplevel = toplevel
        self.depth = 0

    def at(self, node: cst.CSTNode) -> tuple[int, int]:
        return _checked_position(self.module, node, self.toplevel)

    def child(self, module, toplevel) -> _Evaluator:
        other = _Evaluator(self.project, module, toplevel)
        other.depth = self.depth + 1
        return other

    # -- strings -----------------------------------------------------------
    def string(self, node: cst.BaseExpression) -> _Text | None:
        """The value of a str-valued expression, or None when it cannot be decided."""
        if self.depth > MAX_DEPTH:
            return None
        self.depth += 1
        try:
            return self._string(node)
        finally:
            self.depth -= 1

    def _string(self, node: cst.BaseExpression) -> _Text | None:
        path = self.module.path
        if isinstance(node, cst.SimpleString):
            line, column = self.at(node)
            try:
                return decode_literal(node.value, line, column, path)
            except _Undecodable:
                return None
        if isinstance(node, cst.ConcatenatedString):
            left, right = self.string(node.left), self.string(node.right)
            if left is None or right is None:
                return None  # Python would not build this either (bytes/str mix, bad escape)
            return left + right
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Add):
                left, right = self.string(node.left), self.string(node.right)
                if left is None and right is None:
                    return None
                if left is None:
                    right.complete = False
                    return right
                if right is None:
                    left.complete = False
                    return left
                return left + right
            if isinstance(node.operator, cst.Modulo):
                return self.percent(node)
            return None
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "format":
                return self.format_call(node)
            return None
        if isinstance(node, (cst.Name, cst.Attribute)):
            found = self.definition_value(node)
            if found is None:
                return None
            evaluator, value = found
            result = evaluator.string(value)
            if result is not None and evaluator.module.path != path:
                result = result.moved(self.at(node), path)
            return result
        if isinstance(node, cst.Subscript):
            mapping = self.mapping(node.value)
            key = self.subscript_key(node)
            if mapping is None or key is None or key not in mapping:
                return None
            value = mapping[key]
            if value is None:
                return None
            if value.path != path:
                value = value.moved(self.at(node), path)
            return value
        return None

    def definition_value(self, node: cst.BaseExpression):
        """(evaluator, value expression) of a module-level `name = value` the node refers to."""
        if self.project is None:
            return None
        try:
            if isinstance(node, cst.Name):
                found = self.project.resolve_in(self.module, node.value)
            else:
                qualname = self.project.qualname_of(self.module, node)
                found = self.project.resolve_qualname(qualname) if qualname else None
        except Exception:
            return None
        node_ = getattr(found, "node", None)
        if isinstance(node_, cst.Assign) and len(node_.targets) == 1:
            value = node_.value
        elif isinstance(node_, cst.AnnAssign) and node_.value is not None:
            value = node_.value
        else:
            return None
        module = found.module
        toplevel = module.toplevel_of.get(id(node_), node_)
        return self.child(module, toplevel), value

    # -- mappings ----------------------------------------------------------
    def mapping(self, node: cst.BaseExpression) -> dict[str, _Text | None] | None:
        """A dict of str keys -> evaluated values (None for values that cannot be evaluated)."""
        if self.depth > MAX_DEPTH:
            return None
        self.depth += 1
        try:
            if isinstance(node, cst.Dict):
                result: dict[str, _Text | None] = {}
                for element in node.elements:
                    if isinstance(element, cst.StarredDictElement):
                        inner = self.mapping(element.value)
                        if inner is None:
                            return None
                        result.update(inner)
                        continue
                    key = self.key(element.key)
                    if key is None:
                        return None
                    result[key] = self.string(element.value)
                return result
            if isinstance(node, (cst.Name, cst.Attribute)):
                found = self.definition_value(node)
                if found is None:
                    return None
                evaluator, value = found
                return evaluator.mapping(value)
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict":
                result = {}
                for arg in node.args:
                    if arg.star == "**":
                        inner = self.mapping(arg.value)
                        if inner is None:
                            return None
                        result.update(inner)
                    elif arg.keyword is not None:
                        result[arg.keyword.value] = self.string(arg.value)
                    else:
                        return None
                return result
            return None
        finally:
            self.depth -= 1

    def key(self, node: cst.BaseExpression | None) -> str | None:
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = self.string(node)
            return value.text if value is not None else None
        return None

    def subscript_key(self, node: cst.Subscript) -> str | None:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return None
        return self.key(node.slice[0].slice.value)

    # -- str.format --------------------------------------------------------
    def format_call(self, node: cst.Call) -> _Text | None:
        template = self.string(node.func.value)
        if template is None:
            return None
        named: dict[str, _Text | None] = {}
        positional: list[_Text | None] = []
        complete = True
        for arg in node.args:
            if arg.star == "**":
                inner = self.mapping(arg.value)
                if inner is None:
                    complete = False
                    continue
                named.update(inner)
            elif arg.star == "*":
                complete = False
            elif arg.keyword is not None:
                named[arg.keyword.value] = self.string(arg.value)
            else:
                positional.append(self.string(arg.value))
        result = _format(template, named, positional)
        if result is not None and not complete:
            result.complete = False
        return result

    # -- % formatting --------------------------------------------------------
    def percent(self, node: cst.BinaryOperation) -> _Text | None:
        template = self.string(node.left)
        if template is None:
            return None
        right = node.right
        named: dict[str, _Text | None] | None = None
        positional: list[_Text | None] | None = None
        if isinstance(right, cst.Tuple):
            positional = [self.string(e.value) if not isinstance(e, cst.StarredElement) else None
                          for e in right.elements]
        else:
            named = self.mapping(right)
            if named is None:
                positional = [self.string(right)]
        return _percent(template, named, positional)


def _splice(out: _Text, value: _Text | None, position: tuple[int, int], placeholder: _Text) -> bool:
    """Append a substituted value; False when it could not be evaluated."""
    if value is None:
        out.chars.extend(placeholder.chars)
        out.pos.extend(placeholder.pos)
        out.probs.extend(placeholder.probs)
        return False
    if value.path != out.path:
        value = value.moved(position, out.path)
    out.chars.extend(value.chars)
    out.pos.extend(value.pos)
    out.probs.extend(value.probs)
    out.raw = out.raw and value.raw
    out.complete = out.complete and value.complete
    return True


def _slice(t: _Text, a: int, b: int) -> _Text:
    return _Text(t.chars[a:b], t.pos[a:b], t.probs[a:b], t.raw, t.path)


def _format(template: _Text, named: dict, positional: list) -> _Text | None:
    """str.format with positions; unknown fields stay as written and mark the result incomplete."""
    text = template.text
    out = _Text([], [], [], template.raw, template.path, template.complete)
    i, n = 0, len(text)
    auto = 0
    while i < n:
        ch = text[i]
        if ch in "{}" and text.startswith(ch * 2, i):
            out.chars.append(ch)
            out.pos.append(template.pos[i])
            out.probs.append(template.probs[i])
            i += 2
            continue
        if ch == "}":
            return None  # "Single '}' encountered": Python raises
        if ch != "{":
            out.chars.append(ch)
            out.pos.append(template.pos[i])
            out.probs.append(template.probs[i])
            i += 1
            continue
        depth, j = 1, i + 1
        while j < n and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        if depth:
            return None  # "expected '}' before end of string"
        body = text[i + 1:j - 1]
        m = re.fullmatch(r"([^!:.\[]*)((?:\.[A-Za-z_]\w*|\[[^\]]*\])*)(?:!([rsa]))?(?::(.*))?", body, re.S)
        value: _Text | None = None
        if m is not None and not m.group(2) and m.group(3) in (None, "s") and not m.group(4):
            name = m.group(1)
            if name == "":
                value = positional[auto] if auto < len(positional) else None
                auto += 1
            elif name.isdigit():
                index = int(name)
                value = positional[index] if index < len(positional) else None
            else:
                value = named.get(name)
        if not _splice(out, value, template.pos[i], _slice(template, i, j)):
            out.complete = False
        i = j
    return out


def _percent(template: _Text, named: dict | None, positional: list | None) -> _Text | None:
    text = template.text
    out = _Text([], [], [], template.raw, template.path, template.complete)
    i, n, index = 0, len(text), 0
    while i < n:
        ch = text[i]
        if ch != "%":
            out.chars.append(ch)
            out.pos.append(template.pos[i])
            out.probs.append(template.probs[i])
            i += 1
            continue
        if text.startswith("%%", i):
            out.chars.append("%")
            out.pos.append(template.pos[i])
            out.probs.append(template.probs[i])
            i += 2
            continue
        m = re.compile(r"%(?:\(([^)]*)\))?s").match(text, i)
        if m is None:
            return None  # conversions other than %s are not evaluated
        if m.group(1) is not None:
            value = named.get(m.group(1)) if named is not None else None
        else:
            value = positional[index] if positional is not None and index < len(positional) else None
            index += 1
        if not _splice(out, value, template.pos[i], _slice(template, i, m.end())):
            out.complete = False
        i = m.end()
    return out


# --------------------------------------------------------------------------- entry points


def _find_toplevel(module, node: cst.CSTNode) -> cst.CSTNode | None:
    from doccheck.parse import statement_containing

    top = module.toplevel_of.get(id(node))
    if top is not None:
        return top
    # docstring-bearing definitions live in statement bodies, never inside expressions
    return statement_containing(module.tree.body, node, skip=(cst.BaseExpression, cst.Decorator, cst.Parameters))


def _body_statements(node: cst.ClassDef | cst.FunctionDef) -> list[cst.BaseSmallStatement]:
    """The body as a list of small statements / compound statements, in order."""
    body = node.body
    if isinstance(body, cst.SimpleStatementSuite):
        return list(body.body)
    return list(body.body)


def _first_expression(node: cst.ClassDef | cst.FunctionDef) -> cst.BaseExpression | None:
    statements = _body_statements(node)
    if not statements:
        return None
    first = statements[0]
    if isinstance(first, cst.SimpleStatementLine):
        first = first.body[0] if first.body else None
    if isinstance(first, cst.Expr) and isinstance(first.value, (cst.SimpleString, cst.ConcatenatedString)):
        return first.value
    return None


def _literal_docstring(project, module, node, toplevel) -> DocString | None:
    expr = _first_expression(node)
    if expr is None:
        return None
    text = _Evaluator(project, module, toplevel).string(expr)
    return _finish(text, module.path)


def class_docstring(project, module, cls: cst.ClassDef) -> DocString | None:
    """The class's ``__doc__`` as written: the docstring, or the last ``__doc__ = …`` in its body."""
    try:
        toplevel = _find_toplevel(module, cls) or cls
        evaluator = _Evaluator(project, module, toplevel)
        current: _Text | None = None
        first = _first_expression(cls)
        if first is not None:
            current = evaluator.string(first)
        for stmt in _body_statements(cls):
            smalls = stmt.body if isinstance(stmt, cst.SimpleStatementLine) else [stmt]
            for small in smalls:
                if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Name) and t.target.value == "__doc__" for t in small.targets):
                    current = evaluator.string(small.value)
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) \
                        and small.target.value == "__doc__" and small.value is not None:
                    current = evaluator.string(small.value)
                elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name) \
                        and small.target.value == "__doc__" and isinstance(small.operator, cst.AddAssign):
                    extra = evaluator.string(small.value)
                    if current is not None and extra is not None:
                        current = current + extra
                    elif current is not None:
                        current.complete = False
        return _finish(current, module.path)
    except Exception:
        return None


def function_docstring(project, module, func: cst.FunctionDef, toplevel: cst.CSTNode | None = None
                       ) -> DocString | None:
    """The function's docstring (first statement literal), or None."""
    try:
        top = toplevel if toplevel is not None else (_find_toplevel(module, func) or func)
        return _literal_docstring(project, module, func, top)
    except Exception:
        return None


def _debug_positions(doc: DocString, module_text: str) -> Any:  # pragma: no cover - a development aid
    """Characters whose recorded position does not hold that character in the file."""
    lines = module_text.splitlines()
    bad = []
    for index, (ch, (line, column)) in enumerate(zip(doc.text, doc.offsets)):
        try:
            written = lines[line - 1][column - 1]
        except IndexError:
            written = None
        if ch == "\n" and 0 < line <= len(lines) and column == len(lines[line - 1]) + 1:
            continue
        if written != ch:
            bad.append((index, ch, written, line, column))
    return bad
