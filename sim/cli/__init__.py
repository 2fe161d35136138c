"""The command lines: ``python -m sim`` (:mod:`sim.cli.run`) and ``python -m sim.org`` (:mod:`sim.cli.org`).

They sit above every wing: a command may run the model, write figures and resume sweeps at once.
"""
