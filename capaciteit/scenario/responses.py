"""Responses (``[[response]]``): what is done on the days the prisons are full
(stop calling people up, release early, keep arrestees in police cells, add
places), told apart by their ``kind``; :mod:`capaciteit.sim.responses` acts them out.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, get_args

from pydantic import Field

from capaciteit.scenario.base import Name, Text, _Dated, tags
from capaciteit.scenario.limits import MAX_PLACES

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS = list(get_args(Weekday))


class _Response(_Dated):
    name: Name
    description: Text | None = None
    start: dt.date = Field(description="first day the response may act")
    end: dt.date | None = Field(None, description="first day it no longer may (default never)")
    trigger: float = Field(
        1.0,
        gt=0,
        le=2,
        description="acts on days when the cells' occupancy of the day before is at least "
        "this share of the shortage threshold (usable places less the margin)",
    )
    streams: list[str] | None = Field(None, description="streams it acts on (default: all)")


class StopCallups(_Response):
    """No self-reporter is called up while the prisons are full."""

    kind: Literal["stop_callups"]
    resume_per_day: float | None = Field(
        None, gt=0, description="called up per day from the held list once it stops (default: all)"
    )


class EarlyReleaseWhenFull(_Response):
    """Release up to ``days`` early, on the days the prisons are full."""

    kind: Literal["early_release"]
    days: float = Field(gt=0, le=365)
    max_sentence_days: float | None = Field(None, ge=0)
    share: float = Field(1.0, ge=0, le=1)
    weekdays: list[Weekday] | None = Field(
        None, description="days of the week it may act (default: every day), e.g. ['friday']"
    )


class PoliceCells(_Response):
    """Arrestees stay in a police cell while no prison place is free, at most
    ``max_days`` (art. 15a Pbw: ten days)."""

    kind: Literal["police_cells"]
    max_days: float = Field(10.0, gt=0, le=10)


class ExtraPlaces(_Response):
    """``places`` more (two in a cell, rented abroad) while the prisons are full."""

    kind: Literal["extra_places"]
    places: int = Field(gt=0, le=MAX_PLACES, description="whole places")
    unit: str = Field(description="unit the places are added to")


Response = Annotated[
    StopCallups | EarlyReleaseWhenFull | PoliceCells | ExtraPlaces, Field(discriminator="kind")
]
RESPONSE_KINDS = tags(Response, "kind")
