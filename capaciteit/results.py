"""The dataset of a run, and the reductions users ask of it.

Layout follows the contract: ``occupancy``, ``waiting``, ``admissions`` and
``releases`` over ``(replication, time, unit)``, ``capacity`` over
``(time, unit)``, plus ``stock_by_status`` over ``(replication, time, status)``.
Reductions are plain functions of a Dataset.
"""

from __future__ import annotations

import datetime as dt

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
            "cell_units": ",".join(
                n for n, c in zip(model.unit_names, model.cell, strict=True) if c
            ),
        }
    )
    return ds


def monthly_summary(ds: xr.Dataset) -> pd.DataFrame:
    """Per month and unit: P10/P50/P90 of the monthly mean occupancy over
    replications, mean capacity, and the share of replications with at least one
    day over capacity that month."""
    occ = ds["occupancy"]
    month = ds["time"].dt.strftime("%Y-%m")
    mean_occ = occ.groupby(month).mean("time")
    q = mean_occ.quantile([0.1, 0.5, 0.9], dim="replication")
    over = (occ > ds["capacity"]).groupby(month).any("time").mean("replication")
    cap = ds["capacity"].groupby(month).mean("time")
    wait = ds["waiting"].groupby(month).mean("time").mean("replication")
    adm = ds["admissions"].groupby(month).sum("time").mean("replication")
    frame = pd.DataFrame(
        {
            "occupancy_p10": q.sel(quantile=0.1).to_series(),
            "occupancy_p50": q.sel(quantile=0.5).to_series(),
            "occupancy_p90": q.sel(quantile=0.9).to_series(),
            "occupancy_mean": mean_occ.mean("replication").to_series(),
            "capacity": cap.to_series(),
            "p_over_capacity": over.to_series().where(cap.notnull().to_series()),
            "waiting_mean": wait.to_series(),
            "admissions_mean": adm.to_series(),
        }
    )
    frame.index = frame.index.set_names(["month", "unit"])
    units = list(ds["unit"].values)
    frame = frame.reset_index()
    frame["unit"] = pd.Categorical(frame["unit"], categories=units, ordered=True)
    return frame.sort_values(["month", "unit"]).reset_index(drop=True)
