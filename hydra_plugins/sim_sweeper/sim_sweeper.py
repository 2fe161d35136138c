"""``hydra/sweeper=sim``: Hydra's basic sweeper (cartesian product of the swept values, same job
order and overrides) whose up-front check composes a bounded sample of jobs instead of every one.

Hydra's basic sweeper composes the config of every job in the parent before launching any, to fail
early (about 0.1 s a job here, 8% of a default run): a sweep of 10,000 runs would sit 17 minutes
before its first run, and every sweep pays it again on top of each job's own composition. This
one composes jobs that between them use every swept value of each key, up to ``validate_values``
values per key (the first and last included), and checks them against the schema's ranges too, so
typos, unknown options and out-of-range values fail before anything runs; a value past the cap is
checked by its own job, which then exits with a one-line error and is listed by
``python -m sim.collect`` as unfinished.

It also hands its launcher :class:`sim.sweeps.hydra_loader.ComposeOnceLoader`, so the jobs of a sweep that
varies only values do not each compose the config from its files again.
"""

# No ``from __future__ import annotations``: Hydra loads plugin modules without registering them in
# sys.modules, and dataclasses then cannot resolve string annotations; OmegaConf wants typing.Optional.
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional  # noqa: UP035

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig

from sim.sweeps.hydra_loader import ComposeOnceLoader


@dataclass
class SimSweeperConf:
    _target_: str = "hydra_plugins.sim_sweeper.sim_sweeper.SimSweeper"
    max_batch_size: Optional[int] = None  # noqa: UP045
    params: Optional[dict[str, str]] = None  # noqa: UP045
    validate_values: int = 5


ConfigStore.instance().store(group="hydra/sweeper", name="sim", node=SimSweeperConf, provider="sim")


def covering_jobs(batch: Sequence[Sequence[str]], per_key: int) -> list[list[str]]:
    """Jobs that between them use every value of each key (``key=value`` strings at the same
    positions in every job, as the basic sweeper makes them), at most ``per_key`` values a key."""
    if not batch:
        return []
    columns = [list(dict.fromkeys(job[i] for job in batch)) for i in range(len(batch[0]))]
    kept = [col if len(col) <= per_key else [*col[: per_key - 1], col[-1]] for col in columns]
    width = max(len(col) for col in kept)
    return [[col[j % len(col)] for col in kept] for j in range(width)]


class SimSweeper(BasicSweeper):
    """The basic sweeper, validating :func:`covering_jobs` of each batch instead of all its jobs."""

    def __init__(
        self,
        max_batch_size: int | None = None,
        params: dict[str, str] | None = None,
        validate_values: int = SimSweeperConf.validate_values,
    ) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        if validate_values < 2:
            raise ValueError(f"hydra.sweeper.validate_values={validate_values}: needs at least 2 (first and last)")
        self.validate_values = validate_values

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        """Hydra's set-up, with the launcher's jobs composed by :class:`ComposeOnceLoader`."""
        loader = ComposeOnceLoader.replacing(hydra_context.config_loader)
        hydra_context = HydraContext(config_loader=loader, callbacks=hydra_context.callbacks)
        super().setup(hydra_context=hydra_context, task_function=task_function, config=config)

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose :func:`covering_jobs` of the batch and check each against the schema's ranges
        (``sim.config.validate``); the first bad value stops the sweep with a one-line error."""
        from hydra.errors import ConfigCompositionException
        from omegaconf import OmegaConf

        from sim.config import ConfigError, validate

        for overrides in covering_jobs(batch, self.validate_values):
            cfg = self.hydra_context.config_loader.load_sweep_config(self.config, list(overrides))
            # the hydra node holds values only a running job fills in (hydra.job.num)
            try:
                validate(OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]))
            except ConfigError as exc:  # Hydra prints its own errors as one line, without a traceback
                raise ConfigCompositionException(f"{exc} (in the sweep, before any run started)") from None
