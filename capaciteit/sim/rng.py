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

import zlib

import numpy as np


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of one replication, independent of the run's size."""
    return np.random.SeedSequence(seed, spawn_key=(int(replication),))


def name_key(name: str) -> int:
    """A stable 32-bit key for a decision's name (Python's hash() is salted)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Named child generators of one replication's seed sequence."""

    def __init__(self, seq: np.random.SeedSequence):
        self.seq = seq

    def __call__(self, *names: str) -> np.random.Generator:
        key = tuple(name_key(n) for n in names)
        child = np.random.SeedSequence(self.seq.entropy, spawn_key=(*self.seq.spawn_key, *key))
        return np.random.Generator(np.random.PCG64(child))
