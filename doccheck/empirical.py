"""DC501: what the framework samples disagrees with the static model (`doccheck verify` reports it).

The check and the finding it makes live here, below verify's runner, so that
the catalogue lists the check without importing the runner.
"""

from __future__ import annotations

from doccheck.checks import Check
from doccheck.model import ClassInit, Finding

EMPIRICAL_MISMATCH = Check(
    code="DC501",
    name="empirical-mismatch",
    summary="`doccheck verify`: what the framework samples disagrees with the statically derived initialization.",
    rationale=(
        "doccheck's verdicts rest on its symbolic evaluation of the constructor and on the rules that describe "
        "the framework's init functions.  `doccheck verify` instantiates each class it resolved with several "
        "argument combinations (groups > 1, non-square sizes, bias on and off, kernel sizes as int and tuple), "
        "samples its parameters under fixed seeds and tests them against the derived distribution: exact shape, "
        "exact constants, support bounds, mean and variance, and a Kolmogorov-Smirnov test.  A statistical "
        "rejection is redrawn with independent seeds and reported only when it repeats.  A finding means the "
        "static result is wrong for that class — a rule that misdescribes a framework function, or code the "
        "evaluator misreads — so a DC101 verdict on that class cannot be trusted until it is fixed.  This is "
        "the only check that imports the framework and runs the analysed code."
    ),
    bad='''# rules/my_rules.toml: a rule that misstates what the function samples
[[initializer]]
names = ["torch.nn.init.kaiming_uniform_"]
signature = "tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None"
let = ["bound = sqrt(6 / fan_in(tensor))"]        # ignores a: wrong for a = sqrt(5)
init = { family = "uniform", low = "-bound", high = "bound" }
# doccheck verify torch.nn.modules.linear --rules rules/my_rules.toml
# -> DC501 Linear.weight: ... support: max 0.2041 never comes near the bound 0.5''',
    good='''[[initializer]]
names = ["torch.nn.init.kaiming_uniform_"]
signature = "tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None"
let = [
    "fan = fan_in(tensor) if mode == 'fan_in' else fan_out(tensor)",
    "gain = calculate_gain(nonlinearity, a)",
    "bound = sqrt(3) * gain / sqrt(fan)",
]
init = { family = "uniform", low = "-bound", high = "bound" }''',
    level="error",
    runnable=False,  # needs the framework's runtime: `doccheck verify`, not `doccheck check`, reports it
)

CHECKS = (EMPIRICAL_MISMATCH,)


def findings_for(result, code: ClassInit) -> list[Finding]:
    """`result` is verify's ClassCheck (not imported: verify sits above this module).

    One DC501 per parameter of the static model (or per unmodelled runtime parameter): the first
    combination that fails is shown in full, the others are counted."""
    from doccheck.distributions import formula

    by_name = {p.name: p for p in code.params}
    failures: dict[str, list] = {}
    for combo in result.combos:
        for check in combo.params:
            if check.status == "disagrees":
                failures.setdefault(check.static_name or check.name, []).append((combo, check))
    findings = []
    for key, items in failures.items():
        combo, check = items[0]
        static = by_name.get(check.static_name) if check.static_name else None
        failed = [t for t in check.tests if not t.ok]
        where = static.decided_at if static is not None and static.decided_at else code.position
        obj = f"{code.name}.{check.name if static is None or static.name == '*' else static.name}"
        combos = sorted({c.label for c, _ in items})
        tested = len([c for c in result.combos if any((p.static_name or p.name) == key for p in c.params)])
        static_text = formula(static.distribution) if static is not None and static.distribution else None
        if static is None:
            message = f"{obj}: {failed[0].detail} (with {combo.call})"
        else:
            message = (f"{obj}: the static model gives {static_text}"
                       + (f" = {check.expected}" if check.expected and check.expected != static_text else "")
                       + f" with {combo.call}, but the sampled values fail: {', '.join(t.test for t in failed)}"
                       + (" (on two independent draws)" if check.redrawn else ""))
        message += f"; fails in {len(combos)} of {tested} combination(s)"
        derivation = tuple([f"{t.test}: {'ok' if t.ok else 'FAILED'} — {t.detail}" for t in check.tests]
                           + [f"also fails with {c.call}: "
                              + ", ".join(t.test for t in p.tests if not t.ok) for c, p in items[1:4]]
                           + ([f"static: {s.text}" + (f"  (line {s.position.line})" if s.position else "")
                               for s in static.steps] if static is not None else []))
        findings.append(Finding(where.path, where.line, where.column, EMPIRICAL_MISMATCH.code, message, obj,
                                None, static_text, derivation, (code.position,)))
    return findings
