"""The parts a report page is built from: tables, figures, trusted sentences,
and the Jinja environment that renders them in the reader's language."""

from __future__ import annotations

import dataclasses
import re

import jinja2
import xarray as xr
from markupsafe import Markup

from capaciteit.outputs.figures import png_data_uri
from capaciteit.outputs.i18n import translations

LABEL_ORDER = ("HYPOTHETICAL", "ASSUMPTION", "DERIVED", "SOURCED")
"""The labels of a scenario's notes, the ones a reader should weigh first."""


def slug(name: str) -> str:
    """An id-safe form of a unit or scenario name."""
    return re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-") or "x"


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


def num_cell(text: str) -> Cell:
    """A right-aligned number cell."""
    return Cell(text, "num")


def header(*names: str) -> list[list[Cell]]:
    """A one-row table header."""
    return [[Cell(n) for n in names]]


def embed(ax, fig_id: str, alt: str, caption: str = "") -> Fig:
    """A drawn figure as an embedded PNG."""
    return Fig(fig_id, png_data_uri(ax.figure), alt, caption)


def environment(lang: str) -> jinja2.Environment:
    """The templates beside the outputs, with ``_()`` and ``{% trans %}`` in ``lang``."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("capaciteit.outputs", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def say(template: str, **values: object) -> Markup:
    """A trusted sentence with its values escaped (markup values kept). The
    sentences with {placeholders} are trusted markup: a scenario title put into
    one cannot inject HTML."""
    return Markup(template).format(**values)


def span(id_: str, text: str) -> Markup:
    """A figure of the text that tests and readers can find by its id."""
    return Markup('<span class="fig" id="{}">{}</span>').format(id_, text)


def units_with_places(ds: xr.Dataset) -> list[str]:
    """``total`` first, then each unit that has places and is ever occupied."""
    out = []
    for u in (str(u) for u in ds["unit"].values):
        if u == "total" or not ds["capacity"].sel(unit=u).notnull().any():
            continue
        if int(ds["occupancy"].sel(unit=u).max()) <= 0:
            continue
        out.append(u)
    return ["total", *out] if "total" in ds["unit"].values else out
