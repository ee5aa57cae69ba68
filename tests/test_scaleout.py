"""Scale-out, the replication store and resuming: the same numbers everywhere.

Replication r draws from ``replication_seed(seed, r)`` whatever runs it, so a
run on local processes, on a Dask LocalCluster, on a ``dask scheduler`` /
``dask worker`` pair, with a worker killed halfway, or resumed after a kill must
give bit-identical arrays. These tests compare every variable exactly.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import zarr

import capaciteit as cap
from capaciteit.run import results
from capaciteit.run.runner import simulate
from capaciteit.run.store import ReplicationStore, batch_size, batches

BIN = Path(sys.executable).parent
# one year, a queueing wing and an open unit: each replication takes ~10 ms
SMALL = """
[scenario]
name = "small"
start = 2030-01-01
end = 2030-12-31
warmup_days = 365
replications = 24
seed = 7

[[unit]]
name = "main"
capacity = 1200

[[unit]]
name = "bba"
capacity = 60
when_full = "wait"

[[stream]]
name = "direct"
unit = "main"
rate_per_year = 4000
stay = { distribution = "lognormal", mean_days = 90, sd_days = 200 }

[[stream]]
name = "wing"
unit = "bba"
rate_per_year = 700
stay = { distribution = "lognormal", mean_days = 28, sd_days = 62 }
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sc") / "small.toml"
    path.write_text(textwrap.dedent(SMALL).lstrip())
    return path


@pytest.fixture(scope="module")
def reference(small) -> xr.Dataset:
    """24 replications on one process, in memory: the numbers every executor must give."""
    return simulate(cap.load_scenario(small), workers=1)


def assert_identical(a: xr.Dataset, b: xr.Dataset) -> None:
    assert list(a.data_vars) == list(b.data_vars)
    for v in a.data_vars:
        assert a[v].dims == b[v].dims, v
        np.testing.assert_array_equal(a[v].values, b[v].values, err_msg=v)
    for c in a.coords:
        np.testing.assert_array_equal(a[c].values, b[c].values, err_msg=c)


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as lc,
        Client(lc) as client,
    ):
        yield client


def test_batches_depend_on_the_run_size_only():
    assert batch_size(24) == 1 and batch_size(1000) == 16 and batch_size(10_000) == 50
    cut = batches(1001)
    assert cut[0] == range(0, 16) and cut[-1] == range(992, 1001)
    assert sum(len(b) for b in cut) == 1001


def test_local_processes_give_the_numbers_of_one_process(small, reference):
    assert_identical(reference, simulate(cap.load_scenario(small), workers=2))


def test_a_dask_local_cluster_gives_the_same_numbers(small, reference, cluster):
    assert_identical(reference, simulate(cap.load_scenario(small), scheduler=cluster))


def test_a_lost_dask_worker_loses_nothing(small, reference, cluster):
    """Kill a worker process once the first batch is back: dask reruns its tasks
    on a fresh worker (the nanny restarts it) and the numbers do not change."""
    pids = cluster.run(os.getpid)
    before = set(pids)
    killed = []

    def kill_one(done: int, total: int) -> None:
        if not killed:
            victim = sorted(pids)[0]
            os.kill(pids[victim], signal.SIGKILL)
            killed.append(victim)

    ds = simulate(cap.load_scenario(small), scheduler=cluster, progress=kill_one)
    assert killed
    assert_identical(reference, ds)
    # the killed worker is gone from the cluster: a restarted one took its place
    deadline = time.monotonic() + 30
    while killed[0] in cluster.scheduler_info()["workers"] and time.monotonic() < deadline:
        time.sleep(0.2)
    after = set(cluster.scheduler_info()["workers"])
    assert killed[0] in before and killed[0] not in after


def test_the_store_gives_the_same_dataset_lazily(small, reference, tmp_path):
    ds = simulate(cap.load_scenario(small), workers=2, store=tmp_path / "st")
    assert ds["occupancy"].chunks is not None  # dask: read from disk as needed
    assert ds["occupancy"].chunks[2] == (1, 1, 1)  # one unit per chunk
    assert_identical(reference, ds)
    assert ds.attrs["scenario"] == "small" and ds.attrs["replications"] == 24
    # the reductions read it unit by unit and give the in-memory numbers
    a, b = results.yearly_summary(reference), results.yearly_summary(ds)
    assert a.equals(b)
    q = ds.cap.quantiles().sel(unit="total").compute()
    np.testing.assert_array_equal(q.values, reference.cap.quantiles().sel(unit="total").values)


def test_a_store_of_another_run_is_refused(small, tmp_path):
    sc = cap.load_scenario(small)
    simulate(sc, replications=4, store=tmp_path / "st")
    with pytest.raises(cap.InputError, match="finished run are kept here; add --resume to reuse"):
        simulate(sc, replications=4, store=tmp_path / "st")
    seen = []
    again = simulate(
        sc, replications=4, store=tmp_path / "st", resume=True, progress=lambda d, n: seen.append(d)
    )
    assert seen == [4]  # all four on disk: nothing run again
    assert int(again["occupancy"].sum()) > 0
    with pytest.raises(cap.InputError, match=r"seed 7 there, 8 here"):
        simulate(sc, replications=4, seed=8, store=tmp_path / "st", resume=True)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(cap.InputError, match=r"is not a replication store written by capaciteit"):
        simulate(sc, replications=4, store=tmp_path / "other")


def test_resume_runs_only_what_is_missing(small, reference, tmp_path):
    """Half the batches on disk (the others never flagged done, as after a kill
    mid-write): resume runs the other half and ends with the same numbers."""
    sc = cap.load_scenario(small)
    folder = tmp_path / "st"
    simulate(sc, store=folder)
    done = zarr.open_array(folder / "replications.zarr" / "done", mode="r+")
    occ = zarr.open_array(folder / "replications.zarr" / "occupancy", mode="r+")
    done[12:] = 0
    occ[12:] = -1  # garbage where the flags say nothing was finished
    st = ReplicationStore(folder, json.loads((folder / "run.json").read_text()))
    assert [b.start for b in st.todo()] == list(range(12, 24))
    seen = []
    ds = simulate(sc, store=folder, resume=True, progress=lambda d, n: seen.append(d))
    assert seen[0] == 12 and seen[-1] == 24  # it started from the 12 on disk
    assert_identical(reference, ds)


# --------------------------------------------------------------------------- the CLI


def _run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "capaciteit"), *map(str, args)], capture_output=True, text=True, **kw
    )


def _load(folder: Path) -> xr.Dataset:
    with xr.open_dataset(folder / "occupancy.nc") as ds:
        return ds.load()


@pytest.fixture(scope="module")
def cli_reference(small, tmp_path_factory) -> xr.Dataset:
    out = tmp_path_factory.mktemp("ref") / "out"
    r = _run("run", small, "-o", out, "--workers", "1", "--quiet")
    assert r.returncode == 0, r.stderr
    return _load(out)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_on_a_dask_scheduler_and_worker_pair(small, cli_reference, tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    sched = subprocess.Popen(
        [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        **quiet,
    )
    worker = subprocess.Popen(
        [BIN / "dask", "worker", address, "--nthreads", "1", "--no-dashboard"], **quiet
    )
    try:
        out = tmp_path / "out"
        r = _run("run", small, "-o", out, "--scheduler", address, "--quiet", timeout=180)
        assert r.returncode == 0, r.stderr
        ds = _load(out)
        assert_identical(cli_reference.drop_attrs(), ds.drop_attrs())
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["executor"] == f"dask scheduler {address}"
    finally:
        for p in (worker, sched):
            p.terminate()
            p.wait(timeout=30)


def test_cli_on_a_dask_local_cluster(small, cli_reference, tmp_path):
    r = _run("run", small, "-o", tmp_path / "out", "--dask", "--workers", "2", "--quiet")
    assert r.returncode == 0, r.stderr
    assert_identical(cli_reference.drop_attrs(), _load(tmp_path / "out").drop_attrs())


def test_cli_unreachable_scheduler_is_bad_input(small, tmp_path):
    address = f"tcp://127.0.0.1:{_free_port()}"
    r = _run("run", small, "-o", tmp_path / "out", "--scheduler", address, timeout=120)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"--scheduler: cannot reach {address}: ")
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no results, no store


def _wait_for_batches(folder: Path, proc: subprocess.Popen, at_least: int) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            done = int(zarr.open_array(folder / "replications.zarr" / "done", mode="r")[:].sum())
        except Exception:  # not laid out yet
            done = 0
        if done >= at_least:
            return done
        time.sleep(0.05)
    raise AssertionError("the run finished or stalled before it could be interrupted")


@pytest.mark.parametrize("how", ["kill", "ctrl-c"])
def test_an_interrupted_run_resumes_to_the_same_numbers(small, cli_reference, tmp_path, how):
    """SIGKILL of the whole process group (a lost machine) or SIGINT (Ctrl-C)
    mid-run: the finished batches stay on disk, no results folder appears, and
    ``--resume`` ends with the numbers of an uninterrupted run."""
    out = tmp_path / "out"
    partial = tmp_path / ".out.partial"
    args = ["run", small, "-n", "24", "-o", out, "--workers", "2", "--quiet"]
    proc = subprocess.Popen(
        [str(BIN / "capaciteit"), *map(str, args)],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    _wait_for_batches(partial, proc, 2)
    os.killpg(proc.pid, signal.SIGKILL if how == "kill" else signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert not out.exists()
    kept = int(zarr.open_array(partial / "replications.zarr" / "done", mode="r")[:].sum())
    assert 2 <= kept
    if kept == 24:  # the signal came while the results were written: not mid-run
        pytest.skip("the machine finished every batch before the signal arrived")
    if how == "ctrl-c":
        assert proc.returncode == 130
        assert err.strip() == (
            f"interrupted: {kept} of 24 replications kept in {partial}; "
            "run the same command with --resume to continue"
        )
    again = _run(*args)
    assert again.returncode == 2
    assert "add --resume to continue it" in again.stderr
    other = _run(*args[:-1], "--seed", "3", "--resume", "--quiet")
    assert other.returncode == 2 and "seed 7 there, 3 here" in other.stderr
    r = _run(*args, "--resume")
    assert r.returncode == 0, r.stderr
    assert not partial.exists()  # the store goes once the results are in place
    assert_identical(cli_reference.drop_attrs(), _load(out).drop_attrs())
    assert json.loads((out / "manifest.json").read_text())["resumed_replications"] == kept


def test_cli_store_keeps_the_replications(small, cli_reference, tmp_path):
    """``--store DIR`` keeps the zarr store after the run; a second run with
    ``--resume`` reuses it without running anything and writes the same results."""
    store = tmp_path / "kept"
    r = _run("run", small, "-o", tmp_path / "a", "--store", store, "--workers", "2", "--quiet")
    assert r.returncode == 0, r.stderr
    with xr.open_zarr(store / "replications.zarr") as z:
        np.testing.assert_array_equal(z["occupancy"].values, cli_reference["occupancy"].values)
    r = _run("run", small, "-o", tmp_path / "b", "--store", store, "--resume", "--quiet")
    assert r.returncode == 0, r.stderr
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["resumed_replications"] == 24
    assert_identical(cli_reference.drop_attrs(), _load(tmp_path / "b").drop_attrs())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "kept"]
    # a kept store is neither reused nor thrown away unasked; --force starts over
    args = ("run", small, "-o", tmp_path / "c", "--store", store, "-n", "4", "--quiet")
    r = _run(*args)
    assert r.returncode == 2 and "add --resume to reuse them, or --force to start over" in r.stderr
    r = _run(*args, "--force")
    assert r.returncode == 0, r.stderr
    assert json.loads((store / "run.json").read_text())["replications"] == 4
    # a folder that is not a store is never removed, --force or not
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    r = _run("run", small, "-o", tmp_path / "d", "--store", tmp_path / "mine", "--force")
    assert r.returncode == 2 and r.stderr.splitlines() == [
        f"{tmp_path / 'mine'}: is not a replication store written by capaciteit (no run.json); "
        "choose another store folder or remove it yourself"
    ]
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


def test_compare_and_need_leave_no_store_behind(small, tmp_path):
    sc = tmp_path / "same.toml"
    sc.write_text(small.read_text().replace('name = "small"', 'name = "same"'))
    out = tmp_path / "res"
    r = _run("compare", small, sc, "-n", "6", "-o", out / "cmp", "--quiet")
    assert r.returncode == 0, r.stderr
    import pandas as pd

    table = pd.read_csv(out / "cmp" / "small-vs-same.csv")
    assert len(table) == 1 * 3 * 5  # years x units (main, bba, total) x metrics
    assert table["difference"].notna().sum() >= 3 * 3  # mean, peak, euros at least
    assert (table["difference"].fillna(0) == 0).all()  # the same scenario: identical paths
    r = _run("need", small, "-n", "6", "-o", out / "need.csv", "--quiet")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["cmp", "need.csv"]
