"""Yearly inflow and mean stay: reconstructed from sparse data, and forecast.

The model (:class:`~capaciteit.calibrate.little_model.LittleModel`: stock =
inflow x mean stay on the log scale, with sparse inflow and persons data) is
fitted on everything published by an origin (:func:`reconstruct`); the
:class:`Reconstruction` holds the smoothed series and what forecasting needs.

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

from capaciteit.calibrate import censored
from capaciteit.calibrate.little_model import (
    COVID_YEARS,
    DAMPED,
    DYNAMICS,
    INFLOW_SD,
    PERSONS_SD,
    PHI_RANGE,
    TRENDED,
    LittleModel,
    phi_of,
    phi_unconstrained,
    sloped,
)
from capaciteit.calibrate.plain import cholesky, dot, normal
from capaciteit.data import history

__all__ = [
    "COVID_YEARS",
    "DAMPED",
    "DYNAMICS",
    "FIRST_YEAR",
    "INFLOW_SD",
    "PERSONS_SD",
    "PHI_RANGE",
    "TRENDED",
    "LittleModel",
    "Reconstruction",
    "cholesky",
    "normal",
    "observations",
    "phi_of",
    "phi_unconstrained",
    "reconstruct",
    "sloped",
]

FIRST_YEAR = 2005


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
                dot(t[i], x) + cc[i] + sd[i] * z[i]  # trans @ x + c + shock
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
