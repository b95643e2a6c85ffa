"""Findings per library and check, counts only: a precision regression shows as a changed number.

    python benchmarks/findings.py [--select CODES] [--quick] [--paddle DIR] [LIBRARY ...]

Runs doccheck (default checks unless --select) on the installed sources of the libraries people run it
on — torchvision, timm, torch_geometric, keras, flax, mlx, transformers, and paddle when its sources are
unpacked somewhere (``--paddle DIR`` or ``$DOCCHECK_PADDLE``, the folder that holds ``paddle/``; the
wheel is large, so it is not installed) — without importing any of them.  Prints, per library, its
version, the files read, the time and the number of findings of each check, before and after copies of
the same docstring text are grouped (`doccheck.report.group_copies`).  ``--quick`` reads the
sub-folders the test corpus uses (``tests/test_precision.py``) instead of whole packages.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import sys
import time
from collections import Counter
from pathlib import Path

LIBRARIES = ("torchvision", "timm", "torch_geometric", "keras", "flax", "mlx", "transformers", "paddle")
DISTRIBUTIONS = {"torch_geometric": "torch-geometric", "paddle": "paddlepaddle"}
# the sub-folders of --quick: where each library's docstrings carry the patterns of the corpus
QUICK = {
    "torchvision": ("datasets", "models"),
    "timm": ("layers", "models/davit.py", "models/mambaout.py"),
    "torch_geometric": ("nn/conv", "nn/pool", "nn/aggr"),
    "keras": ("src/layers/rnn", "src/layers/preprocessing/image_preprocessing"),
    "flax": ("nnx/nn",),
    "mlx": ("nn", "optimizers"),
    "transformers": ("models/phi4_multimodal",),
    "paddle": ("nn/functional", "vision/transforms"),
}


def location(name: str, paddle: str | None) -> Path | None:
    if name == "paddle":
        base = paddle or os.environ.get("DOCCHECK_PADDLE")
        folder = Path(base) / "paddle" if base else None
        return folder if folder is not None and folder.is_dir() else None
    spec = importlib.util.find_spec(name)  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def version(name: str, folder: Path) -> str:
    try:
        return importlib.metadata.version(DISTRIBUTIONS.get(name, name))
    except importlib.metadata.PackageNotFoundError:
        found = next(iter(folder.parent.glob(f"{DISTRIBUTIONS.get(name, name)}-*.dist-info")), None)
        return found.name.split("-")[1] if found else "?"


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from doccheck.engine import Config, run
    from doccheck.report import group_copies

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("libraries", nargs="*", default=list(LIBRARIES))
    parser.add_argument("--select", default="", help="codes or prefixes (default: the default checks)")
    parser.add_argument("--quick", action="store_true", help="only the sub-folders of the test corpus")
    parser.add_argument("--paddle", help="folder holding paddle's unpacked sources (paddle/)")
    args = parser.parse_args()
    select = tuple(c.strip().upper() for c in args.select.split(",") if c.strip())
    rows = []
    codes: set[str] = set()
    for name in args.libraries:
        folder = location(name, args.paddle)
        if folder is None:
            print(f"{name}: not installed (skipped)", file=sys.stderr)
            continue
        targets = [str(folder / sub) for sub in QUICK.get(name, ())] if args.quick else [str(folder)]
        started = time.perf_counter()
        result = run([t for t in targets if os.path.exists(t)], Config(select=select, cache=False))
        elapsed = time.perf_counter() - started
        raw = Counter(f.code for f in result.findings)
        grouped = Counter(f.code for f in group_copies(result.findings))
        codes |= set(raw)
        rows.append((name, version(name, folder), len(result.files), elapsed, raw, grouped))
    columns = sorted(codes)
    header = ["library", "version", "files", "time", *columns, "total", "grouped"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, ver, files, elapsed, raw, grouped in rows:
        cells = [name, ver, str(files), f"{elapsed:.1f} s"]
        cells += [str(raw[c]) + (f" ({grouped[c]})" if grouped[c] != raw[c] else "") for c in columns]
        cells += [str(sum(raw.values())), str(sum(grouped.values()))]
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
