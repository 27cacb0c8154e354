"""A guide's deadline rows: one per group of the payer's plan types whose first appeal has the same rules.

Each row says when to appeal, how long the plan has to decide and what comes next, with the data
the deadline calculator counts from (data-* attributes, written from content/plan-types/, never by hand).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Deadline, Decision, PlanType, Step
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
    next_step: Step | None
    next_within: list[Cited]

    @property
    def slugs(self) -> str:
        """The plan types, space-separated, for data-plan-type."""
        return " ".join(pt.slug for pt in self.plan_types)


def deadline_rows(plan_types: list[PlanType], sources: PageSources) -> list[DeadlineRow]:
    """Rows in the order of their first plan type; plan types with identical rules share one."""
    groups: dict[tuple, list[PlanType]] = {}
    for pt in plan_types:
        groups.setdefault(_rule_key(pt), []).append(pt)
    return [_row(tuple(group), sources) for group in groups.values()]


def _row(group: tuple[PlanType, ...], sources: PageSources) -> DeadlineRow:
    first = group[0]
    step = first.steps[0]
    next_step = first.steps[1] if len(first.steps) > 1 else None

    def each(pick) -> list[Cited]:
        items = [pick(pt) for pt in group]
        return sources.cite_all(list({(i.cite, i.url): i for i in items if i is not None}.values()))

    return DeadlineRow(
        plan_types=group,
        step=step,
        appeal=each(lambda pt: pt.steps[0].file_within),
        decision=each(lambda pt: standard_decision(pt.steps[0])),
        fast=each(lambda pt: fast_decision(pt.steps[0])),
        next_step=next_step,
        next_within=each(lambda pt: pt.steps[1].file_within if len(pt.steps) > 1 else None),
    )


def _rule_key(pt: PlanType) -> tuple:
    """What must be equal for two plan types to share a row: every number and what it counts from."""
    step = pt.steps[0]
    nxt = pt.steps[1] if len(pt.steps) > 1 else None
    return (
        step.name,
        _deadline_key(step.file_within),
        _decision_key(standard_decision(step)),
        _decision_key(fast_decision(step)),
        (nxt.name, nxt.who_files, _deadline_key(nxt.file_within)) if nxt else None,
    )


def _deadline_key(d: Deadline | None) -> tuple | None:
    return (d.value, d.counts_from, d.bound) if d else None


def _decision_key(d: Decision | None) -> tuple | None:
    return (d.kind, d.value, d.counts_from, d.bound) if d else None


def standard_decision(step: Step) -> Decision | None:
    """The decision time a person waiting on a request for care meets first."""
    for kind in ("pre-service", "standard", "drug", "post-service", "payment"):
        for d in step.decisions:
            if d.kind == kind:
                return d
    return None


def fast_decision(step: Step) -> Decision | None:
    """The expedited decision time, when the step has one."""
    return next((d for d in step.decisions if d.kind == "expedited"), None)
