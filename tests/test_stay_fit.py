"""The stay fit (calibration.fit_stays): a smooth loss, a fit that converges to a
minimum and says so, recovers known parameters, and is the same every time."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest

import capaciteit as cap
from capaciteit.calibrate import calibration, censored
from capaciteit.data import history

SCENARIOS = Path(__file__).parent.parent / "scenarios"
NAMES = ["baseline", "no-senb", "forecast-2024"]


def _inputs(name: str) -> dict:
    """What ``_calibrate`` hands to ``fit_stays`` for a shipped scenario (the
    scenario as known at its origin, the origin, the inflow, the stock)."""
    got: dict = {}

    class Seen(Exception):
        """The inputs are seen: the fit itself is not needed here, nor the band
        (its simulations at earlier origins widen spreads, not these inputs)."""

    def spy(sc, origin, inflow, stock):
        got.update(sc=sc, origin=origin, inflow=inflow, stock=stock)
        raise Seen

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(calibration, "fit_stays", spy)
        with pytest.raises(Seen), calibration.without_band():
            calibration._calibrate(cap.load_scenario(SCENARIOS / f"{name}.toml"))
    return got


@pytest.fixture(scope="module")
def inputs() -> dict[str, dict]:
    return {name: _inputs(name) for name in NAMES}


def _problem(g: dict) -> calibration._StayFit:
    return calibration._stay_fit(g["sc"], g["origin"], g["inflow"], g["stock"])[0]


def _x(p: list[float]) -> np.ndarray:
    """The fit's coordinates of (pre-trial scale, share convicted, sentence scales)."""
    return np.array([math.log(p[0]), math.log(p[1] / (1 - p[1])), math.log(p[2]), math.log(p[3])])


@pytest.mark.parametrize("name", NAMES)
def test_the_fit_converges_to_a_minimum(inputs, name):
    """MINPACK's own test is met, and no step of 1% or 0.1% in any one parameter
    (each scale, the share convicted) lowers the loss at all: a minimum at that
    resolution. (The reported gradient, from central differences 0.001 wide,
    is not held to zero: the moments have a kink at every whole day of every
    sampled stay, and at the fit's curvature, ~600 a unit squared, a 0.001-wide
    difference reads a few hundredths off a derivative of nearly zero.)"""
    g = inputs[name]
    _overlay, rep = calibration.fit_stays(g["sc"], g["origin"], g["inflow"], g["stock"])
    assert rep["converged"] is True and rep["status"] in (1, 2, 3, 4), rep["message"]
    assert rep["message"] and rep["iterations"] >= 1 and rep["evaluations"] >= rep["iterations"]
    assert rep["gradient_norm"] < 0.2
    problem = _problem(g)
    x = np.array(rep["x"])
    best = problem.loss(x)
    assert best == rep["loss"]  # the report's loss is the loss at the reported point
    p = list(calibration._stay_parameters(x))
    assert p == list(rep["parameters"].values())
    for i in range(4):
        for f in (1.01, 0.99, 1.001, 0.999):
            q = list(p)
            q[i] *= f
            assert problem.loss(_x(q)) >= best * (1 - 1e-12), (name, i, f)


def _synthetic(problem: calibration._StayFit, x_true: np.ndarray, names: list[str]) -> list[dict]:
    """Targets equal to the moments at ``x_true``, with the scales the real ones use."""
    fv = problem.fitted(x_true)
    stock = fv["stock"]
    scale = {
        "stock": (1.0, 0.005 * stock),
        "share_pre_trial": (1.0, 0.01),
        "share_sentenced": (1.0, 0.01),
        "sentenced_1y_plus": (1.0, 0.03),
        "sentenced_3y_plus": (1.0, 0.03),
        "released_within_30_days": (0.5, 0.05),
    }
    return [
        {"name": n, "target": fv[n], "weight": scale[n][0], "scale": scale[n][1], "source": "test"}
        for n in names
    ]


SIX = [
    "stock",
    "share_pre_trial",
    "share_sentenced",
    "sentenced_1y_plus",
    "sentenced_3y_plus",
    "released_within_30_days",
]


@pytest.mark.parametrize(
    "p_true", [[0.9, 0.35, 1.15, 0.85], [1.1, 0.6, 0.85, 0.8], [1.22, 0.82, 0.74, 0.64]]
)
def test_the_fit_recovers_known_parameters(inputs, p_true):
    """Targets made from the moments at known parameters: the fit from the
    scenario's own values matches them (loss under 1e-12: every residual under
    1e-6 of its scale) and finds those parameters. Tolerance: near a root
    r(x) = J (x - x_true), so |x_i - x_true_i| <= sqrt(loss) x sd_i exactly
    (Cauchy-Schwarz with sd from (J'J)^-1), doubled for J taken at the end
    point; plus MINPACK's xtol (1e-8, relative) on x itself."""
    problem = _problem(inputs["baseline"])
    problem.prior_sd = None  # the data alone
    x_true = _x(p_true)
    problem.targets = _synthetic(problem, x_true, SIX)
    fit = calibration._solve(problem)
    assert fit["converged"] and fit["loss"] < 1e-12, fit
    x = np.array(fit["x"])
    tol = 2 * math.sqrt(fit["loss"]) * np.array(fit["x_sd"]) + 1e-8 * max(1.0, np.abs(x).max())
    assert np.all(np.abs(x - x_true) <= tol), (x - x_true, tol)


def test_the_moments_do_not_pin_the_share_convicted(inputs):
    """Targets made at share convicted 0.55: with the share held 0.1 away (0.45
    or 0.65) the other three parameters still match every moment, five or all
    six, to a few hundredths of the loss that one target missed by its own
    scale costs (1): the data cannot tell these shares apart, which is why the
    fit carries a prior on it (calibration.PRIOR_SD)."""
    problem = _problem(inputs["baseline"])
    x_true = _x([1.1, 0.55, 0.9, 1.2])
    for names in (SIX[:5], SIX):
        problem.targets = _synthetic(problem, x_true, names)
        for share in (0.45, 0.65):
            problem.x0 = np.array([0.0, math.log(share / (1 - share)), 0.0, 0.0])
            problem.prior_sd = np.array([1e6, 1e-6, 1e6, 1e6])  # the share held there
            fit = calibration._solve(problem)
            assert fit["converged"], fit
            assert calibration._stay_parameters(fit["x"])[1] == pytest.approx(share, abs=1e-9)
            assert fit["data_loss"] < 0.05, (len(names), share, fit["data_loss"])


def test_with_fewer_targets_than_parameters_the_fit_matches_them(inputs):
    """Three targets (the back-test's origins 2010-2013 have three) for four
    parameters: MINPACK gets zeros for the missing residuals, matches the three
    (loss under 1e-12) and reports no standard errors (J'J is singular)."""
    problem = _problem(inputs["baseline"])
    problem.prior_sd = None  # the data alone
    problem.targets = _synthetic(problem, _x([1.1, 0.55, 0.9, 1.2]), SIX[:3])
    fit = calibration._solve(problem)
    assert fit["converged"] and fit["loss"] < 1e-12 and fit["x_sd"] is None, fit


def test_the_fit_is_the_same_every_time(inputs):
    """Fixed draws, no BLAS: two fits give the same report and overlay, to the bit."""
    g = inputs["baseline"]
    one = calibration.fit_stays(g["sc"], g["origin"], g["inflow"], g["stock"])
    two = calibration.fit_stays(g["sc"], g["origin"], g["inflow"], g["stock"])
    assert json.dumps(one) == json.dumps(two)


def test_the_moments_are_linear_in_the_share_convicted(inputs):
    """Conviction is an expectation, not a draw: the stock parts at share 0.5
    are the mean of those at 0.3 and 0.7 (to rounding, 1e-12 relative)."""
    problem = _problem(inputs["baseline"])

    def parts(share: float) -> np.ndarray:
        x = _x([1.1, share, 0.9, 1.2])
        m = calibration._moments(
            problem.sc, problem.model, problem.samples, x, problem.fitted_streams, problem.cache
        )
        return np.array([*m["stock"].values(), *m["by_len"].values()])

    mid, ends = parts(0.5), (parts(0.3) + parts(0.7)) / 2
    assert np.all(np.abs(mid - ends) <= 1e-12 * np.abs(mid)), (mid, ends)
    moved = np.abs(parts(0.3) - parts(0.7))
    assert np.all(moved[[1, 3, 4]] > 100)  # and it moves the sentenced, by length


def test_the_loss_has_no_steps_or_flat_stretches(inputs):
    """At the scenario's own values the loss's slope in each parameter is the
    same over steps of 1e-6, 1e-5 and 1e-4 as the central slope over 1e-3,
    within 5%. A loss that moves a person at a time (drawn conviction, hard
    cuts; the fit before issue #13) is flat over a small step or jumps: its
    slopes there differed by 40-100% for three of the four parameters; a
    smooth one's slope changes over 1e-3 by its curvature times 1e-3 (under
    1% here)."""
    problem = _problem(inputs["baseline"])
    x = problem.x0.copy()
    f0 = problem.loss(x)
    for i in range(4):
        e = np.eye(4)[i]
        central = (problem.loss(x + 1e-3 * e) - problem.loss(x - 1e-3 * e)) / 2e-3
        assert abs(central) > 100  # far from the optimum: a slope to compare
        for h in (1e-6, 1e-5, 1e-4):
            slope = (problem.loss(x + h * e) - f0) / h
            assert abs(slope - central) <= 0.05 * abs(central), (i, h, slope, central)


def test_streams_the_overlay_leaves_alone_keep_their_stays(inputs):
    """The parameters reach only the streams the overlay writes them to: a
    stream without an inflow category (terrorism) adds the same whatever x."""
    problem = _problem(inputs["baseline"])
    alone = [s for s in problem.samples if s.stream.name not in problem.fitted_streams]
    assert [s.stream.name for s in alone] == ["terrorism"]
    fitted = problem.fitted_streams
    a = calibration._moments(problem.sc, problem.model, alone, _x([0.5, 0.2, 0.5, 0.5]), fitted)
    b = calibration._moments(problem.sc, problem.model, alone, _x([2.0, 0.9, 2.0, 2.0]), fitted)
    assert json.dumps(a, default=float) == json.dumps(b, default=float)
    assert a["stock"]["pre_trial"] > 0


def test_whole_days_keep_the_mean_and_move_continuously():
    """Each length is split over the whole days on either side: the weights sum
    to 1 and the weighted days give the length back (to rounding); a length just
    below a whole day puts (almost) all its weight on that day, as the length
    at it does."""
    v = np.array([0.0, 0.25, 29.5, 364.999999, 365.0, 1094.2, 7300.75])
    (lo, w_lo), (hi, w_hi) = calibration._whole_days(v)
    assert np.all(hi - lo == 1) and np.all(lo == np.floor(v))
    assert np.all(np.abs(w_lo + w_hi - 1) <= 1e-15)
    assert np.all(np.abs(lo * w_lo + hi * w_hi - v) <= 1e-12 * np.maximum(v, 1))
    below = np.array([365.0 - 1e-9])
    (lo, w_lo), (hi, w_hi) = calibration._whole_days(below)
    assert hi[0] == 365 and w_hi[0] > 1 - 1e-8


def test_the_smooth_step_is_a_cut_outside_its_ramp():
    """0 below threshold x 0.99, 1 above x 1.01, 1/2 at the threshold,
    symmetric (s(T + u) + s(T - u) = 1), within [0, 1] and non-decreasing
    (to rounding)."""
    t = 364.5
    half = calibration._SMOOTH * t
    u = np.linspace(0, 2 * half, 401)
    up, down = calibration._smooth_step(t + u, t), calibration._smooth_step(t - u, t)
    assert np.all(np.abs(up + down - 1) <= 1e-12)
    assert calibration._smooth_step(np.array([t]), t)[0] == 0.5
    edge = half * (1 + 1e-9)  # just outside the ramp (at its end, rounding may leave 1e-43)
    assert np.all(calibration._smooth_step(np.array([0.0, t - edge]), t) == 0)
    assert np.all(calibration._smooth_step(np.array([t + edge, 1e7]), t) == 1)
    ramp = calibration._smooth_step(np.linspace(t - 2 * half, t + 2 * half, 801), t)
    assert np.all(np.diff(ramp) >= -1e-15) and ramp.min() == 0 and ramp.max() == 1  # to rounding


def test_counts_by_sentence_length_are_targets_where_newest():
    """By 30 Sept 2024 the newest figures by sentence length are the counts of
    that day (under 1, 1-3, 3+ years); with the hidden demand of that day
    (short sentences not executed) counted under a year, as the stays are
    fitted to demand. At 2021 the published shares of 2021 (1+ years) and
    2019 (3+ years) stay."""
    day = dt.date(2024, 9, 30)

    def count(cat: str) -> float:
        (o,) = [
            o for o in history.series("stock_components.csv", cat, unit="persons") if o.date == day
        ]
        return o.value

    hidden = censored.hidden_demand(day, until=day)
    assert hidden is not None and hidden.people > 0
    under = count("sentence_under_1y") + hidden.people
    total = under + count("sentence_1y_to_3y") + count("sentence_3y_plus")
    got = {t["name"]: t for t in calibration._stay_targets(day, 10000.0)}
    assert got["sentenced_1y_plus"]["target"] == pytest.approx((total - under) / total, rel=1e-12)
    assert got["sentenced_3y_plus"]["target"] == pytest.approx(
        count("sentence_3y_plus") / total, rel=1e-12
    )
    for name in ("sentenced_1y_plus", "sentenced_3y_plus"):
        assert got[name]["source"].endswith("(2024-09-30)")
    old = {t["name"]: t for t in calibration._stay_targets(dt.date(2021, 9, 30), 9330.0)}
    assert old["sentenced_1y_plus"]["target"] == 0.66
    assert old["sentenced_1y_plus"]["source"].endswith("(2021-09-30)")
    assert old["sentenced_3y_plus"]["target"] == 0.40
    assert old["sentenced_3y_plus"]["source"].endswith("(2019-09-30)")


def test_the_prior_holds_what_the_data_leave_open(inputs):
    """With the prior (calibration.PRIOR_SD) the fit is a posterior mode: on the
    five moments that leave the share convicted open, it stays within two prior
    sds of the scenario's own share (the data alone move it more than 0.1), and
    the data are still matched within their scales (data loss under 1 per target)."""
    problem = _problem(inputs["baseline"])
    x_true = _x([1.1, 0.55, 0.9, 1.2])
    problem.targets = _synthetic(problem, x_true, SIX[:5])
    fit = calibration._solve(problem)
    assert fit["converged"], fit
    assert abs(fit["x"][1] - problem.x0[1]) < 2 * calibration.PRIOR_SD[1]
    assert fit["data_loss"] < len(problem.targets)
    assert fit["loss"] == pytest.approx(
        fit["data_loss"]
        + sum(
            ((a - b) / c) ** 2
            for a, b, c in zip(fit["x"], problem.x0, calibration.PRIOR_SD, strict=True)
        ),
        rel=1e-12,
    )
    problem.prior_sd = None
    free = calibration._solve(problem)
    assert abs(free["x"][1] - fit["x"][1]) > 0.1  # the prior, not the data, held it
