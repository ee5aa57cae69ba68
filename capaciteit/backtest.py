"""Back-tests: the whole chain from rolling origins, scored against what happened.

From each origin (30 September of a year) the scenario is moved into the past:
start on 1 October with the real stock of 30 September, calibrate on what was
published by then (reconstruction, stays, inflow model), simulate five years, and
compare the total on each later 30 September with the real CBS stock. Scores per
horizon: MAPE of the median, MASE against the random walk (the stock at the
origin as the forecast of every later year), coverage of the 50% and 80%
intervals, and the CRPS of the simulated distribution, against that of the
random walk as a point forecast (its absolute error) and as a forecast with a
spread (a normal around the origin's stock, sd from the yearly changes
published by the origin).
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from . import history
from .forecast import crps_normal
from .runner import simulate
from .scenario import Scenario, parse_scenario

HORIZON = 5


def origin_scenario(base: Scenario, year: int, horizon: int = HORIZON) -> Scenario:
    """The base scenario moved to an origin on 30 September ``year``."""
    data = base.to_data()
    data["scenario"].update(
        name=f"{base.name}-backtest-{year}",
        start=dt.date(year, 10, 1),
        end=dt.date(year + horizon, 9, 30),
        warmup_days=0,
        start_stock="observed",
    )
    data["forecast"] = {"origin": dt.date(year, 9, 30)}
    data["inflow"] = {"calibrate": True}
    return parse_scenario(data, base.source_file or "<backtest>")


def crps_ensemble(samples: np.ndarray, obs: float) -> float:
    """CRPS of an ensemble: E|X - y| - E|X - X'| / 2 (exact for the ensemble)."""
    x = np.sort(np.asarray(samples, float))
    n = x.size
    spread = 2.0 * np.sum((2 * np.arange(1, n + 1) - n - 1) * x) / n**2
    return float(np.mean(np.abs(x - obs)) - 0.5 * spread)


def random_walk_sd(stock: dict[int, float], origin: int) -> float:
    """The spread of a probabilistic random walk from ``origin``: the standard
    deviation of the yearly log changes of the stock up to the origin (what
    was published by then), so that the stock h years ahead is the origin's
    stock with a spread of that times sqrt(h), in relative terms."""
    years = sorted(y for y in stock if y <= origin)
    pairs = [(a, b) for a, b in itertools.pairwise(years) if b == a + 1]
    changes = np.array([np.log(stock[b] / stock[a]) for a, b in pairs])
    return float(changes.std(ddof=1))


def run(
    base: Scenario,
    origins: list[int],
    replications: int,
    seed: int,
    workers: int = 1,
    progress=None,
) -> tuple[pd.DataFrame, dict]:
    """Back-test ``base`` from each origin; return the per-forecast table and the
    simulated daily quantiles of the total (for the figure)."""
    stock = {o.date.year: o.value for o in history.load_stock()}
    rows, fans = [], {}
    for k, year in enumerate(origins):
        spread = random_walk_sd(stock, year)
        sc = origin_scenario(base, year)
        ds = simulate(sc, replications=replications, seed=seed, workers=workers)
        tot = ds["occupancy"].sel(unit="total")
        fans[year] = tot.quantile([0.1, 0.5, 0.9], dim="replication").to_pandas().T
        for h in range(1, HORIZON + 1):
            target = year + h
            if target not in stock:
                continue
            x = tot.sel(time=f"{target}-09-30").values.astype(float)
            y = stock[target]
            q = np.quantile(x, [0.1, 0.25, 0.5, 0.75, 0.9])
            rows.append(
                {
                    "origin": year,
                    "horizon": h,
                    "year": target,
                    "observed": y,
                    "p10": q[0],
                    "p25": q[1],
                    "p50": q[2],
                    "p75": q[3],
                    "p90": q[4],
                    "mean": x.mean(),
                    "naive": stock[year],
                    "error": q[2] - y,
                    "naive_error": stock[year] - y,
                    "ape": abs(q[2] - y) / y,
                    "in50": q[1] <= y <= q[3],
                    "in80": q[0] <= y <= q[4],
                    "crps": crps_ensemble(x, y),
                    "crps_naive": abs(stock[year] - y),
                    # the random walk as a forecast with a spread: the origin's stock,
                    # sd = stock x (sd of the yearly log changes to the origin) x sqrt(h)
                    "crps_rw": float(
                        crps_normal(stock[year], stock[year] * spread * np.sqrt(h), y)
                    ),
                    "inflow_model": _model_of(ds),
                }
            )
        if progress:
            progress(k + 1, len(origins))
    return pd.DataFrame(rows), fans


def _model_of(ds) -> str:
    import json

    return json.loads(ds.attrs.get("calibration", "{}")).get("inflow_model", "")


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Scores per horizon (and over horizons 1-3): MAPE, MASE, coverage, CRPS."""

    def scores(t: pd.DataFrame) -> dict:
        return {
            "forecasts": len(t),
            "MAPE": t["ape"].mean(),
            "MASE": t["error"].abs().mean() / t["naive_error"].abs().mean(),
            "coverage_50": t["in50"].mean(),
            "coverage_80": t["in80"].mean(),
            "CRPS": t["crps"].mean(),
            "CRPS_naive": t["crps_naive"].mean(),
            "CRPS_rw": t["crps_rw"].mean() if "crps_rw" in t else np.nan,
        }

    out = {f"{h} yr": scores(t) for h, t in table.groupby("horizon")}
    out["1-3 yr"] = scores(table[table["horizon"] <= 3])
    return pd.DataFrame(out).T


def figure(fans: dict, path: Path) -> None:
    """Forecast fans (P10-P90 and median) from each origin against the real stock.

    Drawn on its own Agg canvas, not pyplot, so that calling it from a notebook
    leaves the notebook's backend alone."""
    from matplotlib import colormaps

    from .figures import new_figure

    stock = history.load_stock()
    fig = new_figure((10, 5))
    fig.set_dpi(110)
    fig.set_layout_engine("tight")
    ax = fig.add_subplot()
    cmap = colormaps["viridis"].resampled(max(len(fans), 2))
    for k, (year, q) in enumerate(sorted(fans.items())):
        t = q.index.values
        ax.fill_between(t, q[0.1], q[0.9], color=cmap(k), alpha=0.18, lw=0)
        ax.plot(t, q[0.5], color=cmap(k), lw=1.2, label=f"from {year}")
    ax.plot(
        [np.datetime64(o.date) for o in stock],
        [o.value for o in stock],
        "ko-",
        ms=4,
        lw=1.5,
        label="CBS 30 Sept stock",
    )
    ax.set_ylabel("people in prison (cells)")
    ax.set_title("Back-test: forecasts from each origin (median, 80% band) and what happened")
    ax.legend(ncol=4, fontsize=7, loc="upper right")
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=110)
