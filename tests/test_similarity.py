"""Near-copy detection: the fast, windowed algorithm gives exactly what a brute-force check gives."""

from __future__ import annotations

import pytest
from conftest import FIXTURE

from generator.load import load_content
from generator.plan import plan_pages
from generator.similarity import choose_noindex, page_blocks, similarity, specific_words
from generator.validate import validate_content


def brute_force(threshold: float, min_words: int, content, plan) -> set[int]:
    """The definition, directly: compare each page with every kept page that shares a group."""
    blocks = [page_blocks(content, g) for g in plan.guides]
    kept: list[int] = []
    noindex = set()
    for i, g in enumerate(plan.guides):
        near = [
            j
            for j in kept
            if (plan.guides[j].treatment, plan.guides[j].reason) == (g.treatment, g.reason)
            or (plan.guides[j].payer, plan.guides[j].treatment) == (g.payer, g.treatment)
        ]
        if any(
            specific_words(blocks[i], blocks[j]) < min_words or similarity(blocks[i], blocks[j]) >= threshold
            for j in near
        ):
            noindex.add(i)
        else:
            kept.append(i)
    return noindex


@pytest.mark.parametrize(("threshold", "min_words"), [(0.9, 150), (0.8, 300), (0.95, 5), (0.7, 100)])
def test_windowed_detection_matches_brute_force(threshold: float, min_words: int) -> None:
    # The same over the real content: test_real_content.py.
    content = validate_content(load_content(FIXTURE))
    plan = plan_pages(content)
    assert choose_noindex(threshold, min_words, content, plan) == brute_force(threshold, min_words, content, plan)
