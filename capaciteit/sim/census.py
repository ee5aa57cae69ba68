"""Daily counts from stretches of time: the census every replication reports.

A person is never an object here: stretches ``[t_in, t_out)`` are binned by day
and counted with ``np.bincount``, and the stock is the cumulative sum of entries
less exits (Little's law holds by construction). Where numba is, a group's
stretches are binned and counted in one compiled pass (:func:`_tally`), the
same integers by construction.
"""

from __future__ import annotations

import numpy as np

from capaciteit.sim import jit
from capaciteit.sim.model import Model


class Census:
    """Daily counts of stretches of time, accumulated with bincounts.

    A stretch ``[t_in, t_out)`` in row ``r`` (a unit, a status) is present at the
    end of day ``d`` when ``floor(t_in) <= d < floor(t_out)``, entered on day
    ``floor(t_in)`` and left on day ``floor(t_out)``. Bins are days shifted by one,
    with bin 0 for "before the first reported day" and the last for "after the
    last", so that counting never needs to filter.
    """

    def __init__(self, rows: int, model: Model):
        self.rows, self.days = rows, model.n_days
        self.width = self.days + 2
        self.lo = float(model.warmup - 1)  # times before this fall in bin 0
        self.enter = np.zeros((rows, self.width), np.int64)
        self.leave = np.zeros((rows, self.width), np.int64)

    def bins(self, t: np.ndarray) -> np.ndarray:
        """Bin of each time: 0 before the first reported day, then one per day."""
        # np.clip, less its wrapper; a float copy, so the subtraction can be in place
        x = np.asarray(t, dtype=float).clip(self.lo, self.lo + self.width - 1)
        x -= self.lo  # in place: the same subtraction, one array less
        return x.astype(np.int64)

    def add(self, row, t_in: np.ndarray, t_out: np.ndarray) -> None:
        """Count stretches (zero-length ones cancel out); none: nothing to do
        (most groups have no one on a call-up list)."""
        if not len(t_in):
            return
        if np.ndim(row) == 0:
            self.add_counts(int(row), *self.tally(t_in, t_out))
            return
        self.add_bins(row, self.bins(t_in), self.bins(t_out))

    def tally(
        self, t_in: np.ndarray, t_out: np.ndarray, t_mid=None, routed=None
    ) -> tuple[np.ndarray, ...]:
        """Day counts of ``bins(t_in)`` and ``bins(t_out)`` (and, given ``t_mid``,
        of ``bins(t_mid)`` kept between them: a trial within the stay), with those
        ``routed`` (a mask) in the last bin: in one compiled pass where numba is
        (a NaN among the times leaves it to numpy, which says what is wrong)."""
        mid = t_mid is not None  # (on path "sentence" the trial is the admission array)
        t_in, t_out = np.asarray(t_in, float), np.asarray(t_out, float)
        t_mid = np.asarray(t_mid, float) if mid else t_in
        routed = np.zeros(0, np.bool_) if routed is None else np.asarray(routed, np.bool_)
        if not t_in.size == t_out.size == t_mid.size or routed.size not in (0, t_in.size):
            raise ValueError("tally: times and routed must be of one length")  # no bounds checks
        loop = _tally_loop()
        if loop is not None:
            out = np.zeros((3 if mid else 2, self.width), np.int64)
            hi = self.lo + self.width - 1  # as bins clips
            if loop(t_in, t_out, t_mid, routed, mid, self.lo, hi, self.width - 1, out):
                return tuple(out)
        last = self.width - 1
        b_in, b_out = self.bins(t_in), self.bins(t_out)
        if routed.size:
            b_in[routed], b_out[routed] = last, last
        counts = [self.count(b_in), self.count(b_out)]
        if mid:
            b_mid = b_in if t_mid is t_in else self.bins(t_mid)
            if routed.size:
                b_mid[routed] = last
            counts.append(self.count(np.minimum(np.maximum(b_mid, b_in), b_out)))
        return tuple(counts)

    def add_bins(self, row, b_in: np.ndarray, b_out: np.ndarray) -> None:
        """Count stretches given as bins; ``row`` is one row or one per stretch."""
        if np.ndim(row) == 0:
            self.add_counts(int(row), self.count(b_in), self.count(b_out))
            return
        base = np.asarray(row, np.int64) * self.width
        n = self.enter.size
        self.enter += np.bincount(base + b_in, minlength=n).reshape(self.enter.shape)
        self.leave += np.bincount(base + b_out, minlength=n).reshape(self.leave.shape)

    def count(self, b: np.ndarray) -> np.ndarray:
        return np.bincount(b, minlength=self.width)

    def add_counts(self, row: int, enter: np.ndarray, leave: np.ndarray) -> None:
        self.enter[row] += enter
        self.leave[row] += leave

    def counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Present at the end of each day, entries and exits per day: (days, rows) each."""
        present = np.cumsum(self.enter - self.leave, axis=1)[:, 1 : self.days + 1]
        inside = slice(1, self.days + 1)
        return present.T, self.enter[:, inside].T, self.leave[:, inside].T


def _tally(t_in, t_out, t_mid, routed, mid, lo, hi, last, out) -> bool:
    """:meth:`Census.tally`'s pass: ``Census.bins`` of each time (``np.clip``'s
    steps to ``[lo, hi]``, then the subtraction and the truncation), counted into
    the rows of ``out``; False, and nothing counted, when a time is NaN."""
    n = t_in.size
    for i in range(n):
        if np.isnan(t_in[i]) or np.isnan(t_out[i]) or (mid and np.isnan(t_mid[i])):
            return False
    for i in range(n):
        if routed.size and routed[i]:
            out[0, last] += 1
            out[1, last] += 1
            if mid:
                out[2, last] += 1
            continue
        b_in = int(min(max(t_in[i], lo), hi) - lo)
        b_out = int(min(max(t_out[i], lo), hi) - lo)
        out[0, b_in] += 1
        out[1, b_out] += 1
        if mid:
            b_mid = int(min(max(t_mid[i], lo), hi) - lo)
            out[2, min(max(b_mid, b_in), b_out)] += 1
    return True


_tally_loop = jit.loop(_tally)
"""The compiled :func:`_tally`, or None without numba (on first use)."""


def _add_status(
    status: Census, model: Model, stream, b_in, b_trial, b_out, counts=None, c_trial=None
) -> None:
    """People in cells by legal status: pre-trial until the trial, then sentenced,
    or the status of a stay-path stream (substitute detention, ISD, ...).
    ``counts``: the day counts of ``b_in`` and ``b_out`` where the caller has them;
    ``c_trial`` those of the trial's bins kept between them."""
    c_in, c_out = counts if counts is not None else (status.count(b_in), status.count(b_out))
    if stream.path == "stay":
        status.add_counts(model.statuses.index(stream.status or "other"), c_in, c_out)
        return
    if c_trial is None:
        c_trial = status.count(np.minimum(np.maximum(b_trial, b_in), b_out))
    status.add_counts(0, c_in, c_trial)
    status.add_counts(1, c_trial, c_out)


def _with_total(counts: np.ndarray) -> np.ndarray:
    """(days, units) -> (days, units + 1) int32, the last column to fill."""
    out = np.zeros((counts.shape[0], counts.shape[1] + 1), np.int32)
    out[:, :-1] = counts
    return out
