"""Errors that name what the user must fix.

Bad input (a scenario, a data file, a command line) is the user's to mend, so
its error carries every problem found, each as ``FILE: key.path: what is wrong``;
the command line prints those lines and exits with code 2, without a traceback.
Each problem is one line: a character that would break it (a newline in a
quoted key, a control character in a name) is written as its escape, ``\\n``.
"""

from __future__ import annotations


def one_line(text: str) -> str:
    """``text`` with every character that is not printable (newlines, other line
    separators, control characters) written as its Python escape."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


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
            parts = [str(p) for p in (file, where) if p]
            out.append(one_line(": ".join([*parts, str(message)])))
        return out


class ScenarioError(InputError):
    """A scenario file that cannot be used as written."""


class DataError(InputError):
    """A shipped data file that is missing, malformed or out of range."""


class ScenarioWarning(UserWarning):
    """A valid scenario whose results need care (a unit full all the run, a
    forecast far past its data); the message reads ``FILE: key.path: what to know``."""
