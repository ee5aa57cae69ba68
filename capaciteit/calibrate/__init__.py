"""Calibration on real history: reconstruction of the sparse series, the stay
and rate fits, the inflow forecast and its bands, and the scores the back-test
(:mod:`capaciteit.run.backtest`) gives them.

Inside this layer, a module imports from its own group and the groups listed
before it, never from one listed after it:

- history: :mod:`~capaciteit.calibrate.censored` (a stock counted while the
  prisons were full), :mod:`~capaciteit.calibrate.little_model` and
  :mod:`~capaciteit.calibrate.reconstruct` (the yearly inflow and stay, from
  sparse data), with :mod:`~capaciteit.calibrate.plain` (linear algebra the same
  on every machine);
- forecast: :mod:`~capaciteit.calibrate.forecast` (the candidates combined) and
  :mod:`~capaciteit.calibrate.bands` (the whole chain's widening), with
  :mod:`~capaciteit.calibrate.origins` (a scenario as it stood at an origin) and
  :mod:`~capaciteit.calibrate.context` (whether a calibration carries the band);
- fit: :mod:`~capaciteit.calibrate.inflow`, :mod:`~capaciteit.calibrate.stay_targets`,
  :mod:`~capaciteit.calibrate.stay_moments`, :mod:`~capaciteit.calibrate.stay_fit`
  and :mod:`~capaciteit.calibrate.overlay`, kept as :mod:`~capaciteit.calibrate.record`
  and fitted together by :mod:`~capaciteit.calibrate.calibration`, the door a run
  goes through;
- scores: :mod:`~capaciteit.calibrate.scores` (CRPS, the naive baselines, what the
  scores say about a run's bands), used by the back-test
  (:mod:`capaciteit.run.backtest`, in the layer above: it runs the whole chain).

The one call back up the layers: the band runs the whole chain
(:func:`capaciteit.run.runner.simulate`) at earlier origins, because the band is
learned from the chain's own errors. It imports the runner inside the function
that needs it (``tests/test_architecture.py`` lists it as the one exception).
"""
