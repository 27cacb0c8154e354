"""What a guide shows: its records, the head, its shared sections (each rendered once per key), related links."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from types import SimpleNamespace
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

from markupsafe import Markup, escape

from ..model import Fact, PairNote, Payer, PlanType, Reason, Treatment
from ..placeholders import fill_html, fill_slugs
from ..plan import GuidePage
from ..urls import absolute, href, hub_url
from .environment import ascii_html
from .sources import PageSources

if TYPE_CHECKING:
    from .renderer import Renderer

_quote = lru_cache(maxsize=4096)(quote_plus)
"""What urlencode does to each key and value; cached, since the values are a few hundred slugs."""


@dataclass(frozen=True)
class Link:
    """A link a template shows."""

    url: str
    text: str


@dataclass(frozen=True, slots=True)
class GuideRecords:
    """The records one guide shows, looked up once per page."""

    page: GuidePage
    payer: Payer
    treatment: Treatment
    reason: Reason
    pair: PairNote | None
    plan_types: list[PlanType]
    criteria: tuple[Fact, ...]
    criteria_key: tuple[str, ...]


GUIDE_SECTIONS: dict[str, Callable[[GuideRecords], Hashable]] = {
    "at_a_glance": lambda r: (r.payer.slug, r.reason.slug, r.page.plan_types),
    "rights": lambda r: (r.reason.slug, r.page.plan_types),
    "requirements": lambda r: (r.payer.slug, r.treatment.slug),
    "worksheet": lambda r: r.criteria_key,
    "timeline": lambda r: r.page.plan_types,
    "next_steps": lambda r: (r.payer.slug, r.reason.slug),
}
"""The guide sections shared by many pages, each with the key that names the records it shows."""

SECTION_CACHE_SIZE = 512
"""Sections kept per kind; bounded so that memory stays flat however many payers and treatments there are."""


class GuidePages:
    """Renders guide pages; shares the renderer's templates and fragment caches."""

    def __init__(self, renderer: Renderer) -> None:
        self.content = renderer.content
        self.plan = renderer.plan
        self.site = renderer.site
        self.prefix = renderer.prefix
        self.fragment = renderer.fragment
        self.markdown = renderer.markdown
        self._render = renderer.render_template
        self.sources = PageSources(renderer.content)
        self._links: dict[int, str] = {}
        self._sections: dict[str, dict[Hashable, Markup]] = {}

    def warm_up(self, guides: Iterable[int]) -> None:
        """Render the per-record fragments of these guides (Markdown bodies, fact lists, plan-type steps) before forking.

        Workers then share them instead of each rendering its own; whole pages are not
        rendered here, since their shared sections depend on the payer a worker meets.
        """
        seen: set[tuple[str, str]] = set()
        for index in guides:
            page = self.plan.guides[index]
            if (page.treatment, page.reason) not in seen:
                seen.add((page.treatment, page.reason))
                records = self.guide_records(page)
                self.page_context(records, index)
                for name in GUIDE_SECTIONS:
                    self._section_context(name, records)

    def render(self, index: int) -> str:
        """Render one guide page, then put the escaped payer and treatment names in the placeholders."""
        page = self.plan.guides[index]
        records = self.guide_records(page)
        context = self.page_context(records, index)
        # A namespace, not a dict: Jinja looks `sections.rights` up as an attribute first, and a
        # dict answers that with an exception before the item lookup (1.5 µs, six times a page).
        context["sections"] = SimpleNamespace(**{name: self.section(name, records) for name in GUIDE_SECTIONS})
        return fill_html(self._render("guide.html", context, page.url), context["names"])

    def guide_records(self, page: GuidePage) -> GuideRecords:
        c = self.content
        pair = c.pairs.get((page.payer, page.treatment))
        treatment = c.treatments[page.treatment]
        return GuideRecords(
            page,
            c.payers[page.payer],
            treatment,
            c.reasons[page.reason],
            pair,
            [c.plan_types[s] for s in page.plan_types],
            pair.criteria if pair else treatment.criteria,
            ("pair", pair.payer, pair.treatment) if pair else ("treatment", treatment.slug),
        )

    def page_context(self, r: GuideRecords, index: int) -> dict:
        """What guide.html itself shows: the head, the question and the sections that differ on every page."""
        payer, treatment, reason, pair = r.payer, r.treatment, r.reason, r.pair
        h1 = f"{treatment.name} {reason.title_phrase} by {payer.short_name}?"
        crumbs = self.breadcrumbs(payer, treatment, reason)
        reviewed = [payer.last_reviewed, treatment.last_reviewed, reason.last_reviewed]
        reviewed += [pt.last_reviewed for pt in r.plan_types] + ([pair.last_reviewed] if pair else [])
        oldest = min(reviewed)
        return {
            "page": r.page,
            "payer": payer,
            "treatment": treatment,
            "reason": reason,
            "pair": pair,
            "plan_types": r.plan_types,
            "names": {"payer": payer.short_name, "treatment": treatment.short_name},
            "h1": h1,
            "title": self.guide_title(payer, treatment, reason),
            "description": self.guide_description(payer, treatment, reason, len(r.plan_types)),
            "canonical": absolute(self.site.base_url, r.page.url),
            "noindex": index in self.plan.noindex,
            "reviewed_oldest": oldest,
            "reviewed_newest": max(reviewed),
            "breadcrumbs": crumbs,
            "jsonld_data": self.guide_jsonld(r.page, h1, crumbs, treatment, oldest),
            "body": self.markdown(("treatment", treatment.slug), treatment.body),
            "reason_note": self.markdown(
                ("note", treatment.slug, reason.slug), treatment.reason_notes.get(reason.slug, "")
            ),
            "pair_body": self.markdown(("pair", payer.slug, treatment.slug), pair.body) if pair else "",
            "reason_angle": self.fragment(("angle", reason.slug), "partials/reason_angle.html", reason=reason),
            "pitfall": self.fragment(("pitfall", treatment.slug), "partials/fact_one.html", item=treatment.pitfall),
            "cta_url": self.cta_url(r.page),
            "related": self.related_groups(r.page, self.plan.related[index]),
            "sources": self.sources.for_guide(r),
        }

    def section(self, name: str, r: GuideRecords) -> Markup:
        """One shared section of a guide, rendered once per key and reused by every page with that key.

        A section's template sees only the records its key names, so a template edit that
        reaches for another record fails loudly instead of showing one page's text on another.
        """
        key = GUIDE_SECTIONS[name](r)
        cache = self._sections.setdefault(name, {})
        if key in cache:
            return cache[key]
        html = Markup(ascii_html(self._render(f"guide/{name}.html", self._section_context(name, r), r.page.url)))
        if len(cache) >= SECTION_CACHE_SIZE:
            # Guides are planned payer by payer, so the keys in use are the recent ones.
            cache.clear()
        cache[key] = html
        return html

    def _section_context(self, name: str, r: GuideRecords) -> dict:
        """What one shared section's template sees: `_<name>_context` below."""
        return getattr(self, f"_{name}_context")(r)

    def _at_a_glance_context(self, r: GuideRecords) -> dict:
        rows = [self.fragment(("glance", pt.slug), "partials/glance_row.html", plan_type=pt) for pt in r.plan_types]
        return {"payer": r.payer, "reason": r.reason, "plan_types": r.plan_types, "glance_rows": rows}

    def _rights_context(self, r: GuideRecords) -> dict:
        return {
            "reason": r.reason,
            "plan_types": r.plan_types,
            "rights": [
                self.fragment(("steps", pt.slug), "partials/plan_type_steps.html", plan_type=pt) for pt in r.plan_types
            ],
            "reason_notes": [self.reason_plan_notes(r.reason, pt.slug) for pt in r.plan_types],
        }

    def _requirements_context(self, r: GuideRecords) -> dict:
        return {
            "payer": r.payer,
            "treatment": r.treatment,
            "pair": r.pair,
            "criteria": self.fragment(
                ("criteria", *r.criteria_key), "partials/fact_list.html", items=r.criteria, class_name=""
            ),
            "payer_notes": self.markdown(("payer", r.payer.slug), r.payer.notes),
            "treatment_facts": self.fragment(
                ("facts", r.treatment.slug), "partials/treatment_facts.html", treatment=r.treatment
            ),
        }

    def _worksheet_context(self, r: GuideRecords) -> dict:
        worksheet = self.fragment(
            ("worksheet", *r.criteria_key), "partials/worksheet.html", treatment=r.treatment, criteria=r.criteria
        )
        return {"treatment": r.treatment, "worksheet": worksheet}

    def _timeline_context(self, r: GuideRecords) -> dict:
        rows = [self.fragment(("timeline", pt.slug), "partials/timeline_row.html", plan_type=pt) for pt in r.plan_types]
        return {"plan_types": r.plan_types, "timeline_rows": rows}

    def _next_steps_context(self, r: GuideRecords) -> dict:
        return {"payer": r.payer, "reason": r.reason}

    def reason_plan_notes(self, reason: Reason, plan_type: str) -> Markup:
        """The reason's facts for one plan type, rendered once per pair of records."""
        notes = reason.plan_type_notes.get(plan_type, ())
        if not notes:
            return Markup("")
        return self.fragment(
            ("reason-notes", reason.slug, plan_type), "partials/fact_list.html", items=notes, class_name=""
        )

    def guide_jsonld(
        self, page: GuidePage, h1: str, breadcrumbs: list[Link], treatment: Treatment, reviewed: date
    ) -> dict:
        """BreadcrumbList and MedicalWebPage for one guide."""
        crumbs = [
            {
                "@type": "ListItem",
                "position": i + 1,
                "name": link.text,
                "item": absolute(self.site.base_url, link.url or page.url),
            }
            for i, link in enumerate(breadcrumbs)
        ]
        about = {
            "@type": "Drug" if treatment.kind in ("drug", "biologic") else "MedicalTherapy",
            "name": treatment.name,
        }
        web_page = {
            "@type": "MedicalWebPage",
            "name": h1,
            "url": absolute(self.site.base_url, page.url),
            "inLanguage": self.site.language,
            "lastReviewed": reviewed.isoformat(),
            "about": about,
            "publisher": {"@type": "Organization", "name": self.site.publisher},
        }
        if treatment.reviewed_by:
            web_page["reviewedBy"] = {"@type": "Person", "name": treatment.reviewed_by}
        return {
            "@context": "https://schema.org",
            "@graph": [{"@type": "BreadcrumbList", "itemListElement": crumbs}, web_page],
        }

    def guide_title(self, payer: Payer, treatment: Treatment, reason: Reason) -> str:
        """The page title: the question, with "How to appeal" when it fits the limit."""
        question = f"{treatment.short_name} {reason.title_phrase} by {payer.short_name}?"
        full = f"{question} How to appeal"
        return full if len(full) <= self.site.gates.title_max else question

    def guide_description(self, payer: Payer, treatment: Treatment, reason: Reason, plan_count: int) -> str:
        """A unique meta description from the page's own records, the longest that fits the limit."""
        kinds = "your plan type" if plan_count == 1 else f"{plan_count} plan types"
        start = f"{payer.short_name} denied {treatment.short_name} ({reason.name.lower()})?"
        candidates = [
            f"{start} Appeal deadlines for {kinds}, what {payer.short_name}'s policy asks for, and a worksheet to answer each criterion.",
            f"{start} Appeal deadlines for {kinds}, what the policy asks for, and a criteria worksheet.",
            f"{start} Appeal deadlines, policy criteria and a worksheet.",
        ]
        limit = self.site.gates.description_max
        return next((c for c in candidates if len(c) <= limit), candidates[-1])

    def breadcrumbs(self, payer: Payer, treatment: Treatment, reason: Reason) -> list[Link]:
        """Home › payer › treatment › this page."""
        return [
            Link("/", "Home"),
            Link(hub_url("payer", payer.slug), payer.short_name),
            Link(hub_url("treatment", treatment.slug), treatment.short_name),
            Link("", reason.name),
        ]

    def related_groups(self, page: GuidePage, related: list[int]) -> list[tuple[str, Markup]]:
        """Related guides grouped as the reader thinks of them, each link rendered once per target."""
        c = self.content
        payer, treatment = c.payers[page.payer].short_name, c.treatments[page.treatment].short_name
        groups: list[list[str]] = [[], [], []]
        for j in related:
            g = self.plan.guides[j]
            group = (
                2
                if g.payer == page.payer and g.treatment == page.treatment
                else 1
                if g.treatment == page.treatment
                else 0
            )
            groups[group].append(self.link_item(j))
        headings = (f"Other {payer} guides", f"{treatment} with other payers", f"Other denial reasons for {treatment}")
        return [(h, Markup("\n".join(items))) for h, items in zip(headings, groups, strict=True) if items]

    def link_item(self, index: int) -> str:
        """<li><a> for one guide, escaped once and reused by every page that links to it."""
        cached = self._links.get(index)
        if cached is None:
            c, g = self.content, self.plan.guides[index]
            text = f"{c.treatments[g.treatment].short_name} {c.reasons[g.reason].title_phrase} by {c.payers[g.payer].short_name}"
            cached = self._links[index] = ascii_html(
                f'<li><a href="{escape(href(self.prefix, g.url))}">{escape(text)}</a></li>'
            )
        return cached

    def cta_url(self, page: GuidePage) -> str:
        """The CTA link with this page's query parameters."""
        values = {"payer": page.payer, "treatment": page.treatment, "reason": page.reason}
        params = {key: fill_slugs(template, values) for key, template in self.site.cta.params.items()}
        if not params:
            return self.site.cta.url
        joiner = "&" if "?" in self.site.cta.url else "?"
        return self.site.cta.url + joiner + "&".join(f"{_quote(k)}={_quote(v)}" for k, v in params.items())
