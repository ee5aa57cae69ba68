"""Stay and sentence-length distributions, sampled as whole arrays.

Each sampler draws one standard variate per person from the decision's own
random stream (a normal for lognormal, a uniform for exponential and empirical),
so two scenarios that change a distribution's parameters keep each person's
draw and move it monotonically: their difference has a small variance.
"""

from __future__ import annotations

import math

import numpy as np

from .scenario import Empirical, Exponential, Fixed, Gamma, Lognormal


def lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    """(mu, sigma) of the normal whose exponential has this mean and sd."""
    s2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - s2 / 2, math.sqrt(s2)


def sample(spec, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws in days (float64)."""
    if isinstance(spec, Lognormal):
        mu, sigma = lognormal_params(spec.mean_days, spec.sd_days)
        return np.exp(mu + sigma * rng.standard_normal(n))
    if isinstance(spec, Exponential):
        return spec.mean_days * rng.standard_exponential(n)
    if isinstance(spec, Gamma):
        shape = (spec.mean_days / spec.sd_days) ** 2
        return rng.standard_gamma(shape, n) * (spec.sd_days**2 / spec.mean_days)
    if isinstance(spec, Fixed):
        return np.full(n, float(spec.days))
    if isinstance(spec, Empirical):
        edges = np.concatenate([[0.0], np.asarray(spec.days, dtype=float)])
        cum = np.cumsum(spec.shares)
        cum[-1] = 1.0
        u = rng.random(n)
        k = np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)
        lo_cum = np.where(k > 0, cum[k - 1], 0.0)
        share = np.asarray(spec.shares, dtype=float)[k]
        pos = np.clip((u - lo_cum) / np.where(share > 0, share, 1.0), 0.0, 1.0)
        return edges[k] + pos * (edges[k + 1] - edges[k])
    raise TypeError(f"unknown distribution {spec!r}")


def mean(spec) -> float:
    """Mean in days."""
    if isinstance(spec, Lognormal | Exponential | Gamma):
        return float(spec.mean_days)
    if isinstance(spec, Fixed):
        return float(spec.days)
    if isinstance(spec, Empirical):
        edges = np.concatenate([[0.0], np.asarray(spec.days, dtype=float)])
        mids = (edges[:-1] + edges[1:]) / 2
        return float(np.dot(mids, spec.shares))
    raise TypeError(f"unknown distribution {spec!r}")
