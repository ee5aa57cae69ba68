"""Released people come back: the re-entry loop.

With a ``[reentry]`` table, everyone a stream releases draws, from a random stream
of their own group (at their arrival index), whether they come back (a uniform
against the stream's share, changed by ``reintegration`` policies acting on their
day of release) and after how long (``time_to_return``). Those who come back
within the run are admitted into the stream they left, as new people with the
stream's paths, and may come back again: one generation at a time, until no one
returns within the run.

Pairing stays exact: two scenarios that agree up to a date D release the same
people before D with the same draws, so the same returns fall before D; the
returns into a stream are in time order, and their own draws are taken by their
index in it (the returns before D are a prefix of both).

People released before the origin come back too, where the run starts from a
stock: a stream admitting ``L`` a day in a steady state before the origin
releases ``L`` a day, so its returns from that past arrive as a Poisson process
of intensity ``share * L * P(X > t)`` at day ``t`` (X the time to return), drawn
per day with the exact expected count of each day (``limited_mean``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import distributions, policies
from .inflow import arrival_times
from .rng import Streams
from .sentencing import People

MAX_GENERATIONS = 10_000
"""A guard: each generation starts later than the one before, so the loop ends."""


def first_share(sc, stream) -> float:
    """The share of a stream's admissions that are first admissions (no re-entry: 1)."""
    return 1.0 if sc.reentry is None else 1.0 - sc.reentry.share_of(stream.name)


def history_rates(model, si: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Day knots and rates per day of the returns of those the stream released
    before the origin, or None (no start stock, or no one comes back)."""
    sc = model.scenario
    stream = sc.stream[si]
    share = sc.reentry.share_of(stream.name)
    if not model.start_stock or share <= 0:
        return None
    admitted = model.rates[si][1][0]  # all admissions a day at the origin
    days = np.arange(model.warmup + model.n_days + 1, dtype=float)
    expected = (
        share * admitted * np.diff(distributions.limited_mean(sc.reentry.time_to_return, days))
    )
    return days, expected


def returns(
    model,
    released: list[tuple[People, int, str]],
    streams: Streams,
    make: Callable[[int, np.ndarray, str], People],
) -> list[tuple[People, int, str]]:
    """Every return within the run, generation by generation: (people, stream
    index, label) per stream and generation. ``released``: the groups whose
    releases may come back, as (people, stream index, label); ``make`` builds a
    stream's people arriving at the given times, drawing with the given prefix."""
    sc = model.scenario
    horizon = float(model.warmup + model.n_days)
    out: list[tuple[People, int, str]] = []
    for si, s in enumerate(sc.stream):  # those released before the origin
        past = history_rates(model, si)
        if past is not None:
            t = arrival_times(*past, streams("reentry", "history", s.name, "arrivals"))
            if t.size:
                out.append((make(si, t, "history"), si, f"history/{s.name}"))
    pending = released + out
    for generation in range(1, MAX_GENERATIONS):
        back: dict[int, list[np.ndarray]] = {}
        for people, si, label in pending:
            t = _comes_back(model, people, si, label, streams)
            if t.size:
                back.setdefault(si, []).append(t)
        pending = []
        for si in sorted(back):
            t = np.sort(np.concatenate(back[si]))
            t = t[t < horizon]
            if t.size:
                prefix = f"return{generation}"
                label = f"{prefix}/{sc.stream[si].name}"
                pending.append((make(si, t, prefix), si, label))
        out += pending
        if not pending:
            return out
    raise RuntimeError("re-entry did not end")  # pragma: no cover: each generation is later


def _comes_back(model, people: People, si: int, label: str, streams: Streams) -> np.ndarray:
    """Return times of those in a group who come back within the run."""
    sc = model.scenario
    stream = sc.stream[si]
    share = sc.reentry.share_of(stream.name)
    n = len(people)
    if share <= 0 or not n:
        return np.empty(0)
    draw = streams("reentry", label, "comes_back").random(n)
    reached = streams("reentry", label, "reached").random(n)
    gap = distributions.sample(sc.reentry.time_to_return, streams("reentry", label, "gap"), n)
    chance = policies.return_shares(sc, stream, share, people.t_end, reached, model.day_of)
    horizon = float(model.warmup + model.n_days)
    back = (draw < chance) & (people.t_end + gap < horizon)
    return people.t_end[back] + gap[back]
