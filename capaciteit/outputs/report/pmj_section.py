"""The report beside the PMJ: the ministry's own forecast, edition by edition,
what each value rests on, and where the run and the PMJ part."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import xarray as xr

from capaciteit.outputs import pmj
from capaciteit.outputs.formats import (
    finite,
    fmt_date,
    fmt_month,
    fmt_num,
    fmt_pct,
)
from capaciteit.outputs.i18n import translate
from capaciteit.outputs.pmj import pmj_chart
from capaciteit.outputs.report.page import (
    Cell,
    Table,
    embed,
    header,
    num_cell,
    slug,
)
from capaciteit.outputs.report.texts import REPORT
from capaciteit.run.results import yearly_summary


def fmt_published(published: dt.date | str, lang: str) -> str:
    """A publication date as precise as it is known: 17 juni 2021, mei 2017, 2022."""
    if isinstance(published, dt.date):
        return fmt_date(published, lang)
    if len(published) == 7:
        return fmt_month(int(published[:4]), int(published[5:7]), lang)
    return published


def _pmj_basis(d: pmj.Difference, lang: str) -> str:
    """What the PMJ value compared rests on: a growth statement on a CBS stock
    (DERIVED), the CBS stock itself, or a level the edition published."""
    t, e = translate(REPORT, lang), d.edition
    if d.basis == pmj.CBS:
        return t["pmj_cbs"]
    if not pmj.is_derived(e):
        return t["pmj_level"].format(status=e.status)
    base = fmt_num(pmj.path(e)[0].value, lang)
    if e.growth_per_year is not None:
        rate = fmt_pct(e.growth_per_year, lang, 1, sign=True)
        return t["pmj_growth"].format(rate=rate, year=e.from_year, base=base)
    rate = fmt_pct(e.total_change or 0.0, lang, 1, sign=True)
    return t["pmj_change"].format(rate=rate, year=e.from_year, to_year=e.to_year, base=base)


def pmj_sentence(d: pmj.Difference, lang: str) -> str:
    """Where the run and one PMJ edition part, and why they may: the last year
    both cover, the run's median against the PMJ's value (people and share of
    the PMJ's), what the PMJ value rests on, a full year's demand, and the
    immigration detention the PMJ counts."""
    t, e = translate(REPORT, lang), d.edition
    what = {
        "edition": e.edition,
        "published": fmt_published(e.published, lang),
        "status": e.status,
    }
    if d.year is None:
        years = [p.year for p in pmj.path(e)]
        return t["pmj_none"].format(**what, first=years[0], last=years[-1])
    diff, share = d.difference, d.share
    assert diff is not None and share is not None and d.pmj is not None
    if diff == 0:
        comparison = t["pmj_equal"]
    else:
        comparison = t["pmj_higher" if diff > 0 else "pmj_lower"].format(
            diff=fmt_num(abs(diff), lang), pct=fmt_pct(abs(share), lang)
        )
    out = t["pmj_sentence"].format(
        **what,
        year=d.year,
        p50=fmt_num(d.occupancy_p50, lang),
        pmj=fmt_num(d.pmj, lang),
        basis=_pmj_basis(d, lang),
        comparison=comparison,
    )
    if not d.whole_year:
        out += t["pmj_partial"].format(year=d.year)
    ddiff = d.demand_difference
    if d.capped and ddiff is not None and ddiff != 0:
        out += t["pmj_capped"].format(
            year=d.year,
            demand=fmt_num(d.demand_p50, lang),
            diff=fmt_num(abs(ddiff), lang),
            pct=fmt_pct(abs(ddiff) / round(d.pmj), lang),
            word=t["pmj_word_higher" if ddiff > 0 else "pmj_word_lower"],
        )
    return out + t["pmj_immigration"]


def pmj_section(ds: xr.Dataset, lang: str, editions: Sequence) -> dict | None:
    """PMJ side by side: the figure, a sentence per edition, the table by year and
    the sources; None for a scenario without PMJ editions (nothing new shown)."""
    if not editions:
        return None
    t = translate(REPORT, lang)
    ys = yearly_summary(ds)
    diffs = pmj.differences(editions, ys)
    frame = pmj.beside(editions, ys)
    shown = [d.edition for d in diffs if d.year is not None]
    figure = None
    if shown:
        ax = pmj_chart(frame, [(e.edition, pmj.is_derived(e)) for e in shown], lang=lang)
        figure = embed(ax, "fig-pmj", t["pmj_alt"])
    sentences = [(f"pmj-{slug(d.edition.edition)}", pmj_sentence(d, lang)) for d in diffs]
    head = [
        t["col_year"],
        f"{t['col_run']} P10",
        f"{t['col_run']} P50",
        f"{t['col_run']} P90",
        t["col_demand_p50"],
        t["col_cbs"],
    ] + [f"PMJ {e.edition}" + (f" ({t['derived']})" if pmj.is_derived(e) else "") for e in shown]
    keys = ["occupancy_p10", "occupancy_p50", "occupancy_p90", "demand_p50", "cbs"]
    rows, classes = [], []
    for year, r in frame.iterrows():
        rows.append(
            [Cell(str(year))]
            + [num_cell(fmt_num(r[k], lang)) for k in keys]
            + [num_cell(fmt_num(r[e.edition], lang)) for e in shown]
        )
        classes.append("partial" if finite(r["days"]) and r["days"] < 365 else "")
    table = Table("table-pmj", header(*head), rows, classes, t["pmj_table"])
    sources = [
        (e.edition, e.statement or "", e.source, e.status, fmt_published(e.published, lang))
        for e in editions
    ]
    return {
        "intro": t["pmj_intro"],
        "figure": figure,
        "sentences": sentences,
        "table": table if shown else None,
        "sources": sources,
    }
