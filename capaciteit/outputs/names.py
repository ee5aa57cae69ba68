"""How a unit is named for a reader: the scenario's own ``label``, else the
shipped names in the catalogs' words and the Dutch abbreviations as written; a
scenario whose labels a report could not tell apart is refused when it is read
(:func:`load_readable`, how every command reads one); and a scenario's own words
as a figure shows them (:func:`verbatim`)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from pathlib import Path

import xarray as xr

from capaciteit.errors import ScenarioError
from capaciteit.outputs.i18n import N_, languages, translations
from capaciteit.scenario import Scenario, load_scenario, reads_as

UNITS: dict[str, str] = {
    "total": N_("total (all cells)"),
    "closed": N_("closed regime (men)"),
    "closed_women": N_("closed regime (women)"),
}
ABBREVIATIONS = {a.lower(): a for a in ("BBA", "TA", "AIT", "EBI", "PP", "HvB", "ISD")}
"""Dutch abbreviations as they are written (docs/glossary.md)."""


def unit_label(unit: str, lang: str = "en", own: Mapping[str, str] | None = None) -> str:
    """A unit's name for a reader: the scenario's own ``label`` for it (``own``:
    :func:`own_labels` of a run), else the shipped names in the catalog's words,
    the Dutch abbreviations as written (BBA, HvB), any other as the scenario has it."""
    unit = str(unit)
    if own and own.get(unit):
        return own[unit]
    if unit in UNITS:
        return translations(lang).gettext(UNITS[unit])
    return ABBREVIATIONS.get(unit.lower(), unit)


def own_labels(ds: xr.Dataset) -> dict[str, str]:
    """The units' ``label`` keys of the scenario a dataset ran, by unit name (none
    in a dataset written before they existed)."""
    try:
        labels = json.loads(ds.attrs.get("unit_labels", "{}"))
    except (TypeError, ValueError):
        return {}
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def label_clashes(scenario: Scenario) -> list[tuple[str, str]]:
    """``(key, problem)`` for each unit whose ``label`` reads, in some language of
    the catalogs, as another unit's name for a reader or as the total's (the
    scenario's own check compares labels with names; the catalogs' words, such
    as "totaal (alle cellen)", are known here)."""
    own = scenario.unit_labels()
    names = [u.name for u in scenario.unit] + ["total"]
    problems = []
    for lang in languages():
        seen: dict[str, str] = {}
        for name in names:
            shown = unit_label(name, lang, own)
            key = reads_as(shown)
            other = seen.setdefault(key, name)
            if other == name or (name not in own and other not in own):
                continue
            who, whom = (name, other) if name in own else (other, name)
            what = "the total" if whom == "total" else f"unit {whom!r}"
            problems.append(
                (
                    f"unit {who!r}.label",
                    f"reads as {what} in the {lang!r} report ({shown!r}): a reader could "
                    "not tell them apart",
                )
            )
    return list(dict.fromkeys(problems))


def load_readable(path: str | Path) -> Scenario:
    """:func:`~capaciteit.scenario.load_scenario`, refusing a scenario whose unit
    labels a report could not tell apart (:func:`label_clashes`) as any other
    mistake in it: how every command and ``make forecast`` read a scenario."""
    sc = load_scenario(path)
    problems = label_clashes(sc)
    if problems:
        raise ScenarioError([(str(path), key, message) for key, message in problems])
    return sc


def verbatim(text: str, width: int | None = None) -> str:
    """A scenario's own words (a unit's label, a PMJ edition's name) as a figure
    shows them: a ``$`` as itself, not the start of matplotlib's mathtext (which
    fails on a formula it does not know), and wrapped at ``width`` characters."""
    text = str(text)
    if width is not None and len(text) > width:
        text = textwrap.fill(text, width, break_long_words=True)
    return text.replace("$", r"\$")
