"""The writing phase of a run on its own: the reductions (``run/sweep``) and
``occupancy.nc`` from a replication store, read a batch's chunk at a time (the
store's own chunks) or a unit of up to ``run/store.READ`` replications at a time,
each in a fresh process, with its time and the growth of its peak memory (RSS).

Usage: ``python benchmarks/bench_write.py [--replications N] [--store FOLDER]``
(default 1,000: a store of the national baseline is made first, about 70 s on 2
cores; ``--store``: an existing run's store folder instead).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, it does
    not start at the parent's peak when the parent forked this process)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(folder: str, what: str, per_batch: bool) -> dict:
    """In this process: open the store, time ``what``, report the memory growth."""
    import warnings

    warnings.simplefilter("ignore")
    from capaciteit.outputs.write import write_netcdf
    from capaciteit.run import store
    from capaciteit.run.results import monthly_summary, reuse

    st = store.ReplicationStore(Path(folder), json.loads((Path(folder) / store.RUN).read_text()))
    if per_batch:
        store.READ = st.batch
    ds = st.dataset()
    before = _peak_mb()
    t0 = time.perf_counter()
    if what == "netcdf":
        write_netcdf(ds, Path(folder) / "occupancy.nc")
    else:
        with reuse(ds):
            monthly_summary(ds)
    return {"seconds": time.perf_counter() - t0, "rss_growth_mb": _peak_mb() - before}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=1000)
    ap.add_argument("--store", help="an existing store folder (run.json, replications.zarr)")
    ap.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)  # folder, what, per_batch
    a = ap.parse_args()
    if a.measure:
        folder, what, per_batch = a.measure
        print(json.dumps(measure(folder, what, per_batch == "1")))
        return
    import capaciteit as cap

    with tempfile.TemporaryDirectory() as tmp:
        folder = a.store or str(Path(tmp) / "store")
        if not a.store:
            t0 = time.perf_counter()
            cap.simulate(
                cap.load_scenario(ROOT / "scenarios" / "baseline.toml"),
                replications=a.replications,
                seed=1,
                workers=2,
                store=folder,
            )
            took = time.perf_counter() - t0
            print(f"store of {a.replications} baseline replications made in {took:.0f} s")
        for what in ("reductions", "netcdf"):
            for per_batch in ("1", "0"):
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--measure",
                        folder,
                        what,
                        per_batch,
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                m = json.loads(out.stdout.strip().splitlines()[-1])
                how = "a batch's chunk at a time" if per_batch == "1" else "a unit at a time (READ)"
                print(
                    f"  {what:10s} {how:26s} {m['seconds']:5.1f} s, "
                    f"peak memory +{m['rss_growth_mb']:.0f} MB"
                )


if __name__ == "__main__":
    main()
