"""A Hydra config loader that composes each distinct choice of config groups once per process.

Every job of a sweep composes its config again in the process that runs it (the joblib, Ray and
basic launchers all call ``load_sweep_config``): Hydra re-reads ~20 YAML files, rebuilds the
defaults tree and merges them, about 0.09 s a job, 7% of a default run, although most sweeps vary
only values (``seed=range(1000)``), never which files make up the config.

Hydra applies value overrides (``key=value``) after merging the files the group overrides
(``group=option``) choose, so ``compose(groups + values) == apply(values, compose(groups))``.
:class:`ComposeOnceLoader` keeps ``compose(groups)`` per process (the basic launcher's process, each
joblib/Ray worker) and gives every job a copy with its own value overrides applied by Hydra's own
``_apply_overrides_to_config``, then fills in what Hydra derives from the whole override list
(``hydra.overrides``, ``hydra.job.override_dirname``). ``tests/test_sweeps.py`` checks that the
result equals Hydra's full composition for group, value, hydra, added and deleted overrides.
Anything else (run-mode compositions, overrides this does not sort into groups and values, any
error) goes through Hydra's own path, so errors read exactly as Hydra's.

The sweepers ``hydra/sweeper=sim`` and ``design`` (``hydra_plugins/sim_sweeper``) install it for
their launcher. It lives outside ``hydra_plugins`` because Hydra's plugin scan executes every module
there again whenever it runs (in a joblib worker, once a job), which would empty the cache.
"""

from __future__ import annotations

import copy
import os
from collections import OrderedDict

from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra.core.config_loader import ConfigLoader
from hydra.core.override_parser.types import Override
from hydra.types import RunMode
from omegaconf import DictConfig

#: compositions kept per process: one per distinct choice of config groups (a sweep over groups
#: has few); least recently used dropped first
CACHE_SIZE = 32
_composed: OrderedDict[tuple, DictConfig] = OrderedDict()


class ComposeOnceLoader(ConfigLoaderImpl):
    """Hydra's config loader with the per-process composition cache described in the module."""

    @classmethod
    def replacing(cls, loader: ConfigLoader) -> ConfigLoader:
        """This loader on ``loader``'s search path; ``loader`` itself if it is not Hydra's own."""
        if type(loader) is not ConfigLoaderImpl:
            return loader
        return cls(config_search_path=loader.get_search_path())

    def load_configuration(
        self,
        config_name: str | None,
        overrides: list[str],
        run_mode: RunMode,
        from_shell: bool = True,
        validate_sweep_overrides: bool = True,
    ) -> DictConfig:
        def hydras_own(lines: list[str]) -> DictConfig:
            return super(ComposeOnceLoader, self).load_configuration(
                config_name, lines, run_mode, from_shell, validate_sweep_overrides
            )

        if run_mode != RunMode.RUN:  # the sweep's own config in the parent: composed once anyway
            return hydras_own(overrides)
        parsed, repo = self._parse_overrides_and_create_caching_repo(config_name, overrides)
        if any(o.is_sweep_override() or isinstance(o.value(), dict) for o in parsed):
            return hydras_own(overrides)
        is_group = [repo.group_exists(o.key_or_group) for o in parsed]
        groups = [o.input_line for o, group in zip(parsed, is_group, strict=True) if group]
        values = [o for o, group in zip(parsed, is_group, strict=True) if not group]
        key = (config_name, tuple(groups), from_shell, os.getcwd())
        base = _composed.get(key)
        if base is None:
            base = _composed[key] = hydras_own(groups)
            if len(_composed) > CACHE_SIZE:
                _composed.popitem(last=False)
        _composed.move_to_end(key)
        cfg = copy.deepcopy(base)
        try:
            self._apply_overrides_to_config(values, cfg)
        except Exception:  # let Hydra raise it, with its own message and context
            return hydras_own(overrides)
        self._record_overrides(cfg, parsed)
        return cfg

    @staticmethod
    def _record_overrides(cfg: DictConfig, parsed: list[Override]) -> None:
        """What Hydra's composition derives from the whole override list (in its order) and from
        the environment at the time."""
        task = [o for o in parsed if not o.is_hydra_override()]
        cfg.hydra.overrides.hydra = [o.input_line for o in parsed if o.is_hydra_override()]
        cfg.hydra.overrides.task = [o.input_line for o in task]
        for name in cfg.hydra.job.env_copy:
            cfg.hydra.job.env_set[name] = os.environ[name]
        naming = cfg.hydra.job.config.override_dirname
        cfg.hydra.job.override_dirname = get_overrides_dirname(
            overrides=task, kv_sep=naming.kv_sep, item_sep=naming.item_sep, exclude_keys=naming.exclude_keys
        )
