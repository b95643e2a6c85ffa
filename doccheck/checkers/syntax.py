'''Docstrings that do not render as written (DC001, DC004).

DC001 — cheap, from the source text alone, on by default:

1. **Escapes**: a non-raw docstring in which Python turned ``\\f`` (``\\frac``),
   ``\\t`` (``\\text``), ``\\b`` (``\\beta``), ``\\r`` (``\\rho``), ``\\a``, ``\\v``, an octal
   or ``\\x`` escape, or ``\\n`` before a LaTeX command (``\\nabla``) into a
   control character: `DocString.escape_problems` (decoded from the source,
   nothing imported; only a non-raw literal with a backslash is decoded).
2. **Malformed LaTeX** in ``:math:`` roles and ``.. math::`` blocks: text that
   no LaTeX engine (MathJax, KaTeX, LaTeX) renders: unbalanced braces,
   ``\\left`` without ``\\right``, ``\\begin``/``\\end`` that do not pair, a
   ``\\frac``/``\\sqrt``/``\\text`` without its argument, a ``^``/``_`` without
   one, a double superscript, ``&`` outside an alignment, a lone trailing
   backslash; and a ``(``/``[`` never closed (over adjacent roles, so
   ``:math:`(a,` :math:`b)``` balances, and so does ``[0, 1)``).  This is a
   structural scan, not a translation: a command doccheck's sympy translator
   (`doccheck.docmodel.latex`) does not know, or a formula outside its subset,
   is *unsupported*, not malformed, and is never reported; sympy is never
   imported here.

DC004 — reST errors after napoleon, off by default: docutils messages of level
>= 2 from `doccheck.docmodel.rst.parse_docstring`, whose private lookup knows
Sphinx's roles and directives, so ``:class:`` or ``.. versionadded::`` are never
errors.  It costs a docutils parse per docstring (about 3 ms; 1.4 s for the 426
docstrings of ``torch/nn/modules``, three times the rest of a run) plus Sphinx's
napoleon import, which is why it is a separate, opt-in check.

Docstrings of classes, top-level functions and methods of top-level classes
are checked; a computed ``__doc__`` doccheck could not fully evaluate is
checked for escapes only, and a function whose ``__doc__`` is replaced at
import time (other than by a ``.format`` of itself) is skipped.
'''

from __future__ import annotations

import re
from dataclasses import dataclass

from doccheck.checks import Check

DOCSTRING_SYNTAX = Check(
    code="DC001",
    name="docstring-syntax",
    summary="The docstring does not render as written: an escape Python turned into a control character, or "
            "malformed LaTeX.",
    rationale=(
        "Sphinx renders what Python stored, not what the source shows: in a docstring that is not raw, "
        "`\\frac` becomes a form feed followed by `rac`, `\\text` a tab followed by `ext`, and the formula "
        "silently breaks.  A brace, a `\\left` or a `\\begin` left open, a `\\frac` without its second "
        "argument or a double superscript makes MathJax print a red error instead of the formula.  doccheck "
        "reports the exact place of each, from the source text alone.  LaTeX that doccheck merely cannot "
        "translate (an unknown command, a construct outside its sympy subset) is not reported: only what no "
        "LaTeX engine would render.  reST errors are DC004."
    ),
    bad='''from torch import nn


class Dense(nn.Module):
    """A dense layer.

    The weights are drawn from :math:`\\mathcal{U}(-\\sqrt{k}, \\sqrt{k})`,
    where :math:`k = \\frac{1}{\\text{in\\_features}}`
    """
''',
    good='''from torch import nn


class Dense(nn.Module):
    r"""A dense layer.

    The weights are drawn from :math:`\\mathcal{U}(-\\sqrt{k}, \\sqrt{k})`,
    where :math:`k = \\frac{1}{\\text{in\\_features}}`
    """
''',
)

REST_SYNTAX = Check(
    code="DC004",
    name="rest-syntax",
    summary="docutils reports a warning or an error for the docstring (after napoleon).",
    rationale=(
        "A reST slip (an unclosed ``literal`` or `*`, a continuation line indented deeper than its list item, "
        "a list or block quote that ends without a blank line) makes Sphinx print a warning and render part of "
        "the docstring as something else.  doccheck converts Google sections with napoleon, parses the result "
        "with docutils, with Sphinx's roles and directives known (`:class:`, `.. versionadded::` are never "
        "errors), and reports messages of level warning and above at their line.  Off by default: it costs a "
        "docutils parse per docstring, more than every other check together; select it in CI or when editing "
        "documentation.  The cheap parts of docstring syntax are DC001."
    ),
    bad='''def pad(input, pad):
    """Pads a tensor.

    Args:
        input: the tensor, whose last dimensions
            are padded by ``pad
        pad: the padding sizes
    """
''',
    good='''def pad(input, pad):
    """Pads a tensor.

    Args:
        input: the tensor, whose last dimensions
            are padded by ``pad``
        pad: the padding sizes
    """
''',
    default=False,
    level="warning",
)

CHECKS = (DOCSTRING_SYNTAX, REST_SYNTAX)



# --------------------------------------------------------------------------- LaTeX structure


@dataclass(frozen=True)
class LatexProblem:
    offset: int  # in the fragment
    message: str


_DELIMITERS = {"(", ")", "[", "]", "|", ".", "/", "<", ">"}
_DELIMITER_COMMANDS = {"{", "}", "|", "langle", "rangle", "lfloor", "rfloor", "lceil", "rceil", "vert", "Vert",
                       "lvert", "rvert", "lVert", "rVert", "backslash", "uparrow", "downarrow", "updownarrow",
                       "Uparrow", "Downarrow", "Updownarrow", "lbrace", "rbrace", "lbrack", "rbrack", "lgroup",
                       "rgroup", "lmoustache", "rmoustache", "ulcorner", "urcorner", "llcorner", "lrcorner"}
# commands whose mandatory arguments doccheck checks (name -> number of arguments)
_ARGUMENTS = {"frac": 2, "dfrac": 2, "tfrac": 2, "cfrac": 2, "binom": 2, "dbinom": 2, "tbinom": 2, "sqrt": 1,
              "text": 1, "textrm": 1, "textbf": 1, "textit": 1, "texttt": 1, "textsf": 1, "mathrm": 1,
              "mathbf": 1, "mathit": 1, "mathsf": 1, "mathtt": 1, "mathcal": 1, "mathbb": 1, "mathfrak": 1,
              "mathscr": 1, "boldsymbol": 1, "bm": 1, "operatorname": 1, "hat": 1, "widehat": 1, "bar": 1,
              "overline": 1, "underline": 1, "tilde": 1, "widetilde": 1, "vec": 1, "dot": 1, "ddot": 1,
              "check": 1, "breve": 1, "acute": 1, "grave": 1, "overbrace": 1, "underbrace": 1,
              "overrightarrow": 1, "overleftarrow": 1, "mbox": 1, "underset": 2, "overset": 2, "stackrel": 2}
# other commands that, written after a doubled backslash (``\\\\sum``), are a typo rather than a line break
# followed by variables (the commands of `_ARGUMENTS` count too)
_DOUBLED_COMMANDS = {
    "left", "right", "big", "Big", "bigg", "Bigg", "sum", "prod", "int", "lim", "log", "ln", "exp", "sin", "cos",
    "tan", "tanh", "sigma", "max", "min", "argmax", "argmin", "alpha", "beta", "gamma", "delta", "epsilon",
    "varepsilon", "zeta", "eta", "theta", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "tau", "phi",
    "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Sigma", "Phi", "Psi", "Omega",
    "cdot", "times", "odot", "otimes", "oplus", "leq", "geq", "neq", "approx", "sim", "infty", "partial",
    "nabla", "begin", "end", "quad", "qquad", "ldots", "cdots", "dots", "top", "prime", "lfloor", "rfloor",
    "lceil", "rceil", "mathbb", "lVert", "rVert", "Vert", "vert", "langle", "rangle", "in", "notin", "cup", "cap",
    "forall", "exists", "cdotp", "mid", "sqrt", "frac", "dfrac", "text", "mathrm", "mathbf", "operatorname"}
AMPERSAND_OUTSIDE = "'&' outside an alignment environment (write \\&)"
_OPENERS = {"(": ")", "[": "]"}
MAX_FORMULA_CHARS = 20_000  # longer formulas are not judged


_TOKEN = re.compile(r"\\(?:([A-Za-z]+)|(.))|(\\)\Z|(\s)|(.)", re.DOTALL)


def _tokens(src: str):
    """(kind, value, offset): 'cmd' (name without backslash), 'char', 'space', 'lone' (a final backslash)."""
    for m in _TOKEN.finditer(src):
        name, symbol, _lone, space, char = m.groups()
        if name is not None:
            yield "cmd", name, m.start()
        elif symbol is not None:
            yield "cmd", symbol, m.start()  # \{, \}, \,, \\, \|, \_ …
        elif space is not None:
            yield "space", space, m.start()
        elif char is not None:
            yield "char", char, m.start()
        else:
            yield "lone", "\\", m.start()
            return


def latex_problems(src: str, check_brackets: bool = True, aligned: bool = False) -> list[LatexProblem]:
    """Structural problems that make a formula unrenderable (empty list: renderable as far as doccheck sees).

    With `check_brackets`, a ``(`` or ``[`` that is never closed (or a closer never opened) is reported too;
    a formula split over adjacent roles (``:math:`(a,` :math:`b)```) is checked for that as a whole.
    `aligned`: the formula is already inside an alignment environment (an equation of a ``.. math::`` block
    that Sphinx wraps in ``split``/``aligned``, see `math_fragments`), so ``&`` and ``\\`` are legal at its
    top level.
    """
    if len(src) > MAX_FORMULA_CHARS:
        return []  # not judged (the scan of script arguments is quadratic in the worst case)
    toks = list(_tokens(src))
    problems: list[LatexProblem] = []
    # groups: a stack of ("{", offset) / ("left", offset) / ("begin", offset, env)
    stack: list[tuple] = []
    brackets: list[tuple[str, int]] = []  # plain ( and [ (not \left): counted, not nested strictly
    closers = 0
    first_unmatched_closer = None
    # scripts: per nesting level, which scripts the current atom already has
    scripts: list[set[str]] = [set()]
    k = 0
    nt = len(toks)
    script_group = False

    def next_significant(j: int) -> int:
        while j < nt and toks[j][0] == "space":
            j += 1
        return j

    def argument_end(j: int) -> int | None:
        """Index after one argument starting at token j (skipping spaces); None when there is none."""
        j = next_significant(j)
        if j >= nt:
            return None
        kind, value, _ = toks[j]
        if kind == "char" and value in "}^_&":
            return None
        if kind == "lone":
            return None
        if kind == "char" and value == "{":
            depth = 0
            while j < nt:
                kk, vv, _ = toks[j]
                if kk == "char" and vv == "{":
                    depth += 1
                elif kk == "char" and vv == "}":
                    depth -= 1
                    if depth == 0:
                        return j + 1
                j += 1
            return -1  # unbalanced: reported by the brace scan
        if kind == "cmd" and value in ("right", "end"):
            return None
        return j + 1

    while k < nt:
        kind, value, offset = toks[k]
        if kind == "lone":
            problems.append(LatexProblem(offset, "lone backslash at the end of the formula"))
            break
        if kind == "space":
            k += 1
            continue
        if kind == "char":
            if value == "{":
                stack.append(("{", offset, script_group))
                script_group = False
                scripts.append(set())
            elif value == "}":
                if not stack or stack[-1][0] != "{":
                    if stack and stack[-1][0] == "left":
                        problems.append(LatexProblem(stack[-1][1], "\\left without a matching \\right"))
                        return problems
                    problems.append(LatexProblem(offset, "unmatched '}'"))
                    return problems
                _, _, was_script = stack.pop()
                scripts.pop()
                if not was_script:
                    scripts[-1].clear()  # the group is the new atom
            elif value in "^_":
                which = "sup" if value == "^" else "sub"
                if argument_end(k + 1) == -1:
                    k += 1
                    continue
                if argument_end(k + 1) is None:
                    problems.append(LatexProblem(offset, f"'{value}' without an argument"))
                    return problems
                if which in scripts[-1]:
                    problems.append(LatexProblem(offset, "double superscript" if which == "sup" else
                                                 "double subscript"))
                    return problems
                scripts[-1].add(which)
                end = argument_end(k + 1)
                # scan the argument for its own structure, then continue after it
                inner = toks[next_significant(k + 1)]
                if inner[0] == "char" and inner[1] == "{":
                    k = next_significant(k + 1)
                    script_group = True  # the group is walked normally; its closing brace must not reset scripts
                    continue
                k = end
                continue
            elif value in _OPENERS:
                brackets.append((value, offset))
                scripts[-1].clear()
            elif value in (")", "]"):
                if brackets:
                    brackets.pop()
                else:
                    closers += 1
                    if first_unmatched_closer is None:
                        first_unmatched_closer = offset
                scripts[-1].clear()
            elif value == "&" and not aligned and not any(s[0] == "begin" for s in stack):
                problems.append(LatexProblem(offset, AMPERSAND_OUTSIDE))
                return problems
            elif value not in "'":
                scripts[-1].clear()
            k += 1
            continue
        # commands
        if value in ("left", "right", "middle"):
            j = next_significant(k + 1)
            ok = j < nt and ((toks[j][0] == "char" and toks[j][1] in _DELIMITERS) or (
                toks[j][0] == "cmd" and toks[j][1] in _DELIMITER_COMMANDS))
            if not ok:
                problems.append(LatexProblem(offset, f"\\{value} without a delimiter"))
                return problems
            if value == "left":
                stack.append(("left", offset))
                scripts.append(set())
            elif value == "right":
                if not stack or stack[-1][0] != "left":
                    if stack and stack[-1][0] == "{":
                        problems.append(LatexProblem(stack[-1][1], "unbalanced '{' before \\right"))
                        return problems
                    problems.append(LatexProblem(offset, "\\right without a matching \\left"))
                    return problems
                stack.pop()
                scripts.pop()
                scripts[-1].clear()
            elif not any(s[0] == "left" for s in stack):
                problems.append(LatexProblem(offset, "\\middle outside \\left … \\right"))
                return problems
            k = j + 1
            continue
        if value in ("begin", "end"):
            j = next_significant(k + 1)
            m = re.compile(r"\{\s*([A-Za-z*]+)\s*\}").match(src, toks[j][2]) if j < nt else None
            if m is None:
                problems.append(LatexProblem(offset, f"\\{value} without an environment name"))
                return problems
            env = m.group(1)
            if value == "begin":
                stack.append(("begin", offset, env))
            else:
                if not stack or stack[-1][0] != "begin" or stack[-1][2] != env:
                    opened = next((s for s in reversed(stack) if s[0] == "begin"), None)
                    detail = f" (\\begin{{{opened[2]}}} is open)" if opened else ""
                    problems.append(LatexProblem(offset, f"\\end{{{env}}} without a matching \\begin{detail}"))
                    return problems
                stack.pop()
            while k < nt and toks[k][2] < m.end():
                k += 1
            scripts[-1].clear()
            continue
        if value == "\\" and k + 1 < nt and toks[k + 1][0] == "char" and toks[k + 1][1].isalpha():
            word = re.match(r"[A-Za-z]+", src[toks[k + 1][2]:]).group()
            if word in _ARGUMENTS or word in _DOUBLED_COMMANDS:
                # ``\\frac`` (a raw docstring that doubles the backslash): a line break, then the letters
                problems.append(LatexProblem(offset, f"`\\\\{word}` is a line break followed by the letters "
                                                     f"'{word}', not `\\{word}` (one backslash in a raw docstring)"))
                return problems
        arguments = _ARGUMENTS.get(value)
        if arguments:
            j = k + 1
            if value == "sqrt":
                s = next_significant(j)
                if s < nt and toks[s][0] == "char" and toks[s][1] == "[":
                    close = src.find("]", toks[s][2])
                    if close < 0:
                        problems.append(LatexProblem(toks[s][2], "\\sqrt[ without its closing ']'"))
                        return problems
                    while j < nt and toks[j][2] <= close:
                        j += 1
            for _ in range(arguments):
                end = argument_end(j)
                if end == -1:
                    break  # an argument whose brace never closes: the brace scan reports it
                if end is None:
                    problems.append(LatexProblem(offset, f"\\{value} without its argument" if arguments == 1
                                                 else f"\\{value} needs {arguments} arguments"))
                    return problems
                j = end
            # the arguments' own braces are walked normally: continue right after the command
            scripts[-1].clear()
            k += 1
            continue
        if value not in ("limits", "nolimits", "displaystyle", "textstyle", ",", ";", "!", ":", " ", "quad",
                         "qquad"):
            scripts[-1].clear()
        k += 1
    for entry in reversed(stack):
        if entry[0] == "{":
            problems.append(LatexProblem(entry[1], "unbalanced '{'"))
        elif entry[0] == "left":
            problems.append(LatexProblem(entry[1], "\\left without a matching \\right"))
        else:
            problems.append(LatexProblem(entry[1], f"\\begin{{{entry[2]}}} without a matching \\end"))
        return problems
    if not check_brackets:
        return problems
    if brackets and closers == 0:
        opener, at = brackets[0]
        problems.append(LatexProblem(at, f"'{opener}' is never closed"))
    elif closers and not brackets:
        problems.append(LatexProblem(first_unmatched_closer, "closing bracket without an opening one"))
    return problems


_MATH_ROLE = re.compile(r"(?<![\w`]):math:`(?P<body>[^`]*)`")
_MATH_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<arg>[^\n]*)$", re.MULTILINE)


@dataclass(frozen=True)
class MathFragment:
    """One formula as Sphinx typesets it: a ``:math:`` role or one equation of a ``.. math::`` block."""

    offset: int  # in the docstring text
    text: str
    role: bool  # an inline ``:math:`` role
    aligned: bool = False  # Sphinx puts it inside an alignment environment: ``&`` and ``\\`` are legal
    single: bool = False  # the only equation of a wrapped block (its ``&`` depends on a ``\\``, see below)


_MATH_OPTION = re.compile(r"[ \t]*:(?P<name>[A-Za-z-]+):")


def math_fragments(text: str) -> list[MathFragment]:
    """Every ``:math:`` role and every equation of every ``.. math::`` block, with its LaTeX environment.

    A block is what Sphinx's math directive makes of it: the argument (if any) and the content are
    equations separated by blank lines.  Sphinx's HTML writer (MathJax, ``html_visit_displaymath``) puts
    two or more equations in ``\\begin{aligned}`` and an equation containing ``\\\\`` in
    ``\\begin{split}``; the LaTeX writer (``wrap_displaymath``) puts a single equation in ``split`` too.
    So ``&`` is legal in every equation of a block with several, and in one containing ``\\\\``; in a
    lone equation without a line break MathJax shows "Misplaced &".  A ``:no-wrap:`` (``:nowrap:``) block
    is typeset as written: one formula, no environment.
    """
    out = [MathFragment(m.start("body"), m.group("body"), True) for m in _MATH_ROLE.finditer(text)]
    for m in _MATH_DIRECTIVE.finditer(text):
        indent = len(m.group("indent"))
        parts: list[tuple[int, list[str]]] = []
        if m.group("arg").strip():
            parts.append((m.start("arg"), [m.group("arg")]))
        pos = m.end() + 1
        block_start = None
        block: list[str] = []
        options = True
        no_wrap = False
        whole_start = None
        whole: list[str] = []

        def flush(start, lines):
            if start is not None and any(line.strip() for line in lines):
                parts.append((start, list(lines)))

        while pos <= len(text):
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            line = text[pos:end]
            if line.strip():
                if len(line) - len(line.lstrip()) <= indent:
                    break
                option = _MATH_OPTION.match(line) if options and not block else None
                if option is not None:
                    no_wrap = no_wrap or option.group("name") in ("nowrap", "no-wrap")
                else:
                    options = False
                    if block_start is None:
                        block_start = pos
                    block.append(line)
                    if whole_start is None:
                        whole_start = pos
            else:
                options = False
                flush(block_start, block)
                block_start, block = None, []
            if whole_start is not None:
                whole.append(line)
            pos = end + 1
        flush(block_start, block)
        if no_wrap:
            while whole and not whole[-1].strip():
                whole.pop()
            if whole_start is not None:
                out.append(MathFragment(whole_start, "\n".join(whole), False))
            continue
        several = len(parts) > 1
        for start, lines in parts:
            body = "\n".join(lines)
            out.append(MathFragment(start, body, False, aligned=several or "\\\\" in body, single=not several))
    return out


def math_runs(text: str) -> list[list[MathFragment]]:
    """`math_fragments` grouped: ``:math:`` roles separated only by white space form one run."""
    runs: list[list[MathFragment]] = []
    last_end = None
    for fragment in sorted(math_fragments(text), key=lambda f: f.offset):
        role_start = fragment.offset - len(":math:`")
        if runs and fragment.role and last_end is not None and not text[last_end:role_start].strip():
            runs[-1].append(fragment)
        else:
            runs.append([fragment])
        last_end = fragment.offset + len(fragment.text) + 1 if fragment.role else None
    return runs


# --------------------------------------------------------------------------- the checker


def run(info, project, knowledge, config, result) -> None:
    from doccheck.checkers.signature import replaced_docs, targets
    from doccheck.failures import internal_error
    from doccheck.parse import SourceError

    path = info.path
    want_syntax = config.wants(DOCSTRING_SYNTAX.code, path)
    want_rest = config.wants(REST_SYNTAX.code, path)
    if not want_syntax and not want_rest:
        return
    if not want_rest and "\\" not in info.text and "math" not in info.text:
        return  # neither an escape nor a formula anywhere in the file

    def doc_filter(doc: str) -> bool:
        return want_rest or "\\" in doc or "math" in doc or _CONTROL.search(doc) is not None

    def chunk_filter(text: str) -> bool:
        return want_rest or "\\" in text or ":math:`" in text or "math::" in text or "__doc__" in text

    from doccheck import limits

    replaced = replaced_docs(info)
    for target in targets(info, chunk_filter, doc_filter):
        limits.check()
        try:
            _check(info, project, target, replaced, result, want_syntax, want_rest,
                   getattr(config, "docstring_format", "auto"))
        except SourceError as exc:
            from doccheck.model import Finding

            result.findings.append(Finding(path, exc.line, exc.column, "DC002", exc.message))
        except Exception as exc:
            result.findings.append(internal_error(path, target.node.lineno, "docstring syntax check", exc,
                                                  config.debug))


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")

# escapes that are reported only when a word follows (``\text``, ``\times``): a lone ``\t`` is a tab on purpose
_WORD_ESCAPES = ("\\t",)


def _check(info, project, target, replaced, result, want_syntax: bool, want_rest: bool,
           docstring_format: str = "auto") -> None:
    from doccheck.checkers.signature import DocView, computes_doc
    from doccheck.model import Finding

    if target.kind == "function" and target.name in replaced and not replaced[target.name]:
        return  # __doc__ replaced by something else at import time: not statically visible
    raw = target.raw_doc
    if raw is None and not (target.kind == "class" and computes_doc(target.node)):
        return
    if raw is not None and not want_rest and "\\" not in raw and "math" not in raw and not _CONTROL.search(raw):
        return
    from doccheck.limits import MAX_DOCSTRING_CHARS

    doc = DocView.of(info, project, target)
    if doc is None or not doc.text.strip() or len(doc.text) > MAX_DOCSTRING_CHARS:
        return  # a docstring beyond the limit is reported once, by the initialization check (DC003)
    obj = target.name
    findings = result.findings
    if want_syntax:
        # 1. escapes Python turned into control characters
        problems = []
        for offset, escape in doc.escape_problems:
            word = _word_after(info, doc.position(offset), escape)
            if escape in _WORD_ESCAPES and not word:
                continue  # a lone "\\t": a tab on purpose
            problems.append((offset, escape, word))
        if problems:
            offset, escape, word = problems[0]
            shown = escape + word if escape in ("\\f", "\\t", "\\b", "\\r", "\\a", "\\v", "\\n") else escape
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            at = doc.position(offset)
            findings.append(Finding(at.path, at.line, at.column, DOCSTRING_SYNTAX.code,
                                    f"{obj}: the docstring is not a raw string, so Python turned `{shown}` into a "
                                    f"control character{more}; write it as r\"\"\"…\"\"\"", obj, shown, None))
        # 2. malformed LaTeX (a computed __doc__ with unknown parts is not judged: text may be missing)
        if doc.complete and "math" in doc.text:
            _check_latex(doc, obj, findings)
    if want_rest and doc.complete and not (target.kind == "function" and target.name in replaced) \
            and not is_markdown(doc.text, docstring_format):
        # 3. reST errors after napoleon (`f.__doc__ = f.__doc__.format(...)`: the rendered text differs).
        # A Markdown docstring (keras, transformers: rendered by mkdocs / doc-builder, not docutils) has no
        # reST to be wrong: its code fences and lists are not reST errors.
        _check_rest(doc, obj, findings)


def _word_after(info, at, escape: str) -> str:
    """The letters written right after an escape in the source (``\\text`` -> ``ext``)."""
    lines = info.lines if at.path == info.path else []
    if not 0 < at.line <= len(lines):
        return ""
    source = lines[at.line - 1][at.column - 1:]
    if not source.startswith(escape):
        return ""
    return re.match(r"[A-Za-z]*", source[len(escape):]).group()


_MARKDOWN = re.compile(r"^[ \t]*(?:```|~~~)|\]\((?:https?://|#)", re.MULTILINE)


def is_markdown(text: str, docstring_format: str = "auto") -> bool:
    """Whether a docstring is Markdown: by the project's choice (``docstring-format``), else (``auto``) when it
    has a code fence (```` ``` ````, ``~~~``) or a Markdown link (``[text](https://…)``) — neither is reST,
    where code is ``::`` or ``.. code-block::`` and links are ```text <url>`_``."""
    if docstring_format != "auto":
        return docstring_format == "markdown"
    return _MARKDOWN.search(text) is not None


def _check_latex(doc, obj: str, findings: list) -> None:
    from doccheck.model import Finding

    for run_ in math_runs(doc.text):
        if any(ord(c) < 32 and c not in "\n\t" for fragment in run_ for c in fragment.text):
            continue  # an escape problem, reported as such
        reported = False
        for fragment in run_:
            for problem in latex_problems(fragment.text, check_brackets=len(run_) == 1, aligned=fragment.aligned):
                reported = True
                message = problem.message
                if message == AMPERSAND_OUTSIDE and fragment.single:
                    message = ("'&' outside an alignment environment: Sphinx wraps a one-equation math block in "
                               "`split` only when it contains `\\\\`, so MathJax shows \"Misplaced &\" (write "
                               "\\&, or use an environment)")
                at = doc.position(fragment.offset + problem.offset)
                findings.append(Finding(at.path, at.line, at.column, DOCSTRING_SYNTAX.code,
                                        f"{obj}: malformed LaTeX in `{_short(fragment.text)}`: {message}",
                                        obj, fragment.text, None))
        if len(run_) > 1 and not reported:
            joined = "".join(fragment.text for fragment in run_)
            for problem in latex_problems(joined):
                index, rest = 0, problem.offset  # back from the joined text to its fragment
                while index < len(run_) - 1 and rest >= len(run_[index].text):
                    rest -= len(run_[index].text)
                    index += 1
                at = doc.position(run_[index].offset + rest)
                findings.append(Finding(at.path, at.line, at.column, DOCSTRING_SYNTAX.code,
                                        f"{obj}: malformed LaTeX in `{_short(joined)}`: {problem.message}",
                                        obj, joined, None))


def _check_rest(doc, obj: str, findings: list) -> None:
    from doccheck import limits
    from doccheck.docmodel.rst import parse_docstring
    from doccheck.model import Finding

    with limits.bounded():  # docutils is stopped by the file's time budget, like sympy
        parsed = parse_docstring(doc.text)
    seen = set()
    for message in parsed.messages:
        if message.level < 2:
            continue
        offset = message.offset if message.offset is not None else 0
        key = (offset, message.message)
        if key in seen:
            continue
        seen.add(key)
        at = doc.position(offset)
        text = " ".join(message.message.split())
        findings.append(Finding(at.path, at.line, at.column, REST_SYNTAX.code,
                                f"{obj}: reST {'error' if message.level >= 3 else 'warning'}: {text}", obj,
                                None, None))


def _short(fragment: str, limit: int = 60) -> str:
    one = " ".join(fragment.split())
    return one if len(one) <= limit else one[:limit - 1] + "…"
