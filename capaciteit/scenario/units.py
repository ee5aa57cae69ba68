"""Units: the places people are held in (``[[unit]]``), their capacity, what
happens when they are full, the pool they are judged in and what they cost.

How units refer to each other (``overflow_to``, ``wait_in``, ``pool``) is checked
on the whole file, in :mod:`capaciteit.scenario.crossrefs`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from capaciteit.scenario.base import (
    Name,
    StepTable,
    Text,
    _Model,
    _step_table,
    percent_hint,
    percent_like,
)
from capaciteit.scenario.limits import MAX_PLACES


class Unit(_Model):
    name: Name
    label: Name | None = Field(
        None,
        description="how the report and the figures name the unit for a reader "
        "(default: the shipped names' words, else the name)",
    )
    description: Text | None = None
    capacity: StepTable | None = Field(
        None, description="places: a number, or a table of dates -> places (a step function)"
    )
    when_full: Literal["overflow", "wait"] | None = Field(
        None, description="overflow: go to overflow_to for the whole stay; wait: queue FIFO"
    )
    overflow_to: str | None = None
    wait_in: str | None = Field(
        None, description="unit that holds people while they wait (default: outside the system)"
    )
    occupies_cell: bool = Field(True, description="counted in `total` (cell-occupying units)")
    pool: Name | None = Field(
        None,
        description="the pool of places that can take the same people (units with the same "
        "pool are judged together); default: a pool of its own",
    )
    usable_share: StepTable | None = Field(
        None, description="share of the places that can be used (staff, repairs); default 1"
    )
    margin: StepTable | None = Field(
        None, description="places kept free for moves and peaks (frictional vacancy); default 0"
    )
    cost_per_day: float = Field(0.0, ge=0, le=1e6, description="euros per occupied place per day")
    cost_per_place: float = Field(0.0, ge=0, le=1e6, description="euros per usable place per day")

    @field_validator("capacity", "margin", mode="before")
    @classmethod
    def _places(cls, v: Any) -> StepTable | None:
        return None if v is None else _step_table(v, "date", MAX_PLACES)

    @field_validator("usable_share", mode="before")
    @classmethod
    def _share(cls, v: Any) -> StepTable | None:
        if v is None:
            return None
        table = _step_table(v, "date")
        over = [x for _, x in table if x > 1]
        if over:
            hint = f"; {percent_hint(over[0])}" if percent_like(over[0]) else ""
            raise ValueError(f"must be <= 1 (a share of the places{hint})")
        return table
