"""A Sphinx HTML math renderer that writes MathML at build time: no JavaScript, no CDN, no LaTeX install.

Sphinx's default HTML math renderer loads MathJax from a CDN, which an offline
build (CI here has no network) and an offline reader cannot use.  Browsers
render MathML Core natively, and docutils ships a LaTeX -> MathML translator
(``docutils.utils.math.latex2mathml``), so this extension converts every
``:math:`` role and ``.. math::`` block while the HTML is written.

``doccheck.sphinx`` registers it and makes it the HTML math renderer unless ``conf.py`` names another
(``html_math_renderer = "mathjax"`` keeps MathJax), so the effective-initialization tables are typeset
offline with nothing but ``extensions = [..., "doccheck.sphinx"]``.

What the translator lacks is bridged before or after it runs:

* ``\\begin{array}{ll} … \\end{array}`` (used by torch's LSTM) becomes a
  ``matrix``; when every column spec is ``l`` the table is left-aligned;
* text-mode escapes (``\\_`` in ``\\text{in\\_features}``) are unescaped in
  ``<mtext>``, where the translator keeps them verbatim;
* a formula it cannot translate is shown as its LaTeX source in ``<code>``
  and reported as one warning (type ``mathml``), so a docs test notices.
"""

from __future__ import annotations

import html
import re

from docutils import nodes
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

_ARRAY_BEGIN = re.compile(r"\\begin\{array\}\{(?P<spec>[^}]*)\}")
_ARRAY_END = re.compile(r"\\end\{array\}")
_MTEXT = re.compile(r"(<mtext[^>]*>)(.*?)(</mtext>)", re.S)
_TEXT_ESCAPES = [("\\textbackslash{}", "\\"), ("\\_", "_"), ("\\#", "#"), ("\\%", "%"), ("\\&amp;", "&amp;"),
                 ("\\{", "{"), ("\\}", "}"), ("\\$", "$"), ("\\^{}", "^"), ("\\~{}", "~")]


def to_mathml(latex: str, block: bool = False) -> str:
    """LaTeX -> a ``<math>`` element (raises docutils' MathError/ other errors when it cannot)."""
    from docutils.utils.math.latex2mathml import tex2mathml

    left_align = False

    def begin(match: re.Match) -> str:
        nonlocal left_align
        spec = re.sub(r"[^lcr]", "", match["spec"])
        left_align = left_align or (bool(spec) and set(spec) == {"l"})
        return r"\begin{matrix}"

    tex = _ARRAY_END.sub(r"\\end{matrix}", _ARRAY_BEGIN.sub(begin, latex.strip()))
    # a leading "\\" (an empty first row, as in torch's LSTM) would add a blank line
    tex = re.sub(r"(\\begin\{matrix\})\s*\\\\", r"\1", tex)
    out = tex2mathml(tex, as_block=block)

    def unescape(match: re.Match) -> str:
        text = match[2]
        for escaped, plain in _TEXT_ESCAPES:
            text = text.replace(escaped, plain)
        return match[1] + text + match[3]

    out = _MTEXT.sub(unescape, out)
    if left_align:
        out = out.replace("<mtable>", '<mtable columnalign="left">')
    return out


def _warn(self, node, latex: str, exc: Exception) -> None:
    logger.warning("math not rendered (shown as LaTeX): %s: %s", exc, latex.strip()[:80],
                   type="mathml", location=node)


def visit_math(self, node: nodes.math) -> None:
    latex = node.astext()
    try:
        rendered = to_mathml(latex)
    except Exception as exc:  # noqa: BLE001 — one formula never stops a build
        _warn(self, node, latex, exc)
        rendered = f'<code class="math-fallback">{html.escape(latex)}</code>'
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate"))
    self.body.append(rendered + "</span>")
    raise nodes.SkipNode


def visit_math_block(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate"))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, "Link to this equation")
        self.body.append("</span>")
    parts = [part for part in node.astext().split("\n\n") if part.strip()]
    for part in parts:
        try:
            self.body.append(to_mathml(part, block=True))
        except Exception as exc:  # noqa: BLE001
            _warn(self, node, part, exc)
            self.body.append(f'<pre class="math-fallback">{html.escape(part)}</pre>')
    self.body.append("</div>\n")
    raise nodes.SkipNode


def register(app) -> None:
    """Add the ``mathml`` renderer; make it the default when the project chose none (no network needed)."""
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_math_block, None))
    app.connect("config-inited", _default_renderer)


def _default_renderer(app, config) -> None:
    if not config.html_math_renderer:
        config.html_math_renderer = "mathml"
