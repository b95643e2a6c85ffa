"""Inline suppressions: ``# doccheck: ignore[DC101]`` on the ``class`` line.

The one convention::

    class WideDense(DenseBase):  # doccheck: ignore[DC101]
        '''... initialized from :math:`\\mathcal{U}(-\\sqrt{k}, \\sqrt{k})` ...'''

* The comment goes on the line of the ``class`` statement (for a header split
  over several lines, on any line of the header up to its colon).  It silences
  the findings about that class: they are reported inside its docstring, where
  a comment cannot go, or — for a docstring borrowed from another file — in
  that other file.
* A finding reported on a line of code (an unreadable file, DC002) is also
  silenced by the comment on the reported line itself.
* ``ignore[DC101,DC102]`` names codes or code prefixes; a bare
  ``# doccheck: ignore`` silences every code.  Only real comments count: the
  same text inside a string or docstring does nothing.

Whole files and folders are left out with ``per-file-ignores`` or ``exclude``
in the configuration instead (see `doccheck.config`).
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from dataclasses import dataclass, field

DIRECTIVE = re.compile(r"#\s*doccheck:\s*ignore(?:\[(?P<codes>[^\]]*)\]|(?![\w\[-]))")
ALL = ("",)  # the empty prefix matches every code


@dataclass
class FileDirectives:
    """The suppression comments of one source file and the header lines of its classes."""

    by_line: dict[int, tuple[str, ...]] = field(default_factory=dict)  # line -> code prefixes
    headers: dict[int, range] = field(default_factory=dict)  # class keyword line -> lines of its header
    classes: list[tuple[str, int, int]] = field(default_factory=list)  # (name, first line, last line)

    def codes_for(self, lines) -> tuple[str, ...]:
        out: tuple[str, ...] = ()
        for line in lines:
            out += self.by_line.get(line, ())
        return out


def _parse_codes(match: re.Match) -> tuple[str, ...]:
    codes = match.group("codes")
    if codes is None:
        return ALL
    parsed = tuple(c.strip().upper() for c in codes.split(",") if c.strip())
    return parsed or ALL


def _source_text(path: str) -> str | None:
    from doccheck import safeio

    try:
        data = safeio.read_regular(path)  # the path of a DC002 finding may be a FIFO or a device
    except OSError:
        return None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return data.decode("utf-8", errors="replace")


def directives(text: str) -> FileDirectives:
    result = FileDirectives()
    tokens: list[tokenize.TokenInfo] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # not tokenizable (a DC002 file): fall back to the text of each line
        for number, line in enumerate(text.splitlines(), 1):
            match = DIRECTIVE.search(line)
            if match:
                result.by_line[number] = _parse_codes(match)
        return result
    for token in tokens:
        if token.type == tokenize.COMMENT:
            match = DIRECTIVE.match(token.string)
            if match:
                line = token.start[0]
                result.by_line[line] = result.by_line.get(line, ()) + _parse_codes(match)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return result
    starts = [t.start for t in tokens]
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        result.classes.append((node.name, node.lineno, node.end_lineno or node.lineno))
        result.headers[node.lineno] = range(node.lineno, _header_end(tokens, starts, node) + 1)
    return result


def _header_end(tokens, starts, node: ast.ClassDef) -> int:
    """The line of the colon that ends a class header."""
    import bisect

    index = bisect.bisect_left(starts, (node.lineno, node.col_offset))
    depth = 0
    for token in tokens[index:]:
        if token.type == tokenize.OP:
            if token.string in "([{":
                depth += 1
            elif token.string in ")]}":
                depth -= 1
            elif token.string == ":" and depth == 0:
                return token.start[0]
    return node.lineno


def _same_file(a: str, b: str) -> bool:
    return a == b or os.path.realpath(a) == os.path.realpath(b)


def _covered(code: str, prefixes: tuple[str, ...]) -> bool:
    return any(code.startswith(prefix) for prefix in prefixes)


def apply(result) -> int:
    """Drop suppressed findings from `result.findings` (an engine RunResult); return how many."""
    wanted = {id(f) for f in result.findings}
    suppressed: set[int] = set()
    cache: dict[str, FileDirectives | None] = {}

    def file_directives(path: str) -> FileDirectives | None:
        if path not in cache:
            text = _source_text(path)
            cache[path] = directives(text) if text is not None and "doccheck:" in text else None
        return cache[path]

    for file in result.files:
        for finding in file.findings:
            if id(finding) not in wanted:
                continue
            prefixes: tuple[str, ...] = ()
            own = file_directives(file.path)
            if own is not None:
                class_name = finding.object.split(".", 1)[0] if finding.object else ""
                class_lines = [first for name, first, _ in own.classes if name == class_name]
                if _same_file(finding.path, file.path):  # the innermost class around the reported line
                    around = [first for _, first, last in own.classes if first <= finding.line <= last]
                    class_lines += [max(around)] if around else []
                for line in class_lines:
                    prefixes += own.codes_for(own.headers.get(line, (line,)))
            if not _same_file(finding.path, file.path):
                other = file_directives(finding.path)
                if other is not None:
                    prefixes += other.codes_for((finding.line,))
            elif own is not None:
                prefixes += own.codes_for((finding.line,))
            if prefixes and _covered(finding.code, prefixes):
                suppressed.add(id(finding))
    if suppressed:
        result.findings = [f for f in result.findings if id(f) not in suppressed]
    return len(suppressed)
