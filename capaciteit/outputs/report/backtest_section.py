"""How well the model forecast: the back-test's scores beside simple forecasts,
and the PMJ editions scored on the same CBS stocks."""

from __future__ import annotations

import base64
from pathlib import Path

import pandas as pd

from capaciteit.calibrate.scores import reliability
from capaciteit.outputs.formats import (
    fmt_num,
    fmt_pct,
)
from capaciteit.outputs.i18n import translate
from capaciteit.outputs.report.page import (
    Cell,
    Fig,
    Table,
    header,
    num_cell,
    say,
)
from capaciteit.outputs.report.texts import REPORT


def pmj_scores(scored: pd.DataFrame | str | Path | None, lang: str) -> Table | None:
    """The PMJ editions scored by the back-test (``pmj.csv``): one row per edition."""
    if scored is None:
        return None
    if not isinstance(scored, pd.DataFrame):
        scored = pd.read_csv(scored)
    if not len(scored):
        return None
    t = translate(REPORT, lang)
    rows = []
    for edition, g in scored.groupby("edition", sort=False):
        years = sorted(int(y) for y in g["year"])
        whole = len(years) > 2 and years == list(range(years[0], years[-1] + 1))
        years_text = f"{years[0]}-{years[-1]}" if whole else ", ".join(map(str, years))
        rows.append(
            [
                Cell(str(edition)),
                Cell(str(g["published"].iloc[0])),
                Cell(", ".join(sorted(set(g["basis"])))),
                Cell(years_text),
                num_cell(fmt_pct(float(g["abs_pct_error"].mean()), lang)),
            ]
        )
    head = header(
        t["col_edition"], t["col_published"], t["col_basis"], t["col_years"], t["col_mape_pmj"]
    )
    return Table("table-pmj-scores", head, rows)


def backtest_section(
    backtest: pd.DataFrame | str | Path | None,
    backtest_png: str | Path | None,
    lang: str,
    backtest_pmj: pd.DataFrame | str | Path | None = None,
    trust: dict | None = None,
) -> dict:
    """The back-test section; ``trust`` is :func:`~capaciteit.run.backtest.reliability`
    of the same scores (read once, by the caller)."""
    t = translate(REPORT, lang)
    out: dict = {"table": None, "summary": None, "figure": None}
    out["pmj"] = pmj_scores(backtest_pmj, lang)
    if backtest is not None and not isinstance(backtest, pd.DataFrame):
        backtest = pd.read_csv(backtest)
    if backtest is not None and len(backtest):

        def horizon(h: object) -> str:
            return str(h).replace("yr", t["yr"])

        # the probabilistic baselines; a back-test written before them has the
        # point random walk only (and, if any, a normal one: not shown as these)
        baselines = {"CRPS_rw", "CRPS_drift"} <= set(backtest.columns)
        shown = ["CRPS_rw", "CRPS_drift"] if baselines else ["CRPS_naive"]
        rows = [
            [
                Cell(horizon(r["horizon"])),
                num_cell(fmt_num(r["forecasts"], lang)),
                num_cell(fmt_pct(r["MAPE"], lang)),
                num_cell(fmt_num(r["MASE"], lang, 3)),
                num_cell(fmt_pct(r["coverage_50"], lang, 0)),
                num_cell(fmt_pct(r["coverage_80"], lang, 0)),
                num_cell(fmt_num(r["CRPS"], lang)),
                *(num_cell(fmt_num(r[c], lang)) for c in shown),
            ]
            for _, r in backtest.iterrows()
        ]
        head = header(
            t["col_horizon"],
            t["col_forecasts"],
            "MAPE",
            "MASE",
            t["col_cov50"],
            t["col_cov80"],
            "CRPS",
            *(t[f"col_{c.lower()}"] for c in shown),
        )
        out["table"] = Table("table-backtest", head, rows)
        pick = backtest[backtest["horizon"].astype(str) == "1-3 yr"]
        r = (pick if len(pick) else backtest).iloc[0]
        cov = float(r["coverage_80"])
        better = {c: t["crps_better" if r["CRPS"] < r[c] else "crps_worse"] for c in shown}
        out["summary"] = say(
            t["backtest_summary" if baselines else "backtest_summary_naive"],
            horizon=horizon(r["horizon"]),
            mase=fmt_num(r["MASE"], lang, 3),
            mase_word=t["better" if r["MASE"] < 1 else "worse"],
            cov80=fmt_pct(cov, lang, 0),
            # one verdict on the bands, the 50% band's included (as beside the places needed)
            cov_word=t[
                (trust or reliability(backtest) or {}).get("word")
                or ("too_narrow" if cov < 0.7 else "too_wide" if cov > 0.9 else "about_right")
            ],
            crps=fmt_num(r["CRPS"], lang),
            crps_naive=fmt_num(r["CRPS_naive"], lang),
            crps_rw=fmt_num(r.get("CRPS_rw"), lang),
            crps_drift=fmt_num(r.get("CRPS_drift"), lang),
            rw_word=better.get("CRPS_rw", ""),
            drift_word=better.get("CRPS_drift", ""),
        )
    if backtest_png is not None:
        data = Path(backtest_png).read_bytes()
        src = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        out["figure"] = Fig("fig-backtest", src, t["backtest_alt"])
    return out
