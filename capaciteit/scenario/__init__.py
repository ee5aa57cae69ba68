"""Scenario files: TOML -> merged dict (``extends``) -> validated, frozen :class:`Scenario`.

A scenario file is data. It is parsed with :mod:`tomllib`, never evaluated, and
checked in full before anything runs: every problem is collected and reported
as ``FILE: key.path: what is wrong``, with list items by name (``unit 'ta'.capacity``)
or, where they have none, by position (``pmj[1].source``). The schema is the
pydantic models of the modules below; each field's description is what
``docs/scenario.md`` explains.

The modules, each importing only those above it (and :mod:`capaciteit.errors`,
:mod:`capaciteit.law`, :mod:`capaciteit.data`), never the simulation:

* ``limits``: the bounds past which a value is a typo.
* ``base``: the strict, frozen base model and one value's checks (numbers,
  dates, months, names, text, step tables).
* the tables, one module each: ``durations`` (distributions of days), ``meta``
  (``[scenario]``, ``[forecast]``, ``[inflow]``, ``[costs]``), ``units``,
  ``streams``, ``release`` (``[release]``, ``[[placement]]``), ``policies``,
  ``responses``, ``arrivals`` (``[court]``, ``[reentry]``), ``pmj``.
* ``model``: the :class:`Scenario` that holds them all.
* ``crossrefs`` (between keys, on the raw dict) and ``semantics`` (on the
  valid whole): the checks beyond one table.
* ``messages``: the words and the key path of each problem, "did you mean".
* ``validate``: :func:`parse_scenario`, a dict -> a Scenario or every problem.
* ``files``: reading TOML, ``extends`` and merging, :func:`load_scenario`.
* ``provenance``: the labelled comments of the files and the data's sources
  (for reports; not needed to load a scenario).

The public names (and ``_merge``, which calibration uses) are imported here:
``from capaciteit.scenario import X`` is the way in.
"""

from __future__ import annotations

from capaciteit.scenario.arrivals import Court, Reentry
from capaciteit.scenario.base import Days, Name, StepTable, Text
from capaciteit.scenario.crossrefs import reads_as
from capaciteit.scenario.durations import (
    DIST_NAMES,
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
)
from capaciteit.scenario.files import _merge, declared_in, load_scenario
from capaciteit.scenario.limits import (
    FIRST_DAY,
    LAST_DAY,
    MAX_ARRIVALS,
    MAX_CV,
    MAX_DAYS,
    MAX_ENTRIES,
    MAX_FILE_BYTES,
    MAX_NAME,
    MAX_PLACES,
    MAX_RATE,
    MAX_REPLICATIONS,
    MAX_SEED,
    MAX_START_STOCK,
)
from capaciteit.scenario.messages import named_path
from capaciteit.scenario.meta import Costs, Forecast, Inflow, Meta
from capaciteit.scenario.model import Scenario
from capaciteit.scenario.pmj import (
    MAX_GROWTH,
    MAX_TOTAL_CHANGE,
    PMJ_FIRST_YEAR,
    PMJ_FORMS,
    PMJ_LAST_YEAR,
    Pmj,
    PmjEdition,
    PmjEntry,
    published_span,
)
from capaciteit.scenario.policies import (
    POLICY_KINDS,
    CapacityChange,
    EarlyRelease,
    InflowChange,
    Policy,
    Reintegration,
    SentenceLengths,
)
from capaciteit.scenario.release import Placement, Release, RuleSet, Transition
from capaciteit.scenario.responses import (
    RESPONSE_KINDS,
    WEEKDAYS,
    EarlyReleaseWhenFull,
    ExtraPlaces,
    PoliceCells,
    Response,
    StopCallups,
    Weekday,
)
from capaciteit.scenario.semantics import expected_arrivals, year_ranges
from capaciteit.scenario.streams import StartList, Stream
from capaciteit.scenario.units import Unit
from capaciteit.scenario.validate import parse_scenario

__all__ = [
    "DIST_NAMES",
    "FIRST_DAY",
    "LAST_DAY",
    "MAX_ARRIVALS",
    "MAX_CV",
    "MAX_DAYS",
    "MAX_ENTRIES",
    "MAX_FILE_BYTES",
    "MAX_GROWTH",
    "MAX_NAME",
    "MAX_PLACES",
    "MAX_RATE",
    "MAX_REPLICATIONS",
    "MAX_SEED",
    "MAX_START_STOCK",
    "MAX_TOTAL_CHANGE",
    "PMJ_FIRST_YEAR",
    "PMJ_FORMS",
    "PMJ_LAST_YEAR",
    "POLICY_KINDS",
    "RESPONSE_KINDS",
    "WEEKDAYS",
    "CapacityChange",
    "Costs",
    "Court",
    "Days",
    "Distribution",
    "EarlyRelease",
    "EarlyReleaseWhenFull",
    "Empirical",
    "Exponential",
    "ExtraPlaces",
    "Fixed",
    "Forecast",
    "Gamma",
    "Inflow",
    "InflowChange",
    "Lognormal",
    "Meta",
    "Name",
    "Placement",
    "Pmj",
    "PmjEdition",
    "PmjEntry",
    "PoliceCells",
    "Policy",
    "Reentry",
    "Reintegration",
    "Release",
    "Response",
    "RuleSet",
    "Scenario",
    "SentenceLengths",
    "StartList",
    "StepTable",
    "StopCallups",
    "Stream",
    "Text",
    "Transition",
    "Unit",
    "Weekday",
    "_merge",
    "declared_in",
    "expected_arrivals",
    "load_scenario",
    "named_path",
    "parse_scenario",
    "published_span",
    "reads_as",
    "year_ranges",
]
