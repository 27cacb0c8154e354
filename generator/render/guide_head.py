"""What a guide says about itself: title, description, breadcrumbs, JSON-LD, related links and the CTA link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from urllib.parse import quote_plus

from markupsafe import Markup, escape

from ..model import Content, Payer, Reason, SiteConfig, Treatment
from ..placeholders import fill_slugs
from ..plan import GuidePage, SitePlan
from ..urls import absolute, href, hub_url
from .environment import ascii_html, capitalized

_quote = lru_cache(maxsize=4096)(quote_plus)
"""What urlencode does to each key and value; cached, since the values are a few hundred slugs."""

TITLE_TARGET = 60
"""Results pages cut titles near 60 characters: the first pattern that fits is used."""
TITLE_HARD_MAX = 70
"""No title is longer, whatever the names."""
DESCRIPTION_RANGE = (120, 160)


@dataclass(frozen=True)
class Link:
    """A link a template shows."""

    url: str
    text: str


def guide_title(payer: Payer, treatment: Treatment, reason: Reason, limit: int = TITLE_TARGET) -> str:
    """The first pattern that fits `limit`; with long names, the shortest pattern (never over TITLE_HARD_MAX)."""
    t = capitalized(treatment.short_name)
    # "denied as not medically necessary" → "not medically necessary"
    phrase = reason.title_phrase.split(" ", 2)[-1] if reason.title_phrase.startswith("denied ") else reason.title_phrase
    candidates = [
        c
        for p in title_names(payer)
        for c in (
            f"{t} {reason.title_phrase} by {p}? How to appeal",
            f"{t} {reason.title_phrase} by {p}?",
            f"{t} denied by {p}: {phrase}",
            f"{t}: {phrase} ({p})",
        )
    ]
    fitting = [c for c in candidates if len(c) <= limit]
    if fitting:
        return fitting[0]
    shortest = min(candidates, key=len)
    if len(shortest) <= TITLE_HARD_MAX:
        return shortest
    # Shorten the treatment's name, never the reason or the payer, so that titles stay unique.
    p = title_names(payer)[-1]
    room = TITLE_HARD_MAX - len(f"…: {phrase} ({p})")
    cut = t[: room + 1].rsplit(" ", 1)[0] if " " in t[:room] else t[:room]
    return f"{cut.rstrip()}…: {phrase} ({p})"


def title_names(payer: Payer) -> list[str]:
    """The payer's short name, then its shorter names a title may use when the full name leaves no room
    for the treatment's: its first word ("Kaiser"), its initials ("BCBSM" for Blue Cross Blue Shield of
    Michigan), or an acronym of three to five capitals that starts as the name does ("UHC" for
    UnitedHealthcare); two letters ("KP") say too little."""
    words = payer.short_name.split()
    initials = "".join(word[0] for word in words if word[:1].isupper())

    def shorter(alias: str) -> bool:
        acronym = 3 <= len(alias) <= 5 and alias.isascii() and alias.isalpha() and alias.isupper()
        return (
            (len(initials) >= 3 and alias == initials)
            or (len(words) > 1 and alias == words[0])
            or (acronym and alias[0] == payer.short_name[:1])
        )

    return [payer.short_name, *sorted((a for a in payer.aliases if shorter(a)), key=len, reverse=True)]


def guide_description(payer: Payer, treatment: Treatment, reason: Reason, plan_count: int) -> str:
    """The longest description within DESCRIPTION_RANGE, from the page's own records."""
    p, t = payer.short_name, treatment.short_name
    kinds = "your plan type" if plan_count == 1 else f"each of {plan_count} plan types"
    start = f"{p} denied {t} ({reason.name.lower()})?"
    tails = [
        f"Your appeal deadline for {kinds}, what {p}'s policy asks for, a criteria worksheet and a letter outline.",
        f"Your appeal deadline for {kinds}, what {p}'s policy asks for, and a criteria worksheet.",
        f"Appeal deadlines for {kinds}, the policy's criteria and a worksheet.",
        "Appeal deadlines, the policy's criteria, a worksheet and a letter outline.",
        "Appeal deadlines, criteria and a worksheet.",
        "Deadlines and criteria.",
    ]
    candidates = [f"{start} {tail}" for tail in tails]
    low, high = DESCRIPTION_RANGE
    fitting = [c for c in candidates if low <= len(c) <= high]
    if fitting:
        return fitting[0]
    short = [c for c in candidates if len(c) <= high]
    return max(short, key=len) if short else min(candidates, key=len)


def breadcrumbs(payer: Payer, treatment: Treatment, reason: Reason) -> list[Link]:
    """Home › payer › treatment › this page."""
    return [
        Link("/", "Home"),
        Link(hub_url("payer", payer.slug), payer.short_name),
        Link(hub_url("treatment", treatment.slug), capitalized(treatment.short_name)),
        Link("", reason.name),
    ]


def guide_jsonld(
    site: SiteConfig, page: GuidePage, h1: str, crumbs: list[Link], treatment: Treatment, reviewed: date
) -> dict:
    """BreadcrumbList and MedicalWebPage for one guide."""
    items = [
        {
            "@type": "ListItem",
            "position": i + 1,
            "name": link.text,
            "item": absolute(site.base_url, link.url or page.url),
        }
        for i, link in enumerate(crumbs)
    ]
    about = {"@type": "Drug" if treatment.kind in ("drug", "biologic") else "MedicalTherapy", "name": treatment.name}
    web_page = {
        "@type": "MedicalWebPage",
        "name": h1,
        "url": absolute(site.base_url, page.url),
        "inLanguage": site.language,
        "lastReviewed": reviewed.isoformat(),
        "about": about,
        "publisher": {"@type": "Organization", "name": site.publisher},
    }
    if treatment.reviewed_by:
        web_page["reviewedBy"] = {"@type": "Person", "name": treatment.reviewed_by}
    return {
        "@context": "https://schema.org",
        "@graph": [{"@type": "BreadcrumbList", "itemListElement": items}, web_page],
    }


def cta_url(site: SiteConfig, page: GuidePage) -> str:
    """The CTA link with this page's query parameters."""
    values = {"payer": page.payer, "treatment": page.treatment, "reason": page.reason}
    params = {key: fill_slugs(template, values) for key, template in site.cta.params.items()}
    if not params:
        return site.cta.url
    joiner = "&" if "?" in site.cta.url else "?"
    return site.cta.url + joiner + "&".join(f"{_quote(k)}={_quote(v)}" for k, v in params.items())


class RelatedLinks:
    """Related guides grouped as the reader thinks of them, each link rendered once per target."""

    def __init__(self, content: Content, plan: SitePlan, prefix: str = "") -> None:
        self.content = content
        self.plan = plan
        self.prefix = prefix
        self._links: dict[int, str] = {}

    def groups(self, page: GuidePage, related: list[int]) -> list[tuple[str, Markup]]:
        """(heading, <li> items) for each group with links in it."""
        c = self.content
        payer, treatment = c.payers[page.payer].short_name, capitalized(c.treatments[page.treatment].short_name)
        groups: list[list[str]] = [[], [], []]
        for j in related:
            g = self.plan.guides[j]
            same_treatment = g.treatment == page.treatment
            groups[2 if same_treatment and g.payer == page.payer else 1 if same_treatment else 0].append(self.item(j))
        headings = (f"Other {payer} guides", f"{treatment} with other payers", f"Other denial reasons for {treatment}")
        return [(h, Markup("\n".join(items))) for h, items in zip(headings, groups, strict=True) if items]

    def item(self, index: int) -> str:
        """<li><a> for one guide, escaped once and reused by every page that links to it."""
        cached = self._links.get(index)
        if cached is None:
            c, g = self.content, self.plan.guides[index]
            treatment = capitalized(c.treatments[g.treatment].short_name)
            text = f"{treatment} {c.reasons[g.reason].title_phrase} by {c.payers[g.payer].short_name}"
            cached = self._links[index] = ascii_html(
                f'<li><a href="{escape(href(self.prefix, g.url))}">{escape(text)}</a></li>'
            )
        return cached
