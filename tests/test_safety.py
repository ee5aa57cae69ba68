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

import os
import shutil
from pathlib import Path

import pytest

import capaciteit as cap
from capaciteit import calibration
from capaciteit.reconstruct import reconstruct

from .conftest import SCENARIOS

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
        ("capacity = 100", 'capacity = "{p}"', "unit[0].capacity: must be a number or a table"),
        ("rate_per_year = 1000", 'rate_per_year = "{p}"', "stream[0].rate_per_year: must be"),
        ("start = 2030-01-01", 'start = "{p}"', "scenario.start: must be a date"),
        ("warmup_days = 30", 'warmup_days = "{p}"', "scenario.warmup_days: must be a whole number"),
        ('"exponential"', '"{p}"', 'stream[0].stay: unknown distribution "__import__('),
        ('unit = "main"', 'unit = "{p}"', 'stream[0].unit: no unit named "__import__('),
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
        ("missing.toml", "file not found: missing.toml"),
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
        cal = calibration.Calibration.from_json(shipped)
        cal.fitted = reconstruct(sc.forecast.origin, cal.forecast["model"])
        return cal

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
