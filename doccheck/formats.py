"""Machine formats for the tools a project already runs: lintrunner, SARIF 2.1.0 and GitHub annotations.

``text`` and ``json`` live in `doccheck.report`; this module adds:

* ``lintrunner`` — one JSON object per line, the protocol of PyTorch's
  lintrunner.  The run always exits 0 in this format: lintrunner reads a
  non-zero exit as a broken linter, and doccheck's own errors (a bad option or
  configuration, a missing path) become a message with ``path: null``.  Every
  message has ``code`` ``DOCCHECK`` (the ``code`` of the ``[[linter]]`` entry)
  and the check code (``DC101``) as ``name``.  Use it with::

      [[linter]]
      code = 'DOCCHECK'
      include_patterns = ['**/*.py']
      command = ['doccheck', 'check', '--format', 'lintrunner', '@{{PATHSFILE}}']

* ``sarif`` — a SARIF 2.1.0 log for code scanning: one run whose driver lists
  every check as a rule (help text from `doccheck.catalogue.all_checks`), results
  with URIs relative to the current directory (``%SRCROOT%``) so they are the
  same on every machine, and ``partialFingerprints`` that do not depend on line
  numbers (the baseline's key), so an alert survives unrelated edits.
* ``github`` — ``::error file=…,line=…,col=…,title=…::message`` workflow
  commands, escaped as GitHub requires (``%``, CR, LF; in properties also
  ``:`` and ``,``) after the shared sanitiser (`doccheck.terminal.printable`),
  so a docstring, default or file name can never end the line and start a
  command of its own (``::add-mask::``, ``::stop-commands::``).  GitHub shows
  at most ten annotations of each level per step, so errors come first and
  each level stops at ten; the rest are printed as plain log lines, never
  dropped, indented with ``  - `` and with ``##[`` defused so the runner reads
  none of them as a command.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

LINTRUNNER_CODE = "DOCCHECK"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
GITHUB_LIMIT = 10  # annotations of one level that GitHub shows per step


def _check(code: str):
    from doccheck.catalogue import get

    return get(code)


def _level(code: str) -> str:
    check = _check(code)
    return check.level if check is not None else "error"


def _full_text(finding) -> str:
    """Message and derivation, each part sanitised (ESC, CR, U+2028, bidi controls escaped: lintrunner prints
    it on a terminal) and joined by real newlines, which the GitHub format then percent-encodes."""
    from doccheck.terminal import printable

    return "\n".join([printable(finding.message), *(f"    {printable(step)}" for step in finding.derivation)])


# ---------------------------------------------------------------------------- lintrunner

LINTRUNNER_SEVERITY = {"error": "error", "warning": "warning", "note": "advice"}


def lintrunner_message(path, line, char, name: str, description: str, severity: str = "error") -> dict:
    return {"path": path, "line": line, "char": char, "code": LINTRUNNER_CODE, "severity": severity,
            "name": name, "original": None, "replacement": None, "description": description}


def render_lintrunner(findings) -> str:
    lines = []
    for f in findings:
        message = lintrunner_message(f.path, f.line, f.column, f.code, _full_text(f),
                                     LINTRUNNER_SEVERITY.get(_level(f.code), "error"))
        lines.append(json.dumps(message, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


def lintrunner_error(description: str, name: str = "doccheck-error") -> str:
    """doccheck could not run: lintrunner shows this instead of treating the linter as broken."""
    return json.dumps(lintrunner_message(None, None, None, name, description), ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------- SARIF


def relative_uri(path: str, root: Path) -> tuple[str, bool]:
    """(URI, relative?) — a POSIX path relative to `root`, or a file:// URI for a file outside it.

    Both percent-encoded per RFC 3986 (``a b.py`` → ``a%20b.py``, ``q?x=1.py`` → ``q%3Fx%3D1.py``,
    ``müller.py`` → ``m%C3%BCller.py``): only unreserved characters and ``/`` stay as they are, so a ``:`` in
    the first segment cannot read as a scheme, and the file name's own bytes (even non-UTF-8 ones) are kept."""
    from urllib.parse import quote_from_bytes

    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return "file://" + quote_from_bytes(os.fsencode(absolute.as_posix()), safe="/"), False
    return quote_from_bytes(os.fsencode(relative), safe="/"), True


def _artifact(path: str, root: Path) -> dict:
    uri, relative = relative_uri(path, root)
    return {"uri": uri, "uriBaseId": "%SRCROOT%"} if relative else {"uri": uri}


def _rule(check) -> dict:
    help_text = f"{check.summary}\n\n{check.rationale}\n\nBad:\n\n{check.bad}\n\nGood:\n\n{check.good}\n"
    help_markdown = (f"{check.summary}\n\n{check.rationale}\n\nBad:\n\n```python\n{check.bad}\n```\n\n"
                     f"Good:\n\n```python\n{check.good}\n```\n")
    rule = {
        "id": check.code,
        "name": check.name,
        "shortDescription": {"text": check.summary},
        "fullDescription": {"text": check.rationale},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": check.level, "enabled": check.default},
        "properties": {"tags": ["documentation"]},
    }
    return rule


def render_sarif(findings, root: Path | None = None, version: str = "") -> str:
    from doccheck import __version__
    from doccheck.baseline import key
    from doccheck.catalogue import all_checks

    root = Path(root or Path.cwd())
    checks = all_checks()
    index = {check.code: i for i, check in enumerate(checks)}
    rules = [_rule(check) for check in checks]
    results = []
    seen: Counter = Counter()
    for f in findings:
        k = key(f, root)
        seen[k] += 1
        result = {
            "ruleId": f.code,
            "level": _level(f.code),
            "message": {"text": _full_text(f)},
            "locations": [{"physicalLocation": {
                "artifactLocation": _artifact(f.path, root),
                "region": {"startLine": max(f.line, 1), "startColumn": max(f.column, 1)},
            }}],
            "partialFingerprints": {"primaryLocationLineHash": f"{k[3]}{_short(k)}:{seen[k]}"},
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        if f.object:
            result["locations"][0]["logicalLocations"] = [{"fullyQualifiedName": f.object, "kind": "member"}]
        related = []
        for number, position in enumerate(f.related, 1):
            related.append({"id": number, "message": {"text": "the code that decides this initialization"},
                            "physicalLocation": {"artifactLocation": _artifact(position.path, root),
                                                 "region": {"startLine": max(position.line, 1),
                                                            "startColumn": max(position.column, 1)}}})
        if related:
            result["relatedLocations"] = related
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "doccheck", "version": version or __version__,
                                "semanticVersion": version or __version__, "rules": rules}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(os.path.abspath(root)).as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _short(k: tuple) -> str:
    """Path, code and object folded into the fingerprint next to the message hash."""
    import hashlib

    return hashlib.sha256("\0".join(k[:3]).encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------------------- GitHub


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF percent-encoded (the runner decodes them)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as data, and ``:`` and ``,``, which end a value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _plain_log_line(text: str) -> str:
    """A log line that the runner cannot read as a command: one line (CR/LF escaped by `printable`), never
    starting with ``::`` after the whitespace the runner strips, and no legacy ``##[`` command anywhere."""
    return "  - " + text.replace("##[", "#%23[")


GITHUB_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}
GITHUB_ORDER = ("error", "warning", "notice")


def render_github(findings) -> str:
    from doccheck.terminal import printable

    by_level: dict[str, list] = {level: [] for level in GITHUB_ORDER}
    for f in findings:
        by_level[GITHUB_COMMAND.get(_level(f.code), "error")].append(f)
    annotations, rest = [], []
    for level in GITHUB_ORDER:
        for number, f in enumerate(by_level[level]):
            if number >= GITHUB_LIMIT:
                rest.append(f)
                continue
            check = _check(f.code)
            title = f"{f.code} {check.name}" if check else f.code
            properties = ",".join([f"file={escape_property(printable(f.path))}", f"line={f.line}",
                                   f"col={f.column}", f"title={escape_property(printable(title))}"])
            annotations.append(f"::{level} {properties}::{escape_data(_full_text(f))}")
    lines = annotations
    if rest:
        lines.append(f"doccheck: {len(rest)} more finding(s) beyond GitHub's {GITHUB_LIMIT} annotations "
                     f"per level:")
        lines.extend(_plain_log_line(f"{printable(f.path)}:{f.line}:{f.column}: {f.code} {printable(f.message)}")
                     for f in rest)
    return "".join(line + "\n" for line in lines)
