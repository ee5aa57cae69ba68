"""Random streams: one per replication, one child per named decision.

Replication ``r`` of seed ``s`` uses ``SeedSequence(s, spawn_key=(r,))``, which is
exactly ``SeedSequence(s).spawn(n)[r]`` for any ``n`` (the contract), so a
replication's numbers do not depend on how many replications or workers a run
has. Each decision (arrivals of a stream, its sentences, v.i. refusals, ...) draws
from its own child stream keyed by a stable hash of its name, so two scenarios
that differ in one decision share the draws of every other one (common random
numbers).
"""

from __future__ import annotations

import functools
import zlib

import numpy as np

from capaciteit.sim import seeding


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of one replication, independent of the run's size."""
    return np.random.SeedSequence(seed, spawn_key=(int(replication),))


def name_key(name: str) -> int:
    """A stable 32-bit key for a decision's name (Python's hash() is salted)."""
    return zlib.crc32(name.encode("utf-8"))


@functools.lru_cache(maxsize=1 << 16)
def _name_words(names: tuple[str, ...]) -> np.ndarray:
    """The spawn-key words of a decision's names: one 32-bit word per name."""
    return np.array([name_key(n) for n in names], dtype=np.uint32)


def _words(x) -> np.ndarray | None:
    """The 32-bit words SeedSequence makes of a non-negative int or a sequence of
    them (least significant first; 0 is one word), or None for anything else: a
    seed sequence given these words mixes exactly the same entropy, without
    converting every int again for each child."""
    if isinstance(x, int | np.integer):
        n = int(x)
        if n < 0:
            return None
        out = [n & 0xFFFFFFFF]
        while n > 0xFFFFFFFF:
            n >>= 32
            out.append(n & 0xFFFFFFFF)
        return np.array(out, dtype=np.uint32)
    if isinstance(x, tuple):
        parts = [_words(v) for v in x]
        if any(p is None for p in parts):
            return None
        return np.concatenate(parts) if parts else np.zeros(0, np.uint32)
    return None


class Streams:
    """Named child generators of one replication's seed sequence."""

    def __init__(self, seq: np.random.SeedSequence):
        self.seq = seq
        self._entropy, self._spawn = _words(seq.entropy), _words(tuple(seq.spawn_key))
        self._head = None  # a child's assembled entropy before its names (seeding)
        self._seeding = seeding.pool_state()
        if self._entropy is not None and self._spawn is not None:
            pad = max(0, seeding.POOL - self._entropy.size)  # as numpy pads a spawned one
            self._head = np.concatenate((self._entropy, np.zeros(pad, np.uint32), self._spawn))

    def __call__(self, *names: str) -> np.random.Generator:
        if self._head is None:  # as numpy has it: the same
            key = tuple(name_key(n) for n in names)
            child = np.random.SeedSequence(self.seq.entropy, spawn_key=(*self.seq.spawn_key, *key))
            return np.random.Generator(np.random.PCG64(child))
        tail = _name_words(names)
        if self._seeding is None or not names:  # the words given as words: the same
            child = np.random.SeedSequence(
                self._entropy, spawn_key=(np.concatenate((self._spawn, tail)),)
            )
            return np.random.Generator(np.random.PCG64(child))
        state = np.empty(4, np.uint64)  # what numpy's SeedSequence of these words gives
        self._seeding(self._head, tail, state)
        child = seeding.Seeded(state, self._entropy, self._spawn, tail)
        return np.random.Generator(np.random.PCG64(child))
