"""The wing (finite unit) against a plain reference: a heap-based event loop that
follows the rules literally, request by request. The engine must agree exactly,
with waiting, overflow, deadlines (giving up) and capacity that changes."""

from __future__ import annotations

import heapq
from collections import deque

import numpy as np
import pytest

from capaciteit.wings import ADMITTED, OVERFLOWED, RENEGED, WAITED, run_wing


def reference(t, svc, ddl, knots, values, when_full):
    """Literal event-by-event rules; at equal times: capacity, departures, arrivals."""
    n = len(t)
    admit = np.full(n, np.nan)
    leave = np.full(n, np.nan)
    outcome = np.zeros(n, np.int8)
    places = values[0]
    changes = deque(zip(knots[1:].tolist(), values[1:].tolist(), strict=True))
    present: list[float] = []  # heap of leaving times
    queue: deque[int] = deque()

    def serve_queue(now: float) -> None:
        while queue and len(present) < places:
            i = queue.popleft()
            if ddl[i] <= now:  # gave up at its deadline
                outcome[i], leave[i] = RENEGED, ddl[i]
                continue
            admit[i], leave[i], outcome[i] = now, min(now + svc[i], ddl[i]), WAITED
            heapq.heappush(present, leave[i])

    i = 0
    while True:
        nxt = min(
            changes[0][0] if changes else np.inf,
            present[0] if present else np.inf,
            t[i] if i < n else np.inf,
        )
        if nxt == np.inf:
            break
        if changes and changes[0][0] == nxt:
            places = changes.popleft()[1]
            serve_queue(nxt)
        elif present and present[0] == nxt:
            heapq.heappop(present)
            serve_queue(nxt)
        else:
            while queue and ddl[queue[0]] <= nxt:  # drop those who gave up
                j = queue.popleft()
                outcome[j], leave[j] = RENEGED, ddl[j]
            if ddl[i] <= t[i]:
                outcome[i], leave[i] = RENEGED, t[i]
            elif not queue and len(present) < places:
                admit[i], leave[i] = t[i], min(t[i] + svc[i], ddl[i])
                heapq.heappush(present, leave[i])
            elif when_full == "overflow":
                outcome[i] = OVERFLOWED
            else:
                queue.append(i)
            i += 1
    for j in queue:  # never served
        outcome[j], leave[j] = RENEGED, ddl[j]
    return admit, leave, outcome


@pytest.mark.parametrize("when_full", ["wait", "overflow"])
@pytest.mark.parametrize("seed", range(6))
def test_engine_matches_reference(when_full, seed):
    rng = np.random.default_rng(seed)
    n = 1500
    t = np.sort(rng.uniform(0, 600, n))
    svc = rng.lognormal(1.5, 1.0, n)
    ddl = np.full(n, np.inf)
    fixed = rng.random(n) < 0.4  # some requests end at a date, not after a stay
    svc[fixed] = np.inf
    ddl[fixed] = t[fixed] + rng.uniform(0, 20, fixed.sum())
    knots = np.array([-1e12, 150.0, 300.0, 450.0])
    values = np.array([25.0, 18.0, 40.0, 5.0])
    got = run_wing(t, svc, ddl, knots, values, when_full)
    admit, leave, outcome = reference(t, svc, ddl, knots, values, when_full)
    assert np.array_equal(got.outcome, outcome)
    assert np.allclose(got.admit, admit, equal_nan=True)
    assert np.allclose(got.leave, leave, equal_nan=True)
    if when_full == "wait":
        assert (outcome == WAITED).sum() > 50 and (outcome == RENEGED).sum() > 10
    else:
        assert (outcome == OVERFLOWED).sum() > 50
    assert (outcome == ADMITTED).sum() > 500


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
