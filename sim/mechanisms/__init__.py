"""One module per mechanism; each public function is pure: arrays in, arrays out.

The model's ``step`` (``sim.model``) calls them in a fixed order. Every function's docstring
gives its formula and the claim (C-number, see docs/model.md) it serves.
"""
