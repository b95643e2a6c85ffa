"""Keras 3: rules/keras.toml (initializer objects, the registry, add_weight, build(input_shape), channels-last
fans) and claims by initializer name ("Defaults to `"glorot_uniform"`", "If `None`, … (`"zeros"`)").

Fixtures are layers written here in Keras' style; the installed keras (pinned 3.15.1) is read, never imported.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
from pathlib import Path

import pytest

from doccheck import cli

DENSE = '''\
from keras.src import initializers
from keras.src.layers.layer import Layer


class Dense(Layer):
    """A dense layer.

    Args:
        units: Positive integer.
        kernel_initializer: Initializer for the kernel. Defaults to `"{kernel}"`.
        bias_initializer: Initializer for the bias vector. If `None`, the
            default initializer (`"{bias}"`) will be used.
    """

    def __init__(self, units, kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)

    def build(self, input_shape):
        if self.quantization_mode:
            self.quantized_build(input_shape)
        self._kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                       initializer=self.kernel_initializer)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer)
        self.scale = self.add_weight(name="scale", shape=(), initializer=initializers.RandomUniform(maxval=0.1))
'''


def _run(tmp_path, monkeypatch, capsys, source: str, command: str):
    (tmp_path / "layer.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    if command == "check":
        cli.main(["check", "--isolated", "--no-cache", "--format", "json", "--", "layer.py"])
        return {(f["object"], f["code"]) for f in json.loads(capsys.readouterr().out)}
    assert cli.main(["coverage", "--isolated", "--format", "json", "layer.py"]) == 0
    return {e["object"]: e for e in json.loads(capsys.readouterr().out)}


def test_weights_of_build_and_their_initializers(tmp_path, monkeypatch, capsys):
    entries = _run(tmp_path, monkeypatch, capsys, DENSE.format(kernel="glorot_uniform", bias="glorot_uniform"),
                   "coverage")
    # input_shape[-1] is the symbol input_dim; channels-last fans: kernel (in, out); VarianceScaling's max(1, ·)
    assert entries["Dense.kernel"]["effective"] == "U(-√3/√(Max(1, input_dim/2 + units/2)), √3/√(Max(1, " \
                                                   "input_dim/2 + units/2)))"
    assert entries["Dense.bias"]["effective"] == "constant 0"
    assert entries["Dense.scale"]["effective"] == "U(-1/20, 1/10)"  # an initializer object with its own minval


@pytest.mark.parametrize("kernel, bias, found", [
    ("glorot_uniform", "glorot_uniform", set()),  # true both: None means glorot_uniform in add_weight
    # wrong default name: the distribution differs (DC101) and so does the signature's default (DC201)
    ("he_normal", "glorot_uniform", {("Dense.kernel", "DC101"), ("Dense.kernel_initializer", "DC201")}),
    ("glorot_uniform", "zeros", {("Dense.bias", "DC101")}),  # Keras' convolution docs: None is not zeros
])
def test_claims_by_initializer_name(tmp_path, monkeypatch, capsys, kernel, bias, found):
    assert _run(tmp_path, monkeypatch, capsys, DENSE.format(kernel=kernel, bias=bias), "check") == found


def test_conditional_claim_is_proven(tmp_path, monkeypatch, capsys):
    entries = _run(tmp_path, monkeypatch, capsys, DENSE.format(kernel="glorot_uniform", bias="glorot_uniform"),
                   "coverage")
    assert entries["Dense.kernel"]["status"] == "consistent"
    assert entries["Dense.bias"]["status"] == "consistent"  # judged with bias_initializer=None


def test_an_initializer_without_rule_is_unresolved(tmp_path, monkeypatch, capsys):
    source = DENSE.format(kernel="orthogonal", bias="glorot_uniform").replace(
        'kernel_initializer="glorot_uniform"', 'kernel_initializer="orthogonal"')
    entries = _run(tmp_path, monkeypatch, capsys, source, "coverage")
    assert entries["Dense.kernel"]["status"] == "unresolved"
    assert "orthogonal" in entries["Dense.kernel"]["reason"]


PINNED = "3.15.1"
TEN = ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "DepthwiseConv1D",
       "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D"]


def _keras_layers() -> Path:
    spec = importlib.util.find_spec("keras")  # finds the package without importing it
    if spec is None or spec.origin is None:
        pytest.skip("keras is not installed")
    if importlib.metadata.version("keras") != PINNED:
        pytest.skip(f"keras {importlib.metadata.version('keras')} is not the pinned {PINNED}")
    return Path(spec.origin).parent / "src" / "layers"


def test_installed_keras_convolution_bias_claims(monkeypatch, capsys):
    layers = _keras_layers()
    assert cli.main(["coverage", "--isolated", "--format", "json", str(layers)]) == 0
    entries = {e["object"]: e for e in json.loads(capsys.readouterr().out)}
    documented = {name: e for name, e in entries.items() if e["documented"]}
    # "If `None`, the default initializer (`"zeros"`) will be used": None is glorot_uniform in add_weight
    for layer in TEN:
        assert documented[f"{layer}.bias"]["status"] == "mismatch", layer
        assert documented[f"{layer}.bias"]["effective"] == "constant 0"  # the argument's default is "zeros"
    for layer in ("Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"):
        assert documented[f"{layer}.kernel"]["status"] == "consistent", layer  # None -> glorot_uniform, true
    counts = {status: sum(e["status"] == status for e in documented.values())
              for status in ("consistent", "mismatch", "unresolved")}
    assert counts == {"consistent": 6, "mismatch": 14, "unresolved": 6}, counts
