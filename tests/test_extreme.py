"""Extreme but valid scenarios: ten times the inflow, no places at all, a
50-year horizon. Each finishes with exact accounting and the numbers queueing
theory predicts, and says what makes its results special (a ScenarioWarning)."""

from __future__ import annotations

import datetime as dt
import math
import tomllib
import warnings

import numpy as np
import pytest
from scipy import integrate, stats

import capaciteit as cap
from capaciteit.errors import ScenarioWarning
from capaciteit.run.results import shortage_days
from capaciteit.scenario import parse_scenario
from capaciteit.sim.distributions import lognormal_params

from .conftest import SCENARIOS


def check_accounting(ds, sc) -> None:
    """The books balance, per replication, day and unit: the change in occupancy
    is admissions less releases; `total` is the sum of the cell units, for
    occupancy and waiting; the stock by legal status sums to the total; nobody
    is counted negative; and a unit with `when_full` holds no more than its
    capacity (plus places a response opened), except that a capacity cut moves
    nobody out: it then only admits no one."""
    names = [u.name for u in sc.unit]
    assert [str(u) for u in ds.unit.values] == [*names, "total"]
    occ = ds.occupancy.values.astype(np.int64)
    net = (ds.admissions - ds.releases).values.astype(np.int64)
    assert np.array_equal(np.diff(occ, axis=1), net[:, 1:])
    assert (occ >= 0).all() and (ds.waiting.values >= 0).all()
    cells = [i for i, u in enumerate(sc.unit) if u.occupies_cell]
    assert np.array_equal(occ[..., cells].sum(-1), occ[..., -1])
    wait = ds.waiting.values.astype(np.int64)
    assert np.array_equal(wait[..., :-1].sum(-1), wait[..., -1])
    assert np.array_equal(ds.stock_by_status.sum("status").values, occ[..., -1])
    for i, u in enumerate(sc.unit):
        if u.when_full is None:
            continue
        limit = np.broadcast_to(ds.capacity.values[:, i], occ.shape[:2])
        if "extra_places" in ds:
            limit = limit + ds.extra_places.values[..., i]
        day = occ[:, 1:, i]
        assert (day <= np.maximum(limit[:, 1:], occ[:, :-1, i])).all(), u.name


def stylized(**changes):
    """scenarios/stylized.toml with ``changes``: {"scenario.end": date,
    "unit[1].capacity": 0, ...}."""
    data = tomllib.loads((SCENARIOS / "stylized.toml").read_text())
    for path, value in changes.items():
        node, *keys = path.replace("[", ".").replace("]", "").split(".")
        target = data[node]
        for k in keys[:-1]:
            target = target[int(k) if k.isdigit() else k]
        last = keys[-1]
        target[int(last) if last.isdigit() else last] = value
    return parse_scenario(data, "stylized.toml")


def run(sc, **kw):
    """One replication, with the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = cap.simulate(sc, replications=1, seed=kw.get("seed", 0))
    check_accounting(ds, sc)
    return ds, [str(w.message) for w in caught if issubclass(w.category, ScenarioWarning)]


def mg_inf_mean(rate_per_day: float, mean: float, sd: float, t: float) -> float:
    """M/G/inf with lognormal stays, empty at 0: expected number present at t
    (rate times the integral of the stay's survival function up to t)."""
    mu, sigma = lognormal_params(mean, sd)
    sf = stats.lognorm(sigma, scale=math.exp(mu)).sf
    return rate_per_day * integrate.quad(sf, 0, t, limit=200)[0]


def test_ten_times_the_inflow():
    """315,000 + 35,000 arrivals a year: the open regime holds what M/G/inf says
    after two years; the 300-place wing is always full and its waiting list grows
    by arrivals less departures (300 / 28 a day), as a saturated queue must."""
    sc = stylized(
        **{
            "scenario.end": dt.date(2030, 12, 31),
            "scenario.warmup_days": 365,
            "stream[0].rate_per_year": 315_000,
            "stream[1].rate_per_year": 35_000,
        }
    )
    ds, said = run(sc)
    main = ds.occupancy.sel(unit="main").values[0]
    t_end = 365 + 365  # days from the origin to the end of the last day
    expect = mg_inf_mean(315_000 / 365.25, 90, 200, t_end)
    assert abs(main[-1] / expect - 1) < 0.02, (main[-1], expect)
    bba = ds.occupancy.sel(unit="bba").values[0]
    assert (bba == 300).all()
    wait = ds.waiting.sel(unit="bba").values[0]
    slope = (wait[-1] - wait[0]) / (len(wait) - 1)
    assert abs(slope / (35_000 / 365.25 - 300 / 28) - 1) < 0.03, slope
    assert said == [
        "stylized.toml: unit 'bba': its arrivals need about 2,683 places, it has 300: "
        "full most of the run, its waiting list grows"
    ]


def test_no_places_in_a_wing_that_queues():
    """Capacity 0 with `when_full = "wait"`: nobody is ever admitted, everyone who
    arrives is still waiting at the end (3,500 a year), and a warning says so."""
    sc = stylized(
        **{
            "scenario.end": dt.date(2030, 12, 31),
            "scenario.warmup_days": 0,
            "unit[1].capacity": 0,
        }
    )
    ds, said = run(sc)
    assert int(ds.occupancy.sel(unit="bba").max()) == 0
    assert int(ds.admissions.sel(unit="bba").sum()) == 0
    wait = ds.waiting.sel(unit="bba").values[0]
    assert (np.diff(wait) >= 0).all()  # nobody leaves the list
    assert abs(wait[-1] - 3500) < 4 * math.sqrt(3500), wait[-1]
    assert said == [
        "stylized.toml: unit 'bba': its arrivals need about 268 places, it has 0: "
        "full most of the run, its waiting list grows"
    ]


def test_no_places_in_a_wing_that_overflows_sends_everyone_on():
    """Capacity 0 with overflow to `main`: `main` holds exactly what it holds when
    the stream goes there directly (the same people, common random numbers)."""
    changes = {"scenario.end": dt.date(2030, 6, 30), "scenario.warmup_days": 200}
    to_main = {
        "unit[1].capacity": 0,
        "unit[1].when_full": "overflow",
        "unit[1].overflow_to": "main",
    }
    via = stylized(**changes, **to_main)
    direct = stylized(**changes, **{"stream[1].unit": "main"})
    a, said = run(via)
    b, _ = run(direct)
    assert int(a.occupancy.sel(unit="bba").max()) == 0
    assert np.array_equal(a.occupancy.sel(unit="main").values, b.occupancy.sel(unit="main").values)
    assert said == [
        "stylized.toml: unit 'bba': its arrivals need about 268 places, it has 0: "
        "full most of the run, most go to 'main'"
    ]


def test_no_places_in_an_open_unit_is_a_shortage_every_day():
    """An open unit with capacity 0 turns nobody away: occupancy is what it is with
    100,000 places, and every day with anyone inside is a shortage day."""
    changes = {"scenario.end": dt.date(2030, 6, 30), "scenario.warmup_days": 200}
    zero, said = run(stylized(**changes, **{"unit[0].capacity": 0}))
    plenty, _ = run(stylized(**changes))
    occ = zero.occupancy.sel(unit="main").values
    assert np.array_equal(occ, plenty.occupancy.sel(unit="main").values)
    assert (shortage_days(zero, "main") == (occ > 0)).all() and (occ > 0).all()
    assert said == [
        "stylized.toml: unit 'main': its arrivals need about 7,762 places, it has 0: "
        "no places most of the run, a shortage every day"
    ]


def test_a_fifty_year_horizon():
    """2030-2079 after ten years of warm-up: the steady state holds all the way,
    the open regime at lambda E[S] = 7,762, the wing's occupancy at
    lambda E[S] = 268 (a queue with load 0.89 loses nobody)."""
    sc = stylized(**{"scenario.end": dt.date(2079, 12, 31)})
    ds, said = run(sc)
    assert ds.sizes["time"] == (dt.date(2079, 12, 31) - dt.date(2030, 1, 1)).days + 1 == 18262
    assert str(ds.time.values[-1])[:10] == "2079-12-31"
    main = ds.occupancy.sel(unit="main").values[0]
    assert abs(main.mean() / (31_500 / 365.25 * 90) - 1) < 0.01
    bba = ds.occupancy.sel(unit="bba").values[0]
    assert abs(bba.mean() / (3_500 / 365.25 * 28) - 1) < 0.015
    for decade in np.array_split(main, 5):  # no drift over the horizon
        assert abs(decade.mean() / main.mean() - 1) < 0.02
    assert said == []  # no data behind it: no horizon to exceed


def test_a_fifty_year_national_forecast_warns_it_is_past_the_data():
    """The national model run to 2071 from its 2021 data: accounting exact for
    every day, the real start stock, and a warning that the later years are
    assumptions (the back-test scores 5 years ahead)."""
    base = cap.load_scenario(SCENARIOS / "baseline.toml").to_data()
    base["scenario"]["end"] = dt.date(2071, 6, 30)
    base["inflow"]["calibrate"] = False  # the file's rates: no fit needed for this check
    sc = parse_scenario(base, "far.toml")
    ds, said = run(sc)
    assert ds.sizes["time"] == 18262
    assert ds.attrs["start_stock"] == 9330
    assert said == [
        "far.toml: scenario.end: 50 years past the data it is built on (2021-09-30); the "
        "back-test scores 5 years ahead: read the later years as assumptions, not a forecast"
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"stream[0].rate_per_year": 10_000_000},
            "stylized.toml: stream: about 159,973,836 arrivals in one replication, more than "
            "10,000,000 (the people of a replication are held in memory): lower the rates or "
            "shorten the run",
        ),
        (
            {"unit[0].capacity": 10_000_001},
            "stylized.toml: unit 'main'.capacity: must be <= 10,000,000",
        ),
        (
            {"scenario.end": dt.date(2200, 1, 1)},
            "stylized.toml: scenario.end: must be between 1900-01-01 and 2199-12-31",
        ),
        (
            {"stream[1].stay": {"distribution": "lognormal", "mean_days": 28, "sd_days": 1e5}},
            "stylized.toml: stream 'wing'.stay: sd_days must be between 1/1000 and 1000 times "
            "mean_days",
        ),
        (
            {"stream[1].stay": {"distribution": "fixed", "days": 1e6}},
            "stylized.toml: stream 'wing'.stay.days: must be <= 100,000",
        ),
        (
            {"scenario.seed": 2**64},
            "stylized.toml: scenario.seed: must be <= 9,223,372,036,854,775,807",
        ),
    ],
)
def test_beyond_the_limits_is_bad_input(changes, message):
    """Past the documented limits (docs/scenario.md) a scenario is refused with
    one line, before anything runs, rather than running out of memory or time."""
    with pytest.raises(cap.ScenarioError) as e:
        stylized(**changes)
    assert e.value.lines() == [message]


def test_a_wing_full_of_very_long_stays_does_not_hang():
    """Regression: a full wing whose residents stay for centuries while others
    queue used to tick through every one of those days (a hang). Quiet days are
    skipped now; the queue is still worked in exact time order."""
    sc = stylized(
        **{
            "scenario.end": dt.date(2030, 3, 31),
            "scenario.warmup_days": 30,
            "stream[1].stay": {"distribution": "fixed", "days": 100_000},
            "unit[1].capacity": 5,
        }
    )
    ds, _ = run(sc)
    assert (ds.occupancy.sel(unit="bba").values == 5).all()
    wait = ds.waiting.sel(unit="bba").values[0]
    assert (np.diff(wait) >= 0).all() and wait[-1] > 900  # 3,500 a year for 4 months
