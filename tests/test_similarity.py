"""The build's uniqueness bars (similarity.py): the fast, windowed near-copy choice gives exactly what a
brute-force check gives, and the block measure agrees with the one make check takes on built pages."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
from conftest import FIXTURE

from generator.load import load_content
from generator.plan import plan_pages
from generator.similarity import CHROME_SHINGLES, Bars, BlockTable, choose_noindex, similarity
from generator.uniqueness import main_text, name_tokens, shingles
from generator.validate import validate_content


def brute_force(bars: Bars, content, plan) -> set[int]:
    """The definition, directly: thin pages out, then compare each page with every kept page that shares a group."""
    table = BlockTable(content, plan)
    kept: list[int] = []
    noindex = set()
    for i, g in enumerate(plan.guides):
        if table.own_share(i) < bars.own_share_min:
            noindex.add(i)
            continue
        near = [
            j
            for j in kept
            if (plan.guides[j].treatment, plan.guides[j].reason) == (g.treatment, g.reason)
            or (plan.guides[j].payer, plan.guides[j].treatment) == (g.payer, g.treatment)
        ]
        if any(similarity(table.weights(i), table.weights(j)) >= bars.nearest_max for j in near):
            noindex.add(i)
        else:
            kept.append(i)
    return noindex


BARS = [Bars(0.1, 0.95), Bars(0.0, 0.85), Bars(0.2, 0.7), Bars(0.05, 0.5)]


@pytest.mark.parametrize("bars", BARS)
def test_windowed_detection_matches_brute_force(bars: Bars) -> None:
    # The same over the real content: test_real_content.py.
    content = validate_content(load_content(FIXTURE))
    plan = plan_pages(content)
    assert choose_noindex(bars, content, plan) == brute_force(bars, content, plan)


def test_the_bars_choose_some_pages_and_not_all() -> None:
    content = validate_content(load_content(FIXTURE))
    plan = plan_pages(content)
    chosen = choose_noindex(Bars(0.0, 0.85), content, plan)
    assert 0 < len(chosen) < len(plan.guides)
    assert choose_noindex(Bars(1.0, 1.0), content, plan) == set(range(len(plan.guides)))
    assert choose_noindex(Bars(0.0, 1.01), content, plan) == set()


def test_the_fixed_text_the_block_measure_assumes_is_what_a_built_guide_carries(built_site: Path) -> None:
    # A built guide's shingles beyond its blocks' are its fixed text: if a template edit grows or
    # shrinks it, CHROME_SHINGLES must follow, or the build's bars drift from make check's.
    content = validate_content(load_content(FIXTURE))
    plan = plan_pages(content)
    table, tokens = BlockTable(content, plan), name_tokens(content)
    gaps = []
    for i, g in enumerate(plan.guides):
        page = (built_site / g.url.strip("/") / "index.html").read_text("utf-8")
        gaps.append(len(shingles(main_text(page), tokens)) - sum(table.size[k] for k in table.keys[i]))
    assert abs(statistics.median(gaps) - CHROME_SHINGLES) <= 0.15 * CHROME_SHINGLES, sorted(gaps)


def test_the_cached_block_table_is_the_plain_one() -> None:
    # BlockTable(cached=True) remembers which facts apply per audience and keeps shingles between builds.
    content = validate_content(load_content(FIXTURE))
    plan = plan_pages(content)
    plain = BlockTable(content, plan, cached=False)
    for _ in range(2):  # cold, then warm
        cached = BlockTable(content, plan)
        assert (cached.keys, cached.size, cached.rare) == (plain.keys, plain.size, plain.rare)
