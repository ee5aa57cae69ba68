"""The stay fit's moments: the steady-state stock by status, sentenced days by
sentence length and the share released within 30 days, from fixed draws
through the law (:func:`capaciteit.sim.sentencing.timeline`), made continuous
in the four parameters so that a least-squares fit can follow its slope."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from capaciteit.scenario import Scenario
from capaciteit.sim.sentencing import timeline


@dataclass
class _StreamSample:
    stream: object
    rate: float  # per year
    draws: object
    t0: float


_SMOOTH = 0.01
"""Half-width of the stay fit's smoothed thresholds, as a share of the threshold
(3.65 days at one year, 11 days at three): see :func:`_smooth_step`."""


_PARTS = 6
"""A stream's sums in the stay fit: days in a cell pre-trial, sentenced and on
another title; sentenced days of sentences of at least 1 and at least 3 years
(per day of arrivals); released within 30 days (per year of arrivals)."""


def _smooth_step(length: np.ndarray, threshold: float) -> np.ndarray:
    """1 at and above ``threshold``, 0 below, and a quintic ramp over
    ``threshold * (1 -+ _SMOOTH)`` in between.

    A hard cut moves a share by one person whenever a stretch takes someone
    across it, which gives a loss steps and flat stretches; through the ramp
    the share moves continuously, with a continuous slope. Plain arithmetic,
    no exp or log, so the same to the last bit on every machine."""
    half = _SMOOTH * threshold
    t = np.clip((length - threshold + half) / (2.0 * half), 0.0, 1.0)
    u = np.minimum(t, 1.0 - t)  # the upper half mirrors the lower: never above 1
    s = u * u * u * (u * (6.0 * u - 15.0) + 10.0)
    return np.where(t <= 0.5, s, 1.0 - s)


def _whole_days(v: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """The whole days below and above each length in ``v``, each with the
    weight that interpolates linearly between them.

    The law counts whole days (``sentencing.timeline`` rounds sentences and
    v.i. days, and dated rules cut between days), so a stretched length changes
    what follows in steps of a day. The weighted pair is the exact expectation
    of the length rounded after a uniform jitter of +-half a day: it keeps every
    mean, ``lo * (1 - f) + (lo + 1) * f = v``, and turns each step into a ramp."""
    lo = np.floor(v)
    f = v - lo
    return (lo, 1.0 - f), (lo + 1.0, f)


def _stay_parameters(x: np.ndarray) -> tuple[float, float, float, float]:
    """(pre-trial scale, share convicted, scale of the pre-trial stream's
    sentences, scale of the short sentences) from the fit's unbounded
    coordinates: three logs and a logit. Held within +-20, where a wild trial
    step of the optimizer would overflow."""
    a, b, c, d = (min(max(float(v), -20.0), 20.0) for v in x)
    return math.exp(a), 1.0 / (1.0 + math.exp(-b)), math.exp(c), math.exp(d)


def _stream_sums(sc: Scenario, model, smp: _StreamSample, key: tuple) -> np.ndarray:
    """One stream's sums (:data:`_PARTS`) for one setting of the parameters it
    depends on. ``key``: ``("not_convicted", pre-trial scale)``,
    ``("convicted", pre-trial scale, sentence scale)``, ``("sentence",
    sentence scale)``, or ``("as_is",)`` for a stream the fit leaves alone."""
    s, d = smp.stream, smp.draws
    if key[0] == "not_convicted":
        s0 = s.model_copy(update={"convicted_share": 0.0})
        cases = [(1.0, s0, replace(d, pre_trial=d.pre_trial * key[1]))]
    elif key[0] == "convicted":
        s1 = s.model_copy(update={"convicted_share": 1.0})
        cases = [
            (w_pre * w_sen, s1, replace(d, pre_trial=pre, sentence=sen))
            for pre, w_pre in _whole_days(d.pre_trial * key[1])
            for sen, w_sen in _whole_days(d.sentence * key[2])
        ]
    elif key[0] == "sentence":
        cases = [(w, s, replace(d, sentence=sen)) for sen, w in _whole_days(d.sentence * key[1])]
    else:
        cases = [(1.0, s, d)]
    pl = [p for p in sc.placement if p.acts_on(s.name)]
    t = np.full(len(d.vi_u) if d.vi_u is not None else len(d.stay), smp.t0)
    out = np.zeros(_PARTS)
    for w, s2, d2 in cases:
        p = timeline(s2, t, d2, sc.release, model.senb_start, pl, model.day_of)
        in_cell = np.maximum(p.cell_exit(model.is_cell) - p.t_adm, 0.0)
        if s.path == "stay":
            out[2] += np.mean(w * in_cell)
        else:
            pre = np.minimum(p.t_trial - p.t_adm, in_cell)
            sentenced = w * (in_cell - pre)
            out[0] += np.mean(w * pre)
            out[1] += np.mean(sentenced)
            # whole days: at least a year is at least 365, so the cut lies at 364.5
            out[3] += np.mean(sentenced * _smooth_step(p.sentence, 365 - 0.5))
            out[4] += np.mean(sentenced * _smooth_step(p.sentence, 3 * 365 - 0.5))
        out[5] += np.mean(w * (1.0 - _smooth_step(in_cell, 30 + 0.5)))  # at most 30 days
    out[:5] *= smp.rate / 365.25
    out[5] *= smp.rate
    return out


def _moments(
    sc: Scenario,
    model,
    samples: list[_StreamSample],
    x: np.ndarray,
    fitted: set[str] | None = None,
    cache: dict | None = None,
) -> dict:
    """Steady-state stock by status, sentenced days by sentence length, and the
    share released within 30 days, for parameters ``x`` (Monte Carlo on fixed
    draws), continuous in ``x``.

    Whether a pre-trial detainee is convicted is not drawn: each counts as
    convicted with weight ``share convicted`` and as not with the rest (the
    expectation over that draw), so the moments are linear in the share,
    where drawn they moved one person at a time. Lengths are interpolated
    between whole days (:func:`_whole_days`) and thresholds smoothed
    (:func:`_smooth_step`). The parameters reach the streams named in
    ``fitted`` (default: all), the ones the overlay writes them to; ``cache``
    keeps each stream's sums by the parameters they depend on, so a
    finite-difference step recomputes only the streams it moves."""
    pre_scale, conv, vh_scale, short_scale = _stay_parameters(x)
    cache = {} if cache is None else cache
    total = np.zeros(_PARTS)
    released = 0.0
    for i, smp in enumerate(samples):
        path = smp.stream.path
        if fitted is not None and smp.stream.name not in fitted:
            parts = [(1.0, ("as_is",))]
        elif path == "pre_trial":
            parts = [
                (1.0 - conv, ("not_convicted", pre_scale)),
                (conv, ("convicted", pre_scale, vh_scale)),
            ]
        elif path == "sentence":
            parts = [(1.0, ("sentence", short_scale))]
        else:
            parts = [(1.0, ("as_is",))]
        for w, key in parts:
            if (i, key) not in cache:
                cache[i, key] = _stream_sums(sc, model, smp, key)
            total = total + w * cache[i, key]
        released += smp.rate
    return {
        "stock": {"pre_trial": total[0], "sentenced": total[1], "other": total[2]},
        "by_len": {"1y_plus": total[3], "3y_plus": total[4]},
        "within_30": total[5] / released,
    }


def _fitted_values(m: dict, substitute: float) -> dict[str, float]:
    """Every moment a target can name, from :func:`_moments` (whose stock on
    other titles includes the streams set from the data)."""
    st = m["stock"]
    total = st["pre_trial"] + st["sentenced"] + st["other"]
    sentenced = st["sentenced"]
    return {
        "stock": float(total),
        "share_pre_trial": float(st["pre_trial"] / total),
        "share_sentenced": float(sentenced / total),
        "share_sentenced_and_substitute": float((sentenced + substitute) / total),
        "sentenced_1y_plus": float(m["by_len"]["1y_plus"] / max(sentenced, 1e-9)),
        "sentenced_3y_plus": float(m["by_len"]["3y_plus"] / max(sentenced, 1e-9)),
        "released_within_30_days": float(m["within_30"]),
    }
