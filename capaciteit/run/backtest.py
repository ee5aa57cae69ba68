"""Back-tests: the whole chain from rolling origins, scored against what happened.

From each origin (30 September of a year) the scenario is moved into the past:
start on 1 October with the real stock of 30 September, calibrate on what was
published by then (reconstruction, stays, inflow model), simulate five years, and
compare the total on each later 30 September with the real CBS stock.

The rule that moves a scenario to an origin (what it knew there) is in
:mod:`~capaciteit.calibrate.origins`, the scores and what they say about a run's
bands in :mod:`~capaciteit.calibrate.scores`; their names are importable from
here too. This module runs the chain from each origin and says what each origin
used (:func:`vintage`).
"""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd

from capaciteit.calibrate.origins import (
    _NO_DATE,
    HORIZON,
    NEVER,
    as_of,
    dated_changes,
    origin_date,
    origin_scenario,
)
from capaciteit.calibrate.scores import (
    crps_ensemble,
    crps_lognormal,
    drift,
    log_changes,
    random_walk_sd,
    reliability,
    summary,
)
from capaciteit.data import history
from capaciteit.run.runner import simulate
from capaciteit.scenario import Scenario

__all__ = [
    "HORIZON",
    "NEVER",
    "_NO_DATE",
    "as_of",
    "crps_ensemble",
    "crps_lognormal",
    "dated_changes",
    "drift",
    "log_changes",
    "origin_date",
    "origin_scenario",
    "random_walk_sd",
    "reliability",
    "run",
    "simulate",
    "summary",
    "vintage",
]


def run(
    base: Scenario,
    origins: list[int],
    replications: int,
    seed: int,
    workers: int = 1,
    progress=None,
) -> tuple[pd.DataFrame, dict]:
    """Back-test ``base`` from each origin; return the per-forecast table and the
    simulated daily quantiles of the total (for the figure)."""
    stock = {o.date.year: o.value for o in history.load_stock()}
    rows, fans = [], {}
    for k, year in enumerate(origins):
        known = {y: v for y, v in stock.items() if y <= year}  # the baselines' data
        rw_sd = random_walk_sd(known, year)
        mean_change, drift_sd = drift(known, year)
        now = known[year]
        sc = origin_scenario(base, year)
        ds = simulate(sc, replications=replications, seed=seed, workers=workers)
        tot = ds["occupancy"].sel(unit="total")
        fans[year] = tot.quantile([0.1, 0.5, 0.9], dim="replication").to_pandas().T
        for h in range(1, HORIZON + 1):
            target = year + h
            if target not in stock:
                continue
            x = tot.sel(time=f"{target}-09-30").values.astype(float)
            y = stock[target]
            q = np.quantile(x, [0.1, 0.25, 0.5, 0.75, 0.9])
            drifted = now * math.exp(h * mean_change)
            rows.append(
                {
                    "origin": year,
                    "horizon": h,
                    "year": target,
                    "observed": y,
                    "p10": q[0],
                    "p25": q[1],
                    "p50": q[2],
                    "p75": q[3],
                    "p90": q[4],
                    "mean": x.mean(),
                    "naive": now,
                    "drift": drifted,
                    "error": q[2] - y,
                    "naive_error": now - y,
                    "drift_error": drifted - y,
                    "ape": abs(q[2] - y) / y,
                    "in50": q[1] <= y <= q[3],
                    "in80": q[0] <= y <= q[4],
                    "crps": crps_ensemble(x, y),
                    "crps_naive": abs(now - y),
                    # log-normal random walks: log stock ~ N(log now [+ h drift], sd^2 h)
                    "crps_rw": crps_lognormal(math.log(now), rw_sd * math.sqrt(h), y),
                    "crps_drift": crps_lognormal(
                        math.log(now) + h * mean_change, drift_sd * math.sqrt(h), y
                    ),
                    "inflow_model": _model_of(ds),
                }
            )
        if progress:
            progress(k + 1, len(origins))
    return pd.DataFrame(rows), fans


def _model_of(ds) -> str:
    import json

    return json.loads(ds.attrs.get("calibration", "{}")).get("inflow_model", "")


def vintage(base: Scenario, origins: list[int]) -> pd.DataFrame:
    """What each origin knew: one row per origin with the date of every kind of
    data its run used (the start stock, the latest stock, total inflow, inflow
    composition and unique persons in the reconstruction, each target of the
    stay fit), the inflow model chosen, and the scenario's dated changes kept
    and dropped. Yearly figures are dated 31 December of their year, as in
    :mod:`history`. The calibration is the run's (memoized in the process)."""
    from capaciteit.calibrate.calibration import calibrate
    from capaciteit.calibrate.reconstruct import observations
    from capaciteit.run.runner import start_stock

    rows = []
    for year in origins:
        origin = origin_date(year)
        sc = origin_scenario(base, year)
        _count, info = start_stock(sc)
        cal = calibrate(sc)
        years, obs = observations(origin)[:2]  # years and the log observations
        seen = [years[np.isfinite(obs[:, c])].tolist() for c in range(3)]
        stock_date = {o.date.year: o.date for o in history.load_stock(until=origin)}
        targets = _target_dates(cal.stays["targets"], origin)
        kept, dropped = dated_changes(base, year)
        rows.append(
            {
                "origin": origin.isoformat(),
                "start_stock_date": info["date"],
                "stock_latest": stock_date[max(seen[0])].isoformat(),
                "inflow_years": " ".join(map(str, seen[1])),
                "inflow_latest": _year_end(max(seen[1])),
                "composition_latest": _year_end(cal.inflow["composition_year"]),
                "persons_latest": _year_end(max(seen[2])) if seen[2] else "",
                "targets": "; ".join(f"{k} {v}" for k, v in targets.items()),
                "targets_latest": max(v for v in targets.values() if v),
                "inflow_model": cal.forecast["model"],
                "dropped": "; ".join(dropped),
                "kept": "; ".join(kept),
            }
        )
    return pd.DataFrame(rows)


def _year_end(year: int) -> str:
    return dt.date(int(year), 12, 31).isoformat()


def _target_dates(targets: list[dict], origin: dt.date) -> dict[str, str]:
    """The date of the figure behind each target of the stay fit: the one its
    source names, else the stock at the origin (``stock``) or the latest share
    released within a month; "" where none is known."""
    out = {}
    for t in targets:
        m = re.search(r"\((\d{4}-\d{2}-\d{2})\)\s*$", t.get("source", ""))
        if m:
            out[t["name"]] = m.group(1)
        elif t["name"] == "stock":
            out[t["name"]] = history.observed_stock_near(origin, origin=origin).date.isoformat()
        elif t["name"] == "released_within_30_days":
            half = history.series("stays.csv", "share_released_within_1_month", until=origin)
            out[t["name"]] = half[-1].date.isoformat()
        else:
            out[t["name"]] = ""
    return out
