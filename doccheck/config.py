"""Project configuration: the ``[tool.doccheck]`` table of ``pyproject.toml``.

The file is found by walking up from the first target (a module-name target
starts from the current directory) to the nearest ``pyproject.toml`` that has
a ``[tool.doccheck]`` table; the walk stops at the top of a git checkout.
``--config FILE`` names the file instead (a ``pyproject.toml``, or any TOML
file whose top level is the table itself); ``--isolated`` ignores every file.

Keys (kebab-case, as in ``pyproject.toml``)::

    [tool.doccheck]
    select = ["DC1"]                 # codes or prefixes to report; "ALL" for every check
    extend-select = ["DC103"]        # added to the default (or to `select`)
    ignore = ["DC102"]               # codes or prefixes never reported (wins over select)
    exclude = ["legacy/", "*_pb2.py"]  # files and folders left out, even when named explicitly
    per-file-ignores = { "tests/*" = ["DC101"] }
    rules = ["tools/doccheck_rules.toml"]   # extra rules files (your init helpers as data)
    symbol-aliases = { C_in = "in_channels" }  # documented symbol -> constructor argument
    undocumented-ignore = ["device", "dtype"]  # DC302: parameters that need no Args entry
    baseline = ".doccheck-baseline.json"       # known findings that do not fail the run
    docstring-format = "auto"        # "auto": Markdown recognised per docstring; "rest"; "markdown"

Paths and patterns (``exclude``, ``per-file-ignores``, ``rules``, ``baseline``)
are relative to the folder of the configuration file.  A pattern without a
``/`` matches a file or folder name anywhere below it; a pattern with one is
matched (``fnmatch``) against the path relative to that folder.  Command-line
options win: ``--select`` replaces ``select``; ``--ignore``, ``--exclude``,
``--rules`` and ``--extend-select`` add to the file's values.

Anything unknown or malformed is a `ConfigError`, whose message names the file
and the key; the command line turns it into exit code 2.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

TABLE = "tool.doccheck"
KEYS = ("select", "extend-select", "ignore", "exclude", "per-file-ignores", "rules", "symbol-aliases",
        "undocumented-ignore", "baseline", "docstring-format")
MAX_CONFIG_BYTES = 16 * 1024 * 1024
DOCSTRING_FORMATS = ("auto", "rest", "markdown")
ALIAS_TARGET = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?$")


class ConfigError(ValueError):
    """A configuration file cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class FileConfig:
    """The validated contents of one ``[tool.doccheck]`` table (or nothing, when no file was found)."""

    path: Path | None = None
    select: tuple[str, ...] | None = None  # None: not set in the file
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    rules: tuple[str, ...] = ()  # absolute paths
    symbol_aliases: tuple[tuple[str, str], ...] = ()
    undocumented_ignore: tuple[str, ...] | None = None  # None: not set (DC302's default list)
    baseline: str | None = None  # absolute path
    docstring_format: str | None = None  # None: not set ("auto")

    @property
    def root(self) -> Path:
        """The folder that relative paths and patterns of this configuration start from."""
        return self.path.parent if self.path is not None else Path.cwd()


# ---------------------------------------------------------------------------- finding the file


def _read_toml(path: Path) -> dict:
    from doccheck import safeio

    try:  # a regular file of bounded size: a FIFO named pyproject.toml must not hang the run
        return tomllib.loads(safeio.read_text(path, MAX_CONFIG_BYTES))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _doccheck_table(data: dict) -> dict | None:
    tool = data.get("tool")
    if not isinstance(tool, dict):
        return None
    return tool.get("doccheck")


def find(targets: list[str], cwd: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.doccheck]`` table above the first target."""
    cwd = (cwd or Path.cwd()).resolve()
    start = cwd
    for target in targets:
        path = Path(target)
        if not path.is_absolute():
            path = cwd / path
        try:
            if path.exists():
                start = path.resolve() if path.is_dir() else path.resolve().parent
                break
        except (OSError, RuntimeError):  # a path too long or a symlink loop: the check reports it; look on
            continue
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        try:
            if candidate.is_file() and _doccheck_table(_read_toml(candidate)) is not None:
                return candidate
            if (folder / ".git").exists():
                break
        except OSError:  # a folder whose path is too long to look into
            continue
    return None


def load(path: Path | str) -> FileConfig:
    """Read and validate one configuration file."""
    path = Path(path).resolve()
    data = _read_toml(path)
    table = _doccheck_table(data)
    if table is None:
        if path.name == "pyproject.toml":
            raise ConfigError(f"{path}: has no [{TABLE}] table")
        table = data  # a file of its own (doccheck.toml): the top level is the table
        where = path.name
    else:
        where = f"[{TABLE}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{TABLE}] must be a table")
    return _validate(table, path, where)


def load_for(targets: list[str], explicit: str | None = None, isolated: bool = False) -> FileConfig:
    if isolated:
        return FileConfig()
    if explicit:
        return load(explicit)
    found = find(targets)
    return load(found) if found is not None else FileConfig()


# ---------------------------------------------------------------------------- validation


def known_codes() -> list[str]:
    from doccheck.catalogue import all_checks

    return [check.code for check in all_checks()]


def check_codes(codes, what: str) -> tuple[str, ...]:
    """Normalise codes/prefixes; raise ValueError naming `what` for one that matches no check."""
    known = known_codes()
    out = []
    for code in codes:
        code = code.strip().upper()
        if not code:
            continue
        if code != "ALL" and not any(k.startswith(code) for k in known):
            raise ValueError(f"{what}: {code!r} matches no check (known: {', '.join(known)}, or ALL)")
        out.append(code)
    return tuple(out)


def _problem(path: Path, where: str, key: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: {where} {key}: {message}")


def _strings(value, path: Path, where: str, key: str, example: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _problem(path, where, key, f"must be a list of strings, e.g. {key} = {example}")
    return tuple(value)


def _codes(value, path: Path, where: str, key: str) -> tuple[str, ...]:
    codes = _strings(value, path, where, key, '["DC101"]')
    try:
        return check_codes(codes, key)
    except ValueError as exc:
        raise ConfigError(f"{path}: {where} {exc}") from None


def _relative(path: Path, value: str) -> Path:
    candidate = Path(os.path.expanduser(value))
    return candidate if candidate.is_absolute() else path.parent / candidate


def _validate(table: dict, path: Path, where: str) -> FileConfig:
    unknown = [key for key in table if key not in KEYS]
    if unknown:
        key = unknown[0]
        hint = difflib.get_close_matches(key.replace("_", "-"), KEYS, n=1)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise _problem(path, where, key, f"unknown key{suggestion}; known keys: {', '.join(KEYS)}")
    values: dict = {"path": path}
    if "select" in table:
        values["select"] = _codes(table["select"], path, where, "select")
    if "extend-select" in table:
        values["extend_select"] = _codes(table["extend-select"], path, where, "extend-select")
    if "ignore" in table:
        values["ignore"] = _codes(table["ignore"], path, where, "ignore")
    if "exclude" in table:
        patterns = _strings(table["exclude"], path, where, "exclude", '["legacy/", "*_pb2.py"]')
        if any(not p.strip() for p in patterns):
            raise _problem(path, where, "exclude", "an empty pattern would exclude nothing; remove it")
        values["exclude"] = patterns
    if "per-file-ignores" in table:
        raw = table["per-file-ignores"]
        if not isinstance(raw, dict):
            raise _problem(path, where, "per-file-ignores",
                           'must be a table of pattern = [codes], e.g. per-file-ignores = { "tests/*" = ["DC101"] }')
        entries = []
        for pattern, codes in raw.items():
            key = f"per-file-ignores.{pattern!r}"
            entries.append((pattern, _codes(codes, path, where, key)))
        values["per_file_ignores"] = tuple(entries)
    if "rules" in table:
        files = []
        for value in _strings(table["rules"], path, where, "rules", '["tools/my_rules.toml"]'):
            file = _relative(path, value)
            if not file.is_file():
                raise _problem(path, where, "rules", f"{value!r} does not exist (looked for {file})")
            files.append(str(file))
        values["rules"] = tuple(files)
    if "symbol-aliases" in table:
        raw = table["symbol-aliases"]
        if not isinstance(raw, dict):
            raise _problem(path, where, "symbol-aliases",
                           'must be a table of documented symbol = "constructor_argument", '
                           'e.g. symbol-aliases = { C_in = "in_channels" }')
        pairs = []
        for symbol, argument in raw.items():
            if not isinstance(argument, str) or not ALIAS_TARGET.match(argument):
                raise _problem(path, where, f"symbol-aliases.{symbol}",
                               f"{argument!r} is not a constructor argument name (such as \"in_channels\" "
                               f"or \"kernel_size[0]\")")
            pairs.append((symbol, argument))
        values["symbol_aliases"] = tuple(pairs)
    if "undocumented-ignore" in table:
        values["undocumented_ignore"] = _strings(table["undocumented-ignore"], path, where, "undocumented-ignore",
                                                 '["device", "dtype", "generator"]')
    if "docstring-format" in table:
        value = table["docstring-format"]
        if value not in DOCSTRING_FORMATS:
            raise _problem(path, where, "docstring-format",
                           f"must be one of {', '.join(repr(v) for v in DOCSTRING_FORMATS)}, not {value!r}")
        values["docstring_format"] = value
    if "baseline" in table:
        value = table["baseline"]
        if not isinstance(value, str) or not value.strip():
            raise _problem(path, where, "baseline", 'must be a path, e.g. baseline = ".doccheck-baseline.json"')
        values["baseline"] = str(_relative(path, value))
    return FileConfig(**values)


# ---------------------------------------------------------------------------- patterns


def matches(file: Path, pattern: str, root: Path) -> bool:
    """Whether `pattern` (relative to `root`) names `file` or a folder above it."""
    try:
        relative = file.resolve().relative_to(root.resolve())
    except ValueError:
        relative = None
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if "/" not in pattern.rstrip("/"):
        name = pattern.rstrip("/")
        parts = relative.parts if relative is not None else (file.name,)  # outside the root: the name only
        return any(fnmatch.fnmatch(part, name) for part in parts)
    if relative is None:
        return False
    text = relative.as_posix()
    pattern = pattern.strip("/")
    return fnmatch.fnmatch(text, pattern) or fnmatch.fnmatch(text, pattern + "/*")
