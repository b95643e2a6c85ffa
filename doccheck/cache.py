"""A content-hash cache of per-file results, kept outside the analysed tree.

An entry is keyed by the file's absolute path and a fingerprint of doccheck's
version, the configuration and the rules files; it stores the findings and
class summaries plus the content hash of every file the analysis read (the
file itself, base classes in sibling modules, docstring notes in other
packages).  It is valid only while all of those hashes still match, so editing
a base class invalidates its subclasses' entries.  Reading the cache needs
only hashlib and json: a fully cached run imports none of the heavy libraries.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from doccheck import __version__


def cache_dir() -> Path:
    base = os.environ.get("DOCCHECK_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "doccheck"


def file_hash(path: str, memo: dict[str, str | None]) -> str | None:
    if path not in memo:
        try:
            memo[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            memo[path] = None
    return memo[path]


def _own_sources() -> str:
    """doccheck's own files by size and modification time: a changed checker is a new cache."""
    package = Path(__file__).resolve().parent
    parts = []
    for source in sorted(package.rglob("*.py")):
        try:
            stat = source.stat()
        except OSError:
            continue
        parts.append(f"{source.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts)


def fingerprint(config_repr: str, rules_files: list[str]) -> str:
    digest = hashlib.sha256(f"{__version__}\n{config_repr}\n{_own_sources()}\n".encode())
    for rules in sorted(rules_files):
        try:
            digest.update(Path(rules).read_bytes())
        except OSError:
            digest.update(b"missing:" + rules.encode())
    return digest.hexdigest()[:32]


class Cache:
    def __init__(self, key: str, directory: Path | None = None):
        self.directory = (directory or cache_dir()) / f"v{__version__}"
        self.key = key
        self.hashes: dict[str, str | None] = {}

    def _entry_path(self, path: str) -> Path:
        name = hashlib.sha256(f"{self.key}\0{os.path.abspath(path)}".encode()).hexdigest()
        return self.directory / name[:2] / f"{name}.json"

    def get(self, path: str) -> dict | None:
        try:
            entry = json.loads(self._entry_path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        deps = entry.get("deps", {})
        if deps.get(os.path.abspath(path)) != file_hash(os.path.abspath(path), self.hashes):
            return None
        if any(file_hash(dep, self.hashes) != digest for dep, digest in deps.items()):
            return None
        return entry

    def put(self, path: str, payload: dict, deps: list[str]) -> None:
        paths = {os.path.abspath(path), *(os.path.abspath(d) for d in deps)}
        entry = dict(payload, deps={p: file_hash(p, self.hashes) for p in sorted(paths)})
        target = self._entry_path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(entry, handle)
            os.replace(tmp, target)
        except OSError:
            pass  # a read-only or full cache directory only costs speed
