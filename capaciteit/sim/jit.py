"""numba, where installed: the engine's few loops in compiled code (optional).

Imported only by the modules that hold such loops (``wingloop``, ``seeding``,
``people``, ``reentry``, ``census``); numba itself is loaded when the first loop
is needed (the first named random stream: compiling a scenario draws its
start-stock pools), not on import.
:func:`loop` (or :func:`door`, given a maker) gives each loop its door: the
loop compiled once per process on the first call, or None; :func:`warm`
compiles them all (before a pool of processes forks) and :func:`disabled` turns
them all off at once (the benchmark's with and without).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator

_ON = [True]
OPTIONS = {"nogil": True}
"""How every loop is compiled (no fast-math: the numpy paths' bits)."""
_MAKERS: list[Callable[[], Callable | None]] = []


def compiled(f: Callable) -> Callable | None:
    """``f`` compiled, or None without numba (or with ``NUMBA_DISABLE_JIT=1``:
    the plain Python function would be slower than the numpy path it replaces).
    The compiled code is kept on disk where the install allows it (numba's
    cache); an install with nowhere to keep it compiles in each process."""
    try:  # pragma: no cover - which branch depends on the install
        import numba
    except ImportError:  # pragma: no cover
        return None
    if numba.config.DISABLE_JIT:
        return None
    try:
        return numba.njit(cache=True, **OPTIONS)(f)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(**OPTIONS)(f)


def door(make: Callable[[], Callable | None]) -> Callable[[], Callable | None]:
    """A function that gives what ``make`` compiles (once per process), or None
    while :func:`disabled` (``make`` gives None without numba)."""
    _MAKERS.append(make)
    return lambda: _made(make) if _ON[0] else None


def loop(f: Callable) -> Callable[[], Callable | None]:
    """The door of ``f`` compiled as it is (most loops: :func:`door` for a loop
    whose maker must do more, as the wing's, which binds its compiled heap)."""

    def make() -> Callable | None:
        return compiled(f)

    make.__module__ = f.__module__  # whose loop it is (tests/test_exact.py)
    return door(make)


def warm() -> None:
    """Compile (or load from numba's cache) every loop with a door."""
    for make in _MAKERS:
        _made(make)


@functools.cache
def _made(make: Callable[[], Callable | None]) -> Callable | None:
    return make()


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Every compiled loop off: the numpy and Python paths run (the same numbers)."""
    before, _ON[0] = _ON[0], False
    try:
        yield
    finally:
        _ON[0] = before
