"""Stage 5: documented claims against the effective initialization -> findings."""

from __future__ import annotations


from doccheck import limits
from doccheck.checks import Check
from doccheck.distributions import formula, same
from doccheck.model import Claim, ClassInit, Distribution, Finding, Position, Verdict, VerdictStatus

INIT_MISMATCH = Check(
    code="DC101",
    name="init-mismatch",
    summary="The docstring states an initialization the code does not perform.",
    rationale=(
        "A layer's docstring is where users learn how its parameters start out; it is quoted in papers and "
        "forum answers and used to reproduce results.  doccheck evaluates `__init__` and `reset_parameters` "
        "(and whatever they call) symbolically in the constructor's arguments and reports the docstring when "
        "the family or any parameter of the distribution provably differs for some positive sizes.  The "
        "message gives both formulas and the derivation from the code, so the fix — in the docs or in the "
        "code — can be decided on the spot."
    ),
    bad='''import math

import torch
from torch import nn
from torch.nn import init


class Dense(nn.Module):
    r"""A dense layer.

    Attributes:
        weight: initialized from :math:`\\mathcal{U}(-\\sqrt{k}, \\sqrt{k})`,
            where :math:`k = \\frac{1}{\\text{out\\_features}}`
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))  # bound 1/√in_features
''',
    good='''import math

import torch
from torch import nn
from torch.nn import init


class Dense(nn.Module):
    r"""A dense layer.

    Attributes:
        weight: initialized from :math:`\\mathcal{U}(-\\sqrt{k}, \\sqrt{k})`,
            where :math:`k = \\frac{1}{\\text{in\\_features}}`
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))  # bound 1/√in_features
''',
)

UNREADABLE_CLAIM = Check(
    code="DC102",
    name="unreadable-init-claim",
    summary="A sentence claims an initialization, but its formula cannot be read.",
    rationale=(
        "When a docstring says a parameter is 'initialized from' something and the LaTeX that follows is "
        "malformed or is not a distribution, the claim can be checked neither by doccheck nor reliably by a "
        "reader.  Silence would hide it, so it is reported with the parser's reason."
    ),
    bad='''import torch
from torch import nn
from torch.nn import init


class Scale(nn.Module):
    r"""Multiplies by a learnable vector.

    Attributes:
        weight: the values are initialized from :math:`\\mathcal{N}(0, \\frac{1}{\\text{dim}}`
    """

    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(dim))
        init.normal_(self.weight, std=dim ** -0.5)
''',
    good='''import torch
from torch import nn
from torch.nn import init


class Scale(nn.Module):
    r"""Multiplies by a learnable vector.

    Attributes:
        weight: the values are initialized from :math:`\\mathcal{N}(0, \\frac{1}{\\text{dim}})`
    """

    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(dim))
        init.normal_(self.weight, std=dim ** -0.5)
''',
)

UNRESOLVED_INIT = Check(
    code="DC103",
    name="init-unresolved",
    summary="The docstring states an initialization that doccheck cannot evaluate from the code.",
    rationale=(
        "doccheck never guesses: when the code passes a parameter to a function it has no rule for, depends on "
        "a value only known at run time, or creates the parameter lazily, the claim stays unproven.  Off by "
        "default; select it to list every claim that is not yet proven, with the reason, and add a rule (a "
        "TOML entry) for your own init helpers."
    ),
    bad='''import torch
from torch import nn

from my_project.init import my_private_init


class Scale(nn.Module):
    r"""Multiplies by a learnable vector.

    Attributes:
        weight: initialized from :math:`\\mathcal{N}(0, 1)`
    """

    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(dim))
        my_private_init(self.weight)  # described in no rules file
''',
    good='''import torch
from torch import nn

from my_project.init import my_private_init


class Scale(nn.Module):
    r"""Multiplies by a learnable vector.

    Attributes:
        weight: initialized from :math:`\\mathcal{N}(0, 1)`
    """

    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(dim))
        my_private_init(self.weight)  # described in no rules file
''',
    good_files=(("my_rules.toml", '''[[initializer]]
names = ["my_project.init.my_private_init"]
signature = "tensor"
init = { family = "normal", mean = "0", std = "1" }
'''),),
    good_args=("--rules", "my_rules.toml"),
    default=False,
    level="note",
)

CHECKS = (INIT_MISMATCH, UNREADABLE_CLAIM, UNRESOLVED_INIT)


def to_code_symbols(dist: Distribution, cls: ClassInit, knowledge) -> tuple[Distribution, list[str]]:
    """Rename documented symbols to the constructor's (C_in -> in_channels); list those with no match."""
    mapping = {}
    unmatched = []
    free = set()
    for _, value in dist.params:
        free |= getattr(value, "free_symbols", set())
    for sym in free:
        name = knowledge.symbol_aliases.get(sym.name, sym.name)
        target = cls.symbols.get(name)
        if target is None and name.endswith("[0]"):
            target = cls.symbols.get(name[:-3])
        if target is None:
            unmatched.append(sym.name)
        elif target != sym:
            mapping[sym] = target
    if not mapping:
        return dist, sorted(unmatched)
    params = tuple((k, v.xreplace(mapping) if hasattr(v, "xreplace") else v) for k, v in dist.params)
    return Distribution(dist.family, params), sorted(unmatched)


def judge(cls: ClassInit, claims: list[Claim], knowledge) -> list[Verdict]:
    by_name = {p.name: p for p in cls.params}
    verdicts = []
    for claim in claims:
        if claim.distribution is None:
            verdicts.append(Verdict(claim, None, VerdictStatus.UNREADABLE,
                                    detail=claim.error or "formula not readable"))
            continue
        if claim.subject == "*":
            targets = list(cls.params)
        else:
            target = by_name.get(claim.subject)
            if target is None and cls.dynamic:
                target = by_name.get("*")
            targets = [target] if target is not None else []
        if not targets:
            verdicts.append(Verdict(claim, None, VerdictStatus.NO_SUCH_PARAMETER,
                                    detail=f"{cls.name} creates no parameter named {claim.subject}"))
            continue
        scheme = claim.distribution.param("name") if claim.distribution.family == "scheme" else None
        if scheme is None:
            documented, unmatched = to_code_symbols(claim.distribution, cls, knowledge)
        for param in targets:
            if scheme is not None:
                # "initialized with Xavier uniform": the distribution that scheme gives this parameter's shape
                from doccheck.codemodel.classes import scheme_distribution

                documented, problem = scheme_distribution(knowledge, cls.framework, scheme, param.shape)
                unmatched = []
                if documented is None:
                    verdicts.append(Verdict(claim, param, VerdictStatus.UNRESOLVED, None, problem or scheme))
                    continue
            if param.distribution is None:
                verdicts.append(Verdict(claim, param, VerdictStatus.UNRESOLVED, documented,
                                        param.unresolved or "unresolved"))
                continue
            if param.distribution.family == "argument":
                # exact, but the values are the caller's: a claim about them can be neither proven nor wrong
                at = f" (line {param.decided_at.line})" if param.decided_at is not None else ""
                verdicts.append(Verdict(claim, param, "unresolved", documented,
                                        f"{param.name} is the caller's argument `{param.distribution.param('name')}`"
                                        f"{at}: its values are whatever the caller passes"))
                continue
            undecided = "equality could not be decided"
            try:
                with limits.bounded(limits.DEFAULT_COMPARISON_SECONDS):
                    verdict = same(documented, param.distribution)
            except limits.LimitExceeded:
                limits.check()  # the file's own budget ran out: that stops the file, not just this proof
                verdict, undecided = None, f"{undecided} within {limits.DEFAULT_COMPARISON_SECONDS:g} s"
            except Exception as exc:  # sympy on odd expressions; undecided, not a crash
                verdict, unmatched = None, [*unmatched, f"({type(exc).__name__})"]
            if verdict is True:
                verdicts.append(Verdict(claim, param, VerdictStatus.CONSISTENT, documented))
            elif verdict is False and unmatched and documented.family == param.distribution.family:
                # a documented symbol that names no argument may stand for one (d_model for `width`): the
                # formulas differ as written, which proves nothing; only a different family is a proof
                names = ", ".join(unmatched)
                first = unmatched[0].strip("()")
                verdicts.append(Verdict(claim, param, VerdictStatus.UNRESOLVED, documented,
                                        f"documented symbol(s) {names} match no constructor argument (name the "
                                        f"argument in [tool.doccheck]: symbol-aliases = {{ {first} = \"...\" }})"))
            elif verdict is False:
                detail = ""
                if unmatched:
                    detail = f"documented symbol(s) {', '.join(unmatched)} match no constructor argument"
                verdicts.append(Verdict(claim, param, VerdictStatus.MISMATCH, documented, detail))
            else:
                verdicts.append(Verdict(claim, param, VerdictStatus.UNRESOLVED, documented, undecided))
    return verdicts


def findings_for(cls: ClassInit, verdicts: list[Verdict]) -> list[Finding]:
    findings = []
    for verdict in verdicts:
        claim, param = verdict.claim, verdict.param
        obj = f"{cls.name}.{param.name if param is not None else claim.subject}"
        where = claim.position
        if verdict.status == "mismatch":
            effective = formula(param.distribution)
            documented = formula(verdict.documented)
            at = f" ({param.decided_at.path.rsplit('/', 1)[-1]}:{param.decided_at.line})" if param.decided_at else ""
            message = f"{obj}: documented {documented}, but the code initializes {effective}{at}"
            if verdict.detail:
                message += f"; {verdict.detail}"
            derivation = tuple([*(f"doc: {line}" for line in claim.derivation),
                                *(_step_text(step) for step in param.steps),
                                f"code: {effective}" + (f" (line {param.decided_at.line})" if param.decided_at
                                                        else "")])
            findings.append(Finding(where.path, where.line, where.column, INIT_MISMATCH.code, message, obj,
                                    documented, effective, derivation,
                                    # a plain Position: the code model's may be lazy (hashed by node identity)
                                    (Position(param.decided_at.path, param.decided_at.line, param.decided_at.column),)
                                    if param.decided_at else ()))
        elif verdict.status == "unreadable":
            findings.append(Finding(where.path, where.line, where.column, UNREADABLE_CLAIM.code,
                                    f"{obj}: initialization claim cannot be read: {verdict.detail}", obj,
                                    claim.text, None))
        elif verdict.status == "unresolved":
            # a named scheme or initializer whose distribution could not be worked out: the claim as written
            shown = formula(verdict.documented) if verdict.documented is not None else f"`{claim.text}`"
            findings.append(Finding(where.path, where.line, where.column, UNRESOLVED_INIT.code,
                                    f"{obj}: documented {shown}, but the code's "
                                    f"initialization is unresolved: {verdict.detail}", obj,
                                    shown, None))
    return findings


def _step_text(step) -> str:
    return f"{step.text}" + (f"  (line {step.position.line})" if step.position is not None else "")
