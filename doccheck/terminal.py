"""What a person at a terminal sees, and what a pipe or CI log does not.

* Colour in the text format only when stdout is a terminal and ``NO_COLOR`` is
  unset or empty; ``FORCE_COLOR`` (non-empty, not ``0``/``false``) turns it on
  anywhere; ``--color always|never`` overrides both.  ``TERM=dumb`` is plain.
* A progress bar on stderr only when stderr is a terminal, outside CI, and only
  once a run has lasted a moment (short runs never flash one); it erases itself.
* The summary line (files, classes evaluated, findings per code, time) goes to
  stderr when the session is interactive — stderr a terminal and not CI — or
  with ``--statistics``.
* CI is recognised by ``CI`` set to anything but empty, ``0`` or ``false``.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
import time
from typing import Mapping, TextIO

FALSE_WORDS = ("", "0", "false", "no", "off")

# Characters a terminal or log viewer acts on instead of showing: C0/C1 controls (ESC starts escape sequences,
# CR/LF start a new line that can forge a finding or a workflow command), line/paragraph separators, bidi and
# other format controls, and the lone surrogates a non-UTF-8 file name decodes to (unprintable on UTF-8 stdout).
_SUSPECT = re.compile(r"[^\t\x20-\x7e]")
_ESCAPED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r"}


def _escape_char(match) -> str:
    char = match.group(0)
    if unicodedata.category(char) not in _ESCAPED_CATEGORIES:
        return char
    code = ord(char)
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """`text` with every control, format and separator character written as an escape (``\\x1b``,
    ``\\n``, ``\\u2028``, ``\\u202e``) — what every human-facing output applies to text that came
    from the analysed tree (file names, docstrings, defaults, code), colour on or off."""
    return _SUSPECT.sub(_escape_char, text) if text else text


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() not in FALSE_WORDS


def is_tty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def in_ci(env: Mapping[str, str] | None = None) -> bool:
    return _flag(os.environ if env is None else env, "CI")


def colour_enabled(stream, mode: str = "auto", env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    if mode == "always":
        return True
    if mode == "never":
        return False
    if env.get("NO_COLOR", ""):
        return False
    if _flag(env, "FORCE_COLOR"):
        return True
    return is_tty(stream) and env.get("TERM", "") != "dumb"


def interactive(stream, env: Mapping[str, str] | None = None) -> bool:
    return is_tty(stream) and not in_ci(env)


class Style:
    """ANSI styling that is the identity when colour is off."""

    CODES = {"bold": "1", "dim": "2", "red": "31", "yellow": "33", "cyan": "36", "magenta": "35", "green": "32"}

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, text: str, *names: str) -> str:
        if not self.enabled or not text:
            return text
        codes = ";".join(self.CODES[name] for name in names)
        return f"\x1b[{codes}m{text}\x1b[0m"


LEVEL_STYLE = {"error": "red", "warning": "yellow", "note": "cyan"}


def render_text(findings, derivation: bool, style: Style) -> str:
    """The text format (``path:line:col: CODE message`` and indented derivation lines), optionally coloured."""
    from doccheck.catalogue import get

    lines = []
    for f in findings:
        check = get(f.code)
        level = check.level if check else "error"
        location = style(f"{printable(f.path)}:{f.line}:{f.column}:", "bold")
        lines.append(f"{location} {style(f.code, 'bold', LEVEL_STYLE.get(level, 'red'))} {printable(f.message)}"
                     f"{style(printable(copies_note(f)), 'dim') if f.duplicates else ''}")
        if derivation:
            lines.extend(style(f"    {printable(step)}", "dim") for step in f.derivation)
    return "\n".join(lines) + ("\n" if lines else "")


class Progress:
    """A one-line progress bar on a terminal stream; does nothing when disabled."""

    def __init__(self, stream: TextIO, enabled: bool, delay: float = 0.75, interval: float = 0.1):
        self.stream = stream
        self.enabled = enabled
        self.delay = delay
        self.interval = interval
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int, path=None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if path is None or done >= total:
            self.clear()
            return
        if now - self.started < self.delay or now - self.last < self.interval:
            return
        self.last = now
        width = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
        bar_width = 24
        filled = bar_width * done // max(total, 1)
        head = f"[{'#' * filled}{'.' * (bar_width - filled)}] {done}/{total} files "
        name = printable(str(path))
        room = width - len(head)
        if room < len(name):
            name = "…" + name[-(room - 1):] if room > 1 else ""
        self.stream.write("\r\x1b[K" + head + name)
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def copies_note(finding, shown: int = 3) -> str:
    """" (also in 2 other places: a.py:3, b.py:7)" for the text format; "" without copies."""
    if not finding.duplicates:
        return ""
    places = ", ".join(f"{p.path}:{p.line}" for p in finding.duplicates[:shown])
    more = ", …" if len(finding.duplicates) > shown else ""
    n = len(finding.duplicates)
    return f" (also in {n} other place{'s' if n > 1 else ''}: {places}{more})"
