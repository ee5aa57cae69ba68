"""Replications: seeds, executors, and assembly into one dataset.

Replication ``r`` always runs from :func:`~capaciteit.rng.replication_seed`
``(seed, r)``, whatever the number of replications or workers, and results are
placed by index, so a run is identical on one process or many.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import xarray as xr

from . import history
from .calibration import apply, load_or_calibrate
from .engine import Model, compile_model, run_replication
from .errors import ScenarioError
from .results import to_dataset
from .rng import replication_seed
from .scenario import Scenario


def start_stock(sc: Scenario) -> tuple[int, dict]:
    """Number of people present at the simulation's first day, and where it comes from."""
    meta = sc.scenario
    if meta.start_stock == "empty":
        return 0, {"kind": "empty"}
    if isinstance(meta.start_stock, int):
        return meta.start_stock, {"kind": "given"}
    try:
        obs = history.observed_stock_near(meta.start, origin=sc.forecast.origin)
    except ValueError as e:
        raise ScenarioError([(sc.source_file or "", "scenario.start_stock", str(e))]) from None
    return int(obs.value), {
        "kind": "observed",
        "date": obs.date.isoformat(),
        "value": obs.value,
        "source": obs.source,
        "source_url": obs.source_url,
    }


def _batches(n: int, workers: int) -> list[range]:
    size = max(1, min(50, n // max(1, 4 * workers)))
    return [range(i, min(n, i + size)) for i in range(0, n, size)]


_WORKER_MODEL: Model | None = None  # one compiled model per worker process


def _init_worker(model: Model) -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = model


def _run_batch(seed: int, reps: range) -> tuple[range, dict[str, np.ndarray]]:
    """Replications ``reps`` stacked per variable: one large array each travels back
    (small ones, one per replication, would fragment the parent's heap)."""
    assert _WORKER_MODEL is not None
    return reps, _stack([run_replication(_WORKER_MODEL, replication_seed(seed, r)) for r in reps])


def _stack(results: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.stack([r[k] for r in results]) for k in results[0]}


def run_model(
    model: Model,
    replications: int,
    seed: int,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Run replications 0..n-1 of a compiled model; arrays stacked by replication."""
    out: dict[str, np.ndarray] = {}

    def store(reps: range, block: dict[str, np.ndarray]) -> None:
        for k, v in block.items():
            if k not in out:
                out[k] = np.empty((replications, *v.shape[1:]), v.dtype)
            out[k][reps.start : reps.stop] = v

    done = 0
    if workers <= 1 or replications == 1:
        for r in range(replications):
            store(range(r, r + 1), _stack([run_replication(model, replication_seed(seed, r))]))
            done += 1
            if progress:
                progress(done, replications)
        return out
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(model,)) as pool:
        # as_completed drops its references to futures it has yielded: hold none
        # here either, so each block is freed once stored
        jobs = as_completed(
            [pool.submit(_run_batch, seed, b) for b in _batches(replications, workers)]
        )
        for fut in jobs:
            reps, block = fut.result()
            del fut
            store(reps, block)
            done += len(reps)
            if progress:
                progress(done, replications)
    return out


def default_workers() -> int:
    return max(
        1,
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1),
    )


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    """Run a scenario and return the occupancy dataset (see the contract).

    Parameters
    ----------
    scenario : Scenario
        From :func:`~capaciteit.load_scenario`.
    replications : int, optional
        Number of replications (default: the scenario's ``replications``).
    seed : int, optional
        Seed of the run (default: the scenario's ``seed``).
    workers : int
        Local processes; results do not depend on it.
    """
    n = int(replications if replications is not None else scenario.scenario.replications)
    s = int(seed if seed is not None else scenario.scenario.seed)
    if n < 1:
        raise ValueError("replications must be >= 1")
    count, info = start_stock(scenario)
    cal = None
    if scenario.inflow.calibrate:
        cal, fresh = load_or_calibrate(scenario, calibration_path(scenario))
        info["calibration"] = {
            "origin": cal.origin,
            "fitted_now": fresh,
            "file": str(calibration_path(scenario) or ""),
            "inflow_model": cal.forecast["model"],
        }
        scenario = apply(scenario, cal)
    try:
        model = compile_model(scenario, count, forecast=cal)
    except ValueError as e:  # e.g. a start stock with no stream to draw it from
        where = (scenario.source_file or "", "scenario.start_stock", str(e))
        raise ScenarioError([where]) from None
    arrays = run_model(model, n, s, workers=workers, progress=progress)
    return to_dataset(model, arrays, seed=s, start_stock=info)


def calibration_path(scenario: Scenario) -> Path | None:
    """The scenario's calibration file, relative to the scenario file."""
    name = scenario.inflow.file
    if not name:
        return None
    path = Path(name)
    if not path.is_absolute() and scenario.source_file:
        path = Path(scenario.source_file).parent / path
    return path
