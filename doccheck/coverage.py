"""``doccheck coverage``: every learnable parameter of every class, documented or not, with its status.

An inventory in the spirit of coverage.py: where the checker is silent because it
proved a claim, because nothing was claimed, or because the code model could not
follow the code.  It runs the checker's own pipeline (`engine.run` with
``Config.inventory``, which makes the initialization check evaluate every class,
not only those whose docstring claims an initialization), so the statuses here
are exactly the checker's verdicts.

Status of one parameter:
  consistent   every claim about it is proven
  mismatch     a claim about it is wrong (a DC101 finding)
  unresolved   the code model could not decide its initialization, or a claim about it could not be decided
               or read (with the reason)
  undocumented resolved, but no docstring claim talks about it
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

from doccheck.model import CoverageStatus, VerdictStatus

INIT_CODES = ("DC101", "DC102", "DC103")


@dataclass(frozen=True)
class CoverageEntry:
    object: str  # "Linear.weight"; "Cls.*" for parameters whose names are computed at run time or unknown
    path: str  # the class's file and line (as in findings: one place per object)
    line: int
    status: CoverageStatus
    effective: str | None  # the code's distribution, when resolved
    documented: str | None  # the claim as written, when there is one
    reason: str | None  # why it is unresolved
    silenced: bool = False  # a mismatch whose finding a suppression comment or the baseline hides (as `check` does)


@dataclass(frozen=True)
class CoverageSummary:
    parameters: int
    resolved: int
    claims: int  # (claim, parameter) pairs
    claims_proven: int
    by_status: tuple[tuple[str, int], ...]

    @property
    def resolved_percent(self) -> float:
        return 100.0 * self.resolved / self.parameters if self.parameters else 100.0

    @property
    def proven_percent(self) -> float:
        return 100.0 * self.claims_proven / self.claims if self.claims else 100.0


def _status(verdicts) -> tuple[str, str | None]:
    statuses = {v.status for v in verdicts}
    if VerdictStatus.MISMATCH in statuses:
        return CoverageStatus.MISMATCH, None
    if statuses <= {VerdictStatus.CONSISTENT}:
        return CoverageStatus.CONSISTENT, None
    undecided = [v for v in verdicts if v.status != VerdictStatus.CONSISTENT]
    return CoverageStatus.UNRESOLVED, "; ".join(dict.fromkeys(
        f"claim {v.status}: {v.detail}" if v.status == VerdictStatus.UNREADABLE else v.detail or str(v.status)
        for v in undecided))


def entries_of(class_result) -> list[CoverageEntry]:
    """The coverage entries of one class the checker evaluated (`engine.ClassResult`)."""
    from doccheck.distributions import formula

    code = class_result.code
    if code is None:
        return []  # the class creates no learnable parameter
    position = class_result.position
    if not code.params:  # the constructor could not be followed at all
        documented = "; ".join(c.text for c in class_result.claims) or None
        return [CoverageEntry(f"{code.name}.*", position.path, position.line, CoverageStatus.UNRESOLVED, None,
                              documented,
                              code.problem or "no parameter could be followed")]
    out = []
    for param in code.params:
        # a conditional claim ("If `bias_initializer` is None, ...") is judged on the constructor run with that
        # argument: its verdict is about the parameter of the same name
        verdicts = [v for v in class_result.verdicts if v.param is param or getattr(v.claim, "condition", ())
                    and v.param is not None and v.param.name == param.name]
        claims = list(dict.fromkeys(v.claim.text for v in verdicts))
        where = position  # the class whose parameter it is (a base's Parameter() line is shared by many classes)
        effective = formula(param.distribution) if param.distribution is not None else None
        if param.distribution is None:
            status, reason = CoverageStatus.UNRESOLVED, param.unresolved or "unresolved"
        elif verdicts:
            status, reason = _status(verdicts)
        else:
            status, reason = CoverageStatus.UNDOCUMENTED, None
        out.append(CoverageEntry(f"{code.name}.{param.name}", where.path, where.line, status, effective,
                                 "; ".join(claims) or None, reason))
    return out


def summarise(entries: list[CoverageEntry], class_results) -> CoverageSummary:
    pairs = [v for c in class_results for v in c.verdicts if v.param is not None]
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.status] = counts.get(entry.status, 0) + 1
    resolved = sum(1 for e in entries if e.effective is not None)
    return CoverageSummary(len(entries), resolved, len(pairs), sum(1 for v in pairs if v.status == "consistent"),
                           tuple(sorted(counts.items())))


def inventory(targets: list[str], config, baseline: str | None = None) -> tuple[list[CoverageEntry], CoverageSummary]:
    """Every parameter of every class in the targets, through the checker's own pipeline.

    A mismatch is `silenced` when `doccheck check` would not report it (a suppression comment, the baseline).
    """
    from doccheck.analysis import filter_findings
    from doccheck.engine import run

    config = replace(config, select=INIT_CODES, inventory=True, cache=False)
    result = run(targets, config, keep_classes=True)
    class_results = [c for f in result.files for c in f.classes]
    reported = set(filter_findings(result, baseline).findings)
    entries = []
    for class_result in class_results:
        for entry in entries_of(class_result):
            own = [f for f in class_result.findings if f.code == "DC101" and f.object == entry.object]
            if entry.status == CoverageStatus.MISMATCH and own and not reported.intersection(own):
                entry = replace(entry, silenced=True)
            entries.append(entry)
    entries.sort(key=lambda e: (e.path, e.line, e.object))
    return entries, summarise(entries, class_results)


def render_json(entries: list[CoverageEntry]) -> str:
    return json.dumps([asdict(e) for e in entries], indent=2, ensure_ascii=False) + "\n"


def render_text(entries: list[CoverageEntry], summary: CoverageSummary, show: tuple[str, ...] | None = None) -> str:
    lines = []
    for e in entries:
        if show is not None and e.status not in show:
            continue
        text = f"{e.path}:{e.line}: {e.status:<12} {e.object}"
        if e.effective:
            text += f"  {e.effective}"
        if e.documented and e.status != "consistent":
            text += f"  (documented: {e.documented})"
        if e.silenced:
            text += "  [not reported: suppressed by a comment or the baseline]"
        if e.reason:
            text += f"  — {e.reason}"
        lines.append(text)
    silenced = sum(1 for e in entries if e.silenced)
    statuses = ", ".join(f"{n} {s}" + (f" ({silenced} not reported)" if s == "mismatch" and silenced else "")
                         for s, n in summary.by_status) or "none"
    lines.append(f"doccheck coverage: {summary.parameters} parameters ({statuses}); "
                 f"{summary.resolved_percent:.1f}% resolved; {summary.claims_proven} of {summary.claims} "
                 f"documented claims proven ({summary.proven_percent:.1f}%)")
    return "\n".join(lines) + "\n"


def top_reasons(entries: list[CoverageEntry], count: int = 10) -> list[tuple[str, int]]:
    """The most common reasons for unresolved parameters (file:line parts dropped, so alike reasons group)."""
    import re

    tally: dict[str, int] = {}
    for e in entries:
        if e.status == "unresolved" and e.reason:
            key = re.sub(r"\(?[\w./-]+\.py:\d+\)?|line \d+", "…", e.reason)[:160]
            tally[key] = tally.get(key, 0) + 1
    return sorted(tally.items(), key=lambda kv: -kv[1])[:count]


def main(argv: list[str]) -> int:
    import argparse
    import sys

    from doccheck.discover import TargetError
    from doccheck.knowledge import RulesError

    parser = argparse.ArgumentParser(prog="doccheck coverage",
                                     description="Every learnable parameter of every class, documented or not, "
                                                 "with its status (consistent, mismatch, unresolved, "
                                                 "undocumented) and a summary.")
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--status", action="append", choices=("consistent", "mismatch", "unresolved", "undocumented"),
                        help="text format: list only parameters with this status (repeatable); the summary counts all")
    parser.add_argument("--reasons", action="store_true", help="text format: also list the top reasons for unresolved")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB")
    parser.add_argument("--rules", action="append", default=[], metavar="TOML")
    parser.add_argument("--config", metavar="FILE", help="this configuration file instead of the one found")
    parser.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(argv)
    from doccheck.analysis import Options, UsageProblem, configure

    try:
        setup = configure(args.paths, Options(config_file=args.config, isolated=args.isolated,
                                              exclude=tuple(args.exclude), rules=tuple(args.rules), debug=args.debug))
        entries, summary = inventory(list(setup.files), setup.config, setup.baseline)
    except (TargetError, RulesError, UsageProblem) as exc:
        print(f"doccheck: error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(render_json(entries))
    else:
        sys.stdout.write(render_text(entries, summary, tuple(args.status) if args.status else None))
        if args.reasons:
            for reason, n in top_reasons(entries):
                sys.stdout.write(f"  {n:5d}  {reason}\n")
    return 0
