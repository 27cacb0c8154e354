"""How much of each guide page is its own: similarity to its nearest neighbour and page-specific words.

A guide page is assembled from content blocks (the treatment's body, the reason's text,
each plan type's steps, the payer's notes, a pair note...). Two pages share exactly the
blocks they have in common, so their weighted Jaccard similarity over blocks, weighted by
word count, is exact, needs no shingling, and costs one pass over the plan: it stays fast at
100,000 pages. Payer and treatment names are not counted, so "Aetna" versus "Cigna" alone
never makes two pages different.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import TYPE_CHECKING

from .incremental.fingerprints import hash_parts
from .incremental.memo import Memo, fingerprint
from .model import Content, Fact

if TYPE_CHECKING:
    from .pages import GuidePage, SitePlan

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
    weights = _Weights.of(content)
    return {key: weights.of_block(key) for key in block_keys(content, page)}


def block_keys(content: Content, page: GuidePage) -> list[tuple]:
    """Which content blocks a guide page shows."""
    treatment = content.treatments[page.treatment]
    reason = content.reasons[page.reason]
    has_pair = (page.payer, page.treatment) in content.pairs
    keys: list[tuple] = [("chrome",), ("treatment", page.treatment), ("reason", page.reason), ("payer", page.payer)]
    keys.append(("pair", page.payer, page.treatment) if has_pair else ("criteria", page.treatment))
    if treatment.reason_notes.get(page.reason):
        keys.append(("reason-note", page.treatment, page.reason))
    for slug in page.plan_types:
        keys.append(("steps", slug))
        if reason.plan_type_notes.get(slug):
            keys.append(("plan-type-notes", page.reason, slug))
    return keys


class _Weights:
    """Word counts of every block, computed once per content."""

    _cache: dict[int, _Weights] = {}

    def __init__(self, content: Content) -> None:
        self.content = content
        self.known: dict[tuple, int] = {("chrome",): CHROME_WORDS}

    @classmethod
    def of(cls, content: Content) -> _Weights:
        if id(content) not in cls._cache:
            cls._cache.clear()
            cls._cache[id(content)] = cls(content)
        return cls._cache[id(content)]

    def of_block(self, key: tuple) -> int:
        if key not in self.known:
            self.known[key] = self._count(key)
        return self.known[key]

    def _count(self, key: tuple) -> int:
        c = self.content
        kind = key[0]
        if kind == "treatment":
            t = c.treatments[key[1]]
            return (
                count_words(t.body)
                + count_words(t.approved_use.text)
                + count_words(t.pitfall.text)
                + sum(count_words(d) for d in t.documents)
            )
        if kind == "reason":
            r = c.reasons[key[1]]
            return count_words(r.lede) + count_words(r.meaning) + count_words(r.ask_for) + _facts(r.levers)
        if kind == "payer":
            p = c.payers[key[1]]
            return count_words(p.notes) + _facts(p.facts) + count_words(p.policy_library.name)
        if kind == "pair":
            pair = c.pairs[key[1], key[2]]
            return count_words(pair.body) + _facts(pair.criteria) + count_words(pair.policy.name)
        if kind == "criteria":
            return _facts(c.treatments[key[1]].criteria)
        if kind == "reason-note":
            return count_words(c.treatments[key[1]].note_text(key[2]))
        if kind == "plan-type-notes":
            return _facts(c.reasons[key[1]].plan_type_notes[key[2]])
        return _plan_type_words(c, key[1])


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


def choose_noindex(
    threshold: float, min_words: int, content: Content, plan: SitePlan, memo: Memo | None = None, workers: int = 1
) -> set[int]:
    """Pages to keep out of search: near-copies of a page that stays indexed, or too thin (see NearCopyWork)."""
    work = NearCopyWork.of(threshold, min_words, content, plan)
    return work.chosen((memo or Memo()).get_all(work.requests, workers))


@dataclass(frozen=True)
class NearCopyWork:
    """The near-copy choice as one memo request per treatment, and the pages each request decides.

    Pages are taken in plan order; the first of a group of near-copies stays indexed, so
    every distinct page is findable once and the choice is deterministic.

    Within a group (same treatment and reason, or same payer and treatment) each page has
    identity blocks no other member shares (its payer, or its reason) and structural blocks
    (plan-type steps and the like) it may share. Against every kept page with the same
    structure, the closest is the one with the lightest identity blocks, so the check needs
    one comparison per distinct structure, not one per kept page: exact, and linear in pages.

    Both groups name the treatment, so pages of different treatments never meet: each
    treatment is decided on its own (in parallel when there are workers), and the memo
    reuses the last build's decision for every treatment whose pages and records are
    unchanged. Word counts come only from the records, so their text stands in for the
    counts: an edit to one treatment (or its pair notes) recomputes that treatment alone;
    an edit to a payer, reason or plan type, all of them.
    """

    requests: dict[str, tuple[str, Callable[[], list[int]]]]
    pages: dict[str, list[int]]

    @classmethod
    def of(cls, threshold: float, min_words: int, content: Content, plan: SitePlan) -> NearCopyWork:
        weights = _Weights.of(content)
        w: dict[tuple, int] = {}
        members: dict[str, list[int]] = defaultdict(list)
        for i, g in enumerate(plan.guides):
            members[g.treatment].append(i)
        pairs: dict[str, list] = defaultdict(list)
        for (_, treatment), note in content.pairs.items():
            pairs[treatment].append(note)
        shared = fingerprint((threshold, min_words, CHROME_WORDS, content.payers, content.reasons, content.plan_types))
        requests, pages = {}, {}
        for treatment, indices in members.items():
            guides = [plan.guides[i] for i in indices]
            listing = "\n".join([" ".join((g.payer, g.reason, *g.plan_types)) for g in guides])
            # The listing is hashed as it is, not through repr, which copies and scans it once more.
            inputs = hash_parts(shared, repr(content.treatments[treatment]), repr(pairs[treatment]), listing)
            name = f"noindex:{treatment}"
            requests[name] = (inputs, partial(_decide, content, guides, weights, w, threshold, min_words))
            pages[name] = indices
        return cls(requests, pages)

    def chosen(self, decided: dict[str, list[int]]) -> set[int]:
        """Plan indices of the pages chosen, from each request's positions among its pages."""
        return {indices[n] for name, indices in self.pages.items() for n in decided[name]}


def _decide(
    content: Content, guides: list[GuidePage], weights: _Weights, w: dict, threshold: float, min_words: int
) -> list[int]:
    """One treatment's near-copy choices, from the blocks its pages show and their word counts."""
    pages = []
    for g in guides:
        keys = block_keys(content, g)
        for k in keys:
            if k not in w:
                w[k] = weights.of_block(k)
        pages.append((g, keys))
    return _noindex_among(pages, w, threshold, min_words)


def _noindex_among(pages: list[tuple[GuidePage, list[tuple]]], w: dict, threshold: float, min_words: int) -> list[int]:
    """Positions in `pages` (one treatment's, in plan order) that are near-copies or thin."""
    kept: dict[str, _Kept] = defaultdict(_Kept)
    differences: dict[tuple[frozenset, frozenset], tuple[int, int]] = {}
    chosen: list[int] = []
    for n, (g, keys) in enumerate(pages):
        total = sum(w[k] for k in keys)
        sides = []
        for group, identity in (
            (f"tr|{g.reason}", {("payer", g.payer), ("pair", g.payer, g.treatment)}),
            (f"pt|{g.payer}", None),
        ):
            if identity is None:
                identity = {k for k in keys if k[0] in ("reason", "reason-note", "plan-type-notes")}
            structure = frozenset(k for k in keys if k not in identity)
            mine = sum(w[k] for k in keys if k in identity)
            sides.append((group, structure, mine))
        if _has_near_copy(sides, kept, total, w, differences, threshold, min_words):
            chosen.append(n)
            continue
        for group, structure, mine in sides:
            kept[group].add(structure, total - mine, mine)
    return chosen


class _Kept:
    """The structures kept indexed in one group, by weight, each with its lightest identity."""

    def __init__(self) -> None:
        self.lightest: dict[frozenset, int] = {}
        self.by_weight: list[tuple[int, int]] = []
        self.structures: list[frozenset] = []

    def add(self, structure: frozenset, weight: int, identity: int) -> None:
        if structure not in self.lightest:
            self.structures.append(structure)
            bisect.insort(self.by_weight, (weight, len(self.structures) - 1))
            self.lightest[structure] = identity
        elif identity < self.lightest[structure]:
            self.lightest[structure] = identity

    def within(self, low: float, high: float):
        """Kept structures whose weight lies in [low, high]: only those can be close enough."""
        start = bisect.bisect_left(self.by_weight, (low, -1))
        for weight, index in self.by_weight[start:]:
            if weight > high:
                return
            structure = self.structures[index]
            yield structure, self.lightest[structure]


def _has_near_copy(sides, kept, total: int, w: dict, cache: dict, threshold: float, min_words: int) -> bool:
    """Whether any kept structure in the page's groups is close enough to make it a near-copy.

    A kept structure much lighter than this page's leaves too many of its words unshared, and
    one much heavier adds too many: a weight window (exact bounds, see below) skips both.
    """
    for group, structure, mine in sides:
        weight = total - mine
        # near-copy needs own = D(a\b) + mine <= (1 - t) * total, and D(b\a) <= that slack / t
        slack = (1 - threshold) * total - mine
        thin = min_words - mine  # thin needs D(a\b) < this
        if slack < 0 and thin <= 0:
            continue
        low = weight - max(slack, thin)
        high = float("inf") if thin > 0 else weight + slack / threshold
        for other, lightest in kept[group].within(low, high):
            pair = cache.get((structure, other))
            if pair is None:
                pair = cache[structure, other] = (
                    sum(w[k] for k in structure - other),
                    sum(w[k] for k in other - structure),
                )
            own = pair[0] + mine
            if own < min_words or total - own >= threshold * (total + pair[1] + lightest):
                return True
    return False
