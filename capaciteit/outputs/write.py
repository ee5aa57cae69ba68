"""Writing a run's results folder: the data, summaries, figures, report and
workbook, with a manifest of what was written, all or nothing
(:mod:`~capaciteit.outputs.folders` says which folders may be replaced)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import xarray as xr

from capaciteit.data import history
from capaciteit.outputs.folders import MANIFEST, backtest_chart_name, staged
from capaciteit.outputs.i18n import SOURCE_LANG
from capaciteit.run.results import monthly_summary, reuse, run_cautions
from capaciteit.run.store import MAX_BATCH, chunk_shape
from capaciteit.scenario import Scenario
from capaciteit.version import __version__


def write_manifest(folder: Path, fields: dict) -> None:
    """``folder/manifest.json``: the version, when, ``fields`` (which may say when
    instead) and the sha256 of every file in ``folder``: what makes it a results
    folder capaciteit wrote."""
    files = sorted(p.name for p in folder.iterdir() if p.name != MANIFEST)
    manifest = {
        "capaciteit_version": __version__,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **fields,
        "outputs": {f: _sha(folder / f) for f in files},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str) + "\n")


def _documents(
    ds: xr.Dataset,
    folder: Path,
    scenario: Scenario | None,
    lang: str,
    risk: float,
    backtest: Path | None,
) -> list[str]:
    """The planner's files: the report, the workbook and the fan chart of all cells."""
    from capaciteit.outputs.figures import fan_chart
    from capaciteit.outputs.report import write_report
    from capaciteit.outputs.workbook import write_workbook

    path = scenario.source_file if scenario is not None else None
    path = path if path and Path(path).is_file() else None
    bt = {}
    if backtest is not None and (backtest / "summary.csv").is_file():
        bt["backtest"] = backtest / "summary.csv"
        for chart in (backtest_chart_name(lang), backtest_chart_name(SOURCE_LANG)):
            if (backtest / chart).is_file():  # its language's, else the source language's
                bt["backtest_png"] = backtest / chart
                break
        if (backtest / "pmj.csv").is_file():
            bt["backtest_pmj"] = backtest / "pmj.csv"
    write_report(ds, folder / "report.html", scenario_path=path, lang=lang, risk=risk, **bt)
    write_workbook(
        ds,
        folder / "workbook.xlsx",
        scenario=scenario,
        lang=lang,
        risk=risk,
        backtest=bt.get("backtest"),
    )
    ax = fan_chart(ds, "total", lang=lang)
    ax.figure.savefig(folder / "fan.png", dpi=80, bbox_inches="tight")
    return ["report.html", "workbook.xlsx", "fan.png"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_netcdf(ds: xr.Dataset, nc: Path, stop: threading.Event | None = None) -> None:
    """``occupancy.nc``: the small variables, then the per-replication ones one at
    a time (the encoder's copies then stay one variable large); ``stop`` set, it
    stops before the next variable."""
    encoding = {
        # the byte shuffle: counts compress faster and smaller (1,000 national
        # replications: 1.27 s to 0.89 s for occupancy; 40: a third smaller)
        v: {"zlib": True, "complevel": 1, "shuffle": True}
        for v in ds.data_vars
        if ds[v].dtype.kind in "iuf"
    }
    big = [v for v in ds.data_vars if "replication" in ds[v].dims]
    for v in big:
        # the store's layout (a batch of replications, all days, one unit): a
        # reader of one unit reads only its chunks; a 10,000-replication file
        # written in one piece (chunks of all replications) took minutes
        x = ds[v]
        batch = min(MAX_BATCH, ds.sizes["replication"])
        encoding[v]["chunksizes"] = chunk_shape(x.dims, x.shape, batch)
    ds.drop_vars(big).to_netcdf(nc, encoding={v: e for v, e in encoding.items() if v not in big})
    for v in big:
        if stop is not None and stop.is_set():
            return
        # a chunk at a time, on this thread: the file is written one chunk at a
        # time anyway, and dask's threads would hold several of the store's reads
        # at once (benchmarks/bench_write.py prints the time and memory)
        ds[[v]].to_netcdf(nc, mode="a", encoding={v: encoding[v]}, compute=False).compute(
            scheduler="synchronous"
        )


def _summaries_and_documents(
    ds: xr.Dataset,
    tmp: Path,
    scenario: Scenario | None,
    lang: str,
    risk: float,
    backtest: Path | None,
    documents: bool,
) -> list[str]:
    monthly_summary(ds).to_csv(tmp / "summary.csv", index=False, float_format="%.4f")
    # the workbook's yearly sheet: with the places needed at the planning risk
    from capaciteit.outputs.workbook import yearly_table

    yearly_table(ds, risk).to_csv(tmp / "yearly.csv", index=False, float_format="%.4f")
    files = ["occupancy.nc", "summary.csv", "yearly.csv"]
    if documents:
        files += _documents(ds, tmp, scenario, lang, risk, backtest)
    return files


def write_results(ds: xr.Dataset, *args, **kwargs) -> list[Path]:
    """Write a run's results folder atomically (see :func:`_write_results`); the
    yearly and monthly reductions the files share are computed once."""
    with reuse(ds):
        return _write_results(ds, *args, **kwargs)


def _write_results(
    ds: xr.Dataset,
    out: Path,
    scenario_dict: dict,
    extra: dict,
    *,
    scenario: Scenario | None = None,
    lang: str = "nl",
    risk: float = 0.05,
    backtest: Path | None = None,
    documents: bool = True,
) -> list[Path]:
    """Write a run's results folder atomically: occupancy.nc, summary.csv,
    yearly.csv, and (``documents``) report.html, workbook.xlsx and fan.png, then
    manifest.json with the hash of each.

    ``scenario`` (with its source file) adds the settings and the labelled
    assumptions to the report and workbook; ``backtest`` is a back-test folder
    (``summary.csv`` and ``backtest.png``) whose scores the report shows.

    An existing ``out`` is replaced by :func:`replace_folder`: it must be empty
    or a results folder capaciteit wrote, and the user's files in it stay. Whether
    to replace one at all (``--force``) the caller decides first, with
    :func:`check_folder`, before the run.
    """
    out = Path(out)
    stop = threading.Event()
    with staged(out) as tmp:
        # the netCDF file is compressed on a thread of its own (zlib and the zarr
        # reads release the GIL) while the summaries and documents are made here;
        # the folder is removed on an error only once the thread has stopped
        with ThreadPoolExecutor(1) as pool:
            nc = pool.submit(write_netcdf, ds, tmp / "occupancy.nc", stop)
            try:
                files = _summaries_and_documents(ds, tmp, scenario, lang, risk, backtest, documents)
            except BaseException:  # Ctrl-C too: the thread stops after its variable
                stop.set()
                raise
        nc.result()  # its error, if any
        fields = {
            "scenario": ds.attrs["scenario"],
            "scenario_title": ds.attrs.get("scenario_title", ""),
            "scenario_hash": ds.attrs["scenario_hash"],
            "scenario_file": extra.get("scenario_file"),
            "seed": int(ds.attrs["seed"]),
            "replications": int(ds.sizes["replication"]),
            "start": str(np.datetime_as_string(ds.time.values[0], unit="D")),
            "end": str(np.datetime_as_string(ds.time.values[-1], unit="D")),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "created_at": ds.attrs["created_at"],
            "wall_time_s": extra.get("wall_time_s"),
            "workers": extra.get("workers"),
            "executor": extra.get("executor", "local processes"),
            "resumed_replications": extra.get("resumed_replications", 0),
            "start_stock": {
                "kind": ds.attrs["start_stock_kind"],
                "value": ds.attrs["start_stock"],
                "source": ds.attrs.get("start_stock_source", ""),
            },
            "data_sources": [
                {"file": f"capaciteit/data/{name}", "sha256": sha}
                for name, sha in history.data_files().items()
            ],
            "calibration": json.loads(ds.attrs.get("calibration", "{}") or "{}"),
            "cautions": [str(c) for c in run_cautions(ds)],  # English, as warned
            "scenario_content": scenario_dict,
        }
        write_manifest(tmp, fields)
    return [out / f for f in (*files, "manifest.json")]
