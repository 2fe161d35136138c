"""The sweeps wing: resuming a sweep by run key, the jobs a sweep expects and its progress, the names
of its job folders, the collector (``python -m sim.collect``), Hydra's compose-once loader and launching
a design of runs. Imports the core; the core never imports it."""
