"""Scenario files: reading TOML, following ``extends`` and merging each file
over the one it extends, then validating the result (:func:`load_scenario`).

A file is parsed with :mod:`tomllib`, never evaluated. Only files a user names,
or a ``.toml`` file with a ``[scenario]`` table that one of them ``extends``,
are read; a problem with one is reported at the key that named it, and never
quotes the content of a file that is not a scenario.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from capaciteit.errors import ScenarioError
from capaciteit.scenario.limits import MAX_FILE_BYTES
from capaciteit.scenario.model import _NAME_KEYS, Scenario
from capaciteit.scenario.validate import parse_scenario


def _read_toml(path: Path, named_by: tuple[str, str, str] | None = None) -> dict:
    """The TOML content of ``path``. A problem is reported at the file the user
    gave or, for a file named by ``extends``, at ``named_by`` (the file and key
    that named it, and the name as written there). Messages never quote the
    content of a file that cannot be read as TOML."""

    def fail(msg: str) -> ScenarioError:
        if named_by is None:
            return ScenarioError([(str(path), "", msg)])
        return ScenarioError([(named_by[0], named_by[1], f"{msg}: {named_by[2]}")])

    try:
        if path.is_dir():
            raise fail("is a folder, not a scenario file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise fail(f"larger than {MAX_FILE_BYTES // 1_000_000} MB, not a scenario file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if named_by is not None:  # say where it looked: the name is relative to its file
            where = f"file not found: {named_by[2]} (no {path})"
            raise ScenarioError([(named_by[0], named_by[1], where)]) from None
        raise fail("file not found") from None
    except UnicodeDecodeError:
        raise fail("cannot read: not UTF-8 text") from None
    except OSError as e:
        raise fail(f"cannot read: {e.strerror or type(e).__name__}") from None
    try:
        return tomllib.loads(text)
    except RecursionError:  # tomllib recurses per level of nested arrays and tables
        raise fail("not valid TOML: nested too deeply") from None
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        msg = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(e))
        if m is None and "(at end of document)" in str(e):  # e.g. a quote never closed
            msg += " (at the end of the file)"
        line = f"line {m.group(1) if m else max(1, len(text.splitlines()))}"
        if named_by is not None:
            raise fail(f"not valid TOML{' at ' + line if line else ''}") from None
        raise ScenarioError([(str(path), line, f"not valid TOML: {msg}")]) from None


def _merge(base: Any, over: Any, table: str | None = None) -> Any:
    """Deep merge: tables merge by key; the lists of
    :data:`~capaciteit.scenario.model._NAME_KEYS` merge by their items' names
    (PMJ editions by `edition`), an item without one (a PMJ figure of one year)
    added to the inherited ones. A distribution (a table
    with a `distribution` key) is replaced whole: its keys belong together, and
    another kind has other keys."""
    if isinstance(over, dict) and "distribution" in over:
        return over
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v, k) if k in base else v
        return out
    key = _NAME_KEYS.get(table or "")
    if key is not None and isinstance(base, list) and isinstance(over, list):

        def named(x) -> bool:
            return isinstance(x, dict) and isinstance(x.get(key), str)

        out = [dict(x) if isinstance(x, dict) else x for x in base]
        index = {x[key]: i for i, x in enumerate(out) if named(x)}
        for x in over:
            if named(x) and x[key] in index:
                merged = _merge(out[index[x[key]]], x)
                # a unit that changes how it is full drops the key of the other way
                # (an inherited key cannot be removed in TOML)
                other = {"overflow": "wait_in", "wait": "overflow_to"}.get(x.get("when_full"))
                if other is not None and other not in x:
                    merged.pop(other, None)
                out[index[x[key]]] = merged
            else:
                out.append(x)
        return out
    return over


def _load_merged(
    path: Path,
    seen: tuple[Path, ...] = (),
    named_by: tuple[str, str, str] | None = None,
    declared: dict[tuple[str, str], Path] | None = None,
    files: list[tuple[str, dict]] | None = None,
) -> dict:
    """The file's content merged over the files it extends, in turn.

    ``extends`` names a ``.toml`` file (relative to the file that names it, or
    absolute) that holds a ``[scenario]`` table; symbolic links are followed.
    Nothing else is read: a folder, a missing file, a loop of links or of
    ``extends``, or a file of another kind is an error at the key that named it,
    which never quotes that file's content."""
    try:
        path = path.resolve(strict=True)
    except FileNotFoundError:
        pass  # reported by _read_toml, under the name given
    except (OSError, RuntimeError):  # a loop of symbolic links (RuntimeError before 3.13)
        if named_by is None:
            raise ScenarioError(
                [(str(path), "", "cannot read: a loop of symbolic links")]
            ) from None
        file, key, name = named_by
        raise ScenarioError(
            [(file, key, f"cannot read: a loop of symbolic links: {name}")]
        ) from None
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise ScenarioError([(str(seen[0]), "scenario.extends", f"cycle: {chain}")])
    data = _read_toml(path, named_by)
    if files is not None:  # each file's own content, the file named first
        files.append((str(path), data))
    if declared is not None:  # which file sets each (table, key) first, child first
        for table, keys in data.items():
            if isinstance(keys, dict):
                for key in keys:
                    declared.setdefault((table, key), Path(path).parent)
    meta = data.get("scenario")
    if named_by is not None and not isinstance(meta, dict):
        file, key, name = named_by
        raise ScenarioError([(file, key, f"not a scenario file (no [scenario] table): {name}")])
    parent = meta.get("extends") if isinstance(meta, dict) else None
    if parent is None:
        return data
    here = (str(path), "scenario.extends")
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError([(*here, "must be the name of a .toml scenario file")])
    if "\0" in parent or not parent.endswith(".toml"):
        raise ScenarioError([(*here, f"must name a .toml scenario file, not {parent!r}")])
    parent_path = Path(parent) if Path(parent).is_absolute() else path.parent / parent
    return _merge(_load_merged(parent_path, (*seen, path), (*here, parent), declared, files), data)


def declared_in(path: str | Path, table: str, key: str) -> Path:
    """The folder of the file, along ``path``'s chain of ``extends``, that sets
    ``table.key`` (the file itself when none does): a relative file name a scenario
    gives (its calibration) means the same file in every scenario that extends it."""
    found: dict[tuple[str, str], Path] = {}
    _load_merged(Path(path), declared=found)
    return found.get((table, key), Path(path).resolve().parent)


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    Raises
    ------
    ScenarioError
        With one ``FILE: key.path: what is wrong`` line per problem.
    """
    path = Path(path)
    files: list[tuple[str, dict]] = []
    data = _load_merged(path, files=files)
    files[0] = (str(path), files[0][1])  # the file as the user named it
    return parse_scenario(data, str(path), lambda where: _origin(where, data, files))


def _origin(where: str, merged: dict, chain: list[tuple[str, dict]]) -> str:
    """The file that wrote the key at ``where`` (``unit[2].capacity``, a place in the
    merged scenario): of the files along ``extends``, the one whose own content
    reaches deepest along that place, the named file on a tie (it overrides)."""
    parts = [int(i) if i else k for k, i in re.findall(r"([^.\[\]]+)|\[(\d+)\]", where)]
    best, depth = chain[0][0], _depth(parts, merged, chain[0][1])
    for file, data in chain[1:]:
        d = _depth(parts, merged, data)
        if d > depth:
            best, depth = file, d
    return best


def _depth(parts: list, merged: Any, own: Any) -> int:
    """How many of ``parts`` one file's content holds: keys by key, list items by
    the name the merged item has (lists merge by name)."""
    table = None
    for n, part in enumerate(parts):
        if isinstance(part, int):
            key = _NAME_KEYS.get(table or "")
            if key is None or not isinstance(merged, list) or not isinstance(own, list):
                return n
            item = merged[part] if part < len(merged) else None
            name = item.get(key) if isinstance(item, dict) else None
            mine = [x for x in own if isinstance(x, dict) and x.get(key) == name]
            if not isinstance(name, str) or not mine:
                return n
            merged, own = item, mine[-1]
        else:
            if not isinstance(own, dict) or part not in own:
                return n
            merged = merged.get(part) if isinstance(merged, dict) else None
            own, table = own[part], part
    return len(parts)
