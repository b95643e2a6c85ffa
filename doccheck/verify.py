"""``doccheck verify PATH_OR_TARGET...``: the static evaluator checked against the framework itself.

This is the only doccheck command that imports the framework (torch) and runs
the analysed code.  For every class whose constructor the static code model
resolves (at least one learnable parameter with a known distribution):

1. the class is mapped to its importable object by its module's dotted name —
   only modules of the files named on the command line are imported, and only
   when the import gives the very file that was analysed;
2. constructor arguments are derived from the signature (overloads included)
   and from the symbols the static model used (`ClassInit.symbols`): the
   framework defaults, every optional feature on (the static convention: bool
   arguments True), each bool switched off in turn (bias on and off), a second
   set of non-square sizes, kernel sizes as int and as tuple, and every
   optional numeric argument the static model read moved off its default
   (groups > 1, num_layers > 1, …).  A combination the constructor rejects is
   dropped;
3. the same values are substituted into the symbolic shape and distribution,
   the class is instantiated repeatedly under fixed seeds (``crc32`` of class,
   combination and draw), and every direct parameter's values are tested:
   exact shape; exact equality for constants (and eye/dirac); support bounds
   and their coverage, mean and variance within 5 standard errors and a
   Kolmogorov–Smirnov test at the 0.1% level for uniform, normal and truncated
   normal; orthogonality for orthogonal; zeros per column for sparse.

A statistical test that rejects is redrawn once with independent seeds and a
disagreement is reported only when the redraw rejects too, so a chance failure
needs two 1-in-1000 events (the exact tests need no redraw).  Each
disagreement is a DC501 finding at the line that decided the distribution.

Exit codes: 0 every tested class agrees, 1 disagreements, 2 usage error or the
framework is not installed.
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib
import inspect
import json
import math
import sys
import time
import typing
import warnings
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from doccheck.empirical import findings_for
from doccheck.verify_statistics import (  # noqa: F401 — part of verify's API (tests use ks_*)
    COVERAGE_FAILURE, KS_ALPHA, Z_MOMENTS, TestResult, cdf, exact_tests, ks_pvalue, ks_statistic, random_tests,
    structured_tests,
)
from doccheck.model import ClassInit, Finding, ParamInit, Position
from doccheck.symbolic import as_sympy


DEFAULT_SAMPLES = 4096  # values per parameter and combination
DEFAULT_MAX_DRAWS = 48  # instantiations per combination
MAX_VALUES = 1 << 18  # values kept per parameter (sorting more adds nothing)
SIZES = (  # candidate values for required size arguments, in signature order; all even, all different
    (24, 40, 32, 56, 48, 16),
    (40, 24, 56, 32, 16, 48),
    (48, 4, 8, 12, 16, 20),
    (4, 48, 40, 24, 32, 56),
    (6, 10, 8, 14, 12, 4),
    (10, 6, 14, 8, 4, 12),
    (12, 2, 4, 6, 8, 10),
    (2, 12, 10, 6, 8, 14),
    (8, 8, 8, 8, 8, 8),
    (4, 4, 4, 4, 4, 4),
)
MAX_ELEMENTS = 1 << 20  # per instantiation, from the static shapes: size sets above it are skipped
KERNEL_TUPLE = (3, 5, 2, 4)
SKIPPED_ARGUMENTS = {"device", "dtype"}


class VerifyError(Exception):
    """A usage problem: missing target, framework not installed (exit 2)."""


# =========================================================================== data
@dataclass
class ParamCheck:
    name: str  # the runtime name (weight_ih_l0); the static one is `static_name`
    static_name: str | None
    status: str  # agrees | disagrees | untested
    expected: str | None = None  # the static distribution at the combination's values
    shape: str | None = None
    samples: int = 0
    tests: list[TestResult] = field(default_factory=list)
    reason: str = ""
    redrawn: bool = False


@dataclass
class ComboCheck:
    label: str
    call: str
    kwargs: dict
    params: list[ParamCheck] = field(default_factory=list)
    draws: int = 0
    error: str | None = None


@dataclass
class ClassCheck:
    qualname: str
    path: str
    line: int
    status: str  # agrees | disagrees | skipped | untested
    reason: str = ""
    static: dict = field(default_factory=dict)  # parameter -> formula
    combos: list[ComboCheck] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # combinations the constructor refused
    seconds: float = 0.0

    @property
    def samples(self) -> int:
        return sum(p.samples for c in self.combos for p in c.params)


@dataclass
class VerifyResult:
    classes: list[ClassCheck]
    findings: list[Finding]
    elapsed: float
    static_seconds: float = 0.0
    unresolved: list = field(default_factory=list)  # classes with parameters but no resolved distribution
    not_tested: list = field(default_factory=list)  # classes the static side could not take up, with the reason

    def counts(self) -> dict:
        by = lambda s: sum(1 for c in self.classes if c.status == s)  # noqa: E731
        params = [p for c in self.classes for combo in c.combos for p in combo.params]
        return {
            "classes_resolved": len(self.classes),
            "classes_agree": by("agrees"),
            "classes_disagree": by("disagrees"),
            "classes_skipped": by("skipped"),
            "classes_untested": by("untested"),
            "classes_unresolved_statically": len(self.unresolved),
            "classes_without_parameters": sum(1 for c in self.classes if not c.static),
            "classes_not_tested": len(self.not_tested),
            "combinations": sum(len(c.combos) for c in self.classes),
            "combinations_rejected": sum(len(c.rejected) for c in self.classes),
            "parameter_checks": len(params),
            "parameter_checks_failed": sum(1 for p in params if p.status == "disagrees"),
            "samples": sum(p.samples for p in params),
            "redraws": sum(1 for p in params if p.redrawn),
            "findings": len(self.findings),
            "seconds": round(self.elapsed, 2),
            "static_seconds": round(self.static_seconds, 2),
        }


# =========================================================================== framework
def require_frameworks(knowledge) -> dict:
    """Import the framework(s) the rules describe; VerifyError with a clear message when missing."""
    # the sampling backend is the default framework's (torch): the other frameworks' classes are listed as not
    # tested, and their runtimes need not be installed
    names = [knowledge.framework().name or "torch"]
    found = {}
    for name in names:
        try:
            found[name] = importlib.import_module(name)
        except ImportError as exc:
            raise VerifyError(
                f"`doccheck verify` samples parameters with the framework itself, but `{name}` cannot be "
                f"imported ({exc}).  Install it (e.g. `pip install {name}`) or use `doccheck check`, which "
                f"never imports it.") from exc
    return found


# =========================================================================== static side
def static_classes(targets: list[str], knowledge, exclude: tuple[str, ...] = (), pattern: str | None = None,
                   skipped: list | None = None):
    """(ClassInit, path, root) for every top-level framework-module class the code model resolves — at least one
    distribution, or a static "no learnable parameter" (a ClassInit without parameters) — and a description
    of the classes with parameters it could not resolve at all.

    Every other class is appended to `skipped` (when given) with the reason: a file that cannot be read, the
    static model failing, a class that is not a framework module (its MRO reaches no module root)."""
    from doccheck.discover import discover, module_name
    from doccheck.engine import make_project
    from doccheck.parse import SourceError, load_module
    from doccheck.pipeline import StageFailure, analyse_class
    from doccheck.project import Definition

    skipped = [] if skipped is None else skipped
    paths = discover(targets, exclude)
    project = make_project(paths)
    found, unresolved = [], []
    for path in paths:
        try:
            qualname, root = module_name(path)
            info = load_module(path, qualname)
        except (SourceError, OSError, RecursionError) as exc:
            skipped.append({"qualname": str(path), "path": str(path), "line": getattr(exc, "line", 1),
                            "reason": f"the file cannot be read: {getattr(exc, 'message', None) or exc}"})
            continue
        project.add(info, root)
        for chunk, name in info.classes():
            full = f"{info.qualname}.{name}"
            if pattern and not (fnmatch.fnmatch(full, pattern) or fnmatch.fnmatch(name, pattern)):
                continue
            where = {"qualname": full, "path": str(path), "line": chunk.keyword_line}
            try:
                stmt = info.statement(chunk)
                definition = Definition(info, stmt, full)
                code = analyse_class(project, knowledge, definition, claims=[]).code  # the code model only
            except StageFailure as failure:  # the static side is `doccheck check`'s business: listed, not tested
                exc = failure.error
                skipped.append({**where, "reason": f"the static model failed: {type(exc).__name__}: {exc}"
                                .splitlines()[0][:200]})
                continue
            if code is None:
                base = _module_root(project, knowledge, definition)
                if base is not None:
                    skipped.append({**where, "reason": base})
                    continue
                line, column = info.position(stmt)
                code = ClassInit(name, full, Position(str(path), line, column), [])  # static: no parameter
                found.append((code, Path(path), root))
                continue
            if code.lazy:
                # sampling needs the parameters materialised, i.e. a forward call with an input of the right
                # sizes, which verify does not make
                skipped.append({**where, "reason": "lazy module: its parameters are materialised by the first "
                                                   "forward call, which verify does not run"})
                continue
            open_products = sorted({sym.name for p in code.params if p.distribution is not None
                                    for _, v in p.distribution.params for sym in getattr(v, "free_symbols", ())
                                    if sym.name.startswith("prod(")})
            if open_products:
                # `*kernel_size` of unknown length: verify picks numbers for the arguments, never a tuple's length
                skipped.append({**where, "reason": f"the static result is in terms of {', '.join(open_products)}, "
                                                   f"the product of a tuple-valued argument of unknown length"})
                continue
            if not any(p.distribution is not None for p in code.params):
                reasons = sorted({p.unresolved or "unresolved" for p in code.params}) or [code.problem or "?"]
                unresolved.append({"qualname": full, "path": str(path), "line": code.position.line,
                                   "reason": "; ".join(reasons)})
                continue
            found.append((code, Path(path), root))
    return found, unresolved


def _module_root(project, knowledge, definition) -> str | None:
    """None when the class is a framework module (its MRO reaches a module root); else why it is not tested."""
    from doccheck.project import External, ResolutionError

    if knowledge.canonical(definition.qualname) in knowledge.module_roots:
        return None  # nn.Module itself
    try:
        mro = project.mro(definition, knowledge.module_roots)
    except ResolutionError as exc:
        return f"its bases cannot be linearised: {exc}"
    externals = [b.qualname for b in mro if isinstance(b, External)]
    if any(knowledge.canonical(q) in knowledge.module_roots or q in knowledge.module_roots for q in externals):
        return None
    unknown = [q for q in externals if q not in ("object", "builtins.object")]
    if unknown:
        return f"not known to be a framework module (base without source: {', '.join(unknown[:3])})"
    return "not a framework module"


# =========================================================================== runtime side
def runtime_class(code: ClassInit, path: Path, root: Path):
    """The class object for a statically evaluated class, or (None, reason)."""
    module_name, _, name = code.qualname.rpartition(".")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))  # the target's own package, named on the command line
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = importlib.import_module(module_name)
    except Exception as exc:  # importing user code can raise anything
        return None, f"cannot import {module_name}: {type(exc).__name__}: {exc}".splitlines()[0][:200]
    file = getattr(module, "__file__", None)
    if file is None or Path(file).resolve() != path.resolve():
        return None, f"importing {module_name} gives {file}, not the analysed {path}"
    cls = getattr(module, name, None)
    if not inspect.isclass(cls):
        return None, f"{module_name} has no class {name} at run time"
    return cls, None


def constructor_parameters(cls) -> list[inspect.Parameter]:
    """The named constructor arguments: the first __init__ in the MRO (or one of its typing overloads)
    that names its parameters — ``RNN.__init__(self, *args, **kwargs)`` is described by its overloads."""
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        candidates = [init]
        try:
            candidates += sorted(typing.get_overloads(init), key=lambda f: -len(inspect.signature(f).parameters))
        except Exception:
            pass
        for fn in candidates:
            try:
                parameters = list(inspect.signature(fn).parameters.values())[1:]
            except (TypeError, ValueError):
                continue
            named = [p for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
            if named:
                return named
        if not any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                   for p in inspect.signature(init).parameters.values()):
            return []  # a real __init__ without arguments
    return []


def _annotation(param: inspect.Parameter) -> str:
    if param.annotation is inspect.Parameter.empty:
        return ""
    return str(param.annotation) if not isinstance(param.annotation, type) else param.annotation.__name__


def _kind(param: inspect.Parameter, symbols: set[str], choices: dict | None = None) -> str:
    """bool | tuple | int | float | choice (a string the code compares it with) | keep (take the default) |
    unknown (required and not a number)."""
    default = param.default
    annotation = _annotation(param).lower()
    if default is inspect.Parameter.empty and choices and param.name in choices:
        return "choice"
    if isinstance(default, bool) or annotation == "bool":
        return "bool"
    if default is inspect.Parameter.empty:
        if "tuple" in annotation or "_size_" in annotation or any(s.startswith(param.name + "[") for s in symbols):
            return "tuple"  # an int-or-tuple argument such as kernel_size (the static model indexed it)
        if annotation in ("", "int") or param.name in symbols:
            return "int"
        if "int" in annotation:
            return "int"
        return "unknown"
    if isinstance(default, int):
        return "tuple" if ("tuple" in annotation or "_size_" in annotation) else "int"
    if isinstance(default, float):
        return "float"
    return "keep"


def _tuple_length(name: str, symbols: set[str]) -> int:
    indexes = [s for s in symbols if s.startswith(name + "[")]
    return max(1, len(indexes))


def _alternative(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return {0: 1, 1: 2}.get(value, value + 1)
    if isinstance(value, float):
        return value * 2 if value else 0.5
    return value


@dataclass
class Combo:
    label: str
    kwargs: dict


@dataclass
class ArgumentPlan:
    """Which constructor arguments get which kind of value."""

    sized: list[str]  # required numbers: sizes
    kernels: dict[str, int]  # required int-or-tuple arguments -> tuple length
    bools: list[inspect.Parameter]
    optional: list[inspect.Parameter]  # numeric arguments with defaults that the static model read
    choices: dict = field(default_factory=dict)  # required string arguments -> the strings the code compares with

    def base(self, sizes, as_tuple: bool, all_on: bool) -> dict:
        kwargs = dict(zip(self.sized, sizes))
        for name, n in self.kernels.items():
            kwargs[name] = tuple(KERNEL_TUPLE[i % len(KERNEL_TUPLE)] for i in range(n)) if as_tuple \
                else KERNEL_TUPLE[0]
        for p in self.bools:
            if p.default is inspect.Parameter.empty or all_on:
                kwargs[p.name] = True
        for name, strings in self.choices.items():
            kwargs[name] = strings[0]
        return kwargs


def argument_plan(params: list[inspect.Parameter], code: ClassInit) -> tuple[ArgumentPlan | None, str | None]:
    symbols = set(code.symbols)
    kinds = {p.name: _kind(p, symbols, code.string_choices) for p in params if p.name not in SKIPPED_ARGUMENTS}
    required = [p for p in params if p.default is inspect.Parameter.empty and p.name in kinds]
    unknown = [p.name for p in required if kinds[p.name] == "unknown"]
    if unknown:
        return None, f"no value known for the required argument(s) {', '.join(unknown)}"
    return ArgumentPlan(
        sized=[p.name for p in required if kinds[p.name] == "int"],
        kernels={p.name: _tuple_length(p.name, symbols) for p in required if kinds[p.name] == "tuple"},
        bools=[p for p in params if kinds.get(p.name) == "bool"],
        optional=[p for p in params if p.default is not inspect.Parameter.empty
                  and kinds.get(p.name) in ("int", "tuple", "float")
                  and (p.name in symbols or any(s.startswith(p.name + "[") for s in symbols))],
        choices={p.name: code.string_choices[p.name] for p in required if kinds[p.name] == "choice"},
    ), None


def construct(cls, kwargs: dict, seed: int):
    import torch

    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(**kwargs)


def _try(cls, kwargs: dict) -> str | None:
    try:
        construct(cls, kwargs, 0)
    except Exception as exc:  # the constructor's own validation
        return f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
    return None


def select_combos(cls, params, code: ClassInit, limit: int) -> tuple[list[Combo], list[str], str | None]:
    """The combinations the constructor accepts, and those it refused.

    Sizes: the first candidate size set the constructor accepts (non-square: every size differs) is used for
    all combinations; a second accepted set gives the "other sizes" combination.  Then: the framework
    defaults; every option on (the static convention) with kernels as tuples; each public bool switched off;
    every optional numeric argument the static model read moved off its default at once (groups=2, …) —
    or, if the constructor refuses that, one at a time.
    """
    plan, reason = argument_plan(params, code)
    if plan is None:
        return [], [], reason
    valid, last_error = [], None
    for sizes in SIZES:
        elements = static_elements(code, argument_values(params, plan.base(sizes, True, True), cls))
        if elements is not None and elements > MAX_ELEMENTS:
            last_error = f"{elements:,} parameter values per instance with sizes {sizes[:len(plan.sized)]}"
            continue
        error = _try(cls, plan.base(sizes, False, False))
        if error is None:
            if not valid or tuple(sizes[:len(plan.sized)]) != tuple(valid[0][:len(plan.sized)]):
                valid.append(sizes)
            if len(valid) == 2:
                break
        else:
            last_error = error
    if not valid:
        return [], [], f"the constructor refused every size tried (last: {last_error})"
    sizes = valid[0]
    tuples = bool(plan.kernels)
    candidates = [Combo("defaults", plan.base(sizes, False, False)),
                  Combo("every option on" + (", kernel as tuple" if tuples else ""), plan.base(sizes, tuples, True))]
    for p in plan.bools:
        if not p.name.startswith("_"):
            kwargs = plan.base(sizes, tuples, True)
            kwargs[p.name] = False
            candidates.append(Combo(f"{p.name}=False", kwargs))
    singles = []
    if plan.optional:
        kwargs = plan.base(sizes, tuples, True)
        kwargs.update({p.name: _alternative(p.default) for p in plan.optional})
        changed = ", ".join(f"{p.name}={kwargs[p.name]!r}" for p in plan.optional)
        candidates.append(Combo(f"off the defaults: {changed}", kwargs))
        for p in plan.optional:
            one = plan.base(sizes, tuples, True)
            one[p.name] = _alternative(p.default)
            singles.append(Combo(f"{p.name}={one[p.name]!r}", one))
    if len(valid) > 1:
        candidates.append(Combo("other sizes", plan.base(valid[1], False, True)))
    accepted, rejected, seen = [], [], set()

    def take(combo) -> bool:
        key = repr(sorted(argument_values(params, combo.kwargs, cls).items()))
        if key in seen:
            return True
        error = _try(cls, combo.kwargs)
        if error is not None:
            rejected.append(f"{combo.label}: {error}")
            return False
        seen.add(key)
        accepted.append(combo)
        return True

    for combo in candidates:
        if not take(combo) and combo.label.startswith("off the defaults"):
            for single in singles:
                take(single)
    return accepted[:limit], rejected, None


# =========================================================================== expected values
def static_elements(code: ClassInit, values: dict) -> int | None:
    """How many values the static shapes give one instance at these argument values (None: unknown)."""
    mapping, _ = symbol_values(code, values)
    total = 0
    for p in code.params:
        if p.shape is None:
            continue
        dims = [_number(d, mapping) for d in p.shape]
        if any(d is None for d in dims):
            return None
        total += math.prod(max(0, int(d)) for d in dims)
    return total


def argument_values(params: list[inspect.Parameter], kwargs: dict, cls) -> dict:
    values = {}
    for klass in cls.__mro__:  # defaults of arguments a subclass passes through (RNNBase's proj_size)
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        try:
            signature = inspect.signature(init)
        except (TypeError, ValueError):
            continue
        for p in signature.parameters.values():
            if p.default is not inspect.Parameter.empty:
                values.setdefault(p.name, p.default)
    values.update({p.name: p.default for p in params if p.default is not inspect.Parameter.empty})
    values.update(kwargs)
    return values


def symbol_values(code: ClassInit, values: dict) -> tuple[dict, list[str]]:
    """sympy symbol -> number for the static model's symbols; names that have no value."""
    import sympy

    mapping, missing = {}, []
    for name, sym in code.symbols.items():
        base, _, rest = name.partition("[")
        value = values.get(base)
        if rest:
            index = int(rest.rstrip("]"))
            if isinstance(value, (tuple, list)):
                value = value[index] if index < len(value) else None
        elif isinstance(value, (tuple, list)):
            value = value[0] if len(value) == 1 else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            missing.append(name)
            continue
        mapping[sym] = sympy.nsimplify(value) if isinstance(value, float) else sympy.Integer(value)
    return mapping, missing


def _number(expr, mapping) -> float | None:
    import sympy

    try:
        value = as_sympy(expr).xreplace(mapping)
        if getattr(value, "free_symbols", None):
            return None
        return float(sympy.N(value, 30))
    except (TypeError, ValueError):
        return None


def concrete(dist, mapping) -> tuple[dict | None, list[str]]:
    """Family parameters as floats; the names of symbols left without a value."""
    out, left = {}, set()
    for key, value in dist.params:
        number = _number(value, mapping)
        if number is None:
            left |= {s.name for s in getattr(value, "free_symbols", set())} - {s.name for s in mapping}
            if not left:
                left.add(f"{key} not a number")
            continue
        out[key] = number
    return (out if not left else None), sorted(left)


def expected_formula(dist, numbers: dict) -> str:
    f = lambda x: f"{x:.6g}"  # noqa: E731
    p = numbers
    if dist.family == "uniform":
        return f"U({f(p['low'])}, {f(p['high'])})"
    if dist.family == "normal":
        return f"N({f(p['mean'])}, {f(p['std'])}²)"
    if dist.family == "trunc_normal":
        return f"TruncN({f(p['mean'])}, {f(p['std'])}²; [{f(p['a'])}, {f(p['b'])}])"
    if dist.family == "constant":
        return f"constant {f(p['value'])}"
    return dist.family + "(" + ", ".join(f"{k}={f(v)}" for k, v in p.items()) + ")"


# =========================================================================== one class
@dataclass
class Options:
    samples: int = DEFAULT_SAMPLES
    max_draws: int = DEFAULT_MAX_DRAWS
    max_combos: int = 12
    seed: int = 0
    rules_files: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    pattern: str | None = None
    symbol_aliases: tuple[tuple[str, str], ...] = ()  # from [tool.doccheck], as `doccheck check` reads it


RANDOM_FAMILIES = ("uniform", "normal", "trunc_normal", "orthogonal", "sparse")


def seed_of(*parts) -> int:
    return zlib.crc32(repr(parts).encode()) & 0x7FFFFFFF


def _call_text(cls, kwargs: dict) -> str:
    return f"{cls.__name__}(" + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")"


@dataclass
class Draws:
    """The values of one parameter over several instantiations."""

    dtype: object
    tensors: list

    @property
    def count(self) -> int:
        return sum(t.numel() for t in self.tensors)


def _sample(cls, kwargs: dict, draws: int, seed_parts: tuple) -> dict[str, Draws]:
    """Runtime name -> float64 copies of the parameter, one per draw (at most MAX_VALUES values kept)."""
    import torch

    out: dict[str, Draws] = {}
    for draw in range(draws):
        module = construct(cls, kwargs, seed_of(*seed_parts, draw))
        for name, param in module.named_parameters(recurse=False):
            found = out.setdefault(name, Draws(param.dtype, []))
            if not found.tensors or found.count < MAX_VALUES:
                found.tensors.append(param.detach().to(torch.float64).clone())
    return out


def check_class(code: ClassInit, path: Path, root: Path, knowledge, options: Options) -> ClassCheck:
    from doccheck.distributions import formula

    started = time.perf_counter()
    result = ClassCheck(code.qualname, str(path), code.position.line, "untested",
                        static={p.name: formula(p.distribution) if p.distribution is not None
                                else f"unresolved: {p.unresolved}" for p in code.params})
    cls, reason = runtime_class(code, path, root)
    if cls is None:
        result.status, result.reason = "skipped", reason
        return result
    params = constructor_parameters(cls)
    combos, result.rejected, reason = select_combos(cls, params, code, options.max_combos)
    if not combos:
        result.status, result.reason = "skipped", reason or "no combination of arguments"
        return result
    by_name = {p.name: p for p in code.params}
    for index, combo in enumerate(combos):
        result.combos.append(check_combo(cls, code, params, by_name, combo, index, options))
    statuses = {p.status for c in result.combos for p in c.params}
    errors = [c.error for c in result.combos if c.error]
    if not code.params and not statuses and not errors:
        result.status = "agrees"  # the static "no learnable parameter", and none at run time either
        result.reason = "no learnable parameter, as the static model says"
    elif "disagrees" in statuses:
        result.status = "disagrees"
    elif "agrees" in statuses:
        result.status = "agrees"
    else:
        result.status = "untested"
        reasons = sorted({p.reason for c in result.combos for p in c.params if p.reason} | set(errors))
        result.reason = "; ".join(reasons) or "no parameter could be tested"
    result.seconds = time.perf_counter() - started
    return result


def check_combo(cls, code: ClassInit, params, by_name: dict, combo: Combo, index: int,
                options: Options) -> ComboCheck:
    import sympy

    from doccheck.distributions import moments

    report = ComboCheck(combo.label, _call_text(cls, combo.kwargs), {k: _jsonable(v) for k, v in combo.kwargs.items()})
    values = argument_values(params, combo.kwargs, cls)
    mapping, _ = symbol_values(code, values)
    try:
        first = _sample(cls, combo.kwargs, 1, (code.qualname, options.seed, index, 0))
    except Exception as exc:
        report.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        return report
    plan = {}  # runtime name -> (static ParamInit, numbers, moments)
    smallest = None
    for name, found in first.items():
        tensors = found.tensors
        static = by_name.get(name) or by_name.get("*")
        check = ParamCheck(name, static.name if static is not None else None, "untested",
                           shape=str(tuple(tensors[0].shape)))
        report.params.append(check)
        if static is None:
            check.status = "disagrees"
            check.tests.append(TestResult("modelled", False, f"the class creates parameter `{name}`, which the "
                                                             f"static model does not know"))
            continue
        if static.distribution is None:
            check.reason = f"static result unresolved: {static.unresolved}"
            continue
        if static.distribution.family == "argument":
            check.reason = (f"the static result is the caller's argument `{static.distribution.param('name')}`, "
                            f"not a distribution to sample")
            continue
        if any(note.startswith("entries ") for note in static.notes):
            check.reason = "the static result overwrites some entries (" + "; ".join(static.notes) + ")"
            continue
        if static.shape is not None:
            shape = tuple(_number(d, mapping) for d in static.shape)
            if any(d is None for d in shape):
                check.reason = "the static shape depends on values that are not constructor arguments"
                continue
            expected_shape = tuple(int(round(d)) for d in shape)
            ok = expected_shape == tuple(tensors[0].shape) and all(abs(d - round(d)) < 1e-9 for d in shape)
            check.tests.append(TestResult("shape", ok, f"static shape {_shape_text(static.shape)} = "
                                                      f"{expected_shape}, run time {tuple(tensors[0].shape)}"))
        numbers, left = concrete(static.distribution, mapping)
        if numbers is None:
            check.reason = f"the static distribution depends on {', '.join(left)}, not a constructor argument"
            continue
        check.expected = expected_formula(static.distribution, numbers)
        found = None
        try:
            found = moments(static.distribution, static.shape)
        except Exception:
            pass
        pair = None
        if found is not None:
            mean, variance = _number(found["mean"], mapping), _number(sympy.simplify(found["variance"]), mapping)
            if mean is not None and variance is not None:
                pair = (mean, variance)
        plan[name] = (static, numbers, pair)
        if static.distribution.family in RANDOM_FAMILIES:
            size = tensors[0].numel()
            smallest = size if smallest is None else min(smallest, size)
    if smallest:
        draws = max(1, min(options.max_draws, math.ceil(options.samples / max(1, smallest))))
    else:
        draws = 1
    report.draws = draws
    try:
        sampled = first if draws == 1 else _merge(first, _sample(cls, combo.kwargs, draws - 1,
                                                                 (code.qualname, options.seed, index, 1)))
    except Exception as exc:
        report.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        return report
    for check in report.params:
        if check.name not in plan:
            continue
        static, numbers, pair = plan[check.name]
        check.tests.extend(run_tests(static, numbers, pair, sampled[check.name]))
        check.samples = min(sampled[check.name].count, MAX_VALUES)
        failed = [t for t in check.tests if not t.ok]
        if failed and all(t.statistical for t in failed):
            # a statistical rejection must repeat on independent draws to count
            check.redrawn = True
            again = _sample(cls, combo.kwargs, draws, (code.qualname, options.seed, index, "redraw"))[check.name]
            second = run_tests(static, numbers, pair, again)
            names = {t.test for t in second if not t.ok}
            for t in check.tests:
                if not t.ok and t.test not in names:
                    t.ok = True
                    t.detail += " (rejected once; an independent redraw passed)"
                elif not t.ok:
                    t.detail += "; the redraw rejects too: " + next(s.detail for s in second if s.test == t.test)
        check.status = "disagrees" if any(not t.ok for t in check.tests) else "agrees"
    return report


def _merge(a: dict, b: dict) -> dict:
    merged = {}
    for k in a.keys() | b.keys():
        first, second = a.get(k), b.get(k)
        base = first or second
        tensors = (first.tensors if first else []) + (second.tensors if second else [])
        kept, count = [], 0
        for t in tensors:
            if kept and count >= MAX_VALUES:
                break
            kept.append(t)
            count += t.numel()
        merged[k] = Draws(base.dtype, kept)
    return merged


def _shape_text(shape) -> str:
    from doccheck.symbolic import to_text

    return to_text(tuple(shape))


def run_tests(static: ParamInit, numbers: dict, pair, found: Draws) -> list[TestResult]:
    import torch

    dist = static.distribution
    tensors = found.tensors
    if dist.family in ("constant", "eye", "dirac"):
        return exact_tests(dist, numbers, found.dtype, tensors)
    if dist.family in ("orthogonal", "sparse"):
        return structured_tests(dist, numbers, tensors, pair)
    if dist.family in ("uniform", "normal", "trunc_normal"):
        values = torch.cat([t.reshape(-1) for t in tensors])[:MAX_VALUES]
        if dist.family == "uniform" and numbers["high"] - numbers["low"] <= 0:
            return exact_tests(type(dist)("constant", (("value", numbers["low"]),)), {"value": numbers["low"]},
                               found.dtype, tensors)
        if dist.family != "uniform" and numbers["std"] <= 0:
            return exact_tests(type(dist)("constant", (("value", numbers["mean"]),)), {"value": numbers["mean"]},
                               found.dtype, tensors)
        return random_tests(dist, numbers, pair, values)
    return [TestResult(dist.family, True, f"{dist.family}: nothing about the values can be tested")]


def _jsonable(value):
    if isinstance(value, tuple):
        return list(value)
    return value


# =========================================================================== run
def verify(targets: list[str], options: Options = Options(), progress=None) -> VerifyResult:
    from doccheck import knowledge as knowledge_module

    started = time.perf_counter()
    knowledge = knowledge_module.load(options.rules_files, options.symbol_aliases)
    require_frameworks(knowledge)
    import torch

    not_tested: list = []
    found, unresolved = static_classes(targets, knowledge, options.exclude, options.pattern, not_tested)
    static_seconds = time.perf_counter() - started
    classes, findings = [], []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tensors this small only lose from intra-op threads
    try:
        with torch.random.fork_rng(devices=[]):
            backend = knowledge.framework().name or "torch"
            for code, path, root in found:
                if code.framework not in (None, backend):
                    not_tested.append({"qualname": code.qualname, "path": str(path), "line": code.position.line,
                                       "reason": f"a {code.framework} class: verify samples with {backend} only"})
                    continue
                try:
                    result = check_class(code, path, root, knowledge, options)
                except Exception as exc:  # running foreign code: one class never stops the run
                    result = ClassCheck(code.qualname, str(path), code.position.line, "skipped",
                                        f"{type(exc).__name__}: {exc}".splitlines()[0][:200])
                classes.append(result)
                findings.extend(findings_for(result, code))
                if progress is not None:
                    progress(result)
    finally:
        torch.set_num_threads(threads)
    findings.sort(key=Finding.sort_key)
    return VerifyResult(classes, findings, time.perf_counter() - started, static_seconds, unresolved, not_tested)


# =========================================================================== output
STATUS_MARK = {"agrees": "✓ agrees", "disagrees": "✗ DISAGREES", "skipped": "- skipped", "untested": "? untested"}


def render_text(result: VerifyResult, verbose: bool = False) -> str:
    out = []
    for c in result.classes:
        n_params = len({p.name for combo in c.combos for p in combo.params})
        line = (f"{c.qualname}: {STATUS_MARK.get(c.status, c.status)}"
                + (f" — {len(c.combos)} combinations, {n_params} parameters, {c.samples:,} values"
                   if c.combos else "")
                + (f" ({c.reason})" if c.reason else ""))
        out.append(line)
        if verbose:
            for combo in c.combos:
                out.append(f"    {combo.call}  [{combo.label}; {combo.draws} draw(s)]"
                           + (f"  error: {combo.error}" if combo.error else ""))
                for p in combo.params:
                    tests = ", ".join(f"{t.test} {'✓' if t.ok else '✗'}" for t in p.tests)
                    out.append(f"        {p.name} {p.shape}: {p.expected or '-'}  {p.status}"
                               + (f" [{tests}]" if tests else "") + (f" ({p.reason})" if p.reason else ""))
            for rejected in c.rejected:
                out.append(f"    refused: {rejected}")
    for u in result.unresolved:
        out.append(f"{u['qualname']}: not resolved statically, not tested ({u['reason']})")
    for u in result.not_tested:
        out.append(f"{u['qualname']}: not tested ({u['reason']})")
    if result.findings:
        from doccheck import report

        out.append("")
        out.append(report.render_text(result.findings).rstrip("\n"))
    out.append("")
    out.append(summary(result))
    return "\n".join(out) + "\n"


def summary(result: VerifyResult) -> str:
    k = result.counts()
    return (f"doccheck verify: {k['classes_resolved']} classes resolved statically; {k['classes_agree']} agree, "
            f"{k['classes_disagree']} disagree, {k['classes_untested']} untested, {k['classes_skipped']} skipped "
            f"(+{k['classes_unresolved_statically']} with no resolved parameter, {k['classes_not_tested']} not "
            f"taken up: listed above); {k['classes_without_parameters']} of the resolved create no parameter; "
            f"{k['combinations']} combinations ({k['combinations_rejected']} refused by the constructor), "
            f"{k['parameter_checks']} parameter checks, {k['samples']:,} values, {k['redraws']} redraws; "
            f"{k['findings']} findings; {k['seconds']:.1f} s ({k['static_seconds']:.1f} s static)")


def render_json(result: VerifyResult) -> str:
    from doccheck.report import finding_dict

    data = {
        "summary": result.counts(),
        "findings": [finding_dict(f) for f in result.findings],
        "classes": [{**asdict(c), "samples": c.samples} for c in result.classes],
        "unresolved": result.unresolved,
        "not_tested": result.not_tested,
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="doccheck verify",
        description=(
            "Empirical mode: check doccheck's static result against the framework itself.  For every class whose "
            "initialization doccheck resolves, instantiate it with several argument combinations, sample its "
            "parameters under fixed seeds and test the values against the derived distribution (shape, constants, "
            "support, moments, Kolmogorov-Smirnov).  This is the ONLY doccheck mode that imports the framework "
            "(torch) and runs the analysed code: it imports the modules of the files you name.  Exit 0 when every "
            "tested class agrees, 1 on a disagreement (DC501), 2 on a usage error or when the framework is not "
            "installed."),
    )
    parser.add_argument("targets", nargs="+", metavar="PATH_OR_TARGET",
                        help="files, folders or dotted module names (e.g. torch.nn.modules)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES, metavar="N",
                        help=f"values per parameter and combination (default {DEFAULT_SAMPLES})")
    parser.add_argument("--max-draws", type=int, default=DEFAULT_MAX_DRAWS, metavar="N",
                        help=f"instantiations per combination (default {DEFAULT_MAX_DRAWS})")
    parser.add_argument("--max-combos", type=int, default=12, metavar="N", help="combinations per class")
    parser.add_argument("--seed", type=int, default=0, help="base seed (default 0); runs are reproducible")
    parser.add_argument("--class", dest="pattern", metavar="GLOB", help="only classes whose name matches")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="paths to leave out")
    parser.add_argument("--rules", action="append", default=[], metavar="TOML", help="an extra rules file")
    parser.add_argument("--config", metavar="FILE", help="this configuration file instead of the one found")
    parser.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    parser.add_argument("-v", "--verbose", action="store_true", help="text: every combination and test")
    args = parser.parse_args(argv)
    from doccheck import analysis
    from doccheck.discover import TargetError
    from doccheck.knowledge import RulesError

    try:
        setup = analysis.configure(args.targets, analysis.Options(config_file=args.config, isolated=args.isolated,
                                                                  rules=tuple(args.rules)), find_files=False)
        config = setup.config
        options = Options(samples=max(1, args.samples), max_draws=max(1, args.max_draws),
                          max_combos=max(1, args.max_combos), seed=args.seed, rules_files=config.rules_files,
                          exclude=tuple(args.exclude), pattern=args.pattern, symbol_aliases=config.symbol_aliases)
        result = verify(args.targets, options)
    except (VerifyError, TargetError, RulesError, analysis.UsageProblem) as exc:
        print(f"doccheck verify: error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(render_json(result) if args.format == "json" else render_text(result, args.verbose))
    return 1 if result.findings else 0
