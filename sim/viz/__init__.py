"""The visualisation wing: the standard figures of a run (:mod:`sim.viz.plots`) and the workshop
dashboard (:mod:`sim.viz.dashboard`, ``python -m sim.app``). Imports the core; the core never imports it."""
