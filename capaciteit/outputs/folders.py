"""Never lose a user's file: which folders and files capaciteit may replace, and
replacing them all or nothing.

What may be replaced is only what capaciteit wrote. A results folder is known by
its ``manifest.json`` (a JSON object with ``capaciteit_version`` and ``outputs``,
the sha256 of every file written); a back-test folder by the columns of its
tables. An existing results folder is replaced only when asked (``--force``), and
then only the files it lists go: anything else in it (the user's notes) is moved
into the new folder, and one with the name of a file the command writes stops it.
A folder or file that capaciteit did not write is never replaced, asked or not;
an empty folder may be used. Files are written into a temporary folder beside the
target and renamed into place (:func:`staged`), so a reader never sees half a
folder, and a failed or interrupted command leaves none.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from capaciteit.errors import InputError
from capaciteit.outputs.i18n import SOURCE_LANG, languages

MANIFEST = "manifest.json"


#: every file ``capaciteit run`` writes into a results folder
RUN_FILES = (
    "occupancy.nc",
    "summary.csv",
    "yearly.csv",
    "report.html",
    "workbook.xlsx",
    "fan.png",
    MANIFEST,
)


#: what ``capaciteit backtest`` writes (it has no manifest: known by its columns)
BACKTEST_FILES = ("backtest.csv", "summary.csv", "vintage.csv", "pmj.csv", "backtest.png")


def backtest_chart_name(lang: str) -> str:
    """The back-test chart's file in ``lang``: ``backtest.png`` in the source
    language (English), ``backtest-<lang>.png`` in each other."""
    return "backtest.png" if lang == SOURCE_LANG else f"backtest-{lang}.png"


def backtest_files() -> tuple[str, ...]:
    """Every file ``capaciteit backtest`` writes: the tables, and its chart in each
    language there is a catalog for."""
    charts = tuple(backtest_chart_name(lang) for lang in languages() if lang != SOURCE_LANG)
    return (*BACKTEST_FILES, *charts)


_BACKTEST_COLUMNS = {"origin", "horizon", "year", "observed", "p50", "crps", "crps_naive"}


_SCORES_COLUMNS = {"horizon", "forecasts", "MAPE", "MASE", "CRPS"}


NEED_COLUMNS = {"year", "unit", "risk", "needed", "needed_low", "needed_high", "current", "gap"}


def refused(path: Path | str, message: str) -> InputError:
    """Bad input at a path: one line, ``PATH: message``."""
    return InputError([(str(path), "", message)])


def _hint(flag: str) -> str:
    return f"choose another {flag} or remove it yourself"


def plain_file(path: Path) -> bool:
    """A regular file, not a link."""
    return path.is_file() and not path.is_symlink()


def _columns(path: Path) -> set[str]:
    """The column names on the first line of a CSV file (empty if unreadable)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            line = f.readline(10_000)
    except OSError:
        return set()
    return {c.strip() for c in line.strip().split(",")}


def _plain_name(name: object) -> bool:
    """One file name, not a path (a manifest never makes us touch anything else)."""
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and "/" not in name
        and "\\" not in name
        and "\0" not in name
    )


def owned(folder: Path) -> set[str] | None:
    """The names of the files in ``folder`` that capaciteit wrote (those its
    manifest lists, and the manifest), or None when ``folder`` is not a results
    folder written by capaciteit."""
    folder = Path(folder)
    manifest = folder / MANIFEST
    if os.path.lexists(manifest):
        if not plain_file(manifest):
            return None
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("capaciteit_version"), str):
            return None
        outputs = data.get("outputs")
        if not isinstance(outputs, dict) or not all(map(_plain_name, outputs)):
            return None
        return {MANIFEST, *outputs}
    # a back-test folder has no manifest (it holds its own files only)
    backtest, scores = folder / "backtest.csv", folder / "summary.csv"
    if (
        plain_file(backtest)
        and plain_file(scores)
        and _BACKTEST_COLUMNS <= _columns(backtest)
        and _SCORES_COLUMNS <= _columns(scores)
    ):
        return set(backtest_files())
    return None


def _sort(folder: Path, files: set[str]) -> tuple[list[str], list[str]]:
    """The entries of ``folder`` capaciteit wrote (plain files it lists), which
    may be removed, and the others (the user's), which stay."""
    mine, other = [], []
    for p in sorted(folder.iterdir()):
        (mine if p.name in files and plain_file(p) else other).append(p.name)
    return mine, other


def check_parent(out: Path, flag: str = "-o") -> None:
    """The nearest existing folder above ``out`` must be a folder (to create ``out`` in)."""
    for up in Path(out).parents:
        if os.path.lexists(up):
            if not up.is_dir():
                raise refused(up, f"is a file, not a folder; {_hint(flag)}")
            return


def check_folder(
    out: Path, *, force: bool, writes: Iterable[str] = RUN_FILES, flag: str = "-o"
) -> None:
    """Whether a command may write the results folder ``out``; raises InputError
    (one line naming the path and what it is) when not.

    Absent or empty: yes. A results folder capaciteit wrote: only with ``force``,
    and only when none of ``writes`` (the names the command writes) is there
    without its manifest listing it (a file of the user's). Anything else (a
    file, a link, a folder of the user's): never."""
    _inspect(Path(out), force, set(writes), flag)


def _inspect(
    out: Path, force: bool, writes: set[str], flag: str
) -> tuple[list[str], list[str]] | None:
    """:func:`check_folder`; returns what is in ``out`` (None: nothing there)."""
    check_parent(out, flag)
    if not os.path.lexists(out):
        return None
    if out.is_symlink():
        raise refused(out, f"is a symbolic link, not a results folder; {_hint(flag)}")
    if not out.is_dir():
        what = "is a file" if out.is_file() else "is not a folder"
        raise refused(out, f"{what}, not a results folder; {_hint(flag)}")
    if not any(out.iterdir()):
        return [], []
    files = owned(out)
    if files is None:
        why = (
            "its manifest.json is not capaciteit's"
            if os.path.lexists(out / MANIFEST)
            else "no manifest.json"
        )
        raise refused(out, f"is not a results folder written by capaciteit ({why}); {_hint(flag)}")
    if not force:
        raise refused(out, "results folder exists; add --force to replace it")
    mine, other = _sort(out, files)
    for name in other:
        if name in writes:
            raise refused(
                out / name,
                "not written by capaciteit (not in its manifest.json), and would be "
                f"overwritten; move it away or choose another {flag}",
            )
    return mine, other


def replace_folder(tmp: Path, out: Path, flag: str = "-o") -> None:
    """Put the finished folder ``tmp`` in the place of ``out``, in one rename.

    ``out`` must be absent, empty, or a results folder capaciteit wrote (checked
    again here: it may have changed while the command ran). The entries of ``out``
    capaciteit did not write are moved into the new folder first, so they stay;
    those it wrote are removed after. On any failure ``out`` is left as it was."""
    tmp, out = Path(tmp), Path(out)
    found = _inspect(out, True, set(os.listdir(tmp)), flag)
    if found is None:
        tmp.rename(out)
        return
    mine, other = found
    old = out.with_name(f".old-{out.name}-{tmp.name[-8:]}")
    moved: list[str] = []
    try:
        for name in other:
            os.rename(out / name, tmp / name)
            moved.append(name)
        os.rename(out, old)
        try:
            os.rename(tmp, out)
        except BaseException:
            os.rename(old, out)
            raise
    except BaseException:
        _put_back(tmp, out, moved)
        raise
    for name in mine:  # only capaciteit's own files, by name
        (old / name).unlink(missing_ok=True)
    try:
        old.rmdir()
    except OSError:  # something appeared there meanwhile: it is left, never removed
        pass


def _put_back(tmp: Path, out: Path, moved: list[str]) -> None:
    """Undo the moves of the user's entries into ``tmp`` (which the caller removes)."""
    try:
        for name in reversed(moved):
            os.rename(tmp / name, out / name)
    except OSError:  # keep them out of the caller's way: tmp is renamed, not removed
        tmp.rename(out.with_name(f".kept-{out.name}-{tmp.name[-8:]}"))


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A new folder beside ``out`` to write a command's files into; when the block
    ends it takes ``out``'s place (:func:`replace_folder`), and on any failure it is
    removed, so a reader never sees half a folder."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{out.name}-", dir=out.parent))
    tmp.chmod(0o755)
    try:
        yield tmp
        replace_folder(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def check_file(out: Path, *, force: bool, columns: set[str], what: str, flag: str = "-o") -> None:
    """Whether a command may write the table ``out`` (a CSV with ``columns``):
    absent, or (with ``force``) a table of that kind that capaciteit wrote."""
    out = Path(out)
    check_parent(out, flag)
    if not os.path.lexists(out):
        return
    if out.is_dir() and not out.is_symlink():
        raise refused(out, f"is a folder, not a {what}; {_hint(flag)}")
    if not plain_file(out) or not columns <= _columns(out):
        raise refused(out, f"is not a {what} written by capaciteit; {_hint(flag)}")
    if not force:
        raise refused(out, f"{what} exists; add --force to replace it")
