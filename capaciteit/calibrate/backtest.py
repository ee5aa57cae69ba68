"""Back-tests: the whole chain from rolling origins, scored against what happened.

From each origin (30 September of a year) the scenario is moved into the past:
start on 1 October with the real stock of 30 September, calibrate on what was
published by then (reconstruction, stays, inflow model), simulate five years, and
compare the total on each later 30 September with the real CBS stock.

The scenario's own dated changes follow the same rule as the data (the vintage
rule, :func:`as_of`): no announcement dates are sourced, so a change is known at
an origin only if it had started by then. Policies, responses and end phases
that start later are dropped; rate and capacity tables, court hearings, an end
date and the Wet straffen en beschermen after the origin are frozen as they
stood on it. :func:`vintage` says, per origin, which data and changes it used.
The rule is idempotent but for rounding: the scenario as it stood at an origin,
taken back to an earlier origin, is the scenario as it stood at that earlier
one, except that a court curve's share interpolated twice may differ from the
direct one in its last bit. The band's nested back-tests (:mod:`capaciteit.calibrate.bands`)
are cached by content, so they are shared by the back-test's origins where it
holds, and run again (as a scenario known at the origin all the same) where not.

Scores per horizon: MAPE of the median, MASE against the random walk (the stock
at the origin as the forecast of every later year) and the same ratio against
the random walk with drift, coverage of the 50% and 80% intervals, and the CRPS
of the simulated distribution, against that of the point random walk (its
absolute error) and of two log-normal baselines: the random walk and the random
walk with drift, each with the spread of the yearly log changes published by
the origin.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from capaciteit.data import history
from capaciteit.run.runner import simulate
from capaciteit.scenario import LAST_DAY, Scenario, parse_scenario
from capaciteit.sim.policies import dated_as_of, placements_as_of

HORIZON = 5
NEVER = LAST_DAY
"""``release.senb_start`` of an origin before the law: later than any run, so the
2008 rules hold throughout."""
_NO_DATE = dt.date(1, 1, 1)  # the key of a step table that is one number


def origin_date(year: int) -> dt.date:
    """An origin is the day CBS counts the stock: 30 September."""
    return dt.date(year, 9, 30)


def as_of(base: Scenario, origin: dt.date) -> tuple[dict, list[str], list[str]]:
    """The base scenario's content as it stood on ``origin`` (data for
    :func:`~capaciteit.scenario.parse_scenario`), and its dated changes kept and
    dropped (or frozen), by name.

    Unlike :func:`~capaciteit.sim.policies.known_at` (what the start stock and the
    calibration see: the run keeps its later changes) nothing after the origin is
    left: a policy or response that starts later is dropped, and one that ends
    later acts on; a step table (rates, places, usable share, margin) holds its
    value of that day; an end phase that starts later is dropped, one whose rules
    end later (``until``, with its transition) keeps them, and one that replaces
    such rules (``instead_of``) is dropped, since it would apply to nobody; the
    court backlog heard after the origin is not heard; the Wet straffen en
    beschermen, in force after it, is not in force in the run (:data:`NEVER`),
    and its rule set of refusals and postponements is the 2008 one.
    A waiting list at the scenario's start is the list of another day: dropped."""
    data = base.to_data()
    kept: list[str] = []
    dropped: list[str] = []

    def freeze(where: str, table, raw: dict, key: str) -> None:
        later = [d for d, _ in table if d > origin]
        kept.extend(f"{where} {d}" for d, _ in table if _NO_DATE < d <= origin)
        if later:  # the entries up to the origin: the same value from it on
            held = [(d, v) for d, v in table if d <= origin]
            raw[key] = (
                {(d.isoformat()[:7] if table.months else d.isoformat()): v for d, v in held}
                if held
                else table.value_at(origin)
            )
            dropped.extend(f"{where} {d}" for d in later)

    for s, raw in zip(base.stream, data.get("stream", []), strict=True):
        freeze(f"stream {s.name}.rate_per_year", s.rate_per_year, raw, "rate_per_year")
        if s.waiting_at_start is not None and base.scenario.start != origin + dt.timedelta(1):
            raw.pop("waiting_at_start")
            dropped.append(f"stream {s.name}.waiting_at_start {base.scenario.start}")
    for u, raw in zip(base.unit, data["unit"], strict=True):
        for key in ("capacity", "usable_share", "margin"):
            if getattr(u, key) is not None:
                freeze(f"unit {u.name}.{key}", getattr(u, key), raw, key)
    for key in ("policy", "response"):
        data[key] = dated_as_of(getattr(base, key), data.get(key, []), origin, kept, dropped, key)
    data["placement"] = placements_as_of(base, data.get("placement", []), origin, kept, dropped)
    senb = base.release.senb_start
    if senb > origin:
        # its rule set too: the start stock's bound on stays reads both rule sets
        data["release"]["senb_start"] = NEVER
        data["release"]["rules_senb2021"] = data["release"]["rules_2008"]
        dropped.append(f"release.senb_start {senb}")
    else:
        kept.append(f"release.senb_start {senb}")
    if base.court is not None:
        curve = base.court.curve()
        first, later = curve[0][0], [d for d, _ in curve if d > origin]
        if first > origin:
            data.pop("court")
            dropped.append(f"court {first}")
        else:
            kept.append(f"court {first}")
            if later:
                days = [d.toordinal() for d, _ in curve]
                share = float(np.interp(origin.toordinal(), days, [x for _, x in curve]))
                handled = {d.isoformat(): x for d, x in curve if d <= origin}
                data["court"]["handled"] = {**handled, origin.isoformat(): share}
                dropped.extend(f"court.handled {d}" for d in later)
    return data, kept, dropped


def origin_scenario(base: Scenario, year: int, horizon: int = HORIZON) -> Scenario:
    """The base scenario moved to an origin on 30 September ``year``, as it stood
    on that day (:func:`as_of`)."""
    origin = origin_date(year)
    data, _kept, _dropped = as_of(base, origin)
    data["scenario"].update(
        name=f"{base.name}-backtest-{year}",
        start=origin + dt.timedelta(days=1),
        end=dt.date(year + horizon, 9, 30),
        warmup_days=0,
        start_stock="observed",
    )
    data["forecast"] = {"origin": origin}
    data["inflow"] = {"calibrate": True}
    return parse_scenario(data, base.source_file or "<backtest>")


def crps_ensemble(samples: np.ndarray, obs: float) -> float:
    """CRPS of an ensemble: E|X - y| - E|X - X'| / 2 (exact for the ensemble)."""
    x = np.sort(np.asarray(samples, float))
    n = x.size
    spread = 2.0 * np.sum((2 * np.arange(1, n + 1) - n - 1) * x) / n**2
    return float(np.mean(np.abs(x - obs)) - 0.5 * spread)


def crps_lognormal(mu, s, obs):
    """CRPS of a log-normal predictive distribution LN(mu, s) at ``obs`` > 0, in
    closed form (Baran & Lerch 2015): a baseline forecast of the stock is scored
    exactly, with no sampling error of its own."""
    mu, s, y = (np.asarray(v, float) for v in (mu, s, obs))
    z = (np.log(y) - mu) / s
    phi = stats.norm.cdf
    out = y * (2 * phi(z) - 1) - 2 * np.exp(mu + s**2 / 2) * (
        phi(z - s) + phi(s / math.sqrt(2)) - 1
    )
    return float(out) if out.ndim == 0 else out


def log_changes(stock: dict[int, float], origin: int) -> np.ndarray:
    """The yearly log changes of the stock published by ``origin`` (consecutive
    years only: a gap is skipped, never bridged)."""
    years = sorted(y for y in stock if y <= origin)
    pairs = [(a, b) for a, b in itertools.pairwise(years) if b == a + 1]
    return np.array([math.log(stock[b] / stock[a]) for a, b in pairs])


def random_walk_sd(stock: dict[int, float], origin: int) -> float:
    """The yearly spread of the random walk from ``origin``: the root mean square
    of the yearly log changes published by then (their spread around zero, the
    walk's expected change), so that the log stock h years ahead has sd this
    times sqrt(h)."""
    c = log_changes(stock, origin)
    return float(np.sqrt(np.mean(c**2)))


def drift(stock: dict[int, float], origin: int) -> tuple[float, float]:
    """The random walk with drift from ``origin``: the mean yearly log change
    published by then, and the sd of the changes around it (the log stock h
    years ahead: the origin's plus h x drift, with sd this times sqrt(h); the
    drift's own estimation error is not in it)."""
    c = log_changes(stock, origin)
    return float(c.mean()), float(c.std(ddof=1))


def run(
    base: Scenario,
    origins: list[int],
    replications: int,
    seed: int,
    workers: int = 1,
    progress=None,
) -> tuple[pd.DataFrame, dict]:
    """Back-test ``base`` from each origin; return the per-forecast table and the
    simulated daily quantiles of the total (for the figure)."""
    stock = {o.date.year: o.value for o in history.load_stock()}
    rows, fans = [], {}
    for k, year in enumerate(origins):
        known = {y: v for y, v in stock.items() if y <= year}  # the baselines' data
        rw_sd = random_walk_sd(known, year)
        mean_change, drift_sd = drift(known, year)
        now = known[year]
        sc = origin_scenario(base, year)
        ds = simulate(sc, replications=replications, seed=seed, workers=workers)
        tot = ds["occupancy"].sel(unit="total")
        fans[year] = tot.quantile([0.1, 0.5, 0.9], dim="replication").to_pandas().T
        for h in range(1, HORIZON + 1):
            target = year + h
            if target not in stock:
                continue
            x = tot.sel(time=f"{target}-09-30").values.astype(float)
            y = stock[target]
            q = np.quantile(x, [0.1, 0.25, 0.5, 0.75, 0.9])
            drifted = now * math.exp(h * mean_change)
            rows.append(
                {
                    "origin": year,
                    "horizon": h,
                    "year": target,
                    "observed": y,
                    "p10": q[0],
                    "p25": q[1],
                    "p50": q[2],
                    "p75": q[3],
                    "p90": q[4],
                    "mean": x.mean(),
                    "naive": now,
                    "drift": drifted,
                    "error": q[2] - y,
                    "naive_error": now - y,
                    "drift_error": drifted - y,
                    "ape": abs(q[2] - y) / y,
                    "in50": q[1] <= y <= q[3],
                    "in80": q[0] <= y <= q[4],
                    "crps": crps_ensemble(x, y),
                    "crps_naive": abs(now - y),
                    # log-normal random walks: log stock ~ N(log now [+ h drift], sd^2 h)
                    "crps_rw": crps_lognormal(math.log(now), rw_sd * math.sqrt(h), y),
                    "crps_drift": crps_lognormal(
                        math.log(now) + h * mean_change, drift_sd * math.sqrt(h), y
                    ),
                    "inflow_model": _model_of(ds),
                }
            )
        if progress:
            progress(k + 1, len(origins))
    return pd.DataFrame(rows), fans


def _model_of(ds) -> str:
    import json

    return json.loads(ds.attrs.get("calibration", "{}")).get("inflow_model", "")


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Scores per horizon (and over horizons 1-3): MAPE, MASE (against the random
    walk) and the MAE ratio against the random walk with drift, coverage, and the
    CRPS beside the baselines'. A table written before a baseline was scored
    lacks its columns, and its summary lacks that baseline's scores."""

    def scores(t: pd.DataFrame) -> dict:
        mae = t["error"].abs().mean()
        out = {
            "forecasts": len(t),
            "MAPE": t["ape"].mean(),
            "MASE": mae / t["naive_error"].abs().mean(),
        }
        if "drift_error" in t:
            out["MAE_ratio_drift"] = mae / t["drift_error"].abs().mean()
        out |= {
            "coverage_50": t["in50"].mean(),
            "coverage_80": t["in80"].mean(),
            "CRPS": t["crps"].mean(),
            "CRPS_naive": t["crps_naive"].mean(),
        }
        for col, name in (("crps_rw", "CRPS_rw"), ("crps_drift", "CRPS_drift")):
            if col in t:
                out[name] = t[col].mean()
        return out

    out = {f"{h} yr": scores(t) for h, t in table.groupby("horizon")}
    out["1-3 yr"] = scores(table[table["horizon"] <= 3])
    return pd.DataFrame(out).T


def dated_changes(base: Scenario, year: int) -> tuple[list[str], list[str]]:
    """The base scenario's dated changes kept and dropped (or frozen) at the
    origin of ``year`` (:func:`as_of`)."""
    _data, kept, dropped = as_of(base, origin_date(year))
    return kept, dropped


def vintage(base: Scenario, origins: list[int]) -> pd.DataFrame:
    """What each origin knew: one row per origin with the date of every kind of
    data its run used (the start stock, the latest stock, total inflow, inflow
    composition and unique persons in the reconstruction, each target of the
    stay fit), the inflow model chosen, and the scenario's dated changes kept
    and dropped. Yearly figures are dated 31 December of their year, as in
    :mod:`history`. The calibration is the run's (memoized in the process)."""
    from capaciteit.calibrate.calibration import calibrate
    from capaciteit.calibrate.reconstruct import observations
    from capaciteit.run.runner import start_stock

    rows = []
    for year in origins:
        origin = origin_date(year)
        sc = origin_scenario(base, year)
        _count, info = start_stock(sc)
        cal = calibrate(sc)
        years, obs = observations(origin)[:2]  # years and the log observations
        seen = [years[np.isfinite(obs[:, c])].tolist() for c in range(3)]
        stock_date = {o.date.year: o.date for o in history.load_stock(until=origin)}
        targets = _target_dates(cal.stays["targets"], origin)
        kept, dropped = dated_changes(base, year)
        rows.append(
            {
                "origin": origin.isoformat(),
                "start_stock_date": info["date"],
                "stock_latest": stock_date[max(seen[0])].isoformat(),
                "inflow_years": " ".join(map(str, seen[1])),
                "inflow_latest": _year_end(max(seen[1])),
                "composition_latest": _year_end(cal.inflow["composition_year"]),
                "persons_latest": _year_end(max(seen[2])) if seen[2] else "",
                "targets": "; ".join(f"{k} {v}" for k, v in targets.items()),
                "targets_latest": max(v for v in targets.values() if v),
                "inflow_model": cal.forecast["model"],
                "dropped": "; ".join(dropped),
                "kept": "; ".join(kept),
            }
        )
    return pd.DataFrame(rows)


def _year_end(year: int) -> str:
    return dt.date(int(year), 12, 31).isoformat()


def _target_dates(targets: list[dict], origin: dt.date) -> dict[str, str]:
    """The date of the figure behind each target of the stay fit: the one its
    source names, else the stock at the origin (``stock``) or the latest share
    released within a month; "" where none is known."""
    out = {}
    for t in targets:
        m = re.search(r"\((\d{4}-\d{2}-\d{2})\)\s*$", t.get("source", ""))
        if m:
            out[t["name"]] = m.group(1)
        elif t["name"] == "stock":
            out[t["name"]] = history.observed_stock_near(origin, origin=origin).date.isoformat()
        elif t["name"] == "released_within_30_days":
            half = history.series("stays.csv", "share_released_within_1_month", until=origin)
            out[t["name"]] = half[-1].date.isoformat()
        else:
            out[t["name"]] = ""
    return out


def figure(fans: dict, path: Path) -> None:
    """Forecast fans (P10-P90 and median) from each origin against the real stock.

    Drawn on its own Agg canvas, not pyplot, so that calling it from a notebook
    leaves the notebook's backend alone."""
    from matplotlib import colormaps

    from capaciteit.outputs.figures import new_figure

    stock = history.load_stock()
    fig = new_figure((10, 5))
    fig.set_dpi(110)
    fig.set_layout_engine("tight")
    ax = fig.add_subplot()
    cmap = colormaps["viridis"].resampled(max(len(fans), 2))
    for k, (year, q) in enumerate(sorted(fans.items())):
        t = q.index.values
        ax.fill_between(t, q[0.1], q[0.9], color=cmap(k), alpha=0.18, lw=0)
        ax.plot(t, q[0.5], color=cmap(k), lw=1.2, label=f"from {year}")
    ax.plot(
        [np.datetime64(o.date) for o in stock],
        [o.value for o in stock],
        "ko-",
        ms=4,
        lw=1.5,
        label="CBS 30 Sept stock",
    )
    ax.set_ylabel("people in prison (cells)")
    ax.set_title("Back-test: forecasts from each origin (median, 80% band) and what happened")
    ax.legend(ncol=4, fontsize=7, loc="upper right")
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=110)


def reliability(scores: pd.DataFrame | str | Path | None) -> dict | None:
    """How far to trust a run's bands, from a back-test's ``summary.csv``: the
    coverage of the 50% and 80% bands 1 to 3 years ahead, and a word for it
    (too narrow when the 80% band held under 70% or the 50% band under 40%,
    too wide above 90% or 60%). The report and the workbook say it beside the
    places needed, which read a tail of the same bands."""
    if scores is None:
        return None
    if not isinstance(scores, pd.DataFrame):
        scores = pd.read_csv(scores)
    row = scores[scores["horizon"].astype(str) == "1-3 yr"]
    if not len(row):
        return None
    r = row.iloc[0]
    cov50, cov80 = float(r["coverage_50"]), float(r["coverage_80"])
    if cov80 < 0.7 or cov50 < 0.4:
        word = "too_narrow"
    elif cov80 > 0.9 or cov50 > 0.6:
        word = "too_wide"
    else:
        word = "about_right"
    return {"forecasts": int(r["forecasts"]), "cov50": cov50, "cov80": cov80, "word": word}
