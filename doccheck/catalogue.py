"""Every check doccheck has, gathered from the modules that report them.

The catalogue sits above the checkers: it imports them, they never import it.
A new check is a ``Check`` in its module's ``CHECKS`` tuple; a new module of
checks is one more line in `_modules`.
"""

from __future__ import annotations

from functools import lru_cache

from doccheck.checks import Check, selected


def _modules():
    # the stages in pipeline order; each module's CHECKS lists what it reports
    from doccheck import compare, empirical, failures, pipeline
    from doccheck.checkers import shapes, signature, syntax

    return (failures, syntax, pipeline, compare, signature, shapes, empirical)


@lru_cache(maxsize=1)
def _by_code() -> dict[str, Check]:
    checks: dict[str, Check] = {}
    for module in _modules():
        for check in module.CHECKS:
            if check.code in checks:
                raise ValueError(f"check code {check.code} declared twice ({module.__name__})")
            checks[check.code] = check
    return dict(sorted(checks.items()))


def all_checks() -> list[Check]:
    return list(_by_code().values())


def get(code: str) -> Check | None:
    return _by_code().get(code)


def wanted(code: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """Is `code` selected?  An unknown code counts as on by default."""
    check = get(code)
    return selected(code, check.default if check is not None else True, select, ignore)
