"""Problems between keys: duplicate names, references to units, streams and
placements that do not exist, overflow loops, pools, and keys one key needs
of another. They are found on the raw merged dict, beside the schema's own
checks, so that a file with both kinds of mistake hears of both at once.

A value of the wrong type is never reported here: it is the schema's to report,
so each check looks only at what has the type it needs. Problems come as
``(key.path, message)`` in the order a reader meets them in the file's tables.
"""

from __future__ import annotations

from capaciteit.scenario.base import _is_number
from capaciteit.scenario.model import _NAMED_LISTS


def _items(data: dict, key: str) -> list[tuple[int, dict]]:
    """The tables of the list ``key``, with their positions."""
    v = data.get(key)
    return [(i, x) for i, x in enumerate(v) if isinstance(x, dict)] if isinstance(v, list) else []


def _name_list(x: dict) -> list[tuple[int, str]]:
    """The names in a `streams` list (a wrong type is the schema's to report)."""
    v = x.get("streams")
    return [(j, n) for j, n in enumerate(v) if isinstance(n, str)] if isinstance(v, list) else []


def _ref(x: dict, key: str) -> str | None:
    """A reference to a unit or stream by name (a wrong type is the schema's)."""
    v = x.get(key)
    return v if isinstance(v, str) else None


def _table(data: dict, key: str) -> dict:
    v = data.get(key)
    return v if isinstance(v, dict) else {}


def _dict(v: object) -> dict:
    return v if isinstance(v, dict) else {}


def _cross_checks(data: dict) -> list[tuple[str, str]]:
    """Problems between keys (names, references, loops), on the raw merged dict."""
    units = _items(data, "unit")
    unit_by_name: dict[str, dict] = {}
    for _, u in units:
        if _ref(u, "name") is not None:
            unit_by_name.setdefault(u["name"], u)
    streams: dict[str, dict] = {}
    for _, s in _items(data, "stream"):
        if _ref(s, "name") is not None:
            streams.setdefault(s["name"], s)
    return [
        *_duplicates(data),
        *_units(units, unit_by_name),
        *_labels(units),
        *_overflow_loops(units, unit_by_name),
        *_pools(units, unit_by_name),
        *[
            (f"stream[{i}].unit", f"no unit named {n!r}")
            for i, s in _items(data, "stream")
            if (n := _ref(s, "unit")) is not None and n not in unit_by_name
        ],
        *_placements(_items(data, "placement"), unit_by_name, streams),
        *[
            (f"pmj[{i}].unit", f"no unit named {n!r}")
            for i, p in _items(data, "pmj")
            if (n := _ref(p, "unit")) is not None and n not in {*unit_by_name, "total"}
        ],
        *[
            (f"court.streams.{n}", f"no stream named {n!r}")
            for n in _dict(_table(data, "court").get("streams"))
            if n not in streams
        ],
        *_reentry(data, streams),
        *_acting(data, "response", "extra_places", unit_by_name, streams),
        *_acting(data, "policy", "capacity", unit_by_name, streams),
        *_offence_dates(data),
    ]


def _duplicates(data: dict) -> list[tuple[str, str]]:
    problems = []
    for key in _NAMED_LISTS:
        seen: dict[str, int] = {}
        for i, x in _items(data, key):
            n = _ref(x, "name")
            if n is not None and n in seen:
                problems.append(
                    (f"{key}[{i}].name", f"duplicate name {n!r} (also {key}[{seen[n]}])")
                )
            if n is not None:
                seen.setdefault(n, i)
    return problems


def _units(units: list[tuple[int, dict]], unit_by_name: dict[str, dict]) -> list[tuple[str, str]]:
    """What a unit does when full, and the units it names for it."""
    problems = []
    for i, u in units:
        if u.get("name") == "total":
            problems.append((f"unit[{i}].name", "'total' is reserved for the sum of all units"))
        wf = u.get("when_full")
        if wf is not None and u.get("capacity") is None:
            problems.append((f"unit[{i}].capacity", f"required when when_full = {wf!r}"))
        if wf == "overflow" and u.get("overflow_to") is None:
            problems.append((f"unit[{i}].overflow_to", "required when when_full = 'overflow'"))
        if u.get("overflow_to") is not None and wf != "overflow":
            problems.append((f"unit[{i}].overflow_to", "only used with when_full = 'overflow'"))
        ov = _ref(u, "overflow_to")
        if ov is not None and ov not in unit_by_name:
            problems.append((f"unit[{i}].overflow_to", f"no unit named {ov!r}"))
        if ov is not None and ov == u.get("name"):
            problems.append((f"unit[{i}].overflow_to", "a unit cannot overflow to itself"))
        if u.get("wait_in") is not None and wf != "wait":
            problems.append((f"unit[{i}].wait_in", "only used with when_full = 'wait'"))
        wi = _ref(u, "wait_in")
        if wi is not None and wi not in unit_by_name:
            problems.append((f"unit[{i}].wait_in", f"no unit named {wi!r}"))
        if wi is not None and wi == u.get("name"):
            problems.append((f"unit[{i}].wait_in", "a unit cannot hold its own waiting list"))
        elif wi in unit_by_name and unit_by_name[wi].get("when_full") is not None:
            problems.append(
                (
                    f"unit[{i}].wait_in",
                    f"unit {wi!r} has when_full: those waiting need a unit that never turns "
                    "anyone away",
                )
            )
    return problems


def reads_as(text: str) -> str:
    """What a reader takes a unit's shown name for: its case and the spaces
    around it aside ("BBA " reads as "bba")."""
    return text.strip().casefold()


LABEL_CHARS = 60
"""The longest unit label: a figure's legend and a table's header must hold it."""


def _labels(units: list[tuple[int, dict]]) -> list[tuple[str, str]]:
    """A unit's ``label`` names it for a reader: it must show something, and no
    two units may look alike in a report where one of them is labelled (what
    each shows, its label or else its name, compared without case or the spaces
    around it: a label "BBA" beside a unit named "bba" would read the same)."""
    problems = []
    names = {i: str(u.get("name", i)) for i, u in units}
    seen: dict[str, tuple[int, str, bool]] = {}  # what a reader sees -> (unit, shown, labelled)
    for i, u in units:
        label, name = _ref(u, "label"), _ref(u, "name")
        if label is not None and not label.strip():
            problems.append((f"unit[{i}].label", "must show a name, not only spaces"))
            continue
        if label is not None and len(label) > LABEL_CHARS:
            problems.append(
                (
                    f"unit[{i}].label",
                    f"must be at most {LABEL_CHARS} characters: it names the unit in tables "
                    "and figures (`description` holds more)",
                )
            )
        shown = label if label is not None else name
        if shown is None:
            continue
        key = reads_as(shown)
        if key not in seen:
            seen[key] = (i, shown, label is not None)
            continue
        j, before, labelled = seen[key]
        if label is None and not labelled:
            continue  # two names: the duplicate-name check's, or not alike enough to matter
        at, other = (i, j) if label is not None else (j, i)
        other_shown = before if at == i else shown
        problems.append(
            (
                f"unit[{at}].label",
                f"reads the same as unit {names[other]!r} ({other_shown!r}): a "
                "reader of the report could not tell them apart",
            )
        )
    return problems


def _overflow_loops(
    units: list[tuple[int, dict]], unit_by_name: dict[str, dict]
) -> list[tuple[str, str]]:
    """Overflow loops, reported at each unit on one; units whose chain ends
    without a loop are remembered, so a long chain is walked once."""
    problems = []
    no_loop: set[str] = set()
    for i, u in units:
        chain = [u.get("name")]
        at = {_ref(u, "name")}
        cur, looped = u, False
        while isinstance(cur, dict) and cur.get("when_full") == "overflow":
            nxt = _ref(cur, "overflow_to")
            if nxt is None or nxt in no_loop:
                break
            if nxt in at:
                looped = True
                if nxt == u.get("name") and len(chain) > 1:
                    loop = " -> ".join(map(str, [*chain, nxt]))
                    problems.append((f"unit[{i}].overflow_to", f"overflow loop: {loop}"))
                break
            chain.append(nxt)
            at.add(nxt)
            cur = unit_by_name.get(nxt)
        if not looped:
            no_loop.update(n for n in chain if isinstance(n, str))
    return problems


def _pools(units: list[tuple[int, dict]], unit_by_name: dict[str, dict]) -> list[tuple[str, str]]:
    """A pool holds units with a capacity, all cells or none, under a name of its own."""
    problems = []
    pools: dict[str, list[str]] = {}
    for i, u in units:
        pool = u.get("pool")
        if pool == "total":  # the row of all cells together in every summary
            problems.append((f"unit[{i}].pool", "'total' is reserved: give the pool another name"))
        if isinstance(pool, str) and isinstance(u.get("name"), str):
            pools.setdefault(pool, []).append(u["name"])
            if pool in unit_by_name and unit_by_name[pool].get("pool", pool) != pool:
                problems.append((f"unit[{i}].pool", f"{pool!r} is a unit outside this pool"))
            if u.get("capacity") is None:
                problems.append((f"unit[{i}].pool", "a unit in a pool needs a capacity"))
    for pool, names in pools.items():
        if len(names) > 1 and pool in unit_by_name:
            problems.append(
                (
                    f"unit[{list(unit_by_name).index(names[0])}].pool",
                    f"pool {pool!r} of several units cannot be named after one of them: "
                    "give it a name of its own",
                )
            )
        kinds = {unit_by_name[n].get("occupies_cell", True) is not False for n in names}
        if len(kinds) > 1:
            problems.append(
                (
                    f"unit[{list(unit_by_name).index(names[0])}].pool",
                    f"pool {pool!r} mixes cell units with units that are not cells",
                )
            )
    return problems


def _placements(
    placements: list[tuple[int, dict]], unit_by_name: dict[str, dict], streams: dict[str, dict]
) -> list[tuple[str, str]]:
    """An end phase's unit, the placement it replaces, and its sentenced streams."""
    problems = []
    for i, p in placements:
        n = _ref(p, "unit")
        if n is not None and n not in unit_by_name:
            problems.append((f"placement[{i}].unit", f"no unit named {n!r}"))
        elif n is not None and unit_by_name[n].get("when_full") == "overflow":
            problems.append(
                (
                    f"placement[{i}].unit",
                    f"unit {n!r} overflows when full: an end phase cannot; give it "
                    "when_full = 'wait' (those waiting stay where they are)",
                )
            )
        problems += [(f"placement[{i}].instead_of", m) for m in _instead_of(p, placements, i)]
        for j, n in _name_list(p):
            if n not in streams:
                problems.append((f"placement[{i}].streams[{j}]", f"no stream named {n!r}"))
            elif streams[n].get("path", "stay") == "stay":
                problems.append(
                    (f"placement[{i}].streams[{j}]", f"stream {n!r} serves no sentence")
                )
    return problems


def _instead_of(p: dict, placements: list[tuple[int, dict]], i: int) -> list[str]:
    """Problems with placement ``i``'s ``instead_of``: the placement it names must
    exist, be listed right before or after it (the two are alternatives for the
    same phase), have the same streams, and not itself replace another."""
    n = p.get("instead_of")
    if not isinstance(n, str):
        return []  # absent, or a wrong type (the schema's to report)
    if n == p.get("name"):
        return ["a placement cannot replace itself"]
    at = {x.get("name"): j for j, x in placements if isinstance(x.get("name"), str)}
    if n not in at:
        return [f"no placement named {n!r}"]
    j, other = at[n], dict(placements)[at[n]]
    if abs(j - i) != 1:
        return [
            f"placement {n!r} must be listed right before or after this one "
            "(the two are alternatives for the same phase)"
        ]
    if other.get("instead_of") is not None:
        return [f"placement {n!r} itself has instead_of (one placement replaces one other)"]
    if other.get("streams") != p.get("streams"):
        return [f"placement {n!r} must have the same streams (so everyone gets one of the two)"]
    return []


def _reentry(data: dict, streams: dict[str, dict]) -> list[tuple[str, str]]:
    """``[reentry]``'s streams, and a reintegration policy's need of the loop
    and of a steady state (its factor times the highest share below 1)."""
    problems = []
    reentry = _table(data, "reentry")
    looping = bool(reentry) and reentry.get("enabled") is not False
    shares = _dict(reentry.get("by_stream"))
    for n in shares:
        if n not in streams:
            problems.append((f"reentry.by_stream.{n}", f"no stream named {n!r}"))
    highest = max([x for x in (reentry.get("share"), *shares.values()) if _is_number(x)] or [0.0])
    for i, p in _items(data, "policy"):
        if p.get("kind") == "reintegration" and not looping:
            problems.append(
                (
                    f"policy[{i}].kind",
                    "a reintegration policy needs the loop: a [reentry] table, not enabled = false",
                )
            )
        elif p.get("kind") == "reintegration" and _is_number(p.get("factor")):
            if p["factor"] * highest >= 1:
                problems.append(
                    (
                        f"policy[{i}].factor",
                        f"times the highest [reentry] share ({highest:g}) it must stay below 1 "
                        "(everyone coming back forever has no steady state)",
                    )
                )
    return problems


def _acting(
    data: dict, key: str, adds_places: str, unit_by_name: dict[str, dict], streams: dict[str, dict]
) -> list[tuple[str, str]]:
    """The streams a policy or response acts on, and the unit of the kind
    (``adds_places``) that adds places to one."""
    problems = []
    for i, p in _items(data, key):
        for j, n in _name_list(p):
            if n not in streams:
                problems.append((f"{key}[{i}].streams[{j}]", f"no stream named {n!r}"))
        n = _ref(p, "unit")
        if p.get("kind") == adds_places and n is not None and n not in unit_by_name:
            problems.append((f"{key}[{i}].unit", f"no unit named {n!r}"))
    return problems


def _offence_dates(data: dict) -> list[tuple[str, str]]:
    """Where the offence date decides the law, every sentenced stream has one."""
    if _table(data, "release").get("transition") != "offence_date":
        return []
    return [
        (f"stream[{i}].offence_lag_days", "required when release.transition = 'offence_date'")
        for i, s in _items(data, "stream")
        if s.get("path") in ("pre_trial", "sentence") and s.get("offence_lag_days") is None
    ]
