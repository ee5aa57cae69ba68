"""Streams: the people who arrive (``[[stream]]``), how many a year, the unit
they enter, and the path they take through it: a stay of a drawn length, or
pre-trial detention and a sentence, or a sentence alone (with the call-up list
for those who report themselves).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from capaciteit.law.release import POLICE_CUSTODY_MAX_DAYS
from capaciteit.scenario.base import Name, StepTable, Text, _Model, _step_table
from capaciteit.scenario.durations import Distribution, Empirical, Fixed
from capaciteit.scenario.limits import MAX_ARRIVALS, MAX_RATE


class StartList(_Model):
    """People already on the call-up list at the start, waiting to serve."""

    count: int = Field(ge=0, le=MAX_ARRIVALS, description="people waiting at the start")
    years_to_serve: float | None = Field(
        None,
        gt=0,
        le=MAX_ARRIVALS,
        description="their sentences together, in years (the stream's sentences are "
        "scaled so that their expected sum is this; default: the stream's own)",
    )


class Stream(_Model):
    name: Name
    description: Text | None = None
    unit: str = Field(description="unit people enter")
    rate_per_year: StepTable = Field(
        description="arrivals per year: a number, or a table of months (YYYY-MM) -> rate"
    )
    path: Literal["stay", "pre_trial", "sentence"] = "stay"
    status: Name | None = Field(None, description="legal status while present (path 'stay')")
    stay: Distribution | None = None
    pre_trial_days: Distribution | None = None
    convicted_share: float | None = Field(None, ge=0, le=1)
    sentence: Distribution | None = Field(None, description="imposed sentence, days")
    credited_days: Distribution | None = Field(
        None, description="earlier pre-trial time credited to the sentence"
    )
    callup_days: Distribution | None = Field(
        None, description="time on the call-up list before admission (self-reporters)"
    )
    waiting_at_start: StartList | None = Field(
        None,
        description="the call-up list at the start (it replaces the list the start stock "
        "would draw); each is called up within their own call-up time unless a response "
        "holds them",
    )
    sentence_lag_days: Distribution | None = Field(
        None, description="days from the judgment to the call-up list or arrest"
    )
    offence_lag_days: Distribution | None = Field(
        None, description="days from the offence to the judgment"
    )
    police_custody_days: Distribution | None = Field(
        None,
        description="police custody (inverzekeringstelling) before pre-trial detention: "
        "not in a prison cell, credited to the sentence; at most 3 days and 15 hours",
    )
    inflow_category: (
        Literal["voorlopig_gehechten", "zelfmelders", "veroordeelde_arrestanten"] | None
    ) = Field(None, description="published inflow category the stream belongs to")
    category_share: float = Field(1.0, ge=0, le=1, description="its share of that category")

    @field_validator("rate_per_year", mode="before")
    @classmethod
    def _rate(cls, v: Any) -> StepTable:
        return _step_table(v, "month", MAX_RATE)

    @field_validator("police_custody_days")
    @classmethod
    def _custody_bound(cls, v: Any) -> Any:
        # the law's maximum bounds what a file may fix; a draw from an unbounded
        # distribution is cut to it where it is credited (sentencing.timeline)
        longest = v.days if isinstance(v, Fixed) else max(v.days) if isinstance(v, Empirical) else 0
        if longest > POLICE_CUSTODY_MAX_DAYS:
            raise ValueError(
                f"must be at most {POLICE_CUSTODY_MAX_DAYS:g} days (3 days and 15 hours, the "
                f"law's maximum), not {longest:g}"
            )
        return v

    @model_validator(mode="after")
    def _path_keys(self) -> Stream:
        need = {
            "stay": ["stay"],
            "pre_trial": ["pre_trial_days", "convicted_share", "sentence"],
            "sentence": ["sentence"],
        }[self.path]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"path {self.path!r} needs {', '.join(missing)}")
        allowed = {
            "stay": {"stay", "status"},
            "pre_trial": {
                "pre_trial_days",
                "convicted_share",
                "sentence",
                "offence_lag_days",
                "police_custody_days",
            },
            "sentence": {
                "sentence",
                "credited_days",
                "callup_days",
                "sentence_lag_days",
                "offence_lag_days",
            },
        }[self.path]
        path_keys = {
            "stay",
            "status",
            "pre_trial_days",
            "convicted_share",
            "sentence",
            "credited_days",
            "callup_days",
            "sentence_lag_days",
            "offence_lag_days",
            "police_custody_days",
        }
        extra = sorted(k for k in path_keys - allowed if getattr(self, k) is not None)
        if extra:
            raise ValueError(f"path {self.path!r} does not use {', '.join(extra)}")
        if self.waiting_at_start is not None and self.callup_days is None:
            raise ValueError("waiting_at_start needs callup_days (a call-up list)")
        return self
