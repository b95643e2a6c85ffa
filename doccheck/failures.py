"""The checks the pipeline itself reports: a file it could not read, a bound it stopped at, its own errors.

The engine and every checker build these findings here, so that no stage has
to import the engine to report a failure.
"""

from __future__ import annotations

import traceback

from doccheck.checks import Check
from doccheck.model import Finding

INTERNAL_ERROR = Check(
    code="DC000",
    name="internal-error",
    summary="doccheck itself failed on this file; the other files were still checked.",
    rationale=(
        "A linter that runs on every commit must never be the thing that breaks.  Any unexpected error while "
        "analysing one file is caught, reported here with the stage it happened in and a one-line reason, and "
        "the run continues.  Please report these: each one is a bug in doccheck, not in your code.  Run with "
        "`--debug` for the traceback."
    ),
    bad="(an error inside doccheck while reading `layers.py`)",
    good="(no internal error)",
    runnable=False,  # a file that triggers it is a bug to fix, not an example to keep
)

SOURCE_ERROR = Check(
    code="DC002",
    name="unreadable-source",
    summary="The file cannot be decoded or parsed as Python.",
    rationale=(
        "A file with a syntax error, an undecodable byte or a bad encoding declaration cannot be analysed.  It "
        "is reported with the line the parser stopped at so that it is not mistaken for a clean file, and the "
        "other files are still checked."
    ),
    bad='''from torch import nn


class Dense(nn.Module:
    def __init__(self, in_features):
        super().__init__()
''',
    good='''from torch import nn


class Dense(nn.Module):
    def __init__(self, in_features):
        super().__init__()
''',
)

ANALYSIS_LIMIT = Check(
    code="DC003",
    name="analysis-limit",
    summary="doccheck stopped analysing this file (or one class of it) at a limit; what it did not reach is unchecked.",
    rationale=(
        "Every file is analysed within bounds so that no input can hang a commit hook: a time budget per file "
        "(`--timeout`, `Config.timeout`, 60 s by default) and size limits for files and docstrings stop the "
        "analysis of the file or class; this finding says which bound, and where, so the file is not silently "
        "passed.  Findings reported before the stop are kept; results with a time-out are never cached.  "
        "Bounds inside one claim (steps and depth of the code model, inheritance depth, a symbolic proof's "
        "time, the LaTeX reader's limits) make that claim unresolved (DC103) or unreadable (DC102) instead.  "
        "The example gives the DC101 check no time at all (`--timeout 0`); the fix is to raise the budget or split the file."
    ),
    bad='''import math

import torch
from torch import nn
from torch.nn import init


class Dense(nn.Module):
    r"""A dense layer.

    Attributes:
        weight: initialized from :math:`\\mathcal{U}(-\\sqrt{k}, \\sqrt{k})`, where :math:`k = \\frac{1}{\\text{in\\_features}}`
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
''',
    good='''import math

import torch
from torch import nn
from torch.nn import init


class Dense(nn.Module):
    r"""A dense layer.

    Attributes:
        weight: initialized from :math:`\\mathcal{U}(-\\sqrt{k}, \\sqrt{k})`, where :math:`k = \\frac{1}{\\text{in\\_features}}`
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
''',
    bad_args=("--timeout", "0", "--extend-select", "DC101"),  # a limit stops a check, so one must run
    good_args=("--extend-select", "DC101"),
    level="warning",
)

CHECKS = (INTERNAL_ERROR, SOURCE_ERROR, ANALYSIS_LIMIT)


def internal_error(path: str, line: int, stage: str, exc: BaseException, debug: bool) -> Finding:
    """DC000 for an unexpected exception in `stage`, with a one-line reason (the traceback under --debug)."""
    reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    if debug:
        traceback.print_exception(exc)
    return Finding(path, line, 1, INTERNAL_ERROR.code, f"internal error in the {stage}: {reason}")
