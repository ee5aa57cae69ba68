"""The law's release rules, as pure functions.

Conditional release (voorwaardelijke invrijheidstelling, v.i.) is the largest
single lever on how long a sentenced person occupies a cell, so the arithmetic
is written out here once, from the statute's wording, and tested against it.
Day counts follow the contract: day 0 is the first day of detention, police
custody and pre-trial detention included (aftrek, art. 27 Sr), and a fraction of
a day rounds down.
A year of sentence is counted as 365 days.

Rule sets
---------
``"2008"``
    Art. 15 Sr as in force from 1 July 2008 (Wet voorwaardelijke
    invrijheidstelling, Stb. 2007, 500), moved unchanged to art. 6:2:10 Sv on
    1 January 2020 (Wet USB). A sentence of at most one year gets no v.i.; more
    than one and at most two years: v.i. after one year plus one third of the
    rest; more than two years: after two thirds.
``"senb2021"``
    Art. 6:2:10 Sv as amended by the Wet straffen en beschermen (Stb. 2020,
    224), in force 1 July 2021: as above up to six years; for a sentence of more
    than six years v.i. comes when all but two years have been served, so the
    v.i. period is never longer than two years. V.i. is no longer automatic
    (art. 6:2:11 Sv): the public prosecutor decides, weighing behaviour, risks
    and the victims' interests; the engine models that as a share refused or
    postponed (scenario settings, not law).

See ``docs/law.md`` for the statute's text, the transitional rule and sources.
"""

from __future__ import annotations

import numpy as np

YEAR_DAYS = 365
"""Days in one year of sentence (the contract's arithmetic: 3 years = 1095 days)."""

RULE_SETS = ("2008", "senb2021")

SENB_MAX_VI_PERIOD_DAYS = 2 * YEAR_DAYS
"""Wet SenB: the v.i. period is at most two years (art. 6:2:10 Sv, from 1 July 2021)."""

POLICE_CUSTODY_MAX_DAYS = 3 + 15 / 24
"""Police custody before pre-trial detention (inverzekeringstelling) lasts at
most three days and fifteen hours; it counts towards the sentence (art. 27 Sr;
the old art. 15(4) Sr: time "in verzekering" is "onder de termijn begrepen").
See docs/law.md, which marks the article that sets the maximum UNCONFIRMED."""


def _vi_days(sentence: np.ndarray, senb: np.ndarray) -> np.ndarray:
    """V.i. day for each sentence (int days), -1 where the sentence gets no v.i."""
    s = np.floor(sentence)  # whole days (integers or integer-valued floats)
    one_to_two = YEAR_DAYS + (s - YEAR_DAYS) // 3  # one year plus a third of the rest
    two_thirds = (2 * s) // 3
    vi = np.where(s <= 2 * YEAR_DAYS, one_to_two, two_thirds)
    capped = s - SENB_MAX_VI_PERIOD_DAYS  # SenB: at most two years of v.i. period
    vi = np.where(senb & (s > 6 * YEAR_DAYS), np.maximum(vi, capped), vi)
    return np.where(s > YEAR_DAYS, vi, -1)


def conditional_release_day(sentence_days: int, rules: str = "senb2021") -> int | None:
    """Day of conditional release for one unconditional prison sentence.

    Parameters
    ----------
    sentence_days : int
        Length of the unconditional prison sentence, in days.
    rules : {"2008", "senb2021"}
        The v.i. rules that apply to this sentence.

    Returns
    -------
    int or None
        Whole days served (from the first day of detention, day 0) when v.i.
        falls, or None when the sentence is too short for v.i. (at most a year).

    Examples
    --------
    >>> conditional_release_day(1095, rules="senb2021")
    730
    >>> conditional_release_day(3650, rules="2008"), conditional_release_day(3650, rules="senb2021")
    (2433, 2920)
    >>> conditional_release_day(300, rules="2008") is None
    True
    """
    if rules not in RULE_SETS:
        raise ValueError(f"rules must be one of {RULE_SETS}, not {rules!r}")
    if int(sentence_days) != sentence_days or sentence_days < 0:
        raise ValueError(
            f"sentence_days must be a whole number of days >= 0, not {sentence_days!r}"
        )
    vi = _vi_days(np.array([int(sentence_days)]), np.array([rules == "senb2021"]))[0]
    return None if vi < 0 else int(vi)


def release_day(
    sentence_days: np.ndarray,
    senb: np.ndarray,
    refused: np.ndarray,
    postponement_days: np.ndarray,
) -> np.ndarray:
    """Day of release (from the first day of detention) for arrays of sentences.

    A sentence without v.i., or whose v.i. is refused, is served in full; a
    postponed v.i. comes ``postponement_days`` later, never after the sentence's
    end. Vectorised twin of :func:`conditional_release_day`.
    """
    s = np.asarray(sentence_days)
    vi = _vi_days(s, np.asarray(senb, dtype=bool))
    later = vi + np.asarray(postponement_days)
    out = np.where((vi < 0) | np.asarray(refused, dtype=bool), s, np.minimum(later, s))
    return out
