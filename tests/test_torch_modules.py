"""doccheck on the installed torch 2.13 `torch/nn/modules`: the real target.

(a) how many classes state an initialization and are evaluated; (b) every
finding is a real documentation bug, asserted by name with the reasoning;
(c) the core layers are proven consistent; (d) breaking any of them — in its
code or in its docstring, on a copy — is reported.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from doccheck.engine import Config, run  # noqa: E402

MODULES = Path(torch.__file__).parent / "nn" / "modules"

CORE = [
    "Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "Embedding", "EmbeddingBag",
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm", "RMSNorm",
]


def test_torch_version_is_the_pinned_one():
    assert torch.__version__.split("+")[0] == "2.13.0"


@pytest.fixture(scope="module")
def result():
    return run([str(MODULES)], Config(select=("ALL",)))


def _statuses(result) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for file in result.files:
        for qualname, _, statuses in file.class_summaries():
            out[qualname.rsplit(".", 1)[-1]] = set(statuses)
    return out


def test_classes_with_init_claims_are_all_evaluated(result):
    counts = result.counts()
    # 24 classes of torch/nn/modules state how their parameters are initialized:
    # the 22 core layers below, SyncBatchNorm and LazyLinear.  All 24 are evaluated; LazyLinear is proven
    # from what its initialize_parameters leaves.
    assert counts["classes_with_claims"] == 24
    assert counts["classes_evaluated"] == 24
    assert counts["classes_consistent"] == 23
    assert counts["classes_with_mismatch"] == 1
    assert counts["classes_unresolved"] == 0


def test_core_layers_are_proven_consistent(result):
    statuses = _statuses(result)
    for name in CORE:
        assert statuses.get(name) == {"consistent"}, (name, statuses.get(name))


# Every finding of a default run on torch 2.13's nn/modules, each a real documentation bug
# (checked against the running code: see the comments).
REAL_BUGS = {
    # SyncBatchNorm's docstring says "the elements of γ are sampled from U(0, 1)", but
    # SyncBatchNorm inherits _NormBase.reset_parameters, which calls init.ones_(self.weight):
    # γ starts at exactly 1, like every other BatchNorm (whose docstrings say "set to 1").
    ("DC101", "SyncBatchNorm.weight"),
    # ParameterList's and ParameterDict's docstrings swap their argument names:
    # ParameterList.__init__(self, values=None), ParameterDict.__init__(self, parameters=None);
    # ParameterList(parameters=[...]) raises TypeError.
    ("DC301", "ParameterList.parameters"),
    ("DC301", "ParameterDict.values"),
    # LazyInstanceNorm{1,2,3}d inherit _LazyNormBase.__init__(eps, momentum, affine=True,
    # track_running_stats=True, ...): there is no num_features (it is inferred lazily; passing
    # it raises TypeError), and nn.LazyInstanceNorm1d().affine is True, although the docstrings
    # (copied from InstanceNorm, whose defaults are False) say "Default: ``False``".
    *((code, f"LazyInstanceNorm{d}d.{name}") for d in (1, 2, 3)
      for code, name in (("DC301", "num_features"), ("DC201", "affine"), ("DC201", "track_running_stats"))),
}


def test_every_default_finding_is_a_real_documentation_bug():
    default = run([str(MODULES)], Config())
    found = {(f.code, f.object) for f in default.findings}
    assert found == REAL_BUGS
    (sync,) = [f for f in default.findings if f.code == "DC101"]
    assert sync.path.endswith("batchnorm.py")
    text = MODULES.joinpath("batchnorm.py").read_text().splitlines()[sync.line - 1]
    assert r"\mathcal{U}(0, 1)" in text
    assert sync.documented == "U(0, 1)" and sync.effective == "constant 1"
    assert any(p.line for p in sync.related)


def test_the_documented_defaults_really_differ_at_run_time():
    import inspect

    lazy = torch.nn.LazyInstanceNorm1d()
    assert lazy.affine is True and lazy.track_running_stats is True
    assert list(inspect.signature(torch.nn.ParameterList.__init__).parameters) == ["self", "values"]
    assert list(inspect.signature(torch.nn.ParameterDict.__init__).parameters) == ["self", "parameters"]
    assert torch.equal(torch.nn.SyncBatchNorm(8).weight.detach(), torch.ones(8))


def test_lazy_linear_is_proven_from_initialize_parameters(result):
    # LazyLinear's parameters are UninitializedParameter until the first forward call, whose
    # initialize_parameters sets in_features = input.shape[-1], materialises them and calls reset_parameters:
    # U(-1/sqrt(in_features), 1/sqrt(in_features)), as its docstring says
    assert [f for f in result.findings if f.object.startswith("LazyLinear.")] == []
    assert _statuses(result).get("LazyLinear") == {"consistent"}


# ------------------------------------------------------------------ (d) deliberate breaks

@pytest.fixture(scope="module")
def torch_copy(tmp_path_factory):
    """torch/nn/modules copied under the same package names (torch.nn.modules.*)."""
    root = tmp_path_factory.mktemp("tree")
    target = root / "torch" / "nn" / "modules"
    shutil.copytree(MODULES, target, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "torch" / "__init__.py").write_text("")
    (root / "torch" / "nn" / "__init__.py").write_text("")
    return target


def _class_span(text: str, name: str) -> tuple[int, int]:
    start = re.search(rf"^class {name}\b", text, re.M).start()
    following = re.search(r"^class \w", text[start + 1:], re.M)
    return start, (start + 1 + following.start()) if following else len(text)


def _findings_for(path: Path, name: str) -> set[tuple[str, str]]:
    outcome = run([str(path)], Config(select=("DC1",)))
    return {(f.code, f.object.split(".")[0]) for f in outcome.findings if f.object.split(".")[0] == name}


# (regex, replacement): each turns a true claim into a false one
DOC_MUTATIONS = [
    (r"\\mathcal\{U\}\(-\\sqrt\{k\}, \\sqrt\{k\}\)", r"\\mathcal{U}(-k, k)"),
    (r"\\mathcal\{N\}\(0, 1\)", r"\\mathcal{N}(0, 4)"),
    (r"(:math:`\\gamma` are set\s+to) 1", r"\1 2"),
    (r"The values are initialized to 1\.", "The values are initialized to 2."),
    (r"initialized to ones \(for weights\)", "initialized to zeros (for weights)"),
]

FILE_OF = {
    "Linear": "linear.py", "Bilinear": "linear.py", "Embedding": "sparse.py", "EmbeddingBag": "sparse.py",
    "LayerNorm": "normalization.py", "GroupNorm": "normalization.py", "RMSNorm": "normalization.py",
    **{n: "conv.py" for n in CORE if n.startswith("Conv")},
    **{n: "rnn.py" for n in ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell")},
    **{n: "batchnorm.py" for n in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")},
}


@pytest.mark.parametrize("name", CORE)
def test_breaking_the_docstring_is_reported(torch_copy, name):
    path = torch_copy / FILE_OF[name]
    original = path.read_text()
    try:
        start, end = _class_span(original, name)
        block = original[start:end]
        for pattern, replacement in DOC_MUTATIONS:
            if re.search(pattern, block):
                block = re.sub(pattern, replacement, block, count=1)
                break
        else:
            pytest.fail(f"no documented claim to break in {name}")
        path.write_text(original[:start] + block + original[end:])
        assert ("DC101", name) in _findings_for(path, name)
    finally:
        path.write_text(original)


# one edit in the code each core layer runs; the edit changes its effective init
CODE_MUTATIONS = {
    "linear.py": [("init.kaiming_uniform_(self.weight, a=math.sqrt(5))",
                   "init.kaiming_uniform_(self.weight, a=math.sqrt(3))"),
                  ("bound = 1 / math.sqrt(self.weight.size(1))", "bound = 1 / math.sqrt(self.weight.size(0))")],
    # both branches of _ConvNd.reset_parameters (contiguous or not) call kaiming_uniform_
    "conv.py": [("a=math.sqrt(5))", "a=0)")],
    "rnn.py": [("stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0",
                "stdv = 2.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0")],
    "sparse.py": [("init.normal_(self.weight)", "init.xavier_normal_(self.weight)")],
    "batchnorm.py": [("init.ones_(self.weight)", "init.zeros_(self.weight)")],
    "normalization.py": [("init.ones_(self.weight)", "init.constant_(self.weight, 0.5)")],
}


@pytest.mark.parametrize("name", CORE)
def test_breaking_the_code_is_reported(torch_copy, name):
    path = torch_copy / FILE_OF[name]
    original = path.read_text()
    try:
        mutated = original
        for before, after in CODE_MUTATIONS[FILE_OF[name]]:
            assert before in mutated, before
            mutated = mutated.replace(before, after)
        path.write_text(mutated)
        assert ("DC101", name) in _findings_for(path, name)
    finally:
        path.write_text(original)


def test_a_file_checked_alone_resolves_its_bases_from_the_package(torch_copy):
    # as pre-commit runs it: only conv.py is passed; _ConvNd, utils._pair and
    # torch._torch_docs are read from around it.
    outcome = run([str(torch_copy / "conv.py")], Config(select=("DC1",)))
    assert outcome.findings == []
    assert outcome.counts()["classes_evaluated"] == 6
