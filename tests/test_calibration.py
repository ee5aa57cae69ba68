"""Calibration on real history: the reconstruction, the stay fit, the forecast
model's choice, the origin rule (no observation after it), and the back-test."""

from __future__ import annotations

import csv
import datetime as dt
import math
import shutil

import numpy as np
import pytest

import capaciteit as cap
from capaciteit import backtest, calibration, forecast, history, reconstruct

from .conftest import SCENARIOS

ORIGIN = dt.date(2015, 9, 30)


def test_reconstruction_reproduces_what_was_published():
    """Where inflow was published, the reconstruction returns it (within its 1%
    observation error); every year, inflow x mean stay is the real stock."""
    rec = reconstruct.reconstruct(dt.date(2024, 9, 30))
    published = {o.date.year: o.value for o in history.series("inflow.csv", "total_instroom_GW")}
    for year, value in published.items():
        got = rec.inflow[year - reconstruct.FIRST_YEAR]
        assert abs(got / value - 1) < 0.02, (year, got, value)
    stock = {o.date.year: o.value for o in history.load_stock()}
    for year, value in stock.items():
        if year in reconstruct.COVID_YEARS:  # the pulse explains that year's dip
            continue
        i = year - reconstruct.FIRST_YEAR
        assert abs(rec.inflow[i] * rec.stay_days[i] / 365.25 / value - 1) < 0.01, year
    # where nothing was published the reconstruction says how unsure it is
    i2013 = 2013 - reconstruct.FIRST_YEAR
    assert rec.log_inflow_sd[i2013] > 2 * rec.log_inflow_sd[2007 - reconstruct.FIRST_YEAR]


def test_reconstruction_recovers_a_known_truth():
    """On synthetic data with the real pattern of gaps, the smoothed inflow is
    within its stated uncertainty of the truth for most years."""
    rng = np.random.default_rng(3)
    years = np.arange(2005, 2025)
    log_i = np.log(44000) + np.cumsum(rng.normal(-0.02, 0.04, years.size))
    log_w = np.log(0.3) + np.cumsum(rng.normal(0.0, 0.04, years.size))
    y = np.full((years.size, 3), np.nan)
    y[:, 0] = log_i + log_w
    for yr in (2005, 2007, 2008, 2010, 2011, 2017):
        y[yr - 2005, 1] = log_i[yr - 2005] + rng.normal(0, reconstruct.INFLOW_SD)
    for yr in (2007, 2014, 2015, 2020, 2021, 2022, 2024):
        y[yr - 2005, 2] = log_i[yr - 2005] + math.log(1.1) + rng.normal(0, reconstruct.PERSONS_SD)
    model = reconstruct.LittleModel(y, years, "local_level")
    res = model.fit(disp=False, maxiter=1000)
    mean, var = res.smoothed_state[0], res.smoothed_state_cov[0, 0]
    z = (mean - log_i) / np.sqrt(var)
    assert np.mean(np.abs(z) < 2) >= 0.8, z
    assert np.abs(mean - log_i).max() < 0.15


@pytest.fixture
def later_data_changed(tmp_path, monkeypatch):
    """A copy of the shipped data with every observation after ORIGIN altered."""
    for name in history.SCHEMAS:
        src = history.DATA_DIR / name
        rows = list(csv.reader(src.open()))
        when = 0 if rows[0][0] in ("date", "year", "start") else None
        value = rows[0].index(history.SCHEMAS[name].value)
        for r in rows[1:]:
            year = int(r[when][:4])
            if (
                year > ORIGIN.year
                or (year == ORIGIN.year and r[when][4:] in ("", "-12-31"))
                or (r[when][:4] == str(ORIGIN.year) and r[when] > ORIGIN.isoformat())
            ):
                if r[value]:
                    r[value] = str(round(float(r[value]) * (0.5 if "share" not in r else 1), 3))
        with (tmp_path / name).open("w", newline="") as f:
            csv.writer(f).writerows(rows)
    shutil.copy(history.DATA_DIR / "README.md", tmp_path / "README.md")
    monkeypatch.setattr(history, "DATA_DIR", tmp_path)
    return tmp_path


def test_changing_data_after_the_origin_changes_nothing(later_data_changed, monkeypatch):
    """With origin X the model uses no observation after X: halving every later
    figure leaves the reconstruction, the model choice and the fit unchanged."""
    stock = {o.date.year: o.value for o in history.load_stock()}
    assert stock[2016] == 4405 and stock[2015] == 8980  # the copy is in use
    sc = cap.load_scenario(SCENARIOS / "baseline.toml")
    data = sc.to_data()
    data["forecast"]["origin"] = ORIGIN
    data["scenario"].update(start=dt.date(2015, 10, 1), end=dt.date(2016, 9, 30))
    sc = cap.scenario.parse_scenario(data, str(SCENARIOS / "baseline.toml"))
    changed = calibration._calibrate(sc)
    monkeypatch.undo()
    original = calibration._calibrate(sc)
    assert changed.inflow == original.inflow
    assert changed.forecast == original.forecast
    assert changed.overlay == original.overlay
    assert changed.stays["targets"] == original.stays["targets"]


def test_composition_uses_the_latest_published_before_the_origin():
    shares, year = calibration.composition(dt.date(2015, 9, 30))
    assert year == 2007 and abs(shares["voorlopig_gehechten"] - 19800 / 43800) < 1e-9
    shares, year = calibration.composition(dt.date(2018, 9, 30))
    assert year == 2017 and abs(sum(shares.values()) - 1) < 1e-9


@pytest.fixture(scope="module")
def baseline_calibration():
    return calibration.calibrate(cap.load_scenario(SCENARIOS / "baseline.toml"))


def test_stays_fit_every_moment_and_report_it(baseline_calibration):
    """Each target the data give by the origin is reported with its fitted value;
    the stock and the pre-trial share are matched closely."""
    fitted = {t["name"]: t for t in baseline_calibration.stays["targets"]}
    assert {
        "stock",
        "share_pre_trial",
        "share_sentenced_and_substitute",
        "sentenced_1y_plus",
        "sentenced_3y_plus",
    } <= set(fitted)
    assert "released_within_30_days" not in fitted  # published in 2024: after the origin
    assert abs(fitted["stock"]["fitted"] / 9330 - 1) < 0.01
    assert abs(fitted["share_pre_trial"]["fitted"] - 0.40) < 0.02
    assert abs(fitted["sentenced_3y_plus"]["fitted"] - 0.40) < 0.05
    for t in fitted.values():
        assert t["source"]


def test_calibration_file_round_trips_with_provenance(baseline_calibration, tmp_path):
    text = baseline_calibration.to_json()
    again = calibration.Calibration.from_json(text)
    assert again.overlay == baseline_calibration.overlay
    assert again.data_sha256 == history.data_files()
    assert again.forecast["model"] in reconstruct.DYNAMICS
    assert set(again.forecast["scores"]) == set(reconstruct.DYNAMICS)


@pytest.mark.parametrize("name", ["baseline", "forecast-2024"])
def test_shipped_calibration_files_are_current(name):
    """scenarios/calibration/*.json are what `capaciteit calibrate` writes for the
    scenarios and the shipped data (run `capaciteit calibrate FILE` if not)."""
    from capaciteit.runner import calibration_path

    sc = cap.load_scenario(SCENARIOS / f"{name}.toml")
    _cal, fresh = calibration.load_or_calibrate(sc, calibration_path(sc))
    assert not fresh


def test_forecast_uncertainty_reaches_the_bands():
    """Each replication draws its own inflow and stay future: the spread of the
    total grows with the horizon, and replications differ in their inflow."""
    sc = cap.load_scenario(SCENARIOS / "baseline.toml")
    ds = cap.simulate(sc, replications=30, seed=2)
    tot = np.log(ds.occupancy.sel(unit="total").astype(float))
    sd = [float(tot.sel(time=d).std()) for d in ("2021-10-31", "2023-09-30", "2026-09-30")]
    assert sd[0] < sd[1] < sd[2] and sd[2] > 0.08
    adm = ds.admissions.sel(unit="total", time="2026").sum("time")
    assert float(adm.std() / adm.mean()) > 0.03


def test_crps_ensemble():
    rng = np.random.default_rng(1)
    x = rng.normal(0.0, 1.0, 200000)
    exact = forecast.crps_normal(np.array(0.0), np.array(1.0), np.array(0.7))
    assert abs(backtest.crps_ensemble(x, 0.7) - float(exact)) < 0.01
    small = np.array([1.0, 3.0, 4.0])
    brute = np.mean(np.abs(small - 2.0)) - 0.5 * np.mean(np.abs(small[:, None] - small[None]))
    assert abs(backtest.crps_ensemble(small, 2.0) - brute) < 1e-12


def test_backtest_command(run_cli, tmp_path):
    """A short back-test through the command line: the table, the scores per
    horizon, and the figure."""
    out = tmp_path / "bt"
    code, stdout, err = run_cli(
        "backtest", "--origins", "2014,2018", "-n", "20", "-o", out, "--workers", "2"
    )
    assert code == 0, err
    assert "MASE" in stdout and "coverage_80" in stdout
    assert sorted(p.name for p in out.iterdir()) == ["backtest.csv", "backtest.png", "summary.csv"]
    import pandas as pd

    table = pd.read_csv(out / "backtest.csv")
    assert set(table["origin"]) == {2014, 2018}
    assert table["horizon"].max() == 5
    assert ((table["p10"] <= table["p50"]) & (table["p50"] <= table["p90"])).all()
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert {"MAPE", "MASE", "coverage_50", "coverage_80", "CRPS"} <= set(summary.columns)
    assert summary.loc["1-3 yr", "MAPE"] < 0.25
    code, _, err = run_cli("backtest", "--origins", "2030", "-o", tmp_path / "x")
    assert code == 2 and "--origins" in err
