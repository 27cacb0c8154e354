"""Golden snapshots of representative pages. Regenerate with `make golden` and review the diff."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest
from conftest import tree_digest

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


DIGESTS = GOLDEN / "fixture-site.sha256"
"""SHA-256 of every file the fixture site's build publishes, in `sha256sum` format: a refactor
must leave every byte alone, and content or template changes update it through `make golden`."""


def test_every_output_matches_its_recorded_digest(built_site: Path) -> None:
    published = {rel: d for rel, d in tree_digest(built_site).items() if rel != ".build-manifest.json"}
    actual = "".join(f"{d}  {rel}\n" for rel, d in sorted(published.items()))
    if os.environ.get("UPDATE_GOLDEN"):
        DIGESTS.write_text(actual, "utf-8")
        pytest.skip("digests rewritten")
    expected = DIGESTS.read_text("utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "recorded", "built"))
        pytest.fail(f"the fixture site's outputs differ from {DIGESTS.name}; if intended, run `make golden`:\n{diff}")
