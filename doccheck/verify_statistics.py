"""The statistics of `doccheck verify`: distribution functions, Kolmogorov-Smirnov, and the tests one
parameter's sampled values must pass against the distribution the static model derived.

Split from `doccheck.verify` (plan: which classes and arguments; run: construct and sample; these tests):
nothing here imports the analysed code; torch is imported only to compute on the sampled tensors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

KS_ALPHA = 1e-3
Z_MOMENTS = 5.0
COVERAGE_FAILURE = 1e-9  # chance that uniform samples miss the edge band by luck


@dataclass
class TestResult:
    test: str  # shape | constant | support | coverage | mean | variance | ks | ...
    ok: bool
    detail: str
    statistical: bool = False



def _phi(z):
    import torch

    return 0.5 * (1 + torch.erf(z / math.sqrt(2)))


def _phi_scalar(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def cdf(family: str, p: dict):
    """The distribution function as a function of a float64 tensor (None where there is no closed form)."""
    if family == "uniform":
        low, high = p["low"], p["high"]
        return lambda x: ((x - low) / (high - low)).clamp(0, 1)
    if family == "normal":
        return lambda x: _phi((x - p["mean"]) / p["std"])
    if family == "trunc_normal":
        mean, std, a, b = p["mean"], p["std"], p["a"], p["b"]
        lo, hi = _phi_scalar((a - mean) / std), _phi_scalar((b - mean) / std)
        return lambda x: ((_phi((x - mean) / std) - lo) / (hi - lo)).clamp(0, 1)
    return None


def ks_statistic(values, distribution_function) -> float:
    """D = sup |F_n(x) - F(x)|, computed over the sorted sample."""
    import torch

    x = torch.sort(values).values
    n = x.numel()
    f = distribution_function(x)
    i = torch.arange(1, n + 1, dtype=torch.float64)
    return max(float((i / n - f).max()), float((f - (i - 1) / n).max()))


def ks_pvalue(d: float, n: int) -> float:
    """Asymptotic Kolmogorov distribution with Stephens' small-sample correction."""
    lam = (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n)) * d
    if lam < 0.2:
        return 1.0
    total = sum((-1) ** (k - 1) * math.exp(-2 * k * k * lam * lam) for k in range(1, 101))
    return max(0.0, min(1.0, 2 * total))


def _float32_slack(*values: float) -> float:
    return 4 * 1.2e-7 * max(1.0, *(abs(v) for v in values))


def random_tests(dist, numbers: dict, moments: tuple[float, float] | None, values) -> list[TestResult]:
    import torch

    family = dist.family
    n = values.numel()
    tests = []
    lo, hi = float(values.min()), float(values.max())
    if family == "uniform":
        low, high = numbers["low"], numbers["high"]
        slack = _float32_slack(low, high)
        tests.append(TestResult("support", lo >= low - slack and hi <= high + slack,
                                f"samples in [{lo:.6g}, {hi:.6g}], allowed [{low:.6g}, {high:.6g}]"))
        band = (high - low) * -math.log(COVERAGE_FAILURE) / n
        covers = lo <= low + band + slack and hi >= high - band - slack
        tests.append(TestResult("coverage", covers, f"min {lo:.6g} and max {hi:.6g} within {band:.3g} of "
                                                    f"the bounds {low:.6g}, {high:.6g}", statistical=True))
    elif family == "trunc_normal":
        a, b = numbers["a"], numbers["b"]
        slack = _float32_slack(a, b)
        tests.append(TestResult("support", lo >= a - slack and hi <= b + slack,
                                f"samples in [{lo:.6g}, {hi:.6g}], allowed [{a:.6g}, {b:.6g}]"))
    elif family == "normal":
        mean, std = numbers["mean"], numbers["std"]
        far = float(((values - mean).abs() / std).max()) if std > 0 else 0.0
        tests.append(TestResult("support", far <= 8.5, f"largest |x - mean| is {far:.3g} std (a normal sample "
                                                        f"of this size stays under 8.5)", statistical=True))
    if moments is not None:
        mean, variance = moments
        sample_mean = float(values.mean())
        sample_var = float(values.var()) if n > 1 else 0.0
        std = math.sqrt(max(variance, 0.0))
        se = std / math.sqrt(n)
        tolerance = Z_MOMENTS * se + _float32_slack(mean) * abs(mean)
        tests.append(TestResult("mean", abs(sample_mean - mean) <= tolerance,
                                f"sample mean {sample_mean:.6g}, expected {mean:.6g} ± {tolerance:.3g}",
                                statistical=True))
        kurtosis = {"uniform": 1.8, "normal": 3.0}.get(family, 3.0)
        tolerance = Z_MOMENTS * variance * math.sqrt((kurtosis - 1) / n) + 1e-12
        tests.append(TestResult("variance", abs(sample_var - variance) <= tolerance,
                                f"sample variance {sample_var:.6g}, expected {variance:.6g} ± {tolerance:.3g}",
                                statistical=True))
    function = cdf(family, numbers)
    if function is not None and n >= 20:
        d = ks_statistic(values.to(torch.float64), function)
        p = ks_pvalue(d, n)
        tests.append(TestResult("ks", p >= KS_ALPHA, f"Kolmogorov-Smirnov D = {d:.4g} over {n} values, "
                                                      f"p = {p:.3g} (rejects below {KS_ALPHA:g})", statistical=True))
    return tests


def exact_tests(dist, numbers: dict, dtype, draws) -> list[TestResult]:
    """Families without randomness: every draw must equal the implied tensor exactly (in the parameter's dtype)."""
    import torch

    family = dist.family
    tensor = draws[0]
    if family == "constant":
        value = torch.tensor(numbers["value"], dtype=dtype).item()  # rounded as the parameter stores it
        total = sum(d.numel() for d in draws)
        bad = sum(int((d != value).sum()) for d in draws)
        if bad == 0:
            return [TestResult("constant", True, f"all {total} values equal {value!r} ({dtype})")]
        worst = max(float((d - value).abs().max()) for d in draws)
        ulp = abs(torch.finfo(dtype).eps * value) if dtype.is_floating_point else 0.0
        if worst <= 2 * ulp:
            return [TestResult("constant", True, f"all {total} values equal {value!r} within {worst:.3g} "
                                                 f"(≤ 2 ulp of {dtype}: the code rounds differently)")]
        return [TestResult("constant", False, f"{bad} of {total} values differ from {value!r} "
                                              f"(largest difference {worst:.6g})")]
    if family == "eye":
        if tensor.dim() != 2:
            return [TestResult("eye", False, f"identity expected, but the tensor is {tensor.dim()}-D")]
        expected = torch.eye(*tensor.shape, dtype=tensor.dtype)
        ok = all(torch.equal(d.to(tensor.dtype), expected) for d in draws)
        return [TestResult("eye", ok, "identity matrix" + ("" if ok else ": values differ"))]
    if family == "dirac":
        groups = int(round(numbers.get("groups", 1)))
        expected = torch.zeros(tensor.shape, dtype=tensor.dtype)
        out_per_group = tensor.shape[0] // groups
        centre = [s // 2 for s in tensor.shape[2:]]
        for g in range(groups):
            for d in range(min(out_per_group, tensor.shape[1])):
                expected[(g * out_per_group + d, d, *centre)] = 1
        ok = all(torch.equal(d.to(tensor.dtype), expected) for d in draws)
        return [TestResult("dirac", ok, f"Dirac delta, {groups} group(s)" + ("" if ok else ": values differ"))]
    return []


def structured_tests(dist, numbers: dict, draws, moments) -> list[TestResult]:
    import torch

    family = dist.family
    tests = []
    if family == "orthogonal":
        gain = numbers["gain"]
        worst = 0.0
        for d in draws:
            flat = d.reshape(d.shape[0], -1).to(torch.float64)
            gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
            worst = max(worst, float((gram - gain ** 2 * torch.eye(gram.shape[0], dtype=torch.float64)).abs().max()))
        tests.append(TestResult("orthogonal", worst <= 1e-4 * max(1.0, gain ** 2),
                                f"max |W·Wᵀ - gain²·I| = {worst:.3g}"))
    elif family == "sparse":
        sparsity, std = numbers["sparsity"], numbers["std"]
        rows = draws[0].shape[0]
        zeros = math.ceil(sparsity * rows)
        counts = {int(c) for d in draws for c in (d == 0).sum(dim=0)}
        tests.append(TestResult("sparse", counts == {zeros}, f"zeros per column {sorted(counts)}, expected {zeros}"))
        nonzero = torch.cat([d[d != 0].reshape(-1) for d in draws]).to(torch.float64)
        if nonzero.numel() >= 20:
            d = ks_statistic(nonzero, cdf("normal", {"mean": 0.0, "std": std}))
            p = ks_pvalue(d, nonzero.numel())
            tests.append(TestResult("ks", p >= KS_ALPHA, f"non-zeros: KS D = {d:.4g}, p = {p:.3g}", statistical=True))
    return tests
