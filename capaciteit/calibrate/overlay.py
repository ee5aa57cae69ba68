"""The overlay: the stream settings a calibration writes (rates scaled to a
level, distributions stretched), and laying them over a scenario (:func:`apply`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from capaciteit.scenario import Scenario, parse_scenario

if TYPE_CHECKING:
    from capaciteit.calibrate.record import Calibration


def _scale_rates(s, origin: dt.date, rate: float):
    """The stream's rate table scaled so that it reads ``rate`` at the origin: the
    calibration sets the level, the scenario's own changes after the origin stay."""
    table = s.rate_per_year
    k = rate / table.value_at(origin) if table.value_at(origin) > 0 else 0.0
    data = table.to_data()
    if isinstance(data, dict):
        return {key: round(v * k, 4) for key, v in data.items()}
    return round(rate, 4)


def _merge_into(overlay: list[dict], name: str, values: dict) -> None:
    for entry in overlay:
        if entry["name"] == name:
            entry.update(values)
            return
    overlay.append({"name": name, **values})


def _scale_spec(spec, k: float) -> dict:
    """A distribution stretched by ``k`` (all its lengths times k)."""
    d = spec.model_dump()
    for key in ("mean_days", "sd_days"):
        if key in d:
            d[key] = round(d[key] * k, 4)
    if d["distribution"] == "fixed":
        d["days"] = round(d["days"] * k, 4)
    if d["distribution"] == "empirical":
        d["days"] = [round(x * k, 4) for x in d["days"]]
    return d


def apply(sc: Scenario, cal: Calibration) -> Scenario:
    """The scenario with the calibration's stream settings laid over it."""
    from capaciteit.scenario import _merge

    # the fit saw each rate as it stood at the origin (one number): the scenario's
    # own table, with its later changes, is scaled to that level
    streams = {s.name: s for s in sc.stream}
    origin = dt.date.fromisoformat(cal.origin)
    overlay = {"stream": [dict(e) for e in cal.overlay.get("stream", [])]}
    for entry in overlay["stream"]:
        if "rate_per_year" in entry and entry["name"] in streams:
            level = float(entry["rate_per_year"])
            entry["rate_per_year"] = _scale_rates(streams[entry["name"]], origin, level)
    data = _merge(sc.to_data(), overlay)
    out = parse_scenario(data, sc.source_file or "<calibrated>")
    return out.model_copy(update={"content_hash": sc.content_hash})
