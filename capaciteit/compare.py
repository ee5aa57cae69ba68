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

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from .results import yearly
from .runner import simulate
from .scenario import Scenario

METRICS = {
    "occupancy_mean": "mean occupancy in the year (persons)",
    "shortage": "probability of at least one shortage day in the year",
    "euros": "cost in the year (EUR)",
}


def paired(base: xr.Dataset, alt: xr.Dataset, level: float = 0.95) -> pd.DataFrame:
    """Per year, unit and metric: base and alternative means, the mean paired
    difference and its confidence interval (t over replications)."""
    yb, ya = yearly(base), yearly(alt)
    units = [u for u in yb["unit"].values if u in set(ya["unit"].values)]
    years = np.intersect1d(yb["year"].values, ya["year"].values)
    yb, ya = yb.sel(unit=units, year=years), ya.sel(unit=units, year=years)
    n = yb.sizes["replication"]
    t = stats.t.ppf(0.5 + level / 2, max(n - 1, 1))
    rows = []
    for metric in METRICS:
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
    return pd.concat(rows, ignore_index=True)


def compare(
    base: Scenario, alternatives: list[Scenario], replications: int, seed: int, workers: int = 1
) -> dict[str, pd.DataFrame]:
    """Run the base and each alternative with the same seed; paired differences
    of each alternative against the base."""
    ds_base = simulate(base, replications=replications, seed=seed, workers=workers)
    out = {}
    for alt in alternatives:
        ds_alt = simulate(alt, replications=replications, seed=seed, workers=workers)
        out[alt.name] = paired(ds_base, ds_alt)
    return out
