"""Argument and attribute entries, documented defaults and shapes, read straight from docstring text.

No napoleon, no docutils: the structure the argument rules need is visible
in the raw text, and a regex pass costs microseconds where a reST parse costs
milliseconds.  What is recognised:

* Google-style sections as napoleon reads them: a line ``Args:`` (also
  ``Arguments:``, ``Parameters:``, ``Keyword args:``, ``Keyword arguments:``,
  ``Other parameters:``; any case) followed by lines indented deeper.  An
  entry starts at the indentation of the first entry: ``name (type): text``,
  ``name: text``, ``a, b: text``, ``*args: text``; deeper lines continue it.
  ``Attributes:`` sections the same way (``weight_ih_l[k]: …`` allowed).
* numpy-style sections: ``Parameters`` / ``Attributes`` underlined with
  dashes, entries ``name : type`` with the description indented below.
* reST fields: ``:param name:``, ``:param type name:``, ``:arg:``,
  ``:keyword:``, ``:kwarg:``; ``:ivar name:`` / ``:var name:`` as attributes.

Every entry keeps the offsets (into `DocString.text`) of its names and of its
description, so findings point at the exact place in the file.

`defaults_in` finds "Default: ``True``", "Default 2", "Defaults to 1e-5",
"(default: 1)", "default=0", "Default value is …" in a description and reads
the value; `shapes_in` finds "of shape …" phrases.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

__all__ = [
    "ARG_SECTION_HINT",
    "DocDefault",
    "DocValue",
    "Entry",
    "Sections",
    "ShapeText",
    "defaults_in",
    "has_arg_section",
    "read_sections",
    "read_value",
    "same_value",
    "shapes_in",
]

ARG_HEADERS = {"args", "arguments", "parameters", "params", "keyword args", "keyword arguments",
               "other parameters"}
ATTRIBUTE_HEADERS = {"attributes"}
# every header napoleon knows (a section of any of these ends the previous one)
_NAPOLEON_HEADERS = ARG_HEADERS | ATTRIBUTE_HEADERS | {
    "attention", "caution", "danger", "error", "example", "examples", "hint", "important", "methods", "note",
    "notes", "receive", "receives", "return", "returns", "raise", "raises", "references", "see also", "tip",
    "todo", "warning", "warnings", "warn", "warns", "yield", "yields"}
_NUMPY_ARG_HEADERS = {"parameters", "other parameters", "keyword arguments", "keyword args"}

_HEADER = re.compile(r"^(?P<indent>[ \t]*)(?P<name>[A-Za-z][A-Za-z ]*?)[ \t]*:[ \t]*$")
_DASHES = re.compile(r"^[ \t]*-{3,}[ \t]*$")
_FIELD = re.compile(
    r"^(?P<indent>[ \t]*):(?P<kind>param|parameter|arg|argument|key|keyword|kwarg|kwparam|ivar|var|cvar)"
    r"(?:[ \t]+(?P<spec>[^:\n]*?))?[ \t]*:(?=\s|$)")
_NAME = r"\*{0,2}[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]\s]*\])?"
_NAMES = re.compile(rf"(?P<q>`{{0,2}})(?P<first>{_NAME})(?P=q)(?P<more>(?:[ \t]*,[ \t]*`{{0,2}}{_NAME}`{{0,2}})*)")

# cheap test on a class's or function's text: could it hold an argument section at all?
ARG_SECTION_HINT = re.compile(  # no IGNORECASE: three times faster over a large file
    r"^[ \t]*(?:(?:[Aa]rgs|[Aa]rguments|[Pp]arameters|[Pp]arams|[Kk]eyword [Aa]rg(?:ument)?s|[Oo]ther [Pp]arameters"
    r"|ARGS|ARGUMENTS|PARAMETERS)[ \t]*:?[ \t]*$|:(?:param|parameter|arg|argument|key|keyword|kwarg)\b)", re.MULTILINE)


@dataclass
class Entry:
    """One documented argument or attribute."""

    names: tuple[str, ...]  # as written, stars and indexes kept: ("*args",), ("weight_ih_l[k]",)
    name_offsets: tuple[int, ...]
    type: str  # the "(type)" part, "" when absent
    start: int  # description: [start, end) in the docstring text
    end: int
    section: str  # "args" or "attributes"
    description: str = ""
    type_start: int = -1  # offset of `type` in the docstring text (-1: no type written)

    @property
    def bare_names(self) -> tuple[str, ...]:
        return tuple(n.lstrip("*") for n in self.names)


@dataclass
class Sections:
    args: list[Entry] = field(default_factory=list)
    attributes: list[Entry] = field(default_factory=list)
    arg_sections: list[tuple[int, int, int]] = field(default_factory=list)  # (header offset, start, end)
    loose: list[tuple[int, int]] = field(default_factory=list)  # lines of an args section that are no entry

    @property
    def has_args(self) -> bool:
        return bool(self.arg_sections)

    def arg_names(self) -> set[str]:
        return {n for e in self.args for n in e.bare_names}

    def mentioned(self, text: str, name: str) -> bool:
        """Whether `name` occurs as a word in an args-section line that is not a parsed entry."""
        pattern = re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")
        return any(pattern.search(text, a, b) for a, b in self.loose)


def has_arg_section(text: str) -> bool:
    return ARG_SECTION_HINT.search(text) is not None


# --------------------------------------------------------------------------- sections


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    start = 0
    for line in text.split("\n"):
        out.append((start, line))
        start += len(line) + 1
    return out


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _entry_head(line: str, offset: int, indent: int):
    """(names, name offsets, type, description offset) for ``name (type): text``; None otherwise."""
    m = _NAMES.match(line, indent)
    if m is None:
        return None
    pos = m.end()
    names_text = line[indent:pos]
    type_start = -1
    names, offsets = [], []
    for n in re.finditer(_NAME, names_text):
        names.append(n.group())
        offsets.append(offset + indent + n.start())
    while pos < len(line) and line[pos] in " \t":
        pos += 1
    type_text = ""
    if pos < len(line) and line[pos] == "(":
        depth, j = 0, pos
        while j < len(line):
            if line[j] == "(":
                depth += 1
            elif line[j] == ")":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if depth:
            return None
        type_text = line[pos + 1:j].strip()
        type_start = offset + pos + 1 + (len(line[pos + 1:j]) - len(line[pos + 1:j].lstrip()))
        pos = j + 1
        while pos < len(line) and line[pos] in " \t":
            pos += 1
    if pos >= len(line) or line[pos] != ":" or line.startswith("::", pos):
        return None
    pos += 1
    if pos < len(line) and not line[pos].isspace():
        return None  # "name:value" (a role, a URL) is not an entry
    while pos < len(line) and line[pos] in " \t":
        pos += 1
    return tuple(names), tuple(offsets), type_text, offset + pos, type_start


def _numpy_head(line: str, offset: int, indent: int):
    """``name : type`` (numpy style); the description is on the following, deeper lines."""
    m = re.match(rf"(?P<names>{_NAME}(?:[ \t]*,[ \t]*{_NAME})*)[ \t]*(?::[ \t]*(?P<type>.*))?$", line[indent:])
    if m is None:
        return None
    names, offsets = [], []
    for n in re.finditer(_NAME, m.group("names")):
        names.append(n.group())
        offsets.append(offset + indent + n.start())
    return tuple(names), tuple(offsets), (m.group("type") or "").strip(), offset + len(line), -1


def read_sections(text: str) -> Sections:
    """Argument and attribute entries of a docstring (Google, numpy and reST field styles)."""
    result = Sections()
    lines = _lines(text)
    n = len(lines)
    i = 0
    while i < n:
        offset, line = lines[i]
        field_match = _FIELD.match(line)
        if field_match is not None:
            i = _read_field(lines, i, field_match, result)
            continue
        header = _HEADER.match(line)
        numpy = False
        name = None
        if header is not None and header.group("name").strip().lower() in _NAPOLEON_HEADERS:
            name = header.group("name").strip().lower()
        elif i + 1 < n and _DASHES.match(lines[i + 1][1]) and line.strip().lower() in (
                _NUMPY_ARG_HEADERS | ATTRIBUTE_HEADERS):
            name = line.strip().lower()
            numpy = True
        if name is None or name not in (ARG_HEADERS | ATTRIBUTE_HEADERS):
            i += 1
            continue
        kind = "args" if name in ARG_HEADERS else "attributes"
        base = _indent(line)
        j = i + (2 if numpy else 1)
        # napoleon's section indent: that of the first line after the header; the section ends at the first
        # line indented less (so a ` Attributes:` one space deeper than `Args:` is not part of Args)
        section_indent = next((_indent(ln) for _, ln in lines[j:] if ln.strip()), 0)
        body: list[tuple[int, str]] = []
        while j < n:
            o, ln = lines[j]
            if ln.strip():
                if numpy:
                    if _indent(ln) < base or (j + 1 < n and _DASHES.match(lines[j + 1][1])):
                        break
                elif _indent(ln) <= base or _indent(ln) < section_indent:
                    break
                elif _nested_header(lines, j):
                    break
            body.append((o, ln))
            j += 1
        while body and not body[-1][1].strip():
            body.pop()
        if kind == "args":
            end = body[-1][0] + len(body[-1][1]) if body else offset + len(line)
            result.arg_sections.append((offset + _indent(line), offset, end))
        _read_entries(body, kind, numpy, result, text)
        i = j
    if not result.arg_sections:
        _headerless_entries(lines, result, text)
    return result


_HF_TYPE = re.compile(r"`[^`\n]+`")  # Hugging Face writes the type in backticks: (`float`, *optional*, ...)


def _headerless_entries(lines: list[tuple[int, str]], result: Sections, text: str) -> None:
    """Hugging Face's configs list their arguments without an ``Args:`` header: a docstring whose first line
    is an entry with a backticked type (``eps (`float`, *optional*, defaults to 1e-5):``) is an argument list
    down to the first line indented less or a section header at its indent."""
    first = next((k for k, (_, ln) in enumerate(lines) if ln.strip()), None)
    if first is None:
        return
    offset, line = lines[first]
    base = _indent(line)
    head = _entry_head(line, offset, base)
    if head is None or not _HF_TYPE.search(head[2]):
        return
    body: list[tuple[int, str]] = []
    for o, ln in lines[first:]:
        if ln.strip():
            header = _HEADER.match(ln)
            if _indent(ln) < base or (_indent(ln) == base and header is not None
                                      and header.group("name").strip().lower() in _NAPOLEON_HEADERS):
                break
        body.append((o, ln))
    while body and not body[-1][1].strip():
        body.pop()
    result.arg_sections.append((offset + base, offset, body[-1][0] + len(body[-1][1])))
    _read_entries(body, "args", False, result, text)


def _nested_header(lines: list[tuple[int, str]], j: int) -> bool:
    """A capitalised section header (``Returns:``, ``Raises:``) indented into an argument section, with a
    deeper line after it: a section the author indented by mistake, not an argument named ``Returns``.
    (Argument names are lower case, so ``returns:`` and ``note:`` stay entries.)"""
    header = _HEADER.match(lines[j][1])
    if header is None:
        return False
    name = header.group("name").strip()
    if name.lower() not in _NAPOLEON_HEADERS or not name[0].isupper():
        return False
    after = next((ln for _, ln in lines[j + 1:] if ln.strip()), None)
    return after is not None and _indent(after) > _indent(lines[j][1])


def _read_entries(body: list[tuple[int, str]], kind: str, numpy: bool, result: Sections, text: str) -> None:
    content = [(o, ln) for o, ln in body if ln.strip()]
    if not content:
        return
    entry_indent = min(_indent(ln) for _, ln in content) if numpy else _indent(content[0][1])
    entries = result.args if kind == "args" else result.attributes
    current: Entry | None = None
    for o, ln in body:
        if not ln.strip():
            continue
        ind = _indent(ln)
        if ind <= entry_indent:
            head = _numpy_head(ln, o, ind) if numpy else _entry_head(ln, o, ind)
            if current is not None:
                _close(current, text)
                current = None
            if head is None:
                if kind == "args":
                    result.loose.append((o, o + len(ln)))
                continue
            names, offsets, type_text, desc, type_start = head
            if len(names) == 1 and names[0].lower() in _NAPOLEON_HEADERS and not names[0].islower():
                # "NOTE: …" / "Warning: …" at the entries' indent: a remark, not an argument named NOTE
                if kind == "args":
                    result.loose.append((o, o + len(ln)))
                continue
            current = Entry(names, offsets, type_text, desc, o + len(ln), kind, type_start=type_start)
            entries.append(current)
        elif current is not None:
            current.end = o + len(ln)
        elif kind == "args":
            result.loose.append((o, o + len(ln)))
    if current is not None:
        _close(current, text)


def _close(entry: Entry, text: str) -> None:
    entry.start = min(entry.start, entry.end)  # numpy: the description starts on the next line
    entry.description = text[entry.start:entry.end]


def _read_field(lines, i: int, m: re.Match, result: Sections) -> int:
    offset, line = lines[i]
    kind = m.group("kind")
    spec = (m.group("spec") or "").strip()
    base = _indent(line)
    j = i + 1
    end = offset + len(line)
    while j < len(lines) and (not lines[j][1].strip() or _indent(lines[j][1]) > base):
        if lines[j][1].strip():
            end = lines[j][0] + len(lines[j][1])
        j += 1
    name_match = re.search(rf"({_NAME})$", spec)
    target = "attributes" if kind in ("ivar", "var", "cvar") else "args"
    if kind not in ("ivar", "var", "cvar"):
        # a field list is an argument "section" as far as DC302 is concerned
        result.arg_sections.append((offset + base, offset, end))
    if name_match is None:
        return j
    name = name_match.group(1)
    name_offset = offset + line.index(spec) + name_match.start(1)
    type_text = spec[:name_match.start(1)].strip()
    start = offset + m.end()
    while start < offset + len(line) and lines[i][1][start - offset] in " \t":
        start += 1
    entry = Entry((name,), (name_offset,), type_text, start, end, target)
    entry.description = "\n".join(ln for _, ln in lines[i:j])[m.end():]
    (result.attributes if target == "attributes" else result.args).append(entry)
    return j


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class DocValue:
    """A value as documented or as written in a signature.

    kind: num (value: Fraction, or float inf/-inf) · bool · none · str · word (a bare identifier such
    as ``relu``: a string or a name) · tuple (value: tuple of DocValue) · ref (another argument,
    ``:attr:`kernel_size```) · expr (code that is no literal; value: its source).
    """

    kind: str
    value: object = None
    text: str = field(default="", compare=False)  # as written: "1.33" and "1.330" are one value

    def show(self) -> str:
        if self.kind == "num":
            v = self.value
            if isinstance(v, float):
                return "inf" if v > 0 else "-inf"
            return str(v.numerator) if v.denominator == 1 else _decimal(v)
        if self.kind == "bool":
            return "True" if self.value else "False"
        if self.kind == "none":
            return "None"
        if self.kind == "str":
            return repr(self.value)
        if self.kind == "tuple":
            inner = ", ".join(v.show() for v in self.value)
            return f"({inner},)" if len(self.value) == 1 else f"({inner})"
        return str(self.value)


def _decimal(v: Fraction) -> str:
    f = float(v)
    return repr(f) if Fraction(repr(f)) == v else f"{v.numerator}/{v.denominator}"


@dataclass(frozen=True)
class DocDefault:
    value: DocValue
    offset: int  # of the value in the docstring text
    phrase_offset: int  # of the word "Default"
    text: str  # the value as written


_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_NUM_RE = re.compile(rf"{_NUM}$")
_NUM_AT = re.compile(_NUM)
_DEFAULT = re.compile(
    r"(?P<open>\(\s*)?\b(?P<word>[Dd]efaults?|DEFAULT)\b"
    r"(?P<sep>\s*(?:value\s+)?(?:is|are|to|of)\s+|\s*(?:value\s*)?[:=](?![A-Za-z][\w:.+-]*:`)\s*"
    r"|\s+(?=[`'\":\d.+-]))")
_ROLE = re.compile(r":(?P<role>[A-Za-z][\w:.+-]*):`(?P<body>[^`]*)`")
_STOP = re.compile(r"\s+(?:or|and)\s+(?=[-+\d`'\":(\[])|\s+(?:or|for|if|when|unless|to|in|on|x|times|per|through|until)\b"
                   r"|\s*[-\u2013]\s*\d"
                   r"|\s*[*/^]|\s*,\s*[-+\d(\[`'\"]|\s*\.\.\s*\d|\s*\.\.\.|\s*%", re.IGNORECASE)


# the thing a default phrase is about, written right before it: "`mrope_section` defaults to …",
# ":attr:`eps`'s default is …"
_SUBJECT = re.compile(r"(?:``(?P<a>[\w.]+)``|`(?P<b>[\w.]+)`|:[\w:.+-]+:`~?(?P<c>[\w.]+)`)(?:'s)?\s*(?:is\s+|has\s+)?"
                      r"(?:(?:the|a|its)\s+)?\Z")
# after a bare word, what lets it read as a value: the end, punctuation, or an explanation in parentheses
_AFTER_WORD = re.compile(r"\s*(?:$|[.,;:)\]]|\s*\()")


def defaults_in(description: str, base: int = 0, names: tuple[str, ...] = ()) -> list[DocDefault]:
    """Every readable default phrase in one entry's description; offsets are `base` + index.

    `names`: the entry's own names.  A phrase about another name ("`mrope_section` defaults to (8, 12, 12)"
    inside the entry of `rope_type`) is not this entry's default; a bare word is a value only when it reads
    as one ("Default: relu." but not "Default: hyperbolic tangent", "the default is actually "THWC"").
    """
    out = []
    for m in _DEFAULT.finditer(description):
        subject = _SUBJECT.search(description, max(0, m.start() - 80), m.start())
        if subject is not None:
            named = (subject.group("a") or subject.group("b") or subject.group("c")).rsplit(".", 1)[-1]
            if named not in names:
                continue
        if m.group("word").lower() == "defaults" and "to" not in m.group("sep"):
            continue
        if m.group("sep").strip() == "" and not (m.group("word")[0].isupper() or m.group("open")):
            continue  # "adds to default ''": only "Default ``2``" and "(default ``'mean'``)" omit the colon
        if m.group("word").lower() == "default" and re.match(r"\s*(?:value\s+)?(?:to|of)\b", m.group("sep")) \
                and not re.search(r"value", m.group("sep")):
            continue  # "default to" is not English; "default of" rarely a value
        start = m.end()
        value, end = read_value(description, start)
        if value is None:
            continue
        rest = description[end:]
        if value.kind == "word" and description[start:start + 1].isalpha() and not _AFTER_WORD.match(rest):
            continue  # "hyperbolic tangent", "actually "THWC"": words of a sentence, not a value
        if _STOP.match(rest):
            continue  # "Default: 1 for 2D inputs", "Default: 0 or 1", "Default: 2*n" — not one value
        if m.group("open") and not re.match(r"\s*\)", rest):
            continue  # "(default: 1 unless …)"
        out.append(DocDefault(value, base + start, base + m.start("word"), description[start:end]))
    return out


_LITERAL = re.compile(r"``(?P<body>[^`]+?)``(?!`)")
_SINGLE = re.compile(r"`(?P<body>[^`]+?)`(?!`)")
_QUOTED = re.compile(r"(?P<q>['\"])(?P<body>[^'\"\n]*)(?P=q)")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_TUPLE = re.compile(r"[(\[][^()\[\]\n]*[)\]]")


def read_value(text: str, start: int) -> tuple[DocValue | None, int]:
    """The documented value at `start` and where it ends; (None, start) when nothing readable is there."""
    m = _LITERAL.match(text, start)
    if m is not None:
        return _python_value(m.group("body")), m.end()
    m = _ROLE.match(text, start)
    if m is not None:
        role, body = m.group("role"), m.group("body").strip()
        if role == "math":
            return _math_value(body), m.end()
        if role in ("attr", "paramref", "py:attr"):
            return DocValue("ref", body.lstrip("~"), body), m.end()
        if role in ("obj", "const", "data", "py:obj", "py:const", "py:data", "class", "code", "literal"):
            return _python_value(body), m.end()
        return None, start
    m = _SINGLE.match(text, start)
    if m is not None:
        return _python_value(m.group("body")), m.end()
    m = _QUOTED.match(text, start)
    if m is not None:
        return DocValue("str", m.group("body"), m.group()), m.end()
    m = _NUM_AT.match(text, start)
    if m is not None:
        after = text[m.end():m.end() + 2]
        if not after or not (after[0].isalnum() or after[0] in "_.") or re.match(r"\.(?:\s|$)", after):
            return _python_value(m.group().rstrip(".") or m.group()), m.end()
        return None, start
    m = _TUPLE.match(text, start)
    if m is not None:
        value = _python_value(m.group())
        return (value, m.end()) if value is not None and value.kind == "tuple" else (None, start)
    m = _WORD.match(text, start)
    if m is not None:
        word = m.group()
        if word in ("True", "False", "None", "inf"):
            return _python_value(word), m.end()
        if "." not in word and re.match(r"[a-z_][a-z0-9_]*$", word) and word not in _ENGLISH:
            return DocValue("word", word, word), m.end()
    return None, start


_ENGLISH = {"the", "a", "an", "is", "it", "this", "that", "none", "same", "as", "no", "not", "all", "each", "every",
            "behavior", "behaviour", "value", "values", "setting", "settings", "mode", "uses", "used", "use", "we",
            "true", "false", "zero", "one", "two", "three", "disabled", "enabled", "off", "on", "be", "will",
            "equal", "equals", "computed", "set", "given", "based", "in", "of", "to", "for", "by", "when", "if",
            "only", "also", "unlimited", "infinite", "inferred", "automatically", "determined", "chosen", "empty",
            "ones", "zeros", "identity", "torch", "global", "current", "default", "unset", "unspecified", "auto"}


def _python_value(source: str) -> DocValue | None:
    """A documented literal: ``True``, ``1e-5``, ``'zeros'``, ``(1, 1)``, ``None``, ``float('inf')``."""
    import ast

    text = source.strip()
    if not text:
        return None
    if text in ("inf", "math.inf", "float('inf')", 'float("inf")', "torch.inf", "\u221e"):
        return DocValue("num", math.inf, source)
    if text in ("-inf", "-math.inf", "-float('inf')", '-float("inf")', "-torch.inf", "-\u221e"):
        return DocValue("num", -math.inf, source)
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    value = _literal(node, text)
    if value is None and isinstance(node, ast.Name):
        return DocValue("word", node.id, text)
    return value


def code_value(node) -> DocValue:
    """A signature default (a Python ``ast`` node) as a DocValue; kind "expr" when it is no literal."""
    import ast

    value = _literal(node, "")
    if value is not None:
        return value
    try:
        source = ast.unparse(node)
    except Exception:  # pragma: no cover - ast.unparse handles every expression
        source = "?"
    return DocValue("expr", source, source)


def _has_float(node) -> bool:
    import ast

    return any(isinstance(n, ast.Constant) and isinstance(n.value, float) for n in ast.walk(node))


def _rounded(doc: DocValue, code: DocValue) -> bool:
    """A documented decimal that is the code's number rounded to the digits written ("1.33" for 4.0 / 3)."""
    written = re.fullmatch(r"[-+]?\d*\.(\d{2,})", doc.text.strip().strip("`'\""))
    if written is None or isinstance(doc.value, float) or isinstance(code.value, float):
        return False
    digits = len(written.group(1))
    scale = Fraction(10) ** digits
    return code.value * scale != int(code.value * scale) and abs(code.value - doc.value) <= Fraction(1, 2) / scale


def _literal(node, text: str) -> DocValue | None:
    import ast

    if isinstance(node, ast.Constant):
        v = node.value
        if v is None:
            return DocValue("none", None, text)
        if isinstance(v, bool):
            return DocValue("bool", v, text)
        if isinstance(v, int):
            return DocValue("num", Fraction(v), text)
        if isinstance(v, float):
            return DocValue("num", v if math.isinf(v) else Fraction(repr(v)), text) if not math.isnan(v) else None
        if isinstance(v, str):
            return DocValue("str", v, text)
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _literal(node.operand, text)
        if inner is None or inner.kind != "num":
            return None
        return DocValue("num", -inner.value if isinstance(node.op, ast.USub) else inner.value, text)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        left, right = _literal(node.left, ""), _literal(node.right, "")
        if left is None or right is None or left.kind != "num" or right.kind != "num" \
                or isinstance(left.value, float) or isinstance(right.value, float):
            return None
        a, b = left.value, right.value
        if isinstance(node.op, ast.Div) and b == 0:
            return None
        exact = a / b if isinstance(node.op, ast.Div) else a + b if isinstance(node.op, ast.Add) \
            else a - b if isinstance(node.op, ast.Sub) else a * b
        if _has_float(node):
            # ``1.0 / 3.0`` is the float Python computes (0.3333333333333333), not the fraction 1/3
            return DocValue("num", Fraction(repr(float(exact))), text)
        return DocValue("num", exact, text)
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [_literal(e, (ast.get_source_segment(text, e) or "") if text else "") for e in node.elts]
        if any(i is None for i in items):
            return None
        return DocValue("tuple", tuple(items), text)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float" \
            and len(node.args) == 1 and not node.keywords and isinstance(node.args[0], ast.Constant) \
            and isinstance(node.args[0].value, str):
        try:
            f = float(node.args[0].value)
        except ValueError:
            return None
        return DocValue("num", f if math.isinf(f) else Fraction(repr(f)), text) if not math.isnan(f) else None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("math", "torch") \
            and node.attr == "inf":
        return DocValue("num", math.inf, text)
    return None


_MATH_NUMBER = re.compile(rf"^(?P<num>{_NUM})$")
_MATH_FRAC = re.compile(r"^(?P<sign>-?)\\[dt]?frac\{(?P<a>[^{}]+)\}\{(?P<b>[^{}]+)\}$|^(?P<sign2>-?)\\[dt]?frac(?P<a2>\d)(?P<b2>\d)$")
_MATH_POWER = re.compile(rf"^(?:(?P<m>{_NUM})\s*(?:\\times|\\cdot|\*)\s*)?10\s*\^\s*\{{?\s*(?P<e>[-+]?\d+)\s*\}}?$")


def _math_value(body: str) -> DocValue | None:
    """Numbers as documented in ``:math:``: ``1``, ``-1``, ``1e-5``, ``10^{-5}``, ``\\frac{1}{3}``, ``\\infty``."""
    text = body.strip().replace("{,}", "").replace("\\,", "").replace("\\!", "")
    text = re.sub(r"^\{(.*)\}$", r"\1", text).strip()
    if text in ("\\infty", "+\\infty"):
        return DocValue("num", math.inf, body)
    if text == "-\\infty":
        return DocValue("num", -math.inf, body)
    if text in ("\\text{True}", "\\text{False}", "\\text{None}", "\\mathrm{True}", "\\mathrm{False}"):
        return _python_value(text[text.index("{") + 1:-1])
    m = _MATH_NUMBER.match(text)
    if m is not None:
        return _python_value(m.group("num"))
    m = _MATH_FRAC.match(text)
    if m is not None:
        a = m.group("a") or m.group("a2")
        b = m.group("b") or m.group("b2")
        sign = -1 if (m.group("sign") or m.group("sign2")) else 1
        if _NUM_RE.match(a.strip()) and _NUM_RE.match(b.strip()) and Fraction(b.strip()) != 0:
            return DocValue("num", sign * Fraction(a.strip()) / Fraction(b.strip()), body)
        return None
    m = _MATH_POWER.match(text)
    if m is not None:
        mant = Fraction(m.group("m")) if m.group("m") else Fraction(1)
        exp = int(m.group("e"))
        if abs(exp) > 400:
            return None
        return DocValue("num", mant * Fraction(10) ** exp, body)
    return None


def same_value(doc: DocValue, code: DocValue) -> bool | None:
    """True/False when the documented and the code value provably agree/differ; None when undecidable."""
    if doc.kind in ("ref", "expr") or code.kind in ("ref",):
        return None
    if code.kind == "expr":
        # "Default: relu" for ``activation=F.relu``: the documented name of the default callable
        if doc.kind in ("word", "str") and (str(doc.value) == code.value or (
                re.fullmatch(r"[A-Za-z_][\w.]*", code.value) and code.value.rsplit(".", 1)[-1] == doc.value)):
            return True
        return None
    if doc.kind == "word":
        if code.kind == "str":
            return doc.value == code.value
        return None  # a bare word against a number/bool: not a value we can read
    if doc.kind == "num" and code.kind == "str" and not doc.text.startswith(("'", '"', "`")) \
            and code.value == doc.text:
        # "(`str`, *optional*, defaults to 1)" for ``eos_token="1"``: a bare 1 written without quotes may be the
        # string; undecided, never a mismatch
        return None
    if doc.kind == "str" and code.kind in ("bool", "none") and doc.value in ("True", "False", "None"):
        # "default is 'True'": prose quotes around the constant, not the string "True"
        return doc.value == code.show()
    if doc.kind in ("str", "num") and code.kind == "tuple" and len(code.value) == 1 \
            and same_value(doc, code.value[0]) is True:
        return None  # "Default is 'skip_quant'" for ["skip_quant"]: one pattern or a list of them
    if doc.kind == "tuple" and code.kind == "tuple":
        if len(doc.value) != len(code.value):
            return False
        results = [same_value(a, b) for a, b in zip(doc.value, code.value)]
        if any(r is False for r in results):
            return False
        return True if all(r is True for r in results) else None
    if doc.kind == "num" and code.kind == "tuple" and code.value:
        # "Default: 1" for ``stride=(1, 1)``: the scalar form of a uniform tuple
        results = [same_value(doc, b) for b in code.value]
        if any(r is False for r in results):
            return False
        return True if all(r is True for r in results) else None
    if doc.kind == "tuple" and code.kind == "num" and doc.value:
        if len(doc.value) == 2 and all(v.kind == "num" for v in doc.value) and doc.value[1].value == code.value \
                and doc.value[0].value in (0, -code.value):
            return None  # "Defaults to `(0, 1)`" for factor=1.0: the range a scalar stands for (Keras' factors)
        results = [same_value(a, code) for a in doc.value]
        if any(r is False for r in results):
            return False
        return True if all(r is True for r in results) else None
    if {doc.kind, code.kind} == {"bool", "num"}:
        # "Default value is 0 (False)": Python's own bool/int equality, not a discrepancy worth a finding
        number = doc.value if doc.kind == "num" else code.value
        flag = doc.value if doc.kind == "bool" else code.value
        return number == int(flag) if not isinstance(number, float) else False
    if doc.kind != code.kind:
        return False
    if doc.kind == "none":
        return True
    if doc.kind == "num":
        a, b = doc.value, code.value
        if isinstance(a, float) or isinstance(b, float):
            return a == b
        if a != b and float(a) == float(b):
            return True  # "1/3" for ``1.0 / 3``: the same number as Python's float holds it
        if a != b and _rounded(doc, code):
            return None
        return a == b
    return doc.value == code.value


# --------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class ShapeText:
    text: str  # the shape as written: a LaTeX body (math=True) or plain text such as "(out, in)"
    math: bool
    offset: int  # in the docstring text


_SHAPE_PHRASE = re.compile(r"\b(?:of\s+)?shape\s*(?::\s*)?(?=[:(`\[])", re.IGNORECASE)


def shapes_in(description: str, base: int = 0) -> list[ShapeText]:
    """The shapes stated by "of shape …" phrases in one description."""
    out = []
    for m in _SHAPE_PHRASE.finditer(description):
        start = m.end()
        role = _ROLE.match(description, start)
        if role is not None:
            if role.group("role") == "math":
                out.append(ShapeText(role.group("body"), True, base + role.start("body")))
            continue
        lit = _LITERAL.match(description, start) or _SINGLE.match(description, start)
        if lit is not None:
            out.append(ShapeText(lit.group("body"), False, base + lit.start("body")))
            continue
        paren = re.compile(r"\([^()\n]*(?:\([^()\n]*\)[^()\n]*)*\)").match(description, start)
        if paren is not None:
            out.append(ShapeText(paren.group(), False, base + paren.start()))
    return out
