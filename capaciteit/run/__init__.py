"""Running replications: seeds, executors (processes, dask), the on-disk store,
paired comparisons, and the dataset a run produces (:mod:`~capaciteit.run.results`)."""
