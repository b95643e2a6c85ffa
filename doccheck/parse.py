"""Stage 2: read and parse one source file.

Produces a `ModuleInfo`: an index of the module's top-level statements, names
and imports from Python's fast built-in parser, and libcst trees parsed per
statement on demand, with positions computed lazily per statement or method
(libcst's whole-module parse and position pass cost far more than the few
classes a check needs).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst


_LINE_END = re.compile(r"\r\n|\r|\n")


class SourceError(Exception):
    """The file cannot be read or parsed; carries the line and column to report."""

    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def read_source(path: Path) -> str:
    """Decode a file as Python would: BOM, PEP 263 coding cookie, else UTF-8."""
    from doccheck import safeio

    try:
        data = safeio.read_regular(path)  # never blocks on a FIFO, never reads a device
    except OSError as exc:
        raise SourceError(f"cannot read file: {safeio.describe(exc)}") from exc
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
    """Parse a whole text with libcst (for callers that need the full tree at once)."""
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


@dataclass
class Chunk:
    """One top-level statement as lines of the file; parsed with libcst only when needed."""

    start: int  # first line, decorators included (1-based)
    end: int  # last line
    keyword_line: int  # the `class`/`def` line, or the first line
    names: tuple[str, ...]  # names the statement defines at module level
    kind: str  # "class", "function", "assign", "import", "other"
    node: cst.CSTNode | None = None
    docstring: str | None = None  # a class's/function's literal docstring (raw value), for cheap prefilters
    methods: dict | None = None  # a class's methods: name -> literal docstring


class LazyDefinitions(dict):
    """name -> top-level statement node, parsing the statement on first access."""

    def __init__(self, module: "ModuleInfo"):
        super().__init__()
        self._module = module

    def __contains__(self, name) -> bool:
        return name in self._module._chunk_of_name

    def get(self, name, default=None):
        chunk = self._module._chunk_of_name.get(name)
        if chunk is None:
            return default
        node = self._module.statement(chunk)
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                targets = small.targets if isinstance(small, cst.Assign) else (
                    [small] if isinstance(small, cst.AnnAssign) else [])
                for target in targets:
                    t = target.target
                    if isinstance(t, cst.Name) and t.value == name:
                        return small
            return default
        return node

    def __getitem__(self, name):
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def keys(self):
        return self._module._chunk_of_name.keys()

    def __iter__(self):
        return iter(self._module._chunk_of_name)

    def __len__(self):
        return len(self._module._chunk_of_name)


class ModuleInfo:
    """A parsed file.  The cheap index (names, imports, line ranges) comes from
    Python's own parser; libcst parses a top-level statement only when some
    stage asks for it, so reading a 10,000-line module to find one dict of
    docstring notes costs milliseconds."""

    def __init__(self, path: str, qualname: str, text: str, chunks: list[Chunk], is_package: bool = False):
        self.path = path
        self.qualname = qualname
        self.text = text
        self.is_package = is_package
        self.chunks = chunks
        self.imports: dict[str, str] = {}
        self.star_imports: list[str] = []
        self.toplevel_of: dict[int, cst.CSTNode] = {}
        self._chunk_of_name: dict[str, Chunk] = {}
        self._chunk_of_node: dict[int, Chunk] = {}
        self._positions: dict[int, object] = {}
        self._lines: list[str] | None = None
        self._tree: cst.Module | None = None
        self.ast_tree = None  # Python's tree of the file while its checks run (dropped after: memory)
        for chunk in chunks:
            for name in chunk.names:
                self._chunk_of_name[name] = chunk
        self.definitions = LazyDefinitions(self)

    @property
    def package(self) -> str:
        if self.is_package:
            return self.qualname
        return self.qualname.rpartition(".")[0]

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            # Python's line ends only: str.splitlines() also breaks at \f, \v, \x1c-\x1e, \x85, U+2028/9,
            # which shifted every later line (a form feed between definitions is common in older sources)
            self._lines = _LINE_END.split(self.text)
        return self._lines

    def statement(self, chunk: Chunk) -> cst.CSTNode:
        """The libcst node of one top-level statement (parsed once)."""
        if chunk.node is None:
            source = "\n".join(self.lines[chunk.start - 1:chunk.end]) + "\n"
            if _too_deep_for_libcst(source):
                raise SourceError(f"statement nested more than {MAX_LIBCST_DEPTH} levels deep, too deep to parse",
                                  chunk.start)
            try:
                module = cst.parse_module(source)
            except cst.ParserSyntaxError as exc:
                message = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
                raise SourceError(f"syntax error: {message}", chunk.start + exc.raw_line - 1,
                                  exc.raw_column + 1) from exc
            except RecursionError as exc:
                raise SourceError("statement nested too deeply to parse", chunk.start) from exc
            if len(module.body) != 1:
                raise SourceError("statement could not be isolated for parsing", chunk.start)
            node = module.body[0]
            chunk.node = node
            self._chunk_of_node[id(node)] = chunk
            self.toplevel_of[id(node)] = node
            if isinstance(node, cst.SimpleStatementLine):
                for small in node.body:
                    self.toplevel_of[id(small)] = node
        return chunk.node

    def classes(self) -> list[tuple[Chunk, str]]:
        return [(c, c.names[0]) for c in self.chunks if c.kind == "class"]

    def chunk_text(self, chunk: Chunk) -> str:
        return "\n".join(self.lines[chunk.start - 1:chunk.end])

    @property
    def tree(self) -> cst.Module:
        """The whole module as libcst nodes (parses every statement; avoid on hot paths)."""
        if self._tree is None:
            self._tree = cst.Module(body=[self.statement(c) for c in self.chunks])
        return self._tree

    # ---------------------------------------------------------------- positions
    def _chunk(self, stmt: cst.CSTNode) -> Chunk | None:
        return self._chunk_of_node.get(id(stmt))

    def position_map(self, stmt: cst.CSTNode) -> tuple[dict, int]:
        """libcst positions for the nodes of one top-level statement, and the line offset to the file."""
        key = id(stmt)
        if key not in self._positions:
            from libcst.metadata import MetadataWrapper, PositionProvider

            chunk = self._chunk(stmt)
            mini = cst.Module(body=[stmt])
            positions = MetadataWrapper(mini, unsafe_skip_copy=True).resolve(PositionProvider)
            self._positions[key] = (positions, (chunk.start - 1) if chunk is not None else 0)
        return self._positions[key]

    def position(self, node: cst.CSTNode, toplevel: cst.CSTNode | None = None,
                 container: cst.CSTNode | None = None) -> tuple[int, int]:
        """(line, column), both 1-based, of a node inside a top-level statement.

        Positions come from libcst's PositionProvider run on the smallest piece
        that is cheap to place in the file: the top-level statement itself, or a
        direct child of a class body (a method, the docstring, a ``__doc__ =``
        assignment) whose first line is found in the text.  Running the provider
        on a whole class costs tens of milliseconds; on one method, a fraction.
        """
        top = toplevel if toplevel is not None else self.toplevel_of.get(id(node), node)
        chunk = self._chunk(top)
        if node is top and chunk is not None:
            return chunk.keyword_line, 1
        if container is None and isinstance(top, cst.ClassDef):
            container = _child_containing(top, node)
        if container is not None and container is not top and isinstance(top, cst.ClassDef):
            placed = self._child_map(top, container)
            if placed is not None:
                positions, line_offset, mini_lines = placed
                start = positions.get(node) or positions.get(container)
                if start is not None:
                    start = start.start
                    line = start.line + line_offset
                    # the piece was re-indented as a module of its own: lines differ from the
                    # file's only by leading whitespace, which is not the same on every line
                    # (block indentation moves, text inside brackets does not)
                    file_line = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
                    mini_line = mini_lines[start.line - 1] if 0 < start.line <= len(mini_lines) else ""
                    return line, start.column + 1 + max(0, len(file_line) - len(mini_line))
        positions, offset = self.position_map(top)
        try:
            start = positions[node].start
        except KeyError:
            start = positions[top].start
        return start.line + offset, start.column + 1

    def _child_map(self, top: cst.ClassDef, child: cst.CSTNode):
        key = id(child)
        if key in self._positions:
            return self._positions[key]
        placed = None
        try:
            placed = self._place_child(top, child)
        except Exception:  # an exotic layout: fall back to positions of the whole statement
            placed = None
        self._positions[key] = placed
        return placed

    def _place_child(self, top: cst.ClassDef, child: cst.CSTNode):
        from libcst.metadata import MetadataWrapper, PositionProvider

        chunk = self._chunk(top)
        if chunk is None or not isinstance(top.body, cst.IndentedBlock):
            return None
        signature = _first_line_signature(child)
        if signature is None:
            return None
        siblings = [s for s in top.body.body if _first_line_signature(s) == signature]
        occurrence = next(i for i, s in enumerate(siblings) if s is child)
        indent = top.body.indent if top.body.indent is not None else "    "
        pattern = re.compile(re.escape(indent) + signature)
        lines = self.lines
        hits = [i + 1 for i in range(chunk.keyword_line, min(chunk.end, len(lines))) if pattern.match(lines[i])]
        if occurrence >= len(hits):
            return None
        mini = cst.Module(body=[child])
        mini_pattern = re.compile(signature)
        mini_line = next((i + 1 for i, line in enumerate(mini.code.splitlines()) if mini_pattern.match(line)), None)
        if mini_line is None:
            return None
        positions = MetadataWrapper(mini, unsafe_skip_copy=True).resolve(PositionProvider)
        return positions, hits[occurrence] - mini_line, mini.code.splitlines()


MAX_LIBCST_DEPTH = 2500
_BOOLEAN_WORD = re.compile(r"\b(?:and|or)\b")


def _too_deep_for_libcst(source: str) -> bool:
    """Whether libcst's native parser could overflow the C stack (SIGSEGV, killing the process) on `source`.

    Python's own parser has already accepted the statement, and it refuses nesting deeper than about 3000
    levels; libcst survives that.  But ``a and b and ... and z`` is one flat node for Python and one level
    per operand for libcst, which crashes at a few thousand operands: only statements with that many
    ``and``/``or`` words are measured, counting a boolean operation as one level per operand.
    """
    if len(_BOOLEAN_WORD.findall(source)) < 1000:
        return False
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return False  # libcst reports these as syntax errors itself
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_LIBCST_DEPTH:
            return True
        step = max(1, len(node.values) - 1) if isinstance(node, ast.BoolOp) else 1
        stack.extend((child, depth + step) for child in ast.iter_child_nodes(node))
    return False


def statement_containing(statements, node: cst.CSTNode, skip: tuple = ()) -> cst.CSTNode | None:
    """The statement of `statements` that is or contains `node` (subtrees of the `skip` types are not searched)."""
    for stmt in statements:
        stack = [stmt]
        while stack:
            current = stack.pop()
            if current is node:
                return stmt
            if skip and isinstance(current, skip):
                continue
            stack.extend(current.children)
    return None


def _child_containing(top: cst.ClassDef, node: cst.CSTNode) -> cst.CSTNode | None:
    """The statement of the class body that contains `node`."""
    return statement_containing(top.body.body if isinstance(top.body, cst.IndentedBlock) else (), node)


def _first_line_signature(stmt: cst.CSTNode) -> str | None:
    """A regex for the first line of a class-body statement, without its indentation."""
    if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
        keyword = "class" if isinstance(stmt, cst.ClassDef) else r"(async\s+)?def"
        return rf"{keyword}\s+{re.escape(stmt.name.value)}\b"
    if isinstance(stmt, cst.SimpleStatementLine) and stmt.body:
        code = _EMPTY.code_for_node(stmt.body[0]).splitlines()
        if code and code[0].strip():
            return re.escape(code[0].rstrip())
    return None


_EMPTY = cst.Module(body=[])


def _resolve_relative(package: str, level: int, module: str | None) -> str:
    parts = package.split(".") if package else []
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    base = ".".join(parts)
    if module:
        return f"{base}.{module}" if base else module
    return base


def _index(tree, info: ModuleInfo) -> None:
    """Imports of the module, from Python's own syntax tree (incl. `if`/`try` blocks)."""
    import ast

    def visit(statements) -> None:
        for stmt in statements:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        info.imports[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        info.imports.setdefault(head, head)
            elif isinstance(stmt, ast.ImportFrom):
                source = _resolve_relative(info.package, stmt.level, stmt.module) if stmt.level else (stmt.module or "")
                for alias in stmt.names:
                    if alias.name == "*":
                        info.star_imports.append(source)
                    else:
                        info.imports[alias.asname or alias.name] = f"{source}.{alias.name}" if source else alias.name
            elif isinstance(stmt, ast.If):
                visit(stmt.body)
                visit(stmt.orelse)
            elif isinstance(stmt, ast.Try):
                visit(stmt.body)

    visit(tree.body)


def _chunks(tree) -> list[Chunk]:
    import ast

    chunks: list[Chunk] = []
    for stmt in tree.body:
        start = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []))])
        end = stmt.end_lineno or stmt.lineno
        names: tuple[str, ...] = ()
        kind = "other"
        docstring = methods = None
        if isinstance(stmt, ast.ClassDef):
            names, kind = (stmt.name,), "class"
            docstring = ast.get_docstring(stmt, clean=False)
            methods = {m.name: ast.get_docstring(m, clean=False) for m in stmt.body
                       if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names, kind = (stmt.name,), "function"
            docstring = ast.get_docstring(stmt, clean=False)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names, kind = tuple(t.id for t in targets if isinstance(t, ast.Name)), "assign"
            if isinstance(stmt, ast.AnnAssign) and stmt.value is None:
                names = ()
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            kind = "import"
        if chunks and start <= chunks[-1].end:  # `a = 1; b = 2`: one libcst statement
            last = chunks[-1]
            chunks[-1] = Chunk(last.start, max(last.end, end), last.keyword_line, last.names + names,
                               last.kind if last.kind == kind else "other")
            continue
        chunks.append(Chunk(start, end, stmt.lineno, names, kind, docstring=docstring, methods=methods))
    return chunks


def load_module(path: Path, qualname: str | None = None, keep_ast: bool = False) -> ModuleInfo:
    """Read and index one file.  Raises `SourceError` with a line for bad input."""
    import ast
    import warnings

    from doccheck.discover import module_name

    text = read_source(path)
    if "\x00" in text:
        raise SourceError("file contains a NUL byte", text[: text.index("\x00")].count("\n") + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences are DC001's business, not the parser's
            tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise SourceError(f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1) from exc
    except (RecursionError, MemoryError, ValueError) as exc:
        raise SourceError(f"cannot parse: {type(exc).__name__}") from exc
    if qualname is None:
        qualname, _ = module_name(path)
    info = ModuleInfo(str(path), qualname, text, _chunks(tree), is_package=path.name == "__init__.py")
    _index(tree, info)
    if keep_ast:
        info.ast_tree = tree
    return info
