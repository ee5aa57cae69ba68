"""Who enters a run, dated under the scenario's rules: new arrivals, the call-up
list at the start, and the people already inside at the origin (the start stock).

The start stock is a stationary M/G/inf start (:func:`_residents`): people drawn
length-biased from a pool of candidates per stream, built once per scenario
(:func:`resident_pools`), judged on the scenario as it stood at the origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capaciteit.scenario import Scenario
from capaciteit.sim import distributions
from capaciteit.sim.model import Model
from capaciteit.sim.people import Draws, People, Warp
from capaciteit.sim.people import concat_people as _concat_people
from capaciteit.sim.rng import Streams
from capaciteit.sim.sentencing import draw, timeline

POOL = 40000
"""Candidates per stream in a scenario's pool of possible residents."""


def _placements(model: Model, stream, sc: Scenario | None = None) -> list:
    if stream.path == "stay":
        return []
    sc = sc or model.scenario
    return [p for p in sc.placement if p.acts_on(stream.name)]


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
    return start, p.cell_exit(model.is_cell)


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
