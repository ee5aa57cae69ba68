"""The report's sections on the run itself: the shortage by month, the waiting
list and the responses, the returns after release, and the assumptions and
data sources the figures rest on."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr

from capaciteit.outputs.figures import (
    court_chart,
    daily_quantiles,
    shortage_chart,
    waiting_chart,
)
from capaciteit.outputs.formats import (
    fmt_date,
    fmt_num,
    fmt_pct,
)
from capaciteit.outputs.i18n import translate
from capaciteit.outputs.names import own_labels, unit_label
from capaciteit.outputs.report.page import (
    LABEL_ORDER,
    Cell,
    Table,
    embed,
    header,
    num_cell,
    say,
)
from capaciteit.outputs.report.texts import REPORT, RESPONSE_KINDS
from capaciteit.run.results import swept, yearly_summary, years
from capaciteit.scenario.provenance import data_sources, scenario_notes


def shortage_section(ds: xr.Dataset, lang: str, units: list[str]) -> dict:
    t = translate(REPORT, lang)
    units = [u for u in units if ds["threshold"].sel(unit=u).notnull().any()]
    if not units:
        return {"figure": None, "table": None}
    monthly = ds.cap.shortage_probability("month")
    ax = shortage_chart(ds, units, lang=lang, monthly=monthly)
    fig = embed(ax, "fig-shortage", t["shortage_alt"])
    ys = yearly_summary(ds)
    p = ys.pivot_table(index="year", columns="unit", values="p_shortage", observed=False)
    rows = [[Cell(str(y)), *[num_cell(fmt_pct(p.loc[y, u], lang)) for u in units]] for y in p.index]
    own = own_labels(ds)
    head = header(t["col_year"], *[unit_label(u, lang, own) for u in units])
    return {"figure": fig, "table": Table("table-shortage", head, rows)}


def response_section(
    ds: xr.Dataset, lang: str, descriptions: Mapping[str, tuple[str, str | None]]
) -> dict:
    t = translate(REPORT, lang)
    out: dict = {
        "table": None,
        "responses": [],
        "waiting": None,
        "court": None,
        "court_zero": False,
        "court_cleared": None,
        "peak": None,
    }
    ax = waiting_chart(ds, "total", lang=lang)
    out["waiting"] = embed(ax, "fig-waiting", t["waiting_alt"])
    q = daily_quantiles(ds, "waiting", "total", (0.5, 0.9))
    i, j = int(np.argmax(q[0])), int(np.argmax(q[1]))
    if q[0][i] > 0:
        out["peak"] = say(
            t["waiting_peak"],
            date=fmt_date(ds["time"].values[i], lang),
            p50=fmt_num(q[0][i], lang),
            p90=fmt_num(q[1][i], lang),
            date90=fmt_date(ds["time"].values[j], lang),
            max90=fmt_num(q[1][j], lang),
        )
    if "response_acted" in ds and ds.sizes.get("response", 0):
        year = ds["time"].dt.year
        n = ds.sizes["replication"]
        # summed per year over the integer arrays, then averaged over replications
        acted = ds["response_acted"].astype("int32").groupby(year).sum("time").sum("replication")
        moved = ds["response_moved"].groupby(year).sum("time").sum("replication")
        names = [str(r) for r in ds["response"].values]
        head = [
            [Cell(t["col_year"])] + [Cell(name, colspan=2) for name in names],
            [Cell("")] + [Cell(c) for _ in names for c in (t["col_days_acted"], t["col_moved"])],
        ]
        rows = []
        for y in acted["year"].values:
            row = [Cell(str(int(y)))]
            for r in names:
                row.append(num_cell(fmt_num(float(acted.sel(year=y, response=r)) / n, lang, 1)))
                row.append(num_cell(fmt_num(float(moved.sel(year=y, response=r)) / n, lang)))
            rows.append(row)
        out["table"] = Table("table-responses", head, rows)
        kinds = translate(RESPONSE_KINDS, lang)
        for r in names:
            kind, desc = descriptions.get(r, (None, None))
            out["responses"].append((r, kinds.get(kind or "", ""), desc or ""))
    if "court_backlog" in ds:
        backlog = ds["court_backlog"].values
        if np.nanmax(backlog) > 0:
            out["court"] = embed(court_chart(ds, lang=lang), "fig-court", t["court_alt"])
            left = np.flatnonzero(backlog > 0)
            if left[-1] + 1 < backlog.size:
                cleared = fmt_date(ds["time"].values[left[-1] + 1], lang)
                out["court_cleared"] = t["court_cleared"].format(date=cleared)
        else:
            out["court_zero"] = True
    return out


def reentry_section(ds: xr.Dataset, lang: str) -> Table | None:
    """Per year: admissions, the first admissions and the returns among them, the
    returns' share, and the share of the people in cells who came in as a return
    (means over replications)."""
    if "returns" not in ds:
        return None
    t = translate(REPORT, lang)
    y = years(ds)
    total = swept(ds)["total"]  # each row's variables read once; means over replications
    adm, back, occ = total["y_adm"], total["y_returns"].mean(axis=0), total["y_mean"].mean(axis=0)
    inside = total["y_inside"]
    head = header(
        t["col_year"],
        t["col_admissions"],
        t["col_first_admissions"],
        t["col_returns"],
        t["col_return_share"],
        t["col_inside_share"],
    )
    rows = []
    for k, year in enumerate(y.labels.tolist()):
        a, b = float(adm[k]), float(back[k])
        whole = int(y.days[k]) >= 365
        rows.append(
            [
                Cell(str(year) if whole else f"{year} ({t['partial']})"),
                num_cell(fmt_num(a, lang)),
                num_cell(fmt_num(a - b, lang)),
                num_cell(fmt_num(b, lang)),
                num_cell(fmt_pct(b / a if a else float("nan"), lang, 0)),
                num_cell(fmt_pct(float(inside[k]) / float(occ[k]), lang, 0)),
            ]
        )
    return Table("table-reentry", head, rows)


def notes_section(scenario_path: str | Path | None, lang: str) -> dict:
    t = translate(REPORT, lang)
    if scenario_path is None:
        return {"table": None, "counts": None}
    notes = scenario_notes(scenario_path)
    if not notes:
        return {"table": None, "counts": None}
    files = list(dict.fromkeys(n.file for n in notes))
    rank = {label: k for k, label in enumerate(LABEL_ORDER)}
    notes = sorted(notes, key=lambda n: (rank.get(n.label, 9), files.index(n.file), n.line))
    rows = [
        [
            Cell(n.label, "label"),
            Cell(f"{n.file}:{n.line}", "file"),
            Cell(n.where),
            Cell(re.sub(rf"^{n.label}\s*:\s*", "", n.text)),
        ]
        for n in notes
    ]
    classes = [f"note-{n.label.lower()}" for n in notes]
    head = header(t["col_label"], t["col_file"], t["col_where"], t["col_text"])
    counts = ", ".join(
        f"{sum(n.label == label for n in notes)} {label}"
        for label in LABEL_ORDER
        if any(n.label == label for n in notes)
    )
    return {
        "table": Table("table-notes", head, rows, classes),
        "counts": t["assumptions_counts"].format(n=len(notes), counts=counts),
    }


def sources_table(lang: str) -> Table:
    t = translate(REPORT, lang)
    src = data_sources()
    rows = []
    for r in src.itertuples(index=False):
        url = str(r.url or "")
        link = url if url.startswith("https://") else None
        rows.append(
            [
                Cell(str(r.file), "file"),
                Cell(str(r.source), href=link),
                num_cell(fmt_num(r.figures, lang)),
                Cell(str(r.years), "years"),
            ]
        )
    head = header(t["col_file"], t["col_source"], t["col_figures"], t["col_years"])
    return Table("table-sources", head, rows)


def programmes(sc, lang: str) -> list[str] | None:
    """The scenario's reintegration policies in words (None: the file is not at
    hand), so that a report says which programme its returns come with."""
    if sc is None:
        return None
    t = translate(REPORT, lang)
    out = []
    for p in sc.policy:
        if p.kind != "reintegration":
            continue
        end = t["reentry_until"].format(end=fmt_date(p.end, lang)) if p.end else ""
        out.append(
            t["reentry_programme"].format(
                name=p.name,
                start=fmt_date(p.start, lang),
                end=end,
                factor=fmt_num(p.factor, lang, 2),
                share=fmt_pct(p.share, lang, 0),
            )
        )
    return out


def responses_of(sc) -> dict[str, tuple[str, str | None]]:
    """Kind and description of each response, when the scenario file is at hand."""
    if sc is None:
        return {}
    return {r.name: (r.kind, r.description) for r in sc.response}


def scenario_at_hand(path: str | Path | None):
    """The scenario file a report was made from, read once (None where it is not
    at hand or no longer reads: the report then goes without what it adds)."""
    if path is None:
        return None
    from capaciteit.errors import InputError
    from capaciteit.scenario import load_scenario

    try:
        return load_scenario(path)
    except (InputError, OSError):
        return None
