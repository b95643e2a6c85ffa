"""Cross-file resolution: modules by dotted name, names to definitions, class MROs.

Files other than the targets are read only when a name leads to them (a base
class in a sibling module, an init helper, a docstring fragment in a dict),
looked up on the file system under the targets' package roots and sys.path.
Nothing is imported.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from doccheck.discover import Mount, module_file
from doccheck.parse import ModuleInfo, SourceError, load_module

MAX_RESOLVE_DEPTH = 25
MAX_MRO_LENGTH = 200


class ResolutionError(Exception):
    """Inheritance that cannot be linearised (a cycle, an inconsistent order, absurd depth)."""


@dataclass(frozen=True)
class Definition:
    """A resolved name: a top-level statement of a module we have the source of."""

    module: ModuleInfo
    node: cst.CSTNode  # ClassDef, FunctionDef, Assign or AnnAssign
    qualname: str


@dataclass(frozen=True)
class External:
    """A name whose source we do not have (or a framework root such as nn.Module)."""

    qualname: str


class Project:
    def __init__(self, roots: list[Path | Mount] | None = None, search_path: list[str] | None = None):
        self.roots: list[str] = []
        self.mounts: list[Mount] = []  # copies of framework packages, searched first for their prefix
        for root in roots or []:
            self._add_root(root)
        self.search_path = list(search_path if search_path is not None else sys.path)
        self._by_qualname: dict[str, ModuleInfo | None] = {}
        self._by_path: dict[str, ModuleInfo] = {}
        self._mro_cache: dict[int, list] = {}
        self.accessed: set[str] = set()  # files read for the current target (the cache's dependencies)
        self.absent: set[str] = set()  # files looked for and not found (a file created there changes results)
        self._lookups: dict[str, tuple[tuple[str, ...], str | None]] = {}  # qualname -> (not found, found)

    # ---------------------------------------------------------------- modules
    def _add_root(self, root: Path | Mount | str) -> None:
        if isinstance(root, Mount):
            if root not in self.mounts:
                self.mounts.append(root)
                self.mounts.sort(key=lambda m: -len(m.prefix))  # the most specific copy first
        elif str(root) not in self.roots:
            self.roots.insert(0, str(root))

    def add(self, info: ModuleInfo, root: Path | Mount | None = None) -> None:
        self._by_path[str(Path(info.path).resolve())] = info
        self._by_qualname[info.qualname] = info
        if root is not None:
            self._add_root(root)

    def _find(self, qualname: str, looked_at: list[Path]) -> Path | None:
        """The source file of a module: in a framework copy under check first, then roots and sys.path.

        `looked_at` receives every candidate checked, the one found last (the cache keeps the absent ones)."""
        for mount in self.mounts:
            if qualname == mount.prefix or qualname.startswith(mount.prefix + "."):
                rest = qualname[len(mount.prefix) + 1:].split(".") if qualname != mount.prefix else []
                base = Path(mount.folder).joinpath(*rest)
                for candidate in [base / "__init__.py"] + ([base.with_suffix(".py")] if rest else []):
                    looked_at.append(candidate)
                    if candidate.is_file():
                        return candidate
                break  # a module the copy lacks: the framework's own
        return module_file(qualname, self.roots + self.search_path, looked_at)

    def module(self, qualname: str) -> ModuleInfo | None:
        info = self._module(qualname)
        lookup = self._lookups.get(qualname)
        if lookup is not None:  # recorded on every use: the memo must not hide a dependency from later files
            self.absent.update(lookup[0])
            if lookup[1] is not None:
                self.accessed.add(lookup[1])
        if info is not None:
            self.accessed.add(str(Path(info.path).resolve()))
        return info

    def _module(self, qualname: str) -> ModuleInfo | None:
        if qualname in self._by_qualname:
            return self._by_qualname[qualname]
        self._by_qualname[qualname] = None  # guards against import cycles while loading
        looked_at: list[Path] = []
        path = self._find(qualname, looked_at)
        missing = looked_at[:-1] if path is not None else looked_at
        info = None
        resolved = None
        if path is not None:
            try:
                resolved = str(path.resolve())
            except (OSError, RuntimeError):  # a symlink loop between the check and now
                path = None
        self._lookups[qualname] = (tuple(str(p.absolute()) for p in missing), resolved)
        if path is not None:
            info = self._by_path.get(resolved)
            if info is None:
                try:
                    info = load_module(path, qualname)
                except SourceError:
                    info = None
                if info is not None:
                    self._by_path[resolved] = info
        self._by_qualname[qualname] = info
        return info

    # ---------------------------------------------------------------- names
    def resolve_in(self, module: ModuleInfo, name: str, _depth: int = 0) -> Definition | External | None:
        """What a top-level name of `module` refers to, following imports and re-exports."""
        if _depth > MAX_RESOLVE_DEPTH:
            return None
        node = module.definitions.get(name)
        if node is not None:
            return Definition(module, node, f"{module.qualname}.{name}")
        target = module.imports.get(name)
        if target is not None:
            return self.resolve_qualname(target, _depth + 1)
        for source in module.star_imports:
            other = self.module(source)
            if other is not None and other is not module:
                found = self.resolve_in(other, name, _depth + 1)
                if isinstance(found, Definition):
                    return found
        return None

    def resolve_qualname(self, qualname: str, _depth: int = 0) -> Definition | External | None:
        """``torch.nn.Linear`` -> the ClassDef in torch/nn/modules/linear.py (through re-exports)."""
        if _depth > MAX_RESOLVE_DEPTH:
            return External(qualname)
        module_name, _, attr = qualname.rpartition(".")
        if not module_name:
            return External(qualname)
        info = self.module(module_name)
        if info is not None:
            found = self.resolve_in(info, attr, _depth + 1)
            if found is not None:
                return found
            return External(qualname)
        # `a.b.C.method`: C may be a class in module a.b
        parent = self.resolve_qualname(module_name, _depth + 1)
        if isinstance(parent, Definition) and isinstance(parent.node, cst.ClassDef):
            return External(qualname)
        return External(qualname)

    def qualname_of(self, module: ModuleInfo, expr: cst.BaseExpression) -> str | None:
        """The qualified name a dotted expression such as ``nn.init.xavier_uniform_`` stands for."""
        parts: list[str] = []
        node = expr
        while isinstance(node, cst.Attribute):
            parts.insert(0, node.attr.value)
            node = node.value
        if not isinstance(node, cst.Name):
            return None
        head = node.value
        if head in module.definitions:
            base = f"{module.qualname}.{head}"
        elif head in module.imports:
            base = module.imports[head]
        else:
            return None
        return ".".join([base, *parts])

    # ---------------------------------------------------------------- classes
    def bases(self, definition: Definition, roots: frozenset[str] = frozenset()) -> list[Definition | External]:
        node = definition.node
        assert isinstance(node, cst.ClassDef)
        result: list[Definition | External] = []
        for arg in node.bases:
            if arg.keyword is not None or arg.star:
                continue
            expr = arg.value
            if isinstance(expr, cst.Subscript):  # Generic[T], Protocol[...]
                expr = expr.value
            qual = self.qualname_of(definition.module, expr)
            if qual is None:
                result.append(External(cst.Module(body=[]).code_for_node(expr)))
                continue
            if qual in roots:  # nn.Module: no need to read (and parse) its large module
                result.append(External(qual))
                continue
            found = self.resolve_qualname(qual)
            if isinstance(found, Definition) and isinstance(found.node, cst.ClassDef):
                result.append(found)
            elif isinstance(found, External):
                result.append(found)
            else:
                result.append(External(qual))
        return result

    def mro(self, definition: Definition, roots: frozenset[str] = frozenset()) -> list[Definition | External]:
        """C3 linearisation over the classes we have sources for.

        A class named in `roots` (nn.Module) or without source ends the chain as
        an `External`.  Cycles and inconsistent hierarchies raise ResolutionError.
        """
        return self._mro(definition, roots, ())

    def _mro(self, definition, roots, stack) -> list:
        key = (definition.qualname, roots)
        cached = self._mro_cache.get(hash(key))
        if cached is not None and cached[0] == key:
            return cached[1]
        if definition.qualname in stack:
            cycle = " -> ".join([*stack[stack.index(definition.qualname):], definition.qualname])
            raise ResolutionError(f"cyclic inheritance: {cycle}")
        if len(stack) > MAX_MRO_LENGTH:
            raise ResolutionError(f"inheritance deeper than {MAX_MRO_LENGTH} classes")
        # `object` is every class's last base: Python's MRO has it once, at the end (after the framework's
        # Module, which derives from it); as an ordinary base here it would come before a sibling's bases and
        # end the method search early (torch 1.x: `class _ConvTransposeMixin(object)` before `_ConvNd`)
        bases = [b for b in self.bases(definition, roots)
                 if not (isinstance(b, External) and b.qualname in ("object", "builtins.object"))]
        linear_bases = []
        for base in bases:
            if isinstance(base, External) or base.qualname in roots:
                linear_bases.append([External(base.qualname)])
            else:
                linear_bases.append(self._mro(base, roots, (*stack, definition.qualname)))
        result = [definition] + _c3_merge([*linear_bases, [b if isinstance(b, External) or b.qualname not in roots
                                                          else External(b.qualname) for b in bases]],
                                          definition.qualname)
        self._mro_cache[hash(key)] = (key, result)
        return result


def _c3_merge(sequences: list[list], name: str) -> list:
    from doccheck.mro import c3_merge

    merged = c3_merge(sequences, lambda item: item.qualname)
    if merged is None:
        raise ResolutionError(f"cannot create a consistent method resolution order for {name}")
    return merged
