"""Figures of a run, drawn on explicit matplotlib ``Figure`` objects.

Nothing here touches ``matplotlib.pyplot``: each figure gets its own Agg
canvas, so drawing is safe in threads, on CI machines without a display and
inside a report rendered by a server. A function given an ``ax`` draws on it
(a notebook's ``plt.subplots()`` axes, say); given none it makes a figure of
about 8 x 3.5 inches, which at 100 dpi keeps a report's PNGs small.

Quantiles over replications are taken one unit at a time from the integer
arrays, so a national run (1,000 replications x 3,653 days x 7 units) is never
copied to floats as a whole.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import xarray as xr
from babel.numbers import format_decimal
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from capaciteit.outputs.formats import fmt_pct
from capaciteit.outputs.i18n import N_, check_lang, locale, translate
from capaciteit.outputs.names import own_labels, unit_label, verbatim
from capaciteit.run.rows import read

SIZE = (8.0, 3.5)  # inches
DPI = 100
QUANTILES = (0.1, 0.5, 0.9)

# Colours: occupancy blue, capacity dark grey, threshold red, PMJ orange.
BAND, MEDIAN, CAPACITY, THRESHOLD, PMJ = "#9ecae1", "#08519c", "#404040", "#cb181d", "#e6550d"

# The figures' texts, in English, translated by the catalogs (capaciteit.outputs.i18n).
TEXT: dict[str, str] = {
    "band": N_("occupancy P10-P90"),
    "median": N_("occupancy P50"),
    "capacity": N_("usable places"),
    "threshold": N_("shortage threshold"),
    "pmj": N_("PMJ"),
    "persons": N_("persons"),
    "probability": N_("probability of a shortage day"),
    "waiting_band": N_("waiting P10-P90"),
    "waiting_median": N_("waiting P50"),
    "cases": N_("cases"),
    "court": N_("court backlog (cases not yet heard)"),
    "difference": N_("difference (alternative - base)"),
    "interval": N_("95% interval"),
    "occupancy_mean": N_("mean occupancy (persons)"),
    "shortage": N_("shortage probability (percentage points)"),
    "euros": N_("cost (EUR million)"),
    "year": N_("year"),
    "run_band": N_("capaciteit: mean occupancy P10-P90"),
    "run_median": N_("capaciteit: mean occupancy P50"),
    "run_demand": N_("capaciteit: demand P50 (no limits)"),
    "cbs": N_("CBS stock 30 Sept."),
    "derived": N_("DERIVED"),
    "bt_title": N_("Back-test: forecasts from each origin (median, 80% band) and what happened"),
    "bt_from": N_("from {year}"),
    "bt_cbs": N_("CBS 30 Sept stock"),
    "bt_persons": N_("people in prison (cells)"),
    "pmj_source": N_(
        "Sources: PMJ statements as in the table below (paths DERIVED: the CBS stock of the "
        "first year grown as stated); CBS StatLine 84425NED (30 Sept.); capaciteit: this "
        "run, all cells. PMJ counts immigration detention, CBS and capaciteit do not."
    ),
}


def _text(lang: str) -> dict[str, str]:
    return translate(TEXT, check_lang(lang))


def new_figure(size: tuple[float, float] = SIZE) -> Figure:
    """A fresh Figure with its own Agg canvas (no pyplot state)."""
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def new_axes(size: tuple[float, float] = SIZE) -> Axes:
    """Axes on a fresh Figure of :func:`new_figure`."""
    return new_figure(size).add_subplot()


def png_data_uri(fig: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI, so a page needs no files."""
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def number_formatter(lang: str) -> FuncFormatter:
    """Tick labels with the separators of the language (9.850 / 9,850), by Babel;
    up to four decimals, none where the tick is whole."""
    where = locale(lang)

    def fmt(x: float, _pos: int | None = None) -> str:
        x = round(x, 4) or 0.0  # no "-0"
        return format_decimal(x, format="#,##0.####", locale=where)

    return FuncFormatter(fmt)


def _date_axis(ax: Axes, time: np.ndarray) -> None:
    span = (time[-1] - time[0]) / np.timedelta64(365, "D") if time.size > 1 else 0
    if span >= 3:
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    else:
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    if time.size:
        ax.set_xlim(time[0], time[-1])
    ax.grid(True, color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)


def daily_quantiles(
    ds: xr.Dataset, variable: str, unit: str, q: Sequence[float] = QUANTILES
) -> np.ndarray:
    """(len(q), time) quantiles over replications of one unit's daily variable;
    only that unit's (replication, time) slice is ever converted to floats."""
    return np.quantile(read(ds[variable].sel(unit=unit)), list(q), axis=0)


def fan_chart(
    ds: xr.Dataset, unit: str = "total", ax: Axes | None = None, lang: str = "en"
) -> Axes:
    """Occupancy of ``unit`` as a fan (P10-P90 band, P50 line) against its usable
    places and shortage threshold, with the PMJ figures as markers where the
    scenario gives them; returns the axes."""
    t = _text(lang)
    ax = ax if ax is not None else new_axes()
    time = ds["time"].values
    p10, p50, p90 = daily_quantiles(ds, "occupancy", unit)
    ax.fill_between(time, p10, p90, color=BAND, linewidth=0, label=t["band"])
    ax.plot(time, p50, color=MEDIAN, linewidth=1.2, label=t["median"])
    cap = ds["capacity"].sel(unit=unit).values
    if np.isfinite(cap).any():
        ax.plot(time, cap, color=CAPACITY, linewidth=1.2, label=t["capacity"])
    thr = ds["threshold"].sel(unit=unit).values
    if np.isfinite(thr).any():
        ax.plot(time, thr, color=THRESHOLD, linewidth=1.0, linestyle="--", label=t["threshold"])
    if "pmj" in ds:
        pmj = ds["pmj"].sel(unit=unit)
        ok = np.isfinite(pmj.values)
        if ok.any():
            years = pmj["year"].values[ok]
            mid = np.array([np.datetime64(f"{y}-07-01") for y in years]).astype("datetime64[ns]")
            ax.plot(
                mid,
                pmj.values[ok],
                linestyle="none",
                marker="D",
                markersize=6,
                color=PMJ,
                label=t["pmj"],
            )
    _date_axis(ax, time)
    ax.yaxis.set_major_formatter(number_formatter(lang))
    ax.set_ylabel(t["persons"])
    ax.set_title(verbatim(unit_label(unit, lang, own_labels(ds)), 60), loc="left", fontsize=11)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    return ax


def shortage_chart(
    ds: xr.Dataset,
    units: Sequence[str] | None = None,
    ax: Axes | None = None,
    lang: str = "en",
    monthly: xr.DataArray | None = None,
) -> Axes:
    """Probability of at least one shortage day in each month, one step line per
    unit (default: every unit with a threshold). ``monthly`` is
    ``ds.cap.shortage_probability("month")`` when the caller has it already."""
    t = _text(lang)
    ax = ax if ax is not None else new_axes()
    own = own_labels(ds)
    if monthly is None:
        monthly = ds.cap.shortage_probability("month")
    if units is None:
        units = [str(u) for u in monthly["unit"].values if monthly.sel(unit=u).notnull().any()]
    months = monthly["month"].values
    for u in units:
        p = monthly.sel(unit=u).values
        ax.step(
            months,
            p * 100,
            where="post",
            linewidth=2.0 if u == "total" else 1.0,
            color=MEDIAN if u == "total" else None,
            label=verbatim(unit_label(u, lang, own), 28),
        )
    _date_axis(ax, ds["time"].values)
    ax.set_ylim(-2, 102)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _p: fmt_pct(x / 100, lang, 0)))
    ax.set_ylabel(t["probability"])
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    return ax


def waiting_chart(
    ds: xr.Dataset, unit: str = "total", ax: Axes | None = None, lang: str = "en"
) -> Axes:
    """People waiting (call-up list, police cells, wing queues) as a fan over
    replications: P10-P90 band and P50."""
    t = _text(lang)
    ax = ax if ax is not None else new_axes()
    time = ds["time"].values
    p10, p50, p90 = daily_quantiles(ds, "waiting", unit)
    ax.fill_between(time, p10, p90, color="#fdd0a2", linewidth=0, label=t["waiting_band"])
    ax.plot(time, p50, color="#a63603", linewidth=1.2, label=t["waiting_median"])
    _date_axis(ax, time)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(number_formatter(lang))
    ax.set_ylabel(t["persons"])
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    return ax


def court_chart(ds: xr.Dataset, ax: Axes | None = None, lang: str = "en") -> Axes:
    """The COVID-19 court backlog left each day (``court_backlog``)."""
    t = _text(lang)
    ax = ax if ax is not None else new_axes((8.0, 2.5))
    time = ds["time"].values
    ax.plot(time, ds["court_backlog"].values, color=CAPACITY, linewidth=1.2, label=t["court"])
    _date_axis(ax, time)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(number_formatter(lang))
    ax.set_ylabel(t["cases"])
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    return ax


def difference_chart(
    table: pd.DataFrame,
    metric: str,
    lang: str = "en",
    unit: str = "total",
    ax: Axes | None = None,
    own: Mapping[str, str] | None = None,
) -> Axes:
    """Paired differences (alternative - base) per year with their 95% intervals
    as error bars, from a :func:`capaciteit.run.compare.paired` table. Shortage
    probabilities are shown in percentage points and euros in millions; ``own``
    names the unit as :func:`unit_label` does."""
    t = _text(lang)
    ax = ax if ax is not None else new_axes()
    rows = table[(table["unit"] == unit) & (table["metric"] == metric)].sort_values("year")
    scale = {"shortage": 100.0, "euros": 1e-6}.get(metric, 1.0)
    d = rows["difference"].to_numpy(float) * scale
    lo = rows["low"].to_numpy(float) * scale
    hi = rows["high"].to_numpy(float) * scale
    yerr = np.vstack([np.nan_to_num(d - lo), np.nan_to_num(hi - d)])
    ax.axhline(0, color="#808080", linewidth=0.8)
    if not np.any(np.abs(np.r_[d, lo, hi][np.isfinite(np.r_[d, lo, hi])]) > 1e-9):
        ax.set_ylim(-1, 1)  # all zero (a scenario against itself): a readable axis
    ax.errorbar(
        rows["year"].to_numpy(),
        d,
        yerr=yerr,
        fmt="o",
        color=MEDIAN,
        ecolor=BAND,
        elinewidth=3,
        capsize=0,
        markersize=4,
        label=t["interval"],
    )
    title = t[metric] if metric in t else metric
    # the unit on a line of its own: three panels side by side leave a long
    # title no room ("shortage probability (percentage points): bba")
    named = verbatim(unit_label(unit, lang, own), 32)
    ax.set_title(title if unit == "total" else f"{title}:\n{named}", loc="left", fontsize=10)
    ax.set_xlabel(t["year"])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:.0f}"))
    ax.yaxis.set_major_formatter(number_formatter(lang))
    ax.grid(True, color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    return ax


def backtest_chart(fans: dict, path: Path, lang: str = "en") -> None:
    """Forecast fans (P10-P90 and median) from each origin against the real stock,
    in ``lang`` (``capaciteit backtest`` draws one per language: the report shows
    its own language's).

    Drawn on its own Agg canvas, not pyplot, so that calling it from a notebook
    leaves the notebook's backend alone."""
    from matplotlib import colormaps

    from capaciteit.data import history

    t = _text(lang)
    stock = history.load_stock()
    fig = new_figure((10, 5))
    fig.set_dpi(110)
    fig.set_layout_engine("tight")
    ax = fig.add_subplot()
    cmap = colormaps["viridis"].resampled(max(len(fans), 2))
    for k, (year, q) in enumerate(sorted(fans.items())):
        days = q.index.values
        ax.fill_between(days, q[0.1], q[0.9], color=cmap(k), alpha=0.18, lw=0)
        ax.plot(days, q[0.5], color=cmap(k), lw=1.2, label=t["bt_from"].format(year=year))
    ax.plot(
        [np.datetime64(o.date) for o in stock],
        [o.value for o in stock],
        "ko-",
        ms=4,
        lw=1.5,
        label=t["bt_cbs"],
    )
    ax.yaxis.set_major_formatter(number_formatter(lang))
    ax.set_ylabel(t["bt_persons"])
    ax.set_title(t["bt_title"])
    ax.legend(ncol=4, fontsize=7, loc="upper right")
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=110)
