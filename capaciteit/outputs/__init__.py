"""What a run gives its users: the headline answer, places needed, figures, the
HTML report, the workbook, the results folder and the published index.

Reads a run's dataset; never runs the model itself, except ``publish``, which
drives whole scenarios for CI.
"""
