"""Demand from a stock counted while the prisons were full (issue 13)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from capaciteit.calibrate import censored, reconstruct
from capaciteit.data import history

SEPT_2024 = dt.date(2024, 9, 30)


def test_the_full_period_is_the_sourced_one_and_known_only_once_published():
    assert censored.is_full(SEPT_2024)
    assert censored.is_full(dt.date(2023, 12, 6))
    assert not censored.is_full(dt.date(2023, 12, 5))
    assert not censored.is_full(SEPT_2024, until=dt.date(2023, 12, 5))  # not yet published
    assert censored.share_full(2024) == 1.0
    assert censored.share_full(2023) == pytest.approx(26 / 365, abs=1e-15)
    assert censored.share_full(2022) == 0.0


def test_hidden_demand_is_the_arithmetic_of_the_published_fall():
    """1,500 with a sentence under a year, 13% fewer than a year before: had the
    short sentences been executed, 1,500 / 0.87 - 1,500 more would have been in."""
    h = censored.hidden_demand(SEPT_2024)
    assert h.people == pytest.approx(1500 / 0.87 - 1500, rel=1e-12)
    assert h.sd == pytest.approx(censored.HIDDEN_SD_SHARE * h.people, rel=1e-12)
    assert (round(h.people, 4), round(h.sd, 4)) == (224.1379, 112.069)  # sd: half, the ASSUMPTION
    assert "DERIVED" in h.derivation and "ASSUMPTION" in h.derivation
    assert censored.hidden_demand(dt.date(2022, 9, 30)) is None  # not full then
    stock = history.observed_stock_near(SEPT_2024)
    assert censored.demand(stock) == pytest.approx((9800 + h.people, h.sd), rel=1e-12)


def test_the_reconstruction_reads_demand_not_the_capped_stock():
    """At origin 2024 the stock of 2024 enters as demand with its extra variance;
    the years before are read as published."""
    _years, y, extra = reconstruct.observations(SEPT_2024)
    i = 2024 - reconstruct.FIRST_YEAR
    h = censored.hidden_demand(SEPT_2024)
    assert y[i, 0] == pytest.approx(math.log(9800 + h.people), rel=1e-15)
    assert extra[i] == pytest.approx((h.sd / (9800 + h.people)) ** 2, rel=1e-12)
    assert not extra[:i].any()
    j = 2022 - reconstruct.FIRST_YEAR
    assert y[j, 0] == pytest.approx(math.log(9200), rel=1e-15)
    assert y[j, 2] == pytest.approx(math.log(30380), rel=1e-15)


@pytest.mark.parametrize("dynamics", reconstruct.DYNAMICS)
def test_reconstructed_demand_in_2024_is_above_the_capped_stock(dynamics):
    """Every candidate's inflow x mean stay of 2024 is within two of the
    demand's standard deviations of 9,800 + 224, so above what could be held."""
    rec = reconstruct.reconstruct(SEPT_2024, dynamics)
    i = 2024 - reconstruct.FIRST_YEAR
    level = rec.inflow[i] * rec.stay_days[i] / 365.25
    h = censored.hidden_demand(SEPT_2024)
    assert abs(level - (9800 + h.people)) < 2 * h.sd
    assert level > 9800


def test_a_persons_count_of_a_full_year_is_left_out():
    """The 27,000 persons of 2024 (dated 31 December 2024, so after the 2024
    origin) would be read from a later origin: there it is left out, as a count
    of who was let in, while 2022's is kept."""
    later = dt.date(2025, 6, 30)
    assert any(o.date.year == 2024 for o in history.series("unique_persons.csv", "unique_persons"))
    _years, y, _extra = reconstruct.observations(later)
    assert np.isnan(y[2024 - reconstruct.FIRST_YEAR, 2])
    assert y[2022 - reconstruct.FIRST_YEAR, 2] == pytest.approx(math.log(30380), rel=1e-15)


def test_an_end_of_the_full_period_counts_once_published(tmp_path, monkeypatch):
    """A full period with an end: full up to it, not after; an end dated after
    ``until`` was not known then, so the period still runs."""
    import shutil

    for name in history.SCHEMAS:
        shutil.copy(history.DATA_DIR / name, tmp_path / name)
    text = (tmp_path / "events.csv").read_text(encoding="utf-8")
    text = text.replace("2023-12-06,,call_ups_stopped", "2023-12-06,2024-06-30,call_ups_stopped")
    (tmp_path / "events.csv").write_text(text, encoding="utf-8")
    monkeypatch.setattr(history, "DATA_DIR", tmp_path)
    assert censored.is_full(dt.date(2024, 6, 30)) and not censored.is_full(SEPT_2024)
    assert censored.is_full(SEPT_2024, until=dt.date(2024, 6, 1))  # the end not yet known


def test_forecast_2024_is_fitted_to_demand():
    """The shipped calibration of forecast-2024: its stays' stock target is the
    observed 9,800 plus the hidden 224, and its inflow level is the weighted
    geometric mean of the candidates' reconstructions of 2024."""
    from pathlib import Path

    from capaciteit.calibrate import calibration

    path = Path(__file__).parent.parent / "scenarios" / "calibration" / "forecast-2024.json"
    cal = calibration.Calibration.from_json(path.read_text())
    h = censored.hidden_demand(SEPT_2024)
    assert cal.demand["observed_stock"] == 9800 and cal.demand["fitted_to"] == 9800 + h.people
    stock = next(t for t in cal.stays["targets"] if t["name"] == "stock")
    assert stock["target"] == 9800 + h.people
    assert cal.inflow["total"] == cal.fitted.level(2024)
    assert len(cal.fitted.weights) > 1  # a combination, not one model
