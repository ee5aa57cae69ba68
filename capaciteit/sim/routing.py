"""People who meet a finite unit or an end phase: the wings decide, then count.

Wings run in overflow order (:func:`~capaciteit.sim.model._wing_order`), so that a
unit has heard from every unit that overflows into it before it decides. Each
person's stretches (in the unit of entry, waiting for a wing, in an end phase)
are then counted in the census, and every day someone needs a place and lacks
one is counted as unplaced.
"""

from __future__ import annotations

import numpy as np

from capaciteit.sim.census import Census, _add_status
from capaciteit.sim.model import Model
from capaciteit.sim.people import People
from capaciteit.sim.wings import ADMITTED, OVERFLOWED, RENEGED, WAITED, run_wing


def _capacities(model: Model, decided) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each unit's places as a step function (knots, places from each knot on):
    a finite unit also takes the places an ``extra_places`` response opens in it,
    on the days the response acts (decided before the units run)."""
    caps = list(zip(model.cap_knots, model.cap_values, strict=True))
    if decided is None:
        return caps
    acted, horizon = decided[0], decided[0].shape[0]
    for u in model.wing_order:
        extra = np.zeros(horizon)
        for k, r in enumerate(model.scenario.response):
            if r.kind == "extra_places" and model.unit_names.index(r.unit) == u:
                extra += r.places * acted[:, k]
        if not extra.any():
            continue
        knots, values = caps[u]
        change = np.flatnonzero(np.diff(np.r_[0.0, extra, 0.0]) != 0).astype(float)
        at = np.union1d(knots, change)
        day = at.astype(np.int64, copy=False) if at.size else at
        opened = np.where((at >= 0) & (at < horizon), extra[np.clip(day, 0, horizon - 1)], 0.0)
        base = values[np.searchsorted(knots, at, side="right") - 1]
        caps[u] = (at, base + opened)
    return caps


def _route(
    model: Model,
    groups: list[People],
    group_stream: np.ndarray,
    units: Census,
    waits: Census,
    people: Census,
    status: Census,
    caps: list[tuple[np.ndarray, np.ndarray]],
    unplaced: Census,
) -> None:
    """People who meet a finite unit or an end phase: wings decide (with ``caps``,
    each unit's places), then count."""
    sc = model.scenario
    names = model.unit_names
    stream_of = np.repeat(group_stream, [len(g) for g in groups])
    n = len(stream_of)
    starts = np.cumsum([0] + [len(g) for g in groups])

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(g, name) for g in groups])

    t_adm, t_trial, t_end = cat("t_adm"), cat("t_trial"), cat("t_end")
    entry_unit = np.array([names.index(s.unit) for s in sc.stream], np.int64)[stream_of]
    # end phases, sparse: per placement, who has one (global index), start, end
    ph_unit = [names.index(p.unit) for p in sc.placement]
    ph_who, ph_start, ph_end = ([[] for _ in sc.placement] for _ in range(3))
    for g, off in zip(groups, starts, strict=False):
        for pl, who, a, b in g.phases:
            k = sc.placement.index(pl)
            ph_who[k].append(who + off)
            ph_start[k].append(a)
            ph_end[k].append(b)
    ph_who, ph_start, ph_end = (
        [np.concatenate(x) if x else np.zeros(0) for x in y] for y in (ph_who, ph_start, ph_end)
    )
    ph_who = [w.astype(np.int64) for w in ph_who]
    entry_end = t_end.copy()
    for who, a in zip(ph_who, ph_start, strict=True):
        entry_end[who] = np.fmin(entry_end[who], a)
    # the entry stretch ends at a date set by law (and for the start stock, whose
    # stay is already running), or after a stay counted from admission
    service = np.full(n, np.inf)
    for g, off in zip(groups, starts, strict=False):
        if not g.fixed_end:
            # the stay as it stands now: the forecast's stretch and any response's
            # move included (the drawn length would ignore them)
            service[off : off + len(g)] = np.where(g.t_event < 0, np.inf, g.t_end - g.t_adm)
    deadline = np.where(np.isinf(service), entry_end, np.inf)
    e_unit = entry_unit.copy()  # unit of the entry stretch; -1 when never admitted
    e_admit = t_adm.copy()
    e_leave = np.fmin(t_adm + service, deadline)
    e_wait_unit = np.full(n, -1, np.int64)  # the wing waited for, if any
    e_wait_end = np.full(n, np.nan)
    ph_admit = [a.copy() for a in ph_start]
    ph_wait = [np.zeros(len(w), bool) for w in ph_who]
    ph_gave_up = [np.zeros(len(w), bool) for w in ph_who]

    # ---- finite units decide, in overflow order
    headed: dict[int, list[np.ndarray]] = {u: [] for u in model.wing_order}
    for g, off, si in zip(groups, starts, [stream_of[o] for o in starts[:-1]], strict=False):
        u = names.index(sc.stream[si].unit)
        if u in headed:
            headed[u].append(np.arange(off, off + len(g)))
    for u in model.wing_order:
        unit = sc.unit[u]
        e_idx = np.concatenate(headed[u]) if headed[u] else np.zeros(0, np.int64)
        p_ks = [k for k in range(len(ph_who)) if ph_unit[k] == u]
        t_orig = np.concatenate([t_adm[e_idx], *(ph_start[k] for k in p_ks)])
        if t_orig.size == 0:
            continue
        svc = np.concatenate([service[e_idx], *(np.full(len(ph_who[k]), np.inf) for k in p_ks)])
        ddl = np.concatenate([deadline[e_idx], *(ph_end[k] for k in p_ks)])
        t_req = np.maximum(t_orig, 0.0)  # the start stock asks at the origin, in its order
        order = np.lexsort((t_orig, t_req))
        res = run_wing(
            t_req[order],
            svc[order],
            ddl[order],
            *caps[u],
            unit.when_full,
        )
        admit, leave, outcome = (np.empty_like(x) for x in (res.admit, res.leave, res.outcome))
        admit[order], leave[order], outcome[order] = res.admit, res.leave, res.outcome
        admit = np.where(outcome == ADMITTED, t_orig, admit)  # no wait: its original time
        ne = len(e_idx)
        eo, ea, el = outcome[:ne], admit[:ne], leave[:ne]
        over = eo == OVERFLOWED
        waited = (eo == WAITED) | (eo == RENEGED)
        if over.any():  # turned away: they lack a place in this unit for their stay
            unplaced.add(u, t_adm[e_idx[over]], e_leave[e_idx[over]])
            if model.cell[u] and not model.cell[names.index(unit.overflow_to)]:
                total = len(names)  # turned away from cells to a unit that is none
                unplaced.add(total, t_adm[e_idx[over]], e_leave[e_idx[over]])
            ov = names.index(unit.overflow_to)
            e_unit[e_idx[over]] = ov
            if ov in headed:
                headed[ov].append(e_idx[over])
        e_unit[e_idx[eo == RENEGED]] = -1
        e_admit[e_idx[~over]] = ea[~over]
        e_leave[e_idx[~over]] = el[~over]
        e_wait_unit[e_idx[waited]] = u
        e_wait_end[e_idx[waited]] = np.where(eo[waited] == RENEGED, el[waited], ea[waited])
        off = ne
        for k in p_ks:
            m = len(ph_who[k])
            po, pa = outcome[off : off + m], admit[off : off + m]
            ph_admit[k] = np.where(po == RENEGED, np.nan, pa)
            ph_wait[k] = (po == WAITED) | (po == RENEGED)
            ph_gave_up[k] = po == RENEGED
            off += m

    # ---- counts: stretches in a unit, and stretches waiting for one
    bins = units.bins
    never = units.width  # a bin after every other one
    c_in = np.full(n, never)  # first bin in a cell, per person
    c_out = np.full(n, -1)  # last bin in a cell

    def stay(who: np.ndarray | None, unit, t_in: np.ndarray, t_out: np.ndarray) -> None:
        """Count stretches in units of people ``who`` (None: everyone)."""
        b_in, b_out = bins(t_in), bins(t_out)
        units.add_bins(unit, b_in, b_out)
        i = slice(None) if who is None else who
        cell = model.cell[unit] & (t_out > t_in)
        c_in[i] = np.where(cell, np.minimum(c_in[i], b_in), c_in[i])
        c_out[i] = np.where(cell, np.maximum(c_out[i], b_out), c_out[i])

    wait_in = np.array([names.index(x.wait_in) if x.wait_in else -1 for x in sc.unit] + [-1])
    w = np.flatnonzero(e_wait_unit >= 0)
    held_in = wait_in[e_wait_unit]  # -1 (the extra entry) where nobody waited
    waits.add(e_wait_unit[w], t_adm[w], e_wait_end[w])
    unplaced.add(e_wait_unit[w], t_adm[w], e_wait_end[w])
    cells = np.append(model.cell, False)  # the extra entry: at home
    out = w[cells[e_wait_unit[w]] & ~cells[held_in[w]]]  # lack a cell, wait outside one
    unplaced.add(len(names), t_adm[out], e_wait_end[out])
    w = w[held_in[w] >= 0]
    stay(w, held_in[w], t_adm[w], e_wait_end[w])
    inside = e_unit >= 0
    if inside.all():
        stay(None, e_unit, e_admit, e_leave)
    else:
        w = np.flatnonzero(inside)
        stay(w, e_unit[w], e_admit[w], e_leave[w])
    for k, who in enumerate(ph_who):
        a, b = ph_start[k], ph_end[k]
        w_end = np.where(ph_gave_up[k], b, ph_admit[k])
        home = np.where(inside[who], e_unit[who], held_in[who])  # where one waits for it
        pw = ph_wait[k]
        waits.add(ph_unit[k], a[pw], w_end[pw])
        unplaced.add(ph_unit[k], a[pw], w_end[pw])
        out = pw & cells[ph_unit[k]] & ~cells[home]
        unplaced.add(len(names), a[out], w_end[out])
        held = pw & (home >= 0)
        stay(who[held], home[held], a[held], w_end[held])
        got = ~ph_gave_up[k]
        stay(who[got], ph_unit[k], ph_admit[k][got], b[got])
    some = c_out >= 0
    c_in, c_out = c_in[some], c_out[some]
    people.add_bins(0, c_in, c_out)
    b_trial = bins(t_trial[some])
    for si in np.unique(stream_of[some]):
        m = stream_of[some] == si
        _add_status(status, model, sc.stream[si], c_in[m], b_trial[m], c_out[m])
