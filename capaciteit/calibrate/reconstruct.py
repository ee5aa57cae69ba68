"""Yearly inflow and mean stay: reconstructed from sparse data, and forecast.

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

The dynamics are the forecast candidates (:data:`DYNAMICS`); the same
model forecasts: the predictive distribution of the log stock comes from the
state recursion, and replications draw their own futures of inflow and stay.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass

import numpy as np
from statsmodels.tsa.statespace.mlemodel import MLEModel

from capaciteit.calibrate import censored
from capaciteit.data import history

FIRST_YEAR = 2005
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


@dataclass(frozen=True)
class Reconstruction:
    """A fitted model: smoothed yearly series (log means and sds), and what
    forecasting needs (the last state and its covariance, the parameters)."""

    dynamics: str
    years: np.ndarray
    log_inflow: np.ndarray
    log_inflow_sd: np.ndarray
    log_stay: np.ndarray  # log of the mean stay in years
    log_stay_sd: np.ndarray
    log_persons_ratio: float
    params: dict[str, float]
    param_cov: np.ndarray
    last_state: np.ndarray
    last_cov: np.ndarray
    loglike: float
    origin: dt.date

    @property
    def inflow(self) -> np.ndarray:
        return np.exp(self.log_inflow)

    @property
    def stay_days(self) -> np.ndarray:
        return np.exp(self.log_stay) * 365.25

    def at(self, year: int) -> tuple[float, float]:
        """(inflow per year, mean stay in days) in ``year``."""
        i = int(np.searchsorted(self.years, year))
        return float(self.inflow[i]), float(self.stay_days[i])

    def _matrices(self, params: dict[str, float]):
        k = len(self.last_state)
        trans = np.eye(k)
        if k == 4:
            trans[sloped(self.dynamics), 3] = trans[3, 3] = params.get("phi", 1.0)
        q = np.zeros((k, k))
        q[0, 0], q[1, 1] = params["sigma2.inflow"], params["sigma2.stay"]
        if k == 4:
            q[3, 3] = params["sigma2.slope"]
        c = np.zeros(k)
        c[0] = params.get("drift", 0.0)
        return trans, q, c

    def forecast_stock(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean and sd of the log stock 1..horizon years after the last year
        (no COVID pulse in the future)."""
        trans, q, c = self._matrices(self.params)
        x, p = self.last_state.copy(), self.last_cov.copy()
        z = np.zeros(len(x))
        z[:2] = 1.0
        mean, sd = [], []
        for _ in range(horizon):
            x = trans @ x + c
            p = trans @ p @ trans.T + q
            mean.append(z @ x)
            sd.append(np.sqrt(z @ p @ z + self.params["sigma2.stock"]))
        return np.array(mean), np.array(sd)

    def to_dict(self) -> dict:
        """Every field as plain data (JSON keeps each float exactly)."""
        out = {}
        for k, v in self.__dict__.items():
            if isinstance(v, np.ndarray):
                v = v.tolist()
            elif isinstance(v, dt.date):
                v = v.isoformat()
            out[k] = v
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Reconstruction:
        arrays = {"years", "log_inflow", "log_inflow_sd", "log_stay", "log_stay_sd"}
        arrays |= {"param_cov", "last_state", "last_cov"}
        kw = {k: np.asarray(v, dtype=float) if k in arrays else v for k, v in data.items()}
        kw["years"] = kw["years"].astype(int)
        kw["origin"] = dt.date.fromisoformat(data["origin"])
        kw["params"] = {k: float(v) for k, v in data["params"].items()}
        return cls(**kw)

    def simulate(
        self, horizon: int, rng: np.random.Generator, spread: float = 1.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """One future of (log inflow, log stay), 1..horizon years after the last
        year: the last state drawn from its distribution, the parameters of the
        dynamics drawn from their asymptotic normal (variances on the sd scale),
        then the state recursion with random shocks. ``spread`` scales the sd of
        the last state and of every shock (the out-of-sample correction of
        :func:`capaciteit.calibrate.forecast.spread_scales`).

        Plain float arithmetic in a fixed order (:func:`normal`), never BLAS or
        LAPACK: a draw is the same number on every machine."""
        params = self.draw_params(rng)
        trans, q, c = self._matrices(params)
        cov = [[v * spread * spread for v in row] for row in self.last_cov.tolist()]
        x = normal(self.last_state.tolist(), cov, rng)
        k = len(x)
        t, cc = trans.tolist(), c.tolist()
        sd = [spread * math.sqrt(q[i, i]) for i in range(k)]
        out = np.empty((horizon, 2))
        for h in range(horizon):
            z = rng.standard_normal(k).tolist()
            x = [
                _dot(t[i], x) + cc[i] + sd[i] * z[i]  # trans @ x + c + shock
                for i in range(k)
            ]
            out[h] = x[:2]
        return out[:, 0], out[:, 1]

    def draw_params(self, rng: np.random.Generator) -> dict[str, float]:
        names = list(self.params)
        value = np.array([self.params[n] for n in names])
        var = np.array([n.startswith("sigma2") for n in names])
        edge = np.array(
            [
                n == "phi" and min(abs(v - b) for b in PHI_RANGE) < 1e-4
                for n, v in zip(names, value, strict=True)
            ]
        )
        free = np.flatnonzero(  # what was estimated at a bound is held there
            ~np.array([n.startswith("covid") for n in names])
            & ~(var & (value < 1e-6))
            & ~edge
            & np.isfinite(np.diag(self.param_cov))
        )
        if free.size == 0:
            return dict(self.params)
        damp = np.array([n == "phi" for n in names])
        u = np.where(var, np.sqrt(np.abs(value)), value)
        jac = np.where(var, 2 * u, 1.0)  # d param / d u
        for i in np.flatnonzero(damp):  # the damping on its logistic scale
            u[i] = phi_unconstrained(float(value[i]))
            s = 1.0 / (1.0 + math.exp(-u[i]))
            jac[i] = (PHI_RANGE[1] - PHI_RANGE[0]) * s * (1.0 - s)
        jac = jac[free]
        cov = self.param_cov[np.ix_(free, free)] / np.outer(jac, jac)
        if not np.isfinite(cov).all():
            return dict(self.params)
        step = normal([0.0] * free.size, ((cov + cov.T) / 2).tolist(), rng)
        u[free] += step
        drawn = np.where(var, u**2, u)
        for i in np.flatnonzero(damp):
            drawn[i] = phi_of(float(u[i]))
        return dict(zip(names, drawn.tolist(), strict=True))


def _dot(a: list[float], b: list[float]) -> float:
    """Left to right: the same sum on every machine (BLAS may reorder or fuse)."""
    out = 0.0
    for x, y in zip(a, b, strict=True):
        out += x * y
    return out


def cholesky(cov: list[list[float]]) -> list[list[float]]:
    """Lower-triangular L with L L' = ``cov``, in plain floats (Cholesky-Banachiewicz).
    A direction with no variance left (a pivot <= 0: singular, or negative by
    rounding) gets none: a covariance that is only semi-definite still works."""
    n = len(cov)
    low = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            acc = cov[i][j] - _dot(low[i][:j], low[j][:j])
            if i == j:
                low[i][i] = math.sqrt(acc) if acc > 0 else 0.0
            elif low[j][j] > 0:
                low[i][j] = acc / low[j][j]
    return low


def normal(mean: list[float], cov: list[list[float]], rng: np.random.Generator) -> np.ndarray:
    """One draw from N(mean, cov): ``mean + L z`` with ``z`` standard normals drawn
    in order and L the Cholesky factor, unique and computed the same way on every
    machine (numpy's multivariate_normal factors with LAPACK, whose eigenvectors,
    and so draws, differ between CPU kernels)."""
    z = rng.standard_normal(len(mean)).tolist()
    low = cholesky(cov)
    return np.array([m + _dot(row, z) for m, row in zip(mean, low, strict=True)])


def observations(origin: dt.date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Years, the (years, 3) log observations [stock, inflow, persons], NaN where
    nothing was published by ``origin``, and the extra variance of each year's
    log stock. What was counted while the prisons were full is demand where the
    hidden part is published, and missing where it is not
    (:mod:`capaciteit.calibrate.censored`)."""
    years = np.arange(FIRST_YEAR, origin.year + 1)
    y = np.full((years.size, 3), np.nan)
    extra = np.zeros(years.size)
    for o in history.load_stock(until=origin):
        if FIRST_YEAR <= o.date.year <= origin.year:
            got = censored.demand(o, until=origin)
            if got is not None:
                y[o.date.year - FIRST_YEAR, 0] = np.log(got[0])
                extra[o.date.year - FIRST_YEAR] = (got[1] / got[0]) ** 2
    for col, obs in (
        (1, history.series("inflow.csv", "total_instroom_GW", until=origin)),
        (2, history.series("unique_persons.csv", "unique_persons", until=origin)),
    ):
        for o in obs:
            if FIRST_YEAR <= o.date.year <= origin.year:
                if censored.share_full(o.date.year, until=origin) > 0.5:
                    continue  # a count of who was let in, not of who needed to be
                y[o.date.year - FIRST_YEAR, col] = np.log(o.value)
    return years, y, extra


def reconstruct(origin: dt.date, dynamics: str = "local_level") -> Reconstruction:
    """Fit and smooth the model on everything published by ``origin``."""
    years, y, extra = observations(origin)
    model = LittleModel(y, years, dynamics, extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optimizer chatter on tiny samples
        res = model.fit(disp=False, maxiter=1000)
        try:
            cov = np.asarray(res.cov_params())
        except (ValueError, np.linalg.LinAlgError):
            cov = np.full((len(res.params),) * 2, np.nan)
    mean = res.smoothed_state
    sd = np.sqrt(np.maximum(np.einsum("iit->it", res.smoothed_state_cov), 0.0))
    return Reconstruction(
        dynamics=dynamics,
        years=years,
        log_inflow=mean[0],
        log_inflow_sd=sd[0],
        log_stay=mean[1],
        log_stay_sd=sd[1],
        log_persons_ratio=float(mean[2, -1]),
        params=dict(zip(model.param_names, map(float, res.params), strict=True)),
        param_cov=cov,
        last_state=mean[:, -1].copy(),
        last_cov=res.smoothed_state_cov[:, :, -1].copy(),
        loglike=float(res.llf),
        origin=origin,
    )
