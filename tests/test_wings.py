"""The wing (finite unit) against a reference written the way simpy models a
queue: a process per person, a ``PriorityResource`` for the places, reneging as
``request | timeout``, and capacity changes as blocking requests that take
places as they free (nobody is moved out when capacity falls). It shares no
code or structure with the engine's numpy-and-heap layers; the engine must
agree exactly, with waiting, overflow, deadlines (giving up) and capacity that
changes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from capaciteit.sim.wings import ADMITTED, OVERFLOWED, RENEGED, WAITED, run_wing

PERSON, BLOCK = 1, 0  # a blocked place is served before anyone waiting
# at equal times the wing's order: a capacity change (or a deadline), then a
# departure (and the place it frees), then an arrival
CHANGE, DEPART, ARRIVE = 0, 1, 2


def at(env: simpy.Environment, delay: float, priority: int) -> simpy.Event:
    """A timeout with a priority among events at the same time (simpy's own
    Timeout is always NORMAL; this is how it schedules itself)."""
    ev = simpy.Event(env)
    ev._ok, ev._value = True, None
    env.schedule(ev, priority, delay)
    return ev


def reference(t, svc, ddl, knots, values, when_full):
    """Per-person simpy model of the wing's rules; times from 0."""
    n = len(t)
    admit = np.full(n, np.nan)
    leave = np.full(n, np.nan)
    outcome = np.full(n, -1, np.int8)
    env = simpy.Environment()
    top = int(max(values))
    wing = simpy.PriorityResource(env, capacity=top)
    blocks: list = []  # requests that keep places out of use (top - places of them)
    start = max(int(np.searchsorted(knots, 0.0, side="right")) - 1, 0)

    def capacity():
        for k in range(start, len(knots)):
            yield at(env, max(knots[k], 0.0) - env.now, CHANGE)
            want = top - int(values[k])
            while len(blocks) > want:  # places back: the pending blocks go first
                pending = [b for b in blocks if not b.triggered]
                b = pending[-1] if pending else blocks[-1]
                blocks.remove(b)
                b.cancel() if not b.triggered else wing.release(b)
            while len(blocks) < want:
                blocks.append(wing.request(priority=BLOCK))

    def person(i):
        yield at(env, t[i], ARRIVE)
        if ddl[i] <= t[i]:  # nothing left to place
            outcome[i], leave[i] = RENEGED, t[i]
            return
        people = wing.count - sum(b.triggered for b in blocks)
        if when_full == "overflow" and people >= top - len(blocks):
            outcome[i] = OVERFLOWED
            return
        req = wing.request(priority=PERSON)
        if not req.triggered:  # wait, until the deadline at most
            if math.isfinite(ddl[i]):
                yield req | at(env, ddl[i] - t[i], CHANGE)
            else:
                yield req
            if env.now >= ddl[i]:  # gave up at the deadline, even if a place came
                wing.release(req) if req.triggered else req.cancel()
                outcome[i], leave[i] = RENEGED, ddl[i]
                return
        admit[i] = env.now
        outcome[i] = ADMITTED if env.now == t[i] else WAITED
        leave[i] = min(env.now + svc[i], ddl[i])
        yield at(env, leave[i] - env.now, DEPART)
        wing.release(req)

    env.process(capacity())
    for i in range(n):
        env.process(person(i))
    env.run()
    never = outcome < 0  # still waiting when nothing is left to happen
    outcome[never], leave[never] = RENEGED, ddl[never]
    return admit, leave, outcome


def requests(seed: int, days: bool, zero: bool = False, n: int = 1500):
    """Sorted requests: stays or fixed ends, optionally in whole days (ties) and
    with some stays of length 0 (each leaves at its own arrival time)."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 600, n))
    svc = rng.lognormal(1.5, 1.0, n)
    ddl = np.full(n, np.inf)
    fixed = rng.random(n) < 0.4  # some requests end at a date, not after a stay
    svc[fixed] = np.inf
    ddl[fixed] = t[fixed] + rng.uniform(0, 20, fixed.sum())
    if days:  # arrivals, departures, deadlines and capacity changes on the same days
        t, svc, ddl = np.floor(t), np.ceil(svc), np.ceil(ddl)
    if zero:
        svc[~fixed & (rng.random(n) < 0.15)] = 0.0
    return t, svc, ddl


# compiled: the waiting wing's numba loop (sim/wingloop); False: the numpy and
# Python layers; both must agree with the reference (overflow has no compiled loop)
MODES = pytest.mark.parametrize(
    "when_full, compiled",
    [("wait", True), ("wait", False), ("overflow", False)],
    ids=["wait-compiled", "wait-python", "overflow"],
)


@MODES
@pytest.mark.parametrize("days", [False, True], ids=["any time", "whole days (ties)"])
@pytest.mark.parametrize("seed", range(6))
def test_engine_matches_reference(when_full, seed, days, compiled):
    t, svc, ddl = requests(seed, days)
    knots = np.array([-1e12, 150.0, 300.0, 450.0])
    values = np.array([25.0, 18.0, 40.0, 5.0])
    got = run_wing(t, svc, ddl, knots, values, when_full, compiled=compiled)
    admit, leave, outcome = reference(t, svc, ddl, knots, values, when_full)
    assert np.array_equal(got.outcome, outcome)
    assert np.allclose(got.admit, admit, equal_nan=True)
    assert np.allclose(got.leave, leave, equal_nan=True)
    if when_full == "wait":
        assert (outcome == WAITED).sum() > 50 and (outcome == RENEGED).sum() > 10
    else:
        assert (outcome == OVERFLOWED).sum() > 50
    assert (outcome == ADMITTED).sum() > 500


@MODES
@pytest.mark.parametrize("seed", range(4))
def test_stays_of_length_zero_match_reference(when_full, seed, compiled):
    """A stay of length 0 leaves at its arrival time: it frees its place for those
    arriving after it at that time, but it is not gone before it came. The numpy
    layer once counted it as gone at its own arrival, admitting it to a full
    waiting wing (the reference made it wait)."""
    t, svc, ddl = requests(seed, days=True, zero=True)
    knots = np.array([-1e12, 200.0, 400.0])
    values = np.array([20.0, 12.0, 30.0])
    got = run_wing(t, svc, ddl, knots, values, when_full, compiled=compiled)
    admit, leave, outcome = reference(t, svc, ddl, knots, values, when_full)
    assert np.array_equal(got.outcome, outcome)
    assert np.array_equal(got.admit, admit, equal_nan=True)
    assert np.array_equal(got.leave, leave, equal_nan=True)
    instant = (svc == 0) & (outcome != OVERFLOWED)
    assert instant.sum() > 50
    if when_full == "wait":  # the case that failed: some of them had to wait
        assert (outcome[svc == 0] == WAITED).sum() > 5


def test_capacity_below_occupancy_moves_nobody_out():
    """When capacity drops below occupancy, nobody leaves early; admissions stop
    until occupancy is below the new capacity."""
    t = np.arange(10, dtype=float)  # 10 arrivals, one a day, each stays 100 days
    svc = np.full(10, 100.0)
    got = run_wing(
        t, svc, np.full(10, np.inf), np.array([-1e12, 5.5]), np.array([10.0, 3.0]), "overflow"
    )
    assert got.outcome.tolist() == [0] * 6 + [OVERFLOWED] * 4
    assert np.allclose(got.leave[:6], t[:6] + 100)


def test_never_served_waits_to_the_end():
    """With no places at all, a waiting request is never admitted."""
    got = run_wing(
        np.array([1.0, 2.0]),
        np.array([5.0, 5.0]),
        np.array([np.inf, 9.0]),
        np.array([-1e12]),
        np.array([0.0]),
        "wait",
    )
    assert got.outcome.tolist() == [RENEGED, RENEGED]
    assert np.isnan(got.admit).all()
    assert got.leave.tolist() == [np.inf, 9.0]
