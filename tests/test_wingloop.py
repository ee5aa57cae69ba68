"""The compiled waiting-wing loop (sim/wingloop) against the numpy and Python
layers of sim/wings, request by request and to the bit: the two must place
everyone the same way, so that an install with numba and one without give the
same numbers. (Both are checked against a per-person simpy model in
tests/test_wings.py.)"""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from capaciteit.sim import wingloop
from capaciteit.sim.wings import RENEGED, WAITED, run_wing

pytestmark = pytest.mark.skipif(
    wingloop.wait_loop() is None, reason="numba is not installed (the `fast` extra)"
)


@pytest.fixture
def calls(monkeypatch) -> list[int]:
    """The compiled loop's calls (their request counts), so that a test knows
    it compared the loop, not the layers with themselves."""
    loop, seen = wingloop.wait_loop(), []

    def counted(t, *args):
        seen.append(t.size)
        return loop(t, *args)

    monkeypatch.setattr(wingloop, "wait_loop", lambda: counted)
    return seen


def case(seed: int):
    """Random requests of every kind the engine sends a waiting wing: stays and
    fixed ends, ties on whole days, stays of length 0, requests with nothing left
    (an end before the request), and capacity that steps, to 0 places as well."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 2500))
    t = np.sort(rng.uniform(-50, 700, n))
    svc = rng.lognormal(1.5, 1.2, n)
    ddl = np.full(n, np.inf)
    fixed = rng.random(n) < rng.uniform(0, 0.6)
    svc[fixed] = np.inf
    ddl[fixed] = t[fixed] + rng.uniform(-3, 30, fixed.sum())
    if seed % 2:
        t, svc, ddl = np.floor(t), np.ceil(svc), np.ceil(ddl)
    if seed % 3 == 0:
        svc[~fixed & (rng.random(n) < 0.1)] = 0.0
    k = int(rng.integers(1, 7))
    knots = np.concatenate([[-1e12], np.sort(rng.uniform(-50, 700, k - 1))])
    if seed % 4 == 0:
        knots[1:] = np.floor(knots[1:])
    values = rng.uniform(0, 45, k)
    if seed % 5 == 0:
        values[rng.integers(0, k)] = 0.0
    return t, svc, ddl, knots, values


@pytest.mark.parametrize("seed", range(120))
def test_compiled_loop_matches_python_layers(seed, calls):
    t, svc, ddl, knots, values = case(seed)
    got = run_wing(t, svc, ddl, knots, values, "wait", compiled=True)
    want = run_wing(t, svc, ddl, knots, values, "wait", compiled=False)
    assert len(calls) == 1  # the compiled loop placed them, the layers did not
    assert np.array_equal(got.outcome, want.outcome)
    assert np.array_equal(got.admit, want.admit, equal_nan=True)
    assert np.array_equal(got.leave, want.leave, equal_nan=True)


def test_a_congested_national_wing_is_placed_the_same(calls):
    """A wing of the stylized benchmark's size: 35,000 requests over ten years,
    at about the places' load (260, then 240), with long congested spells."""
    rng = np.random.default_rng(11)
    n = 35_000
    t = np.sort(rng.uniform(0, 3652, n))
    s2 = np.log1p((62 / 28) ** 2)
    svc = rng.lognormal(np.log(28) - s2 / 2, np.sqrt(s2), n)
    ddl = np.where(rng.random(n) < 0.3, t + rng.uniform(1, 200, n), np.inf)
    args = (t, svc, ddl, np.array([-1e12, 1800.0]), np.array([260.0, 240.0]), "wait")
    got, want = run_wing(*args, compiled=True), run_wing(*args, compiled=False)
    assert calls == [n]
    assert np.array_equal(got.outcome, want.outcome)
    assert np.array_equal(got.admit, want.admit, equal_nan=True)
    assert np.array_equal(got.leave, want.leave, equal_nan=True)
    assert (got.outcome == WAITED).sum() > 10_000 and (got.outcome == RENEGED).sum() > 100


def test_heap_pops_in_order():
    """The loop's binary heap gives the leaving times back smallest first, as
    heapq does, duplicates included."""
    rng = np.random.default_rng(3)
    heap, size, ref = np.empty(5000), 0, []
    for _ in range(20_000):
        if size and rng.random() < 0.45:
            assert heap[0] == ref[0]
            wingloop._pop(heap, size)
            size -= 1
            heapq.heappop(ref)
        elif size < heap.size:
            x = float(np.floor(rng.uniform(0, 300)))  # many ties
            wingloop._push(heap, size, x)
            size += 1
            heapq.heappush(ref, x)
    assert sorted(heap[:size].tolist()) == sorted(ref)
