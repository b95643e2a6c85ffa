"""Stage 2: read and parse one source file with libcst.

Produces a `ModuleInfo`: the concrete syntax tree, the module's imports and
top-level definitions, and positions computed lazily per top-level statement
(libcst's whole-module position pass costs more than the parse itself, and
most statements never need a position).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst


class SourceError(Exception):
    """The file cannot be read or parsed; carries the line and column to report."""

    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def read_source(path: Path) -> str:
    """Decode a file as Python would: BOM, PEP 263 coding cookie, else UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read file: {exc.strerror or exc}") from exc
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise SourceError(f"bad encoding declaration: {exc.msg}", exc.lineno or 1) from exc
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line = data[: getattr(exc, "start", 0)].count(b"\n") + 1
        raise SourceError(f"cannot decode file as {encoding}: {exc}", line) from exc


def parse_source(text: str) -> cst.Module:
    if "\x00" in text:
        raise SourceError("file contains a NUL byte", text[: text.index("\x00")].count("\n") + 1)
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
        raise SourceError(f"syntax error: {message}", exc.raw_line, exc.raw_column + 1) from exc
    except RecursionError as exc:
        raise SourceError("syntax tree nested too deeply to parse") from exc
    except Exception as exc:  # libcst's native parser can raise odd errors on odd input
        raise SourceError(f"cannot parse: {type(exc).__name__}: {exc}") from exc


def _dotted(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


@dataclass
class ModuleInfo:
    path: str
    qualname: str
    text: str
    tree: cst.Module
    is_package: bool = False
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    star_imports: list[str] = field(default_factory=list)
    definitions: dict[str, cst.CSTNode] = field(default_factory=dict)  # top-level name -> statement
    toplevel_of: dict[int, cst.CSTNode] = field(default_factory=dict)  # id(small stmt / def) -> top-level stmt
    _positions: dict[int, tuple[dict, int]] = field(default_factory=dict, repr=False)
    _lines: list[str] | None = field(default=None, repr=False)

    @property
    def package(self) -> str:
        if self.is_package:
            return self.qualname
        return self.qualname.rpartition(".")[0]

    # ---------------------------------------------------------------- positions
    def _statement_line(self, stmt: cst.CSTNode) -> int | None:
        """The file line of a top-level statement's keyword/target, found in the text."""
        if self._lines is None:
            self._lines = self.text.splitlines()
        pattern = _statement_pattern(stmt)
        if pattern is None:
            return None
        index = [s for s in self.tree.body if _statement_pattern(s) == pattern].index(stmt)
        hits = [i + 1 for i, line in enumerate(self._lines) if pattern.match(line)]
        return hits[index] if index < len(hits) else None

    def position_map(self, stmt: cst.CSTNode) -> tuple[dict, int]:
        """libcst positions for the nodes of one top-level statement, and the line offset to the file."""
        key = id(stmt)
        if key not in self._positions:
            from libcst.metadata import MetadataWrapper, PositionProvider

            mini = cst.Module(body=[stmt])
            positions = MetadataWrapper(mini, unsafe_skip_copy=True).resolve(PositionProvider)
            file_line = self._statement_line(stmt)
            offset = 0
            if file_line is not None:
                pattern = _statement_pattern(stmt)
                mini_lines = mini.code.splitlines()
                mini_line = next((i + 1 for i, line in enumerate(mini_lines) if pattern.match(line)), None)
                if mini_line is not None:
                    offset = file_line - mini_line
            else:
                offset = self._cumulative_offset(stmt)
            self._positions[key] = (positions, offset)
        return self._positions[key]

    def _cumulative_offset(self, stmt: cst.CSTNode) -> int:
        lines = self.tree.header and self.tree.code_for_node(cst.Module(body=[], header=self.tree.header)).count("\n")
        lines = lines or 0
        for other in self.tree.body:
            if other is stmt:
                return lines
            lines += self.tree.code_for_node(other).count("\n")
        return 0

    def position(self, node: cst.CSTNode, toplevel: cst.CSTNode | None = None) -> tuple[int, int]:
        """(line, column), both 1-based, of a node inside a top-level statement."""
        top = toplevel if toplevel is not None else self.toplevel_of.get(id(node), node)
        positions, offset = self.position_map(top)
        try:
            start = positions[node].start
        except KeyError:
            start = positions[top].start
        return start.line + offset, start.column + 1


def _statement_pattern(stmt: cst.CSTNode) -> re.Pattern | None:
    if isinstance(stmt, cst.ClassDef):
        return re.compile(rf"class\s+{re.escape(stmt.name.value)}\b")
    if isinstance(stmt, cst.FunctionDef):
        return re.compile(rf"(async\s+)?def\s+{re.escape(stmt.name.value)}\b")
    if isinstance(stmt, cst.SimpleStatementLine) and stmt.body:
        first = stmt.body[0]
        if isinstance(first, (cst.Assign, cst.AnnAssign)):
            target = first.targets[0].target if isinstance(first, cst.Assign) else first.target
            if isinstance(target, cst.Name):
                return re.compile(rf"{re.escape(target.value)}\s*[:=]")
    return None


def _resolve_relative(package: str, level: int, module: str | None) -> str:
    parts = package.split(".") if package else []
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    base = ".".join(parts)
    if module:
        return f"{base}.{module}" if base else module
    return base


def _collect(info: ModuleInfo) -> None:
    def visit_imports(stmt: cst.CSTNode) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        name = _dotted(alias.name)
                        if name is None:
                            continue
                        if alias.asname is not None:
                            info.imports[_dotted(alias.asname.name) or name] = name
                        else:
                            info.imports.setdefault(name.split(".")[0], name.split(".")[0])
                elif isinstance(small, cst.ImportFrom):
                    module = _dotted(small.module) if small.module is not None else None
                    level = len(small.relative)
                    source = _resolve_relative(info.package, level, module) if level else (module or "")
                    if isinstance(small.names, cst.ImportStar):
                        info.star_imports.append(source)
                        continue
                    for alias in small.names:
                        name = _dotted(alias.name)
                        if name is None:
                            continue
                        local = _dotted(alias.asname.name) if alias.asname is not None else name
                        info.imports[local] = f"{source}.{name}" if source else name
        elif isinstance(stmt, cst.If):
            # `if TYPE_CHECKING:` / version switches: imports in either branch are still names.
            for inner in stmt.body.body:
                visit_imports(inner)
        elif isinstance(stmt, cst.Try):
            for inner in stmt.body.body:
                visit_imports(inner)

    for stmt in info.tree.body:
        visit_imports(stmt)
        if isinstance(stmt, (cst.ClassDef, cst.FunctionDef)):
            info.definitions[stmt.name.value] = stmt
            info.toplevel_of[id(stmt)] = stmt
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                info.toplevel_of[id(small)] = stmt
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            info.definitions[target.target.value] = small
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value:
                    info.definitions[small.target.value] = small


def load_module(path: Path, qualname: str | None = None) -> ModuleInfo:
    """Read, parse and index one file.  Raises `SourceError` with a line for bad input."""
    from doccheck.discover import module_name

    text = read_source(path)
    tree = parse_source(text)
    if qualname is None:
        qualname, _ = module_name(path)
    info = ModuleInfo(path=str(path), qualname=qualname, text=text, tree=tree, is_package=path.name == "__init__.py")
    _collect(info)
    return info
