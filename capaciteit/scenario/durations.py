"""How long something takes: a distribution of days (``{ distribution = ... }``).

Each kind is its own table with the keys it needs, told apart by its
``distribution`` key; :mod:`capaciteit.sim.distributions` draws from them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from capaciteit.scenario.base import Days, _Model, tags
from capaciteit.scenario.limits import MAX_CV


def _check_cv(mean: float, sd: float) -> None:
    if not 1 / MAX_CV <= sd / mean <= MAX_CV:
        raise ValueError(f"sd_days must be between 1/{MAX_CV:g} and {MAX_CV:g} times mean_days")


class Lognormal(_Model):
    distribution: Literal["lognormal"]
    mean_days: Days
    sd_days: Days

    @model_validator(mode="after")
    def _cv(self) -> Lognormal:
        _check_cv(self.mean_days, self.sd_days)
        return self


class Exponential(_Model):
    distribution: Literal["exponential"]
    mean_days: Days


class Gamma(_Model):
    distribution: Literal["gamma"]
    mean_days: Days
    sd_days: Days

    @model_validator(mode="after")
    def _cv(self) -> Gamma:
        _check_cv(self.mean_days, self.sd_days)
        return self


class Fixed(_Model):
    distribution: Literal["fixed"]
    days: Days


class Empirical(_Model):
    distribution: Literal["empirical"]
    days: list[Days] = Field(min_length=1, description="upper edges of the bins")
    shares: list[Annotated[float, Field(ge=0)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Empirical:
        if len(self.days) != len(self.shares):
            raise ValueError("days and shares must have the same length")
        if any(b <= a for a, b in zip(self.days, self.days[1:], strict=False)):
            raise ValueError("days must be strictly increasing")
        total = sum(self.shares)
        if abs(total - 1) > 1e-6:
            raise ValueError(f"shares must sum to 1 (they sum to {total:.6g})")
        return self


Distribution = Annotated[
    Lognormal | Exponential | Gamma | Fixed | Empirical, Field(discriminator="distribution")
]
DIST_NAMES = tags(Distribution, "distribution")
