"""The scenario moved to an origin in the past, as it stood on that day.

The scenario's own dated changes follow the same rule as the data (the vintage
rule, :func:`as_of`): no announcement dates are sourced, so a change is known at
an origin only if it had started by then. Policies, responses and end phases
that start later are dropped; rate and capacity tables, court hearings, an end
date and the Wet straffen en beschermen after the origin are frozen as they
stood on it. :func:`capaciteit.run.backtest.vintage` says, per origin,
which data and changes it used. The rule is idempotent but for rounding: the
scenario as it stood at an origin, taken back to an earlier origin, is the
scenario as it stood at that earlier one, except that a court curve's share
interpolated twice may differ from the direct one in its last bit. The band's
nested back-tests (:mod:`capaciteit.calibrate.bands`) are cached by content, so
they are shared by the back-test's origins where it holds, and run again (as a
scenario known at the origin all the same) where not.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

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


def dated_changes(base: Scenario, year: int) -> tuple[list[str], list[str]]:
    """The base scenario's dated changes kept and dropped (or frozen) at the
    origin of ``year`` (:func:`as_of`)."""
    _data, kept, dropped = as_of(base, origin_date(year))
    return kept, dropped
