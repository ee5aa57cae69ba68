"""The comparison workbook: each alternative's paired differences against the
base, behind a front sheet that says how to read them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from capaciteit.outputs.i18n import N_, check_lang, translations
from capaciteit.outputs.workbook.cells import (
    DEC,
    HEADER_BORDER,
    HEADER_FILL,
    HEADER_FONT,
    INT,
    WRAP,
    YEAR,
    euro_cells,
    fit_widths,
    header,
    present_columns,
    put,
    save,
)
from capaciteit.outputs.workbook.columns import COMPARE_COLUMNS, METRIC_LABELS

COMPARE_FRONT = N_("About")
"""The comparison workbook's front sheet."""


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def safe_sheet_name(name: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (at most 31 characters, none of ``[]:*?/\\``,
    no apostrophe at the ends, not 'History') and unlike those in ``taken``
    (compared without case, as Excel does); adds it to ``taken``."""
    base = _BAD_SHEET_CHARS.sub("_", str(name))[:31].strip("'").strip() or "sheet"
    candidate, k = base, 2
    while candidate.lower() in taken or candidate.lower() == "history":
        suffix = f" ({k})"
        candidate = base[: 31 - len(suffix)].rstrip("'") + suffix
        k += 1
    taken.add(candidate.lower())
    return candidate


def compare_front(
    ws: Worksheet,
    base_name: str,
    sheets: dict[str, str],
    n: int,
    seed: int,
    lang: str,
    titles: Mapping[str, str] | None = None,
    price_level: int | None = None,
) -> None:
    _ = translations(lang).gettext
    titles = titles or {}
    ws.cell(
        row=1,
        column=1,
        value=_("Comparison with {base}").format(base=base_name),
    ).font = Font(bold=True, size=14)
    facts = [
        (_("Base"), base_name, None),
        (_("Question of the base"), titles.get(base_name, ""), None),
        (_("Replications"), n, INT),
        (_("Seed"), seed, YEAR),
        (
            _("Price level of the costs"),
            price_level if price_level is not None else _("not given"),
            YEAR,
        ),
    ]
    r = 3
    for label, value, fmt in facts:
        ws.cell(row=r, column=1, value=label).font = HEADER_FONT
        put(ws, r, 2, value, fmt).alignment = Alignment(horizontal="left")
        r += 1
    r += 1
    text = _(
        "Each alternative was run with the same seed ({seed}) and the same number of "
        "replications ({n}) as the base. Replication r of every scenario draws its random numbers "
        "from the same streams (common random numbers): where the scenarios agree they get the "
        "same arrivals and stays, so a difference comes from the policy, not from chance. "
        "Differences are taken replication by replication and averaged; low and high bound the "
        "95% confidence interval of that mean difference (t over the replications). An interval "
        "that excludes zero means the difference is not a chance result of the simulation; it "
        "says nothing about the uncertainty of assumptions both scenarios share. Shortage "
        "probabilities and their differences are in percentage points."
    ).format(seed=seed, n=n)
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
    cell = ws.cell(row=r, column=1, value=text)
    cell.alignment = WRAP
    ws.row_dimensions[r].height = 150
    r += 2
    for j, text in enumerate(
        (_("Alternative"), _("Sheet"), _("Question")),
        start=1,
    ):
        c = ws.cell(row=r, column=j, value=text)
        c.font, c.fill, c.border = HEADER_FONT, HEADER_FILL, HEADER_BORDER
    for name, sheet in sheets.items():
        r += 1
        ws.cell(row=r, column=1, value=name)
        link = ws.cell(row=r, column=2, value=sheet)
        link.hyperlink = f"#'{sheet}'!A1"
        link.style = "Hyperlink"
        ws.cell(row=r, column=3, value=titles.get(name, "")).alignment = WRAP
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 60


def compare_sheet(ws: Worksheet, table: pd.DataFrame, lang: str) -> None:
    """The paired differences per year, unit or pool and metric; a partial
    year is greyed and in italics, as on the yearly sheet."""
    _ = translations(lang).gettext
    cols = present_columns(table, COMPARE_COLUMNS)
    header(ws, 1, cols, lang)
    partial = Font(italic=True, color="808080")
    yes, no = _("yes"), _("no")
    r = 1
    for r, rec in enumerate(table.to_dict("records"), start=2):
        metric = str(rec.get("metric", ""))
        name, fmt = METRIC_LABELS.get(metric, (metric, DEC))
        for j, c in enumerate(cols, start=1):
            v = rec[c.key]
            if c.key == "unit":
                v = str(v)
            if c.key == "metric":
                v = _(name)
            if c.key == "pool":
                v = yes if bool(v) else no
            cell = put(ws, r, j, v, c.fmt or fmt)
            if "days" in rec and rec["days"] < 365:
                cell.font = partial
    ws.freeze_panes = "D2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(r, 2)}"
    fit_widths(ws)


def write_compare_workbook(
    tables: dict[str, pd.DataFrame],
    base_name: str,
    path: str | Path,
    *,
    n: int,
    seed: int,
    lang: str = "nl",
    titles: Mapping[str, str] | None = None,
    price_level: int | None = None,
) -> Path:
    """Write the paired differences of each alternative against the base
    (:func:`capaciteit.run.compare.paired`), one sheet per alternative, behind a
    front sheet that says how to read them. Returns the path."""
    wb = Workbook()
    front = wb.active
    front.title = translations(check_lang(lang)).gettext(COMPARE_FRONT)
    taken = {front.title.lower()}
    sheets = {name: safe_sheet_name(name, taken) for name in tables}
    compare_front(front, base_name, sheets, n, seed, lang, titles, price_level)
    for name, table in tables.items():
        compare_sheet(wb.create_sheet(sheets[name]), table, lang)
    return save(euro_cells(wb, lang), path)
