"""PMJ side by side: an edition's path is the CBS stock grown as the statement
says (exactly), bad editions are refused with one line each, the report and the
workbook say where the run and each edition part, and each edition is scored
against the CBS stocks counted after it was published."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import numpy as np
import openpyxl
import pytest

import capaciteit as cap
from capaciteit.outputs import pmj
from capaciteit.outputs.pmj import pmj_chart
from capaciteit.outputs.report import fmt_num, fmt_pct, pmj_sentence, render_report
from capaciteit.outputs.workbook import sheet_names, write_workbook
from capaciteit.run.backtest import origin_scenario
from capaciteit.run.results import yearly_summary
from capaciteit.scenario import parse_scenario, year_ranges
from capaciteit.scenario.provenance import scenario_notes

from .conftest import ROOT, SCENARIOS
from .test_report import Page, num

STOCK = pmj.cbs_stock()

SMALL = """
[scenario]
name = "small-pmj"
start = 2021-07-01
end = 2024-12-31
warmup_days = 200

[[unit]]
name = "main"
capacity = 230
when_full = "wait"

[[stream]]
name = "direct"
unit = "main"
rate_per_year = 3000
stay = { distribution = "exponential", mean_days = 30 }
"""

T_2026 = """
[[pmj]]
edition = "t/m 2026"
published = 2021-06-17
source = "WODC news 2021-06-17, https://www.wodc.nl/actueel/nieuws/2021/06/17/x"
status = "VERIFIED"
statement = "+1% a year on average 2020-2026"
growth_per_year = 0.01
from_year = 2020
to_year = 2026
"""

T_2022 = """
[[pmj]]
edition = "t/m 2022"
published = "2017-05"
source = "Trouw 2017-05"
status = "REPORTED"
total_change = -0.07
from_year = 2016
to_year = 2022
"""

T_2027 = """
[[pmj]]
edition = "t/m 2027"
published = "2022"
source = "WODC text republished"
status = "VERIFIED"
growth_per_year = 0.03
from_year = 2021
to_year = 2027
"""

TRENDWATCH = """
[[pmj]]
edition = "Trendwatch 2011"
published = "2011-08"
source = "NRC 2011-08-12"
status = "REPORTED"
points = { 2015 = 8875 }
"""


def editions(*blocks: str) -> list:
    """The editions of ``SMALL`` with these ``[[pmj]]`` blocks."""
    import tomllib

    return parse_scenario(tomllib.loads(SMALL + "".join(blocks))).pmj_editions()


# --------------------------------------------------------------------------- paths


def test_the_cbs_stocks_the_paths_start_from():
    """The shipped CBS 30-September stocks the tests below rest on."""
    assert (STOCK[2015], STOCK[2016], STOCK[2020], STOCK[2021], STOCK[2024]) == (
        8980,
        8810,
        9140,
        9330,
        9800,
    )
    assert 2023 not in STOCK  # not published: no path is scored there


def test_growth_path_is_the_cbs_stock_grown_each_year():
    [e] = editions(T_2026)
    path = pmj.path(e)
    assert [p.year for p in path] == list(range(2020, 2027))
    assert [p.basis for p in path] == ["CBS"] + ["DERIVED"] * 6
    assert [p.value for p in path] == [9140 * 1.01**k for k in range(7)]
    assert path[1].value == pytest.approx(9231.4, rel=1e-15)  # 9,140 x 1.01


def test_total_change_path_ends_at_the_change():
    [e] = editions(T_2022)
    path = pmj.path(e)
    assert [p.year for p in path] == list(range(2016, 2023))
    assert [p.value for p in path] == [8810 * (1 - 0.07) ** (k / 6) for k in range(7)]
    # 1 - 0.07 is 0.93 to within one rounding, the product to within one more
    assert path[-1].value == pytest.approx(0.93 * 8810, rel=4 * 2**-53)
    assert round(path[-1].value, 6) == 8193.3
    ratios = [b.value / a.value for a, b in itertools.pairwise(path)]
    assert ratios == pytest.approx([0.93 ** (1 / 6)] * 6, rel=1e-14)  # the same each year


def test_points_stand_as_published():
    [e] = editions(TRENDWATCH)
    assert pmj.path(e) == [pmj.PathYear(2015, 8875.0, "REPORTED")]
    assert not pmj.is_derived(e)


def test_the_docs_example_of_a_level_is_valid():
    doc = (ROOT / "docs" / "scenario.md").read_text()
    [block] = [b for b in re.findall(r"```toml\n(.*?)```", doc, re.S) if "Trendwatch" in b]
    [e] = editions(block)
    assert pmj.path(e) == [pmj.PathYear(2015, 8875.0, "REPORTED")]


# --------------------------------------------------------------------------- validation


def lines(run_cli, path) -> tuple[int, list[str]]:
    code, _, err = run_cli("validate", path)
    assert "Traceback" not in err
    return code, [x.removeprefix(f"{path}: ") for x in err.splitlines()]


def edition(**keys: object) -> str:
    """A ``[[pmj]]`` block: t/m 2026 with ``keys`` changed (None drops a key)."""
    base = {
        "edition": '"t/m 2026"',
        "published": "2021-06-17",
        "source": '"WODC"',
        "status": '"VERIFIED"',
        "growth_per_year": "0.01",
        "from_year": "2020",
        "to_year": "2026",
    }
    base.update({k: v for k, v in keys.items()})
    return "\n[[pmj]]\n" + "".join(f"{k} = {v}\n" for k, v in base.items() if v is not None)


HAS = year_ranges(sorted(STOCK))


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"colour": '"red"'}, "pmj 't/m 2026'.colour: unknown key"),
        (
            {"grwth_per_year": "0.01", "growth_per_year": None},
            "pmj 't/m 2026'.grwth_per_year: unknown key (did you mean 'growth_per_year'?)",
        ),
        (
            {"from_year": "2001", "published": "2003-01-01"},
            "pmj 't/m 2026'.from_year: no CBS 30-September stock for 2001 in "
            f"capaciteit/data/stock_30sept.csv (it has {HAS}): the path starts from a "
            "counted stock",
        ),
        ({"from_year": "-2020"}, "pmj 't/m 2026'.from_year: must be a year 1990-2100"),
        ({"to_year": "20260"}, "pmj 't/m 2026'.to_year: must be a year 1990-2100"),
        ({"to_year": "2019"}, "pmj 't/m 2026': to_year must be after from_year"),
        (
            {"from_year": "2021"},
            "pmj 't/m 2026': from_year 2021: its CBS stock (30 September) was not yet counted when "
            "the edition was published (2021-06-17); the path starts from a stock counted "
            "before it",
        ),
        (
            {"published": '"2027"'},
            "pmj 't/m 2026': to_year 2026 is before it was published (2027): "
            "a forecast is of later years",
        ),
        (
            {"published": '"2021-13"'},
            "pmj 't/m 2026'.published"
            ': must be a date (2021-06-17, unquoted), or "YYYY-MM" or '
            '"YYYY" in quotes where only the month or the year is known',
        ),
        (
            {"growth_per_year": "1"},
            "pmj 't/m 2026'.growth_per_year: must be a fraction between -0.5 and 0.5 "
            "(+1% a year is 0.01)",
        ),
        (
            {"total_change": "-7", "growth_per_year": None},
            "pmj 't/m 2026'.total_change: must be a fraction above -1 and at most 3 (-7% is -0.07)",
        ),
        (
            {"points": "{ 2015 = 8875 }"},
            "pmj 't/m 2026': give only one of growth_per_year, total_change or points",
        ),
        (
            {"growth_per_year": None},
            "pmj 't/m 2026': give one of growth_per_year, total_change or points",
        ),
        (
            {"growth_per_year": None, "points": "{ 2030 = 9000 }"},
            "pmj 't/m 2026': from_year and to_year go with growth_per_year or total_change; points "
            "name their own years",
        ),
        (
            {
                "growth_per_year": None,
                "from_year": None,
                "to_year": None,
                "points": '{ "-2015" = 1 }',
            },
            "pmj 't/m 2026'.points: key '-2015' is not a year 1990-2100 (write 2015 = 8875)",
        ),
        (
            {
                "growth_per_year": None,
                "from_year": None,
                "to_year": None,
                "points": "{ 2015 = 1, 2022 = 2 }",
            },
            "pmj 't/m 2026': points: 2015 is before it was published (2021-06-17): "
            "a forecast is of later years",
        ),
        ({"to_year": None}, "pmj 't/m 2026': growth_per_year needs from_year and to_year"),
        ({"source": None}, "pmj 't/m 2026'.source: required key is missing"),
        (
            {"status": '"verified"'},
            "pmj 't/m 2026'.status: must be one of 'VERIFIED' or 'REPORTED'",
        ),
    ],
)
def test_a_bad_edition_is_refused_with_one_line(write, run_cli, keys, message):
    code, got = lines(run_cli, write("bad.toml", SMALL + edition(**keys)))
    assert (code, got) == (2, [message])


def test_an_edition_without_its_name_is_an_edition(write, run_cli):
    """Any edition key makes an entry an edition, so the message is about the
    edition's keys, not a figure's `year` and `places`."""
    code, got = lines(run_cli, write("noname.toml", SMALL + edition(edition=None)))
    assert (code, got) == (2, ["pmj[0].edition: required key is missing"])


def test_an_edition_is_given_once(write, run_cli):
    path = write("twice.toml", SMALL + edition() + edition(growth_per_year="0.02"))
    code, got = lines(run_cli, path)
    assert (code, got) == (2, ["pmj[1].edition: 't/m 2026' is given twice (also pmj[0])"])


def test_a_publication_known_to_the_month_or_year_counts_from_its_first_day(write, run_cli):
    """The stock a path starts from must have been counted before the first day
    the publication can stand for: 30 September 2020 is before "2020-12" and
    "2021", not before "2020-09" (it may have come out on the 1st)."""
    for published, code in (('"2021"', 0), ('"2020-12"', 0), ('"2020-09"', 2)):
        got = lines(run_cli, write("p.toml", SMALL + edition(published=published)))
        assert got[0] == code
        problems = [x for x in got[1] if not x.startswith("warning:")]
        if code:
            assert problems == [
                "pmj 't/m 2026': from_year 2020: its CBS stock (30 September) was not yet counted "
                "when the edition was published (2020-09); the path starts from a stock "
                "counted before it"
            ]
        else:
            assert problems == []


def test_figures_and_editions_live_side_by_side(tmp_path):
    """The old form (a figure for a year) still feeds yearly.csv; an edition
    does not, and both survive the round trip a back-test makes."""
    path = tmp_path / "both.toml"
    path.write_text(
        SMALL + T_2026 + '\n[[pmj]]\nyear = 2022\nplaces = 240\nsource = "test figure"\n'
    )
    sc = cap.load_scenario(path)
    assert [type(p).__name__ for p in sc.pmj] == ["PmjEdition", "Pmj"]
    assert parse_scenario(sc.to_data()).pmj == sc.pmj
    with pytest.warns(cap.ScenarioWarning, match="full most of the run"):
        ds = cap.simulate(sc, replications=2, seed=1)
    pmj_var = ds["pmj"].sel(unit="total").to_series()
    assert pmj_var.loc[2022] == 240 and pmj_var.drop(2022).isna().all()


def test_shipped_editions_with_their_sources_and_labels():
    base = cap.load_scenario(SCENARIOS / "baseline.toml").pmj_editions()
    level = base.pop(1)  # a published level, scored by the back-test (pmj.csv)
    assert (level.edition, str(level.published), level.status) == (
        "Trendwatch 2011",
        "2011-08",
        "REPORTED",
    )
    assert level.points == {"2015": 8875} and level.source == "NRC 2011-08-12"  # no URL in the data
    assert [(e.edition, str(e.published), e.status) for e in base] == [
        ("t/m 2022", "2017-05", "REPORTED"),
        ("t/m 2026", "2021-06-17", "VERIFIED"),
        ("t/m 2027", "2022", "VERIFIED"),
        ("WODC 2025", "2025-05", "REPORTED"),
    ]
    assert [(e.growth_per_year, e.total_change, e.from_year, e.to_year) for e in base] == [
        (None, -0.07, 2016, 2022),
        (0.01, None, 2020, 2026),
        (0.03, None, 2021, 2027),
        (0.01, None, 2024, 2030),
    ]
    assert all(re.search(r"https://\S+", e.source) for e in base)
    forecast = cap.load_scenario(SCENARIOS / "forecast-2024.toml").pmj_editions()
    assert forecast == [base[0], level, *base[1:]]  # inherited from the baseline
    # the paths are comparisons: the baseline (origin 2021) draws WODC 2025 from 2024's stock
    assert pmj.path(base[3])[0] == pmj.PathYear(2024, 9800.0, "CBS")
    # and the back-test's scenarios keep them
    assert origin_scenario(cap.load_scenario(SCENARIOS / "baseline.toml"), 2016).pmj_editions()
    for name in ("baseline.toml",):  # forecast-2024.toml inherits them with their notes
        notes = [n for n in scenario_notes(SCENARIOS / name) if n.file == name]
        derived = [n for n in notes if n.label == "DERIVED" and "pmj" in n.where]
        assert len(derived) == 1 and "PMJ levels" not in derived[0].text
        assert "growth statements" in derived[0].text and "immigration" in derived[0].text


# --------------------------------------------------------------------------- scoring


def test_score_against_the_cbs_stocks_counted_after_publication():
    entries = editions(T_2022, T_2026, T_2027, TRENDWATCH)
    s = pmj.score(entries)
    got = list(zip(s["edition"], s["year"], strict=True))
    assert got == [
        *[("t/m 2022", y) for y in range(2017, 2023)],  # May 2017: 30 Sept 2017 on
        ("t/m 2026", 2021),  # 17 June 2021: 30 Sept 2021 on; no stock for 2023
        ("t/m 2026", 2022),
        ("t/m 2026", 2024),
        ("t/m 2027", 2024),  # "2022": from the end of 2022, so not 30 Sept 2022
        ("Trendwatch 2011", 2015),
    ]
    want_pmj = [8810 * (1 - 0.07) ** (k / 6) for k in range(1, 7)] + [
        9140 * 1.01,
        9140 * 1.01**2,
        9140 * 1.01**4,
        9330 * 1.03**3,
        8875.0,
    ]
    want_cbs = [9140, 9540, 9920, 9140, 9330, 9200, 9330, 9200, 9800, 9800, 8980]
    assert s["pmj"].tolist() == want_pmj
    assert s["cbs"].tolist() == want_cbs
    assert s["error"].tolist() == [p - c for p, c in zip(want_pmj, want_cbs, strict=True)]
    assert s["abs_pct_error"].tolist() == [
        abs(p - c) / c for p, c in zip(want_pmj, want_cbs, strict=True)
    ]
    assert s["basis"].tolist() == ["DERIVED"] * 10 + ["REPORTED"]
    tw = s.iloc[-1]
    assert (tw["error"], tw["abs_pct_error"]) == (-105.0, 105 / 8980)  # 8,875 against 8,980
    assert s.loc[s["edition"] == "t/m 2026", "error"].round(6).tolist() == [
        -98.6,
        123.714,
        -288.879349,
    ]


def test_score_of_no_edition_is_an_empty_table():
    s = pmj.score([])
    assert s.empty and "abs_pct_error" in s.columns


# --------------------------------------------------------------------------- outputs


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A small run with a wing that is full (demand above occupancy), three
    editions beside it (one with no year in common) and its outputs."""
    folder = tmp_path_factory.mktemp("pmj")
    path = folder / "small.toml"
    path.write_text(SMALL + T_2026 + T_2027 + TRENDWATCH)
    sc = cap.load_scenario(path)
    with pytest.warns(cap.ScenarioWarning, match="full most of the run"):
        ds = cap.simulate(sc, replications=5, seed=1)
    return {"path": path, "sc": sc, "ds": ds, "ys": yearly_summary(ds)}


def test_differences_are_the_last_whole_common_year(run):
    d26, d27, dtw = pmj.differences(run["sc"].pmj, run["ys"])
    total = run["ys"][run["ys"]["unit"] == "total"].set_index("year")
    assert d26.years == (2021, 2022, 2023, 2024) and d26.year == 2024  # 2021 is partial
    assert total.loc[2021, "days"] == 184 and d26.whole_year
    assert d26.pmj == 9140 * 1.01**4 and d26.basis == "DERIVED"
    assert d26.occupancy_p50 == total.loc[2024, "occupancy_p50"] == 230  # the wing is full
    assert d26.difference == 230 - 9511 and d26.share == (230 - 9511) / 9511
    assert d26.capped and d26.demand_difference == round(total.loc[2024, "demand_p50"]) - 9511
    assert d27.year == 2024 and d27.pmj == 9330 * 1.03**3
    assert (dtw.year, dtw.years) == (None, ())


def test_report_says_where_each_edition_parts(run):
    html = render_report(run["ds"], scenario_path=run["path"], lang="en")
    page = Page(html)
    total = run["ys"][run["ys"]["unit"] == "total"].set_index("year")
    demand = round(total.loc[2024, "demand_p50"])
    assert page.text["pmj-t-m-2026"] == (
        "PMJ t/m 2026 (17 June 2021, VERIFIED): in 2024 capaciteit's median is 230, the PMJ "
        "path 9,511 (DERIVED: +1.0% a year from the CBS stock of 2020, 9,140); capaciteit is "
        "9,281 (97.6%) lower. In 2024 the run's cells are full: without limits the median is "
        f"{fmt_num(demand, 'en')}, {fmt_num(9511 - demand, 'en')} "
        f"({fmt_pct((9511 - demand) / 9511, 'en')}) lower than the PMJ path. The PMJ counts "
        "immigration detention, capaciteit does not."
    )
    assert page.text["pmj-t-m-2027"].startswith(
        "PMJ t/m 2027 (2022, VERIFIED): in 2024 capaciteit's median is 230, the PMJ path "
        "10,195 (DERIVED: +3.0% a year from the CBS stock of 2021, 9,330); capaciteit is "
        "9,965 (97.7%) lower."
    )
    assert page.text["pmj-trendwatch-2011"] == (
        "PMJ Trendwatch 2011 (August 2011, REPORTED): no year in common with this run (its "
        "path runs from 2015 to 2015)."
    )
    assert "immigration detention" in page.text["pmj-intro"]
    assert "DERIVED" in page.text["pmj-intro"]
    assert "fig-pmj" in {i["figure"] for i in page.images}
    # the table by year is pmj.beside, whole people
    frame = pmj.beside(run["sc"].pmj, run["ys"])
    table = page.tables["table-pmj"]
    assert table["head"][0][-2:] == ["PMJ t/m 2026 (DERIVED)", "PMJ t/m 2027 (DERIVED)"]
    assert [int(r[0]) for r in table["body"]] == frame.index.tolist() == list(range(2020, 2028))
    for row, (year, want) in zip(table["body"], frame.iterrows(), strict=True):
        cells = row[1:]
        keys = ["occupancy_p10", "occupancy_p50", "occupancy_p90", "demand_p50", "cbs"]
        for text, key in zip(cells, [*keys, "t/m 2026", "t/m 2027"], strict=True):
            value = want[key]
            assert text == "–" if np.isnan(value) else num(text, "en") == round(value), (year, key)
    assert table["classes"][frame.index.get_loc(2021)] == "partial"
    # the sources, in words: no link leaves the page
    assert "https://www.wodc.nl/actueel/nieuws/2021/06/17/x" in page.text["pmj-sources"]
    assert not [v for a, v, _ in page.refs if a == "href" and "wodc" in v]


def test_report_in_dutch(run):
    page = Page(render_report(run["ds"], scenario_path=run["path"], lang="nl"))
    assert page.text["pmj-t-m-2026"].startswith(
        "PMJ t/m 2026 (17 juni 2021, VERIFIED): in 2024 is de mediaan van capaciteit 230, "
        "het PMJ-pad 9.511 (AFGELEID: +1,0% per jaar vanaf de CBS-stand van 2020, 9.140); "
        "capaciteit ligt 9.281 (97,6%) lager."
    )
    assert "vreemdelingenbewaring" in page.text["pmj-intro"]


def test_a_path_that_meets_only_a_partial_year_says_so(run):
    [e] = editions(
        '\n[[pmj]]\nedition = "p"\npublished = "2020"\nsource = "s"\nstatus = "REPORTED"\n'
        "points = { 2021 = 300 }\n"
    )
    [d] = pmj.differences([e], run["ys"])
    assert (d.year, d.whole_year, d.basis) == (2021, False, "REPORTED")
    assert pmj_sentence(d, "en").startswith(
        "PMJ p (2020, REPORTED): in 2021 capaciteit's median is 230, the PMJ path 300 "
        "(published level, REPORTED); capaciteit is 70 (23.3%) lower. 2021 is only partly in "
        "the run; the run and the path share no whole year."
    )


def test_the_figure_draws_each_path_and_carries_its_sources(run):
    frame = pmj.beside(run["sc"].pmj, run["ys"])
    ax = pmj_chart(frame, [("t/m 2026", True), ("t/m 2027", True)], lang="en")
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["PMJ t/m 2026 (DERIVED)"].get_ydata()) == [9140 * 1.01**k for k in range(7)]
    assert list(lines["PMJ t/m 2026 (DERIVED)"].get_xdata()) == list(range(2020, 2027))
    assert list(lines["CBS stock 30 Sept."].get_ydata()) == [9140, 9330, 9200, 9800]
    assert list(lines["capaciteit: mean occupancy P50"].get_xdata()) == [2021, 2022, 2023, 2024]
    [note] = ax.texts
    text = note.get_text().replace("\n", " ")
    assert "CBS StatLine 84425NED" in text and "immigration detention" in text


def test_workbook_sheet_has_the_paths_the_comparison_and_the_scores(run, tmp_path):
    path = write_workbook(run["ds"], tmp_path / "w.xlsx", scenario=run["sc"], lang="en")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == sheet_names("en", pmj=True)
    assert wb.sheetnames[3] == "PMJ"
    rows = [tuple(r) for r in wb["PMJ"].iter_rows(values_only=True)]
    assert "immigration detention" in rows[1][0]
    heads = [k for k, r in enumerate(rows) if r[0] in ("Year", "Edition")]
    assert len(heads) == 3
    by_year, per_edition, scored = heads

    def block(k: int) -> list[tuple]:
        out = []
        for r in rows[k + 1 :]:
            if r[0] is None:
                break
            out.append(r)
        return out

    frame = pmj.beside(run["sc"].pmj, run["ys"])
    head = rows[by_year]
    assert head[:7] == (
        "Year",
        "capaciteit P10",
        "capaciteit P50",
        "capaciteit P90",
        "Demand P50",
        "Days in the run",
        "CBS 30 Sept.",
    )
    assert head[7:9] == ("PMJ t/m 2026 (DERIVED)", "PMJ t/m 2027 (DERIVED)")
    got = block(by_year)
    assert [r[0] for r in got] == frame.index.tolist()
    for r, (_, want) in zip(got, frame.iterrows(), strict=True):
        values = [want[k] for k in [*pmj.RUN_COLUMNS, "cbs", "t/m 2026", "t/m 2027"]]
        # a cell keeps 15 significant digits (Excel's precision)
        assert list(r[1:9]) == [
            None if np.isnan(v) else pytest.approx(v, rel=1e-14) for v in values
        ]
    diffs = pmj.differences(run["sc"].pmj, run["ys"])
    got = block(per_edition)
    assert [r[0] for r in got] == ["t/m 2026", "t/m 2027", "Trendwatch 2011"]
    cols = rows[per_edition]
    for r, d in zip(got[:2], diffs[:2], strict=True):
        row = dict(zip(cols, r, strict=True))
        assert row["Year compared"] == d.year and row["Difference"] == d.difference
        assert row["PMJ"] == pytest.approx(d.pmj, rel=1e-14)
        assert row["Difference (%)"] == pytest.approx(d.share, rel=1e-14)
    trendwatch = dict(zip(cols, got[2], strict=True))  # no year in common: nothing compared
    assert [trendwatch[k] for k in ("Year compared", "PMJ", "Difference")] == [None] * 3
    assert dict(zip(cols, got[0], strict=True))["Cells full"] == "yes"
    assert dict(zip(cols, got[0], strict=True))["URL"] == (
        "https://www.wodc.nl/actueel/nieuws/2021/06/17/x"
    )
    score = pmj.score(run["sc"].pmj)
    got = block(scored)
    assert [(r[0], r[3]) for r in got] == list(zip(score["edition"], score["year"], strict=True))
    assert [r[5] for r in got] == pytest.approx(score["pmj"].tolist(), rel=1e-14)
    assert [r[8] for r in got] == pytest.approx(score["abs_pct_error"].tolist(), rel=1e-14)


def test_a_scenario_without_editions_shows_nothing_new(tmp_path):
    path = tmp_path / "plain.toml"
    path.write_text(
        SMALL.replace('capacity = 230\nwhen_full = "wait"', "capacity = 400")
        + '\n[[pmj]]\nyear = 2022\nplaces = 240\nsource = "test figure"\n'
    )
    sc = cap.load_scenario(path)
    ds = cap.simulate(sc, replications=2, seed=1)
    page = Page(render_report(ds, scenario_path=path, lang="en"))
    assert not {"pmj", "pmj-intro", "pmj-editions", "fig-pmj"} & set(page.ids)
    assert "table-pmj" not in page.tables
    wb = openpyxl.load_workbook(write_workbook(ds, tmp_path / "w.xlsx", scenario=sc))
    assert wb.sheetnames == sheet_names("nl") and "PMJ" not in wb.sheetnames


def test_published_dates_read_as_written():
    from capaciteit.outputs.report import fmt_published

    assert fmt_published(dt.date(2021, 6, 17), "nl") == "17 juni 2021"
    assert fmt_published("2017-05", "nl") == "mei 2017"
    assert fmt_published("2017-05", "en") == "May 2017"
    assert fmt_published("2022", "en") == "2022"


def test_an_extending_scenario_adds_its_edition_to_those_it_inherits(tmp_path):
    """Editions merge by `edition`, as units and policies merge by `name`: a new
    one is added beside the parent's, a known one is changed in place."""
    path = tmp_path / "mine.toml"
    path.write_text(
        f'[scenario]\nname = "mine"\nextends = "{SCENARIOS / "forecast-2024.toml"}"\n\n'
        '[[pmj]]\nedition = "mine"\npublished = 2026-01-15\nsource = "my own reading"\n'
        'status = "REPORTED"\ngrowth_per_year = 0.01\nfrom_year = 2024\nto_year = 2034\n\n'
        '[[pmj]]\nedition = "t/m 2027"\nstatement = "changed here"\n'
    )
    parent = cap.load_scenario(SCENARIOS / "forecast-2024.toml").pmj_editions()
    got = cap.load_scenario(path).pmj_editions()
    assert [e.edition for e in got] == [e.edition for e in parent] + ["mine"]
    changed = next(e for e in got if e.edition == "t/m 2027")
    assert changed.statement == "changed here" and changed.growth_per_year == 0.03


def test_a_figure_of_one_year_is_added_beside_the_inherited_editions(tmp_path):
    """A `[[pmj]]` figure (year and places, no edition) in a scenario that
    extends another is added to the parent's editions, not put in their place
    (the lists merge by their items' names; a figure has none)."""
    path = tmp_path / "fig.toml"
    path.write_text(
        f'[scenario]\nname = "fig"\nextends = "{SCENARIOS / "forecast-2024.toml"}"\n\n'
        '[[pmj]]\nyear = 2030\nplaces = 10000\nsource = "my own reading"\n'
    )
    parent = cap.load_scenario(SCENARIOS / "forecast-2024.toml")
    got = cap.load_scenario(path)
    assert [e.edition for e in got.pmj_editions()] == [e.edition for e in parent.pmj_editions()]
    assert len(got.pmj) == len(parent.pmj) + 1 and got.pmj[-1].places == 10000
