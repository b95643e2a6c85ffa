"""The command line: ``doccheck [check] PATH...``, ``doccheck explain TARGET``, ``doccheck rules``.

Exit codes: 0 clean, 1 findings, 2 usage error (missing path, bad option, bad
configuration).  Heavy libraries are imported only once a command needs them,
so ``doccheck --version`` starts in milliseconds.
"""

from __future__ import annotations

import argparse
import sys

from doccheck import __version__

FORMATS = ("text", "json")
SUBCOMMANDS = ("check", "explain", "verify", "rules")


class UsageError(Exception):
    pass


def _codes(value: str) -> tuple[str, ...]:
    return tuple(part.strip().upper() for part in value.split(",") if part.strip())


def _check_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="doccheck",
        description="Prove that docstrings state the initialization, defaults and shapes the code really has.",
        epilog="Other commands: `doccheck explain TARGET` (derivation for one layer), `doccheck rules` (all checks).",
    )
    parser.add_argument("paths", nargs="*", default=None, metavar="PATH",
                        help="files, folders or importable module names (default: .)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--select", type=_codes, default=(), metavar="CODES",
                        help="comma-separated codes or prefixes to report (ALL for every check)")
    parser.add_argument("--ignore", type=_codes, default=(), metavar="CODES", help="codes or prefixes to skip")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="paths to leave out")
    parser.add_argument("--rules", action="append", default=[], metavar="TOML",
                        help="an extra rules file (your own init helpers as data)")
    parser.add_argument("--no-derivation", action="store_true", help="text format: omit the derivation lines")
    parser.add_argument("--statistics", action="store_true", help="print a summary line with counts to stderr")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    parser.add_argument("--version", action="version", version=f"doccheck {__version__}")
    return parser


def _summary(result) -> str:
    counts = result.counts()
    per_code: dict[str, int] = {}
    for finding in result.findings:
        per_code[finding.code] = per_code.get(finding.code, 0) + 1
    codes = ", ".join(f"{code}: {n}" for code, n in sorted(per_code.items())) or "none"
    return (f"doccheck: {counts['files']} files, {counts['classes_evaluated']} classes evaluated "
            f"({counts['classes_consistent']} consistent, {counts['classes_with_mismatch']} with a mismatch, "
            f"{counts['classes_unresolved']} unresolved), findings: {codes}, {result.elapsed:.2f} s")


def run_check(argv: list[str]) -> int:
    parser = _check_parser()
    args = parser.parse_args(argv)
    from doccheck.discover import TargetError
    from doccheck.engine import Config, run
    from doccheck.knowledge import RulesError

    config = Config(select=args.select, ignore=args.ignore, exclude=tuple(args.exclude),
                    rules_files=tuple(args.rules), debug=args.debug)
    try:
        result = run(args.paths or ["."], config)
    except (TargetError, RulesError) as exc:
        print(f"doccheck: error: {exc}", file=sys.stderr)
        return 2
    from doccheck import report

    if args.format == "json":
        sys.stdout.write(report.render_json(result.findings))
    else:
        sys.stdout.write(report.render_text(result.findings, derivation=not args.no_derivation))
    if args.statistics:
        print(_summary(result), file=sys.stderr)
    return 1 if result.findings and not args.exit_zero else 0


def run_rules(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="doccheck rules", description="List every check with its rationale.")
    parser.add_argument("--format", choices=("text", "markdown"), default="text")
    args = parser.parse_args(argv)
    from doccheck.checks import all_checks

    for check in all_checks():
        default = "" if check.default else " (off by default)"
        if args.format == "markdown":
            print(f"### {check.code} `{check.name}`{default}\n\n{check.summary}\n\n{check.rationale}\n")
            print(f"Bad:\n\n```python\n{check.bad}\n```\n\nGood:\n\n```python\n{check.good}\n```\n")
        else:
            print(f"{check.code} {check.name}{default}: {check.summary}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "explain":
            from doccheck.explain import main as explain_main

            return explain_main(argv[1:])
        if argv and argv[0] == "verify":
            from doccheck.verify import main as verify_main

            return verify_main(argv[1:])
        if argv and argv[0] == "rules":
            return run_rules(argv[1:])
        if argv and argv[0] == "check":
            argv = argv[1:]
        return run_check(argv)
    except SystemExit as exc:  # argparse: --help exits 0, bad options exit 2
        return int(exc.code or 0) if isinstance(exc.code, int) else 2
    except KeyboardInterrupt:
        return 130
