"""The files whose results may change when some files change: the modules that import them, transitively.

pre-commit passes only the changed files.  A docstring in ``blocks.py`` is proven against a helper in
``_init.py``; when only ``_init.py`` changes, ``blocks.py`` must be checked again, or a docstring that the
change made wrong passes.  `dependents` reads the ``import`` statements of every module in the changed files'
packages (Python's ``ast``, nothing executed or imported) and returns the modules that import a changed module,
directly or through others.  A file that cannot be read or parsed is skipped here: the check reports it itself
when it is a target.
"""

from __future__ import annotations

import ast
from pathlib import Path


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """The dotted names a module imports (``from . import x`` resolved against `module`)."""
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".") if package else []
                base = parts[:len(parts) - (node.level - 1)] if node.level - 1 <= len(parts) else []
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            if origin:
                names.add(origin)
                names.update(f"{origin}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return names


def dependents(changed: list[Path], limit_bytes: int = 4 * 1024 * 1024) -> list[Path]:
    """The ``.py`` files of the changed files' top packages that import a changed module, transitively
    (the changed files themselves not included), in a stable order."""
    from doccheck import safeio
    from doccheck.discover import TargetError, discover, module_name

    changed_names: dict[str, Path] = {}
    roots: set[Path] = set()
    for path in changed:
        try:
            qualname, root = module_name(path)
        except (OSError, RuntimeError):
            continue
        changed_names[qualname] = path.resolve()
        top = qualname.split(".", 1)[0]
        folder = Path(str(root)) / top
        if "." in qualname and folder.is_dir():  # a module of a package: the package is where its importers live
            roots.add(folder)
    if not roots:
        return []
    importers: dict[str, set[str]] = {}  # module -> the modules it imports
    files: dict[str, Path] = {}
    for root in sorted(roots):
        try:
            candidates = discover([str(root)])
        except TargetError:
            continue
        for file in candidates:
            try:
                qualname, _ = module_name(file)
                tree = ast.parse(safeio.read_regular(file, limit_bytes))
            except (OSError, RuntimeError, SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            files[qualname] = file
            importers[qualname] = _imports(tree, qualname, file.name == "__init__.py")
    reached = set(changed_names)
    frontier = set(changed_names)
    while frontier:  # reverse edges, breadth first: who imports what was reached
        frontier = {module for module, imported in importers.items()
                    if module not in reached and imported & frontier}
        reached |= frontier
    changed_files = set(changed_names.values())
    out = {files[m].resolve() for m in reached if m in files} - changed_files
    return sorted(out)
