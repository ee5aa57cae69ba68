"""The reports in a real browser: headless Chromium (Debian's package, driven by
Playwright) opens a report and a compare report that the command line made from
small real runs, in both languages, at laptop widths, and finds no console or page
error, no request for anything outside the file, every image loaded and
undistorted, nothing wider than the window, nothing clipped or to be scrolled
sideways, no block over a sibling and no HTML text over text or an image (the
checks: tests/browser_checks.js, themselves tested on a page with one of each
fault), and the answer beginning on the first screen. Text drawn inside a
figure's PNG is not seen by these checks.

Outside CI the module skips when Playwright or Chromium is missing; under CI (the
CI environment variable, which .ci/run sets after installing Chromium) it fails
instead, so the check cannot drop out unseen. CAPACITEIT_CHROMIUM names another
Chromium binary; CAPACITEIT_SCREENSHOTS=DIR saves a full-page screenshot of every
page and width there, to look at.
"""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from capaciteit import cli

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
CHROMIUM = Path(os.environ.get("CAPACITEIT_CHROMIUM", "/usr/bin/chromium"))
CHECKS = (Path(__file__).parent / "browser_checks.js").read_text(encoding="utf-8")
# Laptop windows, and a narrow one.
WINDOWS = [(1366, 768), (1280, 800), (1024, 768)]
# Without the networking switches Chromium keeps trying to reach Google's servers.
SWITCHES = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(why: str) -> None:
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{why}: CI must run the browser test (.ci/run installs it)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module. Scroll bars are shown (Playwright hides
    them by default) so that the page has the width a laptop leaves it."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (the dev extra)")
    if not CHROMIUM.exists():
        _missing(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=SWITCHES,
            ignore_default_args=["--hide-scrollbars"],
        )
        yield chromium
        chromium.close()


def page_faults(browser, url: str, window: tuple[int, int], shot: Path | None = None) -> list[str]:
    """Every fault of the page at `url` in a window of that size, one line each."""
    context = browser.new_context(viewport={"width": window[0], "height": window[1]}, offline=True)
    page = context.new_page()
    faults: list[str] = []

    def console(message) -> None:
        if message.type == "error":
            faults.append(f"console error: {message.text}")

    def request(req) -> None:  # the report is one file: it asks for nothing else
        if not req.url.startswith(("file:", "data:")):
            faults.append(f"request outside the file: {req.url[:100]}")

    page.on("console", console)
    page.on("request", request)
    page.on("pageerror", lambda e: faults.append(f"page error: {e}"))
    try:
        page.goto(url, wait_until="load")
        for f in page.evaluate(CHECKS):
            faults.append(f"{f['kind']}: {f['where']}: {f['detail']}")
        if shot is not None:
            page.screenshot(path=shot, full_page=True)
    finally:
        context.close()
    return faults


def all_faults(browser, html: Path, name: str) -> list[str]:
    """The faults of one HTML file at every window size, each line saying which."""
    shots = os.environ.get("CAPACITEIT_SCREENSHOTS")
    faults = []
    for w, h in WINDOWS:
        shot = Path(shots) / f"{name}-{w}.png" if shots else None
        faults += [f"{w}x{h} {f}" for f in page_faults(browser, html.as_uri(), (w, h), shot)]
    return faults


# One test per page, each making its own page: under pytest-xdist each runs on one
# worker, where a module-scoped fixture of all pages would be made again on each.
# The pages between them hold every section (`shows` asserts they still do).
PAGES = {
    "report-nl-shortage-measures": (
        ["run", SCENARIOS / "shortage-measures-2024.toml", "-n", "2", "--lang", "nl"],
        ["verdict", "cautions", "fig-pmj", "table-pmj", "table-responses", "table-reentry",
         "table-notes", "table-backtest", "fig-backtest", "table-pmj-scores", "glossary"],
    ),
    "report-en-baseline": (
        ["run", SCENARIOS / "baseline.toml", "-n", "4", "--lang", "en"],
        ["verdict", "table-pools", "fig-pmj", "fig-waiting", "table-reentry", "table-backtest"],
    ),
    "report-nl-stylized": (
        ["run", SCENARIOS / "stylized.toml", "-n", "4", "--lang", "nl"],
        ["verdict", "fig-fan-bba", "fig-waiting", "no-backtest"],
    ),
    "compare-nl": (
        ["compare", SCENARIOS / "baseline.toml", SCENARIOS / "no-covid-catch-up.toml",
         "-n", "4", "--lang", "nl"],
        ["answer-alt-no-covid-catch-up", "table-diff-no-covid-catch-up",
         "table-pools-no-covid-catch-up", "fig-diff-no-covid-catch-up"],
    ),
    "compare-en": (
        ["compare", SCENARIOS / "baseline.toml", SCENARIOS / "no-covid-catch-up.toml",
         "-n", "4", "--lang", "en"],
        ["answer-alt-no-covid-catch-up", "table-diff-no-covid-catch-up",
         "table-counts-no-covid-catch-up"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", PAGES)
def test_the_page_renders_cleanly_at_laptop_widths(name, browser, tmp_path):
    """The command line's page, as a planner opens it on a laptop: every fault at
    every width, each named by element, in one failure."""
    args, shows = PAGES[name]
    out = tmp_path / name
    # --backtest: the repository's, wherever pytest runs from
    extra = ["--backtest", ROOT / "results" / "backtest"] if args[0] == "run" else []
    opts = ["--seed", "1", "--workers", "1", "-o", out, "--quiet", *extra]
    assert cli.main([str(a) for a in [*args, *opts]]) == 0
    html = out / "report.html"
    text = html.read_text(encoding="utf-8")
    gone = [i for i in shows if f'id="{i}"' not in text]
    assert not gone, f"{name} no longer shows {gone}: give PAGES a scenario that does"
    faults = all_faults(browser, html, name)
    if faults:  # the first 60 (a broken rule can give thousands)
        pytest.fail(f"{name}: {len(faults)} faults:\n" + "\n".join(faults[:60]))


PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><style>
body {{ max-width: 900px; margin: 0 auto; font-family: sans-serif; }}
</style></head><body>
<h1 id="title">A small page</h1>
<p id="para">A paragraph of text.</p>
<p id="lifted"{lifted}>A second paragraph.</p>
<div id="box"{box}>Text in a box</div>
<table id="wide"{wide}><tr><td>a table</td></tr></table>
<div id="scroller" style="overflow-x: auto"><table{scroller}><tr><td>a table</td></tr></table></div>
<p id="under">Text above a figure.</p>
<img id="cover"{cover} src="{png}" width="300" height="100">
<img id="broken" src="{broken}">
<img id="squashed" src="{png}"{squashed}>
{outside}{script}{answer}
</body></html>"""
# One of each fault, and the lines the checks must give for it: each line starts
# with the first string and holds the others.
FAULTS = {
    "lifted": (
        ' style="margin-top: -30px"',
        [("overlaps: ", "#lifted", "#para"), ("text overlaps text: ", "#lifted", "#para")],
    ),
    "box": (
        ' style="width: 40px; overflow: hidden; white-space: nowrap"',
        [("clipped: div#box", "px wide in a box 40 px wide")],
    ),
    "wide": (' style="width: 2000px"', [("wider than the window: table#wide",)]),
    "scroller": (
        ' style="width: 1200px"',
        [("scrolls sideways: table", "in #scroller", "1200 px wide in a scrolling box")],
    ),
    "cover": (
        ' style="display: block; margin-top: -40px"',
        [("text overlaps an image: ", "#cover", "#under")],
    ),
    "broken": ("data:image/png;base64,AAAA", [("image not loaded: img#broken",)]),
    "squashed": (
        ' style="width: 300px; height: 30px"',
        [("image distorted: img#squashed", "300x100 shown as 300x30")],
    ),
    "outside": (
        '<link rel="stylesheet" href="https://example.org/style.css">',
        [("request outside the file: https://example.org/style.css",)],
    ),
    "script": (
        '<script>console.error("a console error"); undefined_function();</script>',
        [("console error: a console error",), ("page error: ", "undefined_function")],
    ),
    "answer": (
        '<div class="answer" style="margin-top: 1500px"><p id="late">The answer.</p></div>',
        [("answer below the first screen: p#late", "the window is 768 high")],
    ),
}


def test_the_checks_find_each_fault(browser, tmp_path):
    """The checks themselves: a page with one of each fault is found out for each,
    by element; the same page without them is clean."""
    buf = io.BytesIO()
    Figure(figsize=(3, 1), dpi=100).savefig(buf, format="png")  # 300x100
    png = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    clean = {k: "" for k in FAULTS} | {"broken": png}
    broken = {k: snippet for k, (snippet, _) in FAULTS.items()}
    page = tmp_path / "page.html"
    page.write_text(PAGE.format(png=png, **clean), encoding="utf-8")
    assert page_faults(browser, page.as_uri(), (1366, 768)) == []
    page.write_text(PAGE.format(png=png, **broken), encoding="utf-8")
    faults = page_faults(browser, page.as_uri(), (1366, 768))
    for name, (_, lines) in FAULTS.items():
        for first, *rest in lines:
            found = [f for f in faults if f.startswith(first) and all(w in f for w in rest)]
            assert found, f"{name}: no {(first, *rest)} among:\n" + "\n".join(faults)
