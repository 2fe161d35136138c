"""Write the evidence table, docs/evidence.md: the published moments of configs/research/moments.yaml, the
calibration set and the held-out validation set, each with its source, the quote it was read in and the
model quantity it maps to.

    python experiments/evidence.py            # docs/evidence.md (cheap: always a full run)
    python experiments/evidence.py --check    # exit 1 if docs/evidence.md is not what the file says
    python experiments/evidence.py --out DIR  # into DIR/evidence.md instead
"""

from __future__ import annotations

import sys

from experiments._docs import cheap_writer_args, write_or_check
from sim.config import ConfigError
from sim.research.moments import history, load_moments, markdown
from sim.research.parameters import parameters


def main(argv: list[str] | None = None) -> int:
    args = cheap_writer_args(__doc__, "evidence.md", argv)
    try:
        moments = load_moments(parameters=[p.key for p in parameters(ranks={})])
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    target = args.out / "evidence.md"
    code = write_or_check(
        target, markdown(moments, history()), check=args.check, command="python experiments/evidence.py"
    )
    if not (args.check or code):
        held = sum(m.set == "validation" for m in moments)
        print(f"{len(moments)} moments ({len(moments) - held} calibration, {held} held out) -> {target}")
    return code


if __name__ == "__main__":
    sys.exit(main())
