"""Hashes of the daily arrays of baseline, forecast-2024 and no-reentry (4 replications, seed 3).

Run it under other linear-algebra kernels and numpy SIMD levels: the hashes must
not change (docs/model.md, "The same numbers on another machine"):

    python benchmarks/reproduce.py
    OPENBLAS_CORETYPE=Haswell python benchmarks/reproduce.py
    OPENBLAS_CORETYPE=Sandybridge python benchmarks/reproduce.py
    NPY_DISABLE_CPU_FEATURES=X86_V4,AVX512_ICL,AVX512_SPR python benchmarks/reproduce.py
    NPY_DISABLE_CPU_FEATURES=X86_V3,X86_V4,AVX512_ICL,AVX512_SPR python benchmarks/reproduce.py
    NUMBA_CPU_NAME=generic python benchmarks/reproduce.py
"""

import hashlib
import warnings

import numpy as np

import capaciteit as cap

warnings.simplefilter("ignore")

out = []
for name in ("baseline", "forecast-2024", "no-reentry"):
    ds = cap.simulate(cap.load_scenario(f"scenarios/{name}.toml"), replications=4, seed=3)
    h = hashlib.sha256()
    for v in ("occupancy", "waiting", "admissions", "releases", "stock_by_status"):
        h.update(np.ascontiguousarray(ds[v].values).tobytes())
    out.append(f"{name}:{h.hexdigest()[:16]}")
print(" ".join(out))
