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
stock: their releases (the calibrated reconstruction's admissions of each year
before the origin, a mean stay later, or a steady state at the origin's rate)
bring back a Poisson process of returns, drawn per day with the expected count
of each day (``limited_mean``). With a calibrated forecast of yearly total
admissions, first admissions are the total less the returns expected from
earlier years (:func:`first_multipliers`), so the totals stay the forecast's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from capaciteit.sim import distributions, jit, policies
from capaciteit.sim.inflow import arrival_times
from capaciteit.sim.people import People
from capaciteit.sim.rng import Streams

PAST, RETURN = "history", "return"
"""The random stream of the returns of those released before the origin, and the
label prefix of each generation's group of returns (``return1/<stream>``, ...;
the first generation holds those of the past too)."""
UNKNOWN_PAST = ("start_stock/", "start_list/")
"""Groups inside or listed at the origin, whose earlier admissions are not simulated."""

MAX_GENERATIONS = 10_000
"""A guard: each generation starts later than the one before, so the loop ends."""


@dataclass(frozen=True)
class Loop:
    """What a compiled model knows of its loop before any replication: the yearly
    time profile of returns, the past's admissions (newest first, the origin
    year's 1; None: a steady state) and, per stream, the day knots and rates of
    the returns of those released before the origin (None: none)."""

    profile: list[float]
    past: list[float] | None
    history: list[tuple[np.ndarray, np.ndarray] | None]

    def first(self, share: float, path: list[float] | None = None) -> list[float]:
        """First admissions over the origin year's admissions: the origin year's,
        then each forecast year's, for a stream whose totals follow ``path`` (the
        forecast's yearly totals) and the past's; without a path, a stream in a
        steady state (``1 - share``)."""
        if path is None or self.past is None:
            return [1.0 - share]
        return first_multipliers(share, self.past, path, self.profile)

    def returning(self, share: float, indexed: bool) -> float:
        """The origin year's share of admissions that were returns (of a stream
        whose totals follow the forecast, ``indexed``, or in a steady state)."""
        return 1.0 - self.first(share, [] if indexed else None)[0]


def prepare(
    model, past: list[float] | None = None, past_starts: list[float] | None = None, lag: float = 0.0
) -> Loop:
    """The loop of a compiled model. ``past``: the yearly admissions before the
    origin (newest first, the origin year's 1) and ``past_starts`` the day each
    of those years began (the last: the oldest's; a steady state before it);
    ``lag``: days from admission to release, for the yearly profile."""
    sc = model.scenario
    spec = sc.reentry.time_to_return
    horizon = model.warmup + model.n_days
    days = np.arange(horizon + 1, dtype=float)
    history: list[tuple[np.ndarray, np.ndarray] | None] = []
    per_release: dict[bool, np.ndarray] = {}  # the same for every stream of a kind
    for si, stream in enumerate(sc.stream):
        share = sc.reentry.share_of(stream.name)
        if not model.start_stock or share <= 0:
            history.append(None)
            continue
        admitted = model.rates[si][1][0]  # all admissions a day at the origin
        indexed = past is not None and model.drivers is not None and si in model.drivers.indexed
        if indexed not in per_release:
            levels, starts = (past, [x + lag for x in past_starts]) if indexed else ([1.0], [0.0])
            per_release[indexed] = _released_before(spec, days, levels, starts)
        history.append((days, share * admitted * per_release[indexed]))
    return Loop(year_profile(spec, lag=lag), past, history)


def _released_before(
    spec, days: np.ndarray, levels: list[float], starts: list[float]
) -> np.ndarray:
    """Expected returns on each day from ``days[i]`` to ``days[i + 1]`` of releases
    before day 0 at ``levels[k]`` a day from ``starts[k]`` (newest first) to the
    next newer start (the newest to day 0), and at the oldest level before the
    oldest start: releases at rate 1 over [a, b) bring back
    ``LM(t1 - b) - LM(t0 - b) - LM(t1 - a) + LM(t0 - a)`` in [t0, t1), with LM
    the mean of min(X, t) (:func:`~capaciteit.sim.distributions.limited_mean`)."""

    cumulative: dict[float, np.ndarray] = {}  # returns by each day of releases before b

    def before(b: float) -> np.ndarray:  # each boundary once: a year's start ends the next
        if b not in cumulative:
            cumulative[b] = distributions.limited_mean(spec, days - b)
        return cumulative[b]

    ends = [0.0] + [min(x, 0.0) for x in starts[:-1]]
    total = np.zeros(days.size)
    for level, a, b in zip(levels, starts, ends, strict=True):
        a = min(a, 0.0)
        if a < b:
            total += level * (before(b) - before(a))
    total += levels[-1] * before(min(starts[-1], 0.0))
    return np.diff(total)


def is_return(label: str) -> bool:
    """Whether a group (by its label) is one of returns."""
    return label.startswith(RETURN)


def returns(
    model,
    released: list[tuple[People, int, str]],
    streams: Streams,
    make: Callable[[int, np.ndarray, str], People],
) -> list[tuple[People, int, str, np.ndarray]]:
    """Every return within the run, generation by generation: (people, stream
    index, label, parent) per stream and generation. ``released``: the groups
    whose releases may come back, as (people, stream index, label); ``make``
    builds a stream's people arriving at the given times, drawing with the given
    prefix. ``parent``: each return's (group, position) of the release it
    follows, groups numbered as ``released`` then the returns in this order
    (-1, -1: released before the origin)."""
    sc = model.scenario
    horizon = float(model.warmup + model.n_days)
    out: list[tuple[People, int, str, np.ndarray]] = []
    # those released before the origin come back with the first generation: the
    # returns into a stream are one group per generation, in time order
    back: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    for si, s in enumerate(sc.stream):
        past = model.loop.history[si]
        if past is not None:
            t = arrival_times(*past, streams("reentry", PAST, s.name, "arrivals"))
            back[si] = [(t, np.full((t.size, 2), -1, np.int64))]
    pending = [(g, si, label, k) for k, (g, si, label) in enumerate(released)]
    numbered = len(released)
    for generation in range(1, MAX_GENERATIONS):
        for people, si, label, k in pending:
            who, t = _comes_back(model, people, si, label, streams)
            if t.size:
                parent = np.empty((who.size, 2), np.int64)
                parent[:, 0], parent[:, 1] = k, who
                back.setdefault(si, []).append((t, parent))
        pending = []
        for si in sorted(back):
            t = np.concatenate([x[0] for x in back[si]])
            parent = np.concatenate([x[1] for x in back[si]])
            order = time_order(t)
            t, parent = t[order], parent[order]
            keep = int(np.searchsorted(t, horizon))  # those before the run's end: a prefix
            t, parent = t[:keep], parent[:keep]
            if t.size:
                prefix = f"{RETURN}{generation}"
                label = f"{prefix}/{sc.stream[si].name}"
                pending.append((make(si, t, prefix), si, label, numbered))
                out.append((pending[-1][0], si, label, parent))
                numbered += 1
        back = {}
        if not pending:
            return out
    raise RuntimeError("re-entry did not end")  # pragma: no cover: each generation is later


def time_order(t: np.ndarray) -> np.ndarray:
    """``np.argsort(t, kind="stable")``: the returns' order, which sets whose
    draws are whose. Compiled where numba is, as a bucket sort that gives the
    same permutation by construction (:func:`_bucket_order`)."""
    loop = _order_loop()
    if loop is None or t.size < 2 or not np.isfinite(t).all():
        return np.argsort(t, kind="stable")
    return loop(t)


def _bucket_order(t: np.ndarray) -> np.ndarray:
    """The stable order of finite ``t``: ``int((t - lo) * scale)`` never
    decreases as ``t`` grows (each step is monotone in IEEE arithmetic), so
    bucketing, in input order, puts every pair that ``t`` orders in that order;
    each bucket is then sorted in place, ties kept in input order (an insertion
    sort, or numba's merge sort for a large bucket: stable, as numpy's, which
    ``tests/test_exact.py`` checks on a crowded bucket with ties). The same
    permutation as numpy's stable sort, in about n steps for times spread over
    the run (replication 0 of seed 1: 9 returns in its largest bucket)."""
    n = t.size
    lo, hi = t.min(), t.max()
    span = hi - lo
    scale = (n - 1) / span if 0.0 < span < np.inf else 0.0
    if not scale < np.inf:  # a span too small to divide by: one bucket
        scale = 0.0
    start = np.zeros(n + 1, np.int64)
    bucket = np.empty(n, np.int64)
    for i in range(n):
        k = min(int((t[i] - lo) * scale), n - 1) if scale > 0.0 else 0
        bucket[i] = k
        start[k + 1] += 1
    for k in range(n):
        start[k + 1] += start[k]
    order = np.empty(n, np.int64)
    fill = start[:-1].copy()
    for i in range(n):
        order[fill[bucket[i]]] = i
        fill[bucket[i]] += 1
    for k in range(n):
        a, b = start[k], start[k + 1]
        if b - a > 32:
            order[a:b] = order[a:b][np.argsort(t[order[a:b]], kind="mergesort")]
            continue
        for j in range(a + 1, b):
            i = order[j]
            x = t[i]
            m = j
            while m > a and t[order[m - 1]] > x:
                order[m] = order[m - 1]
                m -= 1
            order[m] = i
    return order


_order_loop = jit.loop(_bucket_order)
"""The compiled :func:`_bucket_order`, or None without numba (on first use)."""


def _comes_back(
    model, people: People, si: int, label: str, streams: Streams
) -> tuple[np.ndarray, np.ndarray]:
    """Positions in a group and return times of those who come back within the run."""
    sc = model.scenario
    stream = sc.stream[si]
    share = sc.reentry.share_of(stream.name)
    n = len(people)
    if share <= 0 or not n:
        return np.empty(0, np.int64), np.empty(0)
    draw = streams("reentry", label, "comes_back").random(n)
    reached = streams("reentry", label, "reached").random(n)
    gap = distributions.sample(sc.reentry.time_to_return, streams("reentry", label, "gap"), n)
    chance = policies.return_shares(sc, stream, share, people.t_end, reached, model.day_of)
    horizon = float(model.warmup + model.n_days)
    back = np.flatnonzero((draw < chance) & (people.t_end + gap < horizon))
    return back, people.t_end[back] + gap[back]


# ------------------------------------------------------------- the forecast's totals
#
# A calibrated forecast draws each replication's yearly total admissions (an
# index, 1 in the origin year). With re-entry, the totals stay the forecast's:
# first admissions are the total less the returns expected from the releases of
# earlier years, the past's from the reconstruction's inflow, the forecast's from
# the drawn path. Releases are taken as the admissions of the same year (the
# mean stay is months). All in plain floats in a fixed order (math, not numpy's
# SIMD kernels): these factors scale arrival rates, the same on every machine.


def year_profile(spec, years: int = 60, lag: float = 0.0) -> list[float]:
    """``G[k]``: the chance that a return falls ``k`` years after the year of the
    admission it follows, for admissions spread evenly over their year and
    released ``lag`` days later (the second difference of the integral of the
    CDF; ``G[-1]`` holds the rest)."""
    day = 365.25
    edges = np.maximum(np.arange(years + 2, dtype=float) * day - lag, 0.0)
    lm = distributions.limited_mean(spec, edges).tolist()
    cdf_area = [(x - m) / day for x, m in zip(edges.tolist(), lm, strict=True)]
    g = [cdf_area[1]]  # k = 0: released and back within the same year
    g += [cdf_area[k + 1] - 2 * cdf_area[k] + cdf_area[k - 1] for k in range(1, years + 1)]
    g[-1] = 1.0 - math.fsum(g[:-1])
    return g


def mean_stay(combination, year: int) -> float:
    """The mean stay in days in ``year``: the candidates' reconstructions, weighted."""
    logs = []
    for name, w in combination.weights.items():
        rec = combination.fits[name]
        logs.append(w * float(rec.log_stay[int(np.searchsorted(rec.years, year))]))
    return math.exp(math.fsum(logs)) * 365.25


def past_levels(combination, origin_year: int) -> list[float]:
    """Total admissions of the origin year and the years before it (newest first),
    over the origin year's: the candidates' reconstructions, weighted as the
    forecast weighs them."""
    out = []
    first = max(int(r.years[0]) for r in combination.fits.values())
    for year in range(origin_year, first - 1, -1):
        logs = []
        for name, w in combination.weights.items():
            rec = combination.fits[name]
            i, j = (
                int(np.searchsorted(rec.years, year)),
                int(np.searchsorted(rec.years, origin_year)),
            )
            logs.append(w * (float(rec.log_inflow[i]) - float(rec.log_inflow[j])))
        out.append(math.exp(math.fsum(logs)))
    return out


def first_multipliers(
    share: float, past: list[float], path: list[float], g: list[float]
) -> list[float]:
    """First admissions of the origin year and each forecast year over the origin
    year's total admissions: the year's total (1, then the path) less ``share``
    times the returns its earlier years' releases send back (before the oldest
    past year, admissions as in it). Never below 0."""
    series = list(reversed(past)) + list(path)  # oldest first; the origin year at len(past) - 1
    origin = len(past) - 1
    out = []
    for y in range(origin, len(series)):
        parts = [g[k] * (series[y - k] if y - k >= 0 else series[0]) for k in range(len(g))]
        out.append(max(0.0, series[y] - share * math.fsum(parts)))
    return out
