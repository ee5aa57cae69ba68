"""The HTML report of a run: the question, the answer, and what it rests on.

One self-contained page (figures as embedded PNGs, CSS inline, no JavaScript,
no external files) that can be mailed, archived or opened offline. Dutch by
default, English on request; every number is formatted the way its reader
writes it (9.850; 5,0%; € 850 mln against 9,850; 5.0%; EUR 850m).

The numbers come from :func:`capaciteit.outputs.headline.headline` and the reductions of
:mod:`capaciteit.run.results`, so the report never disagrees with the workbook or
the notebooks. The comparison report shows the paired differences of
:func:`capaciteit.run.compare.paired`.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import xarray as xr
from markupsafe import Markup, escape

from capaciteit import __version__
from capaciteit.calibrate.backtest import reliability
from capaciteit.outputs import pmj
from capaciteit.outputs.capacity import replications_for_bounds
from capaciteit.outputs.figures import (
    court_chart,
    daily_quantiles,
    difference_chart,
    fan_chart,
    new_figure,
    pmj_chart,
    png_data_uri,
    shortage_chart,
    unit_label,
    waiting_chart,
)
from capaciteit.outputs.headline import OPEN, headline
from capaciteit.run.results import run_cautions, yearly_summary
from capaciteit.scenario.provenance import data_sources, scenario_notes

LANGS = ("nl", "en")
LABEL_ORDER = ("HYPOTHETICAL", "ASSUMPTION", "DERIVED", "SOURCED")
MINUS = "\u2212"
NBSP = "\u00a0"

MONTHS = {
    "nl": "januari februari maart april mei juni juli augustus september oktober november "
    "december".split(),
    "en": "January February March April May June July August September October November "
    "December".split(),
}

# Sentences with {placeholders} are trusted markup: the values put into them are
# escaped (or are markup built here), so a scenario title cannot inject HTML.
STRINGS: dict[str, dict[str, str]] = {
    "nl": {
        "report": "Capaciteitsrapport",
        "contents": "Inhoud",
        "sec_question": "De vraag",
        "sec_headline": "Het antwoord",
        "cautions": "Let op bij het lezen van deze uitkomsten (de waarschuwingen van het model, "
        "in het Engels; ze stonden ook op de opdrachtregel):",
        "sec_occupancy": "Bezetting tegen capaciteit",
        "sec_shortage": "Kans op een tekort per maand",
        "sec_waiting": "Wachtlijst en maatregelen",
        "sec_reentry": "Terugkeer na vrijlating",
        "reentry_intro": "Vrijgelaten mensen kunnen terugkomen (re-entry, [reentry] in het "
        "scenario): een deel van wie een stroom vrijlaat, wordt later opnieuw opgenomen. "
        "Het totaal aan opnames volgt de gegevens en de prognose; de terugkeerders zijn er "
        "een deel van. Een re-integratieprogramma verlaagt de opnames met de terugkeer die "
        "het voorkomt. Gemiddelden over de replicaties.",
        "reentry_programmes": "Re-integratieprogramma's in dit scenario:",
        "reentry_programme": "{name}: vanaf {start}{end}, terugkeerkans maal {factor} voor "
        "{share} van wie in die periode vrijkomt",
        "reentry_until": " tot {end}",
        "reentry_none": "Dit scenario heeft geen re-integratieprogramma.",
        "col_admissions": "opnames",
        "col_first_admissions": "waarvan eerste",
        "col_returns": "waarvan terugkeer",
        "col_return_share": "aandeel terugkeer",
        "col_inside_share": "aandeel in een cel dat terugkeerder is",
        "sec_assumptions": "Aannames en bronnen",
        "sec_backtest": "Hoe goed voorspelde het model?",
        "sec_glossary": "Begrippen",
        "question_intro": "De vraag die dit scenario beantwoordt:",
        "no_title": "(het scenario heeft geen titel)",
        "scenario": "Scenario",
        "period": "Periode",
        "replications": "Replicaties",
        "seed": "Seed",
        "created": "Gemaakt",
        "version": "Versie van capaciteit",
        "start_stock": "Beginbezetting",
        "period_value": "{start} tot en met {end}",
        "replications_note": "Elke replicatie is een mogelijke toekomst; de banden en kansen in "
        "dit rapport zijn de spreiding over de replicaties.",
        "likely": "waarschijnlijk",
        "possible": "mogelijk",
        "unlikely": "onwaarschijnlijk",
        "verdict_likely": "{pool}: een tekort is <strong>waarschijnlijk</strong> vanaf "
        "{first_year}: de kans op ten minste één tekortdag is dat jaar {first_p}. De kans is "
        "het hoogst in {peak_year} ({peak_p}).",
        "verdict_possible": "{pool}: een tekort is <strong>mogelijk</strong> vanaf "
        "{first_year}: de kans op ten minste één tekortdag is dat jaar {first_p}: ten minste het "
        "aanvaarde risico van {risk}, maar onder de 50%. De kans is het hoogst in {peak_year} "
        "({peak_p}).",
        "verdict_unlikely": "{pool}: een tekort is <strong>onwaarschijnlijk</strong>: in geen "
        "enkel jaar is de kans op een tekortdag {risk} of meer. De kans is het hoogst in "
        "{peak_year} ({peak_p}).",
        "verdict_none": "Er zijn geen plaatsen opgegeven, dus een tekort kan niet worden berekend.",
        "definition": "Het oordeel geldt per pool: plaatsen die dezelfde mensen kunnen opnemen "
        "(het gesloten regime, elke bijzondere afdeling); het totaal telt alle cellen maar is "
        "geen plek om iemand te plaatsen. Een tekortdag in een pool is een dag waarop de vraag "
        "boven de tekortgrens ligt (de bruikbare plaatsen min de marge die nodig is om mensen te "
        "kunnen plaatsen); de vraag is de bezetting plus wie er een plaats nodig heeft en die "
        "niet krijgt: op de wachtlijst, niet opgeroepen (met wie na hen terug zou komen), in een "
        "politiecel of eerder heengezonden. De kans op een tekort in een jaar is het deel van "
        "de replicaties met ten minste één tekortdag in dat jaar; het oordeel rekent alleen "
        "hele jaren.",
        "need_short": "Het jaar dat de meeste plaatsen boven de eigen bruikbare plaatsen nodig "
        "heeft is {gap_year}. Om de kans op een tekortdag daar op ten hoogste {risk} te houden "
        "zijn {needed} bruikbare plaatsen nodig (90%-interval {needed_low} tot {needed_high}): "
        "{gap} meer dan de {current} bruikbare plaatsen van dat jaar.",
        "open_bound": "'Open': met {n} replicaties geven de uitkomsten voor deze grens van het "
        "90%-interval geen rangorde-statistiek; vanaf {m} replicaties wel.",
        "reliability": "Hoe betrouwbaar die grens is: in de terugtoets (1 tot 3 jaar vooruit, "
        "{n} voorspellingen) viel {cov80} van de uitkomsten binnen de 80%-band en {cov50} "
        "binnen de 50%-band ({word}); de plaatsen bij {risk} risico lezen een staart van "
        "dezelfde banden.",
        "beyond_backtest": "{year} ligt {k} jaar na de prognosedatum ({origin}): verder dan "
        "de 1 tot 5 jaar die de terugtoets toetst.",
        "need_spare": "Om de kans op een tekortdag in elk jaar op ten hoogste {risk} te houden "
        "zijn de bruikbare plaatsen genoeg. Het krapst is {gap_year}: daar zijn {needed} "
        "bruikbare plaatsen nodig (90%-interval {needed_low} tot {needed_high}), {gap} minder "
        "dan de {current} bruikbare plaatsen van dat jaar.",
        "euros": "De kosten van alle eenheden zijn gemiddeld {euros} per jaar (volledige jaren, "
        "{prices}): bezette plaatsen maal de kosten per dag plus bruikbare plaatsen maal de "
        "kosten per plaats.",
        "prices": "prijzen van {year}",
        "no_prices": "prijspeil niet opgegeven",
        "gap_euros": "De {gap} plaatsen tekort in {pool} kosten ongeveer {euros} per jaar, tegen "
        "{per_place} per extra plaats per jaar (prijzen van {year}).",
        "year_table": "Per jaar, voor pool {pool}. P10, P50 en P90 zijn percentielen "
        "van de gemiddelde bezetting in het jaar over de replicaties; 'vraag P50' is dat van "
        "de vraag, iedereen die er zonder grenzen zou zitten (de opgeroepen achterstand van "
        "eerder telt in het jaar dat hij aan de beurt was, dus de vraag kan onder de "
        "bezetting liggen); 'nodig' is het aantal bruikbare plaatsen voor een risico van "
        "{risk}; 'plaatsen tekort' is nodig min bruikbaar (negatief: plaatsen over). Een "
        "cursief jaar is onvolledig: het oordeel telt alleen volledige jaren, de kosten zijn "
        "die van de dagen in de run.",
        "col_demand": "vraag P50",
        "col_pool": "pool",
        "col_verdict": "oordeel",
        "col_first": "vanaf",
        "col_first_p": "kans dat jaar",
        "col_short": "plaatsen tekort",
        "col_short_year": "in",
        "pools_table": "Het oordeel per pool (bij een planningsrisico van {risk}), de bindende "
        "eerst; plaatsen tekort: het jaar dat de meeste plaatsen tekort komt.",
        "col_year": "jaar",
        "col_days": "dagen",
        "col_capacity": "bruikbare plaatsen",
        "col_threshold": "tekortgrens",
        "col_p_shortage": "kans op tekort",
        "col_needed": "nodig",
        "col_interval": "90%-interval",
        "col_gap": "plaatsen tekort",
        "col_euros": "kosten (€ mln)",
        "col_pmj": "PMJ",
        "col_gap_pmj": "P50 − PMJ",
        "to": "tot",
        "occupancy_intro": "De band is P10 tot P90 van de bezetting per dag over de replicaties, "
        "de lijn de mediaan (P50); daartegen de bruikbare plaatsen en de tekortgrens{pmj}. "
        "Eerst alle cellen samen, dan elke eenheid met plaatsen.",
        "pmj_note": " en, als ruit, het PMJ-cijfer",
        "pmj_title": "Naast het PMJ",
        "pmj_intro": "Het PMJ (Prognosemodel Justitiële ketens, WODC) is de eigen "
        "capaciteitsraming van het ministerie. Van geen editie was een tabel met plaatsen te "
        "lezen, alleen uitspraken over de groei: elk pad hieronder is daarom AFGELEID "
        "(DERIVED), de CBS-stand van 30 september van het eerste jaar, gegroeid zoals de "
        "editie zegt; een gepubliceerd niveau staat er zoals het gepubliceerd is. Het PMJ "
        "telt vreemdelingenbewaring mee, de CBS-stand en capaciteit niet. capaciteit is hier "
        "de gemiddelde bezetting van alle cellen per jaar (P10-P90, P50) en de vraag (P50: "
        "wie er zonder grenzen zou zitten); het CBS telt op 30 september.",
        "pmj_alt": "De gemiddelde bezetting van alle cellen per jaar volgens capaciteit "
        "(P10-P90, P50, vraag P50) naast de paden van de PMJ-edities en de CBS-stand op "
        "30 september.",
        "pmj_sentence": "PMJ {edition} ({published}, {status}): in {year} is de mediaan van "
        "capaciteit {p50}, het PMJ-pad {pmj} ({basis}); {comparison}.",
        "pmj_higher": "capaciteit ligt {diff} ({pct}) hoger",
        "pmj_lower": "capaciteit ligt {diff} ({pct}) lager",
        "pmj_equal": "capaciteit en het PMJ-pad zijn gelijk",
        "pmj_growth": "AFGELEID: {rate} per jaar vanaf de CBS-stand van {year}, {base}",
        "pmj_change": "AFGELEID: {rate} over {year}-{to_year} vanaf de CBS-stand van {year}, "
        "{base}",
        "pmj_cbs": "de CBS-stand zelf, het beginpunt van het pad",
        "pmj_level": "gepubliceerd niveau, {status}",
        "pmj_partial": " {year} valt maar deels in de run; de run en het pad delen geen heel jaar.",
        "pmj_capped": " In {year} zijn de cellen in de run vol: zonder grenzen is de mediaan "
        "{demand}, {diff} ({pct}) {word} dan het PMJ-pad.",
        "pmj_word_higher": "hoger",
        "pmj_word_lower": "lager",
        "pmj_immigration": " Het PMJ telt vreemdelingenbewaring mee, capaciteit niet.",
        "pmj_none": "PMJ {edition} ({published}, {status}): geen jaar gemeen met deze run (het "
        "pad loopt van {first} tot {last}).",
        "pmj_table": "Per jaar: capaciteit (gemiddelde bezetting van alle cellen, vraag P50) "
        "naast de CBS-stand van 30 september en de PMJ-paden. Een leeg vak: die bron zegt "
        "niets over dat jaar (er is niets ingevuld). Cursief: een jaar dat maar deels in de "
        "run valt.",
        "pmj_sources": "Bronnen van de PMJ-uitspraken:",
        "col_run": "capaciteit",
        "col_cbs": "CBS 30 sept.",
        "col_demand_p50": "vraag P50",
        "derived": "AFGELEID",
        "fan_alt": "Waaierdiagram van de bezetting van {unit} per dag: P10-P90-band en P50, "
        "tegen de bruikbare plaatsen en de tekortgrens.",
        "shortage_intro": "De kans dat een maand ten minste één tekortdag heeft, voor alle cellen "
        "samen en per eenheid met plaatsen. De tabel geeft de kans per jaar.",
        "shortage_alt": "Kans op ten minste één tekortdag per maand, per eenheid.",
        "waiting_intro": "Wie wacht op een plaats: zelfmelders die nog niet zijn opgeroepen, "
        "arrestanten in een politiecel en wachtrijen voor afdelingen (alle cellen samen). De band "
        "is P10 tot P90 over de replicaties, de lijn P50.",
        "waiting_peak": "De wachtlijst (P50) is het langst op {date}: {p50} mensen (P90 die dag "
        "{p90}). De P90 zelf is het hoogst op {date90}: {max90}.",
        "waiting_alt": "Wachtlijst per dag: P10-P90-band en P50.",
        "responses_intro": "Maatregelen die het systeem neemt op dagen dat de gevangenissen vol "
        "zijn. Per jaar: het gemiddelde aantal dagen dat de maatregel werkte en het gemiddelde "
        "aantal mensen dat hij verplaatste (over de replicaties).",
        "no_responses": "Dit scenario heeft geen maatregelen voor een volle gevangenis.",
        "col_days_acted": "dagen actief",
        "col_moved": "verplaatst",
        "court_intro": "De achterstand van strafzaken bij de rechtbanken door COVID-19; zaken "
        "die worden behandeld komen als extra instroom binnen.",
        "court_cleared": "De achterstand is weggewerkt op {date}.",
        "court_zero": "De achterstand bij de rechtbanken door COVID-19 is in deze periode nul.",
        "court_alt": "Achterstand van strafzaken bij de rechtbanken per dag.",
        "assumptions_intro": "Elk cijfer in een scenariobestand draagt een label: SOURCED (met "
        "bron), DERIVED (berekend uit bronnen), ASSUMPTION (aanname, met de reden) of "
        "HYPOTHETICAL (een veronderstelling voor een wat-als-vraag). Aannames en "
        "veronderstellingen staan bovenaan en zijn gemarkeerd. De toelichtingen staan zoals ze in "
        "het scenariobestand zijn geschreven.",
        "assumptions_counts": "{n} toelichtingen: {counts}.",
        "no_scenario_path": "De aannames staan in het scenariobestand ({scenario}); geef het "
        "pad mee om ze hier te tonen.",
        "no_notes": "Het scenariobestand heeft geen gelabelde toelichtingen.",
        "col_label": "label",
        "col_file": "bestand",
        "col_where": "waar",
        "col_text": "toelichting",
        "sources_intro": "De gegevens die met het model worden meegeleverd, met hun bron:",
        "col_source": "bron",
        "col_figures": "cijfers",
        "col_years": "jaren",
        "backtest_intro": "In de terugtoets is de hele keten vanaf eerdere startjaren gedraaid "
        "met alleen de gegevens van dat moment, en vergeleken met de werkelijke bezetting op 30 "
        "september, 1 tot 5 jaar vooruit.",
        "backtest_mape": "MAPE: de gemiddelde absolute fout van de mediaan, in procenten.",
        "backtest_mase": "MASE: de fout gedeeld door die van de naïeve voorspelling ('zoals "
        "nu', een random walk); onder 1 is beter dan naïef.",
        "backtest_cov": "Dekking: het deel van de uitkomsten binnen de 50%- en 80%-band; bij "
        "goede banden ongeveer 50% en 80%.",
        "backtest_crps": "CRPS: de fout van de hele voorspelde verdeling in personen (lager is "
        "beter), naast die van eenvoudige voorspellingen vanaf de bezetting op het startmoment: "
        "de random walk ('zoals nu', als één getal of met een log-normale spreiding uit de "
        "jaarlijkse veranderingen tot dan) en de random walk met drift (de gemiddelde "
        "jaarlijkse verandering tot dan doorgetrokken, met een log-normale spreiding).",
        "backtest_summary": "Over {horizon}: MASE {mase} ({mase_word}); de 80%-band dekt "
        "{cov80} van de uitkomsten ({cov_word}); CRPS {crps} tegen {crps_rw} voor de random "
        "walk met spreiding ({rw_word}) en {crps_drift} voor de random walk met drift "
        "({drift_word}).",
        "backtest_summary_naive": "Over {horizon}: MASE {mase} ({mase_word}); de 80%-band dekt "
        "{cov80} van de uitkomsten ({cov_word}); CRPS {crps} tegen {crps_naive} naïef.",
        "better": "beter dan naïef",
        "worse": "niet beter dan naïef",
        "crps_better": "beter",
        "crps_worse": "niet beter",
        "too_narrow": "de banden zijn te smal",
        "too_wide": "de banden zijn te breed",
        "about_right": "ongeveer goed",
        "pmj_scored": "Het PMJ, getoetst op dezelfde CBS-standen: per editie de jaren met een "
        "CBS-stand van na de publicatie en de gemiddelde absolute fout (AFGELEID waar het pad "
        "uit een groei-uitspraak is berekend; het PMJ telt vreemdelingenbewaring mee).",
        "col_edition": "editie",
        "col_published": "gepubliceerd",
        "col_mape_pmj": "gem. abs. fout",
        "col_basis": "grondslag",
        "backtest_none": "Er is geen terugtoets meegegeven. Maak er een met "
        "<code>capaciteit backtest</code> (schrijft <code>results/backtest/summary.csv</code> "
        "en <code>backtest.png</code>) en geef die mee aan het rapport.",
        "backtest_alt": "Terugtoets: voorspellingen vanaf eerdere startjaren tegen de werkelijke "
        "bezetting op 30 september (de figuur van capaciteit backtest, met Engelse "
        "opschriften: 'from 2015' is de voorspelling vanaf 30 september 2015, 'CBS 30 Sept "
        "stock' de werkelijke bezetting).",
        "col_horizon": "horizon",
        "col_forecasts": "voorspellingen",
        "col_cov50": "dekking 50%",
        "col_cov80": "dekking 80%",
        "col_crps_naive": "CRPS naïef",
        "col_crps_rw": "CRPS random walk",
        "col_crps_drift": "CRPS met drift",
        "yr": "jaar",
        "glossary_intro": "Nederlandse vaktermen in dit rapport.",
        "footer": "Gemaakt met capaciteit {version}.",
        "partial": "onvolledig jaar",
    },
    "en": {
        "report": "Capacity report",
        "contents": "Contents",
        "sec_question": "The question",
        "sec_headline": "The answer",
        "cautions": "Read these results with care (the model's cautions, as the command "
        "line gave them):",
        "sec_occupancy": "Occupancy against capacity",
        "sec_shortage": "Shortage probability by month",
        "sec_waiting": "Waiting list and responses",
        "sec_reentry": "Coming back after release",
        "reentry_intro": "Released people may come back (re-entry, [reentry] in the "
        "scenario): a share of those a stream releases is admitted again later. Total "
        "admissions follow the data and the forecast; the returns are part of them. A "
        "re-integration programme lowers admissions by the returns it prevents. Means over "
        "the replications.",
        "reentry_programmes": "Re-integration programmes in this scenario:",
        "reentry_programme": "{name}: from {start}{end}, the chance of coming back times "
        "{factor} for {share} of those released in that period",
        "reentry_until": " to {end}",
        "reentry_none": "This scenario has no re-integration programme.",
        "col_admissions": "admissions",
        "col_first_admissions": "of which first",
        "col_returns": "of which returns",
        "col_return_share": "share returns",
        "col_inside_share": "share of those in cells who came in as a return",
        "sec_assumptions": "Assumptions and data sources",
        "sec_backtest": "How well did the model forecast?",
        "sec_glossary": "Glossary",
        "question_intro": "The question this scenario answers:",
        "no_title": "(the scenario has no title)",
        "scenario": "Scenario",
        "period": "Period",
        "replications": "Replications",
        "seed": "Seed",
        "created": "Created",
        "version": "capaciteit version",
        "start_stock": "Start stock",
        "period_value": "{start} to {end}",
        "replications_note": "Each replication is one possible future; the bands and "
        "probabilities in this report are the spread over the replications.",
        "likely": "likely",
        "possible": "possible",
        "unlikely": "unlikely",
        "verdict_likely": "{pool}: a shortage is <strong>likely</strong> from {first_year}: the "
        "probability of at least one shortage day is {first_p} that year. It is highest in "
        "{peak_year} ({peak_p}).",
        "verdict_possible": "{pool}: a shortage is <strong>possible</strong> from "
        "{first_year}: the probability of at least one shortage day is {first_p} that year: at "
        "least the accepted risk of {risk}, but below 50%. It is highest in {peak_year} "
        "({peak_p}).",
        "verdict_unlikely": "{pool}: a shortage is <strong>unlikely</strong>: in no year is the "
        "probability of a shortage day {risk} or more. It is highest in {peak_year} "
        "({peak_p}).",
        "verdict_none": "No places are set, so a shortage cannot be computed.",
        "definition": "The verdict is per pool: places that can take the same people (the "
        "closed regime, each special unit); the total counts every cell but is no place to put "
        "someone. A shortage day in a pool is a day on which demand is above the shortage "
        "threshold (the usable places less the margin needed to place people); demand is "
        "occupancy plus those who need a place there and lack one: on the waiting list, not "
        "called up (with those who would come back after them), in a police cell or released "
        "early. The probability of a shortage in a "
        "year is the share of replications with at least one shortage day in that year; "
        "verdicts count whole years only.",
        "need_short": "The year that needs the most places beyond its own usable places is "
        "{gap_year}. To keep the probability of a shortage day at or below {risk} it needs "
        "{needed} usable places (90% interval {needed_low} to {needed_high}): {gap} more than "
        "the {current} usable places of that year.",
        "open_bound": "'Open': with {n} replications no order statistic gives this bound of "
        "the 90% interval; {m} replications or more do.",
        "reliability": "How far to trust that figure: in the back-test (1 to 3 years ahead, "
        "{n} forecasts) {cov80} of the outcomes fell inside the 80% band and {cov50} inside "
        "the 50% band ({word}); the places needed at {risk} risk read a tail of the same "
        "bands.",
        "beyond_backtest": "{year} is {k} years after the forecast origin ({origin}): beyond "
        "the 1 to 5 years the back-test scores.",
        "need_spare": "To keep the probability of a shortage day at or below {risk} in every "
        "year the usable places suffice. The tightest year is {gap_year}: it needs {needed} "
        "usable places (90% interval {needed_low} to {needed_high}), {gap} fewer than the "
        "{current} usable places of that year.",
        "euros": "The cost of all units is {euros} a year on average (whole years, {prices}): "
        "occupied places times the cost per day plus usable places times the cost per place.",
        "prices": "{year} prices",
        "no_prices": "price level not given",
        "gap_euros": "The {gap} places short in {pool} cost about {euros} a year, at {per_place} "
        "a year for each added place ({year} prices).",
        "year_table": "Per year, for pool {pool}. P10, P50 and P90 are percentiles "
        "over replications of the year's mean occupancy; 'demand P50' is that of demand, "
        "everyone who would be inside without limits (a backlog called up later counts in "
        "the year it was due, so demand can be below occupancy); 'needed' is the usable "
        "places for a risk of {risk}; 'places short' is needed less usable (negative: places "
        "to spare). A year in italics is partial: verdicts count whole years only, its costs "
        "are those of the days in the run.",
        "col_demand": "demand P50",
        "col_pool": "pool",
        "col_verdict": "verdict",
        "col_first": "from",
        "col_first_p": "probability that year",
        "col_short": "places short",
        "col_short_year": "in",
        "pools_table": "The verdict per pool (at a planning risk of {risk}), the binding one "
        "first; places short: the year short of the most places.",
        "col_year": "year",
        "col_days": "days",
        "col_capacity": "usable places",
        "col_threshold": "shortage threshold",
        "col_p_shortage": "shortage probability",
        "col_needed": "needed",
        "col_interval": "90% interval",
        "col_gap": "places short",
        "col_euros": "cost (EUR m)",
        "col_pmj": "PMJ",
        "col_gap_pmj": "P50 − PMJ",
        "to": "to",
        "occupancy_intro": "The band is P10 to P90 of daily occupancy over the replications, "
        "the line the median (P50); against them the usable places and the shortage "
        "threshold{pmj}. All cells together first, then each unit with places.",
        "pmj_note": " and, as diamonds, the PMJ figure",
        "pmj_title": "Beside the PMJ",
        "pmj_intro": "The PMJ (Prognosemodel Justitiële ketens, WODC) is the ministry's own "
        "capacity forecast. No edition's table of places could be read, only statements of "
        "growth: each path below is therefore DERIVED, the CBS stock of 30 September of its "
        "first year grown as the edition says; a published level is shown as published. The "
        "PMJ counts immigration detention, the CBS stock and capaciteit do not. capaciteit is "
        "the yearly mean occupancy of all cells here (P10-P90, P50) and the demand (P50: "
        "everyone who would be inside without limits); CBS counts on 30 September.",
        "pmj_alt": "Yearly mean occupancy of all cells by capaciteit (P10-P90, P50, demand "
        "P50) beside the paths of the PMJ editions and the CBS stock on 30 September.",
        "pmj_sentence": "PMJ {edition} ({published}, {status}): in {year} capaciteit's median "
        "is {p50}, the PMJ path {pmj} ({basis}); {comparison}.",
        "pmj_higher": "capaciteit is {diff} ({pct}) higher",
        "pmj_lower": "capaciteit is {diff} ({pct}) lower",
        "pmj_equal": "capaciteit and the PMJ path are equal",
        "pmj_growth": "DERIVED: {rate} a year from the CBS stock of {year}, {base}",
        "pmj_change": "DERIVED: {rate} over {year}-{to_year} from the CBS stock of {year}, {base}",
        "pmj_cbs": "the CBS stock itself, where the path starts",
        "pmj_level": "published level, {status}",
        "pmj_partial": " {year} is only partly in the run; the run and the path share no whole "
        "year.",
        "pmj_capped": " In {year} the run's cells are full: without limits the median is "
        "{demand}, {diff} ({pct}) {word} than the PMJ path.",
        "pmj_word_higher": "higher",
        "pmj_word_lower": "lower",
        "pmj_immigration": " The PMJ counts immigration detention, capaciteit does not.",
        "pmj_none": "PMJ {edition} ({published}, {status}): no year in common with this run "
        "(its path runs from {first} to {last}).",
        "pmj_table": "By year: capaciteit (yearly mean occupancy of all cells, demand P50) "
        "beside the CBS stock of 30 September and the PMJ paths. An empty cell: that source "
        "says nothing about the year (nothing is filled in). Italics: a year only partly in "
        "the run.",
        "pmj_sources": "Sources of the PMJ statements:",
        "col_run": "capaciteit",
        "col_cbs": "CBS 30 Sept.",
        "col_demand_p50": "demand P50",
        "derived": "DERIVED",
        "fan_alt": "Fan chart of daily occupancy of {unit}: P10-P90 band and P50, against the "
        "usable places and the shortage threshold.",
        "shortage_intro": "The probability that a month has at least one shortage day, for all "
        "cells together and for each unit with places. The table gives the probability per "
        "year.",
        "shortage_alt": "Probability of at least one shortage day per month, per unit.",
        "waiting_intro": "Who waits for a place: self-reporters not yet called up, arrestees in "
        "police cells and queues for wings (all cells together). The band is P10 to P90 over "
        "the replications, the line P50.",
        "waiting_peak": "The waiting list (P50) is longest on {date}: {p50} people (P90 that "
        "day {p90}). The P90 itself is highest on {date90}: {max90}.",
        "waiting_alt": "Waiting list per day: P10-P90 band and P50.",
        "responses_intro": "Responses the system takes on days when the prisons are full. Per "
        "year: the mean number of days the response acted and the mean number of people it "
        "moved (over the replications).",
        "no_responses": "This scenario has no responses to a full prison.",
        "col_days_acted": "days acted",
        "col_moved": "people moved",
        "court_intro": "The backlog of criminal cases at the courts from COVID-19; cases heard "
        "arrive as extra admissions.",
        "court_cleared": "The backlog is cleared on {date}.",
        "court_zero": "The COVID-19 court backlog is zero throughout this period.",
        "court_alt": "Court backlog of criminal cases per day.",
        "assumptions_intro": "Every figure in a scenario file carries a label: SOURCED (with its "
        "source), DERIVED (computed from sources), ASSUMPTION (with the reason) or HYPOTHETICAL "
        "(a premise of a what-if question). Assumptions and hypotheticals come first and are "
        "marked. The notes are quoted as written in the scenario file.",
        "assumptions_counts": "{n} notes: {counts}.",
        "no_scenario_path": "The assumptions are in the scenario file ({scenario}); pass its "
        "path to show them here.",
        "no_notes": "The scenario file has no labelled notes.",
        "col_label": "label",
        "col_file": "file",
        "col_where": "where",
        "col_text": "note",
        "sources_intro": "The data shipped with the model, with their sources:",
        "col_source": "source",
        "col_figures": "figures",
        "col_years": "years",
        "backtest_intro": "In the back-test the whole chain ran from earlier origins with only "
        "the data of their time, and was scored against the real 30-September stock 1 to 5 "
        "years ahead.",
        "backtest_mape": "MAPE: the mean absolute error of the median, in percent.",
        "backtest_mase": "MASE: the error divided by that of the naive forecast ('as now', a "
        "random walk); below 1 is better than naive.",
        "backtest_cov": "Coverage: the share of outcomes inside the 50% and 80% bands; about "
        "50% and 80% for honest bands.",
        "backtest_crps": "CRPS: the error of the whole forecast distribution in persons (lower "
        "is better), beside that of simple forecasts from the stock at the origin: the random "
        "walk ('as now', as one number or with a log-normal spread from the yearly changes "
        "published by then) and the random walk with drift (the mean yearly change to then "
        "carried on, with a log-normal spread).",
        "backtest_summary": "Over {horizon}: MASE {mase} ({mase_word}); the 80% band covers "
        "{cov80} of the outcomes ({cov_word}); CRPS {crps} against {crps_rw} for the random "
        "walk with a spread ({rw_word}) and {crps_drift} for the random walk with drift "
        "({drift_word}).",
        "backtest_summary_naive": "Over {horizon}: MASE {mase} ({mase_word}); the 80% band "
        "covers {cov80} of the outcomes ({cov_word}); CRPS {crps} against {crps_naive} naive.",
        "better": "better than naive",
        "worse": "not better than naive",
        "crps_better": "better",
        "crps_worse": "not better",
        "too_narrow": "the bands are too narrow",
        "too_wide": "the bands are too wide",
        "about_right": "about right",
        "pmj_scored": "The PMJ, scored on the same CBS stocks: per edition the years with a CBS "
        "stock from after its publication and the mean absolute error (DERIVED where the path "
        "is computed from a growth statement; the PMJ counts immigration detention).",
        "col_edition": "edition",
        "col_published": "published",
        "col_mape_pmj": "mean abs. error",
        "col_basis": "basis",
        "backtest_none": "No back-test was given. Make one with <code>capaciteit backtest</code> "
        "(it writes <code>results/backtest/summary.csv</code> and <code>backtest.png</code>) "
        "and pass it to the report.",
        "backtest_alt": "Back-test: forecasts from earlier origins against the real "
        "30-September stock.",
        "col_horizon": "horizon",
        "col_forecasts": "forecasts",
        "col_cov50": "50% coverage",
        "col_cov80": "80% coverage",
        "col_crps_naive": "CRPS naive",
        "col_crps_rw": "CRPS random walk",
        "col_crps_drift": "CRPS with drift",
        "yr": "yr",
        "glossary_intro": "Dutch terms of art used in this report.",
        "footer": "Made with capaciteit {version}.",
        "partial": "partial year",
    },
}

# From docs/glossary.md, shortened; the terms stay Dutch in both languages.
GLOSSARY: dict[str, dict[str, str]] = {
    "nl": {
        "AIT": "afdeling intensief toezicht: kleine afdeling voor gedetineerden die vanuit de "
        "gevangenis criminele activiteiten voortzetten.",
        "BBA": "beperkt beveiligde afdeling: de laatste fase van de detentie, overdag werk "
        "buiten; onder de Wet SenB ongeveer 300 plaatsen.",
        "code zwart": "de toestand van maart 2025: bezetting boven 99,5%, arrestanten bleven in "
        "politiecellen.",
        "DJI": "Dienst Justitiële Inrichtingen.",
        "EBI": "extra beveiligde inrichting in Vught (18 plaatsen).",
        "HvB": "huis van bewaring: voor voorlopig gehechten en korte straffen.",
        "OM": "Openbaar Ministerie; beslist sinds de Wet SenB over de v.i.",
        "Pbw": "Penitentiaire beginselenwet; art. 15a laat iemand tot tien dagen in een "
        "politiecel als er geen plaats is.",
        "PI": "penitentiaire inrichting.",
        "PMJ": "Prognosemodel Justitiële ketens van het WODC; zijn prognoses van de "
        "capaciteitsbehoefte bepalen het budget van DJI.",
        "PP": "penitentiair programma: het laatste deel van de straf buiten de gevangenis onder "
        "toezicht; geen cel.",
        "SenB": "Wet straffen en beschermen, sinds 1 juli 2021: de v.i. is ten hoogste twee jaar "
        "en niet meer automatisch.",
        "TA": "terroristenafdeling (van 48 naar 70 plaatsen).",
        "terugkeer": "een opname van iemand die eerder is vrijgelaten (re-entry); elke andere "
        "opname is een eerste opname.",
        "v.i.": "voorwaardelijke invrijheidstelling: voorwaardelijk vrij voor het einde van een "
        "straf van meer dan een jaar.",
        "vervroegd heenzenden": "dagen vóór de einddatum vrijlaten omdat de gevangenissen vol "
        "zijn.",
        "WODC": "het onderzoekscentrum van het ministerie van Justitie en Veiligheid, maker van "
        "het PMJ.",
        "zelfmelders": "veroordeelden die in vrijheid op hun oproep wachten om hun straf uit te "
        "zitten; DJI beheert de oproeplijst.",
    },
    "en": {
        "AIT": "afdeling intensief toezicht: small wing for detainees who continue criminal "
        "activity from prison.",
        "BBA": "beperkt beveiligde afdeling: limited-security wing for the last phase of "
        "detention, with outside work by day; about 300 places under the Wet SenB.",
        "code zwart": "the state of March 2025: occupancy above 99.5%, arrestees held in police "
        "cells.",
        "DJI": "Dienst Justitiële Inrichtingen, the custodial institutions agency.",
        "EBI": "extra beveiligde inrichting: the maximum-security prison in Vught (18 places).",
        "HvB": "huis van bewaring: remand prison, for pre-trial detainees and short sentences.",
        "OM": "Openbaar Ministerie, the public prosecution service; decides on v.i. since the Wet "
        "SenB.",
        "Pbw": "Penitentiaire beginselenwet, the prisons act; art. 15a allows up to ten days in a "
        "police cell when no prison place is free.",
        "PI": "penitentiaire inrichting: a prison establishment.",
        "PMJ": "Prognosemodel Justitiële ketens: WODC's forecasting model, whose forecasts of "
        "capacity need set DJI's budget.",
        "PP": "penitentiair programma: the last part of a sentence spent outside prison under "
        "supervision; not a cell.",
        "SenB": "Wet straffen en beschermen, in force 1 July 2021: v.i. at most two years and no "
        "longer automatic.",
        "TA": "terroristenafdeling: wing for terrorist suspects and convicts (48 to 70 places).",
        "terugkeer": "a return (re-entry): an admission of someone released earlier; any other "
        "admission is a first admission.",
        "v.i.": "voorwaardelijke invrijheidstelling: conditional release before the end of a "
        "sentence of more than one year.",
        "vervroegd heenzenden": "releasing people days before their release date because the "
        "prisons are full.",
        "WODC": "the research centre of the Ministry of Justice and Security, maker of the PMJ.",
        "zelfmelders": "self-reporters: people convicted while free who are called up to serve "
        "their sentence; DJI controls the call-up list.",
    },
}

RESPONSE_KINDS = {
    "nl": {
        "stop_callups": "zelfmelders worden niet opgeroepen; 'verplaatst' is het aantal dat "
        "thuis bleef",
        "early_release": "vervroegd heenzenden; 'verplaatst' is het aantal dat eerder vrijkwam",
        "police_cells": "arrestanten blijven in een politiecel; 'verplaatst' is het aantal "
        "arrestanten",
        "extra_places": "extra plaatsen (twee in een cel, huur); 'verplaatst' is het aantal "
        "plaatsdagen: de geopende plaatsen opgeteld over de dagen",
    },
    "en": {
        "stop_callups": "self-reporters are not called up; 'people moved' counts those held back",
        "early_release": "early release; 'people moved' counts those released early",
        "police_cells": "arrestees stay in police cells; 'people moved' counts the arrestees",
        "extra_places": "extra places (two in a cell, rented); 'people moved' counts "
        "place-days: the places opened, summed over the days",
    },
}

COMPARE_STRINGS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Vergelijking van scenario's",
        "contents": "Inhoud",
        "intro": "Gepaarde verschillen van elk alternatief tegen de basis {base}: {n} "
        "replicaties met seed {seed}. Replicatie r van elk scenario gebruikt dezelfde "
        "toevalsgetallen waar de scenario's gelijk zijn, dus het verschil wordt per replicatie "
        "genomen en het 95%-interval is dat van het gemiddelde verschil.",
        "vs": "{alt} tegen {base}",
        "table_intro": "Alle cellen samen (totaal, een telling), per jaar: gemiddelde bezetting "
        "(personen) en kosten van alle eenheden (€ mln, {prices}), basis → alternatief, en het "
        "verschil (alternatief − basis) met zijn 95%-interval. Of er een tekort is, staat per "
        "pool in de tabel daaronder: vrije plaatsen in de ene pool kunnen geen tekort in een "
        "andere opvangen. Een cursief jaar is onvolledig.",
        "prices": "prijspeil {year}",
        "no_prices": "prijspeil niet opgegeven",
        "question": "Vraag",
        "occupancy_mean_diff": "verschil bezetting (95%-interval)",
        "euros_diff": "verschil kosten (95%-interval)",
        "col_year": "jaar",
        "base": "basis",
        "alternative": "alternatief",
        "difference": "verschil",
        "interval": "95%-interval",
        "occupancy_mean": "bezetting",
        "shortage": "kans op tekort",
        "euros": "kosten (€ mln)",
        "alt": "Gepaarde verschillen van {alt} tegen {base} per jaar met 95%-intervallen: "
        "bezetting en kosten van alles samen, en de kans op een tekort in de pool die het "
        "meest bindt ({pool}).",
        "to": "tot",
        "pools_intro": "Per pool (plaatsen die dezelfde mensen kunnen opnemen), per jaar: de "
        "kans op een tekortdag, basis → alternatief (verschil in procentpunten). Een cursief "
        "jaar is onvolledig.",
        "partial": "onvolledig",
        "counts_intro": "Alle eenheden samen, per jaar, verschil (alternatief − basis) met "
        "95%-interval: de gemiddelde wachtlijst thuis, wie een plaats nodig heeft en die mist, "
        "en (met [reentry] in beide) het aantal opnames dat terugkeer is. Een cursief jaar is "
        "onvolledig.",
        "waiting_mean": "wachtlijst (gemiddeld)",
        "unplaced_mean": "zonder plaats (gemiddeld)",
        "returns": "terugkeer (opnames)",
        "footer": "Gemaakt met capaciteit {version}.",
    },
    "en": {
        "title": "Scenario comparison",
        "contents": "Contents",
        "intro": "Paired differences of each alternative against the base {base}: {n} "
        "replications with seed {seed}. Replication r of every scenario uses the same random "
        "numbers wherever the scenarios agree, so the difference is taken replication by "
        "replication and the 95% interval is that of the mean difference.",
        "vs": "{alt} against {base}",
        "table_intro": "All cells together (total, a count), per year: mean occupancy "
        "(persons) and the cost of all units (EUR m, {prices}), base → alternative, and the "
        "difference (alternative − base) with its 95% interval. Whether there is a shortage is "
        "in the table below, per pool: free places in one pool cannot take up a shortage in "
        "another. A year in italics is partial.",
        "prices": "{year} prices",
        "no_prices": "price level not given",
        "question": "Question",
        "occupancy_mean_diff": "occupancy difference (95% interval)",
        "euros_diff": "cost difference (95% interval)",
        "col_year": "year",
        "base": "base",
        "alternative": "alternative",
        "difference": "difference",
        "interval": "95% interval",
        "occupancy_mean": "occupancy",
        "shortage": "shortage probability",
        "euros": "cost (EUR m)",
        "alt": "Paired differences of {alt} against {base} per year with 95% intervals: "
        "occupancy and cost of everything together, and the shortage probability in the pool "
        "that binds most ({pool}).",
        "to": "to",
        "pools_intro": "Per pool (places that can take the same people), per year: the "
        "probability of a shortage day, base → alternative (difference in percentage points). "
        "A year in italics is partial.",
        "partial": "partial",
        "counts_intro": "All units together, per year, the difference (alternative − base) "
        "with its 95% interval: the mean waiting list at home, those who need a place and "
        "lack one, and (with [reentry] in both) the admissions that are returns. A year in "
        "italics is partial.",
        "waiting_mean": "waiting list (mean)",
        "unplaced_mean": "lacking a place (mean)",
        "returns": "returns (admissions)",
        "footer": "Made with capaciteit {version}.",
    },
}


# --------------------------------------------------------------------------- formatting


def _finite(x: object) -> bool:
    try:
        return x is not None and math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt_bound(x: object, lang: str) -> str:
    """A bound of an interval, or 'open' where the replications are too few for one."""
    return fmt_num(x, lang) if _finite(x) else OPEN[lang == "en"]


def fmt_num(x: object, lang: str, digits: int = 0, sign: bool = False) -> str:
    """A number the reader's way: 9.850 and 2,5 in Dutch, 9,850 and 2.5 in English;
    a true minus sign; "–" for a missing value."""
    if not _finite(x):
        return "–"
    v = round(float(x), digits)  # type: ignore[arg-type]
    if v == 0:
        v = 0.0  # no "-0"
    s = f"{abs(v):,.{digits}f}"
    if lang == "nl":
        s = s.replace(",", "_").replace(".", ",").replace("_", ".")
    if v < 0:
        s = MINUS + s
    elif sign and v > 0:
        s = "+" + s
    return s


def fmt_pct(p: object, lang: str, digits: int = 1) -> str:
    """A probability as a percentage: 5,0% (nl), 5.0% (en)."""
    return fmt_num(float(p) * 100, lang, digits) + "%" if _finite(p) else "–"  # type: ignore[arg-type]


def fmt_eur(x: object, lang: str) -> str:
    """Euros in millions: € 850 mln (nl), EUR 850m (en); a decimal below 100 million."""
    if not _finite(x):
        return "–"
    m = float(x) / 1e6  # type: ignore[arg-type]
    s = fmt_num(m, lang, 0 if abs(m) >= 100 else 1)
    return f"€{NBSP}{s}{NBSP}mln" if lang == "nl" else f"EUR{NBSP}{s}m"


def fmt_date(d: dt.date | np.datetime64 | str, lang: str) -> str:
    """1 juli 2021 (nl), 1 July 2021 (en)."""
    d = pd.Timestamp(d).date()
    return f"{d.day} {MONTHS[lang][d.month - 1]} {d.year}"


def slug(name: str) -> str:
    """An id-safe form of a unit or scenario name."""
    return re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-") or "x"


# --------------------------------------------------------------------------- page parts


@dataclasses.dataclass
class Cell:
    text: str
    cls: str = ""
    href: str | None = None
    colspan: int = 1


@dataclasses.dataclass
class Table:
    id: str
    header: list[list[Cell]]
    rows: list[list[Cell]]
    row_classes: list[str] = dataclasses.field(default_factory=list)
    caption: str = ""
    css: str = ""


@dataclasses.dataclass
class Fig:
    id: str
    src: str
    alt: str
    caption: str = ""


def _num(text: str) -> Cell:
    return Cell(text, "num")


def _head(*names: str) -> list[list[Cell]]:
    return [[Cell(n) for n in names]]


def _figure(ax, fig_id: str, alt: str, caption: str = "") -> Fig:
    return Fig(fig_id, png_data_uri(ax.figure), alt, caption)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("capaciteit.outputs", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _say(template: str, **values: object) -> Markup:
    """A trusted sentence with its values escaped (markup values kept)."""
    return Markup(template).format(**values)


def _span(id_: str, text: str) -> Markup:
    return Markup('<span class="fig" id="{}">{}</span>').format(id_, text)


def _units_with_places(ds: xr.Dataset) -> list[str]:
    """``total`` first, then each unit that has places and is ever occupied."""
    out = []
    for u in (str(u) for u in ds["unit"].values):
        if u == "total" or not ds["capacity"].sel(unit=u).notnull().any():
            continue
        if int(ds["occupancy"].sel(unit=u).max()) <= 0:
            continue
        out.append(u)
    return ["total", *out] if "total" in ds["unit"].values else out


def _headline_section(ds: xr.Dataset, lang: str, risk: float) -> dict:
    t = STRINGS[lang]
    h = headline(ds, risk=risk)
    pct = fmt_pct(risk, lang)
    if h.peak_year is None:
        verdict = _say(t["verdict_none"])
    else:
        values = {
            "risk": _span("h-risk", pct),
            "peak_year": _span("h-peak-year", str(h.peak_year)),
            "peak_p": _span("h-peak-p", fmt_pct(h.peak_p, lang)),
        }
        if h.verdict != "unlikely":
            values["first_year"] = _span("h-first-year", str(h.first_year))
            values["first_p"] = _span("h-first-p", fmt_pct(h.first_p, lang))
        values["pool"] = _span("h-pool", h.unit)
        verdict = _say(t[f"verdict_{h.verdict}"], **values)
    need = None
    if h.gap is not None and h.needed is not None:
        key = "need_short" if h.gap > 0 else "need_spare"
        need = _say(
            t[key],
            gap_year=_span("h-gap-year", str(h.gap_year)),
            risk=pct,
            needed=_span("h-needed", fmt_num(h.needed, lang)),
            needed_low=_span("h-needed-low", fmt_bound(h.needed_low, lang)),
            needed_high=_span("h-needed-high", fmt_bound(h.needed_high, lang)),
            gap=_span("h-gap", fmt_num(abs(h.gap), lang)),
            current=_span("h-current", fmt_num(h.needed - h.gap, lang)),
        )
        if h.needed_low is None or h.needed_high is None:
            more = replications_for_bounds(1 - h.risk)
            open_text = t["open_bound"].format(n=fmt_num(h.replications, lang), m=more)
            need = Markup(f"{need} {escape(open_text)}")
    euros = None
    if h.euros_per_year is not None:
        prices = (
            t["prices"].format(year=h.price_level) if h.price_level is not None else t["no_prices"]
        )
        euros = _say(
            t["euros"], euros=_span("h-euros", fmt_eur(h.euros_per_year, lang)), prices=prices
        )
    if h.gap_euros_per_year is not None:
        per_place = h.gap_euros_per_year / h.gap
        gap_euros = _say(
            t["gap_euros"],
            gap=fmt_num(h.gap, lang),
            pool=h.unit,
            euros=_span("h-gap-euros", fmt_eur(h.gap_euros_per_year, lang)),
            per_place=(f"€{NBSP}" if lang == "nl" else f"EUR{NBSP}") + fmt_num(per_place, lang),
            year=h.added_place_price_level,
        )
        euros = gap_euros if euros is None else Markup(f"{euros} {gap_euros}")

    tab = h.table
    has_pmj = bool(tab["pmj"].notna().any())
    cols = [
        t["col_year"],
        t["col_days"],
        "P10",
        "P50",
        "P90",
        t["col_demand"],
        t["col_capacity"],
        t["col_threshold"],
        t["col_p_shortage"],
        t["col_needed"],
        t["col_interval"],
        t["col_gap"],
        t["col_euros"],
    ]
    if has_pmj:
        cols += [t["col_pmj"], t["col_gap_pmj"]]
    rows, classes = [], []
    for year, r in tab.iterrows():
        row = [
            Cell(str(year)),
            _num(str(int(r["days"]))),
            _num(fmt_num(r["occupancy_p10"], lang)),
            _num(fmt_num(r["occupancy_p50"], lang)),
            _num(fmt_num(r["occupancy_p90"], lang)),
            _num(fmt_num(r["demand_p50"], lang)),
            _num(fmt_num(r["capacity"], lang)),
            _num(fmt_num(r["threshold"], lang)),
            _num(fmt_pct(r["p_shortage"], lang)),
            _num(fmt_num(r["needed"], lang)),
            _num(f"{fmt_bound(r['needed_low'], lang)}–{fmt_bound(r['needed_high'], lang)}"),
            _num(fmt_num(r["gap"], lang, sign=True)),
            _num(fmt_num(r["euros_mean"] / 1e6, lang, 1)),
        ]
        if has_pmj:
            row += [
                _num(fmt_num(r["pmj"], lang)),
                _num(fmt_num(r["gap_pmj"], lang, sign=True)),
            ]
        rows.append(row)
        classes.append("partial" if r["days"] < 365 else "")
    caption = _say(t["year_table"], risk=pct, pool=h.unit)
    table = Table("table-years", _head(*cols), rows, classes, caption)
    pool_rows = [
        [
            Cell(d["pool"]),
            Cell(t[d["verdict"]]),
            _num(str(d["first_year"]) if d["first_year"] is not None else "–"),
            _num(fmt_pct(d["first_p"], lang) if d["first_p"] is not None else "–"),
            _num(fmt_num(d["gap"], lang) if d["gap"] is not None and d["gap"] > 0 else "–"),
            _num(str(d["gap_year"]) if d["gap"] is not None and d["gap"] > 0 else "–"),
        ]
        for d in h.pools
    ]
    pools_table = Table(
        "table-pools",
        _head(
            t["col_pool"],
            t["col_verdict"],
            t["col_first"],
            t["col_first_p"],
            t["col_short"],
            t["col_short_year"],
        ),
        pool_rows,
        [d["verdict"] for d in h.pools],
        _say(t["pools_table"], risk=pct),
    )
    return {
        "h": h,
        "pools": pools_table if pool_rows else None,
        "verdict": verdict,
        "verdict_class": h.verdict,
        "verdict_word": t[h.verdict],
        "need": need,
        "euros": euros,
        "table": table,
        "has_pmj": has_pmj,
    }


def _shortage_section(ds: xr.Dataset, lang: str, units: list[str]) -> dict:
    t = STRINGS[lang]
    units = [u for u in units if ds["threshold"].sel(unit=u).notnull().any()]
    if not units:
        return {"figure": None, "table": None}
    monthly = ds.cap.shortage_probability("month")
    ax = shortage_chart(ds, units, lang=lang, monthly=monthly)
    fig = _figure(ax, "fig-shortage", t["shortage_alt"])
    ys = yearly_summary(ds)
    p = ys.pivot_table(index="year", columns="unit", values="p_shortage", observed=False)
    rows = [[Cell(str(y)), *[_num(fmt_pct(p.loc[y, u], lang)) for u in units]] for y in p.index]
    head = _head(t["col_year"], *[unit_label(u, lang) for u in units])
    return {"figure": fig, "table": Table("table-shortage", head, rows)}


def fmt_published(published: dt.date | str, lang: str) -> str:
    """A publication date as precise as it is known: 17 juni 2021, mei 2017, 2022."""
    if isinstance(published, dt.date):
        return fmt_date(published, lang)
    if len(published) == 7:
        return f"{MONTHS[lang][int(published[5:7]) - 1]} {published[:4]}"
    return published


def _pmj_basis(d: pmj.Difference, lang: str) -> str:
    """What the PMJ value compared rests on: a growth statement on a CBS stock
    (DERIVED), the CBS stock itself, or a level the edition published."""
    t, e = STRINGS[lang], d.edition
    if d.basis == pmj.CBS:
        return t["pmj_cbs"]
    if not pmj.is_derived(e):
        return t["pmj_level"].format(status=e.status)
    base = fmt_num(pmj.path(e)[0].value, lang)
    if e.growth_per_year is not None:
        rate = fmt_num(e.growth_per_year * 100, lang, 1, sign=True) + "%"
        return t["pmj_growth"].format(rate=rate, year=e.from_year, base=base)
    rate = fmt_num((e.total_change or 0.0) * 100, lang, 1, sign=True) + "%"
    return t["pmj_change"].format(rate=rate, year=e.from_year, to_year=e.to_year, base=base)


def pmj_sentence(d: pmj.Difference, lang: str) -> str:
    """Where the run and one PMJ edition part, and why they may: the last year
    both cover, the run's median against the PMJ's value (people and share of
    the PMJ's), what the PMJ value rests on, a full year's demand, and the
    immigration detention the PMJ counts."""
    t, e = STRINGS[lang], d.edition
    what = {
        "edition": e.edition,
        "published": fmt_published(e.published, lang),
        "status": e.status,
    }
    if d.year is None:
        years = [p.year for p in pmj.path(e)]
        return t["pmj_none"].format(**what, first=years[0], last=years[-1])
    diff, share = d.difference, d.share
    assert diff is not None and share is not None and d.pmj is not None
    if diff == 0:
        comparison = t["pmj_equal"]
    else:
        comparison = t["pmj_higher" if diff > 0 else "pmj_lower"].format(
            diff=fmt_num(abs(diff), lang), pct=fmt_pct(abs(share), lang)
        )
    out = t["pmj_sentence"].format(
        **what,
        year=d.year,
        p50=fmt_num(d.occupancy_p50, lang),
        pmj=fmt_num(d.pmj, lang),
        basis=_pmj_basis(d, lang),
        comparison=comparison,
    )
    if not d.whole_year:
        out += t["pmj_partial"].format(year=d.year)
    ddiff = d.demand_difference
    if d.capped and ddiff is not None and ddiff != 0:
        out += t["pmj_capped"].format(
            year=d.year,
            demand=fmt_num(d.demand_p50, lang),
            diff=fmt_num(abs(ddiff), lang),
            pct=fmt_pct(abs(ddiff) / round(d.pmj), lang),
            word=t["pmj_word_higher" if ddiff > 0 else "pmj_word_lower"],
        )
    return out + t["pmj_immigration"]


def _scenario_at_hand(path: str | Path | None):
    """The scenario file a report was made from, read once (None where it is not
    at hand or no longer reads: the report then goes without what it adds)."""
    if path is None:
        return None
    from capaciteit.errors import InputError
    from capaciteit.scenario import load_scenario

    try:
        return load_scenario(path)
    except (InputError, OSError):
        return None


def _pmj_section(ds: xr.Dataset, lang: str, editions: Sequence) -> dict | None:
    """PMJ side by side: the figure, a sentence per edition, the table by year and
    the sources; None for a scenario without PMJ editions (nothing new shown)."""
    if not editions:
        return None
    t = STRINGS[lang]
    ys = yearly_summary(ds)
    diffs = pmj.differences(editions, ys)
    frame = pmj.beside(editions, ys)
    shown = [d.edition for d in diffs if d.year is not None]
    figure = None
    if shown:
        ax = pmj_chart(frame, [(e.edition, pmj.is_derived(e)) for e in shown], lang=lang)
        figure = _figure(ax, "fig-pmj", t["pmj_alt"])
    sentences = [(f"pmj-{slug(d.edition.edition)}", pmj_sentence(d, lang)) for d in diffs]
    head = [
        t["col_year"],
        f"{t['col_run']} P10",
        f"{t['col_run']} P50",
        f"{t['col_run']} P90",
        t["col_demand_p50"],
        t["col_cbs"],
    ] + [f"PMJ {e.edition}" + (f" ({t['derived']})" if pmj.is_derived(e) else "") for e in shown]
    keys = ["occupancy_p10", "occupancy_p50", "occupancy_p90", "demand_p50", "cbs"]
    rows, classes = [], []
    for year, r in frame.iterrows():
        rows.append(
            [Cell(str(year))]
            + [_num(fmt_num(r[k], lang)) for k in keys]
            + [_num(fmt_num(r[e.edition], lang)) for e in shown]
        )
        classes.append("partial" if _finite(r["days"]) and r["days"] < 365 else "")
    table = Table("table-pmj", _head(*head), rows, classes, t["pmj_table"])
    sources = [
        (e.edition, e.statement or "", e.source, e.status, fmt_published(e.published, lang))
        for e in editions
    ]
    return {
        "intro": t["pmj_intro"],
        "figure": figure,
        "sentences": sentences,
        "table": table if shown else None,
        "sources": sources,
    }


def _response_section(
    ds: xr.Dataset, lang: str, descriptions: Mapping[str, tuple[str, str | None]]
) -> dict:
    t = STRINGS[lang]
    out: dict = {
        "table": None,
        "responses": [],
        "waiting": None,
        "court": None,
        "court_zero": False,
        "court_cleared": None,
        "peak": None,
    }
    ax = waiting_chart(ds, "total", lang=lang)
    out["waiting"] = _figure(ax, "fig-waiting", t["waiting_alt"])
    q = daily_quantiles(ds, "waiting", "total", (0.5, 0.9))
    i, j = int(np.argmax(q[0])), int(np.argmax(q[1]))
    if q[0][i] > 0:
        out["peak"] = _say(
            t["waiting_peak"],
            date=fmt_date(ds["time"].values[i], lang),
            p50=fmt_num(q[0][i], lang),
            p90=fmt_num(q[1][i], lang),
            date90=fmt_date(ds["time"].values[j], lang),
            max90=fmt_num(q[1][j], lang),
        )
    if "response_acted" in ds and ds.sizes.get("response", 0):
        year = ds["time"].dt.year
        n = ds.sizes["replication"]
        # summed per year over the integer arrays, then averaged over replications
        acted = ds["response_acted"].astype("int32").groupby(year).sum("time").sum("replication")
        moved = ds["response_moved"].groupby(year).sum("time").sum("replication")
        names = [str(r) for r in ds["response"].values]
        head = [
            [Cell(t["col_year"])] + [Cell(name, colspan=2) for name in names],
            [Cell("")] + [Cell(c) for _ in names for c in (t["col_days_acted"], t["col_moved"])],
        ]
        rows = []
        for y in acted["year"].values:
            row = [Cell(str(int(y)))]
            for r in names:
                row.append(_num(fmt_num(float(acted.sel(year=y, response=r)) / n, lang, 1)))
                row.append(_num(fmt_num(float(moved.sel(year=y, response=r)) / n, lang)))
            rows.append(row)
        out["table"] = Table("table-responses", head, rows)
        kinds = RESPONSE_KINDS[lang]
        for r in names:
            kind, desc = descriptions.get(r, (None, None))
            out["responses"].append((r, kinds.get(kind or "", ""), desc or ""))
    if "court_backlog" in ds:
        backlog = ds["court_backlog"].values
        if np.nanmax(backlog) > 0:
            out["court"] = _figure(court_chart(ds, lang=lang), "fig-court", t["court_alt"])
            left = np.flatnonzero(backlog > 0)
            if left[-1] + 1 < backlog.size:
                cleared = fmt_date(ds["time"].values[left[-1] + 1], lang)
                out["court_cleared"] = t["court_cleared"].format(date=cleared)
        else:
            out["court_zero"] = True
    return out


def _reentry_section(ds: xr.Dataset, lang: str) -> Table | None:
    """Per year: admissions, the first admissions and the returns among them, the
    returns' share, and the share of the people in cells who came in as a return
    (means over replications)."""
    if "returns" not in ds:
        return None
    t = STRINGS[lang]
    year = ds["time"].dt.year
    adm = ds["admissions"].sel(unit="total").groupby(year).sum("time").mean("replication")
    back = ds["returns"].sel(unit="total").groupby(year).sum("time").mean("replication")
    occ = ds["occupancy"].sel(unit="total").groupby(year).mean("time").mean("replication")
    inside = ds["returned_inside"].groupby(year).mean("time").mean("replication")
    days = year.groupby(year).count()
    head = _head(
        t["col_year"],
        t["col_admissions"],
        t["col_first_admissions"],
        t["col_returns"],
        t["col_return_share"],
        t["col_inside_share"],
    )
    rows = []
    for y in adm["year"].values.tolist():
        a, b = float(adm.sel(year=y)), float(back.sel(year=y))
        whole = int(days.sel(year=y)) >= 365
        rows.append(
            [
                Cell(str(y) if whole else f"{y} ({t['partial']})"),
                _num(fmt_num(a, lang)),
                _num(fmt_num(a - b, lang)),
                _num(fmt_num(b, lang)),
                _num(fmt_pct(b / a if a else float("nan"), lang, 0)),
                _num(fmt_pct(float(inside.sel(year=y)) / float(occ.sel(year=y)), lang, 0)),
            ]
        )
    return Table("table-reentry", head, rows)


def _notes_section(scenario_path: str | Path | None, lang: str) -> dict:
    t = STRINGS[lang]
    if scenario_path is None:
        return {"table": None, "counts": None}
    notes = scenario_notes(scenario_path)
    if not notes:
        return {"table": None, "counts": None}
    files = list(dict.fromkeys(n.file for n in notes))
    rank = {label: k for k, label in enumerate(LABEL_ORDER)}
    notes = sorted(notes, key=lambda n: (rank.get(n.label, 9), files.index(n.file), n.line))
    rows = [
        [
            Cell(n.label, "label"),
            Cell(f"{n.file}:{n.line}", "file"),
            Cell(n.where),
            Cell(re.sub(rf"^{n.label}\s*:\s*", "", n.text)),
        ]
        for n in notes
    ]
    classes = [f"note-{n.label.lower()}" for n in notes]
    head = _head(t["col_label"], t["col_file"], t["col_where"], t["col_text"])
    counts = ", ".join(
        f"{sum(n.label == label for n in notes)} {label}"
        for label in LABEL_ORDER
        if any(n.label == label for n in notes)
    )
    return {
        "table": Table("table-notes", head, rows, classes),
        "counts": t["assumptions_counts"].format(n=len(notes), counts=counts),
    }


def _sources_table(lang: str) -> Table:
    t = STRINGS[lang]
    src = data_sources()
    rows = []
    for r in src.itertuples(index=False):
        url = str(r.url or "")
        link = url if url.startswith("https://") else None
        rows.append(
            [
                Cell(str(r.file), "file"),
                Cell(str(r.source), href=link),
                _num(fmt_num(r.figures, lang)),
                Cell(str(r.years), "years"),
            ]
        )
    head = _head(t["col_file"], t["col_source"], t["col_figures"], t["col_years"])
    return Table("table-sources", head, rows)


def _pmj_scores(scored: pd.DataFrame | str | Path | None, lang: str) -> Table | None:
    """The PMJ editions scored by the back-test (``pmj.csv``): one row per edition."""
    if scored is None:
        return None
    if not isinstance(scored, pd.DataFrame):
        scored = pd.read_csv(scored)
    if not len(scored):
        return None
    t = STRINGS[lang]
    rows = []
    for edition, g in scored.groupby("edition", sort=False):
        years = sorted(int(y) for y in g["year"])
        whole = len(years) > 2 and years == list(range(years[0], years[-1] + 1))
        span = f"{years[0]}-{years[-1]}" if whole else ", ".join(map(str, years))
        rows.append(
            [
                Cell(str(edition)),
                Cell(str(g["published"].iloc[0])),
                Cell(", ".join(sorted(set(g["basis"])))),
                Cell(span),
                _num(fmt_pct(float(g["abs_pct_error"].mean()), lang)),
            ]
        )
    head = _head(
        t["col_edition"], t["col_published"], t["col_basis"], t["col_years"], t["col_mape_pmj"]
    )
    return Table("table-pmj-scores", head, rows)


def _backtest_section(
    backtest: pd.DataFrame | str | Path | None,
    backtest_png: str | Path | None,
    lang: str,
    backtest_pmj: pd.DataFrame | str | Path | None = None,
    trust: dict | None = None,
) -> dict:
    """The back-test section; ``trust`` is :func:`~capaciteit.calibrate.backtest.reliability`
    of the same scores (read once, by the caller)."""
    t = STRINGS[lang]
    out: dict = {"table": None, "summary": None, "figure": None}
    out["pmj"] = _pmj_scores(backtest_pmj, lang)
    if backtest is not None and not isinstance(backtest, pd.DataFrame):
        backtest = pd.read_csv(backtest)
    if backtest is not None and len(backtest):

        def horizon(h: object) -> str:
            return str(h).replace("yr", t["yr"])

        # the probabilistic baselines; a back-test written before them has the
        # point random walk only (and, if any, a normal one: not shown as these)
        baselines = {"CRPS_rw", "CRPS_drift"} <= set(backtest.columns)
        shown = ["CRPS_rw", "CRPS_drift"] if baselines else ["CRPS_naive"]
        rows = [
            [
                Cell(horizon(r["horizon"])),
                _num(fmt_num(r["forecasts"], lang)),
                _num(fmt_pct(r["MAPE"], lang)),
                _num(fmt_num(r["MASE"], lang, 3)),
                _num(fmt_pct(r["coverage_50"], lang, 0)),
                _num(fmt_pct(r["coverage_80"], lang, 0)),
                _num(fmt_num(r["CRPS"], lang)),
                *(_num(fmt_num(r[c], lang)) for c in shown),
            ]
            for _, r in backtest.iterrows()
        ]
        head = _head(
            t["col_horizon"],
            t["col_forecasts"],
            "MAPE",
            "MASE",
            t["col_cov50"],
            t["col_cov80"],
            "CRPS",
            *(t[f"col_{c.lower()}"] for c in shown),
        )
        out["table"] = Table("table-backtest", head, rows)
        pick = backtest[backtest["horizon"].astype(str) == "1-3 yr"]
        r = (pick if len(pick) else backtest).iloc[0]
        cov = float(r["coverage_80"])
        better = {c: t["crps_better" if r["CRPS"] < r[c] else "crps_worse"] for c in shown}
        out["summary"] = _say(
            t["backtest_summary" if baselines else "backtest_summary_naive"],
            horizon=horizon(r["horizon"]),
            mase=fmt_num(r["MASE"], lang, 3),
            mase_word=t["better" if r["MASE"] < 1 else "worse"],
            cov80=fmt_pct(cov, lang, 0),
            # one verdict on the bands, the 50% band's included (as beside the places needed)
            cov_word=t[
                (trust or reliability(backtest) or {}).get("word")
                or ("too_narrow" if cov < 0.7 else "too_wide" if cov > 0.9 else "about_right")
            ],
            crps=fmt_num(r["CRPS"], lang),
            crps_naive=fmt_num(r["CRPS_naive"], lang),
            crps_rw=fmt_num(r.get("CRPS_rw"), lang),
            crps_drift=fmt_num(r.get("CRPS_drift"), lang),
            rw_word=better.get("CRPS_rw", ""),
            drift_word=better.get("CRPS_drift", ""),
        )
    if backtest_png is not None:
        data = Path(backtest_png).read_bytes()
        src = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        out["figure"] = Fig("fig-backtest", src, t["backtest_alt"])
    return out


def _programmes(sc, lang: str) -> list[str] | None:
    """The scenario's reintegration policies in words (None: the file is not at
    hand), so that a report says which programme its returns come with."""
    if sc is None:
        return None
    t = STRINGS[lang]
    out = []
    for p in sc.policy:
        if p.kind != "reintegration":
            continue
        end = t["reentry_until"].format(end=fmt_date(p.end, lang)) if p.end else ""
        out.append(
            t["reentry_programme"].format(
                name=p.name,
                start=fmt_date(p.start, lang),
                end=end,
                factor=fmt_num(p.factor, lang, 2),
                share=fmt_pct(p.share, lang, 0),
            )
        )
    return out


def _responses_of(sc) -> dict[str, tuple[str, str | None]]:
    """Kind and description of each response, when the scenario file is at hand."""
    if sc is None:
        return {}
    return {r.name: (r.kind, r.description) for r in sc.response}


def render_report(
    ds: xr.Dataset,
    *,
    scenario_path: str | Path | None = None,
    lang: str = "nl",
    risk: float = 0.05,
    backtest: pd.DataFrame | str | Path | None = None,
    backtest_png: str | Path | None = None,
    backtest_pmj: pd.DataFrame | str | Path | None = None,
) -> str:
    """The report of a run as one self-contained HTML page.

    ``scenario_path`` adds the labelled assumptions of the scenario file (and the
    files it extends); ``backtest`` is the back-test summary (a DataFrame or the
    path of ``summary.csv``), ``backtest_png`` its figure and ``backtest_pmj``
    its PMJ scores (``pmj.csv``).
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}")
    t = STRINGS[lang]
    sc = _scenario_at_hand(scenario_path)
    attrs = ds.attrs
    times = ds["time"].values
    units = _units_with_places(ds)
    head = _headline_section(ds, lang, risk)
    trust = reliability(backtest)
    if trust is not None and head.get("need") is not None:
        note = t["reliability"].format(
            n=trust["forecasts"],
            cov80=fmt_pct(trust["cov80"], lang, 0),
            cov50=fmt_pct(trust["cov50"], lang, 0),
            word=t[trust["word"]],
            risk=fmt_pct(risk, lang, 0),
        )
        origin = json.loads(attrs.get("calibration") or "{}").get("origin")
        gap_year = head["h"].gap_year
        if origin and gap_year is not None and gap_year - int(origin[:4]) > 5:
            note += " " + t["beyond_backtest"].format(
                year=gap_year,
                k=gap_year - int(origin[:4]),
                origin=fmt_date(dt.date.fromisoformat(origin), lang),
            )
        head["need"] = Markup(f"{head['need']} {escape(note)}")
    fans = []
    for u in units:
        ax = fan_chart(ds, u, lang=lang)
        fans.append(
            _figure(ax, f"fig-fan-{slug(u)}", t["fan_alt"].format(unit=unit_label(u, lang)))
        )
    created = str(attrs.get("created_at", ""))
    try:
        c = dt.datetime.fromisoformat(created)
        created = f"{fmt_date(c.date(), lang)} {c:%H:%M} {c.tzname() or ''}".strip()
    except ValueError:
        pass
    stock = attrs.get("start_stock")
    meta = [
        (t["scenario"], str(attrs.get("scenario", ""))),
        (
            t["period"],
            t["period_value"].format(start=fmt_date(times[0], lang), end=fmt_date(times[-1], lang)),
        ),
        (t["replications"], fmt_num(ds.sizes["replication"], lang)),
        (t["seed"], str(attrs.get("seed", ""))),
        (t["created"], created),
        (t["version"], str(attrs.get("capaciteit_version", __version__))),
    ]
    if _finite(stock):
        kind = str(attrs.get("start_stock_kind", ""))
        meta.append((t["start_stock"], f"{fmt_num(stock, lang)} ({kind})" if kind else ""))
    sections = [
        ("question", t["sec_question"]),
        ("headline", t["sec_headline"]),
        ("occupancy", t["sec_occupancy"]),
        ("shortage", t["sec_shortage"]),
        ("waiting", t["sec_waiting"]),
        *([("reentry", t["sec_reentry"])] if "returns" in ds else []),
        ("assumptions", t["sec_assumptions"]),
        ("backtest", t["sec_backtest"]),
        ("glossary", t["sec_glossary"]),
    ]
    page = _environment().get_template("report.html.j2")
    return page.render(
        lang=lang,
        t=t,
        say=_say,
        title=str(attrs.get("scenario_title", "")),
        scenario=str(attrs.get("scenario", "")),
        version=__version__,
        meta=meta,
        sections=sections,
        headline=head,
        cautions=run_cautions(ds),
        occupancy_intro=t["occupancy_intro"].format(pmj=t["pmj_note"] if head["has_pmj"] else ""),
        fans=fans,
        pmj=_pmj_section(ds, lang, sc.pmj_editions() if sc is not None else []),
        shortage=_shortage_section(ds, lang, units),
        waiting=_response_section(ds, lang, _responses_of(sc)),
        reentry=_reentry_section(ds, lang),
        programmes=_programmes(sc, lang) if "returns" in ds else None,
        notes=_notes_section(scenario_path, lang),
        sources=_sources_table(lang),
        backtest=_backtest_section(backtest, backtest_png, lang, backtest_pmj, trust),
        glossary=list(GLOSSARY[lang].items()),
    )


def write_report(ds: xr.Dataset, path: str | Path, **options) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(ds, **options), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- comparison

COMPARE_METRICS = ("occupancy_mean", "shortage", "euros")


def _compare_values(metric: str, lang: str) -> tuple:
    """Formatters for (base/alternative, difference) of a metric."""
    if metric == "shortage":
        return (lambda v: fmt_pct(v, lang), lambda v: fmt_num(v * 100, lang, 1, sign=True))
    if metric == "euros":
        return (
            lambda v: fmt_num(v / 1e6, lang, 1),
            lambda v: fmt_num(v / 1e6, lang, 1, sign=True),
        )
    return (lambda v: fmt_num(v, lang), lambda v: fmt_num(v, lang, 1, sign=True))


TOTAL_METRICS = ("occupancy_mean", "euros")
"""The total's rows in the compare report: counts, never a verdict."""


def render_compare_report(
    tables: Mapping[str, pd.DataFrame],
    base_name: str,
    *,
    n: int,
    seed: int,
    lang: str = "nl",
    unit: str = "total",
    titles: Mapping[str, str] | None = None,
    price_level: int | None = None,
) -> str:
    """The paired comparison of alternatives against a base (tables from
    :func:`capaciteit.run.compare.paired`, keyed by alternative name) as one
    self-contained HTML page: per alternative the question it asks
    (``titles``, by scenario name), a table of the total's yearly differences
    with their 95% intervals (five columns: it fits a laptop), each pool's
    shortage probability, and a figure."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}")
    t = COMPARE_STRINGS[lang]
    titles = titles or {}
    prices = t["prices"].format(year=price_level) if price_level is not None else t["no_prices"]
    parts = []
    for name, table in tables.items():
        sel = table[table["unit"].astype(str) == unit]
        years = sorted(int(y) for y in sel["year"].unique())
        head = [
            [Cell(t["col_year"])]
            + [
                Cell(c)
                for m in TOTAL_METRICS
                for c in (f"{t[m]}: {t['base']} → {t['alternative']}", t[f"{m}_diff"])
            ]
        ]
        rows = []
        for y in years:
            row = [Cell(str(y))]
            for m in TOTAL_METRICS:
                level, diff = _compare_values(m, lang)
                r = sel[(sel["metric"] == m) & (sel["year"] == y)]
                if r.empty:
                    row += [_num("–")] * 2
                    continue
                r = r.iloc[0]
                row += [
                    _num(f"{level(r['base'])} → {level(r['alternative'])}"),
                    _num(f"{diff(r['difference'])} ({diff(r['low'])} {t['to']} {diff(r['high'])})"),
                ]
            rows.append(row)
        days = sel.groupby("year")["days"].first() if "days" in sel else None
        classes = ["partial" if days is not None and days.get(y, 365) < 365 else "" for y in years]
        pool = _binding_pool(table)
        fig = _difference_panels(table, lang, unit, pool)
        parts.append(
            {
                "id": f"alt-{slug(name)}",
                "name": name,
                "title": t["vs"].format(alt=name, base=base_name),
                "question": titles.get(name),
                "base_question": titles.get(base_name),
                "table": Table(f"table-diff-{slug(name)}", head, rows, classes),
                "pools": _compare_pools(table, years, classes, lang, slug(name)),
                "counts": _compare_counts(sel, years, classes, lang, slug(name)),
                "figure": Fig(
                    f"fig-diff-{slug(name)}",
                    fig,
                    t["alt"].format(alt=name, base=base_name, pool=pool or unit),
                ),
            }
        )
    page = _environment().get_template("compare.html.j2")
    return page.render(
        lang=lang,
        t=t,
        base=base_name,
        intro=t["intro"].format(base=base_name, n=fmt_num(n, lang), seed=seed),
        table_intro=t["table_intro"].format(prices=prices),
        parts=parts,
        version=__version__,
    )


def _binding_pool(table: pd.DataFrame) -> str | None:
    """The pool with the highest shortage probability in the base or the
    alternative over the whole years: the one a reader watches."""
    if "pool" not in table:
        return None
    short = table[(table["metric"] == "shortage") & table["pool"].astype(bool)]
    if "days" in short:
        short = short[short["days"] >= 365]
    if short.empty:
        return None
    worst = short.assign(p=short[["base", "alternative"]].max(axis=1)).groupby("unit")["p"].max()
    return str(worst.idxmax())


COUNT_METRICS = ("waiting_mean", "unplaced_mean", "returns")
"""The total's other counts in the compare report, where the table has them."""


def _compare_counts(sel: pd.DataFrame, years, classes, lang: str, key: str) -> Table | None:
    """The total's waiting list, those lacking a place and the returns: the
    paired difference per year with its interval (a programme on the loop shows
    here what it prevents)."""
    metrics = [m for m in COUNT_METRICS if (sel["metric"] == m).any()]
    if not metrics:
        return None
    t = COMPARE_STRINGS[lang]
    _level, diff = _compare_values("count", lang)
    rows = []
    for y in years:
        row = [Cell(str(y))]
        for m in metrics:
            r = sel[(sel["metric"] == m) & (sel["year"] == y)]
            if r.empty:
                row.append(_num("–"))
                continue
            r = r.iloc[0]
            row.append(
                _num(f"{diff(r['difference'])} ({diff(r['low'])} {t['to']} {diff(r['high'])})")
            )
        rows.append(row)
    head = _head(t["col_year"], *(t[m] for m in metrics))
    return Table(f"table-counts-{key}", head, rows, classes, t["counts_intro"])


def _compare_pools(table: pd.DataFrame, years, classes, lang: str, key: str) -> Table | None:
    """The shortage probability per pool and year, base -> alternative: where
    the verdict is judged (the total is no place to put someone)."""
    if "pool" not in table:
        return None
    short = table[(table["metric"] == "shortage") & table["pool"].astype(bool)]
    pools = list(dict.fromkeys(short["unit"].astype(str)))
    if not pools:
        return None
    t = COMPARE_STRINGS[lang]
    rows = []
    for y in years:
        row = [Cell(str(y))]
        for p in pools:
            r = short[(short["unit"].astype(str) == p) & (short["year"] == y)]
            if r.empty:
                row.append(_num("–"))
                continue
            r = r.iloc[0]
            row.append(
                _num(
                    f"{fmt_pct(r['base'], lang)} → {fmt_pct(r['alternative'], lang)} "
                    f"({fmt_num(r['difference'] * 100, lang, 1, sign=True)})"
                )
            )
        rows.append(row)
    head = _head(t["col_year"], *pools)
    return Table(f"table-pools-{key}", head, rows, classes, t["pools_intro"], css="wide")


def _difference_panels(table: pd.DataFrame, lang: str, unit: str, pool: str | None) -> str:
    """Three panels side by side as a data URI: the total's occupancy and euros,
    and the shortage probability of ``pool`` (the total's where there is none)."""
    fig = new_figure((10.0, 3.2))
    axes = fig.subplots(1, len(COMPARE_METRICS))
    for ax, metric in zip(np.atleast_1d(axes), COMPARE_METRICS, strict=True):
        where = pool if metric == "shortage" and pool else unit
        difference_chart(table, metric, lang, unit=where, ax=ax)
    return png_data_uri(fig)


def write_compare_report(
    tables: Mapping[str, pd.DataFrame],
    base_name: str,
    path: str | Path,
    *,
    n: int,
    seed: int,
    lang: str = "nl",
    titles: Mapping[str, str] | None = None,
    price_level: int | None = None,
) -> Path:
    """Write :func:`render_compare_report` to ``path``; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    html = render_compare_report(
        tables, base_name, n=n, seed=seed, lang=lang, titles=titles, price_level=price_level
    )
    path.write_text(html, encoding="utf-8")
    return path


__all__: Sequence[str] = [
    "fmt_eur",
    "fmt_num",
    "fmt_pct",
    "render_compare_report",
    "render_report",
    "write_compare_report",
    "write_report",
]
