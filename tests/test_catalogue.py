"""Every check is a unit: its examples run, the bad one reports the check and the good one reports nothing."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import pytest

from doccheck.catalogue import all_checks, get
from doccheck.cli import main

RUNNABLE = [c for c in all_checks() if c.runnable]


def run_example(check, which, tmp_path, monkeypatch) -> list[dict]:
    source, files, args = check.example(which)
    (tmp_path / "example.py").write_text(source, encoding="utf-8")
    for name, text in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["check", "--isolated", "--no-cache", "--format", "json", "--select", check.code, *args,
                     "example.py"])
    assert code in (0, 1), out.getvalue()
    return json.loads(out.getvalue())


@pytest.mark.parametrize("check", RUNNABLE, ids=lambda c: c.code)
def test_the_bad_example_reports_the_check(check, tmp_path, monkeypatch):
    findings = run_example(check, "bad", tmp_path, monkeypatch)
    assert [f["code"] for f in findings] and {f["code"] for f in findings} == {check.code}, findings


@pytest.mark.parametrize("check", RUNNABLE, ids=lambda c: c.code)
def test_the_good_example_reports_nothing(check, tmp_path, monkeypatch):
    assert run_example(check, "good", tmp_path, monkeypatch) == []


def test_only_checks_no_file_can_trigger_are_not_runnable():
    assert sorted(c.code for c in all_checks() if not c.runnable) == ["DC000", "DC501"]


def test_every_check_has_metadata_and_a_unique_name():
    checks = all_checks()
    assert [c.code for c in checks] == sorted(c.code for c in checks)
    assert len({c.name for c in checks}) == len(checks)
    for check in checks:
        assert len(check.rationale) > 150 and check.summary.endswith(".")
        assert check.example("bad") != check.example("good")
        assert check.level in ("error", "warning", "note") and get(check.code) is check


def test_rules_json_lists_every_check_with_its_examples():
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["rules", "--format", "json"]) == 0
    entries = json.loads(out.getvalue())
    assert [e["code"] for e in entries] == [c.code for c in all_checks()]
    for entry, check in zip(entries, all_checks()):
        assert {"code", "name", "summary", "default", "bad", "good", "runnable"} <= set(entry)
        assert entry["default"] is check.default and entry["runnable"] is check.runnable
        if check.runnable:
            assert entry["bad"]["files"]["example.py"] == check.bad
            assert entry["bad"]["command"][-1] == "example.py" and check.code in entry["bad"]["command"]
        else:
            assert entry["bad"] == {"description": check.bad}
