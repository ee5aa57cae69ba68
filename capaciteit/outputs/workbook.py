"""``workbook.xlsx``: a run's figures for budget planners.

Planners work in a spreadsheet: they filter, add up and paste into their own
sheets. So every figure here is a number cell (never text) with a number
format, taken from the same functions as ``yearly.csv`` and the report
(:mod:`capaciteit.run.results`, :mod:`capaciteit.outputs.capacity`,
:mod:`capaciteit.outputs.headline`), so the workbook and the report never disagree.
The scenario's settings and the sources of its figures travel in the same
file, so a workbook forwarded by e-mail still says where its numbers come from.

The workbook is built in memory and saved to a temporary file beside the
target, then renamed into place: a failure leaves neither a half-written
workbook nor a stray temporary file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from capaciteit.calibrate.backtest import reliability
from capaciteit.outputs import pmj
from capaciteit.outputs.capacity import need
from capaciteit.outputs.headline import LIKELY, OPEN, Headline, headline
from capaciteit.run.results import monthly_summary, run_cautions, yearly_summary
from capaciteit.scenario import Scenario, load_scenario
from capaciteit.scenario.provenance import data_sources, scenario_notes

LANGS = ("nl", "en")
LEVEL = 0.9  # confidence level of the places-needed interval (capacity.need's default)

# Excel number formats; separators are written US-style and shown in the reader's locale
INT = "#,##0"
DEC = "#,##0.0"
PCT = "0.0%"
EUR = '"€" #,##0'
YEAR = "0"
DATE = "yyyy-mm-dd"
MONTH = "yyyy-mm"
DATETIME = "yyyy-mm-dd hh:mm"

SHEETS = {
    "summary": ("Samenvatting", "Summary"),
    "yearly": ("Per jaar", "Yearly"),
    "monthly": ("Per maand", "Monthly"),
    "settings": ("Instellingen", "Settings"),
    "sources": ("Bronnen", "Sources"),
}
COMPARE_FRONT = ("Toelichting", "About")
PMJ_SHEET = ("PMJ", "PMJ")
"""Only for a scenario with ``[[pmj]]`` editions, after the monthly sheet."""

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_HEADER_BORDER = Border(bottom=Side(style="thin"))
_WRAP = Alignment(wrap_text=True, vertical="top")


def _check_lang(lang: str) -> int:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return LANGS.index(lang)


def sheet_names(lang: str = "nl", pmj: bool = False) -> list[str]:
    """The sheets of :func:`write_workbook`, in order, in ``lang``; ``pmj``: the
    scenario has PMJ editions, so the PMJ sheet follows the monthly one."""
    i = _check_lang(lang)
    names = [names[i] for names in SHEETS.values()]
    if pmj:
        names.insert(list(SHEETS).index("monthly") + 1, PMJ_SHEET[i])
    return names


# --------------------------------------------------------------------------- columns


@dataclasses.dataclass(frozen=True)
class Col:
    """A column of a sheet: the key in the frame, its header and help in both
    languages (the help goes into a comment on the header cell), its format."""

    key: str
    nl: str
    en: str
    fmt: str | None = None
    help_nl: str = ""
    help_en: str = ""

    def label(self, lang: str) -> str:
        return self.nl if lang == "nl" else self.en

    def help(self, lang: str) -> str:
        return self.help_nl if lang == "nl" else self.help_en


def _pct_text(p: float, lang: str) -> str:
    """0.05 -> '5%' (Dutch: '2,5%' for 0.025); at most one decimal (29 of 30
    replications: '96,7%', not '96,6667%')."""
    s = f"{round(p * 100, 1):g}%"
    return s.replace(".", ",") if lang == "nl" else s


def yearly_columns(risk: float = 0.05, lang: str = "nl") -> list[Col]:
    """The columns of the yearly sheet; the headers of places needed name the risk."""
    r, lv = _pct_text(risk, lang), _pct_text(LEVEL, lang)
    return [
        Col("year", "Jaar", "Year", YEAR),
        Col(
            "unit",
            "Eenheid",
            "Unit",
            None,
            "een eenheid, een pool van meer eenheden, of 'total': alle cellen samen, een "
            "telling en geen plek om iemand te plaatsen (tekort: in een van de pools)",
            "a unit, a pool of several units, or 'total': all cells together, a count and no "
            "place to put someone (short: in any pool)",
        ),
        Col(
            "days",
            "Dagen",
            "Days",
            YEAR,
            "dagen van het jaar in de run; minder dan 365: onvolledig jaar (ook voor de kosten)",
            "days of the year in the run; under 365: a partial year (costs too)",
        ),
        Col(
            "occupancy_p10",
            "Bezetting P10",
            "Occupancy P10",
            INT,
            "gemiddelde bezetting in het jaar: 10% van de replicaties ligt lager",
            "mean occupancy in the year: 10% of replications are lower",
        ),
        Col(
            "occupancy_p50",
            "Bezetting P50",
            "Occupancy P50",
            INT,
            "gemiddelde bezetting in het jaar: de mediaan over de replicaties",
            "mean occupancy in the year: the median over replications",
        ),
        Col(
            "occupancy_p90",
            "Bezetting P90",
            "Occupancy P90",
            INT,
            "gemiddelde bezetting in het jaar: 90% van de replicaties ligt lager",
            "mean occupancy in the year: 90% of replications are lower",
        ),
        Col(
            "demand_p50",
            "Vraag P50",
            "Demand P50",
            INT,
            "bezetting plus wie een plaats nodig heeft en die niet krijgt (wachtlijst, niet "
            "opgeroepen en wie na hen terug zou komen, politiecel, eerder heengezonden): de "
            "mediaan over de replicaties",
            "occupancy plus those who need a place and lack one (waiting list, not called up "
            "and those who would come back after them, police cell, released early): the "
            "median over replications",
        ),
        Col(
            "demand_p10",
            "Vraag P10",
            "Demand P10",
            INT,
            "de vraag: 10% van de replicaties ligt lager",
            "demand: 10% of replications are lower",
        ),
        Col(
            "demand_p90",
            "Vraag P90",
            "Demand P90",
            INT,
            "de vraag: 90% van de replicaties ligt lager",
            "demand: 90% of replications are lower",
        ),
        Col(
            "unplaced_mean",
            "Zonder plaats (gem.)",
            "Lacking a place (mean)",
            INT,
            "gemiddeld aantal dat een plaats nodig heeft en die niet krijgt",
            "mean number who need a place and lack one",
        ),
        Col(
            "capacity",
            "Bruikbare plaatsen (gem.)",
            "Usable places (mean)",
            INT,
            "plaatsen volgens plan maal het bruikbare deel, gemiddeld over het jaar",
            "planned places times the usable share, averaged over the year",
        ),
        Col(
            "current",
            "Bruikbare plaatsen (laagste)",
            "Usable places (lowest)",
            INT,
            "de laagste bruikbare capaciteit in het jaar; basis van het tekort",
            "the lowest usable capacity in the year; the basis of the gap",
        ),
        Col(
            "threshold",
            "Tekortgrens",
            "Shortage threshold",
            INT,
            "bruikbare plaatsen min de operationele marge; bezetting erboven is een tekort",
            "usable places less the operational margin; occupancy above it is a shortage",
        ),
        Col(
            "needed",
            f"Nodig bij risico {r}",
            f"Needed at {r} risk",
            INT,
            f"bruikbare plaatsen waarmee de kans op minstens één tekortdag in het jaar {r} is",
            f"usable places that keep the probability of a shortage day in the year at {r}",
        ),
        Col(
            "needed_low",
            f"Nodig, ondergrens {lv}",
            f"Needed, low {lv}",
            INT,
            f"ondergrens van het {lv}-betrouwbaarheidsinterval (eindig aantal replicaties)",
            f"lower bound of the {lv} confidence interval (finite number of replications)",
        ),
        Col(
            "needed_high",
            f"Nodig, bovengrens {lv}",
            f"Needed, high {lv}",
            INT,
            f"bovengrens van het {lv}-betrouwbaarheidsinterval (eindig aantal replicaties)",
            f"upper bound of the {lv} confidence interval (finite number of replications)",
        ),
        Col(
            "gap",
            "Tekort aan plaatsen",
            "Places short",
            INT,
            "nodig min de laagste bruikbare capaciteit van het jaar; negatief: plaatsen over",
            "needed less the lowest usable capacity of the year; negative: places to spare",
        ),
        Col(
            "p_shortage",
            "Kans op tekort",
            "P(shortage)",
            PCT,
            "aandeel replicaties met minstens één dag bezetting boven de tekortgrens",
            "share of replications with at least one day of occupancy above the threshold",
        ),
        Col(
            "euros_mean",
            "Kosten gemiddeld",
            "Cost mean",
            EUR,
            "bezette plaatsen maal kosten per dag plus bruikbare plaatsen maal kosten per plaats",
            "occupied places times cost per day plus usable places times cost per place",
        ),
        Col(
            "euros_p10",
            "Kosten P10",
            "Cost P10",
            EUR,
            "kosten in het jaar: 10% van de replicaties ligt lager",
            "cost in the year: 10% of replications are lower",
        ),
        Col(
            "euros_p90",
            "Kosten P90",
            "Cost P90",
            EUR,
            "kosten in het jaar: 90% van de replicaties ligt lager",
            "cost in the year: 90% of replications are lower",
        ),
        Col(
            "pmj",
            "PMJ",
            "PMJ",
            INT,
            "PMJ-raming (WODC) voor het jaar, uit het scenario; leeg: niet opgegeven",
            "PMJ figure (WODC) for the year, from the scenario; empty: none given",
        ),
        Col(
            "gap_pmj",
            "P50 min PMJ",
            "P50 less PMJ",
            INT,
            "bezetting P50 min de PMJ-raming",
            "occupancy P50 less the PMJ figure",
        ),
        Col(
            "p_above_pmj",
            "Kans piek boven PMJ",
            "P(peak above PMJ)",
            PCT,
            "aandeel replicaties waarin de hoogste bezetting van het jaar boven PMJ ligt",
            "share of replications whose highest occupancy of the year exceeds the PMJ",
        ),
    ]


MONTHLY_COLUMNS = [
    Col("month", "Maand", "Month", MONTH),
    Col("unit", "Eenheid", "Unit"),
    Col(
        "occupancy_p10",
        "Bezetting P10",
        "Occupancy P10",
        INT,
        "gemiddelde bezetting in de maand: 10% van de replicaties ligt lager",
        "mean occupancy in the month: 10% of replications are lower",
    ),
    Col(
        "occupancy_p50",
        "Bezetting P50",
        "Occupancy P50",
        INT,
        "gemiddelde bezetting in de maand: de mediaan",
        "mean occupancy in the month: the median",
    ),
    Col(
        "occupancy_p90",
        "Bezetting P90",
        "Occupancy P90",
        INT,
        "gemiddelde bezetting in de maand: 90% van de replicaties ligt lager",
        "mean occupancy in the month: 90% of replications are lower",
    ),
    Col("occupancy_mean", "Bezetting gemiddeld", "Occupancy mean", INT),
    Col("capacity", "Bruikbare plaatsen (gem.)", "Usable places (mean)", INT),
    Col(
        "p_over_capacity",
        "Kans boven capaciteit",
        "P(over capacity)",
        PCT,
        "aandeel replicaties met minstens één dag bezetting boven de bruikbare plaatsen",
        "share of replications with at least one day above the usable places",
    ),
    Col(
        "p_shortage",
        "Kans op tekort",
        "P(shortage)",
        PCT,
        "aandeel replicaties met minstens één dag boven de tekortgrens",
        "share of replications with at least one day above the shortage threshold",
    ),
    Col(
        "waiting_mean",
        "Wachtenden (gem.)",
        "Waiting (mean)",
        DEC,
        "personen die op een plaats in de eenheid wachten, gemiddeld",
        "persons waiting for a place in the unit, on average",
    ),
    Col(
        "unplaced_mean",
        "Zonder plaats (gem.)",
        "Lacking a place (mean)",
        DEC,
        "gemiddeld aantal dat een plaats in de eenheid nodig heeft en die niet krijgt",
        "mean number who need a place in the unit and lack one",
    ),
    Col(
        "admissions_mean",
        "Instroom in de maand",
        "Admissions in the month",
        DEC,
        "opnames in de maand (overplaatsingen inbegrepen), gemiddeld over replicaties",
        "admissions in the month (transfers included), mean over replications",
    ),
    Col(
        "returns_mean",
        "Terugkeerders in de maand",
        "Returns in the month",
        DEC,
        "opnames van eerder vrijgelaten mensen (re-entry), gemiddeld over replicaties; "
        "eerste opnames zijn instroom min terugkeerders (totaal)",
        "admissions of people released before (re-entry), mean over replications; first "
        "admissions are admissions less returns (total)",
    ),
    Col(
        "returned_inside_mean",
        "Binnen na terugkeer (gem.)",
        "Inside after a return (mean)",
        DEC,
        "personen in een cel die als terugkeerder binnenkwamen, gemiddeld (alleen totaal)",
        "persons in a cell who came in as a return, on average (total only)",
    ),
]

COMPARE_COLUMNS = [
    Col("year", "Jaar", "Year", YEAR),
    Col(
        "days",
        "Dagen",
        "Days",
        INT,
        "dagen van het jaar in de run; onder 365: een deeljaar (grijs, cursief)",
        "days of the year in the run; under 365: a partial year (grey, italics)",
    ),
    Col("unit", "Eenheid", "Unit"),
    Col(
        "pool",
        "Pool",
        "Pool",
        None,
        "ja: plaatsen die dezelfde mensen kunnen nemen, waarop een tekort wordt beoordeeld; "
        "totaal is alleen een telling",
        "yes: places that can take the same people, where a shortage is judged; total is "
        "only a count",
    ),
    Col("metric", "Maatstaf", "Metric"),
    Col("base", "Basis", "Base", None, "gemiddelde over replicaties", "mean over replications"),
    Col(
        "alternative",
        "Alternatief",
        "Alternative",
        None,
        "gemiddelde over replicaties",
        "mean over replications",
    ),
    Col(
        "difference",
        "Verschil",
        "Difference",
        None,
        "alternatief min basis, replicatie voor replicatie, gemiddeld",
        "alternative less base, replication by replication, averaged",
    ),
    Col(
        "low",
        "Ondergrens 95%",
        "Low 95%",
        None,
        "ondergrens van het 95%-betrouwbaarheidsinterval van het verschil",
        "lower bound of the 95% confidence interval of the difference",
    ),
    Col(
        "high",
        "Bovengrens 95%",
        "High 95%",
        None,
        "bovengrens van het 95%-betrouwbaarheidsinterval van het verschil",
        "upper bound of the 95% confidence interval of the difference",
    ),
]
METRIC_LABELS = {
    "occupancy_mean": ("Gemiddelde bezetting", "Mean occupancy", DEC),
    "shortage": ("Kans op tekort", "P(shortage)", PCT),
    "euros": ("Kosten", "Cost", EUR),
    "waiting_mean": ("Gemiddeld wachtend", "Mean waiting", DEC),
    "unplaced_mean": ("Gemiddeld zonder plaats", "Mean lacking a place", DEC),
    "returns": ("Terugkeerders in het jaar", "Returns in the year", DEC),
}

VERDICTS = {
    "likely": ("Tekort waarschijnlijk", "Shortage likely"),
    "possible": ("Tekort mogelijk", "Shortage possible"),
    "unlikely": ("Tekort onwaarschijnlijk", "Shortage unlikely"),
}


def _columns(frame: pd.DataFrame, spec: list[Col]) -> list[Col]:
    """The spec's columns the frame has, then any new ones under their own key,
    so a column added to a summary later still reaches the planner."""
    known = {c.key for c in spec}
    return [c for c in spec if c.key in frame.columns] + [
        Col(str(k), str(k), str(k)) for k in frame.columns if k not in known
    ]


# --------------------------------------------------------------------------- cells


def _value(v: Any) -> Any:
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


def _put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None):
    """Write one cell; a number or date gets ``fmt`` (dates get a date format anyway)."""
    cell = ws.cell(row=row, column=col, value=_value(value))
    v = cell.value
    if isinstance(v, dt.datetime | dt.date):
        cell.number_format = fmt if fmt in (DATE, MONTH, DATETIME) else DATE
    elif fmt and isinstance(v, int | float) and not isinstance(v, bool):
        cell.number_format = fmt
    return cell


def _header(ws: Worksheet, row: int, cols: Sequence[Col], lang: str) -> None:
    for j, c in enumerate(cols, start=1):
        cell = ws.cell(row=row, column=j, value=c.label(lang))
        cell.font, cell.fill, cell.border = _HEADER_FONT, _HEADER_FILL, _HEADER_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        if c.help(lang):
            cell.comment = Comment(c.help(lang), "capaciteit", width=320, height=90)


def _table(
    ws: Worksheet,
    cols: Sequence[Col],
    rows: Iterable[Sequence[Any]],
    lang: str,
    *,
    freeze_cols: int = 0,
) -> int:
    """A table from row 1: header frozen, autofilter on; returns the last row."""
    _header(ws, 1, cols, lang)
    r = 1
    for r, values in enumerate(rows, start=2):
        for j, (c, v) in enumerate(zip(cols, values, strict=True), start=1):
            _put(ws, r, j, v, c.fmt)
    ws.freeze_panes = ws.cell(row=2, column=freeze_cols + 1)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(r, 2)}"
    _fit_widths(ws)
    return r


def _shown_width(v: Any, fmt: str | None) -> int:
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


def _fit_widths(ws: Worksheet, lo: int = 6, hi: int = 60, header_max: int = 18) -> None:
    """Column widths from the contents; long headers wrap rather than widen."""
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            w = _shown_width(cell.value, cell.number_format)
            if cell.font is not None and cell.font.bold and cell.row == 1:
                w = min(w, header_max)
            widths[cell.column] = max(widths.get(cell.column, 0), w)
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(w + 2, lo), hi)


# --------------------------------------------------------------------------- tables


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


def _created(text: str) -> dt.datetime | str:
    """The run's ISO timestamp as a naive UTC datetime (Excel has no time zones)."""
    try:
        t = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return str(text)
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC).replace(tzinfo=None)
    return t


# --------------------------------------------------------------------------- sheets


# key: (Dutch label, English label, Dutch meaning, English meaning); the fields in
# braces are filled in per run (risk, interval level, the gap year, ...)
SUMMARY_TEXT: dict[str, tuple[str, str, str, str]] = {
    "scenario": (
        "Scenario",
        "Scenario",
        "naam van het scenario (het bestand staat in manifest.json)",
        "name of the scenario (manifest.json names its file)",
    ),
    "title": (
        "Vraag",
        "Question",
        "de vraag die het scenario beantwoordt",
        "the question the scenario answers",
    ),
    "start": ("Begin", "Start", "eerste gesimuleerde dag", "first simulated day"),
    "end": ("Einde", "End", "laatste gesimuleerde dag", "last simulated day"),
    "replications": (
        "Replicaties",
        "Replications",
        "aantal gesimuleerde toekomsten; meer: nauwkeuriger",
        "number of simulated futures; more: more precise",
    ),
    "seed": (
        "Seed",
        "Seed",
        "startgetal van het toeval; dezelfde seed geeft dezelfde uitkomst",
        "random seed; the same seed gives the same result",
    ),
    "start_stock": (
        "Beginbestand",
        "Start stock",
        "gedetineerden op de eerste dag{src}",
        "detainees on the first day{src}",
    ),
    "created": ("Gemaakt (UTC)", "Created (UTC)", "tijdstip van de run", "when the run was made"),
    "version": (
        "Versie",
        "Version",
        "versie van het model (capaciteit)",
        "version of the model (capaciteit)",
    ),
    "unit": (
        "Pool",
        "Pool",
        "de cijfers hieronder gelden voor de pool die bindt (plaatsen die dezelfde mensen kunnen "
        "opnemen): het ergste oordeel, dan het vroegste jaar, dan de meeste plaatsen tekort",
        "the figures below are for the pool that binds (places that can take the same people): "
        "the worst verdict, then the earliest year, then the most places short",
    ),
    "pools": (
        "Alle pools",
        "Every pool",
        "het oordeel per pool, de bindende eerst; het totaal is geen plek om iemand te plaatsen",
        "the verdict per pool, the binding one first; the total is no place to put someone",
    ),
    "risk": (
        "Planningsrisico",
        "Planning risk",
        "aanvaarde kans op minstens één tekortdag in een jaar",
        "accepted probability of at least one shortage day in a year",
    ),
    "verdict": (
        "Oordeel",
        "Verdict",
        "waarschijnlijk: in een jaar een kans op tekort van {half} of meer; mogelijk: "
        "{risk} of meer; onwaarschijnlijk: in geen jaar {risk}",
        "likely: some year has a shortage probability of {half} or more; possible: "
        "{risk} or more; unlikely: no year reaches {risk}",
    ),
    "first_year": (
        "Eerste jaar",
        "First year",
        "eerste jaar waarin de kans op tekort de drempel van het oordeel haalt",
        "first year in which the shortage probability reaches the verdict's threshold",
    ),
    "first_p": (
        "Kans in dat jaar",
        "Probability that year",
        "kans op minstens één tekortdag in dat jaar",
        "probability of at least one shortage day in that year",
    ),
    "peak_year": (
        "Jaar met de hoogste kans",
        "Year of highest probability",
        "het jaar waarin een tekort het waarschijnlijkst is",
        "the year in which a shortage is most likely",
    ),
    "peak_p": (
        "Hoogste kans",
        "Highest probability",
        "kans op minstens één tekortdag in dat jaar",
        "probability of at least one shortage day in that year",
    ),
    "gap_year": (
        "Jaar met het grootste tekort",
        "Year of largest gap",
        "het jaar dat de meeste plaatsen boven de bruikbare nodig heeft",
        "the year that needs the most places beyond the usable ones",
    ),
    "needed": (
        "Plaatsen nodig bij risico {risk}",
        "Places needed at {risk} risk",
        "bruikbare plaatsen waarmee de kans op een tekortdag in {gy} {risk} blijft",
        "usable places that keep the probability of a shortage day in {gy} at {risk}",
    ),
    "needed_low": (
        "Nodig, ondergrens {lv}",
        "Needed, low {lv}",
        "ondergrens van het {lv}-betrouwbaarheidsinterval (eindig aantal replicaties)",
        "lower bound of the {lv} confidence interval (finite number of replications)",
    ),
    "needed_high": (
        "Nodig, bovengrens {lv}",
        "Needed, high {lv}",
        "bovengrens van het {lv}-betrouwbaarheidsinterval",
        "upper bound of the {lv} confidence interval",
    ),
    "gap": (
        "Tekort aan plaatsen",
        "Places short",
        "nodig min de laagste bruikbare capaciteit in {gy}; negatief: plaatsen over",
        "needed less the lowest usable capacity in {gy}; negative: places to spare",
    ),
    "euros_per_year": (
        "Kosten per jaar",
        "Cost per year",
        "gemiddelde kosten per volledig jaar van de geraamde bezetting van alle eenheden",
        "mean cost per whole year of the projected occupancy of all units",
    ),
    "price_level": (
        "Prijspeil",
        "Price level",
        "jaar waarvan de prijzen in de kosten per jaar zijn",
        "year whose prices the cost per year is in",
    ),
    "gap_euros_per_year": (
        "Kosten van de plaatsen tekort",
        "Cost of the places short",
        "plaatsen tekort maal de kosten van een extra plaats per jaar (prijzen van {apl})",
        "places short times the cost of an added place a year ({apl} prices)",
    ),
}


HEADLINE_KEYS = (
    "first_year",
    "first_p",
    "peak_year",
    "peak_p",
    "gap_year",
    "needed",
    "needed_low",
    "needed_high",
    "gap",
    "euros_per_year",
    "price_level",
    "gap_euros_per_year",
)
SUMMARY_FORMATS = {
    "start": DATE,
    "end": DATE,
    "replications": INT,
    "seed": YEAR,
    "start_stock": INT,
    "created": DATETIME,
    "risk": PCT,
    "first_year": YEAR,
    "first_p": PCT,
    "peak_year": YEAR,
    "peak_p": PCT,
    "gap_year": YEAR,
    "needed": INT,
    "needed_low": INT,
    "needed_high": INT,
    "gap": INT,
    "euros_per_year": EUR,
    "price_level": YEAR,
    "gap_euros_per_year": EUR,
}


def summary_rows(ds: xr.Dataset, h: Headline, lang: str = "nl") -> list[tuple[str, Any, str]]:
    """The front sheet's rows: ``(label, value, meaning)``; a figure the run does
    not have (no shortage year) reads 'geen'/'none' rather than an empty cell."""
    i = _check_lang(lang)
    a = ds.attrs
    none = ("geen", "none")[i]
    src = f" ({a['start_stock_source']})" if a.get("start_stock_source") else ""
    fill = {
        "risk": _pct_text(h.risk, lang),
        "lv": _pct_text(LEVEL, lang),
        "half": _pct_text(LIKELY, lang),
        "gy": h.gap_year if h.gap_year is not None else none,
        "apl": h.added_place_price_level if h.added_place_price_level is not None else none,
        "src": src,
    }
    values = {
        "scenario": a.get("scenario", ""),
        "title": a.get("scenario_title", ""),
        "start": h.start,
        "end": h.end,
        "replications": h.replications,
        "seed": h.seed,
        "start_stock": a.get("start_stock"),
        "created": _created(a.get("created_at", "")),
        "version": a.get("capaciteit_version", ""),
        "unit": h.unit,
        "pools": "; ".join(
            f"{d['pool']}: {VERDICTS[d['verdict']][i]}"
            + (f" ({d['first_year']}, {_pct_text(d['first_p'], lang)})" if d["first_year"] else "")
            for d in h.pools
        )
        or None,
        "risk": h.risk,
        "verdict": VERDICTS[h.verdict][i],
        **{k: getattr(h, k) for k in HEADLINE_KEYS},
    }
    out = []
    for key, text in SUMMARY_TEXT.items():
        v = values.get(key)
        out.append(
            (
                text[i].format(**fill),
                (OPEN[i] if key in ("needed_low", "needed_high") else none) if v is None else v,
                text[2 + i].format(**fill),
            )
        )
    return out


RELIABILITY = {
    "nl": (
        "Terugtoets",
        "1 tot 3 jaar vooruit ({n} voorspellingen): {cov80} van de uitkomsten binnen de "
        "80%-band, {cov50} binnen de 50%-band ({word}). De plaatsen nodig lezen een staart "
        "van dezelfde banden.",
        {
            "too_narrow": "banden te smal",
            "too_wide": "banden te breed",
            "about_right": "ongeveer goed",
        },
    ),
    "en": (
        "Back-test",
        "1 to 3 years ahead ({n} forecasts): {cov80} of the outcomes inside the 80% band, "
        "{cov50} inside the 50% band ({word}). The places needed read a tail of the same bands.",
        {
            "too_narrow": "bands too narrow",
            "too_wide": "bands too wide",
            "about_right": "about right",
        },
    ),
}


def _summary_sheet(
    ws: Worksheet, ds: xr.Dataset, h: Headline, lang: str, trust: dict | None = None
) -> None:
    """The answer first: the run and its headline figures, each with what it means;
    with a back-test, how far its bands held (``backtest.reliability``)."""
    nl = lang == "nl"
    title = ws.cell(row=1, column=1, value=f"Capaciteit: {ds.attrs.get('scenario', '')}")
    title.font = Font(bold=True, size=14)
    for j, text in enumerate(
        ("Onderdeel", "Waarde", "Toelichting") if nl else ("Item", "Value", "Meaning"), start=1
    ):
        c = ws.cell(row=3, column=j, value=text)
        c.font, c.fill, c.border = _HEADER_FONT, _HEADER_FILL, _HEADER_BORDER
    for r, (key, (label, value, meaning)) in enumerate(
        zip(SUMMARY_TEXT, summary_rows(ds, h, lang), strict=True), start=4
    ):
        ws.cell(row=r, column=1, value=label).font = _HEADER_FONT
        cell = _put(ws, r, 2, value, SUMMARY_FORMATS.get(key))
        cell.alignment = Alignment(horizontal="left", wrap_text=isinstance(cell.value, str))
        ws.cell(row=r, column=3, value=meaning).alignment = _WRAP
    r = 4 + len(SUMMARY_TEXT)
    for text in run_cautions(ds):  # the scenario's cautions, as the command line gave them
        r += 1
        ws.cell(row=r, column=1, value="Let op" if nl else "Caution").font = _HEADER_FONT
        ws.cell(row=r, column=2, value=text).alignment = _WRAP
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
        ws.row_dimensions[r].height = 30
    if trust is not None:
        label, text, words = RELIABILITY[lang]
        r += 1
        ws.cell(row=r, column=1, value=label).font = _HEADER_FONT
        said = text.format(
            n=trust["forecasts"],
            cov80=f"{trust['cov80']:.0%}",
            cov50=f"{trust['cov50']:.0%}",
            word=words[trust["word"]],
        )
        ws.cell(row=r, column=2, value=said).alignment = _WRAP
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
        ws.row_dimensions[r].height = 30
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 100
    ws.freeze_panes = "A4"


def _frame_sheet(ws: Worksheet, frame: pd.DataFrame, spec: list[Col], lang: str) -> None:
    cols = _columns(frame, spec)
    values = [frame[c.key].to_numpy(dtype=object) for c in cols]
    _table(ws, cols, zip(*values, strict=True), lang, freeze_cols=2)


def _yearly_sheet(ws: Worksheet, ds: xr.Dataset, risk: float, lang: str) -> None:
    """Per year and unit or pool; a partial year is greyed and in italics, so its
    euros are not read as a whole year's."""
    frame = yearly_table(ds, risk)
    _frame_sheet(ws, frame, yearly_columns(risk, lang), lang)
    partial = Font(italic=True, color="808080")
    for r, days in enumerate(frame["days"].tolist(), start=2):
        if days < 365:
            for cell in ws[r]:
                cell.font = partial


def _monthly_sheet(ws: Worksheet, ds: xr.Dataset, lang: str) -> None:
    frame = monthly_summary(ds)
    frame["unit"] = frame["unit"].astype(str)
    frame["month"] = [dt.date(int(m[:4]), int(m[5:7]), 1) for m in frame["month"]]
    _frame_sheet(ws, frame, MONTHLY_COLUMNS, lang)


PMJ_TEXT = {
    "nl": {
        "title": "PMJ naast capaciteit",
        "note": "Het PMJ (Prognosemodel Justitiële ketens, WODC) is de capaciteitsraming van het "
        "ministerie. Van geen editie was een tabel met plaatsen te lezen, alleen uitspraken over "
        "de groei: een pad is AFGELEID (DERIVED), de CBS-stand van 30 september van het eerste "
        "jaar, gegroeid zoals de editie zegt. Het PMJ telt vreemdelingenbewaring mee, de "
        "CBS-stand en capaciteit niet. capaciteit: de gemiddelde bezetting van alle cellen per "
        "jaar. Een leeg vak: die bron zegt niets over dat jaar (niets is ingevuld).",
        "by_year": "Per jaar",
        "editions": "Per editie: waar capaciteit en het PMJ uiteenlopen (het laatste jaar dat "
        "beide geven, een heel jaar van de run waar dat kan; in hele personen zoals getoond)",
        "score": "Getoetst aan het CBS: elk jaar van een pad met een CBS-stand van na de "
        "publicatie (het CBS-beginjaar niet)",
        "none": "(nog geen CBS-stand na de publicatie van een van deze edities)",
        "derived": "AFGELEID",
    },
    "en": {
        "title": "PMJ beside capaciteit",
        "note": "The PMJ (Prognosemodel Justitiële ketens, WODC) is the ministry's capacity "
        "forecast. No edition's table of places could be read, only statements of growth: a "
        "path is DERIVED, the CBS stock of 30 September of its first year grown as the edition "
        "says. The PMJ counts immigration detention, the CBS stock and capaciteit do not. "
        "capaciteit: the yearly mean occupancy of all cells. An empty cell: that source says "
        "nothing about the year (nothing is filled in).",
        "by_year": "By year",
        "editions": "By edition: where capaciteit and the PMJ part (the last year both give, a "
        "whole year of the run where there is one; in whole people as shown)",
        "score": "Scored against CBS: each year of a path with a CBS stock from after the "
        "publication (not the CBS start year)",
        "none": "(no CBS stock yet from after the publication of any of these editions)",
        "derived": "DERIVED",
    },
}


def pmj_year_columns(editions: Sequence[Any], lang: str) -> list[Col]:
    """The PMJ sheet's table by year: the run's all-cells figures, CBS, each edition."""
    d = PMJ_TEXT[lang]["derived"]
    return [
        Col("year", "Jaar", "Year", YEAR),
        Col(
            "occupancy_p10",
            "capaciteit P10",
            "capaciteit P10",
            INT,
            "gemiddelde bezetting van alle cellen in het jaar, P10 over de replicaties",
            "mean occupancy of all cells in the year, P10 over the replications",
        ),
        Col("occupancy_p50", "capaciteit P50", "capaciteit P50", INT),
        Col("occupancy_p90", "capaciteit P90", "capaciteit P90", INT),
        Col(
            "demand_p50",
            "Vraag P50",
            "Demand P50",
            INT,
            "wie er zonder grenzen zou zitten (gemiddeld over het jaar), P50",
            "everyone who would be inside without limits (mean over the year), P50",
        ),
        Col("days", "Dagen in de run", "Days in the run", INT),
        Col(
            "cbs",
            "CBS 30 sept.",
            "CBS 30 Sept.",
            INT,
            "CBS StatLine 84425NED, gedetineerden op 30 september (zonder vreemdelingenbewaring)",
            "CBS StatLine 84425NED, detainees on 30 September (no immigration detention)",
        ),
        *[
            Col(
                e.edition,
                f"PMJ {e.edition}" + (f" ({d})" if pmj.is_derived(e) else ""),
                f"PMJ {e.edition}" + (f" ({d})" if pmj.is_derived(e) else ""),
                INT,
                f"{e.statement or ''} ({e.status}; {e.source})",
                f"{e.statement or ''} ({e.status}; {e.source})",
            )
            for e in editions
        ],
    ]


PMJ_EDITION_COLUMNS = [
    Col("edition", "Editie", "Edition"),
    Col("published", "Gepubliceerd", "Published"),
    Col(
        "status",
        "Status",
        "Status",
        None,
        "VERIFIED: in de bron gelezen; REPORTED: uit tweede hand (nieuws)",
        "VERIFIED: read in the source; REPORTED: second-hand (news)",
    ),
    Col("statement", "Uitspraak", "Statement"),
    Col(
        "basis",
        "Pad",
        "Path",
        None,
        "DERIVED: uitspraak toegepast op de CBS-stand; anders een gepubliceerd niveau",
        "DERIVED: the statement applied to the CBS stock; else a published level",
    ),
    Col("year", "Jaar vergeleken", "Year compared", YEAR),
    Col("occupancy_p50", "capaciteit P50", "capaciteit P50", INT),
    Col("pmj", "PMJ", "PMJ", INT),
    Col(
        "difference",
        "Verschil",
        "Difference",
        INT,
        "capaciteit P50 min PMJ, hele personen",
        "capaciteit P50 less PMJ, whole people",
    ),
    Col(
        "share",
        "Verschil (%)",
        "Difference (%)",
        PCT,
        "verschil gedeeld door PMJ",
        "difference divided by PMJ",
    ),
    Col("demand_p50", "Vraag P50", "Demand P50", INT),
    Col(
        "capped",
        "Cellen vol",
        "Cells full",
        None,
        "in dat jaar is de vraag P50 hoger dan de "
        "bezetting P50: de plaatsen houden de bezetting laag",
        "that year demand P50 is above occupancy P50: the places hold occupancy down",
    ),
    Col("source", "Bron", "Source"),
    Col("url", "Adres", "URL"),
]

PMJ_SCORE_COLUMNS = [
    Col("edition", "Editie", "Edition"),
    Col("published", "Gepubliceerd", "Published"),
    Col("status", "Status", "Status"),
    Col("year", "Jaar", "Year", YEAR),
    Col("basis", "Basis", "Basis"),
    Col("pmj", "PMJ", "PMJ", DEC),
    Col("cbs", "CBS 30 sept.", "CBS 30 Sept.", INT),
    Col("error", "Fout", "Error", DEC, "PMJ min CBS", "PMJ less CBS"),
    Col(
        "abs_pct_error",
        "Absolute fout (%)",
        "Absolute error (%)",
        PCT,
        "|PMJ - CBS| / CBS",
        "|PMJ - CBS| / CBS",
    ),
]


def _url(text: str) -> str | None:
    m = re.search(r"https?://\S+", text)
    return m.group(0).rstrip(".,;)") if m else None


def _pmj_block(ws: Worksheet, r: int, title: str, cols: Sequence[Col], rows, lang: str) -> int:
    """A titled table from row ``r``; returns the last row written."""
    ws.cell(row=r, column=1, value=title).font = Font(bold=True, size=12)
    _header(ws, r + 1, cols, lang)
    r += 1
    for values in rows:
        r += 1
        for j, (c, v) in enumerate(zip(cols, values, strict=True), start=1):
            cell = _put(ws, r, j, v, c.fmt)
            if c.key == "url" and isinstance(v, str) and v.startswith(("http://", "https://")):
                cell.hyperlink = v
                cell.style = "Hyperlink"
    return r


def _pmj_sheet(ws: Worksheet, ds: xr.Dataset, editions: Sequence[Any], lang: str) -> None:
    """The PMJ editions beside the run: by year (the run's P10/P50/P90 of all cells,
    CBS, each edition's path), where they part per edition, and each edition scored
    against CBS; every value with its source and what it rests on."""
    t = PMJ_TEXT[lang]
    ys = yearly_summary(ds)
    frame = pmj.beside(editions, ys)
    diffs = pmj.differences(editions, ys)
    shown = [d.edition for d in diffs if d.year is not None]
    cols = pmj_year_columns(shown, lang)
    table = frame.reset_index()
    r = _pmj_block(
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
                ("ja" if lang == "nl" else "yes") if d.capped else None,
                e.source,
                _url(e.source),
            )
        )
    r = _pmj_block(ws, r + 2, t["editions"], PMJ_EDITION_COLUMNS, rows, lang)
    score = pmj.score(editions)
    keys = [c.key for c in PMJ_SCORE_COLUMNS]
    r = _pmj_block(ws, r + 2, t["score"], PMJ_SCORE_COLUMNS, score[keys].itertuples(False), lang)
    if score.empty:
        ws.cell(row=r + 1, column=1, value=t["none"])
    _fit_widths(ws, hi=40)
    ws.cell(row=1, column=1, value=t["title"]).font = Font(bold=True, size=14)
    note = ws.cell(row=2, column=1, value=t["note"])
    note.alignment = _WRAP
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(len(cols), 8))
    ws.row_dimensions[2].height = 75
    ws.freeze_panes = "B6"


def _settings_sheet(ws: Worksheet, ds: xr.Dataset, scenario: Scenario | None, lang: str) -> None:
    """The scenario as it was run, one setting a row, then the run's own facts."""
    nl = lang == "nl"
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
    none = "(geen)" if nl else "(none)"
    cols = [
        Col(
            "key",
            "Instelling",
            "Setting",
            None,
            "sleutel zoals in het scenariobestand; [naam] kiest een eenheid, stroom, ...; "
            "run.*: gegevens van de run zelf",
            "key as in the scenario file; [name] picks a unit, stream, ...; "
            "run.*: facts of the run itself",
        ),
        Col("value", "Waarde", "Value"),
    ]
    if scenario is None:
        rows.insert(0, ("scenario", "(niet meegegeven)" if nl else "(not given)"))
    _table(ws, cols, ((k, none if v is None else v) for k, v in rows), lang)
    ws.column_dimensions["B"].width = max(ws.column_dimensions["B"].width or 0, 14)


def _sources_sheet(ws: Worksheet, notes_path: Path | None, lang: str) -> None:
    """Where each figure comes from: the scenario's labelled comments, then the
    published data the model is fitted to (links clickable)."""
    nl = lang == "nl"
    note_cols = [
        Col("file", "Bestand", "File"),
        Col("line", "Regel", "Line", YEAR),
        Col(
            "label",
            "Soort",
            "Label",
            None,
            "SOURCED: uit een bron; DERIVED: berekend uit bronnen; ASSUMPTION: aanname; "
            "HYPOTHETICAL: verzonnen voorbeeld",
            "SOURCED: from a source; DERIVED: computed from sources; ASSUMPTION: assumed; "
            "HYPOTHETICAL: made-up example",
        ),
        Col(
            "where",
            "Plaats",
            "Where",
            None,
            "tabel (en naam) en sleutel waar de toelichting staat",
            "table (and name) and key the note sits at",
        ),
        Col("text", "Toelichting", "Note"),
    ]
    data_cols = [
        Col("file", "Bestand", "File"),
        Col(
            "figures",
            "Cijfers",
            "Figures",
            INT,
            "aantal cijfers uit deze bron",
            "number of figures from this source",
        ),
        Col("years", "Jaren", "Years"),
        Col("source", "Bron", "Source"),
        Col("url", "Adres", "URL"),
    ]
    r = 1
    ws.cell(
        row=r,
        column=1,
        value="Toelichtingen in het scenario" if nl else "Labelled notes in the scenario files",
    ).font = Font(bold=True, size=12)
    r += 1
    _header(ws, r, note_cols, lang)
    notes = scenario_notes(notes_path) if notes_path is not None else []
    if not notes:
        r += 1
        ws.cell(
            row=r,
            column=1,
            value="(geen scenariobestand meegegeven)" if nl else "(no scenario file given)",
        )
    for n in notes:
        r += 1
        for j, c in enumerate(note_cols, start=1):
            _put(ws, r, j, getattr(n, c.key), c.fmt).alignment = _WRAP
    r += 2
    ws.cell(
        row=r,
        column=1,
        value="Gepubliceerde gegevens in het model"
        if nl
        else "Published data shipped with the model",
    ).font = Font(bold=True, size=12)
    r += 1
    _header(ws, r, data_cols, lang)
    for rec in data_sources().to_dict("records"):
        r += 1
        for j, c in enumerate(data_cols, start=1):
            cell = _put(ws, r, j, rec[c.key], c.fmt)
            cell.alignment = _WRAP
            if c.key == "url" and str(rec["url"]).startswith(("http://", "https://")):
                cell.hyperlink = str(rec["url"])
                cell.style = "Hyperlink"
    for col, width in zip("ABCDE", (40, 8, 14, 40, 90), strict=True):
        ws.column_dimensions[col].width = width


# --------------------------------------------------------------------------- writing


def _save(wb: Workbook, path: str | Path) -> Path:
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
    i = _check_lang(lang)
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
    sheets = {key: names[i] for key, names in SHEETS.items()}
    ws = wb.active
    ws.title = sheets["summary"]
    _summary_sheet(ws, ds, headline(ds, risk=risk), lang, reliability(backtest))
    _yearly_sheet(wb.create_sheet(sheets["yearly"]), ds, risk, lang)
    _monthly_sheet(wb.create_sheet(sheets["monthly"]), ds, lang)
    editions = scenario.pmj_editions() if scenario is not None else []
    if editions:
        _pmj_sheet(wb.create_sheet(PMJ_SHEET[i]), ds, editions, lang)
    _settings_sheet(wb.create_sheet(sheets["settings"]), ds, scenario, lang)
    _sources_sheet(wb.create_sheet(sheets["sources"]), notes_path, lang)
    return _save(wb, path)


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


def _compare_front(
    ws: Worksheet,
    base_name: str,
    sheets: dict[str, str],
    n: int,
    seed: int,
    lang: str,
    titles: Mapping[str, str] | None = None,
    price_level: int | None = None,
) -> None:
    nl = lang == "nl"
    titles = titles or {}
    ws.cell(
        row=1,
        column=1,
        value=(f"Vergelijking met {base_name}" if nl else f"Comparison with {base_name}"),
    ).font = Font(bold=True, size=14)
    facts = [
        ("Basis" if nl else "Base", base_name, None),
        ("Vraag van de basis" if nl else "Question of the base", titles.get(base_name, ""), None),
        ("Replicaties" if nl else "Replications", n, INT),
        ("Seed", seed, YEAR),
        (
            "Prijspeil van de kosten" if nl else "Price level of the costs",
            price_level if price_level is not None else ("niet opgegeven" if nl else "not given"),
            YEAR,
        ),
    ]
    r = 3
    for label, value, fmt in facts:
        ws.cell(row=r, column=1, value=label).font = _HEADER_FONT
        _put(ws, r, 2, value, fmt).alignment = Alignment(horizontal="left")
        r += 1
    r += 1
    text = (
        f"Elk alternatief is gerekend met dezelfde seed ({seed}) en hetzelfde aantal "
        f"replicaties ({n}) als de basis. Replicatie r van elk scenario trekt zijn toevalsgetallen "
        "uit dezelfde stromen (common random numbers): waar de scenario's gelijk zijn, krijgen ze "
        "dezelfde instroom en verblijfsduren, zodat het verschil van het beleid komt en niet van "
        "het toeval. De verschillen zijn per replicatie genomen en gemiddeld; onder- en bovengrens "
        "vormen het 95%-betrouwbaarheidsinterval van dat gemiddelde verschil (t-verdeling over de "
        "replicaties). Een interval zonder nul betekent dat het verschil geen toevalstreffer van "
        "de simulatie is; over de onzekerheid van aannames die beide scenario's delen zegt het "
        "niets. Kansen op tekort en hun verschillen staan in procentpunten."
        if nl
        else f"Each alternative was run with the same seed ({seed}) and the same number of "
        f"replications ({n}) as the base. Replication r of every scenario draws its random numbers "
        "from the same streams (common random numbers): where the scenarios agree they get the "
        "same arrivals and stays, so a difference comes from the policy, not from chance. "
        "Differences are taken replication by replication and averaged; low and high bound the "
        "95% confidence interval of that mean difference (t over the replications). An interval "
        "that excludes zero means the difference is not a chance result of the simulation; it "
        "says nothing about the uncertainty of assumptions both scenarios share. Shortage "
        "probabilities and their differences are in percentage points."
    )
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
    cell = ws.cell(row=r, column=1, value=text)
    cell.alignment = _WRAP
    ws.row_dimensions[r].height = 150
    r += 2
    for j, text in enumerate(
        (
            "Alternatief" if nl else "Alternative",
            "Blad" if nl else "Sheet",
            "Vraag" if nl else "Question",
        ),
        start=1,
    ):
        c = ws.cell(row=r, column=j, value=text)
        c.font, c.fill, c.border = _HEADER_FONT, _HEADER_FILL, _HEADER_BORDER
    for name, sheet in sheets.items():
        r += 1
        ws.cell(row=r, column=1, value=name)
        link = ws.cell(row=r, column=2, value=sheet)
        link.hyperlink = f"#'{sheet}'!A1"
        link.style = "Hyperlink"
        ws.cell(row=r, column=3, value=titles.get(name, "")).alignment = _WRAP
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 60


def _compare_sheet(ws: Worksheet, table: pd.DataFrame, lang: str) -> None:
    """The paired differences per year, unit or pool and metric; a partial
    year is greyed and in italics, as on the yearly sheet."""
    i = LANGS.index(lang)
    cols = _columns(table, COMPARE_COLUMNS)
    _header(ws, 1, cols, lang)
    partial = Font(italic=True, color="808080")
    yes_no = (("ja", "nee"), ("yes", "no"))[i]
    r = 1
    for r, rec in enumerate(table.to_dict("records"), start=2):
        metric = str(rec.get("metric", ""))
        label = METRIC_LABELS.get(metric, (metric, metric, DEC))
        for j, c in enumerate(cols, start=1):
            v = rec[c.key]
            if c.key == "unit":
                v = str(v)
            if c.key == "metric":
                v = label[i]
            if c.key == "pool":
                v = yes_no[0] if bool(v) else yes_no[1]
            cell = _put(ws, r, j, v, c.fmt or label[2])
            if "days" in rec and rec["days"] < 365:
                cell.font = partial
    ws.freeze_panes = "D2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(r, 2)}"
    _fit_widths(ws)


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
    i = _check_lang(lang)
    wb = Workbook()
    front = wb.active
    front.title = COMPARE_FRONT[i]
    taken = {front.title.lower()}
    sheets = {name: safe_sheet_name(name, taken) for name in tables}
    _compare_front(front, base_name, sheets, n, seed, lang, titles, price_level)
    for name, table in tables.items():
        _compare_sheet(wb.create_sheet(sheets[name]), table, lang)
    return _save(wb, path)
