"""Arrivals besides the streams' own rates: the courts' COVID-19 backlog
(``[court]``) and the people who come back after their release (``[reentry]``).
"""

from __future__ import annotations

import datetime as dt
import itertools

from pydantic import Field, field_validator, model_validator

from capaciteit.scenario.base import _Model, _number, _to_date
from capaciteit.scenario.durations import Distribution
from capaciteit.scenario.limits import MAX_ARRIVALS


class Court(_Model):
    """The courts' COVID-19 backlog: cases not heard, and when they were heard."""

    backlog_cases: float = Field(
        ge=0, le=MAX_ARRIVALS, description="criminal cases not heard in the closure"
    )
    handled: dict[str, float] = Field(
        description="share of the backlog heard by each date (a table of dates -> share, "
        "rising; straight lines between the dates, flat after the last)"
    )
    prison_share: float = Field(
        ge=0, le=1, description="share of cases that bring someone into prison"
    )
    streams: dict[str, float] = Field(description="streams the admissions go to, with weights")

    @field_validator("handled")
    @classmethod
    def _handled(cls, v: dict) -> dict:
        if not v:
            raise ValueError("needs at least one date")
        items = sorted((_to_date(k, "handled"), x) for k, x in v.items())
        shares = [x for _, x in items]
        if any(not 0 <= x <= 1 for x in shares) or any(
            b < a for a, b in itertools.pairwise(shares)
        ):
            raise ValueError("shares must rise from 0 to at most 1")
        return v

    @field_validator("streams")
    @classmethod
    def _weights(cls, v: dict) -> dict:
        if not v:
            raise ValueError("needs at least one stream")
        for k, x in v.items():
            _number(x, f"weight of {k!r}")
        if sum(v.values()) <= 0:
            raise ValueError("weights must not all be 0")
        return v

    def curve(self) -> list[tuple[dt.date, float]]:
        return sorted((_to_date(k, "handled"), float(x)) for k, x in self.handled.items())


class Reentry(_Model):
    """Released people come back: a share of those a stream releases is admitted
    into it again, after a drawn time. A stream's ``rate_per_year`` stays all its
    admissions; with re-entry, first admissions are ``1 - share`` of it and the
    simulated returns the rest (in a steady state exactly, ``docs/model.md``)."""

    enabled: bool = Field(
        True,
        description="false: every admission is new, nobody comes back (a scenario that "
        "extends one with the loop turns it off this way)",
    )
    share: float = Field(
        0.0, ge=0, lt=1, description="share of those released who are admitted again, ever"
    )
    time_to_return: Distribution | None = Field(
        None, description="days from release to the next admission, of those who come back"
    )

    @model_validator(mode="after")
    def _needs_its_profile(self) -> Reentry:
        if self.enabled and self.time_to_return is None:
            raise ValueError("time_to_return is required (or enabled = false)")
        if self.enabled and "share" not in self.model_fields_set:
            raise ValueError("share is required (or enabled = false)")
        return self

    by_stream: dict[str, float] = Field(
        default_factory=dict,
        description="a share of its own for a stream (0: its people never come back)",
    )

    @field_validator("by_stream")
    @classmethod
    def _shares(cls, v: dict) -> dict:
        for k, x in v.items():
            if not 0 <= _number(x, f"share of {k!r}") < 1:
                raise ValueError(f"share of {k!r} must be at least 0 and below 1")
        return v

    def share_of(self, stream: str) -> float:
        return float(self.by_stream.get(stream, self.share))
