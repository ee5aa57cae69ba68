"""The catalogs and the formats of the outputs.

The texts of the report, the workbook and the figures are written in English
in the code and the templates and translated by one catalog per language
(``capaciteit/outputs/locale``). These tests fail when the code and the
catalogs drift apart (a text added, changed or removed without its
translation), and pin the Babel formats the reader sees.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import string
from pathlib import Path

import openpyxl
import pytest
from babel.messages.pofile import read_po

from capaciteit import cli
from capaciteit.outputs import i18n
from capaciteit.outputs.catalogs import POT, extract
from capaciteit.outputs.formats import (
    fmt_bound,
    fmt_date,
    fmt_eur,
    fmt_euros,
    fmt_month,
    fmt_num,
    fmt_pct,
    fmt_pct_short,
    fmt_time,
)
from capaciteit.outputs.workbook.cells import euro_format

from .conftest import ROOT

OUTPUTS = ROOT / "capaciteit" / "outputs"


def catalog(lang: str):
    path = i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    with path.open("rb") as f:
        return read_po(f, domain=i18n.DOMAIN)


def keys(messages) -> set[tuple[str | None, str]]:
    return {(m.context, m.id) for m in messages if m.id}


def fields(text: str) -> set[tuple[str, str, str | None]]:
    """A text's {fields}, each with its format spec and conversion (``{need:,.0f}``,
    ``{unit!r}``): they say how the value is laid out, so a translation keeps them."""
    return {
        (name, spec or "", conv) for _, name, spec, conv in string.Formatter().parse(text) if name
    }


@pytest.fixture(scope="module")
def extracted():
    return extract()


def test_languages_are_the_catalogs_present():
    assert i18n.languages() == ("en", "nl")
    with pytest.raises(ValueError, match="lang must be one of en, nl"):
        i18n.check_lang("de")


@pytest.mark.parametrize("lang", i18n.languages()[1:])
def test_every_text_is_translated_and_none_is_left_over(extracted, lang):
    cat = catalog(lang)
    wanted, have = keys(extracted), keys(cat)
    assert wanted - have == set(), "texts in the code without a translation"
    assert have - wanted == set(), "translations of texts no longer in the code"
    assert not cat.obsolete, "obsolete entries left in the catalog"
    for m in cat:
        if not m.id:
            continue
        assert m.string, f"untranslated: {m.id!r}"
        assert not m.fuzzy, f"fuzzy: {m.id!r}"
        assert fields(m.string) == fields(m.id), f"fields differ: {m.id!r}"
    assert cat.locale is not None  # the Language header: how its numbers read


def test_the_template_is_the_extraction(extracted):
    with POT.open("rb") as f:
        pot = read_po(f, domain=i18n.DOMAIN)
    assert keys(pot) == keys(extracted)


def test_no_hand_written_language_switch_in_the_outputs():
    """A language is a catalog: no code asks which language it is writing."""
    for path in OUTPUTS.rglob("*.py"):
        source = path.read_text()
        assert not re.search(r"""lang\s*==\s*["']|["']nl["']\s*:|if nl\b""", source), path
        assert "januari" not in source and "%B" not in source, path


def test_a_new_language_is_a_file(tmp_path, monkeypatch):
    """Adding a .po adds the language: its texts, and numbers, percentages, euros
    and dates in its locale's layout; the command line takes it, and the report
    and workbook come out in it."""
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale)
    de = locale / "de" / "LC_MESSAGES"
    de.mkdir(parents=True)
    po = (locale / "nl" / "LC_MESSAGES" / "capaciteit.po").read_text(encoding="utf-8")
    po = po.replace("Language: nl_NL", "Language: de_DE")
    po = po.replace('msgstr "Samenvatting"', 'msgstr "Zusammenfassung"')
    (de / "capaciteit.po").write_text(po, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    i18n.languages.cache_clear()
    try:
        assert i18n.languages() == ("en", "de", "nl")
        assert i18n.translations("de").gettext("Summary") == "Zusammenfassung"
        assert fmt_num(9850.5, "de", 1) == "9.850,5"
        assert fmt_date("2021-07-01", "de") == "1. Juli 2021"
        assert fmt_pct(0.05, "de") == "5,0\xa0%" and fmt_pct_short(0.05, "de") == "5\xa0%"
        assert fmt_euros(82000, "de") == "82.000\xa0€"
        assert euro_format("de") == '#,##0" €"'  # the workbook's euros: de_DE's layout
        out = tmp_path / "out"
        args = ["run", str(ROOT / "scenarios/stylized.toml"), "-n", "2", "-o", str(out)]
        assert cli.main([*args, "--lang", "de", "--quiet"]) == 0
        assert '<html lang="de">' in (out / "report.html").read_text(encoding="utf-8")
        assert "Zusammenfassung" in openpyxl.load_workbook(out / "workbook.xlsx").sheetnames
    finally:
        i18n.languages.cache_clear()


def test_dutch_and_english_formats_are_babels():
    assert fmt_num(9850, "nl") == "9.850" and fmt_num(9850, "en") == "9,850"
    assert fmt_num(-1234.56, "nl", 1) == "-1.234,6" and fmt_num(-1234.56, "en", 1) == "-1,234.6"
    assert fmt_num(12, "nl", sign=True) == "+12" and fmt_num(0, "en", sign=True) == "0"
    assert fmt_num(-0.01, "nl") == "0" and fmt_num(None, "nl") == "–"
    assert fmt_pct(0.05, "nl") == "5,0%" and fmt_pct(0.05, "en") == "5.0%"
    assert fmt_pct(0.8, "nl", 0) == "80%" and fmt_pct(float("nan"), "en") == "–"
    assert fmt_pct_short(0.025, "nl") == "2,5%" and fmt_pct_short(0.05, "en") == "5%"
    assert fmt_pct_short(29 / 30, "nl") == "96,7%"
    assert fmt_eur(850e6, "nl") == "€\xa0850\xa0mln." and fmt_eur(850e6, "en") == "€850m"
    assert fmt_eur(4.7e6, "nl") == "€\xa04,7\xa0mln." and fmt_eur(4.7e6, "en") == "€4.7m"
    assert fmt_eur(1.2e9, "en") == "€1,200m" and fmt_eur(1.2e9, "nl") == "€\xa01.200\xa0mln."
    assert fmt_eur(-3.04e6, "nl") == "-€\xa03,0\xa0mln." and fmt_eur(0, "en") == "€0.0m"
    assert fmt_euros(82000, "nl") == "€\xa082.000" and fmt_euros(82000, "en") == "€82,000"
    assert fmt_date(dt.date(2021, 7, 1), "nl") == "1 juli 2021"
    assert fmt_date("2021-07-01", "en") == "1 July 2021"
    assert fmt_month(2017, 5, "nl") == "mei 2017" and fmt_month(2017, 5, "en") == "May 2017"
    when = dt.datetime(2024, 3, 5, 14, 7, tzinfo=dt.UTC)
    assert fmt_time(when, "nl") == "5 maart 2024 14:07 UTC"
    assert fmt_bound(None, "nl") == "open" and fmt_bound(10196.4, "nl") == "10.196"


def test_rounding_is_pythons_before_babel_lays_it_out():
    """The figures round as before Babel: Python's round on the float."""
    for x in (2.675, 0.125, 1e6 + 0.5, 123.45):
        assert fmt_num(x, "en", 2) == f"{round(x, 2):,.2f}"
    assert fmt_pct(0.0125, "en") == f"{round(0.0125 * 100, 1):.1f}%"


def test_catalogs_load_without_a_compiled_file():
    assert not list(Path(i18n.LOCALE_DIR).rglob("*.mo"))
    assert i18n.translations("nl").gettext("The answer") == "Het antwoord"
    assert i18n.translations("en").gettext("The answer") == "The answer"
    assert i18n.translations("nl").pgettext("report", "Start stock") == "Beginbezetting"
    assert i18n.translations("nl").gettext("Start stock") == "Beginbestand"
