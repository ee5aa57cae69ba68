"""The band: the whole chain's earlier errors widen its forecast (issue 13)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math

import numpy as np
import pytest

import capaciteit as cap
from capaciteit.calibrate import bands, calibration, forecast
from capaciteit.data import history
from capaciteit.run import backtest

from .conftest import SCENARIOS

S = 0.05  # the synthetic forecasts' stated sd of the log stock


def _synthetic(k: float):
    """Forecasts whose median misses every real stock by k stated sds, above
    (odd years) and below (even years) in turn: each standardized error is
    +-k exactly. The quartiles are skewed (30% of the range below the median,
    70% above): the sd is read from the whole range."""
    stock = {o.date.year: o.value for o in history.load_stock()}

    def fake(sc, year):
        out = {}
        for h in forecast.HORIZONS:
            t = year + h
            if t in stock:
                p50 = stock[t] * math.exp(-k * S * (-1) ** t)
                out[t] = (
                    p50 * math.exp(-0.3 * S * bands.IQR_SD),
                    p50,
                    p50 * math.exp(0.7 * S * bands.IQR_SD),
                )
        return out

    return fake


def test_the_band_is_the_widening_of_the_errors_before_the_origin(monkeypatch):
    """With forecasts that missed by exactly 2 stated sds, every origin's mean
    squared error is 4, so the band from the 12 origins 2009-2020 is
    sqrt((12 x 4 + 4) / (12 + 4)); only origins before 2021 and stocks
    published by it are read."""
    monkeypatch.setattr(bands, "_forecast", _synthetic(2.0))
    band, rows = bands.band(None, dt.date(2021, 9, 30))
    assert {r["origin"] for r in rows} == set(range(2009, 2021))
    assert max(r["year"] for r in rows) == 2021 and all(r["year"] > r["origin"] for r in rows)
    want = [2.0 * (-1) ** r["year"] for r in rows]  # log(observed / median) / sd
    assert [r["z"] for r in rows] == pytest.approx(want, rel=1e-12)
    assert band == pytest.approx(math.sqrt(52 / 16), rel=1e-12)
    # errors no larger than stated leave the spreads as they are
    monkeypatch.setattr(bands, "_forecast", _synthetic(0.5))
    assert bands.band(None, dt.date(2021, 9, 30))[0] == 1.0


@pytest.mark.parametrize(("sd", "want"), [(1.5, 1.5), (0.8, 1.0)])
def test_the_widening_recovers_a_known_spread(sd, want):
    """Synthetic truth: 400 origins of three errors each, drawn with sd 1.5 where
    the forecast said 1, give a band near 1.5 (its sampling sd is about 0.03;
    the tolerance is four of it); errors smaller than stated give 1."""
    rng = np.random.default_rng(8)
    errors = [(y, float(z)) for y in range(400) for z in rng.normal(0, sd, 3)]
    assert forecast.widening(errors) == pytest.approx(want, abs=0.12)


def test_the_band_multiplies_every_spread():
    """A combination with band b draws exactly what the same combination with
    every spread times b draws, from the same random numbers."""
    cal = calibration.Calibration.from_json(
        (SCENARIOS / "calibration" / "baseline.json").read_text()
    )
    combo = dataclasses.replace(cal.fitted, band=1.7)
    wide = dataclasses.replace(
        cal.fitted, band=1.0, spreads={k: 1.7 * v for k, v in cal.fitted.spreads.items()}
    )
    for seed in range(5):
        a = combo.simulate_changes(4, np.random.default_rng(seed))
        b = wide.simulate_changes(4, np.random.default_rng(seed))
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)


def _straddling() -> cap.Scenario:
    """The baseline with a dated change of every kind between 2012 and 2018: a
    month table of rates, a capacity table from the beginning of time, a court
    curve, a policy that starts and one that ends in between."""
    data = cap.load_scenario(SCENARIOS / "baseline.toml").to_data()
    data["stream"][0]["rate_per_year"] = {"2011-01": 100.0, "2014-06": 200.0, "2017-01": 300.0}
    data["unit"][0]["capacity"] = {"0001-01-01": 9000.0, "2015-01-01": 9500.0, "2018-01-01": 1.0}
    data["court"]["handled"] = {"2012-01-01": 0.0, "2014-01-01": 0.5, "2017-01-01": 1.0}
    data["policy"] = [
        {"kind": "inflow", "name": "a", "start": dt.date(2013, 1, 1), "factor": 1.1},
        {
            "kind": "inflow",
            "name": "b",
            "start": dt.date(2010, 1, 1),
            "factor": 0.9,
            "end": dt.date(2015, 1, 1),
        },
    ]
    return cap.scenario.parse_scenario(data, str(SCENARIOS / "straddling.toml"))


@pytest.mark.parametrize("name", ["baseline", "forecast-2024", "straddling"])
@pytest.mark.parametrize(("inner", "outer"), [(2012, 2016), (2013, 2015), (2015, 2021)])
def test_the_vintage_rule_is_idempotent(name, inner, outer):
    """The scenario as it stood at a later origin, taken back to an earlier one,
    is the scenario as it stood at the earlier one (the band's nested runs are
    shared by the back-test's origins because of it), with every kind of dated
    change between the two origins (collapsing a table to its value at the later
    origin would fail here)."""
    if name == "straddling":
        base = _straddling()
    else:
        base = cap.load_scenario(SCENARIOS / f"{name}.toml")
    direct = backtest.origin_scenario(base, inner, 3)
    nested = backtest.origin_scenario(backtest.origin_scenario(base, outer), inner, 3)
    assert bands._key(nested) == bands._key(direct)


@pytest.mark.parametrize("name", ["baseline", "no-senb", "forecast-2024"])
def test_a_shipped_calibration_records_its_band(name):
    """Each shipped calibration holds its band, the widening of the errors it
    lists, one from each origin before its own with a counted stock (there is
    none for 2023), scored on a stock published by then; the run draws with
    that band."""
    cal = calibration.Calibration.from_json(
        (SCENARIOS / "calibration" / f"{name}.json").read_text()
    )
    origin = dt.date.fromisoformat(cal.origin)
    rows = cal.forecast["band_errors"]
    counted = {o.date.year for o in history.load_stock(until=origin)}  # none in 2023
    want = set(range(forecast.FIRST_SCORED_ORIGIN, origin.year)) & counted
    assert {r["origin"] for r in rows} == want
    assert all(r["origin"] < r["year"] <= origin.year for r in rows)
    for r in rows:
        sd = math.log(r["p75"] / r["p25"]) / bands.IQR_SD
        assert r["z"] == pytest.approx(math.log(r["observed"] / r["p50"]) / sd, rel=1e-12)
    band = forecast.widening([(r["origin"], r["z"]) for r in rows])
    assert cal.forecast["band"] == band == cal.fitted.band
    assert json.loads(cal.to_json())["state"]["band"] == band
    assert cal.forecast["band_runs"] == {"first_origin": 2009, "replications": 200, "seed": 1}


def test_a_fit_in_memory_is_announced(capsys):
    """The band makes a fit take minutes: a command that must fit says so first,
    with the command that keeps the fit; with a current file it says nothing."""
    from capaciteit.cli import fit as cli

    shipped = cap.load_scenario(SCENARIOS / "baseline.toml")
    cli._say_if_calibrating(shipped, "scenarios/baseline.toml")
    assert capsys.readouterr().err == ""
    data = shipped.to_data()
    data["inflow"]["file"] = "calibration/none.json"
    mine = cap.scenario.parse_scenario(data, str(SCENARIOS / "mine.toml"))
    cli._say_if_calibrating(mine, "mine.toml")
    err = capsys.readouterr().err
    assert "no current calibration file" in err and "capaciteit calibrate mine.toml" in err


def test_validate_does_not_fit(write, run_cli, monkeypatch):
    """A scenario whose calibration is not current (here: its own [reentry], part
    of what the band is learned on) is checked by ``validate`` without the fit
    a run would make (minutes, thrown away): it says so, and how to keep one."""

    def no_fit(sc):
        raise AssertionError("validate fitted a calibration")

    monkeypatch.setattr(calibration, "calibrate", no_fit)
    path = write(
        "half.toml",
        f'[scenario]\nname = "half"\nextends = "{SCENARIOS / "baseline.toml"}"\n\n'
        "[reentry]\nshare = 0.5\n",
    )
    code, out, err = run_cli("validate", path)
    assert code == 0, err
    assert out.strip() == (
        f"{path}: ok; no current calibration file: a run fits one on the data published "
        f"by 2021-09-30 first (a few minutes), `capaciteit calibrate {path}` writes it once"
    )
    code, out, _ = run_cli("validate", SCENARIOS / "baseline.toml")  # a current file: "ok"
    assert code == 0 and out.strip() == f"{SCENARIOS / 'baseline.toml'}: ok"


def test_the_calibration_carries_the_band_and_fits_without_it_inside(monkeypatch, tmp_path):
    """calibrate() puts the band on the combination the run draws from and in
    the file; inside without_band() the fit has band 1, asks for no band, reads
    no calibration file, and is not confused with the fit outside."""
    asked = []

    def fake(sc, origin):
        asked.append(origin)
        return 1.7, [{"origin": 2010, "z": 1.0}]

    monkeypatch.setattr(bands, "band", fake)
    monkeypatch.setattr(calibration, "_MEMO", {})
    sc = backtest.origin_scenario(cap.load_scenario(SCENARIOS / "baseline.toml"), 2012)
    cal = calibration.calibrate(sc)
    assert asked == [dt.date(2012, 9, 30)]
    assert cal.fitted.band == cal.forecast["band"] == 1.7
    assert calibration.Calibration.from_json(cal.to_json()).fitted.band == 1.7
    path = tmp_path / "cal.json"
    path.write_text(cal.to_json())
    assert calibration.stored(sc, path) is not None
    with calibration.without_band():
        assert calibration.stored(sc, path) is None
        plain = calibration.calibrate(sc)
    assert len(asked) == 1 and plain.fitted.band == 1.0 and plain.forecast["band_errors"] == []
    assert calibration.calibrate(sc) is cal
