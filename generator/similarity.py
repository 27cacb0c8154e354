"""How much of each guide page is its own: similarity to its nearest neighbour and page-specific words.

A guide page is assembled from content blocks (the treatment's body, the reason's text,
each plan type's steps, the payer's notes, a pair note...). Two pages share exactly the
blocks they have in common, so their weighted Jaccard similarity over blocks, weighted by
word count, is exact, needs no shingling, and costs one pass over the plan: it stays fast at
100,000 pages. Payer and treatment names are not counted, so "Aetna" versus "Cigna" alone
never makes two pages different.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .model import Content, Fact

if TYPE_CHECKING:
    from .plan import GuidePage, SitePlan

CHROME_WORDS = 260
"""Words every guide page carries whatever its content: headings, next steps, footer."""

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")

Blocks = dict[tuple, int]


@lru_cache(maxsize=65536)
def count_words(text: str) -> int:
    """Words in a piece of text or Markdown."""
    return len(_WORD.findall(text))


def _facts(items) -> int:
    return sum(count_words(f.text) for f in items if isinstance(f, Fact))


def page_blocks(content: Content, page: GuidePage) -> Blocks:
    """The content blocks one guide page shows, with their word counts."""
    payer = content.payers[page.payer]
    treatment = content.treatments[page.treatment]
    reason = content.reasons[page.reason]
    pair = content.pairs.get((page.payer, page.treatment))
    blocks: Blocks = {
        ("chrome",): CHROME_WORDS,
        ("treatment", treatment.slug): count_words(treatment.body)
        + count_words(treatment.approved_use.text)
        + count_words(treatment.pitfall.text)
        + sum(count_words(d) for d in treatment.documents),
        ("reason", reason.slug): count_words(reason.lede)
        + count_words(reason.meaning)
        + count_words(reason.ask_for)
        + _facts(reason.levers),
        ("payer", payer.slug): count_words(payer.notes) + _facts(payer.facts) + count_words(payer.policy_library.name),
    }
    if pair:
        blocks[("pair", pair.payer, pair.treatment)] = (
            count_words(pair.body) + _facts(pair.criteria) + count_words(pair.policy.name)
        )
    else:
        blocks[("criteria", treatment.slug)] = _facts(treatment.criteria)
    note = treatment.reason_notes.get(reason.slug)
    if note:
        blocks[("reason-note", treatment.slug, reason.slug)] = count_words(note)
    for slug in page.plan_types:
        blocks[("steps", slug)] = _plan_type_words(content, slug)
        notes = reason.plan_type_notes.get(slug, ())
        if notes:
            blocks[("plan-type-notes", reason.slug, slug)] = _facts(notes)
    return blocks


def _plan_type_words(content: Content, slug: str) -> int:
    pt = content.plan_types[slug]
    words = count_words(pt.description) + count_words(pt.expedited.text)
    for step in pt.steps:
        words += count_words(step.name) + count_words(step.who_decides)
        if step.file_within:
            words += count_words(step.file_within.value) + count_words(step.file_within.text)
        words += sum(count_words(d.value) + 1 for d in step.decisions)
    return words


def similarity(a: Blocks, b: Blocks) -> float:
    """Weighted Jaccard similarity of two pages' blocks."""
    shared = sum(w for k, w in a.items() if k in b)
    union = sum(a.values()) + sum(w for k, w in b.items() if k not in a)
    return shared / union if union else 1.0


def specific_words(a: Blocks, b: Blocks) -> int:
    """Words on page `a` that page `b` does not show."""
    return sum(w for k, w in a.items() if k not in b)


@dataclass(frozen=True, slots=True)
class Uniqueness:
    """One guide page against its nearest neighbour."""

    nearest: int | None
    similarity: float
    specific_words: int


def measure_pages(content: Content, plan: SitePlan) -> list[Uniqueness]:
    """Nearest neighbour of every guide among the pages most like it.

    Candidates are the pages that share the treatment and either the reason (other payers)
    or the payer (other reasons): every other page differs by a whole treatment body.
    """
    blocks = [page_blocks(content, g) for g in plan.guides]
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, g in enumerate(plan.guides):
        groups["tr", g.treatment + "|" + g.reason].append(i)
        groups["pt", g.payer + "|" + g.treatment].append(i)
    best: list[tuple[float, int, int | None]] = [(0.0, sum(b.values()), None) for b in blocks]
    for members in groups.values():
        _compare_group(members, blocks, best)
    return [Uniqueness(j, round(s, 4), w) for s, w, j in best]


def _compare_group(members: list[int], blocks: list[Blocks], best: list) -> None:
    """Compare pages in one group; identical block sets are compared once."""
    by_signature: dict[frozenset, list[int]] = defaultdict(list)
    for i in members:
        by_signature[frozenset(blocks[i])].append(i)
    signatures = list(by_signature.items())
    for sig_a, pages_a in signatures:
        a = blocks[pages_a[0]]
        if len(pages_a) > 1:
            for n, i in enumerate(pages_a):
                other = pages_a[1] if n == 0 else pages_a[0]
                _offer(best, i, 1.0, 0, other)
        for sig_b, pages_b in signatures:
            if sig_a is sig_b:
                continue
            b = blocks[pages_b[0]]
            score, extra = similarity(a, b), specific_words(a, b)
            for i in pages_a:
                _offer(best, i, score, extra, pages_b[0])


def _offer(best: list, i: int, score: float, extra: int, other: int) -> None:
    current = best[i]
    if score > current[0] or (score == current[0] and current[2] is not None and other < current[2]):
        best[i] = (score, extra, other)


def choose_noindex(threshold: float, min_words: int, content: Content, plan: SitePlan) -> set[int]:
    """Pages to keep out of search: near-copies of a page that stays indexed, or too thin.

    Pages are taken in plan order; the first of a group of near-copies stays indexed, so
    every distinct page is findable once and the choice is deterministic.
    """
    blocks = [page_blocks(content, g) for g in plan.guides]
    groups: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(plan.guides):
        groups[g.treatment + "|" + g.reason].append(i)
        groups[g.payer + "|" + g.treatment].append(i)
    member_of: dict[int, list[str]] = defaultdict(list)
    for key, members in groups.items():
        for i in members:
            member_of[i].append(key)
    kept: dict[str, list[int]] = defaultdict(list)
    noindex: set[int] = set()
    for i in range(len(plan.guides)):
        near = [
            j
            for key in member_of[i]
            for j in kept[key]
            if similarity(blocks[i], blocks[j]) >= threshold or specific_words(blocks[i], blocks[j]) < min_words
        ]
        if near:
            noindex.add(i)
        else:
            for key in member_of[i]:
                kept[key].append(i)
    return noindex
