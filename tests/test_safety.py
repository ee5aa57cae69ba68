"""Scenario files are data, read only where the user points, and outputs go only
where the user asks.

* No code runs from a scenario: it is parsed with tomllib and checked by
  pydantic, so an expression in any field is just a value (valid text, or an
  invalid number, date or name).
* `extends` reads only `.toml` files holding a `[scenario]` table (symbolic links
  followed); anything else is an error at the key that named it, which never
  quotes the other file's content.
* `scenario.name` is one plain folder name (ASCII letters, digits, `_ - .`, not
  starting with `.`), so `results/<name>/` is inside `results/`.
* `inflow.file` is a relative `.json` path inside the scenario's folder: `run`
  only reads it, and `calibrate` writes there or to `-o`, nowhere else.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

import capaciteit as cap
from capaciteit.calibrate import calibration

from .conftest import ROOT, SCENARIOS

GOOD = """
[scenario]
name = "safe"
title = "TITLE"
start = 2030-01-01
end = 2030-01-31
warmup_days = 30

[[unit]]
name = "main"
capacity = 100

[[stream]]
name = "direct"
unit = "main"
rate_per_year = 1000
stay = { distribution = "exponential", mean_days = 10 }
"""

PAYLOAD = "__import__('os').system('touch {marker}')"


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        ('title = "TITLE"', 'title = "{p}"', None),
        ('name = "safe"', 'name = "{p}"', "scenario.name: must use only ASCII letters"),
        ("capacity = 100", 'capacity = "{p}"', "unit 'main'.capacity: must be a number or a table"),
        ("rate_per_year = 1000", 'rate_per_year = "{p}"', "stream 'direct'.rate_per_year: must be"),
        ("start = 2030-01-01", 'start = "{p}"', "scenario.start: must be a date"),
        ("warmup_days = 30", 'warmup_days = "{p}"', "scenario.warmup_days: must be a whole number"),
        ('"exponential"', '"{p}"', "stream 'direct'.stay: unknown distribution \"__import__("),
        ('unit = "main"', 'unit = "{p}"', "stream 'direct'.unit: no unit named \"__import__("),
        ("[scenario]", '"{p}" = 1\n[scenario]', "__import__('os').system("),
    ],
)
def test_an_expression_in_any_field_is_just_a_value(old, new, expect, write, run_cli, tmp_path):
    """Python in a field is a string: accepted as text where text goes (the title,
    unchanged), otherwise refused as the wrong kind of value. Nothing runs."""
    marker = tmp_path / "pwned"
    payload = PAYLOAD.format(marker=marker)
    text = GOOD.replace(old, new.replace("{p}", payload))
    path = write("code.toml", text)
    code, out, err = run_cli("validate", path)
    assert not marker.exists()
    if expect is None:
        assert (code, out) == (0, f"{path}: ok\n"), err
        assert cap.load_scenario(path).scenario.title == payload
    else:
        assert code == 2
        lines = err.splitlines()
        assert any(line.startswith(f"{path}: {expect}") for line in lines), lines
        if old == "[scenario]":
            assert lines == [f"{path}: {payload}: unknown key"]


# --------------------------------------------------------------------------- extends


@pytest.fixture
def place(tmp_path):
    """A folder with a good parent, a folder named like a scenario, a link loop,
    a link to /etc/passwd, a TOML file that is not a scenario, a file that is not
    TOML, one that is not UTF-8, and one far too big; each holds a secret."""
    (tmp_path / "parent.toml").write_text(GOOD)
    (tmp_path / "folder.toml").mkdir()
    (tmp_path / "loop.toml").symlink_to(tmp_path / "loop.toml")
    (tmp_path / "passwd.toml").symlink_to("/etc/passwd")
    (tmp_path / "tool.toml").write_text('[tool]\nsecret = "hunter2"\n')
    (tmp_path / "notoml.toml").write_text("password: hunter2\n")
    (tmp_path / "latin1.toml").write_bytes('name = "hunter2 \xe9"\n'.encode("latin-1"))
    (tmp_path / "big.toml").write_text("# hunter2\n" + "#" * 5_000_000)
    (tmp_path / "link.toml").symlink_to(tmp_path / "parent.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("/etc/passwd", "must name a .toml scenario file, not '/etc/passwd'"),
        ("parent.py", "must name a .toml scenario file, not 'parent.py'"),
        ("", "must be the name of a .toml scenario file"),
        ("missing.toml", "file not found: missing.toml (no PLACE/missing.toml)"),
        ("folder.toml", "is a folder, not a scenario file: folder.toml"),
        ("loop.toml", "cannot read: a loop of symbolic links: loop.toml"),
        ("passwd.toml", "not valid TOML at line 1: passwd.toml"),
        ("tool.toml", "not a scenario file (no [scenario] table): tool.toml"),
        ("notoml.toml", "not valid TOML at line 1: notoml.toml"),
        ("latin1.toml", "cannot read: not UTF-8 text: latin1.toml"),
        ("big.toml", "larger than 4 MB, not a scenario file: big.toml"),
    ],
)
def test_extends_reads_only_scenario_files(target, message, place, run_cli):
    """Each kind of wrong `extends` is one line at the key that named it, and the
    content of the file it named is never shown."""
    child = place / "child.toml"
    child.write_text(f'[scenario]\nname = "child"\nextends = "{target}"\n')
    code, out, err = run_cli("validate", child)
    assert (code, out) == (2, "")
    message = message.replace("PLACE", str(place))  # where it looked
    assert err.splitlines() == [f"{child}: scenario.extends: {message}"]
    assert "hunter2" not in err and "root:" not in err


def test_extends_follows_links_and_paths(place, run_cli):
    """A link to a scenario, a path into another folder and an absolute path are
    all read (the contract's `extends = "baseline.toml"` from anywhere)."""
    sub = place / "sub"
    sub.mkdir()
    for i, target in enumerate(["../link.toml", str(place / "parent.toml")]):
        child = sub / f"c{i}.toml"
        child.write_text(f'[scenario]\nname = "c{i}"\nextends = "{target}"\n')
        code, out, err = run_cli("validate", child)
        assert (code, out) == (0, f"{child}: ok\n"), err
        assert cap.load_scenario(child).unit[0].capacity.to_data() == 100


def test_the_file_given_must_be_a_readable_scenario_file(place, run_cli):
    """The command line's own file: a folder, a link loop, not UTF-8."""
    for name, message in [
        ("folder.toml", "is a folder, not a scenario file"),
        ("loop.toml", "cannot read: a loop of symbolic links"),
        ("latin1.toml", "cannot read: not UTF-8 text"),
    ]:
        code, _, err = run_cli("validate", place / name)
        assert code == 2 and err.splitlines() == [f"{place / name}: {message}"]


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "/abs",
        "a/b",
        "a\\b",
        ".",
        "..",
        ".hidden",
        "",
        "a\u2215b",
        "\uff0e\uff0e",
        "ｘ",
        "x" * 101,
    ],
)
def test_names_that_are_not_one_plain_folder_are_refused(
    name, write, run_cli, tmp_path, monkeypatch
):
    """`run` without -o writes results/<name>/: a name that is a path, hidden, empty,
    too long or a look-alike of '/' or '.' is refused, and nothing is written."""
    monkeypatch.chdir(tmp_path)
    path = write(
        "named.toml", GOOD.replace('name = "safe"', f'name = "{name}"'.replace("\\", "\\\\"))
    )
    code, _, err = run_cli("run", path, "-n", "1", "--quiet", "--workers", "1")
    assert code == 2
    what = (
        "must not be empty"
        if name == ""
        else "must be at most 100 characters"
        if len(name) > 100
        else "must use only ASCII letters"
    )
    assert err.splitlines()[0].startswith(f"{path}: scenario.name: {what}"), err
    assert sorted(os.listdir(tmp_path)) == ["named.toml"]


def test_a_plain_name_writes_only_its_folder(write, run_cli, tmp_path, monkeypatch):
    """A name with dots inside (not a path) goes to results/<name>/ and nowhere else."""
    monkeypatch.chdir(tmp_path)
    path = write("named.toml", GOOD.replace('name = "safe"', 'name = "v1..2_a-b"'))
    code, _, err = run_cli("run", path, "-n", "1", "--quiet", "--workers", "1")
    assert code == 0, err
    assert sorted(os.listdir(tmp_path)) == ["named.toml", "results"]
    assert os.listdir(tmp_path / "results") == ["v1..2_a-b"]


# --------------------------------------------------------------------------- inflow.file


@pytest.mark.parametrize(
    "file",
    [
        "../escape.json",
        "/tmp/abs.json",
        "cal/../../x.json",
        "cal.toml",
        ".hidden.json",
        "",
        "a\\b.json",
    ],
)
def test_the_calibration_file_stays_beside_the_scenario(file, write, run_cli):
    """`inflow.file` is read by `run` and written by `calibrate`: only a relative
    .json path inside the scenario's folder is accepted."""
    path = write("cal.toml", GOOD + f'\n[inflow]\nfile = "{file}"\n'.replace("\\", "\\\\"))
    code, _, err = run_cli("validate", path)
    assert code == 2
    assert err.splitlines() == [
        f"{path}: inflow.file: must be a .json file in this scenario's folder or below it, "
        "as a relative path of letters, digits, '_', '-' and '.' (e.g. \"calibration/my.json\")"
    ]


def _calibrated(folder: Path, file: str = "cal/b.json") -> Path:
    """A short calibrated national scenario in ``folder`` with its own inflow.file."""
    path = folder / "national.toml"
    path.write_text(
        f'[scenario]\nname = "national"\nextends = "{SCENARIOS / "baseline.toml"}"\n'
        f'end = 2022-06-30\n\n[inflow]\nfile = "{file}"\n'
    )
    return path


@pytest.fixture
def quick_fit(monkeypatch):
    """`calibrate` returns the shipped baseline calibration at once (the fit is
    tested in test_calibration; here only where files go matters)."""
    shipped = (SCENARIOS / "calibration" / "baseline.json").read_text()

    def fit(sc):
        return calibration.Calibration.from_json(shipped)

    monkeypatch.setattr(calibration, "calibrate", fit)
    return shipped


def test_run_only_reads_the_calibration_file(tmp_path, run_cli, quick_fit):
    """A read-only calibration file is used as it is, and left as it was; a missing
    one is fitted in memory and not written."""
    path = _calibrated(tmp_path)
    (tmp_path / "cal").mkdir()
    cal = tmp_path / "cal" / "b.json"
    shutil.copy(SCENARIOS / "calibration" / "baseline.json", cal)
    cal.chmod(0o444)
    before = (cal.read_bytes(), cal.stat().st_mtime_ns)
    code, _, err = run_cli("run", path, "-n", "1", "-o", tmp_path / "out", "--quiet")
    assert code == 0, err
    assert (cal.read_bytes(), cal.stat().st_mtime_ns) == before
    manifest = (tmp_path / "out" / "manifest.json").read_text()
    assert '"fitted_now": false' in manifest and str(cal) in manifest
    cal.chmod(0o644)
    cal.unlink()
    ds = cap.simulate(cap.load_scenario(path), replications=1, seed=1)
    assert '"fitted_now": true' in ds.attrs["calibration"]
    assert _tree(tmp_path / "cal") == set()


def test_calibrate_writes_only_where_documented_or_asked(tmp_path, run_cli, quick_fit):
    """`capaciteit calibrate` writes the scenario's inflow.file, or the -o file,
    and nothing else; with an inflow.file outside the folder it writes nothing."""
    path = _calibrated(tmp_path)
    before = _tree(tmp_path)
    code, _, err = run_cli("calibrate", path, "--quiet")
    assert code == 0, err
    assert _tree(tmp_path) - before == {"cal", "cal/b.json"}
    assert (tmp_path / "cal" / "b.json").read_text() == quick_fit
    before = _tree(tmp_path)
    code, _, err = run_cli("calibrate", path, "-o", tmp_path / "else" / "x.json", "--quiet")
    assert code == 0, err
    assert _tree(tmp_path) - before == {"else", "else/x.json"}
    outside = _calibrated(tmp_path / "else", "../../escape.json")
    before = _tree(tmp_path.parent)
    code, _, err = run_cli("calibrate", outside, "--quiet")
    assert code == 2 and err.startswith(f"{outside}: inflow.file: must be a .json file")
    assert _tree(tmp_path.parent) == before


# --------------------------------------------------------------------------- --force
#
# --force replaces only what capaciteit wrote: a results folder with capaciteit's
# manifest.json (or a back-test / compare folder of an older version, known by its
# tables' columns), a need table, a replication store with capaciteit's run.json.
# Anything else is refused with one line, exit 2, nothing written or deleted; an
# empty folder may be used; a file of the user's inside a results folder stays.

NOTES = b"budget 2026: ask for 400 places\n\x00\xff"
HINT = "choose another -o or remove it yourself"


def _mine(folder: Path) -> Path:
    """A folder of the user's, with one file in it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "budget-notes.txt").write_bytes(NOTES)
    return folder


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under root with the bytes of each file: what 'nothing written,
    nothing deleted' compares."""
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def fast_backtest(monkeypatch):
    """`backtest` scores a made-up table at once (the back-test itself is tested in
    test_backtest; here only what it does to folders matters)."""
    import pandas as pd

    from capaciteit.run import backtest

    def run(base, origins, replications, seed, workers=1, progress=None):
        rows = [
            {
                "origin": o,
                "horizon": h,
                "year": o + h,
                "observed": 100.0,
                "p50": 101.0,
                "error": 1.0,
                "naive_error": 2.0,
                "ape": 0.01,
                "in50": True,
                "in80": True,
                "crps": 1.0,
                "crps_naive": 2.0,
            }
            for o in origins
            for h in (1, 2)
        ]
        return pd.DataFrame(rows), {}

    def vintage(base, origins):
        return pd.DataFrame({"origin": [f"{o}-09-30" for o in origins]})

    monkeypatch.setattr(backtest, "run", run)
    monkeypatch.setattr(backtest, "vintage", vintage)


def _refused(run_cli, root: Path, args: list, line: str) -> None:
    """The command exits 2 with this one line, and nothing under ``root`` changed."""
    before = _snapshot(root)
    code, _, err = run_cli(*args)
    assert code == 2
    assert err.splitlines() == [line]
    assert _snapshot(root) == before


def _command(command: str, path: Path, out: Path) -> list:
    """The command line of each command that writes a folder, small and fast."""
    return {
        "run": ["run", path, "-n", "1", "--workers", "1", "-o", out],
        "compare": ["compare", path, path, "-n", "2", "--workers", "1", "-o", out],
        "backtest": [
            "backtest",
            SCENARIOS / "baseline.toml",
            "--origins",
            "2018",
            "-n",
            "2",
            "--workers",
            "1",
            "-o",
            out,
        ],
    }[command]


FOLDER_COMMANDS = ["run", "compare", "backtest"]


@pytest.mark.parametrize("force", [True, False], ids=["force", "no-force"])
@pytest.mark.parametrize("command", FOLDER_COMMANDS)
def test_a_folder_of_the_users_is_never_replaced(
    command, force, write, run_cli, tmp_path, monkeypatch, fast_backtest
):
    """The reported bug: `-o ~/my-folder --force` deleted budget-notes.txt. Now the
    folder is refused (one line saying what it is), with or without --force, and
    nothing under tmp_path changes."""
    monkeypatch.chdir(tmp_path)
    path = write("safe.toml", GOOD)
    out = _mine(tmp_path / "my-folder")
    before = _snapshot(tmp_path)
    args = _command(command, path, out) + ["--quiet"] + (["--force"] if force else [])
    code, _, err = run_cli(*args)
    assert code == 2
    assert err.splitlines() == [
        f"{out}: is not a results folder written by capaciteit (no manifest.json); {HINT}"
    ]
    assert (out / "budget-notes.txt").read_bytes() == NOTES
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("force", [True, False], ids=["force", "no-force"])
@pytest.mark.parametrize("command", FOLDER_COMMANDS)
def test_a_file_as_the_results_folder_is_refused(
    command, force, write, run_cli, tmp_path, monkeypatch, fast_backtest
):
    monkeypatch.chdir(tmp_path)
    path = write("safe.toml", GOOD)
    out = tmp_path / "results.txt"
    out.write_bytes(NOTES)
    before = _snapshot(tmp_path)
    args = _command(command, path, out) + ["--quiet"] + (["--force"] if force else [])
    code, _, err = run_cli(*args)
    assert code == 2
    assert err.splitlines() == [f"{out}: is a file, not a results folder; {HINT}"]
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("force", [True, False], ids=["force", "no-force"])
def test_a_link_as_the_results_folder_is_refused(force, write, run_cli, tmp_path):
    """A symbolic link, even to a folder of capaciteit's, is not replaced: what
    it points to is the user's business."""
    path = write("safe.toml", GOOD)
    target = _mine(tmp_path / "elsewhere")
    out = tmp_path / "link"
    out.symlink_to(target, target_is_directory=True)
    _refused(
        run_cli,
        tmp_path,
        [*_command("run", path, out), "--quiet", *(["--force"] if force else [])],
        f"{out}: is a symbolic link, not a results folder; {HINT}",
    )


@pytest.mark.parametrize("command", FOLDER_COMMANDS)
def test_the_folder_is_refused_before_any_simulation(
    command, write, run_cli, tmp_path, monkeypatch, fast_backtest
):
    """The refusal comes before the work: with every way to simulate broken, the
    command still answers with the one line about the folder."""
    import importlib

    runner, compare, backtest = (
        importlib.import_module(f"capaciteit.{m}")
        for m in ("run.runner", "run.compare", "run.backtest")
    )

    def broken(*args, **kwargs):
        raise AssertionError("simulated before the folder was checked")

    for where in (runner, compare, backtest):
        monkeypatch.setattr(where, "simulate", broken)
    monkeypatch.setattr(runner, "prepare", broken)
    monkeypatch.setattr(backtest, "run", broken)  # the fast stand-in too
    path = write("safe.toml", GOOD)
    out = _mine(tmp_path / "my-folder")
    code, _, err = run_cli(*_command(command, path, out), "--quiet", "--force")
    assert code == 2
    assert err.splitlines() == [
        f"{out}: is not a results folder written by capaciteit (no manifest.json); {HINT}"
    ]


@pytest.mark.parametrize("command", FOLDER_COMMANDS)
def test_an_empty_folder_may_be_used(command, write, run_cli, tmp_path, fast_backtest):
    path = write("safe.toml", GOOD)
    out = tmp_path / "empty"
    out.mkdir()
    code, _, err = run_cli(*_command(command, path, out), "--quiet")
    assert code == 0, err
    assert any(out.iterdir())


@pytest.mark.parametrize("command", FOLDER_COMMANDS)
def test_force_replaces_capaciteits_folder_and_keeps_the_users_files(
    command, write, run_cli, tmp_path, fast_backtest
):
    """A results folder capaciteit wrote is replaced with --force (only then); a
    file the user put in it stays, byte for byte."""
    path = write("safe.toml", GOOD)
    out = tmp_path / "out"
    args = [*_command(command, path, out), "--quiet"]
    assert run_cli(*args)[0] == 0
    (out / "budget-notes.txt").write_bytes(NOTES)
    (out / "drafts").mkdir()
    (out / "drafts" / "memo.txt").write_bytes(NOTES)
    code, _, err = run_cli(*args)
    assert code == 2 and err.splitlines() == [
        f"{out}: results folder exists; add --force to replace it"
    ]
    code, _, err = run_cli(*args, "--force")
    assert code == 0, err
    assert (out / "budget-notes.txt").read_bytes() == NOTES
    assert (out / "drafts" / "memo.txt").read_bytes() == NOTES
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "safe.toml"]


def test_force_does_not_overwrite_a_file_its_manifest_does_not_list(write, run_cli, tmp_path):
    """A file with the name of a result that the folder's manifest does not list
    (the user's own fan.png, or a folder of an older version) is not capaciteit's:
    --force refuses to overwrite it, and nothing changes."""
    path = write("safe.toml", GOOD)
    out = tmp_path / "out"
    assert run_cli("run", path, "-n", "1", "-o", out, "--quiet")[0] == 0
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["outputs"]["fan.png"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "fan.png").write_bytes(NOTES)
    _refused(
        run_cli,
        tmp_path,
        ["run", path, "-n", "2", "-o", out, "--quiet", "--force"],
        f"{out / 'fan.png'}: not written by capaciteit (not in its manifest.json), and would "
        "be overwritten; move it away or choose another -o",
    )


def test_force_replaces_a_backtest_folder_written_before_manifests(
    run_cli, tmp_path, fast_backtest
):
    """A back-test folder has no manifest.json: it is known by its tables' columns,
    as in the repository's own results/backtest/."""
    out = tmp_path / "bt"
    shutil.copytree(ROOT / "results" / "backtest", out)
    code, _, err = run_cli(*_command("backtest", None, out), "--quiet", "--force")
    assert code == 0, err
    assert "2018" in (out / "backtest.csv").read_text()


@pytest.mark.parametrize("force", [True, False], ids=["force", "no-force"])
def test_need_never_overwrites_a_file_of_the_users(force, write, run_cli, tmp_path):
    path = write("safe.toml", GOOD)
    mine = _mine(tmp_path / "my-folder")
    flag = ["--force"] if force else []
    before = _snapshot(tmp_path)
    for out, what in [
        (mine / "budget-notes.txt", "is not a need table written by capaciteit"),
        (mine, "is a folder, not a need table"),
    ]:
        code, _, err = run_cli("need", path, "-n", "2", "-o", out, "--quiet", *flag)
        assert code == 2
        assert err.splitlines() == [f"{out}: {what}; {HINT}"]
        assert _snapshot(tmp_path) == before


def test_need_replaces_its_own_table_only_with_force(write, run_cli, tmp_path):
    path = write("safe.toml", GOOD)
    out = tmp_path / "need.csv"
    assert run_cli("need", path, "-n", "2", "-o", out, "--quiet")[0] == 0
    first = out.read_bytes()
    code, _, err = run_cli("need", path, "-n", "3", "-o", out, "--quiet")
    assert code == 2 and err.splitlines() == [
        f"{out}: need table exists; add --force to replace it"
    ]
    assert out.read_bytes() == first
    assert run_cli("need", path, "-n", "3", "-o", out, "--quiet", "--force")[0] == 0
    assert out.read_bytes() != first


@pytest.mark.parametrize("force", [True, False], ids=["force", "no-force"])
def test_publish_never_replaces_a_folder_or_index_of_the_users(
    force, write, run_cli, tmp_path, monkeypatch
):
    """publish writes ROOT/<name>/, ROOT/index.html and ROOT/README.md: a scenario
    folder, a README.md or a root that capaciteit did not write is refused before
    any run, and nothing changes."""
    monkeypatch.chdir(tmp_path)
    path = write("safe.toml", GOOD)
    flag = ["--force"] if force else []
    root = tmp_path / "root"
    _mine(root / "safe")
    _refused(
        run_cli,
        tmp_path,
        ["publish", path, "-n", "1", "-o", root, "--quiet", *flag],
        f"{root / 'safe'}: is not a results folder written by capaciteit "
        f"(no manifest.json); {HINT}",
    )
    shutil.rmtree(root / "safe")
    (root / "README.md").write_bytes(NOTES)
    _refused(
        run_cli,
        tmp_path,
        ["publish", path, "-n", "1", "-o", root, "--quiet", *flag],
        f"{root / 'README.md'}: is not an index written by capaciteit publish; {HINT}",
    )
    shutil.rmtree(root)
    root.write_bytes(NOTES)
    _refused(
        run_cli,
        tmp_path,
        ["publish", path, "-n", "1", "-o", root, "--quiet", *flag],
        f"{root}: is a file, not a folder of results; {HINT}",
    )


def test_publish_force_keeps_the_users_files(write, run_cli, tmp_path):
    """`make forecast` is `publish ... -o results --force`: it replaces the scenario
    folders and the index it wrote, and keeps a user's notes in results/ and in
    results/<name>/."""
    path = write("safe.toml", GOOD)
    root = tmp_path / "results"
    assert run_cli("publish", path, "-n", "1", "-o", root, "--quiet")[0] == 0
    old = json.loads((root / "safe" / "manifest.json").read_text())
    (root / "notes.txt").write_bytes(NOTES)
    (root / "safe" / "notes.txt").write_bytes(NOTES)
    code, _, err = run_cli("publish", path, "-n", "2", "-o", root, "--quiet", "--force")
    assert code == 0, err
    assert (root / "notes.txt").read_bytes() == NOTES
    assert (root / "safe" / "notes.txt").read_bytes() == NOTES
    new = json.loads((root / "safe" / "manifest.json").read_text())
    assert (old["replications"], new["replications"]) == (1, 2)
    assert sorted(p.name for p in root.iterdir()) == [
        "README.md",
        "index.html",
        "notes.txt",
        "safe",
    ]


def test_the_committed_results_folder_may_be_published_again():
    """What `make forecast` meets in this repository (folders and an index written
    by earlier versions) is capaciteit's: replaced with --force, refused without."""
    from capaciteit.outputs.folders import owned
    from capaciteit.outputs.publish import check_publish

    root = ROOT / "results"
    names = sorted(p.parent.name for p in root.glob("*/manifest.json"))
    assert "baseline" in names
    check_publish(root, names, force=True)  # raises if anything there is not capaciteit's
    with pytest.raises(cap.InputError, match="results folder exists; add --force"):
        check_publish(root, names, force=False)
    assert set(owned(root / "backtest")) == {
        "backtest.csv",
        "summary.csv",
        "vintage.csv",
        "pmj.csv",
        "backtest.png",
        "backtest-nl.png",
    }


# --------------------------------------------------------------------------- --store


@pytest.mark.parametrize("force", [True, False], ids=["force", "no-force"])
def test_store_refuses_what_capaciteit_did_not_make(force, write, run_cli, tmp_path):
    path = write("safe.toml", GOOD)
    flag = ["--force"] if force else []
    mine = _mine(tmp_path / "my-folder")
    for store, what in [
        (mine / "budget-notes.txt", "is a file, not a replication store"),
        (mine, "is not a replication store written by capaciteit (no run.json)"),
    ]:
        before = _snapshot(tmp_path)
        args = ["run", path, "-n", "1", "-o", tmp_path / "out", "--store", store, "--quiet"]
        code, _, err = run_cli(*args, *flag)
        assert code == 2
        assert err.splitlines() == [
            f"{store}: {what}; choose another store folder or remove it yourself"
        ]
        assert _snapshot(tmp_path) == before


def test_store_force_removes_only_the_store(write, run_cli, tmp_path):
    """--force starts a kept store over: its run.json and replications.zarr go, a
    file of the user's beside them stays."""
    path = write("safe.toml", GOOD)
    store = tmp_path / "kept"
    assert (
        run_cli("run", path, "-n", "2", "-o", tmp_path / "a", "--store", store, "--quiet")[0] == 0
    )
    (store / "budget-notes.txt").write_bytes(NOTES)
    args = ["run", path, "-n", "3", "-o", tmp_path / "b", "--store", store, "--quiet"]
    code, _, err = run_cli(*args)
    assert code == 2 and "add --resume to reuse them, or --force to start over" in err
    assert run_cli(*args, "--force")[0] == 0
    assert (store / "budget-notes.txt").read_bytes() == NOTES
    assert json.loads((store / "run.json").read_text())["replications"] == 3


# --------------------------------------------------------------------------- --resume


def _interrupted(path: Path, out: Path, n: int) -> Path:
    """The hidden store an interrupted `run -o out -n n` leaves: half its batches done."""
    import zarr

    partial = out.parent / f".{out.name}.partial"
    cap.simulate(cap.load_scenario(path), replications=n, store=partial)
    done = zarr.open_array(partial / "replications.zarr" / "done", mode="r+")
    done[n // 2 :] = 0
    return partial


def test_a_finished_resume_removes_its_store_even_if_no_one_reads_its_output(write, tmp_path):
    """`capaciteit run ... --resume | head -1`: the reader is gone before the
    summary is printed. The results are complete, so the hidden store (hundreds
    of MB for thousands of replications) goes before anything is printed."""
    import subprocess
    import sys

    path = write("safe.toml", GOOD)
    out = tmp_path / "out"
    partial = _interrupted(path, out, 4)
    cli = Path(sys.executable).parent / "capaciteit"
    cmd = [cli, "run", path, "-n", "4", "-o", out, "--workers", "1", "--resume"]
    r, w = os.pipe()
    os.close(r)  # a pipe no one reads: the first line printed fails
    try:
        proc = subprocess.run(
            cmd,
            stdout=w,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            timeout=300,
        )
    finally:
        os.close(w)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "manifest.json").read_text())["resumed_replications"] == 2
    assert not partial.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "safe.toml"]


def test_interrupted_while_writing_keeps_the_store_and_says_so(
    write, run_cli, tmp_path, monkeypatch
):
    """Ctrl-C after every replication is in but before the results folder is in
    place: the store stays for --resume, and the message says where, not that
    nothing was written."""
    from capaciteit.outputs import write as outputs

    path = write("safe.toml", GOOD)
    out = tmp_path / "out"
    partial = _interrupted(path, out, 4)
    real = outputs.write_results

    def cut(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs, "write_results", cut)
    args = ["run", path, "-n", "4", "-o", out, "--workers", "1", "--quiet", "--resume"]
    code, _, err = run_cli(*args)
    assert code == 130
    assert err.splitlines() == [
        f"interrupted while writing the results: 4 of 4 replications kept in {partial}; "
        "run the same command with --resume to write them"
    ]
    assert not out.exists() and partial.exists()
    monkeypatch.setattr(outputs, "write_results", real)
    code, _, err = run_cli(*args)
    assert code == 0, err
    assert json.loads((out / "manifest.json").read_text())["resumed_replications"] == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "safe.toml"]
