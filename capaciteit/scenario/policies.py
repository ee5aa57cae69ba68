"""Policies (``[[policy]]``): changes that start on a date whatever happens,
told apart by their ``kind``; :mod:`capaciteit.sim.policies` applies them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from capaciteit.scenario.base import Name, Text, _Dated, tags
from capaciteit.scenario.limits import MAX_PLACES


class _Policy(_Dated):
    name: Name
    description: Text | None = None
    start: dt.date = Field(description="first day the policy acts")
    end: dt.date | None = Field(None, description="first day it no longer acts (default: never)")
    streams: list[str] | None = Field(None, description="streams it acts on (default: all)")


class EarlyRelease(_Policy):
    """Release up to ``days`` before the law's day (vervroegd heenzenden)."""

    kind: Literal["early_release"]
    days: float = Field(gt=0, le=365)
    max_sentence_days: float | None = Field(None, ge=0, description="only sentences up to this")
    share: float = Field(1.0, ge=0, le=1, description="share of the eligible released early")
    applies_to: Literal["everyone", "new_admissions"] = Field(
        "everyone", description="everyone released from start on, or only those admitted from it"
    )


class SentenceLengths(_Policy):
    """Sentences of a length class imposed from ``start`` are ``factor`` as long."""

    kind: Literal["sentence_lengths"]
    factor: float = Field(gt=0, le=10)
    min_sentence_days: float = Field(0, ge=0)
    max_sentence_days: float | None = Field(None, ge=0)


class InflowChange(_Policy):
    """Arrivals ``factor`` times as many from ``start`` (to ``end``)."""

    kind: Literal["inflow"]
    factor: float = Field(ge=0, le=100)


class CapacityChange(_Policy):
    """``places`` more (or, negative, fewer: rented out) in ``unit`` from ``start``."""

    kind: Literal["capacity"]
    unit: str
    places: float = Field(ge=-MAX_PLACES, le=MAX_PLACES)
    cost_per_place_per_year: float | None = Field(
        None,
        ge=0,
        le=1e7,
        description="euros a year each place it adds costs (each place it takes away "
        "saves, e.g. the rent received), at the scenario's price level; beside the "
        "occupied days' cost_per_day",
    )


class Reintegration(_Policy):
    """Those released from ``start`` (to ``end``) come back ``factor`` times as often
    (a re-integration programme): acts on ``[reentry]``'s share of each one it reaches."""

    kind: Literal["reintegration"]
    factor: float = Field(
        ge=0, le=10, description="times the return share of those it reaches (0.8: a 20% cut)"
    )
    share: float = Field(1.0, ge=0, le=1, description="share of those released it reaches")


Policy = Annotated[
    EarlyRelease | SentenceLengths | InflowChange | CapacityChange | Reintegration,
    Field(discriminator="kind"),
]
POLICY_KINDS = tags(Policy, "kind")
