"""Wall-clock budgets: a per-file deadline that the pipeline checks cooperatively.

The engine opens ``with deadline(seconds):`` around each file; the abstract
interpreter's ``tick()`` and the checkers between classes call `check()`, and
code that spends its time inside a third-party library (sympy's ``simplify``)
runs under `bounded()`, which checks the same deadline from a profile hook.
When the time is up `LimitExceeded` is raised; the engine turns it into a
DC003 finding for that file and moves on to the next one.

No signals and no threads: this works the same in worker processes, in
threads (the Sphinx extension) and on every platform.  Code running in C (a
huge integer power, a regular expression) is not interrupted; the stages guard
those with size limits instead.

`LimitExceeded` derives from BaseException, like KeyboardInterrupt, so that
the many ``except Exception`` fallbacks that turn an odd corner into
"unknown" do not swallow it and carry on until the next check.
"""

from __future__ import annotations

import contextlib
import sys
import time
from contextvars import ContextVar

DEFAULT_FILE_SECONDS = 60.0  # per file, all stages together
DEFAULT_COMPARISON_SECONDS = 10.0  # one symbolic equality proof

_DEADLINE: ContextVar[tuple[float, str] | None] = ContextVar("doccheck_deadline", default=None)


class LimitExceeded(BaseException):
    """A budget ran out; `what` says which (e.g. "the 60 s time budget per file")."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


@contextlib.contextmanager
def deadline(seconds: float | None, what: str | None = None):
    """Raise LimitExceeded from `check()` once `seconds` have passed (None: no limit).

    Nested deadlines never extend an enclosing one: the earlier end wins.
    """
    current = _DEADLINE.get()
    if seconds is None:
        yield
        return
    end = time.monotonic() + max(0.0, seconds)
    label = what or f"the {seconds:g} s time budget"
    if current is not None and current[0] <= end:
        end, label = current
    token = _DEADLINE.set((end, label))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check() -> None:
    """Raise LimitExceeded when the current deadline has passed."""
    current = _DEADLINE.get()
    if current is not None and time.monotonic() > current[0]:
        raise LimitExceeded(current[1])


def remaining() -> float | None:
    current = _DEADLINE.get()
    return None if current is None else current[0] - time.monotonic()


@contextlib.contextmanager
def bounded(seconds: float | None = None, what: str | None = None):
    """Run third-party Python code under the deadline (and at most `seconds` more).

    A profile hook counts the interpreter's call events and looks at the clock
    every 256 of them, so sympy or docutils are stopped within milliseconds of
    the deadline.  The hook costs some speed, so it is meant for the rare heavy
    step (a simplification), not for a whole file.  Under a profiler (cProfile)
    no hook is installed and only the cooperative checks remain.
    """
    with deadline(seconds, what):
        current = _DEADLINE.get()
        if current is None:
            yield
            return
        end, label = current
        if sys.getprofile() is not None:  # a profiler is running: leave it alone (the deadline stays cooperative)
            yield
            return
        count = 0

        def hook(frame, event, arg):
            nonlocal count
            count += 1
            if not count & 255 and time.monotonic() > end:
                sys.setprofile(None)
                raise LimitExceeded(label)

        sys.setprofile(hook)
        try:
            yield
        finally:
            sys.setprofile(None)

MAX_FILE_BYTES = 10_000_000  # larger files are reported (DC003), not parsed
MAX_DOCSTRING_CHARS = 200_000  # larger docstrings are reported (DC003), not read
