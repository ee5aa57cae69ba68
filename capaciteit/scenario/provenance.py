"""Where every figure of a run comes from: the labelled comments of its scenario
files and the sources of the shipped data.

Scenario files label each figure in a comment as SOURCED, DERIVED, ASSUMPTION or
HYPOTHETICAL (docs/scenario.md). Those comments are data for the reader of a
report, so they are collected here, file by file along the ``extends`` chain,
with the table and key they sit at, rather than retyped in a report template.
"""

from __future__ import annotations

import csv
import dataclasses
import re
import tomllib
from pathlib import Path

import pandas as pd

from capaciteit.data.history import DATA_DIR, SCHEMAS

LABELS = ("SOURCED", "DERIVED", "ASSUMPTION", "HYPOTHETICAL")
# a label as the start of a statement: "ASSUMPTION: ...", "SOURCED (DJI): ...", or alone
_LABEL = re.compile(r"\b(" + "|".join(LABELS) + r")\b(\s*\([^)]*\))?\s*(:|$)")
# opening a comment, a label may also be set off as people do: "ASSUMPTION, ...",
# "ASSUMPTION - ..." (a planner's own file once lost such notes silently)
_OPENING = re.compile(r"^(" + "|".join(LABELS) + r")\b\s*[,;\-\u2013\u2014]")
_HEADER = re.compile(r"^\s*\[\[?\s*([\w.\-]+)\s*\]\]?")
_NAME = re.compile(r'^\s*name\s*=\s*"([^"]*)"')
_KEY = re.compile(r"^\s*([\w.\-]+)\s*=")


@dataclasses.dataclass(frozen=True)
class Note:
    """One labelled comment of a scenario file."""

    file: str  # the scenario file (name only)
    line: int  # its first line
    label: str  # SOURCED, DERIVED, ASSUMPTION or HYPOTHETICAL
    where: str  # table (and name) and key it sits at, e.g. "unit closed: capacity"
    text: str  # the comment, continuation lines joined


def _split_comment(line: str) -> tuple[str, str | None]:
    """Code and comment of a TOML line ('#' inside strings is not a comment)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i], line[i + 1 :].strip()
    return line, None


def _chain(path: Path) -> list[Path]:
    """The file and the files it extends, the base first."""
    out: list[Path] = []
    path = path.resolve()
    while path not in out:
        out.append(path)
        try:
            meta = tomllib.loads(path.read_text(encoding="utf-8")).get("scenario", {})
        except (OSError, tomllib.TOMLDecodeError):
            break
        parent = meta.get("extends") if isinstance(meta, dict) else None
        if not isinstance(parent, str) or not (path.parent / parent).is_file():
            break
        path = (path.parent / parent).resolve()
    return out[::-1]


def scenario_notes(path: str | Path) -> list[Note]:
    """Labelled comments of a scenario file and the files it extends (base first).

    A comment that names a label starts a note; the comment lines right after
    it that name none continue it. A comment before a key is placed at the key
    that follows; an inline comment at its own key.
    """
    notes: list[Note] = []
    for file in _chain(Path(path)):
        table, array, open_note = "", False, None
        pending: list[dict] = []  # notes waiting for the key below them
        for n, raw in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            code, comment = _split_comment(raw)
            header = _HEADER.match(code)
            if header:
                table, array = header.group(1), code.lstrip().startswith("[[")
            name = _NAME.match(code) if array else None
            if name and table:
                table = f"{table.split(' ')[0]} {name.group(1)}"
            key = _KEY.match(code)
            if key and not name:
                for p in pending:
                    p["where"] = f"{table}: {key.group(1)}" if table else key.group(1)
                pending = []
            elif name:  # a note above "[[unit]]" belongs to the unit its name names
                for p in pending:
                    p["where"] = table
                pending = []
            if comment is None:
                open_note = None
                continue
            label = _OPENING.match(comment) or _LABEL.search(comment)  # its own first
            if label and label.start() > 0 and not code.strip():
                # "... end of the last note). ASSUMPTION: a new one" on one line; the
                # words before the label belong to the open note (if any), not the new
                if open_note is not None:
                    open_note["text"] += " " + comment[: label.start()].rstrip()
                comment = comment[label.start() :]
                label = _LABEL.search(comment)
            if label:
                at = (
                    f"{table}: {key.group(1)}"
                    if key and code.strip() and not name
                    else (table if code.strip() else "")
                )
                open_note = {
                    "file": file.name,
                    "line": n,
                    "label": label.group(1),
                    "where": at,
                    "text": comment,
                }
                notes.append(open_note)  # type: ignore[arg-type]
                if not code.strip() and not table:
                    open_note["where"] = "scenario"  # the file's opening comment
                elif not code.strip():
                    pending.append(open_note)
            elif open_note is not None and not code.strip() and comment:
                open_note["text"] += " " + comment
            else:
                open_note = None
        for p in pending:
            p["where"] = p["where"] or table
    return [Note(**n) if isinstance(n, dict) else n for n in notes]  # type: ignore[arg-type]


def data_sources() -> pd.DataFrame:
    """One row per shipped data file and source: how many figures it gives and
    the years they cover (``capaciteit/data``)."""
    rows = []
    for name, schema in SCHEMAS.items():
        with (DATA_DIR / name).open(newline="", encoding="utf-8") as f:
            records = list(csv.DictReader(f))
        when = schema.key[0]
        groups: dict[tuple[str, str], list[str]] = {}
        for r in records:
            groups.setdefault((r["source"], r["source_url"]), []).append(r[when][:4])
        for (source, url), years in groups.items():
            rows.append(
                {
                    "file": f"capaciteit/data/{name}",
                    "source": source,
                    "url": url,
                    "figures": len(years),
                    "years": f"{min(years)}-{max(years)}" if min(years) != max(years) else years[0],
                }
            )
    return pd.DataFrame(rows, columns=["file", "source", "url", "figures", "years"])
