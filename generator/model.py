"""Frozen records the templates receive: PlanType, Reason, Treatment, Payer, PairNote."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

KINDS = ("drug", "biologic", "device", "procedure", "service", "test")
BENEFITS = ("medical", "pharmacy")
TREATMENT_BENEFITS = ("medical", "pharmacy", "either")
PAYER_KINDS = ("insurer", "blue-plan", "pbm", "government")
DECISION_KINDS = ("expedited", "standard", "pre-service", "post-service", "payment", "drug")
TAGS = (
    "oncology",
    "mental-health",
    "substance-use",
    "autism",
    "fertility",
    "gender-affirming",
    "obesity",
    "diabetes",
    "neurology",
    "autoimmune",
    "cardiology",
    "rare-disease",
    "hearing",
    "mobility",
    "post-acute",
    "home-care",
    "genetic-testing",
    "imaging",
    "sleep",
    "visits",
    "equipment",
    "pain",
)
"""What a treatment can be tagged as, so that text meant for, say, cancer drugs shows only on their pages."""
STATES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC",
    "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
    "PR", "GU", "VI", "AS", "MP",
)  # fmt: skip
"""Postal codes of the states, DC and the territories."""
STATE_NAMES = dict(
    zip(
        STATES,
        (
            "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware",
            "the District of Columbia", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa",
            "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota",
            "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire", "New Jersey", "New Mexico",
            "New York", "North Carolina", "North Dakota", "Ohio", "Oklahoma", "Oregon", "Pennsylvania",
            "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia",
            "Washington", "West Virginia", "Wisconsin", "Wyoming", "Puerto Rico", "Guam", "the U.S. Virgin Islands",
            "American Samoa", "the Northern Mariana Islands",
        ),
        strict=True,
    )
)  # fmt: skip
"""Each postal code's name, for saying where a fact holds."""
NATIONAL = "national"
"""A payer's `states` value for one that sells in every state."""
WHO_FILES = ("you", "forwarded")
"""Who starts an appeal step: the person (or someone for them) files it, or the plan forwards the case itself."""
COUNTS_FROM = ("notice", "receipt", "request", "decision")
"""What a deadline counts from: the date printed on the notice, the day the notice is received (presumed
five days after its date where the rule says so), the day the request reaches the decider, or a decision."""
BOUNDS = ("exact", "at-least", "at-most")
"""Whether a deadline is the rule itself, a minimum a plan may extend, or a maximum a state or plan may shorten."""


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a page speaks to, matched against each fact's Scope; None where the page does not say."""

    plan_types: tuple[str, ...] | None = None
    kind: str | None = None
    tags: tuple[str, ...] | None = None
    benefit: str | None = None
    payer_kind: str | None = None
    states: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a fact applies; an empty tuple means "wherever", and a page shows a fact only where it applies."""

    plan_types: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    benefits: tuple[str, ...] = ()
    payer_kinds: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    except_tags: tuple[str, ...] = ()
    """Treatment tags the fact never applies to, within the kinds it names (TRICARE's fast appeal is for
    services given as a stay or a procedure, not for care given in visits)."""

    def applies(self, to: Audience) -> bool:
        """Whether a page for `to` may show the fact: every dimension both sides name must overlap, and
        the treatment has none of the tags left out."""
        return (
            _overlaps(self.plan_types, to.plan_types)
            and _contains(self.kinds, to.kind)
            and _overlaps(self.tags, to.tags)
            and (not self.except_tags or not to.tags or set(self.except_tags).isdisjoint(to.tags))
            and (_contains(self.benefits, to.benefit) or to.benefit == "either")
            and _contains(self.payer_kinds, to.payer_kind)
            and (not to.states or NATIONAL in to.states or _overlaps(self.states, to.states))
        )

    def __bool__(self) -> bool:
        # Every dimension, read from the fields: one added to Scope is never left out here.
        return any(getattr(self, f.name) for f in fields(self))


def _overlaps(scoped: tuple[str, ...], page: tuple[str, ...] | None) -> bool:
    return not scoped or page is None or not set(scoped).isdisjoint(page)


def _contains(scoped: tuple[str, ...], page: str | None) -> bool:
    return not scoped or page is None or page in scoped


EVERYWHERE = Scope()


class Scoped:
    """A record shown only where its `scope` matches the page."""

    __slots__ = ()
    scope: Scope

    def applies(self, to: Audience) -> bool:
        """Whether a page for `to` shows this record."""
        return self.scope.applies(to)


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a fact comes from: a regulation, label or document, and an address if seen."""

    cite: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Fact(Scoped):
    """One sentence a person could act on, with its citation beside it, and where it applies."""

    text: str
    cite: str | None
    url: str | None = None
    scope: Scope = EVERYWHERE
    context: bool = False
    """In a list of criteria: background, not something a fact in the person's chart can meet."""


@dataclass(frozen=True, slots=True)
class FastAppeal(Fact):
    """A plan type's fast (expedited) appeal: where it applies, and for which denial reasons."""

    reasons: tuple[str, ...] = ()
    """The denial reasons whose appeals may be fast, where not every reason's: TRICARE's fast appeal
    belongs to its medical-necessity track, and a denial that a treatment is excluded takes the
    factual one (32 CFR 199.10)."""

    def applies_for(self, audience: Audience, reason: str) -> bool:
        """Whether a guide for `audience` and a denial for `reason` may ask for it."""
        return self.applies(audience) and (not self.reasons or reason in self.reasons)


@dataclass(frozen=True, slots=True)
class HelpEntry(Scoped):
    """Free help for people with some plan types: who they are, what they do, and where to reach them."""

    name: str
    text: str
    cite: str
    url: str | None = None
    scope: Scope = EVERYWHERE


@dataclass(frozen=True, slots=True)
class Deadline:
    """A number people act on ("65 days"), what it runs from, and its citation."""

    value: str
    text: str
    cite: str
    url: str | None = None
    counts_from: str = "notice"
    """One of COUNTS_FROM."""
    bound: str = "exact"
    """One of BOUNDS."""

    @property
    def span(self) -> tuple[int, str] | None:
        """The value as a count and a unit (days, months, hours, business days); None when it is not a number."""
        return parse_span(self.value)


@dataclass(frozen=True, slots=True)
class Decision:
    """How long a decider has for one kind of request."""

    kind: str
    value: str
    text: str
    cite: str
    url: str | None = None
    counts_from: str = "request"
    bound: str = "exact"

    @property
    def span(self) -> tuple[int, str] | None:
        """The value as a count and a unit; None when it is not a number."""
        return parse_span(self.value)


def parse_span(value: str) -> tuple[int, str] | None:
    """ "65 days" → (65, "days"); "up to 90 days" → (90, "days"); "3 business days" → (3, "business days")."""
    number, _, unit = value.removeprefix("up to ").partition(" ")
    unit = unit.removeprefix("calendar ")
    if not number.isdigit() or unit not in ("day", "days", "month", "months", "hour", "hours", "business days"):
        return None
    return int(number), unit if unit.endswith("s") else unit + "s"


@dataclass(frozen=True, slots=True)
class Step:
    """One level of appeal, in order."""

    name: str
    who_decides: str
    file_within: Deadline | None
    decisions: tuple[Decision, ...]
    notes: tuple[Fact, ...]
    who_files: str = "you"
    """One of WHO_FILES: taken from the rule, never inferred from a missing deadline."""
    forwarded_when: str | None = None
    """For a step you file: when the plan must forward the case itself instead (a missed deadline, say)."""
    anchor: str = ""
    """The id of this step on its plan type's page, which guides link to."""
    reasons: tuple[str, ...] = ()
    """The denial reasons whose appeals take this step, where it is not every reason's (TRICARE's
    medical-necessity and factual tracks): a guide's row names the next step its reason takes."""
    when: dict[str, Fact] = field(default_factory=dict)
    """For a denial for one of these reasons, when the step is open to it: external review takes an
    exclusion only where applying it took medical judgment (45 CFR 147.136(d)(1)(ii)). A guide's row
    says so beside the step."""
    open_if: Fact | None = None
    """When the step is open at all, for every reason, where that is not certain: TRICARE's second
    reconsideration is listed on a page dated 2014, so a row says to look for it in the first decision."""


@dataclass(frozen=True, slots=True)
class PlanType:
    """The appeal rules of one kind of US health plan."""

    slug: str
    name: str
    short_name: str
    description: str
    benefits: tuple[str, ...]
    governing_rules: tuple[Fact, ...]
    steps: tuple[Step, ...]
    expedited: FastAppeal
    rights: tuple[Fact, ...]
    last_reviewed: date

    @property
    def first_step(self) -> Step:
        """The appeal the person files themselves first."""
        return self.steps[0]

    def covers(self, benefit: str) -> bool:
        """Whether this plan type pays for a treatment on `benefit` ("either" fits any)."""
        return benefit == "either" or benefit in self.benefits

    def pays_for(self, treatment: Treatment) -> bool:
        """Whether this plan type pays for the treatment: on its benefit, unless the treatment names this
        plan type among those that never do (Treatment.not_paid_by)."""
        return self.covers(treatment.benefit) and self.slug not in treatment.not_paid_by


@dataclass(frozen=True, slots=True)
class Reason:
    """A denial reason and the levers that answer it."""

    slug: str
    name: str
    title_phrase: str
    lede: str
    meaning: str
    ask_for: str
    kinds: tuple[str, ...]
    plan_types: tuple[str, ...]
    levers: tuple[Fact, ...]
    plan_type_notes: dict[str, tuple[Fact, ...]]
    last_reviewed: date
    sources: tuple[Citation, ...]
    ask_for_by_plan_type: dict[str, str] = field(default_factory=dict)
    """What to ask for first where a plan type needs other words (Original Medicare has no plan document):
    used on a guide whose plan types all have the same one (GuideRecords.ask_for)."""
    lede_by_plan_type: dict[str, str] = field(default_factory=dict)
    """The answer's first sentence where a plan type needs other words than the treatment note's, which
    speak of a plan's contract (Original Medicare and TRICARE have none): used likewise (GuideRecords.lede)."""
    guide_notes: tuple[Fact, ...] = ()
    """Facts every guide for this reason shows where they apply, after the treatment's note: what the
    person needs on the page itself (a drug exception's own clock) and no plan type's full rules."""
    letter_case: str = ""
    """The letter outline's line for the case, where this reason's appeal rests on more than the doctor's
    medical reasons (an exclusion: why its words do not reach the treatment); "" for the doctor's line."""
    doctor_letter: str = ""
    """The next step that asks the doctor for a letter, where this reason's appeal rests on something other
    than the criteria (a network denial: why this provider); "" for the letter that answers them."""
    after_care: bool = False
    """Whether this denial is of a claim for care already had (a missing prior authorization): a guide's
    rows then give each plan type's time for such a claim, and offer no fast appeal."""
    claims_too: bool = False
    """Whether this denial may be of a request for care or of a claim for care already had (medical
    necessity, an exclusion, a network): a guide gives the time for such a claim below its rows where
    it differs from a row's decision time."""

    def applies_to(self, treatment: Treatment) -> bool:
        """Whether this reason makes sense for the treatment at all."""
        return treatment.kind in self.kinds and self.slug in treatment.reasons


@dataclass(frozen=True, slots=True)
class Treatment:
    """A treatment, its typical criteria and its Markdown angle."""

    slug: str
    name: str
    short_name: str
    generic_name: str
    brand_names: tuple[str, ...]
    kind: str
    benefit: str
    category: str
    tags: tuple[str, ...]
    plural: bool
    conditions: tuple[str, ...]
    approved_use: Fact
    guidelines: tuple[str, ...]
    criteria: tuple[Fact, ...]
    documents: tuple[str, ...]
    pitfall: Fact
    reasons: tuple[str, ...]
    reason_notes: dict[str, tuple[Fact, ...]]
    last_reviewed: date
    reviewed_by: str | None
    sources: tuple[Citation, ...]
    redirect_from: tuple[str, ...]
    body: str
    draft: bool = False
    not_paid_by: tuple[str, ...] = ()
    """Plan types that never pay for it although its benefit would say they do: Medicare pays for a
    glucose monitor as equipment under Part B, never through the Part D drug plan."""
    letter_case: str = ""
    """The letter outline's line for the case where every appeal for this treatment must answer more than
    the doctor's usual reasons (no approved product left: why not the options the payer names), unless
    the reason gives its own (Reason.letter_case); "" for the doctor's line."""

    def note_text(self, reason: str) -> str:
        """The treatment × reason note as one Markdown text ("" when there is none)."""
        return "\n\n".join(fact.text for fact in self.reason_notes.get(reason, ()))


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """A payer's published policy or policy library."""

    name: str
    cite: str
    number: str | None = None
    url: str | None = None
    effective: date | None = None
    """The effective or last revision date the document shows."""
    copy: str | None = None
    """Who posted the copy that was read, when it is not the payer's own site."""
    reviewed: date | None = None
    """The last review date the document shows, where it gives one instead of (or beside) an effective
    date: a review that changed nothing is not an effective date."""


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A payer × treatment × reason combination that should have no page."""

    treatment: str | None
    reason: str | None

    def matches(self, treatment: str, reason: str) -> bool:
        """Whether this exclusion rules out the combination."""
        return self.treatment in (None, treatment) and self.reason in (None, reason)


@dataclass(frozen=True, slots=True)
class Payer:
    """An insurer, Blue plan, PBM or government program."""

    slug: str
    name: str
    short_name: str
    aliases: tuple[str, ...]
    kind: str
    states: tuple[str, ...]
    plan_types: tuple[str, ...]
    covers_kinds: tuple[str, ...]
    benefits: tuple[str, ...]
    policy_library: PolicyRef
    notes: str
    facts: tuple[Fact, ...]
    exclude: tuple[Exclusion, ...]
    last_reviewed: date
    sources: tuple[Citation, ...]
    redirect_from: tuple[str, ...]
    draft: bool = False
    processes: dict[str, Process] = field(default_factory=dict)
    """The payer's own published process for a denial reason, by reason slug."""

    def process_for(self, reason: str, plan_types: tuple[str, ...], benefit: str) -> Process | None:
        """The payer's process for `reason` when it covers one of a guide's plan types and the treatment's benefit."""
        process = self.processes.get(reason)
        if not process or set(process.plan_types).isdisjoint(plan_types):
            return None
        return process if not process.benefits or benefit in (*process.benefits, "either") else None

    def handles(self, benefit: str) -> bool:
        """Whether this payer decides claims on `benefit` (a PBM decides pharmacy claims only)."""
        return benefit == "either" or benefit in self.benefits

    def excludes(self, treatment: str, reason: str) -> bool:
        """Whether the content rules this combination out for this payer."""
        return any(rule.matches(treatment, reason) for rule in self.exclude)


@dataclass(frozen=True, slots=True)
class Process:
    """How one payer says to ask again for one denial reason: its form or portal, who files, its times."""

    plan_types: tuple[str, ...]
    """The plan lines the payer's page speaks for: a commercial process is not its Medicare one."""
    steps: tuple[Fact, ...]
    last_reviewed: date
    benefits: tuple[str, ...] = ()
    """The benefit it is for when not both: a Part D exception is not how a clinic drug or a surgery is asked for."""


@dataclass(frozen=True, slots=True)
class PairNote:
    """What one payer's own policy asks for one treatment."""

    payer: str
    treatment: str
    policy: PolicyRef
    plan_types: tuple[str, ...]
    """The plan lines the policy governs: its text shows only on guides for them."""

    def governs(self, plan_types: tuple[str, ...]) -> bool:
        """Whether the policy governs any of a guide's plan types, so the guide shows it."""
        return not set(self.plan_types).isdisjoint(plan_types)

    criteria: tuple[Fact, ...]
    last_reviewed: date
    sources: tuple[Citation, ...]
    body: str


@dataclass(frozen=True, slots=True)
class CtaConfig:
    """The call to action for the letter-drafting service."""

    heading: str
    text: str
    button: str
    url: str
    params: dict[str, str]
    list_price: str | None = None
    first_letter_price: str | None = None
    promo_code: str | None = None


@dataclass(frozen=True, slots=True)
class RelatedConfig:
    """How many related guides of each kind a page links to."""

    same_payer: int = 4
    same_treatment: int = 4
    other_reasons: int = 4
    minimum: int = 8


@dataclass(frozen=True, slots=True)
class GateConfig:
    """Thresholds for `make check`."""

    title_min: int = 20
    note_min_words: int = 120
    """Words a treatment × reason note shows on every guide of it (lint.py)."""
    title_max: int = 70
    description_min: int = 70
    description_max: int = 160
    own_share_min: float = 0.35
    """A guide stays indexed only when this share of its 5-word shingles is on at most 1% of guides (similarity.py)."""
    nearest_max: float = 0.85
    """... and no sibling kept indexed shares this much of its shingles (weighted Jaccard)."""
    on_thin_page: str = "noindex"
    max_review_age_days: int = 365
    max_grade_level: float = 10.0
    html_sample: int = 40


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """content/site.yaml: one documented field per setting."""

    title: str
    base_url: str
    language: str
    description: str
    permalink: str
    cta: CtaConfig
    related: RelatedConfig = field(default_factory=RelatedConfig)
    gates: GateConfig = field(default_factory=GateConfig)
    sitemap_max_urls: int = 50_000
    publisher: str = ""


@dataclass(frozen=True)
class Content:
    """Everything validated: the records the rest of the pipeline works from."""

    site: SiteConfig
    plan_types: dict[str, PlanType]
    reasons: dict[str, Reason]
    treatments: dict[str, Treatment]
    payers: dict[str, Payer]
    pairs: dict[tuple[str, str], PairNote]
    help: tuple[HelpEntry, ...] = ()
    """content/free-help.yaml: free help, each entry shown only for the plan types it serves."""
