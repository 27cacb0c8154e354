"""`python -m bench` (`make bench`): time full and incremental builds of synthetic sites.

For each size the bench writes a synthetic content folder under `.bench/` (never into
`content/`), then times five cases, each in its own child process so that peak memory is
measured per case: a full build into an empty folder, a no-change rebuild, and rebuilds
after editing one treatment, one payer and the guide template. `cp -r` of the finished
output is timed too, as the floor a build cannot beat on this disk. With `--hugo`, Hugo
building the same site (bench/hugo/) is timed in the same rounds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .run import run_bench


def main() -> int:
    """The command line: sizes, runs, the report file and whether to time Hugo too."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--report", default="reports/bench.json")
    parser.add_argument("--hugo", action="store_true", help="also time Hugo building the same site (needs hugo)")
    args = parser.parse_args()
    return run_bench(sizes=args.sizes, runs=args.runs, out=Path(args.report), hugo=args.hugo)


if __name__ == "__main__":
    sys.exit(main())
