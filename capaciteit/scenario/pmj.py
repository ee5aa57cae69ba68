"""PMJ figures and editions (``[[pmj]]``): what WODC's Prognosemodel Justitiële
ketens forecast, as published, to draw and compare beside a run.

A figure is one year's places for a unit; an edition is a statement (a growth
a year, a total change, or levels) whose yearly path
:mod:`capaciteit.outputs.pmj` derives. Each is told apart by its keys.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from capaciteit.scenario.base import Name, Text, _Model
from capaciteit.scenario.limits import MAX_PLACES


class Pmj(_Model):
    """A PMJ figure (WODC's Prognosemodel Justitiële ketens) for a year and unit."""

    year: int = Field(ge=1990, le=2100)
    unit: str = "total"
    places: float = Field(ge=0, le=MAX_PLACES)
    kind: Literal["need", "planned"] = Field("need", description="capacity need or planned")
    source: Text = Field(min_length=1, description="where the figure was published")


PMJ_FIRST_YEAR, PMJ_LAST_YEAR = 1990, 2100
MAX_GROWTH = 0.5
"""A PMJ growth a year beyond +-50% is a typo (1% a year is 0.01, not 1)."""
MAX_TOTAL_CHANGE = 3.0
"""A PMJ total change beyond +300% (or at or below -100%) is a typo (-7% is -0.07)."""


def published_span(published: dt.date | str) -> tuple[dt.date, dt.date]:
    """The first and last day a publication date as known can stand for: a day is
    itself, ``"YYYY-MM"`` its month, ``"YYYY"`` its year (no day is made up)."""
    if isinstance(published, dt.date):
        return published, published
    year = int(published[:4])
    if len(published) == 4:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    month = int(published[5:7])
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return dt.date(year, month, 1), last


class PmjEdition(_Model):
    """What an edition of the PMJ said for the prisons, as published: a growth a
    year, a total change, or levels for years. Only such statements are sourced
    (no edition's table of places was readable), so the yearly path is DERIVED
    from the statement and the CBS stock (:func:`capaciteit.outputs.pmj.path`)."""

    edition: Name = Field(description="the edition, e.g. 't/m 2026'")
    published: dt.date | str = Field(
        description="when it was published: a date, or 'YYYY-MM' / 'YYYY' where only the "
        "month or the year is known"
    )
    source: Text = Field(min_length=1, description="where the statement was published")
    status: Literal["VERIFIED", "REPORTED"] = Field(
        description="VERIFIED: read in the source; REPORTED: second-hand (news)"
    )
    statement: Text | None = Field(None, description="the statement, as published")
    growth_per_year: float | None = Field(
        None, description="average growth a year from from_year to to_year (+1% = 0.01)"
    )
    total_change: float | None = Field(
        None, description="change from from_year to to_year as a whole (-7% = -0.07)"
    )
    from_year: int | None = Field(
        None, description="the year whose CBS 30-September stock the growth starts from"
    )
    to_year: int | None = Field(None, description="the last year of the statement")
    points: dict[str, float] | None = Field(
        None, description="published levels: a table of year -> people (e.g. { 2015 = 8875 })"
    )

    @field_validator("from_year", "to_year")
    @classmethod
    def _year(cls, v: int | None) -> int | None:
        if v is not None and not PMJ_FIRST_YEAR <= v <= PMJ_LAST_YEAR:
            raise ValueError(f"must be a year {PMJ_FIRST_YEAR}-{PMJ_LAST_YEAR}")
        return v

    @field_validator("published", mode="plain")
    @classmethod
    def _published(cls, v: Any) -> dt.date | str:
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            day = v
        elif isinstance(v, str) and re.fullmatch(r"\d{4}(-(0[1-9]|1[0-2]))?", v):
            day = published_span(v)[0]
        else:
            raise ValueError(
                'must be a date (2021-06-17, unquoted), or "YYYY-MM" or "YYYY" in quotes '
                "where only the month or the year is known"
            )
        if not PMJ_FIRST_YEAR <= day.year <= PMJ_LAST_YEAR:
            raise ValueError(f"must be in {PMJ_FIRST_YEAR}-{PMJ_LAST_YEAR}")
        return v

    @field_validator("growth_per_year")
    @classmethod
    def _growth(cls, v: float | None) -> float | None:
        if v is not None and not -MAX_GROWTH <= v <= MAX_GROWTH:
            raise ValueError(
                f"must be a fraction between -{MAX_GROWTH:g} and {MAX_GROWTH:g} "
                "(+1% a year is 0.01)"
            )
        return v

    @field_validator("total_change")
    @classmethod
    def _change(cls, v: float | None) -> float | None:
        if v is not None and not -1 < v <= MAX_TOTAL_CHANGE:
            raise ValueError(
                f"must be a fraction above -1 and at most {MAX_TOTAL_CHANGE:g} (-7% is -0.07)"
            )
        return v

    @field_validator("points")
    @classmethod
    def _points(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("needs at least one year")
        for k, x in v.items():
            if not re.fullmatch(r"\d{4}", k) or not PMJ_FIRST_YEAR <= int(k) <= PMJ_LAST_YEAR:
                raise ValueError(
                    f"key {k!r} is not a year {PMJ_FIRST_YEAR}-{PMJ_LAST_YEAR} (write 2015 = 8875)"
                )
            if not 0 < x <= MAX_PLACES:
                raise ValueError(f"value for {k} must be > 0 and <= {MAX_PLACES:,}")
        return v

    @model_validator(mode="after")
    def _form(self) -> PmjEdition:
        given = [
            k for k in ("growth_per_year", "total_change", "points") if getattr(self, k) is not None
        ]
        if len(given) != 1:
            what = "only one" if given else "one"
            raise ValueError(f"give {what} of growth_per_year, total_change or points")
        first_day = published_span(self.published)[0]
        if self.points is not None:
            if self.from_year is not None or self.to_year is not None:
                raise ValueError(
                    "from_year and to_year go with growth_per_year or total_change; "
                    "points name their own years"
                )
            early = min(int(k) for k in self.points)
            if early < first_day.year:
                raise ValueError(
                    f"points: {early} is before it was published ({self.published}): "
                    "a forecast is of later years"
                )
            return self
        else:
            if self.from_year is None or self.to_year is None:
                raise ValueError(f"{given[0]} needs from_year and to_year")
            if self.to_year <= self.from_year:
                raise ValueError("to_year must be after from_year")
            if dt.date(self.from_year, 9, 30) >= first_day:
                raise ValueError(
                    f"from_year {self.from_year}: its CBS stock (30 September) was not yet "
                    f"counted when the edition was published ({self.published}); the path "
                    "starts from a stock counted before it"
                )
            if self.to_year < first_day.year:
                raise ValueError(
                    f"to_year {self.to_year} is before it was published ({self.published}): "
                    "a forecast is of later years"
                )
        return self


def _pmj_form(v: Any) -> str:
    """``edition`` for a PMJ edition's statement (any of its own keys given),
    ``figure`` for a PMJ figure of one year."""
    if isinstance(v, PmjEdition):
        return "edition"
    if isinstance(v, dict) and set(v) & (set(PmjEdition.model_fields) - {"source"}):
        return "edition"
    return "figure"


PmjEntry = Annotated[
    Annotated[Pmj, Tag("figure")] | Annotated[PmjEdition, Tag("edition")],
    Discriminator(_pmj_form),
]
PMJ_FORMS = ("figure", "edition")
