"""The ``capaciteit`` command line.

Exit codes: 0 success, 2 bad input (usage, scenario, data), 1 internal error.
Bad input prints one line per problem on stderr, never a traceback, and never
leaves a partial results folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

import numpy as np

from capaciteit import __version__
from capaciteit.errors import InputError, ScenarioError, ScenarioWarning, one_line
from capaciteit.run.progress import bar
from capaciteit.scenario import MAX_REPLICATIONS, MAX_SEED

NOT_YET: dict[str, str] = {}
_python_show_warning = warnings.showwarning
BASELINE = Path("scenarios/baseline.toml")
BACKTEST = Path("results/backtest")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors are bad input: exit 2, one line
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def _seed(text: str) -> int:
    """A --seed value: in the scenario file's range, checked before any work."""
    v = _whole(text)
    if not 0 <= v <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{v} is outside 0..{MAX_SEED}")
    return v


def _replications(text: str) -> int:
    """A -n value; the lower bound each command needs is checked by the command."""
    v = _whole(text)
    if v > MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(f"{v} is more than {MAX_REPLICATIONS:,}")
    return v


def _dask_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--dask", action="store_true", help="run on a local Dask cluster of --workers processes"
    )
    g.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask scheduler, tcp://host:port",
    )


def _scheduler(a: argparse.Namespace):
    return "dask" if a.dask else a.scheduler


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="capaciteit", description="Dutch prison capacity model.")
    p.add_argument("--version", action="version", version=f"capaciteit {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    r = sub.add_parser("run", help="run a scenario and write its results folder")
    r.add_argument("scenario", type=Path)
    r.add_argument("-n", "--replications", type=_replications, default=None)
    r.add_argument("--seed", type=_seed, default=None)
    r.add_argument("-o", "--out", type=Path, default=None, help="default: results/<name>/")
    r.add_argument("--workers", type=int, default=None, help="local processes (default: cores)")
    _dask_flags(r)
    r.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run from its replications on disk",
    )
    r.add_argument(
        "--store",
        type=Path,
        default=None,
        metavar="DIR",
        help="keep the replications in this zarr store, and keep it after the run (default: a "
        "hidden folder beside the results, removed once they are written)",
    )
    r.add_argument(
        "--force",
        action="store_true",
        help="replace a results folder (or start over a store) that capaciteit wrote",
    )
    r.add_argument("--quiet", action="store_true", help="no progress or summary output")
    r.add_argument("--lang", choices=("nl", "en"), default="nl", help="report language")
    r.add_argument(
        "--backtest",
        type=Path,
        default=BACKTEST,
        help=f"back-test folder whose scores the report shows (default: {BACKTEST})",
    )
    u = sub.add_parser("publish", help="run every scenario given and write an index of results")
    u.add_argument("scenarios", type=Path, nargs="+")
    u.add_argument(
        "-n", "--replications", type=_replications, default=None, help="default: each scenario's"
    )
    u.add_argument("-o", "--out", type=Path, default=Path("results"))
    u.add_argument("--workers", type=int, default=None)
    u.add_argument(
        "--force", action="store_true", help="replace results folders that capaciteit wrote"
    )
    u.add_argument("--quiet", action="store_true")
    u.add_argument("--lang", choices=("nl", "en"), default="nl", help="report language")
    u.add_argument("--backtest", type=Path, default=BACKTEST)
    v = sub.add_parser("validate", help="check scenario files")
    v.add_argument("scenarios", type=Path, nargs="+")
    c = sub.add_parser("calibrate", help="fit rates, stays and the inflow forecast to the data")
    c.add_argument("scenarios", type=Path, nargs="*", default=[BASELINE])
    c.add_argument(
        "-o",
        "--out",
        type=Path,
        default=None,
        help="file to write (default: the scenario's inflow.file)",
    )
    c.add_argument("--quiet", action="store_true")
    b = sub.add_parser("backtest", help="score the whole chain from rolling origins")
    b.add_argument("scenario", type=Path, nargs="?", default=BASELINE)
    b.add_argument("--origins", default="2010-2019", help="years, e.g. 2010-2019 or 2012,2016")
    b.add_argument("-n", "--replications", type=_replications, default=200)
    b.add_argument("--seed", type=_seed, default=1)
    b.add_argument("-o", "--out", type=Path, default=Path("results/backtest"))
    b.add_argument("--workers", type=int, default=None)
    b.add_argument(
        "--force", action="store_true", help="replace a back-test folder that capaciteit wrote"
    )
    b.add_argument("--quiet", action="store_true")
    m = sub.add_parser("compare", help="paired differences of scenarios against a base")
    m.add_argument("base", type=Path)
    m.add_argument("alternatives", type=Path, nargs="+")
    m.add_argument("-n", "--replications", type=_replications, default=None)
    m.add_argument("--seed", type=_seed, default=None)
    m.add_argument("-o", "--out", type=Path, default=None, help="default: results/compare/")
    m.add_argument("--workers", type=int, default=None)
    _dask_flags(m)
    m.add_argument(
        "--force", action="store_true", help="replace a compare folder that capaciteit wrote"
    )
    m.add_argument("--quiet", action="store_true")
    m.add_argument("--lang", choices=("nl", "en"), default="nl", help="report language")
    d = sub.add_parser("need", help="capacity needed for a risk of a shortage day per year")
    d.add_argument("scenario", type=Path)
    d.add_argument("--risk", type=float, default=0.05)
    d.add_argument("-n", "--replications", type=_replications, default=None)
    d.add_argument("--seed", type=_seed, default=None)
    d.add_argument("-o", "--out", type=Path, default=None, help="default: results/<name>/need.csv")
    d.add_argument("--workers", type=int, default=None)
    _dask_flags(d)
    d.add_argument(
        "--force", action="store_true", help="replace a need table that capaciteit wrote"
    )
    d.add_argument("--quiet", action="store_true")
    for name, what in NOT_YET.items():
        q = sub.add_parser(name, help=f"{what}: not in this version yet")
        q.add_argument("args", nargs="*")
    return p


def _fail(lines: list[str], code: int = 2) -> int:
    for line in lines:
        print(line, file=sys.stderr)
    return code


def _named(path: Path) -> Path:
    """``path`` with a last component that names it (``.`` and ``..`` made absolute),
    so that the folders beside it (temporary, partial store) are beside it."""
    return Path(os.path.abspath(path)) if path.name in ("", "..") else path


def _run(a: argparse.Namespace) -> int:
    from capaciteit.outputs.write import RUN_FILES, check_folder, write_results
    from capaciteit.run.runner import default_workers, fill_store, prepare
    from capaciteit.run.store import ReplicationStore
    from capaciteit.scenario import load_scenario

    if a.replications is not None and a.replications < 1:
        return _fail(["capaciteit run: --replications must be >= 1"])
    if a.workers is not None and a.workers < 1:
        return _fail(["capaciteit run: --workers must be >= 1"])
    sc = load_scenario(a.scenario)
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
    from capaciteit.run.results import demand, limit, pools

    h = headline(ds)
    tot = ds["occupancy"].sel(unit="total")
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
        q = np.quantile(tot.sel(time=when).values, [0.1, 0.5, 0.9])
        text = f"  {str(when)[:10]}: in cells P50 {q[1]:,.0f} (P10-P90 {q[0]:,.0f}-{q[2]:,.0f})"
        if pool is not None:
            i = times.index(when)
            d = np.quantile(wanted[:, i], [0.5, 0.9])
            text += (
                f"; {pool!r} demand P50 {d[0]:,.0f} (P90 {d[1]:,.0f}) "
                f"for {float(places[i]):,.0f} usable places"
            )
        lines.append(text)
    lines += answer_lines(h)
    return lines


def _compare_lines(
    table, base: str, alt: str, base_title, alt_title, price_level: int | None = None
) -> list[str]:
    """The paired differences a planner reads: per year the total's occupancy,
    those lacking a place, those waiting (the call-up list, police cells and
    wings), the cost (and, with re-entry, the returns), then each
    pool's shortage probability (percentage points); a partial year is marked."""
    prices = f"{price_level} prices" if price_level else "price level not given"
    lines = [f"{alt} - {base}: paired differences (same random numbers; euros in {prices})"]
    for who, title in ((base, base_title), (alt, alt_title)):
        if title:
            lines.append(f"  {who}: {title}")

    def cell(rows, metric: str, fmt: str, scale: float = 1.0) -> str:
        r = rows[rows["metric"] == metric].iloc[0]
        d, lo, hi = (r[k] * scale for k in ("difference", "low", "high"))
        return f"{fmt.format(d)} [{fmt.format(lo)}, {fmt.format(hi)}]"

    pool_names = list(dict.fromkeys(table.loc[table["pool"], "unit"].astype(str)))
    for year in sorted(table["year"].unique()):
        rows = table[table["year"] == year]
        days = int(rows["days"].iloc[0])
        mark = f" (partial: {days} days)" if days < 365 else ""
        tot = rows[rows["unit"] == "total"]
        parts = [
            f"occupancy {cell(tot, 'occupancy_mean', '{:+,.0f}')}",
            f"lacking a place {cell(tot, 'unplaced_mean', '{:+,.0f}')}",
            f"waiting {cell(tot, 'waiting_mean', '{:+,.0f}')}",
            f"EUR {cell(tot, 'euros', '{:+,.1f}', 1e-6)} M",
        ]
        if (tot["metric"] == "returns").any():  # both scenarios have re-entry
            parts.append(f"returns {cell(tot, 'returns', '{:+,.0f}')}")
        lines.append(f"  {year}{mark}: total " + "; ".join(parts))
        short = [
            f"{p} {cell(rows[rows['unit'] == p], 'shortage', '{:+.0f}', 100)}" for p in pool_names
        ]
        if short:
            lines.append("      shortage probability, points: " + "; ".join(short))
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


def _validate(a: argparse.Namespace) -> int:
    from capaciteit.run.runner import prepare
    from capaciteit.scenario import load_scenario

    lines: list[str] = []
    for path in a.scenarios:
        try:
            sc = load_scenario(path)
            if _needs_fit(sc):  # a check is no fit: minutes, and thrown away
                prepare(sc, fit=False)  # the rest of what a run checks, and its warnings
                print(
                    f"{path}: ok; no current calibration file: a run fits one on the data "
                    f"published by {sc.forecast.origin} first (a few minutes), "
                    f"`capaciteit calibrate {path}` writes it once"
                )
            else:
                prepare(sc)  # what a run checks before any work, and its warnings
                print(f"{path}: ok")
        except InputError as e:
            lines += e.lines()
    return _fail(lines) if lines else 0


def _needs_fit(sc) -> bool:
    """Whether a run of ``sc`` calibrates in memory first (no current file);
    False where its input is bad (said alone, on one line, by the command)."""
    from capaciteit.calibrate.calibration import stored
    from capaciteit.data.history import observed_stock_near
    from capaciteit.run.runner import calibration_path, start_stock

    if not sc.inflow.calibrate or sc.forecast.origin is None:
        return False
    try:
        start_stock(sc)
        observed_stock_near(sc.forecast.origin, origin=sc.forecast.origin)
        return stored(sc, calibration_path(sc)) is None
    except (InputError, ValueError):
        return False


def _say_if_calibrating(sc, path) -> None:
    """A fit in memory takes minutes (the band's earlier origins are simulated):
    say so before the wait, and how to keep the fit."""
    if _needs_fit(sc):
        print(
            f"{path}: no current calibration file; calibrating on the data published by "
            f"{sc.forecast.origin} (a few minutes; `capaciteit calibrate {path}` "
            "writes it for the next run)",
            file=sys.stderr,
        )


def _calibrate(a: argparse.Namespace) -> int:
    from capaciteit.calibrate.calibration import calibrate
    from capaciteit.run.runner import calibration_path
    from capaciteit.scenario import load_scenario

    if a.out is not None and len(a.scenarios) > 1:
        return _fail(["capaciteit calibrate: -o/--out takes one scenario"])
    for path in a.scenarios:
        sc = load_scenario(path)
        out = a.out or calibration_path(sc)
        if out is None:
            return _fail([f"{path}: inflow.file: not set; give -o FILE to say where to write"])
        if sc.forecast.origin is None:
            return _fail([f"{path}: forecast.origin: required to calibrate"])
        other = _calibrated_for(out) if a.out is None else None
        if other is not None and other != sc.name:
            # inflow.file came from the scenario this one extends: that file is its
            return _fail(
                [
                    f"{path}: inflow.file: {out} holds the calibration of {other!r}; "
                    "give -o FILE (and inflow.file) for this scenario's own"
                ]
            )
        cal = calibrate(sc)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_text(cal.to_json())
        tmp.replace(out)
        if not a.quiet:
            _print_calibration(sc, cal, out)
    return 0


def _calibrated_for(path: Path) -> str | None:
    """The scenario a calibration file was written for (None: no such file)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data.get("scenario") if isinstance(data, dict) else None


def _print_calibration(sc, cal, out: Path) -> None:
    print(f"{sc.name}: calibrated on data published by {cal.origin} -> {out}")
    inf = cal.inflow
    print(
        f"  inflow {inf['year']}: {inf['total']:,.0f} a year (reconstructed), composition of "
        f"{inf['composition_year']}"
    )
    scores = ", ".join(f"{k} {v:.4f}" for k, v in cal.forecast["scores"].items())
    print(f"  inflow model: {cal.forecast['model']}")
    print(
        "    (each replication draws one candidate by its weight, 1 / its error on earlier "
        "origins; its spread widens the candidate's shocks by how far its earlier errors "
        "exceeded what it said, never narrower; the band widens them all by how far the "
        "whole model's forecasts from earlier origins missed; docs/calibration.md section 4)"
    )
    print(f"    (rolling-origin CRPS, log stock: {scores})")
    dem = cal.demand or {}
    if dem.get("full"):
        print(
            f"  the stock of {dem['date']} ({dem['observed_stock']:,.0f}) was counted while the "
            f"prisons were full: stays fitted to demand {dem['fitted_to']:,.0f}"
        )
        print(f"    {dem['derivation'] or 'hidden demand not published: the stock as counted'}")
    print("  stays fitted to (target -> fitted):")
    for t in cal.stays["targets"]:
        print(f"    {t['name']:32s} {t['target']:>10.4g} -> {t['fitted']:<10.4g} {t['source']}")
    p = cal.stays["parameters"]
    print("  parameters: " + ", ".join(f"{k} {v:.3f}" for k, v in p.items()))


def _origins(text: str) -> list[int]:
    if "-" in text:
        lo, hi = (int(x) for x in text.split("-", 1))
        return list(range(lo, hi + 1))
    return [int(x) for x in text.split(",") if x.strip()]


def _backtest(a: argparse.Namespace) -> int:
    from capaciteit.calibrate import backtest
    from capaciteit.outputs import pmj
    from capaciteit.outputs.write import BACKTEST_FILES, check_folder, staged
    from capaciteit.run.runner import default_workers
    from capaciteit.scenario import load_scenario

    try:
        origins = _origins(a.origins)
    except ValueError:
        return _fail([f"capaciteit backtest: --origins {a.origins!r}: years like 2010-2019"])
    last = max(o.date.year for o in __import__("capaciteit.data.history").history.load_stock())
    bad = [y for y in origins if not 2006 <= y < last]
    if bad or not origins:
        return _fail(
            [
                f"capaciteit backtest: --origins: each year must be in 2006-{last - 1} "
                f"(data: 2005-{last})"
            ]
        )
    if a.replications < 2:
        return _fail(["capaciteit backtest: --replications must be >= 2"])
    out = _named(a.out)
    check_folder(out, force=a.force, writes=BACKTEST_FILES)  # before any work
    base = load_scenario(a.scenario)
    prog = bar(f"back-test {base.name}", a.quiet)
    table, fans = backtest.run(
        base, origins, a.replications, a.seed, workers=a.workers or default_workers(), progress=prog
    )
    summ = backtest.summary(table)
    known = backtest.vintage(base, origins)  # the runs' calibrations, memoized
    with staged(out) as tmp:
        table.to_csv(tmp / "backtest.csv", index=False, float_format="%.4f")
        summ.to_csv(tmp / "summary.csv", index_label="horizon", float_format="%.4f")
        known.to_csv(tmp / "vintage.csv", index=False)
        pmj.score(base.pmj).to_csv(tmp / "pmj.csv", index=False, float_format="%.4f")
        backtest.figure(fans, tmp / "backtest.png")
    if not a.quiet:
        print(
            f"back-test of {base.name} from {origins[0]}-{origins[-1]}, "
            f"{a.replications} replications each -> {out}/"
        )
        with __import__("pandas").option_context("display.width", 120):
            print(summ.round(3).to_string())
    return 0


def _compare(a: argparse.Namespace) -> int:
    from capaciteit.outputs.write import MANIFEST, check_folder, staged, write_manifest
    from capaciteit.run.compare import check_pairable, compare
    from capaciteit.run.runner import default_workers, executor, start_stock
    from capaciteit.scenario import load_scenario

    base = load_scenario(a.base)
    alts = [load_scenario(p) for p in a.alternatives]
    for sc, path in zip((base, *alts), (a.base, *a.alternatives), strict=True):
        start_stock(sc)  # bad input before any work
        _say_if_calibrating(sc, path)
    check_pairable(base, alts)
    if a.replications is not None and a.replications < 2:
        return _fail(["capaciteit compare: --replications must be >= 2"])
    out = _named(a.out or Path("results") / "compare")
    tables_csv = [f"{base.name}-vs-{alt.name}.csv" for alt in alts]
    writes = [*tables_csv, "report.html", "workbook.xlsx", MANIFEST]
    check_folder(out, force=a.force, writes=writes)  # before any work
    n = a.replications or base.scenario.replications
    seed = base.scenario.seed if a.seed is None else a.seed
    workers = a.workers or default_workers()
    out.parent.mkdir(parents=True, exist_ok=True)
    with (
        executor(_scheduler(a), workers) as ex,  # one cluster for every scenario
        tempfile.TemporaryDirectory(prefix=f".{out.name}-store-", dir=out.parent) as store,
    ):
        tables = compare(
            base,
            alts,
            n,
            seed,
            workers=workers,
            progress=lambda name: bar(name, a.quiet),
            scheduler=ex,
            store=Path(store),
        )
    from capaciteit.outputs.report import write_compare_report
    from capaciteit.outputs.workbook import write_compare_workbook

    with staged(out) as tmp:
        for name, table in tables.items():
            table.to_csv(tmp / f"{base.name}-vs-{name}.csv", index=False, float_format="%.4f")
        common = {"n": n, "seed": seed, "lang": a.lang, "price_level": base.costs.price_level}
        questions = {sc.name: sc.scenario.title for sc in (base, *alts) if sc.scenario.title}
        write_compare_report(tables, base.name, tmp / "report.html", titles=questions, **common)
        write_compare_workbook(tables, base.name, tmp / "workbook.xlsx", titles=questions, **common)
        write_manifest(
            tmp,
            {
                "command": "compare",
                "base": base.name,
                "alternatives": [alt.name for alt in alts],
                "scenario_files": [str(a.base), *map(str, a.alternatives)],
                "seed": seed,
                "replications": n,
            },
        )
    if not a.quiet:
        titles = {alt.name: alt.scenario.title for alt in alts}
        for name, table in tables.items():
            for line in _compare_lines(
                table, base.name, name, base.scenario.title, titles[name], base.costs.price_level
            ):
                print(line)
            print(
                f"  ({n} replications, seed {seed}; 95% intervals of the difference over the "
                f"replications, not of the scenarios' assumptions) -> {out}/"
            )
    return 0


def _publish(a: argparse.Namespace) -> int:
    from capaciteit.outputs.publish import publish
    from capaciteit.run.runner import default_workers

    if a.replications is not None and a.replications < 1:
        return _fail(["capaciteit publish: --replications must be >= 1"])
    index = publish(  # checks every scenario and what it would replace before any run
        list(a.scenarios),
        _named(a.out),
        replications=a.replications,
        workers=a.workers or default_workers(),
        progress=lambda name: bar(name, a.quiet),
        log=None if a.quiet else print,
        lang=a.lang,
        backtest=lambda sc: _backtest_folder(sc, a.backtest),
        force=a.force,
    )
    if not a.quiet:
        print(f"index -> {index}")
    return 0


def _need(a: argparse.Namespace) -> int:
    from capaciteit.outputs.capacity import need
    from capaciteit.outputs.write import NEED_COLUMNS, check_file
    from capaciteit.run.results import pools
    from capaciteit.run.runner import default_workers, simulate, start_stock
    from capaciteit.scenario import load_scenario

    if not 0 < a.risk < 1:
        return _fail([f"capaciteit need: --risk {a.risk}: must be between 0 and 1"])
    sc = load_scenario(a.scenario)
    start_stock(sc)
    _say_if_calibrating(sc, a.scenario)
    n = a.replications or sc.scenario.replications
    if n < 2:
        return _fail(["capaciteit need: --replications must be >= 2"])
    workers = a.workers or default_workers()
    out = a.out or Path("results") / sc.name / "need.csv"
    check_file(out, force=a.force, columns=NEED_COLUMNS, what="need table")  # before any work
    out.parent.mkdir(parents=True, exist_ok=True)
    # replications on disk while the peaks are taken: memory stays bounded
    with tempfile.TemporaryDirectory(prefix=f".{out.name}-store-", dir=out.parent) as store:
        ds = simulate(
            sc,
            replications=n,
            seed=a.seed,
            workers=workers,
            progress=bar(sc.name, a.quiet),
            scheduler=_scheduler(a),
            store=Path(store) / "replications",
        )
        table = need(ds, a.risk)
        pool_names = list(pools(ds))
        ds.close()
    tmp = out.with_name(f".{out.name}.tmp")
    table.to_csv(tmp, index=False, float_format="%.6g")
    tmp.replace(out)
    if not a.quiet:
        print(
            f"{sc.name}: usable places needed for at most {a.risk:.0%} chance of a shortage "
            f"day in the year ({n} replications; 90% interval) -> {out}"
        )

        def bound(x: float) -> str:  # NaN: too few replications for that bound
            return f"{x:,.0f}" if np.isfinite(x) else "open"

        for p in pool_names:  # per pool: the total is no place to put someone
            print(f"  pool {p!r}:")
            for _, r in table[table["unit"] == p].iterrows():
                print(
                    f"    {r['year']}: {r['needed']:,.0f} [{bound(r['needed_low'])}-"
                    f"{bound(r['needed_high'])}], now {r['current']:,.0f}, gap {r['gap']:+,.0f}"
                )
    return 0


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A scenario warning is one line, ``warning: FILE: key: text``, not Python's
    two-line ``file:line: Category: text`` with a source line the user never wrote."""
    if issubclass(category, ScenarioWarning):
        print(f"warning: {one_line(str(message))}", file=file or sys.stderr)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


def main(argv: list[str] | None = None) -> int:
    try:
        a = _parser().parse_args(argv)
    except SystemExit as e:  # usage errors (2), --help and --version (0)
        return int(e.code or 0)
    with warnings.catch_warnings():  # restored after: main() is also called in-process
        warnings.simplefilter("always", ScenarioWarning)  # each command shows its own
        warnings.showwarning = _show_warning
        return _main(a)


def _main(a: argparse.Namespace) -> int:
    try:
        if a.command == "run":
            return _run(a)
        if a.command == "validate":
            return _validate(a)
        if a.command == "compare":
            return _compare(a)
        if a.command == "publish":
            return _publish(a)
        if a.command == "need":
            return _need(a)
        if a.command == "calibrate":
            return _calibrate(a)
        if a.command == "backtest":
            return _backtest(a)
        return _fail([f"capaciteit {a.command}: {NOT_YET[a.command]} is not in this version yet"])
    except ScenarioError as e:
        return _fail(e.lines())
    except InputError as e:
        return _fail(e.lines())
    except KeyboardInterrupt:
        return _fail(["capaciteit: interrupted; nothing was written"], 130)
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception:  # an internal error: say so, with the traceback for the report
        traceback.print_exc()
        return _fail(
            ["capaciteit: internal error (a bug); please report it with the lines above"], 1
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
