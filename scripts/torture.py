"""Torture run: doccheck over every ``.py`` file of an installed environment.

    python scripts/torture.py                      # the site-packages that holds sympy (torch, numpy, ...)
    python scripts/torture.py PATH [PATH ...]      # folders or files
    options: --chunk-size N (files per subprocess, default 400), --jobs N (subprocesses at once, default: cores),
             --memory-mb N (address-space limit per subprocess, default 4096), --chunk-timeout S (default 1800),
             --json FILE (write the summary), --timeout S (doccheck's per-file time budget, default: doccheck's)

Files are checked with ``--select ALL`` (every check) in chunks, each chunk in its own subprocess with an
address-space limit (``RLIMIT_AS``), so a leak or a native crash is contained and located: a chunk that
fails is split in halves and re-run until the failing files are isolated.  The cache is off (results are
computed, not reused) and nothing is written into the analysed tree.

Prints files, findings per code, every DC000 (internal error: must be 0), every DC003 (analysis stopped at a
limit), failed chunks, wall time and peak RSS (the largest ``ru_maxrss`` of the subprocesses).  Exit status
0 when there is no DC000 and no failed chunk, 1 otherwise.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def python_files(targets: list[str]) -> list[str]:
    files = set()
    for target in targets:
        path = Path(target)
        if path.is_file():
            files.add(str(path.resolve()))
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            files.update(str(Path(dirpath, name).resolve()) for name in filenames if name.endswith(".py"))
    return sorted(files)


# ---------------------------------------------------------------------------- worker (one chunk)

def worker(list_file: str, out_file: str, memory_mb: int, timeout: float | None) -> None:
    import resource

    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.path.insert(0, str(REPO))
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    from doccheck.engine import Config, run

    files = Path(list_file).read_text().splitlines()
    extra = {} if timeout is None else {"timeout": timeout}
    started = time.perf_counter()
    result = run(files, Config(select=("ALL",), cache=False, jobs=1, **extra))
    elapsed = time.perf_counter() - started
    counts = collections.Counter(f.code for f in result.findings)
    keep = lambda f: {"path": f.path, "line": f.line, "code": f.code, "message": f.message}  # noqa: E731
    summary = {
        "files": len(result.files),
        "counts": dict(counts),
        "internal_errors": [keep(f) for f in result.findings if f.code == "DC000"],
        "limits": [keep(f) for f in result.findings if f.code == "DC003"],
        "elapsed": elapsed,
        "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    Path(out_file).write_text(json.dumps(summary))


# ---------------------------------------------------------------------------- driver

def run_chunk(files: list[str], args, scratch: Path, name: str) -> dict:
    list_file = scratch / f"{name}.txt"
    out_file = scratch / f"{name}.json"
    list_file.write_text("\n".join(files))
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(list_file), str(out_file),
               "--memory-mb", str(args.memory_mb)]
    if args.timeout is not None:
        command += ["--timeout", str(args.timeout)]
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    started = time.perf_counter()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=args.chunk_timeout, env=env)
        status = proc.returncode
        tail = (proc.stderr or "").strip().splitlines()[-3:]
    except subprocess.TimeoutExpired:
        status, tail = "timeout", [f"chunk did not finish within {args.chunk_timeout} s"]
    if status == 0 and out_file.exists():
        summary = json.loads(out_file.read_text())
        summary["failed"] = []
        return summary
    # the chunk crashed, ran out of memory or hung: isolate the files responsible
    failure = {"files": files if len(files) <= 3 else f"{len(files)} files from {files[0]}", "status": status,
               "reason": tail, "seconds": round(time.perf_counter() - started, 1)}
    if len(files) == 1:
        return {"files": 1, "counts": {}, "internal_errors": [], "limits": [], "elapsed": 0.0, "max_rss_kb": 0,
                "failed": [failure]}
    half = len(files) // 2
    parts = [run_chunk(files[:half], args, scratch, name + "a"), run_chunk(files[half:], args, scratch, name + "b")]
    merged = merge(parts)
    if not merged["failed"]:  # the whole chunk failed but no part alone does (memory of the whole chunk?)
        merged["failed"] = [failure]
    return merged


def merge(parts: list[dict]) -> dict:
    counts = collections.Counter()
    for part in parts:
        counts.update(part["counts"])
    return {
        "files": sum(p["files"] for p in parts),
        "counts": dict(counts),
        "internal_errors": [e for p in parts for e in p["internal_errors"]],
        "limits": [e for p in parts for e in p["limits"]],
        "elapsed": sum(p["elapsed"] for p in parts),
        "max_rss_kb": max([p["max_rss_kb"] for p in parts] or [0]),
        "failed": [f for p in parts for f in p["failed"]],
    }


def default_targets() -> list[str]:
    import sympy  # only to find the environment's site-packages; doccheck itself imports nothing analysed

    return [str(Path(sympy.__file__).resolve().parent.parent)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*")
    parser.add_argument("--chunk-size", type=int, default=400)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--memory-mb", type=int, default=4096)
    parser.add_argument("--chunk-timeout", type=float, default=1800)
    parser.add_argument("--timeout", type=float, default=None)
    parser.add_argument("--json", default=None)
    parser.add_argument("--worker", nargs=2, metavar=("LIST", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], args.worker[1], args.memory_mb, args.timeout)
        return 0

    targets = args.targets or default_targets()
    files = python_files(targets)
    chunks = [files[i:i + args.chunk_size] for i in range(0, len(files), args.chunk_size)]
    print(f"torture: {len(files)} files in {len(chunks)} chunks, {args.jobs} at a time, "
          f"{args.memory_mb} MB address space each", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="doccheck-torture-") as scratch:
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            futures = [pool.submit(run_chunk, chunk, args, Path(scratch), f"c{i:04d}") for i, chunk in enumerate(chunks)]
            parts = []
            for i, future in enumerate(futures):
                parts.append(future.result())
                part = parts[-1]
                print(f"  chunk {i + 1}/{len(chunks)}: {part['files']} files, {part['elapsed']:.1f} s, "
                      f"{part['max_rss_kb'] // 1024} MB, DC000: {len(part['internal_errors'])}, "
                      f"failed: {len(part['failed'])}", flush=True)
    wall = time.perf_counter() - started
    import resource

    summary = merge(parts)
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary["peak_rss_mb"] = round(max(summary["max_rss_kb"], children_kb) / 1024, 1)
    summary["wall_seconds"] = round(wall, 1)
    summary["failed_chunks"] = summary.pop("failed")
    print(f"files: {summary['files']}")
    print(f"findings: {', '.join(f'{c}: {n}' for c, n in sorted(summary['counts'].items())) or 'none'}")
    print(f"DC000 (internal errors): {len(summary['internal_errors'])}")
    for error in summary["internal_errors"]:
        print(f"  {error['path']}:{error['line']}: {error['message']}")
    print(f"DC003 (analysis limits): {len(summary['limits'])}")
    for limit in summary["limits"]:
        print(f"  {limit['path']}:{limit['line']}: {limit['message']}")
    print(f"failed chunks: {len(summary['failed_chunks'])}")
    for failure in summary["failed_chunks"]:
        print(f"  {failure}")
    print(f"wall time: {summary['wall_seconds']} s, peak RSS: {summary['peak_rss_mb']} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))
    return 1 if summary["internal_errors"] or summary["failed_chunks"] else 0


if __name__ == "__main__":
    sys.exit(main())
