"""The law's rules on end phases and credit, against the arithmetic of the law.

* The penitentiair programma (PP): the new rules (Besluit straffen en beschermen,
  Stb. 2021, 251) from 1 December 2021, sentences of six months to a year, at
  most two months; the old rules (at most a sixth of the sentence, four weeks to
  a year) stay only for those inside on 1 December 2021 with at most three years
  left to their release, and only for phases that start before 1 December 2024
  (the transitional rule, docs/law.md). Everyone else has the new rules.
* Police custody (inverzekeringstelling, at most 3 days and 15 hours) counts
  towards the sentence (art. 27 Sr): the law's day of release is counted from
  its first day, so the time still to serve in a prison cell is that much shorter.

Days: a year is 365 days; day 0 is the first day of detention; v.i. under the
2008 rules is two thirds of a sentence over two years (tests/test_release.py).
"""

from __future__ import annotations

import datetime as dt
import tomllib

import numpy as np
import pytest

import capaciteit as cap
from capaciteit import conditional_release_day
from capaciteit.errors import ScenarioError
from capaciteit.law import release
from capaciteit.scenario import parse_scenario
from capaciteit.sim import distributions as dist
from capaciteit.sim.compile import compile_model
from capaciteit.sim.people import Warp
from capaciteit.sim.rng import Streams
from capaciteit.sim.sentencing import draw, timeline

from .conftest import SCENARIOS

SIXTH = 1 / 6

PP = """
[scenario]
name = "pp"
start = 2021-01-01
end = 2031-12-31
warmup_days = 1

[[unit]]
name = "main"

[[unit]]
name = "pp"
occupies_cell = false

[[stream]]
name = "convicts"
unit = "main"
rate_per_year = 1000
path = "sentence"
sentence = {{ distribution = "fixed", days = 730 }}

[[placement]]
name = "pp_before_senb"
unit = "pp"
share = 1.0
min_sentence_days = 183
share_of_sentence = 0.16666666666666666
min_days = 28
max_days = 365
until = 2021-11-30
basis = "admission_date"

[placement.transition]
date = 2021-12-01
max_remaining_days = {remaining}
phase_start_until = 2024-11-30

[[placement]]
name = "pp_senb"
unit = "pp"
share = 1.0
min_sentence_days = 183
{max_sentence}
share_of_sentence = 0.16666666666666666
min_days = 28
max_days = 61
instead_of = "pp_before_senb"
"""


def _pp(remaining: int = 1095, max_sentence: str = "max_sentence_days = 365"):
    return parse_scenario(
        tomllib.loads(PP.format(remaining=remaining, max_sentence=max_sentence)), "pp.toml"
    )


def _phases(sc, admitted: list[dt.date], sentences: list[float], warp=None):
    """Each person's (phase name, start, end) or None, and their release day."""
    model = compile_model(sc)
    s = sc.stream[0]
    pl = sc.placement
    n = len(admitted)
    d = draw(s, n, Streams(np.random.SeedSequence(0)), "x", sc.release, pl)
    d.sentence = np.asarray(sentences, dtype=float)
    t = np.array([model.day_of(a) for a in admitted]) + 0.5  # admitted at noon
    p = timeline(s, t, d, sc.release, model.senb_start, pl, model.day_of, warp=warp)
    got: list = [None] * n
    for placement, who, a, b in p.phases:
        for i, x, y in zip(who, a, b, strict=True):
            assert got[i] is None, f"person {i} has two PP phases"
            got[i] = (placement.name, x, y)
    return model, p, got


JUNE = dt.date(2021, 6, 1)  # before the SenB v.i. rules (1 July 2021): the 2008 rules


def test_old_pp_for_those_with_at_most_three_years_left():
    """Admitted 1 June 2021 with two years: v.i. on day 486 (one year and a third
    of the rest), 30 Sept 2022, well within three years of 1 Dec 2021, so the
    old PP of a sixth of the sentence (121.67 days) right before release."""
    _model, p, got = _pp_case([JUNE], [730])
    assert conditional_release_day(730, "2008") == 486
    assert p.t_end[0] - p.t_adm[0] == 486
    name, a, b = got[0]
    assert name == "pp_before_senb"
    assert b == pytest.approx(p.t_end[0]) and b - a == pytest.approx(730 * SIXTH)


def _pp_case(admitted, sentences, **kw):
    return _phases(_pp(), admitted, sentences, **kw)


def test_new_rules_for_those_with_more_than_three_years_left():
    """Admitted 1 June 2021 with ten years: v.i. after two thirds (day 2433), in
    2028, more than three years after 1 Dec 2021: the new rules, which give no PP
    to a sentence over a year (the old ones would have given a year)."""
    _model, p, got = _pp_case([JUNE], [3650])
    assert p.t_end[0] - p.t_adm[0] == conditional_release_day(3650, "2008") == 2433
    assert got == [None]


def test_three_years_left_is_the_boundary():
    """Released on 30 Nov 2024 (1,095 days after 1 Dec 2021): old rules; on
    1 Dec 2024 (1,096 days): new rules. From 1 June 2021 that is v.i. on day
    1,278 (a sentence of 1,917 days, two thirds) or day 1,279 (1,919 days)."""
    assert (dt.date(2024, 11, 30) - JUNE).days == 1278
    assert conditional_release_day(1917, "2008") == 1278
    assert conditional_release_day(1919, "2008") == 1279
    model, p, got = _pp_case([JUNE, JUNE], [1917, 1919])
    assert np.floor(p.t_end).tolist() == [
        model.day_of(dt.date(2024, 11, 30)),
        model.day_of(dt.date(2024, 12, 1)),
    ]
    name, a, b = got[0]
    assert name == "pp_before_senb" and b - a == pytest.approx(1917 * SIXTH)
    assert got[1] is None  # new rules: a sentence over a year gets no PP


def test_new_rules_for_those_admitted_from_1_december_2021():
    """Admitted on 1 Dec 2021: the new rules only, whatever is left. Ten months:
    a PP of a sixth (50.67 days, within two months); two years: none."""
    dec = dt.date(2021, 12, 1)
    _model, p, got = _pp_case([dec, dec, dt.date(2021, 11, 30)], [304, 730, 730])
    name, a, b = got[0]
    assert name == "pp_senb" and b - a == pytest.approx(304 * SIXTH)
    assert b == pytest.approx(p.t_end[0])  # no v.i. for a sentence of at most a year
    assert got[1] is None
    assert got[2][0] == "pp_before_senb"  # the day before: the old rules


def test_old_rule_phase_from_1_december_2024_falls_under_the_new_rules():
    """The transition lasts three years: an old-rule PP must start before 1 Dec
    2024. With three years left measured to the release date that cannot happen
    (a phase starts before release), so a transition counted over 2,000 days
    shows it: seven years from 1 June 2021 (2008 rules: v.i. on day 1,703,
    29 Jan 2026) would start the old PP of a year on 29 Jan 2025, after the
    transition: the new PP of two months instead. Six years (v.i. on day 1,460)
    start it on 31 May 2024: the old PP of a year."""
    sc = _pp(remaining=2000, max_sentence="")  # the new PP for any sentence here
    model, p, got = _phases(sc, [JUNE, JUNE], [2555, 2190])
    assert p.t_end[0] - p.t_adm[0] == conditional_release_day(2555, "2008") == 1703
    assert p.t_end[1] - p.t_adm[1] == conditional_release_day(2190, "2008") == 1460
    name, a, b = got[0]
    assert name == "pp_senb" and b - a == pytest.approx(61)
    assert np.floor(p.t_end[0] - 365) == model.day_of(dt.date(2025, 1, 29))
    name, a, b = got[1]
    assert name == "pp_before_senb" and b - a == pytest.approx(365)
    assert np.floor(a) == model.day_of(dt.date(2024, 5, 31))


def test_everyone_eligible_gets_exactly_one_pp():
    """Sentences of six months to a year, admitted 2019-2025 (eligible under both
    rule sets): each person has one PP, never two, and the old one only when
    admitted before 1 Dec 2021."""
    rng = np.random.default_rng(3)
    n = 4000
    admitted = [dt.date(2019, 1, 1) + dt.timedelta(days=int(x)) for x in rng.integers(0, 2200, n)]
    sentences = rng.integers(183, 366, n).astype(float)
    _model, _p, got = _pp_case(admitted, sentences)
    assert all(g is not None for g in got)
    old = np.array([g[0] == "pp_before_senb" for g in got])
    before = np.array([a < dt.date(2021, 12, 1) for a in admitted])
    assert np.array_equal(old, before)


def test_each_person_gets_the_rules_the_law_gives():
    """Sentences of six months to eight years, admitted 2019-2025: the old PP only
    for those admitted before 1 Dec 2021 and released by 30 Nov 2024 (at most
    1,095 days left), the new PP for the others with at most a year, none for the
    rest; this mix has people on each side of the three-year limit."""
    rng = np.random.default_rng(4)
    n = 4000
    admitted = [dt.date(2019, 1, 1) + dt.timedelta(days=int(x)) for x in rng.integers(0, 2200, n)]
    sentences = rng.integers(183, 2920, n).astype(float)
    model, p, got = _pp_case(admitted, sentences)
    kept = np.array([a < dt.date(2021, 12, 1) for a in admitted]) & (
        np.floor(p.t_end) <= model.day_of(dt.date(2024, 11, 30))
    )
    want = np.where(kept, "pp_before_senb", np.where(sentences <= 365, "pp_senb", "none"))
    names = np.array(["none" if g is None else g[0] for g in got])
    assert np.array_equal(names, want)
    lost = ~kept & np.array([a < dt.date(2021, 12, 1) for a in admitted])
    assert lost.sum() > 100 and kept.sum() > 100  # both sides of the limit are there


def test_remaining_time_is_judged_where_the_forecast_puts_the_release():
    """The forecast stretches stays from 1 Jan 2022: times four, the two-year
    sentence's release (30 Sept 2022) moves to 26 Dec 2024, more than three years
    after 1 Dec 2021, so the new rules (no PP); times three, to 28 Mar 2024: the
    old rules still."""
    model = compile_model(_pp())
    b = model.day_of(dt.date(2022, 1, 1))
    for ratio, want in ((4.0, None), (3.0, "pp_before_senb")):
        warp = Warp(np.array([b]), np.array([ratio]))
        _m, p, got = _pp_case([JUNE], [730], warp=warp)
        moved = warp(np.array([p.t_event[0]]), np.array([p.t_end[0]]))[0]
        assert np.floor(moved) == model.day_of(
            dt.date(2024, 12, 26) if ratio == 4 else dt.date(2024, 3, 28)
        )
        assert (got[0] and got[0][0]) == want


def test_the_baseline_follows_the_transitional_rule():
    """The shipped baseline's PP placements (everyone taking part): two years
    from 1 June 2021, the old PP of a sixth; ten years from 1 June 2021, none (the
    new rules); ten months from 1 Dec 2021, the new PP of a sixth."""
    sc = cap.load_scenario(SCENARIOS / "baseline.toml")
    pl = [p.model_copy(update={"share": 1.0}) if p.unit == "pp" else p for p in sc.placement]
    sc = sc.model_copy(update={"placement": pl})
    model = compile_model(sc)
    s = next(x for x in sc.stream if x.name == "arrested_convicts")
    pl = [p for p in sc.placement if p.streams is None or s.name in p.streams]
    d = draw(s, 3, Streams(np.random.SeedSequence(0)), "x", sc.release, pl)
    d.sentence = np.array([730.0, 3650.0, 304.0])
    admitted = [JUNE, JUNE, dt.date(2021, 12, 1)]
    t = np.array([model.day_of(a) for a in admitted]) + 0.5
    p = timeline(s, t, d, sc.release, model.senb_start, pl, model.day_of)
    pp = {x.name: (who.tolist(), b - a) for x, who, a, b in p.phases if x.unit == "pp"}
    assert pp["pp_before_senb"][0] == [0]
    assert pp["pp_before_senb"][1] == pytest.approx([730 * 0.1667])
    assert pp["pp_senb"][0] == [2]
    assert pp["pp_senb"][1] == pytest.approx([304 * 0.1667])


VH = """
[scenario]
name = "vh"
start = 2022-01-01
end = 2022-12-31
warmup_days = 1

[[unit]]
name = "main"

[[stream]]
name = "vh"
unit = "main"
rate_per_year = 1000
path = "pre_trial"
pre_trial_days = { distribution = "fixed", days = 20 }
convicted_share = 0.5
sentence = { distribution = "empirical", days = [30, 365, 1095, 3650], \
shares = [0.2, 0.3, 0.3, 0.2] }
"""


def _vh(custody: str | None):
    data = tomllib.loads(VH)
    if custody is not None:
        data["stream"][0]["police_custody_days"] = tomllib.loads(f"x = {custody}")["x"]
    return parse_scenario(data, "vh.toml")


def _vh_people(custody: str | None, n: int = 4000):
    sc = _vh(custody)
    model = compile_model(sc)
    s = sc.stream[0]
    d = draw(s, n, Streams(np.random.SeedSequence(5)), "x", sc.release, [])
    return d, timeline(s, np.zeros(n), d, sc.release, model.senb_start, [], model.day_of)


def test_police_custody_shortens_the_time_in_a_cell_by_exactly_its_length():
    """Three days in police custody: a convicted person leaves prison exactly
    three days earlier than without them (never before trial); an acquitted
    one leaves at trial as before."""
    _d0, p0 = _vh_people(None)
    _d3, p3 = _vh_people('{ distribution = "fixed", days = 3 }')
    assert np.array_equal(p0.t_adm, p3.t_adm) and np.array_equal(p0.sentence, p3.sentence)
    convicted = p3.sentence > 0
    before = p0.t_end - p0.t_adm
    after = p3.t_end - p3.t_adm
    pre = p3.t_trial - p3.t_adm
    assert 0.45 < convicted.mean() < 0.55
    assert np.array_equal(after[~convicted], before[~convicted])
    assert np.array_equal(after[~convicted], pre[~convicted])
    free = convicted & (before - 3 >= pre)  # not released at trial
    assert free.sum() > 1000
    assert np.array_equal(after[free], before[free] - 3)
    at_trial = convicted & ~free
    assert np.array_equal(after[at_trial], np.maximum(pre, before - 3)[at_trial])


def test_release_day_counts_from_the_first_day_of_police_custody():
    """Three days of police custody, then prison: three years (pronounced after
    1 July 2021) give v.i. on day 730 of detention (two thirds), day 727 in
    prison; ten years under SenB day 2,920 (all but two years), 2,917 in
    prison; a year (no v.i.) 365 days, 362 in prison."""
    sc = _vh('{ distribution = "fixed", days = 3 }')
    model = compile_model(sc)
    s = sc.stream[0]
    d = draw(s, 3, Streams(np.random.SeedSequence(0)), "x", sc.release, [])
    d.sentence = np.array([1095.0, 3650.0, 365.0])
    d.convicted_u = np.zeros(3)  # all convicted
    p = timeline(s, np.full(3, 200.0), d, sc.release, model.senb_start, [], model.day_of)
    assert p.senb.all()
    assert (p.t_end - p.t_adm).tolist() == [727, 2917, 362]
    law = [conditional_release_day(1095, "senb2021"), conditional_release_day(3650, "senb2021")]
    assert law == [730, 2920]
    assert (p.t_end - (p.t_adm - 3)).tolist() == [*law, 365]


def test_police_custody_draws_its_own_stream_and_is_cut_at_the_law():
    """A drawn police custody comes from its own named stream, one per person in
    arrival order, and leaves every other draw as it was (common random
    numbers); the credit never exceeds the law's 3 days and 15 hours."""
    spec = '{ distribution = "lognormal", mean_days = 3, sd_days = 2 }'
    d0, p0 = _vh_people(None)
    d, p = _vh_people(spec)
    sc = _vh(spec)
    want = dist.sample(
        sc.stream[0].police_custody_days,
        Streams(np.random.SeedSequence(5))("x", "vh", "police_custody_days"),
        4000,
    )
    assert np.array_equal(d.police_custody, want)
    for key in ("pre_trial", "convicted_u", "sentence", "vi_u"):
        assert np.array_equal(getattr(d, key), getattr(d0, key))
    assert release.POLICE_CUSTODY_MAX_DAYS == 3 + 15 / 24
    assert (want > release.POLICE_CUSTODY_MAX_DAYS).any()
    convicted = p.sentence > 0
    pre = p.t_trial - p.t_adm
    credit = np.minimum(want, release.POLICE_CUSTODY_MAX_DAYS)
    served = p0.t_end - p0.t_adm  # without police custody: max(pre, the law's day)
    free = convicted & (served - credit >= pre) & (served > pre)
    assert np.allclose((p.t_end - p.t_adm)[free], (served - credit)[free])
    # for everyone: never more than the law's maximum off, and never below the
    # time to trial; the acquitted leave at trial
    inside = p.t_end - p.t_adm
    assert (inside >= served - release.POLICE_CUSTODY_MAX_DAYS - 1e-9).all()
    assert (inside >= pre - 1e-9).all()
    assert np.array_equal(inside[~convicted], pre[~convicted])


def _refused(data: dict, where: str, msg: str) -> None:
    with pytest.raises(ScenarioError) as e:
        parse_scenario(data, "bad.toml")
    lines = e.value.lines()
    assert any(line.startswith(f"bad.toml: {where}: ") and msg in line for line in lines), lines


@pytest.mark.parametrize(
    ("custody", "msg"),
    [
        ({"distribution": "fixed", "days": 4}, "at most 3.625 days (3 days and 15 hours"),
        ({"distribution": "empirical", "days": [1, 5], "shares": [0.5, 0.5]}, "not 5"),
    ],
)
def test_police_custody_longer_than_the_law_allows_is_refused(custody, msg):
    data = tomllib.loads(VH)
    data["stream"][0]["police_custody_days"] = custody
    _refused(data, "stream 'vh'.police_custody_days", msg)


def test_police_custody_only_on_the_pre_trial_path():
    data = tomllib.loads(PP.format(remaining=1095, max_sentence=""))
    data["stream"][0]["police_custody_days"] = {"distribution": "fixed", "days": 3}
    _refused(data, "stream 'convicts'", "path 'sentence' does not use police_custody_days")


def _insert_between(d: dict) -> None:
    d["placement"].insert(1, {**d["placement"][1], "name": "other"})
    del d["placement"][1]["instead_of"]


@pytest.mark.parametrize(
    ("change", "where", "msg"),
    [
        (
            lambda d: d["placement"][0]["transition"].update(max_remaining_days=-1),
            "placement 'pp_before_senb'.transition.max_remaining_days",
            "must be >= 0",
        ),
        (
            lambda d: d["placement"][0]["transition"].update(max_remaining_days=1095.5),
            "placement 'pp_before_senb'.transition.max_remaining_days",
            "must be a whole number",
        ),
        (
            lambda d: d["placement"][0]["transition"].update(phase_start_until=dt.date(2021, 1, 1)),
            "placement 'pp_before_senb'.transition",
            "phase_start_until must not be before date",
        ),
        (
            lambda d: d["placement"][0]["transition"].pop("date"),
            "placement 'pp_before_senb'.transition.date",
            "required key is missing",
        ),
        (
            lambda d: d["placement"][0]["transition"].update(days=3),
            "placement 'pp_before_senb'.transition.days",
            "unknown key",
        ),
        (
            lambda d: d["placement"][1].update(instead_of="pp_old"),
            "placement 'pp_senb'.instead_of",
            "no placement named 'pp_old'",
        ),
        (
            lambda d: d["placement"][1].update(instead_of="pp_senb"),
            "placement 'pp_senb'.instead_of",
            "cannot replace itself",
        ),
        (
            lambda d: d["placement"][0].update(instead_of="pp_senb"),
            "placement 'pp_senb'.instead_of",
            "itself has instead_of",
        ),
        (
            lambda d: d["placement"][1].update(streams=["convicts"]),
            "placement 'pp_senb'.instead_of",
            "must have the same streams",
        ),
        (_insert_between, "placement 'pp_senb'.instead_of", "must be listed right before or after"),
    ],
)
def test_bad_transition_or_instead_of_is_refused(change, where, msg):
    data = tomllib.loads(PP.format(remaining=1095, max_sentence=""))
    change(data)
    _refused(data, where, msg)
