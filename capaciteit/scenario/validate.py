"""Validation: a merged scenario dict -> a frozen :class:`Scenario`, or one
:class:`~capaciteit.errors.ScenarioError` that lists every problem at once.

Three passes, each with its own module: the schema's checks of each table
(pydantic, :mod:`~capaciteit.scenario.model`) and the checks between keys
(:mod:`~capaciteit.scenario.crossrefs`) together, then, on a file with neither
kind of problem, the checks of the whole (:mod:`~capaciteit.scenario.semantics`).
:mod:`~capaciteit.scenario.messages` words them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from pydantic import ValidationError

from capaciteit.errors import ScenarioError
from capaciteit.scenario.base import _type_name
from capaciteit.scenario.crossrefs import _cross_checks
from capaciteit.scenario.messages import _loc_to_path, _message, _suggest, named_path
from capaciteit.scenario.model import Scenario
from capaciteit.scenario.semantics import _semantic_checks


def _hash(data: dict) -> str:
    blob = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def parse_scenario(
    data: dict, file: str = "<scenario>", origin: Callable[[str], str] | None = None
) -> Scenario:
    """Validate a merged scenario dict; raise ScenarioError listing every problem.
    ``origin`` names the file that wrote the key at a problem's place (a file
    that ``extends`` others: the one to mend), else each problem names ``file``."""
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
        named = [
            (origin(w) if origin else f, named_path(w, data), _suggest(w, msg, data))
            for f, w, msg in problems
        ]
        raise ScenarioError(list(dict.fromkeys(named)))
    assert sc is not None
    return sc.model_copy(update={"source_file": file, "content_hash": _hash(data)})
