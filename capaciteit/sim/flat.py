"""Everyone in cells as one flat table, for the responses to decide on, and what
they decide written back into each stream's people.

The responses judge pools, not streams, day by day: a flat view (:class:`_Flat`,
one row per person who enters a cell) lets each day's decision be a few
vectorised comparisons. :class:`_Carry` keeps the returns that follow a person
whose stay a stopped call-up moved: they move with that person's actual exit.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from capaciteit.scenario import EarlyReleaseWhenFull, ExtraPlaces
from capaciteit.sim.people import People
from capaciteit.sim.rng import Streams

NEVER = np.iinfo(np.int64).min // 2
"""A day that is no day: days before the origin are negative (the start stock)."""


@dataclass
class _Flat:
    """Everyone's time in cells as day numbers, with where they come from."""

    group: np.ndarray
    index: np.ndarray
    stream: np.ndarray
    pool: np.ndarray  # the cell pool that takes them on admission (model.cell_pools)
    adm: np.ndarray  # day entering a cell
    rel: np.ndarray  # day leaving the cells
    callup: np.ndarray  # on the call-up list before admission
    fixed_exit: np.ndarray  # leaves the cells at release (no end phase outside)
    sentence: np.ndarray
    trial: np.ndarray  # day of the trial (no early release before it)
    unit: np.ndarray  # the unit they enter, and
    unit_end: np.ndarray  # the unit they leave the cells from (an end phase's)
    pool_end: np.ndarray  # and its pool,
    switch: np.ndarray  # entered on this day (NEVER: the same pool as on admission)
    phase: np.ndarray  # the day they move into unit_end (NEVER: they stay in unit)
    sizes: list[int]  # people in each group (cells or not)
    moves: list[tuple[int, np.ndarray, np.ndarray]]
    """Early-release policies' moves: (day, who (sorted), the day they left the
    cells before it), in the order applied within each group."""
    child: np.ndarray | None = None
    """Each one's return (-1: none): the person who comes back after their release."""

    def __post_init__(self) -> None:
        # every move's "before" is a view into one array, found by person at once
        # (a call-up moves whole stays thousands of times a replication)
        befores = np.concatenate([b for _d, _w, b in self.moves] or [np.zeros(0, np.int64)])
        views, at = [], 0
        for day, moved, before in self.moves:
            views.append((day, moved, befores[at : at + before.size]))
            at += before.size
        self.moves = views
        whose = np.concatenate([w for _d, w, _b in self.moves] or [np.zeros(0, np.int64)])
        self._order = np.argsort(whose, kind="stable")
        self._whose, self._befores = whose[self._order], befores

    def known(self, who: np.ndarray, d: int) -> np.ndarray:
        """The day ``who`` leave the cells as known on day ``d``: the moves of
        policies that start after ``d`` undone, latest first. A response deciding
        on ``d`` sees no more of the future than its base scenario would."""
        rel = self.rel[who]
        for day, moved, before in reversed(self.moves):
            if day <= d or not moved.size:
                continue
            pos = np.minimum(np.searchsorted(moved, who), moved.size - 1)
            hit = moved[pos] == who
            rel = np.where(hit, before[pos], rel)
        return rel

    def shift(self, who: np.ndarray, days: np.ndarray) -> None:
        """A later call-up moves the whole stay: the days before any move too
        (``who`` distinct)."""
        if not self._whose.size:
            return
        lo = np.searchsorted(self._whose, who, side="left")
        n = np.searchsorted(self._whose, who, side="right") - lo
        total = int(n.sum())
        if not total:
            return
        rows = np.repeat(lo - np.cumsum(n) + n, n) + np.arange(total)
        self._befores[self._order[rows]] += np.repeat(days, n)


def own_uniforms(f: _Flat, labels: list[str], streams: Streams, *names: str) -> np.ndarray:
    """One uniform per person, from a stream of their own group (``labels``: the
    group's origin and stream, e.g. ``inflow/pre_trial``), at their arrival index:
    a person's draw never depends on how many others there are, or where they
    sit in ``f``."""
    u = np.empty(f.adm.size)
    for k in np.unique(f.group).tolist():
        sel = f.group == k
        u[sel] = streams(*names, labels[k]).random(f.sizes[k])[f.index[sel]]
    return u


def _flatten(model, groups: list[People], stream_of_group: list[int], parents=None) -> _Flat:
    parts, moves, offset = [], [], 0
    cell, pool_of = model.cell, model.pool_of_unit
    at = np.full(len(groups), -1, np.int64)  # each group's first place in the flat arrays
    for k, (g, si) in enumerate(zip(groups, stream_of_group, strict=True)):
        s = model.scenario.stream[si]
        u = model.unit_names.index(s.unit)
        if not cell[u] or not len(g):
            continue
        at[k] = offset
        end = g.cell_exit(model.is_cell)
        fixed = end == g.t_end
        for m in g.moves:  # leaving at release, the day was the one before the move
            before = np.where(fixed[m.who], m.before, end[m.who])
            moves.append((int(m.day), offset + m.who, np.floor(before).astype(np.int64)))
            fixed[m.who[m.cut]] = False  # its way out changed: no early release for it
        # the last stretch in cells may be an end phase in a unit of another pool
        # (the BBA): the pool's count follows the person there
        unit_end = np.full(len(g), u)
        phase = np.full(len(g), np.nan)
        for pl, who, a, b in g.phases:
            v = model.unit_names.index(pl.unit)
            last = cell[v] & (b >= end[who]) & (a < end[who])
            unit_end[who[last]] = v
            phase[who[last]] = a[last]
        adm, rel = np.floor(g.t_adm), np.floor(end)
        phase = np.floor(phase)
        moving = unit_end != u
        at_entry = moving & (phase <= adm)  # the end phase from the first day in a cell
        unit = np.where(at_entry, unit_end, u)
        unit_end = np.where(moving & (phase >= rel), u, unit_end)  # never got there
        inside = (unit_end != unit) & (phase > adm) & (phase < rel)  # NaN: False
        phase = np.where(inside, phase, NEVER)
        switch = np.where(pool_of[unit_end] != pool_of[unit], phase, NEVER)
        offset += len(g)
        parts.append(
            (
                np.full(len(g), k),
                np.arange(len(g)),
                np.full(len(g), si),
                pool_of[unit],
                adm,
                rel,
                g.t_adm > g.t_event,
                fixed,
                g.sentence,
                np.floor(g.t_trial),
                unit,
                unit_end,
                pool_of[unit_end],
                switch,
                phase,
            )
        )
    cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
    ints = {0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14}
    cols = [c.astype(np.int64) if i in ints else c for i, c in enumerate(cols)]
    child = np.full(offset, -1, np.int64)
    for k, parent in enumerate(parents or []):
        if parent is None or at[k] < 0:
            continue  # a return enters the stream (and the cells) its parent left
        known = (parent[:, 0] >= 0) & (at[np.maximum(parent[:, 0], 0)] >= 0)
        child[at[parent[known, 0]] + parent[known, 1]] = at[k] + np.flatnonzero(known)
    return _Flat(*cols, [len(g) for g in groups], moves, child)


_NOBODY = np.zeros(0, np.int64)


class _Carry:
    """The returns that follow an exit a response moved later. A return comes
    back a fixed time after the exit of the one it follows (and so on down its
    line): when a call-up is stopped, the returns that follow wait (out of the
    counts) until the person is called up, then move by the same days. All of
    them are still ahead (a return comes after its parent's exit), so only
    future counts change.

    Released early by a response, people come back no sooner than their law's
    day puts them (at most ``days`` later than from the actual exit): moving a
    return sooner could bring one drawn after a date D before D, with the draws
    of its place among the returns (their order by the law's days), which a
    policy from D changes; two scenarios would then differ before their first
    difference (tests/test_pairing.py found it)."""

    def __init__(self, f: _Flat, enter, leave, inherit, away, holding, releasing):
        self.f, self.enter, self.leave = f, enter, leave
        self.inherit, self.away = inherit, away
        self.holding, self.releasing = holding, releasing
        self.suspended = np.zeros(f.adm.size, bool)

    def chain(self, who: np.ndarray, by) -> tuple[np.ndarray, np.ndarray]:
        """Everyone who follows ``who`` (their return, its return, ...), each with
        the days ``by`` of the one they follow."""
        child = self.f.child
        members, deltas = [], []
        cur, delta = who, np.broadcast_to(np.asarray(by, np.int64), who.shape)
        while True:
            nxt = child[cur]
            has = nxt >= 0
            if not has.any():
                break
            cur, delta = nxt[has], delta[has]
            members.append(cur)
            deltas.append(delta)
        if not members:
            return _NOBODY, _NOBODY
        return np.concatenate(members), np.concatenate(deltas)

    def suspend(self, who: np.ndarray) -> None:
        """Take those who follow ``who`` out of the counts until they move."""
        members, _ = self.chain(who, 0)
        if members.size:
            f = self.f
            _add(self.enter, f.pool[members], f.adm[members], -1)
            _exits(f, self.enter, self.leave, members, -1)
            self.suspended[members] = True
            self.away[members] = True

    def move(self, members: np.ndarray, deltas: np.ndarray) -> None:
        """Move suspended ``members`` later by ``deltas`` days, whole stays, and count them."""
        if not members.size:
            return
        f = self.f
        for a in (f.adm, f.rel, f.trial):
            a[members] += deltas
        for a in (f.switch, f.phase):
            a[members] += np.where(a[members] != NEVER, deltas, 0)
        f.shift(members, deltas)
        self.inherit[members] += deltas
        _add(self.enter, f.pool[members], f.adm[members], 1)
        _exits(f, self.enter, self.leave, members, 1)
        self.suspended[members] = False
        self.away[members] = False
        for p in self.holding:
            sel = members[p["base"][members]]
            if sel.size:
                p["late"].append(sel)
        _moved(self.releasing, f, [members])


def _carried(releasing: list[dict], f: _Flat, carry: _Carry, moved) -> None:
    """Called up later: tell the early releases, and move the returns that follow."""
    for batch, delay in moved:
        _moved(releasing, f, [batch])
        carry.move(*carry.chain(batch, delay))


def _moved(releasing: list[dict], f: _Flat, batches: list[np.ndarray]) -> None:
    """Tell each early release whose candidates' release days a call-up moved."""
    for p in releasing:
        for batch in batches:
            for i in batch[p["ok"][batch]].tolist():
                heapq.heappush(p["moved"], (int(f.rel[i]), i))


def _move_stays(g: People, i: np.ndarray, s: np.ndarray, event: bool) -> None:
    """Move the whole stays of ``g``'s people ``i`` (sorted) by ``s`` days; with
    ``event``, the day they joined the stream too (a return that comes back later)."""
    arrays = [g.t_event] if event else []
    arrays += [g.t_adm, g.t_trial, g.t_end]  # t_trial is t_adm on path "sentence"
    done: set[int] = set()
    for arr in arrays:
        if id(arr) not in done:
            done.add(id(arr))
            arr[i] += s
    for _pl, who, a, b in g.phases:
        pos = np.searchsorted(i, who)
        hit = (pos < i.size) & (i[np.minimum(pos, i.size - 1)] == who)
        add = np.where(hit, s[np.minimum(pos, i.size - 1)], 0.0)
        a += add
        b += add
    for m in g.moves:  # the release day a policy moved them from, too
        pos = np.searchsorted(i, m.who)
        hit = (pos < i.size) & (i[np.minimum(pos, i.size - 1)] == m.who)
        m.before += np.where(hit, s[np.minimum(pos, i.size - 1)], 0.0)


def _write_back(groups, f: _Flat, shift, wait, early, inherit) -> None:
    for k, g in enumerate(groups):
        sel = f.group == k
        if not sel.any():
            continue
        i = f.index[sel]
        s, w, e = shift[sel].astype(float), wait[sel].astype(float), early[sel].astype(float)
        h = inherit[sel].astype(float)
        if h.any():  # a return follows the exit of the one it follows
            _move_stays(g, i, h, event=True)
        if s.any():  # the whole stay moves with the call-up
            _move_stays(g, i, s, event=False)
        if w.any():  # admitted later, the release day stays
            if g.t_adm is g.t_event:  # arrested and admitted at once: one array till now
                trial_too = g.t_trial is g.t_adm
                g.t_adm = g.t_adm.copy()
                if trial_too:
                    g.t_trial = g.t_adm
            g.t_adm[i] = np.minimum(g.t_adm[i] + w, g.t_end[i])
            if g.t_trial is not g.t_adm:
                g.t_trial[i] = np.maximum(g.t_trial[i], g.t_adm[i])
        if e.any():  # released earlier (not before admission); an end phase is cut short
            g.t_end[i] = np.maximum(g.t_end[i] - e, g.t_adm[i])
            if g.t_trial is not g.t_adm:
                g.t_trial[i] = np.minimum(g.t_trial[i], g.t_end[i])
            for _pl, who, a, b in g.phases:
                ends = g.t_end[who]
                np.minimum(b, ends, out=b)
                np.minimum(a, b, out=a)


def _add(counts: np.ndarray, pool: np.ndarray, day: np.ndarray, delta: int) -> None:
    # ufuncs, not np.clip: tens of thousands of small calls a replication
    np.add.at(counts, (pool, np.minimum(np.maximum(day, 0), counts.shape[1] - 1)), delta)


def _exits(f: _Flat, enter, leave, who: np.ndarray, delta: int) -> None:
    """Add (+1) or take back (-1) the days ``who`` leave the cells, and the days
    they move into an end phase of another pool."""
    _add(leave, f.pool_end[who], f.rel[who], delta)
    sw = who[f.switch[who] != NEVER]
    if sw.size:
        _add(leave, f.pool[sw], f.switch[sw], delta)
        _add(enter, f.pool_end[sw], f.switch[sw], delta)


def _per_pool(pool: np.ndarray, day: np.ndarray, n_pools: int, width: int) -> np.ndarray:
    """(pools, days): how many of ``day`` fall on each day, per pool."""
    at = pool * width + np.clip(day, 0, width - 1)
    return np.bincount(at, minlength=n_pools * width).reshape(n_pools, width).astype(np.int64)


def _in_streams(r, f: _Flat, index: dict[str, int]) -> np.ndarray:
    if r.streams is None:
        return np.ones(f.adm.size, bool)
    return np.isin(f.stream, [index[n] for n in r.streams])


def _pools_of(r, f: _Flat, model, index: dict[str, int]) -> list[int]:
    """The cell pools a response acts in: that of the unit its places go to, or
    those of the people it may act on."""
    if isinstance(r, ExtraPlaces):
        q = int(model.pool_of_unit[model.unit_names.index(r.unit)])
        return [q] if q >= 0 else []
    pool = f.pool_end if isinstance(r, EarlyReleaseWhenFull) else f.pool
    return np.unique(pool[_in_streams(r, f, index)]).tolist()
