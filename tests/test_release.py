"""Conditional release (v.i.) against the statute's arithmetic.

2008 rules: art. 15 Sr as in force from 1 July 2008 (Stb. 2007, 500), from
1 Jan 2020 art. 6:2:10 Sv: no v.i. for a sentence of at most one year; more than
one and at most two years: one year plus a third of the rest; more than two
years: two thirds. SenB (Stb. 2020, 224, in force 1 July 2021): the same up to
six years; above six years all but two years. Days: 1 year = 365 days, day 0 is
the first day of detention, fractions round down.
"""

import numpy as np
import pytest

from capaciteit import conditional_release_day
from capaciteit.law.release import release_day

Y = 365

CASES = [
    # (sentence days, v.i. day 2008, v.i. day SenB, why)
    (1, None, None, "a day: no v.i."),
    (Y, None, None, "exactly one year: no v.i. (more than a year needed)"),
    (Y + 1, Y, Y, "just over a year: one year + a third of one day, rounded down"),
    (Y + 3, Y + 1, Y + 1, "one year + a third of three days"),
    (547, 425, 425, "18 months: 12 + 2 months (hvdadvocaten: '14 maanden zitten')"),
    (2 * Y, 486, 486, "exactly two years: one year + a third of a year (121.67 -> 121)"),
    (2 * Y + 1, 487, 487, "just over two years: two thirds"),
    (1095, 730, 730, "three years: two thirds (the contract's example)"),
    (6 * Y, 1460, 1460, "exactly six years: two thirds = all but two years"),
    (6 * Y + 1, 1460, 1461, "just over six years: SenB leaves at most two years of v.i."),
    (12 * Y, 8 * Y, 10 * Y, "twelve years: 8 years (2008), 10 years (SenB)"),
    (16 * Y, 3893, 14 * Y, "sixteen years: SenB 14 years (ECLI:NL:PHR:2023:1041)"),
    (30 * Y, 20 * Y, 28 * Y, "thirty years: SenB 28 years (DJI)"),
]


@pytest.mark.parametrize(("sentence", "old", "new", "why"), CASES)
def test_statute_table(sentence, old, new, why):
    """Each row is the statute's arithmetic for one sentence length."""
    assert conditional_release_day(sentence, rules="2008") == old, why
    assert conditional_release_day(sentence, rules="senb2021") == new, why


def test_contract_example():
    assert conditional_release_day(sentence_days=1095, rules="senb2021") == 730


def test_properties_over_all_sentences():
    """v.i. never after the sentence ends, never earlier under SenB, monotone in the
    sentence, and the SenB v.i. period is at most two years."""
    s = np.arange(1, 40 * Y)
    vi = {
        r: np.array([conditional_release_day(int(x), r) or x for x in s[::37]])
        for r in ("2008", "senb2021")
    }
    assert np.all(vi["2008"] <= s[::37])
    assert np.all(vi["senb2021"] >= vi["2008"])
    assert np.all(np.diff(vi["2008"]) >= 0) and np.all(np.diff(vi["senb2021"]) >= 0)
    assert np.all(s[::37] - vi["senb2021"] <= 2 * Y)


def test_vectorised_matches_scalar():
    rng = np.random.default_rng(0)
    s = rng.integers(1, 30 * Y, 5000)
    senb = rng.random(5000) < 0.5
    got = release_day(s, senb, np.zeros(5000, bool), np.zeros(5000, int))
    want = [
        conditional_release_day(int(x), "senb2021" if b else "2008") or int(x)
        for x, b in zip(s, senb, strict=True)
    ]
    assert np.array_equal(got, want)


def test_refused_serves_in_full_and_postponed_is_capped():
    s = np.array([1095, 1095, 1095, 400])
    refused = np.array([True, False, False, False])
    delay = np.array([0, 100, 1000, 0])
    got = release_day(s, np.ones(4, bool), refused, delay)
    assert got.tolist() == [1095, 830, 1095, 376]


@pytest.mark.parametrize(
    ("args", "msg"), [((1095, "2015"), "rules"), ((-1, "2008"), "whole"), ((1.5, "2008"), "whole")]
)
def test_bad_arguments(args, msg):
    with pytest.raises(ValueError, match=msg):
        conditional_release_day(*args)
