"""Frozen records the templates receive: PlanType, Reason, Treatment, Payer, PairNote."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

KINDS = ("drug", "biologic", "device", "procedure", "service", "test")
BENEFITS = ("medical", "pharmacy")
TREATMENT_BENEFITS = ("medical", "pharmacy", "either")
PAYER_KINDS = ("insurer", "blue-plan", "pbm", "government")
DECISION_KINDS = ("expedited", "standard", "pre-service", "post-service", "payment", "drug")


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a fact comes from: a regulation, label or document, and an address if seen."""

    cite: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Fact:
    """One sentence a person could act on, with its citation beside it."""

    text: str
    cite: str | None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Deadline:
    """A number people act on ("65 days"), what it runs from, and its citation."""

    value: str
    text: str
    cite: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """How long a decider has for one kind of request."""

    kind: str
    value: str
    text: str
    cite: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One level of appeal, in order."""

    name: str
    who_decides: str
    file_within: Deadline | None
    decisions: tuple[Decision, ...]
    notes: tuple[Fact, ...]


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
    expedited: Fact
    rights: tuple[Fact, ...]
    last_reviewed: date

    @property
    def first_step(self) -> Step:
        """The appeal the person files themselves first."""
        return self.steps[0]

    def covers(self, benefit: str) -> bool:
        """Whether this plan type pays for a treatment on `benefit` ("either" fits any)."""
        return benefit == "either" or benefit in self.benefits


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
    conditions: tuple[str, ...]
    approved_use: Fact
    guidelines: tuple[str, ...]
    criteria: tuple[Fact, ...]
    documents: tuple[str, ...]
    pitfall: Fact
    reasons: tuple[str, ...]
    reason_notes: dict[str, str]
    last_reviewed: date
    reviewed_by: str | None
    sources: tuple[Citation, ...]
    redirect_from: tuple[str, ...]
    body: str
    draft: bool = False


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """A payer's published policy or policy library."""

    name: str
    cite: str
    number: str | None = None
    url: str | None = None


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

    def handles(self, benefit: str) -> bool:
        """Whether this payer decides claims on `benefit` (a PBM decides pharmacy claims only)."""
        return benefit == "either" or benefit in self.benefits

    def excludes(self, treatment: str, reason: str) -> bool:
        """Whether the content rules this combination out for this payer."""
        return any(rule.matches(treatment, reason) for rule in self.exclude)


@dataclass(frozen=True, slots=True)
class PairNote:
    """What one payer's own policy asks for one treatment."""

    payer: str
    treatment: str
    policy: PolicyRef
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
    title_max: int = 110
    description_min: int = 70
    description_max: int = 170
    near_duplicate_similarity: float = 0.9
    min_specific_words: int = 150
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
