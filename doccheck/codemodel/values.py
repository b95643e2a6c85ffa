"""Abstract values of the code model's interpreter.

Numbers are sympy expressions in the constructor's arguments, each carrying the
derivation steps that produced it; tensors are references into a heap of
`TensorState`s so that a branch can be evaluated on a copy and joined after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from doccheck.model import Distribution, Position, Step


class Value:
    __slots__ = ()


@dataclass(frozen=True, eq=False)
class Unknown(Value):
    reason: str = "not evaluated statically"

    def __eq__(self, other):
        return isinstance(other, Unknown)

    def __hash__(self):
        return 0


class MayAlias(Unknown):
    """A value not modelled exactly that may be, or hold, one of self's parameters (the module itself,
    an attribute of self the code evaluated never set, the result of a call that received self or a
    parameter, a loop variable over such a value).  Writing through it may change any parameter, so
    every write through it makes every parameter unresolved, with this reason."""

    def __eq__(self, other):  # never equal to a plain Unknown: a join must not lose the aliasing
        return isinstance(other, MayAlias)

    def __hash__(self):
        return 1


class AnyAttribute(MayAlias):
    """``getattr(self, name)`` with a name computed at run time: could be any parameter."""


@dataclass(frozen=True, eq=False)
class Num(Value):
    expr: Any
    steps: tuple[Step, ...] = ()

    def __eq__(self, other):
        return isinstance(other, Num) and self.expr == other.expr

    def __hash__(self):
        return hash(self.expr)


@dataclass(frozen=True)
class Lit(Value):
    """A Python constant that is not a number: str, bool, None, Ellipsis."""

    value: Any


@dataclass(frozen=True)
class ConventionNone(Lit):
    """An argument's `None` default taken by the entry convention: a guard that raises on it says the
    caller must replace it (``qconfig=None`` then ``if not qconfig: raise``)."""


@dataclass(frozen=True)
class Seq(Value):
    items: tuple
    kind: str = "tuple"


@dataclass(frozen=True)
class OpenSeq(Value):
    """A tuple with a middle part of unknown length: ``(out, in // groups, *kernel_size)`` where kernel_size is a
    tuple-valued constructor argument (a symbol).  Not a `Seq`: everything but indexing its known ends, slicing
    off its head and its product (a tensor's shape for fan_in) treats it as a value not known statically."""

    head: tuple  # of Value
    rest: Any  # the sympy symbol of the argument whose elements fill the middle
    tail: tuple = ()


@dataclass(frozen=True)
class InputTensor(Value):
    """The input of a lazy module's first forward call.  Its sizes are positive symbols ``input.shape[i]``
    (``input.shape[-i]`` counted from the end when the rank is large); `rank` is its number of dimensions, or
    None for "more than MAX_CONCRETE_RANK" (then ``input.dim()`` is a symbol and only the first and last few
    sizes can be read)."""

    rank: int | None


@dataclass(frozen=True)
class Mapping(Value):
    items: tuple  # ((key, Value), ...)

    def get(self, key):
        for k, v in self.items:
            if k == key:
                return v
        return None


@dataclass(frozen=True)
class TensorRef(Value):
    id: int
    view: str | None = None  # an indexed part of the tensor, e.g. "[padding_idx]"


@dataclass(frozen=True)
class Instance(Value):
    """`self` of the class being evaluated."""


@dataclass(frozen=True)
class Qual(Value):
    """A global name known only by its qualified name (torch.nn.init.uniform_, math.sqrt)."""

    qualname: str


@dataclass(frozen=True)
class ProjectFunction(Value):
    module: Any  # ModuleInfo
    node: Any  # FunctionDef
    toplevel: Any
    cls: Any = None  # Definition of the class the function is a method of
    bound_self: bool = False


@dataclass(frozen=True)
class ProjectClass(Value):
    definition: Any


@dataclass(frozen=True)
class SuperRef(Value):
    after: str  # qualname of the class whose successors are searched


@dataclass(frozen=True)
class TensorMethod(Value):
    tensor: TensorRef
    name: str


@dataclass(frozen=True)
class Builtin(Value):
    name: str
    bound: Any = None


@dataclass
class TensorState:
    shape: tuple | None  # of Num
    distribution: Distribution | None
    unresolved: str | None = None
    decided_at: Position | None = None
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = ()
    is_parameter: bool = False
    lazy: bool = False
    created_at: Position | None = None
    shape_unknown: str | None = None  # why the shape is not known (the construct, with its line)
    open_shape: Any = None  # an OpenSeq when shape is None because of a starred argument of unknown length
    # Python attributes the analysed code set on the tensor object (`t._is_hf_initialized = True`): name -> value
    py_attrs: tuple = ()

    def same_init(self, other: "TensorState") -> bool:
        return (self.distribution == other.distribution and self.unresolved == other.unresolved
                and self.notes == other.notes and self.lazy == other.lazy)


@dataclass
class State:
    """Everything a branch may change; copied before a branch and joined after."""

    heap: dict[int, TensorState] = field(default_factory=dict)
    attrs: dict[str, Value] = field(default_factory=dict)
    params: dict[str, TensorRef] = field(default_factory=dict)
    dynamic: list[TensorRef] = field(default_factory=list)
    divisible: frozenset = frozenset()

    def copy(self) -> "State":
        return State(dict(self.heap), dict(self.attrs), dict(self.params), list(self.dynamic), self.divisible)


def merge_steps(*groups: tuple[Step, ...]) -> tuple[Step, ...]:
    seen: dict[Step, None] = {}
    for group in groups:
        for step in group:
            seen.setdefault(step, None)
    return tuple(seen)


@dataclass(frozen=True)
class InitializerValue(Value):
    """An initializer object (Keras' GlorotUniform()): a [[builder]] rule with its constructor's arguments
    bound; applied to a shape (called, or handed to add_weight) it gives the values' distribution."""

    rule: Any  # CallRule of kind "builder"
    args: tuple = ()  # ((argument name, Value), ...)


@dataclass(frozen=True, eq=False)
class SymbolicShape(Unknown):
    """The shape argument of an entry point such as Keras' build(input_shape): a tuple of unknown length
    (unknown as a whole), whose entries at integer indexes are symbols (input_shape[-1] -> input_dim)."""

    name: str = "input_shape"
