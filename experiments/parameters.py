"""Write the parameter table, docs/parameters.md: every parameter with its value, unit, meaning, the
mechanism that uses it, its source or "assumption", and its sensitivity rank.

    python experiments/parameters.py            # docs/parameters.md (it is cheap: always a full run)
    python experiments/parameters.py --check    # exit 1 if docs/parameters.md is not what the code says
    python experiments/parameters.py --out DIR  # the table into DIR/parameters.md instead

Sources: configs/research/parameter_sources.yaml; meaning and unit: the schema (sim/config.py and
sim/mechanisms/*.py); ranks: docs/sensitivity.md (experiments/sensitivity.py).
"""

from __future__ import annotations

import sys

from experiments._docs import DOCS, cheap_writer_args, write_or_check
from sim.config import ConfigError
from sim.research.parameters import ASSUMPTION, markdown, parameters, sensitivity_ranks


def main(argv: list[str] | None = None) -> int:
    args = cheap_writer_args(__doc__, "parameters.md", argv)
    try:
        rows = parameters(ranks=sensitivity_ranks(DOCS / "sensitivity.md"))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    target = args.out / "parameters.md"
    code = write_or_check(target, markdown(rows), check=args.check, command="python experiments/parameters.py")
    if args.check or code:
        return code
    sourced = sum(r.source != ASSUMPTION for r in rows)
    print(f"{len(rows)} parameters ({sourced} sourced, {len(rows) - sourced} assumptions) -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
