"""The one pass over a run's counts (run/sweep) gives, to the bit, what the
straightforward reductions give: each figure read row by row with the
functions of run/rows (a pool's units summed, a shortage judged on demand, the
total short in any pool), in memory and from a store on disk."""

from __future__ import annotations

import numpy as np
import pytest

import capaciteit as cap
from capaciteit.run.results import (
    beyond,
    judged,
    limit,
    monthly_summary,
    pools,
    reuse,
    rows,
    series,
    shortage_days,
    yearly,
)

from .conftest import SCENARIOS
from .test_pools import TWO


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
