"""The band: the whole chain's earlier errors widen its forecast.

The candidates' spreads (:func:`capaciteit.calibrate.forecast.spread_scales`) come from
the reconstruction's own forecasts of the stock. The simulation adds what those
leave out: the stay fit, the start stock, the split over streams, the dated
policies known at the origin. Its bands were narrower than its errors: in the
back-test without a band (origins 2010-2021, 1-3 years ahead) the 50% band
covered 35% of the real stocks and the 80% band 71%.

The band applies the candidates' rule one level up, to the whole chain, with
errors made before the origin only. The scenario as it stood at each earlier
origin (:func:`capaciteit.calibrate.origins.as_of`, from
:data:`~capaciteit.calibrate.forecast.FIRST_SCORED_ORIGIN`) is simulated without a band
(:data:`REPLICATIONS` replications, seed :data:`SEED`) and scored 1 to 3 years
ahead against each CBS stock published by the origin. Each error is
standardized on the log scale by the simulated interquartile range,
z = log(observed / median) / sd with sd = log(p75 / p25) / 1.349 (the sd of a
normal with that range). The band is :func:`capaciteit.calibrate.forecast.widening` of
these errors: their root mean square, each origin's averaged first, shrunk with
four pseudo-origins of size 1, and never below 1. It multiplies every
candidate's spread: the shocks of inflow and stay, and the uncertainty of their
level at the origin.

The nested runs are cached per process by their content, so a back-test that
moves through its origins in order simulates each earlier origin once.

The band belongs to the calibration it is part of: learned on the scenario that
was calibrated, it is shared, like the rest of the calibration, by every
scenario of the same structure (:func:`capaciteit.calibrate.record.structure_hash`:
capacity and policy variants), so their comparisons stay paired.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math

import numpy as np
from scipy import stats

from capaciteit.calibrate.context import without_band
from capaciteit.calibrate.forecast import FIRST_SCORED_ORIGIN, HORIZONS, widening
from capaciteit.calibrate.origins import origin_scenario
from capaciteit.data import history

REPLICATIONS = 200
SEED = 1
IQR_SD = float(stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
"""The interquartile range of a standard normal (2 x 0.6744897501960817)."""
_RUNS: dict[str, dict[int, tuple[float, float, float]]] = {}


def errors(sc, origin: dt.date) -> list[dict]:
    """The whole chain's standardized errors before ``origin``: one row per
    earlier origin and horizon whose stock was published by ``origin``."""
    stock = {o.date.year: o.value for o in history.load_stock(until=origin)}
    rows = []
    for year in range(FIRST_SCORED_ORIGIN, origin.year):
        targets = [year + h for h in HORIZONS if year + h in stock]  # published by the origin
        if not targets or year not in stock:
            continue
        quartiles = _forecast(sc, year)
        for target in targets:
            p25, p50, p75 = quartiles[target]
            y = stock[target]
            sd = math.log(p75 / p25) / IQR_SD
            rows.append(
                {
                    "origin": year,
                    "horizon": target - year,
                    "year": target,
                    "observed": y,
                    "p25": p25,
                    "p50": p50,
                    "p75": p75,
                    "z": math.log(y / p50) / sd,
                }
            )
    return rows


def band(sc, origin: dt.date) -> tuple[float, list[dict]]:
    """The band of ``sc`` at ``origin`` and the errors it was learned from."""
    rows = errors(sc, origin)
    return widening([(r["origin"], r["z"]) for r in rows]), rows


def _forecast(sc, year: int) -> dict[int, tuple[float, float, float]]:
    """Quartiles of the simulated total on 30 September 1-3 years after
    ``year``, from ``sc`` as it stood on 30 September ``year``, without a band."""
    from capaciteit.run.runner import simulate

    past = origin_scenario(sc, year, max(HORIZONS))
    key = _key(past)
    if key not in _RUNS:
        with without_band():
            ds = simulate(past, replications=REPLICATIONS, seed=SEED)
        tot = ds["occupancy"].sel(unit="total")
        _RUNS[key] = {
            year + h: tuple(
                float(q)
                for q in np.quantile(tot.sel(time=f"{year + h}-09-30").values, [0.25, 0.5, 0.75])
            )
            for h in HORIZONS
        }
    return _RUNS[key]


def _key(past) -> str:
    """The run's content (its name, title and parent aside) and the data it reads."""
    data = past.to_data()
    for key in ("name", "title", "extends"):
        data["scenario"].pop(key, None)
    text = json.dumps(
        [data, sorted(history.data_files().items()), REPLICATIONS, SEED],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()
