"""Arrival processes: Poisson streams with piecewise-constant rates.

Arrivals are drawn by time change: a unit-rate Poisson process (cumulative sums
of standard exponentials from the stream's own random stream) is mapped through
the inverse of the cumulative intensity. Two scenarios whose rates agree up to a
date therefore have the same arrivals up to that date, and after it the same
people arrive earlier or later, or some are added: common random numbers.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from capaciteit.scenario import StepTable

DAYS_PER_YEAR = 365.25
"""A rate per year is spread over 365.25 days (the mean calendar year)."""


def rate_pieces(table: StepTable, origin: dt.date, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """Knots (days from origin, first 0, last horizon) and the rate per day on each piece."""
    knots = [0.0]
    rates = [table.value_at(origin) / DAYS_PER_YEAR]
    for d, v in table:
        t = float((d - origin).days)
        if 0 < t < horizon:
            knots.append(t)
            rates.append(v / DAYS_PER_YEAR)
    knots.append(float(horizon))
    return np.asarray(knots), np.asarray(rates)


def cumulative_intensity(knots: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Expected arrivals from 0 up to each knot."""
    return np.concatenate([[0.0], np.cumsum(rates * np.diff(knots))])


def arrival_times(knots: np.ndarray, rates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sorted arrival times (days) of a Poisson process with these piecewise rates."""
    lam = cumulative_intensity(knots, rates)
    total = lam[-1]
    if total <= 0:
        return np.empty(0)
    n = math.ceil(total + 6 * math.sqrt(total) + 20)
    epochs = np.cumsum(rng.standard_exponential(n))
    while epochs[-1] <= total:  # rare: draw on, in order, so draws stay a prefix
        more = np.cumsum(rng.standard_exponential(n)) + epochs[-1]
        epochs = np.concatenate([epochs, more])
    epochs = epochs[: np.searchsorted(epochs, total, side="right")]
    # each epoch on its own piece, from that piece's start at that piece's rate: a
    # scenario whose rates agree up to a date has bit-identical arrivals before it
    # (the same knots, sums and rates), whatever its pieces after it. The piece is
    # the last whose start is at or before the epoch, so never one of rate zero.
    if rates.size == 1:  # one piece: the same arithmetic, without the look-ups
        return knots[0] + (epochs - lam[0]) / rates[0]
    j = np.minimum(np.searchsorted(lam, epochs, side="right") - 1, rates.size - 1)
    rate = rates[j]
    if rates.min() > 0:
        return knots[j] + (epochs - lam[j]) / rate
    step = np.divide(epochs - lam[j], rate, out=np.zeros_like(epochs), where=rate > 0)
    return knots[j] + step
