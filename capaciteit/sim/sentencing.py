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

import numpy as np

from capaciteit.law.release import POLICE_CUSTODY_MAX_DAYS, YEAR_DAYS, release_day
from capaciteit.scenario import Fixed, Placement, Release, Stream
from capaciteit.sim import distributions as dist
from capaciteit.sim import policies
from capaciteit.sim.people import Draws, Move, People, Warp
from capaciteit.sim.rng import Streams

NO_TIME = np.nan


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
    at = at.among(who)  # the dates judged for those who may have a phase
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
            ok &= basis >= at(day_of(p.from_))
        if p.until is not None:
            ok &= basis < at(day_of(p.until) + 1)
        tr = p.transition
        if tr is not None:
            # released on or before the day max_remaining_days after tr.date
            ok &= release < at(day_of(tr.date) + tr.max_remaining_days + 1)
            if tr.phase_start_until is not None:
                ok &= start < at(day_of(tr.phase_start_until) + 1)
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
