"""Bounds that keep a run finite and its numbers exact.

Anything beyond them is a typo, never a scenario (docs/scenario.md, "Limits").
They are the schema's and the command line's (``--replications``, ``--seed``)."""

from __future__ import annotations

import datetime as dt

FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)
"""``scenario.start`` and ``end`` lie within these (the time axis is nanoseconds)."""
MAX_PLACES = 10_000_000
"""Places in a unit, a margin, a capacity change, a PMJ figure."""
MAX_RATE = 10_000_000
"""Arrivals per year of one stream."""
MAX_ARRIVALS = 10_000_000
"""Expected arrivals in one replication, all streams and the court backlog together."""
MAX_DAYS = 100_000
"""Any duration parameter, in days (274 years)."""
MAX_CV = 1000.0
"""sd_days / mean_days of a lognormal or gamma lies within [1 / MAX_CV, MAX_CV]."""
MAX_START_STOCK = 1_000_000
"""People present at the simulation's first day, when given as a number."""
MAX_ENTRIES = 1000
"""Units, streams, placements, policies, responses or PMJ figures in one scenario."""
MAX_NAME = 100
"""Characters in a scenario name (it names a folder)."""
MAX_REPLICATIONS = 1_000_000
"""Replications of one run (the file's and the command line's)."""
MAX_SEED = 2**63 - 1
"""numpy's SeedSequence takes more; a seed is written in TOML, whose integers stop here."""
MAX_FILE_BYTES = 4_000_000
"""A scenario file is a few kilobytes; anything this big is not one."""
