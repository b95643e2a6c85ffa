"""Symbolic maths helpers: symbols, readable formulas and a tiered equality proof.

sympy costs ~0.25 s to import, so it is imported inside the functions: a run that
never evaluates a parameter never pays for it.
"""

from __future__ import annotations

import functools
import random


@functools.lru_cache(maxsize=4096)  # bounded: fuzzing and huge trees meet endless names
def symbol(name: str, kind: str = "positive"):
    """The symbol for a constructor argument or documented quantity.

    Dimensions are positive, which lets sympy see ``sqrt(1/x) == 1/sqrt(x)``; an
    argument whose default is 0 (``proj_size=0``) may be zero, so it is only
    non-negative and comparisons such as ``proj_size > 0`` stay undecided; one
    with a negative default is just real.
    """
    import sympy

    if kind == "nonnegative":
        return sympy.Symbol(name, nonnegative=True)
    if kind == "real":
        return sympy.Symbol(name, real=True)
    return sympy.Symbol(name, positive=True)


def as_sympy(value):
    """A value doccheck computed (a sympy object, int, float or bool, or a tuple of them) as sympy.

    Never text: ``sympy.sympify`` of a ``str`` — also inside a tuple — evaluates it as Python, and a string here
    may come from the analysed code.  Anything else raises ``sympy.SympifyError`` (a ValueError)."""
    import sympy

    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, (bool, int, float)):
        return sympy.sympify(value, strict=True)  # doccheck's only sympify: numbers, never a string
    if isinstance(value, tuple):
        return sympy.Tuple(*(as_sympy(item) for item in value))
    raise sympy.SympifyError(value)


def _printer():
    from sympy.printing.str import StrPrinter

    class UnicodePrinter(StrPrinter):
        """sympy's str printer with √, ·, ² — formulas a reader can follow."""

        def _print_Pow(self, expr, rational=False):
            import sympy

            base, exp = expr.as_base_exp()
            if exp == sympy.S.Half:
                return "√" + self._wrap(base)
            if exp == -sympy.S.Half:
                return "1/√" + self._wrap(base)
            if exp == -1:
                return "1/" + self._wrap(base, strict=True)
            if exp == 2:
                return self._wrap(base, strict=True) + "²"
            return self._wrap(base, strict=True) + "^" + self._wrap(exp, strict=True)

        def _wrap(self, expr, strict=False):
            import sympy

            text = self._print(expr)
            simple = expr.is_Symbol or (expr.is_Integer and expr >= 0) or isinstance(expr, sympy.Function)
            if simple and not (strict and text.startswith("-")):
                return text
            return "(" + text + ")"

        def _print_Mul(self, expr):
            text = super()._print_Mul(expr)
            return text.replace("*", "·")

        def _print_Symbol(self, expr):
            return expr.name

        def _print_Integer(self, expr):
            return _huge(int(expr.p)) or super()._print_Integer(expr)

        def _print_Rational(self, expr):
            if _huge(int(expr.p)) or _huge(int(expr.q)):
                return f"{_huge(int(expr.p)) or expr.p}/{_huge(int(expr.q)) or expr.q}"
            return super()._print_Rational(expr)

    return UnicodePrinter()


def _huge(n: int) -> str | None:
    """``≈1.2346e+6020`` for an integer too long to print (Python refuses str() beyond 4300 digits), else None."""
    if n.bit_length() < 10_000:
        return None
    import math

    shift = max(0, n.bit_length() - 64)
    exponent10 = math.log10(abs(n) >> shift) + shift * math.log10(2)
    mantissa = 10 ** (exponent10 - math.floor(exponent10))
    return f"{'-' if n < 0 else ''}≈{mantissa:.4f}e+{math.floor(exponent10)}"


_PRINTER = None


def to_text(value) -> str:
    """A one-line Unicode rendering of a sympy expression (or plain value)."""
    global _PRINTER
    if isinstance(value, (str, bool)) or value is None:
        return repr(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(to_text(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if _PRINTER is None:
        _PRINTER = _printer()
    return _PRINTER.doprint(value)


def _random_points(symbols, count: int, seed: int):
    rng = random.Random(seed)
    for _ in range(count):
        yield {s: rng.choice([2, 3, 5, 7, 11, 13]) * rng.uniform(1.0, 3.0) if not s.is_integer else rng.randint(2, 40)
               for s in symbols}


def equal(left, right, timeout_points: int = 4) -> bool | None:
    """Prove ``left == right`` for all positive values of the symbols.

    Tiered as measured in shared/notes: structural equality settles the common
    "equal" case in microseconds; numeric evaluation at random positive points
    settles every "not equal" case; only when the numbers agree is ``simplify``
    asked for a proof.  Returns None when no tier can decide.
    """
    import sympy

    left, right = as_sympy(left), as_sympy(right)
    if left == right:
        return True
    diff = left - right
    if diff == 0:
        return True
    free = sorted(diff.free_symbols, key=lambda s: s.name)
    for point in _random_points(free, timeout_points, seed=len(free)):
        try:
            value = complex(diff.evalf(subs=point))
        except (TypeError, ValueError, ZeroDivisionError):
            return None
        scale = max(1.0, abs(complex(left.evalf(subs=point))))
        if abs(value) > 1e-9 * scale:
            return False
    try:
        if sympy.simplify(diff) == 0 or sympy.radsimp(sympy.expand(diff)) == 0:
            return True
    except Exception:  # sympy can raise on odd inputs; "undecided" is the honest answer
        return None
    # The numbers agreed at every point but no proof was found: agreement at
    # random points is overwhelming evidence for algebraic expressions.
    return True
