"""Progress of long runs: a tqdm bar of replications on a terminal, nothing in CI.

A planner starting 1,000 replications wants to see that it moves and how long
is left; a CI log or a pipe wants no carriage returns. The bar is shown only
when standard error is a terminal, ``CI`` is not set and ``--quiet`` was not
given.
"""

from __future__ import annotations

import os
import sys

from tqdm import tqdm


def wanted(quiet: bool = False) -> bool:
    """Whether to draw a bar: a terminal, not CI, not quiet."""
    return not quiet and sys.stderr.isatty() and not os.environ.get("CI")


class Progress:
    """A callback ``(done, total)`` for :func:`capaciteit.simulate` that draws a bar."""

    def __init__(self, label: str, enabled: bool = True):
        self.label = label
        self.enabled = enabled
        self._bar: tqdm | None = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._bar is None or self._bar.total != total:
            self.close()
            self._bar = tqdm(
                total=total, desc=self.label, unit="rep", file=sys.stderr, dynamic_ncols=True
            )
        self._bar.update(done - self._bar.n)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def bar(label: str, quiet: bool = False) -> Progress:
    """A bar for ``label`` that is drawn only where :func:`wanted` says."""
    return Progress(label, enabled=wanted(quiet))
