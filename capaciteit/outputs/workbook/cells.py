"""The cells of a workbook: number formats, columns with their texts, tables
with a frozen header and a filter, widths that fit, and a save that never
leaves half a file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from babel.numbers import get_currency_symbol
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from capaciteit.outputs.formats import CURRENCY
from capaciteit.outputs.i18n import Text, locale, translate_text

LEVEL = 0.9  # confidence level of the places-needed interval (capacity.need's default)

# Excel number formats; separators are written US-style and Excel shows them in
# the reader's locale (the workbook holds numbers, never formatted text)
INT = "#,##0"
DEC = "#,##0.0"
PCT = "0.0%"
EUR = '"€" #,##0'
"""Whole euros: a column or figure marks its cells so, and :func:`euro_cells`
gives them the currency format of the workbook's language (:func:`euro_format`)."""
YEAR = "0"
DATE = "yyyy-mm-dd"
MONTH = "yyyy-mm"
DATETIME = "yyyy-mm-dd hh:mm"

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
HEADER_BORDER = Border(bottom=Side(style="thin"))
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclasses.dataclass(frozen=True)
class Col:
    """A column of a sheet: the key in the frame, its header and help in English
    (marked ``N_``; the help goes into a comment on the header cell), its number
    format, and the values of the {fields} in the header and help."""

    key: str
    text: Text
    fmt: str | None = None
    note: Text = ""
    fill: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def _say(self, text: Text, lang: str) -> str:
        if not text:
            return ""
        said = translate_text(text, lang)
        return said.format(**self.fill) if self.fill else said

    def label(self, lang: str) -> str:
        """The header in ``lang``."""
        return self._say(self.text, lang)

    def help(self, lang: str) -> str:
        """What the column means, in ``lang``."""
        return self._say(self.note, lang)


def euro_format(lang: str) -> str:
    """The Excel number format of whole euros in ``lang``: Babel's (CLDR's)
    currency pattern for the catalog's locale, its layout kept (where the
    symbol, the space and the minus go) and its number written ``#,##0``, as
    Excel wants it whatever the locale (no decimals; a non-breaking space a
    plain one). nl_NL: ``"€ "#,##0;"€ -"#,##0`` (€ 1.234, € -1.234); en_GB:
    ``"€"#,##0`` (€1,234, -€1,234, Excel's own minus); de_DE: ``#,##0" €"``."""
    pattern = locale(lang).currency_formats["standard"]
    symbol = get_currency_symbol(CURRENCY, locale(lang))

    def text(affix: str) -> str:
        said = affix.replace("¤", symbol).replace("\xa0", " ").replace("\u202f", " ")
        return f'"{said}"' if said else ""  # quoted: Excel shows it as it is

    (pos, neg), (pos_end, neg_end) = pattern.prefix, pattern.suffix
    positive = f"{text(pos)}#,##0{text(pos_end)}"
    if neg == f"-{pos}" and neg_end == pos_end:
        return positive  # the minus in front: Excel writes it itself
    return f"{positive};{text(neg)}#,##0{text(neg_end)}"


def euro_cells(wb: Workbook, lang: str) -> Workbook:
    """Give every cell marked :data:`EUR` the euro format of ``lang``, once a
    workbook is written (its widths were fitted on the mark)."""
    fmt = euro_format(lang)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.number_format == EUR:
                    cell.number_format = fmt
    return wb


def present_columns(frame: pd.DataFrame, spec: list[Col]) -> list[Col]:
    """The spec's columns the frame has, then any new ones under their own key,
    so a column added to a summary later still reaches the planner."""
    known = {c.key for c in spec}
    return [c for c in spec if c.key in frame.columns] + [
        Col(str(k), str(k)) for k in frame.columns if k not in known
    ]


def value_of(v: Any) -> Any:
    """A value openpyxl writes as a number, date or text; missing: an empty cell."""
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.datetime64):
        return pd.Timestamp(v).to_pydatetime()
    if isinstance(v, dt.datetime | dt.date | str):
        return v
    return str(v)


def put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None):
    """Write one cell; a number or date gets ``fmt`` (dates get a date format anyway)."""
    cell = ws.cell(row=row, column=col, value=value_of(value))
    v = cell.value
    if isinstance(v, dt.datetime | dt.date):
        cell.number_format = fmt if fmt in (DATE, MONTH, DATETIME) else DATE
    elif fmt and isinstance(v, int | float) and not isinstance(v, bool):
        cell.number_format = fmt
    return cell


def header(ws: Worksheet, row: int, cols: Sequence[Col], lang: str) -> None:
    """A header row in ``lang``; each column's meaning in a comment on its cell."""
    for j, c in enumerate(cols, start=1):
        cell = ws.cell(row=row, column=j, value=c.label(lang))
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, HEADER_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        if c.help(lang):
            cell.comment = Comment(c.help(lang), "capaciteit", width=320, height=90)


def table(
    ws: Worksheet,
    cols: Sequence[Col],
    rows: Iterable[Sequence[Any]],
    lang: str,
    *,
    freeze_cols: int = 0,
) -> int:
    """A table from row 1: header frozen, autofilter on; returns the last row."""
    header(ws, 1, cols, lang)
    r = 1
    for r, values in enumerate(rows, start=2):
        for j, (c, v) in enumerate(zip(cols, values, strict=True), start=1):
            put(ws, r, j, v, c.fmt)
    ws.freeze_panes = ws.cell(row=2, column=freeze_cols + 1)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(r, 2)}"
    fit_widths(ws)
    return r


def shown_width(v: Any, fmt: str | None) -> int:
    """Characters a value takes on screen, roughly, in its format."""
    if v is None:
        return 0
    if isinstance(v, dt.datetime | dt.date):
        return 16 if fmt == DATETIME else 10
    if isinstance(v, bool):
        return 5
    if isinstance(v, int | float):
        if fmt == PCT:
            return 7
        if fmt in (INT, EUR, YEAR):
            return len(f"{v:,.0f}") + (2 if fmt == EUR else 0)
        return len(f"{v:,.1f}") if fmt == DEC else len(f"{v:g}")
    return max((len(s) for s in str(v).splitlines()), default=0)


def fit_widths(ws: Worksheet, lo: int = 6, hi: int = 60, header_max: int = 18) -> None:
    """Column widths from the contents; long headers wrap rather than widen."""
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            w = shown_width(cell.value, cell.number_format)
            if cell.font is not None and cell.font.bold and cell.row == 1:
                w = min(w, header_max)
            widths[cell.column] = max(widths.get(cell.column, 0), w)
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(w + 2, lo), hi)


def save(wb: Workbook, path: str | Path) -> Path:
    """Save beside the target, then rename: the path holds the old file or the
    whole new one, never part of one; the temporary file goes on failure."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        wb.save(tmp)
        tmp.chmod(0o644)  # mkstemp's 0600 would hide the workbook from colleagues
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
