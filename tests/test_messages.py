"""Messages name things as a planner writes them: list items by name (the
contract's `unit 'bba'.capacity`), "did you mean" for a near miss, and a
warning for a value that is valid but most likely not what was meant."""

from __future__ import annotations

from .conftest import SCENARIOS

SMALL = """
[scenario]
name = "small"
start = 2030-01-01
end = 2030-12-31
warmup_days = 200

[[unit]]
name = "main"
capacity = 1000

[[unit]]
name = "bba"
capacity = 30
when_full = "wait"
wait_in = "main"

[[stream]]
name = "direct"
unit = "main"
rate_per_year = 3000
stay = { distribution = "exponential", mean_days = 20 }
"""


def lines(run_cli, path) -> tuple[int, list[str]]:
    code, _, err = run_cli("validate", path)
    return code, [x.removeprefix(f"{path}: ") for x in err.splitlines()]


def test_items_are_named_in_a_child_file_too(write, run_cli):
    """In a file that extends the baseline, its only unit is the baseline's
    sixth: the message once said `unit[1]`, a position in the merged list."""
    path = write(
        "child.toml",
        f"""
        [scenario]
        name = "child"
        extends = "{SCENARIOS / "baseline.toml"}"
        [[unit]]
        name = "bba"
        capcity = 400
        [[response]]
        name = "early"
        kind = "early_release"
        start = 2025-01-01
        days = 7
        streams = ["self_reporter"]
        """,
    )
    code, got = lines(run_cli, path)
    assert code == 2
    assert sorted(got) == [
        "response 'early'.streams[0]: no stream named 'self_reporter' "
        "(did you mean 'self_reporters'?)",
        "unit 'bba'.capcity: unknown key (did you mean 'capacity'?)",
    ]


def test_a_name_that_differs_in_case_is_suggested(write, run_cli):
    path = write(
        "case.toml",
        SMALL + '\n[[stream]]\nname = "b"\nunit = "BBA"\nrate_per_year = 1\n'
        'stay = { distribution = "exponential", mean_days = 5 }\n',
    )
    code, got = lines(run_cli, path)
    assert (code, got) == (2, ["stream 'b'.unit: no unit named 'BBA' (did you mean 'bba'?)"])


def test_a_unit_can_change_how_it_is_full_in_a_child_file(write, run_cli):
    """`wait_in` came with the parent and TOML cannot remove a key: changing to
    overflow once gave 'wait_in: only used with when_full = wait'."""
    parent = write("parent.toml", SMALL)
    child = write(
        "child.toml",
        f"""
        [scenario]
        name = "child"
        extends = "{parent}"
        [[unit]]
        name = "bba"
        when_full = "overflow"
        overflow_to = "main"
        """,
    )
    code, out, err = run_cli("validate", child)
    assert (code, out.strip(), err) == (0, f"{child}: ok", "")


def test_implausible_values_are_warned_about_by_name(write, run_cli):
    path = write(
        "odd.toml",
        SMALL.replace("capacity = 30", "capacity = { 2030-06-01 = 30 }")
        + '\n[[policy]]\nname = "more"\nkind = "inflow"\nstart = 2030-03-01\nfactor = 15\n',
    )
    code, _, err = run_cli("validate", path)
    assert code == 0
    warned = [x.removeprefix(f"warning: {path}: ") for x in err.splitlines()]
    assert "policy 'more'.factor: multiplies the inflow by 15; for +15% write 1.15" in warned
    assert (
        "unit 'bba'.capacity: the table starts on 2030-06-01, after the run starts "
        "(2029-06-15): its first value, 30, holds before that" in warned
    )


def test_a_pool_of_several_units_needs_a_name_of_its_own(write, run_cli):
    """Named after one of its units, the pool's row and the unit's were one name
    twice (a crash in the yearly summary)."""
    text = SMALL.replace(
        'name = "main"\ncapacity = 1000', 'name = "main"\ncapacity = 1000\npool = "main"'
    ).replace('name = "bba"\ncapacity = 30', 'name = "bba"\ncapacity = 30\npool = "main"')
    path = write("pool.toml", text)
    code, got = lines(run_cli, path)
    assert (code, got) == (
        2,
        [
            "unit 'main'.pool: pool 'main' of several units cannot be named after one of "
            "them: give it a name of its own"
        ],
    )


def test_a_share_written_as_a_percentage_gets_the_share_it_meant(write, run_cli):
    """`share = 36` where a share of 1 at most belongs: the message says how 36%
    is written; a value that is no percentage (250) gets the plain bound. The
    same for a bound below 1 (`[reentry] share`) and a unit's `usable_share`."""
    for value, want in (
        ("36", "must be <= 1 (for 36% write 0.36)"),
        ("12.5", "must be <= 1 (for 12.5% write 0.125)"),
        ("250", "must be <= 1"),
    ):
        path = write(
            "pct.toml",
            SMALL + '\n[[stream]]\nname = "convicts"\nunit = "main"\nrate_per_year = 100\n'
            'path = "sentence"\nsentence = { distribution = "fixed", days = 400 }\n'
            '\n[[placement]]\nname = "last"\nunit = "bba"\nstreams = ["convicts"]\n'
            f"share = {value}\nshare_of_sentence = 0.2\nmax_days = 60\n",
        )
        code, got = lines(run_cli, path)
        assert (code, got) == (2, [f"placement 'last'.share: {want}"]), value
    path = write("re.toml", SMALL + "\n[reentry]\nshare = 47\n")
    assert lines(run_cli, path) == (2, ["reentry.share: must be < 1 (for 47% write 0.47)"])
    path = write("us.toml", SMALL.replace("capacity = 1000", "capacity = 1000\nusable_share = 85"))
    assert lines(run_cli, path) == (
        2,
        ["unit 'main'.usable_share: must be <= 1 (a share of the places; for 85% write 0.85)"],
    )
