"""The command line: ``doccheck [check] PATH...``, ``doccheck explain TARGET``, ``doccheck verify``, ``doccheck rules``.

``doccheck [check] [options] PATH...`` checks files, folders and importable
module names (``torch.nn``: found on ``sys.path`` without importing anything).
An argument ``@FILE`` adds the paths listed in FILE, one per line (how
lintrunner passes ``@{{PATHSFILE}}``); with only ``@FILE`` arguments, an empty
list checks nothing rather than the current folder.

Formats (``--format``): ``text`` (default; coloured on a terminal), ``json``,
``lintrunner``, ``sarif``, ``github`` (see `doccheck.formats`).
Configuration comes from ``[tool.doccheck]`` in ``pyproject.toml`` (see
`doccheck.config`), inline ``# doccheck: ignore[CODE]`` comments on the class
line silence single classes (see `doccheck.suppress`), and ``--baseline`` /
``--write-baseline`` let a large codebase fail only on new findings (see
`doccheck.baseline`).

Exit codes: 0 clean, 1 findings, 2 usage error (missing path, bad option, bad
configuration or baseline) or internal error.  ``--format lintrunner`` always
exits 0 and reports such errors as a message (lintrunner's protocol), and
``--write-baseline`` exits 0 once the file is written.  No traceback is shown
unless ``--debug``.  Heavy libraries are imported only once a command needs
them, so ``doccheck --version`` starts in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from doccheck import __version__

FORMATS = ("text", "json", "lintrunner", "sarif", "github")
SUBCOMMANDS = ("check", "explain", "verify", "coverage", "rules")
PATH_FILE_LIMIT = 64 * 1024 * 1024  # bytes of an @FILE list of paths


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting when the caller must report errors its own way."""

    raise_errors = False

    def error(self, message):
        if self.raise_errors:
            raise UsageError(message)
        super().error(message)


def _codes(value: str) -> tuple[str, ...]:
    return tuple(part.strip().upper() for part in value.split(",") if part.strip())


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not 0 <= seconds <= 86400:  # nan fails both comparisons
        raise argparse.ArgumentTypeError(f"must be between 0 and 86400 seconds: {value!r}")
    return seconds


def _jobs(value: str) -> int:
    """--jobs N: a whole number from 1 to 4 per core (1e20, 0 and -1 are usage errors, not 10^20 workers)."""
    from doccheck.engine import max_jobs

    limit = max_jobs()
    try:
        number = int(value.strip(), 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of worker processes") from None
    if not 1 <= number <= limit:
        raise argparse.ArgumentTypeError(f"{value!r}: the number of worker processes must be from 1 to {limit} "
                                         f"(4 per core)")
    return number


def _check_parser() -> _Parser:
    parser = _Parser(
        prog="doccheck",
        description="Prove that docstrings state the initialization, defaults and shapes the code really has.",
        epilog="Other commands: `doccheck explain TARGET` (derivation for one layer), `doccheck verify`, "
               "`doccheck rules` (all checks).  Configuration: [tool.doccheck] in pyproject.toml.  "
               "Suppress one class with `# doccheck: ignore[DC101]` on its `class` line.",
    )
    parser.add_argument("paths", nargs="*", default=None, metavar="PATH",
                        help="files, folders or importable module names (default: .); @FILE reads paths from FILE")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--select", type=_codes, default=(), metavar="CODES",
                        help="comma-separated codes or prefixes to report (ALL for every check); replaces the "
                             "configuration's select")
    parser.add_argument("--extend-select", type=_codes, default=(), metavar="CODES",
                        help="codes or prefixes to report in addition to the selection")
    parser.add_argument("--ignore", type=_codes, default=(), metavar="CODES", help="codes or prefixes to skip")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="paths to leave out")
    parser.add_argument("--rules", action="append", default=[], metavar="TOML",
                        help="an extra rules file (your own init helpers as data)")
    parser.add_argument("--config", metavar="FILE",
                        help="the configuration file (default: the nearest pyproject.toml with [tool.doccheck])")
    parser.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    parser.add_argument("--dependents", action="store_true",
                        help="also check the modules of the named files' packages that import them (transitively): "
                             "pre-commit passes only changed files, and a changed helper can make another file's "
                             "docstring wrong (the hooks pass this)")
    parser.add_argument("--baseline", metavar="FILE", help="report only findings that are not in this baseline")
    parser.add_argument("--write-baseline", metavar="FILE",
                        help="write every current finding to FILE and exit 0")
    parser.add_argument("--no-cache", action="store_true", help="analyse every file again (ignore cached results)")
    parser.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                        help="worker processes, 1 to 4 per core, never more than files (default: one per core when "
                             "there are enough files)")
    parser.add_argument("--timeout", type=_seconds, default=60.0, metavar="SECONDS",
                        help="time budget per file; a file that needs more is reported as DC003 (default: 60)")
    parser.add_argument("--no-derivation", action="store_true", help="text format: omit the derivation lines")
    parser.add_argument("--color", "--colour", choices=("auto", "always", "never"), default="auto",
                        help="colour the text format (default: auto: on a terminal, unless NO_COLOR is set)")
    parser.add_argument("--statistics", action="store_true", help="print a summary line with counts to stderr")
    parser.add_argument("--docstring-format", choices=("auto", "rest", "markdown"),
                        help="how docstrings are written: auto (default: Markdown recognised per docstring by its "
                             "code fences), rest, or markdown (DC004 parses reST only)")
    parser.add_argument("--no-group-copies", action="store_true",
                        help="text and json: one entry per place, instead of a finding on copies of the same "
                             "docstring text once with the other places listed")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    parser.add_argument("--version", action="version", version=f"doccheck {__version__}")
    return parser


def _summary(result, suppressed: int = 0, baselined: int = 0) -> str:
    counts = result.counts()
    per_code: dict[str, int] = {}
    for finding in result.findings:
        per_code[finding.code] = per_code.get(finding.code, 0) + 1
    codes = ", ".join(f"{code}: {n}" for code, n in sorted(per_code.items())) or "none"
    hidden = ""
    if suppressed:
        hidden += f", {suppressed} suppressed"
    if baselined:
        hidden += f", {baselined} in the baseline"
    def many(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "es" if word.endswith("s") else "s")

    return (f"doccheck: {many(counts['files'], 'file')}, {many(counts['classes_evaluated'], 'class')} evaluated "
            f"({counts['classes_consistent']} consistent, {counts['classes_with_mismatch']} with a mismatch, "
            f"{counts['classes_unresolved']} unresolved), findings: {codes}{hidden}, {result.elapsed:.2f} s")


def _options(argv: list[str]) -> list[str]:
    """The arguments before ``--``: after it every argument is a file name, even ``--format=lintrunner``."""
    return argv[:argv.index("--")] if "--" in argv else argv


def _unproven_line(result) -> str | None:
    """The text run's closing note: documented claims that are neither proven nor refuted are not silent."""
    counts = result.counts()
    unproven = counts["claims_unresolved"] + counts["claims_unreadable"]
    if not unproven:
        return None
    return (f"doccheck: {unproven} documented initialization claim(s) not proven ({counts['claims_unresolved']} "
            f"unresolved, {counts['claims_unreadable']} unreadable); list every parameter with "
            f"`doccheck coverage PATH`")


def _wants_lintrunner(argv: list[str]) -> bool:
    argv = _options(argv)
    for i, arg in enumerate(argv):
        if arg == "--format" and i + 1 < len(argv) and argv[i + 1] == "lintrunner":
            return True
        if arg == "--format=lintrunner":
            return True
    return False


def expand_path_files(argv: list[str]) -> tuple[list[str], list[str], bool]:
    """(arguments without @FILE items, paths read from them, whether there was one)."""
    from doccheck import safeio

    rest, paths, had = [], [], False
    for index, arg in enumerate(argv):
        if arg == "--":  # file names follow, and a file may be called "@x"
            rest.extend(argv[index:])
            break
        if arg.startswith("@") and len(arg) > 1 and not os.path.lexists(arg):
            had = True
            name = arg[1:]
            try:  # a regular file of bounded size only: a FIFO must not hang the run, /dev/zero not fill memory
                text = safeio.read_text(name, PATH_FILE_LIMIT)
            except OSError as exc:
                raise UsageError(f"{arg}: cannot read the list of paths: {safeio.describe(exc)}") from None
            except UnicodeDecodeError as exc:
                raise UsageError(f"{arg}: the list of paths is not UTF-8 (byte {exc.start})") from None
            # lines end at \n (or \r\n) only: a name may contain U+2028 or a form feed (str.splitlines would cut it)
            paths.extend(entry for line in text.split("\n") if (entry := line.strip(" \t\r")))
            continue
        rest.append(arg)
    return rest, paths, had


def _display_path(path: str) -> str:
    """A path relative to the current folder when it is inside it (GitHub annotations need that)."""
    if not os.path.isabs(path):
        return path
    try:
        return Path(path).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path


def _check(argv: list[str], lintrunner: bool) -> int:
    argv, listed, had_path_file = expand_path_files(argv)
    parser = _check_parser()
    parser.raise_errors = lintrunner
    args = parser.parse_args(argv)

    from doccheck.terminal import Progress, interactive

    targets = list(args.paths or []) + listed
    if not targets and not had_path_file:
        targets = ["."]
    from doccheck.analysis import Options, UsageProblem, configure, filter_findings
    from doccheck.discover import TargetError
    from doccheck.engine import run
    from doccheck.knowledge import RulesError

    options = Options(config_file=args.config, isolated=args.isolated, select=tuple(args.select),
                      extend_select=tuple(args.extend_select), ignore=tuple(args.ignore), exclude=tuple(args.exclude),
                      rules=tuple(args.rules), baseline=args.baseline, debug=args.debug, cache=not args.no_cache,
                      jobs=args.jobs, timeout=args.timeout, docstring_format=args.docstring_format,
                      dependents=args.dependents)
    try:
        setup = configure(targets, options)
    except UsageProblem as exc:
        raise UsageError(str(exc)) from None
    config, files = setup.config, setup.files
    progress = Progress(sys.stderr, enabled=interactive(sys.stderr))
    try:
        result = run(list(files), config, progress=progress, discovered=True)
    except (TargetError, RulesError) as exc:
        raise UsageError(str(exc)) from None
    finally:
        progress.clear()
    for message in result.messages:
        print(f"doccheck: {message}", file=sys.stderr)

    from doccheck import baseline as baseline_module

    if args.write_baseline:
        from doccheck import suppress

        suppressed = suppress.apply(result)
        try:
            count = baseline_module.write(args.write_baseline, result.findings)
        except baseline_module.BaselineError as exc:
            raise UsageError(str(exc)) from None
        print(f"doccheck: wrote {count} finding(s) to {args.write_baseline}", file=sys.stderr)
        if args.statistics:
            print(_summary(result, suppressed), file=sys.stderr)
        return 0
    try:
        filtered = filter_findings(result, setup.baseline)
    except UsageProblem as exc:
        raise UsageError(str(exc)) from None
    result.findings, suppressed, baselined = filtered.findings, filtered.suppressed, filtered.baselined

    _emit(args, result.findings)
    if args.format == "text":
        unproven = _unproven_line(result)
        if unproven:
            print(unproven, file=sys.stderr)
    if args.statistics or (interactive(sys.stderr) and not lintrunner):
        print(_summary(result, suppressed, baselined), file=sys.stderr)
    if lintrunner:
        return 0
    return 1 if result.findings and not args.exit_zero else 0


def _emit(args, findings) -> None:
    from doccheck import formats, report

    out = sys.stdout
    if args.format in ("json", "text") and not args.no_group_copies:
        # sarif, github and lintrunner keep one result per place: those tools annotate each file
        findings = report.group_copies(findings)
    if args.format == "json":
        out.write(report.render_json(findings))
    elif args.format == "lintrunner":
        out.write(formats.render_lintrunner(findings))
    elif args.format == "sarif":
        out.write(formats.render_sarif(findings, Path.cwd()))
    elif args.format == "github":
        from dataclasses import replace

        out.write(formats.render_github([replace(f, path=_display_path(f.path)) for f in findings]))
    else:
        from doccheck.terminal import Style, colour_enabled, render_text

        if colour_enabled(out, args.color):
            out.write(render_text(findings, not args.no_derivation, Style(True)))
        else:
            out.write(report.render_text(findings, derivation=not args.no_derivation))
    out.flush()


def _tolerate_undecodable_names(stream) -> None:
    """A file name that is not UTF-8 (``b\\xff.py``) reaches the output as ``\\udcff``, never an encoding error."""
    if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="backslashreplace")


def run_check(argv: list[str]) -> int:
    lintrunner = _wants_lintrunner(argv)
    _tolerate_undecodable_names(sys.stdout)
    debug = "--debug" in _options(argv)
    try:
        return _check(argv, lintrunner)
    except UsageError as exc:
        if lintrunner:
            from doccheck.formats import lintrunner_error

            sys.stdout.write(lintrunner_error(f"doccheck: {exc}", "usage-error"))
            return 0
        from doccheck.terminal import printable

        print(f"doccheck: error: {printable(str(exc))}", file=sys.stderr)  # messages name analysed files
        return 2
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # doccheck's own bug outside the per-file isolation: no traceback by default
        if debug:
            raise
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        if lintrunner:
            from doccheck.formats import lintrunner_error

            sys.stdout.write(lintrunner_error(f"doccheck: internal error: {reason}", "internal-error"))
            return 0
        from doccheck.terminal import printable

        print(f"doccheck: internal error: {printable(reason)} (run with --debug for the traceback)", file=sys.stderr)
        return 2


def run_rules(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="doccheck rules", description="List every check with its rationale.")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    args = parser.parse_args(argv)
    from doccheck.catalogue import all_checks

    if args.format == "json":
        import json

        entries = [{"code": c.code, "name": c.name, "summary": c.summary, "rationale": c.rationale,
                    "default": c.default, "level": c.level, "runnable": c.runnable,
                    "bad": _example_json(c, "bad"), "good": _example_json(c, "good")} for c in all_checks()]
        print(json.dumps(entries, indent=2, ensure_ascii=False))
        return 0
    for check in all_checks():
        default = "" if check.default else " (off by default)"
        if args.format == "markdown":
            print(f"### {check.code} `{check.name}`{default}\n\n{check.summary}\n\n{check.rationale}\n")
            print(f"Bad:\n\n```python\n{check.bad}\n```\n\nGood:\n\n```python\n{check.good}\n```\n")
        else:
            print(f"{check.code} {check.name}{default}: {check.summary}")
    return 0


def _example_json(check, which: str) -> dict:
    """An example as files: `example.py` and the files beside it, with the command that runs it."""
    source, files, args = check.example(which)
    if not check.runnable:
        return {"description": source}
    return {"files": {"example.py": source, **dict(files)},
            "command": ["doccheck", "check", "--select", check.code, *args, "example.py"]}


def main(argv: list[str] | None = None) -> int:
    """Subcommands are only ever the first argument; ``check`` is the default.  Tools that pass file names
    (the hooks) call ``doccheck check -- FILE...``: a file called ``verify`` or ``--exclude=*.py`` then stays
    a file name, never a subcommand or an option."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "explain":
            from doccheck.explain import main as explain_main

            return explain_main(argv[1:])
        if argv and argv[0] == "verify":
            from doccheck.verify import main as verify_main

            return verify_main(argv[1:])
        if argv and argv[0] == "coverage":
            from doccheck.coverage import main as coverage_main

            return coverage_main(argv[1:])
        if argv and argv[0] == "rules":
            return run_rules(argv[1:])
        if argv and argv[0] == "check":
            argv = argv[1:]
        return run_check(argv)
    except SystemExit as exc:  # argparse: --help exits 0, bad options exit 2
        return int(exc.code or 0) if isinstance(exc.code, int) else 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `doccheck ... | head`
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep the interpreter's exit flush quiet
        except OSError:
            pass
        return 1
