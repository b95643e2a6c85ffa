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


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long for the system, a permission problem: nothing to read there
        return False


def module_file(qualname: str, search_path: list[str] | None = None,
                looked_at: list[Path] | None = None) -> Path | None:
    """The source file of a dotted module name, found without importing anything.

    `looked_at`, when given, receives every candidate checked, the one found
    last: the cache keeps the ones not found, as a file created there later
    changes what the name means.
    """
    parts = qualname.split(".")
    if not all(p.isidentifier() for p in parts):
        return None
    for entry in search_path if search_path is not None else sys.path:
        base = Path(entry or ".").joinpath(*parts)
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if looked_at is not None:
                looked_at.append(candidate)
            if _is_file(candidate):
                return candidate
    return None


def _excluded(path: Path, exclude: tuple[str, ...]) -> bool:
    text = path.as_posix()
    return any(fnmatch.fnmatch(text, pat) or fnmatch.fnmatch(path.name, pat) or f"/{pat.strip('/')}/" in f"/{text}/"
               for pat in exclude)


def _exists(path: Path) -> bool:
    """Whether anything is at `path`: a dangling or looping symlink, a FIFO, or a path too long to open all count.

    Such entries are kept as files so that the check reports them (DC002)
    instead of the run skipping them silently or stopping with a usage error.
    """
    try:
        os.lstat(path)
        return True
    except FileNotFoundError:
        return False
    except OSError:  # ENAMETOOLONG, ELOOP, EACCES: something is named there; the check says what
        return True


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _walk(top: Path, exclude: tuple[str, ...], found: dict[str, Path]) -> None:
    """Every ``*.py`` below `top`, iteratively (no recursion limit: 1,100 nested folders are fine).

    Symlinked folders are not followed (as in ``os.walk``); an entry named
    ``*.py`` is kept whatever it is (a dangling link, a FIFO), and a folder that
    cannot be listed is kept too: the check reports both instead of skipping them.
    """
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listing = sorted(entries, key=lambda e: e.name)
        except OSError:
            if folder != top:
                found.setdefault(str(folder), folder)  # reported as "cannot list folder"
                continue
            raise
        subfolders = []
        for entry in listing:
            path = Path(folder, entry.name)
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_folder = False
            if is_folder:
                if entry.name not in SKIPPED_DIRS and not entry.name.startswith(".") and not _excluded(path, exclude):
                    subfolders.append(path)
            elif entry.name.endswith(".py"):
                try:
                    linked_folder = entry.is_symlink() and entry.is_dir()
                except OSError:
                    linked_folder = False
                if not linked_folder and not _excluded(path, exclude):
                    found.setdefault(str(path), path)
        stack.extend(reversed(subfolders))


def discover(targets: list[str], exclude: tuple[str, ...] = ()) -> list[Path]:
    """All ``.py`` files of the targets, each once, in a stable order."""
    found: dict[str, Path] = {}
    for target in targets:
        path = Path(target)
        if not _exists(path):
            resolved = module_file(target) if "/" not in target and not target.endswith(".py") else None
            if resolved is None:
                raise TargetError(f"{target}: no such file, folder or importable module")
            path = resolved.parent if resolved.name == "__init__.py" else resolved
        if not _is_folder(path):  # a file, or an entry the check will report (a FIFO, a dangling link)
            found.setdefault(str(path), path)
            continue
        try:
            _walk(path, exclude, found)
        except OSError as exc:
            raise TargetError(f"{target}: cannot list the folder: {exc.strerror or exc}") from None
    return [found[k] for k in sorted(found)]


def module_name(path: Path, looked_at: list[Path] | None = None) -> tuple[str, Path]:
    """The dotted module name of a file and the folder its top package lives in.

    Walks up while folders are packages (hold an ``__init__.py``), so a file
    checked alone — as pre-commit passes it — still knows its package and can
    resolve base classes and helpers from the files around it.  `looked_at`
    receives the ``__init__.py`` files checked (the cache depends on them).
    """
    path = path.resolve()
    parts = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    while folder.parent != folder:
        marker = folder / "__init__.py"
        if looked_at is not None:
            looked_at.append(marker)
        if not _is_file(marker):
            break
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts) or path.stem, folder
