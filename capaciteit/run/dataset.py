"""The dataset of a run: its variables, labelled and described, with the
scenario's capacities, costs and PMJ figures beside them.

Layout follows the contract: ``occupancy``, ``waiting``, ``admissions`` and
``releases`` over ``(replication, time, unit)``, ``capacity`` over
``(time, unit)``, plus ``stock_by_status`` over ``(replication, time, status)``.
The engine's ``cautions`` and ``court_curve`` are imported inside
:func:`to_dataset`, where they are used (and ``Caution`` inside
:func:`run_cautions`, which reads them back); the modules that read a dataset
(:mod:`~capaciteit.run.rows`, :mod:`~capaciteit.run.reductions`) import
nothing from the simulation.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from capaciteit.version import __version__

if TYPE_CHECKING:
    from capaciteit.sim.cautions import Caution

VARIABLES = {
    "occupancy": ("persons", "persons present at the end of the day"),
    "waiting": ("persons", "persons waiting for a place in the unit at the end of the day"),
    "unplaced": (
        "persons",
        "persons who need a place in the unit and lack one because it is full, at the end of "
        "the day: on its waiting list, turned away, held back by a response (not called up, "
        "in a police cell; at most for the stay they would have had) or released early (by "
        "a response or an early-release policy, until the law's day); demand, everyone who "
        "would be inside without limits, is occupancy + unplaced (- deferred, where a "
        "response called someone up late). total: those who lack a cell and are in none "
        "(not those waiting in a cell for a special unit)",
    ),
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
    from capaciteit.sim.cautions import cautions

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
    if "deferred" in arrays:  # only where responses can call someone up late
        data["deferred"] = xr.Variable(
            ("replication", "time", "unit"),
            arrays["deferred"],
            {
                "units": "persons",
                "long_name": "persons in a cell after the day they would have left without "
                "limits (called up late, the rest of their stay): demand = occupancy + "
                "unplaced - deferred",
            },
        )
    if "returns" in arrays:  # only with re-entry
        data["returns"] = xr.Variable(
            ("replication", "time", "unit"),
            arrays["returns"],
            {
                "units": "persons/day",
                "long_name": "admissions that are returns (people released before, in the run "
                "or before its start, admitted again), by the unit of their stream; total: "
                "their entries into a cell. First admissions are admissions - returns (total)",
            },
        )
        data["returned_inside"] = xr.Variable(
            ("replication", "time"),
            arrays["returned_inside"],
            {
                "units": "persons",
                "long_name": "people in cells at the end of the day who came in as a return "
                "(their planned time in cells, before any full wing or response moves them)",
            },
        )
    if "response_acted" in arrays:
        coords["response"] = [r.name for r in sc.response]
        dims = ("replication", "time", "response")
        data["response_acted"] = xr.Variable(
            dims,
            arrays["response_acted"],
            {"units": "1", "long_name": "1 on the days the response acted (the prisons full)"},
        )
        data["response_moved"] = xr.Variable(
            dims,
            arrays["response_moved"],
            {
                "units": "persons/day",
                "long_name": "people the response moved that day "
                "(released early, not called up, held in a police cell; places it opened)",
            },
        )
        data["extra_places"] = xr.Variable(
            ("replication", "time", "unit"),
            arrays["extra_places"],
            {
                "units": "places",
                "long_name": "places opened by responses that day, on top "
                "of capacity (two in a cell, rented)",
            },
        )
    data["capacity"] = xr.Variable(
        ("time", "unit"),
        model.capacity,
        {
            "units": "places",
            "long_name": "places available that day: the plan times the "
            "usable share (NaN: none set)",
        },
    )
    data["capacity_planned"] = xr.Variable(
        ("time", "unit"),
        model.planned,
        {"units": "places", "long_name": "places in the capacity plan"},
    )
    data["threshold"] = xr.Variable(
        ("time", "unit"),
        model.threshold,
        {
            "units": "places",
            "long_name": "shortage threshold: usable places less the "
            "operational margin; occupancy above it is a shortage",
        },
    )
    costs = np.array([[u.cost_per_day, u.cost_per_place] for u in sc.unit] + [[np.nan] * 2])
    data["cost_per_day"] = xr.Variable(
        ("unit",),
        costs[:, 0],
        {"units": "EUR/place/day", "long_name": "cost of an occupied place per day"},
    )
    data["cost_per_place"] = xr.Variable(
        ("unit",),
        costs[:, 1],
        {"units": "EUR/place/day", "long_name": "cost of a usable place per day"},
    )
    data["place_cost"] = xr.Variable(
        ("time", "unit"),
        _place_costs(model, len(coords["unit"])),
        {
            "units": "EUR/day",
            "long_name": "cost of the places capacity policies add (negative: the places "
            "they take away save), from their cost_per_place_per_year",
        },
    )
    years = np.unique(model.output_dates().astype("datetime64[Y]").astype(int) + 1970)
    pmj = np.full((years.size, len(coords["unit"])), np.nan)
    for p in sc.pmj_figures():
        if p.year in years and p.unit in coords["unit"]:
            pmj[np.searchsorted(years, p.year), coords["unit"].index(p.unit)] = p.places
    data["pmj"] = xr.Variable(
        ("year", "unit"),
        pmj,
        {
            "units": "places",
            "long_name": "PMJ figure (capacity need or plan), from the scenario",
            "sources": "; ".join(sorted({p.source for p in sc.pmj_figures()})),
        },
    )
    coords["year"] = years
    if sc.court is not None:
        from capaciteit.sim.engine import court_curve

        days, share = court_curve(model)
        t = model.warmup + np.arange(model.n_days) + 1.0  # the end of each day
        data["court_backlog"] = xr.Variable(
            ("time",),
            (1 - np.interp(t, days, share)) * sc.court.backlog_cases,
            {"units": "cases", "long_name": "COVID-19 court backlog: cases not yet heard"},
        )
    ds = xr.Dataset(data, coords=coords)
    ds["unit"].attrs["long_name"] = "capacity unit; 'total' sums the cell-occupying units"
    ds["replication"].attrs["long_name"] = "replication r uses SeedSequence(seed).spawn(...)[r]"
    ds["time"].attrs["long_name"] = "day (counts are taken at its end)"
    ds["status"].attrs["long_name"] = "legal status of the people in cells"
    ds["year"].attrs["long_name"] = "calendar year (of the PMJ figures)"
    if "response" in ds.coords:
        ds["response"].attrs["long_name"] = "system response to a shortage, by its name"
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
            "pools": json.dumps(sc.pools()),
            "unit_labels": json.dumps(sc.unit_labels()),
            "costs": json.dumps(sc.costs.model_dump(exclude_none=True)),
            "cautions": json.dumps([c.to_json() for c in cautions(model)]),
        }
    )
    return ds


def _place_costs(model, width: int) -> np.ndarray:
    """(days, units + total): euros a day for the places capacity policies add."""
    from capaciteit.scenario import CapacityChange

    out = np.zeros((model.n_days, width))
    days = model.warmup + np.arange(model.n_days)
    for p in model.scenario.policy:
        if isinstance(p, CapacityChange) and p.cost_per_place_per_year:
            start = model.day_of(p.start)
            end = model.day_of(p.end) if p.end else np.inf
            on = (days >= start) & (days < end)
            u = model.unit_names.index(p.unit)
            out[on, u] += p.places * p.cost_per_place_per_year / 365.25
    return out


def run_cautions(ds: xr.Dataset) -> list[Caution | str]:
    """What a reader of the run must know: the scenario's cautions, from the
    dataset, each a :class:`~capaciteit.sim.cautions.Caution` (``str()`` is the
    English the command line warned; ``capaciteit.outputs.cautions`` writes it in
    a report's language). A dataset written before the cautions were data holds
    their English sentences: those come back as the strings they are."""
    from capaciteit.sim.cautions import Caution

    stored = json.loads(ds.attrs.get("cautions", "[]") or "[]")
    return [c if isinstance(c, str) else Caution.from_json(c) for c in stored]
