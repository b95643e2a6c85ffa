"""Stage 6: findings -> text or JSON (more formats live in doccheck.formats)."""

from __future__ import annotations

import json

from doccheck.model import Finding


def finding_dict(finding: Finding) -> dict:
    from doccheck.catalogue import get

    check = get(finding.code)
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "code": finding.code,
        "name": check.name if check else None,
        "object": finding.object,
        "message": finding.message,
        "documented": finding.documented,
        "effective": finding.effective,
        "derivation": list(finding.derivation),
        "related": [{"path": p.path, "line": p.line, "column": p.column} for p in finding.related],
    }


def render_text(findings: list[Finding], derivation: bool = True) -> str:
    from doccheck.terminal import printable

    lines = []
    for f in findings:
        lines.append(f"{printable(f.path)}:{f.line}:{f.column}: {f.code} {printable(f.message)}")
        if derivation:
            lines.extend(f"    {printable(step)}" for step in f.derivation)
    return "\n".join(lines) + ("\n" if lines else "")


def render_json(findings: list[Finding]) -> str:
    return json.dumps([finding_dict(f) for f in findings], indent=2, ensure_ascii=False) + "\n"
