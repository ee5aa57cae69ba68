"""The HTML report of a run as one page: the sections put together."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import xarray as xr
from markupsafe import Markup, escape

from capaciteit.calibrate.scores import reliability
from capaciteit.outputs.cautions import caution_texts
from capaciteit.outputs.figures import fan_chart
from capaciteit.outputs.formats import (
    finite,
    fmt_date,
    fmt_num,
    fmt_pct,
    fmt_time,
)
from capaciteit.outputs.i18n import check_lang, translate
from capaciteit.outputs.names import own_labels, unit_label
from capaciteit.outputs.report.answer import headline_section
from capaciteit.outputs.report.backtest_section import backtest_section
from capaciteit.outputs.report.page import (
    embed,
    environment,
    say,
    slug,
    units_with_places,
)
from capaciteit.outputs.report.pmj_section import pmj_section
from capaciteit.outputs.report.sections import (
    notes_section,
    programmes,
    reentry_section,
    response_section,
    responses_of,
    scenario_at_hand,
    shortage_section,
    sources_table,
)
from capaciteit.outputs.report.texts import GLOSSARY, REPORT
from capaciteit.version import __version__


def render_report(
    ds: xr.Dataset,
    *,
    scenario_path: str | Path | None = None,
    lang: str = "nl",
    risk: float = 0.05,
    backtest: pd.DataFrame | str | Path | None = None,
    backtest_png: str | Path | None = None,
    backtest_pmj: pd.DataFrame | str | Path | None = None,
) -> str:
    """The report of a run as one self-contained HTML page.

    ``scenario_path`` adds the labelled assumptions of the scenario file (and the
    files it extends); ``backtest`` is the back-test summary (a DataFrame or the
    path of ``summary.csv``), ``backtest_png`` its figure and ``backtest_pmj``
    its PMJ scores (``pmj.csv``).
    """
    t = translate(REPORT, check_lang(lang))
    sc = scenario_at_hand(scenario_path)
    attrs = ds.attrs
    times = ds["time"].values
    units = units_with_places(ds)
    head = headline_section(ds, lang, risk)
    trust = reliability(backtest)
    if trust is not None and head.get("need") is not None:
        note = t["reliability"].format(
            n=trust["forecasts"],
            cov80=fmt_pct(trust["cov80"], lang, 0),
            cov50=fmt_pct(trust["cov50"], lang, 0),
            word=t[trust["word"]],
            risk=fmt_pct(risk, lang, 0),
        )
        origin = json.loads(attrs.get("calibration") or "{}").get("origin")
        gap_year = head["h"].gap_year
        if origin and gap_year is not None and gap_year - int(origin[:4]) > 5:
            note += " " + t["beyond_backtest"].format(
                year=gap_year,
                k=gap_year - int(origin[:4]),
                origin=fmt_date(dt.date.fromisoformat(origin), lang),
            )
        head["need"] = Markup(f"{head['need']} {escape(note)}")
    fans = []
    own = own_labels(ds)
    for u in units:
        ax = fan_chart(ds, u, lang=lang)
        fans.append(
            embed(ax, f"fig-fan-{slug(u)}", t["fan_alt"].format(unit=unit_label(u, lang, own)))
        )
    created = str(attrs.get("created_at", ""))
    try:
        created = fmt_time(dt.datetime.fromisoformat(created), lang)
    except ValueError:
        pass
    stock = attrs.get("start_stock")
    meta = [
        (t["scenario"], str(attrs.get("scenario", ""))),
        (
            t["period"],
            t["period_value"].format(start=fmt_date(times[0], lang), end=fmt_date(times[-1], lang)),
        ),
        (t["replications"], fmt_num(ds.sizes["replication"], lang)),
        (t["seed"], str(attrs.get("seed", ""))),
        (t["created"], created),
        (t["version"], str(attrs.get("capaciteit_version", __version__))),
    ]
    if finite(stock):
        kind = str(attrs.get("start_stock_kind", ""))
        kind = t.get(f"stock_{kind}", kind)  # the kind in the report's language
        meta.append((t["start_stock"], f"{fmt_num(stock, lang)} ({kind})" if kind else ""))
    sections = [
        ("headline", t["sec_headline"]),  # first: a planner reads it on the first screen
        ("question", t["sec_question"]),
        ("occupancy", t["sec_occupancy"]),
        ("shortage", t["sec_shortage"]),
        ("waiting", t["sec_waiting"]),
        *([("reentry", t["sec_reentry"])] if "returns" in ds else []),
        ("assumptions", t["sec_assumptions"]),
        ("backtest", t["sec_backtest"]),
        ("glossary", t["sec_glossary"]),
    ]
    page = environment(lang).get_template("report.html.j2")
    return page.render(
        lang=lang,
        t=t,
        say=say,
        title=str(attrs.get("scenario_title", "")),
        scenario=str(attrs.get("scenario", "")),
        version=__version__,
        meta=meta,
        sections=sections,
        headline=head,
        cautions=caution_texts(ds, lang),
        occupancy_intro=t["occupancy_intro"].format(pmj=t["pmj_note"] if head["has_pmj"] else ""),
        fans=fans,
        pmj=pmj_section(ds, lang, sc.pmj_editions() if sc is not None else []),
        shortage=shortage_section(ds, lang, units),
        waiting=response_section(ds, lang, responses_of(sc)),
        reentry=reentry_section(ds, lang),
        programmes=programmes(sc, lang) if "returns" in ds else None,
        notes=notes_section(scenario_path, lang),
        sources=sources_table(lang),
        backtest=backtest_section(backtest, backtest_png, lang, backtest_pmj, trust),
        glossary=list(translate(GLOSSARY, lang).items()),
    )


def write_report(ds: xr.Dataset, path: str | Path, **options) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(ds, **options), encoding="utf-8")
    return path
