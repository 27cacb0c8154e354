"""A guide's deadline rows: one per group of the payer's plan types whose first appeal has the same rules.

Each row says when to appeal, how long the plan has to decide and what comes next, with the data
the deadline calculator counts from (data-* attributes, written from content/plan-types/, never by hand).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..guide_records import (
    PLAIN_ROWS,
    RowTerms,
    claim_decision,
    claim_groups,
    next_step,
    next_when,
    row_fast,
    row_groups,
    standard_decision,
)
from ..model import Decision, PlanType, Step
from .sources import Cited, PageSources


@dataclass(frozen=True)
class DeadlineRow:
    """Plan types that share their first appeal's rules, and those rules."""

    plan_types: tuple[PlanType, ...]
    step: Step
    appeal: list[Cited]
    """The first step's deadline, once per distinct citation (same number, several plan types' rules)."""
    decision: list[Cited]
    fast: list[Cited]
    claim: Decision | None
    """The time for a claim for care already had, where the page's denial may be one and it differs
    (claim_decision): stated below the rows (claim_times), so the rows stay on the first screen."""
    next_step: Step | None
    next_within: list[Cited]
    next_when: list[Cited]
    """When the next step is open to the page's reason, where it is not always (guide_records.next_when)."""

    @property
    def slugs(self) -> str:
        """The plan types, space-separated, for data-plan-type."""
        return " ".join(pt.slug for pt in self.plan_types)


def deadline_rows(plan_types: list[PlanType], sources: PageSources, terms: RowTerms = PLAIN_ROWS) -> list[DeadlineRow]:
    """Rows in the order of their first plan type; plan types with identical rules share one. What else
    they depend on (a drug, the reason, a claim for care already had) is `terms` (guide_records.py)."""
    return [_row(group, sources, terms) for group in row_groups(plan_types, terms)]


def _row(group: tuple[PlanType, ...], sources: PageSources, terms: RowTerms) -> DeadlineRow:
    first = group[0]
    step = first.steps[0]
    nxt = next_step(first, terms.reason)

    later = {pt.slug: next_step(pt, terms.reason) for pt in group}

    def each(pick) -> list[Cited]:
        return sources.cite_all(_distinct(pick(pt) for pt in group))

    return DeadlineRow(
        plan_types=group,
        step=step,
        appeal=each(lambda pt: pt.steps[0].file_within),
        decision=each(lambda pt: standard_decision(pt, terms)),
        fast=each(lambda pt: row_fast(pt, terms)),
        claim=claim_decision(first, terms),
        next_step=nxt,
        next_within=each(lambda pt: later[pt.slug] and later[pt.slug].file_within),
        next_when=each(lambda pt: later[pt.slug] and next_when(later[pt.slug], terms.reason)),
    )


@dataclass(frozen=True)
class ClaimTime:
    """A time to decide a claim for care already had, the page's plan types it is for, and its sources."""

    value: str
    plans: str
    cited: list[Cited]


def claim_times(plan_types: list[PlanType], sources: PageSources, terms: RowTerms) -> list[ClaimTime]:
    """The times to decide a claim for care already had where they differ from the rows' (claim_decision),
    one per time, cited after the rows in the order the page shows them."""
    return [
        ClaimTime(value, label, sources.cite_all(_distinct(decisions)))
        for value, label, decisions in claim_groups(plan_types, terms)
    ]


def _distinct(items) -> list:
    """The rules given, once per citation (several plan types' rules may cite the same source)."""
    return list({(i.cite, i.url): i for i in items if i is not None}.values())
