"""workbook.xlsx: the planners' figures equal the summaries they come from, are
numbers with formats, in both languages, and a failed write leaves nothing."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

import capaciteit as cap
from capaciteit.data.history import DATA_DIR
from capaciteit.outputs import workbook
from capaciteit.outputs.workbook import safe_sheet_name, write_compare_workbook, write_workbook
from capaciteit.run.compare import paired
from capaciteit.scenario.provenance import LABELS, scenario_notes

from .conftest import SCENARIOS

BASELINE = SCENARIOS / "baseline.toml"
N, SEED = 8, 3


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A small baseline run, its workbook in both languages, and a paired comparison."""
    folder = tmp_path_factory.mktemp("workbook")
    sc = cap.load_scenario(BASELINE)
    ds = cap.simulate(sc, replications=N, seed=SEED)
    nl = write_workbook(ds, folder / "nl.xlsx", scenario=sc, scenario_path=BASELINE)
    en = write_workbook(ds, folder / "en.xlsx", scenario=sc, lang="en")
    alt = cap.simulate(cap.load_scenario(SCENARIOS / "high-inflow.toml"), replications=N, seed=SEED)
    return SimpleNamespace(
        sc=sc,
        ds=ds,
        nl=openpyxl.load_workbook(nl),
        en=openpyxl.load_workbook(en),
        folder=folder,
        table=paired(ds, alt),
    )


def rows_by_header(ws, header_row: int = 1) -> tuple[dict[str, int], list[tuple]]:
    """Column index (0-based) of each header and the cells of the rows below."""
    header = [c.value for c in ws[header_row]]
    cols = {h: j for j, h in enumerate(header) if h is not None}
    return cols, [row for row in ws.iter_rows(min_row=header_row + 1) if row[0].value is not None]


def same(cell_value, expected) -> bool:
    """A cell equals a float of a summary: exactly or to 1e-9; NaN is an empty cell."""
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return cell_value is None
    return isinstance(cell_value, int | float) and math.isclose(
        cell_value, float(expected), rel_tol=1e-9, abs_tol=1e-9
    )


def test_sheets_in_both_languages(run, tmp_path):
    # PMJ: the baseline has PMJ editions (tests/test_pmj.py)
    assert run.nl.sheetnames == [
        "Samenvatting",
        "Per jaar",
        "Per maand",
        "PMJ",
        "Instellingen",
        "Bronnen",
    ]
    assert run.en.sheetnames == ["Summary", "Yearly", "Monthly", "PMJ", "Settings", "Sources"]
    assert workbook.sheet_names("en", pmj=True) == run.en.sheetnames
    assert workbook.sheet_names("en") == ["Summary", "Yearly", "Monthly", "Settings", "Sources"]
    assert all(len(s) <= 31 for s in run.nl.sheetnames + run.en.sheetnames)
    assert run.nl["Per jaar"]["A1"].value == "Jaar" and run.en["Yearly"]["A1"].value == "Year"
    with pytest.raises(ValueError, match="lang"):
        write_workbook(run.ds, tmp_path / "x.xlsx", lang="de")
    assert not any(tmp_path.iterdir())


YEARLY_EN = {
    "occupancy_p10": "Occupancy P10",
    "occupancy_p50": "Occupancy P50",
    "occupancy_p90": "Occupancy P90",
    "capacity": "Usable places (mean)",
    "threshold": "Shortage threshold",
    "p_shortage": "P(shortage)",
    "euros_mean": "Cost mean",
    "euros_p10": "Cost P10",
    "euros_p90": "Cost P90",
    "days": "Days",
    "pmj": "PMJ",
}
NEED_EN = {
    "needed": "Needed at 5% risk",
    "needed_low": "Needed, low 90%",
    "needed_high": "Needed, high 90%",
    "current": "Usable places (lowest)",
    "gap": "Places short",
}


def test_yearly_sheet_equals_yearly_summary_and_need(run):
    ws = run.en["Yearly"]
    cols, rows = rows_by_header(ws)
    ys = cap.yearly_summary(run.ds)
    nd = cap.need(run.ds, risk=0.05).set_index(["year", "unit"])
    assert len(rows) == len(ys) == len(nd)
    checked = 0
    for row, (_, want) in zip(rows, ys.iterrows(), strict=True):
        year, unit = row[cols["Year"]].value, row[cols["Unit"]].value
        assert (year, unit) == (want["year"], str(want["unit"]))
        for key, label in YEARLY_EN.items():
            assert same(row[cols[label]].value, want[key]), (year, unit, key)
        for key, label in NEED_EN.items():
            assert same(row[cols[label]].value, nd.loc[(year, unit), key]), (year, unit, key)
        checked += 1
    assert checked == len(ys)
    # the figures are not all zero or empty: the comparison above had numbers to compare
    total = [r for r in rows if r[cols["Unit"]].value == "total"]
    assert all(r[cols["Occupancy P50"]].value > 5000 for r in total)
    assert any(r[cols["Places short"]].value != 0 for r in total)
    # the Dutch sheet holds the same numbers
    nl_cols, nl_rows = rows_by_header(run.nl["Per jaar"])
    assert [r[nl_cols["Bezetting P50"]].value for r in nl_rows] == [
        r[cols["Occupancy P50"]].value for r in rows
    ]


def test_yearly_sheet_numbers_formats_filter_and_frozen_header(run):
    ws = run.en["Yearly"]
    cols, rows = rows_by_header(ws)
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(cols))}{len(rows) + 1}"
    closed = [r for r in rows if r[cols["Unit"]].value == "closed"]
    for r in closed:
        p = r[cols["P(shortage)"]]
        assert isinstance(p.value, int | float) and 0 <= p.value <= 1
        assert p.number_format.endswith("%")
        occ = r[cols["Occupancy P50"]]
        assert isinstance(occ.value, float) and occ.number_format == "#,##0"
        assert "€" in r[cols["Cost mean"]].number_format and r[cols["Cost mean"]].value > 1e6
        assert r[cols["Year"]].number_format == "0"
    assert ws.column_dimensions["D"].width >= 8
    pp = [r for r in rows if r[cols["Unit"]].value == "pp"]
    assert pp and all(r[cols["P(shortage)"]].value is None for r in pp)  # no capacity: empty


EUROS = {"nl": '"€ "#,##0;"€ -"#,##0', "en": '"€"#,##0'}
"""Whole euros as Excel shows them: CLDR's currency pattern of nl_NL (€ 1.234,
€ -1.234) and en_GB (€1,234, -€1,234); separators US-style, Excel localises them."""


def test_euros_have_the_currency_format_of_the_workbooks_language(run, tmp_path):
    """Every euro cell of the front sheet, the yearly sheet and a comparison, in
    the language's layout; none keeps the mark it was written with."""
    from capaciteit.outputs.workbook.cells import EUR, euro_format

    labels = {"nl": ("Samenvatting", "Kosten per jaar", "Per jaar", "Kosten gemiddeld")}
    labels["en"] = ("Summary", "Cost per year", "Yearly", "Cost mean")
    table = write_compare_workbook(
        {"alt": run.table}, "baseline", tmp_path / "c.xlsx", n=N, seed=SEED
    )
    compared = openpyxl.load_workbook(table)
    for lang, wb in (("nl", run.nl), ("en", run.en)):
        assert euro_format(lang) == EUROS[lang]
        summary, per_year, yearly, mean = labels[lang]
        front = {row[0].value: row[1] for row in wb[summary].iter_rows(min_row=4)}
        assert front[per_year].number_format == EUROS[lang]
        cols, rows = rows_by_header(wb[yearly])
        assert {r[cols[mean]].number_format for r in rows} == {EUROS[lang]}
        formats = {c.number_format for ws in wb.worksheets for row in ws.iter_rows() for c in row}
        assert EUR not in formats and {f for f in formats if "€" in f} == {EUROS[lang]}
    formats = {c.number_format for ws in compared.worksheets for row in ws.iter_rows() for c in row}
    assert EUROS["nl"] in formats and EUR not in formats


def test_summary_sheet_holds_the_headline(run):
    h = cap.headline(run.ds, risk=0.05)
    values = {
        row[0].value: row[1]
        for row in run.en["Summary"].iter_rows(min_row=4)
        if row[0].value is not None
    }
    assert values["Scenario"].value == "baseline"
    assert values["Question"].value == run.ds.attrs["scenario_title"]
    assert values["Replications"].value == N and values["Seed"].value == SEED
    assert values["Start"].value == dt.datetime(2021, 7, 1)
    assert values["End"].value == dt.datetime(2031, 6, 30)
    assert values["Version"].value == cap.__version__
    assert isinstance(values["Created (UTC)"].value, dt.datetime)
    verdict = {"likely": "Shortage likely", "possible": "Shortage possible"}
    assert values["Verdict"].value == verdict.get(h.verdict, "Shortage unlikely")
    assert same(values["Places needed at 5% risk"].value, h.needed)
    for label, value in (("Needed, low 90%", h.needed_low), ("Needed, high 90%", h.needed_high)):
        cell = values[label].value
        assert cell == "open" if value is None else same(cell, value), label  # open: no bound
    assert same(values["Places short"].value, h.gap)
    assert values["Year of largest gap"].value == h.gap_year
    assert same(values["Cost per year"].value, h.euros_per_year)
    assert "€" in values["Cost per year"].number_format
    assert values["Planning risk"].value == 0.05
    assert values["Planning risk"].number_format.endswith("%")
    for label in ("First year", "Probability that year"):
        want = h.first_year if label == "First year" else h.first_p
        assert values[label].value == ("none" if want is None else want)
    # every line says what it means
    meanings = [r[2].value for r in run.nl["Samenvatting"].iter_rows(min_row=4)]
    assert len(meanings) == len(workbook.SUMMARY_TEXT) and all(meanings)


def test_summary_says_how_far_the_back_tested_bands_held(run, tmp_path):
    """With a back-test's scores the front sheet says, after the headline, how
    many outcomes its 80% and 50% bands held 1 to 3 years ahead."""
    scores = pd.DataFrame(
        {"horizon": ["1-3 yr"], "forecasts": [34], "coverage_50": [0.353], "coverage_80": [0.706]}
    )
    path = write_workbook(run.ds, tmp_path / "b.xlsx", lang="en", backtest=scores)
    rows = {r[0].value: r[1].value for r in openpyxl.load_workbook(path)["Summary"].iter_rows()}
    assert rows["Back-test"] == (
        "1 to 3 years ahead (34 forecasts): 71% of the outcomes inside the 80% band, 35% inside "
        "the 50% band (bands too narrow). The places needed read a tail of the same bands."
    )
    assert "Back-test" not in {r[0].value for r in run.en["Summary"].iter_rows()}


def test_summary_risk_changes_the_places_needed(run, tmp_path):
    path = write_workbook(run.ds, tmp_path / "r.xlsx", risk=0.25, lang="en")
    ws = openpyxl.load_workbook(path)["Summary"]
    values = {r[0].value: r[1].value for r in ws.iter_rows(min_row=4)}
    assert same(values["Places needed at 25% risk"], cap.headline(run.ds, risk=0.25).needed)
    cols, rows = rows_by_header(openpyxl.load_workbook(path)["Yearly"])
    nd = cap.need(run.ds, risk=0.25)
    units = [u for u in run.ds.unit.values if u != "total"]
    assert [r[cols["Needed at 25% risk"]].value for r in rows[: len(units)]] == pytest.approx(
        nd.set_index(["year", "unit"]).loc[[(2021, u) for u in units], "needed"]
    )
    # the total is a count, never a place to put someone: no places needed
    assert rows[len(units)][cols["Unit"]].value == "total"
    assert rows[len(units)][cols["Needed at 25% risk"]].value is None


def test_monthly_sheet_equals_monthly_summary(run):
    cols, rows = rows_by_header(run.en["Monthly"])
    ms = cap.monthly_summary(run.ds)
    assert len(rows) == len(ms)
    for k in (0, 6, 100, len(ms) - 1):
        row, want = rows[k], ms.iloc[k]
        month = row[cols["Month"]]
        assert isinstance(month.value, dt.datetime) and month.number_format == "yyyy-mm"
        assert month.value.strftime("%Y-%m") == want["month"]
        assert row[cols["Unit"]].value == str(want["unit"])
        assert same(row[cols["Occupancy P50"]].value, want["occupancy_p50"])
        assert same(row[cols["P(shortage)"]].value, want["p_shortage"])
        assert same(row[cols["Admissions in the month"]].value, want["admissions_mean"])
    assert rows[0][cols["Occupancy P50"]].value > 0


def test_settings_sheet_holds_the_scenario(run):
    ws = run.en["Settings"]
    settings = {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True)}
    data = run.sc.to_data()
    closed = next(u for u in data["unit"] if u["name"] == "closed")
    assert settings["unit[closed].capacity"] == closed["capacity"] == 8906
    assert "unit[closed].name" not in settings  # the name is in the key
    ait = next(u for u in data["unit"] if u["name"] == "ait")["capacity"]
    assert {k: v for k, v in settings.items() if k.startswith("unit[ait].capacity.")} == {
        f"unit[ait].capacity.{d}": v for d, v in ait.items()
    }
    assert settings["scenario.start"] == dt.datetime.combine(data["scenario"]["start"], dt.time())
    assert settings["stream[pre_trial].rate_per_year"] == 12754.7  # the men: 95.9% of 13,300
    assert settings["placement[pp_senb].max_days"] == 61
    assert settings["release.rules_senb2021.refused_share"] == 0.05
    assert settings["policy"] == "(none)"
    assert settings["run.seed"] == SEED and settings["run.replications"] == N
    assert settings["run.calibration.origin"] == "2021-09-30"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref


def test_flatten_settings_keys():
    rows = workbook.flatten_settings(
        {
            "a": {"b": 1, "c": {"d": dt.date(2030, 1, 2)}},
            "unit": [{"name": "x", "capacity": 5}, {"name": "y", "capacity": {"2030-01-01": 7}}],
            "pmj": [{"year": 2030, "places": 3}],
            "days": [1.0, 2.5],
            "policy": [],
        }
    )
    assert rows == [
        ("a.b", 1),
        ("a.c.d", dt.date(2030, 1, 2)),
        ("unit[x].capacity", 5),
        ("unit[y].capacity.2030-01-01", 7),
        ("pmj[1].year", 2030),
        ("pmj[1].places", 3),
        ("days", "1, 2.5"),
        ("policy", None),
    ]


def test_sources_sheet_lists_notes_and_every_data_file(run):
    ws = run.en["Sources"]
    rows = list(ws.iter_rows())
    heads = [k for k, r in enumerate(rows) if r[0].value == "File"]
    assert len(heads) == 2
    notes_head, data_head = heads
    notes = [r for r in rows[notes_head + 1 : data_head] if r[0].value is not None]
    notes = [r for r in notes if r[2].value in LABELS]
    want = scenario_notes(BASELINE)
    assert len(notes) == len(want) > 10
    assert [(r[2].value, r[3].value, r[4].value) for r in notes] == [
        (n.label, n.where, n.text) for n in want
    ]
    data = [r for r in rows[data_head + 1 :] if r[0].value]
    files = {r[0].value for r in data}
    assert files == {f"capaciteit/data/{p.name}" for p in DATA_DIR.glob("*.csv")}
    urls = [r[4] for r in data]
    assert all(c.hyperlink is not None and c.hyperlink.target == c.value for c in urls)
    assert all(isinstance(r[1].value, int) and r[1].value > 0 for r in data)  # figures


def test_scenario_from_its_file_and_without_one(run, tmp_path):
    path = write_workbook(run.ds, tmp_path / "p.xlsx", scenario_path=BASELINE, lang="en")
    wb = openpyxl.load_workbook(path)
    settings = {r[0]: r[1] for r in wb["Settings"].iter_rows(min_row=2, values_only=True)}
    assert settings["unit[bba].capacity"] == 300
    bare = openpyxl.load_workbook(write_workbook(run.ds, tmp_path / "b.xlsx", lang="en"))
    settings = {r[0]: r[1] for r in bare["Settings"].iter_rows(min_row=2, values_only=True)}
    assert settings["scenario"] == "(not given)" and settings["run.seed"] == SEED
    assert not any(k.startswith("unit[") for k in settings)
    texts = [c.value for c in bare["Sources"]["A"]]
    assert "(no scenario file given)" in texts


def test_refuses_the_settings_of_another_scenario(run, tmp_path):
    other = cap.load_scenario(SCENARIOS / "stylized.toml")
    with pytest.raises(ValueError, match="stylized"):
        write_workbook(run.ds, tmp_path / "x.xlsx", scenario=other)
    assert list(tmp_path.iterdir()) == []


def test_failed_sheet_leaves_no_file(run, tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(workbook, "_monthly_sheet", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_workbook(run.ds, tmp_path / "w.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_failed_save_leaves_the_old_file_and_no_temp_file(run, tmp_path, monkeypatch):
    path = tmp_path / "w.xlsx"
    path.write_bytes(b"old workbook")

    def half_save(self, filename):
        Path(filename).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError("no space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", half_save)
    with pytest.raises(OSError, match="no space"):
        write_workbook(run.ds, path)
    assert list(tmp_path.iterdir()) == [path]
    assert path.read_bytes() == b"old workbook"
    with pytest.raises(OSError, match="no space"):
        write_compare_workbook({"a": run.table}, "base", path, n=N, seed=SEED)
    assert list(tmp_path.iterdir()) == [path]
    assert path.read_bytes() == b"old workbook"


def test_write_replaces_an_old_file(run, tmp_path):
    path = tmp_path / "w.xlsx"
    path.write_bytes(b"old workbook")
    assert write_workbook(run.ds, path, lang="en") == path
    assert list(tmp_path.iterdir()) == [path]
    assert openpyxl.load_workbook(path).sheetnames[0] == "Summary"
    assert path.stat().st_mode & 0o044  # readable by others, unlike a mkstemp file


def test_compare_workbook_equals_paired(run, tmp_path):
    long = "a scenario with a name far longer than thirty-one characters"
    tables = {
        "high-inflow": run.table,
        long: run.table,
        long + " too": run.table,
        "x/y:z?": run.table,
    }
    path = write_compare_workbook(
        tables,
        "baseline",
        tmp_path / "c.xlsx",
        n=N,
        seed=SEED,
        lang="en",
        titles={"high-inflow": "What if inflow rises?", "baseline": "The base question"},
        price_level=2016,
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "About"
    names = wb.sheetnames[1:]
    assert len(names) == 4 and len({n.lower() for n in names}) == 4
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert names[0] == "high-inflow"
    front = " ".join(str(c.value) for row in wb["About"].iter_rows() for c in row if c.value)
    assert "common random numbers" in front and "95%" in front
    assert f"({N})" in front and f"({SEED})" in front
    assert "What if inflow rises?" in front and "The base question" in front and "2016" in front
    cols, rows = rows_by_header(wb["high-inflow"])
    t = run.table
    assert len(rows) == len(t)
    for row, (_, want) in zip(rows, t.iterrows(), strict=True):
        assert row[cols["Year"]].value == want["year"] and row[cols["Unit"]].value == want["unit"]
        assert row[cols["Days"]].value == want["days"]
        assert row[cols["Pool"]].value == ("yes" if want["pool"] else "no")
        assert bool(row[cols["Base"]].font.i) == (want["days"] < 365)  # a partial year
        for key, label in (
            ("base", "Base"),
            ("alternative", "Alternative"),
            ("difference", "Difference"),
            ("low", "Low 95%"),
            ("high", "High 95%"),
        ):
            assert same(row[cols[label]].value, want[key]), (want["year"], want["unit"], key)
        fmt = row[cols["Difference"]].number_format
        if want["metric"] == "shortage":
            assert row[cols["Metric"]].value == "P(shortage)"
            assert row[cols["Difference"]].value is None or fmt.endswith("%")
        elif want["metric"] == "euros":
            assert "€" in fmt
    # ten percent more inflow: more people in 2030, a difference the comparison can see
    occ = t[(t.metric == "occupancy_mean") & (t.unit == "total") & (t.year == 2030)].iloc[0]
    assert occ["difference"] > 0
    nl = openpyxl.load_workbook(
        write_compare_workbook(tables, "baseline", tmp_path / "n.xlsx", n=N, seed=SEED)
    )
    assert nl.sheetnames[0] == "Toelichting" and nl.sheetnames[1:] == names


def test_safe_sheet_name():
    taken = {"summary"}
    assert safe_sheet_name("Summary", taken) == "Summary (2)"
    assert safe_sheet_name("History", taken) == "History (2)"
    a = safe_sheet_name("x" * 40, taken)
    b = safe_sheet_name("x" * 40, taken)
    assert len(a) == len(b) == 31 and a != b
    assert safe_sheet_name("'a[b]'", taken) == "a_b_"
    assert np.all([len(n) <= 31 for n in taken])


def test_yearly_table_is_yearly_summary_with_need(run):
    t = workbook.yearly_table(run.ds, risk=0.1)
    ys = cap.yearly_summary(run.ds)
    nd = cap.need(run.ds, risk=0.1)
    pd.testing.assert_series_equal(
        t["occupancy_p90"], ys["occupancy_p90"], check_names=False, check_exact=True
    )
    np.testing.assert_array_equal(
        t["needed"].to_numpy(),
        nd.set_index(["year", "unit"])
        .loc[list(zip(t["year"], t["unit"], strict=True)), "needed"]
        .to_numpy(),
    )


def test_partial_years_are_set_apart_in_the_yearly_sheet(run):
    """A partial year's euros sit beside whole years': its row is greyed and in
    italics, every cell of it, and only its."""
    cols, rows = rows_by_header(run.en["Yearly"])
    partial = [r for r in rows if r[cols["Days"]].value < 365]
    whole = [r for r in rows if r[cols["Days"]].value >= 365]
    assert partial and whole
    assert all(c.font.italic for r in partial for c in r)
    assert not any(c.font.italic for r in whole for c in r)


def test_places_needed_interval_is_scipys_quantile_interval():
    """The interval of the places needed (columns 'Needed, low/high 90%') is the
    order-statistic interval scipy's quantile_test gives (scipy >= 1.12): the
    same bounds, and none where the replications are too few for one."""
    from scipy import stats

    from capaciteit.outputs.capacity import quantile_interval

    if not hasattr(stats, "quantile_test"):
        pytest.skip("scipy.stats.quantile_test is new in scipy 1.12")
    for n in (5, 10, 20, 30, 59, 60, 100, 200, 1000):
        x = np.arange(n, dtype=float)
        for p in (0.95, 0.9, 0.5):
            ci = stats.quantile_test(x, q=0, p=p).confidence_interval(0.9)
            lo, hi = quantile_interval(n, p, 0.9)
            ours = (x[lo] if lo >= 0 else np.nan, x[hi] if hi < n else np.nan)
            np.testing.assert_array_equal(ours, (ci.low, ci.high))
