"""What `capaciteit run` writes: the contract's files, their content equal to the
dataset, and the Python API's dataset layout."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import xarray as xr

import capaciteit as cap

from .test_scenario import GOOD


def test_run_writes_the_contract_files(write, run_cli, tmp_path):
    path = write("tiny.toml", GOOD)
    out = tmp_path / "res"
    code, stdout, err = run_cli("run", path, "-n", "6", "--seed", "3", "-o", out, "--workers", "2")
    assert code == 0, err
    assert "6 replications" in stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "fan.png",
        "manifest.json",
        "occupancy.nc",
        "report.html",
        "summary.csv",
        "workbook.xlsx",
        "yearly.csv",
    ]
    ds = xr.load_dataset(out / "occupancy.nc")
    api = cap.simulate(cap.load_scenario(path), replications=6, seed=3)
    for v in ("occupancy", "waiting", "admissions", "releases", "capacity"):
        assert np.array_equal(ds[v].values, api[v].values, equal_nan=True), v
    assert ds.occupancy.dims == ("replication", "time", "unit")
    assert list(ds.unit.values) == ["main", "bba", "total"]
    assert ds.time.values[0] == np.datetime64("2030-01-01") and ds.sizes["time"] == 365
    summary = pd.read_csv(out / "summary.csv")
    row = summary[(summary.month == "2030-03") & (summary.unit == "bba")].iloc[0]
    march = ds.occupancy.sel(unit="bba", time="2030-03").mean("time")
    assert np.isclose(row.occupancy_p50, float(march.quantile(0.5)), atol=1e-3)
    assert np.isclose(row.capacity, 30)
    over = (ds.occupancy.sel(unit="bba", time="2030-03") > 30).any("time").mean()
    assert np.isclose(row.p_over_capacity, float(over))
    main = summary[(summary.unit == "main")]
    assert main.p_over_capacity.notna().all()
    # yearly.csv carries the places needed at the planning risk, as the workbook does
    from capaciteit.outputs.capacity import need

    yearly = pd.read_csv(out / "yearly.csv").set_index(["year", "unit"])
    want = need(api).set_index(["year", "unit"])
    for col in ("needed", "needed_low", "needed_high", "current", "gap"):
        np.testing.assert_allclose(yearly[col], want.loc[yearly.index, col], atol=1e-3)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["replications"] == 6
    assert manifest["scenario_hash"] == ds.attrs["scenario_hash"]
    assert manifest["capaciteit_version"] == cap.__version__
    assert manifest["wall_time_s"] > 0
    for name, sha in manifest["outputs"].items():  # every file is listed with its hash
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == sha, name
    assert set(manifest["outputs"]) == {p.name for p in out.iterdir()} - {"manifest.json"}
    assert '<html lang="nl">' in (out / "report.html").read_text()
    files = {d["file"].split("/")[-1] for d in manifest["data_sources"]}
    assert {"stock_30sept.csv", "inflow.csv", "stock_components.csv"} <= files


def test_dataset_attributes_say_what_things_are():
    from .conftest import SCENARIOS

    ds = cap.simulate(cap.load_scenario(SCENARIOS / "stylized.toml"), replications=2, seed=1)
    for v in ds.data_vars:
        assert ds[v].attrs["units"] and ds[v].attrs["long_name"], v
    assert ds.attrs["seed"] == 1 and ds.attrs["scenario"] == "stylized"
    assert set(ds.capacity.sel(unit="total").values) == {100300.0}


def test_start_stock_without_streams_is_bad_input(write, run_cli, tmp_path):
    path = write(
        "empty.toml",
        """
        [scenario]
        name = "nobody"
        start = 2030-01-01
        end = 2030-02-01
        start_stock = 100
        [[unit]]
        name = "main"
        """,
    )
    code, _, err = run_cli("run", path, "-n", "2", "-o", tmp_path / "o")
    assert code == 2
    assert f"{path}: scenario.start_stock: no stream brings anyone" in err
