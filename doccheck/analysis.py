"""The one analysis API that every face calls (the CLI, ``explain``, ``verify``, ``coverage``, Sphinx).

Three steps, each in one place so that the faces cannot drift apart:

1. `configure` — the configuration: ``[tool.doccheck]`` (or ``doccheck.toml``) found from the targets, with a
   face's own options (`Options`) layered on top; the result is an `engine.Config` plus the baseline path.
2. `Session` — the framework knowledge (rules files and symbol aliases of that configuration) and the project
   (the roots of the files under check), built once per run.
3. `analyse_class` — one class: its documented claims (doc model), its effective initialization (code model),
   the verdicts (compare) and the findings they give.  `checkers.init` runs it for the check; explain, Sphinx,
   verify and coverage read the same `ClassResult`.

`filter_findings` applies suppression comments and the baseline, for every face that reports findings.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

from doccheck.model import ClassResult
from doccheck.pipeline import StageFailure, analyse_class, class_claims  # noqa: F401 — part of the API


class UsageProblem(ValueError):
    """A configuration or option that cannot be used (faces turn it into their usage error, exit 2)."""


@dataclass(frozen=True)
class Options:
    """What a face's command line (or Sphinx's ``conf.py``) sets; everything else comes from the configuration file."""

    config_file: str | None = None  # --config: this file instead of the one found from the targets
    isolated: bool = False  # --isolated: no configuration file at all
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()  # added after the configuration's own rules files
    baseline: str | None = None
    debug: bool = False
    cache: bool = True
    jobs: int | None = None
    timeout: float | None = 60.0
    docstring_format: str | None = None
    inventory: bool = False
    dependents: bool = False  # add the modules that import the named files (see doccheck.dependents)


@dataclass(frozen=True)
class Setup:
    """A face's complete configuration: the engine's `Config`, the files to check and the baseline in force."""

    config: object  # engine.Config (kept untyped here: engine imports this module's records lazily)
    files: tuple[str, ...]
    baseline: str | None
    file_config: object = None  # config.FileConfig: what was read from the configuration file

    def for_file(self, path) -> object:
        """`config` with the configuration's per-file ignores for `path` (a face that meets files one by one)."""
        from dataclasses import replace

        codes = _per_file_codes(self.file_config, Path(path))
        if not codes:
            return self.config
        return replace(self.config, per_file_ignores=self.config.per_file_ignores
                       + ((glob.escape(str(path)), codes),))


def _per_file_codes(file_config, file: Path) -> tuple[str, ...]:
    from doccheck import config as config_module

    codes: tuple[str, ...] = ()
    for pattern, ignored in getattr(file_config, "per_file_ignores", ()):
        if config_module.matches(file, pattern, file_config.root):
            codes += ignored
    return codes


def configure(targets: list[str], options: Options = Options(), find_files: bool = True) -> Setup:
    """The configuration for `targets`: the configuration file's settings, then `options` on top.

    `find_files=False` (explain: one class of one file) reads the configuration but discovers nothing.
    Raises `UsageProblem` for a bad configuration file, an unknown code or a target that does not exist.
    """
    from doccheck import config as config_module
    from doccheck.catalogue import all_checks
    from doccheck.discover import TargetError, discover
    from doccheck.engine import Config

    try:
        file_config = config_module.load_for(targets, options.config_file, options.isolated)
    except config_module.ConfigError as exc:
        raise UsageProblem(str(exc)) from None
    try:
        cli_select = config_module.check_codes(options.select, "--select")
        cli_extend = config_module.check_codes(options.extend_select, "--extend-select")
        cli_ignore = config_module.check_codes(options.ignore, "--ignore")
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None
    select = cli_select or file_config.select or ()
    extend = file_config.extend_select + cli_extend
    if extend:
        select = (select or tuple(c.code for c in all_checks() if c.default)) + extend
    ignore = file_config.ignore + cli_ignore

    files: list[Path] = []
    if find_files:
        try:
            files = discover(targets, tuple(options.exclude)) if targets else []
        except TargetError as exc:
            raise UsageProblem(str(exc)) from None
        if options.dependents:
            from doccheck.dependents import dependents

            named = [f for f in files if any(Path(t).is_file() and Path(t).resolve() == f.resolve() for t in targets)]
            known = {f.resolve() for f in files}
            cwd = Path.cwd()
            files = files + [d.relative_to(cwd) if d.is_relative_to(cwd) else d  # shown as the named files are
                             for d in dependents(named) if d not in known]
        cwd = Path.cwd()
        files = [f for f in files
                 if not any(config_module.matches(f, pattern, cwd) for pattern in options.exclude)
                 and not any(config_module.matches(f, pattern, file_config.root) for pattern in file_config.exclude)]
    per_file = []
    for file in files:
        codes = _per_file_codes(file_config, file)
        if codes:
            per_file.append((glob.escape(str(file)), codes))
    config = Config(select=select, ignore=ignore, exclude=tuple(options.exclude), per_file_ignores=tuple(per_file),
                    rules_files=file_config.rules + tuple(options.rules), symbol_aliases=file_config.symbol_aliases,
                    debug=options.debug, cache=options.cache, jobs=options.jobs,
                    undocumented_ignore=file_config.undocumented_ignore, timeout=options.timeout,
                    docstring_format=options.docstring_format or file_config.docstring_format or "auto",
                    inventory=options.inventory)
    baseline = options.baseline or (str(file_config.baseline) if file_config.baseline else None)
    return Setup(config, tuple(str(f) for f in files), baseline, file_config)


class Session:
    """The knowledge and the project of one run, shared by every class the run analyses."""

    def __init__(self, config, paths: list | tuple = ()):
        from doccheck import knowledge as knowledge_module
        from doccheck.engine import make_project

        self.config = config
        self.knowledge = knowledge_module.load(config.rules_files, config.symbol_aliases)
        self.project = make_project([Path(p) for p in paths])

    def analyse(self, definition) -> ClassResult:
        return analyse_class(self.project, self.knowledge, definition)


@dataclass(frozen=True)
class Filtered:
    findings: list
    suppressed: int
    baselined: int


def filter_findings(result, baseline: str | None) -> Filtered:
    """`result`'s findings without those a suppression comment or the baseline covers (what every face reports).

    Raises `UsageProblem` for a baseline that cannot be read.
    """
    from doccheck import baseline as baseline_module
    from doccheck import suppress

    suppressed = suppress.apply(result)
    findings, baselined = result.findings, 0
    if baseline:
        try:
            known = baseline_module.Baseline(baseline)
        except baseline_module.BaselineError as exc:
            raise UsageProblem(str(exc)) from None
        findings, old = known.split(findings)
        baselined = len(old)
    return Filtered(findings, suppressed, baselined)
