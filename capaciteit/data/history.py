"""The shipped real series, with their sources, and their loaders.

Each file in ``capaciteit/data/`` is a hand transcription of published figures
(see ``data/README.md``); every row carries its source. Loading checks the
columns, types, ranges and duplicate keys of every file, and names the file and
line of any problem (:class:`~capaciteit.errors.DataError`). Nothing here fills a
gap: a year that is not in the data is not in the series. ``until`` (a forecast
origin) drops every observation made after it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from capaciteit.errors import DataError

DATA_DIR = Path(str(resources.files("capaciteit") / "data"))
STOCK_FILE = "stock_30sept.csv"
META = ["source", "source_url", "note"]


@dataclass(frozen=True)
class Schema:
    """Columns of a data file: the key columns, the value column and its range."""

    key: tuple[str, ...]
    columns: tuple[str, ...]
    value: str = "value"
    low: float = 0.0
    high: float = 1e7


SCHEMAS: dict[str, Schema] = {
    STOCK_FILE: Schema(("date",), ("date", "stock", "scope", *META), "stock", 0, 100_000),
    "stock_components.csv": Schema(
        ("date", "category", "unit"), ("date", "category", "value", "unit", *META)
    ),
    "inflow.csv": Schema(("year", "category"), ("year", "category", "value", "unit", *META)),
    "unique_persons.csv": Schema(
        ("year", "category"), ("year", "category", "value", "unit", *META)
    ),
    "stays.csv": Schema(("year", "category"), ("year", "category", "value", "unit", *META)),
    "events.csv": Schema(
        ("start", "category"), ("start", "end", "category", "value", "unit", *META)
    ),
    "cells_30sept_1994_2003.csv": Schema(
        ("date", "category"), ("date", "category", "value", "unit", *META)
    ),
    "stock_1jan_1994_2000.csv": Schema(
        ("date", "category"), ("date", "category", "value", "unit", *META)
    ),
}


@dataclass(frozen=True)
class Observation:
    """One published figure: when it was observed (a date; for a yearly flow the
    end of that year), what, how much, and where it was published."""

    date: dt.date
    category: str
    value: float
    unit: str
    source: str
    source_url: str
    end: dt.date | None = None  # a period's last day (events.csv), None when open or none


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def data_files() -> dict[str, str]:
    """Every shipped data file and its sha256 (provenance for manifests)."""
    return {name: file_sha256(DATA_DIR / name) for name in SCHEMAS}


def _parse_when(text: str, column: str) -> dt.date:
    if column == "year":
        if not text.isdigit() or not 1900 <= int(text) <= 2100:
            raise ValueError(f"year {text!r} is not a year")
        return dt.date(int(text), 12, 31)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{column} {text!r} is not YYYY-MM-DD") from None


def load(name: str, path: Path | None = None) -> list[Observation]:
    """Read and check one shipped file; raise DataError naming file and line."""
    schema = SCHEMAS[name]
    path = Path(path) if path else DATA_DIR / name
    try:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            line = raw[: e.start].count(b"\n") + 1
            raise DataError([(str(path), f"line {line}", "not UTF-8 text")]) from None
        with io.StringIO(text, newline="") as f:
            reader = csv.DictReader(f)
            header = tuple(reader.fieldnames or ())
            if header != schema.columns:
                missing = [c for c in schema.columns if c not in header]
                extra = [c for c in header if c not in schema.columns]
                parts = [
                    f"missing column(s) {', '.join(missing)}" if missing else "",
                    f"unknown column(s) {', '.join(extra)}" if extra else "",
                ]
                what = "; ".join(p for p in parts if p) or "columns out of order"
                raise DataError([(str(path), "line 1", what)])
            try:  # each row with its line (blank lines are skipped, so count them)
                rows = [(reader.line_num, row) for row in reader]
            except csv.Error as e:
                raise DataError([(str(path), f"line {reader.line_num}", f"not CSV: {e}")]) from None
    except FileNotFoundError:
        raise DataError([(str(path), "", "data file not found")]) from None
    except IsADirectoryError:
        raise DataError([(str(path), "", "is a folder, not a data file")]) from None
    except OSError as e:
        raise DataError([(str(path), "", f"cannot read: {e.strerror or e}")]) from None
    problems: list[tuple[str, str, str]] = []
    out: list[Observation] = []
    seen: dict[tuple, int] = {}
    when_col = schema.key[0]
    for n, row in rows:
        where = f"line {n}"
        if None in row or any(v is None for v in row.values()):
            problems.append((str(path), where, "wrong number of fields"))
            continue
        try:
            when = _parse_when(row[when_col], when_col)
        except ValueError as e:
            problems.append((str(path), where, str(e)))
            continue
        text = row[schema.value].strip()
        if text == "" and name == "events.csv":
            value = float("nan")
        else:
            try:
                value = float(text)
            except ValueError:
                problems.append((str(path), where, f"{schema.value} {text!r} is not a number"))
                continue
            if not schema.low <= value < schema.high:
                problems.append(
                    (
                        str(path),
                        where,
                        f"{schema.value} {value:g} is out of range {schema.low:g}-{schema.high:g}",
                    )
                )
            if row.get("unit") == "share" and value > 1:
                problems.append((str(path), where, f"share {value:g} is above 1"))
        if not row["source"].strip():
            problems.append((str(path), where, "source is empty: every figure needs one"))
        key = tuple(row[k] if k != when_col else when for k in schema.key)
        if key in seen:
            what = " ".join(row[k] for k in schema.key)  # as written: a year reads 2015
            problems.append((str(path), where, f"duplicate {what} (also line {seen[key]})"))
        seen.setdefault(key, n)
        end = None
        if row.get("end", "").strip():
            try:
                end = _parse_when(row["end"], "end")
            except ValueError as e:
                problems.append((str(path), where, str(e)))
                continue
        out.append(
            Observation(
                when,
                row.get("category", "total"),
                value,
                row.get("unit", "persons"),
                row["source"],
                row["source_url"],
                end,
            )
        )
    if problems:
        raise DataError(problems)
    return out


def load_all() -> dict[str, list[Observation]]:
    """Every shipped file, checked."""
    return {name: load(name) for name in SCHEMAS}


def load_stock(path: Path | None = None, until: dt.date | None = None) -> list[Observation]:
    """CBS 30-September stock of detainees (StatLine 84425NED scope), sorted by date.

    Scope: adults and 16/17-year-olds under adult law in huizen van bewaring and
    prisons; excludes vreemdelingenbewaring and extramural detainees.
    """
    obs = load(STOCK_FILE, path)
    return sorted((o for o in obs if until is None or o.date <= until), key=lambda o: o.date)


def series(
    name: str, category: str, until: dt.date | None = None, unit: str | None = None
) -> list[Observation]:
    """The observations of one category of one file, in date order, none after ``until``."""
    obs = [o for o in load(name) if o.category == category and (unit is None or o.unit == unit)]
    return sorted((o for o in obs if until is None or o.date <= until), key=lambda o: o.date)


def observed_stock_near(
    day: dt.date, origin: dt.date | None = None, max_days: int = 183, path: Path | None = None
) -> Observation:
    """The real 30-September stock nearest to ``day`` (within ``max_days``), using no
    observation after ``origin``. Raises ValueError with the reason when there is none."""
    obs = load_stock(path, until=origin)
    if not obs:
        raise ValueError(f"no observed stock on or before the forecast origin {origin}")
    best = min(obs, key=lambda o: (abs((o.date - day).days), o.date))
    if abs((best.date - day).days) > max_days:
        years = ", ".join(str(o.date.year) for o in obs)
        raise ValueError(
            f"no observed 30-September stock within {max_days} days of {day} "
            f"(observed: {years}{'' if origin is None else f'; origin {origin}'})"
        )
    return best
