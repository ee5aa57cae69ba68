"""Policies that start on a date, applied while a replication runs.

Each policy is data in the scenario (``[[policy]]``, a ``kind`` and its
parameters) and acts where it belongs: on the rates arrivals are drawn from
(``inflow``), on the places of a unit (``capacity``), on the sentences imposed
from its start (``sentence_lengths``), on the release day of those released
from its start (``early_release``; for everyone inside or only for those
admitted from its start), on the chance of coming back of those released from
its start (``reintegration``). They are pure functions of arrays; two scenarios
that differ by a policy share every random number before its start.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from capaciteit.scenario import (
    CapacityChange,
    EarlyRelease,
    InflowChange,
    Reintegration,
    Scenario,
    SentenceLengths,
)
from capaciteit.sim.rng import Streams


def rate_factor(sc: Scenario, stream, day_of) -> list[tuple[float, float, float]]:
    """(start day, end day, factor) of the inflow policies acting on a stream."""
    out = []
    for p in sc.policy:
        if isinstance(p, InflowChange) and p.acts_on(stream.name):
            end = day_of(p.end) if p.end else np.inf
            out.append((day_of(p.start), end, p.factor))
    return out


def scale_rates(knots: np.ndarray, rates: np.ndarray, changes) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise rates times each change's factor over its [start, end)."""
    for start, end, factor in changes:
        cut = [x for x in (start, end) if knots[0] < x < knots[-1]]
        k = np.union1d(knots, cut)
        base = rates[np.searchsorted(knots, k[:-1], side="right") - 1]
        inside = (k[:-1] >= start) & (k[:-1] < end)
        knots, rates = k, np.where(inside, base * factor, base)
    return knots, rates


def return_shares(
    sc: Scenario, stream, base: float, released: np.ndarray, reached: np.ndarray, day_of
) -> np.ndarray:
    """Each released person's chance of coming back: the stream's share, times the
    factor of each reintegration policy acting on their day of release, for those
    it reaches (``reached`` below its share: one uniform per person, so a policy
    reaching fewer reaches a subset of those a wider one reaches)."""
    p = np.full(released.size, float(base))
    for pol in sc.policy:
        if isinstance(pol, Reintegration) and pol.acts_on(stream.name):
            end = day_of(pol.end) if pol.end else np.inf
            on = (released >= day_of(pol.start)) & (released < end) & (reached < pol.share)
            p = np.where(on, p * pol.factor, p)
    return np.minimum(p, 1.0)


def capacity_changes(sc: Scenario, unit: str, day_of) -> list[tuple[float, float, float]]:
    """(start day, end day, places) of the capacity policies on a unit."""
    return [
        (day_of(p.start), day_of(p.end) if p.end else np.inf, p.places)
        for p in sc.policy
        if isinstance(p, CapacityChange) and p.unit == unit
    ]


def add_places(knots: np.ndarray, values: np.ndarray, changes):
    """A capacity step function with places added over each [start, end)."""
    for start, end, places in changes:
        cut = [x for x in (start, end) if x > knots[0] and np.isfinite(x)]
        k = np.union1d(knots, cut)
        base = values[np.searchsorted(knots, k, side="right") - 1]
        inside = (k >= start) & (k < end)
        knots, values = k, np.maximum(np.where(inside, base + places, base), 0.0)
    return knots, values


def known_at(sc: Scenario, day: dt.date) -> Scenario:
    """The scenario as it stood on ``day``: each stream's rate its value that day,
    no policy or end phase that starts after it, and no end after it of one that
    had started (a policy's ``end``, an end phase's ``until``: on the day, they
    held; :func:`placements_as_of`). Responses act on the run only, so they stay.

    What is drawn or fitted at the origin (the start stock, the calibration)
    depends on this only, so two scenarios that agree up to a later date share it
    exactly: their replications are identical until that date."""
    from capaciteit.scenario import parse_scenario

    data = sc.to_data()
    for s, raw in zip(sc.stream, data["stream"], strict=True):
        raw["rate_per_year"] = s.rate_per_year.value_at(day)
    data["policy"] = dated_as_of(sc.policy, data.get("policy", []), day, [], [], "policy")
    data["placement"] = placements_as_of(sc, data.get("placement", []), day, [], [])
    out = parse_scenario(data, sc.source_file or "<scenario>")
    return out.model_copy(update={"content_hash": sc.content_hash})


def dated_as_of(
    items: list, raws: list[dict], day: dt.date, kept: list[str], dropped: list[str], key: str
) -> list[dict]:
    """Policies or responses as they stood on ``day``: one that starts later is
    dropped; one that ends later acts on (its end was set later: on the day, it
    held). ``kept`` and ``dropped`` collect what was done, by name."""
    out = []
    for p, raw in zip(items, raws, strict=True):
        if p.start > day:
            dropped.append(f"{key} {p.name} {p.start}")
            continue
        kept.append(f"{key} {p.name} {p.start}")
        if p.end is not None and p.end > day:
            raw.pop("end")
            dropped.append(f"{key} {p.name}.end {p.end}")
        out.append(raw)
    return out


def placements_as_of(
    base: Scenario, raws: list[dict], origin: dt.date, kept: list[str], dropped: list[str]
) -> list[dict]:
    """The end phases as they stood on ``origin``: one that starts later is
    dropped; one whose rules end later (``until``, with its transition) keeps
    them; one that replaces such rules (``instead_of``) is dropped, since it
    would apply to nobody. ``kept`` and ``dropped`` collect what was done, by
    name (:func:`capaciteit.run.backtest.as_of`)."""
    out, gone = [], set()
    for p, raw in zip(base.placement, raws, strict=True):
        if p.from_ is not None and p.from_ > origin:
            dropped.append(f"placement {p.name} {p.from_}")
            gone.add(p.name)
            continue
        if p.from_ is not None:
            kept.append(f"placement {p.name} {p.from_}")
        tr = p.transition
        # its rules end on the day after `until`; the transition is part of that change
        if (p.until is not None and p.until >= origin) or (tr is not None and tr.date > origin):
            raw.pop("until", None)
            raw.pop("transition", None)
            end = f"until {p.until}" if p.until is not None else f"transition {tr.date}"
            dropped.append(f"placement {p.name}.{end}")
        else:
            if p.until is not None:
                kept.append(f"placement {p.name}.until {p.until}")
            last = tr.phase_start_until if tr is not None else None
            if last is not None and last > origin:  # the transition had not ended
                raw["transition"].pop("phase_start_until")
                dropped.append(f"placement {p.name}.transition.phase_start_until {last}")
        out.append(raw)
    by_name = {raw["name"]: raw for raw in out}
    final = []
    for raw in out:
        other = raw.get("instead_of")
        if other in gone:  # the rules it replaced had not started: it holds for all
            raw.pop("instead_of")
        elif other is not None and not {"from", "until", "transition"} & set(by_name[other]):
            # the rules it replaces keep everyone on the origin's day
            dropped.append(f"placement {raw['name']} (instead of {other})")
            continue
        final.append(raw)
    return final


class Unwarped:
    """``at(c)`` when no forecast stretches stays: a policy's day is its own, for
    everyone (``among`` any of them: the same)."""

    def __call__(self, c):
        return c

    def among(self, who) -> Unwarped:
        return self


unwarped = Unwarped()


def sentence_factor(
    sc: Scenario, stream, sentence: np.ndarray, t_sentence: np.ndarray, day_of, at=unwarped
) -> np.ndarray:
    """Sentences (days, as drawn) after the sentence-length policies: those in a
    policy's class imposed in its period are multiplied by its factor. ``at(c)``
    is the day (per person) that the forecast's stay changes will move to day
    ``c`` (:meth:`~capaciteit.sim.people.Warp.judge`)."""
    out = sentence
    for p in sc.policy:
        if isinstance(p, SentenceLengths) and p.acts_on(stream.name):
            end = at(day_of(p.end)) if p.end else np.inf
            hit = (t_sentence >= at(day_of(p.start))) & (t_sentence < end)
            hit &= sentence >= p.min_sentence_days
            if p.max_sentence_days is not None:
                hit &= sentence <= p.max_sentence_days
            out = np.where(hit, out * p.factor, out)
    return out


def early_release(
    sc: Scenario,
    stream,
    t_adm: np.ndarray,
    t_end: np.ndarray,
    earliest: np.ndarray,
    sentence: np.ndarray,
    streams: Streams | None,
    prefix: str,
    day_of,
    at=unwarped,
):
    """Release days after the early-release policies (never before ``earliest``),
    one policy at a time: for each policy acting on the stream, (its day, who it
    moved, everyone's release days after it).

    ``at(c)`` is the day (per person) that the forecast's stay changes will move
    to day ``c``: the policy's dates are compared with where the release will
    end up (:meth:`~capaciteit.sim.people.Warp.judge`)."""
    out = t_end
    for p in sc.policy:
        if not (isinstance(p, EarlyRelease) and p.acts_on(stream.name)) or streams is None:
            continue
        start = at(day_of(p.start))
        end = at(day_of(p.end)) if p.end else np.inf
        due = (sentence > 0) & (out >= start) & (out < end)
        if p.max_sentence_days is not None:
            due &= sentence <= p.max_sentence_days
        if p.applies_to == "new_admissions":
            due &= t_adm >= start
        u = streams(prefix, stream.name, "policy", p.name).random(len(out))
        due &= u < p.share
        # never before the policy's start or the earliest possible day
        new = np.maximum(np.maximum(out - p.days, start), earliest)
        moved = np.where(due, np.minimum(out, new), out)
        yield day_of(p.start), np.flatnonzero(moved < out), moved
        out = moved
