"""A planner's install: the core dependencies run a scenario and write its results
folder, report and workbook; the extras are needed only for what they name
(``notebooks``: JupyterLab; ``cluster``: a Dask cluster; ``fast``: numba, the
same numbers sooner).

Every installed package outside the core's dependency closure (the extras, the
test tools and all they bring) is made unimportable in a child process
(``sys.modules[name] = None`` makes ``import name`` raise ImportError), so the test
sees what a core-only install would, without building one."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _core_closure() -> set[str]:
    """The distributions a core install brings: the project's dependencies and
    theirs, each requirement's environment marker judged here (extras left out)."""
    from packaging.requirements import Requirement

    def norm(name: str) -> str:
        return name.lower().replace("_", "-").replace(".", "-")

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    todo = [Requirement(r) for r in project["dependencies"]]
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = norm(req.name)
        if name in seen:
            continue
        seen.add(name)
        todo += [Requirement(r) for r in metadata.requires(req.name) or []]
    return seen


def _not_core() -> list[str]:
    """Top-level modules of every installed distribution outside the core: the
    extras, the test tools and what they bring."""
    core = _core_closure()
    found = set()
    for module, dists in metadata.packages_distributions().items():
        if module.isidentifier() and not module.startswith("_") and module != "capaciteit":
            if not any(d.lower().replace("_", "-").replace(".", "-") in core for d in dists):
                found.add(module)
    in_every_venv = {"pip", "setuptools", "pkg_resources", "wheel"}
    return sorted(found - set(sys.stdlib_module_names) - in_every_venv)


EXTRAS_ONLY = _not_core()
CHILD = f"""
import sys
for name in {EXTRAS_ONLY!r}:
    sys.modules[name] = None
from capaciteit.cli import main
code = main(sys.argv[1:])
loaded = sorted(n for n in {EXTRAS_ONLY!r} if sys.modules.get(n) is not None)
assert not loaded, loaded
sys.exit(code)
"""


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=ROOT
    )


def test_the_core_install_runs_a_scenario_and_writes_its_report(tmp_path):
    out = tmp_path / "stylized"
    r = _cli("run", "scenarios/stylized.toml", "-n", "4", "-o", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    for name in ("summary.csv", "report.html", "workbook.xlsx", "occupancy.nc"):
        assert (out / name).stat().st_size > 0, name


def test_a_cluster_run_without_the_cluster_extra_names_the_extra(tmp_path):
    out = tmp_path / "stylized"
    r = _cli("run", "scenarios/stylized.toml", "-n", "4", "-o", str(out), "--dask", "--quiet")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "--dask" in lines[0] and "pip install 'capaciteit[cluster]'" in lines[0]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # nor the store it began


def test_the_extras_are_not_core_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {d.split(">")[0].split("=")[0].strip().lower() for d in project["dependencies"]}
    extras = project["optional-dependencies"]
    assert {"jupyterlab", "ipykernel"} <= {d.split(">")[0] for d in extras["notebooks"]}
    assert {"distributed"} <= {d.split(">")[0] for d in extras["cluster"]}
    assert {"numba"} <= {d.split(">")[0] for d in extras["fast"]}
    assert not core & {"jupyterlab", "ipykernel", "distributed", "simpy", "pytest", "numba"}
    # the README's commands install everything: the lock holds the extras too
    locked = {
        line.split("==")[0].lower()
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line
    }
    assert {"jupyterlab", "ipykernel", "distributed", "dask", "zarr", "babel", "numba"} <= locked


def test_the_blocked_packages_include_the_extras_and_what_they_bring():
    """The check is not empty: the extras and their dependencies are blocked."""
    for name in ("distributed", "jupyterlab", "ipykernel", "IPython", "simpy", "tornado", "numba"):
        assert name in EXTRAS_ONLY, name
    for name in ("numpy", "xarray", "dask", "zarr", "babel", "openpyxl", "jinja2"):
        assert name not in EXTRAS_ONLY, name


def test_without_numba_every_number_is_the_same(tmp_path):
    """The core install (no numba: the wings' numpy and Python layers, numpy's
    own seed sequences) and the locked one (the compiled loop and seeding) write
    the same daily counts, to the bit, for a scenario with waiting wings, end
    phases, re-entry and a calibrated forecast."""
    import numpy as np
    import xarray as xr

    # one process: the block of numba reaches no worker a pool would start
    args = ("run", "scenarios/forecast-2024.toml", "-n", "3", "--workers", "1", "--quiet")
    core = _cli(*args, "-o", str(tmp_path / "core"))
    assert core.returncode == 0, core.stderr
    plain = (
        "import sys; from capaciteit.cli import main; code = main(sys.argv[1:]); "
        "assert 'numba' in sys.modules, 'the compiled paths did not run'; sys.exit(code)"
    )
    fast = subprocess.run(
        [sys.executable, "-c", plain, *args, "-o", str(tmp_path / "fast")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert fast.returncode == 0, fast.stderr
    with (
        xr.open_dataset(tmp_path / "core" / "occupancy.nc") as a,
        xr.open_dataset(tmp_path / "fast" / "occupancy.nc") as b,
    ):
        big = [v for v in a.data_vars if "replication" in a[v].dims]
        assert {"occupancy", "waiting", "unplaced", "returns"} <= set(big)
        for v in big:
            assert np.array_equal(a[v].values, b[v].values), v
        assert (a["waiting"].values > 0).any()  # the wings made people wait
