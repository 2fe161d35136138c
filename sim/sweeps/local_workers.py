"""The local launcher's workers die with it.

Hydra's joblib launcher runs a sweep's jobs in loky worker processes, children of the launching
process. A launcher killed outright (``kill -9``, the OOM killer, a closed SSH session without a
hang-up handler) tells them nothing: a worker busy with a job finishes it for nobody, and an idle
worker (about 210 MB) sits on its queue until loky's idle timeout, with the two resource trackers it
keeps alive. :func:`use_watched_workers` makes every loky worker, from the moment it starts, watch
its parent and end within a second of its death. Ray's and Slurm's workers are not the launcher's
children and have their own lifetimes.
"""

from __future__ import annotations

import os
import threading
import time

from joblib import register_parallel_backend
from joblib.parallel import LokyBackend

#: how often a worker looks at its parent, in seconds: the longest a worker outlives its launcher
WATCH_INTERVAL = 1.0


def watch_launcher(launcher: int) -> None:
    """A loky worker's initializer: end this process when ``launcher`` (its parent at birth) is gone.

    A worker whose launcher died while it was starting has already been handed to another parent and
    ends at once; otherwise a daemon thread checks the parent once per :data:`WATCH_INTERVAL`.
    """
    if os.getppid() != launcher:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == launcher:
            time.sleep(WATCH_INTERVAL)
        os._exit(1)  # no clean-up to wait for: nobody is left to take this job's result

    threading.Thread(target=watch, name="launcher-watch", daemon=True).start()


class _WatchedLokyBackend(LokyBackend):
    """joblib's loky backend whose workers run :func:`watch_launcher` first."""

    def configure(self, *args: object, **kwargs: object) -> int:
        return super().configure(*args, initializer=watch_launcher, initargs=(os.getpid(),), **kwargs)


def use_watched_workers() -> None:
    """In the launching process: every loky pool started from now on (Hydra's joblib launcher names the
    backend ``"loky"``) gives its workers :func:`watch_launcher`."""
    register_parallel_backend("loky", _WatchedLokyBackend)
