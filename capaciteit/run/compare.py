"""Paired comparisons of scenarios, with common random numbers.

Replication ``r`` of every scenario in a comparison runs from the same seed, and
each decision draws from its own named stream, so the same replication of two
scenarios shares its random numbers wherever they agree: arrivals before a
policy's date, everyone's draws for decisions the policy does not touch.
Differences are taken replication by replication; their mean has a small,
honest confidence interval, and a scenario compared with itself differs by
exactly zero.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from capaciteit.errors import ScenarioError
from capaciteit.run.results import pools, yearly
from capaciteit.run.runner import simulate
from capaciteit.scenario import Scenario

METRICS = {
    "occupancy_mean": "mean occupancy in the year (persons)",
    "shortage": "probability of at least one shortage day in the year",
    "euros": "cost in the year (EUR)",
    "waiting_mean": "mean number waiting in the year: call-up list, police cells, wings",
    "unplaced_mean": "mean number who need a place and lack one in the year",
    "returns": "admissions in the year that are returns (only where both have re-entry)",
}


def check_pairable(base: Scenario, alternatives: list[Scenario]) -> None:
    """Refuse alternatives whose period differs from the base's.

    Replication ``r`` of two scenarios shares its random numbers only when both
    start on the same day with the same warm-up; otherwise a "difference" mixes
    the policy with a different start stock, calibration origin and partial
    years (a scenario from 2024 against one from 2021 reads as +845 people and
    -EUR 588m in 2024). Compare such a scenario with the base it extends.
    """

    def period(sc: Scenario) -> dict[str, object]:
        m = sc.scenario
        return {
            "scenario.start": m.start,
            "scenario.end": m.end,
            "scenario.warmup_days": m.warmup_days,
            "scenario.start_stock": m.start_stock,
            "forecast.origin": sc.forecast.origin,
        }

    want = period(base)
    problems = []
    for alt in alternatives:
        got = period(alt)
        keys = [k for k in want if got[k] != want[k]]
        if keys:
            what = ", ".join(f"{got[k]} for {want[k]}" for k in keys)
            problems.append(
                (
                    alt.source_file or alt.name,
                    ", ".join(keys),
                    f"differs from the base {base.source_file or base.name} ({what}); "
                    "paired differences need the same period: compare it with a base "
                    "that has the same start, end, warm-up and forecast origin",
                )
            )
    if problems:
        raise ScenarioError(problems)


def paired(base: xr.Dataset, alt: xr.Dataset, level: float = 0.95) -> pd.DataFrame:
    """Per year, unit (or pool, or total) and metric: base and alternative means,
    the mean paired difference and its confidence interval (t over
    replications); ``days`` of the year in the run, ``pool`` for the rows a
    shortage is judged on."""
    yb, ya = yearly(base), yearly(alt)
    units = [u for u in yb["unit"].values if u in set(ya["unit"].values)]
    years = np.intersect1d(yb["year"].values, ya["year"].values)
    yb, ya = yb.sel(unit=units, year=years), ya.sel(unit=units, year=years)
    n = yb.sizes["replication"]
    t = stats.t.ppf(0.5 + level / 2, max(n - 1, 1))
    rows = []
    for metric in (m for m in METRICS if m in yb and m in ya):
        d = ya[metric] - yb[metric]
        mean = d.mean("replication")
        half = t * d.std("replication", ddof=1) / np.sqrt(n) if n > 1 else mean * np.nan
        frame = pd.DataFrame(
            {
                "base": yb[metric].mean("replication").to_series(),
                "alternative": ya[metric].mean("replication").to_series(),
                "difference": mean.to_series(),
                "low": (mean - half).to_series(),
                "high": (mean + half).to_series(),
            }
        ).reset_index()
        frame.insert(2, "metric", metric)
        rows.append(frame)
    out = pd.concat(rows, ignore_index=True)
    out["days"] = out["year"].map(yb["days"].to_series())  # < 365: a partial year
    out["pool"] = out["unit"].isin(list(pools(base)))  # a verdict's place; total is a count
    return out


def compare(
    base: Scenario,
    alternatives: list[Scenario],
    replications: int,
    seed: int,
    workers: int = 1,
    progress: Callable[[str], Callable[[int, int], None]] | None = None,
    scheduler=None,
    store: Path | None = None,
) -> dict[str, pd.DataFrame]:
    """Run the base and each alternative with the same seed; paired differences
    of each alternative against the base. ``progress(name)`` may give a
    ``(done, total)`` callback per scenario run; ``scheduler`` as in
    :func:`~capaciteit.simulate` (pass a Client to start a cluster once);
    ``store``: a folder for the replications on disk (one store per scenario), so
    memory stays bounded however many replications."""
    check_pairable(base, alternatives)

    def run(k: int, sc: Scenario) -> xr.Dataset:
        cb = progress(sc.name) if progress else None
        return simulate(
            sc,
            replications=replications,
            seed=seed,
            workers=workers,
            progress=cb,
            scheduler=scheduler,
            store=None if store is None else Path(store) / f"{k}-{sc.name}",
        )

    ds_base = run(0, base)
    return {alt.name: paired(ds_base, run(k, alt)) for k, alt in enumerate(alternatives, 1)}
