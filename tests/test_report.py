"""The HTML report says what the run says: its numbers are the dataset's, its
figures are real PNGs inside the page, nothing points outside it, and the
Dutch and English pages differ in words, not in figures."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import struct
import zlib
from collections import defaultdict
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import capaciteit as cap
from capaciteit.outputs import report
from capaciteit.outputs.figures import difference_chart, fan_chart, shortage_chart
from capaciteit.outputs.headline import headline
from capaciteit.outputs.i18n import translate
from capaciteit.outputs.names import unit_label
from capaciteit.outputs.report import (
    LABEL_ORDER,
    fmt_eur,
    fmt_num,
    fmt_pct,
    render_compare_report,
    render_report,
    slug,
    write_report,
)
from capaciteit.outputs.report.texts import REPORT
from capaciteit.run.compare import paired
from capaciteit.scenario.provenance import data_sources, scenario_notes

from .conftest import ROOT

MEASURES = ROOT / "scenarios" / "shortage-measures-2024.toml"
BACKTEST = ROOT / "results" / "backtest" / "summary.csv"
BACKTEST_PNG = ROOT / "results" / "backtest" / "backtest.png"
VOID = {"img", "meta", "br", "hr", "link", "input", "source", "col", "wbr"}


class Page(HTMLParser):
    """What a test needs of a page: ids, links, images, text per id, tables."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html_lang: str | None = None
        self.ids: dict[str, dict[str, str]] = {}
        self.duplicate_ids: list[str] = []
        self.refs: list[tuple[str, str, str | None]] = []  # (attr, value, table id)
        self.images: list[dict[str, str]] = []  # attrs plus the enclosing figure id
        self.text: dict[str, str] = defaultdict(str)
        self.headings: list[tuple[str, str]] = []
        self.tables: dict[str, dict[str, list]] = {}
        self.tags: set[str] = set()
        self._stack: list[tuple[str, str | None]] = []
        self._table: str | None = None
        self._part = "body"
        self._row: list[str] | None = None
        self._row_class = ""
        self._cell: list[str] | None = None
        self._heading: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if tag == "html":
            self.html_lang = a.get("lang")
        if "id" in a:
            if a["id"] in self.ids:
                self.duplicate_ids.append(a["id"])
            self.ids[a["id"]] = {"tag": tag, **a}
        for attr in ("src", "href"):
            if attr in a:
                self.refs.append((attr, a[attr], self._table))
        if tag == "img":
            figure = next((i for t, i in reversed(self._stack) if t == "figure"), None)
            self.images.append({"figure": figure or "", **a})
        if tag == "table":
            self._table = a.get("id", "")
            self.tables[self._table] = {"head": [], "body": [], "classes": []}
        elif tag in ("thead", "tbody"):
            self._part = "head" if tag == "thead" else "body"
        elif tag == "tr":
            self._row, self._row_class = [], a.get("class", "")
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in ("h1", "h2", "h3"):
            self._heading = []
        if tag not in VOID:
            self._stack.append((tag, a.get("id")))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table][self._part].append(self._row)
            if self._part == "body":
                self.tables[self._table]["classes"].append(self._row_class)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append((tag, "".join(self._heading).strip()))
            self._heading = None
        while self._stack:
            t, _ = self._stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        for _, i in self._stack:
            if i:
                self.text[i] += data
        if self._cell is not None:
            self._cell.append(data)
        if self._heading is not None:
            self._heading.append(data)


def num(text: str, lang: str) -> float:
    """A number as the page writes it (9.850 / 5,0% / € 850 mln) back to a float."""
    s = text.replace("\u2212", "-").replace("\xa0", " ")
    s = re.sub(r"[^\d,.\-+]", "", s)
    s = s.replace(".", "").replace(",", ".") if lang == "nl" else s.replace(",", "")
    return float(s)


def png_size(src: str) -> tuple[int, int]:
    """Width and height from the IHDR chunk of a data-URI PNG (no image library)."""
    assert src.startswith("data:image/png;base64,")
    data = base64.b64decode(src.split(",", 1)[1], validate=True)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    body = data[16 : 16 + length]
    (crc,) = struct.unpack(">I", data[16 + length : 20 + length])
    assert zlib.crc32(kind + body) == crc
    assert data.endswith(b"IEND\xaeB`\x82")
    width, height = struct.unpack(">II", body[:8])
    return width, height


@pytest.fixture(scope="module")
def national():
    return cap.simulate(cap.load_scenario(MEASURES), replications=8, seed=1)


@pytest.fixture(scope="module")
def report_nl(national):
    return render_report(
        national,
        scenario_path=MEASURES,
        lang="nl",
        backtest=pd.read_csv(BACKTEST),
        backtest_png=BACKTEST_PNG,
    )


@pytest.fixture(scope="module")
def report_en(national):
    return render_report(
        national, scenario_path=MEASURES, lang="en", backtest=BACKTEST, backtest_png=BACKTEST_PNG
    )


@pytest.fixture(scope="module")
def stylized():
    return cap.simulate(cap.load_scenario(ROOT / "scenarios" / "stylized.toml"), 20, seed=1)


def test_number_formats():
    assert fmt_num(9850, "nl") == "9.850" and fmt_num(9850, "en") == "9,850"
    assert fmt_num(-1234.56, "nl", 1) == "-1.234,6"  # Babel's (CLDR's) minus
    assert fmt_num(12, "en", sign=True) == "+12" and fmt_num(-0.01, "en") == "0"
    assert fmt_pct(0.05, "nl") == "5,0%" and fmt_pct(0.05, "en") == "5.0%"
    assert fmt_eur(850e6, "nl") == "€\xa0850\xa0mln." and fmt_eur(850e6, "en") == "€850m"
    assert fmt_eur(4.7e6, "nl") == "€\xa04,7\xa0mln."
    assert fmt_num(float("nan"), "nl") == "–" and fmt_pct(None, "en") == "–"


def test_a_unit_is_named_for_a_reader():
    assert unit_label("closed", "nl") == "gesloten regime (mannen)"
    assert unit_label("closed", "en") == "closed regime (men)"
    assert [unit_label(u) for u in ("bba", "hvb", "EBI", "mine")] == ["BBA", "HvB", "EBI", "mine"]


# the stylized scenario, shorter, with the units labelled, a third unit in a
# pool of its own name, and costs (so the report says what the places cost)
LABELLED = (
    (ROOT / "scenarios" / "stylized.toml")
    .read_text()
    .replace('name = "stylized"', 'name = "labelled"')
    .replace("end = 2035-12-31", "end = 2032-12-31")
    .replace("warmup_days = 3650", "warmup_days = 1000")
    .replace('name = "main"\n', 'name = "main"\nlabel = "Main regime (men)"\n', 1)
    .replace(
        'name = "bba"\n', 'name = "bba"\nlabel = "Open wing, Zeeland"\ncost_per_day = 250\n', 1
    )
    + """
[[unit]]
name = "solo"
pool = "extra"
label = "Extra wing"
capacity = 80
cost_per_day = 250

[[stream]]
name = "solo"
unit = "solo"
rate_per_year = 400
stay = { distribution = "lognormal", mean_days = 30, sd_days = 30 }

[costs]
price_level = 2024
added_place_per_year = 80000
added_place_price_level = 2024
"""
)
OWN = {
    "main": "Main regime (men)",
    "bba": "Open wing, Zeeland",
    "solo": "Extra wing",
    "extra": "Extra wing",  # a pool of one unit takes that unit's label
}


def test_a_planners_own_label_names_the_unit_wherever_a_reader_looks(
    tmp_path, run_cli, monkeypatch
):
    # a scenario's `label` for a unit: the report, its figures and the compare
    # report use it; a dataset of a scenario without labels names units as before
    path = tmp_path / "labelled.toml"
    path.write_text(LABELLED)
    sc = cap.load_scenario(path)
    assert sc.unit_labels() == OWN
    code, _, err = run_cli("run", path, "-n", "3", "-o", tmp_path / "out", "--quiet")
    assert code == 0, err
    with xr.open_dataset(tmp_path / "out" / "occupancy.nc") as nc:
        assert json.loads(nc.attrs["unit_labels"]) == OWN  # through the store and the file
    ds = cap.simulate(sc, 3, seed=1)
    plain = ds.copy()
    plain.attrs = {k: v for k, v in ds.attrs.items() if k != "unit_labels"}
    h = headline(ds)
    assert h.unit == "bba" and h.gap_euros_per_year is not None  # the sentences below exist
    for lang in ("nl", "en"):
        page, before = Page(render_report(ds, lang=lang)), Page(render_report(plain, lang=lang))
        assert before.text["h-pool"] == "BBA" and page.text["h-pool"] == OWN["bba"]
        for where in ("euros", "table-years"):  # the places' cost, the year table's caption
            assert OWN["bba"] in page.text[where] and OWN["bba"] not in before.text[where]
            assert page.text[where].replace(OWN["bba"], "BBA") == before.text[where]
        assert [r[0] for r in page.tables["table-pools"]["body"]] == [
            OWN[d["pool"]] for d in h.pools
        ]
        assert [r[0] for r in before.tables["table-pools"]["body"]] == [
            unit_label(d["pool"], lang) for d in h.pools
        ]
        assert page.tables["table-shortage"]["head"][0][1:] == [
            unit_label("total", lang),
            *(OWN[u] for u in ("main", "bba", "solo")),
        ]
        alts = {i["figure"]: i["alt"] for i in page.images if i["figure"].startswith("fig-fan-")}
        for u in ("main", "bba", "solo"):
            assert OWN[u] in alts[f"fig-fan-{u}"]
    assert fan_chart(ds, "bba").get_title(loc="left") == OWN["bba"]
    legend = shortage_chart(ds, ["total", "bba", "solo"]).get_legend()
    assert [x.get_text() for x in legend.get_texts()] == [
        unit_label("total"),
        OWN["bba"],
        OWN["solo"],
    ]
    # the compare report, as `capaciteit compare` writes it: an alternative with
    # more places in the wing; the labels are the scenarios' own
    alt = tmp_path / "more.toml"
    alt.write_text(
        LABELLED.replace('name = "labelled"', 'name = "more"').replace(
            "capacity = 300", "capacity = 330"
        )
    )
    out = tmp_path / "compare"
    code, _, err = run_cli("compare", path, alt, "-n", "3", "-o", out, "--quiet", "--lang", "en")
    assert code == 0, err
    page = Page((out / "report.html").read_text(encoding="utf-8"))
    head = page.tables["table-pools-more"]["head"][0]
    assert head[1:] == [OWN[p] for p in ("main", "bba", "extra")]
    assert f"in pool {OWN['bba']}:" in page.text["alt-more"]  # the answer's pool clause
    (fig,) = [i for i in page.images if i["figure"] == "fig-diff-more"]
    assert OWN["bba"] in fig["alt"]
    table = paired(ds, ds)
    from capaciteit.outputs.report import compare as compare_page

    panels = []  # the compare figure's panels are drawn with the labels
    drawn = compare_page.difference_chart
    monkeypatch.setattr(
        compare_page, "difference_chart", lambda *a, **k: panels.append(k["own"]) or drawn(*a, **k)
    )
    render_compare_report({"more": table}, "labelled", n=3, seed=1, lang="en", labels=OWN)
    assert panels == [OWN] * 3
    title = difference_chart(table, "shortage", "en", unit="bba", own=OWN).get_title(loc="left")
    assert title.endswith(f":\n{OWN['bba']}")
    assert (
        difference_chart(table, "shortage", "en", unit="bba")
        .get_title(loc="left")
        .endswith(":\nBBA")
    )


def test_a_label_is_shown_as_written_in_figures(tmp_path):
    # a `$` would start matplotlib's mathtext, which fails on a command it does
    # not know: a planner's label is shown as written, and a long one wrapped
    label = r"Wing $\unknowncmd$ at 250 a day, Middelburg and Vlissingen"
    text = LABELLED.replace('label = "Open wing, Zeeland"', f"label = '{label}'")
    (tmp_path / "dollar.toml").write_text(text)
    ds = cap.simulate(cap.load_scenario(tmp_path / "dollar.toml"), 2, seed=1)
    page = Page(render_report(ds, lang="en"))  # renders every figure
    assert page.text["h-pool"] == label
    assert fan_chart(ds, "bba").get_title(loc="left").replace(r"\$", "$") == label
    (shown,) = [x.get_text() for x in shortage_chart(ds, ["bba"]).get_legend().get_texts()]
    assert "\n" in shown and shown.replace("\n", " ").replace(r"\$", "$") == label


def test_headline_numbers_are_the_datasets(national, report_nl):
    page = Page(report_nl)
    h = headline(national)
    assert h.verdict == "likely"  # the staff shortage of 2024 with 8 replications
    assert h.verdict in page.ids["verdict"]["class"].split()
    assert page.text["h-first-year"] == str(h.first_year)
    # the binding pool by its name for a reader, as in the figures (BBA, not bba)
    assert page.text["h-pool"] == unit_label(h.unit, "nl") != h.unit
    assert [r[0] for r in page.tables["table-pools"]["body"]] == [
        unit_label(d["pool"], "nl") for d in h.pools
    ]
    assert num(page.text["h-first-p"], "nl") == pytest.approx(round(h.first_p * 100, 1))
    assert page.text["h-peak-year"] == str(h.peak_year)
    assert num(page.text["h-peak-p"], "nl") == pytest.approx(round(h.peak_p * 100, 1))
    assert page.text["h-gap-year"] == str(h.gap_year)
    assert num(page.text["h-needed"], "nl") == round(h.needed)
    for key, value in (("h-needed-low", h.needed_low), ("h-needed-high", h.needed_high)):
        if value is None:  # too few replications (8) for that bound of the interval
            assert page.text[key] == "open"
            # and the page says why, and how many would close it: the upper bound of
            # the 95% quantile's 90% interval needs 1 - 0.95^n >= 0.95, n >= 59
            assert "met 8 replicaties" in page.text["need"] and "vanaf 59" in page.text["need"]
        else:
            assert num(page.text[key], "nl") == round(value)
    assert num(page.text["h-gap"], "nl") == round(abs(h.gap))
    assert num(page.text["h-current"], "nl") == round(h.needed - h.gap)
    assert num(page.text["h-euros"], "nl") == round(h.euros_per_year / 1e6)
    assert re.fullmatch(r"\d{1,2}\.\d{3}", page.text["h-needed"])  # 10.196: Dutch thousands
    assert page.text["h-euros"].startswith("€")
    # the per-year table: every year, P50, probability, places needed and gap
    table = page.tables["table-years"]
    head = table["head"][0]
    rows = {int(r[0]): r for r in table["body"]}
    assert sorted(rows) == list(h.table.index)
    for year, r in h.table.iterrows():
        row = rows[year]
        assert num(row[head.index("P50")], "nl") == round(r["occupancy_p50"])
        assert num(row[head.index("P10")], "nl") == round(r["occupancy_p10"])
        assert num(row[head.index("vraag P50")], "nl") == round(r["demand_p50"])
        assert num(row[head.index("kans op tekort")], "nl") == pytest.approx(
            round(r["p_shortage"] * 100, 1)
        )
        assert num(row[head.index("nodig")], "nl") == round(r["needed"])
        assert num(row[head.index("plaatsen tekort")], "nl") == round(r["gap"])
        assert int(row[head.index("dagen")]) == r["days"]
    partial = [c for c in table["classes"] if c == "partial"]
    assert len(partial) == int((h.table["days"] < 365).sum()) == 2  # Oct 2024, Sep 2034


def test_figures_are_embedded_pngs(national, report_nl):
    page = Page(report_nl)
    units = [
        str(u)
        for u in national["unit"].values
        if u != "total"
        and national["capacity"].sel(unit=u).notnull().any()
        and national["occupancy"].sel(unit=u).max() > 0
    ]
    assert "pp" not in units and len(units) == 6  # pp has no places
    fans = [i["figure"] for i in page.images if i["figure"].startswith("fig-fan-")]
    assert fans == ["fig-fan-total", *[f"fig-fan-{slug(u)}" for u in units]]
    figures = {i["figure"] for i in page.images}
    # fig-pmj: forecast-2024, which this scenario extends, has PMJ editions (tests/test_pmj.py)
    assert figures == {*fans, "fig-pmj", "fig-shortage", "fig-waiting", "fig-backtest"}
    assert "fig-court" not in figures and "court-zero" in page.ids  # backlog is zero in 2024
    for img in page.images:
        w, h = png_size(img["src"])
        assert w > 0 and h > 0
        assert len(img["alt"]) > 20
        if img["figure"].startswith("fig-fan-"):
            assert (w, h) == (800, 350)  # 8 x 3.5 in at 100 dpi
    [backtest] = [i["src"] for i in page.images if i["figure"] == "fig-backtest"]
    assert base64.b64decode(backtest.split(",", 1)[1]) == BACKTEST_PNG.read_bytes()
    assert len(report_nl.encode()) < 1_500_000


def test_nothing_points_outside_the_page(report_nl):
    page = Page(report_nl)
    assert not ({"script", "link", "iframe", "object", "embed"} & page.tags)
    assert "url(" not in report_nl and "@import" not in report_nl
    https = 0
    for attr, value, table in page.refs:
        if attr == "src":
            assert value.startswith("data:image/png;base64,"), value[:40]
        elif value.startswith("#"):
            continue
        else:
            assert value.startswith("https://") and table == "table-sources", (value, table)
            https += 1
    expected = int(data_sources()["url"].astype(str).str.startswith("https://").sum())
    assert https == expected > 0


def test_internal_anchors_resolve(report_nl, report_en):
    for html in (report_nl, report_en):
        page = Page(html)
        assert not page.duplicate_ids
        anchors = [v[1:] for a, v, _ in page.refs if a == "href" and v.startswith("#")]
        assert len(anchors) >= 8
        assert all(a in page.ids for a in anchors), [a for a in anchors if a not in page.ids]


def test_languages_differ_in_words_not_numbers(national, report_nl, report_en):
    nl, en = Page(report_nl), Page(report_en)
    assert (nl.html_lang, en.html_lang) == ("nl", "en")
    h2_nl = [t for tag, t in nl.headings if tag == "h2"]
    h2_en = [t for tag, t in en.headings if tag == "h2"]
    assert len(h2_nl) == len(h2_en) == 9  # the baseline has the re-entry loop's section
    assert all(a != b for a, b in zip(h2_nl, h2_en, strict=True))
    # the answer first, on a laptop's first screen (it once sat below the question)
    assert h2_nl[0] == "Het antwoord" and h2_en[0] == "The answer"
    h = headline(national)
    assert num(en.text["h-needed"], "en") == num(nl.text["h-needed"], "nl") == round(h.needed)
    assert re.fullmatch(r"\d{1,2},\d{3}", en.text["h-needed"])
    assert en.text["h-euros"].startswith("€")  # Babel: €850m
    assert "." in en.text["h-first-p"] and "," in nl.text["h-first-p"]


def test_responses_table_is_the_datasets(national, report_nl):
    page = Page(report_nl)
    table = page.tables["table-responses"]
    names = [str(r) for r in national["response"].values]
    assert names == ["no call-ups", "friday release", "weekday release", "police cells"]
    assert [c for c in table["head"][0] if c] == ["jaar", *names]
    years = national["time"].dt.year.values
    n = national.sizes["replication"]
    acted = national["response_acted"].values
    moved = national["response_moved"].values
    assert len(table["body"]) == len(np.unique(years))
    total_moved = 0.0
    for row in table["body"]:
        days = years == int(row[0])
        for k in range(len(names)):
            assert num(row[1 + 2 * k], "nl") == pytest.approx(round(acted[:, days, k].sum() / n, 1))
            assert num(row[2 + 2 * k], "nl") == round(moved[:, days, k].sum() / n)
            total_moved += num(row[2 + 2 * k], "nl")
    assert total_moved > 0  # the responses did act in this run
    assert "no-responses" not in page.ids
    assert [li.split(":")[0] for li in page.text["responses"].strip().split("\n")] == names


def test_assumptions_come_first(report_nl):
    page = Page(report_nl)
    table = page.tables["table-notes"]
    notes = scenario_notes(MEASURES)
    assert len(table["body"]) == len(notes)
    labels = [r[0] for r in table["body"]]
    assert labels == sorted(labels, key=LABEL_ORDER.index)
    assert labels[0] == "ASSUMPTION" and labels.count("ASSUMPTION") == sum(
        n.label == "ASSUMPTION" for n in notes
    )
    assert table["classes"][0] == "note-assumption"
    assert {r[1].split(":")[0] for r in table["body"]} == {n.file for n in notes}


def test_backtest_table(report_nl):
    page = Page(report_nl)
    summary = pd.read_csv(BACKTEST)
    rows = page.tables["table-backtest"]["body"]
    assert len(rows) == len(summary)
    for row, (_, r) in zip(rows, summary.iterrows(), strict=True):
        assert num(row[3], "nl") == pytest.approx(round(r["MASE"], 3))
        assert num(row[5], "nl") == pytest.approx(round(r["coverage_80"] * 100))
        assert num(row[6], "nl") == round(r["CRPS"])
    assert "1-3 jaar" in page.text["backtest-summary"]


BACKTEST_SAID = {
    "en": "Over 1-3 yr: MASE 0.800 (better than naive); the 80% band covers 80% of the "
    "outcomes (about right); CRPS 450 against 520 for the random walk with a spread (better) "
    "and 400 for the random walk with drift (not better).",
    "nl": "Over 1-3 jaar: MASE 0,800 (beter dan naïef); de 80%-band dekt 80% van de "
    "uitkomsten (ongeveer goed); CRPS 450 tegen 520 voor de random walk met spreiding (beter) "
    "en 400 voor de random walk met drift (niet beter).",
}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_backtest_compares_with_the_probabilistic_baselines(stylized, lang):
    """With the log-normal baselines scored, the sentence sets the CRPS against the
    random walk's and the random walk with drift's, saying which it beats, and
    the table shows both; a back-test written before them is still read, with
    the point random walk ('naive') as before."""
    summary = pd.DataFrame(
        {
            "horizon": ["1 yr", "1-3 yr"],
            "forecasts": [10, 30],
            "MAPE": [0.04, 0.07],
            "MASE": [0.9, 0.8],
            "MAE_ratio_drift": [1.1, 0.9],
            "coverage_50": [0.3, 0.4],
            "coverage_80": [0.6, 0.8],
            "CRPS": [300.0, 450.0],
            "CRPS_naive": [480.0, 770.0],
            "CRPS_rw": [330.0, 520.0],
            "CRPS_drift": [280.0, 400.0],
        }
    )
    t = translate(REPORT, lang)
    page = Page(render_report(stylized, lang=lang, backtest=summary))
    assert page.text["backtest-summary"] == BACKTEST_SAID[lang]
    table = page.tables["table-backtest"]
    assert table["head"][0][-3:] == ["CRPS", t["col_crps_rw"], t["col_crps_drift"]]
    assert [num(c, lang) for c in table["body"][1][-3:]] == [450, 520, 400]
    # beside the places needed: how far the bands held, 1-3 years ahead
    said = {
        "en": "in the back-test (1 to 3 years ahead, 30 forecasts) 80% of the outcomes fell "
        "inside the 80% band and 40% inside the 50% band (about right)",
        "nl": "in de terugtoets (1 tot 3 jaar vooruit, 30 voorspellingen) viel 80% van de "
        "uitkomsten binnen de 80%-band en 40% binnen de 50%-band (ongeveer goed)",
    }[lang]
    assert said in page.text["need"]
    assert "terugtoets" not in Page(render_report(stylized, lang=lang)).text["need"]
    # a places-needed year further out than the back-test scored is said to be
    gap = headline(stylized).gap_year
    for back, said_beyond in ((6, True), (5, False)):
        ds = stylized.copy()
        ds.attrs["calibration"] = json.dumps({"origin": f"{gap - back}-09-30"})
        text = Page(render_report(ds, lang=lang, backtest=summary)).text["need"]
        beyond = t["beyond_backtest"].format(
            year=gap, k=back, origin=report.fmt_date(dt.date(gap - back, 9, 30), lang)
        )
        assert (beyond in text) is said_beyond, (text, beyond)
    # one verdict on the bands in both places: a 50% band that held 35% is too narrow
    narrow = summary.assign(coverage_50=[0.3, 0.35])
    page2 = Page(render_report(stylized, lang=lang, backtest=narrow))
    assert t["too_narrow"] in page2.text["backtest-summary"]
    assert t["too_narrow"] in page2.text["need"]
    old = summary.drop(columns=["MAE_ratio_drift", "CRPS_drift"])
    page = Page(render_report(stylized, lang=lang, backtest=old))
    assert page.text["backtest-summary"].endswith(
        {"en": "CRPS 450 against 770 naive.", "nl": "CRPS 450 tegen 770 naïef."}[lang]
    )
    assert page.tables["table-backtest"]["head"][0][-1] == t["col_crps_naive"]


def test_a_run_without_extras(stylized, tmp_path):
    ds = stylized.copy()
    ds.attrs["scenario_title"] = "<script>alert('x')</script> & more"
    ds["pmj"] = ds["pmj"].copy()
    ds["pmj"].loc[{"unit": "bba", "year": 2032}] = 310.0  # the binding pool's table shows it
    path = write_report(ds, tmp_path / "sub" / "report.html", lang="en")
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    page = Page(html)
    assert "script" not in page.tags and "&lt;script&gt;" in html
    assert page.text["question-title"] == ds.attrs["scenario_title"]
    assert "no-responses" in page.ids and "table-responses" not in page.tables
    assert "capaciteit backtest" in page.text["no-backtest"]
    assert "scenario file" in page.text["no-notes"]
    fans = [i["figure"] for i in page.images if i["figure"].startswith("fig-fan-")]
    assert fans == ["fig-fan-total", "fig-fan-main", "fig-fan-bba"]
    # the wing's waiting list is a shortage: people who need a place there lack one
    assert page.ids["verdict"]["class"].split()[-1] == headline(ds).verdict == "likely"
    assert headline(ds).unit == "bba"
    head = page.tables["table-years"]["head"][0]
    row = next(r for r in page.tables["table-years"]["body"] if r[0] == "2032")
    assert num(row[head.index("PMJ")], "en") == 310
    p50 = float(headline(ds).table.loc[2032, "occupancy_p50"])
    assert num(row[head.index("P50 − PMJ")], "en") == round(p50 - 310)


def test_fan_chart_draws_the_quantiles(stylized):
    ds = stylized.copy()
    ds["pmj"] = ds["pmj"].copy()
    ds["pmj"].loc[{"unit": "total", "year": 2032}] = 8100.0
    ax = fan_chart(ds, "total", lang="en")
    lines = {line.get_label(): line for line in ax.get_lines()}
    occ = ds["occupancy"].sel(unit="total").values
    np.testing.assert_allclose(lines["occupancy P50"].get_ydata(), np.quantile(occ, 0.5, axis=0))
    np.testing.assert_allclose(
        lines["usable places"].get_ydata(), ds["capacity"].sel(unit="total").values
    )
    assert list(lines["PMJ"].get_ydata()) == [8100.0]
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.max() == pytest.approx(np.quantile(occ, 0.9, axis=0).max())
    assert ax.figure is not None and ds.cap.fan("main").get_title(loc="left") == "main"
    source = (ROOT / "capaciteit" / "outputs" / "figures.py").read_text()
    assert not re.search(r"^\s*(from|import)\s.*pyplot", source, re.M)  # no global state


def test_compare_report_shows_the_paired_differences(national):
    base = cap.simulate(
        cap.load_scenario(ROOT / "scenarios" / "staff-shortage-2024.toml"), 8, seed=1
    )
    table = paired(base, national)
    html = render_compare_report(
        {"shortage-measures-2024": table}, "staff-shortage-2024", n=8, seed=1, lang="nl"
    )
    page = Page(html)
    assert page.html_lang == "nl"
    rows = page.tables["table-diff-shortage-measures-2024"]["body"]
    total = table[table["unit"] == "total"].set_index(["metric", "year"])
    assert len(rows) == total.loc["occupancy_mean"].shape[0] == 11
    nonzero = 0
    # five columns, to fit a laptop: the total is a count (occupancy, euros), its
    # shortage is no verdict and is not shown; the pools' table below has them
    head = page.tables["table-diff-shortage-measures-2024"]["head"]
    assert len(head) == 1 and len(head[0]) == 5
    assert all(len(r) == 5 for r in rows)

    def diff_interval(text):  # "-12,3 (-15,0 tot -9,6)"
        d, rest = text.split(" (")
        low, high = rest.rstrip(")").split(" tot ")
        return num(d, "nl"), num(low, "nl"), num(high, "nl")

    for row in rows:
        y = int(row[0])
        occ = total.loc[("occupancy_mean", y)]
        base_text, alt_text = row[1].split(" → ")
        assert num(base_text, "nl") == round(occ["base"])
        assert num(alt_text, "nl") == round(occ["alternative"])
        assert diff_interval(row[2]) == pytest.approx(
            (round(occ["difference"], 1), round(occ["low"], 1), round(occ["high"], 1))
        )
        euros = total.loc[("euros", y)]
        assert diff_interval(row[4])[0] == pytest.approx(round(euros["difference"] / 1e6, 1))
        nonzero += abs(occ["difference"]) > 1
    assert nonzero > 0  # the responses lower occupancy
    # the verdict's places: each pool's shortage probability, base -> alternative
    pools = page.tables["table-pools-shortage-measures-2024"]
    # each pool by its name for a reader, as the figures and the run report have it
    names = ["gesloten regime (mannen)", "gesloten regime (vrouwen)", "BBA", "TA", "AIT", "EBI"]
    assert pools["head"][0] == ["jaar", *names]
    short = table[table["metric"] == "shortage"].set_index(["unit", "year"])
    for row in pools["body"]:
        r = short.loc[("closed", int(row[0]))]
        assert row[1].startswith(fmt_pct(r["base"], "nl") + " → " + fmt_pct(r["alternative"], "nl"))
    # partial years marked (2024 and 2034 have 92 and 273 days)
    partial = [
        r[0]
        for r, c in zip(
            rows, page.tables["table-diff-shortage-measures-2024"]["classes"], strict=True
        )
        if c == "partial"
    ]
    assert partial == ["2024", "2034"]
    # the answer: the last whole year's difference in cells, cost and binding pool
    answer = " ".join(page.text["answer-alt-shortage-measures-2024"].split())
    occ, euros = total.loc[("occupancy_mean", 2033)], total.loc[("euros", 2033)]
    shown = re.search(
        r"In 2033 \(.*\): gemiddeld (\S+) gedetineerden in de cellen "
        r"\(95%-interval (\S+) tot (\S+)\)",
        answer,
    )
    assert shown, answer
    assert [num(x, "nl") for x in shown.groups()] == pytest.approx(
        [round(occ[k], 1) for k in ("difference", "low", "high")]
    )
    cost = fmt_num(euros["difference"] / 1e6, "nl", 1, sign=True)
    assert f"kosten {cost} mln. euro per jaar (95%-interval " in answer
    r = short.loc[("closed", 2033)]
    before, after = fmt_pct(r["base"], "nl"), fmt_pct(r["alternative"], "nl")
    shortage = f"tekortdag in pool gesloten regime (mannen): {before} → {after}"
    assert shortage in answer
    [img] = page.images
    assert img["figure"] == "fig-diff-shortage-measures-2024"
    assert png_size(img["src"])[0] == 1000
    en = Page(render_compare_report({"alt": table}, "base", n=8, seed=1, lang="en"))
    assert en.html_lang == "en" and en.headings[0][1] != page.headings[0][1]
    anchors = [v[1:] for a, v, _ in en.refs if a == "href"]
    assert anchors == ["alt-alt"] and "alt-alt" in en.ids


def test_the_compare_answer_says_a_partial_year_and_leaves_out_an_open_interval():
    """Only partial years: the answer says its year is partial and its cost is for
    that part, not a year; with too few replications for an interval (NaN bounds)
    it gives none, rather than "– to –"; no pools: no shortage clause."""
    from capaciteit.outputs.report.compare import _answer

    rows = [
        {"unit": "total", "metric": "occupancy_mean", "year": 2031, "difference": -12.0,
         "low": float("nan"), "high": float("nan"), "days": 181},
        {"unit": "total", "metric": "euros", "year": 2031, "difference": -2.0e6,
         "low": -3.0e6, "high": -1.0e6, "days": 181},
    ]  # fmt: skip
    table = pd.DataFrame(rows)
    sel = table[table["unit"] == "total"]
    text = _answer(table, sel, [2031], ["partial"], None, "alt", "base", "en", "2016 prices")
    assert text == (
        "In 2031, the last year and a partial one (alt against base): -12.0 people in cells on "
        "average; cost -2.0 EUR m in that part of the year (95% interval -3.0 to -1.0) "
        "(2016 prices)."
    )


def test_the_cautions_reach_the_report_the_workbook_and_the_manifest(tmp_path, run_cli):
    """ta-48's wing is full most of the run: the command line warns in English,
    the manifest says the same word for word, and the report (beside the answer)
    and the workbook's front sheet say it in their language (Dutch here), each
    the same text (tests/test_cautions.py: the languages and their numbers)."""
    import json

    import openpyxl
    import xarray as xr

    from capaciteit.outputs.cautions import caution_texts

    code, _, err = run_cli(
        "run", ROOT / "scenarios" / "ta-48.toml", "-n", "4", "-o", tmp_path / "r"
    )
    assert code == 0
    warned = [line.split(": ", 2)[2] for line in err.splitlines() if line.startswith("warning:")]
    assert any("its arrivals need about 63 places, it has 48" in w for w in warned)
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["cautions"] == warned
    with xr.open_dataset(tmp_path / "r" / "occupancy.nc") as ds:
        said = caution_texts(ds, "nl")
    assert len(said) == len(warned)
    assert "unit 'ta': de eigen instroom vraagt ongeveer 63 plaatsen, er zijn er 48" in said[0]
    page = Page((tmp_path / "r" / "report.html").read_text())
    assert page.text["cautions"].count("de eigen instroom vraagt ongeveer 63 plaatsen") == 1
    assert all(text in page.text["cautions"] for text in said)
    wb = openpyxl.load_workbook(tmp_path / "r" / "workbook.xlsx")
    front = [row for row in wb.worksheets[0].iter_rows(values_only=True) if row[0] == "Let op"]
    assert [r[1] for r in front] == said


def test_the_waiting_list_sentence_gives_each_quantile_its_own_peak(national, report_nl):
    """The P50's longest day with the P90 of that day, and the P90's own highest
    day: two different figures, each said for what it is."""
    from capaciteit.outputs.figures import daily_quantiles

    text = Page(report_nl).text["waiting-peak"]
    q = daily_quantiles(national, "waiting", "total", (0.5, 0.9))
    i, j = int(np.argmax(q[0])), int(np.argmax(q[1]))
    assert f"{fmt_num(q[0][i], 'nl')} mensen (P90 die dag {fmt_num(q[1][i], 'nl')})" in text
    assert text.endswith(f": {fmt_num(q[1][j], 'nl')}.")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_backtest_section_scores_the_pmj_editions(stylized, lang):
    """With the back-test's pmj.csv the section lists each edition once: the
    years scored (a gap shown as such) and the mean absolute error of its years."""
    scored = pd.DataFrame(
        {
            "edition": ["A", "A", "A", "B"],
            "published": ["2017-05", "2017-05", "2017-05", "2011-08"],
            "status": ["REPORTED"] * 4,
            "year": [2021, 2022, 2024, 2015],
            "basis": ["DERIVED", "DERIVED", "DERIVED", "REPORTED"],
            "pmj": [1.0] * 4,
            "cbs": [1.0] * 4,
            "error": [0.0] * 4,
            "abs_pct_error": [0.01, 0.02, 0.06, 0.012],
        }
    )
    page = Page(render_report(stylized, lang=lang, backtest_pmj=scored))
    body = page.tables["table-pmj-scores"]["body"]
    assert [r[0] for r in body] == ["A", "B"]
    assert body[0][3] == "2021, 2022, 2024" and body[1][3] == "2015"
    assert [num(r[4], lang) for r in body] == [3.0, 1.2]
    assert "pmj-scored" in page.ids
    assert "table-pmj-scores" not in Page(render_report(stylized, lang=lang)).tables
