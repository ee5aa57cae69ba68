"""Stay and sentence-length distributions, sampled as whole arrays.

Each sampler draws one variate per person, in order, from the decision's own
random stream: a normal for lognormal (``exp(mu + sigma z)``), a standard
exponential scaled by the mean, a uniform through the inverse CDF for empirical.
Two scenarios that change a distribution's parameters keep each person's draw
and move it monotonically, so their difference has a small variance.
"""

from __future__ import annotations

import math

import numpy as np

from .scenario import Empirical, Exponential, Fixed, Gamma, Lognormal


def lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    """(mu, sigma) of the normal whose exponential has this mean and sd."""
    s2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - s2 / 2, math.sqrt(s2)


LONGEST = 1e7
"""Days: a longer draw (a far tail) is cut to this, which outlasts any run."""


def sample(spec, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws in days (float64), at most :data:`LONGEST`."""
    return np.minimum(_sample(spec, rng, n), LONGEST)


def _sample(spec, rng: np.random.Generator, n: int) -> np.ndarray:
    if isinstance(spec, Lognormal):
        mu, sigma = lognormal_params(spec.mean_days, spec.sd_days)
        return rng.lognormal(mu, sigma, n)  # exp(mu + sigma z): the same z, moved
    if isinstance(spec, Exponential):
        return rng.exponential(spec.mean_days, n)
    if isinstance(spec, Gamma):
        shape = (spec.mean_days / spec.sd_days) ** 2
        return rng.standard_gamma(shape, n) * (spec.sd_days**2 / spec.mean_days)
    if isinstance(spec, Fixed):
        return np.full(n, float(spec.days))
    if isinstance(spec, Empirical):
        # the inverse of a piecewise-linear CDF: a bin by its share, uniform within it
        cdf = np.concatenate([[0.0], np.cumsum(spec.shares)])
        cdf /= cdf[-1]
        return np.interp(rng.random(n), cdf, np.concatenate([[0.0], spec.days]))
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
