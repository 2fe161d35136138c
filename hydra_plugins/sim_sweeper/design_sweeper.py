"""``hydra/sweeper=design``: one job per row of a design file (a CSV: a column per config key, a row
per run), e.g. the samples of a sensitivity analysis (``experiments/sensitivity.py``)::

    python -m sim -m hydra/sweeper=design hydra.sweeper.design=design.csv org=small_team

Each job's overrides are the command line's (swept values too: every row runs with each of their
combinations) followed by its row's ``key=value`` pairs, so a job's config holds the row's values,
its run key covers them (resume works as for any sweep) and ``python -m sim.collect`` lists them as
swept columns and reports the rows that have no complete run. Jobs are validated up front as by
``hydra/sweeper=sim``; the launcher is whatever ``hydra/launcher`` says.
"""

# No ``from __future__ import annotations``: see sim_sweeper.py.
from dataclasses import dataclass
from typing import Optional  # noqa: UP035

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.types import Override

from hydra_plugins.sim_sweeper.sim_sweeper import SimSweeper, SimSweeperConf


@dataclass
class DesignSweeperConf(SimSweeperConf):
    _target_: str = "hydra_plugins.sim_sweeper.design_sweeper.DesignSweeper"
    design: Optional[str] = None  # noqa: UP045  the CSV: a column per config key, a row per run


ConfigStore.instance().store(group="hydra/sweeper", name="design", node=DesignSweeperConf, provider="sim")


class DesignSweeper(SimSweeper):
    """:class:`SimSweeper` whose jobs are the rows of ``design`` (``sim.sweeps.jobs.design_jobs``)."""

    def __init__(
        self,
        design: str | None = None,
        max_batch_size: int | None = None,
        params: dict[str, str] | None = None,
        validate_values: int = SimSweeperConf.validate_values,
    ) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params, validate_values=validate_values)
        if not design:
            raise ValueError("hydra.sweeper.design is not set: give the CSV of runs (a column per key, a row per run)")
        self.design = design

    def split_arguments(self, overrides: list[Override], max_batch_size: int | None) -> list[list[list[str]]]:
        """The design's jobs (each row after every job of the command line), in batches."""
        from sim.sweeps.jobs import design_jobs

        base = BasicSweeper.split_arguments(overrides, None)[0]
        jobs = design_jobs(self.design, base)
        return [list(chunk) for chunk in BasicSweeper.split_overrides_to_chunks(jobs, max_batch_size)]
