"""Keep the catalogs in step with the code: extract the marked texts, update
each language's ``.po``.

Run ``python -m capaciteit.outputs.catalogs`` after changing a text: it
rewrites ``locale/capaciteit.pot`` from the code and the templates and merges
it into every ``locale/<lang>/LC_MESSAGES/capaciteit.po`` (a new text arrives
untranslated, a changed one fuzzy, a removed one obsolete), as
``pybabel extract`` and ``pybabel update`` would with ``locale/babel.cfg``.
Then translate what is new and drop the obsolete entries; ``tests/test_i18n.py``
fails until every text is translated.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from capaciteit.outputs.i18n import DOMAIN, LOCALE_DIR, languages

SOURCES = Path(__file__).parent
CAUTIONS = SOURCES.parent / "sim" / "cautions.py"
"""The model's cautions: templates the simulation marks ``N_`` and the outputs
translate (``capaciteit.outputs.cautions``); the simulation imports nothing of
the outputs, so they are read from there."""
POT = LOCALE_DIR / f"{DOMAIN}.pot"
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "NC_": ((1, "c"), 2)}
"""``_``, ``gettext``, ``pgettext``, ... as usual, ``N_(text)`` and ``NC_(context, text)``."""
CONFIG = LOCALE_DIR / "babel.cfg"
"""Which files are read how (Python, Jinja templates), for pybabel as for :func:`extract`."""


def extract() -> Catalog:
    """The texts marked in ``capaciteit/outputs`` (code and templates) and the
    model's cautions (:data:`CAUTIONS`)."""
    with CONFIG.open() as f:
        methods, options = parse_mapping_cfg(f)
    catalog = Catalog(domain=DOMAIN, project="capaciteit", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        SOURCES, methods, options, KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    where = CAUTIONS.relative_to(SOURCES.parent).as_posix()
    for lineno, message, comments, context in extract_from_file(
        "python", CAUTIONS, KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    return _brace_only(catalog)


def _brace_only(catalog: Catalog) -> Catalog:
    """The texts are filled in with str.format ({fields}); Babel also flags a '%'
    followed by a letter ('80% of') as a %-format, which would make msgfmt
    check a format that is not there."""
    for message in catalog:
        message.flags.discard("python-format")
    return catalog


def update() -> list[Path]:
    """Write the template and merge it into each language's catalog; returns the files."""
    template = extract()
    with POT.open("wb") as f:
        write_po(f, template, width=100, sort_output=True)
    written = [POT]
    for lang in languages()[1:]:
        path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        with path.open("rb") as f:
            catalog = read_po(f, domain=DOMAIN)
        catalog.update(template, update_header_comment=False)
        _brace_only(catalog)
        with path.open("wb") as f:
            write_po(f, catalog, width=100, sort_output=True)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in update():
        print(path)
