"""The pipeline, one file at a time: discover -> parse -> code model -> doc model -> compare.

Every file is isolated: whatever goes wrong inside one becomes a finding on
that file (DC000 for doccheck's own errors, DC002 for unreadable sources) and
the run goes on with the others.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from doccheck.cache import SELF
from doccheck.failures import ANALYSIS_LIMIT, INTERNAL_ERROR, SOURCE_ERROR, internal_error
from doccheck.model import ClassResult, Finding, Position

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
    inventory: bool = False  # evaluate every class, with or without claims (`doccheck coverage`; never cached)
    docstring_format: str = "auto"  # "auto" (Markdown recognised per docstring), "rest" or "markdown"

    def fingerprint_repr(self) -> str:
        """What changes results (not how they are computed: cache and jobs are left out)."""
        return repr((self.select, self.ignore, self.exclude, self.per_file_ignores, self.rules_files,
                     self.symbol_aliases, self.undocumented_ignore, self.inventory, self.docstring_format))

    def wants(self, code: str, path: str = "") -> bool:
        ignore = self.ignore
        if path and self.per_file_ignores:
            import fnmatch

            for pattern, codes in self.per_file_ignores:
                if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(Path(path).name, pattern):
                    ignore = ignore + codes
        from doccheck.catalogue import wanted

        return wanted(code, self.select, ignore)


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


def _unreadable(path: Path) -> tuple[str | None, int]:
    """(Why `path` cannot be read as a source, or None; its size) — without opening it (a FIFO would block).

    Discovery keeps every entry named ``*.py`` so that these are reported on
    the file, not skipped: a dangling or looping symlink, a FIFO or device, a
    path too long for the system, a folder that cannot be listed.
    """
    import errno
    import os
    import stat as stat_module

    from doccheck import safeio

    try:
        info = os.stat(path)
    except OSError as exc:
        reason = safeio.describe(exc)
        if exc.errno == errno.ENAMETOOLONG:
            return f"cannot read: the path is {len(str(path))} characters long, more than the system allows", 0
        if os.path.islink(path):
            reason += " (a symbolic link that leads nowhere)" if isinstance(exc, FileNotFoundError) else \
                " (a symbolic link that cannot be followed)"
        return f"cannot read file: {reason}", 0
    except ValueError as exc:  # an embedded NUL byte
        return f"cannot read file: {exc}", 0
    if stat_module.S_ISDIR(info.st_mode):
        try:
            os.scandir(path).close()
        except OSError as exc:
            return f"cannot list folder: {safeio.describe(exc)}; the files in it are not checked", 0
        return "a folder named like a Python file", 0
    if not stat_module.S_ISREG(info.st_mode):
        return f"not a regular file: {safeio.kind(info.st_mode)}; not read", 0
    return None, info.st_size


def check_file(path: Path, project, knowledge, config: Config) -> FileResult:
    """All findings for one file (unfiltered by selection; `run` filters)."""
    from doccheck.checkers import CHECKERS
    from doccheck.discover import module_name
    from doccheck import limits
    from doccheck.parse import SourceError, load_module

    result = FileResult(str(path))
    problem, size = _unreadable(path)
    if problem is not None:
        result.findings.append(Finding(str(path), 1, 1, SOURCE_ERROR.code, problem))
        return result
    if size > limits.MAX_FILE_BYTES:
        result.findings.append(Finding(str(path), 1, 1, ANALYSIS_LIMIT.code, f"file not analysed: {size} bytes, "
                                       f"more than the limit of {limits.MAX_FILE_BYTES}"))
        return result
    try:
        qualname, root = module_name(path)
    except (OSError, RuntimeError) as exc:  # a symlink loop made after the first look (pathlib: RuntimeError)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)[:200]
        result.findings.append(Finding(str(path), 1, 1, SOURCE_ERROR.code, f"cannot read file: {reason}"))
        return result
    try:
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
    messages: tuple[str, ...] = ()  # for the user, about the run rather than a file (e.g. why there is no cache)

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
            "claims_unreadable": statuses.count("unreadable"),
            "findings": len(self.findings),
        }


def _roots(paths) -> list:
    """The package roots of the files, in order: the search path the code model uses before sys.path.

    A root is a folder (a str) or a `discover.Mount` (a copy of a framework package)."""
    from doccheck.discover import Mount, module_name

    roots: list = []
    for path in paths:
        try:
            root = module_name(Path(path))[1]
            root = root if isinstance(root, Mount) else str(root)
        except (OSError, RuntimeError, ValueError):  # unreadable entries are reported by the check itself
            continue
        if root not in roots:
            roots.append(root)
    return roots


def make_project(paths: list[Path]):
    from doccheck.project import Project

    return Project([r if not isinstance(r, str) else Path(r) for r in _roots(paths)])


# ---------------------------------------------------------------- one file, in this process or a worker
_WORKER: dict = {}
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent: int) -> None:
    """Make this worker exit when the process that started it dies, even by SIGKILL (which runs no clean-up).

    On Linux the kernel kills the worker then (prctl PR_SET_PDEATHSIG); on
    every system a daemon thread also polls the parent id, which changes when
    the orphaned worker is re-parented.  Without this, workers of a killed run
    live on and keep the caller's pipes open (a CI step never ends).
    """
    import os
    import threading

    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError, ValueError):
            pass  # the watcher below still works
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="doccheck-parent-watch", daemon=True).start()


def _init_worker(roots: list, config: Config, parent: int | None = None) -> None:
    """Set up the process that analyses files; `parent` (a pool worker's parent pid) ties its life to it."""
    from doccheck import knowledge as knowledge_module
    from doccheck.discover import Mount
    from doccheck.project import Project

    if parent is not None:
        _die_with_parent(parent)
    _WORKER["project"] = Project([r if isinstance(r, Mount) else Path(r) for r in roots])
    _WORKER["knowledge"] = knowledge_module.load(config.rules_files, config.symbol_aliases)
    _WORKER["config"] = config


def _analyse(path: str, keep_classes: bool = False) -> tuple[FileResult, list[str], list[str]]:
    """Check one file; also return every file the check read and every file it looked for in vain (the cache)."""
    import os

    from doccheck.discover import module_name

    project, knowledge, config = _WORKER["project"], _WORKER["knowledge"], _WORKER["config"]
    project.accessed = set()
    project.absent = set()
    try:
        result = check_file(Path(path), project, knowledge, config)
    except Exception as exc:  # the last line of defence: one file never stops the run
        result = FileResult(path, [internal_error(path, 1, "pipeline", exc, config.debug)])
    deps = set(project.accessed)
    absent = set(project.absent)
    markers: list[Path] = []  # the __init__.py files that make the module name (and the missing one above)
    try:
        module_name(Path(path), markers)
    except (OSError, RuntimeError, ValueError):
        pass
    for marker in markers:
        (deps if os.path.isfile(marker) else absent).add(str(marker))
    # plain positions only: lazy ones hold syntax trees, which neither pickle nor belong in a report
    result.findings = [replace(f, related=tuple(Position(p.path, p.line, p.column) for p in f.related))
                       for f in result.findings]
    result.summaries = result.class_summaries()
    if not keep_classes:
        result.classes = []  # sympy-laden; workers send back only what the report needs
    return result, sorted(deps), sorted(absent - deps)


def _analyse_alone(path: str, roots: list[str], config: Config, method: str) -> tuple[FileResult, list[str], list[str]]:
    """One file in a worker process of its own: if that process dies too, only this file is lost (DC000)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(method), initializer=_init_worker,
                             initargs=(roots, config, _pid())) as pool:
        try:
            return pool.submit(_analyse, path).result()
        except BrokenProcessPool:
            error = RuntimeError("the worker process analysing this file died (a crash in native code or out of "
                                 "memory)")
            return FileResult(path, [internal_error(path, 1, "pipeline", error, False)]), [], []


def _pid() -> int:
    import os

    return os.getpid()


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


def run(targets: list[str], config: Config = Config(), keep_classes: bool = False, progress=None,
        discovered: bool = False) -> RunResult:
    """Check every file of the targets.  Raises `discover.TargetError` for a missing target.

    `progress(done, total, path)`, when given, is called as files are reached and once at the end (path None).
    `discovered`: the targets are files a `discover` call already returned (the command line filters them);
    they are not looked for again, so one deleted since is a finding on it, not a missing target.

    Unchanged files come from the cache; the rest are shared among worker
    processes (one per core).  Output order never depends on either.
    Raises `knowledge.RulesError` for a bad rules file, before any file is analysed.
    """
    from doccheck import knowledge as knowledge_module
    from doccheck.cache import Cache, CacheUnavailable, fingerprint
    from doccheck.discover import discover
    from doccheck.knowledge import builtin_rules_dir

    started = time.perf_counter()
    paths = [Path(t) for t in dict.fromkeys(targets)] if discovered else discover(targets, config.exclude)
    roots = _roots(paths)  # of every file, cached or not: a file's result never depends on what else was cached
    messages: list[str] = []
    cache = None
    if config.cache and not keep_classes:
        rules = [str(p) for p in sorted(builtin_rules_dir().glob("*.toml"))] + list(config.rules_files)
        try:
            cache = Cache(fingerprint(config.fingerprint_repr(), rules, [str(r) if isinstance(r, str) else repr(r) for r in roots]))
        except CacheUnavailable as exc:
            messages.append(str(exc))
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
        # a bad rules file is a usage error here, not a DC000 per file from the workers; no cached entry can
        # hide it, as the rules' contents are in the fingerprint and no entry is stored without loading them
        knowledge_module.load(config.rules_files, config.symbol_aliases)
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
                                         initializer=_init_worker, initargs=(roots, config, _pid())) as pool:
                    outcomes = list(_counted(pool.map(_analyse, todo, chunksize=1), todo, progress, cached_files,
                                             len(paths)))
            except BrokenProcessPool:  # a worker died (a crash in native code, an out-of-memory kill)
                outcomes = [_analyse_alone(path, roots, config, method) for path in todo]
        for path, (result, deps, absent) in zip(todo, outcomes):
            results[path] = result
            if cache is not None and _cacheable(result, path):
                related = [p.path for f in result.findings for p in f.related if p.path != path]
                cache.put(path, {"findings": [_finding_to(f, path) for f in result.findings],
                                 "classes": [list(c) for c in result.class_summaries()]}, deps + related, absent)
    if progress is not None:
        progress(len(paths), len(paths), None)
    files = [results[str(path)] for path in paths]
    findings = sorted((f for file in files for f in file.findings if config.wants(f.code, f.path)),
                      key=Finding.sort_key)
    return RunResult(files, findings, time.perf_counter() - started, cached_files, tuple(messages))


def _cacheable(result: FileResult, path: str) -> bool:
    """Never a time-out or an internal error (a one-off crash must not outlive the run), only findings on the file."""
    return not any(f.code in (ANALYSIS_LIMIT.code, INTERNAL_ERROR.code) or f.path != path for f in result.findings)
