"""A waiting wing worked event by event in compiled code (numba), start to end.

:func:`capaciteit.sim.wings.run_wing` places requests in two layers: numpy while
the wing has room, and a Python event loop (``wings.Episode``) while it is
congested. Both follow one order of events (at equal times: a capacity change,
then a departure, then an arrival; a waiting list served first come first
served; a waiting request gives up at its deadline), so the episode's loop run
from the first request to the last, never handing back to numpy, places every
request the same way. Compiled, that loop is cheaper than both layers: on the
stylized benchmark's wing 3.7 against 15.5 ms (``benchmarks/simpy_joint.py``).

The loop only adds, compares and takes minima of float64 values, in the same
order as the Python layers: operations IEEE rounds exactly, so its results
are the layers' to the bit on any x86-64 machine (checked on this one).
``tests/test_wingloop.py`` checks it against the two Python layers, request by
request, and the Python layers are checked against a per-person simpy model in
``tests/test_wings.py``.

numba is optional (the ``fast`` extra; the locked install has it): without it,
:func:`wait_loop` gives None and the Python layers run, with the same numbers.
The loop is compiled (or loaded from numba's cache) when first asked for, not
on import (``sim/jit``). The outcome codes live here,
the lower of the two modules, and ``wings`` takes them.
"""

from __future__ import annotations

import numpy as np

from capaciteit.sim import jit

ADMITTED, WAITED, OVERFLOWED, RENEGED = 0, 1, 2, 3
"""A request's outcome: admitted on arrival, after waiting, turned away (a wing
that overflows), or gave up at its deadline (or never placed)."""


def _push(heap: np.ndarray, size: int, x: float) -> None:
    """Put ``x`` on the binary min-heap ``heap[:size]`` (which has room)."""
    k = size
    while k > 0:
        up = (k - 1) >> 1
        if heap[up] <= x:
            break
        heap[k] = heap[up]
        k = up
    heap[k] = x


def _pop(heap: np.ndarray, size: int) -> None:
    """Remove the smallest of ``heap[:size]`` (size >= 1); the heap is then
    ``heap[:size - 1]``."""
    size -= 1
    last = heap[size]
    k = 0
    while True:
        child = 2 * k + 1
        if child >= size:
            break
        if child + 1 < size and heap[child + 1] < heap[child]:
            child += 1
        if last <= heap[child]:
            break
        heap[k] = heap[child]
        k = child
    if size > 0:
        heap[k] = last


def _wait_loop(
    t: np.ndarray,
    svc: np.ndarray,
    ddl: np.ndarray,
    knots: np.ndarray,
    values: np.ndarray,
    admit: np.ndarray,
    leave: np.ndarray,
    outcome: np.ndarray,
) -> None:
    """Place the requests ``t`` (sorted, each with something left to place) in
    a wing that makes them wait when full; fill ``admit``, ``leave`` and
    ``outcome`` (given as NaN, NaN, ADMITTED). ``values`` are whole places from
    each of ``knots`` on. The steps are ``wings.Episode.advance`` and
    ``Episode._serve``, in the same order."""
    n = t.size
    if n == 0:
        return
    heap = np.empty(n)  # leaving times of those inside
    inside = 0
    queue = np.empty(n, np.int64)  # each request waits at most once: no wrap
    head = tail = 0
    c = int(np.searchsorted(knots, t[0], side="right"))
    places = values[max(c - 1, 0)]
    i = 0
    inf = np.inf
    while True:
        ta = t[i] if i < n else inf
        td = heap[0] if inside > 0 else inf
        tc = knots[c] if c < knots.size else inf
        now = min(ta, min(td, tc))
        if now == inf:  # nothing left to happen: a place never came for these
            for k in range(head, tail):
                q = queue[k]
                outcome[q] = RENEGED
                leave[q] = ddl[q]
            return
        if tc == now:
            places = values[c]
            c += 1
        elif td == now:
            _pop(heap, inside)
            inside -= 1
        elif head < tail or inside >= places:
            queue[tail] = i
            tail += 1
            i += 1
            continue
        else:  # room: admitted on arrival
            end = min(now + svc[i], ddl[i])
            admit[i] = now
            leave[i] = end
            _push(heap, inside, end)
            inside += 1
            i += 1
            continue
        while head < tail and inside < places:  # a place freed or added: serve
            q = queue[head]
            head += 1
            if ddl[q] <= now:  # gave up at its deadline
                outcome[q] = RENEGED
                leave[q] = ddl[q]
                continue
            end = min(now + svc[q], ddl[q])
            admit[q] = now
            leave[q] = end
            outcome[q] = WAITED
            _push(heap, inside, end)
            inside += 1


def _compile():
    # the Python functions, also when an earlier call bound the compiled ones here
    push, pop = (jit.compiled(getattr(f, "py_func", f)) for f in (_push, _pop))
    if push is None:
        return None
    globals().update(_push=push, _pop=pop)  # the compiled loop calls the compiled heap
    return jit.compiled(_wait_loop)


wait_loop = jit.door(_compile)
"""The compiled :func:`_wait_loop`, or None without numba (compiled, or
loaded from numba's cache, on first use)."""
