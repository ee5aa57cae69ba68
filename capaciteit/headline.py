"""The answer to the minister's question, from a run: will there be a shortage,
when, how likely, how many places, how many euros.

One definition, used by the report, the workbook and the notebooks, so that
they never disagree. A *shortage year* is a year with at least one day of
occupancy above the shortage threshold; its probability is the share of
replications in which that happens. The verdict is

* ``"likely"``: some year has a probability of at least one half;
* ``"possible"``: some year reaches the planning risk (5% unless asked);
* ``"unlikely"``: no year does.

"How many places" is the most usable capacity needed over the horizon for the
planning risk (:func:`capaciteit.capacity.need`), less the usable capacity of
that year: positive is places short. "How many euros" is the mean yearly cost
of the projected occupancy over the whole years of the run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from .capacity import need
from .results import yearly_summary

LIKELY = 0.5


@dataclasses.dataclass(frozen=True)
class Headline:
    """The headline figures of a run for one unit (default: all cells)."""

    scenario: str
    title: str
    unit: str
    start: dt.date
    end: dt.date
    replications: int
    seed: int
    risk: float
    verdict: Literal["likely", "possible", "unlikely"]
    first_year: int | None  # first year at >= 1/2 (likely) or >= risk (possible)
    first_p: float | None
    peak_year: int | None  # the year with the highest shortage probability
    peak_p: float | None
    gap_year: int | None  # the year that needs the most places beyond its usable ones
    gap: float | None  # places short in that year (negative: places to spare)
    needed: float | None  # usable places needed in gap_year at the planning risk
    needed_low: float | None
    needed_high: float | None
    euros_per_year: float | None
    table: pd.DataFrame  # per year: the figures behind the headline

    def as_dict(self) -> dict:
        """Plain values (no table), for JSON and spreadsheets."""
        d = dataclasses.asdict(self)
        d.pop("table")
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in d.items()}


OPEN = ("open", "open")
"""How a bound of the 90% interval of places needed reads (nl, en) where the
replications are too few to give one (:func:`capaciteit.capacity.quantile_interval`)."""


def _num(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def headline(ds: xr.Dataset, risk: float = 0.05, unit: str = "total") -> Headline:
    """Headline figures of a run; ``table`` has one row per year with occupancy
    P10/P50/P90, usable places, shortage probability, places needed at ``risk``
    (with its interval), the gap, euros and the PMJ figure where given."""
    if not 0 < risk < 1:
        raise ValueError("risk must be between 0 and 1")
    ys = yearly_summary(ds)
    ys = ys[ys["unit"] == unit].drop(columns="unit").set_index("year")
    nd = need(ds, risk=risk)
    nd = nd[nd["unit"] == unit].set_index("year")
    table = pd.DataFrame(
        {
            "days": ys["days"],
            "occupancy_p10": ys["occupancy_p10"],
            "occupancy_p50": ys["occupancy_p50"],
            "occupancy_p90": ys["occupancy_p90"],
            "capacity": ys["capacity"],
            "threshold": ys["threshold"],
            "p_shortage": ys["p_shortage"],
            "needed": nd["needed"],
            "needed_low": nd["needed_low"],
            "needed_high": nd["needed_high"],
            "gap": nd["gap"],
            "euros_mean": ys["euros_mean"],
            "pmj": ys["pmj"],
            "gap_pmj": ys["gap_pmj"],
        }
    )
    table.index.name = "year"
    p = table["p_shortage"].dropna()
    if p.empty:
        verdict, first, first_p, peak, peak_p = "unlikely", None, None, None, None
    else:
        peak, peak_p = int(p.idxmax()), float(p.max())
        if peak_p >= LIKELY:
            verdict, hit = "likely", p[p >= LIKELY]
        elif peak_p >= risk:
            verdict, hit = "possible", p[p >= risk]
        else:
            verdict, hit = "unlikely", p.iloc[:0]
        first = int(hit.index[0]) if len(hit) else None
        first_p = float(hit.iloc[0]) if len(hit) else None
    gaps = table["gap"].dropna()
    gap_year = int(gaps.idxmax()) if len(gaps) else None
    row = table.loc[gap_year] if gap_year is not None else None
    full = table[table["days"] >= 365]["euros_mean"]
    attrs = ds.attrs
    times = pd.to_datetime(ds["time"].values[[0, -1]])
    return Headline(
        scenario=str(attrs.get("scenario", "")),
        title=str(attrs.get("scenario_title", "")),
        unit=unit,
        start=times[0].date(),
        end=times[1].date(),
        replications=int(ds.sizes["replication"]),
        seed=int(attrs.get("seed", -1)),
        risk=risk,
        verdict=verdict,
        first_year=first,
        first_p=first_p,
        peak_year=peak,
        peak_p=peak_p,
        gap_year=gap_year,
        gap=_num(row["gap"]) if row is not None else None,
        needed=_num(row["needed"]) if row is not None else None,
        needed_low=_num(row["needed_low"]) if row is not None else None,
        needed_high=_num(row["needed_high"]) if row is not None else None,
        euros_per_year=_num(full.mean()) if len(full) else None,
        table=table,
    )
