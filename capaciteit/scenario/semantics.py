"""Problems only a whole, valid scenario shows: keys that need others
(a calibration needs a forecast origin), responses that watch cells without a
capacity, PMJ statements without a counted stock to start from, and runs too
large to hold in memory (:func:`expected_arrivals`).

They run after the schema and :mod:`~capaciteit.scenario.crossrefs` found
nothing, so they may read the validated :class:`Scenario`.
"""

from __future__ import annotations

import datetime as dt
import itertools

from capaciteit.scenario.limits import MAX_ARRIVALS
from capaciteit.scenario.model import Scenario
from capaciteit.scenario.pmj import PmjEdition


def _semantic_checks(sc: Scenario) -> list[tuple[str, str]]:
    out = []
    m = sc.scenario
    if sc.inflow.calibrate and sc.forecast.origin is None:
        out.append(("forecast.origin", "required when inflow.calibrate = true"))
    if sc.inflow.calibrate and not any(s.inflow_category for s in sc.stream):
        out.append(("inflow.calibrate", "needs streams with an inflow_category"))
    if any(s.path != "stay" for s in sc.stream) and m.start_stock == "empty" and m.warmup_days == 0:
        out.append(
            ("scenario.start_stock", "a national model needs 'observed', a number, or warmup_days")
        )
    for i, s in enumerate(sc.stream):
        if s.waiting_at_start is not None and m.warmup_days:
            out.append(
                (
                    f"stream[{i}].waiting_at_start",
                    "is the list on the first reported day: it needs warmup_days = 0",
                )
            )
    open_ended = [u.name for u in sc.unit if u.occupies_cell and u.capacity is None]
    for i, r in enumerate(sc.response):
        if open_ended:  # the threshold a response watches is its pool's
            out.append(
                (
                    f"response[{i}]",
                    f"{r.name!r} acts when the cells are full, but cell unit "
                    f"{open_ended[0]!r} has no capacity: give it one, or occupies_cell = false",
                )
            )
    out += _pmj_checks(sc)
    n = expected_arrivals(sc)
    if n > MAX_ARRIVALS:
        out.append(
            (
                "stream",
                f"about {n:,.0f} arrivals in one replication, more than {MAX_ARRIVALS:,} "
                "(the people of a replication are held in memory): lower the rates or "
                "shorten the run",
            )
        )
    return out


def year_ranges(years: list[int]) -> str:
    """2005, 2006, 2007, 2009 -> '2005-2007, 2009'."""
    out: list[str] = []
    for _, run in itertools.groupby(enumerate(sorted(years)), lambda p: p[1] - p[0]):
        ys = [y for _, y in run]
        out.append(str(ys[0]) if len(ys) == 1 else f"{ys[0]}-{ys[-1]}")
    return ", ".join(out)


def _pmj_checks(sc: Scenario) -> list[tuple[str, str]]:
    """Each PMJ edition once, and each growth statement starting from a year
    with a CBS stock (the path is that stock grown; no stock is made up)."""
    out: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    stock: set[int] | None = None
    for i, p in enumerate(sc.pmj):
        if not isinstance(p, PmjEdition):
            continue
        if p.edition in seen:
            out.append(
                (f"pmj[{i}].edition", f"{p.edition!r} is given twice (also pmj[{seen[p.edition]}])")
            )
        seen.setdefault(p.edition, i)
        if p.from_year is None:
            continue
        if stock is None:
            from capaciteit.data import (
                history,  # only scenarios with a PMJ growth statement read the data
            )

            stock = {o.date.year for o in history.load_stock()}
        if p.from_year not in stock:
            out.append(
                (
                    f"pmj[{i}].from_year",
                    f"no CBS 30-September stock for {p.from_year} in "
                    f"capaciteit/data/{history.STOCK_FILE} (it has {year_ranges(sorted(stock))}): "
                    "the path starts from a counted stock",
                )
            )
    return out


def expected_arrivals(sc: Scenario) -> float:
    """Expected arrivals in one replication, warm-up included: every stream's rate
    over the run (times any inflow policy that could raise it, and with re-entry
    the steady state's admissions under the programme that raises returns most)
    and the court backlog's admissions. An upper bound for the memory a
    replication needs."""
    m = sc.scenario
    first = m.start - dt.timedelta(days=m.warmup_days)
    last = m.end + dt.timedelta(days=1)
    total = 0.0
    for s in sc.stream:
        cuts = sorted({first, last} | {d for d, _ in s.rate_per_year if first < d < last})
        per_year = sum(
            s.rate_per_year.value_at(a) * (b - a).days for a, b in itertools.pairwise(cuts)
        )
        factor = 1.0
        for p in sc.policy:
            if p.kind == "inflow" and p.acts_on(s.name):
                factor *= max(1.0, p.factor)
        if sc.reentry is not None:  # a programme raising the share raises the returns
            share = sc.reentry.share_of(s.name)
            most = max(
                [p.factor for p in sc.policy if p.kind == "reintegration" and p.acts_on(s.name)]
                + [1.0]
            )
            factor *= (1 - share) / (1 - min(share * most, 1 - 1e-9))
        total += per_year / 365.25 * factor
    if sc.court is not None:
        total += sc.court.backlog_cases * sc.court.prison_share
    return total
