"""Writing a run's results folder: all or nothing, and never over a user's files.

Files are written into a temporary folder beside the target and renamed into
place, so a reader never sees half a results folder, and a failed or
interrupted run leaves none.

What may be replaced is only what capaciteit wrote. A results folder is known by
its ``manifest.json`` (a JSON object with ``capaciteit_version`` and ``outputs``,
the sha256 of every file written); a back-test folder by the columns of its
tables. An
existing results folder is replaced only when asked (``--force``), and then only
the files it lists go: anything else in it (the user's notes) is moved into the
new folder, and one with the name of a file the command writes stops it. A
folder or file that capaciteit did not write is never replaced, asked or not; an
empty folder may be used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import xarray as xr

from capaciteit import __version__
from capaciteit.data import history
from capaciteit.errors import InputError
from capaciteit.run.results import monthly_summary, reuse, run_cautions
from capaciteit.run.store import MAX_BATCH, chunk_shape
from capaciteit.scenario import Scenario

MANIFEST = "manifest.json"
#: every file ``capaciteit run`` writes into a results folder
RUN_FILES = (
    "occupancy.nc",
    "summary.csv",
    "yearly.csv",
    "report.html",
    "workbook.xlsx",
    "fan.png",
    MANIFEST,
)
#: what ``capaciteit backtest`` writes (it has no manifest: known by its columns)
BACKTEST_FILES = ("backtest.csv", "summary.csv", "vintage.csv", "pmj.csv", "backtest.png")
_BACKTEST_COLUMNS = {"origin", "horizon", "year", "observed", "p50", "crps", "crps_naive"}
_SCORES_COLUMNS = {"horizon", "forecasts", "MAPE", "MASE", "CRPS"}
NEED_COLUMNS = {"year", "unit", "risk", "needed", "needed_low", "needed_high", "current", "gap"}


def refused(path: Path | str, message: str) -> InputError:
    """Bad input at a path: one line, ``PATH: message``."""
    return InputError([(str(path), "", message)])


def _hint(flag: str) -> str:
    return f"choose another {flag} or remove it yourself"


def plain_file(path: Path) -> bool:
    """A regular file, not a link."""
    return path.is_file() and not path.is_symlink()


def _columns(path: Path) -> set[str]:
    """The column names on the first line of a CSV file (empty if unreadable)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            line = f.readline(10_000)
    except OSError:
        return set()
    return {c.strip() for c in line.strip().split(",")}


def _plain_name(name: object) -> bool:
    """One file name, not a path (a manifest never makes us touch anything else)."""
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and "/" not in name
        and "\\" not in name
        and "\0" not in name
    )


def owned(folder: Path) -> set[str] | None:
    """The names of the files in ``folder`` that capaciteit wrote (those its
    manifest lists, and the manifest), or None when ``folder`` is not a results
    folder written by capaciteit."""
    folder = Path(folder)
    manifest = folder / MANIFEST
    if os.path.lexists(manifest):
        if not plain_file(manifest):
            return None
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("capaciteit_version"), str):
            return None
        outputs = data.get("outputs")
        if not isinstance(outputs, dict) or not all(map(_plain_name, outputs)):
            return None
        return {MANIFEST, *outputs}
    # a back-test folder has no manifest (it holds its own files only)
    backtest, scores = folder / "backtest.csv", folder / "summary.csv"
    if (
        plain_file(backtest)
        and plain_file(scores)
        and _BACKTEST_COLUMNS <= _columns(backtest)
        and _SCORES_COLUMNS <= _columns(scores)
    ):
        return set(BACKTEST_FILES)
    return None


def _sort(folder: Path, files: set[str]) -> tuple[list[str], list[str]]:
    """The entries of ``folder`` capaciteit wrote (plain files it lists), which
    may be removed, and the others (the user's), which stay."""
    mine, other = [], []
    for p in sorted(folder.iterdir()):
        (mine if p.name in files and plain_file(p) else other).append(p.name)
    return mine, other


def check_parent(out: Path, flag: str = "-o") -> None:
    """The nearest existing folder above ``out`` must be a folder (to create ``out`` in)."""
    for up in Path(out).parents:
        if os.path.lexists(up):
            if not up.is_dir():
                raise refused(up, f"is a file, not a folder; {_hint(flag)}")
            return


def check_folder(
    out: Path, *, force: bool, writes: Iterable[str] = RUN_FILES, flag: str = "-o"
) -> None:
    """Whether a command may write the results folder ``out``; raises InputError
    (one line naming the path and what it is) when not.

    Absent or empty: yes. A results folder capaciteit wrote: only with ``force``,
    and only when none of ``writes`` (the names the command writes) is there
    without its manifest listing it (a file of the user's). Anything else (a
    file, a link, a folder of the user's): never."""
    _inspect(Path(out), force, set(writes), flag)


def _inspect(
    out: Path, force: bool, writes: set[str], flag: str
) -> tuple[list[str], list[str]] | None:
    """:func:`check_folder`; returns what is in ``out`` (None: nothing there)."""
    check_parent(out, flag)
    if not os.path.lexists(out):
        return None
    if out.is_symlink():
        raise refused(out, f"is a symbolic link, not a results folder; {_hint(flag)}")
    if not out.is_dir():
        what = "is a file" if out.is_file() else "is not a folder"
        raise refused(out, f"{what}, not a results folder; {_hint(flag)}")
    if not any(out.iterdir()):
        return [], []
    files = owned(out)
    if files is None:
        why = (
            "its manifest.json is not capaciteit's"
            if os.path.lexists(out / MANIFEST)
            else "no manifest.json"
        )
        raise refused(out, f"is not a results folder written by capaciteit ({why}); {_hint(flag)}")
    if not force:
        raise refused(out, "results folder exists; add --force to replace it")
    mine, other = _sort(out, files)
    for name in other:
        if name in writes:
            raise refused(
                out / name,
                "not written by capaciteit (not in its manifest.json), and would be "
                f"overwritten; move it away or choose another {flag}",
            )
    return mine, other


def replace_folder(tmp: Path, out: Path, flag: str = "-o") -> None:
    """Put the finished folder ``tmp`` in the place of ``out``, in one rename.

    ``out`` must be absent, empty, or a results folder capaciteit wrote (checked
    again here: it may have changed while the command ran). The entries of ``out``
    capaciteit did not write are moved into the new folder first, so they stay;
    those it wrote are removed after. On any failure ``out`` is left as it was."""
    tmp, out = Path(tmp), Path(out)
    found = _inspect(out, True, set(os.listdir(tmp)), flag)
    if found is None:
        tmp.rename(out)
        return
    mine, other = found
    old = out.with_name(f".old-{out.name}-{tmp.name[-8:]}")
    moved: list[str] = []
    try:
        for name in other:
            os.rename(out / name, tmp / name)
            moved.append(name)
        os.rename(out, old)
        try:
            os.rename(tmp, out)
        except BaseException:
            os.rename(old, out)
            raise
    except BaseException:
        _put_back(tmp, out, moved)
        raise
    for name in mine:  # only capaciteit's own files, by name
        (old / name).unlink(missing_ok=True)
    try:
        old.rmdir()
    except OSError:  # something appeared there meanwhile: it is left, never removed
        pass


def _put_back(tmp: Path, out: Path, moved: list[str]) -> None:
    """Undo the moves of the user's entries into ``tmp`` (which the caller removes)."""
    try:
        for name in reversed(moved):
            os.rename(tmp / name, out / name)
    except OSError:  # keep them out of the caller's way: tmp is renamed, not removed
        tmp.rename(out.with_name(f".kept-{out.name}-{tmp.name[-8:]}"))


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A new folder beside ``out`` to write a command's files into; when the block
    ends it takes ``out``'s place (:func:`replace_folder`), and on any failure it is
    removed, so a reader never sees half a folder."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{out.name}-", dir=out.parent))
    tmp.chmod(0o755)
    try:
        yield tmp
        replace_folder(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


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


def check_file(out: Path, *, force: bool, columns: set[str], what: str, flag: str = "-o") -> None:
    """Whether a command may write the table ``out`` (a CSV with ``columns``):
    absent, or (with ``force``) a table of that kind that capaciteit wrote."""
    out = Path(out)
    check_parent(out, flag)
    if not os.path.lexists(out):
        return
    if out.is_dir() and not out.is_symlink():
        raise refused(out, f"is a folder, not a {what}; {_hint(flag)}")
    if not plain_file(out) or not columns <= _columns(out):
        raise refused(out, f"is not a {what} written by capaciteit; {_hint(flag)}")
    if not force:
        raise refused(out, f"{what} exists; add --force to replace it")


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
        if (backtest / "backtest.png").is_file():
            bt["backtest_png"] = backtest / "backtest.png"
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
    with staged(out) as tmp:
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
        # the workbook's yearly sheet: with the places needed at the planning risk
        from capaciteit.outputs.workbook import yearly_table

        yearly_table(ds, risk).to_csv(tmp / "yearly.csv", index=False, float_format="%.4f")
        files = ["occupancy.nc", "summary.csv", "yearly.csv"]
        if documents:
            files += _documents(ds, tmp, scenario, lang, risk, backtest)
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
            "cautions": run_cautions(ds),
            "scenario_content": scenario_dict,
        }
        write_manifest(tmp, fields)
    return [out / f for f in (*files, "manifest.json")]
