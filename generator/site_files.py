"""sitemap.xml (or a sitemap index), robots.txt, redirects: all rendered from the plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .model import Content
from .plan import SitePlan
from .urls import absolute


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One <url> (or <sitemap>) line."""

    loc: str
    lastmod: str


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


def guide_lastmods(content: Content, plan: SitePlan) -> list[date]:
    """Each guide's newest review date among the records it shows: when its facts last changed.

    Computed as the newer of two maxima, one per payer × treatment (with their pair note)
    and one per reason × plan types: a 100,000-page plan has a few thousand of each.
    """
    by_pair: dict[tuple[str, str], date] = {}
    by_rules: dict[tuple[str, tuple[str, ...]], date] = {}
    dates = []
    for g in plan.guides:
        pair = by_pair.get((g.payer, g.treatment))
        if pair is None:
            note = content.pairs.get((g.payer, g.treatment))
            pair = by_pair[g.payer, g.treatment] = max(
                content.payers[g.payer].last_reviewed,
                content.treatments[g.treatment].last_reviewed,
                *([note.last_reviewed] if note else []),
            )
        rules = by_rules.get((g.reason, g.plan_types))
        if rules is None:
            rules = by_rules[g.reason, g.plan_types] = max(
                content.reasons[g.reason].last_reviewed, *(content.plan_types[s].last_reviewed for s in g.plan_types)
            )
        dates.append(max(pair, rules))
    return dates


def sitemap_entries(content: Content, plan: SitePlan, noindex: set[int]) -> list[SitemapEntry]:
    """Every indexable page: hubs (not the 404 page) and guides not marked noindex."""
    base = content.site.base_url
    guide_dates = guide_lastmods(content, plan)
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
