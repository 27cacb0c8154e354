"""Golden snapshots of representative pages. Regenerate with `make golden` and review the diff."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
PAGES = [
    "northwind/entresto/not-medically-necessary/index.html",
    "contoso/lumbar-spinal-fusion/out-of-network/index.html",
    "northwind/index.html",
    "sitemap.xml",
]


@pytest.mark.parametrize("page", PAGES)
def test_page_matches_golden(page: str, built_site: Path) -> None:
    actual = (built_site / page).read_text("utf-8")
    golden = GOLDEN / page.replace("/", "__")
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, "utf-8")
        pytest.skip("golden file rewritten")
    assert golden.exists(), f"no golden file {golden}; run `make golden` and review it"
    expected = golden.read_text("utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "golden", "built"))
        pytest.fail(f"{page} differs from {golden.name}; if intended, run `make golden`:\n{diff}")
