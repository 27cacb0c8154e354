"""The built site as a whole: links resolve, the sitemap lists exactly the indexable pages."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import FIXTURE, ROOT
from lxml import etree

from generator.load import load_content
from generator.model import Content
from generator.plan import plan_pages
from generator.site_files import guide_lastmods, hub_lastmods, sitemap_entries, split_sitemap
from generator.validate import validate_content

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SCHEMAS = ROOT / "generator" / "schemas"
HREF = re.compile(r'\shref="([^"]+)"')
ID = re.compile(r'\sid="([^"]+)"')


def resolve(site: Path, href: str, page: Path) -> Path | None:
    """The file an internal link points at, or None for external links."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return page
    target = site / parts.path.lstrip("/")
    return target / "index.html" if parts.path.endswith("/") else target


def test_every_internal_link_and_anchor_resolves(built_site: Path) -> None:
    broken = []
    ids = {p: set(ID.findall(p.read_text("utf-8"))) for p in built_site.rglob("*.html")}
    for page, _page_ids in ids.items():
        for href in HREF.findall(page.read_text("utf-8")):
            target = resolve(built_site, href.replace("&amp;", "&"), page)
            if target is None:
                continue
            fragment = urlsplit(href).fragment
            if not target.is_file():
                broken.append(f"{page.relative_to(built_site)} → {href}")
            elif fragment and fragment not in ids.get(target, set()):
                broken.append(f"{page.relative_to(built_site)} → {href} (no #{fragment})")
    assert broken == []


def indexable(site: Path) -> set[str]:
    urls = set()
    for page in site.rglob("*.html"):
        html = page.read_text("utf-8")
        if 'name="robots" content="noindex' in html:
            continue
        rel = page.relative_to(site).as_posix()
        urls.add("https://fixture.example.org/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel))
    return urls


def test_sitemap_lists_exactly_the_indexable_pages(built_site: Path) -> None:
    doc = etree.parse(str(built_site / "sitemap.xml"))
    assert etree.XMLSchema(etree.parse(str(SCHEMAS / "sitemap.xsd"))).validate(doc)
    locs = [e.text for e in doc.iter(NS + "loc")]
    assert len(locs) == len(set(locs))
    assert set(locs) == indexable(built_site)
    lastmods = {e.text for e in doc.iter(NS + "lastmod")}
    assert lastmods <= {"2026-11-20", "2026-11-21", "2026-11-22"}


def test_robots_names_the_sitemap_and_404_exists(built_site: Path) -> None:
    assert "Sitemap: https://fixture.example.org/sitemap.xml" in (built_site / "robots.txt").read_text()
    assert 'content="noindex' in (built_site / "404.html").read_text()


def test_renamed_slugs_redirect(built_site: Path) -> None:
    redirects = (built_site / "_redirects").read_text()
    assert "/treatments/sacubitril/ /treatments/entresto/ 301" in redirects
    assert "/contoso-health/entresto/step-therapy/ /contoso/entresto/step-therapy/ 301" in redirects
    stub = (built_site / "treatments/sacubitril/index.html").read_text()
    assert 'content="0; url=/treatments/entresto/"' in stub
    assert '<link rel="canonical" href="https://fixture.example.org/treatments/entresto/">' in stub


def test_sitemap_splits_into_an_index_past_the_limit() -> None:
    content = validate_content(load_content(FIXTURE))
    content = replace(content, site=replace(content.site, sitemap_max_urls=10))
    entries = sitemap_entries(content, plan_pages(content), set())
    files = split_sitemap(entries, content.site.base_url, 10)
    assert files[0][:2] == ("/sitemap.xml", "sitemap_index.xml")
    sizes = [len(chunk) for _, _, chunk in files[1:]]
    assert sum(sizes) == len(entries) > 20
    assert all(size == 10 for size in sizes[:-1]) and 0 < sizes[-1] <= 10
    assert [e.loc for e in files[0][2]] == [
        f"https://fixture.example.org/sitemap-{n}.xml" for n in range(1, len(files))
    ]


KINDS_DATED = ("payers", "treatments", "reasons", "plan_types", "pairs")


def _distinctly_dated(newest: str) -> Content:
    """The fixture content with a different review date on every record, the `newest` kind's the latest.

    A guide's date is the maximum over the records it shows, so only the newest kind decides
    it: the tests run once with each kind newest, and a record left out of a maximum shows.
    """
    content = validate_content(load_content(FIXTURE))
    day = iter(range(1, 400))
    dated: dict[str, dict] = {}
    for kind in sorted(KINDS_DATED, key=lambda k: k == newest):
        records = getattr(content, kind)
        dated[kind] = {
            key: replace(r, last_reviewed=date(2026, 1, 1) + timedelta(days=next(day))) for key, r in records.items()
        }
    return replace(content, **dated)


@pytest.mark.parametrize("newest", KINDS_DATED)
def test_guide_lastmod_is_the_newest_review_date_of_every_record_the_guide_shows(newest: str) -> None:
    content = _distinctly_dated(newest)
    plan = plan_pages(content)
    for g, when in zip(plan.guides, guide_lastmods(content, plan), strict=True):
        shown = [content.payers[g.payer], content.treatments[g.treatment], content.reasons[g.reason]]
        shown += [content.plan_types[s] for s in g.plan_types]
        shown += [content.pairs[g.payer, g.treatment]] if (g.payer, g.treatment) in content.pairs else []
        assert when == max(r.last_reviewed for r in shown), g.url
    assert any((g.payer, g.treatment) in content.pairs for g in plan.guides), "a pair note takes part"


@pytest.mark.parametrize("newest", KINDS_DATED)
def test_hub_lastmod_is_the_newest_of_its_record_and_the_guides_it_lists(newest: str) -> None:
    content = _distinctly_dated(newest)
    plan = plan_pages(content)
    dates = guide_lastmods(content, plan)
    lastmods = hub_lastmods(content, plan, dates)
    for hub in plan.hubs:
        if hub.kind == "plan_type":
            listed = [d for g, d in zip(plan.guides, dates, strict=True) if hub.slug in g.plan_types]
        elif hub.kind in ("payer", "treatment", "reason"):
            listed = [d for g, d in zip(plan.guides, dates, strict=True) if getattr(g, hub.kind) == hub.slug]
        else:
            assert lastmods[hub.url] == max(dates), hub.url
            continue
        own = getattr(content, hub.kind + "s")[hub.slug].last_reviewed
        assert listed and lastmods[hub.url] == max(own, *listed), hub.url
    assert len({lastmods[h.url] for h in plan.hubs}) > 1, "the dates differ, so a wrong maximum would show"
