"""The simulation engine: struct-of-arrays state, named random streams and one module per
part of the institution, run by the published day loop in :mod:`scslab.engine.sim`.
"""
