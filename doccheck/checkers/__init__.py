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

    return Checker(("DC101", "DC102", "DC103"), "initialization check", run)


CHECKERS: list[Checker] = [_init_checker()]
