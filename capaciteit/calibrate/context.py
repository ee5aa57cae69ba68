"""Whether a calibration carries the band: a context, not an argument.

The band's nested back-tests (:mod:`capaciteit.calibrate.bands`) calibrate the
scenario at earlier origins without a band, several calls down from where they
start; the flag travels with the context instead of through every signature.
Both the fit (:func:`capaciteit.calibrate.calibration.calibrate`, whose memo is
keyed on it) and the stored file (:func:`capaciteit.calibrate.record.stored`,
never read inside) look at it.
"""

from __future__ import annotations

import contextlib
import contextvars

_BAND = contextvars.ContextVar("capaciteit_band", default=True)


@contextlib.contextmanager
def without_band():
    """Calibrations made inside have no band (1): the band's own nested
    back-tests (:mod:`capaciteit.calibrate.bands`) run so, and read no calibration file."""
    token = _BAND.set(False)
    try:
        yield
    finally:
        _BAND.reset(token)


def banded() -> bool:
    """False inside :func:`without_band`."""
    return _BAND.get()
