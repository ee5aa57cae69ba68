"""Writing a run's results folder: all or nothing.

Files are written into a temporary folder beside the target and renamed into
place, so a reader never sees half a results folder, and a failed or
interrupted run leaves none. An existing folder is replaced only when asked.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__, history
from .results import monthly_summary, reuse, yearly_summary
from .scenario import Scenario
from .store import MAX_BATCH, chunk_shape


def _documents(
    ds: xr.Dataset,
    folder: Path,
    scenario: Scenario | None,
    lang: str,
    risk: float,
    backtest: Path | None,
) -> list[str]:
    """The planner's files: the report, the workbook and the fan chart of all cells."""
    from .figures import fan_chart
    from .report import write_report
    from .workbook import write_workbook

    path = scenario.source_file if scenario is not None else None
    path = path if path and Path(path).is_file() else None
    bt = {}
    if backtest is not None and (backtest / "summary.csv").is_file():
        bt["backtest"] = backtest / "summary.csv"
        if (backtest / "backtest.png").is_file():
            bt["backtest_png"] = backtest / "backtest.png"
    write_report(ds, folder / "report.html", scenario_path=path, lang=lang, risk=risk, **bt)
    write_workbook(ds, folder / "workbook.xlsx", scenario=scenario, lang=lang, risk=risk)
    ax = fan_chart(ds, "total", lang=lang)
    ax.figure.savefig(folder / "fan.png", dpi=80, bbox_inches="tight")
    return ["report.html", "workbook.xlsx", "fan.png"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{out.name}-", dir=out.parent))
    tmp.chmod(0o755)
    try:
        encoding = {
            v: {"zlib": True, "complevel": 1} for v in ds.data_vars if ds[v].dtype.kind in "iuf"
        }
        # one variable at a time: the encoder's copies then stay one variable large
        big = [v for v in ds.data_vars if "replication" in ds[v].dims]
        for v in big:
            # the store's layout (a batch of replications, all days, one unit): a
            # reader of one unit reads only its chunks; a 10,000-replication file
            # written in one piece (chunks of all replications) took minutes
            x = ds[v]
            batch = min(MAX_BATCH, ds.sizes["replication"])
            encoding[v]["chunksizes"] = chunk_shape(x.dims, x.shape, batch)
        nc = tmp / "occupancy.nc"
        ds.drop_vars(big).to_netcdf(
            nc, encoding={v: e for v, e in encoding.items() if v not in big}
        )
        for v in big:
            ds[[v]].to_netcdf(nc, mode="a", encoding={v: encoding[v]})
        monthly_summary(ds).to_csv(tmp / "summary.csv", index=False, float_format="%.4f")
        yearly_summary(ds).to_csv(tmp / "yearly.csv", index=False, float_format="%.4f")
        files = ["occupancy.nc", "summary.csv", "yearly.csv"]
        if documents:
            files += _documents(ds, tmp, scenario, lang, risk, backtest)
        manifest = {
            "scenario": ds.attrs["scenario"],
            "scenario_title": ds.attrs.get("scenario_title", ""),
            "scenario_hash": ds.attrs["scenario_hash"],
            "scenario_file": extra.get("scenario_file"),
            "seed": int(ds.attrs["seed"]),
            "replications": int(ds.sizes["replication"]),
            "start": str(np.datetime_as_string(ds.time.values[0], unit="D")),
            "end": str(np.datetime_as_string(ds.time.values[-1], unit="D")),
            "capaciteit_version": __version__,
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
            "scenario_content": scenario_dict,
            "outputs": {f: _sha(tmp / f) for f in files},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
        if out.exists():
            old = out.with_name(f".old-{out.name}-{tmp.name[-8:]}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out / f for f in (*files, "manifest.json")]
