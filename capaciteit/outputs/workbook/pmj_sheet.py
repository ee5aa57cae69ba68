"""The PMJ sheet: the ministry's forecast editions beside the run, where they
part, and each edition scored against CBS."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import xarray as xr
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from capaciteit.outputs import pmj
from capaciteit.outputs.i18n import N_, translate, translations
from capaciteit.outputs.workbook.cells import (
    DEC,
    INT,
    PCT,
    WRAP,
    YEAR,
    Col,
    fit_widths,
    header,
    put,
)
from capaciteit.run.results import yearly_summary

PMJ_TEXT: dict[str, str] = {
    "title": N_("PMJ beside capaciteit"),
    "note": N_(
        "The PMJ (Prognosemodel Justitiële ketens, WODC) is the ministry's capacity "
        "forecast. No edition's table of places could be read, only statements of growth: a "
        "path is DERIVED, the CBS stock of 30 September of its first year grown as the "
        "edition says. The PMJ counts immigration detention, the CBS stock and capaciteit do "
        "not. capaciteit: the yearly mean occupancy of all cells. An empty cell: that source "
        "says nothing about the year (nothing is filled in)."
    ),
    "by_year": N_("By year"),
    "editions": N_(
        "By edition: where capaciteit and the PMJ part (the last year both give, a whole "
        "year of the run where there is one; in whole people as shown)"
    ),
    "score": N_(
        "Scored against CBS: each year of a path with a CBS stock from after the publication "
        "(not the CBS start year)"
    ),
    "none": N_("(no CBS stock yet from after the publication of any of these editions)"),
    "derived": N_("DERIVED"),
}


def pmj_year_columns(editions: Sequence[Any], lang: str) -> list[Col]:
    """The PMJ sheet's table by year: the run's all-cells figures, CBS, each edition."""
    d = translate(PMJ_TEXT, lang)["derived"]
    return [
        Col("year", N_("Year"), YEAR),
        Col(
            "occupancy_p10",
            N_("capaciteit P10"),
            INT,
            N_("mean occupancy of all cells in the year, P10 over the replications"),
        ),
        Col("occupancy_p50", N_("capaciteit P50"), INT),
        Col("occupancy_p90", N_("capaciteit P90"), INT),
        Col(
            "demand_p50",
            N_("Demand P50"),
            INT,
            N_("everyone who would be inside without limits (mean over the year), P50"),
        ),
        Col("days", N_("Days in the run"), INT),
        Col(
            "cbs",
            N_("CBS 30 Sept."),
            INT,
            N_("CBS StatLine 84425NED, detainees on 30 September (no immigration detention)"),
        ),
        *[
            Col(
                e.edition,
                f"PMJ {e.edition}" + (f" ({d})" if pmj.is_derived(e) else ""),
                INT,
                f"{e.statement or ''} ({e.status}; {e.source})",
            )
            for e in editions
        ],
    ]


PMJ_EDITION_COLUMNS = [
    Col("edition", N_("Edition")),
    Col("published", N_("Published")),
    Col(
        "status",
        N_("Status"),
        None,
        N_("VERIFIED: read in the source; REPORTED: second-hand (news)"),
    ),
    Col("statement", N_("Statement")),
    Col(
        "basis",
        N_("Path"),
        None,
        N_("DERIVED: the statement applied to the CBS stock; else a published level"),
    ),
    Col("year", N_("Year compared"), YEAR),
    Col("occupancy_p50", N_("capaciteit P50"), INT),
    Col("pmj", N_("PMJ"), INT),
    Col("difference", N_("Difference"), INT, N_("capaciteit P50 less PMJ, whole people")),
    Col("share", N_("Difference (%)"), PCT, N_("difference divided by PMJ")),
    Col("demand_p50", N_("Demand P50"), INT),
    Col(
        "capped",
        N_("Cells full"),
        None,
        N_("that year demand P50 is above occupancy P50: the places hold occupancy down"),
    ),
    Col("source", N_("Source")),
    Col("url", N_("URL")),
]


PMJ_SCORE_COLUMNS = [
    Col("edition", N_("Edition")),
    Col("published", N_("Published")),
    Col("status", N_("Status")),
    Col("year", N_("Year"), YEAR),
    Col("basis", N_("Basis")),
    Col("pmj", N_("PMJ"), DEC),
    Col("cbs", N_("CBS 30 Sept."), INT),
    Col("error", N_("Error"), DEC, N_("PMJ less CBS")),
    Col("abs_pct_error", N_("Absolute error (%)"), PCT, N_("|PMJ - CBS| / CBS")),
]


def _url(text: str) -> str | None:
    m = re.search(r"https?://\S+", text)
    return m.group(0).rstrip(".,;)") if m else None


def pmj_block(ws: Worksheet, r: int, title: str, cols: Sequence[Col], rows, lang: str) -> int:
    """A titled table from row ``r``; returns the last row written."""
    ws.cell(row=r, column=1, value=title).font = Font(bold=True, size=12)
    header(ws, r + 1, cols, lang)
    r += 1
    for values in rows:
        r += 1
        for j, (c, v) in enumerate(zip(cols, values, strict=True), start=1):
            cell = put(ws, r, j, v, c.fmt)
            if c.key == "url" and isinstance(v, str) and v.startswith(("http://", "https://")):
                cell.hyperlink = v
                cell.style = "Hyperlink"
    return r


def pmj_sheet(ws: Worksheet, ds: xr.Dataset, editions: Sequence[Any], lang: str) -> None:
    """The PMJ editions beside the run: by year (the run's P10/P50/P90 of all cells,
    CBS, each edition's path), where they part per edition, and each edition scored
    against CBS; every value with its source and what it rests on."""
    t = translate(PMJ_TEXT, lang)
    ys = yearly_summary(ds)
    frame = pmj.beside(editions, ys)
    diffs = pmj.differences(editions, ys)
    shown = [d.edition for d in diffs if d.year is not None]
    cols = pmj_year_columns(shown, lang)
    table = frame.reset_index()
    r = pmj_block(
        ws,
        4,
        t["by_year"],
        cols,
        (tuple(row[c.key] for c in cols) for _, row in table.iterrows()),
        lang,
    )
    rows = []
    for d in diffs:
        e = d.edition
        rows.append(
            (
                e.edition,
                str(e.published),
                e.status,
                e.statement,
                "DERIVED" if pmj.is_derived(e) else e.status,
                d.year,
                d.occupancy_p50,
                d.pmj,
                d.difference,
                d.share,
                d.demand_p50,
                translations(lang).gettext("yes") if d.capped else None,
                e.source,
                _url(e.source),
            )
        )
    r = pmj_block(ws, r + 2, t["editions"], PMJ_EDITION_COLUMNS, rows, lang)
    score = pmj.score(editions)
    keys = [c.key for c in PMJ_SCORE_COLUMNS]
    r = pmj_block(ws, r + 2, t["score"], PMJ_SCORE_COLUMNS, score[keys].itertuples(False), lang)
    if score.empty:
        ws.cell(row=r + 1, column=1, value=t["none"])
    fit_widths(ws, hi=40)
    ws.cell(row=1, column=1, value=t["title"]).font = Font(bold=True, size=14)
    note = ws.cell(row=2, column=1, value=t["note"])
    note.alignment = WRAP
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(len(cols), 8))
    ws.row_dimensions[2].height = 75
    ws.freeze_panes = "B6"
