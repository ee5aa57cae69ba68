"""Euros a budget can use: each with its price level, and the places short
priced with what an added place costs (never a silent 0)."""

from __future__ import annotations

import dataclasses

import pytest

import capaciteit as cap
from capaciteit.outputs.headline import answer_lines, headline

from .test_pools import TWO

COSTS = """
[costs]
price_level = 2016
added_place_per_year = 82000
added_place_price_level = 2009
"""


def run(tmp_path, costs: str):
    path = tmp_path / "c.toml"
    path.write_text(TWO.replace("WOMEN", "50") + costs)
    return cap.simulate(cap.load_scenario(path), replications=8, seed=3)


def test_the_places_short_are_priced_with_an_added_place(tmp_path):
    h = headline(run(tmp_path, COSTS))
    assert h.unit == "women" and h.gap > 0
    assert h.gap_euros_per_year == pytest.approx(h.gap * 82000)
    assert (h.price_level, h.added_place_price_level) == (2016, 2009)
    first, second = answer_lines(h)
    assert (
        f"{h.gap:,.0f} places cost about EUR {h.gap * 82000 / 1e6:,.1f} M a year (2009 prices)"
        in first
    )
    assert second.endswith("M a year (2016 prices)")
    # 8 replications give no upper bound of the 90% interval of the 95% quantile
    assert first.endswith(
        "; places short in 'women': the 95% quantile of 8 replications, its 90% interval "
        "open (59 replications or more close it)"
    )
    closed = dataclasses.replace(h, needed_low=h.needed - 5, needed_high=h.needed + 5)
    assert "interval open" not in answer_lines(closed)[0]


def test_without_a_cost_per_place_no_cost_is_given(tmp_path):
    h = headline(run(tmp_path, ""))
    assert h.gap_euros_per_year is None and h.price_level is None
    first, second = answer_lines(h)
    assert "places cost" not in first and "price level not given" in second


def test_a_cost_per_place_needs_its_year(write, run_cli):
    path = write("c.toml", TWO.replace("WOMEN", "50") + "\n[costs]\nadded_place_per_year = 82000\n")
    code, _, err = run_cli("validate", path)
    assert code == 2
    assert err.splitlines() == [
        f"{path}: costs: added_place_per_year needs added_place_price_level (the year of its "
        "prices)"
    ]


POLICY = """
[[policy]]
name = "more men's places"
kind = "capacity"
unit = "men"
start = 2031-01-01
places = 100
"""


def test_the_places_a_policy_adds_cost_what_it_says(tmp_path, run_cli):
    """100 places from 2031 at EUR 36,525 a year: EUR 10,000 a day more in 2031,
    exactly (the men's 740 places are never full, so no one else moves), and
    nothing before. Without the key the run warns that the places cost nothing."""
    from capaciteit.run.results import daily_costs, yearly_summary

    base = run(tmp_path, COSTS)
    path = tmp_path / "p.toml"
    path.write_text(
        TWO.replace("WOMEN", "50") + COSTS + POLICY + "cost_per_place_per_year = 36525\n"
    )
    pol = cap.simulate(cap.load_scenario(path), replications=8, seed=3)
    diff = (daily_costs(pol) - daily_costs(base)).sel(unit="total")
    assert float(abs(diff.sel(time="2030")).max()) == 0.0
    assert diff.sel(time="2031").values == pytest.approx(10_000.0)
    # the yearly euros (yearly.csv, the workbook, the headline) say the same
    ya, yb = (yearly_summary(x).set_index(["year", "unit"]) for x in (base, pol))
    assert yb.loc[(2030, "total"), "euros_mean"] == pytest.approx(
        ya.loc[(2030, "total"), "euros_mean"]
    )
    assert yb.loc[(2031, "total"), "euros_mean"] - ya.loc[(2031, "total"), "euros_mean"] == (
        pytest.approx(3_650_000.0)
    )
    bare = tmp_path / "bare.toml"
    bare.write_text(TWO.replace("WOMEN", "50") + COSTS + POLICY)
    code, _, err = run_cli("validate", bare)
    assert code == 0
    assert (
        'policy "more men\'s places".cost_per_place_per_year: not given: the 100 places it '
        "adds cost nothing in the euros beyond the occupied days; give it (0 if that is so)"
    ) in err
