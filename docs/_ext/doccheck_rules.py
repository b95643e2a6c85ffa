"""``.. doccheck-rules::`` — one section per check, generated from ``doccheck.catalogue.all_checks()``.

The rules page is built from the registry at docs-build time, so it can never
drift from what ``doccheck rules`` prints: code and name as the title (with a
``rule-DCxxx`` label to link to), the summary, whether the rule is on by
default and its level, the rationale, and the bad/good examples.

In the registry's prose, single backquotes mark code (Markdown-style); they
become literals here rather than reST's default role.
"""

from __future__ import annotations

import re

from docutils import nodes
from docutils.parsers.rst import Directive

_CODE = re.compile(r"`([^`]+)`")


def _inline(text: str) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    position = 0
    for match in _CODE.finditer(text):
        if match.start() > position:
            out.append(nodes.Text(text[position:match.start()]))
        out.append(nodes.literal(match[1], match[1]))
        position = match.end()
    if position < len(text):
        out.append(nodes.Text(text[position:]))
    return out


def _language(example: str) -> str:
    first = example.lstrip().splitlines()[0] if example.strip() else ""
    if first.startswith("# doccheck check"):
        return "python"  # a runnable example: the command, then example.py
    if first.startswith("#") and ".toml" in first:
        return "toml"
    if example.strip().startswith("(") and example.strip().endswith(")") and "\n" not in example.strip():
        return "text"  # a description in words, "(an error inside doccheck …)", not code
    return "default"  # Python when it lexes as Python, plain text otherwise (never a warning)


def _example(title: str, text: str, css: str) -> nodes.Node:
    container = nodes.container(classes=["doccheck-example", css])
    container += nodes.paragraph("", "", nodes.strong(title, title))
    block = nodes.literal_block(text, text)
    block["language"] = _language(text)
    container += block
    return container


def _shown(check, which: str) -> str:
    """An example file (and the files beside it), with the command that runs it for runnable checks."""
    source, files, _ = check.example(which)
    if not check.runnable:
        return source
    text = f"# {check.command(which)}\n" + source
    for name, extra in files:
        text += f"\n# {name}\n{extra}"
    return text


class RulesDirective(Directive):
    has_content = False

    def run(self) -> list[nodes.Node]:
        from doccheck.catalogue import all_checks

        env = self.state.document.settings.env
        out: list[nodes.Node] = []
        for check in all_checks():
            label = f"rule-{check.code.lower()}"
            section = nodes.section(ids=[label, check.name], names=[label])
            title = f"{check.code} · {check.name}"
            section += nodes.title(title, title)
            section += nodes.paragraph("", "", *_inline(check.summary))
            status = "selected by default" if check.default else "off by default: select it with --select " + check.code
            section += nodes.paragraph("", "", nodes.emphasis("", f"Level: {check.level}; {status}."))
            section += nodes.paragraph("", "", *_inline(check.rationale))
            section += _example("Reported", _shown(check, "bad"), "doccheck-bad")
            section += _example("Accepted", _shown(check, "good"), "doccheck-good")
            std = env.domains.standard_domain
            std.note_hyperlink_target(label, env.docname, label, title)
            out.append(section)
        return out


def setup(app):
    app.add_directive("doccheck-rules", RulesDirective)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
