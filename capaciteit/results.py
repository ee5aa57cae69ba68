"""The dataset of a run, and the reductions users ask of it.

Layout follows the contract: ``occupancy``, ``waiting``, ``admissions`` and
``releases`` over ``(replication, time, unit)``, ``capacity`` over
``(time, unit)``, plus ``stock_by_status`` over ``(replication, time, status)``.
Reductions are plain functions of a Dataset.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import xarray as xr

from . import __version__

VARIABLES = {
    "occupancy": ("persons", "persons present at the end of the day"),
    "waiting": ("persons", "persons waiting for a place in the unit at the end of the day"),
    "admissions": (
        "persons/day",
        "entries into the unit that day (transfers in included; for total: entries into a cell "
        "from outside the cell units)",
    ),
    "releases": (
        "persons/day",
        "exits from the unit that day (transfers out included; for total: exits from the cell "
        "units)",
    ),
    "stock_by_status": ("persons", "persons in cells at the end of the day, by legal status"),
}


def to_dataset(model, arrays: dict[str, np.ndarray], seed: int, start_stock: dict) -> xr.Dataset:
    """Label the stacked arrays of a run."""
    sc = model.scenario
    n = next(iter(arrays.values())).shape[0]
    coords = {
        "replication": np.arange(n),
        "time": model.output_dates().astype("datetime64[ns]"),
        "unit": [*model.unit_names, "total"],
        "status": model.statuses,
    }
    data = {}
    for name, (units, desc) in VARIABLES.items():
        dims = ("replication", "time", "status" if name == "stock_by_status" else "unit")
        data[name] = xr.Variable(dims, arrays[name], {"units": units, "long_name": desc})
    data["capacity"] = xr.Variable(
        ("time", "unit"),
        model.capacity,
        {"units": "places", "long_name": "places available that day (NaN: none set)"},
    )
    ds = xr.Dataset(data, coords=coords)
    ds["unit"].attrs["long_name"] = "capacity unit; 'total' sums the cell-occupying units"
    ds["replication"].attrs["long_name"] = "replication r uses SeedSequence(seed).spawn(...)[r]"
    ds.attrs.update(
        {
            "scenario": sc.name,
            "scenario_title": sc.scenario.title or "",
            "scenario_hash": sc.content_hash or "",
            "seed": seed,
            "replications": n,
            "capaciteit_version": __version__,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "start_stock": start_stock.get("value", model.start_stock),
            "start_stock_kind": start_stock["kind"],
            "start_stock_source": start_stock.get("source", ""),
            "calibration": json.dumps(start_stock.get("calibration", {})),
            "cell_units": ",".join(
                n for n, c in zip(model.unit_names, model.cell, strict=True) if c
            ),
        }
    )
    return ds


def monthly_summary(ds: xr.Dataset) -> pd.DataFrame:
    """Per month and unit: P10/P50/P90 over replications of the monthly mean
    occupancy, its mean, the mean capacity, the share of replications with at
    least one day over capacity that month (empty where no capacity is set), the
    mean number waiting and the mean admissions in the month.

    Works unit by unit on the integer arrays, so memory stays small however many
    replications the run has.
    """
    months = ds["time"].values.astype("datetime64[M]")
    starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]])
    days = np.diff(np.r_[starts, months.size])
    labels = [str(m) for m in months[starts]]
    rows = []
    for u in ds["unit"].values:
        occ = ds["occupancy"].sel(unit=u).values  # (replication, time) int
        cap = ds["capacity"].sel(unit=u).values
        mean = np.add.reduceat(occ, starts, axis=1) / days  # (replication, month)
        q10, q50, q90 = np.quantile(mean, [0.1, 0.5, 0.9], axis=0)
        capm = np.add.reduceat(cap, starts) / days
        if np.isnan(cap).all():
            over = np.full(len(starts), np.nan)
        else:
            over = np.maximum.reduceat(occ > cap, starts, axis=1).mean(axis=0)
        wait = np.add.reduceat(ds["waiting"].sel(unit=u).values, starts, axis=1) / days
        adm = np.add.reduceat(ds["admissions"].sel(unit=u).values, starts, axis=1)
        rows.append(
            pd.DataFrame(
                {
                    "month": labels,
                    "unit": str(u),
                    "occupancy_p10": q10,
                    "occupancy_p50": q50,
                    "occupancy_p90": q90,
                    "occupancy_mean": mean.mean(axis=0),
                    "capacity": capm,
                    "p_over_capacity": over,
                    "waiting_mean": wait.mean(axis=0),
                    "admissions_mean": adm.mean(axis=0),
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    frame["unit"] = pd.Categorical(frame["unit"], categories=list(ds["unit"].values), ordered=True)
    return frame.sort_values(["month", "unit"], kind="stable").reset_index(drop=True)
