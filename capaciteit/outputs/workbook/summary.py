"""The front sheet of a run's workbook: the answer first, each figure with what
it means, and how far a back-test's bands held."""

from __future__ import annotations

from typing import Any

import xarray as xr
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from capaciteit.outputs.cautions import caution_texts
from capaciteit.outputs.formats import fmt_pct, fmt_pct_short
from capaciteit.outputs.headline import LIKELY, OPEN, Headline
from capaciteit.outputs.i18n import N_, Text, check_lang, translate, translations
from capaciteit.outputs.workbook.cells import (
    DATE,
    DATETIME,
    EUR,
    HEADER_BORDER,
    HEADER_FILL,
    HEADER_FONT,
    INT,
    LEVEL,
    PCT,
    WRAP,
    YEAR,
    put,
)
from capaciteit.outputs.workbook.sheets import created

VERDICTS: dict[str, str] = {
    "likely": N_("Shortage likely"),
    "possible": N_("Shortage possible"),
    "unlikely": N_("Shortage unlikely"),
}


# key: (label, meaning); the fields in braces are filled in per run (risk,
# interval level, the gap year, ...)
SUMMARY_TEXT: dict[str, tuple[Text, Text]] = {
    "scenario": (
        N_("Scenario"),
        N_("name of the scenario (manifest.json names its file)"),
    ),
    "title": (
        N_("Question"),
        N_("the question the scenario answers"),
    ),
    "start": (
        N_("Start"),
        N_("first simulated day"),
    ),
    "end": (
        N_("End"),
        N_("last simulated day"),
    ),
    "replications": (
        N_("Replications"),
        N_("number of simulated futures; more: more precise"),
    ),
    "seed": (
        N_("Seed"),
        N_("random seed; the same seed gives the same result"),
    ),
    "start_stock": (
        N_("Start stock"),
        N_("detainees on the first day{src}"),
    ),
    "created": (
        N_("Created (UTC)"),
        N_("when the run was made"),
    ),
    "version": (
        N_("Version"),
        N_("version of the model (capaciteit)"),
    ),
    "unit": (
        N_("Pool"),
        N_(
            "the figures below are for the pool that binds (places that can take the same "
            "people): the worst verdict, then the earliest year, then the most places short"
        ),
    ),
    "pools": (
        N_("Every pool"),
        N_("the verdict per pool, the binding one first; the total is no place to put someone"),
    ),
    "risk": (
        N_("Planning risk"),
        N_("accepted probability of at least one shortage day in a year"),
    ),
    "verdict": (
        N_("Verdict"),
        N_(
            "likely: some year has a shortage probability of {half} or more; possible: "
            "{risk} or more; unlikely: no year reaches {risk}"
        ),
    ),
    "first_year": (
        N_("First year"),
        N_("first year in which the shortage probability reaches the verdict's threshold"),
    ),
    "first_p": (
        N_("Probability that year"),
        N_("probability of at least one shortage day in that year"),
    ),
    "peak_year": (
        N_("Year of highest probability"),
        N_("the year in which a shortage is most likely"),
    ),
    "peak_p": (
        N_("Highest probability"),
        N_("probability of at least one shortage day in that year"),
    ),
    "gap_year": (
        N_("Year of largest gap"),
        N_("the year that needs the most places beyond the usable ones"),
    ),
    "needed": (
        N_("Places needed at {risk} risk"),
        N_("usable places that keep the probability of a shortage day in {gy} at {risk}"),
    ),
    "needed_low": (
        N_("Needed, low {lv}"),
        N_("lower bound of the {lv} confidence interval (finite number of replications)"),
    ),
    "needed_high": (
        N_("Needed, high {lv}"),
        N_("upper bound of the {lv} confidence interval"),
    ),
    "gap": (
        N_("Places short"),
        N_("needed less the lowest usable capacity in {gy}; negative: places to spare"),
    ),
    "euros_per_year": (
        N_("Cost per year"),
        N_("mean cost per whole year of the projected occupancy of all units"),
    ),
    "price_level": (
        N_("Price level"),
        N_("year whose prices the cost per year is in"),
    ),
    "gap_euros_per_year": (
        N_("Cost of the places short"),
        N_("places short times the cost of an added place a year ({apl} prices)"),
    ),
}


HEADLINE_KEYS = (
    "first_year",
    "first_p",
    "peak_year",
    "peak_p",
    "gap_year",
    "needed",
    "needed_low",
    "needed_high",
    "gap",
    "euros_per_year",
    "price_level",
    "gap_euros_per_year",
)


SUMMARY_FORMATS = {
    "start": DATE,
    "end": DATE,
    "replications": INT,
    "seed": YEAR,
    "start_stock": INT,
    "created": DATETIME,
    "risk": PCT,
    "first_year": YEAR,
    "first_p": PCT,
    "peak_year": YEAR,
    "peak_p": PCT,
    "gap_year": YEAR,
    "needed": INT,
    "needed_low": INT,
    "needed_high": INT,
    "gap": INT,
    "euros_per_year": EUR,
    "price_level": YEAR,
    "gap_euros_per_year": EUR,
}


def summary_rows(ds: xr.Dataset, h: Headline, lang: str = "nl") -> list[tuple[str, Any, str]]:
    """The front sheet's rows: ``(label, value, meaning)``; a figure the run does
    not have (no shortage year) reads 'none' (in the reader's language) rather
    than an empty cell."""
    _ = translations(check_lang(lang)).gettext
    a = ds.attrs
    none = _("none")
    verdicts = translate(VERDICTS, lang)
    src = f" ({a['start_stock_source']})" if a.get("start_stock_source") else ""
    fill = {
        "risk": fmt_pct_short(h.risk, lang),
        "lv": fmt_pct_short(LEVEL, lang),
        "half": fmt_pct_short(LIKELY, lang),
        "gy": h.gap_year if h.gap_year is not None else none,
        "apl": h.added_place_price_level if h.added_place_price_level is not None else none,
        "src": src,
    }
    values = {
        "scenario": a.get("scenario", ""),
        "title": a.get("scenario_title", ""),
        "start": h.start,
        "end": h.end,
        "replications": h.replications,
        "seed": h.seed,
        "start_stock": a.get("start_stock"),
        "created": created(a.get("created_at", "")),
        "version": a.get("capaciteit_version", ""),
        "unit": h.unit,
        "pools": "; ".join(
            f"{d['pool']}: {verdicts[d['verdict']]}"
            + (
                f" ({d['first_year']}, {fmt_pct_short(d['first_p'], lang)})"
                if d["first_year"]
                else ""
            )
            for d in h.pools
        )
        or None,
        "risk": h.risk,
        "verdict": verdicts[h.verdict],
        **{k: getattr(h, k) for k in HEADLINE_KEYS},
    }
    out = []
    for key, (label, meaning) in SUMMARY_TEXT.items():
        v = values.get(key)
        out.append(
            (
                _(label).format(**fill),
                (_(OPEN) if key in ("needed_low", "needed_high") else none) if v is None else v,
                _(meaning).format(**fill),
            )
        )
    return out


def _pool_verdict(d: dict, verdicts: dict[str, str], lang: str) -> str:
    """One pool's verdict: 'closed: Shortage likely (2027, 12.5%)'."""
    when = f" ({d['first_year']}, {fmt_pct_short(d['first_p'], lang)})" if d["first_year"] else ""
    return f"{d['pool']}: {verdicts[d['verdict']]}{when}"


RELIABILITY: dict[str, str] = {
    "label": N_("Back-test"),
    "text": N_(
        "1 to 3 years ahead ({n} forecasts): {cov80} of the outcomes inside the 80% band, "
        "{cov50} inside the 50% band ({word}). The places needed read a tail of the same bands."
    ),
    "too_narrow": N_("bands too narrow"),
    "too_wide": N_("bands too wide"),
    "about_right": N_("about right"),
}
"""How far a back-test's bands held, as the summary says it."""


def summary_sheet(
    ws: Worksheet, ds: xr.Dataset, h: Headline, lang: str, trust: dict | None = None
) -> None:
    """The answer first: the run and its headline figures, each with what it means;
    with a back-test, how far its bands held (``backtest.reliability``)."""
    _ = translations(lang).gettext
    title = ws.cell(row=1, column=1, value=f"Capaciteit: {ds.attrs.get('scenario', '')}")
    title.font = Font(bold=True, size=14)
    for j, text in enumerate((_("Item"), _("Value"), _("Meaning")), start=1):
        c = ws.cell(row=3, column=j, value=text)
        c.font, c.fill, c.border = HEADER_FONT, HEADER_FILL, HEADER_BORDER
    for r, (key, (label, value, meaning)) in enumerate(
        zip(SUMMARY_TEXT, summary_rows(ds, h, lang), strict=True), start=4
    ):
        ws.cell(row=r, column=1, value=label).font = HEADER_FONT
        cell = put(ws, r, 2, value, SUMMARY_FORMATS.get(key))
        cell.alignment = Alignment(horizontal="left", wrap_text=isinstance(cell.value, str))
        ws.cell(row=r, column=3, value=meaning).alignment = WRAP
    r = 4 + len(SUMMARY_TEXT)
    for text in caution_texts(ds, lang):  # the scenario's cautions, in the sheet's language
        r += 1
        ws.cell(row=r, column=1, value=_("Caution")).font = HEADER_FONT
        ws.cell(row=r, column=2, value=text).alignment = WRAP
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
        ws.row_dimensions[r].height = 30
    if trust is not None:
        t = translate(RELIABILITY, lang)
        r += 1
        ws.cell(row=r, column=1, value=t["label"]).font = HEADER_FONT
        said = t["text"].format(
            n=trust["forecasts"],
            cov80=fmt_pct(trust["cov80"], lang, 0),
            cov50=fmt_pct(trust["cov50"], lang, 0),
            word=t[trust["word"]],
        )
        ws.cell(row=r, column=2, value=said).alignment = WRAP
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
        ws.row_dimensions[r].height = 30
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 100
    ws.freeze_panes = "A4"
