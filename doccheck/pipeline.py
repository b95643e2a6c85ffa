"""One class through the stages: doc model (claims) → code model (effective initialization) → compare.

The core of `doccheck.analysis.analyse_class`, below the engine and the checkers (which call it) so that
nothing above imports back down into it.
"""

from __future__ import annotations

from doccheck.checks import Check
from doccheck.model import ClassResult, Finding, Position

_FAKE_RULES = '[framework]\nname = "fakefw"\nmodule_roots = ["fakefw.nn.Module"]\n'

FRAMEWORK_MISSING = Check(
    code="DC005",
    name="framework-not-found",
    summary="A class whose docstring states an initialization derives from a framework that is not installed "
            "where doccheck runs, so the claim is not checked.",
    rationale=(
        "doccheck reads a layer's base classes from their sources: `class Dense(nn.Linear)` is evaluated "
        "through torch's own `Linear.__init__` and `reset_parameters`.  Where the framework is not installed "
        "(pre-commit's default hook runs in an environment of its own, without torch), the claim cannot be "
        "compared with anything, and a wrong docstring would pass in silence.  This notice names the base and "
        "the fix: in pre-commit, add the framework to the hook's `additional_dependencies` or use the "
        "`doccheck-system` hook, which runs in your own environment.  A framework is a package named by the "
        "module roots of a rules file (`rules/torch.toml`, or your own `--rules`)."
    ),
    bad=(
        "from fakefw import nn\n\n\n"
        "class Dense(nn.Linear):\n"
        '    r"""A dense layer.\n\n'
        "    Attributes:\n"
        "        weight: initialized from :math:`\\mathcal{N}(0, 1)`\n"
        '    """\n'
    ),
    good=(
        "from fakefw import nn\n\n\n"
        "class Dense(nn.Linear):\n"
        '    r"""A dense layer (the framework is installed: fakefw/ beside it).\n\n'
        "    Attributes:\n"
        "        weight: initialized from :math:`\\mathcal{N}(0, 1)`\n"
        '    """\n'
    ),
    bad_files=(("fakefw.toml", _FAKE_RULES),),
    bad_args=("--rules", "fakefw.toml"),
    good_files=(("fakefw.toml", _FAKE_RULES), ("fakefw/__init__.py", ""),
                ("fakefw/nn.py", "class Module:\n    pass\n\n\nclass Linear(Module):\n    pass\n")),
    good_args=("--rules", "fakefw.toml"),
)

CHECKS = (FRAMEWORK_MISSING,)


def missing_framework_bases(project, knowledge, definition) -> list[str]:
    """The bases in a class's MRO that belong to a framework (a package of the rules' module roots) whose
    package cannot be found on the search path; none when the MRO cannot be built (that is reported apart)."""
    from doccheck.parse import SourceError
    from doccheck.project import External, ResolutionError

    roots = knowledge.module_roots
    frameworks = {root.split(".", 1)[0] for root in roots}
    try:
        mro = project.mro(definition, frozenset(roots))
    except (ResolutionError, SourceError, RecursionError):  # the code model reports these itself
        return []
    missing = []
    for entry in mro[1:]:
        if not isinstance(entry, External) or entry.qualname in roots or "." not in entry.qualname:
            continue
        top = entry.qualname.split(".", 1)[0]
        if top in frameworks and project.module(top) is None:
            missing.append(entry.qualname)
    return missing


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
    if claims:
        missing = missing_framework_bases(project, knowledge, definition)
        if missing:
            top = missing[0].split(".", 1)[0]
            findings.append(Finding(position.path, position.line, 1, FRAMEWORK_MISSING.code,
                                    f"{name}: derives from {missing[0]}, but `{top}` is not installed where doccheck "
                                    f"runs, so its documented initialization is not checked (pre-commit: add "
                                    f"`{top}` to the hook's additional_dependencies, or use the doccheck-system "
                                    f"hook)", name))
    if code is not None and code.problem and not code.params:
        for claim in claims:  # nothing to compare with; the claim is unproven, not silently passed
            where = claim.position
            findings.append(Finding(where.path, where.line, where.column, "DC103",
                                    f"{code.name}.{claim.subject}: documented `{claim.text}`, but the code's "
                                    f"initialization is unresolved: {code.problem}",
                                    f"{code.name}.{claim.subject}", claim.text, None))
    elif code is not None and claims:
        try:
            verdicts = judge(code, [c for c in claims if c.initializer is None], knowledge)
            verdicts += _judge_named(project, knowledge, definition, code, [c for c in claims if c.initializer])
            findings.extend(findings_for(code, verdicts))
        except Exception as exc:
            raise StageFailure("comparison", exc, ClassResult(name, definition.qualname, position, code,
                                                               list(claims))) from exc
    return ClassResult(name, definition.qualname, position, code, list(claims), verdicts, findings)


def class_claims(project, knowledge, module, node) -> list:
    """The initialization claims of a class's docstring (its own, or the one it inherits or computes)."""
    from doccheck.docmodel.claims import init_claims
    from doccheck.docmodel.docsource import class_docstring

    from doccheck.docmodel.claims import named_initializer_claims

    doc = class_docstring(project, module, node)
    return init_claims(doc, knowledge) + named_initializer_claims(doc, knowledge) if doc is not None else []




def _judge_named(project, knowledge, definition, code, claims: list) -> list:
    """Claims by initializer name: the named initializer's distribution for the parameter's shape, compared
    with what the code gives under the claim's condition (the constructor evaluated with those arguments)."""
    from dataclasses import replace

    from doccheck.codemodel.classes import evaluate_class, named_initializer
    from doccheck.compare import judge
    from doccheck.model import Verdict, VerdictStatus

    verdicts = []
    for claim in claims:
        variant = code if not claim.condition else evaluate_class(project, knowledge, definition,
                                                                  overrides=tuple(claim.condition))
        param = next((p for p in variant.params if p.name == claim.subject), None) if variant is not None else None
        if param is None:
            when = " when " + ", ".join(f"{k}={v!r}" for k, v in claim.condition) if claim.condition else ""
            verdicts.append(Verdict(claim, None, VerdictStatus.NO_SUCH_PARAMETER,
                                    detail=f"{code.name} creates no parameter named {claim.subject}{when}"))
            continue
        shape = tuple(d for d in param.shape) if param.shape is not None else None
        distribution, reason = named_initializer(knowledge, variant.framework, claim.initializer, shape)
        if distribution is None:
            verdicts.append(Verdict(claim, param, VerdictStatus.UNRESOLVED, None,
                                    f"the documented {claim.initializer!r} cannot be evaluated: {reason}"))
            continue
        verdicts.extend(judge(variant, [replace(claim, distribution=distribution)], knowledge))
    return verdicts
