"""Service culture dynamics: an agent-based model (Mesa) of how leadership, recognition, mistake
tolerance, training, hiring and peer talk propagate into service quality and business results.

Public API::

    from sim import ServiceCultureModel, load_config, run
    cfg = load_config(["leadership=manager_b", "org=small_team"])
    result = run(cfg, seed=1)          # a RunResult: timeseries, teams, summary
    reps = run_seeds(cfg, range(10))   # Replications: the tables of 10 seeds, with a seed column
"""

from sim.config import ConfigError, load_config
from sim.model import ServiceCultureModel
from sim.run import Replications, RunResult, run, run_and_write, run_seeds

# The one place the version is written: hatch reads it from here into the package's metadata
# ([tool.hatch.version] in pyproject.toml), so the code and the installed distribution cannot disagree.
__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Replications",
    "RunResult",
    "ServiceCultureModel",
    "__version__",
    "load_config",
    "run",
    "run_and_write",
    "run_seeds",
]
