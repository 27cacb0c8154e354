"""Every output file of a build as plain data: where it goes, what kind it is, what it shows; and its key.

The key is a fingerprint of exactly the inputs the output shows. A page's inputs are what it read
while it last rendered (reads.py); a site file's are what it lists. An edit changes the keys of
only the outputs that show what was edited, so an incremental build renders those and keeps the
rest. `Renderer.render(output)` turns an Output into text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..model import Content
from ..paths import Paths
from ..plan import HubPage, SitePlan
from ..site_files import sitemap_entries, split_sitemap
from ..urls import absolute, out_path, rel_path
from .fingerprints import CODE_FINGERPRINT, folder_fingerprint, hash_parts

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


def plan_outputs(content: Content, plan: SitePlan, paths: Paths) -> tuple[list[Output], ReadKeys]:
    """Guides, hubs, redirects and site files; and how a page's key follows from what it read.

    A site file's key is computed here from what it lists. A page's key is not known until it
    has been rendered once: it is the fingerprint of the tokens it read (reads.py), which the
    manifest keeps for the next build.
    """
    shared = _shared(content, paths)
    outputs = [Output(rel_path(g.url), "guide", "", guide=i) for i, g in enumerate(plan.guides)]
    outputs += [Output(rel_path(h.url), "hub", "", hub=h) for h in plan.hubs]
    outputs += _site_file_jobs(content, plan, plan.noindex, shared)
    return outputs, ReadKeys(shared, token_fingerprints(content, plan), plan.noindex)


def _shared(content: Content, paths: Paths) -> str:
    """What every page shows or is made by: the generator's code, the templates, the site settings, every name."""
    return hash_parts(CODE_FINGERPRINT, folder_fingerprint(paths.templates), repr(content.site), _names(content))


def token_fingerprints(content: Content, plan: SitePlan) -> dict[str, str]:
    """The fingerprint of everything a page can read, by token."""
    tokens: dict[str, str] = {}
    for kind in ("payers", "treatments", "reasons", "plan_types"):
        for slug, r in getattr(content, kind).items():
            tokens[f"{kind[:-1]}:{slug}"] = hash_parts(repr(r))
    tokens |= {f"pair:{p}/{t}": hash_parts(repr(v)) for (p, t), v in content.pairs.items()}
    tokens["help"] = hash_parts(repr(content.help))
    # The guide list and everything related guides are chosen from; and each guide as planned
    # (its plan types above all).
    tokens["guides"] = plan.fingerprint
    tokens |= {f"guide:{g.url}": hash_parts(repr(g)) for g in plan.guides}
    # Hubs are given the whole content and list the guides, which the tokens above cover.
    tokens["all"] = hash_parts(*sorted(tokens.values()))
    return tokens


@dataclass(frozen=True)
class ReadKeys:
    """A page's key from the tokens it read: equal keys mean equal bytes."""

    shared: str
    tokens: dict[str, str]
    noindex: set[int]

    def key(self, output: Output, reads: list[str]) -> str:
        """The fingerprint of what the page read (a token gone from the content reads as missing)."""
        flag = "n" if output.guide is not None and output.guide in self.noindex else "i"
        return hash_parts(self.shared, flag, *(f"{t}={self.tokens.get(t, '-')}" for t in reads))


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
