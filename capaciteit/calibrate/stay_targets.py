"""The moments the stays are fitted to: the latest of each published by the
origin (the stock, its shares by legal status and by sentence length, the half
released within a month), with their sources."""

from __future__ import annotations

import datetime as dt

from capaciteit.calibrate import censored
from capaciteit.data import history


def _latest(category: str, origin: dt.date, unit: str) -> history.Observation | None:
    obs = history.series("stock_components.csv", category, until=origin, unit=unit)
    return obs[-1] if obs else None


def targets(origin: dt.date, stock: float) -> list[dict]:
    """The moments the stays are fitted to: the latest of each published by the
    origin (shares of the stock by status and by sentence length; the half
    released within a month), with their sources."""
    out = [
        {
            "name": "stock",
            "target": stock,
            "weight": 1.0,
            "scale": 0.005 * stock,
            "source": "CBS 84425NED",
        }
    ]
    pre = _latest("pre_trial", origin, "share")
    pre_p = _latest("pre_trial", origin, "persons")
    if pre_p and (not pre or pre_p.date > pre.date):  # persons: as a share of that year's stock
        tot = {o.date: o.value for o in history.load_stock()}[pre_p.date]
        pre = history.Observation(
            pre_p.date, "pre_trial", pre_p.value / tot, "share", pre_p.source, pre_p.source_url
        )
    if pre:
        out.append(
            {
                "name": "share_pre_trial",
                "target": pre.value,
                "weight": 1.0,
                "scale": 0.01,
                "source": f"{pre.source} ({pre.date})",
            }
        )
    sent = _latest("sentenced", origin, "share")
    both = _latest("sentenced_and_substitute", origin, "share")
    if both and (not sent or both.date > sent.date):
        out.append(
            {
                "name": "share_sentenced_and_substitute",
                "target": both.value,
                "weight": 1.0,
                "scale": 0.02,
                "source": f"{both.source} ({both.date})",
            }
        )
    elif sent:
        out.append(
            {
                "name": "share_sentenced",
                "target": sent.value,
                "weight": 1.0,
                "scale": 0.01,
                "source": f"{sent.source} ({sent.date})",
            }
        )
    for cat, name in (
        ("sentenced_share_1y_plus", "sentenced_1y_plus"),
        ("sentenced_share_3y_plus", "sentenced_3y_plus"),
    ):
        o = _latest(cat, origin, "share")
        if o:
            out.append(
                {
                    "name": name,
                    "target": o.value,
                    "weight": 1.0,
                    "scale": 0.03,
                    "source": f"{o.source} ({o.date})",
                }
            )
    half = history.series("stays.csv", "share_released_within_1_month", until=origin)
    if half:
        out.append(
            {
                "name": "released_within_30_days",
                "target": half[-1].value,
                "weight": 0.5,
                "scale": 0.05,
                "source": half[-1].source,
            }
        )
    return out


_BY_LENGTH = ("sentence_under_1y", "sentence_1y_to_3y", "sentence_3y_plus")


def _stay_targets(origin: dt.date, stock: float) -> list[dict]:
    """:func:`targets`, with the shares of the sentenced with at least one and
    at least three years taken from the published counts by sentence length
    (under 1, 1-3, 3+ years) where those are newer than the published shares.
    Where the stock on that day hid demand (:func:`censored.hidden_demand`,
    people with short sentences not executed), it is counted under a year:
    the stays are fitted to demand, so the shares are those of demand."""
    out = targets(origin, stock)
    by_day: dict[dt.date, dict[str, history.Observation]] = {}
    for cat in _BY_LENGTH:
        for o in history.series("stock_components.csv", cat, until=origin, unit="persons"):
            by_day.setdefault(o.date, {})[cat] = o
    complete = [day for day, got in by_day.items() if len(got) == len(_BY_LENGTH)]
    if not complete:
        return out
    day = max(complete)
    got = by_day[day]
    hidden = censored.hidden_demand(day, until=origin)
    under = got["sentence_under_1y"].value + (hidden.people if hidden else 0.0)
    at_least_3 = got["sentence_3y_plus"].value
    total = under + got["sentence_1y_to_3y"].value + at_least_3
    src = got["sentence_3y_plus"].source + ": persons by sentence length"
    src += ", the hidden demand under a year" if hidden else ""
    for name, cat, share in (
        ("sentenced_1y_plus", "sentenced_share_1y_plus", (total - under) / total),
        ("sentenced_3y_plus", "sentenced_share_3y_plus", at_least_3 / total),
    ):
        published = _latest(cat, origin, "share")
        if published is not None and published.date >= day:
            continue
        new = {"name": name, "target": share, "weight": 1.0, "scale": 0.03}
        old = next((t for t in out if t["name"] == name), None)
        if old is None:
            out.append({**new, "source": f"{src} ({day})"})
        else:
            old.update(target=share, source=f"{src} ({day})")
    return out
