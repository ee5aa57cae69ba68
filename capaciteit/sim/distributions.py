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

from capaciteit.scenario import Empirical, Exponential, Fixed, Gamma, Lognormal


def lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    """(mu, sigma) of the normal whose exponential has this mean and sd."""
    s2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - s2 / 2, math.sqrt(s2)


LONGEST = 1e7
"""Days: a longer draw (a far tail) is cut to this, which outlasts any run."""


def sample(spec, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws in days (float64), at most :data:`LONGEST`."""
    x = _sample(spec, rng, n)  # a new array each time: cut in place
    return np.minimum(x, LONGEST, out=x)


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


def limited_mean(spec, t: np.ndarray) -> np.ndarray:
    """``E[min(X, t)]``, the integral of the survival function from 0 to ``t``:
    the expected number of arrivals by ``t`` of a flow released at rate 1 in the
    past, each coming back after ``X`` (re-entry of those released before the origin)."""
    from scipy import stats

    t = np.maximum(np.asarray(t, float), 0.0)
    if isinstance(spec, Lognormal):
        mu, sigma = lognormal_params(spec.mean_days, spec.sd_days)
        # math.log per value, not np.log: numpy's SIMD kernel can differ in the
        # last bit from one CPU to another, and these counts set arrival times
        z = np.array([(math.log(x) - mu) / sigma if x > 0 else -np.inf for x in t.ravel()])
        z = z.reshape(t.shape)
        partial = spec.mean_days * stats.norm.cdf(z - sigma)  # E[X; X < t]
        return partial + t * stats.norm.sf(z)
    if isinstance(spec, Exponential):
        gone = [-math.expm1(-x / spec.mean_days) for x in t.ravel()]  # math: as above
        return spec.mean_days * np.array(gone).reshape(t.shape)
    if isinstance(spec, Gamma):
        shape = (spec.mean_days / spec.sd_days) ** 2
        scale = spec.sd_days**2 / spec.mean_days
        partial = spec.mean_days * stats.gamma.cdf(t, shape + 1, scale=scale)
        return partial + t * stats.gamma.sf(t, shape, scale=scale)
    if isinstance(spec, Fixed):
        return np.minimum(t, float(spec.days))
    if isinstance(spec, Empirical):
        # the CDF is piecewise linear: the trapezoid rule on its knots is exact
        edges = np.concatenate([[0.0], np.asarray(spec.days, float)])
        cdf = np.concatenate([[0.0], np.cumsum(spec.shares)])
        cdf /= cdf[-1]
        area = np.concatenate([[0.0], np.cumsum(np.diff(edges) * (1 - (cdf[:-1] + cdf[1:]) / 2))])
        at = np.minimum(t, edges[-1])
        k = np.clip(np.searchsorted(edges, at, side="right") - 1, 0, edges.size - 2)
        f = np.interp(at, edges, cdf)
        inside = area[k] + (at - edges[k]) * (1 - (cdf[k] + f) / 2)
        return inside
    raise TypeError(f"unknown distribution {spec!r}")
