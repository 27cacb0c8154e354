"""The Jinja environment (autoescape, StrictUndefined, filters) and render_page()."""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import chain
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote_plus

import markupsafe
import orjson
from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    nodes,
    select_autoescape,
)
from jinja2.compiler import CodeGenerator, Frame
from markupsafe import Markup, escape

from .errors import BuildError, ContentError
from .markdown import render_markdown
from .model import Content, Fact, PairNote, Payer, PlanType, Reason, Treatment
from .plan import GuidePage, HubPage, SitePlan
from .urls import absolute, hub_url

PAGE_TEMPLATES = {
    "guide": "guide.html",
    "home": "home.html",
    "payer": "payer.html",
    "treatment": "treatment.html",
    "reason": "reason.html",
    "plan_type": "plan_type.html",
    "a-z": "a_z.html",
    "404": "404.html",
}


_escape_inner = getattr(markupsafe, "_escape_inner", None)
_new_str = str.__new__


def escape_output(value: object) -> Markup:
    """What markupsafe.escape returns, sooner for the two kinds a page outputs: Markup and str.

    A guide page outputs about a hundred values, most of them Markup rendered once and
    reused. markupsafe.escape copies a Markup into a new one; a Markup cannot change, so
    this returns it as it is. A str is escaped by markupsafe's own routine, without
    Markup.__new__'s checks, which a plain str does not need. Rendering 300 guides of the
    1,000-page bench site twice took 11.5% fewer instructions with this (callgrind).
    """
    kind = type(value)
    if kind is Markup:
        return value
    if kind is str and _escape_inner is not None:
        return _new_str(Markup, _escape_inner(value))
    return escape(value)


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, with every {{ value }} escaped by escape_output."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        super().visit_Template(node, frame)
        # Output calls the module-level name `escape`, which the compiled module imports from
        # jinja2.runtime; rebinding it here leaves every other part of the code as Jinja made it.
        self.writeline("escape = environment.escape_output")


class SiteEnvironment(Environment):
    """A Jinja environment whose templates escape output with escape_output."""

    code_generator_class = _CodeGenerator
    escape_output = staticmethod(escape_output)


BYTECODE_PATTERN = "__appeal_guides_escape_output_%s.cache"
"""Compiled templates in the system's temp folder under a name of our own: Jinja checks a
cached template against its source and Python version, not against the code generator."""


def make_environment(templates: Path) -> Environment:
    """Autoescaping on, undefined variables are errors, one compile per template per process."""
    env = SiteEnvironment(
        loader=FileSystemLoader(str(templates)),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        # Compiled templates are kept in the system's temp folder, checked against the source
        # and the Python version, so a small rebuild does not compile two dozen templates again.
        bytecode_cache=FileSystemBytecodeCache(pattern=BYTECODE_PATTERN),
    )
    env.filters["md"] = lambda text: Markup(render_markdown(text))
    env.filters["longdate"] = longdate
    env.filters["jsonld"] = _jsonld
    return env


@lru_cache(maxsize=4096)
def longdate(d: date) -> str:
    """November 22, 2026; cached because strftime is slow and every page shows a handful of the same dates."""
    return f"{d:%B} {d.day}, {d.year}"


_quote = lru_cache(maxsize=4096)(quote_plus)
"""What urlencode does to each key and value; cached, since the values are a few hundred slugs."""


def _jsonld(value: object) -> Markup:
    """JSON for a <script> block: <, > and & are escaped so content cannot close the tag."""
    # orjson takes a tenth of json.dumps's time (2 against 19 µs for a guide's JSON-LD), but
    # cannot escape non-ASCII; a page stays ASCII (ascii_html says why) through json.dumps then.
    text = orjson.dumps(value).decode("utf-8")
    if not text.isascii():
        text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def ascii_html(html: str) -> str:
    """The same HTML with each non-ASCII character as a numeric reference (§ becomes &#167;).

    Used on every piece rendered once and reused (sections, fragments, Markdown, links,
    citations). A browser shows the same text, but a page built only from ASCII pieces is
    an ASCII string, which Python encodes to bytes as a plain copy instead of converting
    each character: about 50 µs of a 38 KB page's 0.9 ms on this machine. A page with a
    non-ASCII name in it is still right, only that much slower. Numeric references, not
    named ones, so the same text is valid in XML too.
    """
    return html if html.isascii() else html.encode("ascii", "xmlcharrefreplace").decode("ascii")


def fill_html(html: str, names: dict[str, str]) -> str:
    """Fill placeholders in HTML we rendered ourselves (a whole guide or hub page).

    A page has a few dozen braces at most (placeholders, and JSON-LD's), so it is walked
    from brace to brace with str.find (memchr) and each is matched with startswith. A regular
    expression reads every character of the page in its own loop: on the 1,000-page bench
    site that took 392,000 instructions a page against 264,000 (callgrind). Each brace is
    looked at in the page as rendered, so a name that itself contains "{treatment}" is left
    as written instead of being filled in turn.
    """
    find = html.find
    at = find("{")
    if at < 0:
        return html
    startswith = html.startswith
    tokens = [("{" + key + "}", str(escape(value))) for key, value in names.items()]
    pieces = []
    last = 0
    while at >= 0:
        for token, filled in tokens:
            if startswith(token, at):
                pieces += (html[last:at], filled)
                last = at + len(token)
                break
        at = find("{", at + 1)
    pieces.append(html[last:])
    return "".join(pieces)


@dataclass(frozen=True)
class Link:
    """A link a template shows."""

    url: str
    text: str


@dataclass(frozen=True, slots=True)
class GuideLink:
    """One guide as a hub lists it: its address and the records its link text names."""

    url: str
    payer: Payer
    treatment: Treatment
    reason: Reason


HUB_GROUPS = {"payer": "treatment", "treatment": "payer", "reason": "treatment"}
"""What a hub groups its guides by: a payer's hub by treatment, a treatment's by payer..."""


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


class Renderer:
    """Renders pages from the validated content and the plan; caches per-record fragments."""

    def __init__(self, content: Content, plan: SitePlan, templates: Path) -> None:
        self.content = content
        self.plan = plan
        self.env = make_environment(templates)
        self.site = content.site
        self._templates = {}
        self._fragments: dict[tuple, Markup] = {}
        self._links: dict[int, str] = {}
        self._citations: dict[tuple, tuple[str, ...]] = {}
        self._citation_parts: dict[tuple, tuple[str, ...]] = {}
        self._sections: dict[str, dict[Hashable, Markup]] = {}

    def template(self, name: str):
        """A compiled template; template errors name the file and line."""
        if name not in self._templates:
            try:
                self._templates[name] = self.env.get_template(name)
            except TemplateError as exc:
                raise BuildError([template_error(exc, name)]) from exc
        return self._templates[name]

    def fragment(self, key: tuple, partial: str, **context) -> Markup:
        """Render a partial once per distinct key: plan-type rules, reason notes, treatment bodies."""
        if key not in self._fragments:
            self._fragments[key] = Markup(ascii_html(self._render(partial, context)))
        return self._fragments[key]

    def _render(self, name: str, context: dict, page: str | None = None) -> str:
        try:
            return self.template(name).render(site=self.site, **context)
        except BuildError:
            raise
        except TemplateError as exc:
            raise BuildError([template_error(exc, name, page)]) from exc
        except Exception as exc:  # a template calling something that fails
            raise BuildError([ContentError(f"templates/{name}", 0, "", f"error while rendering: {exc}")]) from exc

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

    def render_guide(self, index: int) -> str:
        """Render one guide page, then put the escaped payer and treatment names in the placeholders."""
        page = self.plan.guides[index]
        records = self.guide_records(page)
        context = self.page_context(records, index)
        # A namespace, not a dict: Jinja looks `sections.rights` up as an attribute first, and a
        # dict answers that with an exception before the item lookup (1.5 µs, six times a page).
        context["sections"] = SimpleNamespace(**{name: self.section(name, records) for name in GUIDE_SECTIONS})
        return fill_html(self._render(PAGE_TEMPLATES["guide"], context, page.url), context["names"])

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
            "sources": self.page_sources(r),
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

    def markdown(self, key: tuple, text: str) -> Markup:
        """Markdown rendered once per record, not once per page."""
        cached = self._fragments.get(("md", *key))
        if cached is None:
            cached = self._fragments[("md", *key)] = Markup(ascii_html(render_markdown(text)) if text else "")
        return cached

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
            cached = self._links[index] = ascii_html(f'<li><a href="{escape(g.url)}">{escape(text)}</a></li>')
        return cached

    def cta_url(self, page: GuidePage) -> str:
        """The CTA link with this page's query parameters."""
        values = {"{payer}": page.payer, "{treatment}": page.treatment, "{reason}": page.reason}
        params = {}
        for key, template in self.site.cta.params.items():
            for token, value in values.items():
                template = template.replace(token, value)
            params[key] = template
        if not params:
            return self.site.cta.url
        joiner = "&" if "?" in self.site.cta.url else "?"
        return self.site.cta.url + joiner + "&".join(f"{_quote(k)}={_quote(v)}" for k, v in params.items())

    def page_sources(self, r: GuideRecords) -> Markup:
        """Every citation the page relies on, once each, in the order the page uses them.

        In four parts, each shared by many pages and kept without repeats: the plan types'
        rules with the reason's notes on them, the pair note's and the treatment's, the
        reason's, and the payer's. A page then merges four tuples instead of asking for each
        record's citations in turn: 61,000 instructions a guide against 99,500 (callgrind).
        """
        payer, treatment, reason, slugs = r.payer.slug, r.treatment.slug, r.reason.slug, r.page.plan_types
        parts = self._citation_parts
        rules = parts.get(("rules", reason, slugs))
        if rules is None:
            keys = [("pt", s) for s in slugs] + [("rpt", reason, s) for s in slugs]
            rules = self._citation_part(("rules", reason, slugs), r, keys)
        pair_and_treatment = parts.get(("pair+treatment", payer, treatment))
        if pair_and_treatment is None:
            keys = ([("pair", payer, treatment)] if r.pair else []) + [("treatment", treatment)]
            pair_and_treatment = self._citation_part(("pair+treatment", payer, treatment), r, keys)
        records = self.record_citations(("reason", reason), r), self.record_citations(("payer", payer), r)
        return Markup("\n".join(dict.fromkeys(chain(rules, pair_and_treatment, *records))))

    def _citation_part(self, key: tuple, r: GuideRecords, record_keys: list[tuple]) -> tuple[str, ...]:
        """The citations of several records, without repeats; kept for the pages that come next in plan order."""
        if len(self._citation_parts) >= SECTION_CACHE_SIZE:
            self._citation_parts.clear()
        cited = chain.from_iterable(self.record_citations(k, r) for k in record_keys)
        part = self._citation_parts[key] = tuple(dict.fromkeys(cited))
        return part

    def record_citations(self, key: tuple, r: GuideRecords) -> tuple[str, ...]:
        """The <li> of each citation one record uses, computed once per record."""
        cached = self._citations.get(key)
        if cached is not None:
            return cached
        payer, treatment, reason, pair = r.payer, r.treatment, r.reason, r.pair
        kind = key[0]
        if kind == "pt":
            pt = self.content.plan_types[key[1]]
            items = [s.file_within for s in pt.steps if s.file_within]
            items += [d for s in pt.steps for d in s.decisions] + [pt.expedited]
        elif kind == "rpt":
            items = list(reason.plan_type_notes.get(key[2], ()))
        elif kind == "pair":
            items = [pair.policy, *pair.criteria, *pair.sources]
        elif kind == "treatment":
            items = [treatment.approved_use, *treatment.criteria, treatment.pitfall, *treatment.sources]
        elif kind == "reason":
            items = [*reason.levers, *reason.sources]
        else:
            items = [*payer.facts, payer.policy_library, *payer.sources]
        cached = self._citations[key] = tuple(
            dict.fromkeys(ascii_html(_citation_item(i.cite, i.url)) for i in items if i.cite)
        )
        return cached

    def render_hub(self, hub: HubPage) -> str:
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
        """What a hub template shows."""
        c = self.content
        context: dict = {
            "hub": hub,
            "content": c,
            "canonical": absolute(self.site.base_url, hub.url),
            "plan": self.plan,
            "hub_url": hub_url,
            "noindex": hub.kind == "404",
        }
        if hub.kind in ("payer", "treatment", "reason"):
            context["record"] = getattr(c, hub.kind + "s")[hub.slug]
            context["groups"] = self.guide_groups(hub.kind, hub.slug)
        elif hub.kind == "plan_type":
            pt = context["record"] = c.plan_types[hub.slug]
            context["rules"] = self.fragment(("rights", pt.slug), "partials/plan_type_rules.html", plan_type=pt)
            context["payers"] = [p for p in c.payers.values() if pt.slug in p.plan_types]
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

    def render_file(self, name: str, **context) -> str:
        """Render a site file (sitemap, robots.txt, redirect stub)."""
        return self._render(name, context)


def template_error(exc: TemplateError, name: str, page: str | None = None) -> ContentError:
    """A template problem as a ContentError naming file, line and page."""
    path = getattr(exc, "filename", None) or f"templates/{name}"
    try:
        path = str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        pass
    line = getattr(exc, "lineno", 0) or _template_line(exc)
    where = f" while building {page}" if page else ""
    kind = type(exc).__name__
    return ContentError(path, line, "template", f"{kind}: {exc.message or exc}{where}")


def _letter(text: str) -> str:
    """The A–Z heading an entry sorts under; digits and symbols go under '#'."""
    first = text[:1].upper()
    return first if "A" <= first <= "Z" else "#"


def _template_line(exc: BaseException) -> int:
    """Jinja rewrites tracebacks so template frames carry the template's own line numbers."""
    line = 0
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith((".html", ".xml", ".txt")):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _citation_item(cite: str, url: str | None) -> str:
    """One <li> of the sources list."""
    if url:
        return f'<li><a href="{escape(url)}" rel="nofollow noopener">{escape(cite)}</a></li>'
    return f"<li>{escape(cite)}</li>"
