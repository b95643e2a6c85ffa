"""``doccheck explain TARGET``: everything doccheck knows about one layer's parameters.

TARGET is ``path/to/file.py::ClassName`` or a dotted name (``torch.nn.Linear``)
resolved to its source file without importing it.  For each parameter: the
symbolic shape, the effective distribution, the source lines that decide it,
the derivation (one step per line, with its source line, in the order a reader
follows: ``a = √5`` → ``gain = √(2/(1 + a²)) = 1/√3`` → ``fan_in = in_features``
from the shape → ``bound = √3·std = gain·√(3/fan) = 1/√in_features``), mean,
variance and standard deviation, the documented claim with the verdict, and
notes on well-known equivalences and misreadings (kaiming_uniform_ with a = √5
is U(±1/√fan_in); it is not He initialization for ReLU; the effective gain and
what it does to the scale of the signal).

``--at groups=2,in_channels=4,...`` evaluates every formula at those argument
values (the others stay symbolic).  ``--format json`` gives the same content
as data.

The derivation steps come from the code model as text; this module reads them
back (values and code into Python's AST, values then into sympy through a
whitelist of arithmetic nodes — never sympify or eval: a step can carry a
string from the analysed code) only to present them: it
merges a gain call with its formula, resolves conditionals whose test the call
site decides (``mode == 'fan_in'``), inlines intermediate names
(``bound = √3·std = gain·√(3/fan)``), prints radicals as one root
(``1/√(3·in_features)`` rather than ``√3/(3·√in_features)``) and adds the step
that writes the parameter.  A step it cannot read is shown as the code model
wrote it.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from doccheck.symbolic import as_sympy


class ExplainError(Exception):
    pass


# =========================================================================== data
@dataclass
class StepView:
    """One derivation step, read back from the code model's text."""

    text: str  # as rendered for a reader
    line: int | None
    label: str | None = None  # the framework function the step happens in (kaiming_uniform_)
    name: str | None = None  # the name it defines (gain)
    code: str | None = None  # the code or rule expression, as a formula
    inline: str | None = None  # intermediate names replaced (gain·√(3/fan))
    value: str | None = None  # the value in the constructor's arguments
    reason: str | None = None  # why a conditional took its branch, where a fan comes from
    value_at: str | None = None  # the value at --at
    raw: str = ""  # the code model's text


@dataclass
class ParamExplanation:
    name: str
    shape: str | None
    effective: str | None
    unresolved: str | None
    decided_at: str | None
    source: list[dict] = field(default_factory=list)  # [{line, text}] the lines that decide the values
    derivation: list[dict] = field(default_factory=list)
    mean: str | None = None
    variance: str | None = None
    std: str | None = None
    documented: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    analysis: dict = field(default_factory=dict)  # the notes' quantities as data
    at: dict | None = None  # shape/effective/moments at --at


@dataclass
class Explanation:
    target: str
    path: str
    line: int
    problem: str | None
    params: list[ParamExplanation]
    claims_without_parameter: list[dict] = field(default_factory=list)
    at: dict | None = None  # argument -> value given with --at
    # what `doccheck check` reports for this class (code, line, message), after suppressions and the baseline
    findings: list[dict] = field(default_factory=list)
    silenced: list[dict] = field(default_factory=list)  # the class's findings a comment or the baseline hides


def resolve_target(target: str, project):
    """`file.py::Class` or `pkg.mod.Class` -> the class's Definition."""
    import libcst as cst

    from doccheck.discover import module_name
    from doccheck.parse import SourceError, load_module
    from doccheck.project import Definition

    if "::" in target:
        file, _, name = target.partition("::")
        path = Path(file)
        if not path.is_file():
            raise ExplainError(f"{file}: no such file")
        try:
            qualname, root = module_name(path)
            info = load_module(path, qualname)
        except SourceError as exc:
            raise ExplainError(f"{file}:{exc.line}: {exc.message}") from exc
        project.add(info, root)
        node = info.definitions.get(name)
        if not isinstance(node, cst.ClassDef):
            raise ExplainError(f"{file}: no top-level class named {name}")
        return Definition(info, node, f"{info.qualname}.{name}")
    found = project.resolve_qualname(target)
    if isinstance(found, Definition) and isinstance(found.node, cst.ClassDef):
        return found
    raise ExplainError(f"{target}: not found as a class in any source on sys.path (use path/to/file.py::Class)")


# =========================================================================== formulas
MINUS = "−"
_PRINTER = None


def _pretty_printer():
    import sympy
    from sympy.printing.str import StrPrinter

    class Pretty(StrPrinter):
        """Unicode formulas with the radicals of a product under one root: 1/√(3·in_features)."""

        def _print_Symbol(self, expr):
            return expr.name

        def _print_Pi(self, expr):
            return "π"

        def _print_Exp1(self, expr):
            return "e"

        def _print_Infinity(self, expr):
            return "∞"

        def _print_NegativeInfinity(self, expr):
            return "-∞"

        def _print_Max(self, expr):
            return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

        def _print_Min(self, expr):
            return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

        def _print_Pow(self, expr, rational=False):
            base, exp = expr.as_base_exp()
            if exp == sympy.S.Half:
                return "√" + self.wrap(base)
            if exp == -sympy.S.Half:
                return "1/√" + self.wrap(base)
            if exp == -1:
                return "1/" + self.wrap(base, strict=True)
            if exp.is_Integer and 1 < exp < 10:
                return self.wrap(base, strict=True) + "⁰¹²³⁴⁵⁶⁷⁸⁹"[int(exp)]
            if exp.is_Rational and exp.q == 2:
                return self._print_Mul(expr)
            return self.wrap(base, strict=True) + "^" + self.wrap(exp, strict=True)

        def wrap(self, expr, strict=False):
            text = self._print(expr)
            simple = expr.is_Symbol or (expr.is_Integer and expr >= 0) or isinstance(expr, sympy.Function) \
                or expr in (sympy.pi, sympy.E)
            if simple and not (strict and text.startswith("-")):
                return text
            return "(" + text + ")"

        def fraction(self, num, den) -> str:
            top = self._print(num)
            if den == 1:
                return top
            if isinstance(num, sympy.Add):
                top = "(" + top + ")"
            return top + "/" + self.wrap(den)

        def _print_Mul(self, expr):
            coeff, factors = expr.as_coeff_mul()
            if not isinstance(coeff, sympy.Rational):
                return super()._print_Mul(expr)
            sign = ""
            if coeff < 0:
                sign, coeff = "-", -coeff
            num, den = [], []
            rad_num, rad_den = sympy.Integer(1), sympy.Integer(1)
            for factor in factors:
                base, exp = factor.as_base_exp()
                if exp.is_Rational and exp.q == 2:
                    if exp > 0:
                        whole = (exp.p - 1) // 2
                        rad_num *= base
                        if whole:
                            num.append(base ** whole)
                    else:
                        whole = (-exp.p - 1) // 2
                        rad_den *= base
                        if whole:
                            den.append(base ** whole)
                elif exp.is_Rational and exp < 0:
                    den.append(base ** -exp)
                else:
                    num.append(factor)
            radical = rad_num / rad_den
            if radical != 1 and coeff.q != 1:  # √3/3 -> 1/√3: the coefficient goes under the root
                radical = radical * coeff ** 2
                coeff = sympy.Integer(1)
            num_parts = ([str(coeff.p)] if coeff.p != 1 else []) + [self.wrap(f, strict=True)
                                                                    if isinstance(f, sympy.Add) else self._print(f)
                                                                    for f in num]
            den_parts = ([str(coeff.q)] if coeff.q != 1 else []) + [self.wrap(f, strict=True)
                                                                    if isinstance(f, sympy.Add) else self._print(f)
                                                                    for f in den]
            if radical != 1:
                top, bottom = sympy.fraction(sympy.together(radical))
                if top == 1:
                    den_parts.append("√" + self.wrap(bottom))
                elif bottom == 1:
                    num_parts.append("√" + self.wrap(top))
                else:
                    num_parts.append("√(" + self.fraction(top, bottom) + ")")
            text = "·".join(num_parts) or "1"
            if den_parts:
                single = len(den_parts) == 1 and ("·" not in den_parts[0] or den_parts[0].startswith("√("))
                text += "/" + (den_parts[0] if single else "(" + "·".join(den_parts) + ")")
            return sign + text

    return Pretty()


def pretty(value) -> str:
    """A readable one-line formula: √, ·, ², −, radicals combined."""
    global _PRINTER
    if value is None:
        return "?"
    if isinstance(value, (str, bool)):
        return repr(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(pretty(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if _PRINTER is None:
        _PRINTER = _pretty_printer()
    try:
        text = _PRINTER.doprint(value)
    except Exception:  # a printer corner case must not lose the explanation
        from doccheck.symbolic import to_text

        text = to_text(value)
    return _minus(text)


def _minus(text: str) -> str:
    return text.replace("-", MINUS)


def _square(std) -> str:
    text = pretty(std)
    if std == 1:
        return "1"
    if getattr(std, "is_Symbol", False) or (getattr(std, "is_Integer", False) and std >= 0):
        return f"{text}²"
    return f"({text})²"


def pretty_formula(dist) -> str:
    """U(−1/√in_features, 1/√in_features), N(0, 1), constant 1, …"""
    from doccheck.distributions import formula

    p = dist.param_dict
    if dist.family == "scheme":
        return f"the {p['name']} scheme"
    try:
        if dist.family == "uniform":
            return f"U({pretty(p['low'])}, {pretty(p['high'])})"
        if dist.family == "normal":
            return f"N({pretty(p['mean'])}, {_square(p['std'])})"
        if dist.family == "trunc_normal":
            return (f"N({pretty(p['mean'])}, {_square(p['std'])}) truncated to "
                    f"[{pretty(p['a'])}, {pretty(p['b'])}]")
        if dist.family == "constant":
            return f"constant {pretty(p['value'])}"
        if dist.family == "orthogonal":
            return f"orthogonal (gain {pretty(p['gain'])})"
        if dist.family == "sparse":
            return f"sparse (sparsity {pretty(p['sparsity'])}, N(0, {_square(p['std'])}))"
    except (KeyError, TypeError):
        pass
    return _minus(formula(dist))


def numeric(value) -> str | None:
    """≈ 0.2357 for a closed number, None for anything still symbolic."""
    import sympy

    try:
        expr = as_sympy(value)
        if expr.free_symbols or expr.is_Integer:
            return None
        return f"{float(sympy.N(expr, 20)):.4g}"
    except (TypeError, ValueError, AttributeError):
        return None


# =========================================================================== reading the code model's text back
_VALUE_TRANSLATION = {"·": "*", "²": "**2", "³": "**3", "^": "**", MINUS: "-"}


def parse_value(text: str, symbols: dict):
    """The sympy expression that `doccheck.symbolic.to_text` printed as `text` (None if it cannot be read back
    exactly: the result must print as the same text)."""

    from doccheck.symbolic import to_text

    if not text or len(text) > 400:
        return None
    names = sorted(symbols, key=len, reverse=True)
    local = {}
    work = text
    for i, name in enumerate(names):
        placeholder = f"_s{i}_"
        pattern = r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_\[])"
        if re.search(pattern, work):
            work = re.sub(pattern, placeholder, work)
            local[placeholder] = symbols[name]
    out, i = [], 0
    while i < len(work):
        ch = work[i]
        if ch == "√":
            i += 1
            if i < len(work) and work[i] == "(":
                out.append("sqrt")
                continue
            match = re.match(r"[A-Za-z_][A-Za-z0-9_]*|\d+(\.\d+)?", work[i:])
            if not match:
                return None
            token = match.group(0)
            i += len(token)
            if i < len(work) and work[i] == "(":  # √f(x): the function call goes under the root
                depth, j = 0, i
                while j < len(work):
                    depth += work[j] == "("
                    depth -= work[j] == ")"
                    j += 1
                    if depth == 0:
                        break
                token += work[i:j]
                i = j
            out.append(f"sqrt({token})")
            continue
        out.append(_VALUE_TRANSLATION.get(ch, ch))
        i += 1
    source = "".join(out)
    if re.search(r"[^\x00-\x7f]", source):
        return None
    value = read_formula(source, local)
    if value is None:
        return None
    try:
        return value if to_text(value) == text else None
    except Exception:
        return None


# The step text can carry strings from the analysed code (a keyword argument's repr), so it is read with
# Python's parser into an AST and only the node types below become sympy values: sympify would eval it.
_FORMULA_FUNCTIONS = {"sqrt": 1, "Max": None, "Min": None, "floor": 1, "ceiling": 1, "Mod": 2, "Abs": 1,
                      "exp": 1, "log": 1}  # name -> number of arguments (None: two or more)
_FORMULA_CONSTANTS = {"pi": "pi", "E": "E", "oo": "oo", "I": "I", "zoo": "zoo", "nan": "nan"}
_MAX_POWER_BITS = 4096  # 9**9**9 in a step must not stall the run on one huge integer


def read_formula(source: str, names: dict):
    """`source` (Python syntax: + - * / // % ** unary, numbers, names, calls of `_FORMULA_FUNCTIONS`) as a
    sympy value; `names` maps names to values, other names become plain symbols (as sympify's would).  None for
    anything else — strings, attributes, subscripts, keywords, lambdas — or a result too large to compute."""
    import sympy

    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None

    def number(value):
        if isinstance(value, bool):
            return sympy.true if value else sympy.false
        if isinstance(value, int):
            return sympy.Integer(value)
        if isinstance(value, float):
            return sympy.Float(value)
        raise ValueError("not a number")  # str, bytes, complex, None, Ellipsis stay out

    def power(base, exponent):
        if base.is_Rational and exponent.is_Number:
            bits = max(int(abs(base.p)).bit_length(), int(base.q).bit_length(), 1)
            if abs(float(exponent)) * bits > _MAX_POWER_BITS:
                raise ValueError("power too large")
        return base ** exponent

    def conv(node):
        if isinstance(node, ast.Constant):
            return number(node.value)
        if isinstance(node, ast.Name):
            if node.id in names:
                return names[node.id]
            if node.id in _FORMULA_CONSTANTS:
                return getattr(sympy, _FORMULA_CONSTANTS[node.id])
            return sympy.Symbol(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = conv(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            left, right = conv(node.left), conv(node.right)
            op = type(node.op)
            if op is ast.Add:
                return left + right
            if op is ast.Sub:
                return left - right
            if op is ast.Mult:
                return left * right
            if op is ast.Div:
                return left / right
            if op is ast.FloorDiv:
                return sympy.floor(left / right)
            if op is ast.Mod:
                return sympy.Mod(left, right)
            if op is ast.Pow:
                return power(left, right)
            raise ValueError("operator")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FORMULA_FUNCTIONS \
                and not node.keywords and not any(isinstance(a, ast.Starred) for a in node.args):
            arity = _FORMULA_FUNCTIONS[node.func.id]
            if (arity is None and len(node.args) < 2) or (arity is not None and len(node.args) != arity):
                raise ValueError("arguments")
            return getattr(sympy, node.func.id)(*(conv(a) for a in node.args))
        raise ValueError(f"{type(node).__name__} is not part of a formula")

    try:
        return conv(tree.body)
    except Exception:  # ValueError above, and whatever sympy raises on odd arithmetic (zoo, nan, huge)
        return None


_STEP = re.compile(r"^(?:(?P<label>\.?[A-Za-z_][\w.]*): )?(?P<body>.*)$", re.S)
_GAIN_CALL = re.compile(r"^calculate_gain\('(?P<nonlinearity>[^']*)', (?P<param>[^)]*)\) = (?P<value>.+)$")
_FROM_SHAPE = re.compile(r"^(?P<value>.+?), from the shape (?P<shape>\(.*\))$")


@dataclass
class RawStep:
    raw: str
    line: int | None
    label: str | None
    name: str | None = None
    code: str | None = None
    value_text: str | None = None
    shape_text: str | None = None
    gain_call: dict | None = None
    other: str | None = None  # a step with no "name = ..." form


def read_step(text: str, line: int | None) -> RawStep:
    match = _STEP.match(text)
    label, body = match.group("label"), match.group("body")
    if label is not None and not (label.endswith("_") or label.startswith(".") or label.startswith("_")
                                  or "." in label):
        body, label = text, None  # "x: ..." that is not a function label
    step = RawStep(text, line, label)
    gain = _GAIN_CALL.match(body)
    if gain:
        step.gain_call = gain.groupdict()
        return step
    if " = " not in body:
        step.other = body
        return step
    name, _, rest = body.partition(" = ")
    if not re.fullmatch(r"[A-Za-z_]\w*", name.strip()):
        step.other = body
        return step
    step.name = name.strip()
    shape = _FROM_SHAPE.match(rest)
    if shape:
        step.value_text, step.shape_text = shape.group("value"), shape.group("shape")
        return step
    if " = " in rest:
        step.code, _, step.value_text = rest.rpartition(" = ")
    else:
        step.value_text = rest
    return step


# =========================================================================== Python code as formulas
GIVEN = object()  # an argument passed with a value that is not a literal


class CodeFormula:
    """Python expressions (the code's and the rules') printed as formulas, with what the call site decides."""

    def __init__(self, bindings: dict | None = None, renames: dict | None = None):
        self.bindings = bindings or {}
        self.renames = renames or {}
        self.reasons: list[str] = []

    def text(self, source: str) -> str | None:
        try:
            node = ast.parse(source.strip(), mode="eval").body
        except SyntaxError:
            return None
        try:
            return _minus(self.show(node))
        except Exception:
            return None

    # precedence: higher binds tighter
    def prec(self, node) -> int:
        if isinstance(node, ast.IfExp):
            return 0
        if isinstance(node, (ast.BoolOp, ast.Compare)):
            return 1
        if isinstance(node, ast.BinOp):
            return {ast.Add: 2, ast.Sub: 2, ast.Mult: 3, ast.Div: 3, ast.FloorDiv: 3, ast.Mod: 3}.get(
                type(node.op), 5)
        if isinstance(node, ast.UnaryOp):
            return 4
        return 6

    def resolved(self, node):
        """A conditional the call site decides stands for its branch (for precedence too)."""
        while isinstance(node, ast.IfExp):
            decided = self.decide(node.test, record=False)
            if decided is None:
                break
            node = node.body if decided else node.orelse
        return node

    def wrap(self, node, level: int) -> str:
        text = self.show(node)
        return f"({text})" if self.prec(self.resolved(node)) < level else text

    def show(self, node) -> str:
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, float) and value.is_integer():
                return str(int(value))
            return repr(value)
        if isinstance(node, ast.Name):
            name = self.renames.get(node.id, node.id)
            bound = self.bindings.get(node.id)
            if isinstance(bound, str):
                return repr(bound)
            if isinstance(bound, (int, float)) and not isinstance(bound, bool):
                shown = f"{name} = {int(bound) if float(bound).is_integer() else bound}"
                if shown not in self.reasons:
                    self.reasons.append(shown)  # a default or literal argument: gain = 1
            return name
        if isinstance(node, ast.Attribute):
            base = self.show(node.value)
            if base == "math" and node.attr in ("pi", "e", "inf"):
                return {"pi": "π", "e": "e", "inf": "∞"}[node.attr]
            return f"{base}.{node.attr}"
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name == "sqrt" and len(node.args) == 1 and not node.keywords:
                arg = node.args[0]
                inner = self.show(arg)
                return "√" + (inner if isinstance(arg, (ast.Name, ast.Constant, ast.Attribute)) else f"({inner})")
            if name in ("fan_in", "fan_out") and len(node.args) == 1 and isinstance(node.args[0], ast.Name) \
                    and node.args[0].id == "tensor":
                return name
            if name == "prod" and len(node.args) == 1:
                return "∏" + self.wrap(node.args[0], 6)
            args = [self.show(a) for a in node.args] + [f"{k.arg}={self.show(k.value)}" for k in node.keywords]
            return f"{self.show(node.func)}({', '.join(args)})"
        if isinstance(node, ast.BinOp):
            op = type(node.op)
            if op is ast.Pow:
                base = self.wrap(node.left, 6)
                if isinstance(node.right, ast.Constant) and node.right.value == 2:
                    return base + "²"
                if isinstance(node.right, ast.Constant) and node.right.value == 0.5:
                    return "√" + base
                return base + "^" + self.wrap(node.right, 6)
            level = self.prec(node)
            symbol = {ast.Add: " + ", ast.Sub: " - ", ast.Mult: "·", ast.Div: "/", ast.FloorDiv: " // ",
                      ast.Mod: " % "}.get(op, " ? ")
            right_level = level + 1 if op in (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod) else level
            if op is ast.Div and isinstance(node.right, ast.BinOp) and type(node.right.op) is ast.Mult:
                right_level = 6
            return self.wrap(node.left, level) + symbol + self.wrap(node.right, right_level)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return "-" + self.wrap(node.operand, 4)
            if isinstance(node.op, ast.Not):
                return "not " + self.wrap(node.operand, 4)
            return self.show(node.operand)
        if isinstance(node, ast.IfExp):
            decided = self.decide(node.test)
            if decided is not None:
                return self.show(node.body if decided else node.orelse)
            return f"{self.show(node.body)} if {self.show(node.test)} else {self.show(node.orelse)}"
        if isinstance(node, ast.Compare):
            ops = {ast.Eq: "==", ast.NotEq: "≠", ast.Lt: "<", ast.LtE: "≤", ast.Gt: ">", ast.GtE: "≥",
                   ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
            parts = [self.show(node.left)]
            for op, right in zip(node.ops, node.comparators):
                parts += [ops.get(type(op), "?"), self.show(right)]
            return " ".join(parts)
        if isinstance(node, ast.Subscript):
            return f"{self.show(node.value)}[{self.show(node.slice)}]"
        if isinstance(node, ast.Slice):
            return (self.show(node.lower) if node.lower else "") + ":" + (self.show(node.upper) if node.upper
                                                                           else "")
        if isinstance(node, ast.Tuple):
            return "(" + ", ".join(self.show(e) for e in node.elts) + ")"
        if isinstance(node, ast.BoolOp):
            word = " and " if isinstance(node.op, ast.And) else " or "
            return word.join(self.wrap(v, 2) for v in node.values)
        return ast.unparse(node)

    def decide(self, test, record: bool = True) -> bool | None:
        """A test the call site settles (`mode == 'fan_in'`, `param is None`); records why."""
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name)):
            return None
        name, op, right = test.left.id, type(test.ops[0]), test.comparators[0]
        if name not in self.bindings:
            return None
        bound = self.bindings[name]
        if isinstance(right, ast.Constant) and right.value is None and op in (ast.Is, ast.IsNot):
            is_none = bound is None
            if bound is GIVEN or not is_none or bound is None:
                result = is_none if op is ast.Is else not is_none
                shown = self.renames.get(name, name)
                if record:
                    self.reasons.append(f"{shown} is {'None' if is_none else 'given'}")
                return result
            return None
        if bound is GIVEN or not isinstance(right, ast.Constant):
            return None
        try:
            result = {ast.Eq: bound == right.value, ast.NotEq: bound != right.value}[op]
        except KeyError:
            return None
        if record:
            self.reasons.append(f"{self.renames.get(name, name)} = {bound!r}")
        return result


def code_to_sympy(source: str, env: dict, symbols: dict):
    """An arithmetic Python expression as sympy; names from `env`, else the class's symbols, else positive
    symbols of their own (None for anything else)."""
    import sympy

    try:
        node = ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        return None

    def conv(n):
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool):
            return sympy.nsimplify(n.value) if isinstance(n.value, float) else sympy.Integer(n.value)
        if isinstance(n, ast.Name):
            if n.id in env:
                return env[n.id]
            return symbols.get(n.id) or sympy.Symbol(n.id, positive=True)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name):
            if n.value.id == "math" and n.attr == "pi":
                return sympy.pi
            if n.value.id == "self" and n.attr in symbols:
                return symbols[n.attr]
            raise ValueError
        if isinstance(n, ast.Call) and len(n.args) == 1 and not n.keywords:
            name = n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
            if name == "sqrt":
                return sympy.sqrt(conv(n.args[0]))
            raise ValueError
        if isinstance(n, ast.BinOp):
            a, b = conv(n.left), conv(n.right)
            op = type(n.op)
            if op is ast.Add:
                return a + b
            if op is ast.Sub:
                return a - b
            if op is ast.Mult:
                return a * b
            if op is ast.Div:
                return a / b
            if op is ast.Pow:
                return a ** b
            raise ValueError
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return -conv(n.operand)
        raise ValueError

    try:
        return conv(node)
    except (ValueError, TypeError, ZeroDivisionError, RecursionError):
        return None


def _is_arithmetic(source: str | None) -> bool:
    if not source:
        return False
    try:
        node = ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        return False
    for sub in ast.walk(node):
        if isinstance(sub, (ast.IfExp, ast.Compare, ast.BoolOp, ast.Subscript, ast.Lambda)):
            return False
        if isinstance(sub, ast.Call):
            name = sub.func.attr if isinstance(sub.func, ast.Attribute) else getattr(sub.func, "id", "")
            if name != "sqrt":
                return False
    return True


# =========================================================================== call sites
class Sources:
    """Lines of the files the derivation points into (read once)."""

    def __init__(self):
        self._lines: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        if path not in self._lines:
            try:
                from doccheck.parse import read_source

                # Python's own line breaks only: str.splitlines() also breaks at form feeds and U+2028
                self._lines[path] = re.split(r"\r\n|\r|\n", read_source(Path(path)))
            except Exception:
                self._lines[path] = []
        return self._lines[path]

    def line(self, path: str, number: int) -> str:
        lines = self.lines(path)
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def call_at(self, path: str, number: int, name: str):
        """The call to `name` that starts on line `number` (multi-line calls too), as an ast.Call."""
        lines = self.lines(path)
        if not 0 < number <= len(lines):
            return None
        for end in range(number, min(number + 15, len(lines)) + 1):
            text = "\n".join(lines[number - 1:end]).strip()
            if text.startswith(("if ", "elif ", "with ", "for ", "while ")):
                text = text.split(":", 1)[0].split(" ", 1)[1] if text.startswith(("if ", "elif ")) else text
            try:
                tree = ast.parse(text)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                    if callee == name:
                        return node
            return None
        return None

    def comments_above(self, path: str, number: int, limit: int = 6) -> list[tuple[int, str]]:
        lines = self.lines(path)
        found = []
        i = number - 1
        while i >= 1 and len(found) < limit:
            text = lines[i - 1].strip()
            if not text.startswith("#"):
                break
            found.insert(0, (i, text))
            i -= 1
        return found


def rule_for(label: str | None, knowledge):
    """The rules entry a step label names: `kaiming_uniform_` or `.uniform_` (a tensor method)."""
    if not label:
        return None
    if label.startswith("."):
        return knowledge.methods.get(label[1:])
    for name, rule in knowledge.calls.items():
        if name.rsplit(".", 1)[-1] == label:
            return rule
    return None


def call_bindings(rule, call) -> dict:
    """What the call site passes for each of the rule's arguments: a literal, GIVEN, or the default."""
    try:
        fn = ast.parse(f"def _({rule.signature}): pass").body[0]
    except SyntaxError:
        return {}
    params = [*fn.args.posonlyargs, *fn.args.args]
    defaults = dict(zip([p.arg for p in params][len(params) - len(fn.args.defaults):], fn.args.defaults))
    defaults.update({p.arg: d for p, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults) if d is not None})
    bindings = {}
    for name, node in defaults.items():
        try:
            bindings[name] = ast.literal_eval(node)
        except ValueError:
            pass
    if call is None:
        return bindings
    names = [p.arg for p in params]
    if rule.kind == "method":
        names = names[1:]  # the receiver is the tensor the method is called on
    for name, arg in zip(names, call.args):
        bindings[name] = _literal(arg)
    for keyword in call.keywords:
        if keyword.arg:
            bindings["from_" if keyword.arg == "from" else keyword.arg] = _literal(keyword.value)
    return bindings


def _literal(node):
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return GIVEN


# =========================================================================== derivations
class Deriver:
    """Turns one parameter's steps into the derivation a reader follows."""

    def __init__(self, param, code, knowledge, sources: Sources, at: dict | None):
        self.param = param
        self.code = code
        self.knowledge = knowledge
        self.sources = sources
        self.symbols = dict(code.symbols)
        self.at = at or {}
        self.path = param.decided_at.path if param.decided_at else code.position.path

    def steps(self) -> list[StepView]:
        raws = []
        for step in self.param.steps:
            line = step.position.line if step.position else None
            path = step.position.path if step.position else self.path
            raws.append((read_step(step.text, line), path))
        views: list[StepView] = []
        values: dict[tuple, object] = {}  # (label, name) -> sympy value
        self.code_values: dict[str, object] = {}  # what the class's own code sees: its names, rule results
        definitions: dict[tuple, object] = {}  # arithmetic definitions in terms of other names
        pending_gain = None
        for index, (raw, path) in enumerate(raws):
            if raw.gain_call is not None:
                following = raws[index + 1][0] if index + 1 < len(raws) else None
                if following is not None and following.code and "calculate_gain(" in following.code \
                        and following.label == raw.label:
                    pending_gain = raw.gain_call
                    continue
                views.append(self.gain_step(raw, raw.gain_call, path, standalone=True))
                continue
            view = self.step(raw, path, values, definitions, pending_gain)
            pending_gain = None
            views.append(view)
        final = self.final_step()
        if final is not None:
            at = len(views)
            for i, view in enumerate(views):
                if view.line is not None and self.param.decided_at and view.line <= self.param.decided_at.line:
                    at = i + 1
            views.insert(at, final)
        return views

    # ------------------------------------------------------------------ one step
    def bindings_for(self, label, line, path):
        rule = rule_for(label, self.knowledge)
        if rule is None or line is None:
            return rule, {}
        name = label.lstrip(".")
        return rule, call_bindings(rule, self.sources.call_at(path, line, name))

    def value_of(self, text):
        return parse_value(text, self.symbols) if text else None

    def step(self, raw: RawStep, path, values: dict, definitions: dict, gain_call) -> StepView:
        view = StepView(text=_minus(raw.raw), line=raw.line, label=raw.label, name=raw.name, raw=raw.raw)
        if raw.name is None:
            if raw.other == "values copied":
                source = self.sources.line(path, raw.line).strip() if raw.line else ""
                view.text = (f"{raw.label}: {source} copies the values" if source else view.text)
            return view
        value = self.value_of(raw.value_text)
        view.value = pretty(value) if value is not None else _minus(raw.value_text or "")
        values[(raw.label, raw.name)] = value
        label_rule = rule_for(raw.label, self.knowledge)
        if value is not None and (raw.label is None or label_rule is not None and label_rule.kind == "function"):
            self.code_values[raw.name] = value
        prefix = f"{raw.label}: " if raw.label else ""
        if raw.shape_text is not None:  # fan_in = in_features, from the shape (…)
            shape = raw.shape_text
            parsed = _parse_tuple(shape, self.symbols)
            rule_text = self.knowledge.framework(self.code.framework).fan.get(raw.name)
            rule_shown = CodeFormula().text(rule_text) if rule_text else None
            view.reason = (f"from the shape {pretty(parsed) if parsed is not None else _minus(shape)}"
                           + (f": {raw.name} = {rule_shown}" if rule_shown else ""))
            view.text = f"{prefix}{raw.name} = {view.value}   ({view.reason})"
            self.add_at(view, value)
            return view
        rule, bindings = self.bindings_for(raw.label, raw.line, path)
        formula = CodeFormula(bindings if rule is not None else {})
        env = ({name: v for (label, name), v in values.items() if label == raw.label and v is not None}
               if raw.label else dict(self.code_values))
        code_text = None
        if raw.code is not None:
            code_text = formula.text(raw.code)
        if gain_call is not None:
            view.code = code_text
            return self.gain_step(raw, gain_call, path, view=view, bindings=bindings)
        parts = [raw.name]
        if code_text is not None:
            view.code = code_text
            if code_text != view.value:
                parts.append(code_text)
            # an undecided conditional: which branch gave the value?
            if raw.code and " if " in raw.code and not formula.reasons:
                branch = self.branch_taken(raw.code, env, value)
                if branch is not None:
                    shown, reason = branch
                    view.code = shown
                    parts[-1] = shown
                    formula.reasons.append(reason)
            if _is_arithmetic(raw.code):
                scope = {name: d for (label, name), d in definitions.items() if label == raw.label}
                inline = code_to_sympy(raw.code, scope, {})
                if inline is not None:
                    definitions[(raw.label, raw.name)] = inline
                    shown = pretty(inline)
                    if shown not in (code_text, view.value) and scope and \
                            any(s.name in scope for s in _free(code_to_sympy(raw.code, {}, {}))):
                        view.inline = shown
                        parts.append(shown)
        elif raw.code is not None:
            parts.append(_minus(raw.code))
        if view.value and view.value != raw.name:
            parts.append(view.value)
        view.reason = "; ".join(formula.reasons) or None
        view.text = prefix + " = ".join(parts) + (f"   ({view.reason})" if view.reason else "")
        self.add_at(view, value)
        return view

    def branch_taken(self, code: str, env: dict, value):
        """For `x if test else y` that the analysis could not decide by the call site: the branch whose value
        is the step's value (the code model took it because the test holds for positive sizes)."""
        if value is None:
            return None
        try:
            node = ast.parse(code.strip(), mode="eval").body
        except SyntaxError:
            return None
        if not isinstance(node, ast.IfExp):
            return None
        import sympy

        body = code_to_sympy(ast.unparse(node.body), env, self.symbols)
        orelse = code_to_sympy(ast.unparse(node.orelse), env, self.symbols)
        test = CodeFormula().show(node.test)
        try:
            if body is not None and sympy.simplify(body - value) == 0 and (orelse is None or sympy.simplify(
                    orelse - value) != 0):
                return _minus(CodeFormula().show(node.body)), _minus(test)
            if orelse is not None and sympy.simplify(orelse - value) == 0 and (body is None or sympy.simplify(
                    body - value) != 0):
                return _minus(CodeFormula().show(node.orelse)), "not " + _minus(test)
        except (TypeError, AttributeError):
            return None
        return None

    def gain_step(self, raw: RawStep, call: dict, path, *, standalone=False, view=None, bindings=None) -> StepView:
        """gain = calculate_gain('leaky_relu', a) = √(2/(1 + a²)) = 1/√3"""
        nonlinearity = call["nonlinearity"]
        value = self.value_of(call["value"])
        if view is None:
            view = StepView(text="", line=raw.line, label=raw.label, name="gain", raw=raw.raw)
        view.value = pretty(value) if value is not None else _minus(call["value"])
        expression = self.knowledge.framework(self.code.framework).gain.get(nonlinearity.lower())
        param_name = "param"
        if view.code and "(" in view.code:  # calculate_gain('leaky_relu', a): the argument's name
            inside = view.code[view.code.index("(") + 1:view.code.rindex(")")]
            pieces = [p.strip() for p in inside.split(",")]
            if len(pieces) > 1 and re.fullmatch(r"[A-Za-z_]\w*", pieces[1]):
                param_name = pieces[1]
        given = call["param"].strip()
        formula = CodeFormula({"param": None if given == "None" else GIVEN}, {"param": param_name})
        gain_formula = formula.text(expression) if expression else None
        code = view.code or f"calculate_gain('{nonlinearity}'{'' if given == 'None' else ', ' + _minus(given)})"
        parts = [view.name or "gain", code]
        if gain_formula and gain_formula not in (code, view.value):
            parts.append(gain_formula)
            view.inline = gain_formula
        if view.value not in parts:
            parts.append(view.value)
        view.code = code
        prefix = f"{raw.label}: " if raw.label else ""
        view.text = prefix + " = ".join(parts)
        self.add_at(view, value)
        return view

    def final_step(self) -> StepView | None:
        """`weight ~ U(−bound, bound) = …`: the call that decides the values, in the rule's own names."""
        param = self.param
        if param.distribution is None or param.decided_at is None:
            return None
        path, line = param.decided_at.path, param.decided_at.line
        source = self.sources.line(path, line)
        rule, label = None, None
        labels = [s.text.split(": ", 1)[0] for s in param.steps
                  if s.position is not None and s.position.line == line and ": " in s.text]
        for candidate in reversed(labels):  # the step labels say whether it was a function or a tensor method
            found = rule_for(candidate, self.knowledge)
            if found is not None and found.family is not None:
                rule, label = found, candidate
                break
        if rule is None:
            for match in re.finditer(r"([\w.]*?)(\.?)([A-Za-z_]\w*)\s*\(", source):
                prefix, candidate = match.group(1), match.group(3)
                method = bool(match.group(2)) and (prefix.startswith("self") or prefix.endswith(".data"))
                found = rule_for(("." if method else "") + candidate, self.knowledge)
                if found is not None and found.family is not None:
                    rule, label = found, ("." if method else "") + candidate
        effective = pretty_formula(param.distribution)
        name = param.name if param.name != "*" else "each parameter"
        if rule is None:
            return StepView(text=f"{name} ~ {effective}", line=line, name=param.name, value=effective)
        bindings = call_bindings(rule, self.sources.call_at(path, line, label.lstrip(".")))
        shown = []
        for key, expression in rule.init_params:
            bound = bindings.get(expression) if re.fullmatch(r"[A-Za-z_]\w*", expression) else None
            if isinstance(bound, (int, float)) and not isinstance(bound, bool):
                shown.append((key, str(int(bound)) if float(bound).is_integer() else repr(bound)))
            else:
                shown.append((key, expression))
        symbolic = _rule_formula(rule.family, dict(shown))
        label_text = f"{label}: " if label else ""
        text = f"{label_text}{name} ~ {symbolic}"
        if symbolic != effective:
            text += f" = {effective}"
        view = StepView(text=text, line=line, label=label, name=param.name, code=symbolic, value=effective)
        if self.at:
            view.value_at = _formula_at(param.distribution, self.at)
        return view

    def add_at(self, view: StepView, value) -> None:
        if not self.at or value is None or not getattr(value, "free_symbols", None):
            return  # a constant (a = √5) reads the same at every argument value
        view.value_at = _at_text(value, self.at)


def _free(expr):
    return getattr(expr, "free_symbols", set()) if expr is not None else set()


def _rule_formula(family: str, p: dict) -> str:
    f = lambda key: _minus(CodeFormula().text(p[key]) or p[key])  # noqa: E731
    if family == "uniform":
        return f"U({f('low')}, {f('high')})"
    if family == "normal":
        std = f("std")
        if std == "1":
            return f"N({f('mean')}, 1)"
        return f"N({f('mean')}, {std}²)" if re.fullmatch(r"\w+", std) else f"N({f('mean')}, ({std})²)"
    if family == "trunc_normal":
        return f"N({f('mean')}, {f('std')}²) truncated to [{f('a')}, {f('b')}]"
    if family == "constant":
        return f"constant {f('value')}"
    return family + "(" + ", ".join(f"{k}={f(k)}" for k in p) + ")"


def _parse_tuple(text: str, symbols: dict):
    inner = text.strip()
    if not (inner.startswith("(") and inner.endswith(")")):
        return None
    inner = inner[1:-1].rstrip(",")
    items, depth, current = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            items.append(current.strip())
            current = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        current += ch
    if current.strip():
        items.append(current.strip())
    values = tuple(parse_value(item, symbols) for item in items)
    return values if all(v is not None for v in values) else None


# =========================================================================== --at
def parse_at(texts: list[str]) -> dict:
    """`groups=2,in_channels=4,kernel_size=(3,5)` (repeatable) -> {"groups": 2, "kernel_size": (3, 5), …}."""
    values = {}
    for text in texts:
        parts, depth, current = [], 0, ""
        for ch in text:
            if ch == "," and depth == 0:
                parts.append(current)
                current = ""
                continue
            depth += ch in "(["
            depth -= ch in ")]"
            current += ch
        parts.append(current)
        for part in parts:
            if not part.strip():
                continue
            if "=" not in part:
                raise ExplainError(f"--at {text!r}: expected name=value, got {part!r}")
            name, _, raw = part.partition("=")
            try:
                value = ast.literal_eval(raw.strip())
            except (ValueError, SyntaxError) as exc:
                raise ExplainError(f"--at {text!r}: {raw.strip()!r} is not a number or a tuple of numbers") from exc
            if isinstance(value, list):
                value = tuple(value)
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) or isinstance(value, tuple) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            if not ok:
                raise ExplainError(f"--at {text!r}: {raw.strip()!r} is not a number or a tuple of numbers")
            values[name.strip()] = value
    return values


def at_mapping(at: dict, symbols: dict) -> tuple[dict, list[str]]:
    """sympy symbol -> value for the --at arguments (kernel_size=3 also sets kernel_size[i]); unknown names."""
    import sympy

    mapping, used = {}, set()
    for name, sym in symbols.items():
        base, _, rest = name.partition("[")
        if name in at:
            value = at[name]
        elif base in at:
            value = at[base]
        else:
            continue
        if isinstance(value, tuple):
            index = int(rest.rstrip("]")) if rest else 0
            if index >= len(value):
                continue
            value = value[index]
        used.add(name if name in at else base)
        mapping[sym] = sympy.nsimplify(value) if isinstance(value, float) else sympy.Integer(value)
    return mapping, sorted(set(at) - used)


def _at_text(value, mapping: dict) -> str | None:
    import sympy

    try:
        result = sympy.simplify(as_sympy(value).xreplace(mapping))
    except Exception:
        return None
    shown = pretty(result)
    approx = numeric(result)
    return shown + (f" ≈ {_minus(approx)}" if approx is not None and approx != shown else "")


def _formula_at(dist, mapping: dict) -> str:
    import sympy

    from doccheck.model import Distribution

    if dist.family == "argument":  # the caller's value: nothing to evaluate
        return pretty_formula(dist)
    params = tuple((k, sympy.simplify(as_sympy(v).xreplace(mapping))) for k, v in dist.params)
    exact = Distribution(dist.family, params)
    text = pretty_formula(exact)
    numbers = {k: numeric(v) for k, v in params}
    if all(numbers.get(k) is not None or not getattr(v, "free_symbols", True) for k, v in params) and any(
            numbers.values()):
        approx = Distribution(dist.family, tuple((k, sympy.Float(numbers[k], 4) if numbers[k] is not None else v)
                                                 for k, v in params))
        shown = pretty_formula(approx)
        if shown != text:
            text += f" ≈ {shown}"
    return text


# =========================================================================== notes
def _gain_names(names: list[str]) -> str:
    """linear, conv1d, conv2d, conv3d -> linear, conv1d–3d."""
    groups: dict[str, list[str]] = {}
    order = []
    for name in names:
        match = re.fullmatch(r"(.*?)(\d)d", name)
        key = match.group(1) if match else name
        if key not in groups:
            order.append(key)
        groups.setdefault(key, []).append(match.group(2) if match else "")
    out = []
    for key in order:
        digits = groups[key]
        if digits == [""]:
            out.append(key)
        elif len(digits) > 1:
            out.append(f"{key}{digits[0]}d–{digits[-1]}d")
        else:
            out.append(f"{key}{digits[0]}d")
    return ", ".join(out)


def analyse(param, code, knowledge, params_by_name: dict) -> tuple[list[str], dict]:
    """Notes on equivalences and misreadings for a zero-mean uniform/normal weight, computed from the rules'
    gain table and fan rule (not hard-coded: a new gain in the rules is a new comparison here)."""
    import sympy

    dist = param.distribution
    framework = knowledge.framework(code.framework)
    if framework is not knowledge.framework():
        return [], {}  # the notes name torch's API (kaiming_uniform_, calculate_gain): not another framework's
    if dist is None or param.shape is None or len(param.shape) < framework.fan_min_dim or "fan_in" not in framework.fan:
        return [], {}
    from doccheck.codemodel.interpreter import Frame, Interpreter, _parse_expression
    from doccheck.codemodel.values import Lit, Num, Seq
    from doccheck.project import Project

    interpreter = Interpreter(Project([]), knowledge)

    def evaluate(expression, env):
        try:
            value = interpreter.eval(_parse_expression(expression), Frame(None, None, env))
        except Exception:
            return None
        return value.expr if isinstance(value, Num) else None

    fan_in = evaluate(knowledge.fan["fan_in"], {"shape": Seq(tuple(Num(d) for d in param.shape))})
    if fan_in is None:
        return [], {}
    if dist.family == "uniform" and sympy.simplify(dist.param("low") + dist.param("high")) == 0:
        bound = sympy.simplify(dist.param("high"))
        std = bound / sympy.sqrt(3)
    elif dist.family == "normal" and dist.param("mean") == 0:
        bound, std = None, sympy.simplify(dist.param("std"))
    else:
        return [], {}
    gain = sympy.simplify(std * sympy.sqrt(fan_in))
    data = {"fan_in": pretty(fan_in), "std": pretty(std), "effective_gain": pretty(gain)}
    if bound is not None:
        data["bound"] = pretty(bound)
    if gain.free_symbols:
        return ([f"std·√fan_in = {pretty(gain)} depends on the sizes (fan_in = {pretty(fan_in)}): the "
                 f"initialization is not scaled by the fan, unlike LeCun/Xavier/He initialization"], data)
    notes = []
    data["effective_gain_float"] = float(gain)
    gains = {}
    for name, expression in knowledge.gain.items():
        value = evaluate(expression, {"param": Lit(None)})
        if value is not None:
            gains[name] = value
    raw_steps = " ".join(s.text for s in param.steps)
    slope = re.search(r"(kaiming_(?:uniform|normal)_): a = (\S+)", raw_steps)
    if dist.family == "uniform" and sympy.simplify(bound * sympy.sqrt(fan_in) - 1) == 0:
        data["equals"] = f"U({MINUS}1/√fan_in, 1/√fan_in)"
        notes.append(
            f"U({MINUS}1/√fan_in, 1/√fan_in) with fan_in = {pretty(fan_in)}: this is exactly what "
            f"kaiming_uniform_(w, a=√5) gives — gain = √(2/(1 + a²)) = √(2/6) = 1/√3 and "
            f"bound = gain·√(3/fan_in) = 1/√fan_in — so a docstring stating U({MINUS}√k, √k) with k = 1/fan_in "
            f"and code calling kaiming_uniform_(w, a=math.sqrt(5)) describe the same distribution.")
    if slope and slope.group(2) == "√5":
        notes.append(
            "a = √5 is not the negative slope of an activation that follows the layer (LeakyReLU's default "
            "slope is 0.01): it is chosen only to make the gain 1/√3, which turns kaiming_uniform_ into the "
            "older U(−1/√fan_in, 1/√fan_in) initialization.")
    relu = gains.get("relu")
    weight_like = "weight" in param.name
    if weight_like and relu is not None and sympy.simplify(relu - gain) != 0:
        ratio = sympy.simplify(gain / relu)
        he_std = sympy.simplify(relu / sympy.sqrt(fan_in))
        if dist.family == "uniform":
            he = f"U({MINUS}{pretty(sympy.sqrt(3) * he_std)}, {pretty(sympy.sqrt(3) * he_std)})"
            call, shape = "kaiming_uniform_", "bound √(6/fan_in), std √(2/fan_in)"
        else:
            he, call, shape = f"N(0, {pretty(he_std ** 2)})", "kaiming_normal_", "std √(2/fan_in)"
        notes.append(
            f"not He (Kaiming) initialization for ReLU: {call}(w, nonlinearity='relu') uses gain √2, i.e. "
            f"{he} here ({shape}); this std is {pretty(ratio)} ≈ {float(ratio):.3g} × that.")
        data["he_relu"] = _minus(he)
        data["ratio_to_he_relu"] = pretty(ratio)
    matches = sorted(name for name, value in gains.items() if sympy.simplify(value - gain) == 0)
    pieces = []
    for value in sorted(set(gains.values()), key=float):
        shown = pretty(value)
        if len(shown) > 6:
            shown = f"≈ {float(value):.4g}"
        names = _gain_names(sorted(n for n, v in gains.items() if v == value))
        if any("param" in knowledge.gain[n] for n, v in gains.items() if v == value):
            names += " without a slope argument"
        pieces.append(f"{shown} ({names})")
    comparison = ", ".join(pieces)
    approx = "" if gain.is_Rational else f" ≈ {float(gain):.4g}"
    notes.append(f"effective gain std·√fan_in = {pretty(gain)}{approx}"
                 + (f" — the gain calculate_gain recommends for {_gain_names(matches)}." if matches else
                    f" — not a gain calculate_gain recommends for any nonlinearity; it gives {comparison}."))
    data["gain_recommended_for"] = matches
    if not weight_like:
        return notes, data
    second = sympy.simplify(gain ** 2)
    bias = params_by_name.get("bias")
    bias_var = None
    if bias is not None and bias.distribution is not None and bias is not param:
        from doccheck.distributions import moments

        found = moments(bias.distribution, bias.shape)
        if found is not None:
            bias_var = sympy.simplify(found["variance"])
    if second == 1:
        var_text = "E[x²]"
    elif isinstance(second, sympy.Rational) and second.p == 1:
        var_text = f"E[x²]/{second.q}"
    else:
        var_text = f"{pretty(second)}·E[x²]"
    if bias_var is not None and bias_var != 0:
        var_text += f" + {pretty(bias_var)}"
    notes.append(
        f"signal scale: for inputs with second moment E[x²], Var(y) = fan_in·Var(w)·E[x²] + Var(bias) = "
        f"{var_text}; each such layer multiplies the second moment by gain² = {pretty(second)} (He/ReLU uses 2, "
        f"so that after a ReLU, which halves it, the scale is kept).")
    data["output_variance"] = _minus(var_text)
    return notes, data


# =========================================================================== the explanation
def explain(target: str, rules_files: tuple[str, ...] = (), at: dict | None = None, setup=None) -> Explanation:
    """The explanation of one class.  `setup` (an `analysis.Setup`) is the configuration `doccheck check` would
    use for the class's file; without one, the built-in rules plus `rules_files` and no configuration file."""
    import sympy

    from doccheck.analysis import Session, StageFailure, analyse_class
    from doccheck.distributions import moments
    from doccheck.engine import Config

    config = setup.config if setup is not None else Config(rules_files=tuple(rules_files))
    session = Session(config)
    knowledge = session.knowledge
    definition = resolve_target(target, session.project)
    module = definition.module
    line = module.position(definition.node)[0]
    try:
        analysed = analyse_class(session.project, knowledge, definition)
    except StageFailure as failure:
        raise ExplainError(f"{module.path}:{line}: internal error in the {failure.stage}: "
                           f"{type(failure.error).__name__}: {failure.error}") from failure.error
    code, claims = analysed.code, analysed.claims
    findings, silenced = _class_findings(analysed, module.path, setup)
    if code is None:
        return Explanation(target, module.path, line, "the class creates no learnable parameter", [],
                           [_claim_dict(c) for c in claims], at, findings, silenced)
    mapping = {}
    if at:
        mapping, unknown = at_mapping(at, code.symbols)
        if unknown:
            raise ExplainError(f"--at: {', '.join(unknown)} is not an argument the code model uses "
                               f"(known: {', '.join(sorted(code.symbols))})")
    verdicts = analysed.verdicts
    sources = Sources()
    by_name = {p.name: p for p in code.params}
    params = []
    for param in code.params:
        entry = ParamExplanation(
            name=param.name,
            shape=pretty(param.shape) if param.shape is not None else None,
            effective=pretty_formula(param.distribution) if param.distribution is not None else None,
            unresolved=param.unresolved,
            decided_at=f"{param.decided_at.path}:{param.decided_at.line}" if param.decided_at else None,
            notes=[_minus(_tidy_note(n)) for n in param.notes],
        )
        deriver = Deriver(param, code, knowledge, sources, mapping)
        entry.derivation = [asdict(s) for s in deriver.steps()]
        entry.source = source_lines(param, sources)
        if param.distribution is not None:
            found = moments(param.distribution, param.shape)
            if found is not None:
                variance = sympy.simplify(found["variance"])
                entry.mean = pretty(found["mean"])
                entry.variance = pretty(variance)
                entry.std = pretty(sympy.sqrt(variance))
            notes, data = analyse(param, code, knowledge, by_name)
            entry.notes.extend(notes)
            entry.analysis = data
            if mapping:
                entry.at = {"shape": pretty(tuple(as_sympy(d).xreplace(mapping) for d in param.shape))
                            if param.shape is not None else None,
                            "effective": _formula_at(param.distribution, mapping)}
                if found is not None:
                    entry.at["mean"] = _at_text(found["mean"], mapping)
                    entry.at["variance"] = _at_text(found["variance"], mapping)
                    entry.at["std"] = _at_text(sympy.sqrt(sympy.simplify(found["variance"])), mapping)
        for verdict in verdicts:
            if verdict.param is param:
                entry.documented.append({**_claim_dict(verdict.claim), "verdict": verdict.status,
                                         "documented_in_code_symbols": pretty_formula(verdict.documented)
                                         if verdict.documented is not None else None,
                                         "detail": verdict.detail})
        params.append(entry)
    orphans = [_claim_dict(v.claim) for v in verdicts if v.status == "no-such-parameter"]
    return Explanation(target, module.path, line, code.problem, params, orphans, at, findings, silenced)


def _class_findings(analysed, path: str, setup) -> tuple[list[dict], list[dict]]:
    """The class's findings as `doccheck check` reports them, and those a suppression or the baseline hides."""
    from doccheck.analysis import filter_findings
    from doccheck.engine import FileResult, RunResult

    config = setup.config if setup is not None else None
    wanted = [f for f in analysed.findings if config is None or config.wants(f.code, f.path)]
    file = FileResult(path)
    file.findings = list(wanted)
    result = RunResult([file], list(wanted), 0.0)
    kept = filter_findings(result, setup.baseline if setup is not None else None).findings

    def as_dict(finding) -> dict:
        return {"code": finding.code, "line": finding.line, "message": finding.message}

    return [as_dict(f) for f in kept], [as_dict(f) for f in wanted if f not in kept]


def _tidy_note(note: str) -> str:
    """The code model prints shapes in notes with sympy's str: (4*hidden_size, hidden_size)."""
    return re.sub(r"(?<=\w)\*(?=\w)", "·", note)


def source_lines(param, sources: Sources) -> list[dict]:
    """The lines the derivation points to, with the comment just above the deciding call."""
    if param.decided_at is None:
        return []
    path = param.decided_at.path
    numbers = {s.position.line for s in param.steps if s.position is not None and s.position.path == path}
    numbers.add(param.decided_at.line)
    out = [{"line": n, "text": t} for n, t in sources.comments_above(path, param.decided_at.line)]
    out += [{"line": n, "text": sources.line(path, n).strip()} for n in sorted(numbers)]
    seen, unique = set(), []
    for item in sorted(out, key=lambda d: d["line"]):
        if item["line"] not in seen and item["text"]:
            seen.add(item["line"])
            unique.append(item)
    return unique


def _claim_dict(claim) -> dict:
    return {"subject": claim.subject, "text": claim.text, "line": claim.position.line,
            "distribution": pretty_formula(claim.distribution) if claim.distribution is not None else None,
            "bindings": [_minus(b) for b in claim.derivation], "error": claim.error}


# =========================================================================== output
VERDICTS = {"consistent": "✓ consistent with the code", "mismatch": "✗ MISMATCH with the code",
            "unresolved": "? not decided", "unreadable": "? the formula cannot be read"}


def render_text(exp: Explanation) -> str:
    out = [f"{exp.target}  ({exp.path}:{exp.line})"]
    if exp.at:
        out.append("evaluated at " + ", ".join(f"{k} = {v}" for k, v in exp.at.items()))
    if exp.problem:
        out.append(f"  note: {exp.problem}")
    for p in exp.params:
        out.append("")
        title = p.name if p.name != "*" else "* (parameters created in a loop, under names computed at run time)"
        out.append(title + (f"   shape {p.shape}" if p.shape else "")
                   + (f" = {p.at['shape']}" if p.at and p.at.get("shape") and p.at["shape"] != p.shape else ""))
        if p.effective:
            out.append(f"  effective    {p.effective}")
            if p.at:
                out.append(f"               = {p.at['effective']}")
        else:
            out.append(f"  effective    unresolved — {p.unresolved}")
        if p.source:
            short = Path((p.decided_at or exp.path).rsplit(":", 1)[0]).name
            out.append(f"  code         ({short})")
            for item in p.source:
                out.append(f"    {item['line']:>5} │ {item['text']}")
        if p.derivation:
            out.append("  derivation")
            for step in p.derivation:
                where = f"line {step['line']}" if step["line"] else ""
                at = f"   [= {step['value_at']}]" if step.get("value_at") else ""
                out.append(f"    {where:<10} {step['text']}{at}")
        if p.mean is not None:
            out.append(f"  moments      mean {p.mean} · variance {p.variance} · std {p.std}")
            if p.at and p.at.get("variance"):
                out.append(f"               = mean {p.at['mean']} · variance {p.at['variance']} · std {p.at['std']}")
        for claim in p.documented:
            bindings = f", where {'; '.join(claim['bindings'])}" if claim["bindings"] else ""
            out.append(f"  documented   (line {claim['line']}) {claim['distribution']}{bindings}")
            out.append(f"               = {claim['documented_in_code_symbols']}   "
                       f"{VERDICTS.get(claim['verdict'], claim['verdict'])}"
                       + (f" ({claim['detail']})" if claim["detail"] else ""))
        if not p.documented:
            out.append("  documented   nothing")
        if p.notes:
            out.append("  notes")
            for note in p.notes:
                out.append(f"    • {note}")
    for claim in exp.claims_without_parameter:
        out.append("")
        out.append(f"documented for {claim['subject']} (line {claim['line']}), which the code does not create")
    if exp.findings or exp.silenced:
        out.append("")
    for finding in exp.findings:
        out.append(f"reported     line {finding['line']}: {finding['code']} {finding['message']}")
    for finding in exp.silenced:
        out.append(f"not reported line {finding['line']}: {finding['code']} (suppressed by a comment or the baseline)")
    from doccheck.terminal import printable

    # one shared sanitiser: names, source lines and defaults from the analysed file never reach the terminal raw
    return "\n".join(printable(line) for line in out) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="doccheck explain",
        description="Explain the effective initialization of one layer: shapes, distributions, the derivation "
                    "from the code step by step, moments, the documented claim and notes.  Nothing is imported.  "
                    "The configuration is the one `doccheck check` uses for the file ([tool.doccheck]: rules, "
                    "aliases, select/ignore, baseline); exit 1 when `doccheck check` would report the class.")
    parser.add_argument("target", help="path/to/file.py::ClassName or a dotted name such as torch.nn.Linear")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--rules", action="append", default=[], metavar="TOML")
    parser.add_argument("--config", metavar="FILE", help="this configuration file instead of the one found")
    parser.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    parser.add_argument("--at", action="append", default=[], metavar="ARGS",
                        help="evaluate the formulas at these constructor arguments, e.g. "
                             "--at groups=2,in_channels=4,out_channels=8,kernel_size=3 (kernel_size=(3,5) for a "
                             "tuple); the others stay symbolic")
    args = parser.parse_args(argv)
    from doccheck.analysis import Options, UsageProblem, configure
    from doccheck.terminal import printable

    file = args.target.partition("::")[0] if "::" in args.target else "."
    try:
        setup = configure([file], Options(config_file=args.config, isolated=args.isolated, rules=tuple(args.rules)),
                          find_files=False)
        at = parse_at(args.at) if args.at else None
        exp = explain(args.target, tuple(args.rules), at, setup)
    except (ExplainError, UsageProblem) as exc:
        print(f"doccheck explain: error: {printable(str(exc))}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(asdict(exp), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render_text(exp))
    return 1 if exp.findings else 0
