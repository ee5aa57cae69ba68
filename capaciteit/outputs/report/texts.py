"""The report's texts, in English, marked for the catalogs (``N_``).

One table per kind of text, keyed as the code and ``report.html.j2`` use them;
the Dutch (and any other language) is in ``capaciteit/outputs/locale``. This
module is longer than the others because it is only text: the sentences of a
page, kept together so a writer reads them as one.

Sentences with {placeholders} are trusted markup: the values put into them are
escaped (or are markup built here), so a scenario title cannot inject HTML.
"""

from __future__ import annotations

from capaciteit.outputs.i18n import N_, NC_, Text

REPORT: dict[str, Text] = {
    "report": N_("Capacity report"),
    "contents": N_("Contents"),
    "sec_question": N_("The question"),
    "sec_headline": N_("The answer"),
    "cautions": N_(
        "Read these results with care (the model's cautions; the command line warned of them too):"
    ),
    "sec_occupancy": N_("Occupancy against capacity"),
    "sec_shortage": N_("Shortage probability by month"),
    "sec_waiting": N_("Waiting list and responses"),
    "sec_reentry": N_("Coming back after release"),
    "reentry_intro": N_(
        "Released people may come back (re-entry, [reentry] in the scenario): a share of "
        "those a stream releases is admitted again later. Total admissions follow the data "
        "and the forecast; the returns are part of them. A re-integration programme lowers "
        "admissions by the returns it prevents. Means over the replications."
    ),
    "reentry_programmes": N_("Re-integration programmes in this scenario:"),
    "reentry_programme": N_(
        "{name}: from {start}{end}, the chance of coming back times {factor} for {share} of "
        "those released in that period"
    ),
    "reentry_until": N_(" to {end}"),
    "reentry_none": N_("This scenario has no re-integration programme."),
    "col_admissions": N_("admissions"),
    "col_first_admissions": N_("of which first"),
    "col_returns": N_("of which returns"),
    "col_return_share": N_("share returns"),
    "col_inside_share": N_("share of those in cells who came in as a return"),
    "sec_assumptions": N_("Assumptions and data sources"),
    "sec_backtest": N_("How well did the model forecast?"),
    "sec_glossary": N_("Glossary"),
    "question_intro": N_("The question this scenario answers:"),
    "no_title": N_("(the scenario has no title)"),
    "scenario": N_("Scenario"),
    "period": N_("Period"),
    "replications": N_("Replications"),
    "seed": N_("Seed"),
    "created": N_("Created"),
    "version": N_("capaciteit version"),
    "start_stock": NC_("report", "Start stock"),
    # the kinds of start stock (runner.start_stock): the data's, the file's, none
    "stock_observed": N_("observed"),
    "stock_given": N_("given in the scenario"),
    "stock_empty": N_("empty"),
    "period_value": N_("{start} to {end}"),
    "replications_note": N_(
        "Each replication is one possible future; the bands and probabilities in this report "
        "are the spread over the replications."
    ),
    "likely": N_("likely"),
    "possible": N_("possible"),
    "unlikely": N_("unlikely"),
    "verdict_likely": N_(
        "{pool}: a shortage is <strong>likely</strong> from {first_year}: the probability of "
        "at least one shortage day is {first_p} that year. It is highest in {peak_year} "
        "({peak_p})."
    ),
    "verdict_possible": N_(
        "{pool}: a shortage is <strong>possible</strong> from {first_year}: the probability "
        "of at least one shortage day is {first_p} that year: at least the accepted risk of "
        "{risk}, but below 50%. It is highest in {peak_year} ({peak_p})."
    ),
    "verdict_unlikely": N_(
        "{pool}: a shortage is <strong>unlikely</strong>: in no year is the probability of a "
        "shortage day {risk} or more. It is highest in {peak_year} ({peak_p})."
    ),
    "verdict_none": N_("No places are set, so a shortage cannot be computed."),
    "definition": N_(
        "The verdict is per pool: places that can take the same people (the closed regime, "
        "each special unit); the total counts every cell but is no place to put someone. A "
        "shortage day in a pool is a day on which demand is above the shortage threshold "
        "(the usable places less the margin needed to place people); demand is occupancy "
        "plus those who need a place there and lack one: on the waiting list, not called up "
        "(with those who would come back after them), in a police cell or released early. "
        "The probability of a shortage in a year is the share of replications with at least "
        "one shortage day in that year; verdicts count whole years only."
    ),
    "need_short": N_(
        "The year that needs the most places beyond its own usable places is {gap_year}. To "
        "keep the probability of a shortage day at or below {risk} it needs {needed} usable "
        "places (90% interval {needed_low} to {needed_high}): {gap} more than the {current} "
        "usable places of that year."
    ),
    "open_bound": N_(
        "'Open': with {n} replications no order statistic gives this bound of the 90% "
        "interval; {m} replications or more do."
    ),
    "reliability": N_(
        "How far to trust that figure: in the back-test (1 to 3 years ahead, {n} forecasts) "
        "{cov80} of the outcomes fell inside the 80% band and {cov50} inside the 50% band "
        "({word}); the places needed at {risk} risk read a tail of the same bands."
    ),
    "beyond_backtest": N_(
        "{year} is {k} years after the forecast origin ({origin}): beyond the 1 to 5 years "
        "the back-test scores."
    ),
    "need_spare": N_(
        "To keep the probability of a shortage day at or below {risk} in every year the "
        "usable places suffice. The tightest year is {gap_year}: it needs {needed} usable "
        "places (90% interval {needed_low} to {needed_high}), {gap} fewer than the {current} "
        "usable places of that year."
    ),
    "euros": N_(
        "The cost of all units is {euros} a year on average (whole years, {prices}): "
        "occupied places times the cost per day plus usable places times the cost per place."
    ),
    "prices": N_("{year} prices"),
    "no_prices": N_("price level not given"),
    "gap_euros": N_(
        "The {gap} places short in {pool} cost about {euros} a year, at {per_place} a year "
        "for each added place ({year} prices)."
    ),
    "year_table": N_(
        "Per year, for pool {pool}. P10, P50 and P90 are percentiles over replications of "
        "the year's mean occupancy; 'demand P50' is that of demand, everyone who would be "
        "inside without limits (a backlog called up later counts in the year it was due, so "
        "demand can be below occupancy); 'needed' is the usable places for a risk of {risk}; "
        "'places short' is needed less usable (negative: places to spare). A year in italics "
        "is partial: verdicts count whole years only, its costs are those of the days in the "
        "run."
    ),
    "col_demand": N_("demand P50"),
    "col_pool": N_("pool"),
    "col_verdict": N_("verdict"),
    "col_first": N_("from"),
    "col_first_p": N_("probability that year"),
    "col_short": N_("places short"),
    "col_short_year": N_("in"),
    "pools_table": N_(
        "The verdict per pool (at a planning risk of {risk}), the binding one first; places "
        "short: the year short of the most places."
    ),
    "col_year": N_("year"),
    "col_days": N_("days"),
    "col_capacity": N_("usable places"),
    "col_threshold": N_("shortage threshold"),
    "col_p_shortage": N_("shortage probability"),
    "col_needed": N_("needed"),
    "col_interval": N_("90% interval"),
    "col_gap": N_("places short"),
    "col_euros": N_("cost (EUR m)"),
    "col_pmj": N_("PMJ"),
    "col_gap_pmj": N_("P50 − PMJ"),
    "to": N_("to"),
    "occupancy_intro": N_(
        "The band is P10 to P90 of daily occupancy over the replications, the line the "
        "median (P50); against them the usable places and the shortage threshold{pmj}. All "
        "cells together first, then each unit with places."
    ),
    "pmj_note": N_(" and, as diamonds, the PMJ figure"),
    "pmj_title": N_("Beside the PMJ"),
    "pmj_intro": N_(
        "The PMJ (Prognosemodel Justitiële ketens, WODC) is the ministry's own capacity "
        "forecast. No edition's table of places could be read, only statements of growth: "
        "each path below is therefore DERIVED, the CBS stock of 30 September of its first "
        "year grown as the edition says; a published level is shown as published. The PMJ "
        "counts immigration detention, the CBS stock and capaciteit do not. capaciteit is "
        "the yearly mean occupancy of all cells here (P10-P90, P50) and the demand (P50: "
        "everyone who would be inside without limits); CBS counts on 30 September."
    ),
    "pmj_alt": N_(
        "Yearly mean occupancy of all cells by capaciteit (P10-P90, P50, demand P50) beside "
        "the paths of the PMJ editions and the CBS stock on 30 September."
    ),
    "pmj_sentence": N_(
        "PMJ {edition} ({published}, {status}): in {year} capaciteit's median is {p50}, the "
        "PMJ path {pmj} ({basis}); {comparison}."
    ),
    "pmj_higher": N_("capaciteit is {diff} ({pct}) higher"),
    "pmj_lower": N_("capaciteit is {diff} ({pct}) lower"),
    "pmj_equal": N_("capaciteit and the PMJ path are equal"),
    "pmj_growth": N_("DERIVED: {rate} a year from the CBS stock of {year}, {base}"),
    "pmj_change": N_("DERIVED: {rate} over {year}-{to_year} from the CBS stock of {year}, {base}"),
    "pmj_cbs": N_("the CBS stock itself, where the path starts"),
    "pmj_level": N_("published level, {status}"),
    "pmj_partial": N_(
        " {year} is only partly in the run; the run and the path share no whole year."
    ),
    "pmj_capped": N_(
        " In {year} the run's cells are full: without limits the median is {demand}, {diff} "
        "({pct}) {word} than the PMJ path."
    ),
    "pmj_word_higher": N_("higher"),
    "pmj_word_lower": N_("lower"),
    "pmj_immigration": N_(" The PMJ counts immigration detention, capaciteit does not."),
    "pmj_none": N_(
        "PMJ {edition} ({published}, {status}): no year in common with this run (its path "
        "runs from {first} to {last})."
    ),
    "pmj_table": N_(
        "By year: capaciteit (yearly mean occupancy of all cells, demand P50) beside the CBS "
        "stock of 30 September and the PMJ paths. An empty cell: that source says nothing "
        "about the year (nothing is filled in). Italics: a year only partly in the run."
    ),
    "pmj_sources": N_("Sources of the PMJ statements:"),
    "col_run": N_("capaciteit"),
    "col_cbs": N_("CBS 30 Sept."),
    "col_demand_p50": N_("demand P50"),
    "derived": N_("DERIVED"),
    "fan_alt": N_(
        "Fan chart of daily occupancy of {unit}: P10-P90 band and P50, against the usable "
        "places and the shortage threshold."
    ),
    "shortage_intro": N_(
        "The probability that a month has at least one shortage day, for all cells together "
        "and for each unit with places. The table gives the probability per year."
    ),
    "shortage_alt": N_("Probability of at least one shortage day per month, per unit."),
    "waiting_intro": N_(
        "Who waits for a place: self-reporters not yet called up, arrestees in police cells "
        "and queues for wings (all cells together). The band is P10 to P90 over the "
        "replications, the line P50."
    ),
    "waiting_peak": N_(
        "The waiting list (P50) is longest on {date}: {p50} people (P90 that day {p90}). The "
        "P90 itself is highest on {date90}: {max90}."
    ),
    "waiting_alt": N_("Waiting list per day: P10-P90 band and P50."),
    "responses_intro": N_(
        "Responses the system takes on days when the prisons are full. Per year: the mean "
        "number of days the response acted and the mean number of people it moved (over the "
        "replications)."
    ),
    "no_responses": N_("This scenario has no responses to a full prison."),
    "col_days_acted": N_("days acted"),
    "col_moved": N_("people moved"),
    "court_intro": N_(
        "The backlog of criminal cases at the courts from COVID-19; cases heard arrive as "
        "extra admissions."
    ),
    "court_cleared": N_("The backlog is cleared on {date}."),
    "court_zero": N_("The COVID-19 court backlog is zero throughout this period."),
    "court_alt": N_("Court backlog of criminal cases per day."),
    "assumptions_intro": N_(
        "Every figure in a scenario file carries a label: SOURCED (with its source), DERIVED "
        "(computed from sources), ASSUMPTION (with the reason) or HYPOTHETICAL (a premise of "
        "a what-if question). Assumptions and hypotheticals come first and are marked. The "
        "notes are quoted as written in the scenario file."
    ),
    "assumptions_counts": N_("{n} notes: {counts}."),
    "no_scenario_path": N_(
        "The assumptions are in the scenario file ({scenario}); pass its path to show them here."
    ),
    "no_notes": N_("The scenario file has no labelled notes."),
    "col_label": N_("label"),
    "col_file": N_("file"),
    "col_where": N_("where"),
    "col_text": N_("note"),
    "sources_intro": N_("The data shipped with the model, with their sources:"),
    "col_source": N_("source"),
    "col_figures": N_("figures"),
    "col_years": N_("years"),
    "backtest_intro": N_(
        "In the back-test the whole chain ran from earlier origins with only the data of "
        "their time, and was scored against the real 30-September stock 1 to 5 years ahead."
    ),
    "backtest_mape": N_("MAPE: the mean absolute error of the median, in percent."),
    "backtest_mase": N_(
        "MASE: the error divided by that of the naive forecast ('as now', a random walk); "
        "below 1 is better than naive."
    ),
    "backtest_cov": N_(
        "Coverage: the share of outcomes inside the 50% and 80% bands; about 50% and 80% for "
        "honest bands."
    ),
    "backtest_crps": N_(
        "CRPS: the error of the whole forecast distribution in persons (lower is better), "
        "beside that of simple forecasts from the stock at the origin: the random walk ('as "
        "now', as one number or with a log-normal spread from the yearly changes published "
        "by then) and the random walk with drift (the mean yearly change to then carried on, "
        "with a log-normal spread)."
    ),
    "backtest_summary": N_(
        "Over {horizon}: MASE {mase} ({mase_word}); the 80% band covers {cov80} of the "
        "outcomes ({cov_word}); CRPS {crps} against {crps_rw} for the random walk with a "
        "spread ({rw_word}) and {crps_drift} for the random walk with drift ({drift_word})."
    ),
    "backtest_summary_naive": N_(
        "Over {horizon}: MASE {mase} ({mase_word}); the 80% band covers {cov80} of the "
        "outcomes ({cov_word}); CRPS {crps} against {crps_naive} naive."
    ),
    "better": N_("better than naive"),
    "worse": N_("not better than naive"),
    "crps_better": N_("better"),
    "crps_worse": N_("not better"),
    "too_narrow": N_("the bands are too narrow"),
    "too_wide": N_("the bands are too wide"),
    "about_right": N_("about right"),
    "pmj_scored": N_(
        "The PMJ, scored on the same CBS stocks: per edition the years with a CBS stock from "
        "after its publication and the mean absolute error (DERIVED where the path is "
        "computed from a growth statement; the PMJ counts immigration detention)."
    ),
    "col_edition": N_("edition"),
    "col_published": N_("published"),
    "col_mape_pmj": N_("mean abs. error"),
    "col_basis": N_("basis"),
    "backtest_none": N_(
        "No back-test was given. Make one with <code>capaciteit backtest</code> (it writes "
        "<code>results/backtest/summary.csv</code> and <code>backtest.png</code>) and pass "
        "it to the report."
    ),
    "backtest_alt": N_(
        "Back-test: forecasts from earlier origins against the real 30-September stock."
    ),
    "col_horizon": N_("horizon"),
    "col_forecasts": N_("forecasts"),
    "col_cov50": N_("50% coverage"),
    "col_cov80": N_("80% coverage"),
    "col_crps_naive": N_("CRPS naive"),
    "col_crps_rw": N_("CRPS random walk"),
    "col_crps_drift": N_("CRPS with drift"),
    "yr": N_("yr"),
    "glossary_intro": N_("Dutch terms of art used in this report."),
    "footer": N_("Made with capaciteit {version}."),
    "partial": N_("partial year"),
}

# From docs/glossary.md, shortened; the terms stay Dutch in every language.
GLOSSARY: dict[str, str] = {
    "AIT": N_(
        "afdeling intensief toezicht: small wing for detainees who continue criminal "
        "activity from prison."
    ),
    "BBA": N_(
        "beperkt beveiligde afdeling: limited-security wing for the last phase of detention, "
        "with outside work by day; about 300 places under the Wet SenB."
    ),
    "code zwart": N_(
        "the state of March 2025: occupancy above 99.5%, arrestees held in police cells."
    ),
    "DJI": N_("Dienst Justitiële Inrichtingen, the custodial institutions agency."),
    "EBI": N_("extra beveiligde inrichting: the maximum-security prison in Vught (18 places)."),
    "HvB": N_("huis van bewaring: remand prison, for pre-trial detainees and short sentences."),
    "OM": N_(
        "Openbaar Ministerie, the public prosecution service; decides on v.i. since the Wet SenB."
    ),
    "Pbw": N_(
        "Penitentiaire beginselenwet, the prisons act; art. 15a allows up to ten days in a "
        "police cell when no prison place is free."
    ),
    "PI": N_("penitentiaire inrichting: a prison establishment."),
    "PMJ": N_(
        "Prognosemodel Justitiële ketens: WODC's forecasting model, whose forecasts of "
        "capacity need set DJI's budget."
    ),
    "PP": N_(
        "penitentiair programma: the last part of a sentence spent outside prison under "
        "supervision; not a cell."
    ),
    "SenB": N_(
        "Wet straffen en beschermen, in force 1 July 2021: v.i. at most two years and no "
        "longer automatic."
    ),
    "TA": N_("terroristenafdeling: wing for terrorist suspects and convicts (48 to 70 places)."),
    "terugkeer": N_(
        "a return (re-entry): an admission of someone released earlier; any other admission "
        "is a first admission."
    ),
    "v.i.": N_(
        "voorwaardelijke invrijheidstelling: conditional release before the end of a "
        "sentence of more than one year."
    ),
    "vervroegd heenzenden": N_(
        "releasing people days before their release date because the prisons are full."
    ),
    "WODC": N_("the research centre of the Ministry of Justice and Security, maker of the PMJ."),
    "zelfmelders": N_(
        "self-reporters: people convicted while free who are called up to serve their "
        "sentence; DJI controls the call-up list."
    ),
}

RESPONSE_KINDS: dict[str, str] = {
    "stop_callups": N_("self-reporters are not called up; 'people moved' counts those held back"),
    "early_release": N_("early release; 'people moved' counts those released early"),
    "police_cells": N_("arrestees stay in police cells; 'people moved' counts the arrestees"),
    "extra_places": N_(
        "extra places (two in a cell, rented); 'people moved' counts place-days: the places "
        "opened, summed over the days"
    ),
}
