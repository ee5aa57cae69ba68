"""The stay fit: four parameters (pre-trial length, share convicted, length of
the sentences of the pre-trial stream, length of the short sentences) fitted by
Levenberg-Marquardt to the published moments (:mod:`~capaciteit.calibrate.stay_targets`)
of the simulated ones (:mod:`~capaciteit.calibrate.stay_moments`), with a prior
that holds what the moments do not pin; the stay-path streams are set directly
from their published stock or share."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from capaciteit.calibrate.overlay import _merge_into, _scale_rates, _scale_spec
from capaciteit.calibrate.plain import inverse
from capaciteit.calibrate.stay_moments import (
    _fitted_values,
    _moments,
    _stay_parameters,
    _StreamSample,
)
from capaciteit.calibrate.stay_targets import _latest, _stay_targets
from capaciteit.scenario import Scenario
from capaciteit.sim import distributions as dist
from capaciteit.sim.rng import Streams
from capaciteit.sim.sentencing import draw

SAMPLE = 20000  # people per stream in the fit's Monte Carlo moments (common random numbers)


_FD_STEP = 1e-3
"""Step of the stay fit's central-difference Jacobian, on the log scales and the
logit share: wide enough to average over the day-by-day kinks of the moments,
narrow against the width of the smoothed thresholds."""


PRIOR_SD = (0.5, 0.4, 0.5, 0.5)
"""ASSUMPTION: how far the stay fit may move each coordinate from the scenario's
own values before that costs as much as missing a target by its scale: the
three length scales by a factor of about 1.65 (log sd 0.5), the share
convicted by about 0.1 around 0.45 (logit sd 0.4). The published moments do
not pin the share convicted (``test_the_moments_do_not_pin_the_share_convicted``):
without this prior the fit wandered to shares of 0.09-0.98 with sentences
stretched up to 2.4 times, depending on the origin."""


@dataclass
class _StayFit:
    """The stay fit as a problem: the moments, residuals and loss of the four
    coordinates ``x`` (log pre-trial scale, logit share convicted, log
    sentence scales of the pre-trial stream and of the short sentences)."""

    sc: Scenario
    model: object
    samples: list[_StreamSample]
    fitted_streams: set[str]
    fixed_stock: float  # the stay-path streams set from the data, in persons
    substitute: float  # of which substitute detention
    targets: list[dict]
    x0: np.ndarray  # the scenario's own values
    prior_sd: np.ndarray | None = None  # None: the data alone (the tests of identification)
    cache: dict = field(default_factory=dict)

    def fitted(self, x: np.ndarray) -> dict[str, float]:
        m = _moments(self.sc, self.model, self.samples, x, self.fitted_streams, self.cache)
        m["stock"]["other"] += self.fixed_stock
        return _fitted_values(m, self.substitute)

    def residuals(self, x: np.ndarray) -> np.ndarray:
        """(fitted - target) / scale x sqrt(weight) per target, then the prior's
        (x - x0) / prior sd per coordinate, or without a prior zeros up to the
        number of parameters (MINPACK needs at least as many residuals)."""
        fv = self.fitted(x)
        r = [
            math.sqrt(t["weight"]) * (fv[t["name"]] - t["target"]) / t["scale"]
            for t in self.targets
        ]
        if self.prior_sd is not None:
            prior = [
                (float(a) - float(b)) / float(c)
                for a, b, c in zip(x, self.x0, self.prior_sd, strict=True)
            ]
            return np.array(r + prior)
        return np.array(r + [0.0] * max(len(x) - len(r), 0))

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """Central differences of the residuals, step :data:`_FD_STEP`."""
        cols = []
        for i in range(len(x)):
            step = np.zeros(len(x))
            step[i] = _FD_STEP
            cols.append((self.residuals(x + step) - self.residuals(x - step)) / (2 * _FD_STEP))
        return np.column_stack(cols)

    def loss(self, x: np.ndarray) -> float:
        """Sum of the squared residuals (in plain Python: no BLAS)."""
        return sum(float(v) ** 2 for v in self.residuals(x))


def _stay_fit(sc: Scenario, origin: dt.date, inflow: dict[str, float], stock: float):
    """The stay fit's problem and the overlay entries it sets before fitting
    (the rates, and the stay-path streams set from the data)."""
    from capaciteit.sim.compile import compile_model

    model = compile_model(sc, 0, warn=False)  # a fit, not a run: no cautions
    t0 = model.day_of(origin) - 365.0  # people arriving a year before the origin
    streams = Streams(np.random.SeedSequence(2021))
    overlay: list[dict] = []
    fixed: dict[str, float] = {}
    samples = []
    by_status = _stay_streams(sc, origin, stock, inflow)
    for s in sc.stream:
        rate = inflow.get(s.name, s.rate_per_year.value_at(origin))
        if s.name in by_status:
            rate, mean_stay, entry = by_status[s.name]
            overlay.append(entry)
            fixed[s.status] = fixed.get(s.status, 0.0) + rate * mean_stay / 365.25
            continue
        pl = [p for p in sc.placement if p.acts_on(s.name)]
        samples.append(_StreamSample(s, rate, draw(s, SAMPLE, streams, "fit", sc.release, pl), t0))
        if s.name in inflow:
            overlay.append({"name": s.name, "rate_per_year": _scale_rates(s, origin, rate)})
    pre = next((s for s in sc.stream if s.path == "pre_trial" and s.name in inflow), None)
    share = min(max(pre.convicted_share, 1e-6), 1 - 1e-6) if pre else 0.5
    problem = _StayFit(
        sc,
        model,
        samples,
        {s.name for s in sc.stream if s.name in inflow and s.path in ("pre_trial", "sentence")},
        sum(fixed.values()),
        fixed.get("substitute_detention", 0.0),
        _stay_targets(origin, stock),
        np.array([0.0, math.log(share / (1 - share)), 0.0, 0.0]),
        np.array(PRIOR_SD),
    )
    return problem, overlay


def _solve(problem: _StayFit) -> dict:
    """Levenberg-Marquardt from the scenario's own values: MINPACK's lmder via
    ``scipy.optimize.least_squares``, which uses no BLAS, with the Jacobian
    of :meth:`_StayFit.jacobian`. The report says whether MINPACK's own test
    was met (``converged``), which, and how the fit stands at its end."""
    res = optimize.least_squares(
        problem.residuals,
        problem.x0,
        jac=problem.jacobian,
        method="lm",
        x_scale="jac",
        ftol=1e-12,
        xtol=1e-10,
    )
    x = res.x
    n = len(problem.residuals(x)) if problem.prior_sd is not None else len(problem.targets)
    r = [float(v) for v in problem.residuals(x)[:n]]
    jac = [[float(v) for v in row] for row in problem.jacobian(x)[:n]]
    k = len(x)
    grad = [2.0 * sum(jac[j][i] * r[j] for j in range(n)) for i in range(k)]
    data = len(problem.targets)
    cov = inverse(
        [[sum(jac[j][a] * jac[j][b] for j in range(n)) for b in range(k)] for a in range(k)]
    )
    return {
        "x": [float(v) for v in x],
        "x_sd": None if cov is None else [math.sqrt(max(cov[i][i], 0.0)) for i in range(k)],
        "fitted": problem.fitted(x),
        "loss": sum(v * v for v in r),
        "data_loss": sum(v * v for v in r[:data]),
        "converged": bool(res.status > 0),
        "status": int(res.status),
        "message": str(res.message),
        "iterations": int(res.njev or 0),
        "evaluations": int(res.nfev),
        "gradient_norm": max(abs(g) for g in grad),
    }


def fit_stays(sc: Scenario, origin: dt.date, inflow: dict[str, float], stock: float):
    """Fit the four stay parameters; return the overlay and the fit report."""
    problem, overlay = _stay_fit(sc, origin, inflow, stock)
    fit = _solve(problem)
    pre_scale, conv, vh_scale, short_scale = _stay_parameters(fit["x"])
    for s in sc.stream:
        if s.path == "pre_trial" and s.name in problem.fitted_streams:
            _merge_into(
                overlay,
                s.name,
                {
                    "pre_trial_days": _scale_spec(s.pre_trial_days, pre_scale),
                    "convicted_share": round(conv, 4),
                    "sentence": _scale_spec(s.sentence, vh_scale),
                },
            )
        elif s.path == "sentence" and s.name in problem.fitted_streams:
            _merge_into(overlay, s.name, {"sentence": _scale_spec(s.sentence, short_scale)})
    report = {
        "parameters": {
            "pre_trial_scale": pre_scale,
            "convicted_share": conv,
            "pre_trial_sentence_scale": vh_scale,
            "short_sentence_scale": short_scale,
        },
        "targets": [{**t, "fitted": fit["fitted"][t["name"]]} for t in problem.targets],
        "loss": fit["loss"],
        "data_loss": fit["data_loss"],
        "prior_sd": list(PRIOR_SD),
        "converged": fit["converged"],
        "optimizer": "Levenberg-Marquardt (MINPACK lmder, scipy.optimize.least_squares)",
        "status": fit["status"],
        "message": fit["message"],
        "iterations": fit["iterations"],
        "evaluations": fit["evaluations"],
        "gradient_norm": fit["gradient_norm"],
        "x": fit["x"],
        "x_sd": fit["x_sd"],
    }
    return overlay, report


def _stay_streams(sc: Scenario, origin: dt.date, stock: float, inflow: dict[str, float]):
    """Rate, mean stay and overlay entry of the stay-path streams set from the
    data: substitute detention keeps its rate and gets the stay that gives its
    published stock; the streams of status ISD, and of status other, keep their
    stays and are scaled together to their published share of the stock."""
    out = {}
    for status in ("substitute_detention", "isd", "other"):
        group = [s for s in sc.stream if s.path == "stay" and (s.status or "other") == status]
        if not group:
            continue
        rates = {s.name: inflow.get(s.name, s.rate_per_year.value_at(origin)) for s in group}
        means = {s.name: dist.mean(s.stay) for s in group}
        now = sum(rates[n] * means[n] for n in rates) / 365.25
        if status == "substitute_detention":
            o = _latest("substitute_detention", origin, "persons")
            k = o.value / now if o else 1.0
            for s in group:
                out[s.name] = (
                    rates[s.name],
                    means[s.name] * k,
                    {"name": s.name, "stay": _scale_spec(s.stay, k)},
                )
        else:
            o = _latest(status, origin, "share")
            k = o.value * stock / now if o else 1.0
            for s in group:
                out[s.name] = (
                    rates[s.name] * k,
                    means[s.name],
                    {"name": s.name, "rate_per_year": _scale_rates(s, origin, rates[s.name] * k)},
                )
    return out
