"""The dataset of a run, and the reductions users ask of it: one door to four
modules, each importable on its own.

- :mod:`~capaciteit.run.dataset`: the dataset's layout (:func:`to_dataset`,
  :data:`VARIABLES`) and what it carries for a reader (:func:`run_cautions`);
- :mod:`~capaciteit.run.rows`: the rows of summaries (units, pools, total) and
  each variable read per row (:func:`series`, :func:`limit`, :func:`demand`,
  :func:`shortage_days`, ...);
- :mod:`~capaciteit.run.sweep`: one pass over every row, each variable read once
  (:func:`swept`, :func:`months`, :func:`years`);
- :mod:`~capaciteit.run.reductions`: the monthly and yearly figures, their
  quantiles and the costs (:func:`monthly_summary`, :func:`yearly`,
  :func:`yearly_summary`, :func:`daily_costs`), computed once within :func:`reuse`.

Reductions are plain functions of a Dataset.
"""

from __future__ import annotations

from capaciteit.run.dataset import VARIABLES, _place_costs, run_cautions, to_dataset
from capaciteit.run.reductions import (
    _MEMO,
    _memo,
    _monthly_summary,
    _per_year,
    _per_year_of,
    _yearly,
    _yearly_summary,
    daily_costs,
    monthly_summary,
    reuse,
    swept,
    yearly,
    yearly_summary,
)
from capaciteit.run.rows import (
    _members,
    beyond,
    demand,
    judged,
    limit,
    pools,
    read,
    rows,
    series,
    shortage_days,
)
from capaciteit.run.sweep import months, years

__all__ = [
    "VARIABLES",
    "_MEMO",
    "_members",
    "_memo",
    "_monthly_summary",
    "_per_year",
    "_per_year_of",
    "_place_costs",
    "_yearly",
    "_yearly_summary",
    "beyond",
    "daily_costs",
    "demand",
    "judged",
    "limit",
    "monthly_summary",
    "months",
    "pools",
    "read",
    "reuse",
    "rows",
    "run_cautions",
    "series",
    "shortage_days",
    "swept",
    "to_dataset",
    "yearly",
    "yearly_summary",
    "years",
]
