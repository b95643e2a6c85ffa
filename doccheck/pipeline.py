"""One class through the stages: doc model (claims) → code model (effective initialization) → compare.

The core of `doccheck.analysis.analyse_class`, below the engine and the checkers (which call it) so that
nothing above imports back down into it.
"""

from __future__ import annotations

from doccheck.model import ClassResult, Finding, Position


class StageFailure(Exception):
    """A bug in one stage of `analyse_class`: which stage, the exception, and what was built before it."""

    def __init__(self, stage: str, error: BaseException, partial: ClassResult | None = None):
        super().__init__(f"{stage}: {error}")
        self.stage, self.error, self.partial = stage, error, partial


def analyse_class(project, knowledge, definition, claims: list | None = None) -> ClassResult:
    """Claims, code model, verdicts and findings of one class (`claims` when the caller has read them already;
    ``[]`` for the code model alone, as `verify` wants it).

    A bug in a stage is a `StageFailure` naming it (the caller reports it as that stage's DC000); the findings
    are the comparison's (DC101, DC102) and DC103 for claims that nothing can be compared with.
    """
    from doccheck.codemodel.classes import evaluate_class
    from doccheck.compare import findings_for, judge

    module, node = definition.module, definition.node
    name = node.name.value
    position = Position(module.path, module.position(node)[0], 1)
    if claims is None:
        try:
            claims = class_claims(project, knowledge, module, node)
        except Exception as exc:
            raise StageFailure("doc model", exc) from exc
    try:
        code = evaluate_class(project, knowledge, definition)
    except Exception as exc:
        raise StageFailure("code model", exc) from exc
    findings: list[Finding] = []
    verdicts: list = []
    if code is not None and code.problem and not code.params:
        for claim in claims:  # nothing to compare with; the claim is unproven, not silently passed
            where = claim.position
            findings.append(Finding(where.path, where.line, where.column, "DC103",
                                    f"{code.name}.{claim.subject}: documented `{claim.text}`, but the code's "
                                    f"initialization is unresolved: {code.problem}",
                                    f"{code.name}.{claim.subject}", claim.text, None))
    elif code is not None and claims:
        try:
            verdicts = judge(code, claims, knowledge)
            findings.extend(findings_for(code, verdicts))
        except Exception as exc:
            raise StageFailure("comparison", exc, ClassResult(name, definition.qualname, position, code,
                                                               list(claims))) from exc
    return ClassResult(name, definition.qualname, position, code, list(claims), verdicts, findings)


def class_claims(project, knowledge, module, node) -> list:
    """The initialization claims of a class's docstring (its own, or the one it inherits or computes)."""
    from doccheck.docmodel.claims import init_claims
    from doccheck.docmodel.docsource import class_docstring

    doc = class_docstring(project, module, node)
    return init_claims(doc, knowledge) if doc is not None else []


