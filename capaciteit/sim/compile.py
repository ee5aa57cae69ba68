"""From a validated scenario to a :class:`~capaciteit.sim.model.Model`, once per run.

Compiling is separate from running so that a run of 1,000 replications builds
its capacities, rates, resident pools and re-entry past once, and so that a
scenario whose results need care is warned about before anything runs
(:func:`~capaciteit.sim.cautions.cautions`).
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import replace

import numpy as np

from capaciteit.errors import ScenarioWarning
from capaciteit.scenario import Scenario
from capaciteit.sim import policies, reentry
from capaciteit.sim.cautions import cautions
from capaciteit.sim.inflow import rate_pieces
from capaciteit.sim.model import Model, _at, _drivers, _product, _steps, _wing_order
from capaciteit.sim.startstock import resident_pools


def compile_model(sc: Scenario, start_stock: int = 0, forecast=None, warn: bool = True) -> Model:
    """Day-indexed arrays of a scenario; ``start_stock`` people present at the
    origin; ``forecast`` a calibration (:class:`~capaciteit.calibrate.calibration.Calibration`)
    whose inflow forecast each replication draws from. ``warn``: issue a
    :class:`~capaciteit.errors.ScenarioWarning` for each of :func:`cautions`."""
    meta = sc.scenario
    origin = meta.start - dt.timedelta(days=meta.warmup_days)

    def day(date: dt.date) -> float:
        return float((date - origin).days)

    n_days = (meta.end - meta.start).days + 1
    names = sc.unit_names()
    cell = np.array([u.occupies_cell for u in sc.unit])
    knots, values = [], []
    out_days = meta.warmup_days + np.arange(n_days)
    capacity = np.full((n_days, len(names) + 1), np.nan)
    planned = np.full((n_days, len(names) + 1), np.nan)
    threshold = np.full((n_days, len(names) + 1), np.nan)
    for i, u in enumerate(sc.unit):
        if u.capacity is None:
            knots.append(None)
            values.append(None)
            continue
        # usable places: the plan (with capacity policies) times the usable share
        plan = policies.add_places(
            *_steps(u.capacity, origin), policies.capacity_changes(sc, u.name, day)
        )
        k, v = _product(plan, _steps(u.usable_share, origin, 1.0))
        knots.append(k)
        values.append(v)
        capacity[:, i] = _at(k, v, out_days)
        planned[:, i] = _at(*plan, out_days)
        threshold[:, i] = capacity[:, i] - _at(*_steps(u.margin, origin, 0.0), out_days)
    for arr in (capacity, planned, threshold):
        arr[:, -1] = arr[:, :-1][:, cell].sum(axis=1) if cell.any() else np.nan
    # each cell pool's shortage threshold on every simulated day (for responses):
    # a response judges "full" in the pool whose places can take its people
    pool_names = [u.pool or u.name for u in sc.unit if u.occupies_cell]
    cell_pools = list(dict.fromkeys(pool_names))
    pool_of_unit = np.array(
        [cell_pools.index(u.pool or u.name) if u.occupies_cell else -1 for u in sc.unit], np.int64
    )
    all_days = np.arange(meta.warmup_days + n_days)
    threshold_pools = np.zeros((len(cell_pools), all_days.size))
    for i, u in enumerate(sc.unit):
        if cell[i]:
            row = threshold_pools[pool_of_unit[i]]
            if knots[i] is None:  # no capacity: never full
                row[:] = np.nan
                continue
            row += _at(knots[i], values[i], all_days) - _at(
                *_steps(u.margin, origin, 0.0), all_days
            )
    order = _wing_order(sc)
    horizon = meta.warmup_days + n_days
    rates = [
        policies.scale_rates(
            *rate_pieces(s.rate_per_year, origin, horizon), policies.rate_factor(sc, s, day)
        )
        for s in sc.stream
    ]
    statuses = ["pre_trial", "sentenced"]
    for s in sc.stream:
        if s.path == "stay":
            st = s.status or "other"
            if st not in statuses:
                statuses.append(st)
    model = Model(
        scenario=sc,
        origin=origin,
        warmup=meta.warmup_days,
        n_days=n_days,
        unit_names=names,
        cell=cell,
        cap_knots=knots,
        cap_values=values,
        capacity=capacity,
        planned=planned,
        threshold=threshold,
        cell_pools=cell_pools,
        pool_of_unit=pool_of_unit,
        threshold_pools=threshold_pools,
        wing_order=order,
        rates=rates,
        senb_start=float((sc.release.senb_start - origin).days),
        statuses=statuses,
        start_stock=int(start_stock),
    )
    if forecast is not None:
        model = replace(model, drivers=_drivers(model, forecast))
    if sc.reentry is not None:  # the loop's past: the forecast's, or a steady state
        past = starts = None
        lag = 0.0
        if model.drivers is not None:
            year = int(forecast.inflow["year"])
            past = reentry.past_levels(forecast.fitted, year)
            starts = [model.day_of(dt.date(year - 1 - k, 10, 1)) for k in range(len(past))]
            lag = reentry.mean_stay(forecast.fitted, year)
        model = replace(model, loop=reentry.prepare(model, past, starts, lag))
    if model.start_stock:
        model = replace(model, known=policies.known_at(sc, origin))
        pools, shares = resident_pools(model)
        model = replace(model, resident_pools=pools, resident_shares=shares)
    if warn:
        for caution in cautions(model):  # in English: the command line's language
            warnings.warn(f"{sc.source_file or '<scenario>'}: {caution}", ScenarioWarning, 2)
    return model
