"""The index of the published forecasts: ``results/index.html`` and
``results/README.md``, one row per scenario with its answer, linking each run."""

from __future__ import annotations

import html
import subprocess
from dataclasses import dataclass
from pathlib import Path

from capaciteit.outputs.headline import _pct
from capaciteit.version import __version__

#: the runs whose fan charts the Markdown index shows: the current forecast first
FEATURED = ("forecast-2024", "baseline")
#: files of a results folder, in the order the index lists them
LINKS = ("report.html", "workbook.xlsx", "summary.csv", "yearly.csv", "manifest.json")
#: the index files and the text each begins with (how a index of ours is known)
INDEXES = {
    "index.html": "<title>capaciteit: forecast artifacts</title>",
    "README.md": "# Forecast artifacts\n",
}


#: the runs whose fan charts the Markdown index shows: the current forecast first
FEATURED = ("forecast-2024", "baseline")


#: files of a results folder, in the order the index lists them
LINKS = ("report.html", "workbook.xlsx", "summary.csv", "yearly.csv", "manifest.json")


#: the index files and the text each begins with (how a index of ours is known)
INDEXES = {
    "index.html": "<title>capaciteit: forecast artifacts</title>",
    "README.md": "# Forecast artifacts\n",
}


@dataclass
class Entry:
    """What the index says of one scenario run."""

    name: str
    title: str
    file: str
    folder: Path
    start: str
    end: str
    replications: int
    seed: int
    verdict: str
    pool: str
    first_year: int | None
    first_p: float | None
    gap_year: int | None
    gap: float | None
    euros_per_year: float | None
    hashes: dict[str, str]
    wall_s: float
    pools: tuple = ()  # every pool's verdict, binding first
    price_level: int | None = None  # year whose prices the euros are in


def _verdict(e: Entry) -> str:
    if e.verdict in ("likely", "possible"):
        worst = [d for d in e.pools if d["verdict"] == e.verdict] or [
            {"pool": e.pool, "first_year": e.first_year, "first_p": e.first_p}
        ]
        where = ", ".join(f"{d['pool']!r} {d['first_year']} ({_pct(d['first_p'])})" for d in worst)
        return f"{e.verdict} from: {where}"
    return "unlikely in every pool"


def _gap(e: Entry) -> str:
    if e.gap is None:
        return ""
    return f"{e.gap:,.0f} in {e.pool!r} ({e.gap_year})" if e.gap > 0 else "none"


def _euros(e: Entry) -> str:
    if e.euros_per_year is None:
        return ""
    prices = f" ({e.price_level} prices)" if e.price_level else " (price level not given)"
    return f"{e.euros_per_year / 1e6:,.0f}{prices}"


def ignored_by_git(paths: list[Path]) -> set[Path]:
    """Those of ``paths`` that git ignores (not in the repository); none outside git."""
    if not paths:
        return set()
    try:
        res = subprocess.run(
            ["git", "check-ignore", "--stdin"],
            cwd=paths[0].parent,
            input="\n".join(str(p.resolve()) for p in paths),
            capture_output=True,
            text=True,
        )
    except OSError:
        return set()
    if res.returncode not in (0, 1):  # 128: not a git checkout
        return set()
    return {Path(line).resolve() for line in res.stdout.splitlines() if line}


def index_html(entries: list[Entry], root: Path, commit: str, made: str) -> str:
    """A plain, self-contained page linking every scenario's results; files that
    are not in the repository (for size) are marked, so a reader of the
    repository knows why such a link is missing there."""
    esc = html.escape
    files = [e.folder / f for e in entries for f in LINKS if (e.folder / f).exists()]
    local = ignored_by_git(files)
    rows = []
    for e in entries:
        rel = e.folder.relative_to(root) if e.folder.is_relative_to(root) else e.folder
        links = " ".join(
            f'<a href="{esc(str(rel / f))}"'
            + (
                ' class="local" title="written by make forecast; not in the repository"'
                if (e.folder / f).resolve() in local
                else ""
            )
            + f">{esc(f)}</a>"
            for f in LINKS
            if (e.folder / f).exists()
        )
        hashes = "<br>".join(
            f"{esc(f)} <code>{esc(h[:12])}</code>"
            for f, h in e.hashes.items()
            if f.endswith(".csv")
        )
        rows.append(
            "<tr>"
            f'<td id="{esc(e.name)}"><b>{esc(e.name)}</b><br><small>{esc(e.file)}</small></td>'
            f"<td>{esc(e.title)}</td>"
            f"<td>{esc(e.start)} to {esc(e.end)}</td>"
            f"<td>{e.replications:,} / {e.seed}</td>"
            f"<td>{esc(_verdict(e))}</td>"
            f"<td>{esc(_gap(e))}</td>"
            f"<td>{esc(_euros(e))}</td>"
            f"<td>{links}</td>"
            f"<td><small>{hashes}</small></td>"
            "</tr>"
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>capaciteit: forecast artifacts</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 0.4em 0.6em; vertical-align: top; text-align: left; }}
th {{ background: #f0f0f0; }}
code {{ font-size: 0.85em; }}
a.local {{ color: #777; }}
a.local::after {{ content: "*"; }}
</style></head><body>
<h1>capaciteit: forecast artifacts</h1>
<p>Every scenario in <code>scenarios/</code>, run by <code>make forecast</code>
(<code>capaciteit publish</code>). Generated {esc(made)} from commit
<code>{esc(commit)}</code> with capaciteit {esc(__version__)}. The same commit, seed and
number of replications give the same numbers: compare the hashes.</p>
<p><b>Shortage</b>, in the pool of places that binds (places that can take the same
people: the closed regime, each special unit; never the total): the first whole year in
which a shortage day (demand, occupancy plus those who need a place there and lack one,
above the shortage threshold, usable places less the margin) has a probability of at least
50% (<i>likely</i>) or 5% (<i>possible</i>). <b>Places short</b>, in that pool: usable
places needed to keep that yearly risk at or below 5%, less the usable places, in the
whole year that needs most. <b>EUR m/yr</b>: mean yearly cost of the projected occupancy
of all units.</p>
<table>
<tr><th>scenario</th><th>question</th><th>period</th><th>replications / seed</th>
<th>shortage</th><th>places short (year)</th><th>EUR m/yr</th><th>files</th>
<th>sha256 of the summaries</th></tr>
{chr(10).join(rows)}
</table>
<p><small>* Not in the repository, for size (as <code>occupancy.nc</code>, every
replication and day): <code>make forecast</code> writes them.</small></p>
</body></html>
"""


def index_markdown(entries: list[Entry], root: Path, commit: str, made: str) -> str:
    """The same index as Markdown, which a repository browser renders."""
    lines = [
        "# Forecast artifacts",
        "",
        f"Every scenario in `scenarios/`, run by `make forecast` on {made} from commit "
        f"`{commit}` (capaciteit {__version__}). `index.html` is the same list with links; "
        "each folder holds `summary.csv` (monthly), `yearly.csv` and `manifest.json`.",
        "",
        "| scenario | question | period | reps / seed | shortage | places short (year) "
        "| EUR m/yr |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for e in entries:
        rel = e.folder.relative_to(root) if e.folder.is_relative_to(root) else e.folder
        title = e.title.replace("|", "\\|")
        lines.append(
            f"| [{e.name}]({rel}/) | {title} | {e.start} to {e.end} | {e.replications:,} / "
            f"{e.seed} | {_verdict(e)} | {_gap(e)} | {_euros(e)} |"
        )
    featured = sorted(
        (e for e in entries if e.name in FEATURED), key=lambda e: FEATURED.index(e.name)
    )
    for e in featured:
        if (e.folder / "fan.png").exists():
            rel = e.folder.relative_to(root) if e.folder.is_relative_to(root) else e.folder
            lines += ["", f"## {e.name}: {e.title}", "", f"![{e.name}]({rel}/fan.png)"]
    lines += [
        "",
        "Shortage, in the pool of places that binds (never the total): the first whole year "
        "in which a shortage day (demand, occupancy plus those who need a place there and lack "
        "one, above the shortage threshold) has a probability of at least 50% (likely) or 5% "
        "(possible). Places short, in that pool: usable places needed for at most 5% risk a "
        "year, less those available, in the whole year that needs most. EUR m/yr: all units.",
        "",
    ]
    return "\n".join(lines)
