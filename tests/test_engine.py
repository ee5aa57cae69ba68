"""Accounting, reproducibility, common random numbers, and the law inside the engine."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import capaciteit as cap
from capaciteit.sim.compile import compile_model
from capaciteit.sim.rng import Streams
from capaciteit.sim.sentencing import draw, timeline

from .conftest import SCENARIOS

Z = 4.5  # standard errors: a correct engine fails a check with probability < 1e-5


@pytest.fixture(scope="module")
def baseline():
    return cap.load_scenario(SCENARIOS / "baseline.toml")


@pytest.fixture(scope="module")
def baseline_run(baseline):
    return cap.simulate(baseline, replications=40, seed=4, workers=2)


@pytest.fixture(scope="module")
def stylized_run():
    sc = cap.load_scenario(SCENARIOS / "stylized.toml")
    return cap.simulate(sc, replications=4, seed=2)


def _conserved(ds):
    occ = ds.occupancy.values.astype(np.int64)
    net = (ds.admissions - ds.releases).values[:, 1:]
    assert np.array_equal(np.diff(occ, axis=1), net)


def test_conservation_stylized(stylized_run):
    """Admissions - releases = change in stock, per unit and day (total included)."""
    _conserved(stylized_run)


def test_conservation_national(baseline_run):
    _conserved(baseline_run)


def test_total_is_the_sum_of_cell_units(baseline_run):
    ds = baseline_run
    cells = [u for u in ds.attrs["cell_units"].split(",")]
    assert "pp" not in cells  # the penitentiary programme is outside the cell
    tot = ds.occupancy.sel(unit=cells).sum("unit")
    assert np.array_equal(tot.values, ds.occupancy.sel(unit="total").values)
    wt = ds.waiting.sel(unit=list(ds.unit.values[:-1])).sum("unit")
    assert np.array_equal(wt.values, ds.waiting.sel(unit="total").values)
    by_status = ds.stock_by_status.sum("status")
    assert np.array_equal(by_status.values, ds.occupancy.sel(unit="total").values)


def test_wings_never_above_capacity(baseline_run):
    """No wing is ever above its places; the BBA and the TA are full on some days
    (so the bound is met, not just never approached) and then people wait."""
    ds = baseline_run
    for u in ("bba", "ta", "ait", "ebi"):
        assert (ds.occupancy.sel(unit=u) <= ds.capacity.sel(unit=u)).all(), u
    for u in ("bba", "ta"):
        full = ds.occupancy.sel(unit=u) == ds.capacity.sel(unit=u)
        assert bool(full.any()) and int(ds.waiting.sel(unit=u).where(full).max()) > 0, u


def test_same_seed_same_numbers_any_size_or_workers():
    sc = cap.load_scenario(SCENARIOS / "stylized.toml")
    a = cap.simulate(sc, replications=3, seed=8)
    b = cap.simulate(sc, replications=7, seed=8, workers=2)
    c = cap.simulate(sc, replications=3, seed=8)
    for v in ("occupancy", "waiting", "admissions", "releases"):
        assert np.array_equal(a[v].values, c[v].values)
        assert np.array_equal(a[v].values, b[v].isel(replication=slice(0, 3)).values)
    d = cap.simulate(sc, replications=3, seed=9)
    assert not np.array_equal(a.occupancy.values, d.occupancy.values)


def test_replication_r_is_the_same_in_a_run_of_5_or_50(baseline):
    small = cap.simulate(baseline, replications=5, seed=1)
    big = cap.simulate(baseline.model_copy(), replications=50, seed=1, workers=2)
    assert np.array_equal(small.occupancy.values, big.occupancy.values[:5])


def test_common_random_numbers_before_a_change(baseline, write):
    """Two scenarios that differ only from a date on give identical paths before
    it, replication by replication; after it they differ."""
    alt = cap.load_scenario(
        write(
            "alt.toml",
            f"""
        [scenario]
        name = "alt"
        extends = "{SCENARIOS / "baseline.toml"}"
        [[stream]]
        name = "pre_trial"
        rate_per_year = {{ 2021-07 = 13300, 2025-01 = 16000 }}
        [[unit]]
        name = "bba"
        capacity = {{ 2021-07-01 = 300, 2026-01-01 = 200 }}
        """,
        )
    )
    a = cap.simulate(baseline, replications=4, seed=3)
    b = cap.simulate(alt, replications=4, seed=3)
    cut = np.datetime64("2025-01-01")
    before = a.time.values < cut
    for v in ("occupancy", "waiting", "admissions", "releases", "stock_by_status"):
        assert np.array_equal(a[v].values[:, before], b[v].values[:, before]), v
    late = a.time.values >= np.datetime64("2026-06-01")
    diff = (b.occupancy - a.occupancy).sel(unit="total").values[:, late]
    assert (diff.mean(axis=1) > 300).all()  # +2,700 pre-trial admissions a year
    # and a scenario compared with itself differs by exactly zero
    again = cap.simulate(baseline, replications=4, seed=3)
    assert np.array_equal(a.occupancy.values, again.occupancy.values)


def test_transitional_rule_by_sentence_date(write):
    """SenB rules apply to sentences pronounced on or after 1 July 2021 (art. IV(3)
    Wet SenB); a ten-year sentence then means release after 8 years, not 6 2/3."""
    sc = cap.load_scenario(
        write(
            "law.toml",
            """
        [scenario]
        name = "law"
        start = 2021-01-01
        end = 2021-12-31
        warmup_days = 1
        [[unit]]
        name = "main"
        [[stream]]
        name = "convicts"
        unit = "main"
        rate_per_year = 1000
        path = "sentence"
        sentence = { distribution = "fixed", days = 3650 }
        """,
        )
    )
    model = compile_model(sc)
    s = sc.stream[0]
    t = np.array([10.0, 170.0, 200.0, 300.0])  # days from 2020-12-31
    d = draw(s, 4, Streams(np.random.SeedSequence(0)), "x", sc.release, [])
    p = timeline(s, t, d, sc.release, model.senb_start, [], model.day_of)
    assert model.day_of(dt.date(2021, 7, 1)) == 182
    assert p.senb.tolist() == [False, False, True, True]
    assert (p.t_end - p.t_adm).tolist() == [2433, 2433, 2920, 2920]


def test_pre_trial_time_is_credited(write):
    """A pre-trial detainee sentenced to three years is released on day 730 from
    the first day of detention, however long the pre-trial part was; one who is
    acquitted leaves at trial."""
    sc = cap.load_scenario(
        write(
            "vh.toml",
            """
        [scenario]
        name = "vh"
        start = 2022-01-01
        end = 2022-12-31
        warmup_days = 1
        [[unit]]
        name = "main"
        [[stream]]
        name = "vh"
        unit = "main"
        rate_per_year = 1000
        path = "pre_trial"
        pre_trial_days = { distribution = "empirical", days = [1000], shares = [1.0] }
        convicted_share = 0.5
        sentence = { distribution = "fixed", days = 1095 }
        """,
        )
    )
    model = compile_model(sc)
    s = sc.stream[0]
    d = draw(s, 2000, Streams(np.random.SeedSequence(1)), "x", sc.release, [])
    p = timeline(s, np.zeros(2000), d, sc.release, model.senb_start, [], model.day_of)
    stay = p.t_end - p.t_adm
    pre = p.t_trial - p.t_adm
    convicted = p.sentence > 0
    assert 0.45 < convicted.mean() < 0.55
    assert np.allclose(stay[convicted], np.maximum(pre[convicted], 730))
    assert np.allclose(stay[~convicted], pre[~convicted])


def test_end_phases_follow_the_rules(baseline):
    """BBA: a sixth of the sentence, 4 weeks to 12 months; PP after 1 Dec 2021:
    sentences of 6-12 months only, at most two months, right before release."""
    model = compile_model(baseline, 0)
    s = baseline.stream[0]
    pl = [p for p in baseline.placement if p.streams is None or s.name in p.streams]
    d = draw(s, 50000, Streams(np.random.SeedSequence(2)), "x", baseline.release, pl)
    t0 = np.full(50000, model.day_of(dt.date(2023, 1, 1)))
    p = timeline(s, t0, d, baseline.release, model.senb_start, pl, model.day_of)
    phases = {pl.name: (who, a, b) for pl, who, a, b in p.phases}
    who, a, b = phases["bba"]
    length = b - a
    assert who.size > 500
    assert (length <= 365 + 1e-9).all() and (length >= 28 - 1e-9).all()
    assert (p.sentence[who] >= 168).all()
    who_pp, a_pp, b_pp = phases["pp_senb"]
    assert who_pp.size > 100 and phases["pp_before_senb"][0].size == 0
    assert ((p.sentence[who_pp] >= 183) & (p.sentence[who_pp] <= 365)).all()
    assert ((b_pp - a_pp) <= 61 + 1e-9).all()
    assert np.allclose(b_pp, p.t_end[who_pp])  # right before release
    both = np.intersect1d(who, who_pp)  # BBA comes right before the PP
    assert np.allclose(b[np.searchsorted(who, both)], a_pp[np.searchsorted(who_pp, both)])


def test_start_stock_is_the_number_given(baseline, baseline_run):
    """Bookkeeping, not validation: the people placed in cells on the first day
    number exactly the start stock, in every replication. For the baseline that
    is the CBS stock of 30 Sept 2021 (9,330: the observation nearest the start,
    1 July 2021, and not after the origin); a number written in the file is
    placed as exactly. The forecast against what happened later is a benchmark
    figure (benchmarks/heldout.py) and the back-test (docs/calibration.md)."""

    def placed(ds):
        first = ds.isel(time=0).sel(unit="total")
        return (first.occupancy - first.admissions + first.releases).values

    assert baseline_run.attrs["start_stock"] == 9330
    assert baseline_run.attrs["start_stock_kind"] == "observed"
    assert (placed(baseline_run) == 9330).all()
    data = baseline.to_data()
    data["scenario"]["start_stock"] = 8000
    given = cap.simulate(
        cap.scenario.parse_scenario(data, baseline.source_file), replications=3, seed=4
    )
    assert given.attrs["start_stock_kind"] == "given"
    assert (placed(given) == 8000).all()


def test_the_run_keeps_the_calibrated_composition(baseline_run):
    """In-sample, not validation: the calibration was fitted to the CBS figures of
    30 Sept 2021 (40% pre-trial, 6% ISD), so the run must show them that day. The
    tolerance is the rounding of the published percentages (0.005) plus Z
    standard errors of the mean share over the replications."""
    stock = baseline_run.stock_by_status.sel(time="2021-09-30")
    shares = stock / stock.sum("status")
    n = shares.sizes["replication"]
    for status, cbs in (("pre_trial", 0.40), ("isd", 0.06)):
        x = shares.sel(status=status).values
        se = x.std(ddof=1) / np.sqrt(n)
        assert abs(x.mean() - cbs) <= 0.005 + Z * se, (status, x.mean(), se)
    # The stock three months after the start stays near the 9,330 the stays were
    # fitted to; a start stock out of step with the calibrated flows drifts away.
    # 2% is a modelling allowance, not a statistical tolerance: the standard error
    # of the mean over the replications is about 0.15%, so this catches gross drift
    # only (the run is within 1% of 9,330).
    tot = baseline_run.occupancy.sel(unit="total", time="2021-09-30")
    assert abs(float(tot.mean()) / 9330 - 1) < 0.02


def test_a_unit_with_room_to_spare_holds_everyone_for_their_stay(write):
    """A finite unit whose places never run out holds each person exactly as long
    as an unlimited one would: from admission to the end of the stay as the
    forecast's stay changes (and any policy) left it. (Once, stays counted from
    admission ignored the forecast's stretch: 128 of 12,900 people of a run held
    a place in the AIT up to 200 days too long.)"""
    from capaciteit.run import runner
    from capaciteit.sim import engine as eng

    path = write(
        "roomy.toml",
        f"""
        [scenario]
        name = "roomy"
        extends = "{SCENARIOS / "forecast-2024.toml"}"
        [[unit]]
        name = "ait"
        capacity = 100000
        [[unit]]
        name = "ebi"
        capacity = 100000
        """,
    )
    model, _ = runner.prepare(cap.load_scenario(path))
    assert model.drivers is not None  # the forecast stretches stays: the case at stake
    seq = np.random.SeedSequence(5)
    groups, stream_of, _ = eng._everyone(model, Streams(seq))
    out = eng.run_replication(model, seq)
    names = model.unit_names
    first = np.cumsum([0] + [len(g) for g in groups])[:-1]
    for unit in ("ait", "ebi"):
        count = eng.Census(1, model)
        for g, si in zip(groups, stream_of[first].tolist(), strict=True):
            if model.scenario.stream[si].unit == unit:
                count.add(0, g.t_adm, g.t_end)
        expected = count.counts()[0][:, 0]
        assert expected.max() > 2, unit  # the EBI holds a handful
        assert np.array_equal(out["occupancy"][:, names.index(unit)], expected), unit
