"""Stage 6: findings -> text or JSON (more formats live in doccheck.formats).

Copies are reported once (`group_copies`): large projects paste the same docstring into many files
(transformers' ``modeling_*.py`` and ``modular_*.py``, paddle's three ``functional_*`` back ends), and the
same wrong sentence found in 12 files is one thing to fix, not 12.  Two findings are copies when they have
the same check and message (the owner of the object — ``BertModel`` in ``BertModel.x`` —, file names and line
numbers inside the message aside) and the documentation lines they point at read the same.  The first place (in the sorted order) carries the
finding; the others are listed in its `duplicates`.
"""

from __future__ import annotations

import json
import re

from doccheck.model import Finding, Position


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
        "duplicates": [{"path": p.path, "line": p.line, "column": p.column} for p in finding.duplicates],
    }


_PLACE = re.compile(r"[\w.-]+\.py:\d+")  # "resnet.py:298" inside a message: where the copy's signature is


def _line_text(path: str, line: int, cache: dict) -> str | None:
    if path not in cache:
        from doccheck import safeio

        try:  # never a blocking open: the path may be a FIFO reported as DC002
            cache[path] = safeio.read_regular(path).decode("utf-8", errors="replace").split("\n")
        except OSError:
            cache[path] = None
    lines = cache[path]
    if lines is None or not 0 < line <= len(lines):
        return None
    return lines[line - 1].strip()


def group_copies(findings: list[Finding]) -> list[Finding]:
    """Findings on copies of the same docstring text folded into one, the other places in `duplicates`.

    Order is kept (the first copy in the given order represents the group), so the result is as
    deterministic as the input.  A finding whose line cannot be read is never grouped.
    """
    from dataclasses import replace

    cache: dict = {}
    groups: dict[tuple, list[Finding]] = {}
    order: list = []
    for finding in findings:
        text = _line_text(finding.path, finding.line, cache)
        if text is None:
            order.append(finding)
            continue
        # the object's owner may differ (`BertModel.x` pasted into `RobertaModel`): the text is the copy
        message = finding.message.replace(finding.object, "\0") if finding.object else finding.message
        key = (finding.code, finding.object.rsplit(".", 1)[-1], _PLACE.sub("", message), text,
               finding.documented, finding.effective)
        # copies are across files: two classes of one file keep a finding each, so that a suppression or a
        # baseline entry on one of them never hides the other
        serial = 0
        while (key, serial) in groups and any(f.path == finding.path for f in groups[(key, serial)]):
            serial += 1
        if (key, serial) in groups:
            groups[(key, serial)].append(finding)
        else:
            groups[(key, serial)] = [finding]
            order.append((key, serial))
    out = []
    for item in order:
        if isinstance(item, Finding):
            out.append(item)
            continue
        first, *rest = groups[item]
        out.append(replace(first, duplicates=tuple(Position(f.path, f.line, f.column) for f in rest))
                   if rest else first)
    return out


def render_text(findings: list[Finding], derivation: bool = True) -> str:
    from doccheck.terminal import copies_note, printable

    lines = []
    for f in findings:
        lines.append(f"{printable(f.path)}:{f.line}:{f.column}: {f.code} {printable(f.message)}{printable(copies_note(f))}")
        if derivation:
            lines.extend(f"    {printable(step)}" for step in f.derivation)
    return "\n".join(lines) + ("\n" if lines else "")


def render_json(findings: list[Finding]) -> str:
    return json.dumps([finding_dict(f) for f in findings], indent=2, ensure_ascii=False) + "\n"
