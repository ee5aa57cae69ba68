"""The command line's grammar: commands, options, and the checks of their values.

Kept apart from what the commands do, so that the grammar reads as one piece;
the commands import what they need when they run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from capaciteit.cli.common import BACKTEST, BASELINE
from capaciteit.outputs.i18n import languages
from capaciteit.scenario import MAX_REPLICATIONS, MAX_SEED
from capaciteit.version import __version__


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors are bad input: exit 2, one line
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def _seed(text: str) -> int:
    """A --seed value: in the scenario file's range, checked before any work."""
    v = _whole(text)
    if not 0 <= v <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{v} is outside 0..{MAX_SEED}")
    return v


def _replications(text: str) -> int:
    """A -n value; the lower bound each command needs is checked by the command."""
    v = _whole(text)
    if v > MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(f"{v} is more than {MAX_REPLICATIONS:,}")
    return v


def _size_flags(p: argparse.ArgumentParser) -> None:
    """How many futures a command simulates, and from which seed (run, compare)."""
    p.add_argument(
        "-n",
        "--replications",
        type=_replications,
        default=None,
        help="replications: simulated futures (default: the scenario's [scenario] replications)",
    )
    p.add_argument(
        "--seed",
        type=_seed,
        default=None,
        help="seed of the random numbers (default: the scenario's [scenario] seed)",
    )


def _dask_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--dask", action="store_true", help="run on a local Dask cluster of --workers processes"
    )
    g.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask scheduler, tcp://host:port",
    )


def _scheduler(a: argparse.Namespace):
    """Where the replications run; a cluster is checked for before any work."""
    if not a.dask and a.scheduler is None:
        return None
    from capaciteit.run.runner import cluster_extra

    cluster_extra("--dask" if a.dask else "--scheduler")
    return "dask" if a.dask else a.scheduler


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="capaciteit", description="Dutch prison capacity model.")
    p.add_argument("--version", action="version", version=f"capaciteit {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    r = sub.add_parser("run", help="run a scenario and write its results folder")
    r.add_argument("scenario", type=Path, help="the scenario file (TOML)")
    _size_flags(r)
    r.add_argument("-o", "--out", type=Path, default=None, help="default: results/<name>/")
    r.add_argument("--workers", type=int, default=None, help="local processes (default: cores)")
    _dask_flags(r)
    r.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run from its replications on disk",
    )
    r.add_argument(
        "--store",
        type=Path,
        default=None,
        metavar="DIR",
        help="keep the replications in this zarr store, and keep it after the run (default: a "
        "hidden folder beside the results, removed once they are written)",
    )
    r.add_argument(
        "--force",
        action="store_true",
        help="replace a results folder (or start over a store) that capaciteit wrote",
    )
    r.add_argument("--quiet", action="store_true", help="no progress or summary output")
    r.add_argument("--lang", choices=languages(), default="nl", help="report language")
    r.add_argument(
        "--backtest",
        type=Path,
        default=BACKTEST,
        help=f"back-test folder whose scores the report shows (default: {BACKTEST})",
    )
    u = sub.add_parser("publish", help="run every scenario given and write an index of results")
    u.add_argument("scenarios", type=Path, nargs="+")
    u.add_argument(
        "-n", "--replications", type=_replications, default=None, help="default: each scenario's"
    )
    u.add_argument("-o", "--out", type=Path, default=Path("results"))
    u.add_argument("--workers", type=int, default=None)
    u.add_argument(
        "--force", action="store_true", help="replace results folders that capaciteit wrote"
    )
    u.add_argument("--quiet", action="store_true")
    u.add_argument("--lang", choices=languages(), default="nl", help="report language")
    u.add_argument("--backtest", type=Path, default=BACKTEST)
    v = sub.add_parser("validate", help="check scenario files")
    v.add_argument("scenarios", type=Path, nargs="+")
    c = sub.add_parser("calibrate", help="fit rates, stays and the inflow forecast to the data")
    c.add_argument("scenarios", type=Path, nargs="*", default=[BASELINE])
    c.add_argument(
        "-o",
        "--out",
        type=Path,
        default=None,
        help="file to write (default: the scenario's inflow.file)",
    )
    c.add_argument("--quiet", action="store_true")
    b = sub.add_parser("backtest", help="score the whole chain from rolling origins")
    b.add_argument("scenario", type=Path, nargs="?", default=BASELINE)
    b.add_argument("--origins", default="2010-2019", help="years, e.g. 2010-2019 or 2012,2016")
    b.add_argument("-n", "--replications", type=_replications, default=200)
    b.add_argument("--seed", type=_seed, default=1)
    b.add_argument("-o", "--out", type=Path, default=Path("results/backtest"))
    b.add_argument("--workers", type=int, default=None)
    b.add_argument(
        "--force", action="store_true", help="replace a back-test folder that capaciteit wrote"
    )
    b.add_argument("--quiet", action="store_true")
    m = sub.add_parser("compare", help="paired differences of scenarios against a base")
    m.add_argument("base", type=Path)
    m.add_argument("alternatives", type=Path, nargs="+")
    _size_flags(m)
    m.add_argument("-o", "--out", type=Path, default=None, help="default: results/compare/")
    m.add_argument("--workers", type=int, default=None)
    _dask_flags(m)
    m.add_argument(
        "--force", action="store_true", help="replace a compare folder that capaciteit wrote"
    )
    m.add_argument("--quiet", action="store_true")
    m.add_argument("--lang", choices=languages(), default="nl", help="report language")
    d = sub.add_parser("need", help="capacity needed for a risk of a shortage day per year")
    d.add_argument("scenario", type=Path, help="the scenario file (TOML)")
    d.add_argument("--risk", type=float, default=0.05)
    d.add_argument(
        "-n",
        "--replications",
        type=_replications,
        default=None,
        help="replications: simulated futures (default: the scenario's [scenario] replications)",
    )
    d.add_argument(
        "--seed",
        type=_seed,
        default=None,
        help="seed of the random numbers (default: the scenario's [scenario] seed)",
    )
    d.add_argument("-o", "--out", type=Path, default=None, help="default: results/<name>/need.csv")
    d.add_argument("--workers", type=int, default=None)
    _dask_flags(d)
    d.add_argument(
        "--force", action="store_true", help="replace a need table that capaciteit wrote"
    )
    d.add_argument("--quiet", action="store_true")
    return p


def _origins(text: str) -> list[int]:
    if "-" in text:
        lo, hi = (int(x) for x in text.split("-", 1))
        return list(range(lo, hi + 1))
    return [int(x) for x in text.split(",") if x.strip()]
