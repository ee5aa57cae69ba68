"""The comparison report: each alternative's paired differences against the
base (:func:`capaciteit.run.compare.paired`) with their 95% intervals."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from capaciteit.outputs.figures import difference_chart, new_figure, png_data_uri
from capaciteit.outputs.formats import (
    fmt_num,
    fmt_pct,
)
from capaciteit.outputs.i18n import N_, NC_, Text, check_lang, translate
from capaciteit.outputs.names import unit_label
from capaciteit.outputs.report.page import (
    Cell,
    Fig,
    Table,
    environment,
    header,
    num_cell,
    slug,
)
from capaciteit.version import __version__

COMPARE: dict[str, Text] = {
    "title": N_("Scenario comparison"),
    "contents": N_("Contents"),
    "intro": N_(
        "Paired differences of each alternative against the base {base}: {n} replications "
        "with seed {seed}. Replication r of every scenario uses the same random numbers "
        "wherever the scenarios agree, so the difference is taken replication by replication "
        "and the 95% interval is that of the mean difference."
    ),
    "vs": N_("{alt} against {base}"),
    "table_intro": N_(
        "All cells together (total, a count), per year: mean occupancy (persons) and the "
        "cost of all units (EUR m, {prices}), base → alternative, and the difference "
        "(alternative − base) with its 95% interval. Whether there is a shortage is in the "
        "table below, per pool: free places in one pool cannot take up a shortage in "
        "another. A year in italics is partial."
    ),
    "prices": NC_("compare", "{year} prices"),
    "no_prices": N_("price level not given"),
    "question": N_("Question"),
    "occupancy_mean_diff": N_("occupancy difference (95% interval)"),
    "euros_diff": N_("cost difference (95% interval)"),
    "col_year": N_("year"),
    "base": N_("base"),
    "alternative": N_("alternative"),
    "difference": N_("difference"),
    "interval": N_("95% interval"),
    "occupancy_mean": N_("occupancy"),
    "shortage": N_("shortage probability"),
    "euros": N_("cost (EUR m)"),
    "alt": N_(
        "Paired differences of {alt} against {base} per year with 95% intervals: occupancy "
        "and cost of everything together, and the shortage probability in the pool that "
        "binds most ({pool})."
    ),
    "to": N_("to"),
    "pools_intro": N_(
        "Per pool (places that can take the same people), per year: the probability of a "
        "shortage day, base → alternative (difference in percentage points). A year in "
        "italics is partial."
    ),
    "partial": N_("partial"),
    "counts_intro": N_(
        "All units together, per year, the difference (alternative − base) with its 95% "
        "interval: the mean waiting list at home, those who need a place and lack one, and "
        "(with [reentry] in both) the admissions that are returns. A year in italics is "
        "partial."
    ),
    "waiting_mean": N_("waiting list (mean)"),
    "unplaced_mean": N_("lacking a place (mean)"),
    "returns": N_("returns (admissions)"),
    "footer": N_("Made with capaciteit {version}."),
    "answer_label": N_("Answer"),
    "answer": N_("In {year} ({alt} against {base}): {diff} people in cells on average{interval}"),
    "answer_partial": N_(
        "In {year}, the last year and a partial one ({alt} against {base}): {diff} people in "
        "cells on average{interval}"
    ),
    "answer_interval": N_(" (95% interval {low} to {high})"),
    "answer_cost": N_("cost {diff} EUR m a year{interval} ({prices})"),
    "answer_cost_partial": N_("cost {diff} EUR m in that part of the year{interval} ({prices})"),
    "answer_pool": N_("the probability of a shortage day in pool {pool}: {before} → {after}"),
}


COMPARE_METRICS = ("occupancy_mean", "shortage", "euros")


def _compare_values(metric: str, lang: str) -> tuple:
    """Formatters for (base/alternative, difference) of a metric."""
    if metric == "shortage":
        return (lambda v: fmt_pct(v, lang), lambda v: fmt_num(v * 100, lang, 1, sign=True))
    if metric == "euros":
        return (
            lambda v: fmt_num(v / 1e6, lang, 1),
            lambda v: fmt_num(v / 1e6, lang, 1, sign=True),
        )
    return (lambda v: fmt_num(v, lang), lambda v: fmt_num(v, lang, 1, sign=True))


TOTAL_METRICS = ("occupancy_mean", "euros")
"""The total's rows in the compare report: counts, never a verdict."""


def render_compare_report(
    tables: Mapping[str, pd.DataFrame],
    base_name: str,
    *,
    n: int,
    seed: int,
    lang: str = "nl",
    unit: str = "total",
    titles: Mapping[str, str] | None = None,
    price_level: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> str:
    """The paired comparison of alternatives against a base (tables from
    :func:`capaciteit.run.compare.paired`, keyed by alternative name) as one
    self-contained HTML page: per alternative the question it asks
    (``titles``, by scenario name), a table of the total's yearly differences
    with their 95% intervals (five columns: it fits a laptop), each pool's
    shortage probability, and a figure. ``labels``: the scenarios' own names of
    their units and pools (:meth:`~capaciteit.scenario.Scenario.unit_labels`;
    ``capaciteit compare`` gives the base's, and an alternative's where the base
    has none)."""
    t = translate(COMPARE, check_lang(lang))
    titles = titles or {}
    prices = t["prices"].format(year=price_level) if price_level is not None else t["no_prices"]
    parts = []
    for name, table in tables.items():
        sel = table[table["unit"].astype(str) == unit]
        years = sorted(int(y) for y in sel["year"].unique())
        head = [
            [Cell(t["col_year"])]
            + [
                Cell(c)
                for m in TOTAL_METRICS
                for c in (f"{t[m]}: {t['base']} → {t['alternative']}", t[f"{m}_diff"])
            ]
        ]
        rows = []
        for y in years:
            row = [Cell(str(y))]
            for m in TOTAL_METRICS:
                level, diff = _compare_values(m, lang)
                r = sel[(sel["metric"] == m) & (sel["year"] == y)]
                if r.empty:
                    row += [num_cell("–")] * 2
                    continue
                r = r.iloc[0]
                row += [
                    num_cell(f"{level(r['base'])} → {level(r['alternative'])}"),
                    num_cell(
                        f"{diff(r['difference'])} ({diff(r['low'])} {t['to']} {diff(r['high'])})"
                    ),
                ]
            rows.append(row)
        days = sel.groupby("year")["days"].first() if "days" in sel else None
        classes = ["partial" if days is not None and days.get(y, 365) < 365 else "" for y in years]
        pool = _binding_pool(table)
        answer = _answer(table, sel, years, classes, pool, name, base_name, lang, prices, labels)
        fig = _difference_panels(table, lang, unit, pool, labels)
        parts.append(
            {
                "id": f"alt-{slug(name)}",
                "name": name,
                "title": t["vs"].format(alt=name, base=base_name),
                "question": titles.get(name),
                "answer": answer,
                "base_question": titles.get(base_name),
                "table": Table(f"table-diff-{slug(name)}", head, rows, classes),
                "pools": _compare_pools(table, years, classes, lang, slug(name), labels),
                "counts": _compare_counts(sel, years, classes, lang, slug(name)),
                "figure": Fig(
                    f"fig-diff-{slug(name)}",
                    fig,
                    t["alt"].format(
                        alt=name, base=base_name, pool=unit_label(pool or unit, lang, labels)
                    ),
                ),
            }
        )
    page = environment(lang).get_template("compare.html.j2")
    return page.render(
        lang=lang,
        t=t,
        base=base_name,
        intro=t["intro"].format(base=base_name, n=fmt_num(n, lang), seed=seed),
        table_intro=t["table_intro"].format(prices=prices),
        parts=parts,
        version=__version__,
    )


def _answer(
    table,
    sel,
    years,
    classes,
    pool,
    alt: str,
    base: str,
    lang: str,
    prices: str,
    own: Mapping[str, str] | None = None,
):
    """One sentence a reader takes away: in the last whole year (else the last,
    said to be partial), the paired difference in cells, in cost, and the
    shortage probability of the pool that binds most (named as ``own`` says),
    base -> alternative."""
    whole = [y for y, c in zip(years, classes, strict=True) if c != "partial"]
    year = (whole or years or [None])[-1]
    occ = sel[(sel["metric"] == "occupancy_mean") & (sel["year"] == year)]
    if year is None or occ.empty:
        return None
    t = translate(COMPARE, lang)

    def interval(r, fmt) -> str:  # none with too few replications for one
        if not (np.isfinite(r["low"]) and np.isfinite(r["high"])):
            return ""
        return t["answer_interval"].format(low=fmt(r["low"]), high=fmt(r["high"]))

    _level, diff = _compare_values("occupancy_mean", lang)
    r = occ.iloc[0]
    parts = [
        t["answer" if whole else "answer_partial"].format(
            year=year, alt=alt, base=base, diff=diff(r["difference"]), interval=interval(r, diff)
        )
    ]
    cost = sel[(sel["metric"] == "euros") & (sel["year"] == year)]
    if not cost.empty and np.isfinite(cost.iloc[0]["difference"]):
        _level, eur = _compare_values("euros", lang)
        c = cost.iloc[0]
        parts.append(
            t["answer_cost" if whole else "answer_cost_partial"].format(
                diff=eur(c["difference"]), interval=interval(c, eur), prices=prices
            )
        )
    if pool is not None:
        short = table[
            (table["metric"] == "shortage")
            & (table["unit"].astype(str) == pool)
            & (table["year"] == year)
        ]
        if not short.empty:
            q = short.iloc[0]
            parts.append(
                t["answer_pool"].format(
                    pool=unit_label(pool, lang, own),
                    before=fmt_pct(q["base"], lang),
                    after=fmt_pct(q["alternative"], lang),
                )
            )
    return "; ".join(parts) + "."


def _binding_pool(table: pd.DataFrame) -> str | None:
    """The pool with the highest shortage probability in the base or the
    alternative over the whole years: the one a reader watches."""
    if "pool" not in table:
        return None
    short = table[(table["metric"] == "shortage") & table["pool"].astype(bool)]
    if "days" in short:
        short = short[short["days"] >= 365]
    if short.empty:
        return None
    worst = short.assign(p=short[["base", "alternative"]].max(axis=1)).groupby("unit")["p"].max()
    return str(worst.idxmax())


COUNT_METRICS = ("waiting_mean", "unplaced_mean", "returns")
"""The total's other counts in the compare report, where the table has them."""


def _compare_counts(sel: pd.DataFrame, years, classes, lang: str, key: str) -> Table | None:
    """The total's waiting list, those lacking a place and the returns: the
    paired difference per year with its interval (a programme on the loop shows
    here what it prevents)."""
    metrics = [m for m in COUNT_METRICS if (sel["metric"] == m).any()]
    if not metrics:
        return None
    t = translate(COMPARE, lang)
    _level, diff = _compare_values("count", lang)
    rows = []
    for y in years:
        row = [Cell(str(y))]
        for m in metrics:
            r = sel[(sel["metric"] == m) & (sel["year"] == y)]
            if r.empty:
                row.append(num_cell("–"))
                continue
            r = r.iloc[0]
            row.append(
                num_cell(f"{diff(r['difference'])} ({diff(r['low'])} {t['to']} {diff(r['high'])})")
            )
        rows.append(row)
    head = header(t["col_year"], *(t[m] for m in metrics))
    return Table(f"table-counts-{key}", head, rows, classes, t["counts_intro"])


def _compare_pools(
    table: pd.DataFrame, years, classes, lang: str, key: str, own: Mapping[str, str] | None
) -> Table | None:
    """The shortage probability per pool and year, base -> alternative: where
    the verdict is judged (the total is no place to put someone)."""
    if "pool" not in table:
        return None
    short = table[(table["metric"] == "shortage") & table["pool"].astype(bool)]
    pools = list(dict.fromkeys(short["unit"].astype(str)))
    if not pools:
        return None
    t = translate(COMPARE, lang)
    rows = []
    for y in years:
        row = [Cell(str(y))]
        for p in pools:
            r = short[(short["unit"].astype(str) == p) & (short["year"] == y)]
            if r.empty:
                row.append(num_cell("–"))
                continue
            r = r.iloc[0]
            row.append(
                num_cell(
                    f"{fmt_pct(r['base'], lang)} → {fmt_pct(r['alternative'], lang)} "
                    f"({fmt_num(r['difference'] * 100, lang, 1, sign=True)})"
                )
            )
        rows.append(row)
    head = header(t["col_year"], *(unit_label(p, lang, own) for p in pools))
    return Table(f"table-pools-{key}", head, rows, classes, t["pools_intro"], css="wide")


def _difference_panels(
    table: pd.DataFrame, lang: str, unit: str, pool: str | None, own: Mapping[str, str] | None
) -> str:
    """Three panels side by side as a data URI: the total's occupancy and euros,
    and the shortage probability of ``pool`` (the total's where there is none)."""
    fig = new_figure((10.0, 3.2))
    axes = fig.subplots(1, len(COMPARE_METRICS))
    for ax, metric in zip(np.atleast_1d(axes), COMPARE_METRICS, strict=True):
        where = pool if metric == "shortage" and pool else unit
        difference_chart(table, metric, lang, unit=where, ax=ax, own=own)
    return png_data_uri(fig)


def write_compare_report(
    tables: Mapping[str, pd.DataFrame],
    base_name: str,
    path: str | Path,
    *,
    n: int,
    seed: int,
    lang: str = "nl",
    titles: Mapping[str, str] | None = None,
    price_level: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> Path:
    """Write :func:`render_compare_report` to ``path``; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    html = render_compare_report(
        tables,
        base_name,
        n=n,
        seed=seed,
        lang=lang,
        titles=titles,
        price_level=price_level,
        labels=labels,
    )
    path.write_text(html, encoding="utf-8")
    return path
