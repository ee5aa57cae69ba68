"""The back-test's scores, and what they say about a run's bands.

Scores per horizon: MAPE of the median, MASE against the random walk (the stock
at the origin as the forecast of every later year) and the same ratio against
the random walk with drift, coverage of the 50% and 80% intervals, and the CRPS
of the simulated distribution, against that of the point random walk (its
absolute error) and of two log-normal baselines: the random walk and the random
walk with drift, each with the spread of the yearly log changes published by
the origin.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats


def crps_ensemble(samples: np.ndarray, obs: float) -> float:
    """CRPS of an ensemble: E|X - y| - E|X - X'| / 2 (exact for the ensemble)."""
    x = np.sort(np.asarray(samples, float))
    n = x.size
    spread = 2.0 * np.sum((2 * np.arange(1, n + 1) - n - 1) * x) / n**2
    return float(np.mean(np.abs(x - obs)) - 0.5 * spread)


def crps_lognormal(mu, s, obs):
    """CRPS of a log-normal predictive distribution LN(mu, s) at ``obs`` > 0, in
    closed form (Baran & Lerch 2015): a baseline forecast of the stock is scored
    exactly, with no sampling error of its own."""
    mu, s, y = (np.asarray(v, float) for v in (mu, s, obs))
    z = (np.log(y) - mu) / s
    phi = stats.norm.cdf
    out = y * (2 * phi(z) - 1) - 2 * np.exp(mu + s**2 / 2) * (
        phi(z - s) + phi(s / math.sqrt(2)) - 1
    )
    return float(out) if out.ndim == 0 else out


def log_changes(stock: dict[int, float], origin: int) -> np.ndarray:
    """The yearly log changes of the stock published by ``origin`` (consecutive
    years only: a gap is skipped, never bridged)."""
    years = sorted(y for y in stock if y <= origin)
    pairs = [(a, b) for a, b in itertools.pairwise(years) if b == a + 1]
    return np.array([math.log(stock[b] / stock[a]) for a, b in pairs])


def random_walk_sd(stock: dict[int, float], origin: int) -> float:
    """The yearly spread of the random walk from ``origin``: the root mean square
    of the yearly log changes published by then (their spread around zero, the
    walk's expected change), so that the log stock h years ahead has sd this
    times sqrt(h)."""
    c = log_changes(stock, origin)
    return float(np.sqrt(np.mean(c**2)))


def drift(stock: dict[int, float], origin: int) -> tuple[float, float]:
    """The random walk with drift from ``origin``: the mean yearly log change
    published by then, and the sd of the changes around it (the log stock h
    years ahead: the origin's plus h x drift, with sd this times sqrt(h); the
    drift's own estimation error is not in it)."""
    c = log_changes(stock, origin)
    return float(c.mean()), float(c.std(ddof=1))


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Scores per horizon (and over horizons 1-3): MAPE, MASE (against the random
    walk) and the MAE ratio against the random walk with drift, coverage, and the
    CRPS beside the baselines'. A table written before a baseline was scored
    lacks its columns, and its summary lacks that baseline's scores."""

    def scores(t: pd.DataFrame) -> dict:
        mae = t["error"].abs().mean()
        out = {
            "forecasts": len(t),
            "MAPE": t["ape"].mean(),
            "MASE": mae / t["naive_error"].abs().mean(),
        }
        if "drift_error" in t:
            out["MAE_ratio_drift"] = mae / t["drift_error"].abs().mean()
        out |= {
            "coverage_50": t["in50"].mean(),
            "coverage_80": t["in80"].mean(),
            "CRPS": t["crps"].mean(),
            "CRPS_naive": t["crps_naive"].mean(),
        }
        for col, name in (("crps_rw", "CRPS_rw"), ("crps_drift", "CRPS_drift")):
            if col in t:
                out[name] = t[col].mean()
        return out

    out = {f"{h} yr": scores(t) for h, t in table.groupby("horizon")}
    out["1-3 yr"] = scores(table[table["horizon"] <= 3])
    return pd.DataFrame(out).T


def reliability(scores: pd.DataFrame | str | Path | None) -> dict | None:
    """How far to trust a run's bands, from a back-test's ``summary.csv``: the
    coverage of the 50% and 80% bands 1 to 3 years ahead, and a word for it
    (too narrow when the 80% band held under 70% or the 50% band under 40%,
    too wide above 90% or 60%). The report and the workbook say it beside the
    places needed, which read a tail of the same bands."""
    if scores is None:
        return None
    if not isinstance(scores, pd.DataFrame):
        scores = pd.read_csv(scores)
    row = scores[scores["horizon"].astype(str) == "1-3 yr"]
    if not len(row):
        return None
    r = row.iloc[0]
    cov50, cov80 = float(r["coverage_50"]), float(r["coverage_80"])
    if cov80 < 0.7 or cov50 < 0.4:
        word = "too_narrow"
    elif cov80 > 0.9 or cov50 > 0.6:
        word = "too_wide"
    else:
        word = "about_right"
    return {"forecasts": int(r["forecasts"]), "cov50": cov50, "cov80": cov80, "word": word}
