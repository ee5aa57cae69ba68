"""The one-line messages a problem is reported in: pydantic's errors as a
user reads them (``must be >= 0``, ``unknown key``), their place as a key path
(``unit 'ta'.capacity``: a list item by its name), and "did you mean" for a
misspelt key or name.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from capaciteit.scenario.base import percent_hint, percent_like
from capaciteit.scenario.durations import DIST_NAMES
from capaciteit.scenario.model import _NAME_KEYS, schema_models
from capaciteit.scenario.pmj import PMJ_FORMS
from capaciteit.scenario.policies import POLICY_KINDS
from capaciteit.scenario.responses import RESPONSE_KINDS


def named_path(path: str, data: dict) -> str:
    """``unit[2].capacity`` -> ``unit 'ta'.capacity``, ``pmj[5].source`` ->
    ``pmj 'WODC 2025'.source``: a list item by its name (a PMJ edition by its
    edition) where it has one (unique in the merged scenario), as the contract writes it;
    by position only where it has none."""
    m = re.match(r"^(" + "|".join(_NAME_KEYS) + r")\[(\d+)\](.*)$", path, re.DOTALL)
    if m is None:
        return path
    items, i, key = data.get(m[1]), int(m[2]), _NAME_KEYS[m[1]]
    if not isinstance(items, list) or i >= len(items) or not isinstance(items[i], dict):
        return path
    name = items[i].get(key)
    names = [x.get(key) for x in items if isinstance(x, dict)]
    if not isinstance(name, str) or not name.strip() or names.count(name) != 1:
        return path
    return f"{m[1]} {name!r}{m[3]}"


def _field_names() -> set[str]:
    """Every key a scenario table can have (for "did you mean")."""
    return {f.alias or name for cls in schema_models() for name, f in cls.model_fields.items()}


def _close(word: str, options) -> str | None:
    """The option ``word`` was most likely meant to be (case first), or None."""
    options = sorted({o for o in options if isinstance(o, str)} - {word})
    lower = {o.lower(): o for o in options}
    if word.lower() in lower and lower[word.lower()] != word:
        return lower[word.lower()]
    hit = difflib.get_close_matches(word, options, n=1, cutoff=0.75)
    return hit[0] if hit else None


def _suggest(path: str, msg: str, data: dict) -> str:
    """Add "did you mean" to an unknown key, unit or stream name."""
    guess = None
    if msg == "unknown key":
        guess = _close(path.rsplit(".", 1)[-1], _field_names())
    else:
        m = re.match(r"^no (unit|stream|placement) named '(.*)'$", msg)
        if m is not None:
            items = data.get(m[1]) if isinstance(data.get(m[1]), list) else []
            guess = _close(m[2], [x.get("name") for x in items if isinstance(x, dict)])
    return f"{msg} (did you mean {guess!r}?)" if guess else msg


def _loc_to_path(loc: tuple) -> str:
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in DIST_NAMES and i > 0 and isinstance(loc[i - 1], str):
            continue  # the discriminator tag pydantic puts after a distribution key
        elif part in POLICY_KINDS and i > 1 and loc[i - 2] == "policy":
            continue  # ... and after a policy's list position
        elif part in RESPONSE_KINDS and i > 1 and loc[i - 2] == "response":
            continue
        elif part in PMJ_FORMS and i > 1 and loc[i - 2] == "pmj":
            continue
        elif part == "from_":
            out += ".from" if out else "from"
        else:
            out += f".{part}" if out else str(part)
    return out


def _bound(x: Any) -> str:
    """A bound as people write it: 0, 0.5, 100,000."""
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    if isinstance(x, bool) or not isinstance(x, int | float):
        return str(x)
    return f"{x:,}" if isinstance(x, int) else f"{x:g}"


def _message(err: dict) -> str:
    t, ctx = err["type"], err.get("ctx") or {}
    simple = {
        "missing": "required key is missing",
        "extra_forbidden": "unknown key",
        "greater_than": f"must be > {_bound(ctx.get('gt'))}",
        "greater_than_equal": f"must be >= {_bound(ctx.get('ge'))}",
        "less_than_equal": f"must be <= {_bound(ctx.get('le'))}",
        "less_than": f"must be < {_bound(ctx.get('lt'))}",
        "finite_number": "must be a finite number",
        "int_type": "must be a whole number",
        "int_from_float": "must be a whole number",
        "float_type": "must be a number",
        "string_type": "must be a string",
        "bool_type": "must be true or false",
        "date_type": "must be a date (YYYY-MM-DD, unquoted)",
        "list_type": "must be a list",
        "too_short": f"must have at least {ctx.get('min_length')} entries",
        "too_long": f"must have at most {_bound(ctx.get('max_length'))} entries",
        "union_tag_not_found": f"needs a `{ctx.get('discriminator', 'kind').strip(chr(39))}` key",
        "model_type": "must be a table",
        "model_attributes_type": "must be a table",
        "dict_type": "must be a table",
    }
    x = err.get("input")
    if t in ("less_than_equal", "less_than") and 1 in (ctx.get("le"), ctx.get("lt")):
        if percent_like(x):  # share = 36 where 0.36 was meant
            return f"must be {'<=' if 'le' in ctx else '<'} 1 ({percent_hint(x)})"
    if t in simple:
        return simple[t]
    if (
        t == "union_tag_invalid"
        and str(ctx.get("tag")) not in POLICY_KINDS + DIST_NAMES
        and "kind" in str(ctx.get("discriminator"))
        and err["loc"][0] == "response"
    ):
        return f"unknown response kind {ctx.get('tag')!r} (use one of {', '.join(RESPONSE_KINDS)})"
    if t == "union_tag_invalid":
        if "kind" in str(ctx.get("discriminator")):
            return f"unknown policy kind {ctx.get('tag')!r} (use one of {', '.join(POLICY_KINDS)})"
        return f"unknown distribution {ctx.get('tag')!r} (use one of {', '.join(DIST_NAMES)})"
    if t == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if t == "string_too_short":
        return "must not be empty"
    msg = err["msg"]
    return msg.removeprefix("Value error, ")
