"""The pipeline, one file at a time: discover -> parse -> code model -> doc model -> compare.

Every file is isolated: whatever goes wrong inside one becomes a finding on
that file (DC000 for doccheck's own errors, DC002 for unreadable sources) and
the run goes on with the others.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
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

@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    rules_files: tuple[str, ...] = ()
    symbol_aliases: tuple[tuple[str, str], ...] = ()
    debug: bool = False

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


def internal_error(path: str, line: int, stage: str, exc: BaseException, debug: bool) -> Finding:
    reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    if debug:
        traceback.print_exception(exc)
    return Finding(path, line, 1, INTERNAL_ERROR.code, f"internal error in the {stage}: {reason}")


def check_file(path: Path, project, knowledge, config: Config) -> FileResult:
    """All findings for one file (unfiltered by selection; `run` filters)."""
    from doccheck.checkers import CHECKERS
    from doccheck.discover import module_name
    from doccheck.parse import SourceError, load_module

    result = FileResult(str(path))
    try:
        qualname, root = module_name(path)
        info = load_module(path, qualname)
    except SourceError as exc:
        result.findings.append(Finding(str(path), exc.line, exc.column, SOURCE_ERROR.code, exc.message))
        return result
    except RecursionError as exc:
        result.findings.append(Finding(str(path), 1, 1, SOURCE_ERROR.code, f"cannot parse: {exc}"))
        return result
    project.add(info, root)
    for checker in CHECKERS:
        if not any(config.wants(code, str(path)) for code in checker.codes):
            continue
        try:
            checker.run(info, project, knowledge, config, result)
        except Exception as exc:  # one checker failing never hides the others' findings
            result.findings.append(internal_error(str(path), 1, checker.stage, exc, config.debug))
    return result


@dataclass
class RunResult:
    files: list[FileResult]
    findings: list[Finding]
    elapsed: float

    def counts(self) -> dict[str, int]:
        classes = [c for f in self.files for c in f.classes]
        evaluated = [c for c in classes if c.code is not None and c.code.params]
        statuses = [v.status for c in evaluated for v in c.verdicts]
        by_class = {}
        for c in evaluated:
            s = {v.status for v in c.verdicts}
            by_class[c.qualname] = ("mismatch" if "mismatch" in s else "unresolved" if "unresolved" in s or
                                    "unreadable" in s else "consistent" if s == {"consistent"} or
                                    s <= {"consistent", "no-such-parameter"} and "consistent" in s else "other")
        return {
            "files": len(self.files),
            "classes_with_claims": len(classes),
            "classes_evaluated": len(evaluated),
            "classes_consistent": sum(1 for s in by_class.values() if s == "consistent"),
            "classes_with_mismatch": sum(1 for s in by_class.values() if s == "mismatch"),
            "classes_unresolved": sum(1 for s in by_class.values() if s == "unresolved"),
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


def run(targets: list[str], config: Config = Config()) -> RunResult:
    """Check every file of the targets.  Raises `discover.TargetError` for a missing target."""
    from doccheck import knowledge as knowledge_module
    from doccheck.discover import discover

    started = time.perf_counter()
    paths = discover(targets, config.exclude)
    knowledge = knowledge_module.load(config.rules_files, config.symbol_aliases)
    project = make_project(paths)
    files = []
    for path in paths:
        try:
            files.append(check_file(path, project, knowledge, config))
        except Exception as exc:  # the last line of defence: one file never stops the run
            files.append(FileResult(str(path), [internal_error(str(path), 1, "pipeline", exc, config.debug)]))
    findings = sorted((f for file in files for f in file.findings if config.wants(f.code, f.path)),
                      key=Finding.sort_key)
    return RunResult(files, findings, time.perf_counter() - started)
