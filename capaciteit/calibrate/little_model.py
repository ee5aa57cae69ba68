"""The state-space model behind the reconstruction and the forecast candidates.

The real data give the 30-September stock every year but the yearly inflow only
in a handful of years. Little's law links them: stock = inflow x mean stay. On
the log scale that is linear, so a state-space model (statsmodels ``MLEModel``,
estimated by maximum likelihood, Kalman filter and smoother),

    log stock_t    = log inflow_t + log stay_t              + covid_t + e_S
    log inflow_t   = log inflow_t                                     + e_I  (when published)
    log persons_t  = log inflow_t + log(persons/admission)  + covid_t + e_P  (when published)
    log stay_t     = log stay_{t-1} [+ phi slope_{t-1}] + v_t
    log inflow_t   = log inflow_{t-1} [+ drift | + slope_{t-1} | + phi slope_{t-1}] + u_t
    slope_t        = slope_{t-1} | phi slope_{t-1}  (+ w_t)

reconstructs both series where they were not published, with their
uncertainty. Missing observations are missing (NaN): nothing is interpolated
into the data. ``persons`` (distinct people detained in a year) is a proxy for
throughput with its own constant ratio. ``covid_t`` is a pulse for 2020 (when in
the sample): courts closed from 17 March to 11 May and substitute detention was
not executed from 14 March to 31 July, which lowered the stock and throughput
that year without changing the trend (2021 caught up; no pulse).

The fitted model and its forecasts are in :mod:`~capaciteit.calibrate.reconstruct`.
"""

from __future__ import annotations

import math

import numpy as np
from statsmodels.tsa.statespace.mlemodel import MLEModel

INFLOW_SD = 0.01  # published inflow: rounded to hundreds, one definition
PERSONS_SD = 0.04  # distinct persons: often "bijna", "ruim", "~"
COVID_YEARS = (2020,)
DYNAMICS = ("local_level", "rw_drift", "local_linear_trend", "damped_trend", "stay_damped_trend")
"""Candidate dynamics: for inflow, a random walk; a random walk with drift; a
random walk with a random-walk slope (local linear trend); and the same with the
slope damped by ``phi`` a year (Gardner & McKenzie's damped trend), so that a
trend fades instead of running on for the whole horizon, each with the mean
stay a random walk; and a random walk for inflow with the damped trend on the
mean stay instead (stays lengthened for a decade: the share of sentences of a
year or more rose from 55% in 2007-09 to 66% in 2019-21)."""
PHI_RANGE = (0.5, 0.98)
"""Where the damping may lie: below 0.5 a trend is gone within two years (a
random walk in effect), at 1 it never fades (the local linear trend)."""
TRENDED = ("local_linear_trend", "damped_trend", "stay_damped_trend")
DAMPED = ("damped_trend", "stay_damped_trend")


def sloped(dynamics: str) -> int:
    """The state a trended model's slope (state 3) moves: 0 log inflow, 1 log stay."""
    return 1 if dynamics == "stay_damped_trend" else 0


def phi_of(u: float) -> float:
    """The damping from its unconstrained value (a logistic onto PHI_RANGE)."""
    lo, hi = PHI_RANGE
    if u < 0:  # the logistic without overflow at either end
        e = math.exp(u)
        return lo + (hi - lo) * e / (1.0 + e)
    return lo + (hi - lo) / (1.0 + math.exp(-u))


def phi_unconstrained(phi: float) -> float:
    lo, hi = PHI_RANGE
    r = min(max((phi - lo) / (hi - lo), 1e-9), 1.0 - 1e-9)  # a fit at the edge
    return math.log(r / (1.0 - r))


class LittleModel(MLEModel):
    """log stock = log inflow + log stay, with sparse inflow and persons data.

    States: log inflow, log stay, log persons ratio (constant), and for a trended
    model the slope of log inflow, or of log stay (:func:`sloped`).
    """

    def __init__(
        self,
        endog: np.ndarray,
        years: np.ndarray,
        dynamics: str = "local_level",
        extra: np.ndarray | None = None,
    ):
        if dynamics not in DYNAMICS:
            raise ValueError(f"unknown dynamics {dynamics!r} (use one of {', '.join(DYNAMICS)})")
        self.dynamics = dynamics
        self.years = years
        self.extra = np.zeros(len(years)) if extra is None else np.asarray(extra, float)
        self.covid = [y for y in COVID_YEARS if y in set(years.tolist())]
        k = 4 if dynamics in TRENDED else 3
        super().__init__(endog, k_states=k, k_posdef=k - 1)
        self.initialize_approximate_diffuse(1e4)
        design = np.zeros((3, k))
        design[0, :2] = 1.0
        design[1, 0] = 1.0
        design[2, [0, 2]] = 1.0
        self["design"] = design
        trans = np.eye(k)
        select = np.zeros((k, k - 1))
        select[0, 0] = select[1, 1] = 1.0
        if k == 4:
            trans[sloped(dynamics), 3] = 1.0
            select[3, 2] = 1.0
        self["transition"] = trans
        self["selection"] = select
        self["obs_intercept"] = np.zeros((3, len(years)))

    @property
    def param_names(self) -> list[str]:
        names = ["sigma2.inflow", "sigma2.stay", "sigma2.stock"]
        if self.dynamics == "rw_drift":
            names.append("drift")
        if self.dynamics in TRENDED:
            names.append("sigma2.slope")
        if self.dynamics in DAMPED:
            names.append("phi")
        return names + [f"covid.{y}" for y in self.covid]

    @property
    def start_params(self) -> np.ndarray:
        p = [0.003, 0.001, 0.0005]
        if self.dynamics == "rw_drift":
            p.append(-0.02)
        if self.dynamics in TRENDED:
            p.append(0.0005)
        if self.dynamics in DAMPED:
            p.append(0.8)
        return np.array(p + [-0.05] * len(self.covid))

    def _variances(self) -> np.ndarray:
        return np.array([n.startswith("sigma2") for n in self.param_names])

    def _phi(self) -> np.ndarray:
        return np.array([n == "phi" for n in self.param_names])

    def transform_params(self, unconstrained):
        u = np.asarray(unconstrained, float)
        out = np.where(self._variances(), u**2, u)
        lo, hi = PHI_RANGE
        return np.where(self._phi(), lo + (hi - lo) / (1.0 + np.exp(-u)), out)

    def untransform_params(self, constrained):
        c = np.asarray(constrained, float)
        out = np.where(self._variances(), np.sqrt(np.abs(c)), c)
        lo, hi = PHI_RANGE
        r = np.clip((c - lo) / (hi - lo), 1e-9, 1 - 1e-9)
        return np.where(self._phi(), np.log(r / (1 - r)), out)

    def update(self, params, **kwargs):
        params = super().update(params, **kwargs)
        named = dict(zip(self.param_names, params, strict=True))
        q = [named["sigma2.inflow"], named["sigma2.stay"]]
        if self.dynamics in TRENDED:
            q.append(named["sigma2.slope"])
        self["state_cov"] = np.diag(q)
        if self.dynamics in DAMPED:
            trans = np.eye(4, dtype=np.result_type(params))
            trans[sloped(self.dynamics), 3] = trans[3, 3] = named["phi"]
            self["transition"] = trans
        base = np.diag([named["sigma2.stock"] + 1e-6, INFLOW_SD**2, PERSONS_SD**2])
        if self.extra.any():  # a demand derived from a full period's stock: less sure
            cov = np.repeat(base[:, :, None], len(self.years), axis=2)
            cov[0, 0, :] = cov[0, 0, :] + self.extra
            self["obs_cov"] = cov
        else:
            self["obs_cov"] = base
        k = self.k_states
        dtype = np.result_type(params)  # complex during complex-step derivatives
        intercept = np.zeros(k, dtype)
        if self.dynamics == "rw_drift":
            intercept[0] = named["drift"]
        self["state_intercept"] = intercept
        obs = np.zeros((3, len(self.years)), dtype)
        for y in self.covid:
            col = int(np.flatnonzero(self.years == y)[0])
            obs[[0, 2], col] = named[f"covid.{y}"]
        self["obs_intercept"] = obs
