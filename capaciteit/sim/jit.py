"""numba, where installed: the engine's few loops in compiled code (optional).

Imported only by the modules that hold such loops (``wingloop``, ``seeding``),
which the engine imports on first use: a command that simulates nothing never
loads numba.
"""

from __future__ import annotations

try:  # pragma: no cover - which branch depends on the install
    import numba
except ImportError:  # pragma: no cover
    numba = None


def compiled(f):
    """``f`` compiled, or None without numba (or with ``NUMBA_DISABLE_JIT=1``:
    the plain Python function would be slower than the numpy path it replaces).
    The compiled code is kept on disk where the install allows it (numba's
    cache); an install with nowhere to keep it compiles in each process."""
    if numba is None or numba.config.DISABLE_JIT:
        return None
    try:
        return numba.njit(cache=True, nogil=True)(f)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(nogil=True)(f)
