"""Finite-capacity units (wings): who gets a place, when, and who waits or overflows.

A wing is a FIFO multi-server queue with a capacity that changes over time.
Requests arrive in time order; each either has a stay that starts at admission
(``service``) or must end by a fixed time (``deadline``: the BBA phase ends at
the release date whatever happens), or both; the place is held until
``min(admit + service, deadline)``. When the wing is full an arrival overflows
(goes elsewhere for its whole stay) or waits; a waiting request with a deadline
gives up (reneges) at the deadline.

Two layers, exact together:

* while the wing has room, everyone is admitted on arrival, so a whole chunk of
  requests is placed at once with numpy (occupancy at each arrival is a count of
  departures, found with ``searchsorted``);
* from the first arrival that finds the wing full until an arrival finds room
  again (a congested episode), the waiting list is worked event by event:
  departures from a heap, arrivals and capacity changes from arrays, in exact
  time order, a day at a time (the day boundary is where a decision taken
  once a day would hook in). Then the numpy layer takes over again.

Where numba is installed, a waiting wing goes to :mod:`~capaciteit.sim.wingloop`
instead: the congested layer's event loop, compiled, from the first request to
the last. It places everyone as the two layers do, to the bit
(``tests/test_wingloop.py``); the layers stay as the install without numba and
as that test's reference.

With ``when_full = "overflow"`` no one ever waits, so the numpy layer alone is
exact: it admits up to the first blocked arrival, turns it away with everyone
after it until the next departure or capacity change, and continues.

Why no simpy here: ``tests/test_wings.py`` checks this module, request by
request, against a simpy model with a process per person (ties included); such
a model costs about 90-100 times as much per wing request, and a simpy process
stepping the episode's days would do no more than this loop
(``benchmarks/simpy_joint.py``, docs/model.md).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from capaciteit.sim import wingloop
from capaciteit.sim.wingloop import ADMITTED, OVERFLOWED, RENEGED, WAITED


@dataclass
class WingResult:
    """Per request: admission time (NaN if none), leaving time, outcome code."""

    admit: np.ndarray
    leave: np.ndarray
    outcome: np.ndarray


class _Capacity:
    """Places from each knot on, in whole people: 2.85 usable places hold two (a
    third would be above capacity); the 1e-9 absorbs rounding, 300 x 0.95 is 285."""

    def __init__(self, knots: np.ndarray, values: np.ndarray):
        self.knots = np.asarray(knots, dtype=float)
        self.values = np.floor(np.asarray(values, dtype=float) + 1e-9)

    def at(self, t: np.ndarray | float) -> np.ndarray:
        i = np.searchsorted(self.knots, t, side="right") - 1
        return self.values[np.maximum(i, 0)]

    def changes_after(self, t: float) -> list[tuple[float, float]]:
        i = np.searchsorted(self.knots, t, side="right")
        return list(zip(self.knots[i:].tolist(), self.values[i:].tolist(), strict=True))


def run_wing(
    t_req: np.ndarray,
    service: np.ndarray,
    deadline: np.ndarray,
    cap_knots: np.ndarray,
    cap_values: np.ndarray,
    when_full: str,
    compiled: bool = True,
) -> WingResult:
    """Place sorted requests in a wing; see the module docstring for the rules.

    Parameters
    ----------
    t_req : float array, days, non-decreasing
    service : float array, days from admission (inf: until the deadline)
    deadline : float array, days (inf: none); at least one of the two is finite
    cap_knots, cap_values : the capacity step function (places from each knot on)
    when_full : "wait" or "overflow"
    compiled : a waiting wing in the compiled loop (``wingloop``) where numba is
        installed; False: the numpy and Python layers below (the same numbers)
    """
    n = len(t_req)
    admit = np.full(n, np.nan)
    leave = np.full(n, np.nan)
    outcome = np.full(n, ADMITTED, dtype=np.int8)
    cap = _Capacity(cap_knots, cap_values)
    void = deadline <= t_req  # nothing left to place
    outcome[void] = RENEGED
    leave[void] = t_req[void]
    live = np.flatnonzero(~void)
    t = t_req[live]
    svc = service[live]
    ddl = deadline[live]
    loop = wingloop.wait_loop() if compiled and when_full == "wait" else None
    if loop is not None:
        a, lv, o = admit[live], leave[live], outcome[live]
        loop(t, svc, ddl, cap.knots, cap.values, a, lv, o)
        admit[live], leave[live], outcome[live] = a, lv, o
        return WingResult(admit, leave, outcome)
    planned = np.minimum(t + svc, ddl)

    pres = np.empty(0)  # sorted leaving times of those present
    lists = None
    k, m, chunk = 0, len(live), 64
    while k < m:
        hi = min(m, k + chunk)
        tc, dc = t[k:hi], planned[k:hi]
        pres = pres[np.searchsorted(pres, tc[0], side="right") :]
        gone = np.searchsorted(np.sort(dc), tc, side="right")  # the chunk's, by each arrival
        zero = dc <= tc  # a stay of length 0 leaves at its own arrival time: it is
        if zero.any():  # not gone for those before it at that time, nor for itself
            cz = np.cumsum(zero)
            last = np.searchsorted(tc, tc, side="right") - 1
            gone -= cz[last] - cz + zero
        occ = len(pres) - np.searchsorted(pres, tc, side="right") + np.arange(hi - k) - gone
        blocked = occ >= cap.at(tc)
        f = int(np.argmax(blocked)) if blocked.any() else hi - k
        idx = live[k : k + f]
        admit[idx] = tc[:f]
        leave[idx] = dc[:f]
        if f:
            pres = np.sort(np.concatenate([pres, dc[:f]]))
        if f == hi - k:
            k = hi
            chunk = min(chunk * 2, 8192)
            continue
        chunk = 64
        j = k + f  # the first request that finds the wing full
        if when_full == "overflow":
            # everyone up to the next departure or capacity change finds it as
            # full and is turned away at once (a wing with no places is one
            # step); from the time of a stay of length 0 on (it takes no place,
            # and frees one for others at its time), request by request again
            t_j = t[j]
            gone = np.searchsorted(pres, t_j, side="right")
            change = np.searchsorted(cap.knots, t_j, side="right")
            until = min(
                pres[gone] if gone < len(pres) else np.inf,
                cap.knots[change] if change < len(cap.knots) else np.inf,
            )
            k = max(j + 1, int(np.searchsorted(t, until, side="left")))
            instant = np.flatnonzero(planned[j + 1 : k] <= t[j + 1 : k])
            if instant.size:
                k = max(j + 1, int(np.searchsorted(t, t[j + 1 + instant[0]], side="left")))
            outcome[live[j:k]] = OVERFLOWED
            continue
        if lists is None:  # plain floats: fast arithmetic in the event callbacks
            lists = (live.tolist(), t.tolist(), svc.tolist(), ddl.tolist())
        k, pres = _congested(j, *lists, pres, cap, admit, leave, outcome)
    return WingResult(admit, leave, outcome)


class Episode:
    """A congested wing: the leaving times of those inside (a heap), the FIFO
    waiting list, and the places; works through requests ``j`` onwards."""

    def __init__(self, j, live, t, svc, ddl, pres, cap, admit, leave, outcome):
        self.live, self.t, self.svc, self.ddl = live, t, svc, ddl
        self.admit, self.leave, self.outcome = admit, leave, outcome
        self.inside = pres[np.searchsorted(pres, t[j], side="right") :].tolist()  # a heap
        self.places = float(cap.at(t[j]))
        self.changes = cap.changes_after(t[j])
        self.queue: deque[int] = deque()
        self.next = j  # the next request to arrive
        self.slack = max(2.0, 0.05 * self.places)  # hand back below capacity - slack

    def advance(self, until: float) -> bool:
        """Handle every event before ``until`` in time order (at equal times: a
        capacity change, then a departure, then an arrival); True once an arrival
        finds the wing clearly below capacity (the numpy layer is then cheaper),
        or nothing is left to happen."""
        t, n, inside, queue, changes = self.t, len(self.t), self.inside, self.queue, self.changes
        svc, ddl, live = self.svc, self.ddl, self.live
        inf, i = math.inf, self.next
        try:
            while True:
                ta = t[i] if i < n else inf
                td = inside[0] if inside else inf
                tc = changes[0][0] if changes else inf
                now = min(ta, td, tc)
                if now == inf:  # nothing left to happen: a place never came for these
                    for q in queue:
                        self.outcome[live[q]], self.leave[live[q]] = RENEGED, ddl[q]
                    queue.clear()
                    return True
                if now >= until:
                    return False
                if tc == now:
                    self.places = changes.pop(0)[1]
                elif td == now:
                    heapq.heappop(inside)
                elif queue or len(inside) >= self.places:
                    queue.append(i)
                    i += 1
                    continue
                elif len(inside) < self.places - self.slack:
                    return True  # room to spare: the numpy layer takes over here
                else:  # room, but close to full: admit here
                    end = min(now + svc[i], ddl[i])
                    self.admit[live[i]], self.leave[live[i]] = now, end
                    heapq.heappush(inside, end)
                    i += 1
                    continue
                self.next = i
                self._serve(now)
        finally:
            self.next = i

    def _serve(self, now: float) -> None:
        """Give free places to the waiting list, first come first served."""
        while self.queue and len(self.inside) < self.places:
            i = self.queue.popleft()
            r = self.live[i]
            if self.ddl[i] <= now:  # gave up at its deadline
                self.outcome[r], self.leave[r] = RENEGED, self.ddl[i]
                continue
            end = min(now + self.svc[i], self.ddl[i])
            self.admit[r], self.leave[r], self.outcome[r] = now, end, WAITED
            heapq.heappush(self.inside, end)

    def next_event(self) -> float:
        """Time of the next arrival, departure or capacity change (inf: none)."""
        i = self.next
        return min(
            self.t[i] if i < len(self.t) else math.inf,
            self.inside[0] if self.inside else math.inf,
            self.changes[0][0] if self.changes else math.inf,
        )

    def result(self) -> tuple[int, np.ndarray]:
        return self.next, np.sort(np.asarray(self.inside))


def _congested(j, live, t, svc, ddl, pres, cap, admit, leave, outcome):
    """Run a congested episode from request ``j`` (the first to find the wing
    full); return the next request for the numpy layer and who is inside. The
    episode is worked to the end of each day in turn; days on which nothing
    happens are skipped (a full wing whose residents stay for years would
    otherwise tick through every one of them)."""
    episode = Episode(j, live, t, svc, ddl, pres, cap, admit, leave, outcome)
    day = math.floor(t[j])
    while not episode.advance(day + 1.0):
        day = max(day + 1, math.floor(episode.next_event()))
    return episode.result()
