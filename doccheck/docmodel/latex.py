"""Translate the LaTeX subset used in ML docstrings' ``:math:`` roles to sympy.

The general LaTeX parsers shipped with sympy (and latex2sympy) mis-read the
forms that docstrings use -- ``\\mathcal{U}(a, b)``, ``\\text{in\\_features}``,
``C_\\text{in}``, multi-letter names, ``\\prod_{i=0}^{1} x[i]`` -- so this module
has its own small tokenizer and recursive-descent parser that builds sympy
objects directly.

Semantics (the parts a caller relies on):

* Every identifier becomes :func:`symbol` (``positive=True``). A multi-letter
  identifier (``groups``, ``\\text{fan\\_in}``) is one symbol. Subscripts are part
  of the name (``C_\\text{in}`` -> ``C_in``), concrete indexes too
  (``x[0]`` -> ``x[0]``). Greek commands become symbols named after the letter
  (``\\gamma`` -> ``gamma``; ``\\varepsilon`` -> ``epsilon``); ``\\pi`` is
  ``sympy.pi``; ``e`` and ``i`` are ordinary symbols.
* Numbers are exact: ``0.5`` -> ``1/2``, ``1e-5`` -> ``1/100000``.
* ``lhs = rhs`` -> ``sympy.Eq(lhs, rhs, evaluate=False)``; ``<``, ``>``,
  ``\\leq``, ``\\geq``, ``\\neq`` give the matching unevaluated relational.
* ``\\mathcal{U}(a, b)`` -> :class:`DocUniform` ``(a, b)``; ``\\mathcal{N}(m, v)`` ->
  :class:`DocNormal` ``(m, v)`` with ``v`` the variance as written. ``U(a, b)``,
  ``\\text{U}(a, b)``, ``N(m, v)``, ``\\text{Normal}(m, v)``, ``\\mathcal{U}[a, b]``
  are accepted when followed by exactly two arguments.
* ``(a, b, c)`` -> ``sympy.Tuple(a, b, c)``; ``(a)`` -> ``a``. In a tuple, a whole
  entry ``*`` / ``\\ast`` is ``symbol("*")`` and ``...`` / ``\\ldots`` is
  ``symbol("...")`` (shapes like ``(*, H_{in})``, ``(N, C, d_1, ..., d_K)``).
* ``\\prod_{i=0}^{1} x[i]`` / ``\\sum`` with integer bounds are expanded
  (``x[0]*x[1]``); the body is the rest of the product term, as in TeX.
* TeX's single-token arguments are honoured for digits only (``\\frac12``,
  ``\\sqrt2``); ``x^23`` or ``\\frac ab`` are refused as ambiguous.
* A distribution or a tuple is only accepted as a whole result or as a whole
  side of a relation, never inside arithmetic.

Anything outside the subset raises :class:`LatexError`; a parse never silently
drops input. Input length, nesting depth, \\sum/\\prod expansion, exponents and
the size of numbers are capped, so a parse cannot hang. ``sympy`` is imported
lazily, on the first parse (``DocUniform``/``DocNormal`` are created on first
access through the module's ``__getattr__``).
"""

from __future__ import annotations

import functools
import math
import re
import threading
from typing import Any, NamedTuple

__all__ = [  # noqa: F822 -- DocNormal/DocUniform come from __getattr__ (sympy is imported lazily)
    "MAX_DEPTH",
    "MAX_LENGTH",
    "DocNormal",
    "DocUniform",
    "LatexError",
    "parse_latex",
    "symbol",
]

MAX_LENGTH = 5000  # characters in one fragment
MAX_DEPTH = 100  # nesting of groups / arguments / scripts / operators
MAX_RANGE = 1000  # terms in one \sum or \prod
MAX_WORK = 20000  # tokens read in total (\sum and \prod bodies are re-read per term)
MAX_BITS = 1024  # log2 of the largest number (numerator, denominator, magnitude) built
MAX_EXPONENT = 1000  # |numeric exponent| and root index
MAX_EXP_ARGUMENT = 700  # |numeric argument| of exp, sinh, cosh
MAX_NUMBER_CHARS = 300  # length of one number literal
MAX_LITERAL_EXPONENT = 300  # |n| in a literal like 1e-n


class LatexError(ValueError):
    """Raised for LaTeX that is malformed or outside the supported subset.

    The message says what is wrong and where (``at column N``, 1-based, in the
    fragment). ``offset`` is the 0-based index into the fragment (``None`` when
    no position applies), ``column`` is ``offset + 1``, ``reason`` the message
    without the position.
    """

    def __init__(self, message: str, offset: int | None = None):
        self.reason = message
        self.offset = offset
        self.column = None if offset is None else offset + 1
        if offset is not None:
            message = f"{message} at column {offset + 1}"
        super().__init__(message)


# ---------------------------------------------------------------------------
# sympy, lazily
# ---------------------------------------------------------------------------

_SP: Any = None
_CLASSES: dict[str, Any] = {}
_CLASSES_LOCK = threading.Lock()


def _sympy():
    global _SP
    if _SP is None:
        import sympy

        _SP = sympy
    return _SP


def _make_classes() -> dict[str, Any]:
    if _CLASSES:
        return _CLASSES
    with _CLASSES_LOCK:
        if _CLASSES:
            return _CLASSES
        sp = _sympy()

        class DocUniform(sp.Function):
            """Continuous uniform distribution on ``[a, b]`` as a docstring states it."""

            nargs = 2

        class DocNormal(sp.Function):
            """Normal distribution ``(mean, variance)`` as a docstring states it."""

            nargs = 2

        made = {}
        for cls in (DocUniform, DocNormal):
            cls.__module__ = __name__
            cls.__qualname__ = cls.__name__
            made[cls.__name__] = cls
        _CLASSES.update(made)
    return _CLASSES


def __getattr__(name: str):  # PEP 562: DocUniform / DocNormal are created on first use
    if name in ("DocUniform", "DocNormal"):
        cls = _make_classes()[name]
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.lru_cache(maxsize=4096)  # bounded: fuzzing and huge trees meet endless names
def symbol(name: str):
    """The one way to create a doc symbol: ``sympy.Symbol(name, positive=True)``, cached."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"symbol name must be a non-empty string, not {name!r}")
    return _sympy().Symbol(name, positive=True)


# ---------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------


class _Tok(NamedTuple):
    kind: str  # num ident name cal cmd rel end, or a punctuation character
    value: str
    pos: int


_NUM_RE = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_IDENT_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:\\_[A-Za-z0-9]+)*")
_CMD_RE = re.compile(r"\\([A-Za-z]+\*?|.)", re.DOTALL)
_TEXT_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\[-?[0-9]+\])*")
_PUNCT = set("{}()[]^_+-*/,.|")
_WHITESPACE = " \t\n\r"
_CONTROL_HINTS = {
    "\x07": "'\\a' (as in \\alpha)",
    "\x08": "'\\b' (as in \\beta)",
    "\x0b": "'\\v' (as in \\vec)",
    "\x0c": "'\\f' (as in \\frac)",
}

_NOISE_CMDS = {
    "left", "right", "middle",
    "displaystyle", "textstyle", "scriptstyle", "scriptscriptstyle",
    "quad", "qquad", "limits", "nolimits", "nonumber",
    "big", "Big", "bigg", "Bigg",
    "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl", "Biggr",
    "bigm", "Bigm", "biggm", "Biggm",
}
_NOISE_CHARS = set(",;:! >")

_TEXT_CMDS = {
    "text", "mathrm", "operatorname", "textit", "mathbf", "textrm", "textbf",
    "mathit", "mathsf", "textsf", "mathtt", "texttt", "mathnormal", "boldsymbol", "bm",
}

_GREEK = {
    name: name
    for name in (  # noqa: SIM905
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
        "omicron rho sigma tau upsilon phi chi psi omega "
        "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
    ).split()
}
# the var- forms are the same letter; \ell is a letter too. (\pi is the constant, not here.)
_GREEK.update(varepsilon="epsilon", vartheta="theta", varrho="rho", varsigma="sigma", varphi="phi",
              ell="ell")

_REL_CMDS = {
    "leq": "<=", "le": "<=", "leqslant": "<=",
    "geq": ">=", "ge": ">=", "geqslant": ">=",
    "neq": "!=", "ne": "!=", "lt": "<", "gt": ">",
}

_FUNC_CMDS = {"exp", "log", "ln", "sin", "cos", "tan", "tanh", "sinh", "cosh", "max", "min"}
_CMDS = _FUNC_CMDS | {
    "frac", "dfrac", "tfrac", "sqrt", "times", "cdot", "div", "prod", "sum", "pi", "infty",
    "lfloor", "rfloor", "lceil", "rceil", "lvert", "rvert", "ldots", "dots", "cdots",
}
_CMD_ALIASES = {"dfrac": "frac", "tfrac": "frac", "dots": "ldots", "cdots": "ldots"}

# identifiers that act as a function when directly followed by "(".
_BARE_FUNCS = {"exp", "log", "ln", "sin", "cos", "tan", "tanh", "sinh", "cosh", "max", "min",
               "sqrt", "floor", "ceil"}
# identifiers that act as a distribution head when followed by exactly two arguments.
_DIST_NAMES = {"U": "DocUniform", "Uniform": "DocUniform", "uniform": "DocUniform",
               "N": "DocNormal", "Normal": "DocNormal", "normal": "DocNormal"}


def _read_raw_argument(src: str, j: int, cmd: str, cmd_pos: int) -> tuple[str, int, int]:
    """Return (content, end, content_pos) of the argument of ``\\cmd`` starting at j."""
    n = len(src)
    while j < n and src[j] in _WHITESPACE:
        j += 1
    if j >= n:
        raise LatexError(f"\\{cmd} needs an argument", cmd_pos)
    c = src[j]
    if c == "{":
        depth, k = 1, j + 1
        while k < n:
            ch = src[k]
            if ch == "\\":
                k += 2
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return src[j + 1:k], k + 1, j + 1
            k += 1
        raise LatexError(f"unbalanced '{{' in the argument of \\{cmd}", j)
    if c.isascii() and c.isalnum():
        return c, j + 1, j
    if c == "\\":
        m = re.compile(r"\\[A-Za-z]+").match(src, j)
        if m:
            return m.group(), m.end(), j
    raise LatexError(f"\\{cmd} needs a braced argument", j)


# words that mark a sentence, not an identifier, inside \text{...}
_PROSE_WORDS = {"where", "for", "and", "if", "otherwise", "with", "when", "else", "or", "is", "of"}


def _name_token(content: str, cmd: str, pos: int) -> _Tok:
    text = content.replace("\\_", "_").strip(_WHITESPACE)
    if text.lower() in _PROSE_WORDS:
        raise LatexError(f"prose \\{cmd}{{{content}}} inside the formula is not supported", pos)
    if text.startswith("\\") and text[1:] in _GREEK:
        return _Tok("name", _GREEK[text[1:]], pos)
    if _TEXT_NAME_RE.fullmatch(text):
        return _Tok("name", text, pos)
    if text.isascii() and text.isdigit():
        return _Tok("num", text, pos)
    if not text:
        raise LatexError(f"empty \\{cmd}{{}}", pos)
    raise LatexError(f"\\{cmd}{{{content}}} must contain a single identifier", pos)


def _known_command(name: str) -> bool:
    return (
        name in _NOISE_CMDS or name in _TEXT_CMDS or name in _GREEK or name in _REL_CMDS
        or name in _CMDS or name in ("mathcal", "ast")
    )


def _check_escape_damage(src: str, i: int) -> None:
    """A tab/CR/newline glued to the rest of a command name is a non-raw docstring's doing.

    ``"\\text"`` written without ``r`` prefix arrives as TAB + ``ext``: parsing it as the
    identifier ``ext`` would be silently wrong.
    """
    letter = {"\t": "t", "\r": "r", "\n": "n"}.get(src[i])
    if letter is None:
        return
    m = re.compile(r"[A-Za-z]+").match(src, i + 1)
    if not m:
        return
    name = letter + m.group()
    # a newline before a short name (u, e) is more likely a real line break than \nu / \ne
    if _known_command(name) and (letter != "n" or len(name) >= 3):
        raise LatexError(
            f"{src[i]!r} followed by {m.group()!r} looks like '\\{name}' mangled by a non-raw "
            "docstring; read the docstring as a raw string",
            i,
        )


def _tokenize(src: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in _WHITESPACE or c == "~":
            _check_escape_damage(src, i)
            i += 1
            continue
        if c in _CONTROL_HINTS:
            raise LatexError(
                f"control character U+{ord(c):04X} in the fragment (a non-raw docstring turns "
                f"{_CONTROL_HINTS[c]} into it; read the docstring as a raw string)",
                i,
            )
        if c in "0123456789" or (c == "." and i + 1 < n and src[i + 1] in "0123456789"):
            m = _NUM_RE.match(src, i)
            toks.append(_Tok("num", m.group(), i))
            i = m.end()
            continue
        if c.isascii() and c.isalpha():
            m = _IDENT_RE.match(src, i)
            toks.append(_Tok("ident", m.group().replace("\\_", "_"), i))
            i = m.end()
            continue
        if c == "\\":
            m = _CMD_RE.match(src, i)
            if m is None:
                raise LatexError("lone backslash at the end of the fragment", i)
            name = m.group(1)
            j = m.end()
            if name.endswith("*") and name != "operatorname*":  # a '*' after \cdot etc. is its own token
                name, j = name[:-1], j - 1
            if len(name) == 1 and not name.isalpha():
                if name in _NOISE_CHARS:
                    i = j
                    continue
                if name == "_":
                    raise LatexError("'\\_' outside an identifier", i)
                raise LatexError(f"unsupported command \\{name}", i)
            if name in _NOISE_CMDS:
                if name in ("left", "right", "middle"):
                    k = j
                    while k < n and src[k] in _WHITESPACE:
                        k += 1
                    if k < n and src[k] == ".":  # \left. / \right. : empty delimiter
                        j = k + 1
                i = j
                continue
            base = name.rstrip("*")
            if base in _TEXT_CMDS:
                content, j, cpos = _read_raw_argument(src, j, name, i)
                toks.append(_name_token(content, name, cpos))
                i = j
                continue
            if name == "mathcal":
                content, j, cpos = _read_raw_argument(src, j, name, i)
                letter = content.strip(_WHITESPACE)
                if letter not in ("U", "N"):
                    raise LatexError(
                        f"unsupported \\mathcal{{{content}}} (only \\mathcal{{U}} and \\mathcal{{N}})", i
                    )
                toks.append(_Tok("cal", letter, i))
                i = j
                continue
            if name == "ast":
                toks.append(_Tok("*", "*", i))
            elif name in _GREEK:
                toks.append(_Tok("name", _GREEK[name], i))
            elif name in _REL_CMDS:
                toks.append(_Tok("rel", _REL_CMDS[name], i))
            elif name in _CMDS:
                toks.append(_Tok("cmd", _CMD_ALIASES.get(name, name), i))
            else:
                raise LatexError(f"unknown command \\{name}", i)
            i = j
            continue
        if c in "<>!" and src[i + 1:i + 2] == "=":
            toks.append(_Tok("rel", c + "=", i))
            i += 2
            continue
        if c in "=<>":
            toks.append(_Tok("rel", c, i))
            i += 1
            continue
        if c in _PUNCT:
            toks.append(_Tok(c, c, i))
            i += 1
            continue
        raise LatexError(f"unsupported character {c!r}", i)
    # trailing sentence punctuation: "... :math:`k = 1/n`." style leftovers
    if toks and toks[-1].kind in (".", ","):
        toks.pop()
    toks.append(_Tok("end", "", n))
    return toks


def _describe(t: _Tok) -> str:
    if t.kind == "end":
        return "end of input"
    if t.kind == "cmd":
        return f"\\{t.value}"
    if t.kind in ("num", "ident", "name"):
        return repr(t.value)
    if t.kind == "cal":
        return f"\\mathcal{{{t.value}}}"
    return f"'{t.value}'"


# ---------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------

_ATOM_CMDS = {"frac", "sqrt", "prod", "sum", "pi", "infty", "lfloor", "lceil", "lvert"} | _FUNC_CMDS
_MUL_CMDS = {"times", "cdot"}


class _Parser:
    def __init__(self, src: str, toks: list[_Tok]):
        self.src = src
        self.toks = toks
        self.i = 0
        self.sub = 0  # characters of toks[i] already consumed (\frac12 style splitting)
        self.sp = _sympy()
        self.classes = _make_classes()
        self.dists = tuple(self.classes.values())
        self.env: dict[str, int] = {}
        self.depth = 0
        self.work = 0
        self.abs_depth = 0
        self.last_kind = ""

    # -- token stream ------------------------------------------------------
    def peek(self) -> _Tok:
        t = self.toks[self.i]
        if self.sub:
            return _Tok(t.kind, t.value[self.sub:], t.pos + self.sub)
        return t

    def next(self) -> _Tok:
        t = self.peek()
        self.work += 1
        if self.work > MAX_WORK:
            raise LatexError("expression too large to expand", t.pos)
        if t.kind != "end":
            self.i += 1
            self.sub = 0
        self.last_kind = t.kind
        return t

    def take_char(self) -> _Tok:
        """Consume one character of a num/ident token (TeX's single-token argument)."""
        t = self.peek()
        if len(t.value) == 1:
            return self.next()
        if not t.value.isdigit():  # \frac12 is an idiom; \frac ab for a multi-letter name is not
            raise LatexError(f"ambiguous argument {t.value!r}: use braces", t.pos)
        self.work += 1
        self.sub += 1
        self.last_kind = t.kind
        return _Tok(t.kind, t.value[0], t.pos)

    def where(self) -> int:
        """Offset of the last token read (for errors raised by sympy)."""
        return self.toks[max(self.i - 1, 0)].pos

    def glued(self, t: _Tok) -> bool:
        """True when nothing but an identifier's own characters precede token t (``f(x)``)."""
        before = self.src[max(t.pos - 2, 0):t.pos]
        return bool(before) and before[-1] not in _WHITESPACE + "~" and not (
            len(before) == 2 and before[0] == "\\" and before[1] in _NOISE_CHARS
        )

    def save(self) -> tuple[int, int]:
        return (self.i, self.sub)

    def restore(self, state: tuple[int, int]) -> None:
        self.i, self.sub = state

    def error(self, msg: str, tok: _Tok | None = None) -> LatexError:
        tok = tok or self.peek()
        return LatexError(msg, tok.pos)

    def expect(self, kind: str, what: str, opener: _Tok | None = None) -> _Tok:
        t = self.peek()
        if t.kind != kind:
            if opener is not None and t.kind == "end":
                raise LatexError(f"unbalanced '{opener.value}': missing {what}", opener.pos)
            raise self.error(f"expected {what}, found {_describe(t)}", t)
        return self.next()

    def expect_cmd(self, value: str, opener: _Tok) -> None:
        t = self.peek()
        if t.kind == "cmd" and t.value == value:
            self.next()
            return
        if t.kind == "end":
            raise LatexError(f"\\{opener.value} without matching \\{value}", opener.pos)
        raise self.error(f"expected \\{value}, found {_describe(t)}", t)

    def enter(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise LatexError(f"nesting deeper than {MAX_DEPTH} levels", tok.pos)

    def leave(self) -> None:
        self.depth -= 1

    def starts_factor(self, t: _Tok) -> bool:
        k = t.kind
        if k in ("num", "ident", "name", "cal", "(", "[", "{"):
            return True
        if k == "|":
            return self.abs_depth == 0
        return k == "cmd" and t.value in _ATOM_CMDS

    # -- value checks ------------------------------------------------------
    def scalar(self, v, tok: _Tok):
        sp = self.sp
        if isinstance(v, sp.Tuple):
            raise LatexError("a tuple cannot be used in arithmetic", tok.pos)
        if isinstance(v, self.dists):
            raise LatexError("a distribution cannot be used in arithmetic", tok.pos)
        if not isinstance(v, sp.Expr):
            raise LatexError(f"{type(v).__name__} cannot be used in arithmetic", tok.pos)
        return v

    def integer(self, v, tok: _Tok, what: str) -> int:
        if not isinstance(v, self.sp.Integer):
            raise LatexError(f"{what} must be an integer, got {v}", tok.pos)
        return int(v)

    def log2abs(self, n) -> float:
        """log2 |n| for a number expression, from a low-precision evaluation (inf if unknown)."""
        sp = self.sp
        try:
            f = n.evalf(15)
        except (ArithmeticError, ValueError, TypeError):  # e.g. PrecisionExhausted
            return math.inf
        best = -math.inf
        for part in f.as_real_imag():
            if part.is_zero:
                continue
            if not isinstance(part, sp.Float) or not part.is_finite:
                return math.inf
            _sign, _man, exp, bc = part._mpf_
            best = max(best, exp + bc)
        return best

    def tame(self, v, tok: _Tok, limit_bits: float = MAX_BITS):
        """Refuse numbers so large that sympy's exact evaluation (floor, comparisons) would crawl.

        Every inexact numeric sub-expression (sqrt(2)*10^900, exp(5), ...) must stay below
        2**limit_bits; exact rationals are capped separately (:meth:`exact`).
        """
        stack = [v]
        while stack:
            n = stack.pop()
            if n.is_Rational or n.is_NumberSymbol or n.is_Atom:
                continue
            if n.is_number:
                if self.log2abs(n) > limit_bits:
                    raise LatexError("number too large to evaluate", tok.pos)
                continue
            stack.extend(n.args)
        return v

    def call(self, func, args, tok: _Tok):
        """Apply a sympy function to scalar arguments whose numbers are tame."""
        return self.exact(func(*(self.tame(self.scalar(a, tok), tok) for a in args)), tok)

    def power(self, base, exp, tok: _Tok):
        sp = self.sp
        base = self.tame(self.scalar(base, tok), tok)
        exp = self.tame(self.scalar(exp, tok), tok)
        if exp.is_number:
            if isinstance(exp, sp.Rational):
                if abs(exp.p) > MAX_EXPONENT * exp.q or exp.q > MAX_EXPONENT:
                    raise LatexError(f"exponent {exp} out of range (at most {MAX_EXPONENT})", tok.pos)
            elif self.log2abs(exp) > math.log2(MAX_EXPONENT):
                raise LatexError(f"exponent out of range (at most {MAX_EXPONENT})", tok.pos)
            if base.is_number and base not in (sp.S.Zero, sp.S.One, sp.S.NegativeOne):
                size = abs(self.log2abs(base)) * 2.0 ** self.log2abs(exp)
                if not size <= MAX_BITS:
                    raise LatexError("power too large to evaluate", tok.pos)
            if isinstance(exp, sp.Rational):
                # exact numeric factors of the base get raised (sympy distributes over Mul)
                bits = sum(
                    a.p.bit_length() + a.q.bit_length()
                    for f in sp.Mul.make_args(base)
                    if f.is_number
                    for a in f.atoms(sp.Rational)
                )
                if bits * abs(exp.p) > MAX_BITS * exp.q:
                    raise LatexError("power too large to evaluate exactly", tok.pos)
        return self.exact(sp.Pow(base, exp), tok)

    def exact(self, v, tok: _Tok):
        """Refuse results holding exact numbers with more than MAX_BITS bits."""
        for a in v.atoms(self.sp.Rational):
            if a.p.bit_length() > MAX_BITS or a.q.bit_length() > MAX_BITS:
                raise LatexError(f"number with more than {MAX_BITS} bits", tok.pos)
        return v

    def number(self, t: _Tok):
        text = t.value
        if len(text) > MAX_NUMBER_CHARS:
            raise LatexError("number literal too long", t.pos)
        m = re.search(r"[eE]([+-]?[0-9]+)$", text)
        if m and abs(int(m.group(1))) > MAX_LITERAL_EXPONENT:
            raise LatexError("number exponent too large", t.pos)
        return self.exact(self.sp.Rational(text), t)

    # -- grammar -----------------------------------------------------------
    def parse(self):
        sp = self.sp
        if self.peek().kind == "end":
            raise LatexError("empty expression", 0)
        lhs = self.expr()
        t = self.peek()
        if t.kind == "rel":
            self.next()
            if self.peek().kind == "end":
                raise self.error(f"missing right-hand side after '{t.value}'")
            rhs = self.expr()
            if self.peek().kind == "rel":
                raise self.error("chained relations are not supported")
            if t.value == "=":
                result = sp.Eq(lhs, rhs, evaluate=False)
            else:
                lhs, rhs = self.scalar(lhs, t), self.scalar(rhs, t)
                cls = {"<": sp.Lt, ">": sp.Gt, "<=": sp.Le, ">=": sp.Ge, "!=": sp.Ne}[t.value]
                result = cls(lhs, rhs, evaluate=False)
        else:
            result = lhs
        t = self.peek()
        if t.kind != "end":
            raise self.error(f"unexpected {_describe(t)}", t)
        if result.has(sp.zoo, sp.nan):
            raise LatexError("the expression is undefined (division by zero, or infinity minus infinity)", 0)
        return result

    def expr(self):
        first_tok = self.peek()
        first = self.term()
        if self.peek().kind not in ("+", "-"):
            return first
        terms = [self.scalar(first, first_tok)]
        while self.peek().kind in ("+", "-"):
            op = self.next()
            rhs = self.scalar(self.term(), op)
            terms.append(-rhs if op.kind == "-" else rhs)
        return self.exact(self.sp.Add(*terms), first_tok)

    def term(self):
        sp = self.sp
        first_tok = self.peek()
        first = self.signed()
        factors = [first]
        while True:
            t = self.peek()
            if t.kind in ("*", "/") or (t.kind == "cmd" and t.value in _MUL_CMDS | {"div"}):
                self.next()
                f = self.scalar(self.signed(), t)
                factors.append(f if t.kind == "*" or t.value in _MUL_CMDS else sp.Pow(f, -1))
            elif self.starts_factor(t):
                if t.kind == "num" and self.last_kind == "num":
                    raise self.error("two numbers in a row (write an explicit operator)", t)
                factors.append(self.scalar(self.power_expr(), t))
            else:
                break
        if len(factors) == 1:
            return first
        self.scalar(first, first_tok)
        return self.exact(sp.Mul(*factors), first_tok)

    def signed(self):
        negative = False
        signs = []
        while self.peek().kind in ("+", "-"):
            t = self.next()
            signs.append(t)
            negative ^= t.kind == "-"
        t = self.peek()
        if not self.starts_factor(t):
            if signs:
                raise self.error(f"expected an operand after '{signs[-1].value}', found {_describe(t)}", t)
            if t.kind == "end":
                raise self.error("expected an operand, found end of input (dangling operator?)", t)
            raise self.error(f"expected an operand, found {_describe(t)}", t)
        v = self.power_expr()
        if signs:
            v = self.scalar(v, signs[0])
            if negative:
                v = -v
        return v

    def power_expr(self):
        base = self.atom()
        t = self.peek()
        if t.kind == "^":
            self.next()
            exp = self.script(t)
            base = self.power(base, exp, t)
            nt = self.peek()
            if nt.kind == "^":
                raise self.error("double superscript", nt)
            if nt.kind == "_":
                raise self.error("subscript after a superscript (write x_1^2)", nt)
        return base

    def script(self, caret: _Tok):
        """The argument of ^: a braced group or a single token."""
        t = self.peek()
        self.enter(t)
        try:
            if t.kind == "{":
                return self.braced()
            if t.kind in ("num", "ident"):
                if len(t.value) > 1:
                    raise self.error(f"ambiguous superscript {t.value!r}: use braces, ^{{{t.value}}}", t)
                self.next()
                return self.number(t) if t.kind == "num" else self.name_value(t.value)
            if t.kind == "name":
                self.next()
                return self.name_value(t.value)
            if t.kind == "cmd" and t.value in _ATOM_CMDS:
                return self.atom()
            if t.kind == "end":
                raise self.error("missing superscript after '^'", t)
            raise self.error(f"superscript needs braces: ^{{...}}, found {_describe(t)}", t)
        finally:
            self.leave()

    def argument(self, cmd: _Tok):
        """A required TeX argument: a braced group or a single token (\\frac12)."""
        t = self.peek()
        if t.kind == "{":
            return self.braced()
        if t.kind in ("num", "ident"):
            c = self.take_char()
            return self.number(c) if c.kind == "num" else self.name_value(c.value)
        if t.kind == "name":
            self.next()
            return self.name_value(t.value)
        if t.kind == "cmd" and t.value in _ATOM_CMDS:
            return self.atom()
        raise self.error(f"\\{cmd.value} is missing an argument, found {_describe(t)}", t)

    def braced(self):
        opener = self.expect("{", "'{'")
        if self.peek().kind == "}":
            raise self.error("empty group {}")
        v = self.expr()
        self.expect("}", "'}'", opener)
        return v

    def shape_marker(self, closers: str):
        """``*`` or ``...`` / ``\\ldots`` as a whole tuple entry (shapes like ``(*, H_{in})``)."""
        t = self.peek()
        if t.kind == "*":
            self.next()
            return symbol("*")
        if t.kind == "cmd" and t.value == "ldots":
            self.next()
            return symbol("...")
        if t.kind == "." and self.sub == 0 and all(
            self.toks[min(self.i + k, len(self.toks) - 1)].kind == "." for k in (1, 2)
        ):
            for _ in range(3):
                self.next()
            return symbol("...")
        return None

    def arglist(self, opener: _Tok, closers: str, shape: bool = False):
        items = []
        while True:
            t = self.peek()
            if t.kind in closers or t.kind == ",":
                raise self.error("empty argument" if items or t.kind == "," else "empty parentheses", t)
            marker = self.shape_marker(closers) if shape else None
            if marker is not None:
                if self.peek().kind not in closers and self.peek().kind != ",":
                    raise self.error(f"'{marker}' must be a whole tuple entry")
                items.append((marker, t))
            else:
                items.append((self.expr(), t))
            t = self.peek()
            if t.kind == ",":
                self.next()
                continue
            if t.kind in closers:
                self.next()
                return items
            if t.kind == "end":
                raise LatexError(f"unbalanced '{opener.value}'", opener.pos)
            raise self.error(f"expected ',' or a closing bracket, found {_describe(t)}", t)

    def atom(self):
        t = self.peek()
        self.enter(t)
        try:
            return self._atom(t)
        finally:
            self.leave()

    def _atom(self, t: _Tok):
        sp = self.sp
        k = t.kind
        if k == "num":
            self.next()
            return self.number(t)
        if k in ("ident", "name"):
            return self.name_atom()
        if k == "cal":
            self.next()
            cls = "DocUniform" if t.value == "U" else "DocNormal"
            o = self.peek()
            if o.kind not in ("(", "["):
                raise self.error(f"\\mathcal{{{t.value}}} must be followed by (a, b)", o)
            return self.distribution(cls, t, required=True)
        if k == "(":
            self.next()
            items = self.arglist(t, ")", shape=True)
            if len(items) == 1:
                if items[0][0] in (symbol("*"), symbol("...")):
                    raise LatexError(f"'{items[0][0]}' is only supported as a tuple entry", items[0][1].pos)
                return items[0][0]
            for v, vt in items:
                if isinstance(v, self.dists):
                    raise LatexError("a distribution inside a tuple is not supported", vt.pos)
            return sp.Tuple(*(v for v, _ in items))
        if k == "[":
            self.next()
            items = self.arglist(t, "]")
            if len(items) != 1:
                raise LatexError("bracketed lists/intervals are not supported", t.pos)
            return items[0][0]
        if k == "{":
            return self.braced()
        if k == "|":
            self.next()
            self.abs_depth += 1
            try:
                v = self.scalar(self.expr(), t)
            finally:
                self.abs_depth -= 1
            self.expect("|", "closing '|'", t)
            return self.call(sp.Abs, [v], t)
        if k == "cmd":
            return self.command(t)
        if k == "end":
            raise self.error("unexpected end of input", t)
        raise self.error(f"unexpected {_describe(t)}", t)

    def command(self, t: _Tok):
        sp = self.sp
        c = t.value
        if c == "frac":
            self.next()
            num = self.scalar(self.argument(t), t)
            den = self.scalar(self.argument(t), t)
            return self.exact(sp.Mul(num, sp.Pow(den, -1)), t)
        if c == "sqrt":
            self.next()
            index = sp.Integer(2)
            if self.peek().kind == "[":
                o = self.next()
                index = self.scalar(self.expr(), o)
                self.expect("]", "']'", o)
                if index == 0:
                    raise LatexError("zeroth root", o.pos)
            x = self.argument(t)
            return self.power(x, sp.Pow(index, -1), t)
        if c in ("prod", "sum"):
            return self.big_operator(t)
        if c == "pi":
            self.next()
            return sp.pi
        if c == "infty":
            self.next()
            return sp.oo
        if c in _FUNC_CMDS:
            self.next()
            return self.function(c, t)
        if c in ("lfloor", "lceil"):
            self.next()
            v = self.scalar(self.expr(), t)
            if c == "lfloor":
                self.expect_cmd("rfloor", t)
                return self.call(sp.floor, [v], t)
            self.expect_cmd("rceil", t)
            return self.call(sp.ceiling, [v], t)
        if c == "lvert":
            self.next()
            v = self.scalar(self.expr(), t)
            self.expect_cmd("rvert", t)
            return self.call(sp.Abs, [v], t)
        raise self.error(f"unexpected {_describe(t)}", t)

    def function(self, name: str, t: _Tok):
        sp = self.sp
        base = None
        if name in ("log", "ln") and self.peek().kind == "_":
            u = self.next()
            base = self.scalar(self.script(u), u)
        if self.peek().kind == "^":
            raise self.error(f"powers of functions (\\{name}^2 x) are not supported")
        o = self.peek()
        if o.kind == "(":
            self.next()
            args = self.arglist(o, ")")
        elif o.kind == "{":
            args = [(self.braced(), o)]
        elif self.starts_factor(o) and o.kind != "|":
            args = [(self.power_expr(), o)]
        else:
            raise self.error(f"\\{name} needs an argument, found {_describe(o)}", o)
        vals = [self.scalar(v, vt) for v, vt in args]
        if name in ("max", "min"):
            return self.call(sp.Max if name == "max" else sp.Min, vals, t)
        if len(vals) != 1:
            raise LatexError(f"{name} takes one argument, got {len(vals)}", t.pos)
        (x,) = vals
        if name in ("log", "ln"):
            return self.call(sp.log, [x] if base is None else [x, base], t)
        if name == "sqrt":
            return self.power(x, sp.Rational(1, 2), t)
        if name == "floor":
            return self.call(sp.floor, [x], t)
        if name == "ceil":
            return self.call(sp.ceiling, [x], t)
        if name in ("exp", "sinh", "cosh") and x.is_number:
            self.tame(x, t)
            if self.log2abs(x) > math.log2(MAX_EXP_ARGUMENT):
                raise LatexError(f"argument of {name} too large (at most {MAX_EXP_ARGUMENT})", t.pos)
        return self.call(getattr(sp, name), [x], t)

    def distribution(self, cls_name: str, head: _Tok, required: bool):
        o = self.next()  # '(' or '['
        closers = ")]" if cls_name == "DocUniform" else {"(": ")", "[": "]"}[o.kind]
        items = self.arglist(o, closers)
        if len(items) != 2:
            if not required:
                return None
            raise LatexError(
                f"{_describe(head)} takes two arguments, got {len(items)}", head.pos
            )
        a, b = (self.scalar(v, vt) for v, vt in items)
        return self.classes[cls_name](a, b)

    def name_value(self, name: str):
        if name in self.env:
            return self.sp.Integer(self.env[name])
        return symbol(name)

    def name_atom(self):
        t = self.next()
        name = t.value
        nxt = self.peek()
        if nxt.kind == "(" and name in _BARE_FUNCS:
            return self.function(name, t)
        if nxt.kind in ("(", "[") and name in _DIST_NAMES:
            state, work = self.save(), self.work
            dist = self.distribution(_DIST_NAMES[name], t, required=False)
            if dist is not None:
                return dist
            self.restore(state)
            self.work = work
        if nxt.kind == "(" and len(name) > 1 and name not in self.env and self.glued(nxt):
            # \text{Sigmoid}(x), \operatorname{gain}(a): an application, not a product
            if hasattr(self.sp, name):  # Function("Abs") would be printed/treated as sympy's Abs
                raise LatexError(f"function name {name!r} collides with a sympy name", t.pos)
            self.next()
            args = [self.scalar(v, vt) for v, vt in self.arglist(nxt, ")")]
            return self.call(self.sp.Function(name), args, t)
        subscripted = False
        if self.peek().kind == "_":
            u = self.next()
            name = f"{name}_{self.subscript(u)}"
            subscripted = True
            if self.peek().kind == "_":
                raise self.error("double subscript")
        if not subscripted and name in self.env:
            return self.sp.Integer(self.env[name])
        while self.peek().kind == "[":
            o = self.next()
            if self.peek().kind == "]":
                raise self.error("empty index []")
            idx = self.scalar(self.expr(), o)
            self.expect("]", "']'", o)
            name = f"{name}[{idx}]"
        return symbol(name)

    def subscript(self, u: _Tok) -> str:
        t = self.peek()
        if t.kind in ("ident", "name") or (t.kind == "num" and t.value.isdigit()):
            self.next()
            return str(self.env.get(t.value, t.value))
        if t.kind == "{":
            opener = self.next()
            state = self.save()
            parts = []  # names, digits and inner subscripts: C_{\text{out}_j} -> C_out_j
            while True:
                p = self.peek()
                name_like = p.kind in ("ident", "name") or (p.kind == "num" and p.value.isdigit())
                if not (name_like or (p.kind == "_" and parts and parts[-1] != "_")):
                    break
                parts.append(self.next().value)
            if parts and parts[-1] != "_" and self.peek().kind == "}":
                self.next()
                if len(parts) == 1:
                    return str(self.env.get(parts[0], parts[0]))
                return "".join(parts)
            self.restore(state)
            if self.peek().kind == "}":
                raise self.error("empty subscript")
            self.enter(opener)
            try:
                v = self.expr()
            finally:
                self.leave()
            self.expect("}", "'}'", opener)
            return str(self.integer(v, opener, "a computed subscript"))
        if t.kind == "end":
            raise self.error("missing subscript after '_'", t)
        raise self.error(f"unsupported subscript {_describe(t)}", t)

    def big_operator(self, t: _Tok):
        sp = self.sp
        self.next()
        var = lo = hi = None
        for _ in range(2):
            s = self.peek()
            if s.kind == "_" and var is None:
                self.next()
                var, lo = self.lower_bound(t)
            elif s.kind == "^" and hi is None:
                self.next()
                hi = self.integer(self.script(s), s, f"the upper bound of \\{t.value}")
            else:
                break
        if var is None or hi is None:
            raise LatexError(
                f"\\{t.value} needs explicit integer bounds, like \\{t.value}_{{i=0}}^{{1}}", t.pos
            )
        if hi - lo + 1 > MAX_RANGE:
            raise LatexError(f"\\{t.value} with more than {MAX_RANGE} terms", t.pos)
        body_tok = self.peek()
        if not self.starts_factor(body_tok) and body_tok.kind not in ("+", "-"):
            raise self.error(f"\\{t.value} without a body", body_tok)
        start = self.save()
        missing = object()
        outer = self.env.get(var, missing)
        values = range(lo, hi + 1) if hi >= lo else [lo]
        parts = []
        end = None
        self.enter(t)
        try:
            for v in values:
                self.restore(start)
                self.env[var] = v
                parts.append(self.scalar(self.term(), body_tok))
                end = self.save()
        finally:
            self.leave()
            if outer is missing:
                self.env.pop(var, None)
            else:
                self.env[var] = outer
        self.restore(end)
        if hi < lo:
            return sp.Integer(1 if t.value == "prod" else 0)
        return self.exact(sp.Mul(*parts) if t.value == "prod" else sp.Add(*parts), t)

    def lower_bound(self, op: _Tok) -> tuple[str, int]:
        opener = self.peek()
        if opener.kind != "{":
            raise self.error(f"\\{op.value} needs a lower bound like _{{i=0}}", opener)
        self.next()
        v = self.peek()
        if v.kind not in ("ident", "name"):
            raise self.error(f"expected the index variable of \\{op.value}, found {_describe(v)}", v)
        self.next()
        eq = self.peek()
        if eq.kind != "rel" or eq.value != "=":
            raise self.error(f"expected '=' in the lower bound of \\{op.value}", eq)
        self.next()
        self.enter(opener)
        try:
            lo = self.expr()
        finally:
            self.leave()
        self.expect("}", "'}'", opener)
        return v.value, self.integer(lo, eq, f"the lower bound of \\{op.value}")


def parse_latex(src: str):
    """Translate one LaTeX fragment (the content of a :math:`...` role) to a sympy object.

    Returns a sympy ``Expr``; ``sympy.Eq``/relational for ``lhs = rhs``;
    :class:`DocUniform`/:class:`DocNormal` for distribution heads; ``sympy.Tuple``
    for ``(a, b, ...)``. Raises :class:`LatexError` for anything outside the
    supported subset.
    """
    if not isinstance(src, str):
        raise TypeError(f"parse_latex() expects str, not {type(src).__name__}")
    if len(src) > MAX_LENGTH:
        raise LatexError(f"fragment longer than {MAX_LENGTH} characters", MAX_LENGTH)
    toks = _tokenize(src)
    parser = _Parser(src, toks)
    try:
        return parser.parse()
    except LatexError:
        raise
    except RecursionError:
        raise LatexError("expression too deeply nested", parser.where()) from None
    except (TypeError, ValueError, ArithmeticError) as exc:  # sympy refusing an operation
        raise LatexError(
            f"cannot build the expression ({type(exc).__name__}: {exc})", parser.where()
        ) from exc
