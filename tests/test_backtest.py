"""The back-test: the vintage rule (an origin's run holds only the dated changes
that had started by then), what each origin knew, the baselines it is scored
against, and the command."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import capaciteit as cap
from capaciteit.calibrate import calibration, forecast
from capaciteit.data import history
from capaciteit.run import backtest
from capaciteit.scenario import parse_scenario

from .conftest import SCENARIOS

BASELINE = SCENARIOS / "baseline.toml"
STOCK = {o.date.year: o.value for o in history.load_stock()}


def _dates(sc) -> list[tuple[str, dt.date]]:
    """Every date of a dated change in a scenario, with where it is: the step
    tables' keys, the policies', responses' and end phases' dates, the court's
    curve and the law's start (the PMJ figures and costs are not run inputs)."""
    out = []
    for s in sc.stream:
        out += [(f"stream {s.name}.rate_per_year", d) for d, _ in s.rate_per_year]
    for u in sc.unit:
        for key in ("capacity", "usable_share", "margin"):
            table = getattr(u, key)
            out += [(f"unit {u.name}.{key}", d) for d, _ in table or []]
    for p in [*sc.policy, *sc.response]:
        out += [(f"{p.name}.start", p.start)] + ([(f"{p.name}.end", p.end)] if p.end else [])
    for p in sc.placement:
        tr = p.transition
        dates = [("from", p.from_), ("until", p.until)]
        if tr is not None:
            dates += [("transition.date", tr.date), ("phase_start_until", tr.phase_start_until)]
        out += [(f"placement {p.name}.{k}", d) for k, d in dates if d is not None]
    if sc.court is not None:
        out += [("court.handled", d) for d, _ in sc.court.curve()]
    return [*out, ("release.senb_start", sc.release.senb_start)]


@pytest.mark.parametrize("year", [2010, 2015, 2019, 2021, 2023])
@pytest.mark.parametrize("name", ["baseline", "forecast-2024", "shortage-measures-2024"])
def test_an_origin_holds_no_change_dated_after_it(name, year):
    """The back-test scenario of an origin has no policy, response, end phase,
    rate or capacity change, court hearing or SenB date after the origin (the
    law's start is either by the origin or later than any run, with the 2008
    rule set), and no waiting list of another day; its base has some (the rule
    is not idle)."""
    base = cap.load_scenario(SCENARIOS / f"{name}.toml")
    origin = dt.date(year, 9, 30)
    assert any(d > origin for _, d in _dates(base))
    sc = backtest.origin_scenario(base, year)
    late = [(w, d) for w, d in _dates(sc) if d > origin]
    if sc.release.senb_start > origin:
        assert sc.release.senb_start == backtest.NEVER > sc.scenario.end + dt.timedelta(3650)
        late.remove(("release.senb_start", backtest.NEVER))
        assert sc.release.rules_senb2021 == sc.release.rules_2008
    assert late == []
    assert all(s.waiting_at_start is None for s in sc.stream)
    _kept, dropped = backtest.dated_changes(base, year)
    assert dropped


def test_the_baseline_as_it_stood_in_2015_and_2021():
    """Item by item. 2015: no BBA, the PP's old rules for everyone (the rules
    from December 2021 dropped with them), the 2008 release rules, no court
    backlog, the AIT's places as on the origin. 2021 (SenB and the BBA in force
    since July): the old PP rules still for everyone, the court's hearings
    stopped at their share on the origin (straight line from 0.7 on 12 Feb to
    1.0 on 31 Dec), the AIT's places of January 2022 not yet there."""
    base = cap.load_scenario(BASELINE)
    kept, dropped = backtest.dated_changes(base, 2015)
    assert kept == []
    assert dropped == [
        "unit ait.capacity 2021-07-01",
        "unit ait.capacity 2022-01-01",
        "placement bba 2021-07-01",
        "placement pp_before_senb.until 2021-11-30",
        "placement pp_senb (instead of pp_before_senb)",
        "release.senb_start 2021-07-01",
        "court 2020-05-11",
    ]
    sc = backtest.origin_scenario(base, 2015)
    [pp] = sc.placement
    assert (pp.name, pp.until, pp.transition, pp.instead_of) == ("pp_before_senb", None, None, None)
    assert sc.release.senb_start == backtest.NEVER and sc.court is None
    assert sc.release.rules_senb2021 == sc.release.rules_2008 != base.release.rules_senb2021
    assert [u.capacity.value_at(dt.date(2020, 1, 1)) for u in sc.unit if u.name == "ait"] == [24]

    kept, dropped = backtest.dated_changes(base, 2021)
    assert kept == [
        "unit ait.capacity 2021-07-01",
        "placement bba 2021-07-01",
        "release.senb_start 2021-07-01",
        "court 2020-05-11",
    ]
    assert dropped == [
        "unit ait.capacity 2022-01-01",
        "placement pp_before_senb.until 2021-11-30",
        "placement pp_senb (instead of pp_before_senb)",
        "court.handled 2021-12-31",
    ]
    sc = backtest.origin_scenario(base, 2021)
    assert [p.name for p in sc.placement] == ["bba", "pp_before_senb"]
    assert sc.release.senb_start == dt.date(2021, 7, 1)
    curve = sc.court.curve()
    assert curve[-1][0] == dt.date(2021, 9, 30)
    assert curve[-1][1] == pytest.approx(0.7 + 0.3 * 230 / 322, abs=1e-12)
    assert [u.capacity.value_at(dt.date(2025, 1, 1)) for u in sc.unit if u.name == "ait"] == [24]


def test_the_rule_for_each_kind_of_dated_change():
    """On the baseline with made-up changes: a policy that started before the
    origin and ends after it acts on; one that starts after it is dropped; a
    rate table holds its value of the origin's month; of two placements, new
    rules from after the origin and the old ones they replace, the old rules
    hold for everyone; a response from after the origin is dropped. At a later
    origin all of them stand as written."""
    data = cap.load_scenario(BASELINE).to_data()
    sentenced = data["placement"][0]["streams"]
    old = {"kind": "inflow", "name": "old", "start": dt.date(2015, 1, 1), "factor": 1.1}
    data["policy"] = [
        {**old, "end": dt.date(2017, 6, 1)},
        {"kind": "inflow", "name": "new", "start": dt.date(2017, 1, 1), "factor": 1.2},
    ]
    data["response"] = [{"kind": "stop_callups", "name": "hold", "start": dt.date(2017, 3, 1)}]
    data["stream"][0]["rate_per_year"] = {"2015-01": 100.0, "2016-09": 200.0, "2017-01": 300.0}
    phase = {"unit": "pp", "streams": sentenced, "share": 0.5, "share_of_sentence": 0.1}
    phase["max_days"] = 30.0
    data["placement"] += [
        {**phase, "name": "new_rules", "from": dt.date(2018, 1, 1)},
        {**phase, "name": "old_rules", "instead_of": "new_rules"},
    ]
    base = parse_scenario(data, "<test>")
    kept, dropped = backtest.dated_changes(base, 2016)
    assert "policy old 2015-01-01" in kept and "policy old.end 2017-06-01" in dropped
    assert "policy new 2017-01-01" in dropped and "response hold 2017-03-01" in dropped
    assert "placement new_rules 2018-01-01" in dropped
    sc = backtest.origin_scenario(base, 2016)
    assert [(p.name, p.end) for p in sc.policy] == [("old", None)] and sc.response == []
    # the table keeps its entries up to the origin: 200 from then on
    assert sc.stream[0].rate_per_year.to_data() == {"2015-01": 100.0, "2016-09": 200.0}
    assert sc.stream[0].rate_per_year.value_at(dt.date(2019, 1, 1)) == 200.0
    assert [(p.name, p.instead_of) for p in sc.placement][-1] == ("old_rules", None)
    assert "new_rules" not in {p.name for p in sc.placement}

    later = backtest.origin_scenario(base, 2023)
    assert [(p.name, p.end) for p in later.policy] == [
        ("old", dt.date(2017, 6, 1)),
        ("new", None),
    ]
    assert [r.name for r in later.response] == ["hold"]
    assert later.stream[0].rate_per_year == base.stream[0].rate_per_year
    assert [(p.name, p.instead_of) for p in later.placement][-2:] == [
        ("new_rules", None),
        ("old_rules", "new_rules"),
    ]


def _run(sc):
    return cap.simulate(sc, replications=3, seed=11)


def test_a_change_after_the_origin_does_not_move_the_forecast():
    """The back-test from 2016 is identical, replication by replication, when the
    base scenario also holds absurd changes dated after the origin: three times
    the inflow from 2017, a rate table that jumps a hundredfold, and the SenB
    moved to December 2016 with every conditional release refused (its rule set
    would move the start stock's random numbers even unused: the engine bounds
    stays under both rule sets). The same inflow policy kept in the run would
    have raised the stock by half at least."""
    base = cap.load_scenario(BASELINE)
    flood = {"kind": "inflow", "name": "flood", "start": dt.date(2017, 1, 1), "factor": 3.0}
    data = base.to_data()
    data["policy"] = [flood]
    data["stream"][-3]["rate_per_year"] = {"2015-01": 25.0, "2017-01": 2500.0}  # terrorism
    data["release"]["senb_start"] = dt.date(2016, 12, 1)
    data["release"]["rules_senb2021"] = {"refused_share": 1.0}
    absurd = parse_scenario(data, "<absurd>")
    assert absurd.stream[-3].name == "terrorism"

    plain = backtest.origin_scenario(base, 2016, horizon=2)
    want = _run(plain)
    got = _run(backtest.origin_scenario(absurd, 2016, horizon=2))
    for v in ("occupancy", "waiting", "admissions", "releases", "stock_by_status"):
        assert np.array_equal(got[v].values, want[v].values), v

    kept = parse_scenario({**plain.to_data(), "policy": [flood]}, "<kept>")
    more = _run(kept)["occupancy"].sel(unit="total", time="2018-09-30").values
    assert np.all(more > 1.5 * want["occupancy"].sel(unit="total", time="2018-09-30").values)


@pytest.fixture(scope="module")
def known():
    return backtest.vintage(cap.load_scenario(BASELINE), [2012, 2016, 2021])


def test_what_each_origin_knew(known):
    """Every date in the vintage table is on or before its origin: the start
    stock, the latest stock, inflow, composition and unique persons in the
    reconstruction, each target of the stay fit and each change kept (each one
    dropped is after it). They are the latest that history has by the origin,
    and history has later ones at every origin but for inflow at 2021 (a leak would
    show)."""
    assert list(known["origin"]) == ["2012-09-30", "2016-09-30", "2021-09-30"]
    base = cap.load_scenario(BASELINE)
    latest = {
        "inflow_latest": history.series("inflow.csv", "total_instroom_GW"),
        "persons_latest": history.series("unique_persons.csv", "unique_persons"),
    }
    for r in known.itertuples():
        origin = dt.date.fromisoformat(r.origin)
        assert r.start_stock_date == r.stock_latest == r.origin  # CBS counts on 30 Sept
        for col, obs in latest.items():
            assert getattr(r, col) == max(o.date for o in obs if o.date <= origin).isoformat()
            # later ones exist, so a leak would show (no total inflow after 2017)
            assert max(o.date for o in obs) > origin or (col, origin.year) == (
                "inflow_latest",
                2021,
            )
        dates = [
            getattr(r, c)
            for c in ("start_stock_date", "stock_latest", "inflow_latest", "composition_latest")
        ]
        dates += [r.persons_latest, r.targets_latest]
        targets = dict(t.rsplit(" ", 1) for t in r.targets.split("; "))
        cal = calibration.calibrate(backtest.origin_scenario(base, origin.year))  # the run's
        assert list(targets) == [t["name"] for t in cal.stays["targets"]]
        assert all(dt.date.fromisoformat(d) <= origin for d in [*dates, *targets.values()])
        assert max(targets.values()) == r.targets_latest
        assert all(int(y) < origin.year for y in r.inflow_years.split())
        assert r.inflow_model
        for col, after in (("kept", False), ("dropped", True)):
            items = str(getattr(r, col)).split("; ") if isinstance(getattr(r, col), str) else []
            for item in items:
                word = item.rsplit(" ", 1)[-1]
                if word[:1].isdigit():
                    assert (dt.date.fromisoformat(word) > origin) == after, item
    assert known["composition_latest"].tolist() == ["2007-12-31", "2007-12-31", "2017-12-31"]


def test_crps_of_the_lognormal():
    """The closed form against the integral of (F(x) - 1{x >= y})^2 (exact to
    quadrature's error) and against a Monte Carlo CRPS of 400,000 draws, within
    five standard errors of that estimate plus its known bias (the ensemble
    formula's E|X - X'| counts each draw against itself, 1/n of the spread)."""
    rng = np.random.default_rng(7)
    cases = [(math.log(9000), 0.05, 9500.0), (0.0, 1.0, 0.3), (0.0, 1.0, 5.0), (2.0, 0.5, 1.0)]
    for mu, s, y in cases:
        got = backtest.crps_lognormal(mu, s, y)
        dist = stats.lognorm(s, scale=math.exp(mu))
        below = integrate.quad(lambda x, d: d.cdf(x) ** 2, 0, y, args=(dist,), limit=200)[0]
        above = integrate.quad(lambda x, d: d.sf(x) ** 2, y, np.inf, args=(dist,), limit=200)[0]
        assert got == pytest.approx(below + above, rel=1e-7)
        x = np.sort(np.exp(mu + s * rng.standard_normal(400_000)))
        n = x.size
        before = np.cumsum(x) - x  # sum of the draws below each
        mean_abs = x * np.arange(n) - before + (x.sum() - before - x) - x * (n - 1 - np.arange(n))
        mean_abs /= n  # E|x_i - X'| over the ensemble
        influence = np.abs(x - y) - mean_abs
        se = influence.std() / math.sqrt(n)
        bias = 0.5 * mean_abs.mean() / n
        assert abs(backtest.crps_ensemble(x, y) - got) < 5 * se + bias, (mu, s, y)
    many = backtest.crps_lognormal(np.zeros(2), np.ones(2), np.array([0.3, 5.0]))
    one = [backtest.crps_lognormal(0.0, 1.0, y) for y in (0.3, 5.0)]
    assert many.tolist() == one  # element by element, the same arithmetic


def test_crps_ensemble():
    rng = np.random.default_rng(1)
    x = rng.normal(0.0, 1.0, 200000)
    exact = forecast.crps_normal(np.array(0.0), np.array(1.0), np.array(0.7))
    assert abs(backtest.crps_ensemble(x, 0.7) - float(exact)) < 0.01
    small = np.array([1.0, 3.0, 4.0])
    brute = np.mean(np.abs(small - 2.0)) - 0.5 * np.mean(np.abs(small[:, None] - small[None]))
    assert abs(backtest.crps_ensemble(small, 2.0) - brute) < 1e-12


def test_the_baselines_use_only_what_was_published():
    """The random walk's spread is the root mean square of the yearly log
    changes up to the origin, the drift their mean and its spread their sd
    around it; a year after the origin never moves them, and a gap between
    years is skipped, not bridged."""
    stock = {2010: 100.0, 2011: 110.0, 2012: 99.0, 2014: 120.0, 2015: 500.0}
    c = np.log([110 / 100, 99 / 110])
    assert backtest.random_walk_sd(stock, 2013) == pytest.approx(math.sqrt(np.mean(c**2)))
    assert backtest.drift(stock, 2013) == pytest.approx((c.mean(), c.std(ddof=1)))
    assert backtest.random_walk_sd(stock, 2012) == backtest.random_walk_sd(stock, 2013)
    assert backtest.drift(stock, 2014) == backtest.drift(stock, 2013)  # 2012-2014: a gap
    assert backtest.log_changes(stock, 2015) == pytest.approx([*c, math.log(500 / 120)])


def test_summary_scores():
    """Exact arithmetic on a made-up table: MASE and the drift's MAE ratio are
    ratios of mean absolute errors; the CRPS columns are means; 1-3 yr pools
    the horizons up to 3. A table written before the drift was scored gives
    the same summary without the drift's columns (the shipped back-test's
    summary is read again in notebook 03)."""
    table = pd.DataFrame(
        {
            "horizon": [1, 1, 2, 4],
            "error": [10.0, -30.0, 20.0, 5.0],
            "naive_error": [20.0, 20.0, -40.0, 10.0],
            "drift_error": [5.0, -15.0, 40.0, 20.0],
            "ape": [0.01, 0.03, 0.02, 0.005],
            "in50": [True, False, True, False],
            "in80": [True, True, True, False],
            "crps": [6.0, 20.0, 12.0, 3.0],
            "crps_naive": [20.0, 20.0, 40.0, 10.0],
            "crps_rw": [8.0, 16.0, 30.0, 7.0],
            "crps_drift": [4.0, 10.0, 35.0, 9.0],
        }
    )
    s = backtest.summary(table)
    assert list(s.index) == ["1 yr", "2 yr", "4 yr", "1-3 yr"]
    assert s.loc["1 yr", "MASE"] == pytest.approx(20 / 20)
    assert s.loc["1 yr", "MAE_ratio_drift"] == pytest.approx(20 / 10)
    assert s.loc["1-3 yr", "MASE"] == pytest.approx(20 / (80 / 3))
    assert s.loc["1-3 yr", "MAE_ratio_drift"] == pytest.approx(20 / 20)
    assert s.loc["1-3 yr", "CRPS"] == pytest.approx(38 / 3)
    assert s.loc["1-3 yr", "CRPS_rw"] == pytest.approx(54 / 3)
    assert s.loc["1-3 yr", "CRPS_drift"] == pytest.approx(49 / 3)
    assert s.loc["1-3 yr", "coverage_80"] == pytest.approx(1.0)
    old = backtest.summary(table.drop(columns=["drift_error", "crps_drift"]))
    assert list(old.columns) == [c for c in s.columns if c not in ("MAE_ratio_drift", "CRPS_drift")]
    assert old.loc["1-3 yr", "CRPS_rw"] == s.loc["1-3 yr", "CRPS_rw"]


def test_backtest_command(run_cli, tmp_path):
    """A short back-test through the command line: the table, the scores per
    horizon, what each origin knew, and the figure. Each baseline is the closed
    form from the stock published by the origin."""
    out = tmp_path / "bt"
    code, stdout, err = run_cli(
        "backtest", "--origins", "2014,2018", "-n", "20", "-o", out, "--workers", "2"
    )
    assert code == 0, err
    assert "MASE" in stdout and "coverage_80" in stdout and "CRPS_drift" in stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "backtest-nl.png",  # the chart in each language there is a catalog for
        "backtest.csv",
        "backtest.png",
        "pmj.csv",
        "summary.csv",
        "vintage.csv",
    ]
    scored = pd.read_csv(out / "pmj.csv")  # the base scenario's PMJ editions, scored
    row = scored[scored["edition"] == "Trendwatch 2011"].iloc[0]
    assert (row["year"], row["pmj"], row["cbs"], row["error"]) == (2015, 8875, 8980, -105)
    assert set(scored["edition"]) >= {"t/m 2022", "t/m 2026", "Trendwatch 2011"}
    table = pd.read_csv(out / "backtest.csv")
    assert set(table["origin"]) == {2014, 2018}
    assert table["horizon"].max() == 5
    assert ((table["p10"] <= table["p50"]) & (table["p50"] <= table["p90"])).all()
    for r in table.itertuples():
        known = {y: v for y, v in STOCK.items() if y <= r.origin}
        now, h = known[r.origin], r.horizon
        rw = backtest.random_walk_sd(known, r.origin) * math.sqrt(h)
        assert r.crps_rw == pytest.approx(
            backtest.crps_lognormal(math.log(now), rw, r.observed), abs=1e-4
        )
        m, sd = backtest.drift(known, r.origin)
        assert r.drift == pytest.approx(now * math.exp(h * m), abs=1e-4)
        assert r.drift_error == pytest.approx(r.drift - r.observed, abs=2e-4)
        assert r.crps_drift == pytest.approx(
            backtest.crps_lognormal(math.log(now) + h * m, sd * math.sqrt(h), r.observed),
            abs=1e-4,
        )
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert {
        "MAPE",
        "MASE",
        "MAE_ratio_drift",
        "coverage_50",
        "coverage_80",
        "CRPS",
        "CRPS_naive",
        "CRPS_rw",
        "CRPS_drift",
    } <= set(summary.columns)
    short = table[table["horizon"] <= 3]
    mae = short["error"].abs().mean()
    assert summary.loc["1-3 yr", "MAE_ratio_drift"] == pytest.approx(
        mae / short["drift_error"].abs().mean(), abs=1e-3
    )
    assert summary.loc["1-3 yr", "MAPE"] < 0.25
    vintage = pd.read_csv(out / "vintage.csv")
    assert list(vintage["origin"]) == ["2014-09-30", "2018-09-30"]
    assert vintage["dropped"].str.contains("release.senb_start 2021-07-01").all()
    code, _, err = run_cli("backtest", "--origins", "2030", "-o", tmp_path / "x")
    assert code == 2 and "--origins" in err


@pytest.mark.parametrize(
    ("cov50", "cov80", "word"),
    [
        (0.5, 0.8, "about_right"),
        (0.35, 0.8, "too_narrow"),
        (0.5, 0.65, "too_narrow"),
        (0.65, 0.8, "too_wide"),
        (0.5, 0.95, "too_wide"),
        (0.4, 0.7, "about_right"),
        (0.6, 0.9, "about_right"),
        (0.61, 0.9, "too_wide"),
        (0.6, 0.91, "too_wide"),
    ],
)
def test_reliability_reads_the_1_to_3_year_coverage(cov50, cov80, word):
    summary = pd.DataFrame(
        {
            "horizon": ["1 yr", "1-3 yr"],
            "forecasts": [12, 34],
            "coverage_50": [0.0, cov50],
            "coverage_80": [0.0, cov80],
        }
    )
    got = backtest.reliability(summary)
    assert got == {"forecasts": 34, "cov50": cov50, "cov80": cov80, "word": word}
    assert backtest.reliability(summary.iloc[:1]) is None
    assert backtest.reliability(None) is None
