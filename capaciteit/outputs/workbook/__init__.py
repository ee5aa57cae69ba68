"""``workbook.xlsx``: a run's figures for budget planners.

Planners work in a spreadsheet: they filter, add up and paste into their own
sheets. So every figure here is a number cell (never text) with a number
format, taken from the same functions as ``yearly.csv`` and the report
(:mod:`capaciteit.run.results`, :mod:`capaciteit.outputs.capacity`,
:mod:`capaciteit.outputs.headline`), so the workbook and the report never disagree.
The scenario's settings and the sources of its figures travel in the same
file, so a workbook forwarded by e-mail still says where its numbers come from.
Headers, help and sheet names are in the reader's language, from the catalogs
(:mod:`capaciteit.outputs.i18n`).

The workbook is built in memory and saved to a temporary file beside the
target, then renamed into place: a failure leaves neither a half-written
workbook nor a stray temporary file.

The modules: :mod:`.cells` (formats, columns, tables, saving), :mod:`.columns`
(the yearly, monthly and comparison columns), :mod:`.summary` (the front
sheet), :mod:`.sheets` (per year, per month, settings, sources),
:mod:`.pmj_sheet` and :mod:`.compare` (the comparison workbook).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import xarray as xr
from openpyxl import Workbook

from capaciteit.calibrate.scores import reliability
from capaciteit.outputs.headline import headline
from capaciteit.outputs.i18n import N_, check_lang, translate, translate_text
from capaciteit.outputs.workbook.cells import Col, euro_cells, save
from capaciteit.outputs.workbook.columns import (
    COMPARE_COLUMNS,
    METRIC_LABELS,
    MONTHLY_COLUMNS,
    yearly_columns,
)
from capaciteit.outputs.workbook.compare import safe_sheet_name, write_compare_workbook
from capaciteit.outputs.workbook.pmj_sheet import pmj_sheet, pmj_year_columns
from capaciteit.outputs.workbook.sheets import (
    flatten_settings,
    monthly_sheet,
    settings_sheet,
    sources_sheet,
    yearly_sheet,
    yearly_table,
)
from capaciteit.outputs.workbook.summary import SUMMARY_TEXT, summary_rows, summary_sheet
from capaciteit.scenario import Scenario, load_scenario

SHEETS = {
    "summary": N_("Summary"),
    "yearly": N_("Yearly"),
    "monthly": N_("Monthly"),
    "settings": N_("Settings"),
    "sources": N_("Sources"),
}
PMJ_SHEET = N_("PMJ")
"""Only for a scenario with ``[[pmj]]`` editions, after the monthly sheet."""

# the sheets' writers, looked up here when a workbook is written (tests replace one)
_monthly_sheet = monthly_sheet


def sheet_names(lang: str = "nl", pmj: bool = False) -> list[str]:
    """The sheets of :func:`write_workbook`, in order, in ``lang``; ``pmj``: the
    scenario has PMJ editions, so the PMJ sheet follows the monthly one."""
    names = list(translate(SHEETS, check_lang(lang)).values())
    if pmj:
        names.insert(list(SHEETS).index("monthly") + 1, translate_text(PMJ_SHEET, lang))
    return names


def write_workbook(
    ds: xr.Dataset,
    path: str | Path,
    *,
    scenario: Scenario | None = None,
    scenario_path: str | Path | None = None,
    risk: float = 0.05,
    lang: str = "nl",
    backtest: str | Path | pd.DataFrame | None = None,
) -> Path:
    """Write a run's workbook: summary, per year, per month, PMJ (only for a
    scenario with PMJ editions), settings, sources. ``backtest`` (a back-test's
    ``summary.csv``) adds how far its bands held to the summary.

    ``scenario`` gives the settings sheet (read from ``scenario_path`` when not
    given); ``scenario_path`` (default: the scenario's own file) gives the
    labelled notes of the sources sheet. ``risk`` is the planning risk of the
    places needed. Returns the path.
    """
    check_lang(lang)
    if not 0 < risk < 1:
        raise ValueError("risk must be between 0 and 1")
    if scenario is None and scenario_path is not None:
        scenario = load_scenario(scenario_path)
    if scenario is not None and scenario.name != ds.attrs.get("scenario", scenario.name):
        raise ValueError(
            f"scenario {scenario.name!r} is not the scenario of the run "
            f"({ds.attrs.get('scenario')!r}); its settings would describe another run"
        )
    notes_path = Path(scenario_path) if scenario_path is not None else None
    if notes_path is None and scenario is not None and scenario.source_file:
        if Path(scenario.source_file).is_file():
            notes_path = Path(scenario.source_file)
    wb = Workbook()
    sheets = translate(SHEETS, lang)
    ws = wb.active
    ws.title = sheets["summary"]
    summary_sheet(ws, ds, headline(ds, risk=risk), lang, reliability(backtest))
    yearly_sheet(wb.create_sheet(sheets["yearly"]), ds, risk, lang)
    _monthly_sheet(wb.create_sheet(sheets["monthly"]), ds, lang)
    editions = scenario.pmj_editions() if scenario is not None else []
    if editions:
        pmj_sheet(wb.create_sheet(translate_text(PMJ_SHEET, lang)), ds, editions, lang)
    settings_sheet(wb.create_sheet(sheets["settings"]), ds, scenario, lang)
    sources_sheet(wb.create_sheet(sheets["sources"]), notes_path, lang)
    return save(euro_cells(wb, lang), path)


__all__: Sequence[str] = [
    "COMPARE_COLUMNS",
    "METRIC_LABELS",
    "MONTHLY_COLUMNS",
    "SUMMARY_TEXT",
    "Col",
    "flatten_settings",
    "pmj_year_columns",
    "safe_sheet_name",
    "sheet_names",
    "summary_rows",
    "write_compare_workbook",
    "write_workbook",
    "yearly_columns",
    "yearly_table",
]
