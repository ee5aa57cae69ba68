"""The rows of a run's summaries (each unit, each pool of several units, the
total) and each variable read for a row: a pool sums its units, and demand is
occupancy plus those who need a place and lack one."""

from __future__ import annotations

import json

import numpy as np
import xarray as xr


def pools(ds: xr.Dataset) -> dict[str, list[str]]:
    """The run's pools of places (name -> its units): every unit with a capacity
    is in one; a dataset from before pools has one per such unit."""
    if "pools" in ds.attrs:
        return json.loads(ds.attrs["pools"])
    units = [str(u) for u in ds["unit"].values if u != "total"]
    return {u: [u] for u in units if ds["threshold"].sel(unit=u).notnull().any()}


def rows(ds: xr.Dataset) -> list[str]:
    """The rows of summaries: each unit, each pool of several units, ``total``."""
    units = [str(u) for u in ds["unit"].values]
    extra = [p for p, members in pools(ds).items() if members != [p]]
    return [u for u in units if u != "total"] + extra + (["total"] if "total" in units else [])


def _members(ds: xr.Dataset, row: str) -> list[str]:
    return pools(ds).get(row, [row]) if row not in ds["unit"].values else [row]


def series(ds: xr.Dataset, name: str, row: str) -> np.ndarray:
    """(replication, time) of a variable for a unit, a pool (its units summed)
    or ``total``."""
    units = _members(ds, row)
    if name not in ds:
        return np.zeros((ds.sizes["replication"], ds.sizes["time"]), np.int64)
    if len(units) == 1:
        return read(ds[name].sel(unit=units[0]))
    out = read(ds[name].sel(unit=units[0])).astype(np.int64)
    for u in units[1:]:
        out += read(ds[name].sel(unit=u))
    return out


def read(x: xr.DataArray) -> np.ndarray:
    """The values of one slice (a unit's, say). Read from a run's store (dask,
    chunks of one unit), it is computed on this thread with its graph as it is:
    for the few chunks of one unit, the threaded scheduler and the graph's
    optimisation cost more than the read itself (1,000 national replications:
    about 60 ms a unit against 120-190 ms)."""
    data = x.data
    if hasattr(data, "__dask_graph__"):
        return np.asarray(data.compute(scheduler="synchronous", optimize_graph=False))
    return np.asarray(data)


def limit(ds: xr.Dataset, name: str, row: str) -> np.ndarray:
    """(time,) capacity or threshold of a unit or pool (NaN: none set)."""
    units = _members(ds, row)
    return ds[name].sel(unit=units).sum("unit", min_count=len(units)).values


def judged(ds: xr.Dataset, row: str) -> np.ndarray:
    """(time,) True on the days a shortage can be judged in the row: its places
    are set (for ``total``: those of any pool)."""
    names = list(pools(ds)) if row == "total" else [row]
    known = np.zeros(ds.sizes["time"], bool)
    for r in names:
        known |= np.isfinite(limit(ds, "threshold", r))
    return known


def shortage_days(ds: xr.Dataset, unit: str, occ: np.ndarray | None = None) -> np.ndarray:
    """(replication, time) booleans: a shortage that day in the unit or pool: its
    demand (occupancy plus those who need a place there and lack one: on its
    waiting list, turned away, held back by a response or released early) above
    its threshold (usable places less the margin, plus places a response
    opened); the places needed (:func:`capaciteit.outputs.capacity.need`) are the same
    comparison. For ``total``: a shortage in any pool (the total is never a place
    to put someone). False where no capacity is set."""
    if unit == "total" and ("pools" in ds.attrs or "unit" in ds.dims):
        out = np.zeros((ds.sizes["replication"], ds.sizes["time"]), bool)
        for p in pools(ds):
            out |= shortage_days(ds, p)
        return out
    if occ is None:
        occ = series(ds, "occupancy", unit)
    lim = limit(ds, "threshold", unit)[None, :]
    if "extra_places" in ds:
        lim = lim + series(ds, "extra_places", unit)
    return occ + beyond(ds, unit) > lim  # NaN compares False


def beyond(ds: xr.Dataset, row: str) -> np.ndarray:
    """(replication, time): demand less occupancy: those who need a place in the
    row and lack one, less those inside only because a response called them up
    late (``deferred``). Occupancy plus this is everyone who would be inside
    without limits."""
    out = series(ds, "unplaced", row)
    if "deferred" in ds:
        out = out - series(ds, "deferred", row)
    return out


def demand(ds: xr.Dataset, row: str) -> np.ndarray:
    """(replication, time): everyone who would be inside the unit or pool without
    limits: occupancy + unplaced - deferred."""
    return series(ds, "occupancy", row) + beyond(ds, row)
