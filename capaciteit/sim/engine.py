"""One replication: streams -> people -> units -> daily counts.

The engine reads no files and prints nothing. The modules of a replication, in
the order it runs them (see ``docs/architecture.md`` and ``docs/model.md``):

1. :mod:`~capaciteit.sim.compile` turns a validated scenario into a
   :class:`~capaciteit.sim.model.Model` once per run (and warns, :mod:`~capaciteit.sim.cautions`);
2. :func:`_everyone` draws everyone who is inside or enters, each decision from
   its own named random stream: the start stock and the call-up list
   (:mod:`~capaciteit.sim.startstock`), arrivals (:mod:`~capaciteit.sim.inflow`),
   their paths under the law (:mod:`~capaciteit.sim.sentencing`,
   :mod:`capaciteit.law.release`), the returns (:mod:`~capaciteit.sim.reentry`),
   and the responses to a shortage (:mod:`~capaciteit.sim.responses`);
3. :func:`run_replication` counts them: where no capacity binds and no end phase
   moves anyone, stocks are counts of stretches binned by day
   (:mod:`~capaciteit.sim.census`); the others meet finite units
   (:mod:`~capaciteit.sim.routing`, :mod:`~capaciteit.sim.wings`).
"""

from __future__ import annotations

import numpy as np

from capaciteit.sim import reentry, responses
from capaciteit.sim.census import Census, _add_status, _with_total
from capaciteit.sim.inflow import arrival_times
from capaciteit.sim.model import Model, _indexed
from capaciteit.sim.people import People, Warp
from capaciteit.sim.rng import Streams
from capaciteit.sim.routing import _capacities, _route
from capaciteit.sim.startstock import _cell_window, _people, _residents, _start_list


def _everyone(
    model: Model,
    streams: Streams,
    labels_out: list[str] | None = None,
    parents_out: list | None = None,
):
    """Residents at the origin and arrivals over the horizon, stream by stream
    (``labels_out`` gets each group's label: its origin and stream;
    ``parents_out`` each group's parents: for a group of returns, each one's
    (group, position) of the release it follows, else None)."""
    sc = model.scenario
    groups: list[People] = []
    of_stream: list[int] = []
    drv = model.drivers
    inflow_index, stay_index = drv.draw(streams) if drv else (None, None)
    warp = _warp(drv.year_starts, stay_index) if drv and stay_index.size else None
    residents = _residents(model, streams, warp) if model.start_stock else [None] * len(sc.stream)
    labels: list[str] = []  # each group's origin and stream: its people's own draws
    firsts: dict[tuple[float, bool], list[float]] = {}  # re-entry's first admissions

    def arriving(si: int, t: np.ndarray, prefix: str) -> People:
        """A stream's people arriving at ``t``, at the stay level of their year."""
        stretch = None
        if drv and stay_index.size:
            year = drv.year_of(t)
            at = np.minimum(np.maximum(year, 0), stay_index.size - 1)  # np.clip's steps
            stretch = np.where(year >= 0, stay_index[at], 1.0)
        return _people(model, si, t, streams, prefix, stretch, warp)

    for si, s in enumerate(sc.stream):
        listed = s.waiting_at_start
        if residents[si] is not None and listed is not None:
            # the scenario's list replaces the residents still waiting at home
            residents[si] = residents[si].take(np.flatnonzero(residents[si].t_adm < 1.0))
        if residents[si] is not None:
            groups.append(residents[si])
            of_stream.append(si)
            labels.append(f"start_stock/{s.name}")
        if listed is not None and listed.count:
            groups.append(_start_list(model, si, streams, warp))
            of_stream.append(si)
            labels.append(f"start_list/{s.name}")
        knots, rates = model.rates[si]
        index = inflow_index if drv and si in drv.indexed and inflow_index.size else None
        if sc.reentry is not None:  # the returns are simulated: first admissions arrive
            share = sc.reentry.share_of(s.name)
            if (share, index is None) not in firsts:  # streams of one share: one sum
                path = None if index is None else [float(x) for x in index.tolist()]
                firsts[share, index is None] = model.loop.first(share, path)
            first = firsts[share, index is None]
            if index is None:
                rates = rates * first[0]
            else:
                knots, rates = _indexed(
                    knots, rates, drv.year_starts, np.array(first[1:]), first[0]
                )
        elif index is not None:
            knots, rates = _indexed(knots, rates, drv.year_starts, index)
        t = arrival_times(knots, rates, streams("inflow", s.name, "arrivals"))
        groups.append(arriving(si, t, "inflow"))
        of_stream.append(si)
        labels.append(f"inflow/{s.name}")
    if sc.court is not None:  # the backlog's cases heard within the run: a wave
        for si, t in _court_arrivals(model, streams):
            groups.append(_people(model, si, t, streams, "court", warp=warp))
            of_stream.append(si)
            labels.append(f"court/{sc.stream[si].name}")
    keep = [k for k, g in enumerate(groups) if len(g)]
    groups, of_stream = [groups[k] for k in keep], [of_stream[k] for k in keep]
    labels = [labels[k] for k in keep]
    if warp is not None:
        _stretch_inside(groups, warp)
    if sc.reentry is not None:  # released people come back, generation by generation

        def back(si: int, t: np.ndarray, prefix: str) -> People:
            g = arriving(si, t, prefix)
            if warp is not None:
                _stretch_inside([g], warp)
            return g

        released = list(zip(groups, of_stream, labels, strict=True))
        parents: list[np.ndarray | None] = [None] * len(groups)
        for g, si, label, parent in reentry.returns(model, released, streams, back):
            groups.append(g)
            of_stream.append(si)
            labels.append(label)
            parents.append(parent)
    else:
        parents = [None] * len(groups)
    decided = (
        responses.apply(model, groups, of_stream, streams, labels, parents) if sc.response else None
    )
    if labels_out is not None:
        labels_out += labels
    if parents_out is not None:
        parents_out += parents
    return groups, np.repeat(of_stream, [len(g) for g in groups]).astype(np.int64), decided


def court_curve(model: Model) -> tuple[np.ndarray, np.ndarray]:
    """Days and the share of the court backlog heard by then (straight lines
    between the scenario's dates, flat before the first and after the last)."""
    curve = model.scenario.court.curve()
    days = np.array([model.day_of(d) for d, _ in curve])
    return days, np.array([x for _, x in curve])


def _court_arrivals(model: Model, streams: Streams):
    """Admissions from backlog cases heard in the run: a Poisson process whose
    intensity is the backlog's hearing rate times the prison share, split over
    the streams by their weights."""
    court = model.scenario.court
    days, share = court_curve(model)
    horizon = float(model.warmup + model.n_days)
    knots = np.union1d(np.clip(days, 0, horizon), [0.0, horizon])
    heard = np.interp(knots, days, share) * court.backlog_cases * court.prison_share
    rates = np.diff(heard) / np.maximum(np.diff(knots), 1e-12)
    total = sum(court.streams.values())
    names = [s.name for s in model.scenario.stream]
    for name, weight in court.streams.items():
        rng = streams("court", name, "arrivals")
        t = arrival_times(knots, rates * weight / total, rng)
        yield names.index(name), t


def _warp(year_starts: np.ndarray, index: np.ndarray) -> Warp:
    """The stretches of the forecast years: at each year start, the year's change
    of the mean stay (the last year start only closes the last year)."""
    ratios = index / np.r_[1.0, index[:-1]]
    return Warp(np.asarray(year_starts[:-1], float), ratios[: len(year_starts) - 1])


def _stretch_inside(groups: list[People], warp: Warp) -> None:
    """At the start of each forecast year, the year's change of the mean stay
    stretches the rest of the stay of everyone inside; those who arrive during
    the year got the year's level when they arrived. The rules already judged
    dates where these stretches put them (:class:`~capaciteit.sim.people.Warp`)."""
    for g in groups:
        g.stretch(warp)


def run_replication(model: Model, seq: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """Simulate one replication; return daily counts per unit (last column: total)."""
    sc = model.scenario
    n_units = len(model.unit_names)
    labels: list[str] = []
    streams = Streams(seq)
    groups, stream_of, decided = _everyone(model, streams, labels)
    units, waits = Census(n_units, model), Census(n_units, model)
    # need a place there and lack one (it is full); the last row, the total: those
    # who lack a cell and are in none (not someone waiting for a wing in a cell)
    unplaced = Census(n_units + 1, model)
    # in a cell after the day they would have left without limits (called up late)
    deferred = Census(n_units + 1, model)
    people = Census(1, model)  # `total` flows: first entry into a cell, last exit
    status = Census(len(model.statuses), model)
    wings = {u for u in model.wing_order}
    parts, part_stream = [], []
    first = np.cumsum([0] + [len(g) for g in groups])[:-1]
    for g, si in zip(groups, stream_of[first].tolist(), strict=True):
        s = sc.stream[si]
        u = model.unit_names.index(s.unit)
        listed = g.t_adm > g.t_event  # self-reporters on the call-up list, waiting at home
        waits.add(u, g.t_event[listed], g.t_adm[listed])
        routed = np.zeros(len(g), bool)
        if u in wings:
            routed[:] = True
        for _pl, who, _a, _b in g.phases:
            routed[who] = True
        # where no capacity binds and no end phase moves anyone, stocks are counts;
        # the others are moved to the last bin here (never reported) and routed
        trial = model.cell[u] and s.path != "stay"
        c_in, c_out, *rest = units.tally(g.t_adm, g.t_end, g.t_trial if trial else None, routed)
        units.add_counts(u, c_in, c_out)
        if model.cell[u]:
            people.add_counts(0, c_in, c_out)
            c_trial = rest[0] if rest else None
            _add_status(status, model, s, None, None, None, (c_in, c_out), c_trial)
        if routed.any():
            parts.append(g.take(np.flatnonzero(routed)))
            part_stream.append(si)
    if parts:
        caps = _capacities(model, decided)
        _route(model, parts, np.asarray(part_stream), units, waits, people, status, caps, unplaced)
    returned = _returned(model, groups, stream_of[first], labels, streams) if sc.reentry else None
    sent = _sent_home(model, groups, stream_of[first])
    if decided is not None:  # the responses counted those sent home from a cell
        keep = ~model.cell[sent[0]]
        sent = (sent[0][keep], sent[1][keep], sent[2][keep])
    if sent[0].size:  # released early by a dated policy: they lack a place too
        unplaced.add(*sent)
        into_cell = model.cell[sent[0]]
        unplaced.add(n_units, sent[1][into_cell], sent[2][into_cell])
    if decided is not None:  # rows: units, and n_units for all cells together
        unplaced.add(*decided[4])
        deferred.add(*decided[5])
    occupancy, admissions, releases = (_with_total(x) for x in units.counts())
    waiting = _with_total(waits.counts()[0])
    occupancy[:, n_units] = occupancy[:, :n_units][:, model.cell].sum(axis=1)
    waiting[:, n_units] = waiting[:, :n_units].sum(axis=1)
    lacking = unplaced.counts()[0].astype(np.int32)
    _, admissions[:, n_units], releases[:, n_units] = (x[:, 0] for x in people.counts())
    out = {
        "occupancy": occupancy,
        "waiting": waiting,
        "unplaced": lacking,
        "admissions": admissions,
        "releases": releases,
        "stock_by_status": status.counts()[0].astype(np.int32),
    }
    if returned is not None:
        stock, entries, _ = returned.counts()
        out["returns"] = _with_total(entries[:, :n_units].copy())
        out["returns"][:, n_units] = entries[:, n_units]
        out["returned_inside"] = stock[:, n_units].astype(np.int32)
    if decided is not None:
        out["deferred"] = deferred.counts()[0].astype(np.int32)
        acted, moved = (x[model.warmup :] for x in decided[:2])
        out["response_acted"] = acted.astype(np.int8)
        out["response_moved"] = moved
        places = np.zeros((model.n_days, n_units + 1), np.int32)
        for k, r in enumerate(sc.response):
            if r.kind == "extra_places":
                u = model.unit_names.index(r.unit)
                places[:, u] += (acted[:, k] * round(r.places)).astype(np.int32)
                if model.cell[u]:
                    places[:, n_units] += (acted[:, k] * round(r.places)).astype(np.int32)
        out["extra_places"] = places
    return out


def _returned(model: Model, groups: list[People], of_stream: np.ndarray, labels, streams):
    """A census of the returns: rows are units (their admission into the stream's
    unit), the last row all cells (their planned time in cells, before any wing
    or response decides). Of those inside or listed at the origin, whose past is
    not simulated, a share drawn from their own stream came in as a return: the
    origin year's share of admissions that were returns, so that the loop's part
    of the stock starts near where it stands."""
    sc = model.scenario
    n_units = len(model.unit_names)
    out = Census(n_units + 1, model)
    for g, si, label in zip(groups, of_stream.tolist(), labels, strict=True):
        u = model.unit_names.index(sc.stream[si].unit)
        if label.startswith(reentry.UNKNOWN_PAST):
            indexed = model.drivers is not None and si in model.drivers.indexed
            share = model.loop.returning(sc.reentry.share_of(sc.stream[si].name), indexed)
            came_back = streams("reentry", label, "was_return").random(len(g)) < share
            g = g.take(np.flatnonzero(came_back))
        elif not reentry.is_return(label):
            continue
        start, end = _cell_window(model, g, u)
        entered = out.count(out.bins(g.t_adm))  # entries only (before the first day: not reported)
        out.add_counts(u, entered, entered)
        inside = np.isfinite(start)
        if not inside.all():
            start, end = start[inside], end[inside]
        out.add(n_units, start, end)
    return out


def _sent_home(model: Model, groups: list[People], streams: np.ndarray):
    """(unit, from, to) of everyone an early-release policy sent home: from the
    day they left to the day the law had (their release before any policy),
    in the unit they left from (an end phase's, or the one they entered)."""
    units, t_in, t_out = [], [], []
    for g, si in zip(groups, streams.tolist(), strict=True):
        if not g.moves:
            continue
        who = np.concatenate([m.who for m in g.moves])
        before = np.concatenate([m.before for m in g.moves])
        who, first = np.unique(who, return_index=True)  # the first move: the law's day
        if not who.size:
            continue
        law, now = before[first], g.t_end[who]
        unit = np.full(who.size, model.unit_names.index(model.scenario.stream[si].unit))
        for pl, pwho, a, b in g.phases:  # leaving from an end phase
            pos = np.minimum(np.searchsorted(who, pwho), who.size - 1)
            hit = (who[pos] == pwho) & (b >= now[pos]) & (a < now[pos])
            unit[pos[hit]] = model.unit_names.index(pl.unit)
        keep = law > now
        units.append(unit[keep])
        t_in.append(now[keep])
        t_out.append(law[keep])
    if not units:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    return np.concatenate(units), np.concatenate(t_in), np.concatenate(t_out)
