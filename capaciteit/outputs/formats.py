"""Numbers, percentages, euros and dates the reader's way, by Babel (CLDR).

Dutch: 9.850; -1.234,6; 5,0%; € 850 mln.; 1 juli 2021.
English (en_GB): 9,850; 5.0%; €850m; 1 July 2021. The locale of a language
comes from its catalog (:func:`capaciteit.outputs.i18n.locale`), so a new
language formats its own way without code. A value is rounded with Python's
``round`` first (as the figures were before Babel) and Babel only lays it out;
a missing value reads "–". :func:`fill` fills a ``str.format`` template
(the model's cautions) the same way, as its fields' format specs say.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import string
from collections.abc import Mapping
from decimal import Decimal

import numpy as np
import pandas as pd
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import (
    NumberPattern,
    format_decimal,
    parse_pattern,
)

from capaciteit.outputs.headline import OPEN
from capaciteit.outputs.i18n import locale, translations

MISSING = "–"
CURRENCY = "EUR"


def finite(x: object) -> bool:
    """Whether ``x`` is a number that can be shown (not None, NaN or infinite)."""
    try:
        return x is not None and math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _pattern(digits: int, sign: bool = False, suffix: str = "") -> str:
    body = "#,##0" + ("." + "0" * digits if digits else "") + suffix
    return f"+{body};-{body}" if sign else body


def fmt_num(x: object, lang: str, digits: int = 0, sign: bool = False) -> str:
    """A number with the language's separators (9.850 and 2,5 in Dutch); ``sign``
    writes a + before a positive number; never "-0"."""
    if not finite(x):
        return MISSING
    v = round(float(x), digits)  # type: ignore[arg-type]
    if v == 0:
        v = 0.0
    return format_decimal(v, format=_pattern(digits, sign and v != 0), locale=locale(lang))


def fmt_pct(p: object, lang: str, digits: int = 1, sign: bool = False) -> str:
    """A share as a percentage with ``digits`` decimals in the locale's layout:
    5,0% (nl), 5.0% (en), 5,0 % (de); ``sign`` writes a + before a rise."""
    if not finite(p):
        return MISSING
    v = Decimal(repr(round(float(p) * 100, digits))) / 100  # type: ignore[arg-type]
    text = _decimals(locale(lang).percent_formats[None], digits, digits).apply(v, locale(lang))
    return f"{locale(lang).number_symbols['latn']['plusSign']}{text}" if sign and v > 0 else text


def fmt_pct_short(p: float, lang: str) -> str:
    """A share with at most one decimal and none when whole: 5%, 2,5%, 96,7%."""
    v = Decimal(repr(round(float(p) * 100, 1))) / 100
    return _decimals(locale(lang).percent_formats[None], 0, 1).apply(v, locale(lang))


def fmt_eur(x: object, lang: str) -> str:
    """Euros in millions, in the locale's short form for millions: € 850 mln. (nl),
    €850m (en); one decimal below 100 million. Always millions (€1,200m, not
    Babel's compact €1bn, which would round 1.2 billion to 1), so amounts in
    one report compare at a glance."""
    if not finite(x):
        return MISSING
    m = float(x) / 1e6  # type: ignore[arg-type]
    digits = 0 if abs(m) >= 100 else 1
    m = round(m, digits) or 0.0
    where = locale(lang)
    short = where.compact_currency_formats["short"][where.plural_form(abs(m))]["1000000"]
    pattern = parse_pattern(re.sub(r"0+", _pattern(digits), short.pattern, count=1))
    return pattern.apply(m, where, currency=CURRENCY, currency_digits=False)


def fmt_euros(x: object, lang: str) -> str:
    """Whole euros in the language's currency layout: € 125.000 (nl), €125,000 (en)."""
    if not finite(x):
        return MISSING
    whole = _whole(locale(lang).currency_formats["standard"])
    return whole.apply(round(float(x)), locale(lang), currency=CURRENCY, currency_digits=False)  # type: ignore[arg-type]


def _whole(pattern: NumberPattern) -> NumberPattern:
    """The locale's currency pattern without decimals (its layout kept)."""
    return _decimals(pattern, 0, 0)


def _decimals(pattern: NumberPattern, least: int, most: int) -> NumberPattern:
    """A locale's pattern with other decimals, its layout (where the sign, the
    symbol and the spaces go) kept."""
    return NumberPattern(
        pattern.pattern,
        pattern.prefix,
        pattern.suffix,
        pattern.grouping,
        pattern.int_prec,
        (least, most),
        pattern.exp_prec,
        pattern.exp_plus,
        pattern.number_pattern,
    )


def fmt_date(d: dt.date | np.datetime64 | str, lang: str) -> str:
    """A day in the language's long form: 1 juli 2021 (nl), 1 July 2021 (en)."""
    return format_date(pd.Timestamp(d).date(), "long", locale=locale(lang))


def fmt_month(year: int, month: int, lang: str) -> str:
    """A month of a year: mei 2017 (nl), May 2017 (en)."""
    return format_skeleton("yMMMM", dt.date(year, month, 1), locale=locale(lang))


def fmt_time(t: dt.datetime, lang: str) -> str:
    """A day and time of day: 1 juli 2021 14:05 CEST."""
    when = f"{fmt_date(t.date(), lang)} {format_time(t, 'short', locale=locale(lang))}"
    return f"{when} {t.tzname() or ''}".strip()


def fmt_bound(x: object, lang: str) -> str:
    """A bound of an interval, or 'open' where the replications are too few for one."""
    return fmt_num(x, lang) if finite(x) else translations(lang).gettext(OPEN)


def fill(template: str, values: Mapping[str, object], lang: str) -> str:
    """``template.format(**values)`` the reader's way: a number or a date is
    laid out by Babel as its field's format spec says (``{n:,.0f}`` rounded to
    whole ones: 1.250; ``{n:g}``, or no spec, as it is: 12,5; ``{p:.0%}`` a
    percentage: 70%; ``{d:%Y-%m-%d}`` a date: 31 december 2031); ``{name!r}``
    quotes a name as Python does ('ta'); any other text is shown as it is."""
    out = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(_field(values[name], spec or "", conversion, lang))
    return "".join(out)


def _field(value: object, spec: str, conversion: str | None, lang: str) -> str:
    """One field of :func:`fill`."""
    if conversion == "r":
        return repr(value)
    if conversion is not None or (isinstance(value, str) and "%" not in spec):
        return str(value)
    precision = re.search(r"\.(\d+)", spec)
    digits = int(precision[1]) if precision else None
    if spec.endswith("%"):
        return fmt_pct(value, lang, 6 if digits is None else digits)
    if "%" in spec or isinstance(value, dt.date):  # a strftime spec: a date
        return fmt_date(value, lang)  # type: ignore[arg-type]
    if spec.endswith("f"):
        return fmt_num(value, lang, 6 if digits is None else digits)
    if not finite(value):
        return MISSING
    shown = Decimal(f"{float(value):g}")  # type: ignore[arg-type]  # as Python's g: 6 digits
    return fmt_num(value, lang, max(0, -shown.normalize().as_tuple().exponent))  # type: ignore[operator]
