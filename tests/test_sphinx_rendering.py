"""The rendered page, offline: with only ``doccheck.sphinx`` added, math is MathML written at build time (no
MathJax, no network) and the effective-initialization table stays inside the body width.  With Chromium
installed (``.ci/run`` installs it), the page is laid out by a real browser: typeset fractions, no horizontal
overflow of the page, and a screenshot of the expected size."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.filterwarnings("ignore:The mapping interface for autodoc options")

ROOTS = Path(__file__).parent / "roots"
PROBE = """<script>
document.title = JSON.stringify({
  pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth,
  tables: [...document.querySelectorAll("table.doccheck-init")].map(t => {
    const box = t.getBoundingClientRect(), body = t.closest("div.body, div[role=main], body").getBoundingClientRect();
    return {right: box.right, bodyRight: body.right};
  }),
  fractions: [...document.querySelectorAll("table.doccheck-init mfrac")].map(f => {
    const whole = f.getBoundingClientRect(), top = f.firstElementChild.getBoundingClientRect();
    return {whole: whole.height, numerator: top.height};
  }),
});
</script>"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from sphinx.cmd.build import build_main

    src = tmp_path_factory.mktemp("render") / "src"
    shutil.copytree(ROOTS / "test-doccheck-consistent", src)
    conf = (src / "conf.py").read_text()
    assert 'extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "doccheck.sphinx"]' in conf  # nothing else
    out = src.parent / "html"
    assert build_main(["-q", "-E", "-b", "html", str(src), str(out)]) == 0
    return out


def test_math_is_mathml_written_at_build_time(built):
    page = (built / "index.html").read_text()
    table = page[page.index('class="doccheck-init'):]
    assert "<math" in table and "<mfrac>" in table
    assert "mathjax" not in page.lower()  # nothing to fetch from a CDN
    assert "\\frac" not in table  # no raw LaTeX left in the table


def test_the_stylesheet_keeps_the_table_in_the_body(built):
    assert (built / "_static" / "doccheck.css").is_file()
    assert re.search(r'href="_static/doccheck\.css', (built / "index.html").read_text())
    css = (built / "_static" / "doccheck.css").read_text()
    assert "overflow-x: auto" in css and "max-width: 100%" in css


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.skip("no Chromium installed (.ci/run installs Debian's chromium package)")


def test_a_browser_typesets_the_math_and_the_page_does_not_overflow(built, tmp_path):
    browser = _chromium()
    page = built / "probe.html"
    page.write_text((built / "index.html").read_text().replace("</body>", PROBE + "</body>"))
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                          "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    found = json.loads(re.search(r"<title>(.*?)</title>", dom, re.S).group(1).replace("&quot;", '"'))
    assert found["pageWidth"] <= found["viewport"], found  # no horizontal scroll bar on the page
    assert found["tables"] and all(t["right"] <= t["bodyRight"] + 1 for t in found["tables"]), found
    # a typeset fraction is taller than its numerator alone (raw LaTeX would be one line of text)
    assert found["fractions"] and all(f["whole"] > 1.5 * f["numerator"] for f in found["fractions"]), found

    shot = tmp_path / "page.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                    f"--screenshot={shot}", (built / "index.html").as_uri()], capture_output=True, timeout=120)
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", header[16:24]) == (1280, 900)
    assert shot.stat().st_size > 20_000  # a page with text and math, not a blank image
