"""What the sweep tests share: a quick sweep on the command line and its summaries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

QUICK = ["org=small_team", "steps=8", "output.figures=false"]
SWEEP_4 = ("seed=0,1", "style.recognition_rate=0.2,0.8")  # style.<lever>: every leader's


def sweep(sweep_dir: Path, *args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m sim -m`` of the quick config into ``sweep_dir``, which must succeed."""
    done = subprocess.run(
        [sys.executable, "-m", "sim", "-m", *QUICK, f"hydra.sweep.dir={sweep_dir}", *args],
        cwd=sweep_dir.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def summaries(sweep_dir: Path) -> dict[int, dict]:
    """seed -> {"final": ..., "mean": ...} of every finished run of a sweep over seeds."""
    out = {}
    for path in sweep_dir.glob("*/summary.json"):
        s = json.loads(path.read_text())
        out[s["seed"]] = {"final": s["final"], "mean": s["mean"]}
    return out
