"""Calibration on real history: reconstruction of the sparse series, the stay
and rate fits, the inflow forecast and its bands, and the rolling back-test.

The one call back up the layers: the band (:mod:`~capaciteit.calibrate.bands`)
and the back-test run the whole chain (:func:`capaciteit.run.runner.simulate`)
at earlier origins, because the band is learned from the chain's own errors.
Both import the runner inside the function that needs it.
"""
