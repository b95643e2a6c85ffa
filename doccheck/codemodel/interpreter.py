"""An abstract interpreter over libcst for a layer's constructor and init methods.

It runs ``__init__`` (and whatever it calls: ``reset_parameters``, ``super()``,
helpers in other files) with the constructor's arguments as sympy symbols, and
records what each learnable parameter ends up holding.  What the framework's
functions do comes from `doccheck.knowledge` (the rules files), never from code
here.  Whatever cannot be decided becomes `Unknown` with a reason — the
interpreter never guesses.

Conventions (documented in the README):
  * required arguments and numeric defaults are symbols; bool arguments are
    True ("every optional parameter present"); None/str defaults are taken;
  * a condition sympy cannot decide is retried at the numeric defaults, then
    both branches are evaluated and joined;
  * a branch that raises is dropped, and its negated test is kept as a fact
    (``in_channels % groups != 0 -> raise`` makes ``in_channels // groups`` exact).
"""

from __future__ import annotations

import builtins
import functools
from dataclasses import dataclass, field, replace

import libcst as cst

from doccheck.codemodel.values import (
    AnyAttribute, Builtin, ConventionNone, InitializerValue, InputTensor, Instance, Lit, Mapping, MayAlias, Num, OpenSeq,
    ProjectClass, ProjectFunction, Qual, Seq, State, SuperRef, SymbolicShape, TensorMethod, TensorRef, TensorState,
    Unknown, Value, merge_steps,
)
from doccheck import limits
from doccheck.model import Distribution, Position, Step
from doccheck.project import Definition, External, Project
from doccheck.symbolic import as_sympy, symbol, to_text

CONSTRUCTOR_ARGS = "*args of the constructor"
MAX_CALL_DEPTH = 40
MAX_UNROLL = 256
DEFAULT_NODE_BUDGET = 200_000
MAX_BITS = 100_000  # exact numbers beyond 2**MAX_BITS become Unknown: Python's big-integer maths cannot be interrupted
MAX_EXPONENT = 1000  # numeric exponents of non-rational bases (as in the LaTeX reader)
# a lazy module's first input is tried with every rank up to LARGE_RANK - 1 and once with a symbolic rank of at
# least LARGE_RANK (its first and last INPUT_ENDS sizes distinct symbols): together, every rank an input can have
LARGE_RANK = 8
INPUT_ENDS = 4
INPUT_PREFIX = "input.shape"


class LazyPosition:
    """Where a step or call is, computed only when someone reads it.

    Most derivation steps are never shown (a consistent layer prints nothing),
    and computing a position costs a libcst metadata pass over the method.
    Equal and hashable by identity of the node, without computing anything.
    """

    __slots__ = ("_module", "_node", "_toplevel", "_function", "_resolved")

    def __init__(self, module, node, toplevel, function):
        self._module, self._node, self._toplevel, self._function = module, node, toplevel, function
        self._resolved = None

    def _resolve(self) -> Position:
        if self._resolved is None:
            try:
                line, column = self._module.position(self._node, self._toplevel, self._function)
            except Exception:  # a position is a nicety; never let it break the evaluation
                line, column = 1, 1
            self._resolved = Position(self._module.path, line, column)
        return self._resolved

    @property
    def path(self) -> str:
        return self._module.path

    @property
    def line(self) -> int:
        return self._resolve().line

    @property
    def column(self) -> int:
        return self._resolve().column

    def __eq__(self, other) -> bool:
        if isinstance(other, LazyPosition):
            return self._node is other._node and self._module is other._module
        return isinstance(other, Position) and self._resolve() == other

    def __hash__(self) -> int:
        return hash((id(self._module), id(self._node)))

    def __repr__(self) -> str:
        return repr(self._resolve())


class BudgetExceeded(Exception):
    pass


class Raised(Exception):
    """The evaluated path ends in a `raise`; `sites` are the raise statements the paths ended at (for the reason)."""

    def __init__(self, sites: tuple = ()):
        super().__init__()
        self.sites = tuple(sites)


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


@dataclass
class Frame:
    module: object | None  # ModuleInfo; None for rule code
    toplevel: cst.CSTNode | None
    env: dict[str, Value]
    cls: Definition | None = None
    name: str = ""
    site: Position | None = None  # rule code: the call site every step points at
    label: str = ""  # rule code: "kaiming_uniform_" prefixes its steps
    returned: Value | None = None
    has_returned: bool = False
    function: cst.CSTNode | None = None  # the method being run: positions are computed per method
    # a generator being run: {"items": [values yielded], "exact": False once a yield may depend on a path}
    yields: dict | None = None


@functools.lru_cache(maxsize=512)
def _parse_signature(signature: str) -> cst.Parameters:
    fn = cst.parse_statement(f"def _({signature}): pass")
    assert isinstance(fn, cst.FunctionDef)
    return fn.params


@functools.lru_cache(maxsize=2048)
def _parse_expression(text: str) -> cst.BaseExpression:
    return cst.parse_expression(text)


@functools.lru_cache(maxsize=2048)
def _parse_statement(text: str) -> cst.BaseStatement:
    return cst.parse_statement(text)


_EMPTY_MODULE = cst.Module(body=[])


def source_of(node: cst.CSTNode) -> str:
    return " ".join(_EMPTY_MODULE.code_for_node(node).split())


def _sympy():
    import sympy

    return sympy


def _number(value) -> Num:
    sympy = _sympy()
    if isinstance(value, bool):
        return Num(sympy.Integer(int(value)))
    if isinstance(value, int):
        return Num(sympy.Integer(value))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return Num(sympy.oo if value > 0 else -sympy.oo) if value == value else Num(sympy.nan)
        return Num(sympy.Rational(repr(value)))  # exact: 0.01 is 1/100, as the author meant
    return Num(as_sympy(value))


class Interpreter:
    def __init__(self, project: Project, knowledge, budget: int = DEFAULT_NODE_BUDGET):
        self.project = project
        self.knowledge = knowledge
        self.budget = budget
        self.state = State()
        self.mro: list = []
        # the framework of the class under evaluation (None: its MRO reaches no framework's Module), and of the
        # rules being applied: fans and gains are the class's framework's, else the applied rule's
        self.class_framework = None
        self._rule_frameworks: list[str] = []
        self.symbols: dict[str, object] = {}
        self.string_choices: dict[str, set[str]] = {}  # argument -> the string literals it is compared with
        self.defaults: dict[object, object] = {}  # symbol -> its numeric default
        self.stack: list[int] = []
        self._next_id = 0
        self._module_values: dict[tuple[str, str], Value] = {}
        # (argument name, value) for every argument the entry convention bound: the caller's own values, so
        # `self.weight = weight` is known exactly as "the caller's argument weight"
        self.caller_values: list[tuple[str, Value]] = []
        self.input_names: set[str] = set()  # attributes named after a size of a lazy module's first input
        self.input_origins: dict[str, set[str]] = {}  # such an attribute -> the sizes it was, per input rank
        self.weight_names: dict[int, str] = {}  # tensor id -> the name add_weight(name=...) gave it
        # constructor arguments given a value instead of the entry convention (a claim "If `x` is None, ...")
        self.overrides: dict[str, Value] = {}

    # ================================================================ helpers
    def tick(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise BudgetExceeded()
        if not self.budget & 1023:
            limits.check()  # the file's wall-clock budget (LimitExceeded passes every handler here)

    def position(self, frame: Frame, node: cst.CSTNode | None):
        if frame.site is not None:
            return frame.site
        if frame.module is None or node is None:
            return None
        return LazyPosition(frame.module, node, frame.toplevel, frame.function)

    def new_tensor(self, tensor_state: TensorState) -> TensorRef:
        self._next_id += 1
        self.state.heap[self._next_id] = tensor_state
        return TensorRef(self._next_id)

    def may_alias(self, value: Value, depth: int = 0) -> bool:
        """Could `value` be, or hold, one of self's parameters (or self)?"""
        if isinstance(value, (Instance, MayAlias, TensorRef, SuperRef, TensorMethod)):
            return True
        if depth < 4 and isinstance(value, Seq):
            return any(self.may_alias(item, depth + 1) for item in value.items)
        if depth < 4 and isinstance(value, Mapping):
            return any(self.may_alias(item, depth + 1) for _, item in value.items)
        return False

    def unknown_like(self, reason: str, *sources: Value) -> Unknown:
        """The Unknown a value not modelled exactly becomes: aliasing when any of its sources may alias."""
        return MayAlias(reason) if any(self.may_alias(v) for v in sources) else Unknown(reason)

    def make_symbol(self, name: str, default=None) -> Num:
        kind = "positive"
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            kind = "positive" if default > 0 else ("nonnegative" if default == 0 else "real")
        sym = symbol(name, kind)
        self.symbols.setdefault(name, sym)
        if default is not None:
            self.defaults[sym] = _number(default).expr
        return Num(sym)

    def indexed_symbol(self, name: str, index) -> Num:
        """kernel_size[1]: an element of a tuple-valued constructor argument."""
        sym = symbol(f"{name}[{index}]")
        self.symbols.setdefault(sym.name, sym)
        return Num(sym)

    # ================================================================ entry
    def run_constructor(self, definition: Definition) -> None:
        self.mro = self.project.mro(definition, self.knowledge.module_roots)
        # fans and gains are the framework's whose Module the class derives from (tensor layouts differ)
        name = self.knowledge.framework_of_roots(item.qualname for item in self.mro if isinstance(item, External))
        self.class_framework = self.knowledge.frameworks.get(name) if name is not None else None
        init = self.find_method(0, "__init__")
        if init is not None:
            self.call_function(init, [], {}, entry=True)
        framework = self.class_framework
        if framework is not None and framework.build_method:
            # Keras: the weights are created by build(input_shape), run after __init__ on the first input
            build = self.find_method(0, framework.build_method)
            if build is not None:
                self.call_function(build, [SymbolicShape(f"{framework.build_argument} of {framework.build_method}()"
                                                         f", a shape of unknown length",
                                                         framework.build_argument)], {})

    def run_lazy_initialization(self) -> str | None:
        """A lazy module: run what its first forward call runs (`initialize_parameters(input)`) for an input of
        every rank, and join the outcomes.  A size the module keeps (``self.in_features = input.shape[-1]``) is
        named after the attribute, as the docstrings name it.  None when done; else why it was not."""
        method = next((m for name in sorted(self.knowledge.lazy_initialize_methods)
                       if (m := self.find_method(0, name)) is not None), None)
        if method is None:
            return "lazy parameter: no initialize_parameters() method to follow"
        start = self.state
        outcomes = []
        for rank in [*range(LARGE_RANK), None]:
            self.state = start.copy()
            try:
                self.call_function(method, [InputTensor(rank)], {})
            except Raised:
                continue
            outcomes.append(self.name_input_sizes(self.state))
        if not outcomes:
            self.state = start
            return "lazy parameter: initialize_parameters() raises for an input of every rank"
        state = outcomes[0]
        for other in outcomes[1:]:
            state = self.join_states(state, other, "depends on the rank of the first input")
        for key, tensor in list(state.heap.items()):  # where each renamed size comes from, once per tensor
            used = {s.name for d in (tensor.shape or ()) if isinstance(d, Num) for s in d.expr.free_symbols} | {
                s.name for _, v in (tensor.distribution.params if tensor.distribution is not None else ())
                for s in getattr(v, "free_symbols", ())}
            notes = tuple(f"{name} = {' or '.join(sorted(origins))}, a size of the first forward call's input "
                          f"(initialize_parameters)" for name, origins in sorted(self.input_origins.items())
                          if name in used)
            if notes:
                state.heap[key] = replace(tensor, notes=(*tensor.notes, *notes))
        self.state = state
        return None

    def name_input_sizes(self, state):
        """Rename each input size a module attribute holds (``self.in_features = input.shape[-1]``) to the
        attribute's name: a renaming of one symbol everywhere, so exact."""
        sympy = _sympy()
        mapping = {}
        for name, value in state.attrs.items():
            if isinstance(value, Num) and isinstance(value.expr, sympy.Symbol) and value.expr.name.startswith(
                    INPUT_PREFIX) and value.expr not in mapping and (name not in self.symbols
                                                                      or name in self.input_names):
                mapping[value.expr] = symbol(name)
        if not mapping:
            return state
        for old, new in mapping.items():
            self.symbols[new.name] = new
            self.input_names.add(new.name)
            self.input_origins.setdefault(new.name, set()).add(old.name)

        def rename(num):
            return Num(num.expr.xreplace(mapping), num.steps) if isinstance(num, Num) else num

        for key, tensor in list(state.heap.items()):
            distribution = tensor.distribution
            if distribution is not None:
                distribution = Distribution(distribution.family, tuple(
                    (k, v.xreplace(mapping) if hasattr(v, "xreplace") else v) for k, v in distribution.params))
            open_shape = tensor.open_shape
            if open_shape is not None:
                open_shape = OpenSeq(tuple(map(rename, open_shape.head)), open_shape.rest,
                                     tuple(map(rename, open_shape.tail)))
            state.heap[key] = replace(tensor, distribution=distribution, open_shape=open_shape,
                                      shape=tuple(map(rename, tensor.shape)) if tensor.shape is not None else None)
        state.attrs = {k: rename(v) for k, v in state.attrs.items()}
        return state

    def is_lazy_check(self, attr: str, method: ProjectFunction | None) -> bool:
        """Is self.<attr> the framework's has_uninitialized_params (qualified in the rules), not a method of
        the same name that the analysed code defines?"""
        checks = self.knowledge.lazy_check_methods
        if method is None:
            return any(name.rsplit(".", 1)[-1] == attr for name in checks)
        return method.cls is not None and f"{method.cls.qualname}.{attr}" in checks

    def input_shape(self, tensor: InputTensor) -> Value:
        if tensor.rank is not None:
            return Seq(tuple(Num(symbol(f"{INPUT_PREFIX}[{i}]")) for i in range(tensor.rank)))
        return OpenSeq(tuple(Num(symbol(f"{INPUT_PREFIX}[{i}]")) for i in range(INPUT_ENDS)),
                       symbol(f"{INPUT_PREFIX}[{INPUT_ENDS}:-{INPUT_ENDS}]"),
                       tuple(Num(symbol(f"{INPUT_PREFIX}[-{i}]")) for i in range(INPUT_ENDS, 0, -1)))

    def input_rank(self, tensor: InputTensor) -> Num:
        if tensor.rank is not None:
            return _number(tensor.rank)
        extra = _sympy().Symbol("input.dim()-8", integer=True, nonnegative=True)
        return Num(LARGE_RANK + extra)

    def input_method(self, tensor: InputTensor, name: str, args) -> Value:
        if name in ("dim", "ndimension") and not args:
            return self.input_rank(tensor)
        if name == "size":
            shape = self.input_shape(tensor)
            if not args:
                return shape
            index = args[0]
            if not (isinstance(index, Num) and index.expr.is_Integer):
                return Unknown("size of a dimension of the input not known statically")
            return self.index_sequence(shape, int(index.expr))
        return Unknown(f"input.{name}() of a lazy module's first input")

    def index_sequence(self, shape: Value, i: int) -> Value:
        if isinstance(shape, Seq):
            if -len(shape.items) <= i < len(shape.items):
                return shape.items[i]
            raise Raised()  # IndexError: an input of this rank does not have the dimension
        if 0 <= i < len(shape.head):
            return shape.head[i]
        if -len(shape.tail) <= i < 0:
            return shape.tail[i]
        return Unknown("a size of the input not known statically")

    def find_method(self, start: int, name: str) -> ProjectFunction | None:
        for item in self.mro[start:]:
            if isinstance(item, External):
                if item.qualname in self.knowledge.module_roots:
                    # the framework's Module under one of its names: in Python it ends the MRO, but two spellings
                    # of it (torch.nn.Module, torch.nn.modules.module.Module) can put a mixin after it here
                    continue
                return None
            # the last definition wins, as in Python (earlier ones are often @overload stubs)
            found = [stmt for stmt in item.node.body.body
                     if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name]
            if found:
                return ProjectFunction(item.module, found[-1], item.module.toplevel_of.get(id(item.node), item.node),
                                       cls=item, bound_self=True)
        return None

    def _mro_index(self, qualname: str) -> int:
        for i, item in enumerate(self.mro):
            if item.qualname == qualname:
                return i
        return len(self.mro)

    # ================================================================ calls into code
    def call_function(self, fn: ProjectFunction, args: list, kwargs: dict, *, entry: bool = False,
                      passthrough: bool = False, call_site: Position | None = None) -> Value:
        if len(self.stack) >= MAX_CALL_DEPTH or self.stack.count(id(fn.node)) >= 2:
            why = (f"call depth over {MAX_CALL_DEPTH} at {fn.node.name.value}()" if len(self.stack) >= MAX_CALL_DEPTH
                   else f"recursive call of {fn.node.name.value}()")
            self.taint([*args, *kwargs.values()], everything=fn.bound_self,
                       reason=f"may be changed by {fn.node.name.value}(), not followed: {why}")
            return Unknown(why)
        env: dict[str, Value] = {}
        params = fn.node.params
        positional = [*params.posonly_params, *params.params]
        if fn.bound_self and positional:
            env[positional[0].name.value] = Instance()
            positional = positional[1:]
        frame = Frame(fn.module, fn.toplevel, env, cls=fn.cls, name=fn.node.name.value,
                      function=fn.node if fn.node is not fn.toplevel else None)
        self.bind(frame, params, positional, args, kwargs, entry=entry, passthrough=passthrough,
                  default_frame=Frame(fn.module, fn.toplevel, {}))
        try:
            generator = _is_generator(fn.node)
        except RecursionError:  # a body too deep to visit cannot be run either: the run below reports it
            generator = False
        if generator:
            frame.yields = {"items": [], "exact": True}
        self.stack.append(id(fn.node))
        try:
            self.exec_block(fn.node.body, frame)
        finally:
            self.stack.pop()
        if generator:
            # run to its end on one path, its yields are exactly the values iterating it gives (the body's side
            # effects happen as the iteration would make them); a yield under an undecided branch or in a loop
            # of unknown length is not exact: iterating it gives values that may be any parameter
            if frame.yields["exact"]:
                return Seq(tuple(frame.yields["items"]), "list")
            line = f" (line {call_site.line})" if call_site is not None else ""
            return self.unknown_like(f"the values yielded by the generator {fn.node.name.value}(){line}, which "
                                     f"depend on a path doccheck cannot decide", *args, *kwargs.values(),
                                     *env.values())
        return frame.returned if frame.has_returned and frame.returned is not None else Lit(None)

    def bind(self, frame: Frame, params: cst.Parameters, positional: list, args: list, kwargs: dict, *,
             entry: bool, passthrough: bool, default_frame: Frame) -> None:
        """Bind call arguments to parameters; unbound ones follow the entry convention when the
        caller is the analysis itself (entry) or passed its own *args/**kwargs through."""
        env = frame.env
        args = list(args)

        def unbound(param: cst.Param) -> Value:
            """A parameter no positional argument reached: keyword, convention, default or unknown."""
            name = param.name.value
            if name in kwargs:
                return kwargs.pop(name)
            if entry and name in self.overrides:
                return self.overrides[name]
            if entry or passthrough:
                return self.convention(param, default_frame)
            if param.default is not None:
                return self.eval(param.default, default_frame)
            return Unknown(f"argument {name} not given")

        for param in positional:
            name = param.name.value
            env[name] = args.pop(0) if args else unbound(param)
        if isinstance(params.star_arg, cst.Param):
            env[params.star_arg.name.value] = Seq(tuple(args), "tuple") if not (entry or passthrough) else Unknown(
                CONSTRUCTOR_ARGS)
        for param in params.kwonly_params:
            name = param.name.value
            env[name] = unbound(param)
        if params.star_kwarg is not None:
            env[params.star_kwarg.name.value] = Unknown("**kwargs of the constructor") if (entry or passthrough) \
                else Mapping(tuple(kwargs.items()))

    def convention(self, param: cst.Param, default_frame: Frame) -> Value:
        value = self._convention(param, default_frame)
        self.caller_values.append((param.name.value, value))
        return value

    def caller_argument(self, value: Value) -> str | None:
        """The name of the constructor argument `value` is exactly (the caller's own value), else None."""
        for name, given in self.caller_values:
            if value is given or (isinstance(value, Num) and isinstance(given, Num) and given.expr.is_Symbol
                                  and value.expr == given.expr):
                return name
        return None

    def _convention(self, param: cst.Param, default_frame: Frame) -> Value:
        name = param.name.value
        annotation = source_of(param.annotation.annotation) if param.annotation is not None else ""
        if param.default is None:
            if annotation == "bool":
                return Lit(True)
            return self.make_symbol(name)
        default = self.eval(param.default, default_frame)
        if isinstance(default, Lit):
            if isinstance(default.value, bool):
                return Lit(True)  # every optional parameter present
            if default.value is None:
                return ConventionNone(None)
            return default
        if isinstance(default, Num) and default.expr.is_number and default.expr.is_real:
            value = float(default.expr)
            return self.make_symbol(name, int(value) if value.is_integer() else value)
        return default

    # ================================================================ statements
    def exec_block(self, block, frame: Frame) -> None:
        body = block.body if isinstance(block, (cst.IndentedBlock, cst.SimpleStatementSuite)) else block
        for stmt in body:
            if frame.has_returned:
                return
            self.exec_stmt(stmt, frame)

    def exec_stmt(self, stmt: cst.CSTNode, frame: Frame) -> None:
        self.tick()
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if frame.has_returned:
                    return
                self.exec_small(small, frame)
        elif isinstance(stmt, cst.If):
            self.exec_if(stmt, frame)
        elif isinstance(stmt, cst.For):
            self.exec_for(stmt, frame)
        elif isinstance(stmt, cst.While):
            test = self.eval(stmt.test, frame)
            decided = self.truth(test)
            if decided is None:
                decided = self.truth_at_defaults(test)
            if decided is not False:
                self.exec_loop_once(stmt.body, frame, f"the loop `while {source_of(stmt.test)[:50]}`")
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                value = self.eval(item.item, frame)
                if item.asname is not None:
                    self.assign(item.asname.name, self.unknown_like("context manager value", value) if not isinstance(
                        value, TensorRef) else value, frame, item)
            self.exec_block(stmt.body, frame)
        elif isinstance(stmt, cst.Try):
            try:
                self.exec_block(stmt.body, frame)
            except Raised:
                pass
            if stmt.finalbody is not None:
                self.exec_block(stmt.finalbody.body, frame)
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            frame.env[stmt.name.value] = Unknown(f"local definition {stmt.name.value}")

    def exec_small(self, small: cst.CSTNode, frame: Frame) -> None:
        if isinstance(small, cst.Assign):
            value = self.eval(small.value, frame)
            for target in small.targets:
                self.assign(target.target, value, frame, small.value)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self.assign(small.target, self.eval(small.value, frame), frame, small.value)
        elif isinstance(small, cst.AugAssign):
            current = self.eval(small.target, frame)
            operand = self.eval(small.value, frame)
            if isinstance(current, TensorRef):  # `w += x` changes the tensor's values in place
                where = self.position(frame, small)
                self.mark_unresolved(current, f"changed in place by `{source_of(small)[:60]}`"
                                     + (f" (line {where.line})" if where else ""))
                return
            if isinstance(current, MayAlias):
                self.taint([], everything=True, reason=f"`{source_of(small)[:60]}` changes in place {current.reason}")
                return
            op = type(small.operator).__name__.replace("Assign", "")
            self.assign(small.target, self.binary(op, current, operand, frame, small), frame, small)
        elif isinstance(small, cst.Expr):
            self.eval(small.value, frame)
        elif isinstance(small, cst.Return):
            frame.returned = self.eval(small.value, frame) if small.value is not None else Lit(None)
            frame.has_returned = True
        elif isinstance(small, cst.Raise):
            raise Raised((self.position(frame, small),))
        elif isinstance(small, cst.Break):
            raise _Break()
        elif isinstance(small, cst.Continue):
            raise _Continue()
        elif isinstance(small, (cst.Import, cst.ImportFrom)):
            self.local_import(small, frame)

    def local_import(self, small, frame: Frame) -> None:
        if isinstance(small, cst.Import):
            for alias in small.names:
                name = source_of(alias.name)
                local = source_of(alias.asname.name) if alias.asname else name.split(".")[0]
                frame.env[local] = Qual(name if alias.asname else local)
        elif isinstance(small.names, (list, tuple)):
            module = source_of(small.module) if small.module is not None else ""
            if small.relative:
                from doccheck.parse import _resolve_relative

                if frame.module is None:
                    return
                module = _resolve_relative(frame.module.package, len(small.relative), module or None)
            for alias in small.names:
                name = source_of(alias.name)
                local = source_of(alias.asname.name) if alias.asname else name
                frame.env[local] = Qual(f"{module}.{name}")

    def exec_loop_once(self, body, frame: Frame, why: str = "a loop of unknown length") -> None:
        """A loop whose iterations are not known: its body may run zero or more times, so the
        state after it is the join of "not run" and "run once" (differences become unresolved)."""
        if frame.yields is not None:
            frame.yields["exact"] = False  # how many times a yield in it runs is not known
        before_state, before_env = self.state.copy(), dict(frame.env)
        try:
            self.exec_block(body, frame)
        except (_Break, _Continue):
            pass
        after_state, after_env = self.state, frame.env
        self.state = self.join_states(before_state, after_state, f"runs {why} any number of times")
        for key in after_env.keys() | before_env.keys():
            a, b = before_env.get(key), after_env.get(key)
            if a is None:
                frame.env[key] = b
            elif a != b:
                frame.env[key] = self.unknown_like(f"changed in {why}", a, b)

    def exec_for(self, stmt: cst.For, frame: Frame) -> None:
        iterable = self.eval(stmt.iter, frame)
        items = self.iterate(iterable)
        if items is None or len(items) > MAX_UNROLL:
            where = self.position(frame, stmt)
            why = (f"loop variable of `for … in {source_of(stmt.iter)[:50]}`" + (f" (line {where.line})" if where
                                                                                   else "") + ", a sequence not known statically")
            if isinstance(iterable, MayAlias):
                why += f": {iterable.reason}"
            self.assign(stmt.target, self.unknown_like(why, iterable), frame, stmt)
            self.exec_loop_once(stmt.body, frame, f"the loop `for … in {source_of(stmt.iter)[:50]}`")
            return
        for item in items:
            if frame.has_returned:
                return
            self.assign(stmt.target, item, frame, stmt)
            try:
                self.exec_block(stmt.body, frame)
            except _Continue:
                continue
            except _Break:
                return
        if stmt.orelse is not None:
            self.exec_block(stmt.orelse.body, frame)

    def iterate(self, value: Value) -> list | None:
        if isinstance(value, Seq):
            return list(value.items)
        if isinstance(value, Mapping):
            return [Lit(k) for k, _ in value.items]
        return None

    # ---------------------------------------------------------------- if / fork / join
    def exec_if(self, stmt: cst.If, frame: Frame) -> None:
        test = self.eval(stmt.test, frame)
        decided = self.truth(test)
        if decided is True and _always_raises(stmt.body):
            # `if not qconfig: raise` on a None default of the convention: the caller must give a value,
            # so the argument is an unknown value (not None) and the raising path is dropped below
            replaced = [n.value for n in _names_in(stmt.test) if isinstance(frame.env.get(n.value), ConventionNone)]
            if replaced:
                where = self.position(frame, stmt)
                for name in replaced:
                    frame.env[name] = Unknown(f"{name}: a value the caller must give (None raises"
                                              + (f" at line {where.line})" if where else ")"))
                test = self.eval(stmt.test, frame)
                decided = self.truth(test)
        orelse = stmt.orelse
        else_body = orelse.body if isinstance(orelse, cst.Else) else ([orelse] if orelse is not None else [])
        if decided is None:
            body_raises = _always_raises(stmt.body)
            else_raises = _always_raises(else_body) if orelse is not None else False
            if body_raises and not else_raises:
                self.learn_fact(test, holds=False)
                self._run_branch(else_body, frame)
                return
            if else_raises and not body_raises:
                self.learn_fact(test, holds=True)
                self.exec_block(stmt.body, frame)
                return
            decided = self.truth_at_defaults(test)
        if decided is True:
            self.exec_block(stmt.body, frame)
        elif decided is False:
            self._run_branch(else_body, frame)
        else:
            self.fork(frame, stmt.body, else_body, source_of(stmt.test), self.position(frame, stmt))

    def _run_branch(self, body, frame: Frame) -> None:
        if isinstance(body, list):
            for stmt in body:
                if frame.has_returned:
                    return
                self.exec_stmt(stmt, frame)
        else:
            self.exec_block(body, frame)

    def fork(self, frame: Frame, body_a, body_b, condition: str, where: Position | None) -> None:
        if frame.yields is not None:
            frame.yields["exact"] = False  # a yield may be on one branch only
        start_state, start_env = self.state, dict(frame.env)
        outcomes = []
        sites: list = []
        for body in (body_a, body_b):
            self.state = start_state.copy()
            branch = replace(frame, env=dict(start_env), returned=None, has_returned=False)
            try:
                self._run_branch(body, branch)
            except Raised as raised:
                sites.extend(raised.sites)
                continue
            outcomes.append((self.state, branch))
        if not outcomes:
            self.state = start_state
            raise Raised(tuple(sites))
        if len(outcomes) == 1:
            self.state, branch = outcomes[0]
        else:
            memo: list[str] = []

            def reason() -> str:  # computed only when the branches really differ (a position costs)
                if not memo:
                    memo.append(f"depends on `{condition}`" + (f" (line {where.line})" if where else ""))
                return memo[0]

            (state_a, frame_a), (state_b, frame_b) = outcomes
            self.state = self.join_states(state_a, state_b, reason)
            env = {}
            for key in frame_a.env.keys() | frame_b.env.keys():
                a, b = frame_a.env.get(key), frame_b.env.get(key)
                env[key] = a if a == b or b is None else (b if a is None else self.unknown_like(reason(), a, b))
            branch = replace(frame_a, env=env)
            if frame_a.has_returned and frame_b.has_returned:
                branch.returned = frame_a.returned if frame_a.returned == frame_b.returned else self.unknown_like(
                    reason(), frame_a.returned, frame_b.returned)
                branch.has_returned = True
            else:
                branch.has_returned = False
                branch.returned = None
        frame.env.clear()
        frame.env.update(branch.env)
        frame.returned, frame.has_returned = branch.returned, branch.has_returned

    def join_states(self, a: State, b: State, reason) -> State:
        """Join two branches' states; `reason` (a string, or a function giving one) explains differences."""
        if not isinstance(reason, str):
            reason_text = reason
        else:
            def reason_text(text=reason):
                return text
        heap = {}
        for key in a.heap.keys() | b.heap.keys():
            sa, sb = a.heap.get(key), b.heap.get(key)
            if sa is None or sb is None:
                heap[key] = sa or sb
            elif sa.same_init(sb):
                kept = sa if len(sa.steps) <= len(sb.steps) else sb  # the simpler derivation
                if sa.shape != sb.shape or sa.open_shape != sb.open_shape:  # a shape only one branch knows
                    kept = replace(kept, shape=None, open_shape=None)
                heap[key] = kept
            else:
                heap[key] = replace(sa, distribution=None, shape=sa.shape if sa.shape == sb.shape else None,
                                    open_shape=sa.open_shape if sa.open_shape == sb.open_shape else None,
                                    unresolved=f"{reason_text()}: {_describe(sa, True)} or {_describe(sb, True)}",
                                    steps=merge_steps(sa.steps, sb.steps))
        attrs = {}
        for key in a.attrs.keys() | b.attrs.keys():
            va, vb = a.attrs.get(key), b.attrs.get(key)
            attrs[key] = va if va == vb or vb is None else (vb if va is None else self.unknown_like(reason_text(), va, vb))
        params = dict(b.params)
        params.update(a.params)
        for name in a.params.keys() & b.params.keys():
            ra, rb = a.params[name], b.params[name]
            if ra.id == rb.id:
                continue
            # one branch registered another tensor under the name (`self.weight = weight`, a new Parameter):
            # the parameter is one or the other, never simply the first branch's
            sa, sb = heap[ra.id], heap[rb.id]
            if sa.same_init(sb) and sa.shape == sb.shape and sa.open_shape == sb.open_shape:
                joined = sa
            else:
                joined = replace(sa, distribution=None, shape=sa.shape if sa.shape == sb.shape else None,
                                 open_shape=sa.open_shape if sa.open_shape == sb.open_shape else None,
                                 unresolved=f"{reason_text()}: {_describe(sa, True)} or {_describe(sb, True)}",
                                 steps=merge_steps(sa.steps, sb.steps), lazy=sa.lazy and sb.lazy)
            self._next_id += 1
            heap[self._next_id] = joined
            params[name] = TensorRef(self._next_id)
            if a.attrs.get(name) == ra and b.attrs.get(name) == rb:
                attrs[name] = params[name]
        known = set(a.dynamic)  # a set: the lists grow with every loop iteration and every branch is joined
        dynamic = list(a.dynamic) + [r for r in b.dynamic if r not in known]
        return State(heap, attrs, params, dynamic, a.divisible & b.divisible)

    def learn_fact(self, test: Value, holds: bool) -> None:
        """Keep what a guard proves: after ``if a % b != 0: raise``, b divides a."""
        if not isinstance(test, Num):
            return
        sympy = _sympy()
        if isinstance(test.expr, sympy.Mod):  # `if a % b: raise` tests the remainder's truthiness
            if not holds:
                self.state.divisible = self.state.divisible | {tuple(test.expr.args)}
            return
        expr = test.expr if holds else sympy.Not(test.expr)
        expr = sympy.simplify_logic(expr) if isinstance(expr, sympy.logic.boolalg.Boolean) and not isinstance(
            expr, sympy.core.relational.Relational) else expr
        if isinstance(expr, sympy.Eq):
            lhs, rhs = expr.args
            if rhs == 0 and isinstance(lhs, sympy.Mod):
                self.state.divisible = self.state.divisible | {tuple(lhs.args)}

    # ================================================================ truth
    def truth(self, value: Value) -> bool | None:
        if isinstance(value, Lit):
            try:
                return bool(value.value)
            except Exception:
                return None
        if isinstance(value, Num):
            sympy = _sympy()
            expr = value.expr
            if expr is sympy.true or expr == sympy.true:
                return True
            if expr is sympy.false or expr == sympy.false:
                return False
            if isinstance(expr, sympy.Expr):
                nonzero = expr.is_nonzero
                if nonzero is not None:
                    return bool(nonzero)
                zero = expr.is_zero
                return False if zero else None
            return None
        if isinstance(value, Seq):
            return bool(value.items)
        if isinstance(value, Mapping):
            return bool(value.items)
        if isinstance(value, (Instance, Qual, ProjectFunction, ProjectClass, Builtin, TensorMethod)):
            return True
        return None

    def truth_at_defaults(self, value: Value) -> bool | None:
        if isinstance(value, Num) and self.defaults:
            try:
                return self.truth(Num(value.expr.subs(self.defaults)))
            except Exception:
                return None
        return None

    # ================================================================ assignment
    def assign(self, target: cst.CSTNode, value: Value, frame: Frame, source: cst.CSTNode | None) -> None:
        if isinstance(target, cst.Name):
            name = target.value
            if isinstance(value, Num) and source is not None and not isinstance(source, cst.For):
                value = self._with_step(name, value, frame, source)
            frame.env[name] = value
        elif isinstance(target, cst.Attribute):
            base = self.eval(target.value, frame)
            if isinstance(base, Instance):
                self.set_attribute(target.attr.value, value, frame, target)
            elif isinstance(base, MayAlias):
                self.taint([], everything=True, reason=f"`{source_of(target)[:60]} = …` writes through {base.reason}")
            elif isinstance(base, TensorRef) and target.attr.value not in self.knowledge.aliasing_attributes \
                    and target.attr.value not in ("shape", "ndim"):
                # `t._is_hf_initialized = True`: a Python attribute of the tensor object, read back by getattr
                old = self.state.heap[base.id]
                attrs = tuple((k, v) for k, v in old.py_attrs if k != target.attr.value)
                self.state.heap[base.id] = replace(old, py_attrs=(*attrs, (target.attr.value, value)))
            elif isinstance(base, TensorRef) and target.attr.value in self.knowledge.aliasing_attributes:
                where = self.position(frame, target)
                if isinstance(value, TensorRef):  # `w.data = torch.zeros(...)` replaces the values
                    source = self.state.heap[value.id]
                    old = self.state.heap[base.id]
                    self.state.heap[base.id] = replace(old, distribution=source.distribution,
                                                       unresolved=source.unresolved, decided_at=source.decided_at
                                                       or where, steps=source.steps)
                else:
                    self.mark_unresolved(base, f"`.{target.attr.value}` replaced by a value not known statically")
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            items = value.items if isinstance(value, Seq) else None
            starred = [i for i, e in enumerate(elements) if isinstance(e, cst.StarredElement)]
            if items is not None and not starred and len(items) == len(elements):
                for element, item in zip(elements, items):
                    self.assign(element.value, item, frame, None)
            elif items is not None and len(starred) == 1 and len(items) >= len(elements) - 1:
                s = starred[0]
                tail = len(elements) - s - 1
                for element, item in zip(elements[:s], items[:s]):
                    self.assign(element.value, item, frame, None)
                self.assign(elements[s].value, Seq(tuple(items[s:len(items) - tail]), "list"), frame, None)
                for element, item in zip(elements[s + 1:], items[len(items) - tail:]):
                    self.assign(element.value, item, frame, None)
            else:
                for element in elements:
                    self.assign(element.value, self.unknown_like("unpacking of a value not known statically", value),
                                frame, None)
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Attribute) \
                and target.value.attr.value in self.knowledge.parameter_registry_attributes \
                and isinstance(self.eval(target.value.value, frame), Instance) and len(target.slice) == 1:
            # `self._parameters[name] = p`: register_parameter without its checks
            key = self.eval(target.slice[0].slice.value, frame) if isinstance(target.slice[0].slice, cst.Index) \
                else Unknown("a slice as a parameter name")
            if isinstance(value, TensorRef):
                self.state.heap[value.id] = replace(self.state.heap[value.id], is_parameter=True)
            self.register_parameter(key, value)
        elif isinstance(target, cst.Subscript):
            base = self.eval(target.value, frame)
            if isinstance(base, TensorRef):
                where = self.position(frame, target)
                index = source_of(target.slice[0].slice) if len(target.slice) == 1 else "…"
                self.note_view_write(base, f"[{index}]", f"overwritten with {self._describe_value(value)}", where)
            elif isinstance(base, MayAlias):
                self.taint([], everything=True, reason=f"`{source_of(target)[:60]} = …` writes through {base.reason}")
            elif isinstance(base, (Seq, Mapping)) and (isinstance(target.value, cst.Name) or isinstance(
                    target.value, cst.Attribute) and isinstance(self.eval(target.value.value, frame), Instance)):
                # a container whose writes are not modelled (a local or an attribute of self): its contents are
                # no longer known (ported from helper B: `self._slots[0] = p` was dropped, leaving "never written")
                self.assign(target.value, self.unknown_like(
                    f"`{source_of(target)[:60]} = …` changes a container doccheck does not follow", base, value),
                    frame, None)
            elif isinstance(base, (Seq, Mapping)) and self.may_alias(value):
                self.taint([], everything=True, reason=f"`{source_of(target)[:60]} = …` stores a parameter in a "
                                                       f"container doccheck does not follow")

    def _describe_value(self, value: Value) -> str:
        if isinstance(value, Num):
            return to_text(value.expr)
        if isinstance(value, TensorRef):
            return _describe(self.state.heap[value.id])
        return "a value doccheck does not model (e.g. a tensor given by the caller)"

    def _with_step(self, name: str, value: Num, frame: Frame, source: cst.CSTNode) -> Num:
        shown = to_text(value.expr)
        if shown == name:
            return value
        code = source_of(source) if not isinstance(source, cst.CSTNode) or not isinstance(source, str) else source
        text = f"{name} = {code}" if len(code) <= 80 else name
        if code.replace(" ", "") != shown.replace(" ", ""):
            text += f" = {shown}"
        if frame.label:
            text = f"{frame.label}: {text}"
        return Num(value.expr, merge_steps(value.steps, (Step(text, self.position(frame, source)),)))

    @property
    def framework(self):
        """The framework whose fan and gain rules apply: the class's, else the rule's being applied."""
        from doccheck.knowledge import Framework

        if self.class_framework is not None:
            return self.class_framework
        if self._rule_frameworks:
            return self.knowledge.framework(self._rule_frameworks[-1])
        return Framework("")

    def set_attribute(self, name: str, value: Value, frame: Frame | None = None, node=None) -> None:
        state = self.state
        arrays = self.class_framework is not None and self.class_framework.array_attributes_are_parameters
        if isinstance(value, TensorRef) and value.view is None and arrays \
                and not name.startswith("_") and not state.heap[value.id].is_parameter:
            state.heap[value.id] = replace(state.heap[value.id], is_parameter=True)
        if isinstance(value, TensorRef) and value.id in self.weight_names:
            pass  # add_weight registered it under its own name; the attribute is one more way to reach it
        elif isinstance(value, TensorRef) and value.view is None and state.heap[value.id].is_parameter:
            state.params[name] = value
        elif name in state.params and isinstance(value, Lit) and value.value is None:
            del state.params[name]
        elif name in state.params:
            # Module.__setattr__ on a registered parameter: the caller's Parameter replaces it (or a plain
            # tensor raises TypeError); either way the values are not the ones the code initialized
            where = self.position(frame, node) if frame is not None else None
            shown = source_of(node) if node is not None else f"self.{name}"
            old = state.heap[state.params[name].id]
            argument = self.caller_argument(value)
            if argument is not None:
                # exactly the caller's value (torch.ao's quantized norms: `self.weight = weight`): known, but not
                # a distribution, so no claim about its values is ever proven or refuted
                ref = self.new_tensor(replace(old, distribution=Distribution("argument", (("name", argument),)),
                                              shape=None, open_shape=None, steps=(Step(f"`{shown} = {argument}`: the caller's "
                                                                      f"argument", where),), notes=(),
                                              decided_at=where, unresolved=None, lazy=False))
                state.params[name] = ref
                state.attrs[name] = ref
                return
            ref = self.new_tensor(replace(old, distribution=None, shape=None, open_shape=None, steps=(), notes=(),
                                          decided_at=where,
                                          unresolved=f"`{shown} = …`" + (f" (line {where.line})" if where else "")
                                          + f" assigns {self._describe_value(value)}"))
            state.params[name] = ref
            value = ref
        state.attrs[name] = value

    def register_parameter(self, name: Value, value: Value) -> None:
        if isinstance(name, Lit) and isinstance(name.value, str):
            if isinstance(value, TensorRef):
                self.state.heap[value.id] = replace(self.state.heap[value.id], is_parameter=True)
                self.set_attribute(name.value, value)
            elif isinstance(value, Lit) and value.value is None:
                self.state.params.pop(name.value, None)
                self.state.attrs[name.value] = value
        elif isinstance(value, TensorRef) and self.state.heap[value.id].is_parameter:
            if value not in self.state.dynamic:
                self.state.dynamic.append(value)

    # ================================================================ expressions
    def eval(self, node: cst.CSTNode, frame: Frame) -> Value:
        self.tick()
        try:
            return self._eval(node, frame)
        except (Raised, BudgetExceeded, _Break, _Continue):
            raise
        except RecursionError:
            raise
        except Exception as exc:  # an unsupported corner of Python: unknown, with the reason
            return Unknown(f"cannot evaluate `{source_of(node)[:60]}`: {type(exc).__name__}")

    def _eval(self, node: cst.CSTNode, frame: Frame) -> Value:
        if isinstance(node, cst.Integer):
            return _number(int(node.value.replace("_", ""), 0))
        if isinstance(node, cst.Float):
            return _number(float(node.value.replace("_", "")))
        if isinstance(node, cst.Imaginary):
            return Unknown("complex number")
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = node.evaluated_value
            return Lit(value) if isinstance(value, str) else Unknown("bytes literal")
        if isinstance(node, cst.FormattedString):
            return Unknown("f-string")
        if isinstance(node, cst.Name):
            return self.lookup(node.value, frame)
        if isinstance(node, cst.Yield):
            return self.yield_value(node, frame)
        if isinstance(node, cst.Attribute):
            return self.get_attribute(self.eval(node.value, frame), node.attr.value, frame, node)
        if isinstance(node, cst.Call):
            return self.eval_call(node, frame)
        if isinstance(node, cst.BinaryOperation):
            left = self.eval(node.left, frame)
            right = self.eval(node.right, frame)
            return self.binary(type(node.operator).__name__, left, right, frame, node)
        if isinstance(node, cst.UnaryOperation):
            operand = self.eval(node.expression, frame)
            return self.unary(type(node.operator).__name__, operand)
        if isinstance(node, cst.BooleanOperation):
            return self.boolean(node, frame)
        if isinstance(node, cst.Comparison):
            return self.compare(node, frame)
        if isinstance(node, cst.IfExp):
            return self.if_expression(node, frame)
        if isinstance(node, (cst.Tuple, cst.List)):
            return self.sequence(node.elements, frame, "tuple" if isinstance(node, cst.Tuple) else "list")
        if isinstance(node, cst.Dict):
            return self.mapping(node, frame)
        if isinstance(node, cst.Subscript):
            return self.subscript(node, frame)
        if isinstance(node, cst.NamedExpr):
            value = self.eval(node.value, frame)
            self.assign(node.target, value, frame, node.value)
            return value
        if isinstance(node, cst.Ellipsis):
            return Lit(...)
        return Unknown(f"{type(node).__name__} not evaluated statically")

    def lookup(self, name: str, frame: Frame) -> Value:
        if name in frame.env:
            return frame.env[name]
        if name in ("True", "False", "None"):
            return Lit({"True": True, "False": False, "None": None}[name])
        if frame.module is None:
            return RULE_BUILTINS.get(name) or Unknown(f"name {name} is not defined")
        return self.module_global(frame.module, name)

    def module_global(self, module, name: str) -> Value:
        key = (module.qualname, name)
        if key in self._module_values:
            return self._module_values[key]
        self._module_values[key] = Unknown(f"{name} is defined in terms of itself")
        value: Value
        node = module.definitions.get(name)
        if isinstance(node, cst.ClassDef):
            value = ProjectClass(Definition(module, node, f"{module.qualname}.{name}"))
        elif isinstance(node, cst.FunctionDef):
            value = ProjectFunction(module, node, node)
        elif isinstance(node, (cst.Assign, cst.AnnAssign)):
            top = module.toplevel_of.get(id(node))
            value = self.eval(node.value, Frame(module, top, {}))
        elif name in module.imports:
            value = Qual(module.imports[name])
        elif hasattr(builtins, name):
            value = Builtin(name)
        else:
            found = None
            for source in module.star_imports:
                other = self.project.module(source)
                if other is not None and other is not module and name in other.definitions:
                    found = self.module_global(other, name)
                    break
            value = found or Unknown(f"name {name} is not defined")
        self._module_values[key] = value
        return value

    def get_attribute(self, base: Value, attr: str, frame: Frame, node: cst.CSTNode | None = None) -> Value:
        if isinstance(base, InputTensor):
            if attr == "shape":
                return self.input_shape(base)
            if attr == "ndim":
                return self.input_rank(base)
            return Builtin(f"input.{attr}", bound=base)
        if isinstance(base, Instance):
            if attr in self.state.attrs:
                return self.state.attrs[attr]
            if attr in self.knowledge.parameter_registry_attributes and not self.state.dynamic:
                # the registry as Module.__setattr__ keeps it: exactly the parameters registered so far
                return Mapping(tuple(self.state.params.items()))
            method = self.find_method(0, attr)
            if self.is_lazy_check(attr, method):
                return Builtin(f"module.{attr}")  # its source reads _parameters/_buffers: the rule says what it does
            if method is not None:
                return method
            if attr in (self.knowledge.parameters_methods | self.knowledge.named_parameters_methods
                        | self.knowledge.register_parameter_methods | self.knowledge.apply_methods):
                return Builtin(f"module.{attr}")
            if attr in self.knowledge.register_buffer_methods | self.knowledge.modules_methods \
                    | self.knowledge.children_methods:
                return Builtin(f"module.{attr}")
            if attr in self.knowledge.pure_module_methods:
                return Builtin("noop")
            framework = self.class_framework
            if framework is not None and attr in framework.weight_methods:
                return Builtin(f"weight.{attr}")
            if framework is not None and attr in framework.attribute_defaults:
                return self.eval(_parse_expression(framework.attribute_defaults[attr]), Frame(None, None, {}))
            where = self.position(frame, node) if node is not None else None
            return MayAlias(f"self.{attr}" + (f" (line {where.line})" if where else "")
                            + ", which the code evaluated never set")
        if isinstance(base, SuperRef):
            method = self.find_method(self._mro_index(base.after) + 1, attr)
            if method is not None:
                return method
            return Builtin("noop") if attr == "__init__" else Unknown(f"super().{attr} outside the sources read")
        if isinstance(base, TensorRef):
            if attr in self.knowledge.aliasing_attributes:
                return base
            state = self.state.heap[base.id]
            if attr == "shape":
                return Seq(state.shape) if state.shape is not None else Unknown("shape not known")
            if attr == "ndim":
                return _number(len(state.shape)) if state.shape is not None else Unknown("shape not known")
            return TensorMethod(base, attr)
        if isinstance(base, Qual):
            # `_ConvNd` too: a private class keeps its upper-case initial after the underscores
            if base.qualname.rsplit(".", 1)[-1].lstrip("_")[:1].isupper() and base.qualname not in \
                    self.knowledge.module_roots:
                # an imported class (by naming convention): read its source for `Base.__init__(self, …)`
                found = self.project.resolve_qualname(base.qualname)
                if isinstance(found, Definition) and isinstance(found.node, cst.ClassDef):
                    return self.get_attribute(ProjectClass(found), attr, frame, node)
            if base.qualname == "math" and attr in ("pi", "e", "tau", "inf"):
                sympy = _sympy()
                return Num({"pi": sympy.pi, "e": sympy.E, "tau": 2 * sympy.pi, "inf": sympy.oo}[attr])
            return Qual(f"{base.qualname}.{attr}")
        if isinstance(base, ProjectClass):
            for stmt in reversed(base.definition.node.body.body):
                if isinstance(stmt, cst.FunctionDef) and stmt.name.value == attr:
                    module = base.definition.module
                    return ProjectFunction(module, stmt, module.toplevel_of.get(id(base.definition.node),
                                                                                 base.definition.node),
                                           cls=base.definition, bound_self=False)
            return Qual(f"{base.definition.qualname}.{attr}")
        if isinstance(base, (Lit, Seq, Mapping, Num)):
            return Builtin(f"value.{attr}", bound=base)
        if isinstance(base, MayAlias):
            return MayAlias(base.reason)
        return Unknown(f"attribute {attr} of a value not known statically")

    # ---------------------------------------------------------------- operators
    def binary(self, op: str, left: Value, right: Value, frame: Frame, node) -> Value:
        if isinstance(left, Unknown):
            return left
        if isinstance(right, Unknown):
            return right
        if isinstance(left, Num) and isinstance(right, Num):
            sympy = _sympy()
            a, b = left.expr, right.expr
            steps = merge_steps(left.steps, right.steps)
            if op == "Add":
                return _bounded(Num(a + b, steps))
            if op == "Subtract":
                return _bounded(Num(a - b, steps))
            if op == "Multiply":
                return _bounded(Num(a * b, steps))
            if op == "Divide":
                return _bounded(Num(a / b, steps)) if b != 0 else Unknown("division by zero")
            if op == "Power":
                too_large = _power_too_large(a, b)
                return Unknown(too_large) if too_large else _bounded(Num(a ** b, steps))
            if op == "FloorDivide":
                if b == 0:
                    return Unknown("division by zero")
                if (a, b) in self.state.divisible or (a / b).is_integer:
                    return Num(a / b, steps)
                return Num(sympy.floor(a / b), steps)
            if op == "Modulo":
                return Num(sympy.Mod(a, b), steps) if b != 0 else Unknown("modulo by zero")
            return Unknown(f"operator {op} on numbers")
        if isinstance(left, Seq) and isinstance(right, Seq) and op == "Add":
            return Seq(left.items + right.items, left.kind)
        if isinstance(left, Seq) and isinstance(right, Num) and op == "Multiply" and right.expr.is_Integer:
            return Seq(left.items * int(right.expr), left.kind) if 0 <= int(right.expr) <= MAX_UNROLL else Unknown(
                "long sequence")
        if isinstance(left, Lit) and isinstance(right, Lit) and isinstance(left.value, str) and op == "Add":
            return Lit(left.value + right.value) if isinstance(right.value, str) else Unknown("str + non-str")
        if isinstance(left, TensorRef) or isinstance(right, TensorRef):
            return Unknown("tensor arithmetic")
        return Unknown(f"`{source_of(node)[:60]}` not known statically")

    def unary(self, op: str, operand: Value) -> Value:
        if isinstance(operand, Unknown):
            return operand
        if op == "Not":
            decided = self.truth(operand)
            if decided is not None:
                return Lit(not decided)
            if isinstance(operand, Num):
                return Num(_sympy().Not(operand.expr), operand.steps)
            return Unknown("negation of a value not known statically")
        if isinstance(operand, Num):
            if op == "Minus":
                return Num(-operand.expr, operand.steps)
            if op == "Plus":
                return operand
        return Unknown(f"unary {op} of a value not known statically")

    def boolean(self, node: cst.BooleanOperation, frame: Frame) -> Value:
        left = self.eval(node.left, frame)
        decided = self.truth(left)
        is_and = isinstance(node.operator, cst.And)
        if decided is not None:
            if is_and and not decided or not is_and and decided:
                return left
            return self.eval(node.right, frame)
        right = self.eval(node.right, frame)
        if isinstance(left, Num) and isinstance(right, Num):
            sympy = _sympy()
            try:
                combined = sympy.And(left.expr, right.expr) if is_and else sympy.Or(left.expr, right.expr)
                return Num(combined, merge_steps(left.steps, right.steps))
            except TypeError:
                pass
        right_decided = self.truth(right)
        if is_and and right_decided is False:
            return Lit(False)
        if not is_and and right_decided is True:
            return Lit(True)
        return Unknown(f"`{source_of(node)[:60]}` not known statically")

    def compare(self, node: cst.Comparison, frame: Frame) -> Value:
        left = self.eval(node.left, frame)
        result: Value = Lit(True)
        for target in node.comparisons:
            right = self.eval(target.comparator, frame)
            one = self.compare_one(type(target.operator).__name__, left, right)
            result = self._and(result, one)
            left = right
        return result

    def _and(self, a: Value, b: Value) -> Value:
        da, db = self.truth(a), self.truth(b)
        if da is False or db is False:
            return Lit(False)
        if da is True:
            return b
        if db is True:
            return a
        if isinstance(a, Num) and isinstance(b, Num):
            return Num(_sympy().And(a.expr, b.expr))
        return Unknown("comparison not known statically")

    def compare_one(self, op: str, left: Value, right: Value) -> Value:
        if op in ("Is", "IsNot"):
            same = None
            if isinstance(left, Lit) and isinstance(right, Lit):
                same = left.value is right.value or left.value == right.value and type(left.value) is type(right.value)
            elif isinstance(right, Lit) and right.value is None:
                same = False if not isinstance(left, Unknown) else None
            elif isinstance(left, Lit) and left.value is None:
                same = False if not isinstance(right, Unknown) else None
            elif isinstance(left, TensorRef) and isinstance(right, TensorRef):
                same = left == right
            if same is None:
                return Unknown("identity of values not known statically")
            return Lit(same if op == "Is" else not same)
        if op in ("In", "NotIn"):
            if isinstance(left, Lit) and isinstance(right, Lit) and isinstance(left.value, str) \
                    and isinstance(right.value, str):  # `"bias" in name`: a substring test
                return Lit((left.value in right.value) == (op == "In"))
            if isinstance(right, Seq) and isinstance(left, Lit) and all(isinstance(i, Lit) for i in right.items):
                found = any(i.value == left.value for i in right.items)
                return Lit(found if op == "In" else not found)
            if isinstance(right, Mapping) and isinstance(left, Lit):
                found = right.get(left.value) is not None
                return Lit(found if op == "In" else not found)
            if isinstance(right, Seq) and isinstance(left, Num) and all(isinstance(i, Num) for i in right.items):
                sympy = _sympy()
                try:
                    tests = [sympy.Eq(left.expr, i.expr) for i in right.items]
                except TypeError:
                    return Unknown("membership not known statically")
                if any(t is sympy.true for t in tests):
                    return Lit(op == "In")
                if all(t is sympy.false for t in tests):
                    return Lit(op == "NotIn")
            return Unknown("membership not known statically")
        if isinstance(left, Lit) and isinstance(right, Lit):
            try:
                outcome = {"Equal": lambda a, b: a == b, "NotEqual": lambda a, b: a != b}[op](left.value, right.value)
                return Lit(outcome)
            except KeyError:
                return Unknown("ordering of non-numbers")
        if isinstance(left, Num) and isinstance(right, Num):
            sympy = _sympy()
            relation = {"Equal": sympy.Eq, "NotEqual": sympy.Ne, "LessThan": sympy.Lt, "LessThanEqual": sympy.Le,
                        "GreaterThan": sympy.Gt, "GreaterThanEqual": sympy.Ge}.get(op)
            if relation is None:
                return Unknown(f"comparison {op}")
            try:
                outcome = relation(left.expr, right.expr)
            except TypeError:
                return Unknown("comparison not known statically")
            if outcome is sympy.true:
                return Lit(True)
            if outcome is sympy.false:
                return Lit(False)
            return Num(outcome, merge_steps(left.steps, right.steps))
        if op in ("Equal", "NotEqual") and self._maybe_string(left, right):
            # a constructor argument without a literal default is a symbol, but the caller may pass a string
            # (RNNBase's `mode`): equality with a string literal is not known, both branches are followed
            return Unknown("comparison of an argument with a string: the argument's value is not known")
        if op in ("Equal", "NotEqual") and isinstance(left, (Lit, Num)) and isinstance(right, (Lit, Num)):
            # a string never equals a number; None never equals a number
            if isinstance(left, Lit) and isinstance(left.value, (str, type(None))) or isinstance(
                    right, Lit) and isinstance(right.value, (str, type(None))):
                return Lit(op == "NotEqual")
        return Unknown("comparison not known statically")

    def _maybe_string(self, left: Value, right: Value) -> bool:
        """One side a string literal, the other exactly a constructor argument's symbol (its type unknown)."""
        for a, b in ((left, right), (right, left)):
            if isinstance(a, Lit) and isinstance(a.value, str) and isinstance(b, Num) and b.expr.is_Symbol \
                    and b.expr in set(self.symbols.values()):
                # the strings the code compares the argument with: `verify` constructs the class with them
                name = next(n for n, sym in self.symbols.items() if sym == b.expr)
                self.string_choices.setdefault(name, set()).add(a.value)
                return True
        return False

    def yield_value(self, node: cst.Yield, frame: Frame) -> Value:
        """`yield x` / `yield from xs` in a generator being run: recorded in order; the expression's own value
        (what a caller sends in) is not known."""
        if frame.yields is None:
            return Unknown("yield outside a generator being run")
        if isinstance(node.value, cst.From):
            given = self.eval(node.value.item, frame)
            if isinstance(given, Seq):
                frame.yields["items"].extend(given.items)
            else:
                frame.yields["exact"] = False
        else:
            frame.yields["items"].append(self.eval(node.value, frame) if node.value is not None else Lit(None))
        return Unknown("the value sent into a generator")

    def if_expression(self, node: cst.IfExp, frame: Frame) -> Value:
        test = self.eval(node.test, frame)
        decided = self.truth(test)
        if decided is None:
            decided = self.truth_at_defaults(test)
        if decided is True:
            return self.eval(node.body, frame)
        if decided is False:
            return self.eval(node.orelse, frame)
        # undecided: each branch on its own copy of the state (a call in one must not be seen by the other),
        # then the states joined as for an `if` statement; a branch that raises is dropped
        if frame.yields is not None:
            frame.yields["exact"] = False
        memo: list[str] = []

        def reason() -> str:
            if not memo:
                where = self.position(frame, node)
                memo.append(f"depends on `{source_of(node.test)}`" + (
                    f" (line {where.line})" if where is not None else ""))
            return memo[0]

        start = self.state
        outcomes, sites = [], []
        for branch in (node.body, node.orelse):
            self.state = start.copy()
            try:
                outcomes.append((self.eval(branch, frame), self.state))
            except Raised as raised:
                sites.extend(raised.sites)
        if not outcomes:
            self.state = start
            raise Raised(tuple(sites))
        if len(outcomes) == 1:
            value, self.state = outcomes[0]
            return value
        (a, state_a), (b, state_b) = outcomes
        self.state = self.join_states(state_a, state_b, reason)
        return a if a == b else self.unknown_like(reason(), a, b)

    def sequence(self, elements, frame: Frame, kind: str) -> Value:
        items: list[Value] = []
        open_part = None  # (index, value) of the one starred part of unknown length
        for element in elements:
            if isinstance(element, cst.StarredElement):
                value = self.eval(element.value, frame)
                if isinstance(value, Seq):
                    items.extend(value.items)
                elif open_part is None and kind == "tuple" and self.open_rest(value) is not None:
                    open_part = (len(items), value)
                else:
                    return Unknown("unpacking of a value not known statically")
            else:
                items.append(self.eval(element.value, frame))
        if open_part is not None:
            return self.open_sequence(tuple(items[:open_part[0]]), open_part[1], tuple(items[open_part[0]:]))
        return Seq(tuple(items), kind)

    def open_rest(self, value: Value):
        """The symbol a starred `value` of unknown length stands for: a tuple-valued constructor argument
        (`*kernel_size` with kernel_size a symbol of the entry convention), or an OpenSeq's; else None."""
        if isinstance(value, OpenSeq):
            return value.rest
        if isinstance(value, Num) and isinstance(value.expr, _sympy().Symbol) and \
                self.symbols.get(value.expr.name) == value.expr and "[" not in value.expr.name:
            return value.expr
        return None

    def open_sequence(self, head: tuple, value: Value, tail: tuple) -> Value:
        if isinstance(value, OpenSeq):
            return OpenSeq(head + value.head, value.rest, value.tail + tail)
        return OpenSeq(head, value.expr, tail)

    def mapping(self, node: cst.Dict, frame: Frame) -> Value:
        items: dict = {}
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                value = self.eval(element.value, frame)
                if isinstance(value, Mapping):
                    items.update(dict(value.items))
                else:
                    return Unknown("** of a value not known statically")
            else:
                key = self.eval(element.key, frame)
                if not isinstance(key, Lit):
                    return Unknown("dict with keys not known statically")
                items[key.value] = self.eval(element.value, frame)
        return Mapping(tuple(items.items()))

    def subscript(self, node: cst.Subscript, frame: Frame) -> Value:
        base = self.eval(node.value, frame)
        if len(node.slice) != 1:
            return Unknown("multi-dimensional index")
        index_node = node.slice[0].slice
        if isinstance(base, TensorRef):
            return TensorRef(base.id, f"[{source_of(index_node)}]")
        if isinstance(base, SymbolicShape) and not isinstance(index_node, cst.Slice):
            index = self.eval(index_node.value, frame)
            if isinstance(index, Num) and index.expr.is_Integer:
                entry = f"{base.name}[{int(index.expr)}]"
                framework = self.class_framework
                return self.make_symbol(framework.build_symbols.get(entry, entry) if framework else entry)
            return Unknown(f"an entry of {base.reason} at an index not known statically")
        if isinstance(base, MayAlias):
            return MayAlias(base.reason)
        if isinstance(base, OpenSeq):
            return self.open_subscript(base, index_node, frame)
        if isinstance(index_node, cst.Slice):
            if isinstance(base, Unknown) and base.reason == CONSTRUCTOR_ARGS:
                return base  # a part of the constructor's own *args is still passed on by the entry convention
            if not isinstance(base, Seq):
                return Unknown("slice of a value not known statically")
            bounds = []
            for part in (index_node.lower, index_node.upper, index_node.step):
                if part is None:
                    bounds.append(None)
                    continue
                value = self.eval(part, frame)
                if not (isinstance(value, Num) and value.expr.is_Integer):
                    return Unknown("slice bounds not known statically")
                bounds.append(int(value.expr))
            return Seq(base.items[slice(*bounds)], base.kind)
        index = self.eval(index_node.value, frame)
        if isinstance(base, Seq) and isinstance(index, Num) and index.expr.is_Integer:
            i = int(index.expr)
            if -len(base.items) <= i < len(base.items):
                return base.items[i]
            raise Raised()  # IndexError: the items of a Seq are exactly known
        if isinstance(base, Mapping) and isinstance(index, Lit):
            found = base.get(index.value)
            return found if found is not None else Unknown(f"key {index.value!r} not in dict")
        if isinstance(base, Num) and isinstance(index, Num) and isinstance(base.expr, _sympy().Symbol):
            # an element of a tuple-valued argument such as kernel_size[0]
            return self.indexed_symbol(base.expr.name, index.expr)
        return Unknown("index into a value not known statically")

    def open_subscript(self, base: OpenSeq, index_node, frame: Frame) -> Value:
        """`shape[1]`, `shape[-1]`, `shape[2:]` of a tuple with a part of unknown length: exact only within
        its known ends."""
        if isinstance(index_node, cst.Slice):
            if index_node.upper is not None or index_node.step is not None:
                return Unknown("slice of a sequence of unknown length")
            lower = self.eval(index_node.lower, frame) if index_node.lower is not None else _number(0)
            if isinstance(lower, Num) and lower.expr.is_Integer and 0 <= int(lower.expr) <= len(base.head):
                return OpenSeq(base.head[int(lower.expr):], base.rest, base.tail)
            return Unknown("slice of a sequence of unknown length")
        index = self.eval(index_node.value, frame)
        if isinstance(index, Num) and index.expr.is_Integer:
            i = int(index.expr)
            if 0 <= i < len(base.head):
                return base.head[i]
            if -len(base.tail) <= i < 0:
                return base.tail[i]
        return Unknown(f"an element of a sequence of unknown length (*{base.rest})")

    def open_product(self, value: OpenSeq) -> Value:
        """The product of a tuple with a part of unknown length: its known items times the symbol
        prod(kernel_size), positive when the argument's elements are (the convention's sizes)."""
        items = value.head + value.tail
        if not all(isinstance(i, Num) for i in items):
            return Unknown("product of values not known statically")
        rest = value.rest
        kind = "positive" if rest.is_positive else ("nonnegative" if rest.is_nonnegative else "real")
        product = symbol(f"prod({rest.name})", kind)
        return Num(_product(items) * product, merge_steps(*(i.steps for i in items)))

    # ================================================================ calls
    def eval_call(self, node: cst.Call, frame: Frame) -> Value:
        func = self.eval(node.func, frame)
        args: list[Value] = []
        kwargs: dict[str, Value] = {}
        passthrough = False
        unknown_star = None
        open_star = None
        for arg in node.args:
            if arg.star == "*":
                value = self.eval(arg.value, frame)
                if isinstance(value, Seq):
                    args.extend(value.items)
                elif isinstance(value, Unknown) and value.reason == CONSTRUCTOR_ARGS:
                    passthrough = True  # the constructor's own *args passed on: the entry convention holds
                elif open_star is None and unknown_star is None and self.open_rest(value) is not None:
                    open_star = (len(args), value, arg)  # `torch.Tensor(out, in // groups, *kernel_size)`
                else:
                    where = self.position(frame, arg)
                    unknown_star = self.unknown_like(f"`*{source_of(arg.value)[:40]}`" + (
                        f" (line {where.line})" if where else "") + " has a length not known statically", value)
            elif arg.star == "**":
                value = self.eval(arg.value, frame)
                if isinstance(value, Mapping):
                    kwargs.update({str(k): v for k, v in value.items})
                else:
                    passthrough = True
            elif arg.keyword is not None:
                kwargs[arg.keyword.value] = self.eval(arg.value, frame)
            else:
                args.append(self.eval(arg.value, frame))
        if open_star is not None:
            index, value, arg = open_star
            rule = self.knowledge.call(func.qualname) if isinstance(func, Qual) else None
            if unknown_star is not None:
                pass  # another starred argument is not known at all: the call is followed as before
            elif rule is not None and rule.kind == "factory" and not rule.like and \
                    rule.signature.replace(" ", "").startswith("*size"):
                # a factory takes its sizes as one tuple too: exactly the shape (out, in // groups, *kernel_size)
                args = [self.open_sequence(tuple(args[:index]), value, tuple(args[index:]))]
            else:
                where = self.position(frame, arg)
                unknown_star = self.unknown_like(f"`*{source_of(arg.value)[:40]}`" + (
                    f" (line {where.line})" if where else "") + " has a length not known statically", value)
        site = self.position(frame, node)
        if isinstance(func, Builtin) and func.name.split(".", 1)[-1] in MUTATING_METHODS and isinstance(
                func.bound, (Seq, Mapping)) and func.name.startswith("value."):
            return self.mutate_container(func, args, kwargs, frame, node, site)
        if unknown_star is not None:
            return self.call_with_unknown_arguments(func, args + [unknown_star], kwargs, frame, node, site,
                                                    unknown_star)
        return self.call(func, args, kwargs, frame, node, site, passthrough)

    def mutate_container(self, func: Builtin, args, kwargs, frame: Frame, node, site) -> Value:
        """`xs.append(v)`, `d.update(...)`: the container is a value here, so the name (or attribute of
        self) holding it becomes Unknown — aliasing when it or what goes into it may hold a parameter."""
        method = func.name.split(".", 1)[-1]
        line = f" (line {site.line})" if site is not None else ""
        changed = self.unknown_like(f"`.{method}()`{line} changes a container doccheck does not follow", func.bound,
                                    *args, *kwargs.values())
        receiver = node.func.value if isinstance(node.func, cst.Attribute) else None
        if isinstance(receiver, cst.Name) and receiver.value in frame.env:
            frame.env[receiver.value] = changed
        elif isinstance(receiver, cst.Attribute) and isinstance(self.eval(receiver.value, frame), Instance):
            self.state.attrs[receiver.attr.value] = changed
        elif self.may_alias(changed):
            self.taint([], everything=True, reason=changed.reason)
        return self.unknown_like(f"result of `.{method}()`", func.bound)

    def call_with_unknown_arguments(self, func, args, kwargs, frame, node, site, star: Unknown) -> Value:
        """A call whose positional arguments are not all known (`*x` of unknown length): nothing it
        creates or writes is exact.  Followed code sees Unknowns; a rule's result is unresolved."""
        if isinstance(func, (Qual, TensorMethod)) or (isinstance(func, ProjectClass) and
                                                     func.definition.qualname in self.knowledge.parameter_classes):
            self.taint(args + list(kwargs.values()), everything=False, reason=f"a call with {star.reason}")
            result = self.call(func, args[:-1], kwargs, frame, node, site) if not isinstance(func, TensorMethod) \
                else Unknown(star.reason)
            if isinstance(result, TensorRef):
                self.mark_unresolved(result, f"created by a call with {star.reason}")
                state = self.state.heap[result.id]
                self.state.heap[result.id] = replace(state, shape=None, open_shape=None, shape_unknown=star.reason)
                return result
            return self.unknown_like(star.reason, result, *args)
        return self.call(func, args, kwargs, frame, node, site)

    def call(self, func: Value, args: list, kwargs: dict, frame: Frame, node, site, passthrough=False) -> Value:
        if isinstance(func, ProjectFunction):
            if not func.bound_self and func.cls is not None and args and isinstance(args[0], Instance):
                func = replace(func, bound_self=True)  # Base.__init__(self, ...)
                args = args[1:]
            return self.call_function(func, args, kwargs, passthrough=passthrough, call_site=site)
        if isinstance(func, Builtin):
            return self.call_builtin(func, args, kwargs, frame, node, site)
        if isinstance(func, Qual):
            return self.call_qualified(func.qualname, args, kwargs, frame, site, passthrough)
        if isinstance(func, TensorMethod):
            return self.call_tensor_method(func, args, kwargs, site)
        if isinstance(func, InitializerValue):  # initializer(shape, dtype): the values for that shape
            shape = args[0] if args else kwargs.get("shape", Unknown("initializer called without a shape"))
            return self.apply_builder(func, shape, site)
        if isinstance(func, ProjectClass):
            if func.definition.qualname in self.knowledge.parameter_classes:
                return self.make_parameter(args, kwargs, site)
            return self.instance_of(func.definition.qualname, args, kwargs, site)
        if isinstance(func, MayAlias):
            name = source_of(node.func)[:60] if node is not None else "?"
            self.taint([*args, *kwargs.values()], everything=True,
                       reason=f"{name}() at line {site.line if site else '?'} is {func.reason}; it may change "
                              f"any parameter")
            return MayAlias(func.reason)
        name = source_of(node.func) if node is not None else "?"
        return self.unknown_call(name, args, kwargs, site)

    def instance_of(self, qualname: str, args, kwargs, site) -> Value:
        """An object of a class whose constructor is not followed: it may keep the values it was given."""
        values = [*args, *kwargs.values()]
        line = f" at line {site.line}" if site else ""
        if any(self.may_alias(v) for v in values):
            reason = f"an instance of {qualname}{line} that was given self or a parameter"
            self.taint(values, everything=any(isinstance(v, (Instance, MayAlias)) for v in values), reason=reason)
            return MayAlias(reason)
        return Unknown(f"an instance of {qualname}")

    def unknown_call(self, name: str, args: list, kwargs: dict, site: Position | None) -> Value:
        # PyTorch's convention: a trailing underscore marks an in-place operation; any
        # other unknown function handed a parameter may initialise it too, unless the
        # rules list it as pure.
        in_place = name.rsplit(".", 1)[-1].endswith("_")
        values = [*args, *kwargs.values()]
        if name in self.knowledge.pure_functions:
            return Unknown(f"result of {name}()")
        line = f" at line {site.line}" if site and any(self.may_alias(v) for v in values) else ""
        for value in values:
            if isinstance(value, AnyAttribute):
                self.taint([], everything=True, reason=f"{name}(){line} receives an attribute of self "
                                                       f"chosen at run time")
            elif isinstance(value, (Instance, MayAlias)) or isinstance(value, (Seq, Mapping)) and self.may_alias(
                    value) and not _holds_only_tensors(value):
                what = "self" if isinstance(value, Instance) else (
                    value.reason if isinstance(value, MayAlias) else "a container holding self or a parameter")
                self.taint([], everything=True, reason=f"{name}(){line}, which doccheck has no rule for, receives "
                                                       f"{what} and may change any parameter")
            for ref in _tensors_in(value):
                if in_place or self.state.heap[ref.id].is_parameter:
                    # the reason names the fix: a rules entry for the helper (README: "Your own init helper")
                    self.mark_unresolved(ref, f"passed to {name}(){line}, which doccheck has no rule for (describe "
                                              f"it in a rules file: [[initializer]] names = [\"{name}\"])")
        return self.unknown_like(f"result of {name}()", *values)

    def call_qualified(self, qualname: str, args, kwargs, frame, site, passthrough) -> Value:
        knowledge = self.knowledge
        canonical = knowledge.canonical(qualname)
        if canonical.startswith("math."):
            return self.call_math(canonical[5:], args)
        for framework in knowledge.frameworks.values():
            if canonical in framework.registry_functions or qualname in framework.registry_functions:
                return self.registry_get(framework, args[0] if args else kwargs.get("identifier", Lit(None)))
        rule = knowledge.call(canonical)
        if rule is not None and rule.kind == "builder":
            return self.build_initializer(rule, args, kwargs, site)
        if rule is not None:
            return self.apply_rule(rule, args, kwargs, site, canonical.rsplit(".", 1)[-1])
        if canonical in knowledge.parameter_classes:
            return self.make_parameter(args, kwargs, site)
        if canonical in knowledge.lazy_parameter_classes:
            return self.new_tensor(TensorState(None, None, unresolved="lazy parameter: its shape and values are set "
                                                                      "on the first forward call",
                                               is_parameter=True, lazy=True, created_at=site))
        if canonical in knowledge.lazy_buffer_classes:
            return self.new_tensor(TensorState(None, None, unresolved="lazy buffer: its shape and values are set "
                                                                      "on the first forward call",
                                               lazy=True, created_at=site))
        if canonical in knowledge.module_roots:
            return Unknown(f"an instance of {canonical}")
        found = self.project.resolve_qualname(canonical)
        if isinstance(found, Definition):
            if isinstance(found.node, cst.FunctionDef):
                fn = ProjectFunction(found.module, found.node, found.node)
                return self.call_function(fn, args, kwargs, passthrough=passthrough, call_site=site)
            if isinstance(found.node, cst.ClassDef):
                if found.qualname in knowledge.parameter_classes:
                    return self.make_parameter(args, kwargs, site)
                return self.instance_of(found.qualname, args, kwargs, site)
        return self.unknown_call(canonical, args, kwargs, site)

    def make_parameter(self, args, kwargs, site) -> Value:
        data = args[0] if args else kwargs.get("data")
        if isinstance(data, TensorRef):
            self.state.heap[data.id] = replace(self.state.heap[data.id], is_parameter=True,
                                               created_at=self.state.heap[data.id].created_at or site)
            return data
        reason = "wraps a tensor given by the caller" if data is not None else "created without data"
        return self.new_tensor(TensorState(None, None, unresolved=f"the parameter {reason}", is_parameter=True,
                                           created_at=site))

    def taint(self, values, everything: bool, reason: str) -> None:
        """Whatever a call doccheck cannot follow can reach becomes unresolved: the tensors
        passed to it, and with `everything` (a method of self) every parameter."""
        refs = [v for v in values if isinstance(v, TensorRef)]
        if everything:
            refs += list(self.state.params.values()) + list(self.state.dynamic)
        for ref in refs:
            self.mark_unresolved(TensorRef(ref.id), reason)

    def mark_unresolved(self, ref: TensorRef, reason: str) -> None:
        state = self.state.heap[ref.id]
        if ref.view is not None:
            self.state.heap[ref.id] = replace(state, notes=(*state.notes, f"entries {ref.view} {reason}"))
        else:
            self.state.heap[ref.id] = replace(state, distribution=None, unresolved=reason)

    def note_view_write(self, ref: TensorRef, view: str, what: str, site: Position | None) -> None:
        state = self.state.heap[ref.id]
        line = f" (line {site.line})" if site else ""
        self.state.heap[ref.id] = replace(state, notes=(*state.notes, f"entries {view} {what}{line}"))

    # ---------------------------------------------------------------- tensors
    def call_tensor_method(self, method: TensorMethod, args, kwargs, site) -> Value:
        ref, name = method.tensor, method.name
        state = self.state.heap[ref.id]
        if name in self.knowledge.aliasing_methods:
            return ref
        if name == "size":
            if state.shape is None:
                return Unknown("shape not known")
            if not args:
                return Seq(state.shape)
            index = args[0]
            if isinstance(index, Num) and index.expr.is_Integer and -len(state.shape) <= int(index.expr) < len(
                    state.shape):
                return state.shape[int(index.expr)]
            return Unknown("size of a dimension not known statically")
        if name in self.knowledge.lazy_materialize_methods and state.lazy and ref.view is None:
            return self.materialize(ref, args, kwargs, site)
        if name in ("dim", "ndimension"):
            return _number(len(state.shape)) if state.shape is not None else Unknown("shape not known")
        if name in ("numel", "nelement"):
            if state.shape is None:
                return Unknown("shape not known")
            return Num(_product(state.shape), merge_steps(*(d.steps for d in state.shape if isinstance(d, Num))))
        rule = self.knowledge.methods.get(name)
        if rule is not None:
            return self.apply_rule(rule, [ref, *args], kwargs, site, f".{name}")
        result = self.unknown_call(f"Tensor.{name}", [ref] if name.endswith("_") else [], {}, site)
        if f"Tensor.{name}" in self.knowledge.pure_functions:
            return result
        # an unknown method may return a view of the tensor: writes through its result reach the tensor
        line = f" at line {site.line}" if site else ""
        return MayAlias(f"the result of .{name}(){line}, which may be a view of a tracked tensor")

    def materialize(self, ref: TensorRef, args, kwargs, site) -> Value:
        """`w.materialize(shape)`: the lazy tensor gets its shape and memory, which nothing has written yet."""
        size = args[0] if args else kwargs.get("shape")
        shape = self.tensor_shape([size]) if isinstance(size, Seq) else None
        open_shape = size if isinstance(size, OpenSeq) and all(
            isinstance(d, Num) for d in size.head + size.tail) else None
        state = self.state.heap[ref.id]
        self.state.heap[ref.id] = replace(
            state, lazy=False, shape=shape, open_shape=open_shape, distribution=Distribution("uninitialized", ()),
            unresolved=None, decided_at=site, steps=(Step("materialize: allocated on the first forward call, not "
                                                          "written", site),),
            shape_unknown=None if shape is not None or open_shape is not None else "materialised with a shape "
                                                                                   "not known statically")
        return Lit(None)

    def tensor_shape(self, size_args: list) -> tuple | None:
        if len(size_args) == 1 and isinstance(size_args[0], Seq):
            size_args = list(size_args[0].items)
        if all(isinstance(d, Num) for d in size_args):
            return tuple(size_args)
        return None

    # ---------------------------------------------------------------- rules
    def apply_rule(self, rule, args, kwargs, site: Position | None, label: str) -> Value:
        self._rule_frameworks.append(rule.framework)
        try:
            return self._apply_rule(rule, args, kwargs, site, label)
        finally:
            self._rule_frameworks.pop()

    def _apply_rule(self, rule, args, kwargs, site: Position | None, label: str) -> Value:
        params = _parse_signature(rule.signature)
        frame = Frame(None, None, {}, site=site, label=label)
        kwargs = {("from_" if k == "from" else k): v for k, v in kwargs.items()}
        positional = [*params.posonly_params, *params.params]
        self.bind(frame, params, positional, args, dict(kwargs), entry=False, passthrough=False,
                  default_frame=Frame(None, None, {}, site=site))
        env = frame.env
        given = [p.name.value for p in positional[:len(args)]] + list(kwargs)
        for name in given:
            value = env.get(name)
            if isinstance(value, Num) and not value.expr.is_Symbol and value.expr.free_symbols | {1} != {1} \
                    or isinstance(value, Num) and value.expr.is_irrational:
                env[name] = Num(value.expr, merge_steps(value.steps, (Step(f"{label}: {name} = "
                                                                               f"{to_text(value.expr)}", site),)))
        for statement in rule.let:
            self.exec_stmt(_parse_statement(statement), frame)
        if rule.kind == "function":
            return self.eval(_parse_expression(rule.returns), frame) if rule.returns else Lit(None)
        if rule.kind == "factory":
            open_shape = None
            if rule.like:
                source = env.get(rule.like)
                shape = self.state.heap[source.id].shape if isinstance(source, TensorRef) else None
                open_shape = self.state.heap[source.id].open_shape if isinstance(source, TensorRef) else None
            elif rule.shape:  # a shape argument (MLX: shape=(out, in)); an int n is the shape (n,)
                given = self.eval(_parse_expression(rule.shape), frame)
                shape = self.tensor_shape(list(given.items)) if isinstance(given, Seq) else \
                    self.tensor_shape([given]) if isinstance(given, Num) else None
            else:
                size = env.get("size")
                shape = self.tensor_shape(list(size.items)) if isinstance(size, Seq) else None
                if isinstance(size, Seq) and len(size.items) == 1 and isinstance(size.items[0], OpenSeq) and all(
                        isinstance(d, Num) for d in size.items[0].head + size.items[0].tail):
                    open_shape = size.items[0]  # torch.empty((out, in // groups, *kernel_size))
            distribution, steps, problem = self.rule_distribution(rule, frame)
            return self.new_tensor(TensorState(shape, distribution, unresolved=problem, decided_at=site, steps=steps,
                                               created_at=site, open_shape=open_shape if shape is None else None))
        first = positional[0].name.value if positional else None
        target = env.get(rule.target or first)
        if isinstance(target, MayAlias):
            self.taint([], everything=True, reason=f"{label}() applied to {target.reason}")
            return target
        if not isinstance(target, TensorRef):
            return Unknown(f"{label}() on a value that is not a tracked tensor")
        if rule.copy_from:
            source = env.get(rule.copy_from)
            if isinstance(source, TensorRef):
                copied = self.state.heap[source.id]
                if target.view is not None:
                    self.note_view_write(target, target.view, f"copied from {_describe(copied)}", site)
                else:
                    old = self.state.heap[target.id]
                    self.state.heap[target.id] = replace(old, distribution=copied.distribution,
                                                         unresolved=copied.unresolved, decided_at=copied.decided_at,
                                                         steps=merge_steps(copied.steps, (Step(
                                                             f"{label}: values copied", site),)))
            else:
                self.mark_unresolved(target, f"{label}() copies values not known statically")
            return target
        distribution, steps, problem = self.rule_distribution(rule, frame)
        if target.view is not None:
            shown = _describe(TensorState(None, distribution, problem))
            self.note_view_write(target, target.view, f"set to {shown}", site)
            return target
        old = self.state.heap[target.id]
        if old.lazy:
            return target  # a lazy parameter's values are set after materialisation, not here
        self.state.heap[target.id] = replace(old, distribution=distribution, unresolved=problem, decided_at=site,
                                             steps=steps)
        return target

    # ---------------------------------------------------------------- initializer objects (Keras)
    def build_initializer(self, rule, args, kwargs, site) -> Value:
        """`GlorotUniform(seed=0)`: an initializer object, its constructor's arguments bound by the rule."""
        params = _parse_signature(rule.signature)
        frame = Frame(None, None, {}, site=site)
        positional = [*params.posonly_params, *params.params]
        if len(args) > len(positional) or set(kwargs) - {p.name.value for p in (*positional, *params.kwonly_params)}:
            return Unknown(f"{rule.names[0].rsplit('.', 1)[-1]}() called with arguments its rule does not take")
        self.bind(frame, params, positional, args, dict(kwargs), entry=False, passthrough=False,
                  default_frame=Frame(None, None, {}, site=site))
        return InitializerValue(rule, tuple(frame.env.items()))

    def registry_get(self, framework, identifier: Value) -> Value:
        """initializers.get(identifier): None stays None, a name is the builder registered under it with its
        defaults, an initializer object is itself; anything else (a dict config, a callable, a tensor) is not
        modelled."""
        if isinstance(identifier, Lit) and identifier.value is None:
            return Lit(None)
        if isinstance(identifier, Lit) and isinstance(identifier.value, str):
            rule = framework.registry.get(identifier.value)
            if rule is None:
                return Unknown(f"the initializer {identifier.value!r}, which the {framework.name} rules do not "
                               f"describe")
            return self.build_initializer(rule, [], {}, None)
        if isinstance(identifier, InitializerValue):
            return identifier
        reason = identifier.reason if isinstance(identifier, Unknown) else "a value that is not an initializer name"
        return Unknown(f"an initializer given as {reason}")

    def apply_builder(self, initializer: InitializerValue, shape: Value, site, label: str = "") -> Value:
        """The values an initializer object gives for `shape`: a new tensor with the rule's distribution."""
        rule = initializer.rule
        label = label or rule.names[0].rsplit(".", 1)[-1]
        dims = self.tensor_shape(list(shape.items)) if isinstance(shape, Seq) else \
            self.tensor_shape([shape]) if isinstance(shape, Num) else None
        ref = self.new_tensor(TensorState(dims, None, decided_at=site, created_at=site,
                                          shape_unknown=None if dims is not None else "a shape not known statically"))
        env = dict(initializer.args)
        env.update({"tensor": ref, "shape": shape})
        frame = Frame(None, None, env, site=site, label=label)
        self._rule_frameworks.append(rule.framework)
        try:
            for statement in rule.let:
                self.exec_stmt(_parse_statement(statement), frame)
            distribution, steps, problem = self.rule_distribution(rule, frame)
        finally:
            self._rule_frameworks.pop()
        self.state.heap[ref.id] = replace(self.state.heap[ref.id], distribution=distribution, unresolved=problem,
                                          steps=steps)
        return ref

    def add_weight(self, rule, args, kwargs, site) -> Value:
        """`self.add_weight(shape=..., initializer=..., name=...)`: a parameter with the initializer's values,
        named by its `name` (else by the attribute it is assigned to)."""
        params = _parse_signature(rule.signature)
        frame = Frame(None, None, {}, site=site, label=rule.names[0])
        positional = [*params.posonly_params, *params.params]
        self.bind(frame, params, positional, args, dict(kwargs), entry=False, passthrough=False,
                  default_frame=Frame(None, None, {}, site=site))
        given = frame.env.get(rule.target or "initializer")
        self._rule_frameworks.append(rule.framework)
        try:
            for statement in rule.let:
                self.exec_stmt(_parse_statement(statement), frame)
            shape = self.eval(_parse_expression(rule.shape), frame) if rule.shape else frame.env.get("shape")
            initializer = frame.env.get(rule.target or "initializer")
            if isinstance(given, Unknown):  # keep why the initializer handed in is not known
                initializer = given
            framework = self.knowledge.framework(rule.framework)
            if isinstance(initializer, Lit) and isinstance(initializer.value, str):
                initializer = self.registry_get(framework, initializer)
        finally:
            self._rule_frameworks.pop()
        if isinstance(initializer, InitializerValue):
            ref = self.apply_builder(initializer, shape, site)
        else:
            reason = initializer.reason if isinstance(initializer, Unknown) else "not an initializer"
            line = f" (line {site.line})" if site is not None else ""
            dims = self.tensor_shape(list(shape.items)) if isinstance(shape, Seq) else None
            ref = self.new_tensor(TensorState(dims, None, unresolved=f"{rule.names[0]}(){line}: the initializer is "
                                                                     f"{reason}", created_at=site))
        self.state.heap[ref.id] = replace(self.state.heap[ref.id], is_parameter=True, created_at=site)
        name = frame.env.get("name")
        if isinstance(name, Lit) and isinstance(name.value, str):
            self.weight_names[ref.id] = name.value
            self.state.params[name.value] = ref
        else:
            self.state.dynamic.append(ref)
        return ref

    def rule_distribution(self, rule, frame: Frame):
        params = []
        steps: tuple = ()
        for key, expression in rule.init_params:
            value = self.eval(_parse_expression(expression), frame)
            if not isinstance(value, Num):
                reason = value.reason if isinstance(value, Unknown) else "not a number"
                return None, steps, f"{frame.label}(): {reason}"
            params.append((key, value.expr))
            steps = merge_steps(steps, value.steps)
        return Distribution(rule.family, tuple(params)), steps, None

    # ---------------------------------------------------------------- builtins
    def call_math(self, name: str, args) -> Value:
        sympy = _sympy()
        nums = [a for a in args if isinstance(a, Num)]
        unknown = next((a for a in args if isinstance(a, Unknown)), None)
        if unknown is not None:
            return unknown
        if len(nums) != len(args) or not args and name != "prod":
            return Unknown(f"math.{name} of a value not known statically")
        steps = merge_steps(*(a.steps for a in nums))
        functions = {"sqrt": sympy.sqrt, "exp": sympy.exp, "ceil": sympy.ceiling, "floor": sympy.floor,
                     "fabs": sympy.Abs, "tanh": sympy.tanh, "sin": sympy.sin, "cos": sympy.cos}
        if name in functions and len(nums) == 1:
            return Num(functions[name](nums[0].expr), steps)
        if name == "log":
            return Num(sympy.log(*[n.expr for n in nums]), steps)
        if name == "pow" and len(nums) == 2:
            too_large = _power_too_large(nums[0].expr, nums[1].expr)
            return Unknown(too_large) if too_large else _bounded(Num(nums[0].expr ** nums[1].expr, steps))
        if name == "prod" and len(args) == 1 and isinstance(args[0], Seq):
            return self.call_rule_builtin("prod", args)
        return Unknown(f"math.{name}")

    def call_rule_builtin(self, name: str, args, site: Position | None = None, label: str = "") -> Value:
        """The small vocabulary that rule expressions are written in (see rules/torch.toml)."""
        sympy = _sympy()
        unknown = next((a for a in args if isinstance(a, Unknown)), None)
        if unknown is not None and name not in ("calculate_gain",):
            return unknown
        if name == "prod" and len(args) == 1 and isinstance(args[0], OpenSeq):
            return self.open_product(args[0])
        if name == "sqrt" and len(args) == 1 and isinstance(args[0], Num):
            return Num(sympy.sqrt(args[0].expr), args[0].steps)
        if name in ("ceil", "floor") and len(args) == 1 and isinstance(args[0], Num):
            return Num((sympy.ceiling if name == "ceil" else sympy.floor)(args[0].expr), args[0].steps)
        if name == "prod" and len(args) == 1 and isinstance(args[0], Seq):
            items = args[0].items
            if not all(isinstance(i, Num) for i in items):
                return Unknown("product of values not known statically")
            return Num(_product(items), merge_steps(*(i.steps for i in items)))
        if name in ("fan_in", "fan_out", "shape", "dim") and len(args) == 1:
            tensor = args[0]
            if not isinstance(tensor, TensorRef):
                return Unknown(f"{name}() of a value that is not a tracked tensor")
            state = self.state.heap[tensor.id]
            framework = self.framework  # fans are the class's framework's (else the applied rule's)
            open_shape = state.open_shape if state.shape is None else None
            if open_shape is not None and name in ("fan_in", "fan_out", "shape"):
                # a shape with a starred part of unknown length: at least its known items' dimensions
                if name == "shape":
                    return open_shape
                known = len(open_shape.head) + len(open_shape.tail)
                if known < framework.fan_min_dim:
                    return Unknown(f"{name}() of a tensor that may have fewer than {framework.fan_min_dim} "
                                   f"dimensions (*{open_shape.rest} may be empty)")
                shape_value = open_shape
                shape_text = "(" + ", ".join([*(to_text(d.expr) if isinstance(d, Num) else "?"
                                                for d in open_shape.head), f"*{open_shape.rest}",
                                              *(to_text(d.expr) if isinstance(d, Num) else "?"
                                                for d in open_shape.tail)]) + ")"
            elif state.shape is None:
                return Unknown(f"{name}() of a tensor whose shape is not known" + (
                    f": {state.shape_unknown}" if state.shape_unknown else ""))
            else:
                shape_value, shape_text = Seq(state.shape), None
            if name == "shape":
                return Seq(state.shape)
            if name == "dim":
                return _number(len(state.shape))
            if name not in framework.fan:
                return Unknown(f"{name}() has no rule for the framework {framework.name or '(none)'}")
            if open_shape is None and len(state.shape) < framework.fan_min_dim:
                return Unknown(f"{name} of a {len(state.shape)}-D tensor is an error in the framework")
            frame = Frame(None, None, {"shape": shape_value}, site=site, label=label)
            value = self.eval(_parse_expression(framework.fan[name]), frame)
            if isinstance(value, Num):
                shape_text = shape_text or to_text(tuple(d.expr for d in state.shape))
                step = Step(f"{label + ': ' if label else ''}{name} = {to_text(value.expr)}, from the shape "
                            f"{shape_text}", site)
                value = Num(value.expr, merge_steps(value.steps, (step,)))
            return value
        if name == "calculate_gain" and args:
            nonlinearity = args[0]
            param = args[1] if len(args) > 1 else Lit(None)
            if not (isinstance(nonlinearity, Lit) and isinstance(nonlinearity.value, str)):
                return Unknown("calculate_gain() of a nonlinearity not known statically")
            expression = self.framework.gain.get(nonlinearity.value.lower())
            if expression is None:
                return Unknown(f"calculate_gain('{nonlinearity.value}') is not in the rules")
            frame = Frame(None, None, {"param": param}, site=site, label=label)
            value = self.eval(_parse_expression(expression), frame)
            if isinstance(value, Num):
                shown = to_text(param.expr) if isinstance(param, Num) else repr(param.value) if isinstance(
                    param, Lit) else "?"
                step = Step(f"{label + ': ' if label else ''}calculate_gain('{nonlinearity.value}', {shown}) = "
                            f"{to_text(value.expr)}", site)
                value = Num(value.expr, merge_steps(getattr(param, "steps", ()), value.steps, (step,)))
            return value
        if name == "ntuple" and len(args) == 2 and isinstance(args[1], Num) and args[1].expr.is_Integer:
            value, n = args[0], int(args[1].expr)
            if isinstance(value, Seq):
                return value
            if isinstance(value, Num):
                if n == 1:
                    return Seq((value,))
                if isinstance(value.expr, sympy.Symbol):
                    return Seq(tuple(self.indexed_symbol(value.expr.name, i) for i in range(n)))
                return Seq((value,) * n)
            return Unknown("ntuple of a value not known statically")
        if name in ("min", "max") and args and all(isinstance(a, Num) for a in args):
            return Num((sympy.Min if name == "min" else sympy.Max)(*[a.expr for a in args]))
        if name == "abs" and len(args) == 1 and isinstance(args[0], Num):
            return Num(sympy.Abs(args[0].expr), args[0].steps)
        return Unknown(f"{name}() of values not known statically")

    def call_builtin(self, func: Builtin, args, kwargs, frame: Frame, node, site) -> Value:
        name = func.name
        if name.startswith("rule."):
            return self.call_rule_builtin(name[5:], args, site=frame.site, label=frame.label)
        if name == "noop":
            return Lit(None)
        if name.startswith("input."):
            return self.input_method(func.bound, name[6:], args)
        if name.startswith("weight.") and self.class_framework is not None:
            return self.add_weight(self.class_framework.weight_methods[name[7:]], args, kwargs, site)
        if name.startswith("module."):
            attr = name[7:]
            if any(n.rsplit(".", 1)[-1] == attr for n in self.knowledge.lazy_check_methods):
                return self.has_lazy_tensors()  # only built by get_attribute for the framework's method
            if attr in self.knowledge.parameters_methods:
                return Seq(tuple(self.state.params.values()) + tuple(self.state.dynamic), "list")
            if attr in self.knowledge.named_parameters_methods:
                named = tuple(Seq((Lit(k), v)) for k, v in self.state.params.items())
                dynamic = tuple(Seq((Unknown("name of a parameter created dynamically"), v))
                                for v in self.state.dynamic)
                return Seq(named + dynamic, "list")
            if attr in self.knowledge.modules_methods | self.knowledge.children_methods:
                # Module.modules()/children(): self (for modules) and the submodules, i.e. the attributes
                # holding objects doccheck does not model; an aliasing one keeps its aliasing
                named = attr.startswith("named_")
                subs = [(k, v) for k, v in self.state.attrs.items() if isinstance(v, Unknown)]
                if attr in self.knowledge.modules_methods:
                    subs.insert(0, ("", Instance()))
                items = tuple(Seq((Lit(k), v)) if named else v for k, v in subs)
                return Seq(items, "list")
            if attr in self.knowledge.register_buffer_methods and args:
                if isinstance(args[0], Lit) and isinstance(args[0].value, str) and args[0].value not in \
                        self.state.params:
                    self.state.attrs[args[0].value] = args[1] if len(args) > 1 else kwargs.get("tensor", Lit(None))
                return Lit(None)
            if attr in self.knowledge.register_parameter_methods and len(args) >= 2:
                self.register_parameter(args[0], args[1])
                return Lit(None)
            if attr in self.knowledge.apply_methods and args:
                # self.apply(fn): fn(module) for every submodule (not tracked) and for self
                self.call(args[0], [Instance()], {}, frame, node, site)
                return Instance()
            return Lit(None)
        if name.startswith("value."):
            return self.call_value_method(name[6:], func.bound, args, kwargs)
        if name == "super":
            if frame.cls is None:
                return Unknown("super() outside a method")
            if args and isinstance(args[0], ProjectClass):
                return SuperRef(args[0].definition.qualname)
            return SuperRef(frame.cls.qualname)
        if name == "setattr" and len(args) == 3 and isinstance(args[0], Instance):
            if isinstance(args[1], Lit) and isinstance(args[1].value, str):
                self.set_attribute(args[1].value, args[2])
            else:
                self.register_parameter(args[1], args[2])
            return Lit(None)
        if name == "getattr" and len(args) == 3 and isinstance(args[0], TensorRef) and isinstance(args[1], Lit) \
                and isinstance(args[1].value, str) and args[1].value not in self.knowledge.aliasing_attributes \
                and args[1].value not in ("shape", "ndim"):
            # a Python attribute of the tensor object (HF's `_is_hf_initialized` marker): what the analysed code
            # set, else — for a marker no tensor has by itself, on a tensor this code created — the default;
            # otherwise not known, and both ways are followed
            tensor = self.state.heap[args[0].id]
            set_here = dict(tensor.py_attrs)
            if args[1].value in set_here:
                return set_here[args[1].value]
            if args[1].value in self.knowledge.unset_tensor_attributes and tensor.created_at is not None \
                    and self.caller_argument(args[0]) is None:
                return args[2]
            return Unknown(f"getattr(tensor, {args[1].value!r}, …): an attribute of the tensor object that code "
                           f"run elsewhere may set")
        if name == "getattr" and len(args) >= 2 and isinstance(args[1], Lit) and isinstance(args[1].value, str):
            return self.get_attribute(args[0], args[1].value, frame)
        if name == "getattr" and len(args) >= 2 and isinstance(args[0], Instance):
            return AnyAttribute(f"getattr(self, …) with a name computed at run time")
        if name == "hasattr" and len(args) == 2 and isinstance(args[0], Instance) and isinstance(args[1], Lit):
            return Lit(True) if args[1].value in self.state.attrs else Unknown("hasattr")
        if name == "len" and len(args) == 1:
            if isinstance(args[0], (Seq, Mapping)):
                return _number(len(args[0].items))
            if isinstance(args[0], Lit) and isinstance(args[0].value, str):
                return _number(len(args[0].value))
            return Unknown("len of a value not known statically")
        if name == "range":
            if args and all(isinstance(a, Num) and a.expr.is_Integer for a in args):
                bounds = [int(a.expr) for a in args]
                r = range(*bounds)
                if len(r) <= MAX_UNROLL:
                    return Seq(tuple(_number(i) for i in r), "list")
            return Unknown("range not known statically")
        if name in ("float", "int") and len(args) == 1:
            value = args[0]
            if isinstance(value, Num):
                return value if name == "float" or value.expr.is_integer else Num(_sympy().floor(value.expr),
                                                                                   value.steps)
            if isinstance(value, Lit) and isinstance(value.value, bool):
                return _number(int(value.value))
            return Unknown(f"{name}() of a value not known statically")
        if name == "bool" and len(args) == 1:
            decided = self.truth(args[0])
            return Lit(decided) if decided is not None else Unknown("bool() not known statically")
        if name in ("tuple", "list") and len(args) == 1 and isinstance(args[0], Seq):
            return Seq(args[0].items, name)
        if name in ("tuple", "list") and not args:
            return Seq((), name)
        if name == "dict" and not args:
            return Mapping(tuple(kwargs.items()))
        if name == "zip" and any(isinstance(a, Seq) for a in args):
            # Unknown sequences beside known ones: the loop still runs once per known item,
            # so parameters registered in it are seen (their names stay unknown).
            length = min(len(a.items) for a in args if isinstance(a, Seq))
            columns = [a.items[:length] if isinstance(a, Seq) else (Unknown("element of a sequence not known "
                                                                            "statically"),) * length for a in args]
            return Seq(tuple(Seq(group) for group in zip(*columns)), "list")
        if name == "enumerate" and len(args) == 1 and isinstance(args[0], Seq):
            return Seq(tuple(Seq((_number(i), v)) for i, v in enumerate(args[0].items)), "list")
        if name == "isinstance" and len(args) == 2:
            return self.isinstance_check(args[0], args[1])
        if name in ("min", "max", "abs", "sum"):
            items = list(args[0].items) if len(args) == 1 and isinstance(args[0], Seq) else args
            if name == "sum":
                if all(isinstance(i, Num) for i in items):
                    return Num(sum((i.expr for i in items), _sympy().Integer(0)))
                return Unknown("sum not known statically")
            return self.call_rule_builtin(name, items)
        if name in ("print", "warnings.warn"):
            return Lit(None)
        if name in NON_WRITING_BUILTINS:  # they read their arguments (or return them), never change them
            return self.unknown_like(f"{name}() of a value not known statically", *args, *kwargs.values())
        return self.unknown_call(name, args, kwargs, site)

    def has_lazy_tensors(self) -> Value:
        """has_uninitialized_params(): is a parameter or buffer still lazy?  Lazy tensors come only from the
        rules' lazy classes, so every one is tracked; a value that may alias self could hide one."""
        state = self.state
        refs = [*state.params.values(), *state.dynamic, *(v for v in state.attrs.values() if isinstance(v, TensorRef))]
        if any(state.heap[r.id].lazy and (state.heap[r.id].is_parameter or r in state.attrs.values()) for r in refs):
            if any(state.heap[r.id].lazy and state.heap[r.id].is_parameter for r in refs):
                return Lit(True)
            # a lazy tensor that is not a parameter: a buffer only when registered as one
            return Unknown("has_uninitialized_params(): a lazy tensor held by an attribute may not be a buffer")
        if any(isinstance(v, MayAlias) for v in state.attrs.values()):
            return Unknown("has_uninitialized_params(): an attribute of self is a value not modelled")
        return Lit(False)

    def isinstance_check(self, value: Value, kinds: Value) -> Value:
        options = kinds.items if isinstance(kinds, Seq) else (kinds,)
        if isinstance(value, Instance):
            mine = {item.qualname for item in self.mro}
            roots = self.knowledge.module_roots
            # False only when every class of the MRO was read and every option is a class we read
            # (an option known only by name may be a re-export of one of our bases: torch.nn.Linear)
            certain = all(not isinstance(item, External) or item.qualname in roots for item in self.mro)
            for option in options:
                if isinstance(option, ProjectClass) and option.definition.qualname in mine:
                    return Lit(True)
                if isinstance(option, Qual):
                    name = self.knowledge.canonical(option.qualname)
                    if option.qualname in mine or name in mine or name in roots:
                        return Lit(True)
                    found = self.project.resolve_qualname(name)
                    if isinstance(found, Definition) and found.qualname in mine:
                        return Lit(True)
                    if not isinstance(found, Definition):
                        certain = False
            if certain and all(isinstance(o, (ProjectClass, Qual)) for o in options):
                return Lit(False)
            return Unknown("isinstance of self against a type not known statically")
        names = []
        for option in options:
            if isinstance(option, Builtin):
                names.append(option.name)
            elif isinstance(option, Qual):
                names.append(option.qualname)
            else:
                return Unknown("isinstance against a type not known statically")
        if isinstance(value, Lit):
            kind = {str: "str", bool: "bool", type(None): "NoneType"}.get(type(value.value))
            matches = kind in names or (kind == "bool" and "int" in names)
            return Lit(matches)
        if isinstance(value, Num):
            if any(n in ("int", "float", "numbers.Number", "numbers.Real", "numbers.Integral") for n in names):
                return Lit(True)
            if any(n in ("str", "bool", "tuple", "list", "dict") for n in names):
                return Lit(False)
        if isinstance(value, Seq):
            return Lit(value.kind in names or ("tuple" in names and value.kind == "tuple"))
        lazy_classes = self.knowledge.lazy_parameter_classes | self.knowledge.lazy_buffer_classes
        if isinstance(value, TensorRef) and any(self.knowledge.canonical(n) in lazy_classes for n in names):
            state = self.state.heap[value.id]
            if value.view is None and all(self.knowledge.canonical(n) in lazy_classes for n in names):
                wanted = {self.knowledge.canonical(n) for n in names}
                kind = self.knowledge.lazy_parameter_classes if state.is_parameter else \
                    self.knowledge.lazy_buffer_classes
                return Lit(state.lazy and bool(wanted & kind))
            return Unknown("isinstance against a lazy class and others")
        if isinstance(value, TensorRef) and any(n.startswith("torch.") for n in names):
            return Lit(any(n in ("torch.Tensor", "torch.nn.Parameter", "torch.nn.parameter.Parameter") for n in names))
        return Unknown("isinstance not known statically")

    def call_value_method(self, name: str, value: Value, args, kwargs) -> Value:
        if isinstance(value, Lit) and isinstance(value.value, str):
            text = value.value
            if name in ("lower", "upper", "strip") and not args:
                return Lit(getattr(text, name)())
            if name == "format":
                if all(isinstance(a, Lit) for a in args) and all(isinstance(v, Lit) for v in kwargs.values()):
                    try:
                        return Lit(text.format(*[a.value for a in args], **{k: v.value for k, v in kwargs.items()}))
                    except (IndexError, KeyError, ValueError):
                        return Unknown("str.format with missing fields")
                return Unknown("str.format of values not known statically")
            if name in ("startswith", "endswith") and args and isinstance(args[0], Lit):
                return Lit(getattr(text, name)(args[0].value))
        if isinstance(value, Mapping) and name == "get" and args and isinstance(args[0], Lit):
            found = value.get(args[0].value)
            return found if found is not None else (args[1] if len(args) > 1 else Lit(None))
        if isinstance(value, Mapping) and name in ("items", "keys", "values"):
            if name == "items":
                return Seq(tuple(Seq((Lit(k), v)) for k, v in value.items), "list")
            if name == "keys":
                return Seq(tuple(Lit(k) for k, _ in value.items), "list")
            return Seq(tuple(v for _, v in value.items), "list")
        return Unknown(f".{name}() of a value")


MUTATING_METHODS = frozenset({"append", "extend", "insert", "update", "setdefault", "pop", "popitem", "remove", "clear",
                              "__setitem__", "__delitem__", "sort", "reverse", "add", "discard"})

NON_WRITING_BUILTINS = frozenset({
    "list", "tuple", "iter", "next", "len", "sorted", "reversed", "enumerate", "zip", "map", "filter", "dict", "set",
    "frozenset", "isinstance", "issubclass", "hasattr", "getattr", "id", "type", "repr", "str", "hash", "callable",
    "any", "all", "min", "max", "sum", "abs", "float", "int", "bool", "round", "range", "format"})

RULE_BUILTINS: dict[str, Value] = {name: Builtin(f"rule.{name}") for name in (
    "sqrt", "prod", "ceil", "floor", "fan_in", "fan_out", "shape", "dim", "calculate_gain", "ntuple", "min", "max",
    "abs")}
RULE_BUILTINS["len"] = Builtin("len")  # Keras' fans depend on the number of dimensions


def _power_too_large(base, exponent) -> str | None:
    """Why ``base ** exponent`` must not be computed exactly (it would take minutes or gigabytes), or None."""
    if not getattr(exponent, "is_Rational", False) or abs(exponent) <= 64:
        return None
    if getattr(base, "is_Rational", False):
        if base in (0, 1, -1):
            return None
        bits = max(int(base.p).bit_length(), int(base.q).bit_length())
        if bits * abs(exponent) <= MAX_BITS:
            return None
        return f"number too large: a power with more than {MAX_BITS} bits"
    if abs(exponent) <= MAX_EXPONENT:
        return None
    return f"exponent {exponent} too large (at most {MAX_EXPONENT})"


def _bounded(value: Num) -> Value:
    """`value`, or Unknown when it is an exact number too large for further arithmetic."""
    expr = value.expr
    if getattr(expr, "is_Rational", False) and max(int(expr.p).bit_length(), int(expr.q).bit_length()) > MAX_BITS:
        return Unknown(f"number too large (more than {MAX_BITS} bits)")
    return value


def _product(items) -> object:
    sympy = _sympy()
    result = sympy.Integer(1)
    for item in items:
        result = result * (item.expr if isinstance(item, Num) else item)
    return result


def _names_in(node: cst.CSTNode) -> list:
    found = []

    class Visitor(cst.CSTVisitor):
        def visit_Name(self, name):
            found.append(name)

        def visit_Attribute(self, attribute):  # `a.b`: only the base name is a variable
            attribute.value.visit(self)
            return False

    node.visit(Visitor())
    return found


@functools.lru_cache(maxsize=4096)  # libcst nodes hash by identity
def _is_generator(function: cst.FunctionDef) -> bool:
    """Does the function's own body (not a nested def or lambda) contain `yield`?"""
    found = []

    class Visitor(cst.CSTVisitor):
        def visit_FunctionDef(self, node):
            return node is function

        def visit_Lambda(self, node):
            return False

        def visit_Yield(self, node):
            found.append(node)

    function.visit(Visitor())
    return bool(found)


def _tensors_in(value: Value, depth: int = 0) -> list:
    if isinstance(value, TensorRef):
        return [value]
    if depth < 4 and isinstance(value, Seq):
        return [r for item in value.items for r in _tensors_in(item, depth + 1)]
    if depth < 4 and isinstance(value, Mapping):
        return [r for _, item in value.items for r in _tensors_in(item, depth + 1)]
    return []


def _holds_only_tensors(value: Value, depth: int = 0) -> bool:
    """A container whose aliasing values are all tracked tensors (those are marked one by one)."""
    items = value.items if isinstance(value, Seq) else [v for _, v in value.items]
    return all(isinstance(i, TensorRef) or not isinstance(i, (Instance, MayAlias, Seq, Mapping))
               or isinstance(i, (Seq, Mapping)) and depth < 4 and _holds_only_tensors(i, depth + 1) for i in items)


def _always_raises(block) -> bool:
    body = block.body if isinstance(block, (cst.IndentedBlock, cst.SimpleStatementSuite)) else block
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine) and any(isinstance(s, cst.Raise) for s in stmt.body):
            return True
        if isinstance(stmt, cst.Raise):
            return True
    return False


def _describe(state: TensorState, why: bool = False) -> str:
    from doccheck.distributions import formula

    if state.distribution is not None:
        return formula(state.distribution)
    if state.lazy:
        return "lazy"
    if why and state.unresolved:  # a join keeps the construct that made one side unresolved
        return f"unresolved ({state.unresolved[:300]})"
    return "unresolved"
