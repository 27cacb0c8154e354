"""sitemap.xml (or a sitemap index), robots.txt, redirects: all rendered from the plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .model import Content
from .plan import GuidePage, SitePlan
from .urls import absolute


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One <url> (or <sitemap>) line."""

    loc: str
    lastmod: str


def guide_lastmod(content: Content, page: GuidePage) -> date:
    """The newest review date among the records a guide shows: when its facts last changed."""
    dates = [
        content.payers[page.payer].last_reviewed,
        content.treatments[page.treatment].last_reviewed,
        content.reasons[page.reason].last_reviewed,
        *(content.plan_types[s].last_reviewed for s in page.plan_types),
    ]
    pair = content.pairs.get((page.payer, page.treatment))
    if pair:
        dates.append(pair.last_reviewed)
    return max(dates)


def hub_lastmods(content: Content, plan: SitePlan, guide_dates: list[date]) -> dict[str, date]:
    """Each hub changes when its own record or any guide it lists changes; one pass over the guides."""
    newest: dict[tuple[str, str], date] = {}
    overall = date(1970, 1, 1)
    for g, when in zip(plan.guides, guide_dates, strict=True):
        overall = max(overall, when)
        keys = [("payer", g.payer), ("treatment", g.treatment), ("reason", g.reason)]
        keys += [("plan_type", s) for s in g.plan_types]
        for key in keys:
            if when > newest.get(key, date.min):
                newest[key] = when
    result = {}
    for h in plan.hubs:
        if h.kind in ("payer", "treatment", "reason", "plan_type"):
            record = getattr(content, h.kind + "s")[h.slug]
            result[h.url] = max(record.last_reviewed, newest.get((h.kind, h.slug), date.min))
        else:
            result[h.url] = overall
    return result


def sitemap_entries(content: Content, plan: SitePlan, noindex: set[int]) -> list[SitemapEntry]:
    """Every indexable page: hubs (not the 404 page) and guides not marked noindex."""
    base = content.site.base_url
    guide_dates = [guide_lastmod(content, g) for g in plan.guides]
    lastmods = hub_lastmods(content, plan, guide_dates)
    entries = [SitemapEntry(absolute(base, h.url), lastmods[h.url].isoformat()) for h in plan.hubs if h.kind != "404"]
    entries += [
        SitemapEntry(absolute(base, g.url), guide_dates[i].isoformat())
        for i, g in enumerate(plan.guides)
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
