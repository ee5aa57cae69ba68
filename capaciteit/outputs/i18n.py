"""The languages of the report, the workbook and the figures: gettext catalogs.

The texts are written in English in the code and the templates, marked for
extraction (``_()`` where the language is known, ``N_()`` and ``NC_()`` in
tables that are translated later, ``{% trans %}`` and ``_()`` in the templates) and gathered by
Babel into ``locale/capaciteit.pot``. Each other language is one catalog,
``locale/<lang>/LC_MESSAGES/capaciteit.po``, read as text and compiled in
memory, so no binary ``.mo`` file is committed or built. Adding a language is
adding its ``.po`` (docs/outputs.md says how); :func:`languages` lists them.

A catalog's ``Language`` header names the Babel locale its numbers and dates
are written in (``nl_NL``); English, the source language, uses ``en_GB``
(9,850; 5.0%; 1 July 2021; €850m).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "capaciteit"
SOURCE_LANG = "en"
SOURCE_LOCALE = "en_GB"


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message


def _catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages there is a catalog for, the source language first:
    ``('en', 'nl')``. The CLI's ``--lang`` choices should come from here."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LANG, *[lang for lang in found if lang != SOURCE_LANG])


def check_lang(lang: str) -> str:
    """``lang`` if there is a catalog for it; else a ValueError naming those there are."""
    if lang not in languages():
        raise ValueError(f"lang must be one of {', '.join(languages())}, not {lang!r}")
    return lang


@functools.cache
def _compiled(lang: str) -> tuple[Translations, Locale]:
    with _catalog_path(lang).open("rb") as f:
        catalog = read_po(f, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)  # fuzzy entries left out, as msgfmt does
    buf.seek(0)
    locale = catalog.locale or Locale.parse(lang)
    return Translations(fp=buf, domain=DOMAIN), locale


def translations(lang: str) -> NullTranslations:
    """The gettext translations of ``lang`` (the source texts for English), cached."""
    if check_lang(lang) == SOURCE_LANG:
        return NullTranslations()
    return _compiled(lang)[0]


def locale(lang: str) -> Locale:
    """The Babel locale numbers and dates of ``lang`` are written in."""
    if check_lang(lang) == SOURCE_LANG:
        return Locale.parse(SOURCE_LOCALE)
    return _compiled(lang)[1]


def NC_(context: str, message: str) -> tuple[str, str]:
    """Mark ``message`` for extraction with a context, for an English text that
    reads otherwise in another place of the same language."""
    return context, message


Text = str | tuple[str, str]
"""A marked text: ``N_(message)`` or ``NC_(context, message)``."""


def translate_text(text: Text, lang: str) -> str:
    """One marked text in ``lang``."""
    tr = translations(lang)
    return tr.pgettext(*text) if isinstance(text, tuple) else tr.gettext(text)


def translate(table: Mapping[str, Text], lang: str) -> dict[str, str]:
    """A table of marked texts, translated into ``lang``."""
    return {key: translate_text(text, lang) for key, text in table.items()}
