"""What a guide shows, in the order the person needs it: the answer, the deadline for each plan type,
what the payer requires, what works for this reason with this treatment, the worksheet and letter
outline, next steps and free help. Only facts whose scope matches the page are shown."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import lru_cache
from typing import TypeVar

from markupsafe import Markup, escape

from ..guide_records import DOCTOR_STEP, FAST_STEP, GuideRecords, guide_records, scope_label
from ..incremental.reads import read
from ..model import Fact, PlanType
from ..placeholders import fill_html
from ..plan import GuidePage
from ..urls import absolute, hub_url
from .deadlines import claim_times, deadline_rows
from .environment import ascii_html, capitalized
from .fragments import PageKind, Shared
from .guide_head import RelatedLinks, breadcrumbs, cta_url, guide_description, guide_jsonld, guide_title
from .sources import Cited, PageSources, reuse

MAX_NEXT_STEPS = 7

T = TypeVar("T")


class GuidePages(PageKind):
    """Renders guide pages; shares the renderer's templates and Markdown cache."""

    def __init__(self, shared: Shared) -> None:
        super().__init__(shared)
        self.related = RelatedLinks(shared.content, shared.plan, shared.prefix)
        self._pieces: dict = {}
        """Pieces, each rendered once per key; those that cite sources are given each page's numbers (sources.reuse)."""

    def warm_up(self, guides: Iterable[int]) -> None:
        """Render the Markdown of these guides' notes and pair bodies before forking, so workers share it."""
        for index in guides:
            page = self.plan.guides[index]
            records = self.records(page)
            self.note_html(records, PageSources())
            if records.pair:
                self.markdown(("pair", records.payer.slug, records.treatment.slug), nested(records.pair.body))

    def render(self, index: int) -> str:
        """Render one guide page, then put the escaped payer and treatment names in the placeholders."""
        page = self.plan.guides[index]
        records = self.records(page)
        context = self.context(records, index)
        # As ASCII with numeric references, the page encodes to bytes as a plain copy (ascii_html says why).
        return fill_html(ascii_html(self._render("guide.html", context, page.url)), context["names"])

    def records(self, page: GuidePage) -> GuideRecords:
        """The page's records and audience (guide_records.py), noted as what this page reads."""
        # What the page shows comes from these records, its free-help list and the guide list
        # (related links); names and site settings are in every page's key.
        read(
            f"guide:{page.url}",
            f"payer:{page.payer}",
            f"treatment:{page.treatment}",
            f"reason:{page.reason}",
            f"pair:{page.payer}/{page.treatment}",
            *(f"plan_type:{s}" for s in page.plan_types),
            "help",
            "guides",
        )
        return guide_records(self.content, page)

    def context(self, r: GuideRecords, index: int) -> dict:
        """Everything guide.html shows, its sources numbered in the order the page cites them."""
        payer, treatment, reason = r.payer, r.treatment, r.reason
        sources = PageSources()
        h1 = f"{capitalized(treatment.short_name)} {reason.title_phrase} by {payer.short_name}?"
        crumbs = breadcrumbs(payer, treatment, reason)
        reviewed = [payer.last_reviewed, treatment.last_reviewed, reason.last_reviewed]
        reviewed += [pt.last_reviewed for pt in r.plan_types] + ([r.pair.last_reviewed] if r.pair else [])
        if r.process:
            reviewed.append(r.process.last_reviewed)
        context = {
            "page": r.page,
            "payer": payer,
            "treatment": treatment,
            "reason": reason,
            "pair": r.pair,
            "plan_types": r.plan_types,
            "names": {"payer": payer.short_name, "treatment": treatment.short_name},
            "h1": h1,
            "answer": self.answer(r, sources),
            "title": guide_title(payer, treatment, reason),
            "description": guide_description(payer, treatment, reason, len(r.plan_types)),
            "canonical": absolute(self.site.base_url, r.page.url),
            "noindex": index in self.plan.noindex,
            "reviewed": reviewed,
            "reviewed_oldest": min(reviewed),
            "breadcrumbs": crumbs,
            "jsonld_data": guide_jsonld(self.site, r.page, h1, crumbs, treatment, min(reviewed)),
            "rights": self.rights(r, sources),
            "calc_options": self.calc_options(r),
            "hub_url": hub_url,
            "plan_type_url": plan_type_url,
        }
        context["requirements"] = self.requirements(r, sources)
        has_table = self.has_table(r)
        context["letter"] = self.once(
            ("letter", has_table, r.treatment.plural, r.fast, r.after_care, r.claims_too, r.letter_case),
            lambda: self.partial(
                "guide/letter.html",
                {
                    "criteria": has_table,
                    "treatment": r.treatment,
                    "fast": r.fast,
                    "after_care": r.after_care,
                    "claims_too": r.claims_too,
                    "case": r.letter_case,
                },
                r,
            ),
        )
        context |= self.angle(r, sources)
        context["next_steps"] = self.next_steps(r, has_table)
        context["process"] = self.process(r, sources)
        context["free_help"] = self.free_help(r, sources)
        context["cta_url"] = cta_url(self.site, r.page)
        context["related"] = self.related.groups(r.page, self.plan.related[index])
        context["sources"] = sources.html()
        context["reviewed_line"] = self.reviewed_line(r)
        return context

    def rights(self, r: GuideRecords, sources: PageSources) -> Markup:
        """The deadline rows: one per group of the page's plan types with identical rules, each number cited;
        below them the times for a claim for care already had where the denial may be one (claim_times)."""
        return reuse(
            self._pieces,
            ("rights", r.page.plan_types, r.row_terms),
            sources,
            lambda: self.partial(
                "guide/rights.html",
                {
                    "deadlines": deadline_rows(r.plan_types, sources, r.row_terms),
                    "claims": claim_times(r.plan_types, sources, r.row_terms),
                    "plan_type_url": plan_type_url,
                },
                r,
            ),
        )

    def free_help(self, r: GuideRecords, sources: PageSources) -> Markup:
        """Free help for the page's plan types, each entry cited; empty when none applies."""
        shown = tuple(i for i, h in enumerate(self.content.help) if h.applies(r.audience))
        if not shown:
            return Markup("")
        help = [self.content.help[i] for i in shown]
        return reuse(
            self._pieces,
            ("help", shown),
            sources,
            lambda: self.partial("guide/free_help.html", {"help": sources.cite_all(help)}, r),
        )

    def calc_options(self, r: GuideRecords) -> Markup:
        """The calculator's choice of plan type, one option per deadline row: once per set of plan types."""
        return self.once(
            ("calc-options", r.page.plan_types, r.row_terms),
            lambda: self.partial(
                "guide/calc_options.html",
                {"deadlines": deadline_rows(r.plan_types, PageSources(), r.row_terms)},
                r,
            ),
        )

    def answer(self, r: GuideRecords, sources: PageSources) -> Markup:
        """Two sentences for this reason and this treatment: what the denial means here (with the source of
        the note it opens, the first the page cites), and what to ask for."""
        lede = r.lede
        if lede:
            return Markup(f"{escape(lede)} {escape(r.ask_for)}")
        opening = r.note[0][1] if r.note else None
        first = first_sentence(opening.text) if opening else first_sentence(r.reason.lede)
        mark = sources.cite(opening).mark if opening else ""
        return Markup(f"{escape(first)}{mark} {escape(r.ask_for)}")

    def criteria(self, r: GuideRecords) -> list[Fact]:
        """The payer's own criteria where the pair governs the page, else the typical ones."""
        return r.shown(r.criteria)

    def has_table(self, r: GuideRecords) -> bool:
        """Whether the page has a criteria table, which the letter outline and the next steps point to."""
        return self.once(
            ("has-table", r.payer.slug, r.treatment.slug, r.page.plan_types),
            lambda: any(not f.context for f in self.criteria(r)),
        )

    def requirements(self, r: GuideRecords, sources: PageSources) -> Markup:
        """What the payer requires: its named policy and criteria, or the typical criteria, said honestly.
        The same for every reason: rendered once per payer, treatment and plan types (sources.reuse)."""

        def make() -> Markup:
            policy = sources.cite(r.pair.policy) if r.pair else None
            library = r.payer.policy_library
            criteria = self.criteria(r)
            governs = [pt for pt in r.plan_types if r.pair and pt.slug in r.pair.plan_types]
            context = {
                "payer": r.payer,
                "treatment": r.treatment,
                "policy": policy,
                "policy_plans": governs if len(governs) < len(r.plan_types) else [],
                "library": sources.cite(library) if library.name and not r.pair else None,
                "criteria": sources.cite_all([f for f in criteria if not f.context]),
                "background": sources.cite_all([f for f in criteria if f.context]),
                "labels": [scope_label(f, r.plan_types, r.payer.states) for f in criteria if not f.context],
                "background_labels": [scope_label(f, r.plan_types, r.payer.states) for f in criteria if f.context],
            }
            return self.partial("guide/requirements.html", context, r)

        key = ("requirements", r.payer.slug, r.treatment.slug, r.page.plan_types)
        return reuse(self._pieces, key, sources, make)

    def angle(self, r: GuideRecords, sources: PageSources) -> dict:
        """What works for this reason with this treatment, the pair's notes, and links to the plan types' rules for the reason."""
        return {
            "note": self.note_html(r, sources),
            # Before the pitfall: sources are numbered in the order the page shows them.
            "reason_notes": sources.cite_all(r.shown(r.reason.guide_notes)),
            "pair_body": self.markdown(("pair", r.payer.slug, r.treatment.slug), nested(r.pair.body)) if r.pair else "",
            "pitfall": sources.cite(pitfall)
            if (pitfall := r.treatment.pitfall).text and pitfall.applies(r.audience)
            else None,
            "reason_rules": self.reason_rules(r),
        }

    def reason_rules(self, r: GuideRecords) -> Markup:
        """Links to the page's plan types whose own rules for this reason differ: those rules live on the
        plan types' pages (plan_type.html, by reason), and a guide links there. Once per reason and audience."""

        def make() -> Markup:
            rules = [pt for pt in r.plan_types if r.shown(r.reason.plan_type_notes.get(pt.slug, ()))]
            context = {"reason": r.reason, "reason_rules": rules, "plan_type_url": plan_type_url}
            return self.partial("guide/reason_rules.html", context, r) if rules else Markup("")

        return self.once(("reason-rules", r.reason.slug, r.audience), make)

    def note_html(self, r: GuideRecords, sources: PageSources) -> list[tuple[Markup, Cited]]:
        """The treatment × reason note, a Markdown block per fact that applies, each with its source number."""
        shown = []
        for n, (i, fact) in enumerate(r.note):
            # The first sentence is the page's answer, just above, unless the reason gave the answer its own.
            cut = n == 0 and not r.lede
            text = without_first_sentence(fact.text) if cut else fact.text
            if text:
                html = self.markdown(("note", r.treatment.slug, r.reason.slug, i, cut), text)
                shown.append((html, sources.cite(fact)))
        return shown

    def process(self, r: GuideRecords, sources: PageSources) -> Markup:
        """The payer's own published process for this reason, and the page's plan types it speaks for; empty
        when the payer published none. Rendered once per payer, reason and audience (sources.reuse)."""
        process = r.process
        if process is None:
            return Markup("")

        def make() -> Markup:
            shown = r.shown(process.steps)
            # The plan types the shown steps speak for: a block may hold steps for several plan lines.
            covered = [
                pt for pt in r.plan_types if pt.slug in process.plan_types and any(_speaks_for(s, pt, r) for s in shown)
            ]
            context = {
                "payer": r.payer,
                "process": sources.cite_all(shown),
                "process_plans": covered if len(covered) < len(r.plan_types) else [],
            }
            return self.partial("guide/process.html", context, r)

        return reuse(self._pieces, ("process", r.payer.slug, r.page.reason, r.audience), sources, make)

    def next_steps(self, r: GuideRecords, has_table: bool) -> Markup:
        """At most MAX_NEXT_STEPS things to do (next_steps): once per reason, treatment, whether the page
        has a criteria table and whether a fast appeal applies."""
        return self.once(
            ("next-steps", r.reason.slug, r.treatment.slug, has_table, r.fast, r.ask_for),
            lambda: self.partial("guide/next_steps.html", {"next_steps": next_steps(r, has_table)}, r),
        )

    def reviewed_line(self, r: GuideRecords) -> Markup:
        """When each record the page shows was last reviewed: once per payer, treatment, plan types and pair."""
        context = {"payer": r.payer, "treatment": r.treatment, "plan_types": r.plan_types, "pair": r.pair}
        return self.once(
            ("reviewed", r.payer.slug, r.treatment.slug, r.page.plan_types, r.pair is not None),
            lambda: self.partial("guide/reviewed.html", context, r),
        )

    def once(self, key: tuple, make: Callable[[], T]) -> T:
        """A piece that cites no source, made the first time a page needs it and reused by the rest."""
        piece = self._pieces.get(key)
        if piece is None:
            piece = self._pieces[key] = make()
        return piece

    def partial(self, name: str, context: dict, r: GuideRecords) -> Markup:
        """A partial template rendered for this page, as a piece to reuse (ASCII, like every reused piece)."""
        return Markup(ascii_html(self._render(name, context, r.page.url)))


def next_steps(r: GuideRecords, has_table: bool) -> list[str]:
    """At most MAX_NEXT_STEPS things to do, in order, none repeated; text with placeholders."""
    documents = "; ".join(lower_first(d) for d in r.treatment.documents[:3])
    steps = [
        "Find the date printed on your denial notice and your plan type, then your last day to appeal above.",
        r.ask_for,
        r.reason.doctor_letter
        or (DOCTOR_STEP if has_table else "Ask your doctor for a letter answering each point the denial makes."),
        f"Gather your records: {documents}, and the denial letter itself.",
        *([FAST_STEP] if r.fast else []),
        "Send the appeal as your notice says; keep a copy and proof of when it arrived.",
        "If {payer} says no again, go to the next level shown above.",
    ]
    return list(dict.fromkeys(steps))[:MAX_NEXT_STEPS]


def _speaks_for(fact: Fact, plan_type: PlanType, r: GuideRecords) -> bool:
    return fact.applies(replace(r.audience, plan_types=(plan_type.slug,)))


def plan_type_url(plan_type: PlanType, anchor: str = "") -> str:
    """A plan type's page, at one of its steps when `anchor` names one."""
    return hub_url("plan_type", plan_type.slug) + (f"#{anchor}" if anchor else "")


def nested(markdown: str) -> str:
    """A Markdown body shown under a guide's own h3: its leading heading dropped, the others made h4."""
    lines = markdown.strip().split("\n")
    if lines and lines[0].startswith("#"):
        lines = lines[1:]
    return "\n".join(re.sub(r"^#{1,6} ", "#### ", line) for line in lines)


def lower_first(text: str) -> str:
    """A list item inside a sentence: "Your BMI" → "your BMI" and "A list of" → "a list of", but "A1c results",
    "MRI reports" and "IgG lab results" stay: only a first word whose other letters are all small is lowered."""
    first = text.split(" ", 1)[0]
    rest = first.split("'", 1)[0][1:]  # "Surgeon's notes": the word, not its possessive
    lower = (rest.isalpha() and rest.islower()) or first == "A"
    return text[:1].lower() + text[1:] if lower else text


_MARKDOWN = re.compile(r"\*\*|__|[*_`]|\[([^\]]*)\]\([^)]*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z{])")


@lru_cache(maxsize=4096)
def without_first_sentence(markdown: str) -> str:
    """The Markdown after its first sentence, when the first paragraph has more; else all of it."""
    first, _, rest = markdown.strip().partition("\n\n")
    parts = _SENTENCE_END.split(" ".join(first.split()), maxsplit=1)
    if _MARKDOWN.search(parts[0]):
        return markdown
    return "\n\n".join(p for p in (*parts[1:], rest) if p)


@lru_cache(maxsize=4096)
def first_sentence(markdown: str) -> str:
    """The first sentence of a Markdown text, as plain text."""
    text = _MARKDOWN.sub(lambda m: m.group(1) or "", markdown.strip().split("\n\n")[0])
    text = " ".join(text.split()).lstrip("#- ").strip()
    return _SENTENCE_END.split(text, maxsplit=1)[0]
