"""Replications on disk: a zarr store filled batch by batch as results arrive.

Why: 10,000 replications of the national model are about 5 GB of daily counts,
more than a planner's laptop should hold; and an interrupted run should keep
every batch it finished. The store has the dataset's layout (see
:mod:`capaciteit.run.results`), chunked one batch of replications by one unit, so
reading one unit of every replication touches only that unit's chunks. A
``done`` flag per replication is set after its counts are written: a batch cut
off mid-write is not flagged and is run again on ``--resume``.

``run.json`` beside the store records what was being run (scenario hash, seed,
replications, batch size, version); a resume with other settings is refused. It
is also how a store capaciteit made is known: a folder without capaciteit's
``run.json`` is never used or removed, and removing a store removes only
``run.json`` and ``replications.zarr`` (the folder too when that leaves it empty).
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import dask.array as da
import numpy as np
import xarray as xr
import zarr

from capaciteit.errors import InputError
from capaciteit.run.results import to_dataset
from capaciteit.version import __version__

Block = dict[str, np.ndarray]
STORE = "replications.zarr"
RUN = "run.json"
#: what run.json holds: the run a store belongs to
IDENTITY = ("scenario_hash", "seed", "replications", "batch", "capaciteit_version")
HINT = "choose another store folder or remove it yourself"


class StoreError(InputError):
    """A store that does not belong to this run (resume with other settings)."""

    def __init__(self, path: Path, message: str):
        super().__init__([(str(path), "", message)])


MAX_BATCH = 50
"""Replications in a batch at most: a chunk of one unit is then ~0.7 MB (ten years)."""


READ = 1000
"""Replications in one read of a unit at most (dask's chunk): zarr reads the
store's chunks of one read in one call. One call per chunk cost about twice as
much: for 1,000 national replications the reductions took 4.1 against 2.2 s and
``occupancy.nc`` 12.7 against 5.0 s (``benchmarks/bench_write.py``). 1,000
ten-year replications of a unit are 15 MB."""


def batch_size(replications: int) -> int:
    """Replications per batch: a function of the run's size only (never of the
    workers), so a run resumed with other workers cuts the same batches."""
    return max(1, min(MAX_BATCH, math.ceil(replications / 64)))


def batches(replications: int) -> list[range]:
    size = batch_size(replications)
    return [range(i, min(replications, i + size)) for i in range(0, replications, size)]


def chunk_shape(dims: tuple[str, ...], shape: tuple[int, ...], batch: int) -> tuple[int, ...]:
    """One batch of replications, the whole time axis, one unit (status, response):
    reading one unit of every replication touches only that unit's chunks."""
    return tuple(
        batch if d == "replication" else n if d == "time" else 1
        for d, n in zip(dims, shape, strict=True)
    )


class ReplicationStore:
    """A run's replications in ``folder/replications.zarr``, with ``folder/run.json``."""

    def __init__(self, folder: str | Path, identity: dict):
        self.folder = Path(folder)
        self.path = self.folder / STORE
        self.identity = identity
        self.replications = int(identity["replications"])
        self.batch = int(identity["batch"])
        self._group = None

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        folder: str | Path,
        *,
        scenario_hash: str,
        seed: int,
        replications: int,
        resume: bool,
        replace: bool = False,
    ) -> ReplicationStore:
        """The store of this run: the one in ``folder`` when ``resume`` and it is
        the same run, else a new one. A store already there is an error unless
        ``replace`` (``--force``) removes it (its ``run.json`` and
        ``replications.zarr``, nothing else); a file, or a folder that holds
        anything but without capaciteit's ``run.json``, is never used or touched."""
        folder = Path(folder)
        identity = {
            "scenario_hash": scenario_hash,
            "seed": int(seed),
            "replications": int(replications),
            "batch": batch_size(replications),
            "capaciteit_version": __version__,
        }
        run = folder / RUN
        if os.path.lexists(folder) and not folder.is_dir():
            what = "is a file" if folder.is_file() else "is not a folder"
            raise StoreError(folder, f"{what}, not a replication store; {HINT}")
        if folder.is_dir() and any(folder.iterdir()):
            old = _identity(run)
            if old is None:
                why = "its run.json is not capaciteit's" if os.path.lexists(run) else "no run.json"
                raise StoreError(
                    folder, f"is not a replication store written by capaciteit ({why}); {HINT}"
                )
            if replace and not resume:
                cls(folder, old).remove()
            elif not resume:
                kept = cls(folder, old)
                what = (
                    "the replications of a finished run are kept here; add --resume to reuse them"
                    if kept.done().all()
                    else f"an interrupted run is kept here ({kept.progress()} replications "
                    "done); add --resume to continue it"
                )
                raise StoreError(folder, f"{what}, or --force to start over")
            else:
                return cls._same_run(folder, old, identity)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:  # e.g. a file where a folder above it should be
            raise StoreError(folder, f"cannot create: {e.strerror}") from None
        tmp = run.with_suffix(".tmp")
        tmp.write_text(json.dumps(identity, indent=1) + "\n")
        tmp.replace(run)
        return cls(folder, identity)

    @classmethod
    def _same_run(cls, folder: Path, old: dict, identity: dict) -> ReplicationStore:
        """The kept store, when it holds this very run."""
        differ = [
            f"{k} {old.get(k)!r} there, {v!r} here" for k, v in identity.items() if old.get(k) != v
        ]
        if differ:
            raise StoreError(
                folder,
                f"the interrupted run kept here differs from this one ({'; '.join(differ)}); "
                "run with its settings, or with --force instead of --resume to start over",
            )
        return cls(folder, old)

    def created(self) -> bool:
        return (self.path / ".zgroup").is_file()

    def progress(self) -> str:
        return f"{int(self.done().sum()):,} of {self.replications:,}"

    def done(self) -> np.ndarray:
        """Booleans per replication: counts written and flagged."""
        if not self.created():
            return np.zeros(self.replications, bool)
        return zarr.open_array(self.path / "done", mode="r")[:].astype(bool)

    def todo(self) -> list[range]:
        """The batches not finished yet."""
        done = self.done()
        return [b for b in batches(self.replications) if not done[b.start : b.stop].all()]

    # ---------------------------------------------------------------- writing
    def create(self, model, first: Block, seed: int, start_stock: dict) -> None:
        """Lay out the store from the first batch that arrived (its arrays give
        the variables, shapes and types)."""
        n, b = self.replications, self.batch
        lazy = {
            k: da.zeros((n, *v.shape[1:]), dtype=v.dtype, chunks=(b, *v.shape[1:]))
            for k, v in first.items()
        }
        ds = to_dataset(model, lazy, seed=seed, start_stock=start_stock)
        ds.attrs["variables"] = ",".join(ds.data_vars)  # their order, for reading back
        ds["done"] = xr.Variable(("replication",), da.zeros(n, dtype=np.int8, chunks=b))
        encoding = {
            v: {"chunks": chunk_shape(ds[v].dims, ds[v].shape, b)}
            for v in ds.data_vars
            if "replication" in ds[v].dims
        }
        # format 2: its string type (the unit names) is specified, v3's is not yet
        ds.to_zarr(self.path, mode="w", compute=False, encoding=encoding, zarr_format=2)

    def write(self, reps: range, block: Block) -> None:
        """Write one batch's counts, then flag them done."""
        if self._group is None:
            self._group = zarr.open_group(self.path, mode="r+")
        g = self._group
        for k, v in block.items():
            g[k][reps.start : reps.stop] = v
        g["done"][reps.start : reps.stop] = 1

    # ---------------------------------------------------------------- reading
    def dataset(self) -> xr.Dataset:
        """The run's dataset, read lazily (dask) from disk, chunked by unit and by
        up to :data:`READ` replications (whole batches)."""
        per = max(self.batch, READ // self.batch * self.batch)
        ds = xr.open_zarr(self.path, chunks={"replication": per}, consolidated=False)
        order = ds.attrs.pop("variables").split(",")
        ds = ds[order]
        for name, v in ds.variables.items():
            v.encoding = {}  # zarr's codecs mean nothing to netCDF
            if "replication" not in v.dims:
                ds[name] = v.load()  # the small ones: capacity, costs, PMJ
        return ds

    def remove(self) -> None:
        """Remove the store: ``replications.zarr`` and ``run.json``, and the folder
        when nothing else is in it (a file the user put there stays). Raises
        OSError when they cannot be removed."""
        if self.path.is_symlink() or self.path.is_file():
            self.path.unlink()
        elif self.path.exists():
            shutil.rmtree(self.path)
        for name in (RUN, Path(RUN).with_suffix(".tmp").name):
            (self.folder / name).unlink(missing_ok=True)
        try:
            self.folder.rmdir()
        except OSError:  # not empty: what is left is not ours
            pass


def _identity(run: Path) -> dict | None:
    """What ``run.json`` says was run, or None when it is not capaciteit's."""
    if not run.is_file() or run.is_symlink():
        return None
    try:
        old = json.loads(run.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(old, dict) or any(k not in old for k in IDENTITY):
        return None
    if not all(isinstance(old[k], int) and old[k] >= 1 for k in ("replications", "batch")):
        return None
    return old
