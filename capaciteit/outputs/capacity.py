"""Capacity needed for a risk, and the gap against a plan.

A shortage is occupancy above the threshold (usable places less the
operational margin), or someone who needs a place and lacks one. For a year and
a unit or pool, the least usable capacity for which the probability of at least
one shortage day stays at or below ``risk`` is the ``1 - risk`` quantile of the
year's highest demand (occupancy plus those who lack a place) over
replications, plus the margin. The answer is an estimate from a finite number of replications; its
precision is an exact (order-statistic) confidence interval for that quantile.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from capaciteit.run.results import _per_year, yearly


def quantile_interval(n: int, p: float, level: float = 0.9) -> tuple[int, int]:
    """Indices (0-based, into the sorted sample) of an order-statistic interval that
    covers the ``p`` quantile with probability >= ``level`` (binomial). With too
    few draws for a bound the index is outside the sample: -1 (no lower bound) or
    ``n`` (no upper bound); clamping it to the sample's extremes would cover less
    than promised (0.63 instead of 0.9 for the 95% quantile of 20 draws)."""
    a = (1 - level) / 2
    lo = int(stats.binom.ppf(a, n, p)) - 1
    hi = int(stats.binom.ppf(1 - a, n, p))
    return max(lo, -1), min(hi, n)


def replications_for_bounds(p: float, level: float = 0.9) -> int:
    """The fewest replications whose order statistics give both bounds of the
    ``level`` interval of the ``p`` quantile (fewer leave a bound open)."""
    n = 2
    while True:
        lo, hi = quantile_interval(n, p, level)
        if lo >= 0 and hi < n:
            return n
        n += 1


def need(ds: xr.Dataset, risk: float = 0.05, level: float = 0.9) -> pd.DataFrame:
    """Per year and unit or pool: the usable capacity needed so that the
    probability of a shortage day in the year is at most ``risk`` (the
    ``1 - risk`` quantile of the year's peak demand, occupancy plus those who
    lack a place, plus the margin), its ``level`` interval, and the current
    usable capacity and the gap (needed - current). NaN for ``total``."""
    from capaciteit.run.results import _memo

    return _memo(ds, f"need/{risk!r}/{level!r}", lambda d: _need(d, risk, level))


def _need(ds: xr.Dataset, risk: float, level: float) -> pd.DataFrame:
    if not 0 < risk < 1:
        raise ValueError("risk must be between 0 and 1")
    y = yearly(ds)
    margin = _per_year(ds, "margin", "max")
    current = _per_year(ds, "capacity", "min")
    n = y.sizes["replication"]
    lo_i, hi_i = quantile_interval(n, 1 - risk, level)
    rows = []
    for u in y["unit"].values:
        peaks = np.sort(y["demand_max"].sel(unit=u).values, axis=0)  # (replication, year)
        for j, yr in enumerate(y["year"].values):
            m = (
                float(margin.sel(unit=u, year=yr))
                if np.isfinite(margin.sel(unit=u, year=yr))
                else 0.0
            )
            q = float(np.quantile(peaks[:, j], 1 - risk, method="inverted_cdf"))
            if u == "total":  # a count, never a place to put someone: see its pools
                q = lo = hi = np.nan
            else:
                lo = peaks[lo_i, j] + m if lo_i >= 0 else np.nan
                hi = peaks[hi_i, j] + m if hi_i < n else np.nan
            cap = float(current.sel(unit=u, year=yr))
            rows.append(
                {
                    "year": int(yr),
                    "unit": str(u),
                    "risk": risk,
                    "needed": q + m,
                    # NaN: no bound on that side with this many replications
                    "needed_low": lo,
                    "needed_high": hi,
                    "current": cap,
                    "gap": q + m - cap if np.isfinite(cap) else np.nan,
                    "replications": n,
                }
            )
    return pd.DataFrame(rows)
