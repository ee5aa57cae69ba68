"""What every command shares: failing with one line per problem, and paths."""

from __future__ import annotations

import os
import sys
from pathlib import Path

BASELINE = Path("scenarios/baseline.toml")


BACKTEST = Path("results/backtest")


def _fail(lines: list[str], code: int = 2) -> int:
    for line in lines:
        print(line, file=sys.stderr)
    return code


def _named(path: Path) -> Path:
    """``path`` with a last component that names it (``.`` and ``..`` made absolute),
    so that the folders beside it (temporary, partial store) are beside it."""
    return Path(os.path.abspath(path)) if path.name in ("", "..") else path
