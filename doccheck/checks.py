"""The registry of checks.  Each check is declared next to the code that implements it.

A check has a code (DC101), a kebab-case name, a one-line summary, a
rationale paragraph and a bad/good example; `doccheck rules` prints them and
`scripts/render_rules.py` renders them into the README and the docs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    summary: str
    rationale: str
    bad: str
    good: str
    default: bool = True  # selected when the user selects nothing
    level: str = "error"  # error | warning | note, for SARIF and lintrunner


REGISTRY: dict[str, Check] = {}


def register(check: Check) -> Check:
    if check.code in REGISTRY and REGISTRY[check.code] != check:
        raise ValueError(f"check code {check.code} registered twice")
    REGISTRY[check.code] = check
    return check


def all_checks() -> list[Check]:
    _load_all()
    return [REGISTRY[code] for code in sorted(REGISTRY)]


def get(code: str) -> Check | None:
    _load_all()
    return REGISTRY.get(code)


def _load_all() -> None:
    # importing the modules that implement checks registers them
    import doccheck.checkers  # noqa: F401
    import doccheck.checkers.shapes  # noqa: F401
    import doccheck.checkers.signature  # noqa: F401
    import doccheck.checkers.syntax  # noqa: F401
    import doccheck.compare  # noqa: F401
    import doccheck.engine  # noqa: F401
    import doccheck.verify  # noqa: F401


def selected(code: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """ruff-style selection: prefixes, `ALL`; ignore wins over select."""
    check = get(code)
    if any(code.startswith(prefix) for prefix in ignore if prefix):
        return False
    if not select:
        return check.default if check is not None else True
    return any(prefix == "ALL" or code.startswith(prefix) for prefix in select)
