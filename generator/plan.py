"""payer × treatment × reason under the applicability rules → the list of pages to make."""

from __future__ import annotations

import re
from collections import defaultdict
from functools import partial

from .errors import BuildError, ContentError
from .incremental.fingerprints import hash_parts
from .incremental.memo import Memo
from .model import Content, Payer, PlanType, Reason, Treatment
from .pages import GuidePage, HubPage, Redirect, SitePlan
from .related import choose_related
from .search import INDEX_FOLDER
from .similarity import Bars, NearCopyWork
from .urls import guide_url, hub_url, rel_path


def relevant_plan_types(
    payer: Payer, treatment: Treatment, reason: Reason, plan_types: dict[str, PlanType]
) -> tuple[str, ...]:
    """Plan types the payer sells, the reason applies to, and that pay for this treatment."""
    return tuple(
        slug for slug in payer.plan_types if slug in reason.plan_types and plan_types[slug].pays_for(treatment)
    )


def is_applicable(payer: Payer, treatment: Treatment, reason: Reason, relevant: tuple[str, ...]) -> bool:
    """Whether a page for this combination makes sense."""
    return (
        reason.applies_to(treatment)
        and treatment.kind in payer.covers_kinds
        and payer.handles(treatment.benefit)
        and bool(relevant)
        and not payer.excludes(treatment.slug, reason.slug)
    )


PARALLEL_PLANNING = 2000
"""Guides below which planning stays in one process: starting workers costs more than the work."""


def plan_pages(
    content: Content, memo: Memo | None = None, workers: int = 1, drafts: bool = False, choose_noindex: bool = True
) -> SitePlan:
    """Plan every page; refuse two pages that would share an output file.

    `memo` carries the last build's related guides and near-copy choices, reused where
    their inputs are unchanged; it collects this build's for the next one. What it does
    not remember is computed over `workers` processes.

    `choose_noindex=False` leaves every guide indexable here: the preview's page-first render takes
    the last build's choice instead (build.render_only).
    """
    memo = memo or Memo()
    guides = []
    pattern = content.site.permalink
    # Drafts are validated like everything else but get no pages until the flag is removed
    # (the preview shows them when asked: `serve --drafts`).
    payers = [p for p in content.payers.values() if drafts or not p.draft]
    treatments = [t for t in content.treatments.values() if drafts or not t.draft]
    # The relevant plan types depend only on the payer, the reason, the treatment's benefit and the plan
    # types that never pay for it: a few thousand keys, against one call per combination (1.9 s of a
    # 100k-page plan).
    relevant_for: dict[tuple[str, str, str, tuple[str, ...]], tuple[str, ...]] = {}
    for payer in payers:
        for treatment in treatments:
            for reason_slug in treatment.reasons:
                reason = content.reasons[reason_slug]
                key = (payer.slug, reason_slug, treatment.benefit, treatment.not_paid_by)
                relevant = relevant_for.get(key)
                if relevant is None:
                    relevant = relevant_for[key] = relevant_plan_types(payer, treatment, reason, content.plan_types)
                if is_applicable(payer, treatment, reason, relevant):
                    url = guide_url(pattern, payer.slug, treatment.slug, reason.slug)
                    guides.append(GuidePage(payer.slug, treatment.slug, reason.slug, relevant, url))
    by_record = _by_record(guides)
    plan = SitePlan(guides, _hubs(content, guides, by_record), [], by_record=by_record)
    plan.redirects = _redirects(content, plan)
    _check_unique_paths(plan)
    categories = {slug: content.treatments[slug].category for slug in {g.treatment for g in guides}}
    pages = "\n".join([" ".join((g.payer, g.treatment, g.reason, g.url)) for g in guides])
    plan.fingerprint = hash_parts(repr(content.site.related), repr(sorted(categories.items())), pages)
    requests = {"related": (plan.fingerprint, partial(choose_related, guides, content))}
    gates = content.site.gates
    # Near-copies and thin pages stay reachable but out of search results and the sitemap.
    near_copies = None
    if gates.on_thin_page == "noindex" and choose_noindex:
        near_copies = NearCopyWork.of(Bars(gates.own_share_min, gates.nearest_max), content, plan)
        requests |= near_copies.requests
    # Related guides come first: one request as costly as many near-copy ones.
    decided = memo.get_all(requests, workers if len(guides) >= PARALLEL_PLANNING else 1)
    plan.related = decided["related"]
    if near_copies:
        plan.noindex = near_copies.chosen(decided)
    return plan


def _by_record(guides: list[GuidePage]) -> dict[tuple[str, str], list[int]]:
    """Guide indices by ("payer" | "treatment" | "reason", slug), in plan order."""
    # One dict per kind keyed by slug, so no key tuple is made per guide (with the hubs' sets of
    # used slugs, 0.17 -> 0.08 s at 100,000 guides).
    by_payer, by_treatment, by_reason = defaultdict(list), defaultdict(list), defaultdict(list)
    for i, g in enumerate(guides):
        by_payer[g.payer].append(i)
        by_treatment[g.treatment].append(i)
        by_reason[g.reason].append(i)
    kinds = (("payer", by_payer), ("treatment", by_treatment), ("reason", by_reason))
    return {(kind, slug): indices for kind, by_slug in kinds for slug, indices in by_slug.items()}


def _hubs(content: Content, guides: list[GuidePage], by_record: dict[tuple[str, str], list[int]]) -> list[HubPage]:
    """A hub for each record that has guides; plan types have no index, so their set is made here."""
    plan_types = set().union(*{g.plan_types for g in guides})
    hubs = [HubPage(kind, "", url) for kind, url in SITE_PAGES]
    for kind, records in (("payer", content.payers), ("treatment", content.treatments), ("reason", content.reasons)):
        hubs += [HubPage(kind, slug, hub_url(kind, slug)) for slug in records if (kind, slug) in by_record]
    hubs += [
        HubPage("plan_type", slug, hub_url("plan_type", slug)) for slug in content.plan_types if slug in plan_types
    ]
    return hubs


def _redirects(content: Content, plan: SitePlan) -> list[Redirect]:
    redirects: list[Redirect] = []
    pattern = content.site.permalink
    for kind, records in (("payer", content.payers), ("treatment", content.treatments)):
        for slug, record in records.items():
            for old in record.redirect_from:
                redirects.append(Redirect(hub_url(kind, old), hub_url(kind, slug)))
                for g in plan.guides_for(kind, slug):
                    names = {"payer": g.payer, "treatment": g.treatment, kind: old}
                    redirects.append(Redirect(guide_url(pattern, names["payer"], names["treatment"], g.reason), g.url))
    return sorted(redirects, key=lambda r: r.url)


SITE_PAGES = (("home", "/"), ("a-z", "/a-z/"), ("search", "/search/"), ("404", "/404.html"))
"""The pages every site has, whatever its content."""
SITE_FILE_URLS = ("/sitemap.xml", "/robots.txt", "/_redirects", "/style.css")
RESERVED = "/" + INDEX_FOLDER + "/"
"""The search index's folder: no page may be written into it."""
_UNSAFE_URL = re.compile(r"/\.\.?(?:/|$)|\\", re.MULTILINE)
"""A `.` or `..` segment, or a backslash: a URL that could write outside the output folder."""


def _check_unique_paths(plan: SitePlan) -> None:
    """No two pages may share an output file; owners are only named when there is a clash."""
    urls = [g.url for g in plan.guides] + [h.url for h in plan.hubs] + [r.url for r in plan.redirects]
    urls += SITE_FILE_URLS
    # The usual case, checked in bulk: every path distinct and safe. Distinct URLs share a file
    # only as /x/ and /x/index.html, so only URLs not ending in / need their file name made.
    distinct = set(urls)
    if (
        len(distinct) == len(urls)
        and not any(u.endswith("/index.html") and u[: -len("index.html")] in distinct for u in urls if u[-1:] != "/")
        and not _UNSAFE_URL.search("\n".join(urls))
        and not any(u.startswith(RESERVED) for u in urls)
    ):
        return
    pages = [(g.url, g) for g in plan.guides] + [(h.url, h) for h in plan.hubs] + [(r.url, r) for r in plan.redirects]
    pages += [(u, "site file") for u in SITE_FILE_URLS]
    owners: dict[str, object] = {}
    errors = []
    for url, owner in pages:
        if "/../" in url + "/" or "/./" in url + "/" or "\\" in url:
            errors.append(
                ContentError("content/site.yaml", 0, "permalink", f"URL {url!r} would write outside the output folder")
            )
            continue
        if url.startswith(RESERVED):
            message = f"{_owner(owner)} would be written into {RESERVED}, the search index's folder; rename its slug"
            errors.append(ContentError("content", 0, "slug", message))
            continue
        key = rel_path(url)
        if key in owners:
            message = f"{_owner(owner)} and {_owner(owners[key])} would both be written to {key}; rename one slug"
            errors.append(ContentError("content", 0, "slug", message))
        owners.setdefault(key, owner)
    if errors:
        raise BuildError(errors)


def _owner(page: object) -> str:
    """How a clash message names a page."""
    if isinstance(page, GuidePage):
        return f"guide {page.payer} × {page.treatment} × {page.reason}"
    if isinstance(page, HubPage):
        return f"{page.kind} page {page.slug}".strip()
    if isinstance(page, Redirect):
        return f"redirect to {page.target}"
    return str(page)
