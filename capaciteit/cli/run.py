"""``capaciteit run``: a scenario's replications through the on-disk store into a
results folder, written whole or not at all, and the answer printed after it."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from capaciteit.cli.common import _fail, _named
from capaciteit.cli.fit import _say_if_calibrating
from capaciteit.cli.parser import _scheduler
from capaciteit.run.progress import bar


def _run(a: argparse.Namespace) -> int:
    from capaciteit.outputs.folders import RUN_FILES, check_folder
    from capaciteit.outputs.names import load_readable
    from capaciteit.outputs.write import write_results
    from capaciteit.run.runner import default_workers, fill_store, prepare
    from capaciteit.run.store import ReplicationStore

    if a.replications is not None and a.replications < 1:
        return _fail(["capaciteit run: --replications must be >= 1"])
    if a.workers is not None and a.workers < 1:
        return _fail(["capaciteit run: --workers must be >= 1"])
    sc = load_readable(a.scenario)
    out = _named(a.out if a.out is not None else Path("results") / sc.name)
    check_folder(out, force=a.force, writes=RUN_FILES)  # before any work
    n = a.replications if a.replications is not None else sc.scenario.replications
    seed = a.seed if a.seed is not None else sc.scenario.seed
    workers = a.workers or default_workers()
    scheduler = _scheduler(a)
    if a.store is not None:
        where, folder = Path(os.path.abspath(a.store)), Path(os.path.abspath(out))
        if where == folder or folder in where.parents:
            return _fail([f"{a.store}: --store must be outside the results folder {out}"])
    _say_if_calibrating(sc, a.scenario)
    model, info = prepare(sc)  # bad input (start stock, calibration) before any work
    # the replications go to disk as they finish, beside the results folder, so
    # memory stays bounded and an interrupted run can be resumed
    partial = a.store if a.store is not None else out.parent / f".{out.name}.partial"
    st = ReplicationStore.open(
        partial,
        scenario_hash=sc.content_hash or "",
        seed=seed,
        replications=n,
        resume=a.resume,
        replace=a.force,
    )
    kept = int(st.done().sum())
    t0 = time.monotonic()
    try:
        fill_store(
            st,
            model,
            seed,
            info,
            workers=workers,
            progress=bar(sc.name, a.quiet),
            scheduler=scheduler,
        )
    except KeyboardInterrupt:
        print(
            f"interrupted: {st.progress()} replications kept in {partial}; "
            "run the same command with --resume to continue",
            file=sys.stderr,
        )
        return 130
    except BaseException:
        if not st.done().any() and a.store is None:
            _remove_store(st, partial, quiet=True)  # nothing worth keeping
        raise
    wall = time.monotonic() - t0
    ds = st.dataset()
    executor = (
        "dask LocalCluster"
        if a.dask
        else f"dask scheduler {a.scheduler}"
        if a.scheduler
        else "local processes"
    )
    from capaciteit.run.results import reuse

    # the yearly and monthly reductions are read once from the store, for the
    # files and for the lines printed after them
    with reuse(ds):
        try:
            write_results(
                ds,
                out,
                sc.to_dict(),
                {
                    "scenario_file": str(a.scenario),
                    "wall_time_s": round(wall, 3),
                    "workers": workers,
                    "executor": executor,
                    "resumed_replications": kept,
                },
                scenario=sc,
                lang=a.lang,
                backtest=_backtest_folder(sc, a.backtest),
            )
        except KeyboardInterrupt:  # the store is whole: --resume only writes the folder
            ds.close()
            print(
                f"interrupted while writing the results: {st.progress()} replications kept in "
                f"{partial}; run the same command with --resume to write them",
                file=sys.stderr,
            )
            return 130
        except BaseException:
            ds.close()
            raise
        # the results folder is complete: a hidden store goes before anything is
        # printed, so a reader that stops reading (`| head`) cannot leave it behind
        try:
            lines = [] if a.quiet else _run_summary(ds, sc.name, n, kept, wall, out)
        except KeyboardInterrupt:
            print(f"interrupted; the results are complete in {out}/", file=sys.stderr)
            return 130
        finally:
            ds.close()
            if a.store is None:
                _remove_store(st, partial)
    for line in lines:
        print(line)
    return 0


def _run_summary(ds, name: str, n: int, kept: int, wall: float, out: Path) -> list[str]:
    from capaciteit.outputs.headline import answer_lines, headline
    from capaciteit.run.results import demand, limit, pools, read

    h = headline(ds)
    tot = read(ds["occupancy"].sel(unit="total"))  # (replication, time), read once
    resumed = f" ({kept:,} from the interrupted run)" if kept else ""
    lines = [f"{name}: {n} replications{resumed} in {wall:.1f} s -> {out}/"]
    picks, every = _checkpoints(ds)
    if every > 1:
        lines.append(f"  every {every} years shown; all years in yearly.csv")
    pool = h.unit if h.unit in pools(ds) else None
    if pool is not None:  # the binding pool's demand against its own places
        wanted = demand(ds, pool)
        places = limit(ds, "capacity", pool)
    times = list(ds["time"].values)
    for when in picks:
        i = times.index(when)
        q = np.quantile(tot[:, i], [0.1, 0.5, 0.9])
        text = f"  {str(when)[:10]}: in cells P50 {q[1]:,.0f} (P10-P90 {q[0]:,.0f}-{q[2]:,.0f})"
        if pool is not None:
            d = np.quantile(wanted[:, i], [0.5, 0.9])
            text += (
                f"; {pool!r} demand P50 {d[0]:,.0f} (P90 {d[1]:,.0f}) "
                f"for {float(places[i]):,.0f} usable places"
            )
        lines.append(text)
    lines += answer_lines(h)
    return lines


def _remove_store(st, partial: Path, quiet: bool = False) -> None:
    """Remove a run's hidden store; a failure is said (one line), not fatal."""
    try:
        st.remove()
    except OSError as e:
        if not quiet:
            print(
                f"warning: {partial}: the replications store could not be removed "
                f"({e.strerror}); remove it yourself",
                file=sys.stderr,
            )


def _backtest_folder(sc, folder: Path | None) -> Path | None:
    """The back-test scores belong in the report of a calibrated forecast only."""
    if folder is None or not sc.inflow.calibrate:
        return None
    return folder if (folder / "summary.csv").is_file() else None


def _checkpoints(ds) -> tuple[list, int]:
    """The 30 Septembers of the run (the CBS count's day), at most 12: a longer
    run shows every second (third, ...) one and its last; and that step."""
    times = ds["time"].values
    picks = [t for t in times if str(t)[5:10] == "09-30"] or [times[0], times[-1]]
    every = -(-len(picks) // 12)
    shown = picks[::every]
    if shown[-1] != picks[-1]:
        shown = [*shown[: 11 if len(shown) >= 12 else len(shown)], picks[-1]]
    return shown, every
