"""Strip outputs, execution counts and widget state from notebooks, so that git holds only their source.

    python scripts/strip_notebooks.py                 # every notebooks/*.ipynb, in place
    python scripts/strip_notebooks.py --check         # exit 1 and name the notebooks that hold outputs
    python scripts/strip_notebooks.py a.ipynb b.ipynb

Needs only nbformat (the dev extra). The test suite runs the same check (tests/test_notebooks.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
VOLATILE_METADATA = ("widgets", "execution", "collapsed", "scrolled")


def dirt(nb: nbformat.NotebookNode) -> list[str]:
    """What a notebook holds beyond its source: one line per cell with outputs or a count, and widget state."""
    found = [
        f"cell {i}: {'outputs' if cell.get('outputs') else 'execution count'}"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    if "widgets" in nb.metadata:
        found.append("notebook metadata: widget state")
    return found


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Clear every code cell's outputs and execution count and drop volatile metadata (in place)."""
    for key in VOLATILE_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in VOLATILE_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if any notebook holds outputs")
    args = parser.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    dirty = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        found = dirt(nb)
        if not found:
            continue
        dirty += 1
        if args.check:
            print(f"{path}: {'; '.join(found)}")
        else:
            nbformat.write(strip(nb), path)
            print(f"stripped {path}")
    if args.check and dirty:
        print(f"{dirty} notebook(s) hold outputs: run `make strip-notebooks`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
