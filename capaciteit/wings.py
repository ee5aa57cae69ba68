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
* from the first arrival that finds the wing full until the queue is empty
  again, a simpy environment runs the wing as a resource (:class:`Places`): the
  departures already scheduled, arrivals, capacity changes and reneging are
  simpy events and callbacks. Then the numpy layer takes over again.

With ``when_full = "overflow"`` no one ever waits, so the numpy layer alone is
exact: it admits up to the first blocked arrival, turns that one away, and
continues.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import simpy
from simpy.core import BoundClass
from simpy.resources.base import BaseResource, Get

ADMITTED, WAITED, OVERFLOWED, RENEGED = 0, 1, 2, 3


class Request(Get):
    """A request for a place that lapses at ``deadline`` (inf: never)."""

    def __init__(self, resource: Places, deadline: float):
        self.deadline = deadline
        super().__init__(resource)


class Places(BaseResource):
    """The places of one wing as a simpy resource with a FIFO waiting list.

    ``request(deadline)`` asks for a place; requests are granted in order of
    asking while occupancy is below capacity, with value True; a request whose
    deadline has passed when its turn comes is removed with value False (it gave
    up at its deadline). :meth:`leave` frees a place; :meth:`set_capacity`
    changes the number of places without moving anyone out.
    """

    def __init__(self, env: simpy.Environment, capacity: float, occupancy: int):
        super().__init__(env, capacity=math.inf)
        self.places = capacity
        self.occupancy = occupancy

    request = BoundClass(Request)

    def _do_get(self, event: Request) -> bool | None:
        if event.deadline <= self._env.now:
            event.succeed(False)
            return True
        if self.occupancy < self.places:
            self.occupancy += 1
            event.succeed(True)
            return True
        return None

    def _do_put(self, event) -> bool | None:  # pragma: no cover - leaving is not an event here
        return True

    def leave(self) -> None:
        self.occupancy -= 1
        self._trigger_get(None)

    def set_capacity(self, places: float) -> None:
        self.places = places
        self._trigger_get(None)

    def waiting(self) -> bool:
        """Whether anyone still waits (those past their deadline are dropped first)."""
        self._trigger_get(None)
        return bool(self.get_queue)


class _Lapsed:
    """Stands in for a request event that was never decided."""

    value = False

    def __init__(self, deadline: float):
        self.deadline = deadline


@dataclass
class WingResult:
    """Per request: admission time (NaN if none), leaving time, outcome code."""

    admit: np.ndarray
    leave: np.ndarray
    outcome: np.ndarray


class _Capacity:
    def __init__(self, knots: np.ndarray, values: np.ndarray):
        self.knots = np.asarray(knots, dtype=float)
        self.values = np.asarray(values, dtype=float)

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
) -> WingResult:
    """Place sorted requests in a wing; see the module docstring for the rules.

    Parameters
    ----------
    t_req : float array, days, non-decreasing
    service : float array, days from admission (inf: until the deadline)
    deadline : float array, days (inf: none); at least one of the two is finite
    cap_knots, cap_values : the capacity step function (places from each knot on)
    when_full : "wait" or "overflow"
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
    planned = np.minimum(t + svc, ddl)

    pres = np.empty(0)  # sorted leaving times of those present
    k, m, chunk = 0, len(live), 64
    while k < m:
        hi = min(m, k + chunk)
        tc, dc = t[k:hi], planned[k:hi]
        pres = pres[np.searchsorted(pres, tc[0], side="right") :]
        occ = (
            len(pres)
            - np.searchsorted(pres, tc, side="right")
            + np.arange(hi - k)
            - np.searchsorted(np.sort(dc), tc, side="right")
        )
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
            outcome[live[j]] = OVERFLOWED
            k = j + 1
            continue
        k, pres = _congested(j, live, t, svc, ddl, pres, cap, admit, leave, outcome)
    return WingResult(admit, leave, outcome)


def _congested(j, live, t, svc, ddl, pres, cap, admit, leave, outcome):
    """Run the wing in simpy from request ``j`` (which found it full) until an
    arrival finds no queue and a free place; return that request's position and
    the leaving times of those present then.

    simpy is the calendar: arrivals, departures, capacity changes and deadlines
    are timeouts whose callbacks act on :class:`Places`; each schedules the next
    of its kind, so only the events of the episode itself are ever created.
    """
    env = simpy.Environment(initial_time=float(t[j]))
    before = pres[np.searchsorted(pres, t[j], side="right") :].tolist()
    places = Places(env, float(cap.at(t[j])), len(before))
    done = env.event()
    state = {"released": 0, "next": len(t)}
    admitted_here: list[float] = []

    def depart(_event) -> None:
        places.leave()

    def release_next(_event=None) -> None:  # those present when the episode began
        if _event is not None:
            state["released"] += 1
            places.leave()
        k = state["released"]
        if k < len(before):
            env.timeout(before[k] - env.now).callbacks.append(release_next)

    changes = cap.changes_after(env.now)

    def change_next(_event=None, k=0) -> None:
        if _event is not None:
            places.set_capacity(changes[k - 1][1])
        if k < len(changes):
            ev = env.timeout(changes[k][0] - env.now)
            ev.callbacks.append(lambda e, k=k + 1: change_next(e, k))

    def decided(i: int):
        def cb(event) -> None:
            r, now = live[i], env.now
            if not event.value:  # gave up at its deadline
                outcome[r] = RENEGED
                leave[r] = ddl[i]
                return
            admit[r] = now
            leave[r] = min(now + svc[i], ddl[i])
            outcome[r] = WAITED
            admitted_here.append(leave[r])
            env.timeout(leave[r] - now).callbacks.append(depart)

        return cb

    def arrive(_event, i: int) -> None:
        if i > j and not places.waiting() and places.occupancy < places.places:
            state["next"] = i
            done.succeed()
            return
        # the wing is full or has a queue: this one waits
        places.request(ddl[i]).callbacks.append(decided(i))
        if i + 1 < len(t):
            env.timeout(t[i + 1] - env.now).callbacks.append(lambda e, i=i + 1: arrive(e, i))
        else:
            done.succeed()  # the last request has arrived

    release_next()
    change_next()
    arrive(None, j)
    env.run(until=done)
    if state["next"] >= len(t):
        env.run()  # no more arrivals: let the queue drain
        for request in places.get_queue:  # never served (a place never came free)
            request.callbacks[-1](_Lapsed(request.deadline))
        return len(t), np.empty(0)
    now = env.now
    rest = np.asarray(before[state["released"] :])
    new = np.asarray(admitted_here)
    present = np.sort(np.concatenate([rest[rest > now], new[new > now]]))
    return state["next"], present
