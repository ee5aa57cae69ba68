"""The notebook API: ``ds.cap``, the headline, provenance of figures, progress bars."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import capaciteit as cap
from capaciteit.data import history
from capaciteit.run import progress
from capaciteit.scenario.provenance import data_sources, scenario_notes

from .conftest import SCENARIOS


def synthetic(over: dict[int, int], reps: int = 10) -> xr.Dataset:
    """Two years, a unit with 100 usable places and a threshold of 95 (margin 5);
    occupancy 90 every day, except that in 2031 replications ``r < over[2031]``
    have one day at 96 (a shortage day)."""
    time = pd.date_range("2030-01-01", "2031-12-31", freq="D")
    occ = np.full((reps, time.size, 2), 90, np.int32)
    for year, n in over.items():
        day = int(np.flatnonzero(time.year == year)[100])
        occ[:n, day, :] = 96
    cap_ = np.full((time.size, 2), 100.0)
    return xr.Dataset(
        {
            "occupancy": (("replication", "time", "unit"), occ),
            "waiting": (("replication", "time", "unit"), np.zeros_like(occ)),
            "capacity": (("time", "unit"), cap_),
            "threshold": (("time", "unit"), cap_ - 5),
            "cost_per_day": (("unit",), np.array([200.0, np.nan])),
            "cost_per_place": (("unit",), np.array([10.0, np.nan])),
            "pmj": (("year", "unit"), np.full((2, 2), np.nan)),
        },
        coords={
            "replication": np.arange(reps),
            "time": time,
            "unit": ["main", "total"],
            "year": [2030, 2031],
        },
        attrs={"scenario": "synthetic", "scenario_title": "a test", "seed": 7},
    )


def test_headline_likely_when_half_the_replications_have_a_shortage_day():
    h = synthetic({2031: 6}).cap.headline(risk=0.05)
    assert (h.verdict, h.first_year, h.first_p) == ("likely", 2031, 0.6)
    assert (h.peak_year, h.peak_p) == (2031, 0.6)
    # the 95% quantile of the yearly peak (96) plus the margin (5), against 100 usable
    assert (h.gap_year, h.needed, h.gap) == (2031, 101.0, 1.0)
    # every year is whole: 90 a day x 200 EUR + 100 places x 10 EUR, a year; 2031 has
    # six replications with one day at 96
    want_2030 = 365 * (90 * 200 + 100 * 10)
    want_2031 = 365 * (90 * 200 + 100 * 10) + 0.6 * 6 * 200
    assert h.euros_per_year == pytest.approx((want_2030 + want_2031) / 2)
    assert h.table.loc[2030, "p_shortage"] == 0 and h.table.loc[2031, "p_shortage"] == 0.6


def test_headline_possible_and_unlikely():
    h = synthetic({2031: 1}).cap.headline(risk=0.05)
    assert (h.verdict, h.first_year, h.first_p) == ("possible", 2031, 0.1)
    h = synthetic({2031: 1}).cap.headline(risk=0.2)
    assert (h.verdict, h.first_year, h.first_p) == ("unlikely", None, None)
    assert h.as_dict()["verdict"] == "unlikely" and "table" not in h.as_dict()
    with pytest.raises(ValueError):
        synthetic({}).cap.headline(risk=1.5)


def test_shortage_probability_by_day_month_and_year():
    ds = synthetic({2031: 6})
    year = ds.cap.shortage_probability("year").sel(unit="main")
    assert year.sel(year=2030) == 0 and year.sel(year=2031) == pytest.approx(0.6)
    month = ds.cap.shortage_probability("month").sel(unit="main")
    assert month.sizes["month"] == 24
    assert float(month.sum()) == pytest.approx(0.6)  # the day is in one month only
    assert float(month.sel(month="2031-04-01")) == pytest.approx(0.6)  # day 100 of 2031
    day = ds.cap.shortage_probability("day").sel(unit="main")
    assert float(day.max()) == pytest.approx(0.6) and int((day > 0).sum()) == 1
    with pytest.raises(ValueError):
        ds.cap.shortage_probability("week")


def test_accessor_matches_the_plain_functions():
    sc = cap.load_scenario(SCENARIOS / "stylized.toml")
    ds = cap.simulate(sc, replications=6, seed=2)
    q = ds.cap.quantiles((0.5,)).sel(quantile=0.5)
    assert np.array_equal(q.values, ds.occupancy.quantile(0.5, "replication").values)
    assert q.attrs["units"] == "persons"
    pd.testing.assert_frame_equal(ds.cap.yearly_summary(), cap.yearly_summary(ds))
    pd.testing.assert_frame_equal(ds.cap.need(0.1), cap.need(ds, risk=0.1))
    month = ds.cap.shortage_probability("month")
    summ = ds.cap.monthly_summary()
    for u in ("bba", "total"):
        got = month.sel(unit=u).values
        want = summ[summ.unit == u]["p_shortage"].values
        np.testing.assert_array_equal(got, want)


def test_scenario_notes_follow_extends_and_join_lines(tmp_path):
    (tmp_path / "base.toml").write_text(
        """
[scenario]
name = "base"  # a "#" in a comment is fine
title = "x # not a comment"
start = 2030-01-01
end = 2030-12-31

# SOURCED (CBS): 100 places in 2020,
# as published.
[[unit]]
name = "main"
capacity = 100          # ASSUMPTION: no change after 2020
usable_share = 0.9      # plain comment
"""
    )
    (tmp_path / "alt.toml").write_text(
        """
# What if? HYPOTHETICAL: half the places.
[scenario]
name = "alt"
extends = "base.toml"

[[unit]]
name = "main"
# DERIVED: 100 / 2
capacity = 50
"""
    )
    notes = scenario_notes(tmp_path / "alt.toml")
    got = [(n.file, n.label, n.where, n.text) for n in notes]
    assert got == [
        ("base.toml", "SOURCED", "unit main", "SOURCED (CBS): 100 places in 2020, as published."),
        ("base.toml", "ASSUMPTION", "unit main: capacity", "ASSUMPTION: no change after 2020"),
        ("alt.toml", "HYPOTHETICAL", "scenario", "HYPOTHETICAL: half the places."),
        ("alt.toml", "DERIVED", "unit main: capacity", "DERIVED: 100 / 2"),
    ]


def test_a_label_set_off_by_a_comma_or_a_dash_starts_a_note_too(tmp_path):
    """Opening a comment, "ASSUMPTION, ..." and "SOURCED - ..." are labels as
    "ASSUMPTION: ..." is (such notes were silently left out of the report); in
    the middle of a sentence a label starts no note."""
    path = tmp_path / "own.toml"
    path.write_text(
        '[[unit]]\nname = "main"\n# ASSUMPTION, our planning team\ncapacity = 5\n'
        "usable_share = 0.9  # SOURCED \u2013 DJI 2024\n"
        "margin = 0.1  # an ASSUMPTION, mid-sentence\n"
        "# ASSUMPTION (labelled so). Not a note: no separator after the brackets\n"
        '[[stream]]\nname = "s"\n'
        "rate_per_year = 5  # DERIVED, from the SOURCED: CBS table\n"
        'unit = "main"  # ASSUMPTION,ours\n'
        'path = "stay"  # HYPOTHETICAL\u2014a test\n'
    )
    got = [(n.label, n.where, n.text) for n in scenario_notes(path)]
    assert got == [
        ("ASSUMPTION", "unit main: capacity", "ASSUMPTION, our planning team"),
        ("SOURCED", "unit main: usable_share", "SOURCED \u2013 DJI 2024"),
        ("DERIVED", "stream s: rate_per_year", "DERIVED, from the SOURCED: CBS table"),
        ("ASSUMPTION", "stream s: unit", "ASSUMPTION,ours"),
        ("HYPOTHETICAL", "stream s: path", "HYPOTHETICAL\u2014a test"),
    ]


def test_every_shipped_scenario_labels_its_figures():
    """The national scenarios carry labelled figures; data sources cover every file."""
    notes = scenario_notes(SCENARIOS / "baseline.toml")
    labels = {n.label for n in notes}
    assert {"SOURCED", "DERIVED", "ASSUMPTION"} <= labels
    assert all(n.text.startswith(n.label) for n in notes)
    src = data_sources()
    assert set(src["file"]) == {f"capaciteit/data/{n}" for n in history.SCHEMAS}
    assert (src["figures"] > 0).all() and src["source"].str.len().min() > 0


def test_progress_bar_draws_only_when_wanted(monkeypatch):
    buf = io.StringIO()
    monkeypatch.setattr(progress.sys, "stderr", buf)
    p = progress.Progress("run", enabled=True)
    for done in (1, 2, 4):
        p(done, 4)
    assert "4/4" in buf.getvalue() and "run" in buf.getvalue()
    quiet = io.StringIO()
    monkeypatch.setattr(progress.sys, "stderr", quiet)
    progress.bar("run", quiet=False)(1, 4)  # a StringIO is not a terminal
    assert quiet.getvalue() == ""
    assert not progress.wanted(quiet=True)


def test_every_variable_and_coordinate_says_what_it_is():
    sc = cap.load_scenario(SCENARIOS / "shortage-measures-2024.toml")
    ds = cap.simulate(sc, replications=1, seed=1)
    assert {"response_acted", "extra_places"} <= set(ds.data_vars)
    for name in [*ds.coords, *ds.data_vars]:
        assert ds[name].attrs.get("long_name"), name
    for name in ds.data_vars:
        assert ds[name].attrs.get("units"), name
