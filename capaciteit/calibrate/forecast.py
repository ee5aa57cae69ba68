"""The forecast: a combination of candidate models, weighted and widened by
how they did out of sample.

The candidates are the dynamics of the reconstruction model
(:data:`capaciteit.calibrate.little_model.DYNAMICS`: for inflow a random walk, a random walk
with drift, a local linear trend or a damped trend, with the stay a random walk;
or a damped trend on the stay, with inflow a random walk), each with the
COVID-19 pulses. A forecast
from the same model that reconstructs the past keeps the two consistent: its
innovation variances are those of the real series, not of a smoothed
reconstruction.

Every number here comes from rolling origins before the forecast origin, each
with its own fit on what was published by then, scored 1 to 3 years ahead
against the real 30-September stock that was also published by the origin:

- the **score** of a candidate is its mean CRPS of the log stock;
- its **weight** in the combination is proportional to 1 / score (inverse-error
  weights; no weight is fitted, so a short history cannot overfit them);
- its **spread** is the root mean square of its standardized errors
  (observed - predicted) / predicted sd, each origin's horizons averaged first
  (they are one forecast, not independent errors), shrunk towards 1 by
  :data:`PRIOR_ERRORS` pseudo-origins, and never below 1: a model whose errors
  were larger than it said gets its shocks widened by that much; one whose
  few earlier errors were smaller keeps its own variance (:func:`spread_scales`).

Each replication draws one candidate by weight and that candidate's future
(:class:`Combination`), so the bands are a mixture of the candidates.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from capaciteit.calibrate.reconstruct import DYNAMICS, Reconstruction, reconstruct
from capaciteit.data import history

FIRST_SCORED_ORIGIN = 2009  # the first origin with four years of series
HORIZONS = (1, 2, 3)


def crps_normal(mu: np.ndarray, sd: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """CRPS of a normal predictive distribution (Gneiting & Raftery 2007)."""
    sd = np.maximum(sd, 1e-12)
    z = (obs - mu) / sd
    return sd * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi))


PRIOR_ERRORS = 4
"""Pseudo-origins whose errors are of size 1 (a model as uncertain as it says)
that the spread is shrunk with: with n earlier origins, each with the mean m
of its squared standardized errors, spread = sqrt((sum m + 4) / (n + 4)), so
that two or three early origins cannot triple the bands."""


@functools.lru_cache(maxsize=512)
def _fit(origin: dt.date, name: str, data: tuple) -> Reconstruction:
    """The candidate fitted on what was published by ``origin`` (cached per
    shipped data: rolling origins, the combination and the band's nested
    calibrations reuse the same fits)."""
    return reconstruct(origin, name)


def fit(origin: dt.date, name: str) -> Reconstruction:
    """:func:`~capaciteit.calibrate.reconstruct.reconstruct`, once per origin, candidate
    and shipped data in a process."""
    return _fit(origin, name, tuple(sorted(history.data_files().items())))


def _errors(
    origin: dt.date, names: tuple[str, ...] = DYNAMICS
) -> dict[str, list[tuple[float, float, int]]]:
    """(CRPS, standardized error, origin year) of each candidate's log-stock
    forecasts from the origins before ``origin`` whose targets were published
    by ``origin``."""
    stock = {o.date.year: math.log(o.value) for o in history.load_stock(until=origin)}
    data = tuple(sorted(history.data_files().items()))
    out: dict[str, list[tuple[float, float, int]]] = {name: [] for name in names}
    for year in range(FIRST_SCORED_ORIGIN, origin.year):
        targets = [(h, stock[year + h]) for h in HORIZONS if year + h in stock]
        if not targets:
            continue
        for name in names:
            mu, sd = _fit(dt.date(year, 9, 30), name, data).forecast_stock(max(HORIZONS))
            out[name] += [
                (
                    float(crps_normal(mu[h - 1], sd[h - 1], v)),
                    float((v - mu[h - 1]) / sd[h - 1]),
                    year,
                )
                for h, v in targets
            ]
    return out


def rolling_scores(origin: dt.date, errors: dict | None = None) -> dict[str, float]:
    """Mean CRPS (log stock) of each candidate over the origins before ``origin``
    whose targets were observed by ``origin`` (from ``errors`` when given)."""
    errors = _errors(origin) if errors is None else errors
    return {k: float(np.mean([e[0] for e in v])) if v else float("nan") for k, v in errors.items()}


def spread_scales(
    origin: dt.date, names: tuple[str, ...] = DYNAMICS, errors: dict | None = None
) -> dict[str, float]:
    """Each candidate's out-of-sample spread (see :data:`PRIOR_ERRORS`), at
    least 1. Widen only: the model's own sd already leaves out what it cannot
    see (a change of law, of sentencing), so a few calm earlier years are no
    evidence that it says too much; in the back-test, spreads of 0.64-0.92 at
    the origins 2010-2014 (errors pooled, before this floor) cut the 80% band's
    coverage."""
    errors = _errors(origin, names) if errors is None else errors
    return {k: widening([(year, z) for _c, z, year in v]) for k, v in errors.items()}


def widening(errors: list[tuple[int, float]]) -> float:
    """The factor a forecast's spread is widened by, from its earlier (origin,
    standardized error) pairs: the root mean square of the errors, each origin's
    averaged first (its horizons are one forecast, not independent errors),
    shrunk with :data:`PRIOR_ERRORS` pseudo-origins of size 1, and at least 1.
    One rule for the candidates' spreads and the whole chain's band
    (:mod:`capaciteit.calibrate.bands`)."""
    by_origin: dict[int, list[float]] = {}
    for year, z in errors:
        by_origin.setdefault(year, []).append(z * z)
    m = [math.fsum(zz) / len(zz) for _y, zz in sorted(by_origin.items())]
    return max(1.0, math.sqrt((math.fsum(m) + PRIOR_ERRORS) / (len(m) + PRIOR_ERRORS)))


def weights(scores: dict[str, float]) -> dict[str, float]:
    """Inverse-score weights over the candidates with a score (the random walk
    alone when there is too little history to score any)."""
    finite = {k: 1.0 / v for k, v in scores.items() if np.isfinite(v) and v > 0}
    if not finite:
        return {"local_level": 1.0}
    total = math.fsum(finite.values())
    return {k: v / total for k, v in finite.items()}


@dataclass(frozen=True)
class Combination:
    """The candidates' fits with their weights and spreads: the forecast each
    replication draws from."""

    fits: dict[str, Reconstruction]
    weights: dict[str, float]
    spreads: dict[str, float]
    scores: dict[str, float] | None = None  # every candidate's, weighted or not
    band: float = 1.0
    """The whole chain's widening (:mod:`capaciteit.calibrate.bands`): every candidate's
    spread is multiplied by it."""

    @classmethod
    def fit(cls, origin: dt.date) -> Combination:
        errors = _errors(origin)  # once: the scores and the spreads both read them
        scores = rolling_scores(origin, errors)
        w = weights(scores)
        spreads = spread_scales(origin, errors=errors)
        return cls({k: fit(origin, k) for k in w}, w, {k: spreads[k] for k in w}, scores)

    @property
    def main(self) -> Reconstruction:
        """The candidate with the largest weight (for the reconstructed series)."""
        return self.fits[max(self.weights, key=self.weights.get)]

    def level(self, year: int) -> float:
        """Inflow per year in ``year``: the weighted geometric mean of the
        candidates' reconstructions."""
        logs = [w * math.log(self.fits[k].at(year)[0]) for k, w in self.weights.items()]
        return math.exp(math.fsum(logs))

    def simulate_changes(
        self, horizon: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """One future: a candidate drawn by weight, then its (log inflow, log
        stay) 1..horizon years ahead, as changes from its own last state."""
        u = float(rng.random())
        names = list(self.weights)
        acc, pick = 0.0, names[-1]
        for k in names:  # cumulative weights in plain floats, in a fixed order
            acc += self.weights[k]
            if u < acc:
                pick = k
                break
        rec = self.fits[pick]
        inflow, stay = rec.simulate(horizon, rng, self.spreads[pick] * self.band)
        return inflow - rec.last_state[0], stay - rec.last_state[1]

    def describe(self) -> str:
        return (
            "combination: "
            + ", ".join(
                f"{k} {w:.2f} (spread {self.spreads[k]:.2f})" for k, w in self.weights.items()
            )
            + f"; band {self.band:.2f}"
        )

    def to_dict(self) -> dict:
        return {
            "weights": self.weights,
            "spreads": self.spreads,
            "band": self.band,
            "fits": {k: r.to_dict() for k, r in self.fits.items()},
        }

    @classmethod
    def from_dict(cls, data: dict) -> Combination:
        return cls(
            {k: Reconstruction.from_dict(v) for k, v in data["fits"].items()},
            {k: float(v) for k, v in data["weights"].items()},
            {k: float(v) for k, v in data["spreads"].items()},
            band=float(data["band"]),
        )
