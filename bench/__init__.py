"""The benchmark (`make bench`, `python -m bench`): synthetic sites of 1k, 10k and 100k pages, full and
incremental builds timed in child processes, and optionally Hugo building the same site.

It runs from a checkout only and is not part of the installed generator.
"""

from .cases import compile_code, run_case, run_round
from .hugo_compare import find_hugo, prepare_hugo_site, time_hugo
from .report import format_table, write_report
from .run import run_bench
from .settings import CASES, CODE, JOBS, PROJECT
from .sites import BenchSite, prepare_site
from .synthetic import generate_content

__all__ = [
    "CASES",
    "CODE",
    "JOBS",
    "PROJECT",
    "BenchSite",
    "compile_code",
    "find_hugo",
    "format_table",
    "generate_content",
    "prepare_hugo_site",
    "prepare_site",
    "run_bench",
    "run_case",
    "run_round",
    "time_hugo",
    "write_report",
]
