"""Measured quantities: one function per metric (core), the run summary, and preset indicators
(the package ``indicators``, one registered set per family of presets).

Metrics read only the results tables (and, for indicators, the finished Sim), never the
scenario file, so they can be recomputed from the results database.
"""
