"""The guide page's gates for `make check`: how much of each guide is its own, its budget (words,
title, description, size) and the prose lint."""

from __future__ import annotations

import gzip
import html
import statistics
from datetime import date
from pathlib import Path

from .gates import TITLE, Gate, Page, spread
from .lint import PageFacts, lint_any_page, lint_content, lint_notes, lint_page, note_plan_types, note_words
from .model import Content
from .plan import SitePlan
from .uniqueness import main_text, measure_guides


def check_uniqueness(pages: list[Page], content: Content, plan: SitePlan) -> Gate:
    """How much of each guide is its own, measured on the built pages (uniqueness.py) against the bars
    the build enforces from the blocks it plans (similarity.py).

    Shingles are counted over every guide; the nearest sibling is sought among the indexable ones,
    the pages a search engine sees side by side. An indexable guide under a bar here means the build's
    block measure and the built page disagree near the line: each is listed.
    """
    gates = content.site.gates
    gate = Gate(
        "guide uniqueness", f"own-shingle share >= {gates.own_share_min}; nearest sibling < {gates.nearest_max}"
    )
    urls = _guide_urls(plan)
    guides = {p.url: p.html for p in pages if p.url in urls}
    noindex = sorted(p.url for p in pages if p.url in urls and p.noindex)
    measures = measure_guides(guides, content, plan, indexable=set(guides) - set(noindex))
    failing = [m for m in measures if m.own_share < gates.own_share_min or m.nearest >= gates.nearest_max]
    shares = [m.own_share for m in measures]
    if shares and statistics.median(shares) < gates.own_share_min:
        gate.warnings.append(f"median own-shingle share {statistics.median(shares):.3f} is under {gates.own_share_min}")
    lines = [f"{m.url}: own share {m.own_share:.2f}, {m.nearest:.2f} like {m.nearest_url}" for m in failing]
    # With on_thin_page: fail the build marks nothing noindex, and every guide under a bar fails the check.
    (gate.errors if gates.on_thin_page == "fail" else gate.warnings).extend(lines)
    gate.figures = {
        "guides": len(guides),
        "indexable_guides": len(measures),
        "passing_both_bars": len(measures) - len(failing),
        "own_share": spread(shares),
        "nearest_sibling": spread([m.nearest for m in measures]),
        "main_text_words": spread([m.words for m in measures]),
        "failing": len(failing),
        "noindex_guides": noindex,
    }
    return gate


def _guide_urls(plan: SitePlan) -> set[str]:
    return {g.url for g in plan.guides}


def check_guide_budget(pages: list[Page], plan: SitePlan) -> Gate:
    """Main text at most 2,000 words (median 1,200), titles at most 70 characters, descriptions 120-160,
    and a guide's HTML, CSS and script at most 20 KB gzipped."""
    gate = Gate("guide budget", "words median <= 1200, max 2000; title <= 70; description 120-160; <= 20 KB gzipped")
    guides = [p for p in pages if p.url in _guide_urls(plan)]
    words = [len(main_text(p.html).split()) for p in guides]
    if words and sorted(words)[len(words) // 2] > 1200:
        gate.errors.append(f"median main text {sorted(words)[len(words) // 2]} words is over 1,200")
    gate.errors += [f"{p.url}: {w} words of main text" for p, w in zip(guides, words, strict=True) if w > 2000][:20]
    titles = [html.unescape(TITLE.search(p.html).group(1)) for p in guides]
    gate.errors += [
        f"{p.url}: title of {len(t)} characters" for p, t in zip(guides, titles, strict=True) if len(t) > 70
    ]
    descriptions = [html.unescape(p.meta("description") or "") for p in guides]
    gate.warnings += [
        f"{p.url}: description of {len(d)} characters"
        for p, d in zip(guides, descriptions, strict=True)
        if not 120 <= len(d) <= 160
    ][:20]
    shared = sum(len(gzip.compress(path.read_bytes())) for path in STATIC_PARTS if path.exists())
    sizes = [len(gzip.compress(p.html.encode("utf-8"))) + shared for p in guides]
    gate.errors += [f"{p.url}: {s:,} bytes gzipped" for p, s in zip(guides, sizes, strict=True) if s > 20_000][:20]
    gate.figures = {
        "main_text_words": spread(words),
        "titles_over_60": sum(len(t) > 60 for t in titles),
        "title_length": spread([len(t) for t in titles]),
        "description_length": spread([len(d) for d in descriptions]),
        "gzipped_bytes_with_css_and_script": spread(sizes),
    }
    return gate


STATIC_PARTS = [Path(__file__).parent.parent / "static" / name for name in ("style.css", "deadline.js")]


def check_prose(pages: list[Page], content: Content, plan: SitePlan) -> Gate:
    """The prose lint (lint.py) over every guide, its broken joins over every other page, and program rules
    scoped to their program."""
    gate = Gate(
        "prose lint",
        "no broken joins (any page), empty headings, repeats, unused sources, unscoped program rules; "
        f"treatment × reason notes of {content.site.gates.note_min_words}+ words, cited, no sentence in two notes",
    )
    facts = {}
    for g in plan.guides:
        t = content.treatments[g.treatment]
        # Drugs, biologics and devices have FDA labeling; procedures, services and tests do not.
        facts[g.url] = PageFacts(t.short_name if t.plural else None, t.kind in ("drug", "biologic", "device"))
    for page in pages:
        found = lint_page(page.html, facts[page.url]) if page.url in facts else lint_any_page(page.html)
        gate.errors += [f"{page.url}: {m}" for m in found]
    gate.errors += lint_content(content)
    gate.errors += lint_notes(content, content.site.gates.note_min_words)
    words = sorted(
        note_words(t.reason_notes.get(r, ()), note_plan_types(content, t, r))
        for t in content.treatments.values()
        for r in t.reasons
    )
    gate.figures = {
        "guides_checked": len(facts),
        "problems": len(gate.errors),
        "note_words": {"notes": len(words), "min": words[0], "median": statistics.median(words), "max": words[-1]}
        if words
        else {},
    }
    return gate


PAIR_REVIEW_DAYS = 180
"""A payer's own policy changes often: a pair read longer ago than this is due for a second reading."""


def check_pairs(content: Content, plan: SitePlan, today: date) -> Gate:
    """How many of each payer's guides have its own policy for the treatment, and pairs due for review."""
    gate = Gate("payer policies (pairs)", f"reported per payer; read within {PAIR_REVIEW_DAYS} days")
    per_payer: dict[str, list[int]] = {}
    for g in plan.guides:
        pair = content.pairs.get((g.payer, g.treatment))
        has_pair = bool(pair and pair.governs(g.plan_types))
        per_payer.setdefault(g.payer, [0, 0])
        per_payer[g.payer][0] += has_pair
        per_payer[g.payer][1] += 1
    for (payer, treatment), pair in sorted(content.pairs.items()):
        age = (today - pair.last_reviewed).days
        if age > PAIR_REVIEW_DAYS:
            gate.warnings.append(f"pair {payer}/{treatment}: read {pair.last_reviewed} ({age} days ago)")
        # A criterion read in the copy says so; one from another document (a payer's own notice, an article) need not.
        if pair.policy.copy and not all(
            "copy" in (c.cite or "").lower() or "summary" in (c.cite or "").lower()
            for c in pair.criteria
            if c.url == pair.policy.url or not c.url
        ):
            gate.warnings.append(f"pair {payer}/{treatment}: read in a copy, but a criterion's cite does not say so")
    for slug, payer in sorted(content.payers.items()):
        for reason, process in sorted(payer.processes.items()):
            age = (today - process.last_reviewed).days
            if age > PAIR_REVIEW_DAYS:
                gate.warnings.append(f"payer {slug}: processes.{reason} read {process.last_reviewed} ({age} days ago)")
    indexable = [g for i, g in enumerate(plan.guides) if i not in plan.noindex]
    with_pair = sum(
        1 for g in indexable if (p := content.pairs.get((g.payer, g.treatment))) and p.governs(g.plan_types)
    )
    gate.figures = {
        "pairs": len(content.pairs),
        "process_blocks": sum(len(p.processes) for p in content.payers.values()),
        "guides_with_pair_by_payer": {payer: f"{n}/{total}" for payer, (n, total) in sorted(per_payer.items())},
        "indexable_guides_with_pair_share": round(with_pair / len(indexable), 3) if indexable else 0.0,
    }
    return gate
