"""MLX: rules/mlx.toml (array factories, fan layout, arrays as parameters) and the doc conventions MLX uses.

Fixtures are layers written here in MLX's style; the installed mlx (pinned 0.32.4, sources only) is read too.
"""

from __future__ import annotations

import json

import pytest

from doccheck import cli

LINEAR = '''\
import math

import mlx.core as mx
from mlx.nn.layers.base import Module


class Dense(Module):
    r"""A dense layer.

    The values are initialized from the uniform distribution :math:`\\mathcal{{U}}(-{{k}}, {{k}})`,
    where :math:`k = \\frac{{1}}{{\\sqrt{{D_i}}}}` and :math:`D_i` {verb} ``{dims}``.
    """

    def __init__(self, input_dims: int, output_dims: int):
        super().__init__()
        scale = math.sqrt(1.0 / input_dims)
        self.weight = mx.random.uniform(low=-scale, high=scale, shape=(output_dims, input_dims))
        self.bias = mx.random.uniform(low=-scale, high=scale, shape=(output_dims,))
        self._cache = mx.zeros((output_dims,))  # private: not a parameter
        self.eps = 1e-5
'''

NORM = '''\
import mlx.core as mx
from mlx.nn.layers.base import Module


class Norm(Module):
    r"""A normalization, where :math:`\\gamma` and :math:`\\beta` are learned parameters initialized at
    {values} respectively.
    """

    def __init__(self, dims: int):
        super().__init__()
        self.weight = mx.ones((dims,))
        self.bias = mx.zeros((dims,))
        self.freeze(keys=["bias"])  # not trainable; the values stay
'''


def _check(tmp_path, monkeypatch, capsys, source: str) -> set[tuple[str, str]]:
    (tmp_path / "layer.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    cli.main(["check", "--isolated", "--no-cache", "--format", "json", "--extend-select", "DC103", "--",
              "layer.py"])
    return {(f["object"], f["code"]) for f in json.loads(capsys.readouterr().out)}


def _coverage(tmp_path, monkeypatch, capsys, source: str) -> dict[str, dict]:
    (tmp_path / "layer.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["coverage", "--isolated", "--format", "json", "layer.py"]) == 0
    return {e["object"]: e for e in json.loads(capsys.readouterr().out)}


def test_public_arrays_are_the_parameters(tmp_path, monkeypatch, capsys):
    entries = _coverage(tmp_path, monkeypatch, capsys, LINEAR.format(verb="is equal to", dims="input_dims"))
    assert {name: (e["status"], e["effective"]) for name, e in entries.items()} == {
        "Dense.weight": ("consistent", "U(-1/√input_dims, 1/√input_dims)"),
        "Dense.bias": ("consistent", "U(-1/√input_dims, 1/√input_dims)")}


@pytest.mark.parametrize("verb, dims, found", [
    ("is equal to", "input_dims", set()),  # proven
    ("is", "input_dims", set()),
    ("is equal to", "output_dims", {("Dense.weight", "DC101"), ("Dense.bias", "DC101")}),  # wrong
    # no definition in that exact shape: D_i stays a free symbol, the claim unresolved, never DC101
    ("relates to", "input_dims", {("Dense.weight", "DC103"), ("Dense.bias", "DC103")}),
])
def test_a_symbol_defined_in_prose(tmp_path, monkeypatch, capsys, verb, dims, found):
    assert _check(tmp_path, monkeypatch, capsys, LINEAR.format(verb=verb, dims=dims)) == found


@pytest.mark.parametrize("values, found", [
    ("1 and 0", set()),
    ("0 and 1", {("Norm.weight", "DC101"), ("Norm.bias", "DC101")}),
    ("1, 0 and 2", set()),  # three values for two parameters: no pairing, no claim
])
def test_respectively_pairs_values_with_parameters_in_order(tmp_path, monkeypatch, capsys, values, found):
    assert _check(tmp_path, monkeypatch, capsys, NORM.format(values=values)) == found


def test_a_plain_class_has_no_array_parameters(tmp_path, monkeypatch, capsys):
    # only a framework's Module turns public arrays into parameters (torch's paged attention cache is a tensor)
    source = LINEAR.format(verb="is", dims="input_dims").replace("class Dense(Module):", "class Dense:")
    assert _coverage(tmp_path, monkeypatch, capsys, source) == {}


def test_mlx_fan_layout_is_out_kernel_in(tmp_path):
    from doccheck import knowledge

    fan = knowledge.load().framework("mlx").fan
    assert fan == {"fan_in": "shape[-1] * prod(shape[1:-1])", "fan_out": "shape[0] * prod(shape[1:-1])"}


# ---------------------------------------------------------------------------- the installed mlx

@pytest.fixture(scope="module")
def mlx_nn():
    # located, never imported: the sources are read; the native runtime need not be there
    import importlib.util
    from importlib.metadata import PackageNotFoundError, version
    from pathlib import Path

    spec = importlib.util.find_spec("mlx")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("mlx sources not installed (pip install --no-deps mlx==0.32.4)")
    try:
        found = version("mlx")
    except PackageNotFoundError:
        found = None
    if found != "0.32.4":
        pytest.skip(f"pinned to mlx 0.32.4, found {found}")
    return Path(list(spec.submodule_search_locations)[0]) / "nn"


def test_explain_proves_mlx_linear(capsys, mlx_nn):
    assert cli.main(["explain", "--isolated", "--format", "json", "mlx.nn.Linear"]) == 0
    params = json.loads(capsys.readouterr().out)["params"]
    assert {p["name"]: [c["verdict"] for c in p["documented"]] for p in params} == {
        "weight": ["consistent"], "bias": ["consistent"]}


def test_every_documented_mlx_layer_is_proven(capsys, mlx_nn):
    assert cli.main(["coverage", "--isolated", "--format", "json", str(mlx_nn)]) == 0
    entries = json.loads(capsys.readouterr().out)
    documented = {e["object"]: e["status"] for e in entries if e["documented"]}
    assert documented == {name: "consistent" for name in [
        "Linear.weight", "Linear.bias", "Bilinear.weight", "Bilinear.bias", "InstanceNorm.weight",
        "InstanceNorm.bias", "LayerNorm.weight", "LayerNorm.bias", "RMSNorm.weight", "GroupNorm.weight",
        "GroupNorm.bias", "BatchNorm.weight", "BatchNorm.bias"]}
    assert all(e["reason"] for e in entries if e["status"] == "unresolved")
