"""sitemap.xml (or a sitemap index), robots.txt, redirects: all rendered from the plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .model import Content
from .pages import UNLISTED
from .plan import SitePlan
from .urls import absolute


@dataclass(slots=True)
class SitemapEntry:
    """One <url> (or <sitemap>) line."""

    loc: str
    lastmod: str


def hub_lastmods(content: Content, plan: SitePlan, guide_dates: list[date]) -> dict[str, date]:
    """Each hub changes when its own record or any guide it lists changes."""
    newest = {key: max(map(guide_dates.__getitem__, indices)) for key, indices in plan.by_record.items()}
    # Plan types have no index of their own; a site has only a few distinct sets of them.
    by_set: dict[tuple[str, ...], date] = {}
    for g, when in zip(plan.guides, guide_dates, strict=True):
        if when > by_set.get(g.plan_types, date.min):
            by_set[g.plan_types] = when
    for slugs, when in by_set.items():
        for slug in slugs:
            if when > newest.get(("plan_type", slug), date.min):
                newest["plan_type", slug] = when
    overall = max(guide_dates, default=date(1970, 1, 1))
    result = {}
    for h in plan.hubs:
        if h.kind in ("payer", "treatment", "reason", "plan_type"):
            record = getattr(content, h.kind + "s")[h.slug]
            result[h.url] = max(record.last_reviewed, newest.get((h.kind, h.slug), date.min))
        else:
            result[h.url] = overall
    return result


def guide_lastmods(content: Content, plan: SitePlan) -> list[date]:
    """Each guide's newest review date among the records it shows: when its facts last changed."""

    def of_pair(payer: str, treatment: str) -> date:
        note = content.pairs.get((payer, treatment))
        return max(
            content.payers[payer].last_reviewed,
            content.treatments[treatment].last_reviewed,
            *([note.last_reviewed] if note else []),
        )

    def of_rules(reason: str, slugs: tuple[str, ...]) -> date:
        return max(content.reasons[reason].last_reviewed, *(content.plan_types[s].last_reviewed for s in slugs))

    return [max(pair, rules) for pair, rules in plan.guide_parts(of_pair, of_rules)]


def sitemap_entries(content: Content, plan: SitePlan, noindex: set[int]) -> list[SitemapEntry]:
    """Every indexable page: hubs (not the 404 page) and guides not marked noindex."""
    base = content.site.base_url
    guide_dates = guide_lastmods(content, plan)
    lastmods = hub_lastmods(content, plan, guide_dates)
    entries = [
        SitemapEntry(absolute(base, h.url), lastmods[h.url].isoformat()) for h in plan.hubs if h.kind not in UNLISTED
    ]
    # Every build computes these to fingerprint the sitemap, so once per distinct date, not per guide.
    iso = {when: when.isoformat() for when in set(guide_dates)}
    prefix = absolute(base, "")
    entries += [
        SitemapEntry(prefix + g.url, iso[when])
        for i, (g, when) in enumerate(zip(plan.guides, guide_dates, strict=True))
        if i not in noindex
    ]
    return entries


def split_sitemap(entries: list[SitemapEntry], base_url: str, limit: int) -> list[tuple[str, str, list[SitemapEntry]]]:
    """(url, template, entries) for sitemap.xml, or for an index plus numbered parts past `limit`."""
    if len(entries) <= limit:
        return [("/sitemap.xml", "sitemap.xml", entries)]
    parts = []
    index = []
    for number, start in enumerate(range(0, len(entries), limit), 1):
        chunk = entries[start : start + limit]
        url = f"/sitemap-{number}.xml"
        parts.append((url, "sitemap.xml", chunk))
        index.append(SitemapEntry(absolute(base_url, url), max(e.lastmod for e in chunk)))
    return [("/sitemap.xml", "sitemap_index.xml", index), *parts]
