"""Choosing the forecast model by out-of-sample score.

The candidates are the inflow dynamics of the reconstruction model
(:data:`capaciteit.reconstruct.DYNAMICS`: random walk, random walk with drift,
local linear trend), each with the COVID-19 pulses. A forecast from the same
model that reconstructs the past keeps the two consistent: its innovation
variances are those of the real series, not of a smoothed reconstruction.

The model is chosen by a rolling-origin score computed only on origins before
the forecast origin, each with its own fit on what was published by then: the
mean CRPS of the predictive distribution of the log 30-September stock, 1 to 3
years ahead, against the real stock.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from scipy import stats

from . import history
from .reconstruct import DYNAMICS, reconstruct

FIRST_SCORED_ORIGIN = 2009  # the first origin with four years of series
HORIZONS = (1, 2, 3)


def crps_normal(mu: np.ndarray, sd: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """CRPS of a normal predictive distribution (Gneiting & Raftery 2007)."""
    sd = np.maximum(sd, 1e-12)
    z = (obs - mu) / sd
    return sd * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi))


def rolling_scores(origin: dt.date) -> dict[str, float]:
    """Mean CRPS (log stock) of each candidate over the origins before ``origin``
    whose targets were observed by ``origin``."""
    stock = {o.date.year: math.log(o.value) for o in history.load_stock(until=origin)}
    scores: dict[str, list[float]] = {name: [] for name in DYNAMICS}
    for year in range(FIRST_SCORED_ORIGIN, origin.year):
        targets = [(h, stock[year + h]) for h in HORIZONS if year + h in stock]
        if not targets:
            continue
        for name in DYNAMICS:
            mu, sd = reconstruct(dt.date(year, 9, 30), name).forecast_stock(max(HORIZONS))
            scores[name] += [float(crps_normal(mu[h - 1], sd[h - 1], v)) for h, v in targets]
    return {k: float(np.mean(v)) if v else float("nan") for k, v in scores.items()}


def choose(origin: dt.date) -> tuple[str, dict[str, float]]:
    """The candidate with the lowest rolling-origin score before ``origin``
    (the random walk, the simplest, when there is too little history to score)."""
    scores = rolling_scores(origin)
    finite = {k: v for k, v in scores.items() if np.isfinite(v)}
    return (min(finite, key=finite.get) if finite else "local_level"), scores
