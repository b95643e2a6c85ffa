"""The README stays true: its generated sections match the registry and the explain examples."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_generated_sections_are_current():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "render_rules.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_readme_lists_every_check():
    sys.path.insert(0, str(ROOT))
    from doccheck.catalogue import all_checks

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for check in all_checks():
        assert f"### {check.code} {check.name}" in text


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = 'pip install -e ".[test]" && python scripts/install_test_extras.py && python -m pytest -q -p no:cacheprovider'
    assert command in readme
    steps = [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert steps == ['python -m pip install --quiet --disable-pip-version-check -e ".[test]"',
                     "python scripts/install_test_extras.py", "python -m pytest -q -p no:cacheprovider"]
