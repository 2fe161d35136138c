"""How long importing a 100,000-person org chart takes (target: under 10 s on the 2-core machine).

    python experiments/benchmark_org_import.py                   # ~100,000 people, CSV, 3 repeats
    python experiments/benchmark_org_import.py --people 300000 --format graphml --repeats 1

Generates an organisation of about ``--people`` seats (``sim.org.build_org``: 20 departments
of teams of ``--team-size`` staff and their lead), writes it as the chosen import format into a
temporary folder, then times ``sim.org.files.import_org`` on it: reading, every check, the peer
ties generated inside teams and the assembled ``Org``. Prints one line per repeat and, last, a
JSON line with the best time.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from sim.config import config_dir, load_config, typed_org
from sim.org import build_org
from sim.org.files import import_org, write_org

DEPARTMENTS = 20


def make_chart(people: int, team_size: int, fmt: str, folder: Path) -> tuple[Path, int]:
    """Write a generated org of about ``people`` seats as ``fmt``; returns the chart's path and its size."""
    per_department = max(1, round((people - 1 - DEPARTMENTS) / (DEPARTMENTS * (team_size + 1))))
    cfg = OmegaConf.merge(
        load_config(["org=company"]).org,
        {"departments": DEPARTMENTS, "teams_per_department": per_department, "team_size": team_size},
    )
    org = build_org(cfg, np.random.default_rng(0))
    ids = np.array([f"E{i:06d}" for i in range(org.n)], dtype=object)
    path = folder / {"csv": "chart.csv", "graphml": "chart.graphml", "edgelist": "chart.txt"}[fmt]
    write_org(org, path, fmt, ids=ids, roles=folder / "roles.csv" if fmt == "edgelist" else None)
    return path, org.n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--team-size", type=int, default=10, help="staff per team, the lead not counted")
    parser.add_argument("--format", choices=("csv", "graphml", "edgelist"), default="csv")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path, n = make_chart(args.people, args.team_size, args.format, folder)
        # the shipped defaults of org=from_file, with this chart (and roles file) filled in
        node = OmegaConf.load(config_dir() / "org" / "from_file.yaml")
        node.path = str(path)
        node.roles = str(folder / "roles.csv") if args.format == "edgelist" else None
        cfg = OmegaConf.to_object(typed_org(node))
        megabytes = path.stat().st_size / 1e6
        times = []
        for repeat in range(args.repeats):
            start = time.perf_counter()
            imported = import_org(cfg, np.random.default_rng(repeat))
            times.append(time.perf_counter() - start)
            org = imported.org
            print(
                f"repeat {repeat + 1}: {org.n:,} people, {org.n_teams:,} teams, {org.peer_ties.nnz // 2:,} peer ties "
                f"from a {megabytes:.1f} MB {args.format} file in {times[-1]:.2f} s"
            )
    print(
        json.dumps(
            {
                "people": n,
                "team_size": args.team_size,
                "format": args.format,
                "megabytes": round(megabytes, 2),
                "best_s": min(times),
            }
        )
    )


if __name__ == "__main__":
    main()
