"""The shipped data: every file loads, every row has a source, and each kind of
breakage is named by file and line."""

from __future__ import annotations

import csv
import datetime as dt
import shutil

import pytest

from capaciteit.data import history
from capaciteit.errors import DataError


def test_every_file_loads_with_sources():
    data = history.load_all()
    assert set(data) == set(history.SCHEMAS)
    for name, rows in data.items():
        assert rows, name
        assert all(o.source and o.source_url.startswith("http") for o in rows), name


def test_the_stock_series_is_the_published_one():
    stock = {o.date.year: o.value for o in history.load_stock()}
    assert stock[2005] == 15200 and stock[2021] == 9330 and stock[2024] == 9800
    assert 2023 not in stock  # not published: not invented
    assert sorted(stock) == [*range(2005, 2023), 2024]


def test_until_drops_later_observations():
    until = dt.date(2015, 9, 30)
    assert max(o.date for o in history.load_stock(until=until)) == until
    inflow = history.series("inflow.csv", "total_instroom_GW", until=until)
    assert [o.date.year for o in inflow] == [2005, 2007, 2008, 2010, 2011]


def _break(tmp_path, name, edit):
    src = history.DATA_DIR / name
    bad = tmp_path / name
    shutil.copy(src, bad)
    lines = bad.read_text().splitlines()
    bad.write_text("\n".join(edit(lines)) + "\n")
    with pytest.raises(DataError) as e:
        history.load(name, bad)
    return bad, e.value.lines()


@pytest.mark.parametrize("name", sorted(history.SCHEMAS))
def test_each_file_names_file_and_line(name, tmp_path):
    bad, lines = _break(tmp_path, name, lambda ls: [ls[0] + ",extra", *ls[1:]])
    assert lines == [f"{bad}: line 1: unknown column(s) extra"]
    bad, lines = _break(tmp_path, name, lambda ls: [*ls, ls[1]])
    assert any("duplicate" in x and "(also line 2)" in x for x in lines), lines
    schema = history.SCHEMAS[name]
    col = schema.columns.index(schema.value)

    def negative(ls):
        cells = ls[1].split(",")
        cells[col] = "-5"
        return [ls[0], ",".join(cells), *ls[2:]]

    bad, lines = _break(tmp_path, name, negative)
    assert lines[0].startswith(f"{bad}: line 2: {schema.value} -5 is out of range"), lines


def _rows(name):
    with (history.DATA_DIR / name).open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _broken(tmp_path, name, rows) -> tuple[object, list[str]]:
    """Write ``rows`` as the file ``name`` and load it: (path, the error's lines)."""
    bad = tmp_path / name
    with bad.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(DataError) as e:
        history.load(name, bad)
    return bad, e.value.lines()


def _edit(name, column, value, line=2):
    """The file's rows with ``column`` of file line ``line`` set to ``value``."""
    rows = _rows(name)
    rows[line - 1][rows[0].index(column)] = value
    return rows


@pytest.mark.parametrize("name", sorted(history.SCHEMAS))
def test_a_missing_column_is_named(name, tmp_path):
    """Dropping the value column (header and cells) names it, at line 1."""
    value = history.SCHEMAS[name].value
    col = _rows(name)[0].index(value)
    rows = [r[:col] + r[col + 1 :] for r in _rows(name)]
    bad, lines = _broken(tmp_path, name, rows)
    assert lines == [f"{bad}: line 1: missing column(s) {value}"]


@pytest.mark.parametrize("name", sorted(history.SCHEMAS))
def test_a_duplicated_key_names_both_lines(name, tmp_path):
    """The same year (or date) and category twice, with another value: both
    lines are named, the key as it is written (a year as 2015, not a date)."""
    schema = history.SCHEMAS[name]
    rows = _rows(name)
    twin = list(rows[1])
    twin[rows[0].index(schema.value)] = "7"
    rows.append(twin)
    bad, lines = _broken(tmp_path, name, rows)
    key = " ".join(rows[1][rows[0].index(k)] for k in schema.key)
    assert lines == [f"{bad}: line {len(rows)}: duplicate {key} (also line 2)"]


@pytest.mark.parametrize("name", sorted(history.SCHEMAS))
def test_a_negative_value_is_out_of_range(name, tmp_path):
    """A negative stock, inflow or stay: out of range, at its line."""
    schema = history.SCHEMAS[name]
    last = len(_rows(name))
    bad, lines = _broken(tmp_path, name, _edit(name, schema.value, "-1", line=last))
    assert lines == [
        f"{bad}: line {last}: {schema.value} -1 is out of range {schema.low:g}-{schema.high:g}"
    ]


@pytest.mark.parametrize("name", sorted(history.SCHEMAS))
def test_other_breakage_names_file_and_line(name, tmp_path):
    """Text for a number, an impossible date or year, a row short of a field, an
    empty source, a blank line before the error, bytes that are not UTF-8."""
    schema = history.SCHEMAS[name]
    when = schema.key[0]
    bad, lines = _broken(tmp_path, name, _edit(name, schema.value, "lots"))
    assert lines == [f"{bad}: line 2: {schema.value} 'lots' is not a number"]
    wrong = "20x5" if when == "year" else "2015-02-30"
    what = (
        f"year '{wrong}' is not a year" if when == "year" else f"{when} '{wrong}' is not YYYY-MM-DD"
    )
    bad, lines = _broken(tmp_path, name, _edit(name, when, wrong, line=3))
    assert lines == [f"{bad}: line 3: {what}"]
    rows = _rows(name)
    rows[1] = rows[1][:-1]
    bad, lines = _broken(tmp_path, name, rows)
    assert lines == [f"{bad}: line 2: wrong number of fields"]
    bad, lines = _broken(tmp_path, name, _edit(name, "source", " "))
    assert lines == [f"{bad}: line 2: source is empty: every figure needs one"]
    rows = _edit(name, schema.value, "lots", line=3)
    rows.insert(2, [])  # a blank line: the bad row is now on line 4
    bad, lines = _broken(tmp_path, name, rows)
    assert lines == [f"{bad}: line 4: {schema.value} 'lots' is not a number"]
    raw = (history.DATA_DIR / name).read_bytes().split(b"\n")
    raw[2] = raw[2] + b"\xff"
    bad.write_bytes(b"\n".join(raw))
    with pytest.raises(DataError) as e:
        history.load(name, bad)
    assert e.value.lines() == [f"{bad}: line 3: not UTF-8 text"]


def test_a_missing_or_empty_data_file(tmp_path):
    """No file, a folder, an empty file: each one line naming the path."""
    for path, what in [
        (tmp_path / "none.csv", "data file not found"),
        (tmp_path, "is a folder, not a data file"),
    ]:
        with pytest.raises(DataError) as e:
            history.load(history.STOCK_FILE, path)
        assert e.value.lines() == [f"{path}: {what}"]
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError) as e:
        history.load(history.STOCK_FILE, empty)
    cols = ", ".join(history.SCHEMAS[history.STOCK_FILE].columns)
    assert e.value.lines() == [f"{empty}: line 1: missing column(s) {cols}"]
