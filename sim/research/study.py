"""What the research scripts in ``experiments/`` share: a study's settings and their command line.

A study's settings are ``configs/research/<name>.yaml`` with command-line ``key=value`` overrides
merged on top (OmegaConf dot-list syntax, e.g. ``morris.trajectories=4``); keys the file does not
have are refused, and mappings the script names (``parameters``, ``bounds``...) are replaced whole
by an override that sets them. Running a design of runs through the launchers is
:func:`sim.sweeps.design.launch_design`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config import ConfigError, config_dir


def load_study(name: str, overrides: Sequence[str] = (), replace: Sequence[str] = ()) -> DictConfig:
    """``configs/research/<name>.yaml`` with ``key=value`` overrides; raises ``ConfigError`` on an
    unknown key or a malformed override. A key in ``replace`` (a mapping such as ``parameters``) is
    replaced whole by an override that sets it, instead of merged into."""
    path = config_dir() / "research" / f"{name}.yaml"
    cfg = OmegaConf.load(path)
    OmegaConf.set_struct(cfg, True)
    try:
        given = OmegaConf.from_dotlist(list(overrides))
        named = {text.split("=", 1)[0] for text in overrides}
        for key in set(replace) & named:  # `parameters={...}` replaces; `parameters.x=[0, 1]` merges
            OmegaConf.update(cfg, key, OmegaConf.select(given, key), merge=False)
        return OmegaConf.merge(cfg, given)
    except OmegaConfBaseException as exc:
        raise ConfigError(f"{path.name}: {str(exc).splitlines()[0]}") from None


def run_cli(
    name: str,
    argv: Sequence[str] | None,
    doc: str,
    body: Callable[[DictConfig, set[str]], int],
    *,
    flags: Sequence[str] = (),
    replace: Sequence[str] = (),
) -> int:
    """The command line of a research script: ``-h`` prints ``doc``; the ``flags`` given are passed to
    ``body`` with the config (``load_study(name, the other arguments, replace)``); bad input
    (``ConfigError``, ``ValueError``, ``RuntimeError``) prints one line ``error: ...`` and returns 2."""
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in args):
        print(doc)
        return 0
    given = {a for a in args if a in flags}
    try:
        return body(load_study(name, [a for a in args if a not in given], replace), given)
    except (ConfigError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
