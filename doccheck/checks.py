"""What a check is: a code (DC101), a name, a rationale and runnable bad/good examples.

Each check is declared next to the code that reports it, as a module-level
``CHECKS`` tuple; `doccheck.catalogue` gathers them.  This module imports
nothing of doccheck's, so every stage can declare checks without a cycle.

The examples are complete files: ``bad`` (with ``bad_files`` beside it and
``bad_args`` on the command line) makes ``doccheck check --select CODE`` report
the check, ``good`` makes it report nothing.  One generic test runs them all
(tests/test_catalogue.py); ``runnable=False`` marks the few checks no file can
trigger (an internal error; the empirical check, which runs the framework).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    summary: str
    rationale: str
    bad: str  # the example file `example.py` that triggers the check (prose where runnable is False)
    good: str  # the same file, fixed
    default: bool = True  # selected when the user selects nothing
    level: str = "error"  # error | warning | note, for SARIF and lintrunner
    runnable: bool = True
    bad_files: tuple[tuple[str, str], ...] = ()  # (file name, text) written beside example.py
    good_files: tuple[tuple[str, str], ...] = ()
    bad_args: tuple[str, ...] = ()  # extra command-line arguments for the example run
    good_args: tuple[str, ...] = ()

    def example(self, which: str) -> tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]:
        """(example.py text, extra files, extra arguments) of the `bad` or `good` example."""
        if which == "bad":
            return self.bad, self.bad_files, self.bad_args
        return self.good, self.good_files, self.good_args


    def command(self, which: str) -> str:
        """The command line that runs an example, as the README shows it."""
        _, _, args = self.example(which)
        return " ".join(("doccheck", "check", "--select", self.code, *args, "example.py"))


def selected(code: str, default: bool, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """ruff-style selection: prefixes, `ALL`; ignore wins over select; nothing selected means the defaults."""
    if any(code.startswith(prefix) for prefix in ignore if prefix):
        return False
    if not select:
        return default
    return any(prefix == "ALL" or code.startswith(prefix) for prefix in select)
