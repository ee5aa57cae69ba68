"""Calibration on real history: rates, stays and the inflow forecast at an origin.

``calibrate(scenario)`` uses only what was published by the scenario's
``forecast.origin``:

1. **inflow** at the origin: the reconstructed yearly total
   (:mod:`reconstruct`) split over the published categories (voorlopig
   gehechten, zelfmelders, veroordeelde arrestanten) by their latest published
   composition; each stream with an ``inflow_category`` gets its
   ``category_share`` of its category;
2. **stays**: four parameters (pre-trial length, share convicted, length of
   the sentences of the pre-trial stream, length of the short sentences of
   self-reporters and arrested convicts) fitted with scipy.optimize to all
   moments at once: the stock, its shares by legal status and by sentence
   length, and "half released within a month", each the latest published by the
   origin. The stay-path streams are set directly: substitute detention from its
   published stock, ISD and other titles from their shares;
3. **forecast**: the candidate dynamics of inflow and stay combined with weights and
   spreads from rolling origins before the origin (:mod:`forecast`); each
   replication draws a candidate and its own future of yearly inflow and mean
   stay (:meth:`~capaciteit.calibrate.forecast.Combination.simulate_changes`), every
   spread widened by the band: the whole chain's errors at earlier origins
   (:mod:`bands`).

The result is data (JSON, with the data files' hashes and the fit statistics),
applied to a scenario as an overlay of stream settings.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import optimize

from capaciteit import __version__
from capaciteit.calibrate import bands, censored
from capaciteit.calibrate.forecast import Combination
from capaciteit.calibrate.reconstruct import Reconstruction
from capaciteit.data import history
from capaciteit.errors import ScenarioError
from capaciteit.scenario import Scenario, parse_scenario
from capaciteit.sim import distributions as dist
from capaciteit.sim.policies import known_at
from capaciteit.sim.rng import Streams
from capaciteit.sim.sentencing import draw, timeline

CATEGORIES = ("voorlopig_gehechten", "zelfmelders", "veroordeelde_arrestanten")
SAMPLE = 20000  # people per stream in the fit's Monte Carlo moments (common random numbers)


@dataclass
class Calibration:
    """What ``capaciteit calibrate`` finds, as plain data."""

    scenario: str
    origin: str
    structure_hash: str
    data_sha256: dict[str, str]
    inflow: dict
    reconstruction: dict
    forecast: dict
    stays: dict
    overlay: dict
    version: str = __version__
    demand: dict | None = None
    """The stock the stays are fitted to: the observed one, or in a full period
    the observed one plus the hidden demand (:mod:`capaciteit.calibrate.censored`)."""
    fitted: Combination | None = field(default=None, repr=False, compare=False)

    state: dict | None = None
    """The fitted candidates with their weights and spreads, every number as
    fitted (JSON keeps a float's exact value): a run reads it instead of fitting
    again, so its forecast draws never depend on the machine's linear algebra."""

    def to_json(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if k != "fitted"}
        return json.dumps(data, indent=1, default=_plain) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        cal = cls(**json.loads(text))
        if isinstance(cal.state, dict) and {"fits", "band"} <= set(cal.state):
            cal.fitted = Combination.from_dict(cal.state)
        # a file from before the combination or the band is fitted again
        return cal


def _plain(x):
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, dt.date):
        return x.isoformat()
    raise TypeError(type(x))


def structure_hash(sc: Scenario) -> str:
    """What a calibration depends on in a scenario: the streams, the release
    rules, the end phases, which units are cells and the re-entry loop. Not the capacities, costs,
    dates of the run or names: changing those keeps the calibration. Only what
    stood at the forecast origin counts (:func:`~capaciteit.sim.policies.known_at`):
    a scenario that changes rates or adds policies after it shares the calibration
    of its base, and so its replications until the change."""
    if sc.forecast.origin is not None:
        sc = known_at(sc, sc.forecast.origin)
    data = sc.to_dict()
    used = {
        "stream": data["stream"],
        "release": data["release"],
        "placement": data.get("placement", []),
        "unit": [
            {"name": u["name"], "occupies_cell": u.get("occupies_cell", True)} for u in data["unit"]
        ],
    }
    if data.get("reentry") is not None:  # the loop changes the simulated spread: the band
        used["reentry"] = data["reentry"]
    return hashlib.sha256(json.dumps(used, sort_keys=True).encode()).hexdigest()[:16]


# --------------------------------------------------------------------- inflow


def composition(origin: dt.date) -> tuple[dict[str, float], int]:
    """Shares of the published categories in total inflow, from the latest year
    by ``origin`` in which all of them are known (arrestanten as the rest of the
    total where only the other two were published), and that year."""
    rows = history.load("inflow.csv")
    by_year: dict[int, dict[str, float]] = {}
    for o in rows:
        if o.date <= origin:
            by_year.setdefault(o.date.year, {})[o.category] = o.value
    for year in sorted(by_year, reverse=True):
        got = by_year[year]
        total = got.get("total_instroom_GW")
        if total and "voorlopig_gehechten" in got and "zelfmelders" in got:
            arr = got.get(
                "veroordeelde_arrestanten", total - got["voorlopig_gehechten"] - got["zelfmelders"]
            )
            shares = {
                "voorlopig_gehechten": got["voorlopig_gehechten"] / total,
                "zelfmelders": got["zelfmelders"] / total,
                "veroordeelde_arrestanten": arr / total,
            }
            return shares, year
    raise ValueError(f"no published inflow composition by {origin}")


# ---------------------------------------------------------------------- stays


def _latest(category: str, origin: dt.date, unit: str) -> history.Observation | None:
    obs = history.series("stock_components.csv", category, until=origin, unit=unit)
    return obs[-1] if obs else None


def targets(origin: dt.date, stock: float) -> list[dict]:
    """The moments the stays are fitted to: the latest of each published by the
    origin (shares of the stock by status and by sentence length; the half
    released within a month), with their sources."""
    out = [
        {
            "name": "stock",
            "target": stock,
            "weight": 1.0,
            "scale": 0.005 * stock,
            "source": "CBS 84425NED",
        }
    ]
    pre = _latest("pre_trial", origin, "share")
    pre_p = _latest("pre_trial", origin, "persons")
    if pre_p and (not pre or pre_p.date > pre.date):  # persons: as a share of that year's stock
        tot = {o.date: o.value for o in history.load_stock()}[pre_p.date]
        pre = history.Observation(
            pre_p.date, "pre_trial", pre_p.value / tot, "share", pre_p.source, pre_p.source_url
        )
    if pre:
        out.append(
            {
                "name": "share_pre_trial",
                "target": pre.value,
                "weight": 1.0,
                "scale": 0.01,
                "source": f"{pre.source} ({pre.date})",
            }
        )
    sent = _latest("sentenced", origin, "share")
    both = _latest("sentenced_and_substitute", origin, "share")
    if both and (not sent or both.date > sent.date):
        out.append(
            {
                "name": "share_sentenced_and_substitute",
                "target": both.value,
                "weight": 1.0,
                "scale": 0.02,
                "source": f"{both.source} ({both.date})",
            }
        )
    elif sent:
        out.append(
            {
                "name": "share_sentenced",
                "target": sent.value,
                "weight": 1.0,
                "scale": 0.01,
                "source": f"{sent.source} ({sent.date})",
            }
        )
    for cat, name in (
        ("sentenced_share_1y_plus", "sentenced_1y_plus"),
        ("sentenced_share_3y_plus", "sentenced_3y_plus"),
    ):
        o = _latest(cat, origin, "share")
        if o:
            out.append(
                {
                    "name": name,
                    "target": o.value,
                    "weight": 1.0,
                    "scale": 0.03,
                    "source": f"{o.source} ({o.date})",
                }
            )
    half = history.series("stays.csv", "share_released_within_1_month", until=origin)
    if half:
        out.append(
            {
                "name": "released_within_30_days",
                "target": half[-1].value,
                "weight": 0.5,
                "scale": 0.05,
                "source": half[-1].source,
            }
        )
    return out


@dataclass
class _StreamSample:
    stream: object
    rate: float  # per year
    draws: object
    t0: float


_SMOOTH = 0.01
"""Half-width of the stay fit's smoothed thresholds, as a share of the threshold
(3.65 days at one year, 11 days at three): see :func:`_smooth_step`."""

_FD_STEP = 1e-3
"""Step of the stay fit's central-difference Jacobian, on the log scales and the
logit share: wide enough to average over the day-by-day kinks of the moments,
narrow against the width of the smoothed thresholds."""

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
    from dataclasses import replace

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
    pl = [p for p in sc.placement if p.streams is None or s.name in p.streams]
    t = np.full(len(d.vi_u) if d.vi_u is not None else len(d.stay), smp.t0)
    out = np.zeros(_PARTS)
    for w, s2, d2 in cases:
        p = timeline(s2, t, d2, sc.release, model.senb_start, pl, model.day_of)
        end = p.t_end.copy()
        for plc, who, a, _b in p.phases:
            if not model.cell[model.unit_names.index(plc.unit)]:
                end[who] = np.fmin(end[who], a)
        in_cell = np.maximum(end - p.t_adm, 0.0)
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


_BY_LENGTH = ("sentence_under_1y", "sentence_1y_to_3y", "sentence_3y_plus")


def _stay_targets(origin: dt.date, stock: float) -> list[dict]:
    """:func:`targets`, with the shares of the sentenced with at least one and
    at least three years taken from the published counts by sentence length
    (under 1, 1-3, 3+ years) where those are newer than the published shares.
    Where the stock on that day hid demand (:func:`censored.hidden_demand`,
    people with short sentences not executed), it is counted under a year:
    the stays are fitted to demand, so the shares are those of demand."""
    out = targets(origin, stock)
    by_day: dict[dt.date, dict[str, history.Observation]] = {}
    for cat in _BY_LENGTH:
        for o in history.series("stock_components.csv", cat, until=origin, unit="persons"):
            by_day.setdefault(o.date, {})[cat] = o
    complete = [day for day, got in by_day.items() if len(got) == len(_BY_LENGTH)]
    if not complete:
        return out
    day = max(complete)
    got = by_day[day]
    hidden = censored.hidden_demand(day, until=origin)
    under = got["sentence_under_1y"].value + (hidden.people if hidden else 0.0)
    at_least_3 = got["sentence_3y_plus"].value
    total = under + got["sentence_1y_to_3y"].value + at_least_3
    src = got["sentence_3y_plus"].source + ": persons by sentence length"
    src += ", the hidden demand under a year" if hidden else ""
    for name, cat, share in (
        ("sentenced_1y_plus", "sentenced_share_1y_plus", (total - under) / total),
        ("sentenced_3y_plus", "sentenced_share_3y_plus", at_least_3 / total),
    ):
        published = _latest(cat, origin, "share")
        if published is not None and published.date >= day:
            continue
        new = {"name": name, "target": share, "weight": 1.0, "scale": 0.03}
        old = next((t for t in out if t["name"] == name), None)
        if old is None:
            out.append({**new, "source": f"{src} ({day})"})
        else:
            old.update(target=share, source=f"{src} ({day})")
    return out


PRIOR_SD = (0.5, 0.4, 0.5, 0.5)
"""ASSUMPTION: how far the stay fit may move each coordinate from the scenario's
own values before that costs as much as missing a target by its scale: the
three length scales by a factor of about 1.65 (log sd 0.5), the share
convicted by about 0.1 around 0.45 (logit sd 0.4). The published moments do
not pin the share convicted (``test_the_moments_do_not_pin_the_share_convicted``):
without this prior the fit wandered to shares of 0.09-0.98 with sentences
stretched up to 2.4 times, depending on the origin."""


@dataclass
class _StayFit:
    """The stay fit as a problem: the moments, residuals and loss of the four
    coordinates ``x`` (log pre-trial scale, logit share convicted, log
    sentence scales of the pre-trial stream and of the short sentences)."""

    sc: Scenario
    model: object
    samples: list[_StreamSample]
    fitted_streams: set[str]
    fixed_stock: float  # the stay-path streams set from the data, in persons
    substitute: float  # of which substitute detention
    targets: list[dict]
    x0: np.ndarray  # the scenario's own values
    prior_sd: np.ndarray | None = None  # None: the data alone (the tests of identification)
    cache: dict = field(default_factory=dict)

    def fitted(self, x: np.ndarray) -> dict[str, float]:
        m = _moments(self.sc, self.model, self.samples, x, self.fitted_streams, self.cache)
        m["stock"]["other"] += self.fixed_stock
        return _fitted_values(m, self.substitute)

    def residuals(self, x: np.ndarray) -> np.ndarray:
        """(fitted - target) / scale x sqrt(weight) per target, then the prior's
        (x - x0) / prior sd per coordinate, or without a prior zeros up to the
        number of parameters (MINPACK needs at least as many residuals)."""
        fv = self.fitted(x)
        r = [
            math.sqrt(t["weight"]) * (fv[t["name"]] - t["target"]) / t["scale"]
            for t in self.targets
        ]
        if self.prior_sd is not None:
            prior = [
                (float(a) - float(b)) / float(c)
                for a, b, c in zip(x, self.x0, self.prior_sd, strict=True)
            ]
            return np.array(r + prior)
        return np.array(r + [0.0] * max(len(x) - len(r), 0))

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """Central differences of the residuals, step :data:`_FD_STEP`."""
        cols = []
        for i in range(len(x)):
            step = np.zeros(len(x))
            step[i] = _FD_STEP
            cols.append((self.residuals(x + step) - self.residuals(x - step)) / (2 * _FD_STEP))
        return np.column_stack(cols)

    def loss(self, x: np.ndarray) -> float:
        """Sum of the squared residuals (in plain Python: no BLAS)."""
        return sum(float(v) ** 2 for v in self.residuals(x))


def _stay_fit(sc: Scenario, origin: dt.date, inflow: dict[str, float], stock: float):
    """The stay fit's problem and the overlay entries it sets before fitting
    (the rates, and the stay-path streams set from the data)."""
    from capaciteit.sim.engine import compile_model

    model = compile_model(sc, 0, warn=False)  # a fit, not a run: no cautions
    t0 = model.day_of(origin) - 365.0  # people arriving a year before the origin
    streams = Streams(np.random.SeedSequence(2021))
    overlay: list[dict] = []
    fixed: dict[str, float] = {}
    samples = []
    by_status = _stay_streams(sc, origin, stock, inflow)
    for s in sc.stream:
        rate = inflow.get(s.name, s.rate_per_year.value_at(origin))
        if s.name in by_status:
            rate, mean_stay, entry = by_status[s.name]
            overlay.append(entry)
            fixed[s.status] = fixed.get(s.status, 0.0) + rate * mean_stay / 365.25
            continue
        pl = [p for p in sc.placement if p.streams is None or s.name in p.streams]
        samples.append(_StreamSample(s, rate, draw(s, SAMPLE, streams, "fit", sc.release, pl), t0))
        if s.name in inflow:
            overlay.append({"name": s.name, "rate_per_year": _scale_rates(s, origin, rate)})
    pre = next((s for s in sc.stream if s.path == "pre_trial" and s.name in inflow), None)
    share = min(max(pre.convicted_share, 1e-6), 1 - 1e-6) if pre else 0.5
    problem = _StayFit(
        sc,
        model,
        samples,
        {s.name for s in sc.stream if s.name in inflow and s.path in ("pre_trial", "sentence")},
        sum(fixed.values()),
        fixed.get("substitute_detention", 0.0),
        _stay_targets(origin, stock),
        np.array([0.0, math.log(share / (1 - share)), 0.0, 0.0]),
        np.array(PRIOR_SD),
    )
    return problem, overlay


def _inverse(a: list[list[float]]) -> list[list[float]] | None:
    """Inverse of a small symmetric positive (semi)definite matrix by
    Gauss-Jordan in plain Python (the same on every machine); None when it is
    singular to working precision."""
    n = len(a)
    m = [list(map(float, row)) + [float(i == j) for j in range(n)] for i, row in enumerate(a)]
    big = max((abs(m[i][i]) for i in range(n)), default=0.0)
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[p][c]) <= 1e-12 * big:
            return None
        m[c], m[p] = m[p], m[c]
        piv = m[c][c]
        m[c] = [v / piv for v in m[c]]
        for r in range(n):
            if r != c and m[r][c] != 0.0:
                f = m[r][c]
                m[r] = [v - f * w for v, w in zip(m[r], m[c], strict=True)]
    return [row[n:] for row in m]


def _solve(problem: _StayFit) -> dict:
    """Levenberg-Marquardt from the scenario's own values: MINPACK's lmder via
    ``scipy.optimize.least_squares``, which uses no BLAS, with the Jacobian
    of :meth:`_StayFit.jacobian`. The report says whether MINPACK's own test
    was met (``converged``), which, and how the fit stands at its end."""
    res = optimize.least_squares(
        problem.residuals,
        problem.x0,
        jac=problem.jacobian,
        method="lm",
        x_scale="jac",
        ftol=1e-12,
        xtol=1e-10,
    )
    x = res.x
    n = len(problem.residuals(x)) if problem.prior_sd is not None else len(problem.targets)
    r = [float(v) for v in problem.residuals(x)[:n]]
    jac = [[float(v) for v in row] for row in problem.jacobian(x)[:n]]
    k = len(x)
    grad = [2.0 * sum(jac[j][i] * r[j] for j in range(n)) for i in range(k)]
    data = len(problem.targets)
    cov = _inverse(
        [[sum(jac[j][a] * jac[j][b] for j in range(n)) for b in range(k)] for a in range(k)]
    )
    return {
        "x": [float(v) for v in x],
        "x_sd": None if cov is None else [math.sqrt(max(cov[i][i], 0.0)) for i in range(k)],
        "fitted": problem.fitted(x),
        "loss": sum(v * v for v in r),
        "data_loss": sum(v * v for v in r[:data]),
        "converged": bool(res.status > 0),
        "status": int(res.status),
        "message": str(res.message),
        "iterations": int(res.njev or 0),
        "evaluations": int(res.nfev),
        "gradient_norm": max(abs(g) for g in grad),
    }


def fit_stays(sc: Scenario, origin: dt.date, inflow: dict[str, float], stock: float):
    """Fit the four stay parameters; return the overlay and the fit report."""
    problem, overlay = _stay_fit(sc, origin, inflow, stock)
    fit = _solve(problem)
    pre_scale, conv, vh_scale, short_scale = _stay_parameters(fit["x"])
    for s in sc.stream:
        if s.path == "pre_trial" and s.name in problem.fitted_streams:
            _merge_into(
                overlay,
                s.name,
                {
                    "pre_trial_days": _scale_spec(s.pre_trial_days, pre_scale),
                    "convicted_share": round(conv, 4),
                    "sentence": _scale_spec(s.sentence, vh_scale),
                },
            )
        elif s.path == "sentence" and s.name in problem.fitted_streams:
            _merge_into(overlay, s.name, {"sentence": _scale_spec(s.sentence, short_scale)})
    report = {
        "parameters": {
            "pre_trial_scale": pre_scale,
            "convicted_share": conv,
            "pre_trial_sentence_scale": vh_scale,
            "short_sentence_scale": short_scale,
        },
        "targets": [{**t, "fitted": fit["fitted"][t["name"]]} for t in problem.targets],
        "loss": fit["loss"],
        "data_loss": fit["data_loss"],
        "prior_sd": list(PRIOR_SD),
        "converged": fit["converged"],
        "optimizer": "Levenberg-Marquardt (MINPACK lmder, scipy.optimize.least_squares)",
        "status": fit["status"],
        "message": fit["message"],
        "iterations": fit["iterations"],
        "evaluations": fit["evaluations"],
        "gradient_norm": fit["gradient_norm"],
        "x": fit["x"],
        "x_sd": fit["x_sd"],
    }
    return overlay, report


def _stay_streams(sc: Scenario, origin: dt.date, stock: float, inflow: dict[str, float]):
    """Rate, mean stay and overlay entry of the stay-path streams set from the
    data: substitute detention keeps its rate and gets the stay that gives its
    published stock; the streams of status ISD, and of status other, keep their
    stays and are scaled together to their published share of the stock."""
    out = {}
    for status in ("substitute_detention", "isd", "other"):
        group = [s for s in sc.stream if s.path == "stay" and (s.status or "other") == status]
        if not group:
            continue
        rates = {s.name: inflow.get(s.name, s.rate_per_year.value_at(origin)) for s in group}
        means = {s.name: dist.mean(s.stay) for s in group}
        now = sum(rates[n] * means[n] for n in rates) / 365.25
        if status == "substitute_detention":
            o = _latest("substitute_detention", origin, "persons")
            k = o.value / now if o else 1.0
            for s in group:
                out[s.name] = (
                    rates[s.name],
                    means[s.name] * k,
                    {"name": s.name, "stay": _scale_spec(s.stay, k)},
                )
        else:
            o = _latest(status, origin, "share")
            k = o.value * stock / now if o else 1.0
            for s in group:
                out[s.name] = (
                    rates[s.name] * k,
                    means[s.name],
                    {"name": s.name, "rate_per_year": _scale_rates(s, origin, rates[s.name] * k)},
                )
    return out


def _scale_rates(s, origin: dt.date, rate: float):
    """The stream's rate table scaled so that it reads ``rate`` at the origin: the
    calibration sets the level, the scenario's own changes after the origin stay."""
    table = s.rate_per_year
    k = rate / table.value_at(origin) if table.value_at(origin) > 0 else 0.0
    data = table.to_data()
    if isinstance(data, dict):
        return {key: round(v * k, 4) for key, v in data.items()}
    return round(rate, 4)


def _merge_into(overlay: list[dict], name: str, values: dict) -> None:
    for entry in overlay:
        if entry["name"] == name:
            entry.update(values)
            return
    overlay.append({"name": name, **values})


def _scale_spec(spec, k: float) -> dict:
    """A distribution stretched by ``k`` (all its lengths times k)."""
    d = spec.model_dump()
    for key in ("mean_days", "sd_days"):
        if key in d:
            d[key] = round(d[key] * k, 4)
    if d["distribution"] == "fixed":
        d["days"] = round(d["days"] * k, 4)
    if d["distribution"] == "empirical":
        d["days"] = [round(x * k, 4) for x in d["days"]]
    return d


# ------------------------------------------------------------------ together


_MEMO: dict[tuple, Calibration] = {}
_BAND = contextvars.ContextVar("capaciteit_band", default=True)


@contextlib.contextmanager
def without_band():
    """Calibrations made inside have no band (1): the band's own nested
    back-tests (:mod:`capaciteit.calibrate.bands`) run so, and read no calibration file."""
    token = _BAND.set(False)
    try:
        yield
    finally:
        _BAND.reset(token)


def calibrate(sc: Scenario) -> Calibration:
    """Calibrate a scenario on what was published by its forecast origin (once per
    process for the same scenario structure, origin and data)."""
    key = (
        structure_hash(sc),
        sc.forecast.origin,
        tuple(sorted(history.data_files().items())),
        _BAND.get(),
    )
    if key not in _MEMO:
        _MEMO[key] = _calibrate(sc)
    return _MEMO[key]


def _calibrate(sc: Scenario) -> Calibration:
    origin = sc.forecast.origin
    if origin is None:
        raise ScenarioError(
            [
                (
                    sc.source_file or "",
                    "forecast.origin",
                    "required to calibrate (the model uses no observation after it)",
                )
            ]
        )
    try:  # the fit's target: a published stock at the origin
        observed = history.observed_stock_near(origin, origin=origin)
    except ValueError as e:
        raise ScenarioError([(sc.source_file or "", "forecast.origin", str(e))]) from None
    # in a full period the stays are fitted to demand (the stock plus the hidden
    # part), as the simulation's limits and responses hold the stock down again
    need = censored.demand(observed, until=origin)
    stock = observed.value if need is None else need[0]
    hidden = censored.hidden_demand(observed.date, until=origin)
    scenario = sc
    sc = known_at(sc, origin)  # nothing after the origin reaches the fit
    combo = Combination.fit(origin)
    band, band_errors = bands.band(scenario, origin) if _BAND.get() else (1.0, [])
    combo = dataclasses.replace(combo, band=band)
    scores = combo.scores
    rec = combo.main
    total = combo.level(origin.year)
    shares, comp_year = composition(origin)
    inflow = {}
    for s in sc.stream:
        if s.inflow_category:
            inflow[s.name] = total * shares[s.inflow_category] * s.category_share
    overlay, report = fit_stays(sc, origin, inflow, stock)
    return Calibration(
        scenario=sc.name,
        origin=origin.isoformat(),
        structure_hash=structure_hash(sc),
        data_sha256=history.data_files(),
        inflow={
            "total": total,
            "year": origin.year,
            "composition": shares,
            "composition_year": comp_year,
            "streams": inflow,
        },
        reconstruction=_rec_dict(rec),
        demand={
            "observed_stock": observed.value,
            "date": observed.date,
            "full": censored.is_full(observed.date, until=origin),
            "hidden": None if hidden is None else hidden.people,
            "hidden_sd": None if hidden is None else hidden.sd,
            "fitted_to": stock,
            "derivation": None if hidden is None else hidden.derivation,
        },
        forecast={
            "model": combo.describe(),
            "weights": combo.weights,
            "spreads": combo.spreads,
            "band": combo.band,
            "band_errors": band_errors,
            "band_runs": {
                "first_origin": bands.FIRST_SCORED_ORIGIN,
                "replications": bands.REPLICATIONS,
                "seed": bands.SEED,
            },
            "scores": scores,
            "params": {k: r.params for k, r in combo.fits.items()},
        },
        stays=report,
        overlay={"stream": overlay},
        fitted=combo,
        state=combo.to_dict(),
    )


def _rec_dict(rec: Reconstruction) -> dict:
    return {
        "dynamics": rec.dynamics,
        "years": rec.years,
        "inflow": rec.inflow,
        "log_inflow_sd": rec.log_inflow_sd,
        "stay_days": rec.stay_days,
        "log_stay_sd": rec.log_stay_sd,
        "params": rec.params,
        "loglike": rec.loglike,
    }


def apply(sc: Scenario, cal: Calibration) -> Scenario:
    """The scenario with the calibration's stream settings laid over it."""
    from capaciteit.scenario import _merge

    # the fit saw each rate as it stood at the origin (one number): the scenario's
    # own table, with its later changes, is scaled to that level
    streams = {s.name: s for s in sc.stream}
    origin = dt.date.fromisoformat(cal.origin)
    overlay = {"stream": [dict(e) for e in cal.overlay.get("stream", [])]}
    for entry in overlay["stream"]:
        if "rate_per_year" in entry and entry["name"] in streams:
            level = float(entry["rate_per_year"])
            entry["rate_per_year"] = _scale_rates(streams[entry["name"]], origin, level)
    data = _merge(sc.to_data(), overlay)
    out = parse_scenario(data, sc.source_file or "<calibrated>")
    return out.model_copy(update={"content_hash": sc.content_hash})


def stored(sc: Scenario, path: Path | None) -> Calibration | None:
    """The calibration in ``path`` when it fits this scenario, its origin and the
    shipped data (None: it must be fitted)."""
    if path is None or not path.is_file() or not _BAND.get():
        return None
    try:
        cal = Calibration.from_json(path.read_text())
    except (ValueError, TypeError) as e:
        raise ScenarioError([(str(path), "", f"not a calibration file: {e}")]) from None
    if (
        cal.structure_hash == structure_hash(sc)
        and cal.data_sha256 == history.data_files()
        and cal.origin == sc.forecast.origin.isoformat()
    ) and cal.fitted is not None:
        return cal
    return None


def load_or_calibrate(sc: Scenario, path: Path | None) -> tuple[Calibration, bool]:
    """The calibration in ``path`` when it fits this scenario and the shipped data;
    otherwise a fresh one. Returns (calibration, whether it was fitted now)."""
    cal = stored(sc, path)
    return (cal, False) if cal is not None else (calibrate(sc), True)
