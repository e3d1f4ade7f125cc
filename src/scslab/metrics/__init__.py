"""Measured quantities: one function per metric (core), the run summary, and preset indicators
(the package ``indicators``, one registered set per family of presets).

Metrics read only the results (tables, series, the figures and subject columns the modules
declare, the scenario the run used), never the live simulation, so they can be recomputed
from the results database (``scslab.store.load_results``).
"""
