"""Documented initialization claims: what a docstring says a parameter starts as.

A claim is an *init wording* ("initialized from/to/with/as", "sampled from",
"drawn from", "set to", "initialised") directly followed by a value: a
``:math:`` role (a distribution, or a number for "to/as/with/set to"), a
number, ``ones``/``zeros``, or "the standard normal distribution".  Values may
continue with "and <value> (for biases)".

Who the claim is about, in order of preference:

1. a parenthetical right after the value: "ones (for weights)";
2. the nearest subject before the wording in the same sentence: a phrase from
   ``knowledge.subject_phrases`` ("All the weights and biases" -> ``*``) or a
   ``:math:`` symbol from ``knowledge.parameter_symbols`` (``\\gamma`` -> weight);
3. the ``:ivar name:`` field the sentence is in (napoleon's ``Attributes:``);
4. outside fields, the words "weight(s)"/"bias(es)" before the wording.

With none of these the sentence is not about a parameter (an input, a buffer,
a function argument) and yields no claim.

``where k = …`` bindings are searched in the same role, then the same sentence,
paragraph and field (never the whole docstring: ``k`` also names layers);
``knowledge.symbol_aliases`` rename doc symbols to constructor arguments.
When the wording is clearly there but the value cannot be read, the claim is
kept with ``distribution=None`` and an ``error``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from doccheck import limits
from doccheck.docmodel import rst
from doccheck.docmodel.docsource import DocString
from doccheck.model import Claim, Distribution
from doccheck import symbolic

__all__ = ["init_claims", "has_init_wording", "INIT_WORDING"]

# cheap test on the whole docstring: without a match, nothing is parsed
INIT_WORDING = re.compile(
    r"\binitiali[sz]ed|sampled\s+from|drawn\s+from|\bset\s+to\b(?!\s*``(?:True|False|None)``)", re.I)

_TRIGGER = re.compile(
    r"\b(?P<word>initiali[sz]ed|sampled|drawn|set)\s+(?P<prep>from|to|with|as|using|at)\b", re.I)
_ROLE = re.compile(r"(?<![\w`\\]):(?P<name>[A-Za-z][\w.+:-]*?):`(?P<body>[^`]*)`")
_LITERAL = re.compile(r"``(?P<body>[^`]+?)``")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?(?![\w])(?!\.\d)")
_WORD_VALUES = {"ones": 1, "one": 1, "zeros": 0, "zeroes": 0, "zero": 0}
_WORD_VALUE = re.compile(r"(?:all\s+)?(?P<word>ones|one|zeros|zeroes|zero)\b", re.I)
_STANDARD_NORMAL = re.compile(
    r"(?:(?:an?|the)\s+)?(?:unit\s+|standard\s+)(?:normal|gaussian)(?:\s+distribution)?", re.I)
_FILLER = re.compile(
    r"(?:(?:an?|the)\s+)?(?:(?:continuous|random|uniform|normal|gaussian|truncated)\s+)*"
    r"(?:distribution|values?)?\s*(?:,\s*)?", re.I)
_FOR_SUBJECT = re.compile(r"\s*\(\s*(?:for|of)\s+(?:the\s+)?(?P<what>[\w\[\]]+)\s*\)", re.I)
_CONTINUE = re.compile(r"\s*(?:,\s*)?(?:and|or)\s+|\s*,\s*", re.I)
_SCHEME_WORD = re.compile(r"`{0,2}([A-Za-z][\w-]*)`{0,2}")
_BLANKS = re.compile(r"[ \t]+")
_RESPECTIVELY = re.compile(r"\s*,?\s*respectively\b", re.I)
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z]|\s*$)|;(?=\s)")
_ALL_VALUES = re.compile(r"\bthe\s+values\b", re.I)
_GENERIC_SUBJECT = re.compile(r"\b(?P<word>weights?|bias(?:es)?)\b", re.I)
_WHERE = re.compile(r"^\s*(?:\\text\{\s*where\s*\}|\\mathrm\{\s*where\s*\}|where)\s*", re.I)


def has_init_wording(text: str) -> bool:
    """The prefilter: could this docstring state an initialization at all?"""
    return INIT_WORDING.search(text) is not None


# --------------------------------------------------------------------------- text structure


@dataclass
class _Span:
    kind: str  # "role" or "literal"
    start: int
    end: int
    name: str  # role name ("math"), "" for literals
    body: str


@dataclass
class _Paragraph:
    raw: str  # the paragraph as docutils saw it (rawsource)
    field_kind: str | None  # "ivar", "param", … for paragraphs inside a field list entry
    field_name: str | None
    unit: int  # paragraphs of one field body share a unit
    offsets: list[int] | None = None  # raw index -> offset in the docstring text
    spans: list[_Span] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)

    def sentence_of(self, index: int) -> int:
        for n, (a, b) in enumerate(self.sentences):
            if a <= index < b:
                return n
        return len(self.sentences) - 1

    def span_at(self, index: int) -> _Span | None:
        for span in self.spans:
            if span.start <= index < span.end:
                return span
        return None


def _scan(paragraph: _Paragraph) -> None:
    raw = paragraph.raw
    spans: list[_Span] = []
    taken: list[tuple[int, int]] = []
    for m in _LITERAL.finditer(raw):
        spans.append(_Span("literal", m.start(), m.end(), "", m.group("body")))
        taken.append((m.start(), m.end()))
    for m in _ROLE.finditer(raw):
        if any(a <= m.start() < b for a, b in taken):
            continue
        spans.append(_Span("role", m.start(), m.end(), m.group("name"), m.group("body")))
    spans.sort(key=lambda s: s.start)
    paragraph.spans = spans
    sentences = []
    start = 0
    for m in _SENTENCE_END.finditer(raw):
        if any(s.start <= m.start() < s.end for s in spans):
            continue
        sentences.append((start, m.end()))
        start = m.end()
    if start < len(raw) or not sentences:
        sentences.append((start, len(raw)))
    paragraph.sentences = sentences


def _align(raw: str, text: str, start: int) -> tuple[list[int], int] | None:
    """Find `raw` in `text` (whitespace-insensitive) from `start`; map each raw index to a text offset."""
    tokens = raw.split()
    if not tokens:
        return None
    m = re.compile(r"\s+".join(re.escape(t) for t in tokens)).search(text, start)
    if m is None:
        return None
    mapping = []
    i = m.start()
    for ch in raw:
        if ch.isspace():
            mapping.append(min(i, len(text) - 1))
            continue
        while i < len(text) and text[i].isspace():
            i += 1
        mapping.append(i)
        i += 1
    return mapping, m.end()


def _paragraphs_from_doctree(doctree) -> list[_Paragraph]:
    from docutils import nodes

    out: list[_Paragraph] = []
    unit_ids: dict[int, int] = {}
    for node in doctree.findall(nodes.paragraph):
        parent = node.parent
        skip = False
        field_node = None
        while parent is not None:
            if isinstance(parent, (nodes.system_message, nodes.literal_block, nodes.comment)):
                skip = True
                break
            if isinstance(parent, nodes.field) and field_node is None:
                field_node = parent
            parent = parent.parent
        if skip or not node.rawsource:
            continue
        kind = name = None
        if field_node is not None:
            label = field_node[0].astext().strip() if len(field_node) else ""
            kind, _, name = label.partition(" ")
            name = name.strip().replace("\\", "") or None
            key = id(field_node)
        else:
            key = id(node)
        unit = unit_ids.setdefault(key, len(unit_ids))
        out.append(_Paragraph(node.rawsource, kind, name, unit))
    return out


_FIELD_SECTIONS = {
    "args": "param", "arguments": "param", "parameters": "param", "params": "param", "keyword args": "param",
    "keyword arguments": "param", "kwargs": "param", "other parameters": "param", "attributes": "ivar",
}
_TEXT_SECTIONS = {"note", "notes", "warning", "warnings", "returns", "return", "raises", "yields", "see also",
                  "references", "todo", "shape", "shapes", "variables", "inputs", "outputs"}
_SKIP_SECTIONS = {"example", "examples"}
_SECTION_HEADER = re.compile(r"^\s*([A-Za-z][A-Za-z ]*?)\s*:\s*$")
_FIELD_ENTRY = re.compile(r"^(?P<name>\*{0,2}[\w.\[\]*]+(?:\s*\([^)]*\))?)\s*:(?:\s+(?P<rest>.*))?$")
_DIRECTIVE = re.compile(r"^\s*\.\.\s+(?P<name>[\w:-]+)::\s*(?P<arg>.*)$")
_CONTENT_DIRECTIVES = {"note", "warning", "attention", "caution", "danger", "error", "hint", "important", "tip",
                       "admonition", "seealso", "versionadded", "versionchanged", "deprecated", "rubric"}
_BULLET = re.compile(r"^([*+-]|\d+\.|#\.)\s+")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _paragraphs_from_sections(text: str) -> list[_Paragraph]:
    """The paragraphs docutils would find after napoleon, read from the text directly.

    Google sections become fields (``Attributes:`` entries are `ivar` fields named
    after the attribute, ``Args:`` entries `param` fields), admonition content and
    list items become paragraphs, literal and doctest blocks and ``.. math::``
    blocks are skipped.  About 20x faster than napoleon + docutils and enough for
    finding claims; DC001 still asks docutils about the syntax.
    """
    lines = text.split("\n")
    out: list[_Paragraph] = []
    units = [0]

    def emit(block: list[str], kind: str | None, name: str | None, unit: int) -> None:
        raw = "\n".join(line.strip() for line in block).strip()
        if raw:
            out.append(_Paragraph(raw, kind, name, unit))

    def new_unit() -> int:
        units[0] += 1
        return units[0]

    def block_end(start: int, indent: int) -> int:
        """First line after `start` that is non-blank and indented <= indent."""
        j = start
        while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > indent):
            j += 1
        return j

    def generic(i: int, end: int) -> None:
        """Plain text between i and end: paragraphs, list items, directives, literal blocks."""
        block: list[str] = []
        while i < end:
            line = lines[i]
            stripped = line.strip()
            if not stripped:
                emit(block, None, None, new_unit())
                block = []
                i += 1
                continue
            directive = _DIRECTIVE.match(line)
            if directive:
                emit(block, None, None, new_unit())
                block = []
                stop = block_end(i + 1, _indent(line))
                if directive.group("name") in _CONTENT_DIRECTIVES:
                    generic(i + 1, min(stop, end))
                i = min(stop, end)
                continue
            if stripped.startswith(">>>"):
                emit(block, None, None, new_unit())
                block = []
                while i < end and lines[i].strip():
                    i += 1
                continue
            header = _SECTION_HEADER.match(line)
            if header and header.group(1).lower() in (_FIELD_SECTIONS.keys() | _TEXT_SECTIONS | _SKIP_SECTIONS):
                emit(block, None, None, new_unit())
                block = []
                i = section(i, end, header.group(1).lower())
                continue
            bullet = _BULLET.match(stripped)
            if bullet and block:
                emit(block, None, None, new_unit())
                block = []
            block.append(stripped[bullet.end():] if bullet else line)
            if stripped.endswith("::"):  # a literal block follows
                emit(block, None, None, new_unit())
                block = []
                i = block_end(i + 1, _indent(line))
                continue
            i += 1
        emit(block, None, None, new_unit())

    def section(i: int, end: int, name: str) -> int:
        header_indent = _indent(lines[i])
        stop = min(block_end(i + 1, header_indent), end)
        if name in _SKIP_SECTIONS:
            return stop
        if name not in _FIELD_SECTIONS:
            generic(i + 1, stop)
            return stop
        kind = _FIELD_SECTIONS[name]
        j = i + 1
        while j < stop and not lines[j].strip():
            j += 1
        entry_indent = _indent(lines[j]) if j < stop else 0
        while j < stop:
            line = lines[j]
            if not line.strip():
                j += 1
                continue
            entry = _FIELD_ENTRY.match(line.strip()) if _indent(line) == entry_indent else None
            body_end = min(block_end(j + 1, _indent(line)), stop)
            if entry is None:
                generic(j, body_end)
                j = body_end
                continue
            field_name = re.sub(r"\s*\(.*\)$", "", entry.group("name")).strip().lstrip("*")
            unit = new_unit()
            block = [entry.group("rest") or ""]
            k = j + 1
            while k < body_end:
                if not lines[k].strip():
                    emit(block, kind, field_name, unit)
                    block = []
                elif _DIRECTIVE.match(lines[k]) or lines[k].strip().startswith(">>>"):
                    emit(block, kind, field_name, unit)
                    block = []
                    inner_stop = min(block_end(k + 1, _indent(lines[k])), body_end)
                    k = inner_stop
                    continue
                else:
                    block.append(lines[k])
                k += 1
            emit(block, kind, field_name, unit)
            j = body_end
        return stop

    generic(0, len(lines))
    return out


def _paragraphs_from_text(text: str) -> list[_Paragraph]:
    """Fallback when docutils could not parse: blank-line separated blocks."""
    out = []
    for n, block in enumerate(re.split(r"\n\s*\n", text)):
        if block.strip():
            out.append(_Paragraph(block, None, None, n))
    return out


# --------------------------------------------------------------------------- values


@dataclass
class _Value:
    kind: str  # "math", "number", "word", "standard_normal", "scheme" (a named scheme: "Xavier uniform")
    start: int  # in paragraph raw
    end: int
    text: str  # as written
    span: _Span | None = None
    number: str | None = None
    phrase_end: int = 0  # end of the value including a "(for X)" parenthetical


def _scheme_at(raw: str, index: int, names: frozenset[str]) -> _Value | None:
    """A named scheme right here ("Xavier uniform", "He-normal initialization", ``xavier_uniform``): the longest
    run of up to four words that names one."""
    from doccheck.knowledge import scheme_name

    words, ends, pos = [], [], index
    for _ in range(4):
        m = _SCHEME_WORD.match(raw, pos)
        if m is None:
            break
        words.append(m.group(1))
        ends.append(m.end())
        gap = _BLANKS.match(raw, m.end())
        if gap is None:
            break
        pos = gap.end()
    for n in range(len(words), 0, -1):
        name = scheme_name(" ".join(words[:n]))
        if name in names:
            return _Value("scheme", index, ends[n - 1], name)
    return None


def _value_at(paragraph: _Paragraph, index: int, schemes: frozenset[str] = frozenset()) -> _Value | None:
    raw = paragraph.raw
    if schemes:
        found = _scheme_at(raw, index, schemes)
        if found is not None:
            return found
    span = paragraph.span_at(index)
    if span is not None and span.start == index:
        if span.kind == "role" and span.name == "math":
            return _Value("math", span.start, span.end, span.body, span=span)
        if span.kind == "literal":
            body = span.body.strip()
            if _NUMBER.fullmatch(body):
                return _Value("number", span.start, span.end, body, number=body)
            if body.lower() in _WORD_VALUES:
                return _Value("word", span.start, span.end, body, number=str(_WORD_VALUES[body.lower()]))
        return None
    m = _NUMBER.match(raw, index)
    if m:
        return _Value("number", m.start(), m.end(), m.group(), number=m.group())
    m = _WORD_VALUE.match(raw, index)
    if m:
        return _Value("word", m.start(), m.end(), m.group(), number=str(_WORD_VALUES[m.group("word").lower()]))
    m = _STANDARD_NORMAL.match(raw, index)
    if m:
        after = _FILLER.match(raw, m.end())
        nxt = after.end() if after else m.end()
        role = paragraph.span_at(nxt)
        if role is not None and role.start == nxt and role.name == "math":  # "…normal distribution :math:`N(0,1)`"
            return _Value("math", role.start, role.end, role.body, span=role)
        return _Value("standard_normal", m.start(), m.end(), m.group())
    return None


def _values_after(paragraph: _Paragraph, index: int, schemes: frozenset[str] = frozenset()
                  ) -> list[tuple[_Value, str | None]]:
    """The value(s) a trigger ending at `index` names, each with its "(for X)" subject."""
    raw = paragraph.raw
    while index < len(raw) and raw[index].isspace():
        index += 1
    value = _value_at(paragraph, index, schemes)
    if value is None:
        filler = _FILLER.match(raw, index)
        if filler and filler.end() > index:
            value = _value_at(paragraph, filler.end(), schemes)
    out: list[tuple[_Value, str | None]] = []
    while value is not None:
        m = _FOR_SUBJECT.match(raw, value.end)
        subject = _singular(m.group("what")) if m else None
        end = m.end() if m else value.end
        value.phrase_end = end
        out.append((value, subject))
        cont = _CONTINUE.match(raw, end)
        if not cont or len(out) > 8:
            break
        value = _value_at(paragraph, cont.end(), schemes)
    return out


def _singular(word: str) -> str:
    low = word.lower()
    if low in ("biases", "bias"):
        return "bias"
    if low in ("weights", "weight"):
        return "weight"
    if low.endswith("s") and not low.endswith("ss"):
        return word[:-1]
    return word


# --------------------------------------------------------------------------- subjects


_DEFINED_AS = re.compile(r"\s+(?:is(?:\s+equal\s+to)?|equals|denotes|stands\s+for)\s+")


def _prose_definition(paragraph: _Paragraph, name: str) -> str | None:
    """The argument a paragraph says a symbol is: ``:math:`D_i` is equal to ``input_dims```` -> ``input_dims``.

    Only that exact shape (a math role holding just the symbol, a verb of identity, a literal holding an
    identifier): prose that merely mentions both is no definition."""
    spans = paragraph.spans
    for here, there in zip(spans, spans[1:]):
        if here.kind == "role" and here.name == "math" and there.kind == "literal" \
                and _symbol_name(here.body).replace("\\", "") == name and there.body.isidentifier() \
                and _DEFINED_AS.fullmatch(paragraph.raw[here.end:there.start]):
            return there.body
    return None


def _symbol_name(body: str) -> str:
    return re.sub(r"[\s{}]", "", body)


def _parameter_of_role(body: str, knowledge) -> str | None:
    name = _symbol_name(body)
    table = knowledge.parameter_symbols
    for key in (name, name.lstrip("\\"), "\\" + name.lstrip("\\")):
        if key in table:
            return table[key]
    return None


def _respective_subjects(paragraph: _Paragraph, trigger_start: int, knowledge) -> list[str]:
    """The parameters a sentence names before its trigger, in order (the subjects "respectively" pairs with)."""
    a, _ = paragraph.sentences[paragraph.sentence_of(trigger_start)]
    found = [_parameter_of_role(span.body, knowledge) for span in paragraph.spans
             if span.kind == "role" and span.name == "math" and a <= span.start < trigger_start]
    if None in found or len(set(found)) != len(found):
        return []  # a math role that names no parameter, or one named twice: the pairing is not clear
    return found


def _subject(paragraph: _Paragraph, trigger_start: int, knowledge) -> str | None:
    raw = paragraph.raw
    a, _ = paragraph.sentences[paragraph.sentence_of(trigger_start)]
    best: tuple[int, str] | None = None
    for phrase, subject in knowledge.subject_phrases.items():
        pattern = r"\b" + r"\s+".join(re.escape(w) for w in phrase.split()) + r"\b"
        for m in re.finditer(pattern, raw[a:trigger_start], re.I):
            if best is None or a + m.start() > best[0]:
                best = (a + m.start(), subject)
    for span in paragraph.spans:
        if span.kind == "role" and span.name == "math" and a <= span.start < trigger_start:
            parameter = _parameter_of_role(span.body, knowledge)
            if parameter is not None and (best is None or span.start > best[0]):
                best = (span.start, parameter)
    if best is not None:
        return best[1]
    if paragraph.field_kind in ("ivar", "var", "cvar") and paragraph.field_name:
        return paragraph.field_name
    if paragraph.field_kind is None:
        generic = None
        for m in _GENERIC_SUBJECT.finditer(raw, a, trigger_start):
            if paragraph.span_at(m.start()) is None:
                generic = _singular(m.group("word"))
        if generic is None and _ALL_VALUES.search(raw, a, trigger_start):
            # "The values are initialized from …" in the class's description (mlx.nn.Linear): every parameter;
            # inside a field ("weight: … The values are initialized to 1.") the field names the subject
            return "*"
        return generic
    return None


# --------------------------------------------------------------------------- LaTeX


def _split_top_level(src: str) -> list[str]:
    parts, depth, start = [], 0, 0
    i = 0
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(src[start:i])
            start = i + 1
        i += 1
    parts.append(src[start:])
    return parts


def _distribution(head, allow_constant: bool):
    """(Distribution | None, error | None) for a parsed LaTeX head."""
    import sympy

    from doccheck.docmodel import latex

    if isinstance(head, latex.DocUniform):
        low, high = head.args
        return Distribution("uniform", (("low", low), ("high", high))), None
    if isinstance(head, latex.DocNormal):
        mean, variance = head.args
        return Distribution("normal", (("mean", mean), ("std", sympy.sqrt(variance)))), None
    if isinstance(head, sympy.Expr) and not isinstance(head, sympy.Tuple):
        if allow_constant:
            return Distribution("constant", (("value", head),)), None
        return None, f"not a distribution: {head}"
    return None, f"not a distribution or a number: {head}"


def _parse(body: str):
    from doccheck.docmodel import latex

    return latex.parse_latex(body)


@dataclass
class _MathRole:
    paragraph: int
    sentence: int
    start: int
    body: str
    parsed: object = None
    error: str | None = None
    done: bool = False

    def value(self):
        if not self.done:
            self.done = True
            try:
                self.parsed = _parse(self.body)
            except Exception as exc:  # LatexError, or anything the parser did not foresee
                self.error = str(exc)
        return self.parsed


def _binding(parsed):
    """(symbol, rhs) when `parsed` is ``sym = expr``."""
    import sympy

    if isinstance(parsed, sympy.Equality) and isinstance(parsed.lhs, sympy.Symbol):
        return parsed.lhs, parsed.rhs
    return None


# --------------------------------------------------------------------------- main


def init_claims(doc: DocString, knowledge) -> list[Claim]:
    """Every documented initialization statement of `doc`, as `Claim`s in document order."""
    if doc is None or not doc.text or not has_init_wording(doc.text):
        return []
    try:
        return _init_claims(doc, knowledge)
    except Exception as exc:  # a bug here must not hide that the docstring makes a claim
        m = INIT_WORDING.search(doc.text)
        return [Claim(subject="?", distribution=None, text=m.group() if m else "", position=doc.position(
            m.start() if m else 0), error=f"internal error while reading the claim: {type(exc).__name__}: {exc}")]


USE_DOCUTILS = False  # True: structure from napoleon + docutils (slower; same claims on torch.nn)


def _init_claims(doc: DocString, knowledge) -> list[Claim]:
    if USE_DOCUTILS:
        parsed = rst.parse_docstring(doc)
        paragraphs = (_paragraphs_from_doctree(parsed.doctree) if parsed.doctree is not None
                      else _paragraphs_from_text(doc.text))
    else:
        paragraphs = _paragraphs_from_sections(rst.protect(doc.text))
    units_with_wording = {p.unit for p in paragraphs if _TRIGGER.search(p.raw)}
    if not units_with_wording:
        return []
    work = [p for p in paragraphs if p.unit in units_with_wording]
    searchable = rst.protect(doc.text)  # the parsed text had its line-breaking control characters swapped
    cursor = 0
    role_cursor = 0
    for p in work:
        _scan(p)
        aligned = _align(p.raw, searchable, cursor)
        if aligned is not None:
            p.offsets, cursor = aligned
    problems = {offset: name for offset, name in doc.escape_problems}
    # math roles of every unit, for bindings
    roles: dict[int, list[_MathRole]] = {}

    def damage(p: _Paragraph, span: _Span) -> list[str]:
        """Escapes of a non-raw docstring that Python turned into control characters inside `span`."""
        if p.offsets is not None:
            found = [problems[p.offsets[i]] for i in range(span.start, min(span.end, len(p.offsets)))
                     if p.offsets[i] in problems]
        else:
            found = [repr(ch) for ch in rst.unprotect(span.body) if ord(ch) < 32 and ch not in "\n"]
        return sorted(set(found))

    for n, p in enumerate(work):
        for span in p.spans:
            if span.kind == "role" and span.name == "math":
                role = _MathRole(n, p.sentence_of(span.start), span.start, rst.unprotect(span.body))
                escapes = damage(p, span)
                if escapes:
                    role.done, role.error = True, _escape_message(escapes)
                roles.setdefault(p.unit, []).append(role)

    def offset_of(n: int, index: int, needle: str | None) -> int:
        nonlocal role_cursor
        p = work[n]
        if p.offsets is not None and 0 <= index < len(p.offsets):
            return p.offsets[index]
        if needle:
            found = searchable.find(needle, role_cursor)
            if found >= 0:
                role_cursor = found + 1
                return found
        return 0

    claims: list[Claim] = []
    schemes = knowledge.scheme_names() if hasattr(knowledge, "scheme_names") else frozenset()
    for n, p in enumerate(work):
        for m in _TRIGGER.finditer(p.raw):
            limits.check()  # the file's time budget: a docstring of thousands of claims must not hang the run
            if p.span_at(m.start()) is not None:
                continue
            prep = m.group("prep").lower()
            word = m.group("word").lower()
            if word in ("sampled", "drawn") and prep != "from":
                continue
            values = _values_after(p, m.end(), schemes if prep in ("with", "using", "from", "as") else frozenset())
            if not values:
                continue
            allow_constant = prep in ("to", "as", "with", "at")
            respective = None  # "γ and β … initialized at 1 and 0 respectively": the n-th value is the n-th's
            if len(values) > 1 and _RESPECTIVELY.match(p.raw, values[-1][0].phrase_end):
                respective = _respective_subjects(p, m.start(), knowledge)
                if len(respective) != len(values):
                    continue  # the values cannot be paired with what they belong to: no claim, no guess
            trigger_subject = _subject(p, m.start(), knowledge)
            for number, (value, for_subject) in enumerate(values):
                subject = respective[number] if respective else for_subject or trigger_subject
                if subject is None:
                    continue
                needle = p.raw[value.start:value.end]
                position = doc.position(offset_of(n, value.start, needle))
                phrase = " ".join(p.raw[m.start() if number == 0 else value.start:value.phrase_end].split())
                if value.span is not None:
                    escapes = damage(p, value.span)
                    if escapes:
                        claims.append(Claim(subject, None, rst.unprotect(value.text), position,
                                            error=_escape_message(escapes)))
                        continue
                    value.text = rst.unprotect(value.text)
                claims.append(_claim(value, subject, phrase, allow_constant, position, p, n,
                                     roles.get(p.unit, []), knowledge))
    return claims


def _claim(value: _Value, subject: str, phrase: str, allow_constant: bool, position, paragraph: _Paragraph,
           n: int, unit_roles: list[_MathRole], knowledge) -> Claim:
    import sympy

    if value.kind in ("number", "word"):
        return Claim(subject, Distribution("constant", (("value", sympy.Rational(value.number)),)), phrase,
                     position)
    if value.kind == "scheme":
        # compared as what the scheme gives for the parameter's shape (compare.resolve_scheme)
        return Claim(subject, Distribution("scheme", (("name", value.text),)), phrase, position)
    if value.kind == "standard_normal":
        return Claim(subject, Distribution("normal", (("mean", sympy.Integer(0)), ("std", sympy.Integer(1)))),
                     phrase, position)

    # a :math: role
    from doccheck.docmodel.latex import LatexError

    body = value.text
    texts = [body]
    extra_bindings: list[tuple[object, object]] = []
    head = first_error = None
    try:
        head = _parse(body)
    except LatexError as exc:
        first_error = exc
    pieces = _split_top_level(body)
    if (head is None or isinstance(head, sympy.Tuple)) and len(pieces) > 1:
        # "\mathcal{U}(-a, a), a = …": the distribution and its bindings in one role
        try:
            head = _parse(pieces[0])
        except LatexError as exc:
            if head is None:
                return Claim(subject, None, body, position, error=f"cannot read the LaTeX: {exc}")
            pieces = []
        for piece in pieces[1:]:
            piece = _WHERE.sub("", piece)
            try:
                found = _binding(_parse(piece))
            except LatexError:
                found = None
            if found is not None:
                extra_bindings.append(found)
    if head is None:
        return Claim(subject, None, body, position, error=f"cannot read the LaTeX: {first_error}")
    # "\gamma = 1": the left side names the parameter
    if isinstance(head, sympy.Equality):
        lhs_name = getattr(head.lhs, "name", None)
        if lhs_name is not None and _parameter_of_role(lhs_name, knowledge):
            head = head.rhs
    distribution, error = _distribution(head, allow_constant)
    if distribution is None:
        return Claim(subject, None, body, position, error=error)

    # where-bindings: same role, then same sentence (after, before), paragraph, field
    sentence = paragraph.sentence_of(value.start)

    def rank(role: _MathRole) -> tuple:
        same_paragraph = role.paragraph == n
        after = (role.paragraph, role.start) > (n, value.start)
        return (0 if same_paragraph and role.sentence == sentence else 1 if same_paragraph else 2,
                0 if after else 1, abs(role.paragraph - n), abs(role.start - value.start))

    candidates = sorted((r for r in unit_roles if not (r.paragraph == n and r.start == value.start)), key=rank)
    derivation: list[str] = []
    bound: dict = {}  # symbol -> (rhs, LaTeX source or None when it is part of the claim's own role)
    for sym, rhs in extra_bindings:
        bound.setdefault(sym, (rhs, None))

    def free_symbols(values) -> set:
        return set().union(*(symbolic.as_sympy(v).free_symbols for v in values)) if values else set()

    params = dict(distribution.params)
    for _ in range(6):  # a binding may use further bound symbols
        free = free_symbols(params.values())
        for sym in sorted(free - set(bound), key=lambda s: s.name):
            for role in candidates:
                if "=" in role.body:
                    found = _binding(role.value())
                    if found is not None and found[0] == sym:
                        bound[sym] = (found[1], role.body)
                        break
        substitutions = {s: bound[s][0] for s in free if s in bound}
        if not substitutions:
            break
        for sym in sorted(substitutions, key=lambda s: s.name):
            rhs, source = bound[sym]
            derivation.append(f"{sym.name} = {_to_text(rhs)}")
            if source is not None and source not in texts:
                texts.append(source)
        params = {k: symbolic.as_sympy(v).subs(substitutions) for k, v in params.items()}

    # a binding that is there but unreadable (e.g. "\\frac" in a non-raw docstring) is an error, not a free symbol
    error = None
    for sym in sorted(free_symbols(params.values()), key=lambda s: s.name):
        for role in candidates:
            if "=" in role.body and _plain_lhs(role.body) == sym.name and role.value() is None and role.error:
                error = f"the binding of {sym.name} cannot be read: {role.error}"
                if role.body not in texts:
                    texts.append(role.body)
                break
        if error:
            break

    # symbols defined in prose: ":math:`D_i` is equal to ``input_dims``" (mlx.nn.Linear)
    from doccheck.docmodel.latex import symbol

    defined = {}
    for sym in sorted(free_symbols(params.values()), key=lambda s: s.name):
        argument = _prose_definition(paragraph, sym.name)
        if argument is not None:
            defined[sym] = symbol(argument)
            derivation.append(f"{sym.name} = {argument}")
    if defined:
        params = {k: symbolic.as_sympy(v).xreplace(defined) for k, v in params.items()}

    # doc symbol names -> constructor arguments
    aliases = {}

    for value_ in params.values():
        for s in symbolic.as_sympy(value_).free_symbols:
            target = knowledge.symbol_aliases.get(s.name)
            if target and target != s.name:
                aliases[s] = symbol(target)
    if aliases:
        params = {k: symbolic.as_sympy(v).xreplace(aliases) for k, v in params.items()}
        for s, t in sorted(aliases.items(), key=lambda item: item[0].name):
            derivation.append(f"{s.name} = {t.name}")
    distribution = Distribution(distribution.family, tuple((k, params[k]) for k, _ in distribution.params))
    return Claim(subject, distribution, ", ".join(texts), position, error=error, derivation=derivation)


def _escape_message(escapes: list[str]) -> str:
    return (f"the formula contains {', '.join(escapes)} that Python turned into control characters "
            "(the docstring is not a raw string)")


def _plain_lhs(body: str) -> str:
    lhs = body.split("=", 1)[0]
    lhs = re.sub(r"\\(?:text|mathrm|operatorname)\s*\{([^}]*)\}", r"\1", lhs)
    return re.sub(r"[\s{}\\]", "", lhs)


def _to_text(value) -> str:
    try:
        from doccheck.symbolic import to_text

        return to_text(value)
    except Exception:
        return str(value)


# --------------------------------------------------------------------------- claims by initializer name

_QUOTES = "`'\"“”"
_NAMED_DEFAULT = re.compile(rf"\b[Dd]efaults?\s+to\s+[{_QUOTES}]*(?P<name>[A-Za-z_][A-Za-z0-9_]*)[{_QUOTES}]*")
# "If `None`, the default initializer (`"zeros"`) will be used" (Keras' convolutions)
_IF_NONE = re.compile(rf"\bIf\s+[`]*None[`]*\s*,(?P<between>[^.]*?)\(\s*[{_QUOTES}]*(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
                      rf"[{_QUOTES}]*\s*\)")


def names_an_initializer(text: str) -> bool:
    """The prefilter for `named_initializer_claims`: an initializer argument whose default is named."""
    return "initializer" in text and (_NAMED_DEFAULT.search(text) is not None or _IF_NONE.search(text) is not None)


def named_initializer_claims(doc: DocString, knowledge) -> list[Claim]:
    """Claims that name an initializer in an argument's description (`bias_initializer: … Defaults to
    "zeros"`), for frameworks whose rules name the argument suffix and a registry of initializer names.

    The subject is the argument's name without the suffix (``bias``); a name no framework registers is no
    claim (it may be prose).  "If `None`, … (`"zeros"`)" is conditioned on the argument being None.
    """
    suffixes = {f.initializer_argument_suffix for f in knowledge.frameworks.values() if f.initializer_argument_suffix}
    registered = set().union(*(f.registry for f in knowledge.frameworks.values()))
    if doc is None or not doc.text or not suffixes or not registered:
        return []
    from doccheck.docmodel.sections import read_sections

    claims = []
    for entry in read_sections(doc.text).args:
        for argument in entry.bare_names:
            suffix = next((x for x in suffixes if argument.endswith(x) and len(argument) > len(x)), None)
            if suffix is None:
                continue
            text = doc.text[entry.start:entry.end]
            for pattern, condition in ((_IF_NONE, ((argument, None),)), (_NAMED_DEFAULT, ())):
                for m in pattern.finditer(text):
                    if m.group("name") not in registered:
                        continue
                    phrase = " ".join(m.group().split())
                    claims.append(Claim(argument[:-len(suffix)], None, phrase, doc.position(entry.start + m.start()),
                                        initializer=m.group("name"), condition=condition))
    return claims
