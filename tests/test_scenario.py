"""Scenario files: the contract's keys, inheritance, and every kind of mistake a
user makes, through the command line (exit 2, one `FILE: key.path: problem` line
per problem, no traceback, nothing written)."""

from __future__ import annotations

import datetime as dt

import pytest

import capaciteit as cap
from capaciteit.data.history import load_stock
from capaciteit.errors import DataError

from .conftest import SCENARIOS

GOOD = """
[scenario]
name = "tiny"
start = 2030-01-01
end = 2030-12-31
warmup_days = 200

[[unit]]
name = "main"
capacity = 1000

[[unit]]
name = "bba"
capacity = { 2030-01-01 = 30, 2030-07-01 = 33 }
when_full = "overflow"
overflow_to = "main"

[[stream]]
name = "direct"
unit = "main"
rate_per_year = { 2030-01 = 3000, 2030-02 = 3200 }
stay = { distribution = "lognormal", mean_days = 20, sd_days = 30 }

[[stream]]
name = "wing"
unit = "bba"
rate_per_year = 300
stay = { distribution = "empirical", days = [10, 30, 90], shares = [0.5, 0.3, 0.2] }
"""


def test_shipped_scenarios_validate(run_cli):
    files = sorted(SCENARIOS.glob("*.toml"))
    assert files
    code, out, err = run_cli("validate", *files)
    assert code == 0, err
    assert out.count(": ok") == len(files)


def test_contract_keys_parse(write):
    sc = cap.load_scenario(write("tiny.toml", GOOD))
    assert sc.name == "tiny"
    bba = sc.unit[1]
    assert bba.capacity.value_at(dt.date(2030, 6, 30)) == 30
    assert bba.capacity.value_at(dt.date(2030, 7, 1)) == 33
    assert bba.capacity.value_at(dt.date(2020, 1, 1)) == 30  # before the first entry
    assert sc.stream[0].rate_per_year.value_at(dt.date(2030, 2, 14)) == 3200


def test_extends_merges_by_name(write):
    write("base.toml", GOOD)
    child = write(
        "child.toml",
        """
        [scenario]
        name = "child"
        extends = "base.toml"
        end = 2031-06-30

        [[unit]]
        name = "bba"
        capacity = 50
        """,
    )
    sc = cap.load_scenario(child)
    assert sc.scenario.start == dt.date(2030, 1, 1)  # from the base
    assert sc.scenario.end == dt.date(2031, 6, 30)  # overridden
    assert [u.name for u in sc.unit] == ["main", "bba"]
    assert sc.unit[1].capacity.value_at(dt.date(2030, 1, 1)) == 50
    assert sc.unit[1].when_full == "overflow"  # kept from the base


def test_backtest_extends_baseline(write, tmp_path):
    """The contract: moving start, end and origin into the past must run, with the
    real stock at the start."""
    path = write(
        "bt.toml",
        f"""
        [scenario]
        name = "backtest-2015"
        extends = "{SCENARIOS / "baseline.toml"}"
        start = 2015-10-01
        end = 2016-12-31

        [forecast]
        origin = 2015-09-30
        """,
    )
    sc = cap.load_scenario(path)
    ds = cap.simulate(sc, replications=2, seed=3)
    assert ds.attrs["start_stock"] == 8980  # CBS 30 Sept 2015
    assert ds.time.values[0] == __import__("numpy").datetime64("2015-10-01")


def test_a_mistake_in_an_extended_file_names_that_file(write, run_cli):
    # the line names the file that wrote the key, the one to mend; a key the
    # child sets over the base's is the child's
    base = write(
        "base.toml",
        GOOD.replace('name = "bba"\n', 'name = "bba"\nlable = "Wing"\n', 1)
        .replace("mean_days = 20, sd_days = 30", "mean_days = 20, sd_days = -30", 1)
        .replace("capacity = 1000", "capacity = -1", 1),
    )
    child = write(
        "child.toml",
        """
        [scenario]
        name = "child"
        extends = "base.toml"
        warmup_days = -5

        [[unit]]
        name = "main"
        capacity = -2
        """,
    )
    code, _, err = run_cli("validate", child)
    assert code == 2
    assert sorted(_problems(err)) == sorted(
        [
            f"{child}: scenario.warmup_days: must be >= 0",
            f"{child}: unit 'main'.capacity: must be >= 0",
            f"{base.resolve()}: unit 'bba'.lable: unknown key (did you mean 'label'?)",
            f"{base.resolve()}: stream 'direct'.stay.sd_days: must be > 0",
        ]
    )
    code, _, err = run_cli("validate", base)  # named itself, it is the file named
    assert code == 2 and all(line.startswith(f"{base}: ") for line in _problems(err))


def _problems(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


MISTAKES = [
    (
        "unknown key",
        ('[[unit]]\nname = "main"\ncapacity = 1000\n', '[[unit]]\nname = "main"\ncapacty = 1000\n'),
        "unit 'main'.capacty: unknown key (did you mean 'capacity'?)",
    ),
    (
        "negative table value",
        ("2030-07-01 = 33", "2030-07-01 = -33"),
        "unit 'bba'.capacity: value for 2030-07-01 must be >= 0",
    ),
    ("negative number", ("capacity = 1000", "capacity = -5"), "unit 'main'.capacity: must be >= 0"),
    (
        "quoted number",
        ("capacity = 1000", 'capacity = "1000"'),
        "unit 'main'.capacity: must be a number or a table of dates to numbers, not a string",
    ),
    ("bad table key", ("2030-07-01 = 33", "2030-13-01 = 33"), "unit 'bba'.capacity: table key"),
    ("bad month", ("2030-02 = 3200", "2030-2 = 3200"), "stream 'direct'.rate_per_year: table key"),
    (
        "unknown distribution",
        ('distribution = "lognormal"', 'distribution = "weibull"'),
        "stream 'direct'.stay: unknown distribution 'weibull'",
    ),
    (
        "missing parameter",
        ("mean_days = 20, sd_days = 30", "mean_days = 20"),
        "stream 'direct'.stay.sd_days: required key is missing",
    ),
    (
        "shares",
        ("shares = [0.5, 0.3, 0.2]", "shares = [0.5, 0.3, 0.3]"),
        "stream 'wing'.stay: shares must sum to 1",
    ),
    (
        "unknown unit",
        ('unit = "bba"\nrate', 'unit = "bbb"\nrate'),
        "stream 'wing'.unit: no unit named 'bbb'",
    ),
    (
        "end before start",
        ("end = 2030-12-31", "end = 2029-12-31"),
        "scenario: end must not be before start",
    ),
    (
        "bad when_full",
        ('when_full = "overflow"', 'when_full = "spill"'),
        "unit 'bba'.when_full: must be one of",
    ),
    (
        "overflow without target",
        ('overflow_to = "main"\n', ""),
        "unit 'bba'.overflow_to: required when when_full = 'overflow'",
    ),
    (
        "date as string",
        ("start = 2030-01-01", 'start = "2030-01-01"'),
        "scenario.start: must be a date",
    ),
    (
        "negative warmup",
        ("warmup_days = 200", "warmup_days = -1"),
        "scenario.warmup_days: must be >= 0",
    ),
    (
        "float where int",
        ("warmup_days = 200", "warmup_days = 2.5"),
        "scenario.warmup_days: must be a whole number",
    ),
    (
        "reserved name",
        ('name = "main"', 'name = "total"'),
        "unit 'total'.name: 'total' is reserved",
    ),
    (
        "the same label twice",
        (
            'name = "main"\ncapacity = 1000\n\n[[unit]]\nname = "bba"',
            'name = "main"\nlabel = "Regime"\ncapacity = 1000\n\n[[unit]]\nname = "bba"\n'
            'label = "Regime"',
        ),
        "unit 'bba'.label: reads the same as unit 'main' ('Regime')",
    ),
    (
        "a label that reads as another unit's name",
        ('name = "main"\n', 'name = "main"\nlabel = " Bba"\n'),
        "unit 'main'.label: reads the same as unit 'bba' ('bba')",
    ),
    (
        "a label that reads as the total in Dutch",
        ('name = "main"\n', 'name = "main"\nlabel = "Totaal (alle cellen)"\n'),
        "unit 'main'.label: reads as the total in the 'nl' report ('totaal (alle cellen)')",
    ),
    (
        "a label too long for a legend",
        ('name = "main"\n', f'name = "main"\nlabel = "{"x" * 61}"\n'),
        "unit 'main'.label: must be at most 60 characters",
    ),
    (
        "a label of spaces",
        ('name = "main"\n', 'name = "main"\nlabel = "  "\n'),
        "unit 'main'.label: must show a name, not only spaces",
    ),
    (
        "a label on a line of its own",
        ('name = "main"\n', 'name = "main"\nlabel = "two\\nlines"\n'),
        "unit 'main'.label: must not contain control characters or line breaks",
    ),
    (
        "reserved pool name",
        ('when_full = "overflow"', 'pool = "total"\nwhen_full = "overflow"'),
        "unit 'bba'.pool: 'total' is reserved",
    ),
]


@pytest.mark.parametrize(("what", "edit", "expect"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_is_one_clear_line(what, edit, expect, write, run_cli, tmp_path):
    text = GOOD.replace(*edit, 1)
    assert text != GOOD, f"edit for {what!r} did not apply"
    path = write("bad.toml", text)
    out = tmp_path / "out"
    for args in (("validate", path), ("run", path, "-n", "2", "-o", out)):
        code, _, err = run_cli(*args)
        assert code == 2, err
        lines = _problems(err)
        assert "Traceback" not in err
        assert all(line.startswith(f"{path}: ") for line in lines), lines
        if expect:
            assert any(expect in line for line in lines), lines
    assert not out.exists()


def test_a_value_where_a_table_belongs_is_one_line(write, run_cli):
    """The checks between keys leave a wrong type to the schema: no traceback."""
    loop = '[reentry]\nshare = 0.1\ntime_to_return = { distribution = "fixed", days = 100 }\n'
    for value in ("3", '"direct"', "[0.1]"):
        path = write("bad.toml", f"{GOOD}\n{loop}by_stream = {value}\n")
        code, _, err = run_cli("validate", path)
        assert code == 2, err
        assert _problems(err) == [f"{path}: reentry.by_stream: must be a table"], err


def test_all_problems_reported_at_once(write, run_cli):
    text = GOOD.replace("capacity = 1000", "capacity = -1").replace(
        'unit = "bba"\nrate', 'unit = "nope"\nrate'
    )
    text = text.replace("warmup_days = 200", "warmup_days = -4")
    code, _, err = run_cli("validate", write("many.toml", text))
    assert code == 2
    lines = _problems(err)
    assert len(lines) == 3, lines


def test_not_toml_names_the_line(write, run_cli):
    path = write("broken.toml", '[scenario]\nname = "x"\nstart = 2030-01-01\nend = = 3\n')
    code, _, err = run_cli("validate", path)
    assert code == 2
    assert err.startswith(f"{path}: line 4: not valid TOML")


def test_missing_file(run_cli, tmp_path):
    code, _, err = run_cli("validate", tmp_path / "nope.toml")
    assert code == 2 and "file not found" in err


def test_overflow_loop(write, run_cli):
    text = GOOD.replace(
        "[[stream]]",
        """[[unit]]
name = "c"
capacity = 5
when_full = "overflow"
overflow_to = "bba"

[[stream]]""",
        1,
    ).replace('overflow_to = "main"', 'overflow_to = "c"')
    code, _, err = run_cli("validate", write("loop.toml", text))
    assert code == 2
    assert "overflow loop: bba -> c -> bba" in err


def test_extends_cycle_and_missing_parent(write, run_cli):
    write("a.toml", '[scenario]\nname = "a"\nextends = "b.toml"\n')
    b = write("b.toml", '[scenario]\nname = "b"\nextends = "a.toml"\n')
    code, _, err = run_cli("validate", b)
    assert code == 2 and "scenario.extends: cycle" in err
    c = write("c.toml", '[scenario]\nname = "c"\nextends = "nothere.toml"\n')
    code, _, err = run_cli("validate", c)
    assert code == 2 and "scenario.extends: file not found: nothere.toml" in err
    assert f"(no {c.parent / 'nothere.toml'})" in err  # where it looked


def test_start_stock_outside_the_data(write, run_cli):
    path = write(
        "late.toml",
        f"""
        [scenario]
        name = "late"
        extends = "{SCENARIOS / "baseline.toml"}"
        start = 2040-01-01
        end = 2041-01-01
        [forecast]
        origin = 2039-12-31
        """,
    )
    code, _, err = run_cli("validate", path)
    assert code == 2
    assert f"{path}: scenario.start_stock: no observed 30-September stock within 183 days" in err


def test_bad_command_line(write, run_cli, tmp_path, monkeypatch):
    path = write("tiny.toml", GOOD)
    monkeypatch.chdir(tmp_path)
    for args, expect in (
        (("run", path, "-n", "0"), "--replications must be >= 1"),
        (("run", path, "--workers", "0"), "--workers must be >= 1"),
        (("run", path, "--seed", "-3"), "--seed: -3 is outside 0..9223372036854775807"),
        (("run", path, "--seed", str(2**63)), f"--seed: {2**63} is outside 0..{2**63 - 1}"),
        (("run", path, "--seed", "1.5"), "--seed: not a whole number: '1.5'"),
        (("run", path, "-n", "1000001"), "--replications: 1000001 is more than 1,000,000"),
        (("compare", path, path, "--seed", str(2**64)), "is outside 0.."),
        (("need", path, "-n", "2000000"), "is more than 1,000,000"),
        (("backtest", path, "--seed", "-1"), "is outside 0.."),
        (("run",), "the following arguments are required: scenario"),
        (("frobnicate",), "invalid choice: 'frobnicate'"),
    ):
        code, _, err = run_cli(*args)
        assert code == 2, args
        assert expect in err, (args, err)
        assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.toml"]  # nothing written


def test_a_scenario_warning_is_one_line(write, run_cli, tmp_path):
    # 300 admissions a year staying ~60 days need ~50 places; the wing has 10
    path = write("full.toml", GOOD.replace("{ 2030-01-01 = 30, 2030-07-01 = 33 }", "10"))
    path.write_text(
        path.read_text().replace('"overflow"\noverflow_to = "main"', '"wait"'), encoding="utf-8"
    )
    expect = f"warning: {path}: unit 'bba': its arrivals need about "
    code, out, err = run_cli("validate", path)
    assert code == 0 and out == f"{path}: ok\n"
    assert err.startswith(expect) and err.count("\n") == 1, err
    assert "full most of the run, its waiting list grows" in err
    code, _, err = run_cli("run", path, "-n", "2", "-o", tmp_path / "res", "--quiet")
    assert code == 0
    assert err.startswith(expect) and err.count("\n") == 1, err


def test_existing_results_need_force(write, run_cli, tmp_path):
    path = write("tiny.toml", GOOD)
    out = tmp_path / "res"
    assert run_cli("run", path, "-n", "2", "-o", out, "--quiet")[0] == 0
    before = (out / "manifest.json").read_text()
    code, _, err = run_cli("run", path, "-n", "3", "-o", out, "--quiet")
    assert code == 2 and "add --force" in err
    assert (out / "manifest.json").read_text() == before
    assert run_cli("run", path, "-n", "3", "-o", out, "--quiet", "--force")[0] == 0
    assert '"replications": 3' in (out / "manifest.json").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".tmp", ".old"))]


@pytest.mark.parametrize(
    ("edit", "expect"),
    [
        (("date,stock", "date,stok"), "line 1: missing column(s) stock; unknown column(s) stok"),
        (("2015-09-30,8980", "2015-09-30,-8980"), "line 12: stock -8980 is out of range"),
        (
            ("2016-09-30,8810", "2015-09-30,8810"),
            "line 13: duplicate 2015-09-30 (also line 12)",
        ),
        (("2016-09-30,8810", "2016-9-30,8810"), "line 13: date '2016-9-30' is not YYYY-MM-DD"),
    ],
)
def test_broken_data_file_names_file_and_row(edit, expect, tmp_path):
    from capaciteit.data.history import DATA_DIR, STOCK_FILE

    text = (DATA_DIR / STOCK_FILE).read_text()
    assert edit[0] in text
    bad = tmp_path / STOCK_FILE
    bad.write_text(text.replace(*edit, 1))
    with pytest.raises(DataError) as e:
        load_stock(bad)
    assert any(
        line == f"{bad}: {expect}" or line.startswith(f"{bad}: {expect}")
        for line in e.value.lines()
    ), e.value.lines()


@pytest.mark.parametrize(
    ("policy", "expect"),
    [
        ('kind = "amnesty"\nstart = 2030-02-01', "policy 'p': unknown policy kind 'amnesty'"),
        (
            'kind = "inflow"\nstart = 2030-02-01\nend = 2030-01-01\nfactor = 2',
            "policy 'p': end must be after start",
        ),
        (
            'kind = "capacity"\nstart = 2030-02-01\nunit = "nope"\nplaces = 5',
            "policy 'p'.unit: no unit named 'nope'",
        ),
        ('kind = "early_release"\nstart = 2030-02-01\ndays = -3', "policy 'p'.days: must be > 0"),
    ],
)
def test_policy_mistakes(policy, expect, write, run_cli):
    path = write("pol.toml", GOOD + f'\n[[policy]]\nname = "p"\n{policy}\n')
    code, _, err = run_cli("validate", path)
    assert code == 2
    assert any(
        line == f"{path}: {expect}" or line.startswith(f"{path}: {expect}")
        for line in err.splitlines()
    ), err


def test_forecast_origin_outside_the_data(write, run_cli, tmp_path):
    """An origin past the last published stock, with a start inside the data,
    once gave 'internal error (a bug)' from inside the calibration (exit 1)."""
    path = write(
        "o27.toml",
        f"""
        [scenario]
        name = "o27"
        extends = "{SCENARIOS / "forecast-2024.toml"}"
        [forecast]
        origin = 2027-09-30
        """,
    )
    out = tmp_path / "out"
    for args in (("validate", path), ("run", path, "-n", "2", "-o", out)):
        code, _, err = run_cli(*args)
        assert code == 2
        assert err.splitlines()[0].startswith(
            f"{path}: forecast.origin: no observed 30-September stock within 183 days of 2027-09-30"
        )
        assert len(err.splitlines()) == 1
    assert not out.exists()


def test_a_distribution_is_replaced_whole_not_merged(write, run_cli):
    """An extending file that gives a distribution gives all of it: the inherited
    table's keys are not merged in (a fixed time to return once got the
    lognormal's mean_days and sd_days, 'unknown key'; a lognormal with only a
    mean silently took the inherited sd)."""
    from .conftest import SCENARIOS

    def child(name: str, ttr: str):
        return write(
            f"{name}.toml",
            f'[scenario]\nname = "{name}"\nextends = "{SCENARIOS / "baseline.toml"}"\n\n'
            f"[reentry]\ntime_to_return = {ttr}\n",
        )

    fixed = cap.load_scenario(child("fixed", '{ distribution = "fixed", days = 365 }'))
    assert fixed.reentry.time_to_return.model_dump(exclude_none=True) == {
        "distribution": "fixed",
        "days": 365.0,
    }
    assert fixed.reentry.share == 0.6  # the rest of the table is still inherited
    code, _, err = run_cli(
        "validate", child("half", '{ distribution = "lognormal", mean_days = 1000 }')
    )
    assert code == 2
    assert "reentry.time_to_return.sd_days: required key is missing" in err
