"""The fuzz targets of tests/test_fuzz.py with many more examples: a long run that prints "N inputs, K crashes".

    python scripts/fuzz_long.py                          # 5000 examples per target
    python scripts/fuzz_long.py --examples 20000 --targets latex,docstrings --seed 7
    options: --examples N (per target), --targets a,b (latex, docstrings, docutils, classes, mutations),
             --seed S (reproducible; default: random), --slow S (an input slower than S seconds is
             reported as a hang candidate, default 10), --out DIR (each crashing input is saved there)

Unlike the CI tests this run does not stop at the first failure: every input is checked, every crash (an
exception other than the outcomes the check allows, or a failed check) is counted, printed with its
reason and saved, and the run goes on.  Exit status 1 when there was a crash.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import test_fuzz  # noqa: E402  (the strategies and checks live with the CI tests)
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis.errors import UnsatisfiedAssumption  # noqa: E402

TARGETS = {
    "latex": (test_fuzz.latex_inputs, test_fuzz.check_latex),
    "docstrings": (test_fuzz.docstring_inputs, test_fuzz.check_docstring),
    "docutils": (test_fuzz.docstring_inputs, lambda text: test_fuzz.check_docstring(text, True, docutils=True)),
    "classes": (test_fuzz.class_sources(), test_fuzz.check_class),
    "mutations": (test_fuzz.mutations(), lambda m: test_fuzz.check_mutation(*m)),
}


def fuzz(name: str, examples: int, random_seed: int | None, slow: float, out: Path | None) -> dict:
    strategy, check = TARGETS[name]
    stats = {"inputs": 0, "crashes": 0, "slow": 0, "reasons": collections.Counter(), "seconds": 0.0}

    def record(kind: str, value, reason: str) -> None:
        stats["reasons"][reason] += 1
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            path = out / f"{name}-{kind}-{stats['inputs']:06d}.txt"
            data = value[1] if isinstance(value, tuple) and isinstance(value[1], bytes) else None
            if data is not None:
                path.with_suffix(f".{value[0]}").write_bytes(data)
            path.write_text(f"{reason}\n\n{value!r}\n")
        if stats["reasons"][reason] == 1:  # print each distinct reason once, with a sample input
            print(f"  [{name}] {kind}: {reason}\n      input: {value!r:.300}", flush=True)

    def target(value):
        stats["inputs"] += 1
        started = time.perf_counter()
        try:
            check(value)
        except UnsatisfiedAssumption:
            stats["inputs"] -= 1
            raise
        except Exception as exc:  # noqa: BLE001 - every crash is counted, the run goes on
            stats["crashes"] += 1
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''} " \
                     f"({Path(frame.filename).name}:{frame.lineno})"
            record("crash", value, reason)
        elapsed = time.perf_counter() - started
        if elapsed > slow:
            stats["slow"] += 1
            record("slow", value, f"slow input: {elapsed:.1f} s")

    test = settings(max_examples=examples, deadline=None, database=None, derandomize=False,
                    suppress_health_check=list(HealthCheck))(given(strategy)(target))
    if random_seed is not None:
        test = seed(random_seed)(test)
    started = time.perf_counter()
    test()
    stats["seconds"] = time.perf_counter() - started
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--slow", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    total_inputs = total_crashes = 0
    for name in args.targets.split(","):
        stats = fuzz(name.strip(), args.examples, args.seed, args.slow, args.out)
        total_inputs += stats["inputs"]
        total_crashes += stats["crashes"]
        print(f"{name}: {stats['inputs']} inputs, {stats['crashes']} crashes, {stats['slow']} slow "
              f"(> {args.slow:g} s), {stats['seconds']:.0f} s", flush=True)
        for reason, count in stats["reasons"].most_common():
            print(f"    {count} x {reason}")
    print(f"total: {total_inputs} inputs, {total_crashes} crashes")
    return 1 if total_crashes else 0


if __name__ == "__main__":
    sys.exit(main())
