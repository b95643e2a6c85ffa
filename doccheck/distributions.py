"""Distribution families: how to print them, their moments, and when two are equal."""

from __future__ import annotations

from doccheck.model import Distribution
from doccheck.symbolic import equal, to_text

# the parameters that identify each family, in the order they are printed
FAMILIES: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "normal": ("mean", "std"),
    "trunc_normal": ("mean", "std", "a", "b"),
    "constant": ("value",),
    "orthogonal": ("gain",),
    "sparse": ("sparsity", "std"),
    "eye": (),
    "dirac": ("groups",),
    "uninitialized": (),
    # the caller's own value (``self.weight = weight``): exact, but not a distribution; ``name`` is the argument
    "argument": (),
}


def formula(dist: Distribution) -> str:
    """U(-1/√in_features, 1/√in_features), N(0, 1²), constant 1, …"""
    p = dist.param_dict
    if dist.family == "scheme":  # a named scheme as documented, before it is worked out for a shape
        return f"the {p['name']} scheme"
    t = {k: to_text(v) for k, v in p.items()}
    if dist.family == "uniform":
        return f"U({t['low']}, {t['high']})"
    if dist.family == "normal":
        return f"N({t['mean']}, {_square(p['std'])})"
    if dist.family == "trunc_normal":
        return f"TruncN({t['mean']}, {_square(p['std'])}; [{t['a']}, {t['b']}])"
    if dist.family == "constant":
        return f"constant {t['value']}"
    if dist.family == "orthogonal":
        return f"orthogonal (gain {t['gain']})"
    if dist.family == "sparse":
        return f"sparse (sparsity {t['sparsity']}, N(0, {_square(p['std'])}))"
    if dist.family == "dirac":
        return f"Dirac (groups {t['groups']})"
    if dist.family == "eye":
        return "identity matrix"
    if dist.family == "uninitialized":
        return "uninitialized memory (never written)"
    if dist.family == "argument":
        return f"argument `{p['name']}`"
    return dist.family + "(" + ", ".join(f"{k}={v}" for k, v in t.items()) + ")"


def _square(std) -> str:
    text = to_text(std)
    if std.is_Symbol or (std.is_Integer and std >= 0):
        return f"{text}²"
    return f"({text})²"


def moments(dist: Distribution, shape: tuple | None = None) -> dict | None:
    """Mean and variance of one entry, symbolically (None for families without closed forms here)."""
    import sympy

    p = dist.param_dict
    if dist.family == "uniform":
        low, high = p["low"], p["high"]
        return {"mean": sympy.simplify((low + high) / 2), "variance": sympy.simplify((high - low) ** 2 / 12)}
    if dist.family == "normal":
        return {"mean": p["mean"], "variance": p["std"] ** 2}
    if dist.family == "constant":
        return {"mean": p["value"], "variance": sympy.Integer(0)}
    if dist.family == "trunc_normal":
        mean, std, a, b = p["mean"], p["std"], p["a"], p["b"]
        alpha, beta = (a - mean) / std, (b - mean) / std
        phi = lambda x: sympy.exp(-x ** 2 / 2) / sympy.sqrt(2 * sympy.pi)  # noqa: E731
        cdf = lambda x: (1 + sympy.erf(x / sympy.sqrt(2))) / 2  # noqa: E731
        z = cdf(beta) - cdf(alpha)
        m = mean + (phi(alpha) - phi(beta)) / z * std
        v = std ** 2 * (1 + (alpha * phi(alpha) - beta * phi(beta)) / z - ((phi(alpha) - phi(beta)) / z) ** 2)
        return {"mean": sympy.simplify(m), "variance": sympy.simplify(v)}
    if dist.family == "orthogonal" and shape is not None and len(shape) >= 2:
        rows = shape[0]
        cols = sympy.Mul(*shape[1:])
        return {"mean": sympy.Integer(0), "variance": p["gain"] ** 2 / sympy.Max(rows, cols)}
    return None


def same(documented: Distribution, effective: Distribution) -> bool | None:
    """True when both have the same family and provably equal parameters for all positive sizes."""
    if "argument" in (documented.family, effective.family):
        return None  # the caller's value: whatever a docstring says of it is neither proven nor refuted
    if documented.family != effective.family:
        # N(0, 0) written by a doc is a constant; U(c, c) too.  Anything else differs.
        return False
    for key in FAMILIES.get(documented.family, ()):
        try:
            verdict = equal(documented.param(key), effective.param(key))
        except KeyError:
            return False
        if verdict is not True:
            return verdict
    return True
