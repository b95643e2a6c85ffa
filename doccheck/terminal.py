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
import shutil
import time
from typing import Mapping, TextIO

FALSE_WORDS = ("", "0", "false", "no", "off")


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
    from doccheck.checks import get

    lines = []
    for f in findings:
        check = get(f.code)
        level = check.level if check else "error"
        location = style(f"{f.path}:{f.line}:{f.column}:", "bold")
        from doccheck.report import copies_note

        lines.append(f"{location} {style(f.code, 'bold', LEVEL_STYLE.get(level, 'red'))} {f.message}"
                     f"{style(copies_note(f), 'dim') if f.duplicates else ''}")
        if derivation:
            lines.extend(style(f"    {step}", "dim") for step in f.derivation)
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
        name = str(path)
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
