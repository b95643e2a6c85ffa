"""A docstring as a docutils doctree: napoleon for Google sections, then reST.

Google sections are not reST, so napoleon (``sphinx.ext.napoleon``, used
standalone) rewrites them first; with ``napoleon_use_ivar=True`` an
``Attributes:`` section becomes ``:ivar name: …`` fields — where framework
docstrings state initial values — instead of the Sphinx-only
``.. attribute::`` directive.  The result is parsed by docutils' reST parser.

Sphinx roles (``:class:``, ``:attr:``, ``:func:``…) and directives
(``seealso``, ``versionadded``, ``testcode``…) are unknown to plain docutils.
They are handled through a **private lookup**, never through docutils'
process-wide registries (``roles._roles``, ``directives._directives``):

* roles: a subclass of docutils' ``Inliner`` — the object docutils consults
  for every interpreted text — resolves role names itself: docutils' own
  roles (``math``, ``literal``, ``sub``…) from docutils' canonical table,
  everything else to a generic role that keeps the text;
* directives: docutils calls the directive lookup from the ``Body`` state's
  table of explicit constructs (``Body.explicit.constructs``).  Every state
  class is subclassed with its own copy of that table pointing at a private
  lookup, and with its own nested-state-machine cache and nested
  ``state_classes`` so nested parses (inside notes, lists, fields) stay on the
  private classes.  Unknown directives still have their content parsed, so a
  ``:math:`` inside ``.. note::`` or ``.. seealso::`` is found; code-like
  directives (``testcode``, ``code-block``…) keep their content literal;
  ``include``, ``literalinclude``, ``raw``, ``role`` and ``default-role`` are
  inert (no file access, no registry changes).
* ``docutils.parsers.rst.Parser.parse`` deletes ``roles._roles['']`` after
  every parse (a global a concurrent Sphinx build may have set for its
  ``default_role``); the parser here does not.

Measured consequence: parsing here leaves ``roles._roles``,
``directives._directives`` (apart from docutils caching its *own* directive
classes there, which it does for any docutils user) and
``RSTState.nested_sm_cache`` as they were, so it is safe to run while Sphinx
builds in the same process.  ``USE_GLOBAL_REGISTRY`` switches to the classic
approach (register generic handlers in docutils' registries) for comparison;
it is off by default and should stay off inside a Sphinx process.

Nothing is written to stderr: the reporter's stream is a private buffer and
its thresholds are above every level; messages are collected with an
observer.  Messages of level >= 2 are returned with their line mapped back
from napoleon's output to the original docstring by searching the text
(napoleon's lines do not map one-to-one).  Document transforms are not run
(reference resolution and the like are Sphinx's business).
"""

from __future__ import annotations

import io
import re
import types
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RstMessage", "RstResult", "to_rest", "parse_rest", "parse_docstring", "protect", "unprotect", "stats",
           "USE_GLOBAL_REGISTRY"]

USE_GLOBAL_REGISTRY = False  # register handlers in docutils' global tables instead of the private lookup

# how often the expensive steps ran (tests use this to prove the prefilter skips them)
stats = {"napoleon": 0, "docutils": 0}


@dataclass(frozen=True)
class RstMessage:
    """A docutils system message, located in the original docstring."""

    level: int  # 2 warning, 3 error, 4 severe
    message: str
    text_line: int | None  # 1-based line of the docstring text (None: unknown)
    offset: int | None  # offset in the docstring text of that line's first non-blank character


@dataclass
class RstResult:
    doctree: Any  # docutils.nodes.document, or None when parsing failed
    messages: list[RstMessage] = field(default_factory=list)
    rest: str = ""  # napoleon's output: the reST that was parsed
    line_map: list[int | None] = field(default_factory=list)  # reST line index -> docstring line index
    error: str | None = None


# --------------------------------------------------------------------------- control characters

# Characters str.splitlines() treats as line ends besides "\n".  In a docstring
# they come from escapes of a non-raw literal ("\f" in "\frac", "\r" in
# "\rho"); napoleon and docutils would split lines there and scramble the
# structure around them.  They are swapped, one for one, with private-use
# characters before parsing, so the text keeps its shape and length and the
# formula still shows what Python made of it (see `unprotect`).
_LINE_BREAKERS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_PROTECT = {ord(ch): 0xF0000 + ord(ch) for ch in _LINE_BREAKERS}
_UNPROTECT = {v: k for k, v in _PROTECT.items()}


def protect(text: str) -> str:
    """Replace line-breaking control characters with same-length private-use stand-ins."""
    return text.translate(_PROTECT)


def unprotect(text: str) -> str:
    return text.translate(_UNPROTECT)


# --------------------------------------------------------------------------- napoleon

_NAPOLEON: Any = None


def to_rest(text: str) -> str:
    """Google-style sections -> reST fields/directives (napoleon, standalone)."""
    global _NAPOLEON
    if _NAPOLEON is None:
        from sphinx.ext.napoleon import Config
        from sphinx.ext.napoleon.docstring import GoogleDocstring

        config = Config(napoleon_use_ivar=True, napoleon_use_param=True, napoleon_use_rtype=True,
                        napoleon_use_admonition_for_notes=False, napoleon_preprocess_types=False,
                        napoleon_attr_annotations=False)
        _NAPOLEON = (GoogleDocstring, config)
    cls, config = _NAPOLEON
    stats["napoleon"] += 1
    return str(cls(text, config, what="class"))


_FIELD_PREFIX = re.compile(r"^\s*(?::[^:\s][^:]*:\s*)?")
_GENERATED = re.compile(r"^\s*:(?:vartype|type|rtype)\b|^\s*\.\. (?:rubric|note|warning|seealso|admonition)::")
_WINDOW = 80  # lines searched ahead for the origin of one napoleon line


def map_lines(original: str, rest: str) -> list[int | None]:
    """For each line of `rest`, the 0-based line of `original` it came from (by searching text).

    Napoleon rewrites section headers and field markers, adds ``:vartype:``
    lines and re-indents; the text of descriptions survives.  A line is
    matched by its text (without a leading ``:field name:`` marker) in the
    next lines of the original; generated and unmatched lines go with the
    previous line.
    """
    src = [line.strip() for line in original.splitlines()]
    out: list[int | None] = []
    cursor = 0
    last: int | None = None
    for line in rest.splitlines():
        stripped = line.strip()
        if not stripped:
            out.append(min(last + 1, len(src) - 1) if last is not None and src else last)
            continue
        if _GENERATED.match(line):
            out.append(last)
            continue
        key = _FIELD_PREFIX.sub("", stripped, count=1).strip() if stripped.startswith(":") else stripped
        found = None
        for j in range(cursor, min(len(src), cursor + _WINDOW)):
            candidate = src[j]
            if not candidate:
                continue
            if key == candidate or (len(key) >= 8 and key in candidate) or (
                    len(candidate) >= 8 and candidate in key):
                found = j
                break
        if found is not None:
            last, cursor = found, found + 1
        out.append(last)
    return out


# --------------------------------------------------------------------------- private docutils lookup

_MACHINERY: dict[str, Any] = {}


def _machinery() -> dict[str, Any]:
    """Build (once) the private state classes, inliner class and directive table."""
    if _MACHINERY:
        return _MACHINERY
    from importlib import import_module

    from docutils import nodes
    from docutils.parsers import rst
    from docutils.parsers.rst import Directive, directives, roles, states
    from docutils.parsers.rst.languages import en
    from docutils.statemachine import StringList

    def generic_role(name, rawtext, text, lineno, inliner, options=None, content=None):
        node = nodes.literal(rawtext, nodes.unescape(text), classes=["xref", name.replace(":", "-")])
        return [node], []

    docutils_roles: dict[str, Any] = {}

    def lookup_role(name: str):
        normname = name.lower()
        if normname in docutils_roles:
            return docutils_roles[normname]
        canonical = en.roles.get(normname, normname) if normname else roles.DEFAULT_INTERPRETED_ROLE
        fn = roles._role_registry.get(canonical)
        if fn is None or not getattr(fn, "__module__", "").startswith("docutils.") or canonical in (
                "raw", "restructuredtext-unimplemented-role"):
            fn = generic_role
        if normname == "math" and fn is not generic_role:
            fn = roles._role_registry["math"]
        docutils_roles[normname] = fn
        return fn

    def private_interpreted(self, rawsource, text, role, lineno):
        return lookup_role(role)(role, rawsource, text, lineno, self)

    def make_inliner():
        # An instance attribute, not a subclass: Inliner.init_customizations reads
        # vars(self.__class__) and would miss everything a subclass inherits.
        inliner = states.Inliner()
        inliner.interpreted = types.MethodType(private_interpreted, inliner)
        return inliner

    class AnyOptions(dict):
        """Accept every option (Sphinx directives have many docutils does not know)."""

        def __init__(self):
            super().__init__(name=directives.unchanged)

        def __contains__(self, key):
            return True

        def __getitem__(self, key):
            return directives.unchanged

        def get(self, key, default=None):
            return directives.unchanged

    class _Lenient(Directive):
        """Any argument, any options, any content: unknown Sphinx directives must not be errors."""

        has_content = True
        optional_arguments = 1
        final_argument_whitespace = True
        option_spec = AnyOptions()

    class BodyDirective(_Lenient):
        """Unknown or Sphinx directive: its argument text and content are parsed as body elements."""

        def run(self):
            node = nodes.container(classes=["directive-" + self.name])
            if self.arguments:
                lines = self.arguments[0].splitlines()
                self.state.nested_parse(StringList(lines, items=[(None, self.lineno - 1 + i) for i in
                                                                 range(len(lines))]),
                                        self.lineno - 1, node)
            if self.content:
                self.state.nested_parse(self.content, self.content_offset, node)
            return [node]

    class LiteralDirective(_Lenient):
        """Code-like directives: the content is kept verbatim (never parsed as reST)."""

        def run(self):
            text = "\n".join(self.content)
            return [nodes.literal_block(text, text, classes=["directive-" + self.name])] if text else []

    class MathDirective(_Lenient):
        def run(self):
            text = "\n".join(([self.arguments[0]] if self.arguments else []) + list(self.content))
            node = nodes.math_block(text, text)
            node.line = self.lineno
            return [node]

    class InertDirective(_Lenient):
        """Directives that would read files or change docutils' global state: ignored."""

        def run(self):
            return []

    literal_names = {"code-block", "sourcecode", "code", "testcode", "testoutput", "testsetup", "testcleanup",
                     "doctest", "highlight", "productionlist", "autosummary", "toctree", "graphviz", "digraph",
                     "graph", "plot", "ipython", "jupyter-execute", "parsed-literal", "csv-table", "list-table",
                     "table", "inheritance-diagram"}
    inert_names = {"include", "literalinclude", "raw", "role", "default-role", "meta", "title", "header", "footer",
                   "sectnum", "section-numbering", "contents", "target-notes", "image", "figure", "class",
                   "rst-class", "restructuredtext-test-directive"}
    private: dict[str, type] = {name: LiteralDirective for name in literal_names}
    private.update({name: InertDirective for name in inert_names})
    private["math"] = MathDirective
    docutils_directives: dict[str, type] = {}

    def lookup_directive(name: str) -> type:
        normname = name.lower()
        if normname in private:
            return private[normname]
        if normname in docutils_directives:
            return docutils_directives[normname]
        cls: type = BodyDirective
        canonical = en.directives.get(normname)
        entry = directives._directive_registry.get(canonical) if canonical else None
        if entry is not None:
            try:
                found = getattr(import_module("docutils.parsers.rst.directives." + entry[0]), entry[1])
                if found.__module__.startswith("docutils."):
                    cls = found
            except (ImportError, AttributeError):
                pass
        docutils_directives[normname] = cls
        return cls

    original_directive = states.Body.directive

    def private_directive(self, match, **option_presets):
        type_name = match.group(1)
        return self.run_directive(lookup_directive(type_name), match, type_name, option_presets)

    explicit = states.Struct(**vars(states.Body.explicit))
    explicit.constructs = [(private_directive if method is original_directive else method, pattern)
                           for method, pattern in states.Body.explicit.constructs]

    state_classes: list[type] = []

    class PrivateState:
        nested_sm_cache: list = []  # not docutils' class-wide cache: Sphinx never sees these machines

        def __init__(self, state_machine, debug=False):
            super().__init__(state_machine, debug)
            self.nested_sm_kwargs = {"state_classes": tuple(state_classes), "initial_state": "Body"}

    PrivateState.explicit = explicit
    for base in states.state_classes:
        state_classes.append(type(base.__name__, (PrivateState, base), {"__module__": __name__}))

    class PrivateParser(rst.Parser):
        def __init__(self):
            super().__init__(inliner=make_inliner())
            self.state_classes = tuple(state_classes)

        def parse(self, inputstring, document):  # rst.Parser.parse without its global role reset
            from docutils.statemachine import string2lines

            self.setup_parse(inputstring, document)
            self.statemachine = states.RSTStateMachine(state_classes=self.state_classes,
                                                       initial_state=self.initial_state, debug=False)
            lines = string2lines(inputstring, tab_width=document.settings.tab_width, convert_whitespace=True)
            self.statemachine.run(lines, document, inliner=self.inliner)
            self.finish_parse()

    def register_globally():
        """The classic approach (USE_GLOBAL_REGISTRY): generic handlers in docutils' own registries."""
        for role in ("attr", "class", "func", "meth", "ref", "mod", "obj", "data", "exc", "doc", "term",
                     "py:class", "py:func", "py:meth", "py:attr", "py:mod", "py:obj", "py:data", "py:exc"):
            roles.register_local_role(role, generic_role)
        for name in ("seealso", "versionadded", "versionchanged", "deprecated", "versionremoved"):
            directives.register_directive(name, BodyDirective)
        for name in literal_names - {"code", "parsed-literal", "csv-table", "list-table", "table"}:
            directives.register_directive(name, LiteralDirective)

    from docutils.frontend import get_default_settings

    settings = get_default_settings(rst.Parser)
    settings.report_level = 5
    settings.halt_level = 5
    settings.warning_stream = io.StringIO()
    settings.file_insertion_enabled = False
    settings.raw_enabled = False
    settings.pep_references = False
    settings.rfc_references = False
    settings.smart_quotes = False
    settings.syntax_highlight = "none"
    settings.character_level_inline_markup = False
    settings.language_code = "en"
    settings.tab_width = 8
    settings.line_length_limit = 100_000
    settings.debug = False

    _MACHINERY.update(parser=PrivateParser, settings=settings, register_globally=register_globally,
                      global_parser=rst.Parser, registered=[False])
    return _MACHINERY


def parse_rest(rest: str, source: str = "<docstring>"):
    """reST -> (document, [system_message nodes]); raises nothing a docstring can cause."""
    import copy

    from docutils.utils import new_document

    m = _machinery()
    settings = copy.copy(m["settings"])
    settings.warning_stream = io.StringIO()
    document = new_document(source, settings)
    collected: list = []
    document.reporter.attach_observer(collected.append)
    if USE_GLOBAL_REGISTRY:
        if not m["registered"][0]:
            m["register_globally"]()
            m["registered"][0] = True
        parser = m["global_parser"]()
    else:
        parser = m["parser"]()
    stats["docutils"] += 1
    parser.parse(rest, document)
    return document, collected


_CACHE: dict[str, RstResult] = {}
_CACHE_SIZE = 128


def parse_docstring(doc) -> RstResult:
    """napoleon + docutils for a `DocString` (or plain str); messages mapped to docstring lines.

    Line-breaking control characters are parsed as private-use stand-ins (`protect`);
    ``unprotect`` turns text taken from the doctree back.  Results are cached by
    text (the doctree must be treated as read-only).
    """
    original = doc if isinstance(doc, str) else doc.text
    cached = _CACHE.get(original)
    if cached is not None:
        return cached
    text = protect(original)
    try:
        rest = to_rest(text)
    except Exception as exc:  # napoleon on odd input: parse the text as it is
        rest = text
        napoleon_error = f"napoleon failed: {type(exc).__name__}: {exc}"
    else:
        napoleon_error = None
    line_map = map_lines(text, rest) if rest != text else list(range(len(text.splitlines())))
    result = RstResult(doctree=None, rest=rest, line_map=line_map, error=napoleon_error)
    try:
        document, collected = parse_rest(rest)
    except Exception as exc:  # a docutils bug must not stop a lint run
        result.error = f"docutils failed: {type(exc).__name__}: {exc}"
    else:
        result.doctree = document
        src_lines = text.splitlines()
        starts = [0]
        for line in src_lines:
            starts.append(starts[-1] + len(line) + 1)
        for msg in collected:
            level = int(msg.get("level", 0))
            if level < 2:
                continue
            rest_line = msg.get("line")
            text_line = offset = None
            if isinstance(rest_line, int) and 1 <= rest_line <= len(line_map) and line_map[rest_line - 1] is not None:
                index = line_map[rest_line - 1]
                text_line = index + 1
                line = src_lines[index] if index < len(src_lines) else ""
                offset = starts[index] + (len(line) - len(line.lstrip()))
            message = msg.children[0].astext() if msg.children else msg.astext()
            result.messages.append(RstMessage(level, message, text_line, offset))
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[original] = result
    return result
