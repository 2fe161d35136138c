"""Hydra's basic sweeper with up-front validation that does not grow with the number of runs."""
