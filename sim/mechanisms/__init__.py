"""One module per mechanism: its parameters and its functions.

A module's ``*Params`` dataclass is its block of the config (``dynamics.<module>``, with the allowed
range of each field); its public functions are pure: arrays and that dataclass in, arrays out. The
model's ``step`` (``sim.model``) calls them in a fixed order. Every function's docstring gives its
formula and the claim (C-number, see docs/model.md) it serves. docs/adding-a-mechanism.md says how
to add one.
"""
