"""Baselines: adopt doccheck on a large codebase and fail only on new findings.

``doccheck --write-baseline .doccheck-baseline.json src/`` records today's
findings; ``doccheck --baseline .doccheck-baseline.json src/`` (or
``baseline = ...`` in the configuration) then reports only findings that are
not in the file.

A finding is identified by its file (relative to the baseline file's folder,
so the run's current directory does not matter), its code, its object
(``WideDense.weight``) and a hash of its message with line numbers taken out —
never by its position, so edits elsewhere in the file, or in the base class the
message points at, do not turn known findings into new ones.  Each entry is
counted: two identical findings need two entries.  The file is sorted JSON so
that it diffs well in review::

    {
      "doccheck-baseline": 1,
      "findings": {
        "src/layers/dense.py": [
          {"code": "DC101", "object": "WideDense.weight", "hash": "5d41402abc4b2a76",
           "message": "WideDense.weight: documented U(...), but the code initializes U(...) (base.py:45)"}
        ]
      }
    }
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from pathlib import Path

from doccheck import safeio

FORMAT_VERSION = 1
MAX_BASELINE_BYTES = 256 * 1024 * 1024
_LINE_REFERENCES = re.compile(r"(\.pyi?):\d+|\b(line) \d+")


class BaselineError(ValueError):
    """The baseline file cannot be read (a usage error, exit 2)."""


def message_hash(message: str) -> str:
    normalized = _LINE_REFERENCES.sub(lambda m: m.group(1) or m.group(2), message)
    normalized = " ".join(normalized.split())
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:16]


def relative_path(path: str, base: Path) -> str:
    absolute = os.path.realpath(path)
    try:
        return Path(absolute).relative_to(os.path.realpath(base)).as_posix()
    except ValueError:
        return Path(absolute).as_posix()


def key(finding, base: Path) -> tuple[str, str, str, str]:
    return (relative_path(finding.path, base), finding.code, finding.object, message_hash(finding.message))


def write(path: Path | str, findings) -> int:
    path = Path(path)
    base = path.resolve().parent
    by_file: dict[str, list[dict]] = {}
    for finding in findings:
        file, code, obj, digest = key(finding, base)
        by_file.setdefault(file, []).append({"code": code, "object": obj, "hash": digest,
                                             "message": finding.message})
    for entries in by_file.values():
        entries.sort(key=lambda e: (e["code"], e["object"], e["hash"]))
    data = {"doccheck-baseline": FORMAT_VERSION, "findings": dict(sorted(by_file.items()))}
    # a file name that is not UTF-8 keeps its undecodable bytes as JSON escapes (\udcff), which read back exactly
    text = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")
    try:  # all or nothing: a full disk keeps the old baseline and leaves no temporary file behind
        path.parent.mkdir(parents=True, exist_ok=True)
        safeio.write_atomic(path, text, mode=safeio.public_mode(path))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write the baseline: {safeio.describe(exc)}") from None
    return len(findings)


class Baseline:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.base = self.path.resolve().parent
        try:  # a regular file of bounded size only: a FIFO must not hang the run, /dev/zero not fill memory
            data = json.loads(safeio.read_text(self.path, MAX_BASELINE_BYTES))
        except FileNotFoundError:
            raise BaselineError(f"{self.path}: no such baseline file (create it with --write-baseline)") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BaselineError(f"{self.path}: cannot read the baseline: {exc}") from None
        if not isinstance(data, dict) or data.get("doccheck-baseline") != FORMAT_VERSION \
                or not isinstance(data.get("findings"), dict):
            raise BaselineError(f"{self.path}: not a doccheck baseline (version {FORMAT_VERSION}); "
                                f"write a new one with --write-baseline")
        self.entries: Counter = Counter()
        for file, entries in data["findings"].items():
            if not isinstance(entries, list):
                raise BaselineError(f"{self.path}: findings[{file!r}] must be a list")
            for entry in entries:
                try:
                    self.entries[(file, entry["code"], entry["object"], entry["hash"])] += 1
                except (TypeError, KeyError) as exc:
                    raise BaselineError(f"{self.path}: findings[{file!r}]: malformed entry {entry!r}") from exc

    def split(self, findings) -> tuple[list, list]:
        """(new findings, findings already in the baseline), each list in the given order."""
        remaining = Counter(self.entries)
        new, known = [], []
        for finding in findings:
            k = key(finding, self.base)
            if remaining[k] > 0:
                remaining[k] -= 1
                known.append(finding)
            else:
                new.append(finding)
        return new, known
