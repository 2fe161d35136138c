"""The sweeps wing: resuming a sweep by run key, the jobs a sweep expects and its progress, the names
of its job folders, the collector (``python -m sim.collect``), Hydra's compose-once loader, the local
workers that die with their launcher and launching a design of runs. Imports the core; the core never imports it."""
