"""Every output file of a build as plain data: where it goes, what kind it is, what it shows, and its key.

The key is a fingerprint of exactly the inputs the output shows. An edit changes the keys of
only the outputs that show what was edited, so an incremental build renders those and keeps
the rest. `Renderer.render(output)` turns an Output into text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..model import Content
from ..paths import Paths
from ..plan import HubPage, SitePlan
from ..site_files import sitemap_entries, split_sitemap
from ..urls import absolute, out_path, rel_path
from .fingerprints import CODE_FINGERPRINT, digest, folder_fingerprint, hash_parts

OutputKind = Literal["guide", "hub", "file"]


@dataclass(frozen=True, slots=True)
class Output:
    """One file a build produces."""

    rel: str
    """Its path under the output folder."""
    kind: OutputKind
    """guide, hub (a site page: home, hubs, A–Z, 404) or file (sitemap, robots.txt, redirects)."""
    key: str
    """The fingerprint of the inputs it shows: equal keys mean equal bytes."""
    guide: int | None = None
    """For a guide: its index in the plan."""
    hub: HubPage | None = None
    """For a site page: the plan's hub."""
    template: str | None = None
    """For a file: the template it renders."""
    values: tuple[tuple[str, Any], ...] = ()
    """For a file: what its template is given."""


def plan_outputs(content: Content, plan: SitePlan, paths: Paths) -> list[Output]:
    """Guides, hubs, redirects and site files, each with its input fingerprint."""
    # The generator's own code is an input too: a changed renderer must not reuse old pages.
    shared = hash_parts(CODE_FINGERPRINT, folder_fingerprint(paths.templates), repr(content.site), _names(content))
    record = {
        kind: {slug: hash_parts(repr(r)) for slug, r in getattr(content, kind).items()}
        for kind in ("payers", "treatments", "reasons", "plan_types")
    }
    pairs = {k: hash_parts(repr(v)) for k, v in content.pairs.items()}
    noindex = plan.noindex
    # A guide's related links are chosen from the guide list alone, which plan.fingerprint
    # covers: while it is unchanged, a guide's path stands for its links.
    guide_list = hash_parts(shared, plan.fingerprint)
    payers, treatments, reasons, plan_types = (record[k] for k in ("payers", "treatments", "reasons", "plan_types"))
    parts = plan.guide_parts(
        lambda payer, treatment: _half(
            f"{guide_list}|{payers[payer]}|{treatments[treatment]}|{pairs.get((payer, treatment), '')}"
        ),
        lambda reason, slugs: _half("|".join([guide_list, reasons[reason], *(plan_types[s] for s in slugs)])),
    )
    jobs = []
    for i, (g, (pair, rules)) in enumerate(zip(plan.guides, parts, strict=True)):
        # Each half is hashed once per payer-treatment pair or per reason and plan types, not
        # once per guide (plan_outputs at 100,000 pages: 0.95-1.00 s before, 0.68-0.82 s after).
        key = pair + rules + ("n" if i in noindex else "i")
        jobs.append(Output(rel_path(g.url), "guide", key, guide=i))
    hub_urls = ",".join(h.url for h in plan.hubs)
    for h in plan.hubs:
        if h.kind in ("payer", "treatment", "reason"):
            listed = ",".join(g.url for g in plan.guides_for(h.kind, h.slug))
            key = hash_parts(shared, record[h.kind + "s"][h.slug], listed)
        elif h.kind == "plan_type":
            sellers = ",".join(p.slug for p in content.payers.values() if h.slug in p.plan_types)
            # The page lists each reason's notes for this plan type, and links to those reasons.
            notes = [(r.slug, r.name, r.plan_type_notes.get(h.slug)) for r in content.reasons.values()]
            key = hash_parts(shared, record["plan_types"][h.slug], sellers, repr(notes))
        else:
            key = hash_parts(
                shared,
                hub_urls,
                *record["payers"].values(),
                *record["treatments"].values(),
                *record["reasons"].values(),
            )
        jobs.append(Output(rel_path(h.url), "hub", key, hub=h))
    jobs += _site_file_jobs(content, plan, noindex, shared)
    return jobs


def _half(text: str) -> str:
    """Half a guide's key: 64 bits of a fingerprint, so that two halves are as long as one key."""
    return digest(text.encode("utf-8"))[:16]


def _names(content: Content) -> str:
    """What other pages show of a record: its names. Editing a body leaves this alone."""
    parts = [f"{s}:{p.name}:{p.short_name}" for s, p in content.payers.items()]
    parts += [f"{s}:{t.name}:{t.short_name}:{t.category}" for s, t in content.treatments.items()]
    parts += [f"{s}:{r.name}:{r.title_phrase}" for s, r in content.reasons.items()]
    parts += [f"{s}:{p.name}:{p.short_name}" for s, p in content.plan_types.items()]
    return hash_parts(*parts)


def _site_file_jobs(content: Content, plan: SitePlan, noindex: set[int], shared: str) -> list[Output]:
    base = content.site.base_url
    jobs = []
    entries = sitemap_entries(content, plan, noindex)
    for url, template, chunk in split_sitemap(entries, base, content.site.sitemap_max_urls):
        key = hash_parts(shared, template, *(f"{e.loc} {e.lastmod}" for e in chunk))
        jobs.append(_file(str(out_path(url)), key, template, entries=chunk))
    sitemap_url = absolute(base, "/sitemap.xml")
    jobs.append(_file("robots.txt", hash_parts(shared, sitemap_url), "robots.txt", sitemap_url=sitemap_url))
    redirects = plan.redirects
    listing = hash_parts(shared, *(f"{x.url}>{x.target}" for x in redirects))
    jobs.append(_file("_redirects", listing, "_redirects", redirects=redirects))
    for x in redirects:
        canonical = absolute(base, x.target)
        key = hash_parts(shared, x.url, x.target)
        jobs.append(_file(str(out_path(x.url)), key, "redirect.html", target=x.target, canonical=canonical))
    return jobs


def _file(rel: str, key: str, template: str, **values: Any) -> Output:
    return Output(rel, "file", key, template=template, values=tuple(values.items()))
