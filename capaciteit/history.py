"""The shipped real series, with their sources, and their loaders.

Each file in ``capaciteit/data/`` is a hand transcription of published figures
(see ``data/README.md``); every row carries its source. Loading checks the
columns, types, ranges and duplicate dates, and names the file and row of any
problem (:class:`~capaciteit.errors.DataError`). Nothing here fills a gap: a year
that is not in the data is not in the series.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import DataError

DATA_DIR = Path(str(resources.files("capaciteit") / "data"))
STOCK_FILE = "stock_30sept.csv"
STOCK_COLUMNS = ["date", "stock", "scope", "source", "source_url", "note"]


@dataclass(frozen=True)
class Observation:
    date: dt.date
    value: float
    source: str
    source_url: str


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_stock(path: Path | None = None) -> list[Observation]:
    """CBS 30-September stock of detainees (StatLine 84425NED scope), sorted by date.

    Scope: adults and 16/17-year-olds under adult law in huizen van bewaring and
    prisons; excludes vreemdelingenbewaring and extramural detainees.
    """
    path = Path(path) if path else DATA_DIR / STOCK_FILE
    problems: list[tuple[str, str, str]] = []
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            if header != STOCK_COLUMNS:
                missing = [c for c in STOCK_COLUMNS if c not in header]
                extra = [c for c in header if c not in STOCK_COLUMNS]
                what = (
                    "; ".join(
                        x
                        for x in (
                            missing and f"missing column(s) {', '.join(missing)}",
                            extra and f"unknown column(s) {', '.join(extra)}",
                        )
                        if x
                    )
                    or "columns out of order"
                )
                raise DataError([(str(path), "line 1", what)])
            rows = list(reader)
    except FileNotFoundError:
        raise DataError([(str(path), "", "data file not found")]) from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DataError([(str(path), "", f"cannot read: {e}")]) from None
    out: list[Observation] = []
    seen: dict[dt.date, int] = {}
    for n, row in enumerate(rows, start=2):
        where = f"line {n}"
        try:
            date = dt.date.fromisoformat(row["date"] or "")
        except ValueError:
            problems.append((str(path), where, f"date {row['date']!r} is not YYYY-MM-DD"))
            continue
        try:
            value = float(row["stock"])
        except (TypeError, ValueError):
            problems.append((str(path), where, f"stock {row['stock']!r} is not a number"))
            continue
        if not 0 <= value < 100_000:
            problems.append((str(path), where, f"stock {value:g} is out of range 0-100000"))
        if not (row.get("source") or "").strip():
            problems.append((str(path), where, "source is empty: every figure needs one"))
        if date in seen:
            problems.append((str(path), where, f"duplicate date {date} (also line {seen[date]})"))
        seen.setdefault(date, n)
        out.append(Observation(date, value, row["source"], row["source_url"]))
    if problems:
        raise DataError(problems)
    return sorted(out, key=lambda o: o.date)


def observed_stock_near(
    day: dt.date, origin: dt.date | None = None, max_days: int = 183, path: Path | None = None
) -> Observation:
    """The real 30-September stock nearest to ``day`` (within ``max_days``), using no
    observation after ``origin``. Raises ValueError with the reason when there is none."""
    obs = [o for o in load_stock(path) if origin is None or o.date <= origin]
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
