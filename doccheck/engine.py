"""The pipeline, one file at a time: discover -> parse -> code model -> doc model -> compare.

Every file is isolated: whatever goes wrong inside one becomes a finding on
that file (DC000 for doccheck's own errors, DC002 for unreadable sources) and
the run goes on with the others.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

from doccheck.checks import Check, register, selected
from doccheck.model import Claim, ClassInit, Finding, Position

INTERNAL_ERROR = register(Check(
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
))

SOURCE_ERROR = register(Check(
    code="DC002",
    name="unreadable-source",
    summary="The file cannot be decoded or parsed as Python.",
    rationale=(
        "A file with a syntax error, an undecodable byte or a bad encoding declaration cannot be analysed.  It "
        "is reported with the line the parser stopped at so that it is not mistaken for a clean file, and the "
        "other files are still checked."
    ),
    bad="class Dense(nn.Module:\n    ...",
    good="class Dense(nn.Module):\n    ...",
))

ANALYSIS_LIMIT = register(Check(
    code="DC003",
    name="analysis-limit",
    summary="doccheck stopped analysing this file (or one class of it) at a limit; what it did not reach is unchecked.",
    rationale=(
        "Every file is analysed within bounds so that no input can hang a commit hook: a time budget per file "
        "(`Config.timeout`, 60 s by default) and size limits for files and docstrings stop the analysis of the "
        "file or class; this finding says which bound, and where, so the file is not silently passed.  Findings "
        "reported before the stop are kept; results with a time-out are never cached.  Bounds inside one "
        "claim (steps and depth of the code model, inheritance depth, a symbolic proof's time, the LaTeX "
        "reader's limits) make that claim unresolved (DC103) or unreadable (DC102) instead."
    ),
    bad="(a generated 50 MB module, or a constructor that needs minutes of symbolic algebra)",
    good="(split the file, or raise the budget: `Config(timeout=...)`)",
    level="warning",
))

@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    rules_files: tuple[str, ...] = ()
    symbol_aliases: tuple[tuple[str, str], ...] = ()
    debug: bool = False
    cache: bool = True  # reuse results of unchanged files (see doccheck.cache)
    jobs: int | None = None  # worker processes; None: one per core, at most 2 where files are few
    undocumented_ignore: tuple[str, ...] | None = None  # DC302: parameters never asked for (None: the default list)
    timeout: float | None = 60.0  # seconds per file (see doccheck.limits); None: no time budget

    def fingerprint_repr(self) -> str:
        """What changes results (not how they are computed: cache and jobs are left out)."""
        return repr((self.select, self.ignore, self.exclude, self.per_file_ignores, self.rules_files,
                     self.symbol_aliases, self.undocumented_ignore))

    def wants(self, code: str, path: str = "") -> bool:
        ignore = self.ignore
        if path and self.per_file_ignores:
            import fnmatch

            for pattern, codes in self.per_file_ignores:
                if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(Path(path).name, pattern):
                    ignore = ignore + codes
        return selected(code, self.select, ignore)


@dataclass
class ClassResult:
    name: str
    qualname: str
    position: Position
    code: ClassInit | None
    claims: list[Claim]
    verdicts: list = field(default_factory=list)


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    classes: list[ClassResult] = field(default_factory=list)
    summaries: list[tuple[str, bool, tuple[str, ...]]] | None = None  # (qualname, evaluated, verdict statuses)

    def class_summaries(self) -> list[tuple[str, bool, tuple[str, ...]]]:
        """Per class with claims: evaluated?, and the verdicts — all the counts need (and the cache keeps)."""
        if self.summaries is not None:
            return self.summaries
        return [(c.qualname, bool(c.code is not None and c.code.params), tuple(v.status for v in c.verdicts))
                for c in self.classes]


def internal_error(path: str, line: int, stage: str, exc: BaseException, debug: bool) -> Finding:
    reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    if debug:
        traceback.print_exception(exc)
    return Finding(path, line, 1, INTERNAL_ERROR.code, f"internal error in the {stage}: {reason}")


def check_file(path: Path, project, knowledge, config: Config) -> FileResult:
    """All findings for one file (unfiltered by selection; `run` filters)."""
    from doccheck.checkers import CHECKERS
    from doccheck.discover import module_name
    from doccheck import limits
    from doccheck.parse import SourceError, load_module

    result = FileResult(str(path))
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if size > limits.MAX_FILE_BYTES:
        result.findings.append(Finding(str(path), 1, 1, ANALYSIS_LIMIT.code, f"file not analysed: {size} bytes, "
                                       f"more than the limit of {limits.MAX_FILE_BYTES}"))
        return result
    try:
        qualname, root = module_name(path)
        info = load_module(path, qualname, keep_ast=True)
    except SourceError as exc:
        result.findings.append(Finding(str(path), exc.line, exc.column, SOURCE_ERROR.code, exc.message))
        return result
    except RecursionError as exc:
        result.findings.append(Finding(str(path), 1, 1, SOURCE_ERROR.code, f"cannot parse: {exc}"))
        return result
    except Exception as exc:  # a bug in the parse stage: name the stage, not just "pipeline"
        result.findings.append(internal_error(str(path), 1, "parser", exc, config.debug))
        return result
    project.add(info, root)
    stage = "parser"
    try:
        with limits.deadline(config.timeout, f"the {config.timeout:g} s time budget per file"):
            for checker in CHECKERS:
                if not any(config.wants(code, str(path)) for code in checker.codes):
                    continue
                stage = checker.stage
                try:
                    checker.run(info, project, knowledge, config, result)
                except Exception as exc:  # one checker failing never hides the others' findings
                    result.findings.append(internal_error(str(path), 1, checker.stage, exc, config.debug))
    except limits.LimitExceeded as exc:
        result.findings.append(Finding(str(path), 1, 1, ANALYSIS_LIMIT.code,
                                       f"analysis stopped in the {stage}: {exc.what} ran out; the rest of the file "
                                       f"is unchecked"))
    finally:
        info.ast_tree = None  # kept only while this file's own checks run
    return result


@dataclass
class RunResult:
    files: list[FileResult]
    findings: list[Finding]
    elapsed: float
    cached_files: int = 0

    def counts(self) -> dict[str, int]:
        summaries = [c for f in self.files for c in f.class_summaries()]
        evaluated = [c for c in summaries if c[1]]
        statuses = [s for c in evaluated for s in c[2]]
        by_class = []
        for _, _, verdicts in evaluated:
            found = set(verdicts)
            if "mismatch" in found:
                by_class.append("mismatch")
            elif found & {"unresolved", "unreadable"}:
                by_class.append("unresolved")
            elif "consistent" in found:
                by_class.append("consistent")
            else:
                by_class.append("other")
        return {
            "files": len(self.files),
            "cached_files": self.cached_files,
            "classes_with_claims": len(summaries),
            "classes_evaluated": len(evaluated),
            "classes_consistent": by_class.count("consistent"),
            "classes_with_mismatch": by_class.count("mismatch"),
            "classes_unresolved": by_class.count("unresolved"),
            "claims_consistent": statuses.count("consistent"),
            "claims_mismatch": statuses.count("mismatch"),
            "claims_unresolved": statuses.count("unresolved"),
            "findings": len(self.findings),
        }


def make_project(paths: list[Path]):
    from doccheck.discover import module_name
    from doccheck.project import Project

    roots = []
    for path in paths:
        try:
            _, root = module_name(path)
        except OSError:
            continue
        if root not in roots:
            roots.append(root)
    return Project(roots)


# ---------------------------------------------------------------- one file, in this process or a worker
_WORKER: dict = {}


def _init_worker(roots: list[str], config: Config) -> None:
    from doccheck import knowledge as knowledge_module
    from doccheck.project import Project

    _WORKER["project"] = Project([Path(r) for r in roots])
    _WORKER["knowledge"] = knowledge_module.load(config.rules_files, config.symbol_aliases)
    _WORKER["config"] = config


def _analyse(path: str, keep_classes: bool = False) -> tuple[FileResult, list[str]]:
    """Check one file; also return every file the check read (for the cache)."""
    project, knowledge, config = _WORKER["project"], _WORKER["knowledge"], _WORKER["config"]
    project.accessed = set()
    try:
        result = check_file(Path(path), project, knowledge, config)
    except Exception as exc:  # the last line of defence: one file never stops the run
        result = FileResult(path, [internal_error(path, 1, "pipeline", exc, config.debug)])
    deps = sorted(project.accessed)
    # plain positions only: lazy ones hold syntax trees, which neither pickle nor belong in a report
    result.findings = [replace(f, related=tuple(Position(p.path, p.line, p.column) for p in f.related))
                       for f in result.findings]
    result.summaries = result.class_summaries()
    if not keep_classes:
        result.classes = []  # sympy-laden; workers send back only what the report needs
    return result, deps


SELF = "<this file>"  # a cached finding's path when it is the cached file itself


def _analyse_alone(path: str, roots: list[str], config: Config, method: str) -> tuple[FileResult, list[str]]:
    """One file in a worker process of its own: if that process dies too, only this file is lost (DC000)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(method), initializer=_init_worker,
                             initargs=(roots, config)) as pool:
        try:
            return pool.submit(_analyse, path).result()
        except BrokenProcessPool:
            error = RuntimeError("the worker process analysing this file died (a crash in native code or out of "
                                 "memory)")
            return FileResult(path, [internal_error(path, 1, "pipeline", error, False)]), []


def _finding_from(data: dict, path: str) -> Finding:
    """A cached finding, with the file's path as this run spells it (the cache is shared across folders)."""
    def where(p: str) -> str:
        return path if p == SELF else p

    return Finding(where(data["path"]), data["line"], data["column"], data["code"], data["message"], data["object"],
                   data["documented"], data["effective"], tuple(data["derivation"]),
                   tuple(Position(where(p[0]), p[1], p[2]) for p in data["related"]))


def _finding_to(finding: Finding, path: str) -> dict:
    import os

    def where(p: str) -> str:
        return SELF if p == path else os.path.abspath(p)

    return {"path": where(finding.path), "line": finding.line, "column": finding.column, "code": finding.code,
            "message": finding.message, "object": finding.object, "documented": finding.documented,
            "effective": finding.effective, "derivation": list(finding.derivation),
            "related": [[where(p.path), p.line, p.column] for p in finding.related]}


def max_jobs() -> int:
    """The most worker processes --jobs may ask for: 4 per core (more only adds start-up and memory)."""
    import os

    return 4 * (os.cpu_count() or 1)


def _jobs(config: Config, work: int) -> int:
    import os

    if config.jobs is not None:  # never more workers than files: --jobs 1000 on 28 files starts 28 at most
        return max(1, min(config.jobs, work, max_jobs()))
    if work < 4:
        return 1  # a worker's start-up costs more than a few files
    return max(1, min(os.cpu_count() or 1, 8, work // 2))


def _counted(items, labels, progress, done: int, total: int):
    """Yield `items`, telling `progress(done, total, label)` as each one is reached."""
    for index, (item, label) in enumerate(zip(items, labels)):
        if progress is not None:
            progress(done + index, total, label)
        yield item


def run(targets: list[str], config: Config = Config(), keep_classes: bool = False, progress=None) -> RunResult:
    """Check every file of the targets.  Raises `discover.TargetError` for a missing target.

    `progress(done, total, path)`, when given, is called as files are reached and once at the end (path None).

    Unchanged files come from the cache; the rest are shared among worker
    processes (one per core).  Output order never depends on either.
    """
    from doccheck.cache import Cache, fingerprint
    from doccheck.discover import discover, module_name
    from doccheck.knowledge import builtin_rules_dir

    started = time.perf_counter()
    paths = discover(targets, config.exclude)
    rules = [str(p) for p in sorted(builtin_rules_dir().glob("*.toml"))] + list(config.rules_files)
    cache = Cache(fingerprint(config.fingerprint_repr(), rules)) if config.cache and not keep_classes else None
    results: dict[str, FileResult] = {}
    todo = []
    for path in paths:
        try:
            entry = cache.get(str(path)) if cache is not None else None
            if entry is not None:
                results[str(path)] = FileResult(str(path), [_finding_from(f, str(path)) for f in entry["findings"]],
                                                summaries=[(q, e, tuple(s)) for q, e, s in entry["classes"]])
        except Exception:  # a damaged cache entry is a miss, never a crash
            entry = None
        if entry is None:
            todo.append(str(path))
    cached_files = len(results)
    if todo:
        roots = []
        for path in todo:
            try:
                root = str(module_name(Path(path))[1])
            except OSError:
                continue
            if root not in roots:
                roots.append(root)
        jobs = 1 if keep_classes else _jobs(config, len(todo))
        if jobs == 1:
            _init_worker(roots, config)
            outcomes = [_analyse(path, keep_classes) for path in _counted(todo, todo, progress, cached_files,
                                                                          len(paths))]
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            from concurrent.futures.process import BrokenProcessPool

            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            try:
                with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                                         initializer=_init_worker, initargs=(roots, config)) as pool:
                    outcomes = list(_counted(pool.map(_analyse, todo, chunksize=1), todo, progress, cached_files,
                                             len(paths)))
            except BrokenProcessPool:  # a worker died (a crash in native code, an out-of-memory kill)
                outcomes = [_analyse_alone(path, roots, config, method) for path in todo]
        for path, (result, deps) in zip(todo, outcomes):
            results[path] = result
            if cache is not None and not any(f.code == ANALYSIS_LIMIT.code for f in result.findings):
                cache.put(path, {"findings": [_finding_to(f, path) for f in result.findings],
                                 "classes": [list(c) for c in result.class_summaries()]}, deps)
    if progress is not None:
        progress(len(paths), len(paths), None)
    files = [results[str(path)] for path in paths]
    findings = sorted((f for file in files for f in file.findings if config.wants(f.code, f.path)),
                      key=Finding.sort_key)
    return RunResult(files, findings, time.perf_counter() - started, cached_files)
