"""Hugging Face conventions for DC201: the ``(type, *optional*, defaults to X)`` slot, argument lists without an
``Args:`` header, and dataclass-style configs whose fields are the signature (PEP 681 ``dataclass_transform``)."""

from __future__ import annotations

import json

import pytest

from doccheck import cli

SLOT = '''\
class Block:
    r"""A block.

    Args:
        eps (`float`, *optional*, defaults to {eps}):
            The epsilon.
        kernel (`tuple[int]`, *optional*, defaults to `{kernel}`):
            The kernels.
    """

    def __init__(self, eps=1e-5, kernel=(10, 3, 2)):
        self.eps = eps
'''

CONFIG = '''\
from dataclasses import dataclass, field
from typing import ClassVar

from typing_extensions import dataclass_transform


@dataclass_transform(kw_only_default=True)
@dataclass
class BaseConfig:
    r"""
    name (`str`, *optional*, defaults to `"base"`):
        The name.
    """

    name: str = "base"


class NetConfig(BaseConfig):
    r"""
    conv_kernel (`tuple[int]`, *optional*, defaults to `{kernel}`):
        The kernels.
    tags (`list`, *optional*, defaults to `[]`):
        Tags: a default factory is code, never compared.
    name (`str`, *optional*, defaults to `"net"`):
        The name, redefined with another default.
    eos_token (`str`, *optional*, defaults to 1):
        A bare 1 for the string "1": undecided.
    """

    model_type: ClassVar[str] = "net"
    conv_kernel: tuple[int, ...] = (10, 3, 2)
    tags: list = field(default_factory=list)
    name: str = "net"
    eos_token: str = "1"
'''


def _found(tmp_path, monkeypatch, capsys, source: str) -> set[tuple[str, str]]:
    (tmp_path / "hf.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    cli.main(["check", "--isolated", "--no-cache", "--format", "json", "--select", "DC201,DC301", "--", "hf.py"])
    return {(f["object"], f["message"].split(":", 1)[1].strip()[:60]) for f in json.loads(capsys.readouterr().out)}


@pytest.mark.parametrize("eps, kernel, objects", [
    ("1e-5", "(10, 3, 2)", set()),
    ("1e-6", "(10, 3, 2)", {"Block.eps"}),
    ("1e-5", "(10, 3, 3)", {"Block.kernel"}),
])
def test_the_type_slot_default(tmp_path, monkeypatch, capsys, eps, kernel, objects):
    assert {o for o, _ in _found(tmp_path, monkeypatch, capsys, SLOT.format(eps=eps, kernel=kernel))} == objects


def test_a_headerless_list_is_read_as_arguments(tmp_path, monkeypatch, capsys):
    source = SLOT.format(eps="1e-6", kernel="(10, 3, 2)").replace('''    r"""A block.

    Args:
        eps''', '''    r"""
    eps''').replace("\n        kernel", "\n    kernel").replace("\n            The", "\n        The")
    assert {o for o, _ in _found(tmp_path, monkeypatch, capsys, source)} == {"Block.eps"}


def test_prose_is_no_headerless_list(tmp_path, monkeypatch, capsys):
    # a first line in the entry shape without a backticked type is prose, not an argument list
    source = '''class Block:
    r"""
    eps (the tolerance): defaults to 1e-6 here.
    """

    def __init__(self, eps=1e-5):
        self.eps = eps
'''
    assert _found(tmp_path, monkeypatch, capsys, source) == set()


@pytest.mark.parametrize("kernel, objects", [
    ("(10, 3, 2)", set()),
    ("(10, 3, 3)", {"NetConfig.conv_kernel"}),  # Wav2Vec2Config's bug, in miniature
])
def test_dataclass_fields_are_the_signature(tmp_path, monkeypatch, capsys, kernel, objects):
    assert {o for o, _ in _found(tmp_path, monkeypatch, capsys, CONFIG.format(kernel=kernel))} == objects


def test_a_class_with_its_own_init_keeps_it(tmp_path, monkeypatch, capsys):
    source = CONFIG.format(kernel="(10, 3, 2)").replace('''    eos_token: str = "1"
''', '''    eos_token: str = "1"

    def __init__(self, conv_kernel=(10, 3, 3), **kwargs):
        self.conv_kernel = conv_kernel
''')
    # the documented (10, 3, 2) is the field's default, but the class's own __init__ defaults to (10, 3, 3)
    found = _found(tmp_path, monkeypatch, capsys, source)
    assert {o for o, _ in found} == {"NetConfig.conv_kernel"} and not any("fields" in m for _, m in found)


@pytest.fixture(scope="module")
def transformers_models():
    import importlib.util
    from importlib.metadata import version
    from pathlib import Path

    spec = importlib.util.find_spec("transformers")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("transformers sources not installed (pip install --no-deps transformers==5.23.0)")
    if version("transformers") != "5.23.0":
        pytest.skip(f"pinned to transformers 5.23.0, found {version('transformers')}")
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def test_wav2vec2_config_conv_kernel_is_reported(capsys, transformers_models):
    folder = transformers_models / "wav2vec2"
    cli.main(["check", "--isolated", "--no-cache", "--format", "json", "--select", "DC201", str(folder)])
    found = json.loads(capsys.readouterr().out)
    assert [(f["object"], f["documented"], f["effective"]) for f in found
            if f["object"] == "Wav2Vec2Config.conv_kernel"] == [
        ("Wav2Vec2Config.conv_kernel", "`(10, 3, 3, 3, 3, 3, 3)`", "(10, 3, 3, 3, 3, 2, 2)")]
