"""System responses to a shortage, decided day by day while a replication runs.

A response acts in each pool of cell places its people belong to (the men's
closed regime, the women's: :meth:`~capaciteit.scenario.Scenario.pools`), on the
days when that pool is full: when the people in its cells at the end of the day
before are at least the response's ``trigger`` share of the pool's shortage
threshold (usable places less the margin, plus any extra places a response has
opened in it). Where two pools share no people, places added to one change
nothing in the other.
Each day, in this order whatever the order in the file (within one kind, the
file's order: a second ``extra_places`` judges "full" with the first one's
places open, an escalation):

``extra_places``  opens its places (two people in a cell, places rented abroad)
                  for the day;
``early_release`` releases today everyone eligible, inside since an earlier
                  day, whose release day falls in the next ``days`` days (so
                  each is released up to ``days`` early); with ``weekdays``,
                  only on those days of the week (Fridays: the weekend's
                  releases go on the Friday before);
``stop_callups``  calls up no self-reporter today: those due wait at home on the
                  call-up list, and are called up (``resume_per_day`` a day, or
                  all) once the response stops acting; their whole stay moves;
``police_cells``  holds today's arrestees in a police cell until a place is free,
                  at most ``max_days``; the time counts (their release day stays).

Occupancy is kept as per-day entries and exits of the time people spend in
cells, updated as the responses move people, so each day's decision sees the
effect of the earlier ones. What moved is written back into the people's
arrays before the finite units and the census run. Outputs: per day and
response, whether it acted and how many people it moved (or places it opened).
"""

from __future__ import annotations

import heapq
from collections import deque

import numpy as np

from capaciteit.scenario import (
    WEEKDAYS,
    EarlyReleaseWhenFull,
    ExtraPlaces,
    PoliceCells,
    StopCallups,
)
from capaciteit.sim.flat import (
    NEVER,
    _add,
    _carried,
    _Carry,
    _exits,
    _Flat,
    _flatten,
    _in_streams,
    _per_pool,
    _pools_of,
    _write_back,
    own_uniforms,
)
from capaciteit.sim.people import People
from capaciteit.sim.rng import Streams


def apply(
    model,
    groups: list[People],
    stream_of_group: list[int],
    streams: Streams,
    labels: list[str],
    parents: list | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple, tuple]:
    """Decide the responses day by day; move people in ``groups`` in place.
    ``labels`` name each group for its people's own random draws; ``parents``,
    per group of returns, each one's (group, position) of the release it
    follows (the re-entry loop): a call-up stopped moves the returns that
    follow the person, whole stays and all, so that no one comes back before
    they have left (:class:`_Carry`).

    Returns (acted, moved, extra, seen, held, deferred): per simulated day and response,
    1 if it acted and how many people it moved (places it opened); per day the
    extra places open, and the people in each pool's cells at its end as the
    responses counted them (model.cell_pools; the finite units' outcomes are not in it: see
    engine.cautions); and, as (unit, start day, end day) with unit n_units for
    all cells together, the stretches of those who needed a place and lacked
    one (held back from admission, at most to the release day they had;
    released early by a response or by a dated policy, to the law's day) and of
    those in a place past the day they would have left (called up late):
    demand, everyone who would be inside without limits, is occupancy + the
    first - the second, unit by unit and in all cells.
    """
    sc = model.scenario
    resp = sc.response
    horizon = model.warmup + model.n_days
    acted = np.zeros((horizon, len(resp)), np.int32)
    moved = np.zeros((horizon, len(resp)), np.int32)
    extra = np.zeros(horizon)
    f = _flatten(model, groups, stream_of_group, parents)
    adm0 = f.adm.copy()  # admission day before any response held someone back
    rel0 = f.rel.copy()  # and the release day: the stay it would have been, no limits
    unit0, unit_end0, phase0 = f.unit.copy(), f.unit_end.copy(), f.phase.copy()
    law = rel0.copy()  # the release day before any early-release policy moved it
    for _day, who, before in reversed(f.moves):
        law[who] = before
    away = np.zeros(f.adm.size, bool)  # held back right now: not inside, not releasable
    # days a return moved with the exit of the one it follows (and those before it)
    inherit = np.zeros(f.adm.size, np.int64)
    n_pools = len(model.cell_pools)
    width = horizon + 1
    # per cell pool and day: people entering and leaving its cells
    enter = _per_pool(f.pool, f.adm, n_pools, width)
    leave = _per_pool(f.pool_end, f.rel, n_pools, width)
    sw = f.switch != NEVER  # into an end phase of another pool
    leave += _per_pool(f.pool[sw], f.switch[sw], n_pools, width)
    enter += _per_pool(f.pool_end[sw], f.switch[sw], n_pools, width)
    occ = enter[:, 0] - leave[:, 0]  # in each pool's cells at the end of day 0
    seen = np.zeros((horizon, n_pools), np.int64)
    seen[0] = occ
    threshold = model.threshold_pools
    shift = np.zeros(f.adm.size, np.int64)  # days a call-up (and the whole stay) moved
    wait = np.zeros(f.adm.size, np.int64)  # days an admission moved, release kept
    early = np.zeros(f.adm.size, np.int64)  # days a release moved earlier
    index = {s.name: i for i, s in enumerate(sc.stream)}
    # a response acts in each pool its people (or its places) belong to, on the
    # days that pool is full: places added to one pool never change another's
    agents = [(k, q) for k, r in enumerate(resp) for q in _pools_of(r, f, model, index)]
    plans = {a: _plan(resp[a[0]], a[1], f, model, horizon, index, streams, labels) for a in agents}
    releasing = [plans[a] for a in agents if isinstance(resp[a[0]], EarlyReleaseWhenFull)]
    holding = [plans[a] for a in agents if not isinstance(resp[a[0]], EarlyReleaseWhenFull)]
    holding = [p for p in holding if "late" in p]
    carry = _Carry(f, enter, leave, inherit, away, holding, releasing)
    rank = (ExtraPlaces, EarlyReleaseWhenFull, StopCallups, PoliceCells)
    order = sorted(agents, key=lambda a: (rank.index(type(resp[a[0]])), a))
    for d in range(1, horizon):
        open_places = np.zeros(n_pools)
        for k, q in order:
            r, p = resp[k], plans[k, q]
            if not p["lo"] <= d < p["hi"]:
                if isinstance(r, StopCallups | PoliceCells):
                    _carried(
                        releasing,
                        f,
                        carry,
                        _let_in(r, p, d, None, f, enter, leave, shift, wait, away),
                    )
                continue
            full = bool(occ[q] >= r.trigger * (threshold[q, d] + open_places[q]))
            if isinstance(r, ExtraPlaces):
                if full:
                    open_places[q] += r.places
                    acted[d, k], moved[d, k] = 1, round(r.places)
            elif isinstance(r, EarlyReleaseWhenFull):
                if full and p["weekday"][d % 7]:
                    acted[d, k] = 1
                    moved[d, k] += _release_early(r, p, d, f, enter, leave, early, away)
            else:
                due = _due(p, d, f, carry.suspended, away)
                if full and due.size:
                    p["held"].append(due)
                    away[due] = True
                    enter[q, d] -= due.size
                    if isinstance(r, StopCallups):  # their stay moves: exits too
                        _exits(f, enter, leave, due, -1)
                        carry.suspend(due)  # and their returns wait for their exit
                    moved[d, k] += due.size
                acted[d, k] |= int(full)
                _carried(
                    releasing, f, carry, _let_in(r, p, d, full, f, enter, leave, shift, wait, away)
                )
        extra[d] = open_places.sum()
        occ += enter[:, d] - leave[:, d]
        seen[d] = occ
    for (k, _q), p in plans.items():  # still held when the run ends
        r = resp[k]
        if isinstance(r, StopCallups | PoliceCells):
            for batch in p["held"]:
                (shift if isinstance(r, StopCallups) else wait)[batch] += horizon - f.adm[batch]
                if isinstance(r, StopCallups):  # their returns wait past the end too
                    carry.move(*carry.chain(batch, horizon - f.adm[batch]))
    _write_back(groups, f, shift, wait, early, inherit)
    # each person's time in cells without limits, W = [adm0, law) (law: the release
    # day before any early-release policy), against what the responses made of it,
    # A = [adm, rel), unit by unit (the unit entered, then an end phase's) and in
    # all cells (row n_units): W less A lacks a place, A less W is "deferred"
    # (inside past the day they would have left: called up late); so occupancy +
    # unplaced - deferred is W, the demand. A self-reporter not called up for years
    # lacks one place for one stay, not for the whole wait. A return postponed with
    # the one it follows keeps its W: without limits it would be back then.
    adm = adm0 + inherit + shift + wait
    cut_w = np.clip(np.where(phase0 != NEVER, phase0, np.inf), adm0, law)
    cut_a = np.clip(np.where(f.phase != NEVER, f.phase, np.inf), adm, f.rel)
    n_units = len(model.unit_names)
    held, deferred = [], []
    for x, mask in ((unit0, None), (unit_end0, unit_end0 != unit0)):
        w = _within(unit0, unit_end0, adm0, cut_w, law, x)
        a = _within(f.unit, f.unit_end, adm, cut_a, f.rel, x)
        held += _minus(x, *w, *a, mask)
        deferred += _minus(x, *a, *w, mask)
    every = np.full(adm.size, n_units)
    # A as an empty stretch, never an inverted one, where someone is still held
    # when the run ends (admitted at the end, after the release day they had):
    # W less an inverted A would count the days from that release twice
    rel = np.maximum(f.rel, adm)
    held += _minus(every, adm0, law, adm, rel)
    deferred += _minus(every, adm, rel, adm0, law)
    return acted, moved, extra, seen, _stack(held), _stack(deferred)


def _within(first, then, t0, cut, t1, x):
    """The part of [t0, t1) spent in unit ``x``: in ``first`` until ``cut``, in
    ``then`` from it (empty, [0, 0), where neither is ``x``)."""
    lo = np.where(first == x, t0, np.where(then == x, cut, 0))
    hi = np.where(then == x, t1, np.where(first == x, cut, 0))
    return lo, np.maximum(hi, lo)


def _minus(unit, a0, a1, b0, b1, mask=None) -> list[tuple]:
    """[a0, a1) less [b0, b1), as up to two stretches (unit, from, to) per person."""
    out = []
    for lo, hi in ((a0, np.minimum(a1, b0)), (np.maximum(a0, b1), a1)):
        keep = hi > lo if mask is None else (hi > lo) & mask
        out.append((unit[keep], lo[keep].astype(float), hi[keep].astype(float)))
    return out


def _stack(parts: list[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(np.concatenate(c) for c in zip(*parts, strict=True))  # type: ignore[return-value]


def _plan(
    r,
    q: int,
    f: _Flat,
    model,
    horizon: int,
    index: dict[str, int],
    streams: Streams,
    labels: list[str],
) -> dict:
    """Who a response may act on in pool ``q`` (early release: the pool they
    leave the cells from; the others: the pool that takes them in), ordered as
    it meets them."""
    lo = int(model.day_of(r.start))
    hi = int(model.day_of(r.end)) if r.end else horizon
    pool = f.pool_end if isinstance(r, EarlyReleaseWhenFull) else f.pool
    ok = _in_streams(r, f, index) & (pool == q)
    plan: dict = {"lo": max(lo, 1), "hi": hi}
    if isinstance(r, EarlyReleaseWhenFull):
        # by day number modulo 7: day 0 is the origin's day of the week
        days = r.weekdays or WEEKDAYS
        plan["weekday"] = [WEEKDAYS[(model.origin.weekday() + k) % 7] in days for k in range(7)]
        ok &= f.fixed_exit & (f.sentence > 0) & (f.rel > lo)
        if r.max_sentence_days is not None:
            ok &= f.sentence <= r.max_sentence_days
        ok &= own_uniforms(f, labels, streams, "response", r.name) < r.share
        idx = np.flatnonzero(ok)
        idx = idx[np.argsort(f.rel[idx], kind="stable")]
        # release days as planned (sorted); a later call-up moves some of them
        # later: those go on a heap of their own (`moved`) with the new day
        plan.update(
            idx=idx, rel=f.rel[idx].copy(), taken=np.zeros(f.adm.size, bool), ok=ok, moved=[]
        )
    elif isinstance(r, StopCallups | PoliceCells):
        ok &= f.callup if isinstance(r, StopCallups) else ~f.callup
        base = ok.copy()  # who it may act on, whatever their day (a return may move)
        ok &= (f.adm >= lo) & (f.adm < hi)
        idx = np.flatnonzero(ok)
        idx = idx[np.argsort(f.adm[idx], kind="stable")]
        plan.update(
            idx=idx,
            starts=np.searchsorted(f.adm[idx], np.arange(horizon + 1)),
            held=deque(),
            base=base,
            late=[],  # those whose admission moved later, not yet met
            pending=np.zeros(0, np.int64),
        )
    return plan


def _due(p: dict, d: int, f: _Flat, suspended: np.ndarray, away: np.ndarray) -> np.ndarray:
    """Those a holding response meets today: due on their planned day, or on the
    day a move of the exit they follow brought their admission to; not those
    ``suspended`` (their admission waits for an exit) or ``away`` (another
    response holds them already)."""
    due = p["idx"][p["starts"][d] : p["starts"][d + 1]]
    due = due[(f.adm[due] == d) & ~suspended[due] & ~away[due]]
    if p["late"]:
        p["pending"] = np.concatenate([p["pending"], *p["late"]])
        p["late"].clear()
    pending = p["pending"]
    if pending.size:
        adm = f.adm[pending]
        now = pending[(adm == d) & ~suspended[pending] & ~away[pending]]
        p["pending"] = pending[adm > d]  # one suspended again is added again when it moves
        if now.size:  # moved twice: listed twice (moves are later only: never planned today)
            due = np.unique(np.concatenate([due, now]))
    return due


def _release_early(r, p: dict, d: int, f: _Flat, enter, leave, early, away) -> int:
    """Release today those inside whose release day is within ``days``. Their
    returns stay where the law's day put them (see :class:`_Carry`)."""
    lo, hi = np.searchsorted(p["rel"], [d, d + r.days], side="right")
    take = p["idx"][lo:hi]
    heap, due = p["moved"], []
    while heap and heap[0][0] <= d + r.days:
        due.append(heapq.heappop(heap)[1])
    if due:
        take = np.unique(np.concatenate([take, np.asarray(due, np.int64)]))
    rel = f.known(take, d)  # a release moved later by a call-up waits for it
    take = take[
        ~p["taken"][take]
        & (rel > d)
        & (rel <= d + r.days)
        & (f.adm[take] < d)  # inside since an earlier day: today's admissions are decided later
        & ~away[take]  # held back by a response: at home or in a police cell
        & (f.trial[take] <= d)
    ]
    if take.size:
        p["taken"][take] = True
        _exits(f, enter, leave, take, -1)
        early[take] += f.rel[take] - d
        f.rel[take] = d
        before = take[f.phase[take] >= d]  # released before the end phase began
        f.switch[before], f.phase[before], f.pool_end[before] = NEVER, NEVER, f.pool[before]
        f.unit_end[before] = f.unit[before]
        _exits(f, enter, leave, take, 1)
    return int(take.size)


def _let_in(
    r, p: dict, d: int, full: bool | None, f: _Flat, enter, leave, shift, wait, away
) -> list[np.ndarray]:
    """Admit held people today: all once the response stops acting (self-
    reporters: up to ``resume_per_day``); arrestees at their maximum in a police
    cell; arrestees whose release day has come leave from the police cell.
    Returns the people whose release day moved (called up later), per batch with
    the days it moved."""
    held: deque = p["held"]
    if not held:
        return []
    if isinstance(r, PoliceCells):  # release day reached while held: never in a cell
        for n, batch in enumerate(held):
            gone = f.rel[batch] <= d
            if gone.any():
                out = batch[gone]
                _exits(f, enter, leave, out, -1)
                wait[out] += f.rel[out] - f.adm[out]
                f.adm[out] = f.rel[out]
                held[n] = batch[~gone]
    out = []
    if not full:
        budget = (
            np.inf
            if not isinstance(r, StopCallups) or r.resume_per_day is None
            else int(r.resume_per_day)
        )
        while held and budget > 0:
            batch = held.popleft()
            if batch.size > budget:
                held.appendleft(batch[int(budget) :])
                batch = batch[: int(budget)]
            out.append(batch)
            budget -= batch.size
    elif isinstance(r, PoliceCells):
        while held and held[0].size and d - f.adm[held[0][0]] >= r.max_days:
            out.append(held.popleft())
    later = []
    for batch in out:
        if not batch.size:
            continue
        delay = d - f.adm[batch]
        later.append((batch, delay))
        if isinstance(r, StopCallups):
            shift[batch] += delay
            f.rel[batch] += delay
            f.switch[batch] += np.where(f.switch[batch] != NEVER, delay, 0)
            f.phase[batch] += np.where(f.phase[batch] != NEVER, delay, 0)
            f.shift(batch, delay)
            _exits(f, enter, leave, batch, 1)
        else:
            wait[batch] += delay
            late = batch[(f.phase[batch] != NEVER) & (f.phase[batch] <= d)]
            if late.size:  # the end phase began while held: admitted straight to it
                sw = late[f.switch[late] != NEVER]
                _add(leave, f.pool[sw], f.switch[sw], -1)
                _add(enter, f.pool_end[sw], f.switch[sw], -1)
                f.pool[late], f.unit[late] = f.pool_end[late], f.unit_end[late]
                f.switch[late], f.phase[late] = NEVER, NEVER
        f.adm[batch] = d
        away[batch] = False
        _add(enter, f.pool[batch], np.full(batch.size, d), 1)
    while held and not held[0].size:
        held.popleft()
    return later if isinstance(r, StopCallups) else []
