"""Errors that name what the user must fix.

Bad input (a scenario, a data file, a command line) is the user's to mend, so
its error carries every problem found, each as ``FILE: key.path: what is wrong``;
the command line prints those lines and exits with code 2, without a traceback.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input: one or more ``(file, where, message)`` problems."""

    def __init__(self, problems: list[tuple[str, str, str]] | str):
        if isinstance(problems, str):
            problems = [("", "", problems)]
        self.problems = list(problems)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        out = []
        for file, where, message in self.problems:
            parts = [p for p in (file, where) if p]
            out.append(": ".join([*parts, message]))
        return out


class ScenarioError(InputError):
    """A scenario file that cannot be used as written."""


class DataError(InputError):
    """A shipped data file that is missing, malformed or out of range."""
