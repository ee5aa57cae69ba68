"""Held-out figures: a calibrated scenario's forecast against the 30-September
stocks published after its forecast origin, which its calibration did not see.

For the baseline (``scenarios/baseline.toml``, calibrated on what was published
by 30 Sept 2021) these are the CBS stocks of 2022 and 2024 (2023 was not
published). For each such year the script prints the simulated P10, P50 and P90
of the total in cells on 30 September, a 90% order-statistic interval for the
P50 (its Monte Carlo error from the number of replications), the observed
stock, the error of the P50 in %, the share of replications below the observed
value, and whether the observed value lies in the P10-P90 band.

A benchmark figure, not a test: one origin and two years say little about how
good the forecasts are (strongly correlated, and no target to pass); the
back-test (``capaciteit backtest``, docs/calibration.md section 5) scores twelve
origins. Usage::

    python benchmarks/heldout.py [SCENARIO] [-n REPLICATIONS] [--seed S] [--workers W]

Defaults: the baseline, with the scenario's own replications and seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

import numpy as np
from scipy import stats

import capaciteit as cap
from capaciteit.data import history

ROOT = Path(__file__).resolve().parents[1]


def median_interval(x: np.ndarray, level: float = 0.9) -> tuple[float, float]:
    """An order-statistic interval for the median of the distribution ``x`` is
    drawn from, covering it with probability >= ``level`` (``x`` needs at least
    five values for a 90% interval)."""
    n = x.size
    b = stats.binom(n, 0.5)
    a = (1 - level) / 2
    r = int(b.ppf(a))  # X_(r) <= median unless fewer than r draws fall below it
    s = n + 1 - r  # the symmetric upper order statistic
    if r < 1:
        return float("-inf"), float("inf")
    xs = np.sort(x)
    return float(xs[r - 1]), float(xs[s - 1])


def heldout(sc, replications: int, seed: int, workers: int) -> tuple[list[dict], dict]:
    """The held-out rows, and what the run says of its calibration."""
    origin = sc.forecast.origin
    if origin is None:
        raise SystemExit(f"{sc.source_file}: no forecast.origin, so nothing is held out")
    ds = cap.simulate(sc, replications=replications, seed=seed, workers=workers)
    tot = ds.occupancy.sel(unit="total")
    first, last = (np.datetime64(t, "D").astype(dt.date) for t in tot.time.values[[0, -1]])
    rows = []
    for o in history.load_stock():
        if not (o.date > origin and first <= o.date <= last):
            continue
        x = tot.sel(time=str(o.date)).values.astype(float)
        p10, p50, p90 = np.quantile(x, [0.1, 0.5, 0.9])
        lo, hi = median_interval(x)
        rows.append(
            {
                "date": o.date,
                "p10": p10,
                "p50": p50,
                "p50_lo": lo,
                "p50_hi": hi,
                "p90": p90,
                "observed": o.value,
                "error": (p50 - o.value) / o.value,
                "below": float(np.mean(x < o.value)),
                "in_band": bool(p10 <= o.value <= p90),
                "source": o.source,
            }
        )
    return rows, json.loads(ds.attrs.get("calibration", "{}"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.toml"))
    ap.add_argument("-n", "--replications", type=int, help="default: the scenario's")
    ap.add_argument("--seed", type=int, help="default: the scenario's")
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    a = ap.parse_args()
    sc = cap.load_scenario(a.scenario)
    n = a.replications or sc.scenario.replications
    seed = sc.scenario.seed if a.seed is None else a.seed
    print(
        f"capaciteit {cap.__version__}, {dt.date.today()}, python {sys.version.split()[0]}: "
        f"{sc.name}, forecast origin {sc.forecast.origin}, {n} replications, seed {seed}"
    )
    rows, cal = heldout(sc, n, seed, a.workers)
    if cal:
        print(
            f"  calibrated at {cal.get('origin')}: inflow model {cal.get('inflow_model')}, "
            f"{'fitted now' if cal.get('fitted_now') else 'from ' + str(cal.get('file'))}"
        )
    if not rows:
        print("  no 30-September stock in the data after the origin and inside the run")
        return
    print(
        "  30 Sept       P10     P50  (90% CI of P50)      P90  observed   error  "
        "below obs  in P10-P90"
    )
    for r in rows:
        print(
            f"  {r['date'].year}     {r['p10']:7,.0f} {r['p50']:7,.0f}  "
            f"({r['p50_lo']:,.0f}-{r['p50_hi']:,.0f})  {r['p90']:7,.0f}  "
            f"{r['observed']:8,.0f}  {r['error']:+6.1%}  {r['below']:9.0%}  "
            f"{'yes' if r['in_band'] else 'no':>9}"
        )
    inside = sum(r["in_band"] for r in rows)
    print(
        f"  {inside} of {len(rows)} held-out stocks in the P10-P90 band; "
        f"mean absolute error of the P50 {np.mean([abs(r['error']) for r in rows]):.1%}"
    )


if __name__ == "__main__":
    main()
