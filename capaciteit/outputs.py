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
from .results import monthly_summary, yearly_summary


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_results(ds: xr.Dataset, out: Path, scenario_dict: dict, extra: dict) -> list[Path]:
    """Write occupancy.nc, summary.csv and manifest.json into ``out`` atomically."""
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
        nc = tmp / "occupancy.nc"
        ds.drop_vars(big).to_netcdf(
            nc, encoding={v: e for v, e in encoding.items() if v not in big}
        )
        for v in big:
            ds[[v]].to_netcdf(nc, mode="a", encoding={v: encoding[v]})
        monthly_summary(ds).to_csv(tmp / "summary.csv", index=False, float_format="%.4f")
        yearly_summary(ds).to_csv(tmp / "yearly.csv", index=False, float_format="%.4f")
        files = ["occupancy.nc", "summary.csv", "yearly.csv"]
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
