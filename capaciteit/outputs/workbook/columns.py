"""The columns of the yearly, monthly and comparison sheets: each figure's
header, what it means (a comment on the header cell) and its number format."""

from __future__ import annotations

from capaciteit.outputs.formats import fmt_pct_short
from capaciteit.outputs.i18n import N_
from capaciteit.outputs.workbook.cells import (
    DEC,
    EUR,
    INT,
    LEVEL,
    MONTH,
    PCT,
    YEAR,
    Col,
)


def yearly_columns(risk: float = 0.05, lang: str = "nl") -> list[Col]:
    """The columns of the yearly sheet; the headers of places needed name the risk."""
    fill = {"risk": fmt_pct_short(risk, lang), "level": fmt_pct_short(LEVEL, lang)}
    return [
        Col("year", N_("Year"), YEAR),
        Col(
            "unit",
            N_("Unit"),
            None,
            N_(
                "a unit, a pool of several units, or 'total': all cells together, a count and no "
                "place to put someone (short: in any pool)"
            ),
        ),
        Col(
            "days",
            N_("Days"),
            YEAR,
            N_("days of the year in the run; under 365: a partial year (costs too)"),
        ),
        Col(
            "occupancy_p10",
            N_("Occupancy P10"),
            INT,
            N_("mean occupancy in the year: 10% of replications are lower"),
        ),
        Col(
            "occupancy_p50",
            N_("Occupancy P50"),
            INT,
            N_("mean occupancy in the year: the median over replications"),
        ),
        Col(
            "occupancy_p90",
            N_("Occupancy P90"),
            INT,
            N_("mean occupancy in the year: 90% of replications are lower"),
        ),
        Col(
            "demand_p50",
            N_("Demand P50"),
            INT,
            N_(
                "occupancy plus those who need a place and lack one (waiting list, not called up "
                "and those who would come back after them, police cell, released early): the "
                "median over replications"
            ),
        ),
        Col("demand_p10", N_("Demand P10"), INT, N_("demand: 10% of replications are lower")),
        Col("demand_p90", N_("Demand P90"), INT, N_("demand: 90% of replications are lower")),
        Col(
            "unplaced_mean",
            N_("Lacking a place (mean)"),
            INT,
            N_("mean number who need a place and lack one"),
        ),
        Col(
            "capacity",
            N_("Usable places (mean)"),
            INT,
            N_("planned places times the usable share, averaged over the year"),
        ),
        Col(
            "current",
            N_("Usable places (lowest)"),
            INT,
            N_("the lowest usable capacity in the year; the basis of the gap"),
        ),
        Col(
            "threshold",
            N_("Shortage threshold"),
            INT,
            N_("usable places less the operational margin; occupancy above it is a shortage"),
        ),
        Col(
            "needed",
            N_("Needed at {risk} risk"),
            INT,
            N_("usable places that keep the probability of a shortage day in the year at {risk}"),
            fill,
        ),
        Col(
            "needed_low",
            N_("Needed, low {level}"),
            INT,
            N_("lower bound of the {level} confidence interval (finite number of replications)"),
            fill,
        ),
        Col(
            "needed_high",
            N_("Needed, high {level}"),
            INT,
            N_("upper bound of the {level} confidence interval (finite number of replications)"),
            fill,
        ),
        Col(
            "gap",
            N_("Places short"),
            INT,
            N_("needed less the lowest usable capacity of the year; negative: places to spare"),
        ),
        Col(
            "p_shortage",
            N_("P(shortage)"),
            PCT,
            N_("share of replications with at least one day of occupancy above the threshold"),
        ),
        Col(
            "euros_mean",
            N_("Cost mean"),
            EUR,
            N_("occupied places times cost per day plus usable places times cost per place"),
        ),
        Col(
            "euros_p10", N_("Cost P10"), EUR, N_("cost in the year: 10% of replications are lower")
        ),
        Col(
            "euros_p90", N_("Cost P90"), EUR, N_("cost in the year: 90% of replications are lower")
        ),
        Col(
            "pmj",
            N_("PMJ"),
            INT,
            N_("PMJ figure (WODC) for the year, from the scenario; empty: none given"),
        ),
        Col("gap_pmj", N_("P50 less PMJ"), INT, N_("occupancy P50 less the PMJ figure")),
        Col(
            "p_above_pmj",
            N_("P(peak above PMJ)"),
            PCT,
            N_("share of replications whose highest occupancy of the year exceeds the PMJ"),
        ),
    ]


MONTHLY_COLUMNS = [
    Col("month", N_("Month"), MONTH),
    Col("unit", N_("Unit")),
    Col(
        "occupancy_p10",
        N_("Occupancy P10"),
        INT,
        N_("mean occupancy in the month: 10% of replications are lower"),
    ),
    Col("occupancy_p50", N_("Occupancy P50"), INT, N_("mean occupancy in the month: the median")),
    Col(
        "occupancy_p90",
        N_("Occupancy P90"),
        INT,
        N_("mean occupancy in the month: 90% of replications are lower"),
    ),
    Col("occupancy_mean", N_("Occupancy mean"), INT),
    Col("capacity", N_("Usable places (mean)"), INT),
    Col(
        "p_over_capacity",
        N_("P(over capacity)"),
        PCT,
        N_("share of replications with at least one day above the usable places"),
    ),
    Col(
        "p_shortage",
        N_("P(shortage)"),
        PCT,
        N_("share of replications with at least one day above the shortage threshold"),
    ),
    Col(
        "waiting_mean",
        N_("Waiting (mean)"),
        DEC,
        N_("persons waiting for a place in the unit, on average"),
    ),
    Col(
        "unplaced_mean",
        N_("Lacking a place (mean)"),
        DEC,
        N_("mean number who need a place in the unit and lack one"),
    ),
    Col(
        "admissions_mean",
        N_("Admissions in the month"),
        DEC,
        N_("admissions in the month (transfers included), mean over replications"),
    ),
    Col(
        "returns_mean",
        N_("Returns in the month"),
        DEC,
        N_(
            "admissions of people released before (re-entry), mean over replications; first "
            "admissions are admissions less returns (total)"
        ),
    ),
    Col(
        "returned_inside_mean",
        N_("Inside after a return (mean)"),
        DEC,
        N_("persons in a cell who came in as a return, on average (total only)"),
    ),
]


COMPARE_COLUMNS = [
    Col("year", N_("Year"), YEAR),
    Col(
        "days",
        N_("Days"),
        INT,
        N_("days of the year in the run; under 365: a partial year (grey, italics)"),
    ),
    Col("unit", N_("Unit")),
    Col(
        "pool",
        N_("Pool"),
        None,
        N_(
            "yes: places that can take the same people, where a shortage is judged; total is "
            "only a count"
        ),
    ),
    Col("metric", N_("Metric")),
    Col("base", N_("Base"), None, N_("mean over replications")),
    Col("alternative", N_("Alternative"), None, N_("mean over replications")),
    Col(
        "difference",
        N_("Difference"),
        None,
        N_("alternative less base, replication by replication, averaged"),
    ),
    Col(
        "low",
        N_("Low 95%"),
        None,
        N_("lower bound of the 95% confidence interval of the difference"),
    ),
    Col(
        "high",
        N_("High 95%"),
        None,
        N_("upper bound of the 95% confidence interval of the difference"),
    ),
]


METRIC_LABELS: dict[str, tuple[str, str]] = {
    "occupancy_mean": (N_("Mean occupancy"), DEC),
    "shortage": (N_("P(shortage)"), PCT),
    "euros": (N_("Cost"), EUR),
    "waiting_mean": (N_("Mean waiting"), DEC),
    "unplaced_mean": (N_("Mean lacking a place"), DEC),
    "returns": (N_("Returns in the year"), DEC),
}
"""The comparison's metrics: name (marked for the catalogs) and number format."""
