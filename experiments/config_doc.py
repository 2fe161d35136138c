"""Write the configuration reference, docs/config.md: every config group with its options (and what each
is), every key with its default, what it takes (range and unit, or choices) and what it means.

    python experiments/config_doc.py            # docs/config.md (it is cheap: always a full run)
    python experiments/config_doc.py --check    # exit 1 if docs/config.md is not what the code says
    python experiments/config_doc.py --out DIR  # the reference into DIR/config.md instead

Read from the schema (sim/config.py, sim/mechanisms/*.py), configs/ and the default configuration
(sim/cli/config_help.py); `python -m sim --help` shows the same.
"""

from __future__ import annotations

import sys

from experiments._docs import cheap_writer_args, write_or_check
from sim.cli.config_help import markdown, sections
from sim.config import ConfigError, load_config


def main(argv: list[str] | None = None) -> int:
    args = cheap_writer_args(__doc__, "config.md", argv)
    try:
        cfg = load_config([])
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    target = args.out / "config.md"
    code = write_or_check(target, markdown(cfg), check=args.check, command="python experiments/config_doc.py")
    if args.check or code:
        return code
    parts = sections(cfg)
    print(f"{sum(len(part.rows) for part in parts)} keys in {len(parts)} sections -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
