"""The simulation: one replication from a compiled scenario to daily counts.

People are arrays (struct of arrays), drawn a stream at a time; wings and the
responses to a shortage decide placements day by day. Reads no files, prints
nothing, fits nothing: it is given a :class:`~capaciteit.scenario.Scenario` with
its calibration already applied.
"""
