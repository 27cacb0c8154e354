"""The records one guide shows and who it speaks to: looked up the same way for rendering the page
(render/guide.py) and for measuring what it shows before rendering (similarity.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from .model import (
    STATE_NAMES,
    Audience,
    Content,
    Deadline,
    Decision,
    Fact,
    PairNote,
    Payer,
    PlanType,
    Process,
    Reason,
    Step,
    Treatment,
)
from .pages import GuidePage


@dataclass(frozen=True, slots=True)
class RowTerms:
    """What a guide's deadline rows depend on besides its plan types (standard_decision, row_fast, next_step)."""

    drug: bool = False
    """The page is about a drug: a plan type's time for a drug request is its decision time."""
    reason: str = ""
    """The page's reason where one of its plan types takes a later step only for some reasons, or says
    when a step is open to this reason (Step.when), else ""."""
    after_care: bool = False
    """The denial is of a claim for care already had (GuideRecords.after_care): a plan type's time for
    that is its decision time, and there is no fast one."""
    claims_too: bool = False
    """The denial may be of a request or of a claim for care already had (GuideRecords.claims_too): the
    time for such a claim, where it differs from a row's decision time, is given below the rows and in
    the row's calculator data (claim_decision)."""


PLAIN_ROWS = RowTerms()
"""Rows that depend on their plan types only."""


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
    def drug(self) -> bool:
        """Whether the page is about a drug: a plan type's time for a drug request then applies (standard_decision)."""
        return self.treatment.kind in DRUG_KINDS

    @property
    def ask_for(self) -> str:
        """What to ask for first: the reason's own words for the page's plan types where they all share
        them (Reason.ask_for_by_plan_type), else its general sentence."""
        return self._shared(self.reason.ask_for_by_plan_type) or self.reason.ask_for

    @property
    def lede(self) -> str | None:
        """The answer's first sentence where the page's plan types all share the reason's own words for it
        (Reason.lede_by_plan_type); None where the treatment note opens the answer."""
        return self._shared(self.reason.lede_by_plan_type)

    def _shared(self, by_plan_type: dict[str, str]) -> str | None:
        texts = {by_plan_type.get(pt.slug) for pt in self.plan_types}
        return texts.pop() if len(texts) == 1 else None

    @property
    def after_care(self) -> bool:
        """Whether the denial is of a claim for care already had: the reason says so (a missing prior
        authorization), for care on the medical benefit (a drug paid on either benefit included: an
        infusion, a shot in the clinic) at a payer that decides medical claims. A pharmacy benefit
        manager decides pharmacy claims only, and a pharmacy turns a drug away before you have it."""
        return self.reason.after_care and self._medical_claim

    @property
    def claims_too(self) -> bool:
        """Whether the denial may be of a request or of a claim for care already had: the reason says so
        (medical necessity, an exclusion), for care on the medical benefit at a payer that decides
        medical claims (as for after_care)."""
        return self.reason.claims_too and self._medical_claim

    @property
    def _medical_claim(self) -> bool:
        return self.treatment.benefit != "pharmacy" and self.payer.handles("medical")

    @property
    def row_terms(self) -> RowTerms:
        """What the page's deadline rows depend on besides its plan types."""
        steps = (s for pt in self.plan_types for s in pt.steps)
        reason = self.page.reason if any(s.reasons or self.page.reason in s.when for s in steps) else ""
        return RowTerms(self.drug, reason, self.after_care, self.claims_too)

    @property
    def fast(self) -> bool:
        """Whether one of the page's plan types has a fast appeal for this kind of treatment (its
        `expedited` applies here and to this reason: Original Medicare's fast reviews are for care that
        is ending, TRICARE's for medical-necessity denials), and the care is still to come there: a claim
        for care already had is never decided fast (plan_terms)."""
        terms = self.row_terms
        return any(
            pt.expedited.applies_for(self.audience, self.page.reason) and not plan_terms(pt, terms).after_care
            for pt in self.plan_types
        )

    @property
    def letter_case(self) -> str:
        """The letter outline's line for the case: the reason's own, else the treatment's, else "" for the
        doctor's line (templates/guide/letter.html)."""
        return self.reason.letter_case or self.treatment.letter_case

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


def row_groups(plan_types: list[PlanType], terms: RowTerms = PLAIN_ROWS) -> list[tuple[PlanType, ...]]:
    """The page's deadline rows: plan types whose first appeal has identical rules share one, in the
    order of their first plan type (render/deadlines.py shows them, similarity.py weighs them)."""
    groups: dict[tuple, list[PlanType]] = {}
    for pt in plan_types:
        groups.setdefault(rule_key(pt, terms), []).append(pt)
    return [tuple(group) for group in groups.values()]


def plan_terms(pt: PlanType, terms: RowTerms) -> RowTerms:
    """A plan type's own row terms. A plan that pays only for drugs from a pharmacy (Part D) meets a
    denial of care already had (RowTerms.after_care) as a request first: the pharmacy turned the drug
    away, unless you bought it yourself and ask to be paid back (42 CFR 423.590). So its row
    gives the time for a request, and its time to pay you back goes below the rows (claims_too)."""
    if terms.after_care and "medical" not in pt.benefits:
        return replace(terms, after_care=False, claims_too=True)
    return terms


def next_step(pt: PlanType, reason: str = "") -> Step | None:
    """The level after the first appeal for a denial for `reason`: the first later step that every reason
    takes, or this one's (Step.reasons)."""
    return next((s for s in pt.steps[1:] if not s.reasons or reason in s.reasons), None)


def rule_key(pt: PlanType, terms: RowTerms = PLAIN_ROWS) -> tuple:
    """What must be equal for two plan types to share a row: every number and what it counts from."""
    step = pt.steps[0]
    nxt = next_step(pt, terms.reason)
    return (
        step.name,
        _deadline_key(step.file_within),
        _decision_key(standard_decision(pt, terms)),
        _decision_key(row_fast(pt, terms)),
        _decision_key(claim_decision(pt, terms)),
        (nxt.name, nxt.who_files, _deadline_key(nxt.file_within), _fact_key(next_when(nxt, terms.reason)))
        if nxt
        else None,
    )


def next_when(step: Step, reason: str) -> Fact | None:
    """When the next step is open to a denial for `reason`, where it is not always (Step.when), or at
    all (Step.open_if)."""
    return (step.when.get(reason) if reason else None) or step.open_if


def _fact_key(f: Fact | None) -> tuple | None:
    return (f.text, f.cite, f.url) if f else None


def _deadline_key(d: Deadline | None) -> tuple | None:
    return (d.value, d.counts_from, d.bound) if d else None


def _decision_key(d: Decision | None) -> tuple | None:
    return (d.kind, d.value, d.counts_from, d.bound) if d else None


DRUG_KINDS = ("drug", "biologic")

_FIRST_MET = ("pre-service", "standard", "drug", "post-service", "payment")
_FIRST_MET_BY_DRUG = ("drug", "pre-service", "standard", "post-service", "payment")
_AFTER_CARE = ("post-service", "payment")


def standard_decision(pt: PlanType, terms: RowTerms = PLAIN_ROWS) -> Decision | None:
    """The decision time of a plan type's first appeal that a person waiting on a request for care meets
    first (its own terms: plan_terms); on a drug's page, the
    step's own time for a drug request where it has one (Medicare Advantage decides a Part B drug
    appeal in 7 days, not the 30 it has for other care: 42 CFR 422.590(a), (c)); for a claim for care
    already had, the step's time for that where it has one (60 days in a job-based plan or Medicare
    Advantage: 29 CFR 2560.503-1(i)(2)(iii); 42 CFR 422.590(b))."""
    terms = plan_terms(pt, terms)
    order = _FIRST_MET_BY_DRUG if terms.drug else _FIRST_MET
    for kind in _AFTER_CARE + order if terms.after_care else order:
        for d in pt.steps[0].decisions:
            if d.kind == kind:
                return d
    return None


def claim_decision(pt: PlanType, terms: RowTerms = PLAIN_ROWS) -> Decision | None:
    """On a page whose denial may be of a claim for care already had (RowTerms.claims_too, after
    plan_terms), the first appeal's time for such a claim where it differs from the decision time the row gives: a job-based plan or
    Medicare Advantage has 60 days for it, not 30 (29 CFR 2560.503-1(i)(2)(iii); 42 CFR 422.590(b))."""
    if not plan_terms(pt, terms).claims_too:
        return None
    claim = next((d for kind in _AFTER_CARE for d in pt.steps[0].decisions if d.kind == kind), None)
    standard = standard_decision(pt, terms)
    return claim if claim and standard and claim.value != standard.value else None


def claim_groups(plan_types: list[PlanType], terms: RowTerms) -> list[tuple[str, str, list[Decision]]]:
    """The page's times to decide a claim for care already had (claim_decision), one per time in the
    order of the rows: the time, whose it is (plans_named) and each plan type's rule for it."""
    groups: dict[str, list[tuple[PlanType, Decision]]] = {}
    for pt in plan_types:
        claim = claim_decision(pt, terms)
        if claim:
            groups.setdefault(claim.value, []).append((pt, claim))
    return [
        (value, plans_named([pt for pt, _ in found], plan_types), [d for _, d in found])
        for value, found in groups.items()
    ]


def plans_named(named: list[PlanType], plan_types: list[PlanType]) -> str:
    """Plan types in words: the page's job-based (and Marketplace) plans as one group where there are
    several, saying which of them are left out ("job-based plans other than the FEHB plan", FEHB having a
    time of its own), and the rest by name. A group with some left out comes last ("Medicare Advantage and
    for job-based and Marketplace plans other than the FEHB plan"): a name after it would read as left out too."""
    everyone = [pt for pt in plan_types if pt.slug in JOB_BASED | {"individual-marketplace"}]
    slugs = {pt.slug for pt in named}
    inside = [pt for pt in everyone if pt.slug in slugs]
    together = len(inside) > 1 and len(inside) > len(everyone) - len(inside)
    names = [pt.short_name for pt in named if not (together and pt in inside)]
    if not together:
        return _in_words(names)
    group = _job_based_words({pt.slug for pt in inside})
    left_out = [pt.short_name for pt in everyone if pt not in inside]
    if not left_out:
        # "job-based and Marketplace plans, and Medicare Advantage": a comma keeps the two "and"s apart.
        return group if not names else f"{group}, and {_in_words(names)}"
    group += " other than the " + " and the ".join(left_out)
    return group if not names else f"{_in_words(names)} and for {group}"


def _in_words(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


DOCTOR_STEP = "Ask your doctor for a letter answering each criterion in the table above, point by point."
"""The next step that asks the doctor for a letter, on a guide with a criteria table, unless the reason gives
its own (Reason.doctor_letter); without a table the letter answers each point the denial makes."""

FAST_STEP = "If waiting could seriously harm your health, ask for a fast (expedited) appeal and say why."
"""The next step that offers a fast appeal, on a guide that has one (GuideRecords.fast)."""


def row_fast(pt: PlanType, terms: RowTerms = PLAIN_ROWS) -> Decision | None:
    """The fast decision time a plan type's row shows: none for a claim for care already had (after
    plan_terms; 29 CFR 2560.503-1(m)(1) makes urgent claims ones for care still to come; 42 CFR 422.584(a)
    leaves out payment requests)."""
    return None if plan_terms(pt, terms).after_care else fast_decision(pt.steps[0])


def fast_decision(step: Step) -> Decision | None:
    """The expedited decision time, when the step has one."""
    return next((d for d in step.decisions if d.kind == "expedited"), None)


def scope_label(fact: Fact, plan_types: list[PlanType], states: tuple[str, ...] = ()) -> str:
    """Whose rule a fact is, where it holds for some of a page's plan types or of its payer's `states`
    only: "Medicare", "Medicaid" or the plan types' names, and "in Washington" (one region's policy
    read by a member in another); "" where it holds for all of them (a criterion in the table says so)."""
    plans = _plans_label(fact, plan_types)
    where = fact.scope.states
    if not where or set(states) <= set(where):
        return plans
    names = " and ".join(STATE_NAMES[s] for s in where)
    return f"{plans} in {names}" if plans else f"In {names}"


JOB_BASED = frozenset(("employer-insured", "employer-self-funded", "grandfathered", "government-employer", "fehb"))
"""Coverage through a job, a federal one included: one label for several of them beats a list of their names."""


def _plans_label(fact: Fact, plan_types: list[PlanType]) -> str:
    covered = [pt for pt in plan_types if pt.slug in fact.scope.plan_types]
    if not fact.scope.plan_types or len(covered) == len(plan_types):
        return ""
    slugs = [pt.slug for pt in covered]
    if all(s.startswith("medicare-") or s == "original-medicare" for s in slugs):
        return "Medicare"
    if all(s.startswith("medicaid-") for s in slugs):
        return "Medicaid"
    if len(slugs) > 1 and set(slugs) <= JOB_BASED | {"individual-marketplace"}:
        words = _job_based_words(set(slugs))
        return words[:1].upper() + words[1:]
    return ", ".join(pt.short_name for pt in covered)


def _job_based_words(slugs: set[str]) -> str:
    """Several job-based plan types, Marketplace plans among them or not, in words."""
    return "job-based and Marketplace plans" if "individual-marketplace" in slugs else "job-based plans"
