"""The answer of a report: the verdict per pool, the places needed and their
cost, and the table by year behind them (all from
:func:`capaciteit.outputs.headline.headline`, as in the workbook)."""

from __future__ import annotations

import xarray as xr
from markupsafe import Markup, escape

from capaciteit.outputs.capacity import replications_for_bounds
from capaciteit.outputs.formats import (
    fmt_bound,
    fmt_eur,
    fmt_euros,
    fmt_num,
    fmt_pct,
)
from capaciteit.outputs.headline import headline
from capaciteit.outputs.i18n import translate
from capaciteit.outputs.names import own_labels, unit_label
from capaciteit.outputs.report.page import (
    Cell,
    Table,
    header,
    num_cell,
    say,
    span,
)
from capaciteit.outputs.report.texts import REPORT


def headline_section(ds: xr.Dataset, lang: str, risk: float) -> dict:
    t = translate(REPORT, lang)
    own = own_labels(ds)
    h = headline(ds, risk=risk)
    pct = fmt_pct(risk, lang)
    if h.peak_year is None:
        verdict = say(t["verdict_none"])
    else:
        values = {
            "risk": span("h-risk", pct),
            "peak_year": span("h-peak-year", str(h.peak_year)),
            "peak_p": span("h-peak-p", fmt_pct(h.peak_p, lang)),
        }
        if h.verdict != "unlikely":
            values["first_year"] = span("h-first-year", str(h.first_year))
            values["first_p"] = span("h-first-p", fmt_pct(h.first_p, lang))
        values["pool"] = span("h-pool", unit_label(h.unit, lang, own))
        verdict = say(t[f"verdict_{h.verdict}"], **values)
    need = None
    if h.gap is not None and h.needed is not None:
        key = "need_short" if h.gap > 0 else "need_spare"
        need = say(
            t[key],
            gap_year=span("h-gap-year", str(h.gap_year)),
            risk=pct,
            needed=span("h-needed", fmt_num(h.needed, lang)),
            needed_low=span("h-needed-low", fmt_bound(h.needed_low, lang)),
            needed_high=span("h-needed-high", fmt_bound(h.needed_high, lang)),
            gap=span("h-gap", fmt_num(abs(h.gap), lang)),
            current=span("h-current", fmt_num(h.needed - h.gap, lang)),
        )
        if h.needed_low is None or h.needed_high is None:
            more = replications_for_bounds(1 - h.risk)
            open_text = t["open_bound"].format(n=fmt_num(h.replications, lang), m=more)
            need = Markup(f"{need} {escape(open_text)}")
    euros = None
    if h.euros_per_year is not None:
        prices = (
            t["prices"].format(year=h.price_level) if h.price_level is not None else t["no_prices"]
        )
        euros = say(
            t["euros"], euros=span("h-euros", fmt_eur(h.euros_per_year, lang)), prices=prices
        )
    if h.gap_euros_per_year is not None:
        per_place = h.gap_euros_per_year / h.gap
        gap_euros = say(
            t["gap_euros"],
            gap=fmt_num(h.gap, lang),
            pool=unit_label(h.unit, lang, own),
            euros=span("h-gap-euros", fmt_eur(h.gap_euros_per_year, lang)),
            per_place=fmt_euros(per_place, lang),
            year=h.added_place_price_level,
        )
        euros = gap_euros if euros is None else Markup(f"{euros} {gap_euros}")

    tab = h.table
    has_pmj = bool(tab["pmj"].notna().any())
    cols = [
        t["col_year"],
        t["col_days"],
        "P10",
        "P50",
        "P90",
        t["col_demand"],
        t["col_capacity"],
        t["col_threshold"],
        t["col_p_shortage"],
        t["col_needed"],
        t["col_interval"],
        t["col_gap"],
        t["col_euros"],
    ]
    if has_pmj:
        cols += [t["col_pmj"], t["col_gap_pmj"]]
    rows, classes = [], []
    for year, r in tab.iterrows():
        row = [
            Cell(str(year)),
            num_cell(str(int(r["days"]))),
            num_cell(fmt_num(r["occupancy_p10"], lang)),
            num_cell(fmt_num(r["occupancy_p50"], lang)),
            num_cell(fmt_num(r["occupancy_p90"], lang)),
            num_cell(fmt_num(r["demand_p50"], lang)),
            num_cell(fmt_num(r["capacity"], lang)),
            num_cell(fmt_num(r["threshold"], lang)),
            num_cell(fmt_pct(r["p_shortage"], lang)),
            num_cell(fmt_num(r["needed"], lang)),
            num_cell(f"{fmt_bound(r['needed_low'], lang)}–{fmt_bound(r['needed_high'], lang)}"),
            num_cell(fmt_num(r["gap"], lang, sign=True)),
            num_cell(fmt_num(r["euros_mean"] / 1e6, lang, 1)),
        ]
        if has_pmj:
            row += [
                num_cell(fmt_num(r["pmj"], lang)),
                num_cell(fmt_num(r["gap_pmj"], lang, sign=True)),
            ]
        rows.append(row)
        classes.append("partial" if r["days"] < 365 else "")
    caption = say(t["year_table"], risk=pct, pool=unit_label(h.unit, lang, own))
    table = Table("table-years", header(*cols), rows, classes, caption)
    pool_rows = [
        [
            Cell(unit_label(d["pool"], lang, own)),
            Cell(t[d["verdict"]]),
            num_cell(str(d["first_year"]) if d["first_year"] is not None else "–"),
            num_cell(fmt_pct(d["first_p"], lang) if d["first_p"] is not None else "–"),
            num_cell(fmt_num(d["gap"], lang) if d["gap"] is not None and d["gap"] > 0 else "–"),
            num_cell(str(d["gap_year"]) if d["gap"] is not None and d["gap"] > 0 else "–"),
        ]
        for d in h.pools
    ]
    pools_table = Table(
        "table-pools",
        header(
            t["col_pool"],
            t["col_verdict"],
            t["col_first"],
            t["col_first_p"],
            t["col_short"],
            t["col_short_year"],
        ),
        pool_rows,
        [d["verdict"] for d in h.pools],
        say(t["pools_table"], risk=pct),
    )
    return {
        "h": h,
        "pools": pools_table if pool_rows else None,
        "verdict": verdict,
        "verdict_class": h.verdict,
        "verdict_word": t[h.verdict],
        "need": need,
        "euros": euros,
        "table": table,
        "has_pmj": has_pmj,
    }
