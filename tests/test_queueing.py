"""The engine against queueing theory, with tolerances from the statistics.

Each check compares a replication-average with its exact value and allows
``Z`` standard errors, the standard error estimated from the spread over
independent replications (so autocorrelation within a run is accounted for).
With Z = 4.5 a correct engine fails a given check with probability < 1e-5; and
each check has enough replications that it would catch an error of 10%
(``Z`` standard errors are at most a tenth of the exact value).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

import capaciteit as cap
from capaciteit.sim.distributions import lognormal_params

Z = 4.5


def within(estimates: np.ndarray, exact: float, what: str) -> None:
    """The mean of per-replication estimates is within Z standard errors of exact."""
    est = np.asarray(estimates, float)
    se = est.std(ddof=1) / math.sqrt(est.size)
    assert abs(est.mean() - exact) <= Z * se + 1e-9, (
        f"{what}: {est.mean():.4f} vs exact {exact:.4f} (se {se:.4f})"
    )
    assert Z * se <= 0.1 * abs(exact), (
        f"{what}: test too weak, it would pass an error of {Z * se / abs(exact):.0%}"
    )


def scenario(write, text: str):
    return cap.load_scenario(write("q.toml", text))


def erlang_b(c: int, a: float) -> float:
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    b = erlang_b(c, a)
    return c * b / (c - a * (1 - b))


def test_mt_g_inf_mean_and_poisson_variance(write):
    """M_t/G/inf from empty: occupancy at t is Poisson with mean
    m(t) = int_0^t lambda(s) P(S > t - s) ds, whatever the stay distribution."""
    sc = scenario(
        write,
        """
        [scenario]
        name = "mtginf"
        start = 2030-01-01
        end = 2030-12-31
        [[unit]]
        name = "main"
        [[stream]]
        name = "s"
        unit = "main"
        rate_per_year = { 2030-01 = 2000, 2030-03 = 6000, 2030-06 = 1000 }
        stay = { distribution = "lognormal", mean_days = 30, sd_days = 45 }
        """,
    )
    ds = cap.simulate(sc, replications=2000, seed=11)
    mu, sigma = lognormal_params(30, 45)
    surv = stats.lognorm(s=sigma, scale=math.exp(mu)).sf
    knots = [0, 59, 151, 365]  # 2030: Jan-Feb, Mar-May, from June on
    rates = np.array([2000, 6000, 1000]) / 365.25

    def m(t: float) -> float:
        total = 0.0
        for a, b, r in zip(knots[:-1], knots[1:], rates, strict=True):
            if a < t:
                total += r * integrate.quad(lambda s: surv(t - s), a, min(b, t), limit=200)[0]
        return total

    occ = ds.occupancy.sel(unit="main").values  # (replication, day)
    for day in (10, 45, 70, 120, 150, 200, 300):
        exact = m(day + 1.0)  # the end of day `day`
        within(occ[:, day], exact, f"mean on day {day}")
        ratio = occ[:, day].var(ddof=1) / exact
        # Poisson: var(sample variance) = (mean + 2 mean^2) / R, so the standard
        # error of var/mean is sqrt((2 + 1/mean) / R)
        assert abs(ratio - 1) <= Z * math.sqrt((2 + 1 / exact) / occ.shape[0]), (day, ratio)


def test_littles_law_and_erlang_c_for_a_waiting_wing(write):
    """M/M/c with a FIFO queue: P(all busy) = Erlang C, Lq = C * rho / (1 - rho),
    and Little's law L = lambda * E[S] in the wing."""
    c, mean_stay, lam_day = 10, 5.0, 1.6  # a = 8, rho = 0.8
    sc = scenario(
        write,
        f"""
        [scenario]
        name = "mmc"
        start = 2030-01-01
        end = 2031-12-31
        warmup_days = 200
        [[unit]]
        name = "q"
        capacity = {c}
        when_full = "wait"
        [[stream]]
        name = "s"
        unit = "q"
        rate_per_year = {lam_day * 365.25}
        stay = {{ distribution = "exponential", mean_days = {mean_stay} }}
        """,
    )
    ds = cap.simulate(sc, replications=1000, seed=5)
    a = lam_day * mean_stay
    rho = a / c
    cc = erlang_c(c, a)
    occ = ds.occupancy.sel(unit="q").values
    wait = ds.waiting.sel(unit="q").values
    within((occ == c).mean(axis=1), cc, "P(all places taken) = Erlang C")
    within(wait.mean(axis=1), cc * rho / (1 - rho), "mean queue = Erlang C rho/(1-rho)")
    within(occ.mean(axis=1), a, "Little: L = lambda E[S]")
    # admissions per day equal the arrival rate (nobody is lost)
    within(ds.admissions.sel(unit="q").values.mean(axis=1), lam_day, "admissions per day")


@pytest.mark.parametrize(
    ("stay", "mean_stay", "replications"),
    [  # the heavy-tailed lognormal needs more replications for the same precision
        ('{ distribution = "lognormal", mean_days = 10, sd_days = 25 }', 10.0, 800),
        ('{ distribution = "fixed", days = 10 }', 10.0, 400),
        ('{ distribution = "empirical", days = [2, 10, 40], shares = [0.3, 0.4, 0.3] }', 10.2, 400),
    ],
    ids=["lognormal", "fixed", "empirical"],
)
def test_erlang_b_for_an_overflowing_wing(write, stay, mean_stay, replications):
    """Loss system M/G/c/c: the share of arrivals turned away is Erlang B for any
    stay distribution with the same mean (insensitivity), and occupancy has mean
    a (1 - B); nobody is ever above capacity."""
    c, a = 20, 15.0
    sc = scenario(
        write,
        f"""
        [scenario]
        name = "loss"
        start = 2030-01-01
        end = 2031-12-31
        warmup_days = 300
        [[unit]]
        name = "wing"
        capacity = {c}
        when_full = "overflow"
        overflow_to = "spill"
        [[unit]]
        name = "spill"
        [[stream]]
        name = "s"
        unit = "wing"
        rate_per_year = {a / mean_stay * 365.25}
        stay = {stay}
        """,
    )
    ds = cap.simulate(sc, replications=replications, seed=9)
    b = erlang_b(c, a)
    adm_wing = ds.admissions.sel(unit="wing").values.sum(axis=1)
    adm_spill = ds.admissions.sel(unit="spill").values.sum(axis=1)
    within(adm_spill / (adm_wing + adm_spill), b, "blocked share = Erlang B")
    occ = ds.occupancy.sel(unit="wing").values
    within(occ.mean(axis=1), a * (1 - b), "mean occupancy = a (1 - B)")
    within((occ == c).mean(axis=1), b, "time full = Erlang B (PASTA)")
    assert occ.max() <= c
