"""What a site page shows: the home page, a payer, treatment, reason or plan-type hub, the A–Z index, the 404 page."""

from __future__ import annotations

from dataclasses import dataclass

from ..incremental.reads import read
from ..model import Payer, Reason, Treatment
from ..pages import UNLISTED, HubPage
from ..placeholders import fill_html
from ..urls import absolute, hub_url
from .fragments import PageKind

PAGE_TEMPLATES = {
    "home": "home.html",
    "payer": "payer.html",
    "treatment": "treatment.html",
    "reason": "reason.html",
    "plan_type": "plan_type.html",
    "a-z": "a_z.html",
    "search": "search.html",
    "404": "404.html",
}


@dataclass(frozen=True, slots=True)
class GuideLink:
    """One guide as a hub lists it: its address and the records its link text names."""

    url: str
    payer: Payer
    treatment: Treatment
    reason: Reason


HUB_GROUPS = {"payer": "treatment", "treatment": "payer", "reason": "treatment"}
"""What a hub groups its guides by: a payer's hub by treatment, a treatment's by payer..."""


class HubPages(PageKind):
    """Renders site pages; shares the renderer's templates and fragment cache."""

    def render(self, hub: HubPage) -> str:
        """Render a site page (home, a hub, the A–Z index or the 404 page), placeholders filled as on a guide."""
        return fill_html(self._render(PAGE_TEMPLATES[hub.kind], self.hub_context(hub)), self.hub_names(hub))

    def hub_names(self, hub: HubPage) -> dict[str, str]:
        """What {payer} and {treatment} read as on a site page: its own record's name, else a general phrase."""
        names = {"payer": "your plan", "treatment": "the treatment"}
        if hub.kind == "payer":
            names["payer"] = self.content.payers[hub.slug].short_name
        elif hub.kind == "treatment":
            names["treatment"] = self.content.treatments[hub.slug].short_name
        return names

    def hub_context(self, hub: HubPage) -> dict:
        """What a hub template shows: every hub template is given the whole content, so it reads all of it."""
        read("all", "guides")
        c = self.content
        context: dict = {
            "hub": hub,
            "content": c,
            "canonical": absolute(self.site.base_url, hub.url),
            "plan": self.plan,
            "hub_url": hub_url,
            "noindex": hub.kind in UNLISTED,
        }
        if hub.kind in ("payer", "treatment", "reason"):
            context["record"] = getattr(c, hub.kind + "s")[hub.slug]
            context["groups"] = self.guide_groups(hub.kind, hub.slug)
            if hub.kind == "treatment":
                context["body"] = self.markdown(("treatment", hub.slug), context["record"].body)
        elif hub.kind == "plan_type":
            pt = context["record"] = c.plan_types[hub.slug]
            context["rules"] = self.fragment(
                ("rights", pt.slug), "partials/plan_type_rules.html", plan_type=pt, reasons=c.reasons
            )
            context["payers"] = [p for p in c.payers.values() if pt.slug in p.plan_types]
            context["reason_notes"] = [
                (
                    reason,
                    self.fragment(
                        ("reason-notes", reason.slug, pt.slug), "partials/fact_list.html", items=notes, class_name=""
                    ),
                )
                for reason in c.reasons.values()
                if (notes := reason.plan_type_notes.get(pt.slug))
            ]
        elif hub.kind == "a-z":
            context["az_entries"] = self.az_entries()
        return context

    def guide_groups(self, kind: str, slug: str) -> list[tuple[Payer | Treatment, list[GuideLink]]]:
        """A hub's guides grouped by the other record (HUB_GROUPS): groups by slug, guides in plan order.

        Grouped here rather than with Jinja's groupby: hubs list every guide of the site
        three times over, and the filter chains cost about a tenth of all rendering.
        """
        c, by = self.content, HUB_GROUPS[kind]
        groups: dict[str, list[GuideLink]] = {}
        for g in self.plan.guides_for(kind, slug):
            link = GuideLink(g.url, c.payers[g.payer], c.treatments[g.treatment], c.reasons[g.reason])
            groups.setdefault(getattr(g, by), []).append(link)
        records = c.payers if by == "payer" else c.treatments
        return [(records[key], groups[key]) for key in sorted(groups)]

    def az_entries(self) -> list[dict]:
        """Payers, treatments with their brand and generic names, and reasons, sorted A to Z."""
        c = self.content
        used = {(h.kind, h.slug) for h in self.plan.hubs}
        entries = []
        for slug, payer in c.payers.items():
            if ("payer", slug) in used:
                url = hub_url("payer", slug)
                entries.append((payer.name, url, ""))
                entries += [(alias, url, f"see {payer.short_name}") for alias in payer.aliases]
        for slug, t in c.treatments.items():
            if ("treatment", slug) in used:
                url = hub_url("treatment", slug)
                entries.append((t.name, url, ""))
                others = {t.generic_name, *t.brand_names} - {t.name, t.short_name}
                entries += [(name, url, f"see {t.short_name}") for name in sorted(others)]
        for slug, r in c.reasons.items():
            if ("reason", slug) in used:
                entries.append((f"Denied: {r.name.lower()}", hub_url("reason", slug), ""))
        entries.sort(key=lambda e: (e[0].casefold(), e[1]))
        return [{"letter": _letter(text), "text": text, "url": url, "note": note} for text, url, note in entries]


def _letter(text: str) -> str:
    """The A–Z heading an entry sorts under; digits and symbols go under '#'."""
    first = text[:1].upper()
    return first if "A" <= first <= "Z" else "#"
