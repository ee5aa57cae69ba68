"""Speed and memory of the engine: prints the figures issue 15 asks for, beside
their targets, in one run.

1. Seconds per replication of the stylized benchmark scenario (31,500 admissions a
   year to an unlimited unit, lognormal stays mean 90 / sd 200 days; 3,500 a year to
   a 300-place waiting wing, lognormal 28 / 62; ten years from empty) in the engine;
   in a straightforward per-person simpy model of the same scenario
   (``simpy_per_person.py``), and their ratio (target >= 200x); and the numpy floor:
   the same draws (arrival gaps and stays of both streams) and one daily count of
   each unit by ``np.bincount``, with no queue, no rules and no output (target: the
   engine within 2x of it). Then a stylized and a baseline replication with
   numba's compiled paths and without them, alternating.
2. Wall time and peak memory of ``capaciteit run scenarios/baseline.toml -n 1000``
   (the whole command: simulation, replication store, netCDF, summaries, report,
   workbook), measured from outside by polling the memory of the process and its
   workers. Targets: <= 40 s on a 2-core machine, <= 1 GB. Then the same for
   ``scenarios/no-reentry.toml``: today's national baseline less the re-entry
   loop, which issue 14 put into the baseline after issue 15 set its target (at
   2dc733a, on a baseline of 9 streams and 6 units without the loop; today's has
   15 streams and 7 units: not the same workload, the nearest one shipped).
3. With ``--large``: the same for 10,000 replications. Target: <= 2 GB peak (the
   replications go to disk as they finish and are read back unit by unit).

Timings on a shared machine are noisy: the script repeats and reports the median
and the best. Usage: ``python benchmarks/bench_engine.py [--quick] [--large]``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import capaciteit as cap
from capaciteit.sim.compile import compile_model
from capaciteit.sim.engine import run_replication

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

STYLIZED = """
[scenario]
name = "bench-stylized"
start = 2030-01-01
end = 2039-12-31

[[unit]]
name = "main"
capacity = 100000

[[unit]]
name = "bba"
capacity = 300
when_full = "wait"

[[stream]]
name = "direct"
unit = "main"
rate_per_year = 31500
stay = { distribution = "lognormal", mean_days = 90, sd_days = 200 }

[[stream]]
name = "wing"
unit = "bba"
rate_per_year = 3500
stay = { distribution = "lognormal", mean_days = 28, sd_days = 62 }
"""


def engine_seconds(reps: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.toml"
        path.write_text(STYLIZED)
        model = compile_model(cap.load_scenario(path))
    run_replication(model, np.random.SeedSequence(0))  # warm caches
    out = []
    for r in range(reps):
        t0 = time.perf_counter()
        run_replication(model, np.random.SeedSequence(r))
        out.append(time.perf_counter() - t0)
    return out


def numba_ab(reps: int) -> dict[str, tuple[float, float]]:
    """Median seconds of a stylized and a baseline replication with numba's
    compiled paths and without them (the numpy and Python layers, numpy's
    seeding), alternating in this process so both see the same machine."""
    from capaciteit.run.runner import prepare
    from capaciteit.sim import jit, wingloop
    from capaciteit.sim.rng import replication_seed

    jit.warm()
    if wingloop.wait_loop() is None:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.toml"
        path.write_text(STYLIZED)
        models = {"stylized": compile_model(cap.load_scenario(path))}
    models["baseline"] = prepare(cap.load_scenario(ROOT / "scenarios" / "baseline.toml"))[0]
    out = {}
    for name, model in models.items():
        times = {True: [], False: []}
        for r in range(reps if name == "stylized" else max(2, reps // 2)):
            for on in (True, False):
                with contextlib.nullcontext() if on else jit.disabled():
                    t0 = time.perf_counter()
                    run_replication(model, replication_seed(1, r))
                    times[on].append(time.perf_counter() - t0)
        out[name] = (statistics.median(times[True]), statistics.median(times[False]))
    return out


def floor_seconds(reps: int) -> list[float]:
    """The numpy floor of the stylized scenario: its draws and one daily count."""
    days = 3652
    out = []
    for r in range(reps):
        t0 = time.perf_counter()
        rng = np.random.default_rng(r)
        for rate, mean, sd in ((31_500, 90.0, 200.0), (3_500, 28.0, 62.0)):
            n = rng.poisson(rate * days / 365.25)
            t_in = np.cumsum(rng.standard_exponential(n)) * (365.25 / rate)
            s2 = np.log1p((sd / mean) ** 2)
            stay = rng.lognormal(np.log(mean) - s2 / 2, np.sqrt(s2), n)
            b_in = np.minimum(t_in, days).astype(np.int64)
            b_out = np.minimum(t_in + stay, days).astype(np.int64)
            diff = np.bincount(b_in, minlength=days + 1) - np.bincount(b_out, minlength=days + 1)
            np.cumsum(diff)[:days]
        out.append(time.perf_counter() - t0)
    return out


def per_person_seconds(reps: int) -> list[float]:
    import simpy_per_person

    out = []
    for r in range(reps):
        t0 = time.perf_counter()
        simpy_per_person.run(seed=r, days=3652)
        out.append(time.perf_counter() - t0)
    return out


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in kB. PSS shares pages that forked workers have in
    common with their parent among them, so a sum over processes counts each once."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def baseline_run(reps: int, workers: int, scenario: str = "baseline") -> dict:
    """Run the CLI in a subprocess; poll memory of it and its worker processes."""
    exe = Path(sys.executable).with_name("capaciteit")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            str(exe),
            "run",
            str(ROOT / "scenarios" / f"{scenario}.toml"),
            "-n",
            str(reps),
            "--workers",
            str(workers),
            "-o",
            str(Path(tmp) / "out"),
            "--quiet",
        ]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd)
        peak_tree = peak_main = 0
        while proc.poll() is None:
            mem = [_memory_kb(p) for p in _tree(proc.pid)]
            peak_tree = max(peak_tree, sum(pss for _, pss in mem))
            peak_main = max(peak_main, mem[0][0])
            time.sleep(0.05)
        wall = time.perf_counter() - t0
        if proc.returncode:
            raise SystemExit(f"capaciteit run failed with code {proc.returncode}")
        size = sum(f.stat().st_size for f in (Path(tmp) / "out").iterdir())
        manifest = json.loads((Path(tmp) / "out" / "manifest.json").read_text())
    return {
        "wall_s": wall,
        "simulating_s": manifest["wall_time_s"],
        "peak_all_mb": peak_tree / 1024,
        "peak_main_mb": peak_main / 1024,
        "output_mb": size / 1e6,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions, 200 baseline reps")
    ap.add_argument("--large", action="store_true", help="also 10,000 baseline replications")
    ap.add_argument("--skip-engine", action="store_true", help="only the baseline runs")
    a = ap.parse_args()
    try:
        import numba

        compiled = (
            f"numba {numba.__version__} (compiled: wing loop, seeding, stretch of dates, "
            "order of returns, census tally)"
        )
    except ImportError:
        compiled = "no numba (the wings' numpy and Python layers, numpy's seeding)"
    print(
        f"capaciteit {cap.__version__}, {dt.date.today()}, {os.cpu_count()} cores, "
        f"python {sys.version.split()[0]}, numpy {np.__version__}, {compiled}"
    )
    if not a.skip_engine:
        eng = engine_seconds(5 if a.quick else 20)
        low = floor_seconds(5 if a.quick else 20)
        ref = per_person_seconds(1 if a.quick else 3)
        e_med, r_med, f_med = statistics.median(eng), statistics.median(ref), statistics.median(low)
        print("stylized scenario, 10 years, one replication:")
        print(
            f"  engine (no simpy)             median {e_med:.4f} s, best {min(eng):.4f} s"
            f" ({len(eng)} runs)"
        )
        print(
            f"  per-person simpy reference    median {r_med:.2f} s, best {min(ref):.2f} s"
            f" ({len(ref)} runs)"
        )
        print(
            f"  numpy floor (draws + counts)  median {f_med:.4f} s, best {min(low):.4f} s"
            f" ({len(low)} runs)"
        )
        print(f"  ratio to simpy (medians)      {r_med / e_med:.0f}x (target >= 200x)")
        print(f"  ratio to the floor (medians)  {e_med / f_med:.1f}x (target <= 2x)")
        for name, (on, off) in numba_ab(6 if a.quick else 24).items():
            print(
                f"  {name} replication, numba on / off (alternating, medians): "
                f"{on * 1e3:.1f} / {off * 1e3:.1f} ms"
            )
    workers = len(os.sched_getaffinity(0))
    sizes = [200 if a.quick else 1000] + ([10_000] if a.large else [])
    runs = [("baseline", n) for n in sizes] + [("no-reentry", sizes[0])]
    for scenario, reps in runs:
        b = baseline_run(reps, workers, scenario)
        target = "<= 40 s for 1,000 on 2 cores" if reps <= 1000 else "none; about 10x the 1,000"
        limit = "1 GB" if reps <= 1000 else "2 GB"
        print(f"capaciteit run scenarios/{scenario}.toml -n {reps} --workers {workers}:")
        if scenario == "no-reentry":
            print(
                "  (today's baseline less the re-entry loop, which came into the baseline "
                "after issue 15 set the target)"
            )
        print(f"  wall time       {b['wall_s']:.1f} s (target {target})")
        print(
            f"  of which         {b['simulating_s']:.1f} s simulating (the replications into "
            f"the store), {b['wall_s'] - b['simulating_s']:.1f} s starting and writing"
        )
        print(
            f"  peak memory     {b['peak_all_mb']:.0f} MB in all processes together,"
            f" {b['peak_main_mb']:.0f} MB in the main one (target <= {limit})"
        )
        print(f"  results folder  {b['output_mb']:.1f} MB")


if __name__ == "__main__":
    main()
