"""Demand while the prisons were full: the observed stock is censored.

From 6 December 2023 no adult male self-reporters were called up because the
prisons were full (events.csv, ``call_ups_stopped``, Kamerbrief kst-24587-937;
still "very limited" in December 2025). In such a period the 30-September stock
counts who could be held, not who needed a place, and the count of distinct
persons detained in a year counts the throughput that was let in. Read at face
value they make demand look lower than it was.

What the model does with them (:func:`reconstruct.observations` and the stay
fit in :mod:`calibration`):

- a **stock** counted in a full period is raised by the sourced hidden demand
  of that day, when one is published (:func:`hidden_demand`), and gets that
  figure's uncertainty as extra observation variance; without one it is
  dropped (missing, not a level);
- a **yearly count of persons** of a year more than half in a full period is
  dropped.

The hidden demand on 30 September 2024: CBS counted 1,500 people with a
sentence under a year, 13% fewer than a year before "because DJI executed short
sentences less often". Had they been executed, about 1,500 / 0.87 - 1,500 = 224
more would have been inside that day (DERIVED). That the whole fall is
non-execution is CBS's own reading; its sd, half the figure, is an ASSUMPTION.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from capaciteit.data import history

HIDDEN_SD_SHARE = 0.5
"""ASSUMPTION: the sd of a hidden demand derived from a published fall, as a
share of it (the fall may have had other causes too, or hidden more)."""


@dataclass(frozen=True)
class Hidden:
    """People who needed a place on ``day`` and lacked one, in stock terms."""

    day: dt.date
    people: float
    sd: float
    derivation: str


def full_periods(until: dt.date | None = None) -> list[tuple[dt.date, dt.date | None]]:
    """(start, end or None) of the periods in which the prisons were full,
    as published by ``until``."""
    out = []
    for o in history.load("events.csv"):
        if o.category != "call_ups_stopped" or (until is not None and o.date > until):
            continue
        # an end published after ``until`` was not known then: still full
        out.append(
            (o.date, o.end if o.end is not None and (until is None or o.end <= until) else None)
        )
    return out


def is_full(day: dt.date, until: dt.date | None = None) -> bool:
    return any(a <= day and (b is None or day <= b) for a, b in full_periods(until))


def share_full(year: int, until: dt.date | None = None) -> float:
    """The share of calendar ``year`` inside a full period."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    days = 0
    for a, b in full_periods(until):
        lo, hi = max(a, first), min(b or last, last)
        days += max((hi - lo).days + 1, 0)
    return min(days / ((last - first).days + 1), 1.0)


def hidden_demand(day: dt.date, until: dt.date | None = None) -> Hidden | None:
    """The sourced hidden demand on ``day`` (a 30 September in a full period),
    or None when nothing published by ``until`` gives one."""
    if not is_full(day, until):
        return None
    rows = history.load("stock_components.csv")
    got = {
        o.category: o.value for o in rows if o.date == day and (until is None or o.date <= until)
    }
    short, fall = got.get("sentence_under_1y"), got.get("sentence_under_1y_fall_on_year")
    if short is None or fall is None or not 0 < fall < 1:
        return None
    people = short / (1.0 - fall) - short
    return Hidden(
        day,
        people,
        HIDDEN_SD_SHARE * people,
        f"DERIVED: {short:,.0f} with a sentence under a year on {day}, {fall:.0%} fewer than a "
        f"year before as short sentences were not executed: {short:,.0f} / {1 - fall:.2f} - "
        f"{short:,.0f} = {people:,.0f} (sd {HIDDEN_SD_SHARE:.0%} of it: ASSUMPTION)",
    )


def demand(stock: history.Observation, until: dt.date | None = None) -> tuple[float, float] | None:
    """(people who needed a place, sd) for an observed stock: the stock itself
    outside a full period (sd 0), stock + hidden demand inside one, None when
    it was full and nothing says by how much (censored, unknown)."""
    if not is_full(stock.date, until):
        return stock.value, 0.0
    hidden = hidden_demand(stock.date, until)
    if hidden is None:
        return None
    return stock.value + hidden.people, hidden.sd
