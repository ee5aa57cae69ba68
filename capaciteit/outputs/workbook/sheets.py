"""The sheets of a run's workbook besides the summary and the PMJ: per year,
per month, the scenario's settings and the sources of its figures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from capaciteit.outputs.capacity import need
from capaciteit.outputs.i18n import N_, translations
from capaciteit.outputs.workbook.cells import (
    INT,
    LEVEL,
    WRAP,
    YEAR,
    Col,
    header,
    present_columns,
    put,
    table,
)
from capaciteit.outputs.workbook.columns import MONTHLY_COLUMNS, yearly_columns
from capaciteit.run.results import monthly_summary, yearly_summary
from capaciteit.scenario import Scenario
from capaciteit.scenario.provenance import data_sources, scenario_notes


def yearly_table(ds: xr.Dataset, risk: float = 0.05) -> pd.DataFrame:
    """The rows of the yearly sheet: :func:`~capaciteit.run.results.yearly_summary`
    with the places needed at ``risk`` and the gap of
    :func:`~capaciteit.outputs.capacity.need` beside them (per year and unit)."""
    ys = yearly_summary(ds)
    ys["unit"] = ys["unit"].astype(str)
    nd = need(ds, risk=risk, level=LEVEL)
    nd = nd[["year", "unit", "needed", "needed_low", "needed_high", "current", "gap"]]
    out = ys.merge(nd, on=["year", "unit"], how="left", validate="one_to_one")
    keys = [c.key for c in yearly_columns(risk)]
    return out[[k for k in keys if k in out.columns] + [k for k in out if k not in keys]]


def flatten_settings(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested settings as ``(dotted key, value)`` rows: tables by dotted keys,
    lists of named tables by name (``unit[closed].capacity``), other lists of
    tables by position from 1, lists of plain values as one text; an empty
    table or list gives ``None``."""
    if isinstance(data, dict):
        if not data:
            return [(prefix, None)]
        out: list[tuple[str, Any]] = []
        for k, v in data.items():
            out += flatten_settings(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(data, list | tuple):
        if not data:
            return [(prefix, None)]
        if all(isinstance(x, dict) for x in data):
            names = [x.get("name") for x in data]
            named = all(isinstance(n, str) and n for n in names) and len(set(names)) == len(data)
            out = []
            for i, x in enumerate(data, start=1):
                if named:
                    x = {k: v for k, v in x.items() if k != "name"}
                out += flatten_settings(x, f"{prefix}[{names[i - 1] if named else i}]")
            return out
        return [(prefix, ", ".join(_plain(x) for x in data))]
    return [(prefix, data)]


def _plain(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    if isinstance(x, dt.date):
        return x.isoformat()
    return str(x)


def created(text: str) -> dt.datetime | str:
    """The run's ISO timestamp as a naive UTC datetime (Excel has no time zones)."""
    try:
        t = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return str(text)
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC).replace(tzinfo=None)
    return t


def frame_sheet(ws: Worksheet, frame: pd.DataFrame, spec: list[Col], lang: str) -> None:
    cols = present_columns(frame, spec)
    values = [frame[c.key].to_numpy(dtype=object) for c in cols]
    table(ws, cols, zip(*values, strict=True), lang, freeze_cols=2)


def yearly_sheet(ws: Worksheet, ds: xr.Dataset, risk: float, lang: str) -> None:
    """Per year and unit or pool; a partial year is greyed and in italics, so its
    euros are not read as a whole year's."""
    frame = yearly_table(ds, risk)
    frame_sheet(ws, frame, yearly_columns(risk, lang), lang)
    partial = Font(italic=True, color="808080")
    for r, days in enumerate(frame["days"].tolist(), start=2):
        if days < 365:
            for cell in ws[r]:
                cell.font = partial


def monthly_sheet(ws: Worksheet, ds: xr.Dataset, lang: str) -> None:
    frame = monthly_summary(ds)
    frame["unit"] = frame["unit"].astype(str)
    frame["month"] = [dt.date(int(m[:4]), int(m[5:7]), 1) for m in frame["month"]]
    frame_sheet(ws, frame, MONTHLY_COLUMNS, lang)


def settings_sheet(ws: Worksheet, ds: xr.Dataset, scenario: Scenario | None, lang: str) -> None:
    """The scenario as it was run, one setting a row, then the run's own facts."""
    _ = translations(lang).gettext
    rows = flatten_settings(scenario.to_data()) if scenario is not None else []
    run: dict[str, Any] = {
        k: ds.attrs[k]
        for k in (
            "seed",
            "replications",
            "start_stock",
            "start_stock_kind",
            "start_stock_source",
            "scenario_hash",
            "capaciteit_version",
            "created_at",
        )
        if k in ds.attrs
    }
    try:
        run["calibration"] = json.loads(ds.attrs.get("calibration") or "{}") or None
    except (TypeError, ValueError):
        run["calibration"] = str(ds.attrs.get("calibration"))
    if run.get("calibration") is None:
        run.pop("calibration", None)
    rows += flatten_settings(run, "run")
    none = _("(none)")
    cols = [
        Col(
            "key",
            N_("Setting"),
            None,
            N_(
                "key as in the scenario file; [name] picks a unit, stream, ...; run.*: facts of "
                "the run itself"
            ),
        ),
        Col("value", N_("Value")),
    ]
    if scenario is None:
        rows.insert(0, ("scenario", _("(not given)")))
    table(ws, cols, ((k, none if v is None else v) for k, v in rows), lang)
    ws.column_dimensions["B"].width = max(ws.column_dimensions["B"].width or 0, 14)


def sources_sheet(ws: Worksheet, notes_path: Path | None, lang: str) -> None:
    """Where each figure comes from: the scenario's labelled comments, then the
    published data the model is fitted to (links clickable)."""
    _ = translations(lang).gettext
    note_cols = [
        Col("file", N_("File")),
        Col("line", N_("Line"), YEAR),
        Col(
            "label",
            N_("Label"),
            None,
            N_(
                "SOURCED: from a source; DERIVED: computed from sources; ASSUMPTION: assumed; "
                "HYPOTHETICAL: made-up example"
            ),
        ),
        Col("where", N_("Where"), None, N_("table (and name) and key the note sits at")),
        Col("text", N_("Note")),
    ]
    data_cols = [
        Col("file", N_("File")),
        Col("figures", N_("Figures"), INT, N_("number of figures from this source")),
        Col("years", N_("Years")),
        Col("source", N_("Source")),
        Col("url", N_("URL")),
    ]
    r = 1
    ws.cell(
        row=r,
        column=1,
        value=_("Labelled notes in the scenario files"),
    ).font = Font(bold=True, size=12)
    r += 1
    header(ws, r, note_cols, lang)
    notes = scenario_notes(notes_path) if notes_path is not None else []
    if not notes:
        r += 1
        ws.cell(
            row=r,
            column=1,
            value=_("(no scenario file given)"),
        )
    for n in notes:
        r += 1
        for j, c in enumerate(note_cols, start=1):
            put(ws, r, j, getattr(n, c.key), c.fmt).alignment = WRAP
    r += 2
    ws.cell(
        row=r,
        column=1,
        value=_("Published data shipped with the model"),
    ).font = Font(bold=True, size=12)
    r += 1
    header(ws, r, data_cols, lang)
    for rec in data_sources().to_dict("records"):
        r += 1
        for j, c in enumerate(data_cols, start=1):
            cell = put(ws, r, j, rec[c.key], c.fmt)
            cell.alignment = WRAP
            if c.key == "url" and str(rec["url"]).startswith(("http://", "https://")):
                cell.hyperlink = str(rec["url"])
                cell.style = "Hyperlink"
    for col, width in zip("ABCDE", (40, 8, 14, 40, 90), strict=True):
        ws.column_dimensions[col].width = width
