"""``capaciteit publish`` (what ``make forecast`` runs): every scenario, an index,
the same numbers from the same commit."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser

from .conftest import SCENARIOS


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.links += [v for k, v in attrs if k in ("href", "src") and v]


def _two(tmp_path):
    a = tmp_path / "stylized.toml"
    shutil.copy(SCENARIOS / "stylized.toml", a)
    b = tmp_path / "short.toml"
    b.write_text(
        '[scenario]\nname = "short"\nextends = "stylized.toml"\n'
        'title = "A shorter horizon"\nend = 2031-12-31\n'
    )
    return a, b


def test_publish_runs_every_scenario_and_links_them(run_cli, tmp_path):
    a, b = _two(tmp_path)
    out = tmp_path / "results"
    code, _, err = run_cli("publish", a, b, "-n", "4", "-o", out, "--quiet")
    assert code == 0, err
    for name in ("stylized", "short"):
        manifest = json.loads((out / name / "manifest.json").read_text())
        assert manifest["replications"] == 4 and manifest["scenario"] == name
    page = (out / "index.html").read_text()
    parser = _Links()
    parser.feed(page)
    assert parser.links, "the index links the results"
    for link in parser.links:
        assert (out / link).is_file(), link
    for name in ("stylized", "short"):
        sha = json.loads((out / name / "manifest.json").read_text())["outputs"]["summary.csv"]
        assert sha[:12] in page
    assert re.search(r"commit\s*<code>[0-9a-f]{40}(\+changes)?</code>", page)
    readme = (out / "README.md").read_text()
    assert "[stylized](stylized/)" in readme and "A shorter horizon" in readme


def test_publish_is_reproducible(run_cli, tmp_path):
    a, b = _two(tmp_path)
    for out in ("r1", "r2"):
        code, _, err = run_cli("publish", a, b, "-n", "3", "-o", tmp_path / out, "--quiet")
        assert code == 0, err
    for name in ("stylized", "short"):
        for f in ("summary.csv", "yearly.csv"):
            one = (tmp_path / "r1" / name / f).read_bytes()
            assert one == (tmp_path / "r2" / name / f).read_bytes(), (name, f)


def test_publish_refuses_bad_input_before_any_work(run_cli, tmp_path):
    a, _ = _two(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "bad"\nextends = "stylized.toml"\nstart = "soon"\n')
    out = tmp_path / "results"
    code, _, err = run_cli("publish", a, bad, "-n", "2", "-o", out)
    assert code == 2 and "bad.toml: scenario.start" in err
    assert not out.exists(), "nothing is run or written when one scenario is bad"
    same = tmp_path / "same.toml"
    same.write_text('[scenario]\nname = "stylized"\nextends = "stylized.toml"\n')
    code, _, err = run_cli("publish", a, same, "-n", "2", "-o", out)
    assert code == 2 and "scenario.name" in err and not out.exists()
    assert run_cli("publish", a, "-n", "2", "-o", out, "--quiet")[0] == 0
    code, _, err = run_cli("publish", a, "-n", "2", "-o", out)
    assert code == 2 and "--force" in err
