"""What every table of the schema is built from: the strict, frozen base model,
one value's checks (a number, a date, a month, a line of text) and the step
tables of dates or months that capacities and rates are written as.

These rules hold wherever a value appears, so they have one home here; the
tables (``units``, ``streams``, ...) only say which value goes where.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import core_schema

from capaciteit.scenario.limits import MAX_DAYS

# --------------------------------------------------------------------------- values


def _to_date(key: str, what: str) -> dt.date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", key):
            raise ValueError
        return dt.date.fromisoformat(key)
    except ValueError:
        raise ValueError(f"{what} key {key!r} is not a date YYYY-MM-DD") from None


def _to_month(key: str) -> dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}", key):
        raise ValueError(f"table key {key!r} is not a month YYYY-MM")
    try:
        return dt.date(int(key[:4]), int(key[5:]), 1)
    except ValueError:
        raise ValueError(f"table key {key!r} is not a month YYYY-MM") from None


def _number(v: Any, what: str = "", high: float | None = None) -> float:
    lead = f"{what} " if what else ""
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"{lead}must be a number, not {_type_name(v)}")
    if v != v or v in (float("inf"), float("-inf")):
        raise ValueError(f"{lead}must be a finite number")
    if v < 0:
        raise ValueError(f"{lead}must be >= 0")
    if high is not None and v > high:
        raise ValueError(f"{lead}must be <= {high:,}")
    return float(v)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v == v


def _type_name(v: Any) -> str:
    return {str: "a string", list: "a list", dict: "a table", bool: "true/false"}.get(
        type(v), type(v).__name__
    )


class StepTable(tuple):
    """A step function of time: ``((date, value), ...)``, sorted by date.

    Each value holds from its date until the next entry; before the first entry
    the first value holds (the contract's rule for capacity and rate tables).
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        def check(v: Any) -> StepTable:
            if not isinstance(v, StepTable):
                raise ValueError("must be a number or a table")
            return v

        return core_schema.no_info_plain_validator_function(
            check, serialization=core_schema.plain_serializer_function_ser_schema(cls.to_data)
        )

    months = False  # keys are months (YYYY-MM) rather than dates

    def to_data(self) -> float | dict[str, float]:
        """The table as written in a scenario file."""
        if len(self) == 1 and self[0][0] == dt.date(1, 1, 1):
            return self[0][1]
        return {(d.isoformat()[:7] if self.months else d.isoformat()): v for d, v in self}

    def value_at(self, day: dt.date) -> float:
        out = self[0][1]
        for d, v in self:
            if d <= day:
                out = v
        return out


def _step_table(v: Any, keys: Literal["date", "month"], high: float | None = None) -> StepTable:
    if isinstance(v, dict):
        if not v:
            raise ValueError("table must have at least one entry")
        items = []
        for k, x in v.items():
            d = _to_date(k, "table") if keys == "date" else _to_month(k)
            items.append((d, _number(x, f"value for {k}", high)))
        items.sort()
        table = StepTable(items)
        table.months = keys == "month"
        return table
    if isinstance(v, list | str | bool) or not isinstance(v, int | float):
        raise ValueError(f"must be a number or a table of {keys}s to numbers, not {_type_name(v)}")
    return StepTable([(dt.date(1, 1, 1), _number(v, high=high))])


# --------------------------------------------------------------------------- models


class _Model(BaseModel):
    """Strict (a string is never read as a number), frozen, and no key it does
    not know: a file means exactly what it says, and a typo is an error."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


Days = Annotated[float, Field(gt=0, le=MAX_DAYS, description="days")]


def _printable(v: str) -> str:
    if not v.isprintable():
        raise ValueError("must not contain control characters or line breaks")
    if len(v) > 200:
        raise ValueError("must be at most 200 characters")
    return v


def _plain_text(v: str) -> str:
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", v):
        raise ValueError("must not contain control characters")
    return v


Name = Annotated[str, Field(min_length=1), AfterValidator(_printable)]
"""A name that labels outputs (a unit, a stream, a legal status): one printable line."""
Text = Annotated[str, AfterValidator(_plain_text)]
"""Free text shown in reports and workbooks: line breaks and tabs, no other controls."""


class _OnStreams(_Model):
    """A table with ``streams``: the names of the streams it acts on, or none
    for all. The one home of that rule (the engine asks :meth:`acts_on`)."""

    def acts_on(self, stream: str) -> bool:
        """Whether it acts on the stream named ``stream``."""
        # each subclass declares `streams` itself, where it stands among its keys
        streams = self.streams  # type: ignore[attr-defined]
        return streams is None or stream in streams


class _Dated(_OnStreams):
    """A policy or a response: it acts from ``start`` up to (not on) ``end``."""

    @model_validator(mode="after")
    def _order(self):
        if self.end is not None and self.end <= self.start:  # type: ignore[attr-defined]
            raise ValueError("end must be after start")
        return self


def tags(union: Any, key: str) -> tuple[str, ...]:
    """The tags of a discriminated union (``Annotated[A | B, Field(discriminator=key)]``),
    in the union's order: the one list of kinds, read from the models themselves."""
    members = get_args(get_args(union)[0])
    return tuple(get_args(m.model_fields[key].annotation)[0] for m in members)


def percent_like(x: Any) -> bool:
    """A number a planner may have written as a percentage where a share (at
    most 1) belongs: more than 1, at most 100."""
    return isinstance(x, int | float) and not isinstance(x, bool) and 1 < x <= 100


def percent_hint(x: float) -> str:
    """How a percentage is written as a share, for a planner who wrote 36 where
    0.36 belongs: "for 36% write 0.36"."""
    return f"for {x:g}% write {x / 100:g}"
