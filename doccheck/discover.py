"""Stage 1: turn the command line's targets into the Python files to check.

A target is a file, a folder, or a dotted module name (``torch.nn``) that is
resolved to its source on ``sys.path`` by looking at the file system only —
nothing is imported, so no analysed code ever runs.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import sys
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Mount:
    """A folder that is a copy of a framework package (a vendored or partial ``torch/nn``).

    Its modules are named as the framework's (``torch.nn.modules.rnn``, not ``nn.modules.rnn``), so that the
    framework's rules (roots such as ``torch.nn.Module``) apply to it as they do to the installed package; a
    module the copy lacks is read from the framework found on ``sys.path``.
    """

    prefix: str  # the framework package the folder copies: "torch.nn"
    folder: str  # the copy: "/tmp/vendored/nn"

    def __str__(self) -> str:
        return self.folder


def module_name(path: Path, looked_at: list[Path] | None = None) -> tuple[str, Path | Mount]:
    """The dotted module name of a file and the folder its top package lives in.

    Walks up while folders are packages (hold an ``__init__.py``), so a file
    checked alone — as pre-commit passes it — still knows its package and can
    resolve base classes and helpers from the files around it.  A package that
    is a copy of a framework's package (see `framework_copy`) gives the
    framework's names and a `Mount` instead of the folder.  `looked_at`
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
    packages = len(parts) if path.name == "__init__.py" else len(parts) - 1
    for depth in range(1, packages + 1):  # the outermost package that copies a framework package wins
        package_dir = folder.joinpath(*parts[:depth])
        prefix = framework_copy(str(package_dir))
        if prefix is not None:
            return ".".join([prefix, *parts[depth:]]), Mount(prefix, str(package_dir))
    return ".".join(parts) or path.stem, folder


# ---------------------------------------------------------------- copies of framework packages
MIN_SHARED_FILES = 0.8  # of the copy's modules, at least this share must exist in the framework package
MIN_SHARED_NAMES = 0.6  # and of their top-level classes and functions, this share must be the framework's
_TOP_LEVEL = re.compile(r"^(?:class|def)\s+([A-Za-z_]\w*)", re.M)


@functools.lru_cache(maxsize=None)
def _framework_names() -> tuple[str, ...]:
    """The top-level packages of the frameworks doccheck has rules for (``[framework] name``)."""
    import tomllib

    from doccheck.knowledge import builtin_rules_dir

    names = []
    for rules in sorted(builtin_rules_dir().glob("*.toml")):
        try:
            name = tomllib.loads(rules.read_text(encoding="utf-8")).get("framework", {}).get("name")
        except (OSError, ValueError):
            continue
        if isinstance(name, str) and name.isidentifier():
            names.append(name)
    return tuple(names)


@functools.lru_cache(maxsize=None)
def _framework_packages(search_path: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(dotted name, folder) of every package of every framework found on the search path."""
    found = []
    for name in _framework_names():
        init = module_file(name, list(search_path))
        if init is None or init.name != "__init__.py":
            continue
        top = init.parent.resolve()
        for dirpath, dirnames, _ in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if (Path(dirpath, d) / "__init__.py").is_file())
            relative = Path(dirpath).relative_to(top).parts
            found.append((".".join([name, *relative]), dirpath))
    return tuple(found)


def _modules_of(folder: str) -> dict[str, Path]:
    """Relative path -> file, for every module of a package folder (subpackages included)."""
    result = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if (Path(dirpath, d) / "__init__.py").is_file())
        for name in filenames:
            if name.endswith(".py"):
                file = Path(dirpath, name)
                result[file.relative_to(folder).as_posix()] = file
    return result


def _top_level_names(file: Path) -> set[str]:
    try:
        from doccheck import safeio  # never a blocking open: the copy may hold a FIFO named *.py

        return set(_TOP_LEVEL.findall(safeio.read_regular(file).decode("utf-8", errors="replace")))
    except OSError:
        return set()


@functools.lru_cache(maxsize=256)
def framework_copy(package_dir: str, search_path: tuple[str, ...] | None = None) -> str | None:
    """The framework package (``torch.nn``) that a package folder outside it is a copy of, or None.

    A copy has the framework package's folder name, at least `MIN_SHARED_FILES` of its modules at the same
    relative paths there, and at least `MIN_SHARED_NAMES` of its top-level classes and functions defined in
    the framework's file of the same path; the one framework package that matches best is taken (a tie, e.g.
    two packages equally like the copy, is no copy: its own names are kept).  A package that is itself on
    the framework's tree is not a copy.  Only the file system is read.
    """
    folder = Path(package_dir).resolve()
    packages = _framework_packages(tuple(search_path if search_path is not None else sys.path))
    if any(folder == Path(f).resolve() or Path(f).resolve() in folder.parents for _, f in packages if
           "." not in _):
        return None  # inside the installed framework: its names are right already
    candidates = [(q, f) for q, f in packages if Path(f).name == folder.name]
    if not candidates:
        return None
    mine = _modules_of(str(folder))
    if not mine:
        return None
    mine_names = {rel: _top_level_names(file) for rel, file in mine.items()}
    total_names = sum(len(n) for n in mine_names.values())
    scored = []
    for qualname, other in candidates:
        theirs = _modules_of(other)
        shared = [rel for rel in mine if rel in theirs]
        if len(shared) < MIN_SHARED_FILES * len(mine):
            continue
        names = sum(len(mine_names[rel] & _top_level_names(theirs[rel])) for rel in shared)
        if total_names and names < MIN_SHARED_NAMES * total_names:
            continue
        scored.append((len(shared) + names, qualname))
    if not scored:
        return None
    scored.sort(reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    return scored[0][1]
