"""The command lines: ``python -m sim`` (:mod:`sim.cli.run`; its checks of the command line in
:mod:`sim.cli.overrides`, its ``--help`` and ``docs/config.md`` in :mod:`sim.cli.config_help`) and
``python -m sim.org`` (:mod:`sim.cli.org`).

They sit above every wing: a command may run the model, write figures and resume sweeps at once.
"""
