"""``capaciteit compare``, ``publish`` and ``need``: paired scenarios, the
forecast artifacts CI publishes, and the places needed for a risk."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from capaciteit.cli.common import _fail, _named
from capaciteit.cli.fit import _say_if_calibrating
from capaciteit.cli.parser import _scheduler
from capaciteit.cli.run import _backtest_folder
from capaciteit.run.progress import bar


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


def _compare(a: argparse.Namespace) -> int:
    from capaciteit.outputs.folders import MANIFEST, check_folder, staged
    from capaciteit.outputs.names import load_readable
    from capaciteit.outputs.write import write_manifest
    from capaciteit.run.compare import check_pairable, compare
    from capaciteit.run.runner import default_workers, executor, start_stock

    base = load_readable(a.base)
    alts = [load_readable(p) for p in a.alternatives]
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
        write_compare_report(
            tables,
            base.name,
            tmp / "report.html",
            titles=questions,
            labels={k: v for sc in (*alts, base) for k, v in sc.unit_labels().items()},
            **common,
        )
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
    from capaciteit.outputs.folders import NEED_COLUMNS, check_file
    from capaciteit.outputs.names import load_readable
    from capaciteit.run.results import pools
    from capaciteit.run.runner import default_workers, simulate, start_stock

    if not 0 < a.risk < 1:
        return _fail([f"capaciteit need: --risk {a.risk}: must be between 0 and 1"])
    sc = load_readable(a.scenario)
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
