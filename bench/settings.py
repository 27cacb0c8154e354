"""Settings shared by the bench's parts: where it reads and writes, its cases and their labels."""

from __future__ import annotations

import os
from pathlib import Path

GENERATOR_VERSION = 2
"""Bump whenever the synthetic content changes, so old `.bench/` folders are regenerated."""

PROJECT = Path(__file__).resolve().parent.parent
CODE = Path(os.environ.get("BENCH_CODE") or PROJECT)  # set but empty counts as unset
"""Where the timed builds take `generator` and its templates from: set BENCH_CODE to a checkout
of an older commit to time it on the same synthetic content, in the same run of the machine."""
REAL_CONTENT = PROJECT / "content"
BENCH_DIR = Path(".bench")
JOBS = 2
CASES = ("full", "no_change", "edit_treatment", "edit_payer", "edit_template")
CASE_LABELS = {
    "full": "full build",
    "no_change": "no-change rebuild",
    "edit_treatment": "edit 1 treatment",
    "edit_payer": "edit 1 payer",
    "edit_template": "edit guide template",
    "cp_floor": "cp -r floor",
    "rm_cp_floor": "rm -rf + cp -r floor",
    "hugo": "Hugo full build",
}
FLOORS = ("cp_floor", "rm_cp_floor")
HUGO_SITE = PROJECT / "bench" / "hugo"
"""The same site made with Hugo, for `bench --hugo`: see its README."""
REVIEWED = "2026-11-22"
