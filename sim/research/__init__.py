"""The research wing: claims C1..C15, external checks, sensitivity analysis, calibration, the levers
they vary, and the statistics behind them. Imports the core (and the sweeps wing); the core never
imports it."""
