"""Sphinx configuration for doccheck's own documentation.

Build (offline; no -W, see torch.rst for the one expected warning)::

    python -m sphinx -b html docs docs/_build/html

``tests/test_sphinx.py::test_project_docs_build`` builds this in CI and
fails on any warning other than the expected SyncBatchNorm mismatch.
"""

import os
import sys

sys.path.insert(0, os.path.abspath("_ext"))
sys.path.insert(0, os.path.abspath(".."))  # doccheck itself, also when it is not installed

from doccheck import __version__  # noqa: E402

project = "doccheck"
author = "the doccheck authors"
copyright = "the doccheck authors"
version = release = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "doccheck.sphinx",
    "doccheck_rules",
]

# Math: doccheck.sphinx makes MathML (written at build time: no MathJax, no CDN, no LaTeX installation) the
# HTML math renderer when conf.py names none; browsers render MathML natively.

# doccheck's Sphinx extension: the table under each layer, and warnings for wrong docstrings
doccheck_annotate = True
doccheck_warn = True
# The torch page is about initialization: doccheck's own health codes (DC000 internal error, DC002 unreadable
# source, DC003 analysis limit) and the initialization family DC1xx.  Other families (e.g. DC001, docstring
# syntax: torch's Conv2d writes one shape formula as two :math: roles) are for `doccheck` runs on torch itself.
doccheck_select = ["DC000", "DC002", "DC003", "DC1"]

autodoc_default_options = {"members": False}
autodoc_typehints = "signature"
autoclass_content = "class"
napoleon_use_ivar = False

exclude_patterns = ["_build"]
templates_path = []
html_theme = "alabaster"
html_static_path = ["_static"]
html_css_files = ["doccheck.css"]
html_theme_options = {
    "description": "Proves that ML docstrings state the initialization the code performs.",
    "page_width": "1180px",
    "sidebar_width": "230px",
    "fixed_sidebar": False,
    "show_relbars": True,
}
html_sidebars = {"**": ["about.html", "navigation.html", "searchbox.html"]}
html_show_sourcelink = False


# ---------------------------------------------------------------------------- torch's docstrings in this build
# torch's docstrings are written for PyTorch's own docs tree: they include files from it
# (``.. include:: ../cudnn_rnn_determinism.md`` with a MyST parser) and link to its labels
# (``:ref:`tf32_on_ampere```).  Neither exists here; both are bridged explicitly, for torch's
# docstrings only, so that any other broken include or reference still warns.

_TORCH_DIR = os.sep + "torch" + os.sep


def _torch_include_note(app, what, name, obj, options, lines):
    """Replace torch's ``.. include::`` of its docs-tree files with a sentence saying so (before napoleon)."""
    if not name.startswith("torch."):
        return
    out = []
    skipping_options = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(".. include::"):
            indent = line[: len(line) - len(line.lstrip())]
            target = stripped[len(".. include::"):].strip()
            out.append(f"{indent}*(PyTorch's documentation includes its note* ``{os.path.basename(target)}`` "
                       f"*here; that file belongs to PyTorch's docs tree, not to the installed package.)*")
            skipping_options = True
            continue
        if skipping_options and stripped.startswith(":"):
            continue
        skipping_options = False
        out.append(line)
    lines[:] = out


def _torch_reference_as_text(app, env, node, contnode):
    """A ``:ref:``/``:doc:`` from a torch docstring to PyTorch's own docs: keep the text, without a link."""
    source = node.source or ""
    if _TORCH_DIR in source and node.get("refdomain") == "std" and node.get("reftype") in ("ref", "doc"):
        return contnode
    return None


def setup(app):
    app.connect("autodoc-process-docstring", _torch_include_note, priority=400)
    app.connect("missing-reference", _torch_reference_as_text)
