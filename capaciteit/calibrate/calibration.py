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

This module fits them together (:func:`calibrate`) and is the calibration's
one door: every name below is importable from here. The parts, each fed by the
ones above it and never calling back up:

- :mod:`~capaciteit.calibrate.context`: whether a calibration carries the band;
- :mod:`~capaciteit.calibrate.record`: the :class:`Calibration` record, its JSON,
  :func:`structure_hash` and the stored file (:func:`stored`);
- :mod:`~capaciteit.calibrate.inflow`: the inflow composition at the origin;
- :mod:`~capaciteit.calibrate.stay_targets`, :mod:`~capaciteit.calibrate.stay_moments`
  and :mod:`~capaciteit.calibrate.stay_fit`: the stays' targets, the simulated
  moments and the fit;
- :mod:`~capaciteit.calibrate.overlay`: the stream settings written, and
  :func:`apply`, which lays them over a scenario.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from capaciteit.calibrate import bands, censored
from capaciteit.calibrate.context import _BAND, banded, without_band
from capaciteit.calibrate.forecast import Combination
from capaciteit.calibrate.inflow import CATEGORIES, composition, stream_inflow
from capaciteit.calibrate.overlay import _merge_into, _scale_rates, _scale_spec, apply
from capaciteit.calibrate.plain import inverse as _inverse
from capaciteit.calibrate.reconstruct import Reconstruction
from capaciteit.calibrate.record import Calibration, _plain, stored, structure_hash
from capaciteit.calibrate.stay_fit import (
    _FD_STEP,
    PRIOR_SD,
    SAMPLE,
    _solve,
    _stay_fit,
    _stay_streams,
    _StayFit,
    fit_stays,
)
from capaciteit.calibrate.stay_moments import (
    _PARTS,
    _SMOOTH,
    _fitted_values,
    _moments,
    _smooth_step,
    _stay_parameters,
    _stream_sums,
    _StreamSample,
    _whole_days,
)
from capaciteit.calibrate.stay_targets import _BY_LENGTH, _latest, _stay_targets, targets
from capaciteit.data import history
from capaciteit.errors import ScenarioError
from capaciteit.scenario import Scenario
from capaciteit.sim.policies import known_at

__all__ = [
    "CATEGORIES",
    "PRIOR_SD",
    "SAMPLE",
    "_BAND",
    "_BY_LENGTH",
    "_FD_STEP",
    "_MEMO",
    "_PARTS",
    "_SMOOTH",
    "Calibration",
    "_StayFit",
    "_StreamSample",
    "_calibrate",
    "_fitted_values",
    "_inverse",
    "_latest",
    "_merge_into",
    "_moments",
    "_plain",
    "_rec_dict",
    "_scale_rates",
    "_scale_spec",
    "_smooth_step",
    "_solve",
    "_stay_fit",
    "_stay_parameters",
    "_stay_streams",
    "_stay_targets",
    "_stream_sums",
    "_whole_days",
    "apply",
    "calibrate",
    "composition",
    "fit_stays",
    "load_or_calibrate",
    "stored",
    "structure_hash",
    "targets",
    "without_band",
]


_MEMO: dict[tuple, Calibration] = {}


def calibrate(sc: Scenario) -> Calibration:
    """Calibrate a scenario on what was published by its forecast origin (once per
    process for the same scenario structure, origin and data)."""
    key = (
        structure_hash(sc),
        sc.forecast.origin,
        tuple(sorted(history.data_files().items())),
        banded(),
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
    band, band_errors = bands.band(scenario, origin) if banded() else (1.0, [])
    combo = dataclasses.replace(combo, band=band)
    scores = combo.scores
    rec = combo.main
    total = combo.level(origin.year)
    shares, comp_year = composition(origin)
    inflow = stream_inflow(sc, total, shares)
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


def load_or_calibrate(sc: Scenario, path: Path | None) -> tuple[Calibration, bool]:
    """The calibration in ``path`` when it fits this scenario and the shipped data;
    otherwise a fresh one. Returns (calibration, whether it was fitted now)."""
    cal = stored(sc, path)
    return (cal, False) if cal is not None else (calibrate(sc), True)
