"""People as a struct of arrays: the draws of a stream, their dates, and the
forecast's stretch of the dates of those inside.

A person is never an object: one :class:`People` holds a stream's people as
arrays of days from the simulation's origin (day ``d`` is ``[d, d + 1)``), so that
each rule is one vectorised expression over a whole stream.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from capaciteit.scenario import Placement
from capaciteit.sim import jit, policies


@dataclass
class Draws:
    """Every random number one stream's people need, one entry per person."""

    stay: np.ndarray | None = None
    pre_trial: np.ndarray | None = None
    police_custody: np.ndarray | None = None
    convicted_u: np.ndarray | None = None
    sentence: np.ndarray | None = None
    credited: np.ndarray | None = None
    callup: np.ndarray | None = None
    sentence_lag: np.ndarray | None = None
    offence_lag: np.ndarray | None = None
    vi_u: np.ndarray | None = None
    postponement: dict[str, np.ndarray] = field(default_factory=dict)
    placement: dict[str, np.ndarray] = field(default_factory=dict)
    """End-phase take-up: one uniform per person and placement, drawn for everyone
    (not only for candidates), so that a change that makes someone a candidate
    never shifts anyone else's draw."""

    def take(self, idx: np.ndarray) -> Draws:
        def sub(v):
            if v is None:
                return None
            if isinstance(v, dict):
                return {k: x if np.ndim(x) == 0 else x[idx] for k, x in v.items()}
            return v if np.ndim(v) == 0 else v[idx]

        return Draws(**{k: sub(v) for k, v in self.__dict__.items()})


@dataclass(frozen=True)
class Warp:
    """Where the forecast's changes of the mean stay will move a date.

    At each forecast year start ``b`` the engine stretches what is still ahead of
    ``b`` by that year's ratio ``r``, for everyone who arrived by ``b``
    (:meth:`People.stretch`). Dates are computed before that stretch, so a
    rule that compares a date with a policy's date (a sentence imposed from 1
    January, a release from the policy's start) must judge the date where it will
    end up; otherwise a scenario would differ from its base before the policy
    starts, and common random numbers would not hold. The stretches are
    increasing maps, so "ends up on or after day c" is "is on or after the day
    that ends up on c": one threshold per policy date and person (:meth:`judge`).
    """

    starts: np.ndarray  # year starts b, ascending
    ratios: np.ndarray  # r at each
    # per day c, the thresholds of each group of stretches (:meth:`judge`): the
    # same for every group of people of a replication, found once
    _thresholds: dict[float, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def __call__(self, t_event: np.ndarray, t: np.ndarray) -> np.ndarray:
        """``t`` (one per person who arrived at ``t_event``) after the stretches."""
        t = np.asarray(t, dtype=float)
        for b, r in zip(self.starts, self.ratios, strict=True):
            if r != 1.0:
                t = np.where((t_event <= b) & (t > b), b + (t - b) * r, t)
        return t

    def moved(self, first: np.ndarray, t: np.ndarray) -> np.ndarray | None:
        """``self(t_event, t)`` given ``first``, per date the first year start at
        or after its person's arrival (``np.searchsorted(starts, t_event)``); None
        when no date moves. The same arithmetic on each date, taken only where it
        acts: a date goes year by year from its first start on, and drops out at
        the first start it does not lie beyond (later starts are later still)."""
        starts, ratios = np.asarray(self.starts, dtype=float), np.asarray(self.ratios)
        beyond = np.append(starts, np.inf)  # after the last start: nothing to pass
        act = np.flatnonzero(t > beyond[first])
        if not act.size:
            return None
        t = t.copy()
        k, x = first[act], t[act]
        unit = bool((ratios == 1.0).any())  # a year with no change moves no date
        while act.size:
            b, r = starts[k], ratios[k]
            y = b + (x - b) * r
            x = np.where(r != 1.0, y, x) if unit else y
            t[act] = x
            k += 1
            on = x > beyond[k]
            if not on.all():
                act, k, x = act[on], k[on], x[on]
        return t

    def inverse(self, t_event: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The date that the stretches move to ``t``."""
        t = np.broadcast_to(np.asarray(t, dtype=float), np.shape(t_event))
        for b, r in zip(self.starts[::-1], self.ratios[::-1], strict=True):
            if r != 1.0:
                t = np.where((t_event <= b) & (t > b), b + (t - b) / r, t)
        return t

    def judge(self, t_event: np.ndarray) -> Judge | policies.Unwarped:
        """``at(c)``: per person, the date before the stretches that they move to
        day ``c``; ``t >= at(c)`` is ``self(t_event, t) >= c``. A day before the
        first stretch needs no warp (it is ``c`` itself)."""
        starts, reps = self._groups
        if reps is None:
            return policies.unwarped
        # a person sees the stretches from the first year start at or after arrival
        return Judge(self, np.searchsorted(starts, t_event, side="left"))

    @functools.cached_property
    def _groups(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The year starts, and one arrival per group of stretches seen (None when
        no stretch moves a date): the same for every group of people that
        :meth:`judge` is asked about, so found once."""
        starts = np.asarray(self.starts, dtype=float)
        if not starts.size or np.all(self.ratios == 1.0):
            return starts, None
        return starts, np.append(starts, np.inf)

    def _threshold(self, reps: np.ndarray, c: float) -> np.ndarray:
        """Per group of stretches (``reps``: one arrival each), the least date
        that the stretches move to ``c`` or later."""
        x = self.inverse(reps, np.full(reps.size, c))
        # the least x that the stretches move to c or later, exactly: the
        # division in the inverse may land an ulp off, and a release moved
        # to a policy's day must not end up an ulp before it (in the day before)
        for _ in range(8):
            low = self(reps, x) < c
            if not low.any():
                break
            x = np.where(low, np.nextafter(x, np.inf), x)
        for _ in range(8):
            prev = np.nextafter(x, -np.inf)
            also = self(reps, prev) >= c
            if not also.any():
                break
            x = np.where(also, prev, x)
        return x


class Judge:
    """:meth:`Warp.judge` for a group of people: ``at(c)`` is each one's date
    before the stretches that moves to day ``c``, ``at.among(who)`` the same for
    the people ``who`` of the group (one gather, not one per day asked)."""

    __slots__ = ("_group", "_warp")

    def __init__(self, warp: Warp, group: np.ndarray):
        self._warp, self._group = warp, group

    def __call__(self, c: float) -> float | np.ndarray:
        w = self._warp
        starts, reps = w._groups
        if not math.isfinite(c) or c <= starts[0]:
            return c
        x = w._thresholds.get(float(c))
        if x is None:
            x = w._thresholds[float(c)] = w._threshold(reps, float(c))
        return x[self._group]

    def among(self, who: np.ndarray) -> Judge:
        return Judge(self._warp, self._group[who])


def _stretch(starts: np.ndarray, ratios: np.ndarray, first: np.ndarray, t: np.ndarray) -> None:
    """:meth:`Warp.moved` of ``t`` in place, date by date: from the first start
    ``first[i]`` on, ``b + (t - b) * r`` at each start ``b`` it lies beyond (a
    ratio of 1 leaves it as it is). The same operations in the same order as
    the numpy path, and no fused multiply-add (numba asks LLVM for none): the
    same bits (``tests/test_exact.py``)."""
    m = starts.size
    for i in range(t.size):
        k = first[i]
        x = t[i]
        while k < m and x > starts[k]:
            r = ratios[k]
            if r != 1.0:
                x = starts[k] + (x - starts[k]) * r
            k += 1
        t[i] = x


def _overlap(arrays: list[np.ndarray]) -> bool:
    """Whether two of the arrays may hold the same memory: one array twice, or
    a view (of another, maybe). Stretched in place one after the other, a date
    there would move twice; the numpy path reads them all first. (The engine's
    dates are arrays of their own: asking their base is cheaper than comparing
    memory pairwise, which cost more than the loop saves on small groups.)"""
    return len({id(a) for a in arrays}) < len(arrays) or any(a.base is not None for a in arrays)


stretch_loop = jit.loop(_stretch)
"""The compiled :func:`_stretch`, or None without numba (on first use)."""


@dataclass
class People:
    """One stream's people as arrays (days from origin; NaN where not applicable)."""

    t_event: np.ndarray  # joins the stream: arrest, admission, or call-up list
    t_adm: np.ndarray  # first day in detention
    t_trial: np.ndarray  # end of pre-trial detention (= t_adm when none)
    t_end: np.ndarray  # release (fixed) or planned end of stay
    sentence: np.ndarray  # imposed sentence, whole days (0: none)
    senb: np.ndarray  # SenB v.i. rules apply
    fixed_end: bool  # True: t_end is a date set by law; False: a stay from admission
    phases: list[
        tuple[Placement, np.ndarray, np.ndarray, np.ndarray]
    ]  # (placement, who, start, end)
    moves: list[Move] = field(default_factory=list)
    """Release days an early-release policy moved, in the order applied: what a
    decision taken before the policy's day must see instead (a response)."""

    def __len__(self) -> int:
        return len(self.t_event)

    def cell_exit(self, is_cell: Callable[[str], bool]) -> np.ndarray:
        """When each one leaves the cells as planned (before any wing or response
        decides): at release, or where an end phase in a unit that is no cell
        starts first. The one home of this rule: the census of returns, the
        responses and the stay fit all ask it."""
        end = self.t_end.copy()
        for pl, who, a, _b in self.phases:
            if not is_cell(pl.unit):
                end[who] = np.fmin(end[who], a)
        return end

    def stretch(self, warp: Warp) -> None:
        """Stretch, in place, every date still ahead of each forecast year start
        by that year's ratio, for those who arrived by then (a change of the mean
        stay in the forecast reaches the people inside too). The dates go through
        :class:`Warp`'s own map (:meth:`Warp.moved`), so each ends up exactly where
        :meth:`Warp.judge` expects it; all of a group's dates in one array, one call."""
        starts, moving = warp._groups
        if not len(self) or moving is None:
            return
        # per person, the first year start they saw arrive: a date is stretched
        # only if it lies beyond it (later starts are later still)
        first = np.searchsorted(starts, self.t_event, side="left")
        dates = [self.t_adm, self.t_end]
        if self.t_trial is not self.t_adm:  # one array on path "sentence"
            dates.append(self.t_trial)
        seen = [first] * len(dates)
        for _pl, who, a, e in self.phases:
            dates += [a, e]
            seen += [first[who]] * 2
        for m in self.moves:
            dates.append(m.before)
            seen.append(first[m.who])
        loop = stretch_loop()
        if loop is not None and not _overlap(dates):  # each array in place, compiled
            ratios = np.asarray(warp.ratios, dtype=float)
            for arr, k in zip(dates, seen, strict=True):
                loop(starts, ratios, k, arr)
            return
        t_all = warp.moved(np.concatenate(seen), np.concatenate(dates))  # the rules' map
        if t_all is None:
            return
        offset = 0
        for arr in dates:
            arr[:] = t_all[offset : offset + arr.size]
            offset += arr.size

    def take(self, idx: np.ndarray) -> People:
        """The people at sorted, distinct positions ``idx``."""
        phases = []
        for pl, who, a, b in self.phases:
            sel, pos = _among(who, idx)
            phases.append((pl, pos[sel], a[sel], b[sel]))
        moves = []
        for m in self.moves:
            sel, pos = _among(m.who, idx)
            moves.append(Move(m.day, pos[sel], m.before[sel], m.cut[sel]))
        return People(
            self.t_event[idx],
            self.t_adm[idx],
            self.t_trial[idx],
            self.t_end[idx],
            self.sentence[idx],
            self.senb[idx],
            self.fixed_end,
            phases,
            moves,
        )


def _among(who: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of ``who`` are in the sorted, distinct ``idx`` (``np.isin``), and
    where each would be in it (``np.searchsorted``): one binary search for both."""
    pos = np.searchsorted(idx, who)
    if not idx.size:
        return np.zeros(who.size, bool), pos
    return idx[np.minimum(pos, idx.size - 1)] == who, pos


@dataclass
class Move:
    """An early-release policy's move of release days: from ``day`` (its start) on,
    people ``who`` leave at their (earlier) ``t_end``; before it their release
    day was, and is as far as anyone can know, ``before``. ``cut``: the move cut
    off an end phase (their way out of the cells changed, not only its day)."""

    day: float
    who: np.ndarray
    before: np.ndarray
    cut: np.ndarray


def concat_people(parts: list[People]) -> People:
    """One People from several of the same stream."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    offsets = np.cumsum([0] + [len(p) for p in parts[:-1]])

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts])

    phases = [
        (
            pl,
            np.concatenate([p.phases[k][1] + off for p, off in zip(parts, offsets, strict=True)]),
            np.concatenate([p.phases[k][2] for p in parts]),
            np.concatenate([p.phases[k][3] for p in parts]),
        )
        for k, (pl, *_rest) in enumerate(first.phases)
    ]
    moves = [
        Move(
            m.day,
            np.concatenate([p.moves[k].who + off for p, off in zip(parts, offsets, strict=True)]),
            np.concatenate([p.moves[k].before for p in parts]),
            np.concatenate([p.moves[k].cut for p in parts]),
        )
        for k, m in enumerate(first.moves)
    ]
    return People(
        cat("t_event"),
        cat("t_adm"),
        cat("t_trial"),
        cat("t_end"),
        cat("sentence"),
        cat("senb"),
        first.fixed_end,
        phases,
        moves,
    )
