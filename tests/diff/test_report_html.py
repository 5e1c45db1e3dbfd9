"""The HTML report renders in a real browser (Debian's chromium, headless)."""

from __future__ import annotations

import subprocess

from tests.conftest import require_tool
from tests.diff.test_diff import diff_args, samples_build

_CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_html_report_renders_in_chromium(tmp_path):
    chromium = require_tool("chromium", "chromium")
    sample = samples_build.find("sensitive")
    report = tmp_path / "report.html"
    proc = subprocess.run(diff_args(sample, "--modes", "trap", "--html", str(report)), capture_output=True,
                          text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, proc.stderr
    browser = [chromium, *_CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*browser, "--dump-dom", report.as_uri()], capture_output=True, text=True,
                         timeout=120, stdin=subprocess.DEVNULL).stdout
    # the browser parsed the document: the summary, the verdict, the explanation, the CFG picture
    assert "<table id=\"summary\">" in dom and "DIVERGES" in dom
    assert "is sensitive but does not trap in User mode" in dom
    assert "<svg" in dom and "sensitive.s:" in dom
    shot = tmp_path / "shot.png"
    subprocess.run([*browser, "--window-size=1280,1600", f"--screenshot={shot}", report.as_uri()],
                   capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 1600)
    # a rendered page is not one flat colour: the PNG of a blank page compresses to a few KB
    assert len(data) > 30_000
