"""The inflow at the origin: the reconstructed yearly total split over the
published categories by their latest composition, and over the streams by
their share of a category."""

from __future__ import annotations

import datetime as dt

from capaciteit.data import history
from capaciteit.scenario import Scenario

CATEGORIES = ("voorlopig_gehechten", "zelfmelders", "veroordeelde_arrestanten")


def composition(origin: dt.date) -> tuple[dict[str, float], int]:
    """Shares of the published categories in total inflow, from the latest year
    by ``origin`` in which all of them are known (arrestanten as the rest of the
    total where only the other two were published), and that year."""
    rows = history.load("inflow.csv")
    by_year: dict[int, dict[str, float]] = {}
    for o in rows:
        if o.date <= origin:
            by_year.setdefault(o.date.year, {})[o.category] = o.value
    for year in sorted(by_year, reverse=True):
        got = by_year[year]
        total = got.get("total_instroom_GW")
        if total and "voorlopig_gehechten" in got and "zelfmelders" in got:
            arr = got.get(
                "veroordeelde_arrestanten", total - got["voorlopig_gehechten"] - got["zelfmelders"]
            )
            shares = {
                "voorlopig_gehechten": got["voorlopig_gehechten"] / total,
                "zelfmelders": got["zelfmelders"] / total,
                "veroordeelde_arrestanten": arr / total,
            }
            return shares, year
    raise ValueError(f"no published inflow composition by {origin}")


def stream_inflow(sc: Scenario, total: float, shares: dict[str, float]) -> dict[str, float]:
    """Inflow per year of each stream with an ``inflow_category``: its
    ``category_share`` of that category's share of ``total``."""
    inflow = {}
    for s in sc.stream:
        if s.inflow_category:
            inflow[s.name] = total * shares[s.inflow_category] * s.category_share
    return inflow
