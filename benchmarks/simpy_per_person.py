"""Per-person simpy reference model for the "stylized" benchmark scenario.

This is a speed (and sanity) reference only: it models every person as its own simpy
process, which is exactly the approach the numpy+simpy engine avoids. It is deliberately
straightforward so that its timings and daily counts can be compared with the engine.

Scenario (time unit: days, starting from an empty system at t=0):

- Stream 1: Poisson arrivals at 31,500 per year to the unlimited unit "main"; each person
  stays a lognormal time with mean 90 and sd 200 days.
- Stream 2: Poisson arrivals at 3,500 per year to the unit "bba" with 300 places (FIFO
  queue); a person waits for a place, then holds it for a lognormal stay with mean 28 and
  sd 62 days counted from admission.

At the end of each day d (time d + 1) the numbers present in main, in bba and waiting for
bba are recorded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import simpy

DAYS_PER_YEAR = 365.25

MAIN_ARRIVALS_PER_YEAR = 31_500.0
MAIN_STAY_MEAN = 90.0
MAIN_STAY_SD = 200.0

BBA_ARRIVALS_PER_YEAR = 3_500.0
BBA_CAPACITY = 300
BBA_STAY_MEAN = 28.0
BBA_STAY_SD = 62.0

ProcessGen = Generator[simpy.Event, object, None]


def lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    """Return (mu, sigma) of the underlying normal for a lognormal with this mean and sd."""
    sigma2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


@dataclass(slots=True)
class Counters:
    """Current occupancy, kept up to date by the person processes."""

    main: int = 0
    bba: int = 0
    bba_waiting: int = 0


def main_person(env: simpy.Environment, stay: float, counts: Counters) -> ProcessGen:
    """One person in the unlimited unit "main"."""
    counts.main += 1
    yield env.timeout(stay)
    counts.main -= 1


def bba_person(
    env: simpy.Environment, unit: simpy.Resource, stay: float, counts: Counters
) -> ProcessGen:
    """One person in "bba": wait for a place (FIFO), hold it for the stay, release it."""
    counts.bba_waiting += 1
    with unit.request() as request:
        yield request
        counts.bba_waiting -= 1
        counts.bba += 1
        yield env.timeout(stay)
        counts.bba -= 1


def main_arrivals(env: simpy.Environment, rng: np.random.Generator, counts: Counters) -> ProcessGen:
    """Poisson arrivals to "main"; starts one process per arrival."""
    mean_gap = DAYS_PER_YEAR / MAIN_ARRIVALS_PER_YEAR
    mu, sigma = lognormal_params(MAIN_STAY_MEAN, MAIN_STAY_SD)
    while True:
        yield env.timeout(rng.exponential(mean_gap))
        env.process(main_person(env, rng.lognormal(mu, sigma), counts))


def bba_arrivals(
    env: simpy.Environment, rng: np.random.Generator, unit: simpy.Resource, counts: Counters
) -> ProcessGen:
    """Poisson arrivals to "bba"; starts one process per arrival."""
    mean_gap = DAYS_PER_YEAR / BBA_ARRIVALS_PER_YEAR
    mu, sigma = lognormal_params(BBA_STAY_MEAN, BBA_STAY_SD)
    while True:
        yield env.timeout(rng.exponential(mean_gap))
        env.process(bba_person(env, unit, rng.lognormal(mu, sigma), counts))


def monitor(
    env: simpy.Environment, counts: Counters, out: dict[str, np.ndarray], days: int
) -> ProcessGen:
    """Record the counters at the end of each day (time d + 1)."""
    for d in range(days):
        yield env.timeout(1.0)
        out["main"][d] = counts.main
        out["bba"][d] = counts.bba
        out["bba_waiting"][d] = counts.bba_waiting


def run(seed: int = 0, days: int = 3652) -> dict[str, np.ndarray]:
    """Simulate `days` days from an empty system and return the daily counts.

    Returns {"main": int array (days,), "bba": int array (days,),
    "bba_waiting": int array (days,)}.
    """
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    counts = Counters()
    bba = simpy.Resource(env, capacity=BBA_CAPACITY)
    out = {name: np.zeros(days, dtype=np.int64) for name in ("main", "bba", "bba_waiting")}

    env.process(main_arrivals(env, rng, counts))
    env.process(bba_arrivals(env, rng, bba, counts))
    done = env.process(monitor(env, counts, out, days))
    env.run(until=done)
    return out


if __name__ == "__main__":
    start = time.perf_counter()
    result = run(seed=0)
    elapsed = time.perf_counter() - start
    last = round(5 * DAYS_PER_YEAR)
    print(f"wall time {elapsed:.2f} s")
    print(" ".join(f"{name} {series[-last:].mean():.1f}" for name, series in result.items()))
