"""The HTML report of a run: the question, the answer, and what it rests on.

One self-contained page (figures as embedded PNGs, CSS inline, no JavaScript,
no external files) that can be mailed, archived or opened offline. Dutch by
default, English or any language with a catalog on request
(:mod:`capaciteit.outputs.i18n`); every number is formatted the way its reader
writes it, by Babel (:mod:`capaciteit.outputs.formats`).

The numbers come from :func:`capaciteit.outputs.headline.headline` and the
reductions of :mod:`capaciteit.run.results`, so the report never disagrees with
the workbook or the notebooks. The comparison report shows the paired
differences of :func:`capaciteit.run.compare.paired`.

The modules: :mod:`.page` (tables, figures, the templates), :mod:`.texts` (the
texts), :mod:`.answer` (the verdict and the places needed), :mod:`.pmj_section`,
:mod:`.sections` (shortage, waiting, returns, assumptions),
:mod:`.backtest_section`, :mod:`.render` (the page) and :mod:`.compare`.
"""

from __future__ import annotations

from collections.abc import Sequence

from capaciteit.outputs.formats import fmt_bound, fmt_date, fmt_eur, fmt_num, fmt_pct
from capaciteit.outputs.report.compare import render_compare_report, write_compare_report
from capaciteit.outputs.report.page import LABEL_ORDER, slug
from capaciteit.outputs.report.pmj_section import fmt_published, pmj_sentence
from capaciteit.outputs.report.render import render_report, write_report

__all__: Sequence[str] = [
    "LABEL_ORDER",
    "fmt_bound",
    "fmt_date",
    "fmt_eur",
    "fmt_num",
    "fmt_pct",
    "fmt_published",
    "pmj_sentence",
    "render_compare_report",
    "render_report",
    "slug",
    "write_compare_report",
    "write_report",
]
