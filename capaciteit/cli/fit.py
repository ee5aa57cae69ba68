"""``capaciteit validate``, ``calibrate`` and ``backtest``: checking a scenario,
fitting its calibration once, and scoring the whole chain on real history."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from capaciteit.cli.common import _fail, _named
from capaciteit.cli.parser import _origins
from capaciteit.errors import InputError
from capaciteit.run.progress import bar


def _validate(a: argparse.Namespace) -> int:
    from capaciteit.outputs.names import load_readable
    from capaciteit.run.runner import prepare

    lines: list[str] = []
    for path in a.scenarios:
        try:
            sc = load_readable(path)
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
    from capaciteit.outputs.names import load_readable
    from capaciteit.run.runner import calibration_path

    if a.out is not None and len(a.scenarios) > 1:
        return _fail(["capaciteit calibrate: -o/--out takes one scenario"])
    for path in a.scenarios:
        sc = load_readable(path)
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


def _backtest(a: argparse.Namespace) -> int:
    import pandas as pd

    from capaciteit.data import history
    from capaciteit.outputs import pmj
    from capaciteit.outputs.figures import backtest_chart
    from capaciteit.outputs.folders import backtest_chart_name, backtest_files, check_folder, staged
    from capaciteit.outputs.i18n import languages
    from capaciteit.outputs.names import load_readable
    from capaciteit.run import backtest
    from capaciteit.run.runner import default_workers

    try:
        origins = _origins(a.origins)
    except ValueError:
        return _fail([f"capaciteit backtest: --origins {a.origins!r}: years like 2010-2019"])
    last = max(o.date.year for o in history.load_stock())
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
    check_folder(out, force=a.force, writes=backtest_files())  # before any work
    base = load_readable(a.scenario)
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
        for lang in languages():  # the report shows the chart in its own language
            backtest_chart(fans, tmp / backtest_chart_name(lang), lang)
    if not a.quiet:
        print(
            f"back-test of {base.name} from {origins[0]}-{origins[-1]}, "
            f"{a.replications} replications each -> {out}/"
        )
        with pd.option_context("display.width", 120):
            print(summ.round(3).to_string())
    return 0
