"""What a compiled scenario's results need care for, said before a run.

Each caution is a :class:`Caution`, where and what: a unit whose own arrivals
would never fill it, a forecast reaching far past its data, people the
responses count in another pool. They are computed from the compiled model and
Little's law, not from a run, so that ``capaciteit validate`` can say them
without simulating.

A caution is data, not a sentence: an English template marked for the
catalogs (``N_``) and its values raw. The command line writes it in English
(:meth:`Caution.text`, Python's own format); the report and the workbook write
it in their language (``capaciteit.outputs.cautions``, gettext and Babel), so
nothing here formats for a reader.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass, field

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


def N_(message: str) -> str:
    """Mark a caution's template for extraction into the outputs' catalogs
    (``python -m capaciteit.outputs.catalogs`` reads this module too)."""
    return message


@dataclass(frozen=True)
class Caution:
    """One caution: ``key``, where in the scenario (its own words, as a
    validation message names it: ``unit 'ta'``, ``policy 'x'.factor``; the same
    in every language); ``message``, an English template with {named} fields;
    ``fields``, their values: numbers and dates raw, names (a unit's, a
    policy's, a pool's) and values to write in the scenario file (``"1.1"``) as
    the scenario writes them.

    The template's format spec says what a field is, for any language: ``,.0f``
    a number rounded to whole ones, ``,g`` or ``g`` a number as it is, ``.0%``
    a share as a percentage, ``%Y-%m-%d`` a date; ``!r`` a name, quoted; a
    field without either is a text shown as it is."""

    key: str
    message: str
    fields: dict[str, object] = field(default_factory=dict)

    def text(self) -> str:
        """The English of the command line: the template filled in by Python."""
        return self.message.format(**self.fields)

    def __str__(self) -> str:
        return f"{self.key}: {self.text()}"

    def to_json(self) -> dict:
        """``{key, message, fields}`` for a JSON file, dates as ISO strings."""
        values = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in self.fields.items()}
        return {"key": self.key, "message": self.message, "fields": values}

    @classmethod
    def from_json(cls, data: dict) -> Caution:
        """The caution :meth:`to_json` wrote (its dates dates again)."""
        values = dict(data.get("fields", {}))
        for name, spec in specs(data["message"]).items():
            if _is_date(spec[0]) and isinstance(values.get(name), str):
                values[name] = dt.date.fromisoformat(values[name])
        return cls(str(data["key"]), str(data["message"]), values)


def specs(template: str) -> dict[str, tuple[str, str | None]]:
    """Each field of a template with its (format spec, conversion)."""
    return {
        name: (spec or "", conversion)
        for _, name, spec, conversion in string.Formatter().parse(template)
        if name
    }


def _is_date(spec: str) -> bool:
    """A strftime spec (``%Y-%m-%d``), not a percentage (``.0%``)."""
    return "%" in spec and not spec.endswith("%")


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


FULL = {
    "wait": N_(
        "its arrivals need about {need:,.0f} places, it has {places:,.0f}: full most of the "
        "run, its waiting list grows"
    ),
    "overflow": N_(
        "its arrivals need about {need:,.0f} places, it has {places:,.0f}: full most of the "
        "run, most go to {overflow_to!r}"
    ),
    None: N_(
        "its arrivals need about {need:,.0f} places, it has {places:,.0f}: no places most of "
        "the run, a shortage every day"
    ),
}
"""A unit its own arrivals fill most of the run, by what it does when full."""


def cautions(model: Model) -> list[Caution]:
    """What a reader of this scenario's results must know, one :class:`Caution`
    each: a unit whose arrivals need more places than it has on most days (a wing
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
        if u.when_full is None and np.mean(places <= 0) <= 0.5:
            continue  # an open unit with places: its shortage is the run's answer
        level = {"need": float(need.mean()), "places": float(places.mean())}
        if u.when_full == "overflow":
            level["overflow_to"] = u.overflow_to
        out.append(Caution(f"unit {u.name!r}", FULL[u.when_full], level))
    out += _implausible(sc)
    dated = [("response", r) for r in sc.response] + [("policy", p) for p in sc.policy]
    for kind, r in dated:  # a date typed for another (2040 for 2030) never acts
        if r.start > sc.scenario.end:
            out.append(
                Caution(
                    f"{kind} {r.name!r}.start",
                    N_("{name!r} starts after the run ends ({end:%Y-%m-%d}): it never acts"),
                    {"name": r.name, "end": sc.scenario.end},
                )
            )
        elif r.end is not None and r.end <= model.origin:  # 2020 typed for 2030
            inside = kind == "policy" and r.kind in RESIDENTS_ONLY
            out.append(
                Caution(
                    f"{kind} {r.name!r}.end", ENDED[inside], {"name": r.name, "first": model.origin}
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
                Caution(
                    "scenario.end",
                    N_(
                        "{years:.0f} years past the data it is built on ({last:%Y-%m-%d}); the "
                        "back-test scores 5 years ahead: read the later years as assumptions, "
                        "not a forecast"
                    ),
                    {"years": years, "last": last},
                )
            )
    return out


RESIDENTS_ONLY = ("sentence_lengths", "early_release")
"""Policies that reach dates of the people inside at the start (a sentence
imposed, a release judged, in their period), so one that ended before the first
simulated day may still change who is inside then; every other policy and
response acts only on days of the run."""
ENDED = {
    False: N_(
        "{name!r} ends on or before the first simulated day ({first:%Y-%m-%d}): it never acts"
    ),
    True: N_(
        "{name!r} ends on or before the first simulated day ({first:%Y-%m-%d}): it can only "
        "change who is inside at the start, and their dates"
    ),
}

NO_COST = {
    True: N_(
        "not given: the {places:,g} places it adds cost nothing in the euros beyond the "
        "occupied days; give it (0 if that is so)"
    ),
    False: N_(
        "not given: the {places:,g} places it takes away cost nothing in the euros beyond the "
        "occupied days; give it (0 if that is so)"
    ),
}
"""A capacity policy without a cost per place, by whether it adds places."""


def _toml(x: float) -> str:
    """A number as one writes it in the scenario file (a value to type, the same
    in every language: 1.1, not a Dutch 1,1)."""
    return f"{x:g}"


def _implausible(sc: Scenario) -> list[Caution]:
    """Values that are valid but most likely not what was meant."""
    out = []
    for p in sc.policy:
        key = f"policy {p.name!r}"
        if p.kind == "capacity" and p.cost_per_place_per_year is None and p.places:
            out.append(
                Caution(
                    f"{key}.cost_per_place_per_year",
                    NO_COST[p.places > 0],
                    {"places": abs(p.places)},
                )
            )
        if p.kind == "inflow" and p.factor > 3:
            out.append(
                Caution(
                    f"{key}.factor",
                    N_("multiplies the inflow by {factor:g}; for +{factor:g}% write {write}"),
                    {"factor": p.factor, "write": _toml(1 + p.factor / 100)},
                )
            )
        if p.kind == "reintegration" and 0 < p.factor < 0.5:
            out.append(
                Caution(
                    f"{key}.factor",
                    N_(
                        "keeps {factor:g} of the returns, a cut of {cut:.0%}; for "
                        "{factor:.0%} fewer returns write {write}"
                    ),
                    {"factor": p.factor, "cut": 1 - p.factor, "write": _toml(1 - p.factor)},
                )
            )
    first_day = sc.scenario.start - dt.timedelta(days=sc.scenario.warmup_days)
    for u in sc.unit:
        table = u.capacity
        if table is not None and len(table) and first_day < table[0][0] != dt.date(1, 1, 1):
            out.append(
                Caution(
                    f"unit {u.name!r}.capacity",
                    N_(
                        "the table starts on {first:%Y-%m-%d}, after the run starts "
                        "({start:%Y-%m-%d}): its first value, {value:,g}, holds before that"
                    ),
                    {"first": table[0][0], "start": first_day, "value": table[0][1]},
                )
            )
    return out


UNSEEN = {
    "turned away": N_(
        "the responses' count of people in cells does not see who {unit!r} turns away"
    ),
    "at home": N_(
        "the responses' count of people in cells does not see those waiting at home for {unit!r}"
    ),
    "elsewhere": N_(
        "the responses' count of people in cells does not see those waiting in {wait_in!r} for "
        "{unit!r}"
    ),
    "stays": N_(
        "the responses' count of people in cells does not see the wait for {unit!r}: its stays "
        "count from admission, so a wait in a cell adds to the time in cells"
    ),
    "end phase": N_(
        "the responses' count of people in cells does not see those waiting for an end phase "
        "in {unit!r}"
    ),
    "pool": N_(
        "the responses count those waiting in {wait_in!r} for {unit!r} in pool {pool!r}, not "
        "in pool {other!r}"
    ),
    "end phase pool": N_(
        "the responses count those waiting for an end phase in {unit!r} in pool {pool!r}, not "
        "in the pool of the cells they wait in"
    ),
}
"""What the responses' count of people in cells misses, by why."""


def _unseen_by_responses(model: Model, demand: np.ndarray) -> list[Caution]:
    """Finite units whose outcomes can change who is in a cell: the responses
    judge "full" on the people in cells as planned, before these units decide,
    so they do not see it (everywhere else their count is the census's, day by
    day: tests/test_responses.py). A unit its own arrivals are expected never to
    fill (demand + 3 sd below its places on every day, occupancy being Poisson
    in M/G/inf) is left out; one reached by overflow or end phases never is."""
    sc, names, out = model.scenario, model.unit_names, []
    in_cell = {n: bool(model.cell[i]) for i, n in enumerate(names)}
    by_name = {u.name: u for u in sc.unit}

    def chain(name: str) -> list[str]:
        """The unit and those it overflows to (validation rules out loops)."""
        out = [name]
        while by_name[out[-1]].when_full == "overflow":
            out.append(by_name[out[-1]].overflow_to)
        return out

    reach = {s.name: chain(s.unit) for s in sc.stream}  # where a stream's people can be

    def pool_of(name: str) -> str:
        return by_name[name].pool or name

    def say(unit: str, why: str, **more: object) -> None:
        out.append(Caution(f"unit {unit!r}", UNSEEN[why], {"unit": unit, **more}))

    for u in model.wing_order:
        unit = sc.unit[u]
        cell, name = in_cell[unit.name], unit.name
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
                say(name, "turned away")
            continue
        held = unit.wait_in is not None and in_cell[unit.wait_in]
        if entries and held != cell:
            if unit.wait_in:
                say(name, "elsewhere", wait_in=unit.wait_in)
            else:
                say(name, "at home")
        elif entries and held and any(s.path == "stay" for s in entries):
            say(name, "stays")
        if any(in_cell[h] != cell for s in phased for h in reach[s.name]):
            say(name, "end phase")
        # a response judges each pool; a wait sits in the cells of another pool
        if not cell:
            continue
        pool = pool_of(unit.name)
        if entries and held and pool_of(unit.wait_in) != pool and (near_full or fed):
            say(name, "pool", wait_in=unit.wait_in, pool=pool, other=pool_of(unit.wait_in))
        homes = {h for s in phased for h in reach[s.name] if in_cell[h]}
        if any(pool_of(h) != pool for h in homes) and (near_full or fed):
            say(name, "end phase pool", pool=pool)
    return out
