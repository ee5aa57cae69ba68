"""The shipped data: every file loads, every row has a source, and each kind of
breakage is named by file and line."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from capaciteit import history
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
