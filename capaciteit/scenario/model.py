"""The frozen :class:`Scenario`: every table together, the one input of a
replication besides its random stream, with the questions the rest of the
package asks of it (its pools, its PMJ figures, its content as data).
"""

from __future__ import annotations

import json
import typing

from pydantic import BaseModel, Field, field_validator

from capaciteit.scenario.arrivals import Court, Reentry
from capaciteit.scenario.base import _Model
from capaciteit.scenario.limits import MAX_ENTRIES
from capaciteit.scenario.meta import Costs, Forecast, Inflow, Meta
from capaciteit.scenario.pmj import Pmj, PmjEdition, PmjEntry
from capaciteit.scenario.policies import Policy
from capaciteit.scenario.release import Placement, Release
from capaciteit.scenario.responses import Response
from capaciteit.scenario.streams import Stream
from capaciteit.scenario.units import Unit

_NAMED_LISTS = ("unit", "stream", "placement", "policy", "response")
_NAME_KEYS = {**{k: "name" for k in _NAMED_LISTS}, "pmj": "edition"}
"""What names an item of each list: in a message, and when ``extends`` merges
the lists (a PMJ edition by its edition)."""


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

    def unit_labels(self) -> dict[str, str]:
        """The names for a reader the scenario gives (``label``): by unit, and by
        pool where a pool of one unit takes that unit's (a pool of several has
        none: it is named as the scenario writes it)."""
        out = {u.name: u.label for u in self.unit if u.label}
        for pool, members in self.pools().items():
            if pool not in out and len(members) == 1 and members[0] in out:
                out[pool] = out[members[0]]
        return out

    def to_dict(self) -> dict:
        """The merged, validated content as plain data (dates as ISO strings)."""
        return json.loads(self.model_dump_json(by_alias=True, exclude_none=True))

    def to_data(self) -> dict:
        """The content as a scenario file would hold it (dates as dates), so that
        it can be changed and validated again with :func:`parse_scenario`."""
        return self.model_dump(by_alias=True, exclude_none=True)


def schema_models() -> list[type[BaseModel]]:
    """Every table of the schema, reached from :class:`Scenario` through its
    fields (for "did you mean": the keys a table can have)."""
    out: list[type[BaseModel]] = []

    def visit(annotation: object) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in out:
                out.append(annotation)
                for f in annotation.model_fields.values():
                    visit(f.annotation)
        for arg in typing.get_args(annotation):
            visit(arg)

    visit(Scenario)
    return out
