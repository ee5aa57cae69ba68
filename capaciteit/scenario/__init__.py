"""Scenario files: TOML -> merged dict (``extends``) -> validated, frozen :class:`Scenario`.

A scenario file is data. It is parsed with :mod:`tomllib`, never evaluated, and
checked in full before anything runs: every problem is collected and reported
as ``FILE: key.path: what is wrong``, with list positions (``unit[1].capacity``).
The schema is the pydantic models below; each field's description is what
``docs/scenario.md`` explains.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import itertools
import json
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

from capaciteit.errors import ScenarioError
from capaciteit.law.release import POLICE_CUSTODY_MAX_DAYS

# --------------------------------------------------------------------------- limits
# Bounds that keep a run finite and its numbers exact; anything beyond them is
# a typo, never a scenario (docs/scenario.md, "Limits").

FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)
"""``scenario.start`` and ``end`` lie within these (the time axis is nanoseconds)."""
MAX_PLACES = 10_000_000
"""Places in a unit, a margin, a capacity change, a PMJ figure."""
MAX_RATE = 10_000_000
"""Arrivals per year of one stream."""
MAX_ARRIVALS = 10_000_000
"""Expected arrivals in one replication, all streams and the court backlog together."""
MAX_DAYS = 100_000
"""Any duration parameter, in days (274 years)."""
MAX_CV = 1000.0
"""sd_days / mean_days of a lognormal or gamma lies within [1 / MAX_CV, MAX_CV]."""
MAX_START_STOCK = 1_000_000
MAX_ENTRIES = 1000
"""Units, streams, placements, policies, responses or PMJ figures in one scenario."""
MAX_NAME = 100
"""Characters in a scenario name (it names a folder)."""
MAX_REPLICATIONS = 1_000_000
"""Replications of one run (the file's and the command line's)."""
MAX_SEED = 2**63 - 1
"""numpy's SeedSequence takes more; a seed is written in TOML, whose integers stop here."""

# --------------------------------------------------------------------------- tables


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


def _check_cv(mean: float, sd: float) -> None:
    if not 1 / MAX_CV <= sd / mean <= MAX_CV:
        raise ValueError(f"sd_days must be between 1/{MAX_CV:g} and {MAX_CV:g} times mean_days")


class Lognormal(_Model):
    distribution: Literal["lognormal"]
    mean_days: Days
    sd_days: Days

    @model_validator(mode="after")
    def _cv(self) -> Lognormal:
        _check_cv(self.mean_days, self.sd_days)
        return self


class Exponential(_Model):
    distribution: Literal["exponential"]
    mean_days: Days


class Gamma(_Model):
    distribution: Literal["gamma"]
    mean_days: Days
    sd_days: Days

    @model_validator(mode="after")
    def _cv(self) -> Gamma:
        _check_cv(self.mean_days, self.sd_days)
        return self


class Fixed(_Model):
    distribution: Literal["fixed"]
    days: Days


class Empirical(_Model):
    distribution: Literal["empirical"]
    days: list[Days] = Field(min_length=1, description="upper edges of the bins")
    shares: list[Annotated[float, Field(ge=0)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Empirical:
        if len(self.days) != len(self.shares):
            raise ValueError("days and shares must have the same length")
        if any(b <= a for a, b in zip(self.days, self.days[1:], strict=False)):
            raise ValueError("days must be strictly increasing")
        total = sum(self.shares)
        if abs(total - 1) > 1e-6:
            raise ValueError(f"shares must sum to 1 (they sum to {total:.6g})")
        return self


Distribution = Annotated[
    Lognormal | Exponential | Gamma | Fixed | Empirical, Field(discriminator="distribution")
]
DIST_NAMES = ("lognormal", "exponential", "gamma", "fixed", "empirical")


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


class Unit(_Model):
    name: Name
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
        if any(x > 1 for _, x in table):
            raise ValueError("must be <= 1 (a share of the places)")
        return table


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


class Placement(_Model):
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


class _Policy(_Model):
    name: Name
    description: Text | None = None
    start: dt.date = Field(description="first day the policy acts")
    end: dt.date | None = Field(None, description="first day it no longer acts (default: never)")
    streams: list[str] | None = Field(None, description="streams it acts on (default: all)")

    @model_validator(mode="after")
    def _order(self):
        if self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


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
POLICY_KINDS = ("early_release", "sentence_lengths", "inflow", "capacity", "reintegration")


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS = list(get_args(Weekday))


class _Response(_Model):
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

    @model_validator(mode="after")
    def _order(self):
        if self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


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
RESPONSE_KINDS = ("stop_callups", "early_release", "police_cells", "extra_places")


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


class Scenario(_Model):
    """A validated scenario: the one input of a replication besides its random stream."""

    scenario: Meta
    forecast: Forecast = Forecast()
    inflow: Inflow = Inflow()
    release: Release = Release()
    unit: list[Unit] = Field(min_length=1, max_length=MAX_ENTRIES)
    stream: list[Stream] = Field(default_factory=list, max_length=MAX_ENTRIES)
    placement: list[Placement] = Field(default_factory=list, max_length=MAX_ENTRIES)
    policy: list[Policy] = Field(default_factory=list, max_length=MAX_ENTRIES)
    pmj: list[PmjEntry] = Field(default_factory=list, max_length=MAX_ENTRIES)
    response: list[Response] = Field(default_factory=list, max_length=MAX_ENTRIES)
    court: Court | None = None
    reentry: Reentry | None = None
    costs: Costs = Costs()
    source_file: str | None = Field(None, exclude=True)
    content_hash: str | None = Field(None, exclude=True)

    @field_validator("reentry")
    @classmethod
    def _loop_on(cls, v: Reentry | None) -> Reentry | None:
        """A loop turned off is no loop: the engine and outputs see none."""
        return v if v is None or v.enabled else None

    @property
    def name(self) -> str:
        return self.scenario.name

    def unit_names(self) -> list[str]:
        return [u.name for u in self.unit]

    def pmj_figures(self) -> list[Pmj]:
        """The ``[[pmj]]`` figures of one year and unit (compared in yearly.csv)."""
        return [p for p in self.pmj if isinstance(p, Pmj)]

    def pmj_editions(self) -> list[PmjEdition]:
        """The ``[[pmj]]`` editions' statements (drawn beside the run, capaciteit.outputs.pmj)."""
        return [p for p in self.pmj if isinstance(p, PmjEdition)]

    def pools(self) -> dict[str, list[str]]:
        """The pools of places a shortage is judged on: units with a capacity, by
        their ``pool`` (by default each its own); ``total`` is never one."""
        out: dict[str, list[str]] = {}
        for u in self.unit:
            if u.capacity is not None:
                out.setdefault(u.pool or u.name, []).append(u.name)
        return out

    def to_dict(self) -> dict:
        """The merged, validated content as plain data (dates as ISO strings)."""
        return json.loads(self.model_dump_json(by_alias=True, exclude_none=True))

    def to_data(self) -> dict:
        """The content as a scenario file would hold it (dates as dates), so that
        it can be changed and validated again with :func:`parse_scenario`."""
        return self.model_dump(by_alias=True, exclude_none=True)


# --------------------------------------------------------------------------- loading


MAX_FILE_BYTES = 4_000_000
"""A scenario file is a few kilobytes; anything this big is not one."""


def _read_toml(path: Path, named_by: tuple[str, str, str] | None = None) -> dict:
    """The TOML content of ``path``. A problem is reported at the file the user
    gave or, for a file named by ``extends``, at ``named_by`` (the file and key
    that named it, and the name as written there). Messages never quote the
    content of a file that cannot be read as TOML."""

    def fail(msg: str) -> ScenarioError:
        if named_by is None:
            return ScenarioError([(str(path), "", msg)])
        return ScenarioError([(named_by[0], named_by[1], f"{msg}: {named_by[2]}")])

    try:
        if path.is_dir():
            raise fail("is a folder, not a scenario file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise fail(f"larger than {MAX_FILE_BYTES // 1_000_000} MB, not a scenario file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if named_by is not None:  # say where it looked: the name is relative to its file
            where = f"file not found: {named_by[2]} (no {path})"
            raise ScenarioError([(named_by[0], named_by[1], where)]) from None
        raise fail("file not found") from None
    except UnicodeDecodeError:
        raise fail("cannot read: not UTF-8 text") from None
    except OSError as e:
        raise fail(f"cannot read: {e.strerror or type(e).__name__}") from None
    try:
        return tomllib.loads(text)
    except RecursionError:  # tomllib recurses per level of nested arrays and tables
        raise fail("not valid TOML: nested too deeply") from None
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        msg = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(e))
        if m is None and "(at end of document)" in str(e):  # e.g. a quote never closed
            msg += " (at the end of the file)"
        line = f"line {m.group(1) if m else max(1, len(text.splitlines()))}"
        if named_by is not None:
            raise fail(f"not valid TOML{' at ' + line if line else ''}") from None
        raise ScenarioError([(str(path), line, f"not valid TOML: {msg}")]) from None


_NAMED_LISTS = ("unit", "stream", "placement", "policy", "response")
_NAME_KEYS = {**{k: "name" for k in _NAMED_LISTS}, "pmj": "edition"}
"""What names an item of each list in a message (a PMJ edition by its edition)."""


def _merge(base: Any, over: Any, table: str | None = None) -> Any:
    """Deep merge: tables merge by key; the lists of :data:`_NAME_KEYS` merge by
    their items' names (PMJ editions by `edition`), an item without one (a PMJ
    figure of one year) added to the inherited ones. A distribution (a table
    with a `distribution` key) is replaced whole: its keys belong together, and
    another kind has other keys."""
    if isinstance(over, dict) and "distribution" in over:
        return over
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v, k) if k in base else v
        return out
    key = _NAME_KEYS.get(table or "")
    if key is not None and isinstance(base, list) and isinstance(over, list):

        def named(x) -> bool:
            return isinstance(x, dict) and isinstance(x.get(key), str)

        out = [dict(x) if isinstance(x, dict) else x for x in base]
        index = {x[key]: i for i, x in enumerate(out) if named(x)}
        for x in over:
            if named(x) and x[key] in index:
                merged = _merge(out[index[x[key]]], x)
                # a unit that changes how it is full drops the key of the other way
                # (an inherited key cannot be removed in TOML)
                other = {"overflow": "wait_in", "wait": "overflow_to"}.get(x.get("when_full"))
                if other is not None and other not in x:
                    merged.pop(other, None)
                out[index[x[key]]] = merged
            else:
                out.append(x)
        return out
    return over


def _load_merged(
    path: Path,
    seen: tuple[Path, ...] = (),
    named_by: tuple[str, str, str] | None = None,
    declared: dict[tuple[str, str], Path] | None = None,
) -> dict:
    """The file's content merged over the files it extends, in turn.

    ``extends`` names a ``.toml`` file (relative to the file that names it, or
    absolute) that holds a ``[scenario]`` table; symbolic links are followed.
    Nothing else is read: a folder, a missing file, a loop of links or of
    ``extends``, or a file of another kind is an error at the key that named it,
    which never quotes that file's content."""
    try:
        path = path.resolve(strict=True)
    except FileNotFoundError:
        pass  # reported by _read_toml, under the name given
    except (OSError, RuntimeError):  # a loop of symbolic links (RuntimeError before 3.13)
        if named_by is None:
            raise ScenarioError(
                [(str(path), "", "cannot read: a loop of symbolic links")]
            ) from None
        file, key, name = named_by
        raise ScenarioError(
            [(file, key, f"cannot read: a loop of symbolic links: {name}")]
        ) from None
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise ScenarioError([(str(seen[0]), "scenario.extends", f"cycle: {chain}")])
    data = _read_toml(path, named_by)
    if declared is not None:  # which file sets each (table, key) first, child first
        for table, keys in data.items():
            if isinstance(keys, dict):
                for key in keys:
                    declared.setdefault((table, key), Path(path).parent)
    meta = data.get("scenario")
    if named_by is not None and not isinstance(meta, dict):
        file, key, name = named_by
        raise ScenarioError([(file, key, f"not a scenario file (no [scenario] table): {name}")])
    parent = meta.get("extends") if isinstance(meta, dict) else None
    if parent is None:
        return data
    here = (str(path), "scenario.extends")
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError([(*here, "must be the name of a .toml scenario file")])
    if "\0" in parent or not parent.endswith(".toml"):
        raise ScenarioError([(*here, f"must name a .toml scenario file, not {parent!r}")])
    parent_path = Path(parent) if Path(parent).is_absolute() else path.parent / parent
    return _merge(_load_merged(parent_path, (*seen, path), (*here, parent), declared), data)


def declared_in(path: str | Path, table: str, key: str) -> Path:
    """The folder of the file, along ``path``'s chain of ``extends``, that sets
    ``table.key`` (the file itself when none does): a relative file name a scenario
    gives (its calibration) means the same file in every scenario that extends it."""
    found: dict[tuple[str, str], Path] = {}
    _load_merged(Path(path), declared=found)
    return found.get((table, key), Path(path).resolve().parent)


def named_path(path: str, data: dict) -> str:
    """``unit[2].capacity`` -> ``unit 'ta'.capacity``, ``pmj[5].source`` ->
    ``pmj 'WODC 2025'.source``: a list item by its name (a PMJ edition by its
    edition) where it has one (unique in the merged scenario), as the contract writes it;
    by position only where it has none."""
    m = re.match(r"^(" + "|".join(_NAME_KEYS) + r")\[(\d+)\](.*)$", path, re.DOTALL)
    if m is None:
        return path
    items, i, key = data.get(m[1]), int(m[2]), _NAME_KEYS[m[1]]
    if not isinstance(items, list) or i >= len(items) or not isinstance(items[i], dict):
        return path
    name = items[i].get(key)
    names = [x.get(key) for x in items if isinstance(x, dict)]
    if not isinstance(name, str) or not name.strip() or names.count(name) != 1:
        return path
    return f"{m[1]} {name!r}{m[3]}"


def _field_names() -> set[str]:
    """Every key a scenario table can have (for "did you mean")."""
    out: set[str] = set()
    for cls in list(globals().values()):
        if isinstance(cls, type) and issubclass(cls, BaseModel) and cls is not BaseModel:
            for name, f in cls.model_fields.items():
                out.add(f.alias or name)
    return out


def _close(word: str, options) -> str | None:
    """The option ``word`` was most likely meant to be (case first), or None."""
    options = sorted({o for o in options if isinstance(o, str)} - {word})
    lower = {o.lower(): o for o in options}
    if word.lower() in lower and lower[word.lower()] != word:
        return lower[word.lower()]
    hit = difflib.get_close_matches(word, options, n=1, cutoff=0.75)
    return hit[0] if hit else None


def _suggest(path: str, msg: str, data: dict) -> str:
    """Add "did you mean" to an unknown key, unit or stream name."""
    guess = None
    if msg == "unknown key":
        guess = _close(path.rsplit(".", 1)[-1], _field_names())
    else:
        m = re.match(r"^no (unit|stream|placement) named '(.*)'$", msg)
        if m is not None:
            items = data.get(m[1]) if isinstance(data.get(m[1]), list) else []
            guess = _close(m[2], [x.get("name") for x in items if isinstance(x, dict)])
    return f"{msg} (did you mean {guess!r}?)" if guess else msg


def _loc_to_path(loc: tuple) -> str:
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in DIST_NAMES and i > 0 and isinstance(loc[i - 1], str):
            continue  # the discriminator tag pydantic puts after a distribution key
        elif part in POLICY_KINDS and i > 1 and loc[i - 2] == "policy":
            continue  # ... and after a policy's list position
        elif part in RESPONSE_KINDS and i > 1 and loc[i - 2] == "response":
            continue
        elif part in PMJ_FORMS and i > 1 and loc[i - 2] == "pmj":
            continue
        elif part == "from_":
            out += ".from" if out else "from"
        else:
            out += f".{part}" if out else str(part)
    return out


def _bound(x: Any) -> str:
    """A bound as people write it: 0, 0.5, 100,000."""
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    if isinstance(x, bool) or not isinstance(x, int | float):
        return str(x)
    return f"{x:,}" if isinstance(x, int) else f"{x:g}"


def _message(err: dict) -> str:
    t, ctx = err["type"], err.get("ctx") or {}
    simple = {
        "missing": "required key is missing",
        "extra_forbidden": "unknown key",
        "greater_than": f"must be > {_bound(ctx.get('gt'))}",
        "greater_than_equal": f"must be >= {_bound(ctx.get('ge'))}",
        "less_than_equal": f"must be <= {_bound(ctx.get('le'))}",
        "less_than": f"must be < {_bound(ctx.get('lt'))}",
        "finite_number": "must be a finite number",
        "int_type": "must be a whole number",
        "int_from_float": "must be a whole number",
        "float_type": "must be a number",
        "string_type": "must be a string",
        "bool_type": "must be true or false",
        "date_type": "must be a date (YYYY-MM-DD, unquoted)",
        "list_type": "must be a list",
        "too_short": f"must have at least {ctx.get('min_length')} entries",
        "too_long": f"must have at most {_bound(ctx.get('max_length'))} entries",
        "union_tag_not_found": f"needs a `{ctx.get('discriminator', 'kind').strip(chr(39))}` key",
        "model_type": "must be a table",
        "model_attributes_type": "must be a table",
        "dict_type": "must be a table",
    }
    if t in simple:
        return simple[t]
    if (
        t == "union_tag_invalid"
        and str(ctx.get("tag")) not in POLICY_KINDS + DIST_NAMES
        and "kind" in str(ctx.get("discriminator"))
        and err["loc"][0] == "response"
    ):
        return f"unknown response kind {ctx.get('tag')!r} (use one of {', '.join(RESPONSE_KINDS)})"
    if t == "union_tag_invalid":
        if "kind" in str(ctx.get("discriminator")):
            return f"unknown policy kind {ctx.get('tag')!r} (use one of {', '.join(POLICY_KINDS)})"
        return f"unknown distribution {ctx.get('tag')!r} (use one of {', '.join(DIST_NAMES)})"
    if t == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if t == "string_too_short":
        return "must not be empty"
    msg = err["msg"]
    return msg.removeprefix("Value error, ")


def _cross_checks(data: dict) -> list[tuple[str, str]]:
    """Problems between keys (names, references, loops), on the raw merged dict."""
    problems: list[tuple[str, str]] = []

    def items(key: str) -> list[tuple[int, dict]]:
        v = data.get(key)
        return (
            [(i, x) for i, x in enumerate(v) if isinstance(x, dict)] if isinstance(v, list) else []
        )

    def name_list(x: dict) -> list[tuple[int, str]]:
        """The names in a `streams` list (a wrong type is the schema's to report)."""
        v = x.get("streams")
        return (
            [(j, n) for j, n in enumerate(v) if isinstance(n, str)] if isinstance(v, list) else []
        )

    def ref(x: dict, key: str) -> str | None:
        """A reference to a unit or stream by name (a wrong type is the schema's)."""
        v = x.get(key)
        return v if isinstance(v, str) else None

    units = items("unit")
    for key in _NAMED_LISTS:
        seen: dict[str, int] = {}
        for i, x in items(key):
            n = ref(x, "name")
            if n is not None and n in seen:
                problems.append(
                    (f"{key}[{i}].name", f"duplicate name {n!r} (also {key}[{seen[n]}])")
                )
            if n is not None:
                seen.setdefault(n, i)
    unit_by_name: dict[str, dict] = {}
    for _, u in units:
        if ref(u, "name") is not None:
            unit_by_name.setdefault(u["name"], u)
    for i, u in units:
        if u.get("name") == "total":
            problems.append((f"unit[{i}].name", "'total' is reserved for the sum of all units"))
        wf = u.get("when_full")
        if wf is not None and u.get("capacity") is None:
            problems.append((f"unit[{i}].capacity", f"required when when_full = {wf!r}"))
        if wf == "overflow" and u.get("overflow_to") is None:
            problems.append((f"unit[{i}].overflow_to", "required when when_full = 'overflow'"))
        if u.get("overflow_to") is not None and wf != "overflow":
            problems.append((f"unit[{i}].overflow_to", "only used with when_full = 'overflow'"))
        ov = ref(u, "overflow_to")
        if ov is not None and ov not in unit_by_name:
            problems.append((f"unit[{i}].overflow_to", f"no unit named {ov!r}"))
        if ov is not None and ov == u.get("name"):
            problems.append((f"unit[{i}].overflow_to", "a unit cannot overflow to itself"))
        if u.get("wait_in") is not None and wf != "wait":
            problems.append((f"unit[{i}].wait_in", "only used with when_full = 'wait'"))
        wi = ref(u, "wait_in")
        if wi is not None and wi not in unit_by_name:
            problems.append((f"unit[{i}].wait_in", f"no unit named {wi!r}"))
        if wi is not None and wi == u.get("name"):
            problems.append((f"unit[{i}].wait_in", "a unit cannot hold its own waiting list"))
        elif wi in unit_by_name and unit_by_name[wi].get("when_full") is not None:
            problems.append(
                (
                    f"unit[{i}].wait_in",
                    f"unit {wi!r} has when_full: those waiting need a unit that never turns "
                    "anyone away",
                )
            )
    # overflow loops, reported at each unit on one; units whose chain ends
    # without a loop are remembered, so a long chain is walked once
    no_loop: set[str] = set()
    for i, u in units:
        chain = [u.get("name")]
        at = {ref(u, "name")}
        cur, looped = u, False
        while isinstance(cur, dict) and cur.get("when_full") == "overflow":
            nxt = ref(cur, "overflow_to")
            if nxt is None or nxt in no_loop:
                break
            if nxt in at:
                looped = True
                if nxt == u.get("name") and len(chain) > 1:
                    loop = " -> ".join(map(str, [*chain, nxt]))
                    problems.append((f"unit[{i}].overflow_to", f"overflow loop: {loop}"))
                break
            chain.append(nxt)
            at.add(nxt)
            cur = unit_by_name.get(nxt)
        if not looped:
            no_loop.update(n for n in chain if isinstance(n, str))
    pools: dict[str, list[str]] = {}
    for i, u in items("unit"):
        pool = u.get("pool")
        if isinstance(pool, str) and isinstance(u.get("name"), str):
            pools.setdefault(pool, []).append(u["name"])
            if pool in unit_by_name and unit_by_name[pool].get("pool", pool) != pool:
                problems.append((f"unit[{i}].pool", f"{pool!r} is a unit outside this pool"))
            if u.get("capacity") is None:
                problems.append((f"unit[{i}].pool", "a unit in a pool needs a capacity"))
    for pool, names in pools.items():
        if len(names) > 1 and pool in unit_by_name:
            problems.append(
                (
                    f"unit[{list(unit_by_name).index(names[0])}].pool",
                    f"pool {pool!r} of several units cannot be named after one of them: "
                    "give it a name of its own",
                )
            )
        kinds = {unit_by_name[n].get("occupies_cell", True) is not False for n in names}
        if len(kinds) > 1:
            problems.append(
                (
                    f"unit[{list(unit_by_name).index(names[0])}].pool",
                    f"pool {pool!r} mixes cell units with units that are not cells",
                )
            )
    for i, s in items("stream"):
        n = ref(s, "unit")
        if n is not None and n not in unit_by_name:
            problems.append((f"stream[{i}].unit", f"no unit named {n!r}"))
    streams: dict[str, dict] = {}
    for _, s in items("stream"):
        if ref(s, "name") is not None:
            streams.setdefault(s["name"], s)
    placements = items("placement")
    for i, p in placements:
        n = ref(p, "unit")
        if n is not None and n not in unit_by_name:
            problems.append((f"placement[{i}].unit", f"no unit named {n!r}"))
        elif n is not None and unit_by_name[n].get("when_full") == "overflow":
            problems.append(
                (
                    f"placement[{i}].unit",
                    f"unit {n!r} overflows when full: an end phase cannot; give it "
                    "when_full = 'wait' (those waiting stay where they are)",
                )
            )
        problems += [(f"placement[{i}].instead_of", m) for m in _instead_of(p, placements, i)]
        for j, n in name_list(p):
            if n not in streams:
                problems.append((f"placement[{i}].streams[{j}]", f"no stream named {n!r}"))
            elif streams[n].get("path", "stay") == "stay":
                problems.append(
                    (f"placement[{i}].streams[{j}]", f"stream {n!r} serves no sentence")
                )
    unit_names = set(unit_by_name) | {"total"}
    for i, p in items("pmj"):
        n = ref(p, "unit")
        if n is not None and n not in unit_names:
            problems.append((f"pmj[{i}].unit", f"no unit named {n!r}"))
    court = data.get("court") if isinstance(data.get("court"), dict) else {}
    weights = court.get("streams")
    for n in weights if isinstance(weights, dict) else {}:
        if n not in streams:
            problems.append((f"court.streams.{n}", f"no stream named {n!r}"))
    reentry = data.get("reentry") if isinstance(data.get("reentry"), dict) else {}
    looping = bool(reentry) and reentry.get("enabled") is not False
    shares = reentry.get("by_stream")
    for n in shares if isinstance(shares, dict) else {}:
        if n not in streams:
            problems.append((f"reentry.by_stream.{n}", f"no stream named {n!r}"))
    highest = max(
        [x for x in (reentry.get("share"), *(shares or {}).values()) if _is_number(x)] or [0.0]
    )
    for i, p in items("policy"):
        if p.get("kind") == "reintegration" and not looping:
            problems.append(
                (
                    f"policy[{i}].kind",
                    "a reintegration policy needs the loop: a [reentry] table, not enabled = false",
                )
            )
        elif p.get("kind") == "reintegration" and _is_number(p.get("factor")):
            if p["factor"] * highest >= 1:
                problems.append(
                    (
                        f"policy[{i}].factor",
                        f"times the highest [reentry] share ({highest:g}) it must stay below 1 "
                        "(everyone coming back forever has no steady state)",
                    )
                )
    for i, p in items("response"):
        for j, n in name_list(p):
            if n not in streams:
                problems.append((f"response[{i}].streams[{j}]", f"no stream named {n!r}"))
        n = ref(p, "unit")
        if p.get("kind") == "extra_places" and n is not None and n not in unit_by_name:
            problems.append((f"response[{i}].unit", f"no unit named {n!r}"))
    for i, p in items("policy"):
        for j, n in name_list(p):
            if n not in streams:
                problems.append((f"policy[{i}].streams[{j}]", f"no stream named {n!r}"))
        n = ref(p, "unit")
        if p.get("kind") == "capacity" and n is not None and n not in unit_by_name:
            problems.append((f"policy[{i}].unit", f"no unit named {n!r}"))
    rel = data.get("release") if isinstance(data.get("release"), dict) else {}
    if rel.get("transition") == "offence_date":
        for i, s in items("stream"):
            if s.get("path") in ("pre_trial", "sentence") and s.get("offence_lag_days") is None:
                problems.append(
                    (
                        f"stream[{i}].offence_lag_days",
                        "required when release.transition = 'offence_date'",
                    )
                )
    return problems


def _instead_of(p: dict, placements: list[tuple[int, dict]], i: int) -> list[str]:
    """Problems with placement ``i``'s ``instead_of``: the placement it names must
    exist, be listed right before or after it (the two are alternatives for the
    same phase), have the same streams, and not itself replace another."""
    n = p.get("instead_of")
    if not isinstance(n, str):
        return []  # absent, or a wrong type (the schema's to report)
    if n == p.get("name"):
        return ["a placement cannot replace itself"]
    at = {x.get("name"): j for j, x in placements if isinstance(x.get("name"), str)}
    if n not in at:
        return [f"no placement named {n!r}"]
    j, other = at[n], dict(placements)[at[n]]
    if abs(j - i) != 1:
        return [
            f"placement {n!r} must be listed right before or after this one "
            "(the two are alternatives for the same phase)"
        ]
    if other.get("instead_of") is not None:
        return [f"placement {n!r} itself has instead_of (one placement replaces one other)"]
    if other.get("streams") != p.get("streams"):
        return [f"placement {n!r} must have the same streams (so everyone gets one of the two)"]
    return []


def _hash(data: dict) -> str:
    blob = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def parse_scenario(data: dict, file: str = "<scenario>") -> Scenario:
    """Validate a merged scenario dict; raise ScenarioError listing every problem."""
    if not isinstance(data, dict):
        raise ScenarioError([(file, "", f"must be a table of keys, not {_type_name(data)}")])
    internal = [k for k in ("source_file", "content_hash") if k in data]
    data = {k: v for k, v in data.items() if k not in internal}
    problems = [(file, k, "unknown key") for k in internal]
    problems += [(file, where, msg) for where, msg in _cross_checks(data)]
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as e:
        for err in e.errors():
            problems.append((file, _loc_to_path(err["loc"]), _message(err)))
        sc = None
    if sc is not None and not problems:
        problems += [(file, w, m) for w, m in _semantic_checks(sc)]
    if problems:
        # one line per (place, message), in file order of keys; list items by name
        named = [(f, named_path(w, data), _suggest(w, msg, data)) for f, w, msg in problems]
        raise ScenarioError(list(dict.fromkeys(named)))
    assert sc is not None
    return sc.model_copy(update={"source_file": file, "content_hash": _hash(data)})


def _semantic_checks(sc: Scenario) -> list[tuple[str, str]]:
    out = []
    m = sc.scenario
    if sc.inflow.calibrate and sc.forecast.origin is None:
        out.append(("forecast.origin", "required when inflow.calibrate = true"))
    if sc.inflow.calibrate and not any(s.inflow_category for s in sc.stream):
        out.append(("inflow.calibrate", "needs streams with an inflow_category"))
    if any(s.path != "stay" for s in sc.stream) and m.start_stock == "empty" and m.warmup_days == 0:
        out.append(
            ("scenario.start_stock", "a national model needs 'observed', a number, or warmup_days")
        )
    for i, s in enumerate(sc.stream):
        if s.waiting_at_start is not None and m.warmup_days:
            out.append(
                (
                    f"stream[{i}].waiting_at_start",
                    "is the list on the first reported day: it needs warmup_days = 0",
                )
            )
    open_ended = [u.name for u in sc.unit if u.occupies_cell and u.capacity is None]
    for i, r in enumerate(sc.response):
        if open_ended:  # the threshold a response watches is its pool's
            out.append(
                (
                    f"response[{i}]",
                    f"{r.name!r} acts when the cells are full, but cell unit "
                    f"{open_ended[0]!r} has no capacity: give it one, or occupies_cell = false",
                )
            )
    out += _pmj_checks(sc)
    n = expected_arrivals(sc)
    if n > MAX_ARRIVALS:
        out.append(
            (
                "stream",
                f"about {n:,.0f} arrivals in one replication, more than {MAX_ARRIVALS:,} "
                "(the people of a replication are held in memory): lower the rates or "
                "shorten the run",
            )
        )
    return out


def year_ranges(years: list[int]) -> str:
    """2005, 2006, 2007, 2009 -> '2005-2007, 2009'."""
    out: list[str] = []
    for _, run in itertools.groupby(enumerate(sorted(years)), lambda p: p[1] - p[0]):
        ys = [y for _, y in run]
        out.append(str(ys[0]) if len(ys) == 1 else f"{ys[0]}-{ys[-1]}")
    return ", ".join(out)


def _pmj_checks(sc: Scenario) -> list[tuple[str, str]]:
    """Each PMJ edition once, and each growth statement starting from a year
    with a CBS stock (the path is that stock grown; no stock is made up)."""
    out: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    stock: set[int] | None = None
    for i, p in enumerate(sc.pmj):
        if not isinstance(p, PmjEdition):
            continue
        if p.edition in seen:
            out.append(
                (f"pmj[{i}].edition", f"{p.edition!r} is given twice (also pmj[{seen[p.edition]}])")
            )
        seen.setdefault(p.edition, i)
        if p.from_year is None:
            continue
        if stock is None:
            from capaciteit.data import (
                history,  # only scenarios with a PMJ growth statement read the data
            )

            stock = {o.date.year for o in history.load_stock()}
        if p.from_year not in stock:
            out.append(
                (
                    f"pmj[{i}].from_year",
                    f"no CBS 30-September stock for {p.from_year} in "
                    f"capaciteit/data/{history.STOCK_FILE} (it has {year_ranges(sorted(stock))}): "
                    "the path starts from a counted stock",
                )
            )
    return out


def expected_arrivals(sc: Scenario) -> float:
    """Expected arrivals in one replication, warm-up included: every stream's rate
    over the run (times any inflow policy that could raise it, and with re-entry
    the steady state's admissions under the programme that raises returns most)
    and the court backlog's admissions. An upper bound for the memory a
    replication needs."""
    m = sc.scenario
    first = m.start - dt.timedelta(days=m.warmup_days)
    last = m.end + dt.timedelta(days=1)
    total = 0.0
    for s in sc.stream:
        cuts = sorted({first, last} | {d for d, _ in s.rate_per_year if first < d < last})
        per_year = sum(
            s.rate_per_year.value_at(a) * (b - a).days for a, b in itertools.pairwise(cuts)
        )
        factor = 1.0
        for p in sc.policy:
            if p.kind == "inflow" and (p.streams is None or s.name in p.streams):
                factor *= max(1.0, p.factor)
        if sc.reentry is not None:  # a programme raising the share raises the returns
            share = sc.reentry.share_of(s.name)
            most = max(
                [
                    p.factor
                    for p in sc.policy
                    if p.kind == "reintegration" and (p.streams is None or s.name in p.streams)
                ]
                + [1.0]
            )
            factor *= (1 - share) / (1 - min(share * most, 1 - 1e-9))
        total += per_year / 365.25 * factor
    if sc.court is not None:
        total += sc.court.backlog_cases * sc.court.prison_share
    return total


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    Raises
    ------
    ScenarioError
        With one ``FILE: key.path: what is wrong`` line per problem.
    """
    path = Path(path)
    data = _load_merged(path)
    return parse_scenario(data, str(path))
