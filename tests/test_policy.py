"""Capacity, costs, capacity needed for a risk, and paired comparisons."""

from __future__ import annotations

import datetime as dt
import tomllib

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import capaciteit as cap
from capaciteit.outputs.capacity import need, quantile_interval
from capaciteit.run.compare import paired
from capaciteit.run.results import daily_costs, yearly

from .conftest import SCENARIOS

Z = 4.5  # standard errors: a correct check fails with probability < 1e-5

SMALL = """
[scenario]
name = "small"
start = 2030-01-01
end = 2031-12-31
warmup_days = 300

[[unit]]
name = "main"
capacity = 1000
usable_share = { 2030-01-01 = 1.0, 2031-01-01 = 0.9 }
margin = 20
cost_per_day = 250
cost_per_place = 10

[[unit]]
name = "wing"
capacity = 40
usable_share = 0.5
when_full = "overflow"
overflow_to = "main"
cost_per_day = 300

[[stream]]
name = "s"
unit = "main"
rate_per_year = 3650
stay = { distribution = "exponential", mean_days = 80 }

[[stream]]
name = "w"
unit = "wing"
rate_per_year = 365
stay = { distribution = "exponential", mean_days = 60 }
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("s") / "small.toml"
    path.write_text(SMALL)
    return cap.load_scenario(path)


@pytest.fixture(scope="module")
def small_run(small):
    return cap.simulate(small, replications=30, seed=3)


def test_usable_share_and_margin(small_run):
    """Usable places = plan x usable share, enforced in wings; the shortage
    threshold = usable places less the margin."""
    ds = small_run
    assert float(ds.capacity.sel(unit="main", time="2030-06-01")) == 1000
    assert float(ds.capacity.sel(unit="main", time="2031-06-01")) == 900
    assert float(ds.capacity_planned.sel(unit="main", time="2031-06-01")) == 1000
    assert float(ds.threshold.sel(unit="main", time="2031-06-01")) == 880
    assert float(ds.capacity.sel(unit="wing").max()) == 20
    assert int(ds.occupancy.sel(unit="wing").max()) == 20  # the wing: half its 40 places


def test_costs_are_occupied_days_and_usable_places(small_run):
    ds = small_run
    c = daily_costs(ds)
    occ = ds.occupancy.isel(replication=0, time=100)
    capa = ds.capacity.isel(time=100)
    want = (
        float(occ.sel(unit="main")) * 250
        + float(capa.sel(unit="main")) * 10
        + float(occ.sel(unit="wing")) * 300
    )
    assert float(c.sel(unit="total").isel(replication=0, time=100)) == pytest.approx(want)
    y = yearly(ds)
    assert float(y.euros.sel(unit="total", year=2030).isel(replication=0)) == pytest.approx(
        float(c.sel(unit="total", time="2030").isel(replication=0).sum())
    )


def test_shortage_is_occupancy_above_the_threshold(small_run):
    ds = small_run
    y = yearly(ds)
    above = (ds.occupancy.sel(unit="main", time="2031") > 880).any("time")
    assert np.array_equal(y.shortage.sel(unit="main", year=2031).values, above.values)


def test_yearly_figures_match_a_plain_groupby(small_run):
    """The unit-by-unit yearly reduction equals xarray's groupby on the cube."""
    ds = small_run
    y = yearly(ds)
    year = ds["time"].dt.year
    for name, want in (
        ("occupancy_mean", ds.occupancy.groupby(year).mean("time")),
        ("demand_max", (ds.occupancy + ds.unplaced).groupby(year).max("time")),
        ("euros", daily_costs(ds).groupby(year).sum("time")),
        ("waiting_mean", ds.waiting.groupby(year).mean("time")),
    ):
        got = y[name].transpose(*want.dims).sel(unit=want.unit)
        np.testing.assert_allclose(got.values, want.values, rtol=1e-12, err_msg=name)
    assert y.days.values.tolist() == [365, 365]


def test_need_is_the_quantile_of_yearly_peaks(small_run):
    """Capacity needed for risk r: the (1-r) quantile of the yearly peak plus the
    margin; with it, the share of replications with a shortage day is <= r."""
    ds = small_run
    table = need(ds, risk=0.1)
    row = table[(table.unit == "main") & (table.year == 2031)].iloc[0]
    peaks = yearly(ds).demand_max.sel(unit="main", year=2031).values
    assert row["needed"] == pytest.approx(np.quantile(peaks, 0.9, method="inverted_cdf") + 20)
    assert np.mean(peaks > row["needed"] - 20) <= 0.1
    assert row["needed_low"] <= row["needed"] <= row["needed_high"]
    assert row["gap"] == pytest.approx(row["needed"] - 900)


def _coverage(n: int, p: float, lo: int, hi: int) -> float:
    """Exact probability that [x_(lo), x_(hi)] (0-based, of one sorted sample of n
    draws from a continuous distribution) covers its p quantile: the number B of
    draws below the quantile is binomial(n, p), and the interval covers it when
    lo < B <= hi. An index below 0 or above n - 1 means no bound on that side."""
    b = stats.binom(n, p)
    return float((1.0 if hi >= n else b.cdf(hi)) - (0.0 if lo < 0 else b.cdf(lo)))


@pytest.mark.parametrize(
    ("n", "p", "level"), [(100, 0.95, 0.9), (200, 0.95, 0.9), (200, 0.5, 0.8), (60, 0.9, 0.95)]
)
def test_quantile_interval_covers(n, p, level):
    """Both bounds from the same sample: on uniform samples the interval covers
    the true p quantile (p itself) as often as the binomial says, within Z
    binomial standard deviations of the number of trials, and that is at least
    the nominal level."""
    lo, hi = quantile_interval(n, p, level)
    exact = _coverage(n, p, lo, hi)
    assert exact >= level, (lo, hi, exact)
    trials = 20000
    x = np.sort(np.random.default_rng(0).random((trials, n)), axis=1)
    hits = (x[:, lo] <= p) & (p <= x[:, hi])
    sd = np.sqrt(exact * (1 - exact) / trials)
    assert abs(hits.mean() - exact) <= Z * sd, (hits.mean(), exact, sd)


def test_quantile_interval_has_its_nominal_coverage_where_the_sample_reaches():
    """Exact coverage >= level for every n from 5 to 300 (and 500, 1,000, 2,000),
    quantiles 0.5-0.99 and levels 0.8-0.95, wherever the upper bound of the
    equal-tailed interval is inside the sample (see the next test otherwise)."""
    checked = 0
    for n in [*range(5, 301), 500, 1000, 2000]:
        for p in (0.5, 0.8, 0.9, 0.95, 0.99):
            for level in (0.8, 0.9, 0.95):
                if stats.binom.ppf((1 + level) / 2, n, p) >= n:
                    continue
                lo, hi = quantile_interval(n, p, level)
                assert 0 <= lo <= hi <= n - 1
                assert _coverage(n, p, lo, hi) >= level, (n, p, level, lo, hi)
                checked += 1
    assert checked > 3000


@pytest.mark.parametrize(("n", "p"), [(50, 0.95), (200, 0.99), (20, 0.95)])
def test_quantile_interval_promise_with_few_replications(n, p):
    """What `need` meets at risk 5% with 20 or 50 replications, and at risk 1% with
    200: the interval should still cover with probability >= 0.9 (with no upper
    bound where the sample has none)."""
    lo, hi = quantile_interval(n, p, 0.9)
    assert _coverage(n, p, lo, hi) >= 0.9


def test_a_scenario_compared_with_itself_differs_by_zero(small, small_run):
    again = cap.simulate(small, replications=30, seed=3)
    table = paired(small_run, again)
    assert (table["difference"] == 0).all() and (table["high"] - table["low"] == 0).all()


def test_paired_differences_are_tight(small, small_run, tmp_path):
    """More places in the wing: fewer overflow to main, the total is unchanged
    replication by replication (the same people), and the interval is narrow
    because the two runs share their random numbers."""
    alt = tmp_path / "alt.toml"
    alt.write_text(
        SMALL.replace("usable_share = 0.5", "usable_share = 1.0").replace(
            'name = "small"', 'name = "alt"'
        )
    )
    ds = cap.simulate(cap.load_scenario(alt), replications=30, seed=3)
    table = paired(small_run, ds)
    occ = table[(table.metric == "occupancy_mean")].set_index(["year", "unit"])
    assert occ.loc[(2030, "total"), "difference"] == 0
    assert occ.loc[(2030, "wing"), "difference"] > 5
    assert occ.loc[(2030, "wing"), "high"] - occ.loc[(2030, "wing"), "low"] < 2.0
    independent = cap.simulate(cap.load_scenario(alt), replications=30, seed=99)
    loose = paired(small_run, independent).set_index(["year", "unit", "metric"])
    assert (
        loose.loc[(2030, "main", "occupancy_mean"), "high"]
        - loose.loc[(2030, "main", "occupancy_mean"), "low"]
    ) > 3 * (occ.loc[(2030, "main"), "high"] - occ.loc[(2030, "main"), "low"])


def test_compare_and_need_commands(run_cli, tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    out = tmp_path / "cmp"
    code, stdout, err = run_cli("compare", path, path, "-n", "5", "-o", out)
    assert code == 0, err
    table = pd.read_csv(out / "small-vs-small.csv")
    assert (table["difference"] == 0).all()
    assert "2030: total occupancy +0 [+0, +0]" in stdout
    assert "shortage probability, points: main +0 [+0, +0]" in stdout
    code, stdout, err = run_cli(
        "need", path, "--risk", "0.05", "-n", "10", "--seed", "4", "-o", tmp_path / "need.csv"
    )
    assert code == 0, err
    got = pd.read_csv(tmp_path / "need.csv")
    assert set(got["unit"]) == {"main", "wing", "total"}
    assert (got["risk"] == 0.05).all()  # written as given, not rounded
    want = need(cap.simulate(cap.load_scenario(path), replications=10, seed=4), risk=0.05)
    np.testing.assert_allclose(got["needed"], want["needed"])
    np.testing.assert_allclose(got["gap"], want["gap"])
    assert run_cli("need", path, "--risk", "1.5")[0] == 2


def test_compare_refuses_scenarios_of_another_period(run_cli, tmp_path):
    """Different start days share no random numbers and mix partial years: the
    command names the file and keys, exits 2 and writes nothing."""
    base, later = tmp_path / "small.toml", tmp_path / "later.toml"
    base.write_text(SMALL)
    later.write_text(f'[scenario]\nname = "later"\nextends = "{base.name}"\nstart = 2029-01-01\n')
    out = tmp_path / "cmp"
    code, _, err = run_cli("compare", base, later, "-n", "5", "-o", out)
    assert code == 2 and not out.exists()
    line = err.strip().splitlines()
    assert len(line) == 1 and line[0].startswith(f"{later}: scenario.start:"), err


POLICY_BASE = """
[scenario]
name = "pol"
start = 2030-01-01
end = 2032-12-31
warmup_days = 800

[[unit]]
name = "main"
capacity = 2000

[[stream]]
name = "convicts"
unit = "main"
rate_per_year = 3652.5
path = "sentence"
sentence = { distribution = "fixed", days = SENTENCE }
"""


def _policy_run(tmp_path, sentence, policy="", n=20):
    path = tmp_path / f"p{abs(hash(policy))}.toml"
    path.write_text(POLICY_BASE.replace("SENTENCE", str(sentence)) + policy)
    return cap.simulate(cap.load_scenario(path), replications=n, seed=5)


def _mean(ds, when):
    return float(ds.occupancy.sel(unit="main", time=when).mean())


def _per_replication(ds, when) -> np.ndarray:
    """The occupancy of main on a day, or its mean over a period, per replication."""
    occ = ds.occupancy.sel(unit="main", time=when)
    return (occ.mean("time") if "time" in occ.dims else occ).values.astype(float)


def _near(x: np.ndarray, exact: float, slack: float = 0.0) -> None:
    """The mean over replications is within Z standard errors (plus ``slack``, a
    convention the exact value leaves open) of the exact value."""
    se = x.std(ddof=1) / np.sqrt(x.size)
    assert abs(x.mean() - exact) <= Z * se + slack, (x.mean(), exact, se)


def test_early_release_shortens_stays_by_its_days(tmp_path):
    """Release 14 days early for sentences up to a year: each stay of 100 days
    becomes 86, so by Little's law the stock falls by 10 a day x 14 days = 140."""
    base = _policy_run(tmp_path, 100)
    pol = _policy_run(
        tmp_path,
        100,
        """
[[policy]]
name = "early"
kind = "early_release"
start = 2031-01-01
days = 14
max_sentence_days = 365
""",
    )
    before = slice("2030-01-01", "2030-12-31")
    assert np.array_equal(base.occupancy.sel(time=before), pol.occupancy.sel(time=before))
    drop = _mean(base, slice("2031-06", "2032-12")) - _mean(pol, slice("2031-06", "2032-12"))
    assert drop == pytest.approx(140, abs=6)  # sd of a mean of ~1,000 Poisson days: ~1.5
    over = _policy_run(
        tmp_path,
        400,
        """
[[policy]]
name = "early"
kind = "early_release"
start = 2031-01-01
days = 14
max_sentence_days = 365
""",
    )
    assert np.array_equal(over.occupancy.values, _policy_run(tmp_path, 400).occupancy.values)


def test_people_sent_home_early_still_need_a_place(tmp_path):
    """Sent home 14 days before the law's day because it is full, they need a
    place and lack one: occupancy falls by about 140 while demand (occupancy +
    unplaced) is the base's, day by day and exactly, in every unit."""
    base = _policy_run(tmp_path, 100)
    pol = _policy_run(
        tmp_path,
        100,
        """
[[policy]]
name = "early"
kind = "early_release"
start = 2031-01-01
days = 14
""",
    )
    assert int(base.unplaced.max()) == 0
    assert np.array_equal(
        (base.occupancy + base.unplaced).values, (pol.occupancy + pol.unplaced).values
    )
    later = pol.unplaced.sel(unit="total", time=slice("2031-06", "2032-12")).mean()
    assert float(later) == pytest.approx(140, abs=6)


def test_early_release_for_a_share_only(tmp_path):
    """Half of those released get the 14 days: the stock falls by 10 x 14 / 2 = 70."""
    base = _policy_run(tmp_path, 100)
    half = _policy_run(
        tmp_path,
        100,
        """
[[policy]]
name = "early"
kind = "early_release"
start = 2031-01-01
days = 14
share = 0.5
""",
    )
    period = slice("2031-06", "2032-12")
    _near(_per_replication(base, period) - _per_replication(half, period), 70)


def test_longer_sentences_follow_the_law(tmp_path):
    """Sentences of two years imposed from 2031 are doubled to four: v.i. after
    two thirds (973 days) instead of one year plus a third of the rest (486)."""
    base = _policy_run(tmp_path, 730)
    pol = _policy_run(
        tmp_path,
        730,
        """
[[policy]]
name = "longer"
kind = "sentence_lengths"
start = 2031-01-01
factor = 2
min_sentence_days = 365
""",
    )
    # in steady state: 10 a day x 486 days; those sentenced from 2031 stay 973, so on
    # 31 Dec 2032 everyone who arrived in those two years is still inside: 10 x 730,
    # give or take a day of arrivals at the edges (whether a day counts)
    _near(_per_replication(base, slice("2032-06", "2032-12")), 10 * 486)
    grown = _per_replication(pol, "2032-12-31") - _per_replication(base, "2032-12-31")
    _near(grown, 10 * (730 - 486), slack=10)


def test_inflow_and_capacity_policies(tmp_path):
    base = _policy_run(tmp_path, 100)
    pol = _policy_run(
        tmp_path,
        100,
        """
[[policy]]
name = "more"
kind = "inflow"
start = 2031-01-01
end = 2032-01-01
factor = 1.5

[[policy]]
name = "rented"
kind = "capacity"
unit = "main"
start = 2031-07-01
places = -300
""",
    )
    # stays of 100 days at 10 a day: 1,000 inside; 1,500 while inflow is 1.5x, and
    # back to 1,000 once it has been back for more than a stay
    _near(_per_replication(base, slice("2031-06", "2031-12")), 1000)
    _near(_per_replication(pol, slice("2031-06", "2031-12")), 1500)
    _near(_per_replication(pol, slice("2032-06", "2032-12")), 1000)
    assert float(pol.capacity.sel(unit="main", time="2031-06-30")) == 2000
    assert float(pol.capacity.sel(unit="main", time="2031-07-01")) == 1700


@pytest.mark.parametrize(
    "path",
    sorted(SCENARIOS.glob("*.toml")),
    ids=lambda p: p.stem,
)
def test_every_shipped_scenario_runs(path):
    """Every scenario in scenarios/ validates and runs, with conserved counts."""
    sc = cap.load_scenario(path)
    assert sc.scenario.title, "each scenario says what question it answers"
    ds = cap.simulate(sc, replications=2, seed=1)
    occ = ds.occupancy.values.astype(np.int64)
    assert np.array_equal(np.diff(occ, axis=1), (ds.admissions - ds.releases).values[:, 1:])


def test_pmj_figures_are_compared(tmp_path):
    path = tmp_path / "pmj.toml"
    path.write_text(
        SMALL
        + """
[[pmj]]
year = 2031
places = 800
source = "test figure"

[[pmj]]
year = 2031
unit = "wing"
places = 5
kind = "planned"
source = "test figure"
"""
    )
    ds = cap.simulate(cap.load_scenario(path), replications=10, seed=1)
    from capaciteit.run.results import yearly_summary

    t = yearly_summary(ds).set_index(["year", "unit"])
    assert t.loc[(2031, "total"), "pmj"] == 800
    assert t.loc[(2031, "total"), "gap_pmj"] == pytest.approx(
        t.loc[(2031, "total"), "occupancy_p50"] - 800
    )
    assert t.loc[(2031, "wing"), "p_above_pmj"] == 1.0
    assert np.isnan(t.loc[(2030, "total"), "pmj"])


@pytest.mark.parametrize(
    "name",
    ["longer-sentences", "high-inflow", "foreign-rental", "early-release-14", "double-bunking"],
)
def test_policy_scenarios_match_their_base_before_the_policy_starts(name):
    """Common random numbers on the calibrated national scenarios: up to the day
    before a policy's start, every replication is the base's, day for day, even
    though the forecast's stay changes move dates after the rules judged them."""
    sc = cap.load_scenario(SCENARIOS / f"{name}.toml")
    parent = tomllib.loads((SCENARIOS / f"{name}.toml").read_text())["scenario"]["extends"]
    base = cap.load_scenario(SCENARIOS / parent)
    first = min(p.start for p in sc.policy)
    a = cap.simulate(base, replications=3, seed=11)
    b = cap.simulate(sc, replications=3, seed=11)
    before = slice(None, str(first - dt.timedelta(days=1)))
    assert b.sizes["time"] == a.sizes["time"]
    same = a.occupancy.sel(time=before) == b.occupancy.sel(time=before)
    assert bool(same.all()), (
        f"differs from {same.time.values[~same.all(['replication', 'unit'])][0]}"
    )
    after = slice(str(first + dt.timedelta(days=400)), None)
    differs = [
        not bool((a[v].sel(time=after) == b[v].sel(time=after)).all())
        for v in ("occupancy", "capacity")
    ]
    assert any(differs), "the policy changes something after it starts"


def test_warp_judges_dates_where_the_stretches_put_them():
    """``t >= at(c)`` is ``warp(t) >= c`` for every person: a rule compares the
    date before the forecast's stay changes with one threshold per person."""
    from capaciteit.sim.people import Warp

    rng = np.random.default_rng(5)
    for _ in range(50):
        k = int(rng.integers(1, 11))
        warp = Warp(np.sort(rng.uniform(0, 3650, k)), rng.uniform(0.7, 1.4, k))
        t_event = rng.uniform(-400, 4000, 2000)
        t = t_event + rng.exponential(500, 2000)
        at = warp.judge(t_event)
        for c in rng.uniform(-100, 5000, 5):
            assert np.array_equal(t >= at(c), warp(t_event, t) >= c)
        back = warp.inverse(t_event, warp(t_event, t))
        np.testing.assert_allclose(back, t, rtol=0, atol=1e-6)
    assert Warp(np.array([10.0]), np.array([0.5])).judge(np.zeros(1))(5.0) == 5.0


def test_known_at_holds_no_date_after_the_day():
    """What the start stock and the calibration see: on 30 September 2021 the
    PP's old rules had no end yet (their `until` of 30 November and the
    transition are later), so the rules that replace them apply to nobody and
    go; a policy running on that day keeps running (its later end goes); one
    that starts later is not there. Those later dates then cannot move a fit."""
    from capaciteit.sim.policies import known_at

    base = cap.load_scenario(SCENARIOS / "baseline.toml")
    data = base.to_data()
    data.setdefault("policy", []).extend(
        [
            {
                "name": "on",
                "kind": "inflow",
                "start": dt.date(2021, 1, 1),
                "end": dt.date(2022, 6, 30),
                "factor": 1.1,
            },
            {"name": "later", "kind": "inflow", "start": dt.date(2021, 10, 1), "factor": 2.0},
        ]
    )
    sc = cap.scenario.parse_scenario(data, "<test>")
    known = known_at(sc, dt.date(2021, 9, 30))
    pp = {p.name: p for p in known.placement}
    assert "pp_senb" not in pp and pp["pp_before_senb"].until is None
    assert pp["pp_before_senb"].transition is None and pp["bba"].from_ == dt.date(2021, 7, 1)
    assert [(p.name, p.end) for p in known.policy if p.name in ("on", "later")] == [("on", None)]
    # the boundaries: rules with `until` on the day still end after it (the next
    # day); a policy ending the day after is still on
    on_the_day = known_at(sc, dt.date(2021, 11, 30))
    assert next(p for p in on_the_day.placement if p.name == "pp_before_senb").until is None
    day_before_end = known_at(sc, dt.date(2022, 6, 29))  # the same year as the end
    assert next(p for p in day_before_end.policy if p.name == "on").end is None
    ended = known_at(sc, dt.date(2022, 6, 30))
    assert next(p for p in ended.policy if p.name == "on").end == dt.date(2022, 6, 30)
    later = known_at(sc, dt.date(2022, 6, 30))  # everything had happened by then
    assert {p.name for p in later.placement} == {p.name for p in sc.placement}
    assert next(p for p in later.policy if p.name == "on").end == dt.date(2022, 6, 30)


def test_a_warped_policy_day_is_exact_to_the_last_bit():
    """``Warp.judge``'s at(c) is the least date the stretches move to c or later,
    to the bit: a release moved to a policy's first day never ends up an ulp
    before it (in the day before, where a paired run would differ). Checked for
    many days and stretch ratios, where the inverse alone is an ulp off for some."""
    from capaciteit.sim.people import Warp

    rng = np.random.default_rng(5)
    warp = Warp(np.array([92.0, 457.0, 822.0]), rng.uniform(0.8, 1.25, 3))
    events = np.array([-400.0, 0.0, 100.0, 500.0, 900.0])
    at = warp.judge(events)
    off = 0
    for c in rng.uniform(93.0, 1500.0, 2000).round():
        x = at(float(c))
        assert (warp(events, x) >= c).all()
        assert (warp(events, np.nextafter(x, -np.inf)) < c).all()
        off += int((warp.inverse(events, np.full(events.size, c)) != x).any())
    assert off > 0  # the case this guards against occurs
