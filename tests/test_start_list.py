"""The known state at the origin: a scenario starts with the call-up list it
names (``waiting_at_start``) and with the responses already in force."""

from __future__ import annotations

import numpy as np
import pytest

import capaciteit as cap
from capaciteit.run.results import demand, yearly_summary

from .conftest import SCENARIOS
from .test_responses import BASE

CALLUP = 'callup_days = { distribution = "fixed", days = 30 }\n'

# the responses' small system, for a year from a start stock, with a list
LIST = BASE.replace("end = 2031-12-31\nwarmup_days = 400", "end = 2030-12-31\nstart_stock = 600")
LIST = LIST.replace(CALLUP, CALLUP + "WAITING\n")
# 5 a day in each stream, 60 days each: 600 people in cells in steady state


def run(tmp_path, waiting: str, capacity: int = 100000, extra: str = "", n: int = 6):
    path = tmp_path / f"l{abs(hash(waiting + extra + str(capacity)))}.toml"
    text = LIST.replace("CAPACITY", str(capacity)).replace("WAITING", waiting)
    path.write_text(text + extra)
    return cap.simulate(cap.load_scenario(path), replications=n, seed=5)


def test_the_list_at_the_start_is_exact_and_called_up_within_its_time(tmp_path):
    """1,000 on the list: exactly 1,000 more waiting at the end of the first day
    in every replication (the list replaces the residents at home, so an empty
    list is the comparison); nobody else's draws move; with no response they
    are all called up within the 30-day call-up time."""
    none = run(tmp_path, "waiting_at_start = { count = 0 }")
    some = run(tmp_path, "waiting_at_start = { count = 1000 }")
    w0, w1 = (ds.waiting.sel(unit="main") for ds in (none, some))
    assert (w1.isel(time=0) - w0.isel(time=0)).values.tolist() == [1000] * 6
    occ0, occ1 = (ds.occupancy.sel(unit="main") for ds in (none, some))
    assert np.array_equal(occ0.isel(time=0).values, occ1.isel(time=0).values)
    # called up from the second day on: about 1,000 / 30 of them that day
    assert ((occ1 - occ0).isel(time=1).values > 10).all()
    assert np.array_equal(w0.sel(time="2030-02-01").values, w1.sel(time="2030-02-01").values)
    # called up uniformly over their remaining 30 days, 60 days each: about 1,000
    # more in cells for a month; nobody lacks a place (it never fills)
    extra = (occ1 - occ0).sel(time="2030-02-15").values
    assert (extra > 900).all() and (extra <= 1000).all()
    assert int(some.unplaced.sel(unit="main").max()) == 0


def test_the_list_serves_the_years_it_is_given(tmp_path):
    """500 people with 60-day sentences scaled to 41.77 years, 30.51 days each
    (years of 365.25 days), served as whole days: 31 each, so the extra days in
    cells over the year are 500 x 31 = 15,500, exactly (years of 365 days would
    give 30.49, served as 30)."""
    none = run(tmp_path, "waiting_at_start = { count = 0 }")
    years = 500 * 30.51 / 365.25
    some = run(tmp_path, f"waiting_at_start = {{ count = 500, years_to_serve = {years!r} }}")
    diff = (some.occupancy - none.occupancy).sel(unit="main").sum("time")
    assert diff.values.tolist() == [15500] * 6


STOP = """
[[response]]
name = "no call-ups"
kind = "stop_callups"
start = 2029-01-01
streams = ["selfreport"]
resume_per_day = 20
"""


def test_a_response_in_force_holds_the_list_while_it_is_full(tmp_path):
    """With 600 places for 600 people and call-ups stopped since before the
    start, the list of 1,000 is held: in March it is still near 1,000, where
    without the response it is back to its ordinary 150 (5 a day x 30 days);
    demand is the occupancy without the response, exactly."""
    ds = run(tmp_path, "waiting_at_start = { count = 1000 }", capacity=600, extra=STOP)
    free = run(tmp_path, "waiting_at_start = { count = 1000 }", capacity=600)
    assert float(ds.waiting.sel(unit="main", time="2030-03").median()) > 900
    assert float(free.waiting.sel(unit="main", time="2030-03").median()) < 200
    assert float(ds.response_acted.sel(time="2030-01").mean()) > 0.5
    # demand is the occupancy without limits: that of the same people with no
    # response, day by day; above the occupancy while the list is held
    assert np.array_equal(demand(ds, "main"), free.occupancy.sel(unit="main").values)
    y = yearly_summary(ds).set_index("unit").loc["main"]
    assert y["demand_p50"] > y["occupancy_p50"] + 50


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: t.replace('callup_days = { distribution = "fixed", days = 30 }\n', ""),
            "stream 'selfreport': waiting_at_start needs callup_days",
        ),
        (
            lambda t: t.replace("start_stock = 600", "start_stock = 600\nwarmup_days = 10"),
            "stream 'selfreport'.waiting_at_start: is the list on the first reported day",
        ),
    ],
)
def test_a_list_needs_a_call_up_time_and_no_warm_up(tmp_path, run_cli, change, message):
    path = tmp_path / "bad.toml"
    text = LIST.replace("CAPACITY", "700").replace("WAITING", "waiting_at_start = { count = 5 }")
    path.write_text(change(text))
    code, _, err = run_cli("validate", path)
    assert code == 2
    assert message in err


def test_forecast_2024_starts_with_the_list_and_the_measures_in_force():
    """The sourced list of 3,445 men (1 September 2024) is waiting on the first
    day (less the few a first forecast year's shorter stays move into that day),
    call-ups are stopped from the second day while the men's closed regime is
    full, and demand is above occupancy in the first months."""
    ds = cap.simulate(cap.load_scenario(SCENARIOS / "forecast-2024.toml"), replications=4, seed=1)
    w0 = ds.waiting.sel(unit="closed").isel(time=0)
    assert (w0 >= 3300).all() and (w0 <= 3500).all()
    acted = ds.response_acted.sel(response="no call-ups").isel(time=slice(1, 30))
    assert float(acted.mean()) > 0.9
    # without limits the list would be called up within its call-up times: demand
    # is far above occupancy from October to December 2024 (about 3,445 x 52 days
    # of stays, less the ordinary list's, within about 90 days)
    y = yearly_summary(ds)
    closed = y[(y.unit == "closed") & (y.year == 2024)].iloc[0]
    assert closed["days"] == 92
    assert closed["demand_p50"] > closed["occupancy_p50"] + 500
