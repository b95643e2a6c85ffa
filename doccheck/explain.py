"""``doccheck explain TARGET``: everything doccheck knows about one layer's parameters.

TARGET is ``path/to/file.py::ClassName`` or a dotted name (``torch.nn.Linear``)
resolved to its source file without importing it.  For each parameter: the
symbolic shape, the effective distribution, the derivation (one step per line
with its source line), mean/variance/standard deviation, the documented claim
with the verdict, and notes on well-known equivalences and misreadings.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path


class ExplainError(Exception):
    pass


@dataclass
class ParamExplanation:
    name: str
    shape: str | None
    effective: str | None
    unresolved: str | None
    decided_at: str | None
    derivation: list[dict] = field(default_factory=list)
    mean: str | None = None
    variance: str | None = None
    std: str | None = None
    documented: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Explanation:
    target: str
    path: str
    line: int
    problem: str | None
    params: list[ParamExplanation]
    claims_without_parameter: list[dict] = field(default_factory=list)


def resolve_target(target: str, project):
    """`file.py::Class` or `pkg.mod.Class` -> (ModuleInfo, ClassDef)."""
    import libcst as cst

    from doccheck.discover import module_name
    from doccheck.parse import SourceError, load_module
    from doccheck.project import Definition

    if "::" in target:
        file, _, name = target.partition("::")
        path = Path(file)
        if not path.is_file():
            raise ExplainError(f"{file}: no such file")
        try:
            qualname, root = module_name(path)
            info = load_module(path, qualname)
        except SourceError as exc:
            raise ExplainError(f"{file}:{exc.line}: {exc.message}") from exc
        project.add(info, root)
        node = info.definitions.get(name)
        if not isinstance(node, cst.ClassDef):
            raise ExplainError(f"{file}: no top-level class named {name}")
        return Definition(info, node, f"{info.qualname}.{name}")
    found = project.resolve_qualname(target)
    if isinstance(found, Definition) and isinstance(found.node, cst.ClassDef):
        return found
    raise ExplainError(f"{target}: not found as a class in any source on sys.path (use path/to/file.py::Class)")


def _text(value) -> str:
    from doccheck.symbolic import to_text

    return to_text(value)


def explain(target: str, rules_files: tuple[str, ...] = ()) -> Explanation:
    from doccheck import knowledge as knowledge_module
    from doccheck.codemodel.classes import evaluate_class
    from doccheck.compare import judge
    from doccheck.distributions import formula, moments
    from doccheck.docmodel.claims import init_claims
    from doccheck.docmodel.docsource import class_docstring
    from doccheck.project import Project

    knowledge = knowledge_module.load(rules_files)
    project = Project()
    definition = resolve_target(target, project)
    module = definition.module
    line = module.position(definition.node)[0]
    code = evaluate_class(project, knowledge, definition)
    doc = class_docstring(project, module, definition.node)
    claims = init_claims(doc, knowledge) if doc is not None else []
    if code is None:
        return Explanation(target, module.path, line, "the class creates no learnable parameter", [],
                           [_claim_dict(c) for c in claims])
    verdicts = judge(code, claims, knowledge) if claims else []
    params = []
    for param in code.params:
        entry = ParamExplanation(
            name=param.name,
            shape=_text(param.shape) if param.shape is not None else None,
            effective=formula(param.distribution) if param.distribution is not None else None,
            unresolved=param.unresolved,
            decided_at=f"{param.decided_at.path}:{param.decided_at.line}" if param.decided_at else None,
            derivation=[{"step": s.text, "line": s.position.line if s.position else None} for s in param.steps],
            notes=list(param.notes),
        )
        if param.distribution is not None:
            found = moments(param.distribution, param.shape)
            if found is not None:
                import sympy

                entry.mean = _text(found["mean"])
                entry.variance = _text(sympy.simplify(found["variance"]))
                entry.std = _text(sympy.sqrt(sympy.simplify(found["variance"])))
            entry.notes.extend(equivalence_notes(param, knowledge))
        for verdict in verdicts:
            if verdict.param is param:
                entry.documented.append({**_claim_dict(verdict.claim), "verdict": verdict.status,
                                         "documented_in_code_symbols": formula(verdict.documented)
                                         if verdict.documented is not None else None,
                                         "detail": verdict.detail})
        params.append(entry)
    orphans = [_claim_dict(v.claim) for v in verdicts if v.status == "no-such-parameter"]
    return Explanation(target, module.path, line, code.problem, params, orphans)


def _claim_dict(claim) -> dict:
    from doccheck.distributions import formula

    return {"subject": claim.subject, "text": claim.text, "line": claim.position.line,
            "distribution": formula(claim.distribution) if claim.distribution is not None else None,
            "bindings": list(claim.derivation), "error": claim.error}


def equivalence_notes(param, knowledge) -> list[str]:
    """Relate a zero-mean uniform/normal init to the gains of the rules' `[gain]` table.

    For a weight with fan_in n, U(-b, b) has std b/√3 and an "effective gain"
    g = std·√n; kaiming_uniform_(a=√5) gives g = 1/√3, i.e. U(±1/√n), which is
    not He/Kaiming for ReLU (g = √2, bound √(6/n)).  Computed, not hard-coded:
    a new gain in the rules is a new comparison here.
    """
    import sympy

    dist = param.distribution
    if param.shape is None or len(param.shape) < knowledge.fan_min_dim:
        return []
    from doccheck.codemodel.interpreter import Frame, Interpreter, _parse_expression
    from doccheck.codemodel.values import Num, Seq
    from doccheck.project import Project

    interpreter = Interpreter(Project([]), knowledge)
    fan_value = interpreter.eval(_parse_expression(knowledge.fan["fan_in"]),
                                 Frame(None, None, {"shape": Seq(tuple(Num(d) for d in param.shape))}))
    if not isinstance(fan_value, Num):
        return []
    fan_in = fan_value.expr
    if dist.family == "uniform" and sympy.simplify(dist.param("low") + dist.param("high")) == 0:
        std = dist.param("high") / sympy.sqrt(3)
    elif dist.family == "normal" and dist.param("mean") == 0:
        std = dist.param("std")
    else:
        return []
    gain = sympy.simplify(std * sympy.sqrt(fan_in))
    if gain.free_symbols:
        return [f"std·√fan_in = {_text(gain)} depends on the sizes: not a fixed-gain (LeCun/He) scheme"]
    notes = [f"fan_in = {_text(fan_in)}; effective gain std·√fan_in = {_text(gain)} (≈ {float(gain):.4g})"]
    if dist.family == "uniform":
        one_over = sympy.simplify(dist.param("high") * sympy.sqrt(fan_in))
        if one_over == 1:
            notes.append("equals U(-1/√fan_in, 1/√fan_in): kaiming_uniform_ with a = √5 gives exactly this "
                         "(gain √(2/(1+a²)) = 1/√3, bound = gain·√(3/fan_in) = 1/√fan_in)")
    matches = []
    for name, expression in sorted(knowledge.gain.items()):
        frame = Frame(None, None, {"param": _none()})
        value = interpreter.eval(_parse_expression(expression), frame)
        if isinstance(value, Num) and sympy.simplify(value.expr - gain) == 0:
            matches.append(name)
    relu = interpreter.eval(_parse_expression(knowledge.gain.get("relu", "sqrt(2)")), Frame(None, None, {}))
    if matches:
        notes.append(f"this is the gain recommended for: {', '.join(matches)}")
    if isinstance(relu, Num) and sympy.simplify(relu.expr - gain) != 0:
        ratio = sympy.nsimplify(sympy.simplify(gain / relu.expr))
        he_bound = sympy.simplify(relu.expr * sympy.sqrt(3 / fan_in))
        notes.append(f"not He/Kaiming initialization for ReLU: that has gain {_text(relu.expr)} "
                     + (f"and bound {_text(he_bound)}" if dist.family == "uniform"
                        else f"and std {_text(sympy.simplify(relu.expr / sympy.sqrt(fan_in)))}")
                     + f"; this std is {_text(ratio)} × that")
    return notes


def _none():
    from doccheck.codemodel.values import Lit

    return Lit(None)


def render_text(exp: Explanation) -> str:
    out = [f"{exp.target}  ({exp.path}:{exp.line})"]
    if exp.problem:
        out.append(f"  note: {exp.problem}")
    for p in exp.params:
        out.append("")
        out.append(f"{p.name}" + (f"  shape {p.shape}" if p.shape else ""))
        if p.effective:
            out.append(f"  effective: {p.effective}" + (f"   ({p.decided_at})" if p.decided_at else ""))
        else:
            out.append(f"  effective: unresolved — {p.unresolved}")
        if p.derivation:
            out.append("  derivation:")
            for step in p.derivation:
                where = f"line {step['line']}: " if step["line"] else ""
                out.append(f"    {where}{step['step']}")
        if p.mean is not None:
            out.append(f"  mean {p.mean}, variance {p.variance}, std {p.std}")
        for claim in p.documented:
            verdict = {"consistent": "✓ consistent", "mismatch": "✗ MISMATCH", "unresolved": "? unresolved",
                       "unreadable": "? unreadable"}.get(claim["verdict"], claim["verdict"])
            bindings = f", where {'; '.join(claim['bindings'])}" if claim["bindings"] else ""
            out.append(f"  documented (line {claim['line']}): {claim['distribution']}{bindings}")
            out.append(f"    = {claim['documented_in_code_symbols']}  → {verdict}"
                       + (f" ({claim['detail']})" if claim["detail"] else ""))
        if not p.documented:
            out.append("  documented: nothing")
        for note in p.notes:
            out.append(f"  note: {note}")
    for claim in exp.claims_without_parameter:
        out.append(f"\ndocumented for {claim['subject']} (line {claim['line']}), which the code does not create")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="doccheck explain",
                                     description="Explain the effective initialization of one layer.")
    parser.add_argument("target", help="path/to/file.py::ClassName or a dotted name such as torch.nn.Linear")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--rules", action="append", default=[], metavar="TOML")
    args = parser.parse_args(argv)
    try:
        exp = explain(args.target, tuple(args.rules))
    except ExplainError as exc:
        print(f"doccheck explain: error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        from dataclasses import asdict

        print(json.dumps(asdict(exp), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render_text(exp))
    return 0
