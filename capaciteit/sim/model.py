"""The compiled scenario: day-indexed arrays built once and read by every replication.

:class:`Model` holds what :func:`~capaciteit.sim.compile.compile_model` computes
from a :class:`~capaciteit.scenario.Scenario`: capacities and thresholds as step
functions, each stream's rates, the pools of cell places, the overflow order.
:class:`Drivers` is the inflow and stay forecast from which each replication
draws its own future. A step function is a pair (knots, values) whose first knot
lies far in the past, so that a lookup never falls off the left.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from dataclasses import dataclass

import numpy as np

from capaciteit.scenario import Scenario
from capaciteit.sim import reentry
from capaciteit.sim.rng import Streams

FAR_PAST = -1e12


@dataclass(frozen=True)
class Drivers:
    """A forecast that each replication draws its own future from: yearly total
    inflow scales the rates of the streams in ``indexed``, and the yearly mean
    stay stretches the durations of new arrivals, both relative to the origin
    year (:meth:`capaciteit.calibrate.reconstruct.Reconstruction.simulate`)."""

    forecaster: object  # forecast.Combination
    indexed: tuple[int, ...]
    year_starts: np.ndarray  # day of 1 October of the origin year, + 1, ... (one past the end)

    def draw(self, streams: Streams) -> tuple[np.ndarray, np.ndarray]:
        """(inflow index, stay index) for each year after the origin year."""
        years = len(self.year_starts) - 1
        if years <= 0:
            return np.ones(0), np.ones(0)
        inflow, stay = self.forecaster.simulate_changes(years, streams("forecast"))
        # math.exp (the C library's), not np.exp: numpy picks a SIMD kernel by CPU
        # (AVX-512 or not) whose last bit can differ, and these factors scale
        # every arrival time and stay of the forecast years
        return (
            np.array([math.exp(v) for v in inflow.tolist()]),
            np.array([math.exp(v) for v in stay.tolist()]),
        )

    def year_of(self, t: np.ndarray) -> np.ndarray:
        """Index into the yearly paths (-1: before the first forecast year)."""
        return np.searchsorted(self.year_starts, t, side="right") - 1


@dataclass(frozen=True)
class Model:
    """A scenario compiled to day-indexed arrays (days from ``origin``)."""

    scenario: Scenario
    origin: dt.date
    warmup: int
    n_days: int
    unit_names: list[str]
    cell: np.ndarray
    cap_knots: list[np.ndarray | None]
    cap_values: list[np.ndarray | None]
    capacity: np.ndarray  # (n_days, n_units + 1): usable places per output day; last: total
    planned: np.ndarray  # places in the capacity plan (before the usable share)
    threshold: np.ndarray  # usable places less the operational margin
    cell_pools: list[str]  # pools of cell units, by name
    pool_of_unit: np.ndarray  # each unit's row in cell_pools (-1: not a cell)
    threshold_pools: np.ndarray  # (cell pools, simulated days): each pool's threshold
    wing_order: list[int]
    rates: list[tuple[np.ndarray, np.ndarray]]
    senb_start: float
    statuses: list[str]
    start_stock: int
    known: Scenario | None = None  # the scenario as it stood at the origin
    resident_pools: list | None = None
    resident_shares: np.ndarray | None = None
    drivers: Drivers | None = None
    loop: reentry.Loop | None = None  # what the re-entry loop knows before a run

    def is_cell(self, unit: str) -> bool:
        """Whether a place in ``unit`` is a cell (counts in the total)."""
        return bool(self.cell[self.unit_names.index(unit)])

    def day_of(self, date: dt.date) -> float:
        return float((date - self.origin).days)

    def output_dates(self) -> np.ndarray:
        start = np.datetime64(self.scenario.scenario.start, "D")
        return start + np.arange(self.n_days)


def _wing_order(sc: Scenario) -> list[int]:
    """Wings in an order where a unit comes before the unit it overflows to: each
    time the first wing (in file order) that no wing still to come overflows to."""
    names = sc.unit_names()
    wings = [i for i, u in enumerate(sc.unit) if u.when_full is not None]
    target = {i: names.index(sc.unit[i].overflow_to) for i in wings if sc.unit[i].overflow_to}
    feeders = dict.fromkeys(wings, 0)
    for i, t in target.items():
        if t in feeders and t != i:
            feeders[t] += 1
    ready = [i for i in wings if feeders[i] == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        t = target.get(i)
        if t in feeders and t != i:
            feeders[t] -= 1
            if feeders[t] == 0:
                heapq.heappush(ready, t)
    if len(order) != len(wings):  # pragma: no cover - validation rejects overflow loops
        raise ValueError("overflow loop")
    return order


def _steps(table, origin: dt.date, default: float | None = None):
    """Knots (days from origin, the first far in the past) and values of a step table."""
    if table is None:
        return np.array([FAR_PAST]), np.array([default])
    k = np.array([FAR_PAST] + [float((d - origin).days) for d, _ in table[1:]])
    return k, np.array([x for _, x in table], dtype=float)


def _product(a, b):
    """The product of two step functions, as a step function."""
    k = np.union1d(a[0], b[0])
    return k, _at(*a, k) * _at(*b, k)


def _at(knots: np.ndarray, values: np.ndarray, t: np.ndarray) -> np.ndarray:
    return values[np.searchsorted(knots, t, side="right") - 1]


def _drivers(model: Model, cal) -> Drivers:
    """Forecast years run from 1 October to 30 September, as the stock they are
    fitted to is counted on 30 September: year k after the origin (k = 1, 2, ...)
    starts on 1 October of the origin year + k - 1."""
    first = int(cal.inflow["year"])
    last = model.scenario.scenario.end.year
    starts = np.array([model.day_of(dt.date(y, 10, 1)) for y in range(first, last + 2)])
    indexed = tuple(i for i, s in enumerate(model.scenario.stream) if s.inflow_category)
    return Drivers(cal.fitted, indexed, starts)


def _indexed(
    knots: np.ndarray,
    rates: np.ndarray,
    year_starts: np.ndarray,
    index: np.ndarray,
    before: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise rates times a yearly index (``before`` up to the first year start)."""
    inner = year_starts[(year_starts > knots[0]) & (year_starts < knots[-1])]
    k = np.union1d(knots, inner)
    base = rates[np.searchsorted(knots, k[:-1], side="right") - 1]
    year = np.searchsorted(year_starts, k[:-1], side="right") - 1
    factor = np.where(year >= 0, index[np.clip(year, 0, len(index) - 1)], before)
    return k, base * factor
