"""The results folder is written all or nothing, with occupancy.nc on a thread of
its own: an error on either side leaves no folder, raises that error, and never
removes the staging folder under a thread still writing in it."""

from __future__ import annotations

import threading
import time

import pytest
import xarray as xr

import capaciteit as cap
from capaciteit.outputs import write

from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def ds():
    sc = cap.load_scenario(SCENARIOS / "stylized.toml")
    return cap.simulate(sc, replications=2, seed=1)


def _left(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_the_netcdf_file_is_whole(ds, tmp_path):
    write.write_results(ds, tmp_path / "out", {}, {}, documents=False)
    back = xr.open_dataset(tmp_path / "out" / "occupancy.nc")
    assert (back["occupancy"].values == ds["occupancy"].values).all()
    assert back["occupancy"].encoding["shuffle"] and back["occupancy"].encoding["zlib"]


def test_an_error_beside_the_thread_stops_it_before_the_folder_goes(ds, tmp_path, monkeypatch):
    seen: dict[str, float] = {}

    def slow(ds, nc, stop):  # writes until told to stop, at most 20 s
        t0 = time.monotonic()
        while not stop.is_set() and time.monotonic() - t0 < 20:
            nc.write_text("partial")
            time.sleep(0.01)
        seen["stopped_after"] = time.monotonic() - t0
        seen["folder_there"] = nc.parent.is_dir()

    def broken(*args):
        time.sleep(0.2)
        raise RuntimeError("the report failed")

    monkeypatch.setattr(write, "write_netcdf", slow)
    monkeypatch.setattr(write, "_summaries_and_documents", broken)
    with pytest.raises(RuntimeError, match="the report failed"):
        write.write_results(ds, tmp_path / "out", {}, {})
    assert seen["stopped_after"] < 5  # told to stop, not run out
    assert seen["folder_there"]  # the folder outlived the thread
    assert _left(tmp_path) == []


def test_an_error_of_the_netcdf_thread_is_raised(ds, tmp_path, monkeypatch):
    def full(ds, nc, stop):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(write, "write_netcdf", full)
    with pytest.raises(OSError, match="No space left"):
        write.write_results(ds, tmp_path / "out", {}, {}, documents=False)
    assert _left(tmp_path) == []


def test_a_stop_ends_the_netcdf_file_before_the_next_variable(ds, tmp_path):
    stop = threading.Event()
    stop.set()
    write.write_netcdf(ds, tmp_path / "o.nc", stop)
    back = xr.open_dataset(tmp_path / "o.nc")
    assert "occupancy" not in back and "capacity" in back
