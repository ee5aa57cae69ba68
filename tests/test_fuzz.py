"""Scenario files as fuzzing targets: thousands of broken or odd files (wrong
types, missing keys, dates out of order, zero or huge numbers, cycles in
`extends`, overflow loops, unicode and control characters in names), each of
which must either give exit code 2 with one `FILE: key.path: problem` line per
problem, or be a valid scenario that runs with exact accounting. Never a
traceback, an exit code 1, a hang or a partial results folder.

The examples are derandomized (tests/conftest.py), so CI sees the same ones
every time; `print_blob` reproduces a failure.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import itertools
import math
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

import capaciteit as cap
from capaciteit.cli import main
from capaciteit.scenario import MAX_ARRIVALS, expected_arrivals

from .conftest import SCENARIOS
from .test_extreme import check_accounting

pytestmark = pytest.mark.filterwarnings("ignore::capaciteit.errors.ScenarioWarning")

# --------------------------------------------------------------------------- TOML writer
# (no tomli_w in the locked dependencies: a small writer is enough here)


def _str(s: str) -> str:
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else _str(k)


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, str):
        return _str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(str(k))} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def _is_table_list(v) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def to_toml(data: dict) -> str:
    """Top-level scalars, then ``[table]``s and ``[[array]]``s (nested tables inline)."""
    lines = [f"{_key(k)} = {_value(v)}" for k, v in data.items() if not _block(v)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines.append(f"\n[{_key(k)}]")
            lines += [f"{_key(str(a))} = {_value(b)}" for a, b in v.items()]
        elif _is_table_list(v):
            for item in v:
                lines.append(f"\n[[{_key(k)}]]")
                lines += [f"{_key(str(a))} = {_value(b)}" for a, b in item.items()]
    return "\n".join(lines) + "\n"


def _block(v) -> bool:
    return isinstance(v, dict) or _is_table_list(v)


# --------------------------------------------------------------------------- base scenarios

D = dt.date


def _exp(mean):
    return {"distribution": "exponential", "mean_days": mean}


QUEUES = {
    "scenario": {
        "name": "fuzz",
        "start": D(2030, 1, 1),
        "end": D(2030, 2, 28),
        "warmup_days": 30,
        "replications": 1,
    },
    "unit": [
        {"name": "main", "capacity": 200},
        {"name": "wing", "capacity": {"2030-01-01": 4, "2030-02-01": 2}, "when_full": "wait"},
        {"name": "spill", "capacity": 3, "when_full": "overflow", "overflow_to": "main"},
        {"name": "outside", "occupies_cell": False},
    ],
    "stream": [
        {
            "name": "direct",
            "unit": "main",
            "rate_per_year": {"2030-01": 1500, "2030-02": 2500},
            "stay": {"distribution": "lognormal", "mean_days": 20, "sd_days": 30},
            "status": "other",
        },
        {"name": "wing", "unit": "wing", "rate_per_year": 300, "stay": _exp(10)},
        {
            "name": "spill",
            "unit": "spill",
            "rate_per_year": 200,
            "stay": {"distribution": "fixed", "days": 7},
        },
        {
            "name": "out",
            "unit": "outside",
            "rate_per_year": 100,
            "stay": {"distribution": "empirical", "days": [5, 20], "shares": [0.5, 0.5]},
        },
    ],
}

LAW = {
    "scenario": {
        "name": "law",
        "start": D(2021, 6, 1),
        "end": D(2021, 8, 31),
        "warmup_days": 60,
        "start_stock": 40,
        "replications": 1,
    },
    "release": {"senb_start": D(2021, 7, 1), "rules_2008": {"refused_share": 0.1}},
    "unit": [
        {"name": "closed", "capacity": 150, "margin": 5, "usable_share": 0.95},
        {"name": "bba", "capacity": 3, "when_full": "wait", "wait_in": "closed"},
        {"name": "pp", "occupies_cell": False, "capacity": 10},
    ],
    "stream": [
        {
            "name": "pre_trial",
            "unit": "closed",
            "rate_per_year": 800,
            "path": "pre_trial",
            "pre_trial_days": {"distribution": "gamma", "mean_days": 40, "sd_days": 30},
            "convicted_share": 0.6,
            "sentence": {"distribution": "lognormal", "mean_days": 200, "sd_days": 300},
        },
        {
            "name": "self_reporters",
            "unit": "closed",
            "rate_per_year": 400,
            "path": "sentence",
            "sentence": _exp(60),
            "callup_days": _exp(30),
        },
    ],
    "placement": [
        {
            "name": "bba",
            "unit": "bba",
            "share": 0.5,
            "share_of_sentence": 0.2,
            "max_days": 60,
            "min_sentence_days": 30,
        },
        {"name": "pp", "unit": "pp", "share": 0.5, "share_of_sentence": 0.1, "max_days": 30},
    ],
    "policy": [
        {"name": "more", "kind": "inflow", "start": D(2021, 7, 15), "factor": 1.5},
        {
            "name": "cap",
            "kind": "capacity",
            "start": D(2021, 8, 1),
            "unit": "closed",
            "places": -20,
        },
        {
            "name": "early",
            "kind": "early_release",
            "start": D(2021, 8, 1),
            "days": 5,
            "streams": ["self_reporters"],
        },
    ],
    "response": [
        {"name": "stop", "kind": "stop_callups", "start": D(2021, 6, 1)},
        {
            "name": "extra",
            "kind": "extra_places",
            "start": D(2021, 6, 1),
            "places": 5,
            "unit": "closed",
        },
    ],
    "court": {
        "backlog_cases": 300,
        "handled": {"2021-06-01": 0.0, "2021-08-01": 1.0},
        "prison_share": 0.2,
        "streams": {"pre_trial": 1.0},
    },
    "pmj": [{"year": 2021, "places": 140, "source": "fuzz"}],
}


def _stylized() -> dict:
    data = tomllib.loads((SCENARIOS / "stylized.toml").read_text())
    data["scenario"].update(end=D(2030, 3, 31), warmup_days=60, replications=1)
    for s in data["stream"]:
        s["rate_per_year"] = s["rate_per_year"] / 20
    return data


BASES = [QUEUES, LAW, _stylized()]


def test_the_writer_round_trips_every_base():
    """The fuzzers below build dicts and write them as TOML: the writer must be exact."""
    for base in BASES:
        assert tomllib.loads(to_toml(base)) == base
    odd = {"a\nb": 'x\u2028\x00"\\', "t": {"k y": [1, 2.5, D(2030, 1, 1)]}}
    assert tomllib.loads(to_toml(odd)) == odd


# --------------------------------------------------------------------------- mutations

ODD = st.one_of(
    st.sampled_from(
        [
            0,
            -1,
            1,
            10**7,
            10**7 + 1,
            2**63,
            -(2**63),
            10**30,
            0.0,
            -0.0,
            1e-300,
            1e300,
            math.nan,
            math.inf,
            -math.inf,
            0.5,
            1.5,
            True,
            False,
            "",
            " ",
            ".",
            "..",
            "../x",
            "/abs",
            "a/b",
            "__import__('os').system('touch /tmp/capaciteit-pwned')",
            "{{7*7}}",
            "$(id)",
            "total",
            "main",
            "closed",
            "wing",
            "pre_trial",
            "\uff0e\uff0e",
            "名前",
            "x\ny",
            "\u2028",
            "\x00",
            D(1, 1, 1),
            D(9999, 12, 31),
            D(2030, 1, 1),
            D(2029, 12, 31),
            dt.datetime(2030, 1, 1, 10, 0),
            dt.time(10, 0),
            [],
            [1, 2],
            ["main"],
            {},
            {"a": 1},
            {"2030-01-01": 5},
            {"2030-01": 5},
            {"2030-13-01": 5},
            {"distribution": "weibull"},
            "lognormal",
            "overflow",
            "wait",
            "observed",
            "empty",
        ]
    ),
    st.text(max_size=12),
    st.integers(),
    st.floats(),
    st.dates(),
)


def _pick(draw, root):
    """A random (container, key) inside ``root``; None when it is empty."""
    parent, key, node = None, None, root
    while isinstance(node, dict | list) and len(node) and (parent is None or draw(st.booleans())):
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = draw(st.sampled_from(keys))
        parent, node = node, node[key]
    return (parent, key) if parent is not None else None


@st.composite
def broken(draw, edits=(1, 4)):
    """A base scenario with 1-4 random edits: delete, replace by an odd value,
    add an unknown key, copy a value from elsewhere, duplicate a list entry, swap
    the dates."""
    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(*edits))):
        where = _pick(draw, data)
        if where is None:
            break
        parent, key = where
        op = draw(st.sampled_from(["delete", "odd", "odd", "unknown", "copy", "dup", "swap"]))
        if op == "delete":
            del parent[key]
        elif op == "odd":
            parent[key] = copy.deepcopy(draw(ODD))  # ODD holds shared lists and tables
        elif op == "unknown" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["capacty", "x", "名", "a b", "source_file"]))] = 1
        elif op == "copy":
            other = _pick(draw, data)
            if other is not None:
                parent[key] = copy.deepcopy(other[0][other[1]])
        elif op == "dup" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif op == "swap" and isinstance(data.get("scenario"), dict):
            m = data["scenario"]
            if "start" in m and "end" in m:
                m["start"], m["end"] = m["end"], m["start"]
    return data


def _leaves(node, out):
    """(container, key) of every number and date inside ``node``."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for k, v in items:
        if isinstance(v, dict | list):
            _leaves(v, out)
        elif isinstance(v, int | float | dt.date) and not isinstance(v, bool):
            out.append((node, k))
    return out


@st.composite
def tweaked(draw):
    """A base scenario with 1-6 numbers or dates moved to edges that are often
    valid: zero, tiny, ten times as much, the largest allowed, a date moved by
    up to two years. Exercises the engine far more than `broken` does."""
    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    leaves = _leaves(data, [])
    for _ in range(draw(st.integers(1, 6))):
        parent, key = draw(st.sampled_from(leaves))
        v = parent[key]
        if isinstance(v, dt.date):
            parent[key] = v + dt.timedelta(days=draw(st.integers(-730, 730)))
        else:
            edge = draw(st.sampled_from([0, 0.001, 1, 10 * v, v / 10, 100_000, 10_000_000]))
            parent[key] = type(v)(edge) if isinstance(v, int) and float(edge).is_integer() else edge
    return data


# --------------------------------------------------------------------------- the checks


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def _cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def check_problems(path: Path, code: int, out: str, err: str, files=None) -> list[str]:
    """Exit 0 with `FILE: ok` (and perhaps `warning: FILE: key.path: text` lines),
    or exit 2 with only `FILE: [key.path: ]problem` lines (each naming one of
    ``files``), never a traceback. Returns the problem lines."""
    assert "Traceback" not in err and "internal error" not in err, err
    assert code in (0, 2), (code, err)
    if code == 0:
        assert out == f"{path}: ok\n", (out, err)
        for line in err.splitlines():
            assert (
                line.startswith(
                    tuple(f"warning: {path}: {u}" for u in ("unit[", "unit '", 'unit "'))
                )
                or line.startswith(f"warning: {path}: scenario.end: ")
                or (
                    line.startswith(f"warning: {path}: policy ")
                    and (".cost_per_place_per_year: not given: " in line or "after the run" in line)
                )
            ), line
        return []
    lines = err.splitlines()
    assert lines, "exit 2 without a reason"
    names = [str(f) for f in files or [path]]
    for line in lines:
        assert any(line.startswith(f"{f}: ") and len(line) > len(f) + 2 for f in names), line
    assert len(lines) == len(set(lines)), lines  # one line per problem
    return lines


def simulate_and_check(sc, note_it=True) -> bool:
    """Run one replication of a valid scenario when it is small enough for a test
    (the scenario checks already refuse anything a replication cannot hold)."""
    assert expected_arrivals(sc) <= MAX_ARRIVALS
    days = (sc.scenario.end - sc.scenario.start).days + sc.scenario.warmup_days
    stock = sc.scenario.start_stock
    big = isinstance(stock, int) and stock > 20_000
    if expected_arrivals(sc) > 30_000 or days > 1500 or big or sc.inflow.calibrate:
        return False
    ds = cap.simulate(sc, replications=1, seed=0)
    check_accounting(ds, sc)
    return True


def validate_and_run(path: Path, data: dict) -> None:
    """Write ``data`` as a scenario file, validate it through the command line,
    and run it when it is valid (and small enough)."""
    path.write_text(to_toml(data), encoding="utf-8")
    code, out, err = _cli("validate", path)
    note(err)
    check_problems(path, code, out, err)
    event(f"exit {code}")
    if code == 0:
        event(f"simulated: {simulate_and_check(cap.load_scenario(path))}")


def fuzz(examples: int) -> settings:
    """The profile's settings (tests/conftest.py), with this many examples; the
    module-scoped folders are shared by the examples on purpose."""
    return settings(
        max_examples=examples,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


@fuzz(1000)
@given(data=broken())
def test_broken_files_fail_cleanly_or_run(data, folder):
    """1,000 edited scenarios through `capaciteit validate`: exit 2 with clear lines
    or exit 0; those that validate run with exact accounting."""
    validate_and_run(folder / "broken.toml", data)


@st.composite
def text_edits(draw):
    """stylized.toml with lines deleted, repeated or garbled: a file that may not
    even be TOML."""
    lines = (SCENARIOS / "stylized.toml").read_text().splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "repeat", "garble", "insert"]))
        if op == "delete":
            del lines[i]
        elif op == "repeat":
            lines.insert(i, lines[i])
        elif op == "garble":
            j = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:j] + draw(st.text(max_size=4)) + lines[i][j:]
        else:
            lines.insert(i, draw(st.sampled_from(["[scenario]", "[[unit]]", "x = ", "= 1", "["])))
    return "\n".join(lines) + "\n"


@fuzz(400)
@given(text=text_edits())
def test_garbled_text_fails_cleanly(text, folder):
    """Line-level damage to a shipped scenario: never a traceback; a file that is
    not TOML is named with its line."""
    path = folder / "garbled.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    code, out, err = _cli("validate", path)
    lines = check_problems(path, code, out, err)
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        head = rf"{re.escape(str(path))}: line \d+: not valid TOML: "
        assert len(lines) == 1 and re.match(head, lines[0]), lines


# --------------------------------------------------------------------------- extends


TARGETS = [
    None,
    "a.toml",
    "b.toml",
    "c.toml",
    "missing.toml",
    "folder.toml",
    "loop.toml",
    "data.csv",
    "/etc/passwd",
    "",
    "other.toml",  # TOML, but not a scenario
]


@pytest.fixture(scope="module")
def chain_folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("extends")
    (d / "folder.toml").mkdir()
    (d / "loop.toml").symlink_to(d / "loop.toml")
    (d / "data.csv").write_text("root:x:0:0:secret\n")
    (d / "other.toml").write_text('[tool]\nsecret = "hunter2"\n')
    return d


def _expected(d: Path, extends: dict[str, str | None]) -> str:
    """What following a.toml's chain must give: 'ok' or the expected message."""
    seen, cur = [], "a.toml"
    while True:
        if cur in seen:
            return "cycle"
        seen.append(cur)
        parent = extends[cur]
        if parent is None:
            return "ok"
        if not parent or not parent.endswith(".toml"):
            return "must"
        if parent in ("missing.toml",):
            return "file not found"
        if parent == "folder.toml":
            return "is a folder"
        if parent == "loop.toml":
            return "loop of symbolic links"
        if parent == "other.toml":
            return "not a scenario file"
        cur = parent


@fuzz(200)
@given(targets=st.lists(st.sampled_from(TARGETS), min_size=3, max_size=3))
def test_extends_chains(targets, chain_folder):
    """Three files extending each other (or a folder, a link loop, a data file,
    /etc/passwd, a TOML file that is not a scenario): the error names the file and
    key that went wrong and never quotes another file's content."""
    d = chain_folder
    names = ["a.toml", "b.toml", "c.toml"]
    extends = dict(zip(names, targets, strict=True))
    for name, parent in extends.items():
        data = copy.deepcopy(QUEUES)
        data["scenario"]["name"] = name[0]
        if parent is not None:
            data["scenario"]["extends"] = parent
        (d / name).write_text(to_toml(data))
    code, out, err = _cli("validate", d / "a.toml")
    check_problems(d / "a.toml", code, out, err, files=[d / n for n in names])
    want = _expected(d, extends)
    assert (code == 0) == (want == "ok"), (want, err)
    if want != "ok":
        assert len(err.splitlines()) == 1 and want in err, (want, err)
    assert "root:" not in err and "secret" not in err and "hunter2" not in err


# --------------------------------------------------------------------------- networks of units


@st.composite
def networks(draw):
    """2-5 units, each open, overflowing or queueing, pointing anywhere (itself
    included), with 1-3 streams: overflow loops, chains and waits in any shape."""
    n = draw(st.integers(2, 5))
    names = [f"u{i}" for i in range(n)]
    units = []
    for name in names:
        u = {"name": name}
        wf = draw(st.sampled_from([None, "overflow", "wait"]))
        capacity = draw(st.sampled_from([None, 0, 1, 5, 40, {"2030-01-01": 3, "2030-01-20": 0}]))
        if capacity is not None:
            u["capacity"] = capacity
        if wf is not None:
            u["when_full"] = wf
        if wf == "overflow" or draw(st.integers(0, 9)) == 0:
            u["overflow_to"] = draw(st.sampled_from(names))
        if wf == "wait" and draw(st.booleans()):
            u["wait_in"] = draw(st.sampled_from(names))
        if draw(st.integers(0, 4)) == 0:
            u["occupies_cell"] = False
        units.append(u)
    streams = [
        {
            "name": f"s{k}",
            "unit": draw(st.sampled_from(names)),
            "rate_per_year": draw(st.sampled_from([0, 50, 500, 3000])),
            "stay": _exp(draw(st.sampled_from([1, 10, 60]))),
        }
        for k in range(draw(st.integers(1, 3)))
    ]
    meta = {"name": "net", "start": D(2030, 1, 1), "end": D(2030, 2, 15), "warmup_days": 20}
    return {"scenario": meta, "unit": units, "stream": streams}


def _overflow_loop(units: list[dict]) -> bool:
    by = {u["name"]: u for u in units}
    for u in units:
        seen, cur = set(), u
        while cur is not None and cur.get("when_full") == "overflow" and "overflow_to" in cur:
            if cur["name"] in seen:
                return True
            seen.add(cur["name"])
            cur = by.get(cur["overflow_to"])
    return False


@fuzz(250)
@given(data=networks())
def test_networks_of_units(data, folder):
    """An overflow loop (a unit to itself included) is named as such; every other
    network either says what is missing or runs: conservation holds and no unit
    with `when_full` ever holds more than its capacity."""
    path = folder / "net.toml"
    path.write_text(to_toml(data))
    code, out, err = _cli("validate", path)
    check_problems(path, code, out, err)
    units = data["unit"]
    by = {u["name"]: u for u in units}
    if _overflow_loop(units):
        assert code == 2
        assert "overflow loop" in err or "cannot overflow to itself" in err, err
        return
    consistent = all(
        ("capacity" in u or "when_full" not in u)
        and (("overflow_to" in u) == (u.get("when_full") == "overflow"))
        and ("wait_in" not in u or "when_full" not in by[u["wait_in"]])
        for u in units
    )
    assert (code == 0) == consistent, err
    event(f"exit {code}")
    if code == 0:
        assert simulate_and_check(cap.load_scenario(path))


# --------------------------------------------------------------------------- names


NAMES = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), min_size=0, max_size=10),
    st.sampled_from(["total", "a,b", "ü-nït", "日本", "\u2028", "a\nb", " ", "x" * 201]),
)


@fuzz(200)
@given(unit=NAMES, stream=NAMES, status=NAMES)
def test_any_name_for_units_and_streams(unit, stream, status, folder):
    """Names label outputs: any printable text works and shows up as written;
    control characters, line breaks, empty names and 'total' are refused, each on
    one line."""
    data = copy.deepcopy(QUEUES)
    data["unit"][0]["name"] = unit
    data["stream"][0].update(name=stream, unit=unit, status=status)
    for s in data["stream"][1:]:
        s["name"] = f"{s['name']}-{stream}" if stream == s["name"] else s["name"]
    data["unit"][2]["overflow_to"] = unit
    path = folder / "names.toml"
    path.write_text(to_toml(data))
    code, out, err = _cli("validate", path)
    check_problems(path, code, out, err)
    others = {u["name"] for u in data["unit"][1:]}
    ok = all(n and n.isprintable() and len(n) <= 200 for n in (unit, stream, status))
    ok = ok and unit != "total" and unit not in others
    ok = ok and stream not in {s["name"] for s in data["stream"][1:]}
    assert (code == 0) == ok, err
    if ok:
        sc = cap.load_scenario(path)
        ds = cap.simulate(sc, replications=1, seed=0)
        assert str(ds.unit.values[0]) == unit
        assert status in [str(x) for x in ds.status.values]
        check_accounting(ds, sc)


# --------------------------------------------------------------------------- runs


_RUNS = itertools.count()


@fuzz(60)
@given(data=broken(edits=(2, 5)))
def test_run_leaves_nothing_on_bad_input(data, folder):
    """`capaciteit run` on edited scenarios (2-5 edits: most are bad, a run that
    succeeds costs seconds): exit 2 writes nothing at all (no results folder, no
    temporary folder, no store of replications); exit 0 writes the results
    folder and leaves nothing else behind."""
    here = folder / f"run{next(_RUNS)}"
    here.mkdir()
    path = here / "run.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    out_dir = here / "out"
    code, _, err = _cli("run", path, "-n", "1", "-o", out_dir, "--quiet", "--workers", "1")
    event(f"exit {code}")
    assert "Traceback" not in err and code in (0, 2), err
    left = sorted(p.name for p in here.iterdir())
    if code == 2:
        check_problems(path, code, "", err)
        assert left == ["run.toml"]
    else:
        assert left == ["out", "run.toml"]
        assert (out_dir / "manifest.json").is_file() and (out_dir / "occupancy.nc").is_file()


@fuzz(250)
@given(data=tweaked())
def test_edge_values_fail_cleanly_or_run(data, folder):
    """250 scenarios with numbers at their edges (zero places, zero rates, the
    largest capacity, a day-long stay, dates moved): a clean refusal, or a run
    whose books balance."""
    validate_and_run(folder / "tweaked.toml", data)


# --------------------------------------------------------------------------- regressions
# Each input below once gave a traceback (exit 1), a hang, a wrong result or an
# unclear message; the fuzzers above found them.


def _validate(folder: Path, data: dict) -> tuple[int, list[str]]:
    path = folder / "regression.toml"
    path.write_text(to_toml(data))
    code, _, err = _cli("validate", path)
    return code, [line.removeprefix(f"{path}: ") for line in err.splitlines()]


def _queues(**edits) -> dict:
    data = copy.deepcopy(QUEUES)
    for where, value in edits.items():
        kind, i, key = where.split("__")
        data[kind][int(i)][key] = value
    return data


@pytest.mark.parametrize(
    ("edits", "lines"),
    [
        # a list where a name goes: `in` on a dict raised TypeError (unhashable)
        ({"unit__2__overflow_to": ["main"]}, ["unit 'spill'.overflow_to: must be a string"]),
        ({"stream__0__unit": {"a": 1}}, ["stream 'direct'.unit: must be a string"]),
        ({"stream__1__name": ["wing"]}, ["stream[1].name: must be a string"]),
        # a holding unit that itself turns people away was filled past capacity
        (
            {"unit__1__wait_in": "spill"},
            [
                "unit 'wing'.wait_in: unit 'spill' has when_full: those waiting need a unit that "
                "never turns anyone away"
            ],
        ),
        # NUL in a name crashed the workbook (openpyxl); a newline split the line
        (
            {"unit__0__name": "ma\x00in"},
            [
                "unit 'spill'.overflow_to: no unit named 'main' (did you mean 'ma\\x00in'?)",
                "stream 'direct'.unit: no unit named 'main' (did you mean 'ma\\x00in'?)",
                "unit 'ma\\x00in'.name: must not contain control characters or line breaks",
            ],
        ),
    ],
)
def test_regressions_in_names_and_references(edits, lines, folder):
    code, got = _validate(folder, _queues(**edits))
    assert (code, got) == ((2, lines) if lines else (0, [])), got


def test_regression_a_string_for_a_list_of_streams(folder):
    """A string where a list of streams goes: one line, not one per letter."""
    data = copy.deepcopy(LAW)
    data["policy"][2]["streams"] = "self_reporters"
    assert _validate(folder, data) == (2, ["policy 'early'.streams: must be a list"])


def test_regression_court_weights_all_zero(folder):
    """0 / 0 gave NaN rates and a traceback in the arrival process."""
    data = copy.deepcopy(LAW)
    data["court"]["streams"] = {"pre_trial": 0.0}
    assert _validate(folder, data) == (2, ["court.streams: weights must not all be 0"])


@pytest.mark.parametrize(
    ("meta", "line"),
    [
        # before 1678 or after 2262 the nanosecond time axis overflowed (a
        # traceback, or silently wrong dates)
        ({"start": D(1, 1, 1)}, "scenario.start: must be between 1900-01-01 and 2199-12-31"),
        # netCDF cannot store a seed above 2**64 (a traceback after the run)
        ({"seed": 2**64 + 1}, "scenario.seed: must be <= 9,223,372,036,854,775,807"),
        # a name longer than a file name may be: OSError at the end of the run
        ({"name": "n" * 300}, "scenario.name: must be at most 100 characters (it names a folder)"),
        # a number or 'observed': pydantic's union gave two garbled lines
        ({"start_stock": -3}, "scenario.start_stock: must be between 0 and 1,000,000 people"),
        (
            {"start_stock": "full"},
            "scenario.start_stock: must be 'empty', 'observed' or a whole number of people",
        ),
    ],
)
def test_regressions_in_scenario_settings(meta, line, folder):
    data = copy.deepcopy(QUEUES)
    data["scenario"].update(meta)
    assert _validate(folder, data) == (2, [line])


def test_regression_nan_and_internal_keys(folder):
    """NaN read as 'must be <= 100,000'; `source_file` and `content_hash` (the
    loader's own fields) were accepted as scenario keys."""
    data = _queues(stream__1__stay={"distribution": "exponential", "mean_days": math.nan})
    data["source_file"] = "/etc/passwd"
    code, lines = _validate(folder, data)
    assert (code, sorted(lines)) == (
        2,
        ["source_file: unknown key", "stream 'wing'.stay.mean_days: must be a finite number"],
    )


def test_regression_a_key_with_a_line_break_is_one_line(folder):
    data = copy.deepcopy(QUEUES)
    data["unit"][0]["cap\nacity"] = 1
    assert _validate(folder, data) == (
        2,
        ["unit 'main'.cap\\nacity: unknown key (did you mean 'capacity'?)"],
    )


def test_regression_toml_error_at_the_end_of_the_file(folder):
    """tomllib reports an unclosed string 'at end of document', without a line:
    the line is named all the same."""
    path = folder / "end.toml"
    path.write_text('[scenario]\nname = """x\n')
    code, _, err = _cli("validate", path)
    assert (code, err) == (
        2,
        f"{path}: line 2: not valid TOML: Unterminated string (at the end of the file)\n",
    )


def test_regression_a_fractional_capacity_holds_whole_people(folder):
    """A wing with 0.5 places (or 2.85 after usable_share) admitted one person
    more than its capacity; it holds the whole number below it."""
    data = _queues(unit__2__capacity=1.5, unit__1__capacity=0.5)
    path = folder / "frac.toml"
    path.write_text(to_toml(data))
    sc = cap.load_scenario(path)
    ds = cap.simulate(sc, replications=1, seed=0)
    check_accounting(ds, sc)
    assert int(ds.occupancy.sel(unit="wing").max()) == 0
    assert int(ds.occupancy.sel(unit="spill").max()) == 1


def test_regression_a_start_stock_with_no_one_arriving(folder):
    """`validate` passed a start stock whose streams are all stopped (an inflow
    factor of 0) on the first simulated day; `run` then refused it. Now both do."""
    data = copy.deepcopy(LAW)
    data["policy"][0].update(start=D(2021, 4, 1), factor=0)
    assert _validate(folder, data) == (
        2,
        [
            "scenario.start_stock: no stream brings anyone into a cell on the first simulated "
            "day (2021-04-02), so no one can make up a start stock"
        ],
    )


def test_regression_nesting_too_deep_for_the_parser(folder):
    """tomllib recurses per level: 100,000 nested brackets raised RecursionError."""
    path = folder / "deep.toml"
    path.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    code, _, err = _cli("validate", path)
    assert (code, err) == (2, f"{path}: not valid TOML: nested too deeply\n")


def test_regression_a_thousand_units_in_an_overflow_chain(folder):
    """A 1,000-unit chain took 8 s: the loop check walked every chain with a list
    scan per step, and each full wing turned its arrivals away one call at a
    time (now: one step per departure or capacity change; wings ordered by a
    topological sort). Everyone passes the 999 full wings and ends in the last
    unit, exactly as if the stream went there directly. 1,001 units are refused."""
    n = 1000
    units = [
        {"name": f"u{i}", "capacity": 0, "when_full": "overflow", "overflow_to": f"u{i + 1}"}
        for i in range(n - 1)
    ] + [{"name": f"u{n - 1}"}]
    meta = {"name": "chain", "start": D(2030, 1, 1), "end": D(2030, 3, 31), "warmup_days": 10}
    stream = {"name": "s", "unit": "u0", "rate_per_year": 400, "stay": _exp(20)}
    path = folder / "chain.toml"
    path.write_text(to_toml({"scenario": meta, "unit": units, "stream": [stream]}))
    sc = cap.load_scenario(path)
    ds = cap.simulate(sc, replications=1, seed=0)
    check_accounting(ds, sc)
    direct = copy.deepcopy(sc.to_data())
    direct["stream"][0]["unit"] = f"u{n - 1}"
    ref = cap.simulate(cap.parse_scenario(direct), replications=1, seed=0)
    last = ds.occupancy.sel(unit=f"u{n - 1}").values
    assert last.sum() > 0 and np.array_equal(last, ref.occupancy.sel(unit=f"u{n - 1}").values)
    assert int(ds.occupancy.sel(unit=[f"u{i}" for i in range(n - 1)]).sum()) == 0
    units.append({"name": "one-too-many"})
    path.write_text(to_toml({"scenario": meta, "unit": units, "stream": [stream]}))
    code, _, err = _cli("validate", path)
    assert (code, err) == (2, f"{path}: unit: must have at most 1,000 entries\n")


# --------------------------------------------------------------------------- the wing itself


@st.composite
def requests(draw):
    """Sorted requests with positive stays, some with a deadline, and a capacity
    step function with places that may be fractional or zero."""
    n = draw(st.integers(0, 60))
    whole = draw(st.booleans())  # whole-day times: many ties
    times = st.integers(0, 40).map(float) if whole else st.floats(0, 40)
    t = np.sort(np.array(draw(st.lists(times, min_size=n, max_size=n)), dtype=float))
    svc = np.array(draw(st.lists(st.floats(0.01, 30), min_size=n, max_size=n)))
    late = draw(st.lists(st.one_of(st.none(), st.floats(0.01, 40)), min_size=n, max_size=n))
    ddl = t + np.array([np.inf if x is None else x for x in late])
    svc = np.where(np.isfinite(ddl) & (svc > 20), np.inf, svc)  # some end at the deadline only
    k = draw(st.integers(1, 3))
    knots = np.r_[-1e12, sorted(draw(st.sets(st.integers(1, 39), min_size=k - 1, max_size=k - 1)))]
    places = np.array(draw(st.lists(st.sampled_from([0, 1, 2, 2.5, 5]), min_size=k, max_size=k)))
    return t, svc, ddl, knots.astype(float), places.astype(float)


@fuzz(300)
@given(req=requests())
def test_an_overflowing_wing_is_a_plain_loss_system(req):
    """`run_wing` with overflow turns away runs of blocked requests at once (the
    fast path added for wings with no places); it must equal the plain rule, one
    request at a time: admitted when fewer than the whole places are present."""
    from capaciteit.sim.wings import ADMITTED, OVERFLOWED, run_wing

    t, svc, ddl, knots, places = req
    res = run_wing(t, svc, ddl, knots, places, "overflow")
    inside: list[float] = []
    for i in range(len(t)):
        inside = [x for x in inside if x > t[i]]
        cap_now = np.floor(places[np.searchsorted(knots, t[i], side="right") - 1])
        if len(inside) < cap_now:
            leave = min(t[i] + svc[i], ddl[i])
            inside.append(leave)
            assert res.outcome[i] == ADMITTED and res.admit[i] == t[i] and res.leave[i] == leave
        else:
            assert res.outcome[i] == OVERFLOWED and np.isnan(res.admit[i])
