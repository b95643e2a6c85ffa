"""Every entry of rules/torch.toml checked against what torch actually samples.

torch (2.13, CPU) is the oracle for the knowledge files: for each public
``torch.nn.init`` function (deprecated aliases included), the gain table, the
fan rule, the tensor factories and the old-style tensor methods, the rule is
evaluated symbolically for a concrete shape and arguments, torch is run with the
same shape and arguments under a fixed seed, and the samples are tested against
the distribution the rule claims:

* uniform / normal / truncated normal: support (min/max inside the rule's
  interval and covering it), mean and variance within 5 standard errors, and a
  Kolmogorov-Smirnov test at the 1% critical value 1.63/sqrt(n).  Because the
  suite runs hundreds of KS tests, a sample over the critical value is redrawn
  once with an independent seed and the rule fails only when both samples
  reject (false-alarm rate 1e-4 per case; a wrong rule rejects both);
* constant, eye, dirac: element-wise equality with the tensor the rule implies;
* orthogonal: W W^T (or W^T W) = gain^2 I on the flattened 2-D view, mean 0
  and mean square equal to ``moments()``'s variance;
* sparse: exactly ceil(sparsity * rows) zeros per column, non-zeros N(0, std^2).

A failure here means a rule says something torch does not do: fix the rule.
"""

from __future__ import annotations

import ast
import functools
import inspect
import math
import warnings
import zlib

import pytest
import sympy

torch = pytest.importorskip("torch")

from doccheck import knowledge as knowledge_module
from doccheck.codemodel.classes import evaluate_initializer
from doccheck.distributions import moments

K = knowledge_module.load()
INIT = torch.nn.init
PUBLIC = list(INIT.__all__)
# deprecated spellings (``nn.init.uniform``) forward to the underscore function
DEPRECATED = {name: name + "_" for name in PUBLIC if not name.endswith("_") and name + "_" in PUBLIC}

N_SAMPLES = 1 << 16  # per case; KS critical value 1.63/256 ~ 0.0064
KS_CRITICAL = 1.63  # sqrt(n) * D at the 1% level
Z = 5.0  # moment tolerances, in standard errors
SHAPES = [(64, 32), (32, 16, 3), (16, 8, 3, 5)]


@pytest.fixture(autouse=True, scope="module")
def _single_thread():
    """Intra-op threads only add contention for tensors this small (10x slower on a busy 2-core box)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --------------------------------------------------------------------------- helpers
def names_for(base: str) -> list[str]:
    """The underscore function and its deprecated alias, when torch has one."""
    return [base] + [alias for alias, target in DEPRECATED.items() if target == base]


def is_method(name: str) -> bool:
    return name.startswith("Tensor.")


def torch_callable(name: str):
    """``Tensor.uniform_`` is the tensor method, ``uniform_`` is ``torch.nn.init.uniform_``."""
    if is_method(name):
        method = name.split(".", 1)[1]
        return lambda tensor, *args, **kwargs: getattr(tensor, method)(*args, **kwargs)
    return getattr(INIT, name)


def qualified(name: str) -> str:
    return name.split(".", 1)[1] if is_method(name) else f"torch.nn.init.{name}"


def rule_distribution(name: str, shape: tuple, args=(), kwargs=None):
    dist, reason = evaluate_initializer(K, qualified(name), shape, *args, **(kwargs or {}))
    assert dist is not None, f"rule for {name} gave no distribution for shape {shape}: {reason}"
    assert reason is None, reason
    return dist


def num(expr) -> float:
    return float(sympy.N(expr, 30))


def seed_of(*parts) -> int:
    return zlib.crc32(repr(parts).encode())


def takes_generator(name: str) -> bool:
    rule = K.methods[qualified(name)] if is_method(name) else K.calls[qualified(name)]
    return "generator" in rule.signature


def sample(name: str, shape: tuple, args=(), kwargs=None, *, seed: int, n: int = N_SAMPLES) -> torch.Tensor:
    """Stacked results of repeatedly initialising a float32 tensor of `shape`: (draws, *shape), float64."""
    fn = torch_callable(name)
    kwargs = dict(kwargs or {})
    draws = max(1, math.ceil(n / math.prod(shape)))
    generator = torch.Generator().manual_seed(seed)
    if takes_generator(name):
        kwargs["generator"] = generator
    tensor = torch.empty(shape)
    out = torch.empty((draws, *shape), dtype=torch.float64)
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # deprecated aliases
        torch.manual_seed(seed)  # sparse_ draws its zero positions from the global generator
        for i in range(draws):
            result = fn(tensor, *args, **kwargs)
            assert result is tensor, f"{name} did not work in place"
            out[i] = tensor
    return out


def fmt(value) -> str:
    if isinstance(value, float):
        for text, exact in (("sqrt5", math.sqrt(5)), ("tanh_gain", 5 / 3), ("sqrt2", math.sqrt(2))):
            if value == exact:
                return text
    return str(value)


def case_id(name, shape, args=(), kwargs=None) -> str:
    parts = [name, "x".join(map(str, shape))]
    parts += [fmt(a) for a in args]
    parts += [f"{k}={fmt(v)}" for k, v in (kwargs or {}).items()]
    return "-".join(parts)


# --------------------------------------------------------------------------- statistics
SQRT2 = math.sqrt(2.0)


def _phi(z: torch.Tensor) -> torch.Tensor:
    return 0.5 * (1.0 + torch.erf(z / SQRT2))


def _phi_scalar(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / SQRT2))


def cdf_of(dist):
    """The rule's CDF as a function of a float64 tensor."""
    p = {k: num(v) for k, v in dist.params}
    if dist.family == "uniform":
        low, high = p["low"], p["high"]
        return lambda x: ((x - low) / (high - low)).clamp(0.0, 1.0)
    if dist.family == "normal":
        mean, std = p["mean"], p["std"]
        return lambda x: _phi((x - mean) / std)
    if dist.family == "trunc_normal":
        mean, std, a, b = p["mean"], p["std"], p["a"], p["b"]
        lo, hi = _phi_scalar((a - mean) / std), _phi_scalar((b - mean) / std)
        return lambda x: ((_phi((x - mean) / std) - lo) / (hi - lo)).clamp(0.0, 1.0)
    raise AssertionError(f"no CDF for {dist.family}")


def ks_statistic(samples: torch.Tensor, cdf) -> float:
    """sup |F_n(x) - F(x)| of the one-sample Kolmogorov-Smirnov test."""
    x, _ = torch.sort(samples.reshape(-1).to(torch.float64))
    n = x.numel()
    f = cdf(x)
    i = torch.arange(1, n + 1, dtype=torch.float64)
    return max((i / n - f).max().item(), (f - (i - 1) / n).max().item())


def assert_ks(dist, samples, redraw, label: str) -> None:
    """KS at 1%; a rejection is confirmed on an independent sample before failing."""
    cdf = cdf_of(dist)
    n = samples.numel()
    d = ks_statistic(samples, cdf)
    if d * math.sqrt(n) <= KS_CRITICAL:
        return
    again = redraw()
    d2 = ks_statistic(again, cdf)
    assert d2 * math.sqrt(again.numel()) <= KS_CRITICAL, (
        f"{label}: torch's samples are not {dist.family}{dist.param_dict}: KS D = {d:.5f} and {d2:.5f} "
        f"on two samples, critical {KS_CRITICAL / math.sqrt(n):.5f}")


@functools.cache
def numeric_moments(dist) -> tuple[float, float]:
    """moments() of a shape-independent distribution (cached: trunc_normal's simplify is slow)."""
    expected = moments(dist)
    assert expected is not None, dist
    return num(expected["mean"]), num(expected["variance"])


def assert_moments(dist, samples: torch.Tensor, label: str) -> None:
    mean, var = numeric_moments(dist)
    x = samples.reshape(-1)
    n = x.numel()
    m = x.mean().item()
    s2 = x.var(unbiased=True).item()
    assert abs(m - mean) <= Z * math.sqrt(var / n) + 1e-12, f"{label}: mean {m} vs rule {mean}"
    m4 = ((x - m) ** 4).mean().item()
    se_var = math.sqrt(max(m4 - s2 ** 2, 0.0) / n)
    assert abs(s2 - var) <= Z * se_var + 1e-9 * var, f"{label}: variance {s2} vs rule {var} (se {se_var})"


def float32_slack(*values: float) -> float:
    return 4 * float(torch.finfo(torch.float32).eps) * max(1.0, *map(abs, values))


def assert_support(dist, samples: torch.Tensor, label: str) -> None:
    """Samples stay inside the rule's interval and (when the density there is not negligible) reach its ends."""
    p = {k: num(v) for k, v in dist.params}
    if dist.family == "uniform":
        low, high, f_low, f_high = p["low"], p["high"], None, None
    elif dist.family == "trunc_normal":
        low, high = p["a"], p["b"]
        mean, std = p["mean"], p["std"]
        z = _phi_scalar((high - mean) / std) - _phi_scalar((low - mean) / std)
        pdf = lambda v: math.exp(-(((v - mean) / std) ** 2) / 2) / (std * math.sqrt(2 * math.pi) * z)
        f_low, f_high = pdf(low), pdf(high)
    else:
        return
    lo, hi = samples.min().item(), samples.max().item()
    slack = float32_slack(low, high)
    assert low - slack <= lo and hi <= high + slack, f"{label}: samples in [{lo}, {hi}], rule says [{low}, {high}]"
    width = high - low
    n = samples.numel()
    if dist.family == "uniform":
        assert (hi - lo) / width > 0.99, f"{label}: samples cover [{lo}, {hi}] of the rule's [{low}, {high}]"
        return
    # truncated normal: the gap to an end exceeds g with probability ~ exp(-n f g)
    for end, seen, f in ((low, lo, f_low), (high, hi, f_high)):
        tolerance = max(0.01 * width, 20.0 / (n * f))
        assert abs(seen - end) <= tolerance, f"{label}: samples reach {seen}, the rule's cut-off is {end}"


def check_random(name: str, shape: tuple, args=(), kwargs=None, family: str | None = None, *, seed: int) -> None:
    label = case_id(name, shape, args, kwargs)
    dist = rule_distribution(name, shape, args, kwargs)
    if family is not None:
        assert dist.family == family, f"{label}: rule says {dist.family}, torch samples {family}"
    samples = sample(name, shape, args, kwargs, seed=seed)
    assert_support(dist, samples, label)
    assert_moments(dist, samples, label)
    assert_ks(dist, samples, lambda: sample(name, shape, args, kwargs, seed=seed + 1), label)


# --------------------------------------------------------------------------- meta
def test_every_public_init_function_has_a_rule():
    missing = [name for name in PUBLIC if K.call(f"torch.nn.init.{name}") is None]
    assert not missing, f"torch.nn.init functions without an entry in rules/torch.toml: {missing}"


def test_deprecated_aliases_share_the_rule_of_their_target():
    for alias, target in DEPRECATED.items():
        assert K.calls[f"torch.nn.init.{alias}"] is K.calls[f"torch.nn.init.{target}"], alias


def _rule_parameters(signature: str) -> list[tuple[str, object]]:
    fn = ast.parse(f"def f({signature}): pass").body[0]
    params = [*fn.args.posonlyargs, *fn.args.args]
    defaults = [inspect.Parameter.empty] * (len(params) - len(fn.args.defaults))
    defaults += [ast.literal_eval(d) for d in fn.args.defaults]
    out = [(p.arg, d) for p, d in zip(params, defaults)]
    out += [(p.arg, inspect.Parameter.empty if d is None else ast.literal_eval(d))
            for p, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults)]
    return out


@pytest.mark.parametrize("name", PUBLIC)
def test_rule_signature_matches_torch(name):
    """Same parameter names, order and defaults: a default that drifts changes what a call without it does."""
    rule = K.calls[f"torch.nn.init.{name}"]
    fn = getattr(INIT, DEPRECATED.get(name, name))  # the deprecated wrapper takes *args, **kwargs
    actual = [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]
    expected = _rule_parameters(rule.signature)
    assert [n for n, _ in expected] == [n for n, _ in actual], f"{name}: rule {rule.signature!r} vs torch {actual}"
    for (param, want), (_, have) in zip(expected, actual):
        assert (want, type(want)) == (have, type(have)), (
            f"{name}: default of {param} is {have!r} in torch, {want!r} in the rule")


def test_method_rules_name_real_tensor_methods():
    for name in K.methods:
        assert callable(getattr(torch.Tensor, name, None)), f"torch.Tensor has no method {name}"


def test_gain_table_covers_every_nonlinearity_torch_supports():
    tree = ast.parse(inspect.getsource(INIT.calculate_gain).lstrip())
    supported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.List):
            supported |= {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == "nonlinearity":
            supported |= {c.value for c in node.comparators
                          if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    assert supported, "could not read the nonlinearities from torch.nn.init.calculate_gain"
    for name in supported:
        INIT.calculate_gain(name)  # really supported
    assert supported == set(K.gain), f"torch: {sorted(supported)}, rules: {sorted(K.gain)}"


# --------------------------------------------------------------------------- gain and fan
def _interpreter():
    from doccheck.codemodel.interpreter import Interpreter
    from doccheck.project import Project

    return Interpreter(Project([]), K)


def _wrap(value):
    from doccheck.codemodel.interpreter import _number
    from doccheck.codemodel.values import Lit, Num, Seq

    if isinstance(value, tuple):
        return Seq(tuple(_wrap(v) for v in value))
    if isinstance(value, float):
        return Num(sympy.nsimplify(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return _number(value)
    return Lit(value)


def evaluate_function(qualname: str, *args, shape: tuple | None = None):
    """The value of a [[function]] entry; `shape` puts a tensor of that shape first."""
    from doccheck.codemodel.interpreter import _number
    from doccheck.codemodel.values import TensorState

    interpreter = _interpreter()
    values = [_wrap(a) for a in args]
    if shape is not None:
        values.insert(0, interpreter.new_tensor(TensorState(tuple(_number(d) for d in shape), None)))
    return interpreter.call_qualified(qualname, values, {}, None, None, False)


GAIN_CASES = [(nl, None) for nl in sorted(K.gain)] + [
    ("leaky_relu", p) for p in (0, 0.2, math.sqrt(5), 1, 3, -0.5)]


@pytest.mark.parametrize(("nonlinearity", "param"), GAIN_CASES, ids=[f"{n}-{fmt(p)}" for n, p in GAIN_CASES])
def test_gain_through_kaiming_normal_std(nonlinearity, param):
    """kaiming_normal_(fan_in) on a (1, n) tensor has std = gain / sqrt(n)."""
    n = 37
    dist = rule_distribution("kaiming_normal_", (1, n), (), {"a": param, "mode": "fan_in",
                                                              "nonlinearity": nonlinearity})
    assert dist.family == "normal" and num(dist.param("mean")) == 0
    gain = num(dist.param("std")) * math.sqrt(n)
    assert gain == pytest.approx(INIT.calculate_gain(nonlinearity, param), rel=1e-12)


@pytest.mark.parametrize(("nonlinearity", "param"), GAIN_CASES, ids=[f"{n}-{fmt(p)}" for n, p in GAIN_CASES])
def test_calculate_gain_function_rule(nonlinearity, param):
    value = evaluate_function("torch.nn.init.calculate_gain", nonlinearity, param)
    assert hasattr(value, "expr"), value
    assert num(value.expr) == pytest.approx(INIT.calculate_gain(nonlinearity, param), rel=1e-12)


def test_unknown_nonlinearity_has_no_gain():
    with pytest.raises(ValueError):
        INIT.calculate_gain("softplus")
    dist, reason = evaluate_initializer(K, "torch.nn.init.kaiming_normal_", (4, 3), nonlinearity="softplus")
    assert dist is None and reason


FAN_SHAPES = [(64, 32), (5, 7), (32, 16, 3), (16, 8, 3, 5), (8, 4, 3, 3, 3), (1, 1)]


@pytest.mark.parametrize("shape", FAN_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_fan_rule(shape):
    fan_in, fan_out = INIT._calculate_fan_in_and_fan_out(torch.empty(shape))
    # through xavier_normal_: std = sqrt(2 / (fan_in + fan_out))
    dist = rule_distribution("xavier_normal_", shape)
    assert num(dist.param("std")) == pytest.approx(math.sqrt(2.0 / (fan_in + fan_out)), rel=1e-12)
    # each fan on its own, through kaiming_normal_ with gain 1
    for mode, fan in (("fan_in", fan_in), ("fan_out", fan_out)):
        dist = rule_distribution("kaiming_normal_", shape, (), {"mode": mode, "nonlinearity": "linear"})
        assert num(dist.param("std")) == pytest.approx(1 / math.sqrt(fan), rel=1e-12), mode
        value = evaluate_function("torch.nn.init._calculate_correct_fan", mode, shape=shape)
        assert num(value.expr) == INIT._calculate_correct_fan(torch.empty(shape), mode)
    value = evaluate_function("torch.nn.init._calculate_fan_in_and_fan_out", shape=shape)
    assert tuple(num(v.expr) for v in value.items) == (fan_in, fan_out)


@pytest.mark.parametrize("name", ["xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"])
def test_fan_needs_two_dimensions(name):
    assert K.fan_min_dim == 2
    with pytest.raises(ValueError):
        torch_callable(name)(torch.empty(5))
    dist, reason = evaluate_initializer(K, qualified(name), (5,))
    assert dist is None and reason


@pytest.mark.parametrize("helper", ["_single", "_pair", "_triple", "_quadruple"])
@pytest.mark.parametrize("value", [3, (2, 5)], ids=["int", "tuple"])
def test_ntuple_helpers(helper, value):
    from torch.nn.modules import utils

    expected = getattr(utils, helper)(value)  # a tuple passes through unchanged, whatever its length
    result = evaluate_function(f"torch.nn.modules.utils.{helper}", value)
    assert tuple(num(v.expr) for v in result.items) == expected


# --------------------------------------------------------------------------- random initializers
NONLINEARITIES = ["relu", "leaky_relu", "tanh", "linear", "selu", "sigmoid", "conv2d"]
KAIMING_CASES = [
    (name, shape, (), {"a": a, "mode": mode, "nonlinearity": nl})
    for name in names_for("kaiming_uniform_") + names_for("kaiming_normal_")
    for shape in SHAPES
    for a in (0, math.sqrt(5), 0.2)
    for mode in ("fan_in", "fan_out")
    for nl in NONLINEARITIES
] + [(name, shape, (), {}) for name in names_for("kaiming_uniform_") + names_for("kaiming_normal_")
     for shape in SHAPES]

XAVIER_CASES = [
    (name, shape, (), {"gain": gain})
    for name in names_for("xavier_uniform_") + names_for("xavier_normal_")
    for shape in SHAPES
    for gain in (1.0, 2.0, INIT.calculate_gain("tanh"))
] + [(name, (20, 50), (), {}) for name in names_for("xavier_uniform_") + names_for("xavier_normal_")]

UNIFORM_NORMAL_CASES = [
    (name, shape, args, {})
    for shape in SHAPES
    for name, argsets in (
        ("uniform_", [(), (0.0, 1.0), (-0.5, 0.25), (-3.0, 7.0), (2.0, 2.5)]),
        ("uniform", [(-0.5, 0.25)]),
        ("normal_", [(), (0.0, 1.0), (0.5, 0.02), (-3.0, 2.5)]),
        ("normal", [(0.5, 0.02)]),
    )
    for args in argsets
] + [("uniform_", (64, 32), (), {"a": -2.0, "b": -1.0}), ("normal_", (64, 32), (), {"mean": 1.0, "std": 3.0})]

TRUNC_CASES = [
    ("trunc_normal_", shape, (), kwargs)
    for shape in SHAPES
    for kwargs in (
        {},  # N(0, 1) cut at -2, 2
        {"mean": 0.5, "std": 2.0, "a": -1.0, "b": 3.0},  # asymmetric, cut-offs in absolute units
        {"mean": 0.0, "std": 1.0, "a": -0.5, "b": 2.5},
        {"mean": 1.0, "std": 0.5, "a": 0.0, "b": 3.0},
        {"mean": 0.0, "std": 0.02, "a": -0.04, "b": 0.01},
        {"mean": 0.0, "std": 1.0, "a": 0.5, "b": 1.0},  # mass < 0.3: torch's rejection-from-uniform branch
        {"mean": -1.0, "std": 2.0, "a": 0.0, "b": 2.0},  # mean outside [a, b]
    )
]

RANDOM_FAMILY = {"kaiming_uniform": "uniform", "kaiming_normal": "normal", "xavier_uniform": "uniform",
                 "xavier_normal": "normal", "uniform": "uniform", "normal": "normal", "trunc_normal": "trunc_normal"}


def _params(cases):
    return [pytest.param(*case, id=case_id(*case)) for case in cases]


@pytest.mark.parametrize(("name", "shape", "args", "kwargs"), _params(KAIMING_CASES))
def test_kaiming(name, shape, args, kwargs):
    check_random(name, shape, args, kwargs, RANDOM_FAMILY[name.rstrip("_")], seed=seed_of(name, shape, kwargs))


@pytest.mark.parametrize(("name", "shape", "args", "kwargs"), _params(XAVIER_CASES))
def test_xavier(name, shape, args, kwargs):
    check_random(name, shape, args, kwargs, RANDOM_FAMILY[name.rstrip("_")], seed=seed_of(name, shape, kwargs))


@pytest.mark.parametrize(("name", "shape", "args", "kwargs"), _params(UNIFORM_NORMAL_CASES))
def test_uniform_and_normal(name, shape, args, kwargs):
    check_random(name, shape, args, kwargs, RANDOM_FAMILY[name.rstrip("_")], seed=seed_of(name, shape, args, kwargs))


@pytest.mark.parametrize(("name", "shape", "args", "kwargs"), _params(TRUNC_CASES))
def test_trunc_normal(name, shape, args, kwargs):
    check_random(name, shape, args, kwargs, "trunc_normal", seed=seed_of(name, shape, kwargs))


def test_checks_reject_a_wrong_rule():
    """The statistics are decisive: kaiming_uniform_ with a = sqrt(5) is far from the a = 0 rule."""
    shape = (64, 32)
    wrong = rule_distribution("kaiming_uniform_", shape, (), {"a": 0})
    samples = sample("kaiming_uniform_", shape, (), {"a": math.sqrt(5)}, seed=1)
    with pytest.raises(AssertionError):
        assert_support(wrong, samples, "wrong")
    with pytest.raises(AssertionError):
        assert_moments(wrong, samples, "wrong")
    with pytest.raises(AssertionError):
        assert_ks(wrong, samples, lambda: sample("kaiming_uniform_", shape, (), {"a": math.sqrt(5)}, seed=2),
                  "wrong")
    # a std off by 2% is caught by the variance check
    normal = rule_distribution("normal_", shape, (0.0, 1.02))
    with pytest.raises(AssertionError):
        assert_moments(normal, sample("normal_", shape, (0.0, 1.0), seed=3), "wrong")
    # trunc_normal cut-offs read as multiples of std instead of absolute values
    as_multiples = rule_distribution("trunc_normal_", shape, (), {"mean": 0.5, "std": 2.0, "a": -2.0, "b": 6.0})
    samples = sample("trunc_normal_", shape, (), {"mean": 0.5, "std": 2.0, "a": -1.0, "b": 3.0}, seed=4)
    with pytest.raises(AssertionError):
        assert_support(as_multiples, samples, "wrong")


# --------------------------------------------------------------------------- deterministic initializers
CONSTANT_CASES = [
    (name, shape, args, {})
    for shape in SHAPES
    for name, argsets in (
        ("constant_", [(0.5,), (-2.0,), (0.0,), (3.25,), (math.sqrt(2),), (7,)]),
        ("constant", [(0.5,)]),
        ("ones_", [()]),
        ("zeros_", [()]),
    )
    for args in argsets
] + [("constant_", (64, 32), (), {"val": -1.5})]


@pytest.mark.parametrize(("name", "shape", "args", "kwargs"), _params(CONSTANT_CASES))
def test_constant(name, shape, args, kwargs):
    dist = rule_distribution(name, shape, args, kwargs)
    assert dist.family == "constant"
    result = sample(name, shape, args, kwargs, seed=0, n=1)[0]
    expected = torch.full(shape, num(dist.param("value")), dtype=torch.float32).double()
    assert torch.equal(result, expected), f"rule value {dist.param('value')}, torch wrote {result.unique()}"


EYE_SHAPES = [(64, 32), (32, 64), (16, 16), (1, 5)]


@pytest.mark.parametrize("name", names_for("eye_"))
@pytest.mark.parametrize("shape", EYE_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_eye(name, shape):
    dist = rule_distribution(name, shape)
    assert dist.family == "eye" and not dist.params
    result = sample(name, shape, seed=0, n=1)[0]
    assert torch.equal(result, torch.eye(*shape, dtype=torch.float64))


DIRAC_CASES = [
    ((16, 8, 3, 5), (1,)), ((16, 8, 3, 5), (2,)), ((16, 8, 3, 5), (4,)), ((16, 8, 3, 5), ()),
    ((32, 16, 3), (1,)), ((32, 16, 3), (2,)), ((6, 8, 3), (3,)), ((12, 2, 5, 5), (3,)),
    ((8, 8, 4, 4), (1,)), ((8, 4, 3, 3, 3), (1,)), ((8, 4, 3, 3, 3), (2,)), ((9, 9, 2, 3, 4), (3,)),
]


def expected_dirac(shape: tuple, groups: int) -> torch.Tensor:
    """Identity per group of output channels, at the centre (size // 2) of the kernel."""
    expected = torch.zeros(shape, dtype=torch.float64)
    per_group = shape[0] // groups
    centre = tuple(s // 2 for s in shape[2:])
    for g in range(groups):
        for d in range(min(per_group, shape[1])):
            expected[(g * per_group + d, d, *centre)] = 1.0
    return expected


@pytest.mark.parametrize("name", names_for("dirac_"))
@pytest.mark.parametrize(("shape", "args"), DIRAC_CASES, ids=[case_id("dirac", s, a) for s, a in DIRAC_CASES])
def test_dirac(name, shape, args):
    dist = rule_distribution(name, shape, args)
    assert dist.family == "dirac"
    groups = num(dist.param("groups"))
    assert groups == int(groups)
    result = sample(name, shape, args, seed=0, n=1)[0]
    assert torch.equal(result, expected_dirac(shape, int(groups)))


ORTHOGONAL_SHAPES = [(64, 32), (20, 50), (32, 16, 3), (16, 8, 3, 5), (64, 16, 2)]
ORTHOGONAL_CASES = [(name, shape, args, {}) for name in names_for("orthogonal_") for shape in ORTHOGONAL_SHAPES
                    for args in ((), (1.0,), (2.0,), (INIT.calculate_gain("relu"),))
                    if name == "orthogonal_" or args == (2.0,)]


@pytest.mark.parametrize(("name", "shape", "args", "kwargs"), _params(ORTHOGONAL_CASES))
def test_orthogonal(name, shape, args, kwargs):
    dist = rule_distribution(name, shape, args, kwargs)
    assert dist.family == "orthogonal"
    gain = num(dist.param("gain"))
    draws = sample(name, shape, args, kwargs, seed=seed_of(name, shape, args), n=N_SAMPLES // 4)
    rows = shape[0]
    cols = math.prod(shape[1:])
    for w in draws.reshape(-1, rows, cols)[:8]:
        gram = w @ w.T if rows <= cols else w.T @ w
        eye = torch.eye(min(rows, cols), dtype=torch.float64)
        assert torch.allclose(gram, gain ** 2 * eye, atol=1e-5 * gain ** 2), f"not gain^2 I: gain {gain}"
    expected = moments(dist, shape)
    var = num(expected["variance"])
    assert num(expected["mean"]) == 0
    # the mean square is exact: |W|_F^2 = gain^2 min(rows, cols)
    assert (draws ** 2).mean().item() == pytest.approx(var, rel=1e-5)
    n = draws.numel()
    assert abs(draws.mean().item()) <= Z * math.sqrt(var / n)


SPARSE_CASES = [
    (name, shape, args, {})
    for name in names_for("sparse_")
    for shape in ((64, 32), (100, 20), (10, 50))
    for args in ((0.1,), (0.25, 0.5), (0.5,), (0.9, 2.0))
    if name == "sparse_" or args == (0.25, 0.5)
] + [("sparse_", (64, 32), (), {"sparsity": 0.3, "std": 0.05})]


@pytest.mark.parametrize(("name", "shape", "args", "kwargs"), _params(SPARSE_CASES))
def test_sparse(name, shape, args, kwargs):
    dist = rule_distribution(name, shape, args, kwargs)
    assert dist.family == "sparse"
    sparsity, std = dist.param("sparsity"), num(dist.param("std"))
    rows = shape[0]
    zeros = int(sympy.ceiling(sparsity * rows))
    label = case_id(name, shape, args, kwargs)
    assert zeros < rows, "choose a case that leaves non-zeros"
    # enough draws for ~N_SAMPLES / 4 non-zeros
    n = int(N_SAMPLES // 4 * rows / (rows - zeros))

    def nonzeros(seed):
        draws = sample(name, shape, args, kwargs, seed=seed, n=n)
        per_column = (draws == 0).sum(dim=1)  # (draws, cols)
        assert torch.all(per_column == zeros), (f"{label}: zeros per column {per_column.unique().tolist()}, "
                                                f"rule implies ceil({sparsity} * {rows}) = {zeros}")
        return draws[draws != 0]

    values = nonzeros(seed_of(label))
    normal = rule_distribution("normal_", (1, 1), (0.0, std))
    assert_moments(normal, values, label)
    assert_ks(normal, values, lambda: nonzeros(seed_of(label) + 1), label)


# --------------------------------------------------------------------------- tensor methods
METHOD_CASES = [
    ("uniform_", (64, 32), (), {}), ("uniform_", (64, 32), (-0.5, 0.25), {}),
    ("uniform_", (32, 16, 3), (2.0, 5.0), {}), ("uniform_", (64, 32), (), {"from": -1.0, "to": 2.0}),
    ("normal_", (64, 32), (), {}), ("normal_", (64, 32), (0.5, 0.02), {}),
    ("normal_", (16, 8, 3, 5), (-3.0, 2.5), {}), ("normal_", (64, 32), (), {"mean": 1.0, "std": 0.1}),
]


@pytest.mark.parametrize(("name", "shape", "args", "kwargs"), _params(METHOD_CASES))
def test_random_tensor_method(name, shape, args, kwargs):
    check_random(f"Tensor.{name}", shape, args, kwargs, name.rstrip("_"), seed=seed_of(name, shape, args, kwargs))


CONSTANT_METHOD_CASES = [("zero_", (64, 32), ()), ("fill_", (64, 32), (0.25,)), ("fill_", (32, 16, 3), (-3.0,)),
                         ("fill_", (16, 8, 3, 5), (7,)), ("fill_", (64, 32), (math.sqrt(2),))]


@pytest.mark.parametrize(("name", "shape", "args"), CONSTANT_METHOD_CASES,
                         ids=[case_id(*c) for c in CONSTANT_METHOD_CASES])
def test_constant_tensor_method(name, shape, args):
    dist = rule_distribution(f"Tensor.{name}", shape, args)
    assert dist.family == "constant"
    result = sample(f"Tensor.{name}", shape, args, seed=0, n=1)[0]
    expected = torch.full(shape, num(dist.param("value")), dtype=torch.float32).double()
    assert torch.equal(result, expected)


# --------------------------------------------------------------------------- tensor factories
def evaluate_factory(qualname: str, *args, shape: tuple, like: bool = False, **kwargs):
    """The distribution of the tensor a [[factory]] entry creates."""
    from doccheck.codemodel.interpreter import _number
    from doccheck.codemodel.values import TensorRef, TensorState

    interpreter = _interpreter()
    values = [_wrap(a) for a in args]
    if like:
        values.insert(0, interpreter.new_tensor(TensorState(tuple(_number(d) for d in shape), None)))
    result = interpreter.call_qualified(qualname, values, {k: _wrap(v) for k, v in kwargs.items()}, None, None,
                                        False)
    assert isinstance(result, TensorRef), result
    state = interpreter.state.heap[result.id]
    assert state.shape is not None and tuple(num(d.expr) for d in state.shape) == shape
    return state.distribution


def _size(args) -> tuple:
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], tuple) else tuple(args)


FACTORY_CASES = [
    ("randn", (64, 32), {}), ("randn", ((32, 16, 3),), {}), ("rand", (64, 32), {}), ("rand", ((16, 8, 3, 5),), {}),
    ("zeros", (64, 32), {}), ("zeros", ((32, 16, 3),), {}), ("ones", (64, 32), {}), ("ones", ((16, 8, 3, 5),), {}),
    ("full", ((64, 32), 0.75), {}), ("full", ((32, 16, 3), -2.0), {}), ("full", ((64, 32),), {"fill_value": 3}),
]


@pytest.mark.parametrize(("factory", "args", "kwargs"), FACTORY_CASES,
                         ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(FACTORY_CASES)])
def test_factory(factory, args, kwargs):
    fn = getattr(torch, factory)
    shape = args[0] if factory == "full" else _size(args)  # torch.full's size is one argument, not *size
    dist = evaluate_factory(f"torch.{factory}", *args, shape=shape, **kwargs)
    assert dist is not None
    if dist.family == "constant":
        result = fn(*args, **kwargs).double()
        assert result.shape == shape
        assert torch.equal(result, torch.full(shape, num(dist.param("value")), dtype=torch.float64))
        return
    seed = seed_of(factory, args)

    def draw(seed):
        generator = torch.Generator().manual_seed(seed)
        reps = math.ceil(N_SAMPLES / math.prod(shape))
        return torch.stack([fn(*args, generator=generator) for _ in range(reps)]).double()

    samples = draw(seed)
    assert samples.shape[1:] == shape
    assert_support(dist, samples, factory)
    assert_moments(dist, samples, factory)
    assert_ks(dist, samples, lambda: draw(seed + 1), factory)


@pytest.mark.parametrize("factory", ["zeros_like", "ones_like", "empty_like"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_like_factory(factory, shape):
    dist = evaluate_factory(f"torch.{factory}", shape=shape, like=True)
    result = getattr(torch, factory)(torch.empty(shape))
    assert result.shape == shape
    if factory == "empty_like":
        assert dist.family == "uninitialized"
        return
    assert dist.family == "constant"
    assert torch.equal(result.double(), torch.full(shape, num(dist.param("value")), dtype=torch.float64))


@pytest.mark.parametrize("factory", ["empty", "Tensor", "FloatTensor"])
def test_uninitialized_factories(factory):
    dist = evaluate_factory(f"torch.{factory}", 64, 32, shape=(64, 32))
    assert dist.family == "uninitialized"
    assert getattr(torch, factory)(64, 32).shape == (64, 32)
