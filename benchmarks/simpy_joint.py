"""What would it cost to run the responses and the finite units in one simpy
environment, day by day? Prints the figures behind the decision in docs/model.md.

For a response to see the true state of a wing (its waiting list, who overflowed,
who filled it that day), the wing must be worked up to the end of every day on
which a response decides, and a response's moves must reach the wing before its
next day. That rules out the engine's numpy layer (whole chunks of requests at
once) for the days the responses watch. Three ways to place the wing's requests
of the stylized benchmark (3,500 a year into 300 places, FIFO waiting list,
lognormal stays mean 28 / sd 62 days, ten years), each timed on its own:

A. the engine as it is: ``wings.run_wing``, the whole waiting list in compiled
   code (``wingloop``, numba); A2 without numba: numpy, and a Python event loop
   only while the wing is full; no daily hook;
B. one simpy environment with a daily process that works the wing event by event
   (``wings.Episode``, never handing back to numpy) to the end of the day, then
   reads its state as a response would: the lockstep design at its cheapest;
C. the same environment with a simpy process per person in the wing (a
   ``simpy.Resource``) and the daily process reading its queue.

Then the engine's own baseline: how many requests its finite units place in one
replication, so the extra cost per replication, and per 1,000 replications on
two cores, can be set against the 60 s target of ``bench_engine.py``.
Usage: ``python benchmarks/simpy_joint.py``.
"""

from __future__ import annotations

import math
import statistics
import time
from pathlib import Path

import numpy as np
import simpy

from capaciteit.sim.wings import Episode, _Capacity, run_wing

ROOT = Path(__file__).resolve().parent.parent
DAYS = 3652
RATE, PLACES, MEAN, SD = 3500 / 365.25, 300, 28.0, 62.0


def requests(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.exponential(1 / RATE, int(RATE * DAYS * 1.1)))
    t = t[t < DAYS]
    s2 = math.log1p((SD / MEAN) ** 2)
    return t, rng.lognormal(math.log(MEAN) - s2 / 2, math.sqrt(s2), t.size)


def engine(t, svc, compiled: bool = True) -> None:
    run_wing(t, svc, np.full(t.size, np.inf), np.zeros(1), np.full(1, PLACES), "wait", compiled)


def layers(t, svc) -> None:
    engine(t, svc, compiled=False)


def lockstep(t, svc) -> None:
    n = t.size
    admit, leave = np.full(n, np.nan), np.full(n, np.nan)
    outcome = np.zeros(n, np.int8)
    cap = _Capacity(np.zeros(1), np.full(1, PLACES))
    live = list(range(n))
    ep = Episode(
        0, live, t.tolist(), svc.tolist(), [math.inf] * n, np.empty(0), cap, admit, leave, outcome
    )
    ep.slack = math.inf  # never hand back to numpy: the day must end in the event loop
    seen = np.zeros(DAYS, np.int64)

    def days(env):
        for d in range(DAYS):
            ep.advance(d + 1.0)
            seen[d] = len(ep.inside) + len(ep.queue)  # what a response would read
            yield env.timeout(1)

    env = simpy.Environment()
    env.run(until=env.process(days(env)))


def per_person(t, svc) -> None:
    env = simpy.Environment()
    wing = simpy.Resource(env, capacity=PLACES)
    seen = np.zeros(DAYS, np.int64)

    def person(at, stay):
        yield env.timeout(at)
        with wing.request() as req:
            yield req
            yield env.timeout(stay)

    def days():
        for d in range(DAYS):
            yield env.timeout(1)
            seen[d] = wing.count + len(wing.queue)

    for at, stay in zip(t.tolist(), svc.tolist(), strict=True):
        env.process(person(at, stay))
    env.run(until=env.process(days()))


def timed(f, reps: int) -> float:
    out = []
    for r in range(reps):
        t, svc = requests(r)
        t0 = time.perf_counter()
        f(t, svc)
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def census(name: str, reps: int = 3) -> tuple[int, list[float]]:
    """In the scenario's own runs (calibrated start stock and forecast): requests
    its finite units place in one replication (mean), and per replication the
    share of people who never meet a finite unit or an end phase (counted)."""
    import capaciteit as cap
    from capaciteit.run import runner
    from capaciteit.sim import engine as eng
    from capaciteit.sim.rng import Streams

    model, _ = runner.prepare(cap.load_scenario(ROOT / "scenarios" / f"{name}.toml"))
    sc, names = model.scenario, model.unit_names
    counts, plain = [], []
    for r in range(reps):
        groups, stream_of, _ = eng._everyone(model, Streams(np.random.SeedSequence(r)))
        first = np.cumsum([0] + [len(g) for g in groups])[:-1]
        n = total = routed = 0
        for g, si in zip(groups, stream_of[first].tolist(), strict=True):
            meets = np.zeros(len(g), bool)
            if names.index(sc.stream[si].unit) in model.wing_order:
                n += len(g)
                meets[:] = True
            for pl, who, _a, _b in g.phases:
                meets[who] = True
                if names.index(pl.unit) in model.wing_order:
                    n += len(who)
            total, routed = total + len(g), routed + int(meets.sum())
        counts.append(n)
        plain.append(1 - routed / total)
    return round(statistics.mean(counts)), plain


def main() -> None:
    n = requests(0)[0].size
    from capaciteit.sim import wingloop

    engine(*requests(0))  # numba's compile (or its cache) before the clock
    a, a2 = timed(engine, 10), timed(layers, 10)
    b, c = timed(lockstep, 5), timed(per_person, 3)
    print(f"stylized wing, {n:,} requests in ten years, one replication (median):")
    compiled = "compiled loop" if wingloop.wait_loop() is not None else "no numba: as A2"
    for name, what, x in (
        ("A", f"engine ({compiled})", a),
        ("A2", "engine without numba (numpy + loop when full)", a2),
        ("B", "lockstep, event loop + simpy day tick", b),
        ("C", "simpy process per person in the wing", c),
    ):
        print(f"  {name:2s} {what:46s} {x * 1e3:7.1f} ms  ({x / a:.1f} x A)")
    m, plain = census("baseline")
    _, plain24 = census("forecast-2024")
    share = ", ".join(f"{x:.1%}" for x in plain + plain24)
    print(f"  never meet a finite unit or end phase (baseline x3, forecast-2024 x3): {share}")
    for name, x in (("B", b), ("C", c)):
        extra = (x - a) / n * m
        print(
            f"  {name} on the baseline's {m:,} wing requests a replication: +{extra * 1e3:.0f} ms,"
            f" +{extra * 1000 / 2:.0f} s for 1,000 replications on 2 cores"
        )


if __name__ == "__main__":
    main()
