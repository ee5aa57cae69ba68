"""The law's release rules (``[release]``: conditional release under the 2008
rules and under SenB) and the end phases people spend their last part of a
sentence in (``[[placement]]``), with the transitional rules that keep them.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from capaciteit.scenario.base import Name, Text, _Model, _OnStreams
from capaciteit.scenario.durations import Distribution
from capaciteit.scenario.limits import MAX_DAYS


class RuleSet(_Model):
    refused_share: float = Field(0.0, ge=0, le=1, description="share whose v.i. is refused")
    postponed_share: float = Field(0.0, ge=0, le=1, description="share whose v.i. is postponed")
    postponement_days: Distribution | None = None

    @model_validator(mode="after")
    def _sum(self) -> RuleSet:
        if self.refused_share + self.postponed_share > 1:
            raise ValueError("refused_share + postponed_share must be <= 1")
        if self.postponed_share > 0 and self.postponement_days is None:
            raise ValueError("postponed_share > 0 needs postponement_days")
        return self


class Release(_Model):
    senb_start: dt.date = Field(
        dt.date(2021, 7, 1), description="Wet straffen en beschermen in force (Stb. 2020, 224)"
    )
    transition: Literal["sentence_date", "offence_date", "admission_date"] = Field(
        "sentence_date",
        description="which date decides between the 2008 and SenB rules (law: sentence date)",
    )
    rules_2008: RuleSet = RuleSet()
    rules_senb2021: RuleSet = RuleSet()


class Transition(_Model):
    """Who keeps a placement's rules after they end (its ``until``): only those
    with at most ``max_remaining_days`` left to their release on ``date``, and
    only for phases that start by ``phase_start_until``."""

    date: dt.date = Field(description="the day the time left to release is measured")
    max_remaining_days: int = Field(
        ge=0, le=MAX_DAYS, description="at most this many days from `date` to the release date"
    )
    phase_start_until: dt.date | None = Field(
        None, description="last day a phase under these rules may start (default: no limit)"
    )

    @model_validator(mode="after")
    def _order(self) -> Transition:
        if self.phase_start_until is not None and self.phase_start_until < self.date:
            raise ValueError("phase_start_until must not be before date")
        return self


class Placement(_OnStreams):
    name: Name
    description: Text | None = None
    unit: str = Field(description="unit that holds people during this end phase")
    streams: list[str] | None = Field(None, description="streams eligible (default: all sentenced)")
    share: float = Field(ge=0, le=1, description="share of the eligible who take part")
    min_sentence_days: float = Field(0, ge=0)
    max_sentence_days: float | None = Field(None, ge=0)
    share_of_sentence: float = Field(gt=0, le=1, description="phase length as a share of sentence")
    min_days: float = Field(0, ge=0, description="shortest phase; shorter windows get none")
    max_days: float = Field(gt=0, description="longest phase")
    basis: Literal["admission_date", "sentence_date", "phase_start"] = Field(
        "phase_start", description="which date `from` and `until` are compared with"
    )
    from_: dt.date | None = Field(None, alias="from")
    until: dt.date | None = None
    transition: Transition | None = Field(
        None, description="transitional rule: who keeps these rules (with `until`)"
    )
    instead_of: str | None = Field(
        None,
        description="a placement whose rules this one replaces: it applies to exactly those "
        "that placement's dates and transition do not keep",
    )

    model_config = ConfigDict(populate_by_name=True)  # merged with _Model's

    @model_validator(mode="after")
    def _ranges(self) -> Placement:
        if self.max_sentence_days is not None and self.max_sentence_days < self.min_sentence_days:
            raise ValueError("max_sentence_days must be >= min_sentence_days")
        if self.max_days < self.min_days:
            raise ValueError("max_days must be >= min_days")
        if self.from_ and self.until and self.until < self.from_:
            raise ValueError("until must not be before from")
        return self
