"""A content-hash cache of per-file results, kept outside the analysed tree.

An entry is found by the file's absolute path and a fingerprint of everything
else that changes results: doccheck's version and sources, the configuration,
the rules files' contents, the Python version, the installed libcst, docutils
and sympy, ``sys.path`` (so ``PYTHONPATH``) and the package roots of the run.
It stores the findings and class summaries plus

* the content hash of every file the analysis read (the file itself, base
  classes in sibling modules, docstring notes in other packages, the
  ``__init__.py`` files that make its module name), and
* every file it looked for and did not find (``pkg/base.py`` before
  ``site-packages/pkg/base.py``, the missing ``__init__.py`` above the package):
  a base class module added later must invalidate the entry.

It is valid only while all of those still hold.  Results with an internal
error (DC000) or a time-out are never stored.  Reading the cache needs only
hashlib and json: a fully cached run imports none of the heavy libraries.

Trust model: whoever can write to the cache directory decides what doccheck
reports, so it must be trusted.  doccheck creates it private (0700) and refuses
one that another user owns or may write to.  An entry is checked against its
own path and the fingerprint, every field's type, and the content hash of the
file it describes; its findings may only be on that file.  A crafted entry for
another path, or one whose hash does not match the file, is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
from pathlib import Path

from doccheck import __version__, safeio

ENTRY_FORMAT = 2
SELF = "<this file>"  # a cached finding's path when it is the cached file itself
MAX_ENTRY_BYTES = 16 * 1024 * 1024
_CODE = re.compile(r"DC[0-9]{3}")
_INTERNAL_ERROR = "DC000"
_LIBRARIES = ("libcst", "docutils", "sympy")


class CacheUnavailable(Exception):
    """No cache can be used in this run; the message says why and how to get one."""


def cache_dir() -> Path:
    """$DOCCHECK_CACHE_DIR, else $XDG_CACHE_HOME/doccheck, else ~/.cache/doccheck."""
    base = os.environ.get("DOCCHECK_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "doccheck"
    try:
        home = Path.home()
    except (RuntimeError, KeyError, OSError):  # HOME unset and the user id is not in the password database
        raise CacheUnavailable(f"no cache: HOME is not set and user id {_uid()} has no home directory; set "
                               f"DOCCHECK_CACHE_DIR to a private folder to cache results") from None
    return home / ".cache" / "doccheck"


def _uid():
    return os.geteuid() if hasattr(os, "geteuid") else "?"


def _private_dir(path: Path) -> None:
    """Create `path` private (0700), or check that an existing one is the user's own and nobody else's to write."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise CacheUnavailable(f"cache disabled: {path} is not a folder (a symbolic link?); the cache directory "
                               f"must be trusted")
    if hasattr(os, "geteuid"):
        if info.st_uid != os.geteuid():
            raise CacheUnavailable(f"cache disabled: {path} belongs to user id {info.st_uid}, not to you; the cache "
                                   f"directory must be trusted")
        if info.st_mode & 0o077:
            os.chmod(path, 0o700)  # an older doccheck made it 0755: cached findings are private too


def _regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def file_hash(path: str, memo: dict[str, str | None]) -> str | None:
    """sha256 of a regular file's content; None when there is no such (readable, regular) file."""
    if path not in memo:
        try:
            memo[path] = hashlib.sha256(safeio.read_regular(path)).hexdigest()
        except (OSError, ValueError):
            memo[path] = None
    return memo[path]


def _own_sources() -> str:
    """doccheck's own files by size and modification time: a changed checker is a new cache."""
    package = Path(__file__).resolve().parent
    parts = []
    for source in sorted(package.rglob("*.py")):
        try:
            info = source.stat()
        except OSError:
            continue
        parts.append(f"{source.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(parts)


def _libraries() -> str:
    """Where libcst, docutils and sympy are installed, their files' stamps and versions — without importing them.

    The version comes from the ``NAME-VERSION.dist-info`` folder next to the
    package (importlib.metadata would cost 30 ms on every cached run).
    """
    import importlib.util

    parts = []
    listings: dict[str, list[str]] = {}
    for name in _LIBRARIES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
        if not origin:
            parts.append(f"{name}:missing")
            continue
        try:
            info = os.stat(origin)
            stamp = f"{info.st_size}:{info.st_mtime_ns}"
        except OSError:
            stamp = "?"
        site = os.path.dirname(os.path.dirname(origin))
        if site not in listings:
            try:
                listings[site] = sorted(os.listdir(site))
            except OSError:
                listings[site] = []
        dists = [e for e in listings[site] if e.lower().startswith(name + "-") and e.endswith((".dist-info", ".egg-info"))]
        parts.append(f"{name}:{origin}:{stamp}:{','.join(dists)}")
    return "\n".join(parts)


def fingerprint(config_repr: str, rules_files: list[str], roots: list[str] = ()) -> str:
    """Everything besides the files themselves that changes results (see the module docstring)."""
    environment = "\n".join([
        __version__, config_repr, _own_sources(), sys.version, sys.platform, _libraries(),
        repr(list(roots)), repr(list(sys.path)),
    ])
    digest = hashlib.sha256(os.fsencode(environment))
    for rules in sorted(rules_files):
        try:
            digest.update(hashlib.sha256(safeio.read_regular(rules)).digest())
        except OSError:
            digest.update(b"missing:" + os.fsencode(rules))
    return digest.hexdigest()[:32]


def _is_str(value) -> bool:
    return isinstance(value, str)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _valid_finding(data, deps: dict) -> bool:
    """A finding on the cached file itself, every field of its type; related positions only in files it read."""
    if not isinstance(data, dict) or set(data) != {"path", "line", "column", "code", "message", "object",
                                                   "documented", "effective", "derivation", "related"}:
        return False
    if data["path"] != SELF or not _is_str(data["code"]) or not _CODE.fullmatch(data["code"]) \
            or data["code"] == _INTERNAL_ERROR:
        return False
    if not (_is_int(data["line"]) and _is_int(data["column"]) and data["line"] >= 1 and data["column"] >= 1):
        return False
    if not (_is_str(data["message"]) and _is_str(data["object"])
            and all(data[k] is None or _is_str(data[k]) for k in ("documented", "effective"))):
        return False
    if not isinstance(data["derivation"], list) or not all(_is_str(s) for s in data["derivation"]):
        return False
    related = data["related"]
    if not isinstance(related, list):
        return False
    for position in related:
        if not (isinstance(position, list) and len(position) == 3 and _is_str(position[0])
                and _is_int(position[1]) and _is_int(position[2])):
            return False
        if position[0] != SELF and position[0] not in deps:
            return False
    return True


def _valid_summary(data) -> bool:
    return (isinstance(data, list) and len(data) == 3 and _is_str(data[0]) and isinstance(data[1], bool)
            and isinstance(data[2], list) and all(_is_str(s) for s in data[2]))


class Cache:
    def __init__(self, key: str, directory: Path | None = None):
        """Raises `CacheUnavailable` when there is no trustworthy place for the cache."""
        base = directory if directory is not None else cache_dir()
        self.directory = base / f"v{__version__}"
        self.key = key
        self.hashes: dict[str, str | None] = {}
        self.usable = True
        try:
            os.makedirs(base, mode=0o700, exist_ok=True)
            _private_dir(self.directory)
        except OSError:
            self.usable = False  # a read-only or missing cache location only costs speed

    def _entry_path(self, path: str) -> Path:
        name = hashlib.sha256(self.key.encode() + b"\0" + os.fsencode(os.path.abspath(path))).hexdigest()
        return self.directory / name[:2] / f"{name}.json"

    def get(self, path: str) -> dict | None:
        """The stored result for `path`, or None unless every check of the module docstring passes."""
        if not self.usable:
            return None
        try:
            entry = json.loads(safeio.read_regular(self._entry_path(path), MAX_ENTRY_BYTES).decode("utf-8"))
        except (OSError, ValueError):
            return None
        own = os.path.abspath(path)
        if not isinstance(entry, dict) or entry.get("format") != ENTRY_FORMAT or entry.get("key") != self.key \
                or entry.get("path") != own:
            return None
        deps, absent = entry.get("deps"), entry.get("absent")
        if not isinstance(deps, dict) or not isinstance(absent, list) or not all(_is_str(p) for p in absent):
            return None
        if not all(_is_str(d) for d in deps.values()):
            return None
        digest = deps.get(own)
        if digest is None or file_hash(own, self.hashes) != digest:
            return None
        if any(file_hash(dep, self.hashes) != recorded for dep, recorded in deps.items()):
            return None
        if any(_regular(p) for p in absent):
            return None
        findings, classes = entry.get("findings"), entry.get("classes")
        if not isinstance(findings, list) or not all(_valid_finding(f, deps) for f in findings):
            return None
        if not isinstance(classes, list) or not all(_valid_summary(c) for c in classes):
            return None
        return entry

    def put(self, path: str, payload: dict, deps: list[str], absent: list[str] = ()) -> None:
        """Store a result; never one with an internal error, nor for a file that cannot be read."""
        if not self.usable or any(f.get("code") == _INTERNAL_ERROR for f in payload.get("findings", ())):
            return
        own = os.path.abspath(path)
        hashes = {p: file_hash(p, self.hashes) for p in sorted({own, *(os.path.abspath(d) for d in deps)})}
        if any(h is None for h in hashes.values()):
            return  # a dependency vanished or cannot be read: nothing to validate the entry against
        entry = dict(payload, format=ENTRY_FORMAT, key=self.key, path=own, deps=hashes,
                     absent=sorted({os.path.abspath(p) for p in absent} - set(hashes)))
        target = self._entry_path(path)
        try:
            target.parent.mkdir(mode=0o700, exist_ok=True)
            safeio.write_atomic(target, json.dumps(entry).encode("utf-8"))
        except (OSError, ValueError):
            pass  # a read-only or full cache directory only costs speed (write_atomic leaves no .tmp behind)
