"""The forecast artifacts CI publishes: every scenario run into ``results/<name>/``
and an index that links them, with the commit, seeds and content hashes.

``make forecast`` calls ``capaciteit publish scenarios/*.toml``. Each scenario
runs with its own seed and number of replications (or ``-n``), so the same
commit gives the same numbers: the index lists the sha256 of each summary, and
two runs of one commit give the same hashes. Every file is written into place
atomically; the index is written last, so it never links a folder that is not
there.

Before any scenario runs, everything the command would replace is checked
(:func:`check_publish`): each ``root/<name>/`` by the rules of
:mod:`capaciteit.outputs.write`, and ``root/index.html`` and ``root/README.md`` must be
indexes this command wrote. Other files in ``root`` are never touched.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from capaciteit import __version__
from capaciteit.outputs.folders import RUN_FILES, check_folder, check_parent, plain_file, refused
from capaciteit.outputs.headline import _pct, headline
from capaciteit.outputs.write import write_results
from capaciteit.run.runner import simulate, start_stock
from capaciteit.scenario import Scenario, load_scenario

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


def run_scenario(
    sc: Scenario,
    out: Path,
    *,
    scenario_file: str,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    **write: object,
) -> tuple[xr.Dataset, list[Path], float]:
    """Simulate a scenario and write its results folder; returns the dataset,
    the files written and the wall time of the simulation."""
    t0 = time.monotonic()
    ds = simulate(sc, replications=replications, seed=seed, workers=workers, progress=progress)
    wall = time.monotonic() - t0
    extra = {"scenario_file": scenario_file, "wall_time_s": round(wall, 3), "workers": workers}
    files = write_results(ds, out, sc.to_dict(), extra, **write)  # type: ignore[arg-type]
    return ds, files, wall


def git_commit(where: Path) -> str:
    """The commit of the code the results come from, with ``+changes`` when its
    tree is dirty; ``unknown`` for an installed package outside a checkout."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            # the code's state: results/ is what this command rewrites
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ":(top)",
                ":(top,exclude)results/",
            ],
            cwd=where,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def _ours(path: Path) -> bool:
    """Whether an index file was written by this command (by how it begins)."""
    if not plain_file(path):
        return False
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            head = f.read(2000)
    except OSError:
        return False
    return INDEXES[path.name] in head and "capaciteit" in head


def check_publish(root: Path, names: list[str], *, force: bool) -> None:
    """Whether ``publish`` may write into ``root``; raises InputError (one line)
    when not. ``root`` is absent or a folder; each ``root/<name>/`` is absent,
    empty or (with ``force``) a results folder capaciteit wrote; ``index.html``
    and ``README.md`` are absent or indexes this command wrote (replaced with or
    without ``force``, as they list what the run published)."""
    root = Path(root)
    hint = "choose another -o or remove it yourself"
    check_parent(root)
    if os.path.lexists(root) and not root.is_dir():
        raise refused(root, f"is a file, not a folder of results; {hint}")
    for name in INDEXES:
        if os.path.lexists(root / name) and not _ours(root / name):
            raise refused(root / name, f"is not an index written by capaciteit publish; {hint}")
    for name in names:
        check_folder(root / name, force=force, writes=RUN_FILES)


def publish(
    paths: list[Path],
    root: Path,
    *,
    replications: int | None = None,
    workers: int = 1,
    progress: Callable[[str], Callable[[int, int], None] | None] | None = None,
    log: Callable[[str], None] | None = None,
    lang: str = "nl",
    backtest: Callable[[Scenario], Path | None] | None = None,
    force: bool = False,
) -> Path:
    """Run every scenario into ``root/<name>/`` and write ``root/index.html`` and
    ``root/README.md``. All scenarios, and what would be replaced
    (:func:`check_publish`; an existing results folder only with ``force``), are
    checked before any is run."""
    scenarios = [load_scenario(p) for p in paths]
    names = [sc.name for sc in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        from capaciteit.errors import ScenarioError

        raise ScenarioError(
            [
                (str(p), "scenario.name", f"{sc.name!r} is used by another scenario")
                for p, sc in zip(paths, scenarios, strict=True)
                if sc.name in dup
            ]
        )
    for sc in scenarios:
        start_stock(sc)  # bad input before any work
    check_publish(root, names, force=force)
    # the code's commit, taken before this run rewrites the committed results
    commit = git_commit(Path(__file__).resolve().parent)
    entries = []
    for path, sc in zip(paths, scenarios, strict=True):
        out = root / sc.name
        cb = progress(sc.name) if progress else None
        ds, _, wall = run_scenario(
            sc,
            out,
            scenario_file=str(path),
            replications=replications,
            workers=workers,
            progress=cb,
            scenario=sc,
            lang=lang,
            backtest=backtest(sc) if backtest else None,
        )
        h = headline(ds)
        manifest = json.loads((out / "manifest.json").read_text())
        entries.append(
            Entry(
                name=sc.name,
                title=sc.scenario.title or "",
                file=str(path),
                folder=out,
                start=h.start.isoformat(),
                end=h.end.isoformat(),
                replications=h.replications,
                seed=h.seed,
                verdict=h.verdict,
                pool=h.unit,
                first_year=h.first_year,
                first_p=h.first_p,
                gap_year=h.gap_year,
                gap=h.gap,
                euros_per_year=h.euros_per_year,
                pools=h.pools,
                price_level=h.price_level,
                hashes=manifest["outputs"],
                wall_s=wall,
            )
        )
        if log:
            log(f"{sc.name}: {h.replications} replications in {wall:.1f} s -> {out}/")
        del ds
    made = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    _atomic_write(root / "index.html", index_html(entries, root, commit, made))
    _atomic_write(root / "README.md", index_markdown(entries, root, commit, made))
    return root / "index.html"


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
