"""Common random numbers by construction: two scenarios that agree up to a date D
give identical replications on every day before D, for any kind of dated change.

The base is the calibrated national baseline (so the forecast's stay stretches,
:class:`~capaciteit.sim.sentencing.Warp`, are in play), cut to 2024, with every kind
of shortage response acting from the start, a court backlog still being heard,
and released people coming back (re-entry). Hypothesis draws a date and one to
three changes from that date on: inflow, capacity (a policy or a dated capacity
table), sentence lengths that move people across the end phases' minimum
sentences, early release, each kind of response starting or stopping, the
court's catch-up after a date, an end phase whose rules change for those
admitted from a date, a re-integration programme. Before D every variable of
every unit must be equal, replication by replication.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import capaciteit as cap

from .conftest import SCENARIOS

SEED, REPS = 11, 2
FIRST, LAST = dt.date(2021, 10, 1), dt.date(2024, 6, 30)  # after the forecast origin
COURT_KNOTS = [dt.date(2021, 12, 31), dt.date(2022, 9, 30), dt.date(2023, 6, 30)]

BASE = f"""
[scenario]
name = "pairing-base"
extends = "{SCENARIOS / "baseline.toml"}"
end = 2024-12-31

[court]
handled = {{ 2020-05-11 = 0.0, 2020-12-31 = 0.4, 2021-02-12 = 0.7, 2021-12-31 = 0.8, \
2022-09-30 = 0.9, 2023-06-30 = 0.95, 2024-06-30 = 1.0 }}

[[response]]
name = "no call-ups"
kind = "stop_callups"
start = 2021-07-01
trigger = 0.9
streams = ["self_reporters"]
resume_per_day = 40

[[response]]
name = "early"
kind = "early_release"
start = 2021-07-01
trigger = 0.92
days = 5

[[response]]
name = "police cells"
kind = "police_cells"
start = 2021-07-01
trigger = 0.93
streams = ["pre_trial", "arrested_convicts"]
max_days = 4

[[response]]
name = "double"
kind = "extra_places"
start = 2021-07-01
trigger = 0.94
unit = "closed"
places = 60
"""


NAMES = itertools.count()


def _policy(kind: str, day: dt.date, body: str) -> str:
    name = f"{kind}-{day}-{next(NAMES)}"
    return f'\n[[policy]]\nname = "{name}"\nkind = "{kind}"\nstart = {day}\n{body}\n'


@st.composite
def changes(draw, day: dt.date, first: bool = True) -> str:
    """One dated change, as TOML laid over the base, acting from ``day`` on (an end
    phase's new rules only as the first change: one new version of it)."""
    kinds = ["inflow", "capacity_policy", "capacity_table", "sentence_lengths"]
    kinds += ["early_release", "response_start", "response_stop", "reintegration"]
    kind = draw(st.sampled_from(kinds + ["placement"] * first))
    if kind == "inflow":
        stream = draw(st.sampled_from(["pre_trial", "self_reporters", "arrested_convicts", "isd"]))
        factor = draw(st.sampled_from([0.0, 0.5, 1.3, 2.0]))
        return _policy("inflow", day, f'factor = {factor}\nstreams = ["{stream}"]')
    if kind == "capacity_policy":
        unit = draw(st.sampled_from(["closed", "bba", "ta"]))
        places = draw(st.sampled_from([-200, -40, 25, 400]))
        return _policy("capacity", day, f'unit = "{unit}"\nplaces = {places}')
    if kind == "capacity_table":
        unit, before = draw(st.sampled_from([("bba", 300), ("ta", 70), ("closed", 8906)]))
        after = draw(st.sampled_from([0.5, 0.8, 1.2]))
        table = f"{{ 2021-07-01 = {before}, {day} = {round(before * after)} }}"
        return f'\n[[unit]]\nname = "{unit}"\ncapacity = {table}\n'
    if kind == "sentence_lengths":
        factor = draw(st.sampled_from([0.5, 0.9, 1.1, 1.5, 3.0]))
        least = draw(st.sampled_from([0, 150, 168, 183, 366, 1000]))  # end-phase thresholds
        return _policy("sentence_lengths", day, f"factor = {factor}\nmin_sentence_days = {least}")
    if kind == "early_release":
        days = draw(st.sampled_from([1, 7, 30, 90]))
        share = draw(st.sampled_from([0.3, 1.0]))
        who = draw(st.sampled_from(["everyone", "new_admissions"]))
        return _policy(
            "early_release", day, f'days = {days}\nshare = {share}\napplies_to = "{who}"'
        )
    if kind == "reintegration":
        factor = draw(st.sampled_from([0.0, 0.7, 1.3]))  # 1.3 x the isd share 0.7 < 1
        share = draw(st.sampled_from([0.4, 1.0]))
        return _policy("reintegration", day, f"factor = {factor}\nshare = {share}")
    if kind == "response_start":
        body = draw(
            st.sampled_from(
                [
                    'kind = "stop_callups"\ntrigger = 0.95\nstreams = ["self_reporters"]',
                    'kind = "early_release"\ntrigger = 0.95\ndays = 14\nshare = 0.5',
                    'kind = "police_cells"\ntrigger = 0.95\nmax_days = 10',
                    'kind = "extra_places"\ntrigger = 0.95\nunit = "closed"\nplaces = 150',
                ]
            )
        )
        return f'\n[[response]]\nname = "new {next(NAMES)}"\nstart = {day}\n{body}\n'
    if kind == "response_stop":
        name = draw(st.sampled_from(["no call-ups", "early", "police cells", "double"]))
        return f'\n[[response]]\nname = "{name}"\nend = {day}\n'
    # an end phase whose rules change for those admitted from the date
    share = draw(st.sampled_from([0.0, 0.3, 0.9]))
    longest = draw(st.sampled_from([30, 61, 120]))
    until = day - dt.timedelta(days=1)
    return (
        f'\n[[placement]]\nname = "pp_senb"\nuntil = {until}\nbasis = "admission_date"\n'
        f'\n[[placement]]\nname = "pp_later"\nunit = "pp"\n'
        f'streams = ["pre_trial", "self_reporters", "arrested_convicts"]\n'
        f"share = {share}\nmin_sentence_days = 183\nmax_sentence_days = 365\n"
        f"share_of_sentence = 0.1667\nmin_days = 28\nmax_days = {longest}\n"
        f'from = {day}\nbasis = "admission_date"\n'
    )


@st.composite
def dated_changes(draw) -> tuple[dt.date, str]:
    """A date D and one to three changes from D on (the court's catch-up changes
    only after one of its own knots, so that D is one of them)."""
    if draw(st.integers(0, 4)) == 0:
        day = draw(st.sampled_from(COURT_KNOTS))
        return day, _court(day)
    day = draw(st.dates(FIRST, LAST))
    extra = draw(st.lists(st.dates(day, LAST), max_size=2))
    text = draw(changes(day)) + "".join(draw(changes(d, first=False)) for d in extra)
    return day, text


def _court(day: dt.date) -> str:
    """The base's court curve up to ``day`` (one of its knots), a slower catch-up after."""
    points = {
        dt.date(2020, 5, 11): 0.0,
        dt.date(2020, 12, 31): 0.4,
        dt.date(2021, 2, 12): 0.7,
        dt.date(2021, 12, 31): 0.8,
        dt.date(2022, 9, 30): 0.9,
        dt.date(2023, 6, 30): 0.95,
        dt.date(2024, 6, 30): 1.0,
    }
    slower = {
        k: (v if k <= day else points[day] + (v - points[day]) / 2) for k, v in points.items()
    }
    table = ", ".join(f"{k} = {v}" for k, v in slower.items())
    return f"\n[court]\nhandled = {{ {table} }}\n"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pairing")
    path = folder / "base.toml"
    path.write_text(BASE)
    sc = cap.load_scenario(path)
    return folder, cap.simulate(sc, replications=REPS, seed=SEED)


def _alt(folder, text: str, k: list[int] = [0]):  # noqa: B006 - a counter for file names
    k[0] += 1
    path = folder / f"alt{k[0]}.toml"
    path.write_text(f'[scenario]\nname = "alt"\nextends = "base.toml"\n{text}')
    return cap.simulate(cap.load_scenario(path), replications=REPS, seed=SEED)


def assert_identical_before(a, b, day: dt.date) -> None:
    before = a.time.values < np.datetime64(day)
    for v in a.data_vars:
        if v not in b.data_vars:
            continue
        x, y = a[v], b[v]
        if "response" in x.dims:  # the base's responses (a scenario may add one)
            x = x.sel(response=[r for r in x.response.values if r in y.response.values])
            y = y.sel(response=x.response.values)
        if "time" in x.dims:
            x, y = x.isel(time=before), y.isel(time=before)
        x, y = x.values, y.values
        nan = x.dtype.kind == "f"  # a unit with no capacity has NaN places, in both
        if not np.array_equal(x, y, equal_nan=nan):
            first = np.argwhere((x != y) & ~(np.isnan(x) & np.isnan(y) if nan else False))[0]
            raise AssertionError(f"{v} differs before {day}: first at {first.tolist()}")


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # a failure is reported as drawn: no slow shrinking
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(dated_changes())
def test_identical_before_any_dated_change(base, change):
    folder, a = base
    day, text = change
    b = _alt(folder, text)
    assert_identical_before(a, b, day)


def test_a_change_does_change_the_paths_after_its_date(base):
    """The property above is no tautology: the same comparison sees a change."""
    folder, a = base
    day = dt.date(2022, 3, 1)
    b = _alt(folder, _policy("inflow", day, 'factor = 1.5\nstreams = ["pre_trial"]'))
    assert_identical_before(a, b, day)
    after = a.time.values >= np.datetime64("2023-01-01")
    diff = (b.occupancy - a.occupancy).sel(unit="total").values[:, after]
    assert (diff.mean(axis=1) > 500).all()  # +50% of ~13,000 pre-trial admissions a year
    with pytest.raises(AssertionError, match="differs before"):
        assert_identical_before(a, b, dt.date(2023, 1, 1))


def test_sentence_policy_across_end_phase_thresholds(base):
    """Longer sentences from a date make people candidates for the BBA and the
    PP who were not (minimum 168 and 183 days): nobody else's take-up moves."""
    folder, a = base
    day = dt.date(2022, 6, 1)
    text = _policy("sentence_lengths", day, "factor = 2.0\nmax_sentence_days = 200")
    b = _alt(folder, text)
    assert_identical_before(a, b, day)
    # and people did cross: sentences of 84-200 days doubled reach the BBA's 168
    # and the PP's 183 days, so both phases hold more people later
    late = a.time.values >= np.datetime64("2023-01-01")
    for unit in ("bba", "pp"):
        more = (b.occupancy - a.occupancy).sel(unit=unit).values[:, late].mean()
        assert more > 0, unit


def test_an_extending_scenario_reads_its_bases_calibration(base, tmp_path):
    """A scenario in another folder that extends the baseline reads the baseline's
    calibration file (relative to the file that names it), not a fit of its own:
    both then share the forecast they draw from. `calibrate` will not overwrite
    that file with the extending scenario's calibration."""
    import json
    import subprocess
    import sys

    _folder, a = base
    assert json.loads(a.attrs["calibration"])["fitted_now"] is False
    alt = tmp_path / "alt.toml"
    alt.write_text(f'[scenario]\nname = "alt"\nextends = "{SCENARIOS / "baseline.toml"}"\n')
    shipped = (SCENARIOS / "calibration" / "baseline.json").read_bytes()
    cmd = [str(Path(sys.executable).parent / "capaciteit"), "calibrate", str(alt)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 2
    assert "holds the calibration of 'baseline'" in done.stderr
    assert (SCENARIOS / "calibration" / "baseline.json").read_bytes() == shipped


def test_the_base_exercises_every_response(base):
    """The responses act in the base before the changes' dates, in every
    replication, so the property covers their day-by-day feedback too."""
    _folder, a = base
    acted = a.response_acted.sel(time=slice(None, str(LAST))).sum("time").values
    assert (acted > 0).all(), acted


def test_the_base_exercises_the_loop(base):
    """The base has the baseline's re-entry loop: in every replication thousands of
    returns fall before the changes' last date, so the property covers them."""
    _folder, a = base
    back = a.returns.sel(unit="total", time=slice(None, str(LAST))).sum("time").values
    assert (back > 10_000).all(), back


def test_early_release_policy_with_an_acting_early_release_response(base):
    """An early-release policy from D moves release days (to D at the earliest);
    the base's early-release response, acting in the days before D, must judge
    the release days as they stood then, not as the policy will move them (it
    once released people before D whom the base kept)."""
    folder, a = base
    day = dt.date(2024, 6, 12)
    text = _policy("early_release", day, 'days = 90\nshare = 1.0\napplies_to = "everyone"')
    b = _alt(folder, text)
    assert_identical_before(a, b, day)
    late = a.time.values >= np.datetime64("2024-07-01")
    assert (b.occupancy - a.occupancy).sel(unit="total").values[:, late].mean() < -100
