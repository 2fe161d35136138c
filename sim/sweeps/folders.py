"""The folder of each job of a sweep: its number, its seed and the values it sweeps, short and safe on
any file system, e.g. ``3_seed=1,style.recognition_rate=0.8``.

``configs/config.yaml`` builds ``hydra.sweep.subdir`` as ``${hydra.job.num}_${sim.swept:...}`` from the
job's overrides (``hydra.overrides.task``), leaving out the keys in
``hydra.job.config.override_dirname.exclude_keys``: ``python -m sim -m`` puts there every key the command
line sets to one value (``sim.cli.overrides.constant_keys``), so a folder names only what varies across the
sweep; a design's columns or an Optuna sweeper's parameters are never on the command line and always show.
The folder name is made from the overrides alone, so running the same sweep again gives every job the
same folder and resume (``sim.sweeps.jobs``) finds its finished runs; the collector reads a job's values
from its ``.hydra/overrides.yaml``, never from the name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from omegaconf import OmegaConf

#: what may stay in a key or a value; any run of other characters becomes one ``_``
_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")
#: the longest folder name made (most file systems allow 255 bytes); longer ones are cut and end in a hash
MAX_NAME = 100
RESOLVER = "sim.swept"


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text)


def swept_name(task_overrides: Iterable[str], exclude_keys: Iterable[str], seed: object) -> str:
    """``seed=<seed>`` then each override of ``task_overrides`` whose key is not in ``exclude_keys``, as
    ``key=value`` with any run of characters but letters, digits and ``._+-`` replaced by one ``_`` (none at
    either end of a value: quotes, braces), joined by commas.

    A name longer than ``MAX_NAME`` characters (the job number in front included, up to 6 digits) keeps
    its start and ends in ``-`` and 8 hex digits of a SHA-256 of the whole name, so it stays distinct.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    excluded = set(exclude_keys) | {"seed"}
    items = [f"seed={_safe(str(seed))}"]
    for override in OverridesParser.create().parse_overrides([str(o) for o in task_overrides]):
        if override.key_or_group in excluded:
            continue
        key = override.key_or_group + (f"@{override.package}" if override.package else "")
        value = "" if override.is_delete() else override.get_value_element_as_str()
        items.append(f"{_safe(key)}={_safe(value).strip('_')}")
    name = ",".join(items).rstrip(".")
    room = MAX_NAME - 7  # the job number and its underscore
    if len(name) <= room:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{name[: room - 9].rstrip('.')}-{digest}"


def register_resolver() -> None:
    """Make ``${sim.swept:...}`` known to OmegaConf in this process (idempotent). Every process that runs
    a job resolves its folder, so the app registers it when imported (``sim.cli.run``)."""
    if not OmegaConf.has_resolver(RESOLVER):
        OmegaConf.register_new_resolver(
            RESOLVER, lambda task, exclude, seed: swept_name(list(task), list(exclude or []), seed)
        )
