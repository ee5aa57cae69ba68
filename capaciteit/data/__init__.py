"""The shipped real series (CSV, each row with its source) and their loader,
:mod:`capaciteit.data.history`. The lowest layer: it imports nothing of the model."""
