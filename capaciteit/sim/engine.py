"""One replication: streams -> people -> units -> daily counts.

The engine reads no files and prints nothing (a scenario whose results need
care gets a :class:`~capaciteit.errors.ScenarioWarning`, :func:`cautions`).
:func:`compile_model` turns a validated scenario into day-indexed arrays once;
:func:`run_replication` runs one replication from its seed sequence and
returns plain numpy arrays, which the runner assembles into an ``xarray.Dataset``.

Layers (see ``docs/model.md``):

1. everything exogenous is drawn as arrays, each decision from its own named
   random stream: arrivals (:mod:`inflow`), stays, sentences, v.i. decisions
   and end phases (:mod:`sentencing`), with the law's dates (:mod:`release`);
2. where no capacity binds and no end phase moves anyone, stocks are counts:
   admissions and releases binned by day (:class:`Census`);
3. the others meet finite units (:mod:`wings`), which decide who is admitted
   when, who waits, who overflows or gives up, in the order of the overflow
   graph (:func:`_route`); each stretch they spend in a unit, or waiting for
   one, is counted the same way.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import warnings
from dataclasses import dataclass

import numpy as np

from capaciteit.errors import ScenarioWarning
from capaciteit.scenario import Scenario
from capaciteit.sim import distributions, policies, reentry, responses
from capaciteit.sim.inflow import arrival_times, rate_pieces
from capaciteit.sim.rng import Streams
from capaciteit.sim.sentencing import Draws, People, Warp, draw, timeline
from capaciteit.sim.sentencing import concat_people as _concat_people
from capaciteit.sim.wings import ADMITTED, OVERFLOWED, RENEGED, WAITED, run_wing

FAR_PAST = -1e12
POOL = 40000
"""Candidates per stream in a scenario's pool of possible residents."""
FAR_YEARS = 15
"""A forecast reaching further past its data than this gets a warning (the
back-test scores horizons up to 5 years)."""


@dataclass(frozen=True)
class Drivers:
    """A forecast that each replication draws its own future from: yearly total
    inflow scales the rates of the streams in ``indexed``, and the yearly mean
    stay stretches the durations of new arrivals, both relative to the origin
    year (:meth:`capaciteit.calibrate.reconstruct.Reconstruction.simulate`)."""

    forecaster: object  # forecast.Combination
    indexed: tuple[int, ...]
    year_starts: np.ndarray  # day of 1 October of the origin year, + 1, ... (one past the end)

    def draw(self, streams: Streams) -> tuple[np.ndarray, np.ndarray]:
        """(inflow index, stay index) for each year after the origin year."""
        years = len(self.year_starts) - 1
        if years <= 0:
            return np.ones(0), np.ones(0)
        inflow, stay = self.forecaster.simulate_changes(years, streams("forecast"))
        # math.exp (the C library's), not np.exp: numpy picks a SIMD kernel by CPU
        # (AVX-512 or not) whose last bit can differ, and these factors scale
        # every arrival time and stay of the forecast years
        return (
            np.array([math.exp(v) for v in inflow.tolist()]),
            np.array([math.exp(v) for v in stay.tolist()]),
        )

    def year_of(self, t: np.ndarray) -> np.ndarray:
        """Index into the yearly paths (-1: before the first forecast year)."""
        return np.searchsorted(self.year_starts, t, side="right") - 1


@dataclass(frozen=True)
class Model:
    """A scenario compiled to day-indexed arrays (days from ``origin``)."""

    scenario: Scenario
    origin: dt.date
    warmup: int
    n_days: int
    unit_names: list[str]
    cell: np.ndarray
    cap_knots: list[np.ndarray | None]
    cap_values: list[np.ndarray | None]
    capacity: np.ndarray  # (n_days, n_units + 1): usable places per output day; last: total
    planned: np.ndarray  # places in the capacity plan (before the usable share)
    threshold: np.ndarray  # usable places less the operational margin
    cell_pools: list[str]  # pools of cell units, by name
    pool_of_unit: np.ndarray  # each unit's row in cell_pools (-1: not a cell)
    threshold_pools: np.ndarray  # (cell pools, simulated days): each pool's threshold
    wing_order: list[int]
    rates: list[tuple[np.ndarray, np.ndarray]]
    senb_start: float
    statuses: list[str]
    start_stock: int
    known: Scenario | None = None  # the scenario as it stood at the origin
    resident_pools: list | None = None
    resident_shares: np.ndarray | None = None
    drivers: Drivers | None = None
    loop: reentry.Loop | None = None  # what the re-entry loop knows before a run

    def day_of(self, date: dt.date) -> float:
        return float((date - self.origin).days)

    def output_dates(self) -> np.ndarray:
        start = np.datetime64(self.scenario.scenario.start, "D")
        return start + np.arange(self.n_days)


def compile_model(sc: Scenario, start_stock: int = 0, forecast=None, warn: bool = True) -> Model:
    """Day-indexed arrays of a scenario; ``start_stock`` people present at the
    origin; ``forecast`` a calibration (:class:`~capaciteit.calibrate.calibration.Calibration`)
    whose inflow forecast each replication draws from. ``warn``: issue a
    :class:`~capaciteit.errors.ScenarioWarning` for each of :func:`cautions`."""
    meta = sc.scenario
    origin = meta.start - dt.timedelta(days=meta.warmup_days)

    def day(date: dt.date) -> float:
        return float((date - origin).days)

    n_days = (meta.end - meta.start).days + 1
    names = sc.unit_names()
    cell = np.array([u.occupies_cell for u in sc.unit])
    knots, values = [], []
    out_days = meta.warmup_days + np.arange(n_days)
    capacity = np.full((n_days, len(names) + 1), np.nan)
    planned = np.full((n_days, len(names) + 1), np.nan)
    threshold = np.full((n_days, len(names) + 1), np.nan)
    for i, u in enumerate(sc.unit):
        if u.capacity is None:
            knots.append(None)
            values.append(None)
            continue
        # usable places: the plan (with capacity policies) times the usable share
        plan = policies.add_places(
            *_steps(u.capacity, origin), policies.capacity_changes(sc, u.name, day)
        )
        k, v = _product(plan, _steps(u.usable_share, origin, 1.0))
        knots.append(k)
        values.append(v)
        capacity[:, i] = _at(k, v, out_days)
        planned[:, i] = _at(*plan, out_days)
        threshold[:, i] = capacity[:, i] - _at(*_steps(u.margin, origin, 0.0), out_days)
    for arr in (capacity, planned, threshold):
        arr[:, -1] = arr[:, :-1][:, cell].sum(axis=1) if cell.any() else np.nan
    # each cell pool's shortage threshold on every simulated day (for responses):
    # a response judges "full" in the pool whose places can take its people
    pool_names = [u.pool or u.name for u in sc.unit if u.occupies_cell]
    cell_pools = list(dict.fromkeys(pool_names))
    pool_of_unit = np.array(
        [cell_pools.index(u.pool or u.name) if u.occupies_cell else -1 for u in sc.unit], np.int64
    )
    all_days = np.arange(meta.warmup_days + n_days)
    threshold_pools = np.zeros((len(cell_pools), all_days.size))
    for i, u in enumerate(sc.unit):
        if cell[i]:
            row = threshold_pools[pool_of_unit[i]]
            if knots[i] is None:  # no capacity: never full
                row[:] = np.nan
                continue
            row += _at(knots[i], values[i], all_days) - _at(
                *_steps(u.margin, origin, 0.0), all_days
            )
    order = _wing_order(sc)
    horizon = meta.warmup_days + n_days
    rates = [
        policies.scale_rates(
            *rate_pieces(s.rate_per_year, origin, horizon), policies.rate_factor(sc, s, day)
        )
        for s in sc.stream
    ]
    statuses = ["pre_trial", "sentenced"]
    for s in sc.stream:
        if s.path == "stay":
            st = s.status or "other"
            if st not in statuses:
                statuses.append(st)
    model = Model(
        scenario=sc,
        origin=origin,
        warmup=meta.warmup_days,
        n_days=n_days,
        unit_names=names,
        cell=cell,
        cap_knots=knots,
        cap_values=values,
        capacity=capacity,
        planned=planned,
        threshold=threshold,
        cell_pools=cell_pools,
        pool_of_unit=pool_of_unit,
        threshold_pools=threshold_pools,
        wing_order=order,
        rates=rates,
        senb_start=float((sc.release.senb_start - origin).days),
        statuses=statuses,
        start_stock=int(start_stock),
    )
    if forecast is not None:
        object.__setattr__(model, "drivers", _drivers(model, forecast))
    if sc.reentry is not None:  # the loop's past: the forecast's, or a steady state
        past = starts = None
        lag = 0.0
        if model.drivers is not None:
            year = int(forecast.inflow["year"])
            past = reentry.past_levels(forecast.fitted, year)
            starts = [model.day_of(dt.date(year - 1 - k, 10, 1)) for k in range(len(past))]
            lag = reentry.mean_stay(forecast.fitted, year)
        object.__setattr__(model, "loop", reentry.prepare(model, past, starts, lag))
    if model.start_stock:
        object.__setattr__(model, "known", policies.known_at(sc, origin))
        pools, shares = resident_pools(model)
        object.__setattr__(model, "resident_pools", pools)
        object.__setattr__(model, "resident_shares", shares)
    if warn:
        for where, what in cautions(model):
            warnings.warn(f"{sc.source_file or '<scenario>'}: {where}: {what}", ScenarioWarning, 2)
    return model


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
            if s.path != "stay" and (p.streams is None or s.name in p.streams)
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


def _wing_order(sc: Scenario) -> list[int]:
    """Wings in an order where a unit comes before the unit it overflows to: each
    time the first wing (in file order) that no wing still to come overflows to."""
    names = sc.unit_names()
    wings = [i for i, u in enumerate(sc.unit) if u.when_full is not None]
    target = {i: names.index(sc.unit[i].overflow_to) for i in wings if sc.unit[i].overflow_to}
    feeders = dict.fromkeys(wings, 0)
    for i, t in target.items():
        if t in feeders and t != i:
            feeders[t] += 1
    ready = [i for i in wings if feeders[i] == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        t = target.get(i)
        if t in feeders and t != i:
            feeders[t] -= 1
            if feeders[t] == 0:
                heapq.heappush(ready, t)
    if len(order) != len(wings):  # pragma: no cover - validation rejects overflow loops
        raise ValueError("overflow loop")
    return order


def _steps(table, origin: dt.date, default: float | None = None):
    """Knots (days from origin, the first far in the past) and values of a step table."""
    if table is None:
        return np.array([FAR_PAST]), np.array([default])
    k = np.array([FAR_PAST] + [float((d - origin).days) for d, _ in table[1:]])
    return k, np.array([x for _, x in table], dtype=float)


def _product(a, b):
    """The product of two step functions, as a step function."""
    k = np.union1d(a[0], b[0])
    return k, _at(*a, k) * _at(*b, k)


def _at(knots: np.ndarray, values: np.ndarray, t: np.ndarray) -> np.ndarray:
    return values[np.searchsorted(knots, t, side="right") - 1]


def _drivers(model: Model, cal) -> Drivers:
    """Forecast years run from 1 October to 30 September, as the stock they are
    fitted to is counted on 30 September: year k after the origin (k = 1, 2, ...)
    starts on 1 October of the origin year + k - 1."""
    first = int(cal.inflow["year"])
    last = model.scenario.scenario.end.year
    starts = np.array([model.day_of(dt.date(y, 10, 1)) for y in range(first, last + 2)])
    indexed = tuple(i for i, s in enumerate(model.scenario.stream) if s.inflow_category)
    return Drivers(cal.fitted, indexed, starts)


def _indexed(
    knots: np.ndarray,
    rates: np.ndarray,
    year_starts: np.ndarray,
    index: np.ndarray,
    before: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise rates times a yearly index (``before`` up to the first year start)."""
    inner = year_starts[(year_starts > knots[0]) & (year_starts < knots[-1])]
    k = np.union1d(knots, inner)
    base = rates[np.searchsorted(knots, k[:-1], side="right") - 1]
    year = np.searchsorted(year_starts, k[:-1], side="right") - 1
    factor = np.where(year >= 0, index[np.clip(year, 0, len(index) - 1)], before)
    return k, base * factor


# --------------------------------------------------------------------------- people


def _placements(model: Model, stream, sc: Scenario | None = None) -> list:
    if stream.path == "stay":
        return []
    sc = sc or model.scenario
    return [p for p in sc.placement if p.streams is None or stream.name in p.streams]


def _people(
    model: Model,
    si: int,
    t_event: np.ndarray,
    streams: Streams,
    prefix: str,
    stretch: np.ndarray | None = None,
    warp: Warp | None = None,
) -> People:
    """A stream's people arriving at ``t_event``; ``stretch`` multiplies each one's
    durations (pre-trial, sentence, stay), for a forecast of the mean stay."""
    s = model.scenario.stream[si]
    pl = _placements(model, s)
    d = draw(s, len(t_event), streams, prefix, model.scenario.release, pl)
    if stretch is not None:
        for key in ("pre_trial", "sentence", "stay"):
            if getattr(d, key) is not None:
                setattr(d, key, getattr(d, key) * stretch)
    return _dated(model, si, d, -t_event, streams, prefix, warp, model.scenario)


def _start_list(model: Model, si: int, streams: Streams, warp: Warp | None = None) -> People:
    """The call-up list at the start (``waiting_at_start``): each person has
    waited a uniform share of their own call-up time and is called up at its
    end, from the first day after the origin on, unless a response holds them.
    All of them are waiting at the end of the origin's day."""
    s = model.scenario.stream[si]
    listed = s.waiting_at_start
    n = listed.count
    pl = _placements(model, s)
    d = draw(s, n, streams, "start_list", model.scenario.release, pl)
    if listed.years_to_serve is not None:
        d.sentence = d.sentence * (
            listed.years_to_serve * 365.25 / (n * distributions.mean(s.sentence))
        )
    callup = np.broadcast_to(np.asarray(d.callup, float), (n,))
    waited = streams("start_list", s.name, "waited").random(n) * callup
    t_event = np.maximum(-waited, 1.0 - callup)  # called up on day 1 at the earliest
    return _dated(model, si, d, -t_event, streams, "start_list", warp, model.scenario)


def _cell_window(model: Model, p: People, stream_unit: int) -> tuple[np.ndarray, np.ndarray]:
    """Planned start and end of each person's time in cells (before any wing decides)."""
    start = p.t_adm if model.cell[stream_unit] else np.full(len(p), np.inf)
    end = p.t_end.copy()
    for pl, who, a, _b in p.phases:
        if not model.cell[model.unit_names.index(pl.unit)]:
            end[who] = np.fmin(end[who], a)
    return start, end


@dataclass(frozen=True)
class ResidentPool:
    """Candidate residents of one stream, drawn once per scenario: their draws and
    the cumulative weights of length-biased sampling (their time in the system,
    the longer of the 2008 and the SenB rules')."""

    stream: int
    draws: Draws
    life: np.ndarray
    cdf: np.ndarray


def _pool(model: Model, si: int, streams: Streams, n: int) -> ResidentPool:
    sc = model.scenario
    s = sc.stream[si]
    d = draw(s, n, streams, "resident_pool", sc.release, [])
    if s.path == "stay":
        life = d.stay
    else:
        zero = np.zeros(n)
        life = np.maximum.reduce(
            [
                timeline(s, zero, d, sc.release, model.senb_start, [], model.day_of, f).t_end
                for f in (False, True)
            ]
        )
    cdf = np.cumsum(life)
    return ResidentPool(si, d, life, cdf / cdf[-1])


def _candidates(model: Model, pool: ResidentPool, streams: Streams, prefix: str, k: int, warp=None):
    """``k`` candidate residents drawn length-biased from the pool, each with an age
    uniform within its time in the system: their draws, ages, and whether they are
    still inside and in a cell at the origin. Judged on the scenario as it stood at
    the origin (:func:`~capaciteit.sim.policies.known_at`): who is inside then cannot
    depend on anything a scenario changes later."""
    known = model.known
    s = known.stream[pool.stream]
    r = streams(prefix, s.name, "resample")
    idx = np.minimum(np.searchsorted(pool.cdf, r.random(k)), pool.cdf.size - 1)
    age = r.random(k) * pool.life[idx]
    d = pool.draws.take(idx)
    names = {p.name for p in _placements(model, s)} | {p.name for p in _placements(model, s, known)}
    d.placement = {n: streams(prefix, s.name, "placement", n).random(k) for n in sorted(names)}
    p = _dated(model, pool.stream, d, age, streams, prefix, warp, known)
    c_start, c_end = _cell_window(model, p, model.unit_names.index(s.unit))
    return d, age, p.t_end > 0, (c_start <= 0) & (0 < c_end)


def _dated(model: Model, si: int, d: Draws, age, streams, prefix, warp, sc: Scenario) -> People:
    """Dates under the rules and policies of ``sc`` of people whose event was
    ``age`` days before the origin (residents, the call-up list; new arrivals
    with a negative age)."""
    s = sc.stream[si]
    return timeline(
        s,
        -age,
        d,
        sc.release,
        model.senb_start,
        _placements(model, s, sc),
        model.day_of,
        scenario=sc,
        streams=streams,
        prefix=prefix,
        warp=warp,
    )


def resident_pools(model: Model, n: int = POOL) -> tuple[list[ResidentPool | None], np.ndarray]:
    """Per stream, a pool of candidate residents, and each stream's expected share
    of the start stock in cells: the rate at the origin times the mean time in
    the system times the share of that time spent in a cell. Drawn once per
    scenario from a fixed seed, so that a replication only draws its residents;
    judged on the scenario as it stood at the origin."""
    streams = Streams(np.random.SeedSequence(0))
    pools: list[ResidentPool | None] = []
    weights = np.zeros(len(model.scenario.stream))
    for si in range(len(weights)):
        lam = model.rates[si][1][0]  # per day, at the origin
        if lam <= 0:
            pools.append(None)
            continue
        pool = _pool(model, si, streams, n)
        pools.append(pool)
        in_cell = _candidates(model, pool, streams, "resident_shares", n)[3]
        weights[si] = lam * pool.life.mean() * in_cell.mean()
    if weights.sum() <= 0:
        raise ValueError(
            f"no stream brings anyone into a cell on the first simulated day ({model.origin}), "
            "so no one can make up a start stock"
        )
    return pools, weights / weights.sum()


def _residents(model: Model, streams: Streams, warp: Warp | None = None) -> list[People | None]:
    """People present at the origin, matching ``model.start_stock`` in cells exactly.

    A stationary M/G/inf start: people who arrived at the origin's rate at some
    time in the past and are still inside, drawn length-biased from the
    scenario's pools with an age uniform within their time in the system
    (:func:`_candidates`); those whose real dates make them leave before the
    origin are rejected (exact, because candidates carry the longer of the two
    rule sets' times). The total in cells is set to the start stock, shared among
    streams as :func:`resident_pools` says. Rates before the origin are taken as
    the rate at the origin. Who is chosen depends only on the scenario as it
    stood at the origin; what happens to them after it, on the whole scenario.
    """
    counts = streams("start_stock", "allocation").multinomial(
        model.start_stock, model.resident_shares
    )
    out: list[People | None] = []
    for si, need in enumerate(counts.tolist()):
        if need == 0:
            out.append(None)
            continue
        parts, found = [], 0
        while found < need:
            part = _candidates(
                model,
                model.resident_pools[si],
                streams,
                f"start_stock_{len(parts)}",
                int(1.3 * (need - found)) + 50,
                warp,
            )
            parts.append(part)
            found += int(part[3].sum())
        chosen, left = [], need
        for j, (d, age, present, in_cell) in enumerate(parts):
            cut = int(np.searchsorted(np.cumsum(in_cell), left)) + 1
            keep = np.flatnonzero(present[:cut])
            left -= int(in_cell[:cut].sum())
            if keep.size:
                chosen.append(
                    _dated(
                        model,
                        si,
                        d.take(keep),
                        age[keep],
                        streams,
                        f"start_stock_{j}",
                        warp,
                        model.scenario,
                    )
                )
            if left <= 0:
                break
        out.append(_concat_people(chosen))
    return out


class Census:
    """Daily counts of stretches of time, accumulated with bincounts.

    A stretch ``[t_in, t_out)`` in row ``r`` (a unit, a status) is present at the
    end of day ``d`` when ``floor(t_in) <= d < floor(t_out)``, entered on day
    ``floor(t_in)`` and left on day ``floor(t_out)``. Bins are days shifted by one,
    with bin 0 for "before the first reported day" and the last for "after the
    last", so that counting never needs to filter.
    """

    def __init__(self, rows: int, model: Model):
        self.rows, self.days = rows, model.n_days
        self.width = self.days + 2
        self.lo = float(model.warmup - 1)  # times before this fall in bin 0
        self.enter = np.zeros((rows, self.width), np.int64)
        self.leave = np.zeros((rows, self.width), np.int64)

    def bins(self, t: np.ndarray) -> np.ndarray:
        """Bin of each time: 0 before the first reported day, then one per day."""
        return (np.clip(t, self.lo, self.lo + self.width - 1) - self.lo).astype(np.int64)

    def add(self, row, t_in: np.ndarray, t_out: np.ndarray) -> None:
        """Count stretches (zero-length ones cancel out)."""
        self.add_bins(row, self.bins(t_in), self.bins(t_out))

    def add_bins(self, row, b_in: np.ndarray, b_out: np.ndarray) -> None:
        """Count stretches given as bins; ``row`` is one row or one per stretch."""
        if np.ndim(row) == 0:
            self.add_counts(int(row), self.count(b_in), self.count(b_out))
            return
        base = np.asarray(row, np.int64) * self.width
        n = self.enter.size
        self.enter += np.bincount(base + b_in, minlength=n).reshape(self.enter.shape)
        self.leave += np.bincount(base + b_out, minlength=n).reshape(self.leave.shape)

    def count(self, b: np.ndarray) -> np.ndarray:
        return np.bincount(b, minlength=self.width)

    def add_counts(self, row: int, enter: np.ndarray, leave: np.ndarray) -> None:
        self.enter[row] += enter
        self.leave[row] += leave

    def counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Present at the end of each day, entries and exits per day: (days, rows) each."""
        present = np.cumsum(self.enter - self.leave, axis=1)[:, 1 : self.days + 1]
        inside = slice(1, self.days + 1)
        return present.T, self.enter[:, inside].T, self.leave[:, inside].T


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
            stretch = np.where(year >= 0, stay_index[np.clip(year, 0, stay_index.size - 1)], 1.0)
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
    dates where these stretches put them (:class:`~capaciteit.sim.sentencing.Warp`)."""
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
        b_in, b_out = units.bins(g.t_adm), units.bins(g.t_end)
        if routed.any():
            b_in[routed] = b_out[routed] = units.width - 1
        c_in, c_out = units.count(b_in), units.count(b_out)
        units.add_counts(u, c_in, c_out)
        if model.cell[u]:
            people.add_counts(0, c_in, c_out)
            if s.path == "stay":
                status.add_counts(model.statuses.index(s.status or "other"), c_in, c_out)
            else:  # pre-trial until the trial, sentenced after it
                b_trial = b_in  # no pre-trial stretch on path "sentence"
                if g.t_trial is not g.t_adm:
                    b_trial = units.bins(g.t_trial)
                    b_trial[routed] = units.width - 1
                c_trial = units.count(b_trial)
                status.add_counts(0, c_in, c_trial)
                status.add_counts(1, c_trial, c_out)
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
        out.add(u, g.t_adm, g.t_adm)  # entries only (those before the first day are not reported)
        inside = np.isfinite(start)
        out.add(n_units, start[inside], end[inside])
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


def _add_status(status: Census, model: Model, stream, b_in, b_trial, b_out) -> None:
    """People in cells by legal status: pre-trial until the trial, then sentenced,
    or the status of a stay-path stream (substitute detention, ISD, ...)."""
    if stream.path == "stay":
        status.add_bins(model.statuses.index(stream.status or "other"), b_in, b_out)
        return
    trial = np.minimum(np.maximum(b_trial, b_in), b_out)
    status.add_bins(0, b_in, trial)
    status.add_bins(1, trial, b_out)


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


def _with_total(counts: np.ndarray) -> np.ndarray:
    """(days, units) -> (days, units + 1) int32, the last column to fill."""
    out = np.zeros((counts.shape[0], counts.shape[1] + 1), np.int32)
    out[:, :-1] = counts
    return out
