"""One pass over a run's daily counts: every monthly, yearly and daily figure
the summaries need, each row's variables read once.

On a run kept on disk every read of a (replication, time) slice costs a pass
over its chunks; the summaries, report, workbook and headline used to read the
same slices again and again. :func:`sweep` reads each row's variables once, in
row order (units, pools of several units, total), and keeps only reductions:
per replication by month and year, and per day over replications. The
arithmetic is that of the functions it replaces, expression by expression, so
the figures are the same to the bit (``tests/test_sweep.py`` keeps the
functions it replaced and compares).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from capaciteit.run.rows import judged, limit, pools, rows, series


@dataclass(frozen=True)
class Periods:
    """Where each month or year starts in the time axis, and its days."""

    starts: np.ndarray
    days: np.ndarray
    labels: np.ndarray

    @classmethod
    def of(cls, keys: np.ndarray) -> Periods:
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        return cls(starts, np.diff(np.r_[starts, keys.size]), keys[starts])


def months(ds: xr.Dataset) -> Periods:
    return Periods.of(ds["time"].values.astype("datetime64[M]"))


def years(ds: xr.Dataset) -> Periods:
    return Periods.of(ds["time"].dt.year.values)


def sweep(ds: xr.Dataset) -> dict[str, dict[str, np.ndarray]]:
    """Per row of :func:`~capaciteit.run.rows.rows`: its reductions (see
    :func:`_row`). Each variable of a row is read once; a row's shortage days are
    kept only until ``total`` (short in any pool) has them."""
    m, y = months(ds), years(ds)
    out: dict[str, dict[str, np.ndarray]] = {}
    short_any = None  # (replication, time): a shortage in any pool so far
    pool_names = set(pools(ds))
    for u in rows(ds):
        if u == "total" and ("pools" in ds.attrs or "unit" in ds.dims):
            flags = short_any
            if flags is None or not pool_names <= set(out):
                flags = np.zeros((ds.sizes["replication"], ds.sizes["time"]), bool)
                for p in pools(ds):
                    flags |= _row(ds, p, m, y, None)[1]
            out[u], _ = _row(ds, u, m, y, flags)
            continue
        out[u], flags = _row(ds, u, m, y, None)
        if u in pool_names:
            if short_any is None:
                short_any = flags.copy()
            else:
                short_any |= flags
    for r in out.values():  # kept for the run (reductions.reuse): never changed in place
        for a in r.values():
            if a is not None:
                a.setflags(write=False)
    return out


def _row(ds: xr.Dataset, u: str, m: Periods, y: Periods, flags: np.ndarray | None):
    """A row's reductions, and its shortage days (``flags``: given for ``total``)."""
    r: dict[str, np.ndarray] = {}
    occ = series(ds, "occupancy", u)  # (replication, time) int
    more = series(ds, "unplaced", u)  # beyond: demand less occupancy
    lack = more
    if "deferred" in ds:
        more = more - series(ds, "deferred", u)
    if flags is None:
        lim = limit(ds, "threshold", u)[None, :]
        if "extra_places" in ds:
            lim = lim + series(ds, "extra_places", u)
        flags = occ + more > lim  # NaN compares False
    cap = limit(ds, "capacity", u)
    known = judged(ds, u)

    # monthly (as reductions._monthly_summary did)
    mean = np.add.reduceat(occ, m.starts, axis=1) / m.days
    r["m_q"] = np.quantile(mean, [0.1, 0.5, 0.9], axis=0)
    r["m_mean"] = mean.mean(axis=0)
    r["m_capacity"] = np.add.reduceat(cap, m.starts) / m.days
    over = short = np.full(len(m.starts), np.nan)
    if not np.isnan(cap).all():
        over = np.maximum.reduceat(occ > cap, m.starts, axis=1).mean(axis=0)
    if known.any():
        short = np.maximum.reduceat(flags, m.starts, axis=1).mean(axis=0)
        short[np.add.reduceat(known, m.starts) == 0] = np.nan
    r["m_over"], r["m_short"] = over, short
    r["m_lack"] = (np.add.reduceat(lack, m.starts, axis=1) / m.days).mean(axis=0)

    # yearly, per replication (as reductions._yearly did)
    total = np.add.reduceat(occ, y.starts, axis=1, dtype=np.int64)
    r["y_total"] = total
    r["y_mean"] = total / y.days
    r["y_lack"] = np.add.reduceat(lack, y.starts, axis=1, dtype=np.int64) / y.days
    r["y_above"] = np.add.reduceat(more, y.starts, axis=1, dtype=np.int64) / y.days
    r["y_peak"] = np.maximum.reduceat(occ + more, y.starts, axis=1)
    r["y_short"] = None
    if known.any():
        over = np.maximum.reduceat(flags, y.starts, axis=1)
        r["y_short"] = np.where(np.add.reduceat(known, y.starts) > 0, over, np.nan)
    del occ, more, lack

    # by day (the accessor's shortage probability per day)
    r["d_short"] = None
    if known.any():
        r["d_short"] = flags.mean(axis=0)
        r["d_short"][~known] = np.nan

    wait = series(ds, "waiting", u)
    r["m_wait"] = (np.add.reduceat(wait, m.starts, axis=1) / m.days).mean(axis=0)
    r["y_wait"] = np.add.reduceat(wait, y.starts, axis=1, dtype=np.int64) / y.days
    del wait
    adm = series(ds, "admissions", u)
    r["m_adm"] = np.add.reduceat(adm, m.starts, axis=1).mean(axis=0)
    r["y_adm"] = np.add.reduceat(adm, y.starts, axis=1, dtype=np.int64).mean(axis=0)
    del adm
    if "returns" in ds:  # re-entry: admissions that are returns, and who came in as one
        back = series(ds, "returns", u)
        r["m_returns"] = np.add.reduceat(back, m.starts, axis=1).mean(axis=0)
        r["y_returns"] = np.add.reduceat(back, y.starts, axis=1)
        del back
        inside = m_inside = np.full(len(m.starts), np.nan)
        y_inside = np.full(len(y.starts), np.nan)
        if u == "total":
            inside = ds["returned_inside"].values
            m_inside = (np.add.reduceat(inside, m.starts, axis=1) / m.days).mean(0)
            y_inside = (np.add.reduceat(inside, y.starts, axis=1, dtype=np.int64) / y.days).mean(0)
        r["m_inside"], r["y_inside"] = m_inside, y_inside
    return r, flags
