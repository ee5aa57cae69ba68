"""The model's cautions in the reader's language.

The command line warns in English, word for word as ever; the manifest keeps
that English for CI and auditors; the report's "read with care" box and the
workbook's "Caution" rows say the same in the run's language, numbers and
dates by Babel, names as the scenario writes them. A run written before the
cautions were data still shows its English sentences.
"""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
import xarray as xr

import capaciteit as cap
from capaciteit.errors import ScenarioWarning
from capaciteit.outputs import i18n
from capaciteit.outputs.cautions import caution_texts
from capaciteit.outputs.formats import fill
from capaciteit.outputs.report import render_report
from capaciteit.outputs.report.texts import REPORT
from capaciteit.outputs.workbook import write_workbook
from capaciteit.sim.cautions import Caution, cautions
from capaciteit.sim.compile import compile_model

from .test_report import Page

CAREFUL = """
[scenario]
name = "careful"
start = 2030-01-01
end = 2030-12-31
warmup_days = 400

[[unit]]
name = "main"
capacity = { 2029-06-01 = 1500 }

[[unit]]
name = "wing"
capacity = 10
when_full = "wait"

[[stream]]
name = "staying"
unit = "wing"
rate_per_year = 3652.5
path = "stay"
stay = { distribution = "fixed", days = 365 }

[[stream]]
name = "short"
unit = "main"
rate_per_year = 365.25
path = "stay"
stay = { distribution = "fixed", days = 30 }

[[policy]]
name = "more"
kind = "capacity"
unit = "main"
places = 1250
start = 2030-06-01
"""
# 10 a day for a year each want 3,650 places in a wing of 10; the main unit's
# table starts after the warm-up does; the policy's places have no cost given

WARNED = [
    "unit 'wing': its arrivals need about 3,650 places, it has 10: full most of the run, "
    "its waiting list grows",
    "policy 'more'.cost_per_place_per_year: not given: the 1,250 places it adds cost nothing "
    "in the euros beyond the occupied days; give it (0 if that is so)",
    "unit 'main'.capacity: the table starts on 2029-06-01, after the run starts (2028-11-27): "
    "its first value, 1,500, holds before that",
]
SAID = {
    "nl": [
        "unit 'wing': de eigen instroom vraagt ongeveer 3.650 plaatsen, er zijn er 10: het "
        "grootste deel van de run vol, de wachtlijst groeit",
        "policy 'more'.cost_per_place_per_year: niet opgegeven: de 1.250 plaatsen die het beleid "
        "toevoegt kosten in de euro's niets bovenop de bezette dagen; geef het op (0 als dat zo "
        "is)",
        "unit 'main'.capacity: de tabel begint op 1 juni 2029, na het begin van de run (27 "
        "november 2028): de eerste waarde, 1.500, geldt ook daarvoor",
    ],
    "en": [  # the command line's words, with the English report's dates
        WARNED[0],
        WARNED[1],
        "unit 'main'.capacity: the table starts on 1 June 2029, after the run starts (27 "
        "November 2028): its first value, 1,500, holds before that",
    ],
}
CAUTION_LABEL = {"nl": "Let op", "en": "Caution"}


@pytest.fixture(scope="module")
def careful(tmp_path_factory):
    path = tmp_path_factory.mktemp("careful") / "careful.toml"
    path.write_text(CAREFUL)
    return path


@pytest.fixture(scope="module")
def said(careful) -> list[Caution]:
    return cautions(compile_model(cap.load_scenario(careful), warn=False))


def test_the_command_line_warns_in_english_as_ever(careful, run_cli):
    code, _, err = run_cli("validate", careful)
    assert code == 0
    assert [line for line in err.splitlines() if line.startswith("warning:")] == [
        f"warning: {careful}: {text}" for text in WARNED
    ]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_report_and_the_workbook_say_the_cautions_in_their_language(
    careful, said, tmp_path, run_cli, lang
):
    """Dutch numbers (1.250, not 1,250) and dates in the Dutch report and
    workbook, the English ones in English; the manifest keeps the command
    line's English in both."""
    out = tmp_path / lang
    code, _, _ = run_cli("run", careful, "-n", "2", "-o", out, "--lang", lang, "--quiet")
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["cautions"] == WARNED
    with xr.open_dataset(out / "occupancy.nc") as ds:
        stored = json.loads(ds.attrs["cautions"])
        assert caution_texts(ds, lang) == SAID[lang]
    assert stored[1] == {
        "key": "policy 'more'.cost_per_place_per_year",
        "message": said[1].message,
        "fields": {"places": 1250},
    }
    page = Page((out / "report.html").read_text(encoding="utf-8"))
    box = page.text["cautions"]
    assert box.startswith(i18n.translate_text(REPORT["cautions"], lang))
    assert all(box.count(text) == 1 for text in SAID[lang])
    wb = openpyxl.load_workbook(out / "workbook.xlsx")
    rows = [r for r in wb.worksheets[0].iter_rows(values_only=True) if r[0] == CAUTION_LABEL[lang]]
    assert [r[1] for r in rows] == SAID[lang]


def test_a_run_from_before_the_cautions_were_data_shows_its_english(careful, tmp_path):
    """An ``occupancy.nc`` written by an earlier version holds the cautions as
    English sentences: the report and the workbook show them as they are."""
    with pytest.warns(ScenarioWarning):
        ds = cap.simulate(cap.load_scenario(careful), replications=2, seed=1)
    ds.attrs["cautions"] = json.dumps([f"{text} (as stored)" for text in WARNED])
    for lang in ("nl", "en"):
        assert caution_texts(ds, lang) == [f"{text} (as stored)" for text in WARNED]
        box = Page(render_report(ds, lang=lang)).text["cautions"]
        assert all(f"{text} (as stored)" in box for text in WARNED)
        path = write_workbook(ds, tmp_path / f"{lang}.xlsx", lang=lang)
        rows = openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True)
        said = [r[1] for r in rows if r[0] == CAUTION_LABEL[lang]]
        assert said == [f"{text} (as stored)" for text in WARNED]
    ds.attrs.pop("cautions")  # older still: none stored
    assert caution_texts(ds, "nl") == []


def test_a_caution_is_data_and_its_english_is_pythons(said):
    """Stored as JSON and read back, a caution says the same; its English is the
    template filled in by Python's format, what the command line warns."""
    for c in said:
        back = Caution.from_json(json.loads(json.dumps(c.to_json())))
        assert back == c and str(back) == str(c)
    assert [str(c) for c in said] == WARNED
    assert said[2].fields["first"] == dt.date(2029, 6, 1)  # raw values, not text


def test_fill_lays_out_each_field_as_its_spec_says():
    template = "{n:,.0f} | {x:,g} | {f:g} | {p:.0%} | {d:%Y-%m-%d} | {name!r} | {write}"
    values = {
        "n": 1234.4,
        "x": 12.5,
        "f": 0.3,
        "p": 0.7,
        "d": "2031-12-31",
        "name": "bba",
        "write": "1.1",
    }
    assert (
        fill(template, values, "nl") == "1.234 | 12,5 | 0,3 | 70% | 31 december 2031 | 'bba' | 1.1"
    )
    assert (
        fill(template, values, "en") == "1,234 | 12.5 | 0.3 | 70% | 31 December 2031 | 'bba' | 1.1"
    )
