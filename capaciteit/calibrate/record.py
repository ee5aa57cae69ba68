"""The calibration as a record: its fields and JSON, what in a scenario it
depends on (:func:`structure_hash`), and the stored file that a run reads
instead of fitting again (:func:`stored`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from capaciteit.calibrate.context import banded
from capaciteit.calibrate.forecast import Combination
from capaciteit.data import history
from capaciteit.errors import ScenarioError
from capaciteit.scenario import Scenario
from capaciteit.sim.policies import known_at
from capaciteit.version import __version__


@dataclass
class Calibration:
    """What ``capaciteit calibrate`` finds, as plain data."""

    scenario: str
    origin: str
    structure_hash: str
    data_sha256: dict[str, str]
    inflow: dict
    reconstruction: dict
    forecast: dict
    stays: dict
    overlay: dict
    version: str = __version__
    demand: dict | None = None
    """The stock the stays are fitted to: the observed one, or in a full period
    the observed one plus the hidden demand (:mod:`capaciteit.calibrate.censored`)."""
    fitted: Combination | None = field(default=None, repr=False, compare=False)

    state: dict | None = None
    """The fitted candidates with their weights and spreads, every number as
    fitted (JSON keeps a float's exact value): a run reads it instead of fitting
    again, so its forecast draws never depend on the machine's linear algebra."""

    def to_json(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if k != "fitted"}
        return json.dumps(data, indent=1, default=_plain) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        cal = cls(**json.loads(text))
        if isinstance(cal.state, dict) and {"fits", "band"} <= set(cal.state):
            cal.fitted = Combination.from_dict(cal.state)
        # a file from before the combination or the band is fitted again
        return cal


def _plain(x):
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, dt.date):
        return x.isoformat()
    raise TypeError(type(x))


def structure_hash(sc: Scenario) -> str:
    """What a calibration depends on in a scenario: the streams, the release
    rules, the end phases, which units are cells and the re-entry loop. Not the capacities, costs,
    dates of the run or names: changing those keeps the calibration. Only what
    stood at the forecast origin counts (:func:`~capaciteit.sim.policies.known_at`):
    a scenario that changes rates or adds policies after it shares the calibration
    of its base, and so its replications until the change."""
    if sc.forecast.origin is not None:
        sc = known_at(sc, sc.forecast.origin)
    data = sc.to_dict()
    used = {
        "stream": data["stream"],
        "release": data["release"],
        "placement": data.get("placement", []),
        "unit": [
            {"name": u["name"], "occupies_cell": u.get("occupies_cell", True)} for u in data["unit"]
        ],
    }
    if data.get("reentry") is not None:  # the loop changes the simulated spread: the band
        used["reentry"] = data["reentry"]
    return hashlib.sha256(json.dumps(used, sort_keys=True).encode()).hexdigest()[:16]


def stored(sc: Scenario, path: Path | None) -> Calibration | None:
    """The calibration in ``path`` when it fits this scenario, its origin and the
    shipped data (None: it must be fitted)."""
    if path is None or not path.is_file() or not banded():
        return None
    try:
        cal = Calibration.from_json(path.read_text())
    except (ValueError, TypeError) as e:
        raise ScenarioError([(str(path), "", f"not a calibration file: {e}")]) from None
    if (
        cal.structure_hash == structure_hash(sc)
        and cal.data_sha256 == history.data_files()
        and cal.origin == sc.forecast.origin.isoformat()
    ) and cal.fitted is not None:
        return cal
    return None
