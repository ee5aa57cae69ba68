"""The reductions users ask of a run's dataset: monthly and yearly figures per
replication, their quantiles over replications, and the daily costs. Each is a
plain function of a Dataset; within :func:`reuse` each is computed once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import xarray as xr

from capaciteit.run.rows import _members, limit, rows
from capaciteit.run.sweep import months, sweep, years

_MEMO: dict[int, tuple[xr.Dataset, dict]] = {}


@contextmanager
def reuse(ds: xr.Dataset) -> Iterator[None]:
    """Within the block, :func:`yearly` and :func:`monthly_summary` of this very
    dataset are computed once: the report, workbook and headline each ask for them,
    and on a run of 10,000 replications read from disk each pass costs seconds.
    Re-entrant: an inner block keeps the outer one's figures."""
    held = _MEMO.get(id(ds))
    if held is not None and held[0] is ds:
        yield
        return
    _MEMO[id(ds)] = (ds, {})
    try:
        yield
    finally:
        _MEMO.pop(id(ds), None)


def _memo(ds: xr.Dataset, key: str, make):
    held = _MEMO.get(id(ds))
    if held is None or held[0] is not ds:
        return make(ds)
    if key not in held[1]:
        held[1][key] = make(ds)
    return held[1][key].copy()


def monthly_summary(ds: xr.Dataset) -> pd.DataFrame:
    """Per month and unit: P10/P50/P90 over replications of the monthly mean
    occupancy, its mean, the mean capacity, the share of replications with at
    least one day over capacity that month and with at least one shortage day
    (above the threshold: usable places less the margin; both empty where no
    capacity is set), the mean number waiting and the mean admissions; with
    re-entry, the mean returns among them and (total) the mean number in cells
    who came in as a return."""
    return _memo(ds, "monthly", _monthly_summary)


def _monthly_summary(ds: xr.Dataset) -> pd.DataFrame:
    """From :func:`swept`: each row's variables read once, unit by unit on the
    integer arrays, so memory stays small however many replications the run has."""
    m, passed = months(ds), swept(ds)
    labels = [str(x) for x in m.labels]
    out = []
    for u in rows(ds):
        r = passed[u]
        loop = {}
        if "returns" in ds:  # re-entry: admissions that are returns, and who came in as one
            loop = {"returns_mean": r["m_returns"], "returned_inside_mean": r["m_inside"]}
        q10, q50, q90 = r["m_q"]
        out.append(
            pd.DataFrame(
                {
                    "month": labels,
                    "unit": str(u),
                    "occupancy_p10": q10,
                    "occupancy_p50": q50,
                    "occupancy_p90": q90,
                    "occupancy_mean": r["m_mean"],
                    "capacity": r["m_capacity"],
                    "p_over_capacity": r["m_over"],
                    "p_shortage": r["m_short"],
                    "waiting_mean": r["m_wait"],
                    "unplaced_mean": r["m_lack"],
                    "admissions_mean": r["m_adm"],
                    **loop,
                }
            )
        )
    frame = pd.concat(out, ignore_index=True)
    frame["unit"] = pd.Categorical(frame["unit"], categories=rows(ds), ordered=True)
    return frame.sort_values(["month", "unit"], kind="stable").reset_index(drop=True)


def swept(ds: xr.Dataset) -> dict[str, dict[str, np.ndarray]]:
    """:func:`~capaciteit.run.sweep.sweep` of this dataset, once within :func:`reuse`."""
    return _memo(ds, "sweep", sweep)


def daily_costs(ds: xr.Dataset) -> xr.DataArray:
    """Euros per day per replication and unit (``total``: all units together):
    occupied places times their daily cost plus usable places times theirs,
    plus what the places capacity policies add cost (``place_cost``)."""
    occ = ds["occupancy"].drop_sel(unit="total")
    cap = ds["capacity"].drop_sel(unit="total").fillna(0.0)
    per_day = ds["cost_per_day"].drop_sel(unit="total")
    per_place = ds["cost_per_place"].drop_sel(unit="total")
    units = occ * per_day + cap * per_place
    if "place_cost" in ds:  # the places capacity policies add
        units = units + ds["place_cost"].drop_sel(unit="total")
    total = units.sum("unit").expand_dims(unit=["total"])
    out = xr.concat([units, total], dim="unit")
    out.attrs.update(units="EUR/day", long_name="cost per day")
    return out


def yearly(ds: xr.Dataset) -> xr.Dataset:
    """Per replication, year and unit: mean and peak occupancy, whether any day
    was a shortage (occupancy above the threshold: usable places less the
    margin, plus places a response opened), the cost in euros and the mean
    number waiting. The basis of summaries and comparisons."""
    return _memo(ds, "yearly", _yearly)


def _yearly(ds: xr.Dataset) -> xr.Dataset:
    """From :func:`swept`, so a national run of 1,000 replications needs no float
    copy of the daily cube."""
    y, passed = years(ds), swept(ds)
    starts, days = y.starts, y.days
    units = rows(ds)
    shape = (ds.sizes["replication"], starts.size, len(units))
    mean = np.empty(shape)
    waiting = np.empty(shape)
    lacking = np.empty(shape)
    above = np.empty(shape)  # demand less occupancy, mean over the year
    peak = np.empty(shape, dtype=ds["occupancy"].dtype)
    short = np.full(shape, np.nan)
    euros = np.zeros(shape)
    back = np.zeros(shape) if "returns" in ds else None  # re-entry: returns in the year
    per_day = ds["cost_per_day"].fillna(0.0)
    per_place = ds["cost_per_place"].fillna(0.0)
    plain = [str(u) for u in ds["unit"].values if u != "total"]
    for k, u in enumerate(units):
        r = passed[u]
        mean[:, :, k] = r["y_mean"]
        waiting[:, :, k] = r["y_wait"]
        lacking[:, :, k] = r["y_lack"]
        above[:, :, k] = r["y_above"]
        peak[:, :, k] = r["y_peak"]
        if back is not None:
            back[:, :, k] = r["y_returns"]
        if r["y_short"] is not None:
            short[:, :, k] = r["y_short"]
        if u in plain:
            places = np.add.reduceat(np.nan_to_num(ds["capacity"].sel(unit=u).values), starts)
            euros[:, :, k] = (
                float(per_day.sel(unit=u)) * r["y_total"] + float(per_place.sel(unit=u)) * places
            )
            if "place_cost" in ds:  # the places capacity policies add (daily_costs too)
                euros[:, :, k] += np.add.reduceat(ds["place_cost"].sel(unit=u).values, starts)
    for k, u in enumerate(units):  # a pool's euros and the total's: their units'
        if u not in plain:
            members = plain if u == "total" else _members(ds, u)
            euros[:, :, k] = euros[:, :, [units.index(m) for m in members]].sum(axis=2)
    coords = {"replication": ds["replication"].values, "year": y.labels, "unit": units}
    dims = ("replication", "year", "unit")
    out = xr.Dataset(
        {
            "occupancy_mean": (dims, mean),
            "demand_mean": (dims, mean + above),
            "demand_max": (dims, peak),
            "shortage": (dims, short),
            "euros": (dims, euros),
            "waiting_mean": (dims, waiting),
            "unplaced_mean": (dims, lacking),
            "days": ("year", days),
        },
        coords=coords,
    )
    if back is not None:
        out["returns"] = (dims, back)
        out["returns"].attrs.update(
            units="persons",
            long_name="admissions in the year that are returns (re-entry; total: into a cell)",
        )
    out["occupancy_mean"].attrs.update(units="persons", long_name="mean occupancy in the year")
    out["demand_mean"].attrs.update(
        units="persons",
        long_name="mean demand in the year: everyone who would be inside without limits "
        "(occupancy + unplaced - deferred)",
    )
    out["demand_max"].attrs.update(
        units="persons",
        long_name="highest demand in the year: everyone who would be inside without limits",
    )
    out["shortage"].attrs.update(
        units="1",
        long_name="1 if on at least one day of the year demand (occupancy plus those who need a "
        "place and lack one) exceeded the shortage threshold (total: in any pool)",
    )
    out["unplaced_mean"].attrs.update(
        units="persons", long_name="mean number who need a place and lack one in the year"
    )
    out["euros"].attrs.update(units="EUR", long_name="cost in the year")
    out["waiting_mean"].attrs.update(
        units="persons", long_name="mean number waiting for a place in the year"
    )
    return out


def yearly_summary(ds: xr.Dataset) -> pd.DataFrame:
    """Per year and unit: P10/P50/P90 of mean occupancy, mean usable capacity and
    threshold, the probability of at least one shortage day, mean and P10/P90 of
    the cost in euros. Years cut by the run's start or end are marked partial."""
    return _memo(ds, "yearly_summary", _yearly_summary)


def _yearly_summary(ds: xr.Dataset) -> pd.DataFrame:
    y = yearly(ds)
    q = y["occupancy_mean"].quantile([0.1, 0.5, 0.9], dim="replication")
    d = y["demand_mean"].quantile([0.1, 0.5, 0.9], dim="replication")
    e = y["euros"].quantile([0.1, 0.9], dim="replication")
    frame = pd.DataFrame(
        {
            "occupancy_p10": q.sel(quantile=0.1).to_series(),
            "occupancy_p50": q.sel(quantile=0.5).to_series(),
            "occupancy_p90": q.sel(quantile=0.9).to_series(),
            "demand_p10": d.sel(quantile=0.1).to_series(),
            "demand_p50": d.sel(quantile=0.5).to_series(),
            "demand_p90": d.sel(quantile=0.9).to_series(),
            "unplaced_mean": y["unplaced_mean"].mean("replication").to_series(),
            "capacity": _per_year(ds, "capacity").to_series(),
            "threshold": _per_year(ds, "threshold").to_series(),
            "p_shortage": y["shortage"].mean("replication").to_series(),
            "euros_mean": y["euros"].mean("replication").to_series(),
            "euros_p10": e.sel(quantile=0.1).to_series(),
            "euros_p90": e.sel(quantile=0.9).to_series(),
        }
    )
    frame.index = frame.index.set_names(["year", "unit"])
    frame = frame.reset_index()
    frame["days"] = frame["year"].map(y["days"].to_series())
    pmj = ds["pmj"].to_series()
    frame["pmj"] = [
        pmj.get((yr, u), np.nan) for yr, u in zip(frame["year"], frame["unit"], strict=True)
    ]
    frame["gap_pmj"] = frame["occupancy_p50"] - frame["pmj"]
    pmj_rows = ds["pmj"].reindex(unit=rows(ds))
    over = (y["demand_max"] > pmj_rows).where(pmj_rows.notnull()).mean("replication")
    over = over.to_series()
    frame["p_above_pmj"] = [
        over.get((yr, u), np.nan) for yr, u in zip(frame["year"], frame["unit"], strict=True)
    ]
    frame["unit"] = pd.Categorical(frame["unit"], categories=rows(ds), ordered=True)
    return frame.sort_values(["year", "unit"], kind="stable").reset_index(drop=True)


def _per_year(ds: xr.Dataset, name: str, how: str = "mean") -> xr.DataArray:
    """(year, row) of a unit's or pool's capacity, threshold or margin (the
    places kept free: capacity less threshold) over the year."""
    return _memo(ds, f"per_year/{name}/{how}", lambda d: _per_year_of(d, name, how))


def _per_year_of(ds: xr.Dataset, name: str, how: str) -> xr.DataArray:
    year = ds["time"].dt.year
    names = rows(ds)

    def one(r: str) -> np.ndarray:
        if name == "margin":
            return limit(ds, "capacity", r) - limit(ds, "threshold", r)
        return limit(ds, name, r)

    table = np.stack([one(r) for r in names], axis=1)
    arr = xr.DataArray(table, dims=("time", "unit"), coords={"time": ds["time"], "unit": names})
    return getattr(arr.groupby(year), how)("time")
