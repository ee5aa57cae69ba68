"""capaciteit: capacity forecasting and simulation of the Dutch prison system.

Public API::

    import capaciteit as cap
    sc = cap.load_scenario("scenarios/baseline.toml")
    ds = cap.simulate(sc, replications=100, seed=1)
    cap.conditional_release_day(sentence_days=1095, rules="senb2021")  # 730
"""

__version__ = "0.1.0"

from .errors import DataError, InputError, ScenarioError
from .release import conditional_release_day
from .results import monthly_summary
from .runner import simulate
from .scenario import Scenario, load_scenario

__all__ = [
    "DataError",
    "InputError",
    "Scenario",
    "ScenarioError",
    "__version__",
    "conditional_release_day",
    "load_scenario",
    "monthly_summary",
    "simulate",
]
