"""The answer to the minister's question, from a run: will there be a shortage,
when, how likely, how many places, how many euros.

One definition, used by the report, the workbook and the notebooks, so that
they never disagree. It is judged per pool of places that can take the same
people (men's closed regime, women's, each special unit: ``[[unit]] pool``),
never on the total, which pools places no one can swap. A *shortage year* in a
pool is a year with at least one day on which its demand, occupancy plus those
who need a place in it and lack one (a waiting list, people turned away, held
back by a response, released early), is above its shortage threshold; its
probability is the share of replications in which that happens. The verdict, on whole years only, is

* ``"likely"``: some year has a probability of at least one half;
* ``"possible"``: some year reaches the planning risk (5% unless asked);
* ``"unlikely"``: no year does.

The answer names the pool that binds: the worst verdict, the earliest year, the
highest probability that year, the most places short.

"How many places" is the most usable capacity needed over the horizon for the
planning risk (:func:`capaciteit.outputs.capacity.need`), less the usable capacity of
that year: positive is places short. "How many euros" is the mean yearly cost
of the projected occupancy of all units over the whole years of the run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from capaciteit.outputs.capacity import need, replications_for_bounds
from capaciteit.outputs.i18n import N_
from capaciteit.run.results import pools, reuse, yearly_summary

LIKELY = 0.5


@dataclasses.dataclass(frozen=True)
class Headline:
    """The headline figures of a run for one unit or pool (by default the pool
    that binds)."""

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
    pools: tuple[dict, ...] = ()  # every pool's verdict, binding first (unit=None)
    price_level: int | None = None  # year whose prices euros_per_year is in
    gap_euros_per_year: float | None = None  # the places short, each at an added place's cost
    added_place_price_level: int | None = None

    def as_dict(self) -> dict:
        """Plain values (no table), for JSON and spreadsheets."""
        d = dataclasses.asdict(self)
        d.pop("table")
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in d.items()}


OPEN = N_("open")
"""How a bound of the 90% interval of places needed reads (in English; the
catalogs translate it) where the replications are too few to give one
(:func:`capaciteit.outputs.capacity.quantile_interval`)."""


def _num(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


RANK = {"likely": 0, "possible": 1, "unlikely": 2}


def headline(ds: xr.Dataset, risk: float = 0.05, unit: str | None = None) -> Headline:
    """Headline figures of a run for a unit or pool; ``table`` has one row per
    year with occupancy P10/P50/P90, demand P50, usable places, shortage
    probability, places needed at ``risk`` (with its interval), the gap, euros
    and the PMJ figure where given.

    Without ``unit``: the answer for the pool that binds (the worst verdict,
    then the earliest year, the highest probability that year, the most places
    short), with every pool's verdict in ``pools``, in that order. The euros
    are always those of all units: the budget's figure. Verdicts are judged on
    whole years only; a run with none is judged on what it has. ``total`` is a
    count: its shortage is one in any pool, and it has no places needed."""
    if not 0 < risk < 1:
        raise ValueError("risk must be between 0 and 1")
    if unit is None:
        with reuse(ds):  # every pool's headline reads the same yearly reductions
            every = [headline(ds, risk, p) for p in pools(ds)]
        if not every:
            return headline(ds, risk, "total")
        every.sort(
            key=lambda h: (
                RANK[h.verdict],
                h.first_year if h.first_year is not None else 10**6,
                -(h.first_p or 0.0),
                -(h.gap if h.gap is not None else -np.inf),
            )
        )
        summary = tuple(
            {
                "pool": h.unit,
                "verdict": h.verdict,
                "first_year": h.first_year,
                "first_p": h.first_p,
                "peak_year": h.peak_year,
                "peak_p": h.peak_p,
                "gap_year": h.gap_year,
                "gap": h.gap,
            }
            for h in every
        )
        return dataclasses.replace(every[0], pools=summary)
    ys = yearly_summary(ds)
    ys = ys[ys["unit"] == unit].drop(columns="unit").set_index("year")
    nd = need(ds, risk=risk)
    nd = nd[nd["unit"] == unit].set_index("year").reindex(ys.index)
    table = pd.DataFrame(
        {
            "days": ys["days"],
            "occupancy_p10": ys["occupancy_p10"],
            "occupancy_p50": ys["occupancy_p50"],
            "occupancy_p90": ys["occupancy_p90"],
            "demand_p50": ys["demand_p50"],
            "unplaced_mean": ys["unplaced_mean"],
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
    whole = table[table["days"] >= 365]
    p = (whole if len(whole) else table)["p_shortage"].dropna()  # verdicts: whole years
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
    gaps = (whole if len(whole) else table)["gap"].dropna()
    gap_year = int(gaps.idxmax()) if len(gaps) else None
    row = table.loc[gap_year] if gap_year is not None else None
    every = yearly_summary(ds)  # the cost is the budget's: all units, whatever the pool
    cost = every[every["unit"] == "total"].set_index("year")
    full = cost[cost["days"] >= 365]["euros_mean"]
    attrs = ds.attrs
    costs = json.loads(attrs.get("costs", "{}"))
    per_place = costs.get("added_place_per_year")
    gap = _num(row["gap"]) if row is not None else None
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
        price_level=costs.get("price_level"),
        gap_euros_per_year=gap * per_place if gap is not None and gap > 0 and per_place else None,
        added_place_price_level=costs.get("added_place_price_level"),
    )


def _pct(p: float) -> str:
    """0.725 -> '72.5%', 0.7 -> '70%': as the report and workbook write it."""
    return f"{p * 100:.1f}".removesuffix(".0") + "%"


def _pool(name: str) -> str:
    return f"pool {name!r}"


def _verdict(d: dict, word: bool = True) -> str:
    if d["verdict"] == "unlikely":
        return f"{_pool(d['pool'])} unlikely" if word else repr(d["pool"])
    said = f"{_pool(d['pool'])} {d['verdict']}" if word else repr(d["pool"])
    out = f"{said} from {d['first_year']} ({_pct(d['first_p'])})"
    if d.get("gap") is not None and d["gap"] > 0:
        out += f", {d['gap']:,.0f} places short in {d['gap_year']}"
    return out


def answer_lines(h: Headline) -> list[str]:
    """The answer in two lines, for the console: every pool with the worst
    verdict (year, probability, places short at the planning risk); then the
    other pools and the cost."""
    pools = h.pools or (
        {
            "pool": h.unit,
            "verdict": h.verdict,
            "first_year": h.first_year,
            "first_p": h.first_p,
            "gap": h.gap,
            "gap_year": h.gap_year,
        },
    )
    worst = [d for d in pools if d["verdict"] == h.verdict]
    rest = [d for d in pools if d["verdict"] != h.verdict]
    head = "no shortage likely" if h.verdict == "unlikely" else f"shortage {h.verdict}"
    whole = "whole years" if (h.table["days"] >= 365).any() else "partial years only"
    line = f"answer ({h.risk:.0%} planning risk, {whole}): {head}: " + "; ".join(
        _verdict(d, word=False) for d in worst
    )
    if h.gap_euros_per_year is not None:
        line += (
            f"; in {h.unit!r} {h.gap:,.0f} places cost about EUR {h.gap_euros_per_year / 1e6:,.1f}"
            f" M a year ({h.added_place_price_level} prices)"
        )
    if h.gap is not None and h.gap > 0 and (h.needed_low is None or h.needed_high is None):
        line += (  # as the report says it: few replications leave the interval open
            f"; places short in {h.unit!r}: the {_pct(1 - h.risk)} quantile of {h.replications}"
            f" replications, its 90% interval open ({replications_for_bounds(1 - h.risk)}"
            " replications or more close it)"
        )
    second = "other pools: " + ("; ".join(_verdict(d) for d in rest) if rest else "none")
    if h.euros_per_year is not None:  # always all units' (the budget's figure)
        prices = f"{h.price_level} prices" if h.price_level else "price level not given"
        second += f". Cost of the stock: EUR {h.euros_per_year / 1e6:,.0f} M a year ({prices})"
    return [line, second]
