"""Unit tests of the code model: the abstract interpreter run on small layers written to a
temporary package.

Each test writes one or more modules into ``tmp_path/mylib`` and evaluates one class with
`doccheck.codemodel.classes.evaluate_class`; expected values are sympy expressions in the
constructor's arguments (the symbols the interpreter reports in ``ClassInit.symbols``).

Tests named ``test_defect_*`` are regressions for defects this suite found in the
interpreter (each was an ``xfail(strict=True)`` until fixed).
"""

from __future__ import annotations

import importlib.util
import textwrap
import time
from pathlib import Path

import pytest
import sympy

from doccheck import knowledge as knowledge_module
from doccheck.codemodel.classes import evaluate_class
from doccheck.model import Distribution
from doccheck.parse import load_module
from doccheck.project import Definition, Project
from doccheck.symbolic import symbol

PACKAGE = "mylib"

HEADER = """\
import math

import torch
import torch.nn as nn
from torch.nn import init
from torch.nn.parameter import Parameter
"""


@pytest.fixture(scope="module")
def knowledge():
    return knowledge_module.load()


class Lib:
    """A throw-away package on disk; `evaluate` runs the code model on one of its classes."""

    def __init__(self, root: Path, knowledge):
        self.root = root
        self.knowledge = knowledge
        (root / PACKAGE).mkdir(exist_ok=True)
        (root / PACKAGE / "__init__.py").write_text("")

    def write(self, module: str, source: str, header: bool = True) -> Path:
        path = self.root / PACKAGE / f"{module}.py"
        text = textwrap.dedent(source)
        path.write_text((HEADER + "\n" + text) if header else text)
        return path

    def evaluate(self, source: str, cls: str, module: str = "layers", budget: int | None = None,
                 header: bool = True, **other_modules: str):
        for name, text in other_modules.items():
            self.write(name, text)
        path = self.write(module, source, header=header)
        project = Project([self.root])
        info = load_module(path, f"{PACKAGE}.{module}")
        project.add(info, self.root)
        definition = Definition(info, info.definitions[cls], f"{PACKAGE}.{module}.{cls}")
        return evaluate_class(project, self.knowledge, definition, budget=budget)


@pytest.fixture
def lib(tmp_path, knowledge):
    return Lib(tmp_path, knowledge)


# ---------------------------------------------------------------------------- helpers


class Symbols:
    """``s.in_features`` / ``s["kernel_size[0]"]``: the interpreter's symbol of that name."""

    def __init__(self, result):
        self._symbols = dict(result.symbols)

    def __getattr__(self, name):
        return self[name]

    def __getitem__(self, name):
        return self._symbols.get(name) or symbol(name)


def param(result, name):
    assert result is not None, "the class creates no parameter"
    found = {p.name: p for p in result.params}
    assert name in found, f"no parameter {name!r}; parameters: {sorted(found)}"
    return found[name]


def same(actual, expected) -> bool:
    return sympy.simplify(sympy.sympify(actual) - sympy.sympify(expected)) == 0


def assert_dist(result, name, family, **expected):
    """Parameter `name` holds `family` with the given parameters (sympy expressions or numbers)."""
    p = param(result, name)
    assert p.distribution is not None, f"{name} is unresolved: {p.unresolved}"
    assert p.distribution.family == family, f"{name}: {p.distribution}"
    values = p.distribution.param_dict
    for key, value in expected.items():
        assert same(values[key], value), f"{name}.{key}: got {values[key]}, expected {value}"
    return p


def assert_uniform(result, name, bound):
    return assert_dist(result, name, "uniform", low=-bound, high=bound)


def assert_unresolved(result, name, *words):
    p = param(result, name)
    assert p.distribution is None, f"{name} should be unresolved, got {p.distribution}"
    assert p.unresolved, f"{name}: unresolved without a reason"
    for word in words:
        assert word in p.unresolved, f"{name}: reason {p.unresolved!r} does not mention {word!r}"
    return p


DENSE = """
class Dense(nn.Module):
    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.in_features = in_features
        self.weight = Parameter(torch.empty((out_features, in_features), **factory_kwargs))
        if bias:
            self.bias = Parameter(torch.empty(out_features, **factory_kwargs))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)
"""


# ---------------------------------------------------------------------------- creating parameters


def test_dense_reference_layer(lib):
    result = lib.evaluate(DENSE, "Dense")
    s = Symbols(result)
    assert result.problem is None
    assert [p.name for p in result.params] == ["weight", "bias"]
    assert_uniform(result, "weight", 1 / sympy.sqrt(s.in_features))
    assert_uniform(result, "bias", 1 / sympy.sqrt(s.in_features))
    assert param(result, "weight").shape == (s.out_features, s.in_features)
    assert param(result, "bias").shape == (s.out_features,)


@pytest.mark.parametrize("spelling", [
    "Parameter(torch.randn(n, m))",
    "nn.Parameter(torch.randn(n, m))",
    "torch.nn.Parameter(torch.randn(n, m))",
    "nn.parameter.Parameter(torch.randn(n, m))",
    "nn.Parameter(data=torch.randn(n, m))",
    "nn.Parameter(torch.randn(n, m), requires_grad=True)",
])
def test_parameter_spellings(lib, spelling):
    result = lib.evaluate(f"""
        class P(nn.Module):
            def __init__(self, n, m):
                super().__init__()
                self.weight = {spelling}
    """, "P")
    s = Symbols(result)
    p = assert_dist(result, "weight", "normal", mean=0, std=1)
    assert p.shape == (s.n, s.m)


def test_register_parameter_adds_and_none_removes(lib):
    result = lib.evaluate("""
        class R(nn.Module):
            def __init__(self, n, bias=True):
                super().__init__()
                self.register_parameter("scale", nn.Parameter(torch.ones(n)))
                self.register_parameter("bias", nn.Parameter(torch.zeros(n)))
                self.register_parameter("bias", None)
    """, "R")
    assert [p.name for p in result.params] == ["scale"]
    assert_dist(result, "scale", "constant", value=1)


def test_setattr_with_a_literal_name_is_a_named_parameter(lib):
    result = lib.evaluate("""
        class S(nn.Module):
            def __init__(self, n):
                super().__init__()
                setattr(self, "gain", nn.Parameter(torch.ones(n)))
    """, "S")
    assert not result.dynamic
    assert_dist(result, "gain", "constant", value=1)


def test_a_plain_tensor_attribute_is_not_a_parameter(lib):
    result = lib.evaluate("""
        class B(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.running_mean = torch.zeros(n)
                self.weight = nn.Parameter(torch.ones(n))
    """, "B")
    assert [p.name for p in result.params] == ["weight"]


def test_class_without_parameters_gives_none(lib):
    assert lib.evaluate("""
        class Act(nn.Module):
            def __init__(self, inplace=False):
                super().__init__()
                self.inplace = inplace
    """, "Act") is None


def test_empty_storage_never_written_is_uninitialized(lib):
    result = lib.evaluate("""
        class E(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
    """, "E")
    assert_dist(result, "weight", "uninitialized")


@pytest.mark.parametrize("factory, family, expected", [
    ("torch.zeros(n)", "constant", {"value": 0}),
    ("torch.ones(n)", "constant", {"value": 1}),
    ("torch.full((n,), 0.5)", "constant", {"value": sympy.Rational(1, 2)}),
    ("torch.randn(n)", "normal", {"mean": 0, "std": 1}),
    ("torch.rand(n)", "uniform", {"low": 0, "high": 1}),
])
def test_tensor_factories(lib, factory, family, expected):
    result = lib.evaluate(f"""
        class F(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter({factory})
    """, "F")
    assert_dist(result, "weight", family, **expected)


# ---------------------------------------------------------------------------- lazy parameters


def test_uninitialized_parameter_is_lazy_and_unresolved(lib):
    result = lib.evaluate("""
        from torch.nn.parameter import UninitializedParameter

        class LazyDense(nn.Module):
            def __init__(self, out_features, bias=True, device=None, dtype=None):
                factory_kwargs = {"device": device, "dtype": dtype}
                super().__init__()
                self.weight = UninitializedParameter(**factory_kwargs)
                self.bias = UninitializedParameter(**factory_kwargs)
                self.reset_parameters()

            def reset_parameters(self):
                # runs on the uninitialized parameter: the values only exist after materialization
                init.kaiming_uniform_(self.weight, a=math.sqrt(5))
                init.zeros_(self.bias)
    """, "LazyDense")
    assert_unresolved(result, "weight", "lazy")
    assert_unresolved(result, "bias", "lazy")


def test_uninitialized_parameter_through_nn_namespace(lib):
    result = lib.evaluate("""
        class LazyScale(nn.Module):
            def __init__(self):
                super().__init__()
                self.weight = nn.UninitializedParameter()
    """, "LazyScale")
    assert_unresolved(result, "weight", "lazy")


# ---------------------------------------------------------------------------- shapes


@pytest.mark.parametrize("helper, dims", [("_single", 1), ("_pair", 2), ("_triple", 3)])
def test_ntuple_helpers_and_star_unpacking(lib, helper, dims):
    result = lib.evaluate(f"""
        from torch.nn.modules.utils import _single, _pair, _triple

        class Conv(nn.Module):
            def __init__(self, in_channels, out_channels, kernel_size, groups=1):
                super().__init__()
                if in_channels % groups != 0:
                    raise ValueError("in_channels must be divisible by groups")
                kernel_size = {helper}(kernel_size)
                self.weight = nn.Parameter(torch.empty(out_channels, in_channels // groups, *kernel_size))
                init.kaiming_uniform_(self.weight, a=math.sqrt(5))
    """, "Conv")
    s = Symbols(result)
    kernel = [s.kernel_size] if dims == 1 else [s[f"kernel_size[{i}]"] for i in range(dims)]
    p = param(result, "weight")
    assert p.shape == (s.out_channels, s.in_channels / s.groups, *kernel)
    fan_in = s.in_channels / s.groups * sympy.Mul(*kernel)
    assert_uniform(result, "weight", 1 / sympy.sqrt(fan_in))


def test_tuple_kernel_unpacked_into_names(lib):
    result = lib.evaluate("""
        from torch.nn.modules.utils import _pair

        class Conv(nn.Module):
            def __init__(self, in_channels, out_channels, kernel_size):
                super().__init__()
                kh, kw = _pair(kernel_size)
                self.weight = nn.Parameter(torch.empty(out_channels, in_channels, kh, kw))
                init.xavier_uniform_(self.weight)
    """, "Conv")
    s = Symbols(result)
    k = s["kernel_size[0]"] * s["kernel_size[1]"]
    assert_uniform(result, "weight", sympy.sqrt(6 / ((s.in_channels + s.out_channels) * k)))


def test_floor_division_without_guard_stays_floor(lib):
    result = lib.evaluate("""
        class Grouped(nn.Module):
            def __init__(self, in_channels, out_channels, groups=1):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(out_channels, in_channels // groups))
    """, "Grouped")
    s = Symbols(result)
    assert param(result, "weight").shape == (s.out_channels, sympy.floor(s.in_channels / s.groups))


@pytest.mark.parametrize("guard", [
    ["if in_channels % groups != 0:", "    raise ValueError('x')"],
    ["if in_channels % groups:", "    raise ValueError('x')"],
    ["if not in_channels % groups == 0:", "    raise ValueError('x')"],
    ["if in_channels % groups == 0:", "    pass", "else:", "    raise ValueError('x')"],
], ids=["ne-zero", "truthy", "not-eq", "else-raise"])
def test_raising_guard_makes_floor_division_exact(lib, guard):
    guard = ("\n" + " " * 16).join(guard)
    result = lib.evaluate(f"""
        class Grouped(nn.Module):
            def __init__(self, in_channels, out_channels, groups=1):
                super().__init__()
                {guard}
                self.weight = nn.Parameter(torch.empty(out_channels, in_channels // groups))
                init.kaiming_uniform_(self.weight, a=math.sqrt(5))
    """, "Grouped")
    s = Symbols(result)
    assert param(result, "weight").shape == (s.out_channels, s.in_channels / s.groups)
    assert_uniform(result, "weight", sympy.sqrt(s.groups / s.in_channels))


def test_self_attribute_aliases(lib):
    result = lib.evaluate("""
        class Alias(nn.Module):
            def __init__(self, in_features, out_features):
                super().__init__()
                self.in_features = in_features
                self.out_features = out_features
                self.fan = self.in_features
                self.weight = nn.Parameter(torch.empty(self.out_features, self.in_features))
                self.reset_parameters()

            def reset_parameters(self):
                stdv = 1.0 / math.sqrt(self.fan)
                init.uniform_(self.weight, -stdv, stdv)
    """, "Alias")
    s = Symbols(result)
    assert param(result, "weight").shape == (s.out_features, s.in_features)
    assert_uniform(result, "weight", 1 / sympy.sqrt(s.in_features))


def test_factory_kwargs_mapping_splat(lib):
    result = lib.evaluate("""
        class FK(nn.Module):
            def __init__(self, n, m, device=None, dtype=None):
                factory_kwargs = {"device": device, "dtype": dtype}
                super().__init__()
                self.weight = Parameter(torch.empty((n, m), **factory_kwargs))
                self.bias = Parameter(torch.zeros(n, **factory_kwargs))
                self.scale = Parameter(torch.full((n,), 2.0, **factory_kwargs))
    """, "FK")
    s = Symbols(result)
    assert param(result, "weight").shape == (s.n, s.m)
    assert_dist(result, "bias", "constant", value=0)
    assert_dist(result, "scale", "constant", value=2)


# ---------------------------------------------------------------------------- methods and inheritance


@pytest.mark.parametrize("method", ["reset_parameters", "_reset_parameters", "_init_weights"])
def test_init_method_called_from_constructor(lib, method):
    result = lib.evaluate(f"""
        class M(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                self.{method}()

            def {method}(self):
                init.ones_(self.weight)
    """, "M")
    assert_dist(result, "weight", "constant", value=1)


def test_a_method_the_constructor_never_calls_is_not_run(lib):
    result = lib.evaluate("""
        class M(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.zeros(n, n))

            def reset_parameters(self):
                init.ones_(self.weight)
    """, "M")
    assert_dist(result, "weight", "constant", value=0)


BASE_MODULE = """
class Base(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features = in_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.xavier_normal_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)
"""


def test_inherited_init_and_reset_parameters_from_another_file(lib):
    result = lib.evaluate("""
        from mylib.base import Base

        class Child(Base):
            pass
    """, "Child", base=BASE_MODULE)
    s = Symbols(result)
    assert_dist(result, "weight", "normal", mean=0, std=sympy.sqrt(2 / (s.in_features + s.out_features)))
    assert_dist(result, "bias", "constant", value=0)


def test_override_is_dispatched_from_the_base_constructor(lib):
    result = lib.evaluate("""
        from .base import Base

        class Child(Base):
            def reset_parameters(self):
                init.ones_(self.weight)
    """, "Child", base=BASE_MODULE)
    assert_dist(result, "weight", "constant", value=1)
    assert_dist(result, "bias", "uninitialized")


def test_super_reset_parameters_then_override_one(lib):
    result = lib.evaluate("""
        from mylib.base import Base

        class Child(Base):
            def reset_parameters(self):
                super().reset_parameters()
                init.orthogonal_(self.weight, gain=2)
    """, "Child", base=BASE_MODULE)
    assert_dist(result, "weight", "orthogonal", gain=2)
    assert_dist(result, "bias", "constant", value=0)


@pytest.mark.parametrize("call", [
    "super().__init__(in_features, out_features, bias=False)",
    "super(Child, self).__init__(in_features, out_features, False)",
    "Base.__init__(self, in_features, out_features, bias=False)",
])
def test_super_init_with_arguments(lib, call):
    # same-module explicit call works; see test_explicit_base_init_in_the_same_module
    result = lib.evaluate(f"""
        from mylib.base import Base

        class Child(Base):
            def __init__(self, in_features, out_features, extra=3):
                {call}
                self.extra = extra
    """, "Child", base=BASE_MODULE)
    assert [p.name for p in result.params] == ["weight"]


def test_explicit_base_init_in_the_same_module(lib):
    result = lib.evaluate(BASE_MODULE + """

class Child(Base):
    def __init__(self, in_features, out_features):
        Base.__init__(self, in_features, out_features, bias=False)
""", "Child")
    assert [p.name for p in result.params] == ["weight"]


def test_grandparent_chain_across_three_files(lib):
    lib.write("middle", """
        from mylib.base import Base

        class Middle(Base):
            def reset_parameters(self):
                super().reset_parameters()
                init.constant_(self.bias, 0.1)
    """)
    result = lib.evaluate("""
        from mylib.middle import Middle

        class Leaf(Middle):
            pass
    """, "Leaf", base=BASE_MODULE)
    assert_dist(result, "bias", "constant", value=sympy.Rational(1, 10))


def test_helper_function_in_another_file(lib):
    result = lib.evaluate("""
        from mylib.helpers import lecun_normal_, bias_bound

        class H(nn.Module):
            def __init__(self, in_features, out_features):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(out_features, in_features))
                self.bias = nn.Parameter(torch.empty(out_features))
                self.reset_parameters()

            def reset_parameters(self):
                lecun_normal_(self.weight, scale=2.0)
                bound = bias_bound(self.weight)
                init.uniform_(self.bias, -bound, bound)
    """, "H", helpers="""
        def lecun_normal_(tensor, scale=1.0):
            fan_in, _ = init._calculate_fan_in_and_fan_out(tensor)
            std = math.sqrt(scale / fan_in)
            with torch.no_grad():
                return tensor.normal_(0, std)

        def bias_bound(weight):
            return 1 / math.sqrt(weight.size(1))
    """)
    s = Symbols(result)
    assert_dist(result, "weight", "normal", mean=0, std=sympy.sqrt(2 / s.in_features))
    assert_uniform(result, "bias", 1 / sympy.sqrt(s.in_features))


def test_helper_module_imported_as_a_whole(lib):
    result = lib.evaluate("""
        from mylib import helpers

        class H(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                helpers.fill_(self.weight, 3)
    """, "H", helpers="""
        def fill_(tensor, value):
            init.constant_(tensor, value)
    """)
    assert_dist(result, "weight", "constant", value=3)


# ---------------------------------------------------------------------------- arithmetic


def test_tuple_unpacking_of_fans(lib):
    result = lib.evaluate("""
        class T(nn.Module):
            def __init__(self, in_features, out_features):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(out_features, in_features))
                fan_in, fan_out = init._calculate_fan_in_and_fan_out(self.weight)
                std = math.sqrt(2.0 / float(fan_in + fan_out))
                init.normal_(self.weight, 0.0, std)
    """, "T")
    s = Symbols(result)
    assert_dist(result, "weight", "normal", mean=0, std=sympy.sqrt(2 / (s.in_features + s.out_features)))


@pytest.mark.parametrize("expression, expected", [
    ("1 / math.sqrt(fan_in)", lambda f: 1 / sympy.sqrt(f)),
    ("fan_in ** -0.5", lambda f: 1 / sympy.sqrt(f)),
    ("(1.0 / fan_in) ** 0.5", lambda f: 1 / sympy.sqrt(f)),
    ("math.pow(fan_in, -0.5)", lambda f: 1 / sympy.sqrt(f)),
    ("sqrt(3.0) * math.sqrt(1 / (3 * fan_in))", lambda f: 1 / sympy.sqrt(f)),
    ("2 * 3 / (fan_in + 1) - 1 / (fan_in + 1)", lambda f: 5 / (f + 1)),
    ("math.sqrt(6 / (fan_in + fan_in))", lambda f: sympy.sqrt(3 / f)),
    ("1 / math.sqrt(fan_in) if fan_in > 0 else 0", lambda f: 1 / sympy.sqrt(f)),
    ("0 if fan_in <= 0 else 1 / math.sqrt(fan_in)", lambda f: 1 / sympy.sqrt(f)),
])
def test_arithmetic_and_math(lib, expression, expected):
    result = lib.evaluate(f"""
        from math import sqrt

        class A(nn.Module):
            def __init__(self, in_features, out_features):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(out_features, in_features))
                fan_in = self.weight.size(1)
                bound = {expression}
                init.uniform_(self.weight, -bound, bound)
    """, "A")
    s = Symbols(result)
    assert_uniform(result, "weight", expected(s.in_features))


def test_augmented_assignment(lib):
    result = lib.evaluate("""
        class A(nn.Module):
            def __init__(self, in_channels, out_channels, kernel_size):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(out_channels, in_channels, kernel_size))
                fan_in = in_channels
                fan_in *= kernel_size
                std = 1.0
                std /= math.sqrt(fan_in)
                init.normal_(self.weight, std=std)
    """, "A")
    s = Symbols(result)
    assert_dist(result, "weight", "normal", mean=0, std=1 / sympy.sqrt(s.in_channels * s.kernel_size))


@pytest.mark.parametrize("size", ["w.size(1)", "w.shape[1]", "w.size()[1]", "w.shape[-1]", "w.size(-1)"])
def test_size_and_shape_reads(lib, size):
    result = lib.evaluate(f"""
        class S(nn.Module):
            def __init__(self, in_features, out_features):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(out_features, in_features))
                w = self.weight
                stdv = 1.0 / math.sqrt({size})
                w.data.uniform_(-stdv, stdv)
    """, "S")
    s = Symbols(result)
    assert_uniform(result, "weight", 1 / sympy.sqrt(s.in_features))


def test_numel_and_dim(lib):
    result = lib.evaluate("""
        class S(nn.Module):
            def __init__(self, n, m):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, m))
                if self.weight.dim() == 2:
                    init.constant_(self.weight, 1.0 / self.weight.numel())
    """, "S")
    s = Symbols(result)
    assert_dist(result, "weight", "constant", value=1 / (s.n * s.m))


# ---------------------------------------------------------------------------- control flow


def test_if_bias_is_not_none(lib):
    result = lib.evaluate("""
        class B(nn.Module):
            def __init__(self, n, bias=True):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                self.bias = nn.Parameter(torch.empty(n)) if bias else None
                init.eye_(self.weight)
                if self.bias is not None:
                    init.zeros_(self.bias)
                if self.bias is None:
                    init.ones_(self.weight)
    """, "B")
    assert_dist(result, "weight", "eye")
    assert_dist(result, "bias", "constant", value=0)


def test_with_no_grad_block_is_executed(lib):
    result = lib.evaluate("""
        class W(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                with torch.no_grad():
                    self.weight.fill_(0.25)
                with torch.no_grad() as ctx, torch.enable_grad():
                    self.weight.mul_
    """, "W")
    assert_dist(result, "weight", "constant", value=sympy.Rational(1, 4))


def test_parameters_loop_with_dim_test(lib):
    result = lib.evaluate("""
        class L(nn.Module):
            def __init__(self, n_in, n_hidden):
                super().__init__()
                self.w = nn.Parameter(torch.empty(n_hidden, n_in))
                self.b = nn.Parameter(torch.zeros(n_hidden))
                for p in self.parameters():
                    if p.dim() > 1:
                        init.xavier_uniform_(p)
    """, "L")
    s = Symbols(result)
    assert_uniform(result, "w", sympy.sqrt(6 / (s.n_in + s.n_hidden)))
    assert_dist(result, "b", "constant", value=0)


@pytest.mark.parametrize("test", ['name.endswith("bias")', 'name.startswith("bias")', 'name == "bias"',
                                  'name in ("bias",)', 'name in ["bias", "other_bias"]'])
def test_named_parameters_loop_with_supported_name_tests(lib, test):
    result = lib.evaluate(f"""
        class L(nn.Module):
            def __init__(self, n_in, n_out):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n_out, n_in))
                self.bias = nn.Parameter(torch.empty(n_out))
                for name, p in self.named_parameters():
                    if {test}:
                        init.zeros_(p)
                    else:
                        init.xavier_normal_(p)
    """, "L")
    s = Symbols(result)
    assert_dist(result, "weight", "normal", mean=0, std=sympy.sqrt(2 / (s.n_in + s.n_out)))
    assert_dist(result, "bias", "constant", value=0)


def test_named_parameters_loop_with_substring_test_is_decided(lib):
    # `"bias" in name` on the names named_parameters() gives (issue 12: resolved again, exactly)
    result = lib.evaluate("""
        class L(nn.Module):
            def __init__(self, n_in, n_out):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n_out, n_in))
                self.bias = nn.Parameter(torch.empty(n_out))
                for name, p in self.named_parameters():
                    if "bias" in name:
                        init.zeros_(p)
                    else:
                        init.xavier_normal_(p)
    """, "L")
    n_in, n_out = sympy.symbols("n_in n_out", positive=True)
    assert_dist(result, "weight", "normal", mean=0, std=sympy.sqrt(2) / sympy.sqrt(n_in + n_out))
    assert_dist(result, "bias", "constant", value=0)


def test_getattr_loop_over_literal_names(lib):
    result = lib.evaluate("""
        class G(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.w_q = nn.Parameter(torch.empty(n, n))
                self.w_k = nn.Parameter(torch.empty(n, n))
                for name in ["w_q", "w_k"]:
                    init.normal_(getattr(self, name), std=0.02)
    """, "G")
    for name in ("w_q", "w_k"):
        assert_dist(result, name, "normal", mean=0, std=sympy.Rational(1, 50))


def test_setattr_in_loop_registers_dynamic_parameters(lib):
    result = lib.evaluate("""
        class RNN(nn.Module):
            def __init__(self, input_size, hidden_size, num_layers=1, bias=True):
                super().__init__()
                self.hidden_size = hidden_size
                for layer in range(num_layers):
                    layer_input = input_size if layer == 0 else hidden_size
                    w_ih = nn.Parameter(torch.empty(4 * hidden_size, layer_input))
                    w_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
                    b_ih = nn.Parameter(torch.empty(4 * hidden_size))
                    params = [w_ih, w_hh, b_ih]
                    names = ["weight_ih_l{}".format(layer), "weight_hh_l{}".format(layer), "bias_ih_l{}".format(layer)]
                    for name, p in zip(names, params):
                        setattr(self, name, p)
                self.reset_parameters()

            def reset_parameters(self):
                stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
                for weight in self.parameters():
                    init.uniform_(weight, -stdv, stdv)
    """, "RNN")
    s = Symbols(result)
    assert result.dynamic
    assert [p.name for p in result.params] == ["*"]
    assert_uniform(result, "*", 1 / sympy.sqrt(s.hidden_size))


def test_setattr_loop_with_formatted_names(lib):
    # "weight_l{}".format(0) with a number is not evaluated: the names are unknown, the group is "*"
    result = lib.evaluate("""
        class Two(nn.Module):
            def __init__(self, hidden_size):
                super().__init__()
                for layer in range(2):
                    setattr(self, "weight_l{}".format(layer), nn.Parameter(torch.ones(hidden_size, hidden_size)))
    """, "Two")
    names = sorted(p.name for p in result.params)
    assert names in (["*"], ["weight_l0", "weight_l1"])
    assert_dist(result, names[-1], "constant", value=1)


def test_defect_init_through_getattr_with_computed_name(lib):
    result = lib.evaluate("""
        class Two(nn.Module):
            def __init__(self, hidden_size):
                super().__init__()
                for layer in range(2):
                    setattr(self, f"weight_l{layer}", nn.Parameter(torch.empty(hidden_size, hidden_size)))
                for layer in range(2):
                    init.zeros_(getattr(self, f"weight_l{layer}"))
    """, "Two")
    for p in result.params:
        assert p.distribution is None or p.distribution.family == "constant", (p.name, p.distribution)


def test_dynamic_parameters_initialized_differently_are_unresolved(lib):
    result = lib.evaluate("""
        class Mixed(nn.Module):
            def __init__(self, n, names):
                super().__init__()
                for name in names:
                    setattr(self, name, nn.Parameter(torch.zeros(n)))
                setattr(self, names[0] + "_extra", nn.Parameter(torch.ones(n)))
    """, "Mixed")
    assert result.dynamic
    assert_unresolved(result, "*")


def test_while_true_and_huge_ranges_terminate(lib):
    started = time.perf_counter()
    result = lib.evaluate("""
        class Loops(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                for i in range(10 ** 7):
                    pass
                while True:
                    init.ones_(self.weight)
                    break
    """, "Loops")
    assert time.perf_counter() - started < 10
    assert result is not None and param(result, "weight") is not None


# ---------------------------------------------------------------------------- torch.nn.init spellings


@pytest.mark.parametrize("imports, call", [
    ("from torch.nn import init", "init.kaiming_uniform_(self.weight, a=math.sqrt(5))"),
    ("import torch.nn as nn", "nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))"),
    ("from torch.nn.init import kaiming_uniform_ as ku", "ku(self.weight, a=math.sqrt(5))"),
    ("import torch", "torch.nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))"),
    ("from torch import nn", "nn.init.kaiming_uniform_(self.weight, a=5 ** 0.5)"),
    ("import torch.nn.init as I", "I.kaiming_uniform_(self.weight, math.sqrt(5))"),
    ("from torch.nn import init as tinit", "tinit.kaiming_uniform_(tensor=self.weight, a=math.sqrt(5.0))"),
    ("from torch.nn.init import kaiming_uniform", "kaiming_uniform(self.weight, a=math.sqrt(5))"),
])
def test_init_import_aliases(lib, imports, call):
    result = lib.evaluate(f"""
        import math
        import torch
        {imports}

        class K(torch.nn.Module):
            def __init__(self, in_features, out_features):
                super().__init__()
                self.weight = torch.nn.Parameter(torch.empty(out_features, in_features))
                {call}
    """, "K", header=False)
    s = Symbols(result)
    assert_uniform(result, "weight", 1 / sympy.sqrt(s.in_features))


def test_import_inside_the_method(lib):
    result = lib.evaluate("""
        class K(nn.Module):
            def __init__(self, in_features, out_features):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(out_features, in_features))
                self.reset_parameters()

            def reset_parameters(self):
                from torch.nn.init import xavier_normal_ as xn
                import torch.nn.init as I
                xn(self.weight)
                I.normal_(self.weight, std=I.calculate_gain("tanh"))
    """, "K")
    assert_dist(result, "weight", "normal", mean=0, std=sympy.Rational(5, 3))


@pytest.mark.parametrize("call, expected", [
    ("init.kaiming_uniform_(self.weight)", lambda s: ("uniform", {"high": sympy.sqrt(6 / s.in_features)})),
    ("init.kaiming_uniform_(self.weight, mode='fan_out', nonlinearity='relu')",
     lambda s: ("uniform", {"high": sympy.sqrt(6 / s.out_features)})),
    ("init.kaiming_normal_(self.weight, nonlinearity='relu')",
     lambda s: ("normal", {"mean": 0, "std": sympy.sqrt(2 / s.in_features)})),
    ("init.xavier_uniform_(self.weight, gain=init.calculate_gain('tanh'))",
     lambda s: ("uniform", {"high": sympy.Rational(5, 3) * sympy.sqrt(6 / (s.in_features + s.out_features))})),
    ("init.trunc_normal_(self.weight, std=0.02)",
     lambda s: ("trunc_normal", {"mean": 0, "std": sympy.Rational(1, 50), "a": -2, "b": 2})),
    ("init.uniform_(self.weight)", lambda s: ("uniform", {"low": 0, "high": 1})),
    ("init.normal_(self.weight, 1.0, 0.5)", lambda s: ("normal", {"mean": 1, "std": sympy.Rational(1, 2)})),
    ("init.constant_(self.weight, -0.5)", lambda s: ("constant", {"value": -sympy.Rational(1, 2)})),
    ("init.orthogonal_(self.weight)", lambda s: ("orthogonal", {"gain": 1})),
    ("init.sparse_(self.weight, sparsity=0.1)",
     lambda s: ("sparse", {"sparsity": sympy.Rational(1, 10), "std": sympy.Rational(1, 100)})),
])
def test_torch_init_functions(lib, call, expected):
    result = lib.evaluate(f"""
        class I(nn.Module):
            def __init__(self, in_features, out_features):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(out_features, in_features))
                {call}
    """, "I")
    family, values = expected(Symbols(result))
    assert_dist(result, "weight", family, **values)


# ---------------------------------------------------------------------------- old-style tensor methods


def test_old_style_tensor_methods(lib):
    result = lib.evaluate("""
        class Old(nn.Module):
            def __init__(self, in_features, out_features):
                super(Old, self).__init__()
                self.weight = nn.Parameter(torch.Tensor(out_features, in_features))
                self.bias = nn.Parameter(torch.Tensor(out_features))
                self.gamma = nn.Parameter(torch.FloatTensor(out_features))
                self.table = nn.Parameter(torch.Tensor(out_features, in_features))
                self.reset_parameters()

            def reset_parameters(self):
                stdv = 1. / math.sqrt(self.weight.size(1))
                self.weight.data.uniform_(-stdv, stdv)
                self.bias.data.zero_()
                self.gamma.data.fill_(1.0)
                self.table.data.normal_(0, 0.02)
    """, "Old")
    s = Symbols(result)
    assert_uniform(result, "weight", 1 / sympy.sqrt(s.in_features))
    assert_dist(result, "bias", "constant", value=0)
    assert_dist(result, "gamma", "constant", value=1)
    assert_dist(result, "table", "normal", mean=0, std=sympy.Rational(1, 50))


def test_old_style_methods_with_keywords_and_detach(lib):
    result = lib.evaluate("""
        class Old(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.Tensor(n, n))
                self.weight.detach().normal_(mean=0.0, std=0.5)
                self.weight.data.uniform_(to=2.0)
    """, "Old")
    assert_dist(result, "weight", "uniform", low=0, high=2)


def test_copy_from_another_tensor(lib):
    result = lib.evaluate("""
        class C(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                with torch.no_grad():
                    self.weight.copy_(torch.ones(n, n))
    """, "C")
    assert_dist(result, "weight", "constant", value=1)


def test_a_write_to_one_row_is_a_note_not_a_new_distribution(lib):
    result = lib.evaluate("""
        class Emb(nn.Module):
            def __init__(self, num_embeddings, embedding_dim, padding_idx=0):
                super().__init__()
                self.padding_idx = padding_idx
                self.weight = nn.Parameter(torch.empty(num_embeddings, embedding_dim))
                init.normal_(self.weight)
                if self.padding_idx is not None:
                    with torch.no_grad():
                        self.weight[self.padding_idx].fill_(0)
    """, "Emb")
    p = assert_dist(result, "weight", "normal", mean=0, std=1)
    assert any("padding_idx" in note for note in p.notes), p.notes


# ---------------------------------------------------------------------------- conventions


def test_bool_arguments_are_true(lib):
    result = lib.evaluate("""
        class B(nn.Module):
            def __init__(self, n, bias=False, affine: bool = False, *, extra: bool):
                super().__init__()
                if bias:
                    self.bias = nn.Parameter(torch.zeros(n))
                if affine:
                    self.weight = nn.Parameter(torch.ones(n))
                if extra:
                    self.extra = nn.Parameter(torch.ones(n))
    """, "B")
    assert sorted(p.name for p in result.params) == ["bias", "extra", "weight"]


def test_numeric_defaults_are_symbols(lib):
    result = lib.evaluate("""
        class N(nn.Module):
            def __init__(self, n, std=0.02, init_value=1e-5, shift=0, offset=-1.0):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n))
                self.scale = nn.Parameter(torch.empty(n))
                self.shift = nn.Parameter(torch.empty(n))
                init.normal_(self.weight, std=std)
                init.constant_(self.scale, init_value)
                init.uniform_(self.shift, offset, shift)
    """, "N")
    s = Symbols(result)
    assert {"std", "init_value", "shift", "offset"} <= set(result.symbols)
    assert_dist(result, "weight", "normal", mean=0, std=s.std)
    assert_dist(result, "scale", "constant", value=s.init_value)
    assert_dist(result, "shift", "uniform", low=s.offset, high=s.shift)
    # dimensions are positive; a default of 0 may be zero; a negative default is only real
    assert s.n.is_positive and s.std.is_positive
    assert s.shift.is_nonnegative and s.shift.is_positive is None
    assert s.offset.is_real and s.offset.is_positive is None


def test_none_and_string_defaults_are_taken(lib):
    result = lib.evaluate("""
        class D(nn.Module):
            def __init__(self, n, nonlinearity="relu", mode="fan_out", padding_idx=None):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, 2 * n))
                init.kaiming_normal_(self.weight, mode=mode, nonlinearity=nonlinearity)
                if padding_idx is not None:
                    init.zeros_(self.weight)
    """, "D")
    s = Symbols(result)
    assert "nonlinearity" not in result.symbols and "mode" not in result.symbols
    assert_dist(result, "weight", "normal", mean=0, std=sympy.sqrt(2 / s.n))


def test_undecidable_condition_joins_both_branches(lib):
    result = lib.evaluate("""
        class J(nn.Module):
            def __init__(self, in_features, out_features):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(out_features, in_features))
                self.bias = nn.Parameter(torch.empty(out_features))
                if out_features > in_features:
                    init.ones_(self.weight)
                    init.zeros_(self.bias)
                else:
                    init.zeros_(self.weight)
                    init.zeros_(self.bias)
    """, "J")
    p = assert_unresolved(result, "weight", "out_features > in_features")
    assert "constant 1" in p.unresolved and "constant 0" in p.unresolved
    # both branches agree on the bias: the join keeps it
    assert_dist(result, "bias", "constant", value=0)


def test_undecidable_conditional_expression_is_unknown(lib):
    result = lib.evaluate("""
        class J(nn.Module):
            def __init__(self, in_features, out_features):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(out_features, in_features))
                std = 0.02 if out_features > in_features else 0.01
                init.normal_(self.weight, std=std)
    """, "J")
    assert_unresolved(result, "weight")


def test_undecidable_condition_is_retried_at_the_numeric_defaults(lib):
    result = lib.evaluate("""
        class D(nn.Module):
            def __init__(self, n, proj_size=0, scale=0.5):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                if proj_size > 0:
                    init.ones_(self.weight)
                else:
                    init.zeros_(self.weight)
                self.gain = nn.Parameter(torch.empty(n))
                init.constant_(self.gain, 2.0 if scale > 0.25 else 3.0)
    """, "D")
    assert_dist(result, "weight", "constant", value=0)
    assert_dist(result, "gain", "constant", value=2)


def test_decidable_conditions_on_positive_sizes(lib):
    result = lib.evaluate("""
        class D(nn.Module):
            def __init__(self, n, groups=1):
                super().__init__()
                if groups <= 0:
                    raise ValueError("groups must be positive")
                self.weight = nn.Parameter(torch.empty(n, n))
                if n > 0:
                    init.ones_(self.weight)
                else:
                    init.zeros_(self.weight)
    """, "D")
    assert result.problem is None
    assert_dist(result, "weight", "constant", value=1)


def test_try_block_and_raising_branch(lib):
    result = lib.evaluate("""
        class T(nn.Module):
            def __init__(self, n, kind="a"):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                try:
                    init.ones_(self.weight)
                finally:
                    pass
                if kind not in ("a", "b"):
                    raise ValueError(kind)
    """, "T")
    assert result.problem is None
    assert_dist(result, "weight", "constant", value=1)


def test_constructor_that_always_raises(lib):
    result = lib.evaluate("""
        class R(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                if n > 2:
                    raise ValueError("too big")
                else:
                    raise TypeError("too small")
    """, "R")
    assert result is not None
    assert result.problem and "raises" in result.problem


# ---------------------------------------------------------------------------- unresolved, never guessed


def test_unknown_in_place_call_is_unresolved(lib):
    result = lib.evaluate("""
        class M(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                self.bias = nn.Parameter(torch.zeros(n))
                self.reset_parameters()

            def reset_parameters(self):
                init.xavier_uniform_(self.weight)
                my_mystery_init_(self.weight)
    """, "M")
    assert_unresolved(result, "weight", "my_mystery_init_")
    assert_dist(result, "bias", "constant", value=0)


def test_unknown_in_place_call_from_a_missing_package_is_unresolved(lib):
    result = lib.evaluate("""
        from fancyinit import orthogonal_blocks_

        class M(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                orthogonal_blocks_(self.weight, block_size=4)
    """, "M")
    assert_unresolved(result, "weight", "orthogonal_blocks_")


def test_unknown_in_place_tensor_method_is_unresolved(lib):
    result = lib.evaluate("""
        class M(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                init.uniform_(self.weight, -1, 1)
                self.weight.data.mul_(0.1)
    """, "M")
    assert_unresolved(result, "weight", "mul_")


def test_parameter_wrapping_a_callers_tensor_is_unresolved(lib):
    result = lib.evaluate("""
        class W(nn.Module):
            def __init__(self, weight):
                super().__init__()
                self.weight = nn.Parameter(weight)
    """, "W")
    assert_unresolved(result, "weight", "caller")


def test_copy_from_an_unknown_tensor_is_unresolved(lib):
    result = lib.evaluate("""
        class C(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                with torch.no_grad():
                    self.weight.copy_(torch.linalg.qr(torch.randn(n, n))[0])
    """, "C")
    assert_unresolved(result, "weight")


UNRESOLVED_CALLS = [
    ("init.xavier_uniform_(self.bias)", "xavier_uniform_", "1-D"),
    ("init.kaiming_uniform_(self.weight, nonlinearity=self.act)", "kaiming_uniform_", "nonlinearity"),
    ("init.kaiming_uniform_(self.weight, nonlinearity='swish')", "kaiming_uniform_", "swish"),
    ("init.normal_(self.weight, std=self.std_from_config)", "normal_", "std_from_config"),
]


def _unresolved_layer(lib, call):
    result = lib.evaluate(f"""
        class U(nn.Module):
            def __init__(self, n, act):
                super().__init__()
                self.act = act
                self.weight = nn.Parameter(torch.empty(n, n))
                self.bias = nn.Parameter(torch.empty(n))
                {call}
    """, "U")
    return result, ("bias" if "self.bias" in call else "weight")


@pytest.mark.parametrize("call, rule, cause", UNRESOLVED_CALLS)
def test_unresolved_not_guessed(lib, call, rule, cause):
    result, target = _unresolved_layer(lib, call)
    assert_unresolved(result, target, rule)


@pytest.mark.parametrize("call, rule, cause", UNRESOLVED_CALLS)
def test_unresolved_reason_names_the_cause(lib, call, rule, cause):
    result, target = _unresolved_layer(lib, call)
    assert_unresolved(result, target, cause)


def test_constructor_star_args_are_unknown(lib):
    result = lib.evaluate("""
        class V(nn.Module):
            def __init__(self, *args, **kwargs):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(4, 4))
                init.normal_(self.weight, std=kwargs["std"])
    """, "V")
    assert_unresolved(result, "weight")


def test_class_attributes_are_not_read_but_stay_unresolved(lib):
    # `self.scale` names a class attribute; doccheck does not read class bodies, and says so.
    result = lib.evaluate("""
        class CA(nn.Module):
            scale = 0.02

            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                init.normal_(self.weight, std=self.scale)
    """, "CA")
    p = param(result, "weight")
    if p.distribution is not None:  # if class attributes become supported, the value must be right
        assert_dist(result, "weight", "normal", mean=0, std=sympy.Rational(1, 50))
    else:
        assert_unresolved(result, "weight", "scale")


# ---------------------------------------------------------------------------- safety: recursion, cycles, budget


def test_recursive_reset_parameters_does_not_crash(lib):
    result = lib.evaluate("""
        class Rec(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                self.reset_parameters()

            def reset_parameters(self):
                self.reset_parameters()
                init.ones_(self.weight)
    """, "Rec")
    assert result is not None
    assert [p.name for p in result.params] == ["weight"]


def test_mutually_recursive_methods_do_not_crash(lib):
    result = lib.evaluate("""
        class Rec(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                self.ping(n)

            def ping(self, k):
                if k > 1:
                    self.pong(k - 1)
                init.zeros_(self.weight)

            def pong(self, k):
                self.ping(k)
    """, "Rec")
    assert result is not None and [p.name for p in result.params] == ["weight"]


def test_defect_deep_call_chain_must_not_guess(lib):
    chain = "\n".join(f"def step{i}(t):\n    return step{i + 1}(t)\n" for i in range(60))
    lib.write("chain", chain + "\ndef step60(t):\n    init.ones_(t)\n")
    result = lib.evaluate("""
        from mylib.chain import step0

        class Deep(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                step0(self.weight)
    """, "Deep")
    p = param(result, "weight")
    # past the call-depth limit the effect is not known: unresolved, or the right answer
    assert p.distribution is None or p.distribution.family == "constant"


@pytest.mark.parametrize("source, cls", [
    ("class A(B):\n    pass\n\nclass B(A):\n    def __init__(self):\n        self.w = nn.Parameter(torch.zeros(3))\n",
     "A"),
    ("class Self(Self):\n    def __init__(self):\n        self.w = nn.Parameter(torch.zeros(3))\n", "Self"),
])
def test_cyclic_bases_do_not_crash(lib, source, cls):
    result = lib.evaluate(source, cls)
    assert result is None or (result.problem and "cycl" in result.problem and not result.params)


def test_cyclic_bases_across_files_do_not_crash(lib):
    lib.write("left", """
        from mylib.right import Right

        class Left(Right):
            def __init__(self, n):
                self.weight = nn.Parameter(torch.zeros(n))
    """)
    result = lib.evaluate("""
        from mylib.left import Left

        class Right(Left):
            pass
    """, "Right", module="right")
    assert result is None or (result.problem and "cycl" in result.problem)


def test_inconsistent_mro_does_not_crash(lib):
    result = lib.evaluate("""
        class X(nn.Module):
            pass

        class Y(X):
            pass

        class Z(X, Y):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.zeros(n))
    """, "Z")
    assert result is None or result.problem


def test_small_budget_stops_cleanly(lib):
    result = lib.evaluate(DENSE, "Dense", budget=30)
    assert result is None or result.problem is None or "budget" in result.problem


def test_long_unrolled_loops_hit_the_budget_not_the_clock(lib):
    started = time.perf_counter()
    result = lib.evaluate("""
        class Busy(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                total = 0
                for i in range(200):
                    for j in range(200):
                        for k in range(200):
                            total = total + i * j * k
                init.ones_(self.weight)
    """, "Busy", budget=20_000)
    assert time.perf_counter() - started < 20
    assert result is not None and result.problem and "budget" in result.problem


def test_self_referencing_module_constant(lib):
    result = lib.evaluate("""
        SCALE = SCALE * 2

        class C(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                init.constant_(self.weight, SCALE)
    """, "C")
    assert_unresolved(result, "weight")


# ---------------------------------------------------------------------------- regressions: defects found and fixed


def test_defect_recursion_cut_off_must_not_guess(lib):
    result = lib.evaluate("""
        class Depth(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                self._init(2)

            def _init(self, depth):
                if depth == 0:
                    init.ones_(self.weight)
                    return
                init.zeros_(self.weight)
                self._init(depth - 1)
    """, "Depth")
    p = param(result, "weight")
    # what torch does: zeros, zeros, then ones -> constant 1; "unresolved" would also be honest
    assert p.distribution is None or (p.distribution.family == "constant"
                                      and p.distribution.param("value") == 1)


def test_defect_budget_exceeded_must_not_keep_stale_distributions(lib):
    result = lib.evaluate("""
        class Busy(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                init.zeros_(self.weight)
                total = 0
                for i in range(200):
                    total = total + i
                init.ones_(self.weight)
    """, "Busy", budget=300)
    assert result.problem and "budget" in result.problem
    assert_unresolved(result, "weight")


def test_defect_loop_of_unknown_length_may_run_zero_times(lib):
    result = lib.evaluate("""
        class Z(nn.Module):
            def __init__(self, n, extra=0):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                init.ones_(self.weight)
                for _ in range(extra):
                    init.zeros_(self.weight)
    """, "Z")
    p = param(result, "weight")
    assert p.distribution is None or p.distribution.param("value") == 1


def test_defect_while_of_unknown_length_may_run_zero_times(lib):
    result = lib.evaluate("""
        class W(nn.Module):
            def __init__(self, n, k=0):
                super().__init__()
                self.weight = nn.Parameter(torch.ones(n, n))
                i = 0
                while i < k:
                    init.zeros_(self.weight)
                    i += 1
    """, "W")
    p = param(result, "weight")
    assert p.distribution is None or p.distribution.param("value") == 1


def test_defect_assignment_to_data_replaces_the_values(lib):
    result = lib.evaluate("""
        class D(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                init.ones_(self.weight)
                self.weight.data = torch.zeros(n, n)
    """, "D")
    p = param(result, "weight")
    assert p.distribution is None or p.distribution.param_dict.get("value") == 0


def test_defect_module_apply_is_not_ignored(lib):
    result = lib.evaluate("""
        class Block(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                self.apply(self._init_weights)

            def _init_weights(self, module):
                if isinstance(module, Block):
                    init.normal_(module.weight, std=0.02)
    """, "Block")
    p = param(result, "weight")
    assert p.distribution is None or p.distribution.family == "normal"


def test_defect_unknown_call_receiving_a_parameter_is_unresolved(lib):
    result = lib.evaluate("""
        from thirdparty.initializers import init_weights

        class F(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                init_weights(self.weight)
    """, "F")
    assert_unresolved(result, "weight")


def test_defect_relative_import_inside_a_method(lib):
    result = lib.evaluate("""
        class LocalRel(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(n, n))
                self.reset_parameters()

            def reset_parameters(self):
                from .helpers import fill_ones
                fill_ones(self.weight)
    """, "LocalRel", helpers="""
        def fill_ones(t):
            init.ones_(t)
    """)
    p = param(result, "weight")
    assert p.distribution is None or p.distribution.family == "constant"


@pytest.mark.parametrize("terms", [400, 3000])
def test_long_expression_does_not_crash(lib, terms):
    """A long chained expression: the parser may refuse the file (SourceError), nothing else may raise."""
    from doccheck.parse import SourceError

    total = " + ".join(["1"] * terms)
    try:
        result = lib.evaluate(f"""
            class Long(nn.Module):
                def __init__(self, n):
                    super().__init__()
                    self.weight = nn.Parameter(torch.empty(n, n))
                    init.constant_(self.weight, {total})
        """, "Long")
    except SourceError:
        return
    p = param(result, "weight")
    assert p.distribution is None or p.distribution.param("value") == terms


# ---------------------------------------------------------------------------- the installed framework's source


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs torch's source on sys.path")
def test_subclass_of_a_framework_layer_reads_the_framework_source(lib):
    result = lib.evaluate("""
        class ZeroLinear(nn.Linear):
            def reset_parameters(self):
                init.zeros_(self.weight)
                if self.bias is not None:
                    init.ones_(self.bias)

        class PlainConv(nn.Conv2d):
            pass
    """, "ZeroLinear")
    s = Symbols(result)
    assert param(result, "weight").shape == (s.out_features, s.in_features)
    assert_dist(result, "weight", "constant", value=0)
    assert_dist(result, "bias", "constant", value=1)
    conv = lib.evaluate((lib.root / PACKAGE / "layers.py").read_text(), "PlainConv", header=False)
    c = Symbols(conv)
    fan_in = c.in_channels / c.groups * c["kernel_size[0]"] * c["kernel_size[1]"]
    assert_uniform(conv, "weight", 1 / sympy.sqrt(fan_in))
    assert_uniform(conv, "bias", 1 / sympy.sqrt(fan_in))


# ---------------------------------------------------------------------------- soundness (issue 12, item 1)
# A value the interpreter cannot model exactly is Unknown; one that may be self or a parameter
# (MayAlias) makes every parameter written through it unresolved, with the construct's line.
# Each construct: the unmodelled form is unresolved-with-reason, and the modelled form stays resolved.

SOUND_BASE = """
class Layer(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = Parameter(torch.empty(n_out, n_in))
        self.bias = Parameter(torch.empty(n_out))
        init.ones_(self.bias)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
{extra}
"""


def sound_layer(extra: str) -> str:
    return SOUND_BASE.format(extra=textwrap.indent(textwrap.dedent(extra), " " * 8))


def test_sound_loop_over_an_unknown_helper_is_unresolved(lib):
    result = lib.evaluate(sound_layer("""
        for p in external_helper(self):
            init.zeros_(p)
    """).replace("import math", "import math\nfrom elsewhere import external_helper"), "Layer")
    assert_unresolved(result, "weight", "external_helper")
    assert_unresolved(result, "bias")


def test_sound_loop_over_private_parameter_dict_is_exact(lib):
    # self._parameters is the registry Module.__setattr__ fills (rules/torch.toml parameter_registry_attributes)
    result = lib.evaluate(sound_layer("""
        for _, p in self._parameters.items():
            init.zeros_(p)
    """), "Layer")
    assert_dist(result, "weight", "constant", value=0)
    assert_dist(result, "bias", "constant", value=0)


def test_sound_generator_helper_is_run_to_its_yields(lib):
    source = sound_layer("""
        for p in my_params(self):
            init.zeros_(p)
    """) + """

def my_params(module):
    yield module.weight
    yield module.bias
"""
    result = lib.evaluate(source, "Layer")
    assert_dist(result, "weight", "constant", value=0)
    assert_dist(result, "bias", "constant", value=0)


def test_sound_generator_yielding_under_a_condition_is_unresolved(lib):
    source = sound_layer("""
        for p in my_params(self, n_in):
            init.zeros_(p)
    """) + """

def my_params(module, n):
    if n > 2:
        yield module.weight
    yield module.bias
"""
    result = lib.evaluate(source, "Layer")
    assert_unresolved(result, "weight", "generator my_params()")
    assert_unresolved(result, "bias", "generator my_params()")


def test_sound_unknown_call_receiving_self_is_unresolved(lib):
    result = lib.evaluate(sound_layer("""
        third_party_init(self)
    """).replace("import math", "import math\nfrom elsewhere import third_party_init"), "Layer")
    assert_unresolved(result, "weight", "third_party_init()", "receives self")
    assert_unresolved(result, "bias", "third_party_init()")


def test_sound_unknown_method_of_self_is_unresolved(lib):
    result = lib.evaluate(sound_layer("""
        self._custom_init()
    """), "Layer")
    assert_unresolved(result, "weight", "self._custom_init", "never set")


def test_sound_pure_module_methods_keep_results(lib):
    result = lib.evaluate(sound_layer("""
        self.register_buffer("running", torch.zeros(3))
        self.register_forward_hook(print)
        if self.running is not None:
            init.zeros_(self.bias)
    """), "Layer")
    assert_dist(result, "bias", "constant", value=0)  # the buffer is the attribute: the branch is decided
    assert_uniform(result, "weight", 1 / sympy.sqrt(Symbols(result).n_in))


def test_sound_attribute_write_of_callers_tensor_onto_a_parameter(lib):
    source = """
    class QuantNorm(nn.Module):
        def __init__(self, n, weight, bias):
            super().__init__()
            self.weight = Parameter(torch.empty(n))
            self.bias = Parameter(torch.empty(n))
            init.ones_(self.weight)
            init.zeros_(self.bias)
            self.weight = weight
            self.bias = bias
    """
    result = lib.evaluate(source, "QuantNorm")
    # exactly the caller's value: known, as an argument, never as a distribution (issue 12)
    assert param(result, "weight").distribution == Distribution("argument", (("name", "weight"),))
    assert param(result, "bias").distribution == Distribution("argument", (("name", "bias"),))


def test_sound_attribute_write_of_a_parameter_stays_resolved(lib):
    source = """
    class Norm(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.weight = Parameter(torch.ones(n))
            self.weight = Parameter(torch.zeros(n))
    """
    assert_dist(lib.evaluate(source, "Norm"), "weight", "constant", value=0)


def test_sound_starred_size_of_unknown_length_keeps_its_product(lib):
    source = """
    class Conv(nn.Module):
        def __init__(self, inp, out, kernel):
            super().__init__()
            self.weight = Parameter(torch.empty(out, inp, *kernel))
            init.kaiming_uniform_(self.weight, a=math.sqrt(5))
    """
    result = lib.evaluate(source, "Conv")
    prod = sympy.Symbol("prod(kernel)", positive=True)
    p = assert_uniform(result, "weight", 1 / sympy.sqrt(Symbols(result).inp * prod))
    assert p.shape is None  # never (out, inp): the kernel's dimensions are not dropped


def test_sound_starred_value_not_known_at_all_is_unresolved(lib):
    source = """
    from elsewhere import kernel_dims

    class Conv(nn.Module):
        def __init__(self, inp, out):
            super().__init__()
            self.weight = Parameter(torch.empty(out, inp, *kernel_dims()))
            init.kaiming_uniform_(self.weight, a=math.sqrt(5))
    """
    p = assert_unresolved(lib.evaluate(source, "Conv"), "weight", "*kernel_dims()")
    assert p.shape is None


def test_sound_starred_size_of_known_length_is_resolved(lib):
    source = """
    class Conv(nn.Module):
        def __init__(self, inp, out, k):
            super().__init__()
            kernel = (k,) * 2
            self.weight = Parameter(torch.empty(out, inp, *kernel))
            init.kaiming_uniform_(self.weight, a=math.sqrt(5))
    """
    result = lib.evaluate(source, "Conv")
    s = Symbols(result)
    p = assert_uniform(result, "weight", 1 / (s.k * sympy.sqrt(s.inp)))
    assert len(p.shape) == 4


def test_sound_unknown_tensor_method_result_may_be_a_view(lib):
    result = lib.evaluate(sound_layer("""
        init.zeros_(self.weight.unflatten(0, (1, -1)))
    """), "Layer")
    assert_unresolved(result, "weight", ".unflatten()", "view")


def test_sound_container_writes_not_followed_are_unresolved(lib):
    result = lib.evaluate(sound_layer("""
        chosen = {}
        chosen["w"] = self.weight
        for p in chosen.values():
            init.zeros_(p)
        listed = []
        listed.append(self.bias)
        for p in listed:
            init.constant_(p, 3.0)
    """), "Layer")
    assert_unresolved(result, "weight", "changes a container doccheck does not follow")
    assert_unresolved(result, "bias", ".append()")


def test_sound_in_place_arithmetic_on_a_parameter_is_unresolved(lib):
    result = lib.evaluate(sound_layer("""
        w = self.weight.data
        w *= 2
    """), "Layer")
    assert_unresolved(result, "weight", "w *= 2")
    assert_dist(result, "bias", "constant", value=1)


def test_sound_instance_given_a_parameter_is_unresolved(lib):
    result = lib.evaluate(sound_layer("""
        self.wrapper = Holder(self.weight)
        init.zeros_(self.wrapper.tensor)
    """) + """

class Holder:
    def __init__(self, tensor):
        self.tensor = tensor
""", "Layer")
    assert_unresolved(result, "weight", "Holder")


def test_sound_mixin_after_module_is_searched(lib):
    source = """
    class InitMixin:
        def _init_extra(self):
            init.zeros_(self.weight)

    class Layer(nn.modules.module.Module, InitMixin):
        def __init__(self, n):
            super().__init__()
            self.weight = Parameter(torch.empty(n, n))
            self._init_extra()
    """
    assert_dist(lib.evaluate(source, "Layer"), "weight", "constant", value=0)


def test_sound_private_base_by_module_path(lib):
    base = """
    class _Base(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.weight = Parameter(torch.empty(n, n))
            init.normal_(self.weight, std=0.5)
    """
    source = """
    import mylib.base


    class Layer(mylib.base._Base):
        def __init__(self, n):
            mylib.base._Base.__init__(self, n)
    """
    assert_dist(lib.evaluate(source, "Layer", base=base), "weight", "normal", mean=0, std=sympy.Rational(1, 2))


QAT = """
class QatDense(nn.Module):
    def __init__(self, n_in, n_out, qconfig=None):
        super().__init__()
        {guard}
        self.qconfig = qconfig
        self.fake_quant = qconfig.weight()
        self.weight = Parameter(torch.empty(n_out, n_in))
        init.normal_(self.weight, std=0.02)
"""


@pytest.mark.parametrize("guard", ["if not qconfig:\n            raise AssertionError('qconfig must be given')",
                                   "if qconfig is None:\n            raise ValueError('qconfig')"])
def test_sound_none_default_that_must_be_replaced(lib, guard):
    result = lib.evaluate(QAT.format(guard=guard), "QatDense")
    assert result.problem is None
    assert_dist(result, "weight", "normal", mean=0, std=sympy.Rational(1, 50))


def test_sound_none_default_that_is_allowed_stays_none(lib):
    source = """
    class Dense(nn.Module):
        def __init__(self, n, scale=None):
            super().__init__()
            self.weight = Parameter(torch.empty(n, n))
            if scale is None:
                init.zeros_(self.weight)
            else:
                init.normal_(self.weight, std=scale)
    """
    assert_dist(lib.evaluate(source, "Dense"), "weight", "constant", value=0)


MODULES_LOOP = """
class Head({base}):
    def __init__(self, n_in, n_out):
        {init}
        self.extra = nn.Linear(n_out, n_out)
        for m in self.{method}():
            if isinstance(m, nn.Linear):
                init.zeros_(m.weight)
"""


def test_sound_modules_loop_dispatches_on_own_class(lib):
    result = lib.evaluate(MODULES_LOOP.format(base="nn.Linear", init="super().__init__(n_in, n_out)",
                                              method="modules"), "Head")
    assert_dist(result, "weight", "constant", value=0)  # Head is a Linear: zeros, not Linear's U(±1/√in)
    assert_uniform(result, "bias", 1 / sympy.sqrt(Symbols(result).n_in))


def test_sound_named_modules_and_children(lib):
    source = MODULES_LOOP.format(base="nn.Linear", init="super().__init__(n_in, n_out)", method="children")
    result = lib.evaluate(source, "Head")  # children() are the submodules only: Head's own weight is kept
    assert_uniform(result, "weight", 1 / sympy.sqrt(Symbols(result).n_in))
    source = MODULES_LOOP.format(base="nn.Linear", init="super().__init__(n_in, n_out)",
                                 method="named_modules").replace("for m in", "for _, m in")
    assert_dist(lib.evaluate(source, "Head"), "weight", "constant", value=0)


def test_sound_modules_loop_skips_other_classes(lib):
    source = """
    class Scale(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.weight = Parameter(torch.ones(n))
            for m in self.modules():
                if isinstance(m, (nn.Linear, nn.Conv2d)):
                    init.zeros_(m.weight)
    """
    assert_dist(lib.evaluate(source, "Scale"), "weight", "constant", value=1)
