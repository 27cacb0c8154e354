"""How much of each guide is its own: measured on the built pages' main text, with every payer,
treatment, reason and plan-type name replaced by a token first, so that inserting names earns nothing.

Two bars: the share of a guide's 5-word shingles that appear on no more than 1% of guides, and the
Jaccard similarity of its shingles to its most similar sibling (a guide with the same payer or the
same treatment).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass

from .model import Content
from .pages import SitePlan

SHINGLE = 5
RARE_SHARE = 0.01
"""A shingle on at most this share of guides counts as the guide's own."""

_HIDDEN = re.compile(r'<section id="(related|sources)".*?</section>|<(script|style|select|sup)\b.*?</\2>', re.S)
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[A-Za-z0-9%$']+")


@dataclass(frozen=True)
class GuideMeasure:
    """One guide's figures."""

    url: str
    words: int
    own_share: float
    """Share of its shingles found on no more than RARE_SHARE of guides."""
    nearest: float
    """Jaccard similarity to its most similar sibling."""
    nearest_url: str | None


def main_text(page: str) -> str:
    """The words a reader reads in <main>, without related links, sources and source numbers."""
    start, end = page.find("<main"), page.find("</main>")
    body = _HIDDEN.sub(" ", page[start:end] if start >= 0 else page)
    return html.unescape(_TAG.sub(" ", body))


@dataclass(frozen=True)
class NameTokens:
    """Every name a guide inserts, as lower-case word sequences by first word, and the token each becomes."""

    by_first: dict[str, list[tuple[tuple[str, ...], str]]]

    def replace(self, words: list[str]) -> list[str]:
        """The words with each name (the longest that matches) replaced by its token."""
        out, i = [], 0
        while i < len(words):
            for name, token in self.by_first.get(words[i], ()):
                if tuple(words[i : i + len(name)]) == name:
                    out.append(token)
                    i += len(name)
                    break
            else:
                out.append(words[i])
                i += 1
        return out


def name_tokens(content: Content) -> NameTokens:
    """Every name a guide inserts, with the token that replaces it."""
    names: list[tuple[str, str]] = []
    for p in content.payers.values():
        names += [(n, "payer") for n in (p.name, p.short_name, *p.aliases)]
    for t in content.treatments.values():
        names += [(n, "treatment") for n in (t.name, t.short_name, t.generic_name, *t.brand_names)]
    for r in content.reasons.values():
        names += [(n, "reason") for n in (r.name, r.title_phrase)]
    for pt in content.plan_types.values():
        names += [(n, "plantype") for n in (pt.name, pt.short_name)]
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for name, token in {tuple(_WORD.findall(n.lower())): t for n, t in names if n}.items():
        if name:
            by_first.setdefault(name[0], []).append((name, token))
    for candidates in by_first.values():
        candidates.sort(key=lambda c: -len(c[0]))
    return NameTokens(by_first)


def shingles(text: str, tokens: NameTokens) -> frozenset[int]:
    """Hashes of the text's 5-word sequences, names replaced by tokens."""
    words = tokens.replace(_WORD.findall(text.lower()))
    return frozenset(hash(" ".join(words[i : i + SHINGLE])) for i in range(len(words) - SHINGLE + 1))


def _bitsets(sets: dict[str, frozenset[int]], counts: Counter) -> dict[str, int]:
    """Each page's shingles that some other page shares, as one integer's bits: an AND and a bit count
    then give two pages' shared shingles far faster than intersecting sets."""
    index: dict[int, int] = {}
    bits = {}
    for url, shingle_set in sets.items():
        value = 0
        for s in shingle_set:
            if counts[s] > 1:
                value |= 1 << index.setdefault(s, len(index))
        bits[url] = value
    return bits


def measure_guides(
    pages: dict[str, str], content: Content, plan: SitePlan, indexable: set[str] | None = None
) -> list[GuideMeasure]:
    """Both bars for every guide in `indexable` (all of `pages`, url → HTML, when None): shingles are
    counted over every guide in `pages`, and the nearest sibling is sought among the indexable ones."""
    tokens = name_tokens(content)
    guides = [g for g in plan.guides if g.url in pages]
    chosen = [g for g in guides if indexable is None or g.url in indexable]
    texts = {g.url: main_text(pages[g.url]) for g in guides}
    sets = {url: shingles(text, tokens) for url, text in texts.items()}
    counts = Counter(s for shingle_set in sets.values() for s in shingle_set)
    rare = max(1, int(RARE_SHARE * len(guides)))
    bits = _bitsets({g.url: sets[g.url] for g in chosen}, counts)
    siblings: dict[tuple[str, str], list[str]] = {}
    for g in chosen:
        siblings.setdefault(("payer", g.payer), []).append(g.url)
        siblings.setdefault(("treatment", g.treatment), []).append(g.url)
    best: dict[str, tuple[float, str | None]] = {g.url: (0.0, None) for g in chosen}
    for group in siblings.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                shared = (bits[a] & bits[b]).bit_count()
                score = shared / (len(sets[a]) + len(sets[b]) - shared) if shared else 0.0
                for one, other in ((a, b), (b, a)):
                    current, current_url = best[one]
                    if score > current or (score == current and score and (current_url is None or other < current_url)):
                        best[one] = (score, other)
    measures = []
    for g in chosen:
        own = sets[g.url]
        own_share = sum(1 for s in own if counts[s] <= rare) / len(own) if own else 0.0
        nearest, nearest_url = best[g.url]
        measures.append(GuideMeasure(g.url, len(texts[g.url].split()), own_share, nearest, nearest_url))
    return measures
