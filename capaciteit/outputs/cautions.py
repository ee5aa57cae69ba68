"""The model's cautions in the reader's language.

A caution (:class:`~capaciteit.sim.cautions.Caution`) is an English template
and its values, stored so in a run's dataset. Here its template is translated
by the catalogs (they extract the templates from ``sim/cautions.py`` too) and its
values laid out by Babel (:func:`~capaciteit.outputs.formats.fill`): 1.250
plaatsen, 70%, 31 december 2031 in Dutch. The key that says where in the
scenario (``unit 'ta'``), the names in it and a value to write in the scenario
file (``1.1``) are the scenario's own words: the same in every language. The
command line and ``manifest.json`` say the cautions in English (``str()``).
"""

from __future__ import annotations

import xarray as xr

from capaciteit.outputs.formats import fill
from capaciteit.outputs.i18n import translations
from capaciteit.run.results import run_cautions
from capaciteit.sim.cautions import Caution


def say_caution(caution: Caution | str, lang: str) -> str:
    """One caution in ``lang``, as ``key: text``. A caution a run stored before
    they were data is its English sentence, shown as it is."""
    if isinstance(caution, str):
        return caution
    message = translations(lang).gettext(caution.message)
    return f"{caution.key}: {fill(message, caution.fields, lang)}"


def caution_texts(ds: xr.Dataset, lang: str) -> list[str]:
    """The run's cautions in ``lang`` (the report's "read with care" box, the
    workbook's "Caution" rows)."""
    return [say_caution(c, lang) for c in run_cautions(ds)]
