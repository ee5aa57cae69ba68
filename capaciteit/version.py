"""The package's version, in a module of its own at the bottom of the layers:
every layer writes it into what it produces (calibrations, stores, datasets,
manifests), and none may import the package's top (``capaciteit/__init__``)."""

__version__ = "0.1.0"
