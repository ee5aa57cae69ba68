"""The forecast combination: weights, spreads and draws (issue 13)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest

from capaciteit.calibrate import forecast, reconstruct
from capaciteit.data import history

SHIPPED = history.DATA_DIR  # the real data, whatever a test later points DATA_DIR at


def test_weights_are_inverse_scores():
    w = forecast.weights({"a": 0.02, "b": 0.04, "c": float("nan")})
    assert w == pytest.approx({"a": 2 / 3, "b": 1 / 3}, abs=1e-15)
    assert forecast.weights({"a": float("nan")}) == {"local_level": 1.0}


def test_spread_is_the_shrunk_rms_of_the_earlier_errors(monkeypatch):
    """Each origin's squared errors averaged, then sqrt((sum + 4) / (n + 4)) over
    the n origins, and never below 1: four pseudo-origins of 1 hold a short
    history near 1; a long history of errors twice the stated sd approaches 2;
    errors smaller than stated leave the model's own spread."""
    errors = {
        "few": [(0.1, 3.0, 2010), (0.1, 1.0, 2010)],  # one origin, mean z^2 = 5
        "many": [(0.1, 2.0, y) for y in range(400) for _h in range(3)],
        "calm": [(0.1, 0.1, y) for y in range(40)],
        "none": [],
    }
    monkeypatch.setattr(forecast, "_errors", lambda origin, names: errors)
    s = forecast.spread_scales(dt.date(2020, 9, 30))
    assert s["few"] == pytest.approx(math.sqrt(9 / 5), rel=1e-15)
    assert s["many"] == pytest.approx(math.sqrt(1604 / 404), rel=1e-15)
    assert s["calm"] == 1.0 and s["none"] == 1.0


def test_the_spread_scales_every_shock_and_the_last_state():
    """With the parameters held (no parameter uncertainty) a random walk's
    simulated changes with spread s are exactly s times those with spread 1,
    from the same random numbers."""
    rec = reconstruct.reconstruct(dt.date(2016, 9, 30), "local_level")
    held = dataclasses.replace(rec, param_cov=np.full_like(rec.param_cov, np.nan))
    one = held.simulate(5, np.random.default_rng(4), 1.0)
    wide = held.simulate(5, np.random.default_rng(4), 1.7)
    for a, b, last in zip(one, wide, held.last_state[:2], strict=False):
        np.testing.assert_allclose(b - last, 1.7 * (a - last), rtol=1e-12, atol=1e-15)


def _fixed(rec: reconstruct.Reconstruction, drift: float) -> reconstruct.Reconstruction:
    """A random walk with drift and no uncertainty at all: its change after h
    years is h x drift exactly."""
    params = {k: (0.0 if k.startswith("sigma2") else v) for k, v in rec.params.items()}
    params["drift"] = drift
    return dataclasses.replace(
        rec,
        params=params,
        param_cov=np.full_like(rec.param_cov, np.nan),
        last_cov=np.zeros_like(rec.last_cov),
    )


def test_each_replication_draws_a_candidate_by_weight():
    """Two candidates that cannot be confused (inflow +0.5 or -0.5 a year): the
    share of draws of each is its weight within 4.5 binomial standard errors,
    and each draw is that candidate's own future."""
    rec = reconstruct.reconstruct(dt.date(2016, 9, 30), "rw_drift")
    combo = forecast.Combination(
        {"up": _fixed(rec, 0.5), "down": _fixed(rec, -0.5)},
        {"up": 0.3, "down": 0.7},
        {"up": 1.0, "down": 1.0},
    )
    rng = np.random.default_rng(11)
    n, ups = 4000, 0
    for _ in range(n):
        inflow, _stay = combo.simulate_changes(3, rng)
        assert np.allclose(np.abs(inflow), [0.5, 1.0, 1.5], rtol=0, atol=1e-12)
        ups += inflow[0] > 0
    se = math.sqrt(0.3 * 0.7 / n)
    assert abs(ups / n - 0.3) < 4.5 * se


def test_the_level_is_the_weighted_geometric_mean():
    rec = reconstruct.reconstruct(dt.date(2016, 9, 30), "rw_drift")
    other = dataclasses.replace(rec, log_inflow=rec.log_inflow + math.log(2.0))
    combo = forecast.Combination({"a": rec, "b": other}, {"a": 0.5, "b": 0.5}, {"a": 1.0, "b": 1.0})
    base, _ = rec.at(2016)
    assert combo.level(2016) == pytest.approx(base * math.sqrt(2.0), rel=1e-12)


def test_the_damped_trend_fades():
    """The damped trend's forecast changes by less each year (phi < 1), and its
    damping stays inside its range."""
    rec = reconstruct.reconstruct(dt.date(2015, 9, 30), "damped_trend")
    phi = rec.params["phi"]
    assert reconstruct.PHI_RANGE[0] <= phi <= reconstruct.PHI_RANGE[1]
    mu, _ = rec.forecast_stock(5)
    steps = np.diff(np.concatenate([[rec.last_state[0] + rec.last_state[1]], mu]))
    np.testing.assert_allclose(steps[1:] / steps[:-1], phi, rtol=1e-9)


def test_the_stay_trend_moves_the_stay_and_fades():
    """The stay's damped trend: in its forecast the log inflow holds its last
    state and the log stay changes by phi times the last change each year."""
    rec = reconstruct.reconstruct(dt.date(2018, 9, 30), "stay_damped_trend")
    phi = rec.params["phi"]
    assert reconstruct.PHI_RANGE[0] <= phi <= reconstruct.PHI_RANGE[1]
    trans, _q, _c = rec._matrices(rec.params)
    x = rec.last_state.copy()
    assert x[3] > 0.01  # the stay rose in 2015-2018: a slope to fade
    for _ in range(4):
        nxt = trans @ x
        assert nxt[0] == x[0]  # inflow: a random walk, no trend
        assert nxt[1] - x[1] == pytest.approx(phi * x[3], rel=1e-12)  # the stay moves
        assert nxt[3] == pytest.approx(phi * x[3], rel=1e-12)  # and its slope fades
        x = nxt
    mu, _ = rec.forecast_stock(5)
    steps = np.diff(np.concatenate([[rec.last_state[0] + rec.last_state[1]], mu]))
    np.testing.assert_allclose(steps[1:] / steps[:-1], phi, rtol=1e-9)


@pytest.mark.parametrize("dynamics", reconstruct.TRENDED)
def test_the_fit_and_the_forecast_are_one_model(dynamics):
    """The state-space model the fit used, at the fitted parameters, has the
    transition and the state noise the forecast uses, and gives the fitted
    log-likelihood: a slope wired to another state, or left undamped, in either
    of them would differ here."""
    origin = dt.date(2018, 9, 30)
    rec = reconstruct.reconstruct(origin, dynamics)
    years, y, extra = reconstruct.observations(origin)
    model = reconstruct.LittleModel(y, years, dynamics, extra)
    params = np.array([rec.params[n] for n in model.param_names])
    model.update(params)
    trans, q, c = rec._matrices(rec.params)
    np.testing.assert_array_equal(model["transition"], trans)
    select = model["selection"]
    np.testing.assert_allclose(select @ model["state_cov"] @ select.T, q, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(model["state_intercept"], c)
    assert model.loglike(params) == pytest.approx(rec.loglike, rel=1e-9)
    slope_moves = {"stay_damped_trend": 1}.get(dynamics, 0)
    assert trans[slope_moves, 3] == rec.params.get("phi", 1.0) and trans[1 - slope_moves, 3] == 0


def test_a_combination_round_trips_exactly():
    combo = forecast.Combination.fit(dt.date(2016, 9, 30))
    again = forecast.Combination.from_dict(combo.to_dict())
    a = combo.simulate_changes(4, np.random.default_rng(2))
    b = again.simulate_changes(4, np.random.default_rng(2))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert math.isclose(math.fsum(combo.weights.values()), 1.0, rel_tol=1e-15)


def _synthetic_stock(folder, log_changes: np.ndarray) -> None:
    """A copy of the shipped data whose 30-September stock 2005-2024 is a
    synthetic random walk (no inflow or persons counts: the stock alone)."""
    import csv
    import shutil

    for name in history.SCHEMAS:
        shutil.copy(SHIPPED / name, folder / name)
    for name in ("inflow.csv", "unique_persons.csv"):
        with (folder / name).open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerow(history.SCHEMAS[name].columns)
    with (folder / history.STOCK_FILE).open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(history.SCHEMAS[history.STOCK_FILE].columns)
        level = math.log(10000) + np.concatenate([[0.0], np.cumsum(log_changes)])
        for k, v in enumerate(level):
            w.writerow([f"{2005 + k}-09-30", round(math.exp(v)), "synthetic", "test", "", ""])


def test_the_spread_widens_when_errors_were_larger_than_stated(tmp_path, monkeypatch):
    """Synthetic truth: a random walk whose yearly sd is 0.02 until 2015 and 0.10
    after. A model fitted before the break cannot know; the errors it makes
    from 2016 on are about five times its stated sd, so from origin 2024 the
    random walk's spread is well above 1, while on the same walk without the
    break it stays near 1 (within the sampling error of a dozen correlated
    errors)."""
    rng = np.random.default_rng(7)
    z = rng.standard_normal(19)
    monkeypatch.setattr(history, "DATA_DIR", tmp_path)
    calm = 0.02 * z
    _synthetic_stock(tmp_path, calm)
    steady = forecast.spread_scales(dt.date(2024, 9, 30), ("local_level",))["local_level"]
    broken = calm.copy()
    broken[11:] = 0.10 * z[11:]  # changes into 2017 and later
    _synthetic_stock(tmp_path, broken)
    wide = forecast.spread_scales(dt.date(2024, 9, 30), ("local_level",))["local_level"]
    assert 1.0 <= steady < 1.5, steady
    assert wide > 1.8 and wide > 1.5 * steady, (steady, wide)


def test_a_combination_passes_its_spread_to_the_candidate_it_draws():
    """One candidate, no parameter uncertainty: the combination's changes with
    spread 2 are exactly twice those with spread 1, from the same numbers."""
    rec = reconstruct.reconstruct(dt.date(2016, 9, 30), "local_level")
    held = dataclasses.replace(rec, param_cov=np.full_like(rec.param_cov, np.nan))
    one = forecast.Combination({"a": held}, {"a": 1.0}, {"a": 1.0})
    two = forecast.Combination({"a": held}, {"a": 1.0}, {"a": 2.0})
    a = one.simulate_changes(4, np.random.default_rng(9))
    b = two.simulate_changes(4, np.random.default_rng(9))
    for x, y in zip(a, b, strict=True):
        assert np.abs(x).max() > 0
        np.testing.assert_allclose(y, 2.0 * x, rtol=1e-12, atol=1e-15)
