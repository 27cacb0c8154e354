"""Synthetic content of a given size, shaped like the real content and valid for the generator."""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from string import Template

import yaml

from .settings import GENERATOR_VERSION, REAL_CONTENT, REVIEWED
from .vocabulary import (
    ANSWERS,
    BENEFIT_CHOICES,
    COMMERCIAL_PLAN_TYPES,
    CONDITIONS,
    CRITERIA,
    DOCUMENTS,
    GENERIC_SUFFIX,
    GOVERNMENT_PLAN_TYPES,
    KIND_CYCLE,
    PAYER_EDIT_SENTENCE,
    PAYER_KIND_CYCLE,
    PAYER_KIND_WORDS,
    PBM_PLAN_TYPES,
    REASON_NOTE_MORE,
    REASON_OPENERS,
    RECORD_NOUNS,
    RECORDS,
    SYLLABLES,
    TIPS,
    TYPICAL_CITE,
    WATCH,
    WHY,
)


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
        "states": ["national"],
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
        "plan_types": list(payer.plan_types),
        "policy": {"name": policy, "number": f"{payer.number:03d}-{spec.number:04d}", "cite": policy},
        "criteria": [_fact(rng, spec, c, policy) for c in rng.sample(CRITERIA, rng.randint(3, 5))],
        "last_reviewed": REVIEWED,
        "sources": [{"cite": policy}],
    }
    bullets = "\n".join(f"- {t}" for t in _say(rng, spec, rng.sample(TIPS, 4)))
    body = f"## What works in an appeal\n\n{' '.join(_say(rng, spec, rng.sample(WHY, 3)))}\n\n{bullets}\n"
    return f"---\n{_dump(data)}---\n{body}"


# One bench site: its folders, and regeneration only when stale
