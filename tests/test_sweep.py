"""The one pass over a run's counts (run/sweep) gives, to the bit, what the
straightforward reductions gave before it (kept below as they were, reading each
row's variables again for each figure with the functions of run/rows), in
memory and from a store on disk, with pools of several units, places a response
opened, and returns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import capaciteit as cap
from capaciteit.outputs.report.sections import reentry_section
from capaciteit.run.results import (
    _members,
    beyond,
    judged,
    limit,
    monthly_summary,
    pools,
    reuse,
    rows,
    series,
    shortage_days,
    swept,
    yearly,
)

from .conftest import SCENARIOS
from .test_pools import TWO


# --- the reductions as they were before the sweep (3082190), the oracle --------
def _old_monthly(ds: xr.Dataset) -> pd.DataFrame:
    """Works unit by unit on the integer arrays, so memory stays small however many
    replications the run has.
    """
    months = ds["time"].values.astype("datetime64[M]")
    starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]])
    days = np.diff(np.r_[starts, months.size])
    labels = [str(m) for m in months[starts]]
    out = []
    for u in rows(ds):
        occ = series(ds, "occupancy", u)  # (replication, time) int
        cap = limit(ds, "capacity", u)
        mean = np.add.reduceat(occ, starts, axis=1) / days  # (replication, month)
        q10, q50, q90 = np.quantile(mean, [0.1, 0.5, 0.9], axis=0)
        capm = np.add.reduceat(cap, starts) / days
        known = judged(ds, u)
        over = short = np.full(len(starts), np.nan)
        if not np.isnan(cap).all():
            over = np.maximum.reduceat(occ > cap, starts, axis=1).mean(axis=0)
        if known.any():
            short = np.maximum.reduceat(shortage_days(ds, u, occ), starts, axis=1).mean(axis=0)
            short[np.add.reduceat(known, starts) == 0] = np.nan
        wait = np.add.reduceat(series(ds, "waiting", u), starts, axis=1) / days
        lack = np.add.reduceat(series(ds, "unplaced", u), starts, axis=1) / days
        adm = np.add.reduceat(series(ds, "admissions", u), starts, axis=1)
        loop = {}
        if "returns" in ds:  # re-entry: admissions that are returns, and who came in as one
            back = np.add.reduceat(series(ds, "returns", u), starts, axis=1)
            loop["returns_mean"] = back.mean(axis=0)
            inside = np.full(len(starts), np.nan)
            if str(u) == "total":
                inside = (
                    np.add.reduceat(ds["returned_inside"].values, starts, axis=1) / days
                ).mean(0)
            loop["returned_inside_mean"] = inside
        out.append(
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
                    "p_shortage": short,
                    "waiting_mean": wait.mean(axis=0),
                    "unplaced_mean": lack.mean(axis=0),
                    "admissions_mean": adm.mean(axis=0),
                    **loop,
                }
            )
        )
    frame = pd.concat(out, ignore_index=True)
    frame["unit"] = pd.Categorical(frame["unit"], categories=rows(ds), ordered=True)
    return frame.sort_values(["month", "unit"], kind="stable").reset_index(drop=True)


def _old_yearly(ds: xr.Dataset) -> xr.Dataset:
    """Works unit by unit on the integer arrays (as :func:`monthly_summary`), so a
    national run of 1,000 replications needs no float copy of the daily cube.
    """
    years = ds["time"].dt.year.values
    starts = np.flatnonzero(np.r_[True, years[1:] != years[:-1]])
    days = np.diff(np.r_[starts, years.size])
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
        occ = series(ds, "occupancy", u)  # (replication, time) int
        total = np.add.reduceat(occ, starts, axis=1, dtype=np.int64)
        mean[:, :, k] = total / days
        wait = series(ds, "waiting", u)
        waiting[:, :, k] = np.add.reduceat(wait, starts, axis=1, dtype=np.int64) / days
        lack = series(ds, "unplaced", u)
        lacking[:, :, k] = np.add.reduceat(lack, starts, axis=1, dtype=np.int64) / days
        more = beyond(ds, u)
        above[:, :, k] = np.add.reduceat(more, starts, axis=1, dtype=np.int64) / days
        peak[:, :, k] = np.maximum.reduceat(occ + more, starts, axis=1)
        if back is not None:
            back[:, :, k] = np.add.reduceat(series(ds, "returns", u), starts, axis=1)
        known = judged(ds, u)
        if known.any():
            over = np.maximum.reduceat(shortage_days(ds, u), starts, axis=1)
            short[:, :, k] = np.where(np.add.reduceat(known, starts) > 0, over, np.nan)
        if u in plain:
            places = np.add.reduceat(np.nan_to_num(ds["capacity"].sel(unit=u).values), starts)
            euros[:, :, k] = (
                float(per_day.sel(unit=u)) * total + float(per_place.sel(unit=u)) * places
            )
            if "place_cost" in ds:  # the places capacity policies add (daily_costs too)
                euros[:, :, k] += np.add.reduceat(ds["place_cost"].sel(unit=u).values, starts)
    for k, u in enumerate(units):  # a pool's euros and the total's: their units'
        if u not in plain:
            members = plain if u == "total" else _members(ds, u)
            euros[:, :, k] = euros[:, :, [units.index(m) for m in members]].sum(axis=2)
    return {
        "occupancy_mean": mean,
        "demand_mean": mean + above,
        "demand_max": peak,
        "shortage": short,
        "euros": euros,
        "waiting_mean": waiting,
        "unplaced_mean": lacking,
        **({} if back is None else {"returns": back}),
    }


def _same(a, b) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def _starts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return starts, np.diff(np.r_[starts, keys.size])


def _check(ds) -> None:
    """Every row's monthly, yearly and daily figures against a plain re-reading."""
    ms, ys = _starts(ds["time"].values.astype("datetime64[M]")), _starts(ds["time"].dt.year.values)
    with reuse(ds):
        month, year = monthly_summary(ds), yearly(ds)
        by_day = ds.cap.shortage_probability("day")
        by_month = ds.cap.shortage_probability("month")
        passed = swept(ds)
        table = reentry_section(ds, "en")
    assert month.equals(_old_monthly(ds))  # every column, to the bit
    old = _old_yearly(ds)
    assert sorted(old) == sorted(v for v in year.data_vars if v != "days")
    for name, values in old.items():
        assert _same(year[name].values, values), name
        assert year[name].dtype == values.dtype, name
    if "returns" in ds:  # the re-entry table: the means of the totals it had
        y = ds["time"].dt.year
        adm = ds["admissions"].sel(unit="total").groupby(y).sum("time").mean("replication")
        inside = ds["returned_inside"].groupby(y).mean("time").mean("replication")
        assert _same(passed["total"]["y_adm"], adm.values)
        assert np.allclose(passed["total"]["y_inside"], inside.values, rtol=1e-12, atol=0)
        assert len(table.rows) == adm.size
    for u in rows(ds):
        occ, more = series(ds, "occupancy", u), beyond(ds, u)
        units = pools(ds).get(u, [u]) if u != "total" else ["total"]
        assert _same(occ, ds["occupancy"].sel(unit=units).sum("unit").values), u
        short, known = shortage_days(ds, u), judged(ds, u)
        m = month[month["unit"] == u]
        mean = np.add.reduceat(occ, ms[0], axis=1) / ms[1]
        assert _same(m["occupancy_p50"], np.quantile(mean, 0.5, axis=0)), u
        assert _same(m["occupancy_mean"], mean.mean(axis=0)), u
        wait = np.add.reduceat(series(ds, "waiting", u), ms[0], axis=1) / ms[1]
        assert _same(m["waiting_mean"], wait.mean(axis=0)), u
        cap_ = limit(ds, "capacity", u)
        if not np.isnan(cap_).all():
            over = np.maximum.reduceat(occ > cap_, ms[0], axis=1).mean(axis=0)
            assert _same(m["p_over_capacity"], over), u
        y = year.sel(unit=u)
        total = np.add.reduceat(occ, ys[0], axis=1, dtype=np.int64)
        assert _same(y["occupancy_mean"], total / ys[1]), u
        assert _same(y["demand_max"], np.maximum.reduceat(occ + more, ys[0], axis=1)), u
        if "returns" in ds:
            assert _same(y["returns"], np.add.reduceat(series(ds, "returns", u), ys[0], axis=1))
        if known.any():
            p_month = np.maximum.reduceat(short, ms[0], axis=1).mean(axis=0)
            p_month[np.add.reduceat(known, ms[0]) == 0] = np.nan
            assert _same(m["p_shortage"], p_month), u
            assert _same(by_month.sel(unit=u), p_month), u
            p_day = short.mean(axis=0)
            p_day[~known] = np.nan
            assert _same(by_day.sel(unit=u), p_day), u
            over = np.maximum.reduceat(short, ys[0], axis=1)
            assert _same(y["shortage"], np.where(np.add.reduceat(known, ys[0]) > 0, over, np.nan))
        else:
            assert np.isnan(y["shortage"]).all() and np.isnan(by_day.sel(unit=u)).all()


def test_a_pool_of_several_units_in_memory_and_from_disk(tmp_path):
    path = tmp_path / "two.toml"
    hvb = '[[stream]]\nname = "hvb"\nunit = "men_hvb"\nrate_per_year = 365.25\n'
    hvb += 'stay = { distribution = "fixed", days = 60 }\n'
    # women short on some days; men in two units of one pool
    path.write_text(TWO.replace("WOMEN", "62") + hvb)
    sc = cap.load_scenario(path)
    mem = cap.simulate(sc, replications=6, seed=3)
    assert "men_closed" in rows(mem) and 0 < float(shortage_days(mem, "total").mean()) < 1
    assert (mem["occupancy"].sel(unit=["men", "men_hvb"]) > 0).all()
    _check(mem)
    disk = cap.simulate(sc, replications=6, seed=3, store=tmp_path / "store")
    assert disk["occupancy"].chunks is not None  # read through dask
    _check(disk)
    with reuse(mem), reuse(disk):
        assert monthly_summary(mem).equals(monthly_summary(disk))
        assert yearly(mem).identical(yearly(disk))


@pytest.mark.parametrize("name", ["shortage-measures-2024", "baseline"])
def test_responses_and_returns(name):
    """Places a response opened, those it called up late, and the returns."""
    ds = cap.simulate(cap.load_scenario(SCENARIOS / f"{name}.toml"), replications=3, seed=5)
    assert "returns" in ds
    _check(ds)


def test_places_a_response_opened(tmp_path):
    """The threshold with the places a response opened (the women's pool is full:
    about 60 in 50 places, 5 more on the days it acts)."""
    path = tmp_path / "extra.toml"
    path.write_text(
        TWO.replace("WOMEN", "50") + '\n[[response]]\nname = "women extra"\nkind = "extra_places"\n'
        'start = 2030-06-01\nunit = "women"\nplaces = 5\n'
    )
    ds = cap.simulate(cap.load_scenario(path), replications=4, seed=3)
    assert int(ds["extra_places"].sum()) > 0
    _check(ds)
