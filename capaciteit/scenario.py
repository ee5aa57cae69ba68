"""Scenario files: TOML -> merged dict (``extends``) -> validated, frozen :class:`Scenario`.

A scenario file is data. It is parsed with :mod:`tomllib`, never evaluated, and
checked in full before anything runs: every problem is collected and reported
as ``FILE: key.path: what is wrong``, with list positions (``unit[1].capacity``).
The schema is the pydantic models below; each field's description is what
``docs/scenario.md`` explains.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import core_schema

from .errors import ScenarioError

# --------------------------------------------------------------------------- tables


def _to_date(key: str, what: str) -> dt.date:
    try:
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


def _number(v: Any, what: str = "") -> float:
    lead = f"{what} " if what else ""
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"{lead}must be a number, not {_type_name(v)}")
    if v != v or v in (float("inf"), float("-inf")):
        raise ValueError(f"{lead}must be a finite number")
    if v < 0:
        raise ValueError(f"{lead}must be >= 0")
    return float(v)


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


def _step_table(v: Any, keys: Literal["date", "month"]) -> StepTable:
    if isinstance(v, dict):
        if not v:
            raise ValueError("table must have at least one entry")
        items = []
        for k, x in v.items():
            d = _to_date(k, "table") if keys == "date" else _to_month(k)
            items.append((d, _number(x, f"value for {k}")))
        items.sort()
        table = StepTable(items)
        table.months = keys == "month"
        return table
    if isinstance(v, list | str | bool) or not isinstance(v, int | float):
        raise ValueError(f"must be a number or a table of {keys}s to numbers, not {_type_name(v)}")
    return StepTable([(dt.date(1, 1, 1), _number(v))])


# --------------------------------------------------------------------------- models


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Days = Annotated[float, Field(gt=0, description="days")]


class Lognormal(_Model):
    distribution: Literal["lognormal"]
    mean_days: Days
    sd_days: Days


class Exponential(_Model):
    distribution: Literal["exponential"]
    mean_days: Days


class Gamma(_Model):
    distribution: Literal["gamma"]
    mean_days: Days
    sd_days: Days


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
    title: str | None = Field(None, description="the question the scenario answers")
    description: str | None = None
    extends: str | None = Field(None, description="file this one extends (already merged)")
    start: dt.date = Field(description="first day reported")
    end: dt.date = Field(description="last day reported")
    warmup_days: int = Field(0, ge=0, le=36525, description="days simulated before start")
    start_stock: Literal["observed", "empty"] | Annotated[int, Field(ge=0)] = Field(
        "empty",
        description=(
            "people present at the simulation's first day: 'empty', a number, or 'observed' "
            "(the CBS 30-September stock nearest to start)"
        ),
    )
    replications: int = Field(100, ge=1, le=1_000_000)
    seed: int = Field(1, ge=0)

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str) -> str:
        if not re.fullmatch(r"[\w.\-]+", v) or v.startswith("."):
            raise ValueError("must use only letters, digits, '_', '-' and '.' (it names a folder)")
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


class Unit(_Model):
    name: str = Field(min_length=1)
    description: str | None = None
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
    usable_share: StepTable | None = Field(
        None, description="share of the places that can be used (staff, repairs); default 1"
    )
    margin: StepTable | None = Field(
        None, description="places kept free for moves and peaks (frictional vacancy); default 0"
    )
    cost_per_day: float = Field(0.0, ge=0, description="euros per occupied place per day")
    cost_per_place: float = Field(0.0, ge=0, description="euros per usable place per day")

    @field_validator("capacity", "margin", mode="before")
    @classmethod
    def _places(cls, v: Any) -> StepTable | None:
        return None if v is None else _step_table(v, "date")

    @field_validator("usable_share", mode="before")
    @classmethod
    def _share(cls, v: Any) -> StepTable | None:
        if v is None:
            return None
        table = _step_table(v, "date")
        if any(x > 1 for _, x in table):
            raise ValueError("must be <= 1 (a share of the places)")
        return table


class Stream(_Model):
    name: str = Field(min_length=1)
    description: str | None = None
    unit: str = Field(description="unit people enter")
    rate_per_year: StepTable = Field(
        description="arrivals per year: a number, or a table of months (YYYY-MM) -> rate"
    )
    path: Literal["stay", "pre_trial", "sentence"] = "stay"
    status: str | None = Field(None, description="legal status while present (path 'stay')")
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
    sentence_lag_days: Distribution | None = Field(
        None, description="days from the judgment to the call-up list or arrest"
    )
    offence_lag_days: Distribution | None = Field(
        None, description="days from the offence to the judgment"
    )
    inflow_category: (
        Literal["voorlopig_gehechten", "zelfmelders", "veroordeelde_arrestanten"] | None
    ) = Field(None, description="published inflow category the stream belongs to")
    category_share: float = Field(1.0, ge=0, le=1, description="its share of that category")

    @field_validator("rate_per_year", mode="before")
    @classmethod
    def _rate(cls, v: Any) -> StepTable:
        return _step_table(v, "month")

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
            "pre_trial": {"pre_trial_days", "convicted_share", "sentence", "offence_lag_days"},
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
        }
        extra = sorted(k for k in path_keys - allowed if getattr(self, k) is not None)
        if extra:
            raise ValueError(f"path {self.path!r} does not use {', '.join(extra)}")
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


class Placement(_Model):
    name: str = Field(min_length=1)
    description: str | None = None
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

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

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
    name: str = Field(min_length=1)
    description: str | None = None
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
    places: float


Policy = Annotated[
    EarlyRelease | SentenceLengths | InflowChange | CapacityChange, Field(discriminator="kind")
]
POLICY_KINDS = ("early_release", "sentence_lengths", "inflow", "capacity")


class _Response(_Model):
    name: str = Field(min_length=1)
    description: str | None = None
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


class PoliceCells(_Response):
    """Arrestees stay in a police cell while no prison place is free, at most
    ``max_days`` (art. 15a Pbw: ten days)."""

    kind: Literal["police_cells"]
    max_days: float = Field(10.0, gt=0, le=10)


class ExtraPlaces(_Response):
    """``places`` more (two in a cell, rented abroad) while the prisons are full."""

    kind: Literal["extra_places"]
    places: float = Field(gt=0)
    unit: str = Field(description="unit the places are added to")


Response = Annotated[
    StopCallups | EarlyReleaseWhenFull | PoliceCells | ExtraPlaces, Field(discriminator="kind")
]
RESPONSE_KINDS = ("stop_callups", "early_release", "police_cells", "extra_places")


class Court(_Model):
    """The courts' COVID-19 backlog: cases not heard, and when they were heard."""

    backlog_cases: float = Field(ge=0, description="criminal cases not heard in the closure")
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

    def curve(self) -> list[tuple[dt.date, float]]:
        return sorted((_to_date(k, "handled"), float(x)) for k, x in self.handled.items())


class Pmj(_Model):
    """A PMJ figure (WODC's Prognosemodel Justitiële ketens) for a year and unit."""

    year: int = Field(ge=1990, le=2100)
    unit: str = "total"
    places: float = Field(ge=0)
    kind: Literal["need", "planned"] = Field("need", description="capacity need or planned")
    source: str = Field(min_length=1, description="where the figure was published")


class Inflow(_Model):
    calibrate: bool = Field(
        False, description="rates, stays and the inflow forecast from the data up to the origin"
    )
    file: str | None = Field(None, description="calibration file (from `capaciteit calibrate`)")


class Scenario(_Model):
    """A validated scenario: the one input of a replication besides its random stream."""

    scenario: Meta
    forecast: Forecast = Forecast()
    inflow: Inflow = Inflow()
    release: Release = Release()
    unit: list[Unit] = Field(min_length=1)
    stream: list[Stream] = Field(default_factory=list)
    placement: list[Placement] = Field(default_factory=list)
    policy: list[Policy] = Field(default_factory=list)
    pmj: list[Pmj] = Field(default_factory=list)
    response: list[Response] = Field(default_factory=list)
    court: Court | None = None
    source_file: str | None = Field(None, exclude=True)
    content_hash: str | None = Field(None, exclude=True)

    @property
    def name(self) -> str:
        return self.scenario.name

    def unit_names(self) -> list[str]:
        return [u.name for u in self.unit]

    def to_dict(self) -> dict:
        """The merged, validated content as plain data (dates as ISO strings)."""
        return json.loads(self.model_dump_json(by_alias=True, exclude_none=True))

    def to_data(self) -> dict:
        """The content as a scenario file would hold it (dates as dates), so that
        it can be changed and validated again with :func:`parse_scenario`."""
        return self.model_dump(by_alias=True, exclude_none=True)


# --------------------------------------------------------------------------- loading


def _read_toml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([(str(path), "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError([(str(path), "", f"cannot read: {e}")]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
        where = f"line {m.group(1)}" if m else ""
        raise ScenarioError([(str(path), where, f"not valid TOML: {msg}")]) from None


_NAMED_LISTS = ("unit", "stream", "placement", "policy", "response")


def _merge(base: Any, over: Any) -> Any:
    """Deep merge: tables merge by key, lists of named tables merge by `name`."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    if (
        isinstance(base, list)
        and isinstance(over, list)
        and all(isinstance(x, dict) and "name" in x for x in base + over)
    ):
        out = [dict(x) for x in base]
        index = {x["name"]: i for i, x in enumerate(out)}
        for x in over:
            if x["name"] in index:
                out[index[x["name"]]] = _merge(out[index[x["name"]]], x)
            else:
                out.append(x)
        return out
    return over


def _load_merged(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise ScenarioError([(str(seen[0]), "scenario.extends", f"cycle: {chain}")])
    data = _read_toml(path)
    meta = data.get("scenario")
    parent = meta.get("extends") if isinstance(meta, dict) else None
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent:
        raise ScenarioError([(str(path), "scenario.extends", "must be a file name")])
    parent_path = Path(parent) if Path(parent).is_absolute() else path.parent / parent
    if not parent_path.is_file():
        raise ScenarioError([(str(path), "scenario.extends", f"file not found: {parent}")])
    return _merge(_load_merged(parent_path, (*seen, path)), data)


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
        elif part == "from_":
            out += ".from" if out else "from"
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(err: dict) -> str:
    t, ctx = err["type"], err.get("ctx") or {}
    simple = {
        "missing": "required key is missing",
        "extra_forbidden": "unknown key",
        "greater_than": f"must be > {ctx.get('gt')}",
        "greater_than_equal": f"must be >= {ctx.get('ge')}",
        "less_than_equal": f"must be <= {ctx.get('le')}",
        "less_than": f"must be < {ctx.get('lt')}",
        "int_type": "must be a whole number",
        "int_from_float": "must be a whole number",
        "float_type": "must be a number",
        "string_type": "must be a string",
        "bool_type": "must be true or false",
        "date_type": "must be a date (YYYY-MM-DD, unquoted)",
        "list_type": "must be a list",
        "too_short": f"must have at least {ctx.get('min_length')} entries",
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

    units = items("unit")
    for key in _NAMED_LISTS:
        seen: dict[Any, int] = {}
        for i, x in items(key):
            n = x.get("name")
            if isinstance(n, str) and n in seen:
                problems.append(
                    (f"{key}[{i}].name", f"duplicate name {n!r} (also {key}[{seen[n]}])")
                )
            seen.setdefault(n, i)
    unit_by_name = {u.get("name"): u for _, u in units if isinstance(u.get("name"), str)}
    for i, u in units:
        if u.get("name") == "total":
            problems.append((f"unit[{i}].name", "'total' is reserved for the sum of all units"))
        wf = u.get("when_full")
        if wf is not None and u.get("capacity") is None:
            problems.append((f"unit[{i}].capacity", f"required when when_full = {wf!r}"))
        ov = u.get("overflow_to")
        if wf == "overflow" and ov is None:
            problems.append((f"unit[{i}].overflow_to", "required when when_full = 'overflow'"))
        if ov is not None and wf != "overflow":
            problems.append((f"unit[{i}].overflow_to", "only used with when_full = 'overflow'"))
        if ov is not None and ov not in unit_by_name:
            problems.append((f"unit[{i}].overflow_to", f"no unit named {ov!r}"))
        if ov is not None and ov == u.get("name"):
            problems.append((f"unit[{i}].overflow_to", "a unit cannot overflow to itself"))
        wi = u.get("wait_in")
        if wi is not None and wf != "wait":
            problems.append((f"unit[{i}].wait_in", "only used with when_full = 'wait'"))
        if wi is not None and wi not in unit_by_name:
            problems.append((f"unit[{i}].wait_in", f"no unit named {wi!r}"))
        if wi is not None and wi == u.get("name"):
            problems.append((f"unit[{i}].wait_in", "a unit cannot hold its own waiting list"))
    # overflow loops
    for i, u in units:
        seen_chain = [u.get("name")]
        cur = u
        while isinstance(cur, dict) and cur.get("when_full") == "overflow":
            nxt = cur.get("overflow_to")
            if nxt in seen_chain:
                if nxt == u.get("name") and len(seen_chain) > 1:
                    loop = " -> ".join(map(str, [*seen_chain, nxt]))
                    problems.append((f"unit[{i}].overflow_to", f"overflow loop: {loop}"))
                break
            seen_chain.append(nxt)
            cur = unit_by_name.get(nxt)
    for i, s in items("stream"):
        if "unit" in s and s["unit"] not in unit_by_name:
            problems.append((f"stream[{i}].unit", f"no unit named {s['unit']!r}"))
    streams = {s.get("name"): s for _, s in items("stream")}
    for i, p in items("placement"):
        if "unit" in p and p["unit"] not in unit_by_name:
            problems.append((f"placement[{i}].unit", f"no unit named {p['unit']!r}"))
        for j, n in enumerate(p.get("streams") or []):
            if n not in streams:
                problems.append((f"placement[{i}].streams[{j}]", f"no stream named {n!r}"))
            elif streams[n].get("path", "stay") == "stay":
                problems.append(
                    (f"placement[{i}].streams[{j}]", f"stream {n!r} serves no sentence")
                )
    unit_names = set(unit_by_name) | {"total"}
    for i, p in items("pmj"):
        if "unit" in p and p["unit"] not in unit_names:
            problems.append((f"pmj[{i}].unit", f"no unit named {p['unit']!r}"))
    court = data.get("court") if isinstance(data.get("court"), dict) else {}
    for n in court.get("streams") or {}:
        if n not in streams:
            problems.append((f"court.streams.{n}", f"no stream named {n!r}"))
    for i, p in items("response"):
        for j, n in enumerate(p.get("streams") or []):
            if n not in streams:
                problems.append((f"response[{i}].streams[{j}]", f"no stream named {n!r}"))
        if p.get("kind") == "extra_places" and "unit" in p and p["unit"] not in unit_by_name:
            problems.append((f"response[{i}].unit", f"no unit named {p['unit']!r}"))
    for i, p in items("policy"):
        for j, n in enumerate(p.get("streams") or []):
            if n not in streams:
                problems.append((f"policy[{i}].streams[{j}]", f"no stream named {n!r}"))
        if p.get("kind") == "capacity" and "unit" in p and p["unit"] not in unit_by_name:
            problems.append((f"policy[{i}].unit", f"no unit named {p['unit']!r}"))
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


def _hash(data: dict) -> str:
    blob = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def parse_scenario(data: dict, file: str = "<scenario>") -> Scenario:
    """Validate a merged scenario dict; raise ScenarioError listing every problem."""
    problems = [(file, where, msg) for where, msg in _cross_checks(data)]
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as e:
        for err in e.errors():
            problems.append((file, _loc_to_path(err["loc"]), _message(err)))
        sc = None
    if sc is not None and not problems:
        problems += [(file, w, m) for w, m in _semantic_checks(sc)]
    if problems:
        # one line per (place, message), in file order of keys
        uniq = list(dict.fromkeys(problems))
        raise ScenarioError(uniq)
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
    return out


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
