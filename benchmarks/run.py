"""Benchmark doccheck against the docstring linters people already run.

    python benchmarks/run.py [--runs 3] [--quick]

Runs every tool on the same trees, alternating between them (A B C A B C …) so
that a slow minute of a shared machine hurts them all alike; prints the median
wall time of each, the doccheck/peer ratios, doccheck's peak memory and its
seconds per thousand lines.  Trees: torch's nn/modules, one file of it
(linear.py), and the whole installed torch package.  doccheck runs:
  cold    — a fresh cache directory every run (nothing reused);
  (every tool reads the same copy of the tree's .py files, made outside site-packages)
  cached  — the same tree again with nothing changed;
  changed — one file edited (a comment appended) in a copy of the tree and
            checked alone, as pre-commit runs it (its package is still read
            for base classes).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def torch_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("torch")  # finds the package without importing it
    return Path(spec.origin).parent


def python_copy(source: Path) -> Path:
    """The tree's .py files copied outside site-packages, which some peers (docsig) skip silently."""
    root = Path(tempfile.mkdtemp(prefix="bench-tree-"))
    # keep the package path (torch/nn/modules stays torch.nn.modules), so every tool sees the same modules
    folder = source if source.is_dir() else source.parent
    packages = []
    while (folder / "__init__.py").is_file():
        packages.insert(0, folder.name)
        folder = folder.parent
    base = root.joinpath(*packages[:-1]) if source.is_dir() else root.joinpath(*packages)
    for depth in range(1, len(packages) + (0 if source.is_dir() else 1)):
        package = root.joinpath(*packages[:depth])
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").touch()
    if source.is_file():
        base.mkdir(parents=True, exist_ok=True)
        target = base / source.name
        shutil.copy2(source, target)
        return target
    target = base / source.name
    for file in source.rglob("*.py"):
        if "__pycache__" in file.parts:
            continue
        destination = target / file.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, destination)
    return target


def lines_of(tree: Path) -> int:
    files = [tree] if tree.is_file() else list(tree.rglob("*.py"))
    total = 0
    for f in files:
        try:
            total += f.read_bytes().count(b"\n")
        except OSError:
            pass
    return total


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, int]:
    """Wall seconds and the child's peak RSS in KiB (ru_maxrss of this child alone)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # linters exit non-zero when they find something (docsig: with a count); only a signal is a failure
    if proc.returncode < 0 or ("doccheck" in cmd and proc.returncode not in (0, 1)):
        raise SystemExit(f"{cmd[:3]}… exited {proc.returncode}")
    return elapsed, max(after, before) if after > before else after


def tools(tree: Path, cache_dir: str) -> dict[str, tuple[list[str], dict]]:
    env_cold = dict(os.environ, DOCCHECK_CACHE_DIR=tempfile.mkdtemp(prefix="bench-cold-"))
    env_warm = dict(os.environ, DOCCHECK_CACHE_DIR=cache_dir)
    doccheck = [sys.executable, "-m", "doccheck", "--exit-zero", str(tree)]
    found = {
        "doccheck (cold)": (doccheck, env_cold),
        "doccheck (cached)": (doccheck, env_warm),
    }
    if shutil.which("pydoclint"):
        found["pydoclint"] = (["pydoclint", "--quiet", str(tree)], dict(os.environ))
    if shutil.which("ruff"):
        found["ruff D,DOC"] = (["ruff", "check", "--no-cache", "--preview", "--select", "D,DOC", "--exit-zero",
                                "--quiet", str(tree)], dict(os.environ))
    if shutil.which("docsig"):
        found["docsig"] = (["docsig", str(tree)], dict(os.environ))
    return found


def bench_tree(name: str, tree: Path, runs: int) -> dict:
    tree = python_copy(tree)
    cache_dir = tempfile.mkdtemp(prefix="bench-warm-")
    subprocess.run([sys.executable, "-m", "doccheck", "--exit-zero", str(tree)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=dict(os.environ, DOCCHECK_CACHE_DIR=cache_dir))  # fill the cache
    commands = tools(tree, cache_dir)
    times: dict[str, list[float]] = {k: [] for k in commands}
    peak: dict[str, int] = {k: 0 for k in commands}
    for _ in range(runs):
        for label, (cmd, env) in commands.items():
            if label == "doccheck (cold)":
                env = dict(env, DOCCHECK_CACHE_DIR=tempfile.mkdtemp(prefix="bench-cold-"))
            seconds, rss = timed(cmd, env)
            times[label].append(seconds)
            peak[label] = max(peak[label], rss)
    medians = {k: statistics.median(v) for k, v in times.items()}
    return {"tree": name, "path": str(tree), "lines": lines_of(tree), "medians": medians, "peak_kib": peak}


def bench_changed_file(modules: Path, runs: int) -> dict:
    """One file changed in a copy of nn/modules, checked alone (pre-commit), cache warm for the rest."""
    root = Path(tempfile.mkdtemp(prefix="bench-changed-"))
    copy = root / "torch" / "nn" / "modules"
    shutil.copytree(modules, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "torch" / "__init__.py").write_text("")
    (root / "torch" / "nn" / "__init__.py").write_text("")
    target = copy / "conv.py"
    cache_dir = tempfile.mkdtemp(prefix="bench-warm-")
    env = dict(os.environ, DOCCHECK_CACHE_DIR=cache_dir)
    subprocess.run([sys.executable, "-m", "doccheck", "--exit-zero", str(copy)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env)
    doccheck_times, pydoclint_times = [], []
    for i in range(runs):
        with target.open("a") as handle:
            handle.write(f"\n# edit {i}\n")
        doccheck_times.append(timed([sys.executable, "-m", "doccheck", "--exit-zero", str(target)], env)[0])
        if shutil.which("pydoclint"):
            pydoclint_times.append(timed(["pydoclint", "--quiet", str(target)])[0])
    return {"tree": "one changed file (conv.py, pre-commit)", "lines": lines_of(target),
            "medians": {"doccheck (changed)": statistics.median(doccheck_times),
                        **({"pydoclint": statistics.median(pydoclint_times)} if pydoclint_times else {})},
            "peak_kib": {}}


def report(results: list[dict]) -> str:
    out = [f"doccheck benchmark, {time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
           f"Python {platform.python_version()}", ""]
    for r in results:
        out.append(f"## {r['tree']}  ({r['lines']:,} lines)")
        base = r["medians"].get("pydoclint")
        for label, seconds in r["medians"].items():
            ratio = f"   {seconds / base:5.2f} × pydoclint" if base and label.startswith("doccheck") else ""
            peak = r["peak_kib"].get(label)
            mem = f"   peak {peak / 1024:.0f} MiB" if peak and label.startswith("doccheck") else ""
            out.append(f"  {label:20s} {seconds:8.3f} s{ratio}{mem}")
        cold = r["medians"].get("doccheck (cold)")
        if cold and r["lines"]:
            out.append(f"  doccheck (cold): {cold / r['lines'] * 1000:.4f} s per 1,000 lines")
        out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="skip the whole-torch tree")
    args = parser.parse_args()
    torch = torch_dir()
    modules = torch / "nn" / "modules"
    results = [bench_tree("torch/nn/modules", modules, args.runs),
               bench_tree("torch/nn/modules/linear.py", modules / "linear.py", args.runs),
               bench_changed_file(modules, args.runs)]
    if not args.quick:
        results.append(bench_tree("torch (whole package)", torch, max(1, args.runs // 3 or 1)))
    print(report(results))


if __name__ == "__main__":
    main()
