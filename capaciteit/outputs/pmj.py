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
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from capaciteit.data import history
from capaciteit.outputs.figures import (
    BAND,
    MEDIAN,
    PMJ,
    _text,
    new_axes,
    number_formatter,
)
from capaciteit.outputs.names import unit_label, verbatim
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


PMJ_COLOURS = (PMJ, "#756bb1", "#31a354", "#a63603", "#d6616b", "#636363")


def pmj_chart(
    frame: pd.DataFrame,
    editions: Sequence[tuple[str, bool]],
    ax: Axes | None = None,
    lang: str = "en",
) -> Axes:
    """PMJ side by side, by year: the run's yearly mean occupancy of all cells
    (P10-P90 band, P50) and its demand P50 against each edition's path, with the
    CBS 30-September stock as crosses. ``frame`` is :func:`capaciteit.outputs.pmj.beside`;
    ``editions`` its edition columns, each with whether its path is DERIVED
    (open markers, dashed). The sources go under the axes, so the figure
    carries them wherever it is shown."""
    t = _text(lang)
    ax = ax if ax is not None else new_axes((8.0, 4.2))
    years = frame.index.to_numpy(dtype=float)
    run = frame["occupancy_p50"].notna().to_numpy()
    if run.any():
        ax.fill_between(
            years[run],
            frame["occupancy_p10"].to_numpy(float)[run],
            frame["occupancy_p90"].to_numpy(float)[run],
            color=BAND,
            linewidth=0,
            label=t["run_band"],
        )
        ax.plot(
            years[run],
            frame["occupancy_p50"].to_numpy(float)[run],
            color=MEDIAN,
            linewidth=1.4,
            marker="o",
            markersize=3,
            label=t["run_median"],
        )
        ax.plot(
            years[run],
            frame["demand_p50"].to_numpy(float)[run],
            color=MEDIAN,
            linewidth=1.0,
            linestyle=":",
            label=t["run_demand"],
        )
    for k, (name, derived) in enumerate(editions):
        ok = frame[name].notna().to_numpy()
        colour = PMJ_COLOURS[k % len(PMJ_COLOURS)]
        ax.plot(
            years[ok],
            frame[name].to_numpy(float)[ok],
            color=colour,
            linewidth=1.2,
            linestyle="--" if derived else "-",
            marker="o" if derived else "D",
            markersize=5,
            markerfacecolor="white" if derived else colour,
            label=verbatim(f"PMJ {name}" + (f" ({t['derived']})" if derived else "")),
        )
    cbs = frame["cbs"].notna().to_numpy()
    if cbs.any():
        ax.plot(
            years[cbs],
            frame["cbs"].to_numpy(float)[cbs],
            linestyle="none",
            marker="x",
            markersize=7,
            color="black",
            label=t["cbs"],
        )
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:.0f}"))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.yaxis.set_major_formatter(number_formatter(lang))
    ax.set_ylabel(t["persons"])
    ax.set_title(unit_label("total", lang), loc="left", fontsize=11)
    ax.grid(True, color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.text(
        0.0,
        -0.12,
        textwrap.fill(t["pmj_source"], 120),
        transform=ax.transAxes,
        fontsize=7,
        va="top",
        color="#404040",
    )
    return ax
