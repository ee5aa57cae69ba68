"""``ds.cap``: the usual questions of a run, as methods that read well in a notebook.

Importing :mod:`capaciteit` registers the accessor on every ``xarray.Dataset``::

    ds = cap.simulate(sc, replications=100, seed=1)
    ds.cap.quantiles().sel(unit="total")          # P10/P50/P90 per day
    ds.cap.shortage_probability("month")          # per month and unit
    ds.cap.yearly_summary()                       # the table of yearly.csv
    ds.cap.headline().verdict                     # "likely", "possible", "unlikely"

Each method is a thin wrapper of a plain function (in :mod:`capaciteit.run.results`,
:mod:`capaciteit.outputs.capacity`, :mod:`capaciteit.outputs.headline`), so scripts can use
either.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from capaciteit.outputs import capacity
from capaciteit.outputs.headline import Headline
from capaciteit.outputs.headline import headline as _headline
from capaciteit.run import results


@xr.register_dataset_accessor("cap")
class CapaciteitAccessor:
    """Reductions of a capaciteit run (a Dataset from :func:`capaciteit.simulate`
    or read back from ``occupancy.nc``)."""

    def __init__(self, ds: xr.Dataset):
        self._ds = ds

    def quantiles(
        self, q: tuple[float, ...] = (0.1, 0.5, 0.9), variable: str = "occupancy"
    ) -> xr.DataArray:
        """Quantiles over replications of a daily variable (default occupancy)."""
        x = self._ds[variable]
        if x.chunks is not None:  # dask: quantiles need every replication in one chunk
            x = x.chunk({"replication": -1})
        da = x.quantile(list(q), dim="replication")
        da.attrs = dict(self._ds[variable].attrs)
        return da

    def shortage_probability(self, freq: Literal["day", "month", "year"] = "year") -> xr.DataArray:
        """Probability (share of replications) of at least one shortage day in
        each day, month or year, per unit, pool of several units and total (short
        in any pool); NaN where no places are set."""
        ds = self._ds
        if freq == "year":
            out = results.yearly(ds)["shortage"].mean("replication")
        elif freq in ("day", "month"):
            units = results.rows(ds)
            passed = results.swept(ds)  # each row's shortage days, read once
            if freq == "month":
                index = results.months(ds).labels.astype("datetime64[ns]")
            else:
                index = ds["time"].values
            p = np.full((index.size, len(units)), np.nan)
            for k, u in enumerate(units):
                if passed[u]["d_short"] is not None:
                    p[:, k] = passed[u]["m_short" if freq == "month" else "d_short"]
            out = xr.DataArray(p, coords={freq: index, "unit": units}, dims=(freq, "unit"))
        else:
            raise ValueError("freq must be 'day', 'month' or 'year'")
        out.name = "p_shortage"
        out.attrs.update(
            units="1",
            long_name=f"probability of at least one shortage day in the {freq} (demand above "
            "usable places less the margin; total: any pool)",
        )
        return out

    def yearly(self) -> xr.Dataset:
        """Per replication, year and unit or pool: mean occupancy, peak demand,
        shortage, euros, waiting, unplaced."""
        return results.yearly(self._ds)

    def yearly_summary(self) -> pd.DataFrame:
        """Per year and unit: occupancy quantiles, capacity, shortage probability,
        euros and the PMJ comparison (the table written as ``yearly.csv``)."""
        return results.yearly_summary(self._ds)

    def monthly_summary(self) -> pd.DataFrame:
        """Per month and unit (the table written as ``summary.csv``)."""
        return results.monthly_summary(self._ds)

    def costs(self) -> xr.DataArray:
        """Euros per day per replication and unit."""
        return results.daily_costs(self._ds)

    def need(self, risk: float = 0.05, level: float = 0.9) -> pd.DataFrame:
        """Usable places needed per year and unit for at most ``risk`` of a shortage day."""
        return capacity.need(self._ds, risk=risk, level=level)

    def headline(self, risk: float = 0.05, unit: str | None = None) -> Headline:
        """Will there be a shortage, where (the pool that binds, or ``unit``), when,
        how likely, how many places, how many euros."""
        return _headline(self._ds, risk=risk, unit=unit)

    def fan(self, unit: str = "total", ax=None, lang: str = "en"):
        """Fan chart of occupancy (P10-P90, P50) against capacity; returns the axes."""
        from capaciteit.outputs.figures import fan_chart

        return fan_chart(self._ds, unit=unit, ax=ax, lang=lang)
