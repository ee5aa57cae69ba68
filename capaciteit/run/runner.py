"""Replications: seeds, executors, and assembly into one dataset.

Replication ``r`` always runs from :func:`~capaciteit.sim.rng.replication_seed`
``(seed, r)``, whatever the number of replications or workers, and results are
placed by index, so a run is identical on one process or many.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import xarray as xr

from capaciteit.calibrate.calibration import apply, load_or_calibrate, stored
from capaciteit.data import history
from capaciteit.errors import InputError, ScenarioError
from capaciteit.run.results import to_dataset
from capaciteit.run.store import Block, ReplicationStore, batches
from capaciteit.scenario import Scenario, declared_in
from capaciteit.sim import jit
from capaciteit.sim.compile import compile_model
from capaciteit.sim.engine import run_replication
from capaciteit.sim.model import Model
from capaciteit.sim.rng import replication_seed
from capaciteit.version import __version__


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


_WORKER_MODEL: Model | None = None  # one compiled model per worker process


def _init_worker(model: Model) -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = model
    # Ctrl-C reaches the whole process group: the parent handles it (keeps what is
    # done, says how to resume); a worker finishes its batch quietly
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_batch(seed: int, reps: range) -> tuple[range, Block]:
    """Replications ``reps`` stacked per variable: one large array each travels back
    (small ones, one per replication, would fragment the parent's heap)."""
    assert _WORKER_MODEL is not None
    return reps, _batch(_WORKER_MODEL, seed, reps)


def _batch(model: Model, seed: int, reps: range) -> Block:
    return _stack([run_replication(model, replication_seed(seed, r)) for r in reps])


def _stack(results: list[Block]) -> Block:
    return {k: np.stack([r[k] for r in results]) for k in results[0]}


def _versions() -> dict[str, str]:
    return {"capaciteit": __version__, "numpy": np.__version__}


def cluster_extra(flag: str):
    """The ``distributed`` package, or the one-line error of an install without
    the cluster extra (a planner's: runs on local processes need none of it)."""
    try:
        import distributed
    except ImportError:
        raise InputError(
            [
                (
                    "",
                    flag,
                    "running on a Dask cluster needs the cluster extra: "
                    "pip install 'capaciteit[cluster]' (from a checkout: pip install '.[cluster]')",
                )
            ]
        ) from None
    return distributed


@contextmanager
def executor(scheduler=None, workers: int = 1) -> Iterator:
    """What runs the replications, for a whole command: None (local processes),
    or a dask.distributed Client: the caller's, one on a new LocalCluster of
    ``workers`` processes (``"dask"``), or one connected to a scheduler address.
    One client serves every run of a command, so a cluster starts once."""
    if scheduler is None:
        yield None
        return
    distributed = cluster_extra("--dask" if scheduler == "dask" else "--scheduler")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler == "dask":
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = Client(str(scheduler), timeout=10)
    except (OSError, TimeoutError, ValueError) as e:
        raise InputError([("", "--scheduler", f"cannot reach {scheduler}: {e}")]) from None
    with client:
        yield client


def _check_workers(client) -> None:
    """Workers running other code would give other numbers: refuse them."""
    mine = _versions()
    for addr, theirs in client.run(_versions).items():
        if theirs != mine:
            raise InputError(
                [
                    (
                        "",
                        "--scheduler",
                        f"worker {addr} runs {theirs}, this process {mine}: "
                        "install the same versions on the cluster",
                    )
                ]
            )


def run_batches(
    model: Model,
    seed: int,
    todo: list[range],
    workers: int = 1,
    scheduler=None,
) -> Iterator[tuple[range, Block]]:
    """Run the batches ``todo``; yield ``(replications, arrays)`` as each finishes.

    ``scheduler``: None for local processes (``workers`` of them; one runs in this
    process), ``"dask"`` for a LocalCluster of ``workers`` processes, a scheduler
    address (``tcp://host:port``) or a ``distributed.Client``. Numbers do not depend
    on the choice: replication r always draws from ``replication_seed(seed, r)``.
    """
    if not todo:
        return
    if scheduler is not None:
        with executor(scheduler, workers) as client:
            dask_completed = cluster_extra("--scheduler").as_completed
            _check_workers(client)
            # broadcast: every worker holds the model, so losing one loses no input
            mf = client.scatter(model, broadcast=True, hash=False)
            futures = [client.submit(_batch, mf, seed, b, pure=False) for b in todo]
            where = {f.key: b for f, b in zip(futures, todo, strict=True)}
            done = dask_completed(futures, with_results=True)
            del futures  # as_completed holds them until yielded: each block is freed once used
            for fut, block in done:
                reps = where[fut.key]
                fut.release()
                yield reps, block
        return
    if workers <= 1 or len(todo) == 1:
        for b in todo:
            yield b, _batch(model, seed, b)
        return
    jit.warm()  # numba, if any, loaded once for the forks
    pool = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(model,))
    try:
        # as_completed drops its references to futures it has yielded: hold none
        # here either, so each block is freed once used
        for fut in as_completed([pool.submit(_run_batch, seed, b) for b in todo]):
            reps, block = fut.result()
            del fut
            yield reps, block
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_model(
    model: Model,
    replications: int,
    seed: int,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    scheduler=None,
) -> dict[str, np.ndarray]:
    """Run replications 0..n-1 of a compiled model in memory; arrays stacked by replication."""
    out: dict[str, np.ndarray] = {}
    todo = batches(replications)
    for reps, block in _counted(run_batches(model, seed, todo, workers, scheduler), todo, progress):
        for k, v in block.items():
            if k not in out:
                out[k] = np.empty((replications, *v.shape[1:]), v.dtype)
            out[k][reps.start : reps.stop] = v
    return out


def _counted(
    done: Iterator[tuple[range, Block]],
    todo: list[range],
    progress: Callable[[int, int], None] | None,
    total: int | None = None,
) -> Iterator[tuple[range, Block]]:
    """``done`` as it comes, telling ``progress`` the replications finished of
    ``total`` (default: those in ``todo``; more when some were done before)."""
    total = total if total is not None else sum(len(b) for b in todo)
    count = total - sum(len(b) for b in todo)
    if progress and count:
        progress(count, total)
    for reps, block in done:
        yield reps, block  # the caller keeps it first; then it counts as done
        count += len(reps)
        if progress:
            progress(count, total)


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
    *,
    scheduler=None,
    store: str | Path | None = None,
    resume: bool = False,
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
        Local processes, or the LocalCluster's size with ``scheduler="dask"``;
        results do not depend on it.
    scheduler : None, "dask", str or distributed.Client
        Run on Dask: ``"dask"`` starts a LocalCluster, an address such as
        ``"tcp://host:8786"`` connects to a running scheduler, a Client is used as is.
    store : path, optional
        A folder for the replications on disk (a zarr store, written as batches
        finish). The dataset returned then reads lazily from it (dask), so memory
        stays bounded however many replications; without it, all are in memory.
    resume : bool
        Continue the interrupted run kept in ``store`` (same scenario, seed and
        replications): only the batches not on disk are run.
    """
    n = int(replications if replications is not None else scenario.scenario.replications)
    s = int(seed if seed is not None else scenario.scenario.seed)
    if n < 1:
        raise ValueError("replications must be >= 1")
    model, info = prepare(scenario)
    if store is None:
        arrays = run_model(model, n, s, workers=workers, progress=progress, scheduler=scheduler)
        return to_dataset(model, arrays, seed=s, start_stock=info)
    st = ReplicationStore.open(
        store, scenario_hash=scenario.content_hash or "", seed=s, replications=n, resume=resume
    )
    fill_store(st, model, s, info, workers=workers, progress=progress, scheduler=scheduler)
    return st.dataset()


def _shown(path: Path | None) -> str:
    """A path as the outputs name it: relative to the folder the command runs in
    when it lies inside it (committed results then name no machine's folders)."""
    if path is None:
        return ""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def prepare(scenario: Scenario, fit: bool = True) -> tuple[Model, dict]:
    """The compiled model of a scenario (calibrated when it asks) and where its
    start stock comes from. ``fit=False``: no calibration is fitted where no
    current file holds one (the model then has the file's rates: a check)."""
    count, info = start_stock(scenario)
    cal = None
    if scenario.inflow.calibrate:
        where = calibration_path(scenario)
        cal, fresh = load_or_calibrate(scenario, where) if fit else (stored(scenario, where), False)
    if cal is not None:
        info["calibration"] = {
            "origin": cal.origin,
            "fitted_now": fresh,
            "file": _shown(where),
            "inflow_model": cal.forecast["model"],
        }
        scenario = apply(scenario, cal)
    try:
        model = compile_model(scenario, count, forecast=cal)
    except ValueError as e:  # e.g. a start stock with no stream to draw it from
        where = (scenario.source_file or "", "scenario.start_stock", str(e))
        raise ScenarioError([where]) from None
    return model, info


def fill_store(
    st: ReplicationStore,
    model: Model,
    seed: int,
    info: dict,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    scheduler=None,
) -> None:
    """Run the batches the store lacks, writing each as it arrives."""
    todo = st.todo()
    ran = run_batches(model, seed, todo, workers, scheduler)
    for reps, block in _counted(ran, todo, progress, st.replications):
        with _uninterrupted():
            if not st.created():
                st.create(model, block, seed=seed, start_stock=info)
            st.write(reps, block)


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """Ctrl-C while a batch is written takes effect when the write is done: zarr
    writes on a thread of its own, which an interrupted wait leaves running, so
    the store could gain a batch after the run said how many it kept."""
    held: list[int] = []
    try:
        old = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    except ValueError:  # not the main thread: signals are not ours to hold
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
    if held and callable(old):  # what Ctrl-C would have done (KeyboardInterrupt)
        old(signal.SIGINT, None)


def calibration_path(scenario: Scenario) -> Path | None:
    """The scenario's calibration file, relative to the scenario file."""
    name = scenario.inflow.file
    if not name:
        return None
    path = Path(name)
    if not path.is_absolute() and scenario.source_file:
        try:  # relative to the file (of an `extends` chain) that names it
            path = declared_in(scenario.source_file, "inflow", "file") / path
        except (ScenarioError, OSError):
            path = Path(scenario.source_file).parent / path
    return path
