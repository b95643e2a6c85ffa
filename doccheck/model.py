"""Plain data passed between the pipeline stages.

discover -> parse -> code model -> doc model -> compare -> report.  Every stage
consumes and produces these dataclasses; none of them holds behaviour beyond
small conveniences, so each stage can be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class _Words(str, Enum):
    """A status that is its word wherever it is printed or compared (JSON, f-strings, ``== "mismatch"``)."""

    def __str__(self) -> str:
        return self.value

    __hash__ = str.__hash__  # Enum hashes the member's name: a dict keyed by the word must find the member

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


class VerdictStatus(_Words):
    """The outcome of comparing one documented claim with the code's initialization of one parameter."""

    CONSISTENT = "consistent"  # proven equal
    MISMATCH = "mismatch"  # proven different (DC101)
    UNRESOLVED = "unresolved"  # the code's side, or the equality, could not be decided
    UNREADABLE = "unreadable"  # the claim was recognised but its formula could not be read (DC102)
    NO_SUCH_PARAMETER = "no-such-parameter"  # the claim names a parameter the code does not create


class CoverageStatus(_Words):
    """One parameter's status in `doccheck coverage`."""

    CONSISTENT = "consistent"
    MISMATCH = "mismatch"
    UNRESOLVED = "unresolved"
    UNDOCUMENTED = "undocumented"


@dataclass(frozen=True)
class Position:
    """A place in a source file; line and column are both 1-based."""

    path: str
    line: int
    column: int = 1


@dataclass(frozen=True)
class Step:
    """One line of a derivation, e.g. ``gain = calculate_gain('leaky_relu', √5) = √3/3``."""

    text: str
    position: Position | None = None


@dataclass(frozen=True)
class Distribution:
    """A parameter's distribution with symbolic (sympy) parameters.

    families and their parameters:
      uniform(low, high) · normal(mean, std) · trunc_normal(mean, std, a, b)
      constant(value) · orthogonal(gain) · sparse(sparsity, std) · eye() · dirac(groups)
      uninitialized() — memory from ``torch.empty`` that nothing ever wrote
      argument(name) — exactly the value the caller passed as the constructor's argument ``name``
    """

    family: str
    params: tuple[tuple[str, Any], ...] = ()

    def param(self, name: str) -> Any:
        for key, value in self.params:
            if key == name:
                return value
        raise KeyError(name)

    @property
    def param_dict(self) -> dict[str, Any]:
        return dict(self.params)


@dataclass
class ParamInit:
    """What the code does to one learnable parameter (the code model's result)."""

    name: str  # attribute name, or "*" for parameters created dynamically (setattr in loops)
    shape: tuple[Any, ...] | None
    distribution: Distribution | None
    unresolved: str | None = None  # why the distribution could not be decided
    decided_at: Position | None = None  # the call that decided the distribution
    created_at: Position | None = None
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ClassInit:
    """The code model of one class that creates learnable parameters."""

    name: str
    qualname: str
    position: Position
    params: list[ParamInit]
    symbols: dict[str, Any] = field(default_factory=dict)  # constructor argument -> sympy symbol
    dynamic: bool = False  # parameters also created under names not known statically
    problem: str | None = None  # the whole class could not be evaluated
    framework: str | None = None  # the framework whose Module the class derives from (its fan and gain rules)
    lazy: bool = False  # a lazy module: the parameters are what its first forward call's initialize_parameters leaves
    string_choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # argument -> strings it is compared with


@dataclass
class Claim:
    """One documented statement about a parameter's initialization (the doc model's result)."""

    subject: str  # parameter name, or "*" for "all the weights and biases"
    distribution: Distribution | None
    text: str  # the documented formula as written
    position: Position
    error: str | None = None  # set when the claim was recognised but could not be read
    derivation: list[str] = field(default_factory=list)  # bindings such as k = 1/in_features
    # a claim by name ("Defaults to `"glorot_uniform"`"): the distribution that initializer gives for the
    # parameter's shape, computed when the code's shape is known; `condition` holds the constructor arguments
    # the claim is conditioned on ("If `bias_initializer` is None, ...": (("bias_initializer", None),))
    initializer: str | None = None
    condition: tuple = ()


@dataclass(frozen=True)
class Verdict:
    """The outcome for one (claim, parameter) pair; explain, coverage and the Sphinx extension show these."""

    claim: Claim
    param: ParamInit | None
    status: VerdictStatus
    documented: Distribution | None = None  # in code symbols
    detail: str = ""


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    code: str
    message: str
    object: str = ""
    documented: str | None = None
    effective: str | None = None
    derivation: tuple[str, ...] = ()
    related: tuple[Position, ...] = ()
    duplicates: tuple[Position, ...] = ()  # the same finding on a copy of the same docstring text elsewhere

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code, self.object, self.message)


@dataclass
class ClassResult:
    """One analysed class: its code model, its claims and their verdicts (the checker fills `verdicts`)."""

    name: str
    qualname: str
    position: Position
    code: ClassInit | None
    claims: list[Claim]
    verdicts: list = field(default_factory=list)
    findings: list = field(default_factory=list)  # what the verdicts give (DC101, DC102, DC103), unfiltered
