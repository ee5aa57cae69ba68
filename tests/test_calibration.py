"""Calibration on real history: the reconstruction, the stay fit, the forecast
model's choice, and the origin rule (no observation after it). The back-test
is tested in test_backtest."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import shutil

import numpy as np
import pytest

import capaciteit as cap
from capaciteit.calibrate import calibration, censored, reconstruct
from capaciteit.data import history
from capaciteit.run import backtest

from .conftest import SCENARIOS


def test_reconstruction_reproduces_what_was_published():
    """Where inflow was published, the reconstruction returns it (within its 1%
    observation error); every year, inflow x mean stay is the real stock, or in
    a year counted while the prisons were full, the stock plus its hidden demand
    (within that figure's sd)."""
    rec = reconstruct.reconstruct(dt.date(2024, 9, 30))
    published = {o.date.year: o.value for o in history.series("inflow.csv", "total_instroom_GW")}
    for year, value in published.items():
        got = rec.inflow[year - reconstruct.FIRST_YEAR]
        assert abs(got / value - 1) < 0.02, (year, got, value)
    for o in history.load_stock():
        if o.date.year in reconstruct.COVID_YEARS:  # the pulse explains that year's dip
            continue
        value, sd = censored.demand(o)
        i = o.date.year - reconstruct.FIRST_YEAR
        level = rec.inflow[i] * rec.stay_days[i] / 365.25
        assert abs(level / value - 1) < 0.01 + sd / value, o.date.year
    full = history.observed_stock_near(dt.date(2024, 9, 30))
    assert censored.demand(full)[0] > full.value  # 2024 is read as demand
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


ORIGINS = (dt.date(2015, 9, 30), dt.date(2021, 9, 30))
SHIPPED = history.DATA_DIR  # the real data, whatever a test later points DATA_DIR at


def _when(name: str, row: dict) -> dt.date:
    """The date a row was observed, as the loader reads it (a year: its 31 December)."""
    key = history.SCHEMAS[name].key[0]
    return history._parse_when(row[key], key)


def _kind(name: str, row: dict) -> tuple:
    """What a row is a figure of: its category and unit (the stock file: its scope)."""
    return (row["scope"],) if name == history.STOCK_FILE else (row["category"], row["unit"])


def _copy_with_later_data_changed(folder, origin: dt.date) -> None:
    """Write a copy of the shipped data to ``folder`` in which every figure observed
    after ``origin`` is altered, and every kind of figure of every file (each
    category and unit; the stock) gets one more row after the origin: the day
    after it (a yearly file: the first year ending after it that the kind does
    not have yet). Each kind is scaled by its own factor, so a ratio of two later
    figures (persons over the stock, say) changes too, shares included; an
    event's end date moves a week. Nothing up to the origin changes."""
    factors = iter(np.linspace(0.55, 0.95, 64))
    for name, schema in history.SCHEMAS.items():
        with (SHIPPED / name).open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        key = schema.key[0]
        kinds: dict[tuple, float] = {}
        for r in rows:
            if _kind(name, r) not in kinds:
                kinds[_kind(name, r)] = float(next(factors))
        for r in rows:
            if _when(name, r) <= origin:
                continue
            if r[schema.value]:
                r[schema.value] = repr(round(float(r[schema.value]) * kinds[_kind(name, r)], 4))
            if r.get("end"):
                r["end"] = (dt.date.fromisoformat(r["end"]) + dt.timedelta(days=7)).isoformat()
        for kind, factor in kinds.items():
            latest = max((r for r in rows if _kind(name, r) == kind), key=lambda r: _when(name, r))
            new = dict(latest, note="leakage test: a figure published after the origin")
            if key == "year":
                taken = {r[key] for r in rows if _kind(name, r) == kind}
                first = origin.year + (dt.date(origin.year, 12, 31) <= origin)
                year = next(y for y in range(first, 2101) if str(y) not in taken)
                new[key] = str(year)
            else:
                new[key] = (origin + dt.timedelta(days=1)).isoformat()
                if new.get("end"):
                    new["end"] = (origin + dt.timedelta(days=30)).isoformat()
            if new[schema.value]:
                new[schema.value] = repr(round(float(new[schema.value]) * factor**2, 4))
            rows.append(new)
        with (folder / name).open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=schema.columns)
            writer.writeheader()
            writer.writerows(rows)
    shutil.copy(SHIPPED / "README.md", folder / "README.md")


def _check_the_copy(folder, origin: dt.date) -> None:
    """The copy is what the fixture says: every row up to the origin as shipped;
    after it, every figure with a value differs and every kind has a figure."""
    for name in history.SCHEMAS:
        rows = {}
        for where in (SHIPPED, folder):
            with (where / name).open(newline="", encoding="utf-8") as f:
                rows[where] = [r for r in csv.DictReader(f) if _when(name, r) <= origin]
        assert rows[folder] == rows[SHIPPED], name
        real = history.load(name, SHIPPED / name)
        copy = [o for o in history.load(name, folder / name) if o.date > origin]
        changed = {(o.date, o.category, o.unit): o.value for o in copy}
        for o in real:
            if o.date > origin and not math.isnan(o.value):
                assert changed[(o.date, o.category, o.unit)] != o.value, (name, o)
        assert {(o.category, o.unit) for o in real} == {(o.category, o.unit) for o in copy}, name


def _calibration_as_data(cal: calibration.Calibration) -> dict:
    """Everything a calibration found, less the hashes of the data files it read."""
    data = json.loads(cal.to_json())
    data.pop("data_sha256")
    return data


@pytest.mark.parametrize("origin", ORIGINS, ids=lambda d: str(d.year))
def test_nothing_published_after_the_origin_is_used(origin, tmp_path, monkeypatch):
    """With origin X, the calibration (reconstruction, model choice and its scores,
    the fit of the stays, the rates) and the forecast run from X (start stock,
    every replication) are identical whatever was published after X: in a copy
    of the data every later figure of every file is altered and every kind of
    figure gets a new row the day after X (or in the year that ends after X)."""
    sc = backtest.origin_scenario(cap.load_scenario(SCENARIOS / "baseline.toml"), origin.year, 1)
    real = calibration.calibrate(sc)
    real_run = cap.simulate(sc, replications=2, seed=5)
    _copy_with_later_data_changed(tmp_path, origin)
    _check_the_copy(tmp_path, origin)
    monkeypatch.setattr(history, "DATA_DIR", tmp_path)
    changed = calibration.calibrate(sc)
    assert changed.data_sha256 != real.data_sha256  # the copy is in use, and fitted anew
    want, got = _calibration_as_data(real), _calibration_as_data(changed)
    for part in want:  # name the part that moved (as JSON text: NaN equals NaN there)
        assert json.dumps(got[part]) == json.dumps(want[part]), part
    changed_run = cap.simulate(sc, replications=2, seed=5)
    assert changed_run.attrs["start_stock"] == real_run.attrs["start_stock"]
    for v in ("occupancy", "waiting", "admissions", "releases", "stock_by_status"):
        assert np.array_equal(changed_run[v].values, real_run[v].values), v


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
    assert set(again.forecast["weights"]) <= set(reconstruct.DYNAMICS)
    assert set(again.forecast["scores"]) == set(reconstruct.DYNAMICS)
    assert again.fitted.to_dict() == baseline_calibration.fitted.to_dict()


@pytest.mark.parametrize("name", ["baseline", "forecast-2024"])
def test_shipped_calibration_files_are_current(name):
    """scenarios/calibration/*.json are what `capaciteit calibrate` writes for the
    scenarios and the shipped data (run `capaciteit calibrate FILE` if not)."""
    from capaciteit.run.runner import calibration_path

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
