"""The ``capaciteit`` command line.

Exit codes: 0 success, 2 bad input (usage, scenario, data), 1 internal error.
Bad input prints one line per problem on stderr, never a traceback, and never
leaves a partial results folder.

The commands live in :mod:`~capaciteit.cli.run` (``run``),
:mod:`~capaciteit.cli.fit` (``validate``, ``calibrate``, ``backtest``) and
:mod:`~capaciteit.cli.compare` (``compare``, ``publish``, ``need``); the grammar
in :mod:`~capaciteit.cli.parser`.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import warnings

from capaciteit.cli.common import _fail
from capaciteit.cli.compare import _compare, _need, _publish
from capaciteit.cli.fit import _backtest, _calibrate, _validate
from capaciteit.cli.parser import _parser
from capaciteit.cli.run import _run
from capaciteit.errors import InputError, ScenarioError, ScenarioWarning, one_line

__all__ = ["main"]
_python_show_warning = warnings.showwarning


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A scenario warning is one line, ``warning: FILE: key: text``, not Python's
    two-line ``file:line: Category: text`` with a source line the user never wrote."""
    if issubclass(category, ScenarioWarning):
        print(f"warning: {one_line(str(message))}", file=file or sys.stderr)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


def main(argv: list[str] | None = None) -> int:
    try:
        a = _parser().parse_args(argv)
    except SystemExit as e:  # usage errors (2), --help and --version (0)
        return int(e.code or 0)
    with warnings.catch_warnings():  # restored after: main() is also called in-process
        warnings.simplefilter("always", ScenarioWarning)  # each command shows its own
        warnings.showwarning = _show_warning
        return _main(a)


def _main(a: argparse.Namespace) -> int:
    try:
        if a.command == "run":
            return _run(a)
        if a.command == "validate":
            return _validate(a)
        if a.command == "compare":
            return _compare(a)
        if a.command == "publish":
            return _publish(a)
        if a.command == "need":
            return _need(a)
        if a.command == "calibrate":
            return _calibrate(a)
        if a.command == "backtest":
            return _backtest(a)
        raise AssertionError(f"no handler for command {a.command!r}")
    except ScenarioError as e:
        return _fail(e.lines())
    except InputError as e:
        return _fail(e.lines())
    except KeyboardInterrupt:
        return _fail(["capaciteit: interrupted; nothing was written"], 130)
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception:  # an internal error: say so, with the traceback for the report
        traceback.print_exc()
        return _fail(
            ["capaciteit: internal error (a bug); please report it with the lines above"], 1
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
