"""The records one guide shows and who it speaks to: looked up the same way for rendering the page
(render/guide.py) and for measuring what it shows before rendering (similarity.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .model import Audience, Content, Fact, PairNote, Payer, PlanType, Process, Reason, Treatment
from .pages import GuidePage


@dataclass(frozen=True, slots=True)
class GuideRecords:
    """The records one guide shows, looked up once per page, and who the page speaks to."""

    page: GuidePage
    payer: Payer
    treatment: Treatment
    reason: Reason
    pair: PairNote | None
    """The payer's own policy for the treatment, when it governs one of the page's plan types."""
    plan_types: list[PlanType]
    audience: Audience
    note: list[tuple[int, Fact]]
    """The treatment × reason note's facts that apply to this page, with their place in the note."""
    process: Process | None
    """The payer's own process for this reason, when it speaks for the page's plan types and benefit."""

    def shown(self, facts: Iterable[Fact]) -> list[Fact]:
        """The facts that apply to this page, in order."""
        return [f for f in facts if f.applies(self.audience)]

    @property
    def criteria(self) -> tuple[Fact, ...]:
        """The payer's own criteria where the pair governs the page, else the typical ones (before scoping)."""
        return self.pair.criteria if self.pair else self.treatment.criteria


def guide_records(content: Content, page: GuidePage) -> GuideRecords:
    """The page's records and audience; the pair only where it governs one of the page's plan types."""
    payer, treatment = content.payers[page.payer], content.treatments[page.treatment]
    pair = content.pairs.get((page.payer, page.treatment))
    if pair and not pair.governs(page.plan_types):
        pair = None
    audience = Audience(
        plan_types=page.plan_types,
        kind=treatment.kind,
        tags=treatment.tags,
        benefit=treatment.benefit,
        payer_kind=payer.kind,
        states=payer.states,
    )
    plan_types = [content.plan_types[s] for s in page.plan_types]
    notes = treatment.reason_notes.get(page.reason, ())
    note = [(i, fact) for i, fact in enumerate(notes) if fact.applies(audience)]
    process = payer.process_for(page.reason, page.plan_types, treatment.benefit)
    reason = content.reasons[page.reason]
    return GuideRecords(page, payer, treatment, reason, pair, plan_types, audience, note, process)
