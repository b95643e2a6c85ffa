"""Stage 1: turn the command line's targets into the Python files to check.

A target is a file, a folder, or a dotted module name (``torch.nn``) that is
resolved to its source on ``sys.path`` by looking at the file system only —
nothing is imported, so no analysed code ever runs.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from pathlib import Path

SKIPPED_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "node_modules", ".mypy_cache",
                ".pytest_cache", ".ruff_cache", "build", "dist", ".eggs"}


class TargetError(Exception):
    """A target does not exist or cannot be read (a usage error, exit 2)."""


def module_file(qualname: str, search_path: list[str] | None = None) -> Path | None:
    """The source file of a dotted module name, found without importing anything."""
    parts = qualname.split(".")
    if not all(p.isidentifier() for p in parts):
        return None
    for entry in search_path if search_path is not None else sys.path:
        base = Path(entry or ".").joinpath(*parts)
        if (base / "__init__.py").is_file():
            return base / "__init__.py"
        candidate = base.with_suffix(".py")
        if candidate.is_file():
            return candidate
    return None


def _excluded(path: Path, exclude: tuple[str, ...]) -> bool:
    text = path.as_posix()
    return any(fnmatch.fnmatch(text, pat) or fnmatch.fnmatch(path.name, pat) or f"/{pat.strip('/')}/" in f"/{text}/"
               for pat in exclude)


def discover(targets: list[str], exclude: tuple[str, ...] = ()) -> list[Path]:
    """All ``.py`` files of the targets, each once, in a stable order."""
    found: dict[str, Path] = {}
    for target in targets:
        path = Path(target)
        if not path.exists():
            resolved = module_file(target) if "/" not in target and not target.endswith(".py") else None
            if resolved is None:
                raise TargetError(f"{target}: no such file, folder or importable module")
            path = resolved.parent if resolved.name == "__init__.py" else resolved
        if path.is_file():
            found.setdefault(str(path), path)
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith(".")
                                 and not _excluded(Path(dirpath, d), exclude))
            for name in sorted(filenames):
                if name.endswith((".py", ".pyi")) and not name.endswith(".pyi"):
                    file = Path(dirpath, name)
                    if not _excluded(file, exclude):
                        found.setdefault(str(file), file)
    return [found[k] for k in sorted(found)]


def module_name(path: Path) -> tuple[str, Path]:
    """The dotted module name of a file and the folder its top package lives in.

    Walks up while folders are packages (hold an ``__init__.py``), so a file
    checked alone — as pre-commit passes it — still knows its package and can
    resolve base classes and helpers from the files around it.
    """
    path = path.resolve()
    parts = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts) or path.stem, folder
