"""capaciteit: capacity forecasting and simulation of the Dutch prison system.

Public API::

    import capaciteit as cap
    sc = cap.load_scenario("scenarios/baseline.toml")
    ds = cap.simulate(sc, replications=100, seed=1)
    cap.conditional_release_day(sentence_days=1095, rules="senb2021")  # 730
    ds.cap.headline().verdict                 # "likely", "possible" or "unlikely"

Importing the package registers ``ds.cap`` (:mod:`capaciteit.outputs.accessor`) on
every xarray Dataset.
"""

from capaciteit.errors import DataError, InputError, ScenarioError, ScenarioWarning
from capaciteit.law.release import conditional_release_day
from capaciteit.outputs import accessor as _accessor  # noqa: F401  (registers ds.cap)
from capaciteit.outputs.capacity import need
from capaciteit.outputs.headline import Headline, headline
from capaciteit.run.compare import compare, paired
from capaciteit.run.results import monthly_summary, yearly, yearly_summary
from capaciteit.run.runner import simulate
from capaciteit.scenario import Scenario, load_scenario, parse_scenario
from capaciteit.version import __version__

__all__ = [
    "DataError",
    "Headline",
    "InputError",
    "Scenario",
    "ScenarioError",
    "ScenarioWarning",
    "__version__",
    "compare",
    "conditional_release_day",
    "headline",
    "load_scenario",
    "monthly_summary",
    "need",
    "paired",
    "parse_scenario",
    "simulate",
    "yearly",
    "yearly_summary",
]
