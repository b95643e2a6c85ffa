"""The checks that run on each parsed file.

A checker declares the codes it can produce (so a run that selects none of
them skips it entirely) and the pipeline stage it belongs to (named in DC000
messages).  Adding a check is adding a module here and a line below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Checker:
    codes: tuple[str, ...]
    stage: str
    run: Callable  # (ModuleInfo, Project, Knowledge, Config, FileResult) -> None; appends to the FileResult


def _init_checker():
    from doccheck.checkers.init import run

    return Checker(("DC005", "DC101", "DC102", "DC103"), "initialization check", run)


def _signature_checker():
    from doccheck.checkers.signature import run

    return Checker(("DC201", "DC301", "DC302"), "signature check", run)


def _shape_checker():
    from doccheck.checkers.shapes import run

    return Checker(("DC401",), "shape check", run)


def _syntax_checker():
    from doccheck.checkers.syntax import run

    return Checker(("DC001", "DC004"), "docstring syntax check", run)


CHECKERS: list[Checker] = [_init_checker(), _signature_checker(), _shape_checker(), _syntax_checker()]
