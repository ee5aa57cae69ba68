"""PMJ side by side: each edition's yearly path, beside a run and against CBS.

The PMJ (WODC's *Prognosemodel Justitiële ketens*) is the ministry's own
capacity forecast. No edition's table of places could be read; what is sourced
are statements ("+1% a year on average 2020-2026", "-7% between now and 2022")
and a few published levels. A path is therefore DERIVED: the CBS 30-September
stock of the statement's first year, grown as the statement says, year by year.
Only the levels an edition published (``points``) are its own figures.

The PMJ counts the prisons with immigration detention (vreemdelingenbewaring;
editions from about 2019 say so), the CBS stock and capaciteit without it: part
of any difference is that, and every place that draws a PMJ path says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from capaciteit.data import history
from capaciteit.scenario import PmjEdition, published_span

CBS = "CBS"
"""Basis of a path's first year: the CBS stock the statement is applied to."""
DERIVED = "DERIVED"
"""Basis of a year computed from a statement and the CBS stock."""
RUN_COLUMNS = ("occupancy_p10", "occupancy_p50", "occupancy_p90", "demand_p50", "days")


@dataclasses.dataclass(frozen=True)
class PathYear:
    """One year of an edition's path: the value and what it rests on (``CBS``,
    ``DERIVED``, or the edition's status for a level it published)."""

    year: int
    value: float
    basis: str


def cbs_stock(path: Path | None = None) -> dict[int, float]:
    """The CBS 30-September stock by year (capaciteit/data/stock_30sept.csv)."""
    return {o.date.year: o.value for o in history.load_stock(path)}


def editions(entries: Iterable[object]) -> list[PmjEdition]:
    """The editions among ``[[pmj]]`` entries (a year's figure is not an edition)."""
    return [e for e in entries if isinstance(e, PmjEdition)]


def path(entry: PmjEdition, stock: Mapping[int, float] | None = None) -> list[PathYear]:
    """The edition's yearly path, first year first.

    ``growth_per_year`` g from ``from_year`` y0: stock(y0) * (1 + g)^(y - y0).
    ``total_change`` c over y0..y1: stock(y0) * (1 + c)^((y - y0) / (y1 - y0)),
    the same growth each year, ending at stock(y0) * (1 + c). ``points``: the
    published levels as they stand. ``stock`` is :func:`cbs_stock` by default.
    """
    if entry.points is not None:
        return [
            PathYear(int(y), float(v), entry.status)
            for y, v in sorted(entry.points.items(), key=lambda kv: int(kv[0]))
        ]
    assert entry.from_year is not None and entry.to_year is not None  # the schema's rule
    stock = cbs_stock() if stock is None else stock
    if entry.from_year not in stock:
        raise ValueError(f"no CBS 30-September stock for {entry.from_year}")
    base = float(stock[entry.from_year])
    n = entry.to_year - entry.from_year
    out = [PathYear(entry.from_year, base, CBS)]
    for k in range(1, n + 1):
        if entry.growth_per_year is not None:
            factor = (1 + entry.growth_per_year) ** k
        else:
            assert entry.total_change is not None
            factor = (1 + entry.total_change) ** (k / n)
        out.append(PathYear(entry.from_year + k, base * factor, DERIVED))
    return out


def is_derived(entry: PmjEdition) -> bool:
    """Whether the path is computed from a statement (not levels the PMJ published)."""
    return entry.points is None


def paths(entries: Iterable[object], stock: Mapping[int, float] | None = None) -> pd.DataFrame:
    """Every edition's path, one row per edition and year: ``edition``, ``year``,
    ``value``, ``basis``, ``status``, ``published``, ``source``."""
    stock = cbs_stock() if stock is None else stock
    rows = [
        {
            "edition": e.edition,
            "year": p.year,
            "value": p.value,
            "basis": p.basis,
            "status": e.status,
            "published": str(e.published),
            "source": e.source,
        }
        for e in editions(entries)
        for p in path(e, stock)
    ]
    cols = ["edition", "year", "value", "basis", "status", "published", "source"]
    return pd.DataFrame(rows, columns=cols)


def score(entries: Iterable[object], stock: Mapping[int, float] | None = None) -> pd.DataFrame:
    """Each edition against what CBS counted after it was published.

    One row per edition and year of its path that has a CBS 30-September stock
    dated after the last day the publication date can stand for ("2022": 31
    December 2022), the path's CBS base year left out: ``pmj``, ``cbs``,
    ``error`` (pmj - cbs), ``abs_pct_error`` (|error| / cbs, a fraction) and
    ``basis`` (DERIVED where the value is computed from a growth statement).
    The PMJ counts immigration detention, the CBS stock does not.
    """
    stock = cbs_stock() if stock is None else stock
    rows = []
    for e in editions(entries):
        last_day = published_span(e.published)[1]
        for p in path(e, stock):
            if p.basis == CBS or p.year not in stock or dt.date(p.year, 9, 30) <= last_day:
                continue
            cbs = float(stock[p.year])
            rows.append(
                {
                    "edition": e.edition,
                    "published": str(e.published),
                    "status": e.status,
                    "year": p.year,
                    "basis": p.basis,
                    "pmj": p.value,
                    "cbs": cbs,
                    "error": p.value - cbs,
                    "abs_pct_error": abs(p.value - cbs) / cbs,
                    "source": e.source,
                }
            )
    cols = [
        "edition",
        "published",
        "status",
        "year",
        "basis",
        "pmj",
        "cbs",
        "error",
        "abs_pct_error",
        "source",
    ]
    return pd.DataFrame(rows, columns=cols)


def run_years(yearly: pd.DataFrame) -> pd.DataFrame:
    """The run's all-cells row of each year (a yearly summary's ``total`` rows),
    indexed by year: occupancy P10/P50/P90, demand P50 and the days in the run."""
    total = yearly[yearly["unit"].astype(str) == "total"]
    return total.set_index("year")[list(RUN_COLUMNS)].astype(float)


@dataclasses.dataclass(frozen=True)
class Difference:
    """Where a run and an edition part: the last year both cover (a whole year of
    the run where there is one), the run's medians and the PMJ's value there."""

    edition: PmjEdition
    years: tuple[int, ...]  # the years both cover
    year: int | None  # the year compared (None: no year in common)
    pmj: float | None
    basis: str | None
    occupancy_p50: float | None
    demand_p50: float | None
    whole_year: bool

    @property
    def difference(self) -> int | None:
        """The run's median less the PMJ's value, in whole people as both are
        shown (each rounded first, so the sentence's numbers add up)."""
        if self.pmj is None or self.occupancy_p50 is None:
            return None
        return round(self.occupancy_p50) - round(self.pmj)

    @property
    def share(self) -> float | None:
        """The difference as a share of the PMJ's value (as shown)."""
        d = self.difference
        return None if d is None or self.pmj is None or not round(self.pmj) else d / round(self.pmj)

    @property
    def capped(self) -> bool:
        """The run's cells are full that year: the median demand (everyone who
        would be inside without limits) is above the median occupancy, as shown
        (rounded to whole people)."""
        if self.demand_p50 is None or self.occupancy_p50 is None:
            return False
        return round(self.demand_p50) > round(self.occupancy_p50)

    @property
    def demand_difference(self) -> int | None:
        """The run's median demand less the PMJ's value, in whole people as shown."""
        if self.pmj is None or self.demand_p50 is None:
            return None
        return round(self.demand_p50) - round(self.pmj)


def differences(
    entries: Iterable[object], yearly: pd.DataFrame, stock: Mapping[int, float] | None = None
) -> list[Difference]:
    """For each edition, where it and the run part (:class:`Difference`);
    ``yearly`` is the run's :func:`~capaciteit.run.results.yearly_summary`."""
    stock = cbs_stock() if stock is None else stock
    run = run_years(yearly)
    out = []
    for e in editions(entries):
        values = {p.year: p for p in path(e, stock)}
        common = tuple(y for y in run.index if int(y) in values)
        whole = [y for y in common if run.loc[y, "days"] >= 365]
        year = (whole or list(common) or [None])[-1]
        if year is None:
            out.append(Difference(e, (), None, None, None, None, None, False))
            continue
        r = run.loc[year]
        p = values[int(year)]
        out.append(
            Difference(
                e,
                tuple(int(y) for y in common),
                int(year),
                p.value,
                p.basis,
                float(r["occupancy_p50"]),
                float(r["demand_p50"]),
                bool(whole),
            )
        )
    return out


def beside(
    entries: Iterable[object], yearly: pd.DataFrame, stock: Mapping[int, float] | None = None
) -> pd.DataFrame:
    """By year: the run's all-cells P10/P50/P90 and demand P50, the CBS stock,
    and each edition's path (a column per edition), over the years of the run
    and of the editions that share a year with it. A year nobody gives is no
    row; an empty cell is a year that source does not cover (never filled in)."""
    stock = cbs_stock() if stock is None else stock
    run = run_years(yearly)
    shown = [d.edition for d in differences(entries, yearly, stock) if d.year is not None]
    cols: dict[str, dict[int, float]] = {
        e.edition: {p.year: p.value for p in path(e, stock)} for e in shown
    }
    years = sorted({int(y) for y in run.index} | {y for c in cols.values() for y in c})
    frame = pd.DataFrame(index=pd.Index(years, name="year"))
    for c in RUN_COLUMNS:
        frame[c] = [float(run.loc[y, c]) if y in run.index else np.nan for y in years]
    frame["cbs"] = [float(stock[y]) if y in stock else np.nan for y in years]
    for name, values in cols.items():
        frame[name] = [values.get(y, np.nan) for y in years]
    return frame
