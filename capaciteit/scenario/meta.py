"""The scenario's own settings: its name and time span (``[scenario]``), the
forecast origin (``[forecast]``), the calibration (``[inflow]``) and what its
euros mean (``[costs]``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from capaciteit.scenario.base import Text, _Model
from capaciteit.scenario.limits import (
    FIRST_DAY,
    LAST_DAY,
    MAX_NAME,
    MAX_REPLICATIONS,
    MAX_SEED,
    MAX_START_STOCK,
)


class Meta(_Model):
    name: str = Field(min_length=1, description="scenario name; results go to results/<name>/")
    title: Text | None = Field(None, description="the question the scenario answers")
    description: Text | None = None
    extends: str | None = Field(None, description="file this one extends (already merged)")
    start: dt.date = Field(description="first day reported")
    end: dt.date = Field(description="last day reported")
    warmup_days: int = Field(0, ge=0, le=36525, description="days simulated before start")
    start_stock: Literal["observed", "empty"] | int = Field(
        "empty",
        description=(
            "people present at the simulation's first day: 'empty', a number, or 'observed' "
            "(the CBS 30-September stock nearest to start)"
        ),
    )
    replications: int = Field(100, ge=1, le=MAX_REPLICATIONS)
    seed: int = Field(1, ge=0, le=MAX_SEED)

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str) -> str:
        # ASCII only: no look-alike of '/' or '.' (U+2215, U+FF0E) can name a path
        if not re.fullmatch(r"[A-Za-z0-9_.\-]+", v) or v.startswith("."):
            raise ValueError(
                "must use only ASCII letters, digits, '_', '-' and '.', and not start with '.' "
                "(it names a folder)"
            )
        if len(v) > MAX_NAME:
            raise ValueError(f"must be at most {MAX_NAME} characters (it names a folder)")
        return v

    @field_validator("start_stock", mode="before")
    @classmethod
    def _stock(cls, v: Any) -> Any:
        if isinstance(v, str) and v in ("observed", "empty"):
            return v
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError("must be 'empty', 'observed' or a whole number of people")
        if not 0 <= v <= MAX_START_STOCK:
            raise ValueError(f"must be between 0 and {MAX_START_STOCK:,} people")
        return v

    @field_validator("start", "end")
    @classmethod
    def _in_range(cls, v: dt.date) -> dt.date:
        if not FIRST_DAY <= v <= LAST_DAY:
            raise ValueError(f"must be between {FIRST_DAY} and {LAST_DAY}")
        return v

    @model_validator(mode="after")
    def _order(self) -> Meta:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class Forecast(_Model):
    origin: dt.date | None = Field(
        None, description="the model uses no observation after this date"
    )


class Costs(_Model):
    """What the euros mean: the price level of the units' costs, and what one
    more usable place costs a year (to price the places short)."""

    price_level: int | None = Field(
        None, ge=1990, le=2100, description="year whose prices the units' costs are in"
    )
    added_place_per_year: float | None = Field(
        None, gt=0, le=1e7, description="euros a year for one more usable place"
    )
    added_place_price_level: int | None = Field(
        None, ge=1990, le=2100, description="year whose prices added_place_per_year is in"
    )

    @model_validator(mode="after")
    def _with_its_year(self) -> Costs:
        if self.added_place_per_year is not None and self.added_place_price_level is None:
            raise ValueError(
                "added_place_per_year needs added_place_price_level (the year of its prices)"
            )
        if self.added_place_per_year is None and self.added_place_price_level is not None:
            raise ValueError("added_place_price_level without added_place_per_year")
        return self


class Inflow(_Model):
    calibrate: bool = Field(
        False, description="rates, stays and the inflow forecast from the data up to the origin"
    )
    file: str | None = Field(None, description="calibration file (from `capaciteit calibrate`)")

    @field_validator("file")
    @classmethod
    def _inside(cls, v: str) -> str:
        # `run` reads this file and `calibrate` writes it: keep it a calibration
        # file beside the scenario, never a path elsewhere
        part = r"[A-Za-z0-9_\-][A-Za-z0-9_.\-]*"
        if not re.fullmatch(rf"(?:{part}/)*{part}\.json", v):
            raise ValueError(
                "must be a .json file in this scenario's folder or below it, as a relative "
                "path of letters, digits, '_', '-' and '.' (e.g. \"calibration/my.json\")"
            )
        return v
