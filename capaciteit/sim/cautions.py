"""What a compiled scenario's results need care for, said before a run.

Each caution is (where, what): a unit whose own arrivals would never fill it, a
forecast reaching far past its data, people the responses count in another
pool. They are computed from the compiled model and Little's law, not from a
run, so that ``capaciteit validate`` can say them without simulating.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from capaciteit.scenario import Scenario
from capaciteit.sim import distributions
from capaciteit.sim.model import Model, _at
from capaciteit.sim.rng import Streams
from capaciteit.sim.sentencing import draw, timeline
from capaciteit.sim.startstock import _placements

FAR_YEARS = 15
"""A forecast reaching further past its data than this gets a warning (the
back-test scores horizons up to 5 years)."""


def expected_demand(model: Model, n: int = 2000) -> np.ndarray:
    """(reported days, units): the people each unit's own arrivals would keep
    there on each day were it never full, by Little's law: each stream's rate
    that day times its people's mean time in the unit (exact for a stay, from
    ``n`` drawn people for the law's paths, with their end phases in the units
    they are in, planned as on the origin's day; overflow ignored)."""
    sc = model.scenario
    days = model.warmup + np.arange(model.n_days)
    out = np.zeros((model.n_days, len(model.unit_names)))
    streams = Streams(np.random.SeedSequence(0))
    for si, s in enumerate(sc.stream):
        knots, rates = model.rates[si]
        rate = _at(knots, rates, days)
        if not rate.any():
            continue
        u = model.unit_names.index(s.unit)
        if s.path == "stay":
            out[:, u] += rate * distributions.mean(s.stay)
            continue
        pl = _placements(model, s)
        d = draw(s, n, streams, "demand", sc.release, pl)
        p = timeline(s, np.zeros(n), d, sc.release, model.senb_start, pl, model.day_of)
        total = float(np.sum(p.t_end - p.t_adm))
        for place, _who, a, b in p.phases:
            spent = float(np.sum(b - a))
            out[:, model.unit_names.index(place.unit)] += rate * spent / n
            total -= spent
        out[:, u] += rate * total / n
    return out


def cautions(model: Model) -> list[tuple[str, str]]:
    """What a reader of this scenario's results must know, as (key path, text):
    a unit whose arrivals need more places than it has on most days (a wing
    that is full all the run, an open unit with no places), and a forecast that
    reaches far past the data it is built on."""
    sc = model.scenario
    out = []
    demand = None
    for i, u in enumerate(sc.unit):
        if model.cap_knots[i] is None:
            continue
        if demand is None:
            demand = expected_demand(model)
        places, need = model.capacity[:, i], demand[:, i]
        if not need.any() or np.mean(need > places) <= 0.5:
            continue
        level = f"its arrivals need about {need.mean():,.0f} places, it has {places.mean():,.0f}"
        if u.when_full == "wait":
            out.append(
                (f"unit {u.name!r}", f"{level}: full most of the run, its waiting list grows")
            )
        elif u.when_full == "overflow":
            out.append(
                (f"unit {u.name!r}", f"{level}: full most of the run, most go to {u.overflow_to!r}")
            )
        elif np.mean(places <= 0) > 0.5:
            out.append(
                (f"unit {u.name!r}", f"{level}: no places most of the run, a shortage every day")
            )
    out += _implausible(sc)
    dated = [("response", r) for r in sc.response] + [("policy", p) for p in sc.policy]
    for kind, r in dated:  # a date typed for another (2040 for 2030) never acts
        if r.start > sc.scenario.end:
            out.append(
                (
                    f"{kind} {r.name!r}.start",
                    f"{r.name!r} starts after the run ends ({sc.scenario.end}): it never acts",
                )
            )
    if sc.response and model.wing_order:
        out += _unseen_by_responses(model, expected_demand(model) if demand is None else demand)
    meta = sc.scenario
    if sc.inflow.calibrate or meta.start_stock == "observed":
        last = sc.forecast.origin or meta.start
        years = (meta.end - last).days / 365.25
        if years > FAR_YEARS:
            out.append(
                (
                    "scenario.end",
                    f"{years:.0f} years past the data it is built on ({last}); the back-test "
                    "scores 5 years ahead: read the later years as assumptions, not a forecast",
                )
            )
    return out


def _implausible(sc: Scenario) -> list[tuple[str, str]]:
    """Values that are valid but most likely not what was meant."""
    out = []
    for p in sc.policy:
        if p.kind == "capacity" and p.cost_per_place_per_year is None and p.places:
            out.append(
                (
                    f"policy {p.name!r}.cost_per_place_per_year",
                    f"not given: the {abs(p.places):,g} places it "
                    f"{'adds' if p.places > 0 else 'takes away'} cost nothing in the euros "
                    "beyond the occupied days; give it (0 if that is so)",
                )
            )
        if p.kind == "inflow" and p.factor > 3:
            out.append(
                (
                    f"policy {p.name!r}.factor",
                    f"multiplies the inflow by {p.factor:g}; for +{p.factor:g}% write "
                    f"{1 + p.factor / 100:g}",
                )
            )
        if p.kind == "reintegration" and 0 < p.factor < 0.5:
            out.append(
                (
                    f"policy {p.name!r}.factor",
                    f"keeps {p.factor:g} of the returns, a cut of {1 - p.factor:.0%}; for "
                    f"{p.factor:.0%} fewer returns write {1 - p.factor:g}",
                )
            )
    first_day = sc.scenario.start - dt.timedelta(days=sc.scenario.warmup_days)
    for u in sc.unit:
        table = u.capacity
        if table is not None and len(table) and first_day < table[0][0] != dt.date(1, 1, 1):
            out.append(
                (
                    f"unit {u.name!r}.capacity",
                    f"the table starts on {table[0][0]}, after the run starts ({first_day}): "
                    f"its first value, {table[0][1]:,g}, holds before that",
                )
            )
    return out


def _unseen_by_responses(model: Model, demand: np.ndarray) -> list[tuple[str, str]]:
    """Finite units whose outcomes can change who is in a cell: the responses
    judge "full" on the people in cells as planned, before these units decide,
    so they do not see it (everywhere else their count is the census's, day by
    day: tests/test_responses.py). A unit its own arrivals are expected never to
    fill (demand + 3 sd below its places on every day, occupancy being Poisson
    in M/G/inf) is left out; one reached by overflow or end phases never is."""
    sc, names, out = model.scenario, model.unit_names, []
    in_cell = {n: bool(model.cell[i]) for i, n in enumerate(names)}
    by_name = {u.name: u for u in sc.unit}
    seen = "the responses' count of people in cells does not see"

    def chain(name: str) -> list[str]:
        """The unit and those it overflows to (validation rules out loops)."""
        out = [name]
        while by_name[out[-1]].when_full == "overflow":
            out.append(by_name[out[-1]].overflow_to)
        return out

    reach = {s.name: chain(s.unit) for s in sc.stream}  # where a stream's people can be

    def pool_of(name: str) -> str:
        return by_name[name].pool or name

    for u in model.wing_order:
        unit = sc.unit[u]
        cell, key = in_cell[unit.name], f"unit {unit.name!r}"
        direct = [s for s in sc.stream if s.unit == unit.name]
        fed = [s for s in sc.stream if s.unit != unit.name and unit.name in reach[s.name]]
        phased = [
            s
            for p in sc.placement
            if p.unit == unit.name
            for s in sc.stream
            if s.path != "stay" and p.acts_on(s.name)
        ]
        need = demand[:, u]
        near_full = bool((need + 3 * np.sqrt(need) >= model.capacity[:, u]).any())
        if not fed and not phased and not near_full:
            continue  # never near full
        entries = direct + fed
        if unit.when_full == "overflow":
            if entries and in_cell[unit.overflow_to] != cell:
                out.append((key, f"{seen} who {unit.name!r} turns away"))
            continue
        held = unit.wait_in is not None and in_cell[unit.wait_in]
        if entries and held != cell:
            where = f"in {unit.wait_in!r}" if unit.wait_in else "at home"
            out.append((key, f"{seen} those waiting {where} for {unit.name!r}"))
        elif entries and held and any(s.path == "stay" for s in entries):
            out.append(
                (
                    key,
                    f"{seen} the wait for {unit.name!r}: its stays count from admission, "
                    "so a wait in a cell adds to the time in cells",
                )
            )
        if any(in_cell[h] != cell for s in phased for h in reach[s.name]):
            out.append((key, f"{seen} those waiting for an end phase in {unit.name!r}"))
        # a response judges each pool; a wait sits in the cells of another pool
        if not cell:
            continue
        pool = pool_of(unit.name)
        if entries and held and pool_of(unit.wait_in) != pool and (near_full or fed):
            out.append(
                (
                    key,
                    f"the responses count those waiting in {unit.wait_in!r} for "
                    f"{unit.name!r} in pool {pool!r}, not in pool {pool_of(unit.wait_in)!r}",
                )
            )
        homes = {h for s in phased for h in reach[s.name] if in_cell[h]}
        if any(pool_of(h) != pool for h in homes) and (near_full or fed):
            out.append(
                (
                    key,
                    f"the responses count those waiting for an end phase in {unit.name!r} "
                    f"in pool {pool!r}, not in the pool of the cells they wait in",
                )
            )
    return out
