"""Small linear algebra in plain floats, in a fixed order: the same number on
every machine. BLAS and LAPACK may reorder, fuse or (for a covariance's
factor) choose other eigenvectors from one CPU kernel to the next, and a
forecast's draws or a stored calibration's numbers would follow."""

from __future__ import annotations

import math

import numpy as np


def dot(a: list[float], b: list[float]) -> float:
    """Left to right: the same sum on every machine (BLAS may reorder or fuse)."""
    out = 0.0
    for x, y in zip(a, b, strict=True):
        out += x * y
    return out


def cholesky(cov: list[list[float]]) -> list[list[float]]:
    """Lower-triangular L with L L' = ``cov``, in plain floats (Cholesky-Banachiewicz).
    A direction with no variance left (a pivot <= 0: singular, or negative by
    rounding) gets none: a covariance that is only semi-definite still works."""
    n = len(cov)
    low = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            acc = cov[i][j] - dot(low[i][:j], low[j][:j])
            if i == j:
                low[i][i] = math.sqrt(acc) if acc > 0 else 0.0
            elif low[j][j] > 0:
                low[i][j] = acc / low[j][j]
    return low


def normal(mean: list[float], cov: list[list[float]], rng: np.random.Generator) -> np.ndarray:
    """One draw from N(mean, cov): ``mean + L z`` with ``z`` standard normals drawn
    in order and L the Cholesky factor, unique and computed the same way on every
    machine (numpy's multivariate_normal factors with LAPACK, whose eigenvectors,
    and so draws, differ between CPU kernels)."""
    z = rng.standard_normal(len(mean)).tolist()
    low = cholesky(cov)
    return np.array([m + dot(row, z) for m, row in zip(mean, low, strict=True)])


def inverse(a: list[list[float]]) -> list[list[float]] | None:
    """Inverse of a small symmetric positive (semi)definite matrix by
    Gauss-Jordan in plain Python (the same on every machine); None when it is
    singular to working precision."""
    n = len(a)
    m = [list(map(float, row)) + [float(i == j) for j in range(n)] for i, row in enumerate(a)]
    big = max((abs(m[i][i]) for i in range(n)), default=0.0)
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[p][c]) <= 1e-12 * big:
            return None
        m[c], m[p] = m[p], m[c]
        piv = m[c][c]
        m[c] = [v / piv for v in m[c]]
        for r in range(n):
            if r != c and m[r][c] != 0.0:
                f = m[r][c]
                m[r] = [v - f * w for v, w in zip(m[r], m[c], strict=True)]
    return [row[n:] for row in m]
