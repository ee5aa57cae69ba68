"""Paths through detention: from arrival to release, for a whole stream at once.

People are a struct of arrays (:class:`People`), never objects. Sampling is
split in two so the start stock can reuse it: :func:`draw` takes every random
number a stream's people need, each decision from its own named stream, and
:func:`timeline` turns those draws and the arrival times into dates with the
law's rules (:mod:`capaciteit.law.release`). Times are days from the simulation's
origin (float); day ``d`` is ``[d, d + 1)``.

Paths
-----
``stay``
    A stay of the drawn length from admission (stylized units, substitute
    detention, the ISD measure).
``pre_trial``
    Pre-trial detention (voorlopige hechtenis) of drawn length; then, for the
    convicted share, an unconditional sentence with the time served credited,
    released at the v.i. day (or in full), else released at trial.
``sentence``
    A convicted person who joins the call-up list (self-reporters) or is
    arrested; admitted after the call-up wait; released on the law's day
    counted from the first day of detention, earlier pre-trial time credited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from capaciteit.law.release import POLICE_CUSTODY_MAX_DAYS, YEAR_DAYS, release_day
from capaciteit.scenario import Fixed, Placement, Release, Stream
from capaciteit.sim import distributions as dist
from capaciteit.sim import policies
from capaciteit.sim.rng import Streams

NO_TIME = np.nan


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

    def inverse(self, t_event: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The date that the stretches move to ``t``."""
        t = np.broadcast_to(np.asarray(t, dtype=float), np.shape(t_event))
        for b, r in zip(self.starts[::-1], self.ratios[::-1], strict=True):
            if r != 1.0:
                t = np.where((t_event <= b) & (t > b), b + (t - b) / r, t)
        return t

    def judge(self, t_event: np.ndarray) -> Callable[[float], float | np.ndarray]:
        """``at(c)``: per person, the date before the stretches that they move to
        day ``c``; ``t >= at(c)`` is ``self(t_event, t) >= c``. A day before the
        first stretch needs no warp (it is ``c`` itself)."""
        starts = np.asarray(self.starts, dtype=float)
        if not starts.size or np.all(self.ratios == 1.0):
            return policies.unwarped
        reps = np.r_[starts, np.inf]  # one arrival per group of stretches seen
        group = np.searchsorted(starts, t_event, side="left")  # sees those from b >= arrival

        def at(c: float) -> float | np.ndarray:
            if not np.isfinite(c) or c <= starts[0]:
                return c
            x = self._thresholds.get(float(c))
            if x is None:
                x = self._thresholds[float(c)] = self._threshold(reps, float(c))
            return x[group]

        return at

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

    def stretch(self, warp: Warp) -> None:
        """Stretch, in place, every date still ahead of each forecast year start
        by that year's ratio, for those who arrived by then (a change of the mean
        stay in the forecast reaches the people inside too). The dates go through
        :class:`Warp`'s own map, so each ends up exactly where :meth:`Warp.judge`
        expects it; all of a group's dates in one array, one call."""
        starts = np.asarray(warp.starts, dtype=float)
        if not len(self) or not starts.size or np.all(warp.ratios == 1.0):
            return
        dates = [self.t_adm, self.t_end]
        if self.t_trial is not self.t_adm:  # one array on path "sentence"
            dates.append(self.t_trial)
        arrived = [self.t_event] * len(dates)
        for _pl, who, a, e in self.phases:
            dates += [a, e]
            arrived += [self.t_event[who]] * 2
        for m in self.moves:
            dates.append(m.before)
            arrived.append(self.t_event[m.who])
        t_all, event = np.concatenate(dates), np.concatenate(arrived)
        # a date is stretched only if it lies beyond the first year start its
        # person saw arrive (later starts are later still)
        first = np.searchsorted(starts, event, side="left")
        seen = first < starts.size
        live = np.flatnonzero(seen & (t_all > starts[np.minimum(first, starts.size - 1)]))
        if not live.size:
            return
        t_all[live] = warp(event[live], t_all[live])  # the map the rules judged by
        offset = 0
        for arr in dates:
            arr[:] = t_all[offset : offset + arr.size]
            offset += arr.size

    def take(self, idx: np.ndarray) -> People:
        """The people at sorted, distinct positions ``idx``."""
        phases = []
        for pl, who, a, b in self.phases:
            sel = np.isin(who, idx)
            phases.append((pl, np.searchsorted(idx, who[sel]), a[sel], b[sel]))
        moves = []
        for m in self.moves:
            sel = np.isin(m.who, idx)
            moves.append(Move(m.day, np.searchsorted(idx, m.who[sel]), m.before[sel], m.cut[sel]))
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


def draw(
    stream: Stream,
    n: int,
    streams: Streams,
    prefix: str,
    release: Release,
    placements: list[Placement],
) -> Draws:
    """All random numbers for ``n`` people of ``stream``, each decision its own stream."""

    def rng(decision: str) -> np.random.Generator:
        return streams(prefix, stream.name, decision)

    d = Draws()
    if stream.path == "stay":
        d.stay = dist.sample(stream.stay, rng("stay"), n)
        return d
    d.sentence = dist.sample(stream.sentence, rng("sentence"), n)
    if stream.path == "pre_trial":
        d.pre_trial = dist.sample(stream.pre_trial_days, rng("pre_trial"), n)
        d.convicted_u = rng("convicted").random(n)
        spec = stream.police_custody_days
        if isinstance(spec, Fixed):  # the same for everyone: no draws
            d.police_custody = np.float64(spec.days)
        elif spec is not None:
            d.police_custody = dist.sample(spec, rng("police_custody_days"), n)
    else:
        for key in ("credited_days", "callup_days", "sentence_lag_days"):
            spec = getattr(stream, key)
            if isinstance(spec, Fixed):  # the same for everyone: no draws
                setattr(d, key.removesuffix("_days"), np.float64(spec.days))
            elif spec is not None:
                setattr(d, key.removesuffix("_days"), dist.sample(spec, rng(key), n))
    if stream.offence_lag_days is not None:
        d.offence_lag = dist.sample(stream.offence_lag_days, rng("offence_lag"), n)
    d.vi_u = rng("vi").random(n)
    for rules in ("2008", "senb2021"):
        spec = getattr(release, f"rules_{rules}").postponement_days
        if isinstance(spec, Fixed):  # the same for everyone: no array needed
            d.postponement[rules] = np.float64(spec.days)
        elif spec is not None:
            d.postponement[rules] = dist.sample(spec, rng(f"vi_postponement_{rules}"), n)
    for p in placements:
        d.placement[p.name] = streams(prefix, stream.name, "placement", p.name).random(n)
    return d


def timeline(
    stream: Stream,
    t_event: np.ndarray,
    d: Draws,
    release: Release,
    senb_start: float,
    placements: list[Placement],
    day_of,
    force_senb: bool | None = None,
    scenario=None,
    streams: Streams | None = None,
    prefix: str = "",
    warp: Warp | None = None,
) -> People:
    """Dates of each person's detention from the draws; ``day_of(date)`` maps dates to days.

    ``force_senb`` overrides the transitional rule (True: SenB rules for all,
    False: the 2008 rules for all); the start stock uses it to bound stays.
    ``scenario`` brings its dated policies (sentence lengths, early release);
    ``streams`` and ``prefix`` the random numbers they draw. ``warp`` says where
    the forecast's stay changes will move each date: rules judge dates there.
    """
    n = len(t_event)

    at = warp.judge(t_event) if warp is not None else policies.unwarped

    if stream.path == "stay":
        return People(
            t_event,
            t_event,
            t_event,
            t_event + d.stay,
            np.zeros(n, np.int64),
            np.zeros(n, bool),
            False,
            [],
        )
    sentence = np.maximum(np.rint(d.sentence), 1.0)  # whole days, as floats
    if stream.path == "pre_trial":
        t_adm = t_event
        pre = d.pre_trial
        convicted = d.convicted_u < stream.convicted_share
        t_sentence = t_adm + pre
        t_trial = t_sentence
    else:
        t_adm = t_event + d.callup if d.callup is not None else t_event
        t_sentence = t_event - d.sentence_lag if d.sentence_lag is not None else t_event
        convicted = None
        t_trial = t_adm
    if scenario is not None and scenario.policy:
        sentence = np.maximum(
            np.rint(policies.sentence_factor(scenario, stream, sentence, t_sentence, day_of, at)),
            1.0,
        )
    if release.transition == "sentence_date":
        basis = t_sentence
    elif release.transition == "admission_date":
        basis = t_adm
    else:
        basis = t_sentence - (d.offence_lag if d.offence_lag is not None else 0.0)
    senb = basis >= at(senb_start) if force_senb is None else np.full(n, force_senb)
    # the law's day of release, counted from the first day of detention: only
    # sentences of more than a year get v.i., so only they need the rules
    served = sentence
    long = sentence > YEAR_DAYS if convicted is None else convicted & (sentence > YEAR_DAYS)
    idx = np.flatnonzero(long)
    if idx.size:
        served = sentence.copy()
        served[idx] = _release(sentence[idx], senb[idx], d, idx, release)
    if convicted is not None:
        # police custody before admission counts towards the sentence (art. 27 Sr):
        # the law's day is counted from its first day, before admission, so the
        # time still to serve in prison is that much shorter (never before trial)
        police = 0.0
        if d.police_custody is not None:
            police = np.minimum(d.police_custody, POLICE_CUSTODY_MAX_DAYS)
        custody = np.where(convicted, np.maximum(pre, served - police), pre)
        sentence = np.where(convicted, sentence, 0)
    elif d.credited is not None:  # earlier pre-trial time, served elsewhere, is credited
        custody = np.maximum(served - np.minimum(d.credited, sentence), 0.0)
    else:
        custody = served
    t_end = t_adm + custody
    # end phases are planned from the law's release day; an early release then cuts
    # the last of them short (it does not move a phase that began before it)
    phases = _phases(stream, placements, t_adm, t_trial, t_end, sentence, t_sentence, d, day_of, at)
    moves = []
    if scenario is not None and scenario.policy:
        earliest = t_trial if convicted is not None else t_adm
        for day, who, moved in policies.early_release(
            scenario, stream, t_adm, t_end, earliest, sentence, streams, prefix, day_of, at
        ):
            moves.append(Move(day, who, t_end[who], np.zeros(who.size, bool)))
            t_end = moved
        cut = _cut_phases(phases, t_end)
        lost = [np.setdiff1d(old[1], new[1]) for old, new in zip(phases, cut, strict=True)]
        lost = np.concatenate(lost) if lost else np.zeros(0, np.int64)
        for m in moves:  # a phase no longer had: it would begin at or after release
            m.cut |= np.isin(m.who, lost)
        phases = cut
    return People(t_event, t_adm, t_trial, t_end, sentence, senb, True, phases, moves)


def _of(x: float | np.ndarray, who: np.ndarray) -> float | np.ndarray:
    """A per-person threshold for the people ``who``, or the same day for all."""
    return x[who] if isinstance(x, np.ndarray) else x


def _cut_phases(phases: list, t_end: np.ndarray) -> list:
    """End phases that end by the (earlier) release: cut at it; those that would
    begin on or after it are not had."""
    out = []
    for pl, who, a, b in phases:
        b = np.minimum(b, t_end[who])
        keep = a < b
        out.append((pl, who[keep], a[keep], b[keep]))
    return out


def _release(sentence, senb, d: Draws, idx, release: Release) -> np.ndarray:
    """Release day of sentences with v.i.: refusals and postponements per rule set."""
    r08, rsb = release.rules_2008, release.rules_senb2021
    u = d.vi_u[idx]
    refused_share = np.where(senb, rsb.refused_share, r08.refused_share)
    refused = u < refused_share
    postponed = ~refused & (
        u < refused_share + np.where(senb, rsb.postponed_share, r08.postponed_share)
    )
    delay = np.zeros(idx.size)
    for rules, applies in (("2008", ~senb), ("senb2021", senb)):
        if rules in d.postponement:
            days = d.postponement[rules]
            delay = np.where(applies, days if np.ndim(days) == 0 else days[idx], delay)
    delay = np.where(postponed, np.rint(delay), 0).astype(np.int64)
    return release_day(sentence, senb, refused, delay)


def _phases(stream, placements, t_adm, t_trial, t_end, sentence, t_sentence, d, day_of, at):
    """End phases (BBA, penitentiair programma), counted back from release, last first.

    Returned sparse, in scenario order: ``(placement, who, start, end)`` with
    ``who`` the indices of the people who have that phase (most have none).

    Whose rules a placement's are is its dates' question: ``from`` and ``until``
    on its ``basis``, then its ``transition`` (at most ``max_remaining_days`` from
    the transition's date to the release date, and a phase that starts by
    ``phase_start_until``). A placement ``instead_of`` another applies to exactly
    those the other's dates do not keep; each person's answer is judged once, so
    nobody has both and everyone has the rules of one. Every date is judged where
    the forecast's stretches will put it (:meth:`Warp.judge`): ``t < at(c)`` is
    "ends up before day c".
    """
    if not placements:
        return []
    least = min(p.min_sentence_days for p in placements)
    who = np.flatnonzero((sentence > 0) & (sentence >= least))
    s, ta, ts = sentence[who], t_adm[who], t_sentence[who]
    release = t_end[who]
    window_end = release
    earliest = np.maximum(ta, t_trial[who])
    by_name = {p.name: p for p in placements}
    kept: dict[str, np.ndarray] = {}  # per placement, whom its dates keep (judged once)

    def start_of(p, window_end):
        length = np.minimum(p.max_days, np.maximum(p.min_days, p.share_of_sentence * s))
        return np.maximum(window_end - length, earliest)

    def dates(p, start):
        """Whom ``p``'s dates keep under its rules."""
        if p.name in kept:
            return kept[p.name]
        basis = {"admission_date": ta, "sentence_date": ts, "phase_start": start}[p.basis]
        ok = np.ones(who.size, bool)
        if p.from_ is not None:
            ok &= basis >= _of(at(day_of(p.from_)), who)
        if p.until is not None:
            ok &= basis < _of(at(day_of(p.until) + 1), who)
        tr = p.transition
        if tr is not None:
            # released on or before the day max_remaining_days after tr.date
            ok &= release < _of(at(day_of(tr.date) + tr.max_remaining_days + 1), who)
            if tr.phase_start_until is not None:
                ok &= start < _of(at(day_of(tr.phase_start_until) + 1), who)
        kept[p.name] = ok
        return ok

    out = []
    for p in reversed(placements):
        start = start_of(p, window_end)
        ok = s >= p.min_sentence_days
        if p.max_sentence_days is not None:
            ok &= s <= p.max_sentence_days
        ok &= (window_end - start) >= max(p.min_days, 1e-9)
        ok &= d.placement[p.name][who] < p.share  # each person's own draw
        ok &= dates(p, start)
        if p.instead_of is not None and p.instead_of in by_name:
            # the placement it replaces is listed next to it (scenario check), so
            # its phase would end where this one's does
            q = by_name[p.instead_of]
            ok &= ~dates(q, start_of(q, window_end))
        out.append((p, who[ok], start[ok], window_end[ok]))
        window_end = np.where(ok, start, window_end)
    return out[::-1]


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
