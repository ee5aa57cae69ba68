"""numpy's ``SeedSequence`` arithmetic for a named stream, in compiled code.

A national replication asks for about 800 named streams. numpy builds each from
a ``SeedSequence`` (mixing the entropy words into a pool, then hashing the pool
into the bit generator's state): about 13.5 us a stream, a tenth of the
replication. With the arithmetic compiled (numba) and ``PCG64`` taking the state
from :class:`Seeded`, a stream costs about 2.8 us in all (docs/model.md, Speed).

This is the algorithm of numpy's ``bit_generator.pyx`` (after Melissa O'Neill's
``seed_seq`` alternative), for a pool of 4 words: its 32-bit multiplications
wrap, so they are done in 64 bits and masked. ``tests/test_exact.py`` checks the
states, draws and spawned children against numpy's own ``SeedSequence`` for
seeds of one to five words and many names. numba is optional: without it
:func:`pool_state` gives None and numpy builds the seed sequences (the same
states); numba is loaded when a stream is first asked for (``sim/jit``), not on
import.
"""

from __future__ import annotations

import numpy as np
from numpy.random.bit_generator import ISpawnableSeedSequence

from capaciteit.sim import jit

POOL = 4  # numpy's default pool size, in 32-bit words


def _state(head: np.ndarray, tail: np.ndarray, out: np.ndarray) -> None:
    """``out`` (uint64): ``generate_state(out.size, np.uint64)`` of the seed
    sequence whose assembled entropy is ``head`` then ``tail`` (uint32 words;
    ``head`` at least :data:`POOL` of them)."""
    m = np.uint64(0xFFFFFFFF)
    mult_a, mult_b = np.uint64(0x931E8875), np.uint64(0x58F38DED)
    mix_l, mix_r = np.uint64(0xCA01F9DD), np.uint64(0x4973F715)
    shift = np.uint64(16)
    pool = np.zeros(POOL, np.uint64)
    h = np.uint64(0x43B0D7E5)  # INIT_A
    for i in range(POOL):  # the first words fill the pool
        v = np.uint64(head[i]) ^ h
        h = (h * mult_a) & m
        v = (v * h) & m
        pool[i] = v ^ (v >> shift)
    for src in range(POOL):  # every pool word into every other
        for dst in range(POOL):
            if src != dst:
                v = pool[src] ^ h
                h = (h * mult_a) & m
                v = (v * h) & m
                v ^= v >> shift
                r = ((mix_l * pool[dst]) - (mix_r * v)) & m
                pool[dst] = r ^ (r >> shift)
    n_head = head.size
    for k in range(n_head - POOL + tail.size):  # the rest, each into every pool word
        w = np.uint64(head[POOL + k]) if POOL + k < n_head else np.uint64(tail[POOL + k - n_head])
        for dst in range(POOL):
            v = w ^ h
            h = (h * mult_a) & m
            v = (v * h) & m
            v ^= v >> shift
            r = ((mix_l * pool[dst]) - (mix_r * v)) & m
            pool[dst] = r ^ (r >> shift)
    hb = np.uint64(0x8B51F9DD)  # INIT_B
    for i in range(2 * out.size):  # 32-bit words, two to a uint64, the first low
        v = pool[i % POOL] ^ hb
        hb = (hb * mult_b) & m
        v = (v * hb) & m
        v ^= v >> shift
        if i % 2 == 0:
            out[i // 2] = v
        else:
            out[i // 2] |= v << np.uint64(32)


pool_state = jit.loop(_state)
"""The compiled :func:`_state`, or None without numba (on first use)."""


class Seeded(ISpawnableSeedSequence):
    """A named stream's seed sequence with its state already computed: ``PCG64``
    asks it for ``generate_state(4, np.uint64)``. Anything else (``spawn``, the
    entropy) goes to numpy's own ``SeedSequence`` of the same words (``entropy``,
    then ``spawn`` and ``names`` as the spawn key), made on first use."""

    def __init__(self, state: np.ndarray, entropy, spawn: np.ndarray, names: np.ndarray):
        self._state, self._words, self._real = state, (entropy, spawn, names), None

    def real(self) -> np.random.SeedSequence:
        if self._real is None:
            entropy, spawn, names = self._words
            key = (np.concatenate((spawn, names)),)
            self._real = np.random.SeedSequence(entropy, spawn_key=key)
        return self._real

    def generate_state(self, n_words, dtype=np.uint32):
        if n_words == self._state.size and np.dtype(dtype) == np.uint64:
            return self._state.copy()
        return self.real().generate_state(n_words, dtype)

    def spawn(self, n_children):
        return self.real().spawn(n_children)

    def __getattr__(self, name):  # entropy, spawn_key, pool, n_children_spawned
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.real(), name)
