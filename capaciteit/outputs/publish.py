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
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import xarray as xr

from capaciteit.outputs.folders import RUN_FILES, check_folder, check_parent, plain_file, refused
from capaciteit.outputs.headline import headline
from capaciteit.outputs.index import INDEXES, Entry, index_html, index_markdown
from capaciteit.outputs.names import load_readable
from capaciteit.outputs.write import write_results
from capaciteit.run.runner import simulate, start_stock
from capaciteit.scenario import Scenario


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
    scenarios = [load_readable(p) for p in paths]
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
